"""`qmlp driver-bench`: MlpOverlay(...).predict on the simulation backend over the test set,
compared with the integer golden model (qmlp.numerics.intnet), with the path's speed.

The images go through the whole driver path: pixels -> codes -> 32-bit words -> the recorded
DMA transfer -> the RTL (qmlp:axi:mlp in Verilator, or Icarus) -> the received words -> logits
and classes -> the driver's own output check. images/s is that path's wall-clock rate here
(simulation included), not the board's; the simulated cycles per image are the hardware's.
"""

from __future__ import annotations

import time

import numpy as np

from qmlp.driver.overlay import MlpOverlay


def compare(logits, classes, want_logits, want_classes) -> dict:
    """Bit-exact comparison with the golden model: images whose logits or class differ."""
    lg, cl = np.asarray(logits, np.int64), np.asarray(classes, np.int64)
    bad = np.any(lg != np.asarray(want_logits, np.int64), axis=1) | (cl != np.asarray(want_classes, np.int64))
    return {"mismatches": int(bad.sum()), "first": int(np.argmax(bad)) if bad.any() else None}


def run(images: int | None = None, tool: str = "verilator", params: dict | None = None, stall: int = 0,
        batch: int = 1000, progress: bool = True, paths=None, data=None) -> dict:
    """Predict the first `images` test images (None: all) on the simulated accelerator, for the
    network of params["MODEL"] (default: the build folder's model) and its data set.

    paths: the build folder (qmlp.config.Paths; default Paths(), i.e. $QMLP_BUILD or <repo>/build);
    data: the test set (`--data`; default: the one the model was trained on, else DEFAULT_DATA)."""
    from qmlp.config import DEFAULT_DATA, Paths
    from qmlp.driver.overlay import DriverError, check_int
    from qmlp.hw import roms

    # the arguments first: a bad one costs no training, no build
    batch = check_int("batch", batch, 1, hint="images per DMA transfer (--batch)")
    if images is not None:
        images = check_int("images", images, 1, hint="--images")
    stall = check_int("stall", stall, 0, 99, "percent of cycles with back-pressure (--stall)")
    if tool not in ("verilator", "icarus"):
        raise DriverError(f"tool={tool!r}: verilator or icarus (--tool)")
    from qmlp.nn import cache
    from qmlp.nn.data import load_raw
    from qmlp.numerics import intnet

    paths = paths if paths is not None else Paths()
    prm = dict(params or {})
    model = cache.float_model(paths, prm.get("MODEL"))
    q, _ = cache.wl8_model(paths, model)
    net = intnet.build(q)
    _, _, xte, yte = load_raw(data if data else model_data(model, DEFAULT_DATA))
    n = len(xte) if images is None else min(images, len(xte))
    x, y = xte[:n], yte[:n]

    t0 = time.perf_counter()
    ov = MlpOverlay({"core": "mlp", "params": prm, "tool": tool}, backend="sim", batch=batch,
                    stall_in=stall, stall_out=stall, timeout=3600.0, input_kind=net.spec.input_kind)
    build_s = time.perf_counter() - t0
    want_sum = roms.rom_checksum(net)
    if ov.config["checksum"] != want_sum:
        from qmlp.errors import QmlpError

        raise QmlpError(f"the simulated design's ROM checksum {ov.config['checksum']:#010x} is not the golden "
                        f"model's {want_sum:#010x}")
    t1 = time.perf_counter()
    cls, lg = [], []
    cycles = 0
    for i in range(0, n, batch):
        c, l = ov.predict(x[i:i + batch], logits=True)
        cls.append(c)
        lg.append(l)
        cycles += ov.last["cycles"]
        if progress:
            print(f"driver-bench: {min(i + batch, n)}/{n} images", flush=True)
    run_s = time.perf_counter() - t1
    cls, lg = np.concatenate(cls), np.concatenate(lg)
    want_l, want_c = intnet.forward(net, intnet.inputs_to_codes(x, net.spec, net.fmt))
    cmp = compare(lg, cls, want_l, want_c)
    return {"images": n, "mismatches": cmp["mismatches"], "accuracy": float(100.0 * np.mean(cls == y)),
            "golden_accuracy": float(100.0 * np.mean(want_c == y)), "images_per_s": n / run_s,
            "run_s": run_s, "build_s": build_s, "cycles_per_image": cycles / max(n, 1),
            "sim_runs": ov.overlay.session.runs, "tool": tool, "checksum": want_sum}


def model_data(model, default):
    """The data set a float model was trained on (its metadata's "data"), when it still exists."""
    from pathlib import Path

    from qmlp.nn.model import load

    try:
        d = (load(model).meta or {}).get("data")
    except Exception:                      # noqa: BLE001 - an older archive: the default data set
        d = None
    return d if d and Path(d).exists() else default


def line(r: dict) -> str:
    return (f"DRIVER images={r['images']} mismatches={r['mismatches']} accuracy={r['accuracy']:.2f} "
            f"images_per_s={r['images_per_s']:.1f} cycles_per_image={r['cycles_per_image']:.1f}")
