#!/usr/bin/env python3
"""Classify the test set on a PYNQ-Z2 with a qmlp overlay; print accuracy and images/s.

On the board, from the folder that holds qmlp_mlp.bit, qmlp_mlp.hwh, this script, the `qmlp`
driver package and the test set, with the Python that has pynq: since PYNQ 2.7 that is the venv
/usr/local/share/pynq-venv (not the system python3), and pynq needs root and XRT's environment:

    sudo -i     # or: sudo bash, then the two lines below
    source /etc/profile.d/pynq_venv.sh && source /etc/profile.d/xrt_setup.sh
    python3 pynq_classify.py --bit qmlp_mlp.bit --data data
    python3 pynq_classify.py --bit qmlp_matmul_i8.bit --kind i8 --model mlp.npz --data data

or in one line: sudo env XILINX_XRT=/usr PATH=/usr/local/share/pynq-venv/bin:$PATH python3
pynq_classify.py ... (older images, 2.6 and before: sudo -E python3 pynq_classify.py ...).
In Jupyter on the board (pynq_classify.ipynb) the kernel already is that venv.

The first runs the whole network in hardware (qmlp.driver.MlpOverlay): any network the overlay
was built for; its sizes come from the core's registers, and --manifest (the build's
qmlp_roms/manifest.json) checks the model and says whether the inputs are uint8 pixels or float
features (--data may then be a tabular .npz with x_test, y_test). The second is the lab's
`feed_forward_hw`: layers 1 and 3 in numpy, layer 2 on a matmul IP (qmlp.driver.MatmulOverlay,
kind i8, f32i8 or f32) with the weights of a float model (`qmlp train` writes mlp.npz).
--backend sim runs the same calls against the RTL in simulation (on a machine with the qmlp
repository; --bit is then a design file of qmlp.driver.sim.write_design). Needs numpy only (and
pynq on the board). The last line is `ACCURACY mode=<mode> accuracy=<%> images=<n>`.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))          # the qmlp package copied beside this script

KINDS = ("i8", "f32i8", "f32")
FL_A = 4            # the lab's int8 layer: A1 = fixed_point_quantize(A1, wl=8, fl=4)


class ExampleError(Exception):
    pass


# ----------------------------------------------------------------------------- data

def read_idx(path: Path) -> np.ndarray:
    """One IDX file (MNIST's format, raw or .gz) as a numpy array."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ExampleError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ExampleError(f"{path}: {data.size} bytes of data for dimensions {dims}")
    return data.reshape(dims)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise ExampleError(f"no {stem}[.gz] in {folder} (copy the test set's two IDX files there)")


def load_test_set(folder, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The test inputs (N x H*W uint8 for an IDX folder such as MNIST or Fashion-MNIST; N x F as
    stored for a tabular .npz with x_test and y_test) and their labels."""
    folder = Path(folder)
    if folder.suffix == ".npz":
        try:
            with np.load(folder, allow_pickle=False) as z:
                x, y = z["x_test"], z["y_test"]
        except (OSError, KeyError, ValueError) as e:
            raise ExampleError(f"{folder}: not a data set .npz with x_test and y_test ({e})") from None
        if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
            raise ExampleError(f"{folder}: x_test {x.shape} and y_test {y.shape} (want N x features and N)")
    else:
        x = read_idx(_find(folder, "t10k-images-idx3-ubyte"))
        y = read_idx(_find(folder, "t10k-labels-idx1-ubyte"))
        if x.ndim != 3 or len(x) != len(y):
            raise ExampleError(f"{folder}: {x.shape} images for {y.shape} labels (want N x H x W and N)")
    n = len(x) if limit is None else min(limit, len(x))
    return x[:n].reshape(n, -1), y[:n].astype(np.int64)


# ----------------------------------------------------------------------------- the two modes

def run_mlp(bit: str, x: np.ndarray, backend: str | None = None, batch: int = 1000, manifest: str | None = None):
    """The whole network on the accelerator: (classes, int32 logits, seconds of predict)."""
    from qmlp.driver import MlpOverlay

    ov = MlpOverlay(bit, backend=backend, batch=batch, model=manifest)
    t0 = time.perf_counter()
    classes, logits = ov.predict(x, logits=True)
    return classes, logits, time.perf_counter() - t0


def fixed_point_quantize(x, wl: int, fl: int) -> np.ndarray:
    """Q(wl, fl) with round half to even and saturation (qtorch's CPU "nearest"), as the lab."""
    q = np.clip(np.rint(np.asarray(x, np.float64) * 2.0 ** fl), -2 ** (wl - 1), 2 ** (wl - 1) - 1)
    return (q * 2.0 ** -fl).astype(np.float32)


def _b_fraction_length(w: np.ndarray) -> int:
    """The largest fl at which Q(8, fl) holds the weights without saturating (at least 0)."""
    m = float(np.max(np.abs(w))) if w.size else 0.0
    fl = 7
    while fl > 0 and m * 2 ** fl > 127.5:
        fl -= 1
    return fl


def load_model(path) -> dict:
    """fc1w, fc2w, fc3w (and fc*b if the model has biases) of a qmlp float model archive."""
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("fc1w", "fc2w", "fc3w") if k not in z.files]
        if missing:
            raise ExampleError(f"{path}: not a qmlp float model (no {', '.join(missing)}; `qmlp train` writes one)")
        # the weights and biases only (the archive also holds JSON strings: meta, spec)
        return {k: z[k].astype(np.float32) for k in z.files if k.startswith("fc") and k[-1] in "wb"}


def feed_forward_hw(x: np.ndarray, model: dict, matmul, kind: str, fl_b: int | None) -> np.ndarray:
    """The lab's feed_forward_hw: layers 1 and 3 in numpy, layer 2 `matmul(A1, fc2w.T)` (the IP's
    hw.matmul); returns the logits X3. For i8 and f32i8 the weights go as Q(8, fl_b) values, and
    for i8 A1 is quantized to Q(8, 4) first, as the lab did."""
    fc1w, fc2w, fc3w = model["fc1w"], model["fc2w"], model["fc3w"]
    b1, b2, b3 = (model.get(f"fc{i}b", np.float32(0)) for i in (1, 2, 3))
    B = fc2w.T if fl_b is None else fixed_point_quantize(fc2w.T, 8, fl_b)
    X0 = x.astype(np.float32) / np.float32(255)
    X1 = np.matmul(X0, fc1w.T) + b1
    A1 = np.tanh(X1)
    if kind == "i8":
        A1 = fixed_point_quantize(A1, 8, FL_A)
    X2 = matmul(A1, B) + b2
    A2 = np.tanh(X2)
    return np.matmul(A2, fc3w.T) + b3


def run_matmul(bit: str, kind: str, model: dict, x: np.ndarray, backend: str | None = None):
    """feed_forward_hw with layer 2 on the matmul overlay: (classes, float32 logits, seconds)."""
    from qmlp.driver import MatmulOverlay

    # i8: B's fraction length is ours to choose (the driver scales C by it); f32i8: the hardware
    # converts B's codes with its own FL_B (a build parameter), which the driver reads back
    fl_b = _b_fraction_length(model["fc2w"]) if kind == "i8" else None
    hw = MatmulOverlay(bit, kind=kind, backend=backend, fl_a=FL_A, fl_b=fl_b)
    if kind == "f32i8":
        fl_b = hw.fl_b
    t0 = time.perf_counter()
    X3 = feed_forward_hw(x, model, hw.matmul, kind, fl_b)
    return np.argmax(X3, axis=1), X3, time.perf_counter() - t0


# ----------------------------------------------------------------------------- command

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Classify the test set with a qmlp overlay on a PYNQ-Z2 "
                                            "(accuracy and images/s).")
    p.add_argument("--bit", required=True, help="the overlay's .bit (its .hwh beside it); with --backend sim, a "
                                                "design file of qmlp.driver.sim.write_design")
    p.add_argument("--data", default="data", help="folder with t10k-images-idx3-ubyte[.gz] and "
                                                  "t10k-labels-idx1-ubyte[.gz] (default: data), or a "
                                                  "tabular .npz with x_test and y_test")
    p.add_argument("--images", type=int, default=None, help="first N test images (default: all)")
    p.add_argument("--kind", choices=KINDS, default=None,
                   help="a matmul overlay (qmlp_matmul_<kind>.bit): the lab's feed_forward_hw, layer 2 in hardware")
    p.add_argument("--model", default=None, help="with --kind: the float model .npz (fc1w, fc2w, fc3w)")
    p.add_argument("--manifest", default=None, help="MLP overlay: the ROM manifest.json of the build; the "
                                                    "bitstream's network and ROM checksum must match it, and "
                                                    "its spec says whether the inputs are pixels or features")
    p.add_argument("--batch", type=int, default=1000, help="MLP overlay: images per DMA transfer (default 1000)")
    p.add_argument("--save", metavar="NPZ", default=None,
                   help="also write the classes and the logits (classes, logits) to this .npz file")
    p.add_argument("--backend", choices=("board", "sim"), default="board",
                   help="board: pynq on a PYNQ-Z2 (default); sim: the driver's simulation backend")
    a = p.parse_args(argv)
    try:
        if a.images is not None and a.images < 1:
            raise ExampleError(f"--images must be at least 1, got {a.images}")
        if a.batch < 1:
            raise ExampleError(f"--batch must be at least 1, got {a.batch}")
        if a.kind and not a.model:
            raise ExampleError("--kind needs --model (the float model whose layers 1 and 3 run in numpy)")
        if a.model and not a.kind:
            raise ExampleError("--model goes with --kind (a matmul overlay); the MLP overlay holds its model in ROMs")
        if a.backend == "board" and not Path(a.bit).is_file():
            raise ExampleError(f"{a.bit}: no such bitstream")
        if a.backend == "board" and not Path(a.bit).with_suffix(".hwh").is_file():
            raise ExampleError(f"{Path(a.bit).with_suffix('.hwh')}: pynq needs the .hwh beside the .bit")
        x, y = load_test_set(a.data, a.images)
        backend = "pynq" if a.backend == "board" else "sim"
        if a.kind:
            model = load_model(a.model)
            classes, logits, secs = run_matmul(a.bit, a.kind, model, x, backend)
            mode = f"overlay-matmul-{a.kind}"
        else:
            classes, logits, secs = run_mlp(a.bit, x, backend, a.batch, a.manifest)
            mode = "overlay-mlp"
    except ExampleError as e:
        print(f"pynq_classify: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the driver's DriverError (a QmlpError), pynq's errors, a missing file
        print(f"pynq_classify: error: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 1
    if a.save:
        np.savez(a.save, classes=np.asarray(classes, np.int64), logits=np.asarray(logits))
    acc = 100.0 * float(np.mean(classes == y))
    print(f"{len(x)} images in {secs:.3f} s: {len(x) / secs:.1f} images/s ({a.backend})")
    print(f"ACCURACY mode={mode} accuracy={acc:.2f} images={len(x)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
