"""Weight ROMs, tanh table and test vectors for qmlp:accel:mlp, with a manifest.

A layer with K inputs, N outputs, PE neurons in parallel and SIMD inputs per cycle reads one
ROM word per cycle: word n * (K/SIMD) + c holds the PE x SIMD weights
W[n*PE + p][c*SIMD + s], byte (p*SIMD + s) at bits 8*(p*SIMD + s). The hardware's
parameters are generated from the same manifest (qmlp_mlp_params.vh), so they cannot drift
from the ROM layout. Files, all deterministic:
  fc{1,2,3}.hex / .mem / .coe   $readmemh words / Xilinx memory file / Block Memory Generator
  tanh.hex / .mem / .coe        the activation table
  images.hex                    test images as input-stream words (K1/SIMD1 words per image)
  expected.hex                  golden int8 model: 10 logits (int32) + class per image
  labels.hex, vectors.txt       labels; "<images> <words per image> <word bits>"
  qmlp_mlp_params.vh            the hardware parameters, generated from the manifest
  manifest.json                 shapes, formats, bank layout, shifts, hashes
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import intnet
from .config import LAYERS, TOPOLOGY
from .errors import QmlpError
from .hashing import file_sha256, package_sha256

DEFAULT_PE = (4, 16, 2)
DEFAULT_SIMD = (49, 1, 1)
LAYER_FILES = LAYERS          # fc1, fc2, fc3: the ROM files are named after the layers
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class LayerHw:
    k: int
    n: int
    pe: int
    simd: int

    @property
    def groups(self) -> int:
        return self.n // self.pe

    @property
    def chunks(self) -> int:
        return self.k // self.simd

    @property
    def depth(self) -> int:
        return self.groups * self.chunks

    @property
    def width(self) -> int:
        return self.pe * self.simd * 8

    @property
    def cycles(self) -> int:
        """Cycles per image: one ROM word per cycle."""
        return self.depth


@dataclass(frozen=True)
class HwConfig:
    pe: tuple[int, int, int] = DEFAULT_PE
    simd: tuple[int, int, int] = DEFAULT_SIMD

    def layers(self) -> list[LayerHw]:
        return [LayerHw(TOPOLOGY[i], TOPOLOGY[i + 1], self.pe[i], self.simd[i]) for i in range(3)]

    def check(self) -> None:
        if len(self.pe) != 3 or len(self.simd) != 3:
            raise QmlpError(f"need 3 PE and 3 SIMD values (one per layer), got {list(self.pe)} and {list(self.simd)}")
        for i, l in enumerate(self.layers()):
            if l.pe < 1 or l.n % l.pe:
                raise QmlpError(f"layer {i + 1}: PE={l.pe} must divide its {l.n} outputs")
            if l.simd < 1 or l.k % l.simd:
                raise QmlpError(f"layer {i + 1}: SIMD={l.simd} must divide its {l.k} inputs")
            if l.depth < 2:
                raise QmlpError(f"layer {i + 1}: PE={l.pe} x SIMD={l.simd} leaves a ROM of depth {l.depth}; "
                                "keep at least 2 words per layer")

    @property
    def cycles_per_image(self) -> int:
        return max(l.cycles for l in self.layers())

    @property
    def macs(self) -> int:
        return sum(l.pe * l.simd for l in self.layers())


# ----------------------------------------------------------------------------- layouts

def rom_bytes(w_codes: np.ndarray, l: LayerHw) -> np.ndarray:
    """(depth, PE*SIMD) uint8: row n*chunks + c, byte p*SIMD + s = W[n*PE + p][c*SIMD + s]."""
    w = np.asarray(w_codes, dtype=np.int8)
    if w.shape != (l.n, l.k):
        raise QmlpError(f"weights of shape {w.shape} do not fit a {l.k}-input, {l.n}-output layer")
    t = w.view(np.uint8).reshape(l.groups, l.pe, l.chunks, l.simd).transpose(0, 2, 1, 3)
    return np.ascontiguousarray(t).reshape(l.depth, l.pe * l.simd)


def image_words(x_codes: np.ndarray, l1: LayerHw) -> np.ndarray:
    """(images * K1/SIMD1, SIMD1) uint8: input-stream beats, byte s at bits 8*s."""
    x = np.asarray(x_codes, dtype=np.int8).view(np.uint8)
    return np.ascontiguousarray(x.reshape(-1, l1.chunks, l1.simd)).reshape(-1, l1.simd)


def hex_lines(words_le: np.ndarray) -> list[str]:
    """Each row of little-endian bytes as one hex word (most significant digit first)."""
    return [row[::-1].tobytes().hex() for row in np.asarray(words_le, dtype=np.uint8)]


def int32_lines(values) -> list[str]:
    return [format(int(v) & 0xFFFFFFFF, "08x") for v in np.asarray(values).reshape(-1)]


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return hashlib.sha256(text.encode()).hexdigest()


def _write_rom(folder: Path, name: str, lines: list[str], width: int) -> dict:
    body = "\n".join(lines) + "\n"
    h = {
        f"{name}.hex": _write(folder / f"{name}.hex", body),
        f"{name}.mem": _write(folder / f"{name}.mem", "@00000000\n" + body),
        f"{name}.coe": _write(folder / f"{name}.coe", "memory_initialization_radix=16;\nmemory_initialization_vector=\n"
                              + ",\n".join(lines) + ";\n"),
    }
    return {"depth": len(lines), "width": width, "files": sorted(h), "sha256": h}


def params_header(man: dict) -> str:
    """The Verilog header of hardware parameters, generated from the manifest."""
    lines = [
        "// Generated by `qmlp roms` from manifest.json: the accelerator's parameters.",
        "// Do not edit: regenerate the ROMs instead, so that hardware and ROM layout match.",
        "`ifndef QMLP_MLP_PARAMS_VH",
        "`define QMLP_MLP_PARAMS_VH",
    ]
    for i, l in enumerate(man["layers"], 1):
        for key in ("k", "n", "pe", "simd"):
            lines.append(f"`define QMLP_MLP_{key.upper()}{i} {l[key]}")
    lines.append(f"`define QMLP_MLP_SHIFT1 {man['shifts'][0]}")
    lines.append(f"`define QMLP_MLP_SHIFT2 {man['shifts'][1]}")
    lines.append(f"`define QMLP_MLP_IDX_BITS {man['formats']['idx_bits']}")
    lines.append(f"`define QMLP_MLP_CYCLES_PER_IMAGE {man['cycles_per_image']}")
    lines += ["`endif", ""]
    return "\n".join(lines)


def write(folder: Path, net: intnet.IntNet, cfg: HwConfig, test_u8: np.ndarray, test_labels: np.ndarray,
          source: dict | None = None) -> dict:
    """Write every file into folder and return the manifest (also written as manifest.json)."""
    cfg.check()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers = cfg.layers()
    roms = {}
    for i, (name, w, l) in enumerate(zip(LAYER_FILES, net.w_codes, layers)):
        roms[name] = dict(_write_rom(folder, name, hex_lines(rom_bytes(w, l)), l.width), fl=net.w_fls[i])
    roms["tanh"] = _write_rom(folder, "tanh", [format(int(v) & 0xFF, "02x") for v in net.tanh_lut], 8)

    x = intnet.pixels_to_codes(test_u8, net.fmt)
    logits, classes = intnet.forward(net, x)
    n_img = len(x)
    exp = np.concatenate([logits, classes[:, None]], axis=1)
    vec_hash = {
        "images.hex": _write(folder / "images.hex", "\n".join(hex_lines(image_words(x, layers[0]))) + "\n"),
        "expected.hex": _write(folder / "expected.hex", "\n".join(int32_lines(exp)) + "\n"),
        "labels.hex": _write(folder / "labels.hex", "\n".join(f"{int(v):x}" for v in test_labels) + "\n"),
        "vectors.txt": _write(folder / "vectors.txt", f"{n_img} {layers[0].chunks} {layers[0].simd * 8}\n"),
    }
    man = {
        "version": MANIFEST_VERSION,
        "topology": list(TOPOLOGY),
        "formats": asdict(net.fmt),
        "shifts": net.shifts,
        "weights": [{"name": n, "shape": [l.n, l.k], "wl": 8, "fl": fl} for n, l, fl in zip(LAYER_FILES, layers, net.w_fls)],
        "layers": [dict(asdict(l), groups=l.groups, chunks=l.chunks, rom_depth=l.depth, rom_width=l.width,
                        rom=name, layout="word n*chunks+c, byte p*simd+s = W[n*pe+p][c*simd+s]")
                   for name, l in zip(LAYER_FILES, layers)],
        "cycles_per_image": cfg.cycles_per_image,
        "macs_per_cycle": cfg.macs,
        "roms": roms,
        "vectors": {"images": n_img, "words_per_image": layers[0].chunks, "word_bits": layers[0].simd * 8,
                    "sha256": vec_hash},
        "golden": {"test_accuracy": float(100.0 * np.mean(classes == test_labels)), "images": n_img},
        "source": source or {},
    }
    hdr = params_header(man)
    man["params_header_sha256"] = _write(folder / "qmlp_mlp_params.vh", hdr)
    (folder / "manifest.json").write_text(json.dumps(man, indent=1, sort_keys=True) + "\n")
    return man


def verify(folder: Path) -> dict:
    """Re-hash every file listed in the manifest; raise QmlpError naming the first that differs."""
    folder = Path(folder)
    mp = folder / "manifest.json"
    if not mp.is_file():
        raise QmlpError(f"{mp} not found (make the ROMs with: qmlp roms)")
    try:
        man = json.loads(mp.read_text())
        want = {f: h for r in man["roms"].values() for f, h in r["sha256"].items()}
        want.update(man["vectors"]["sha256"])
        want["qmlp_mlp_params.vh"] = man["params_header_sha256"]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise QmlpError(f"{mp} is not a qmlp ROM manifest ({e.__class__.__name__}: {e})") from None
    for f, h in sorted(want.items()):
        p = folder / f
        if not p.is_file():
            raise QmlpError(f"{p} is missing (listed in {mp})")
        if file_sha256(p) != h:
            raise QmlpError(f"{p} does not match the hash in {mp}: regenerate with qmlp roms")
    return man


# ----------------------------------------------------------------------------- make them

def code_hash() -> str:
    """Hash of the code that decides the ROM contents: a change regenerates them."""
    return package_sha256("roms", "intnet", "golden", "fixedpoint")


def _log(msg: str) -> None:
    import sys

    print(f"qmlp roms: {msg}", file=sys.stderr, flush=True)


def quant_source(paths, quant_path=None, progress: bool = True):
    """The wl=8 quantized model to put in ROM, and its file: --quant; else the sweep's per-layer
    wl=8 model; else one chosen now for the current float model (training the default model
    first if there is none) and kept in the ROM folder for the next call."""
    from . import model as mdl
    from . import quant, sweep
    from .data import dataset_of
    from .train import train_default

    if quant_path:
        return quant.load(quant_path), Path(quant_path)
    if not paths.model_npz.is_file():
        _log(f"no model in {paths.model_npz}: training the default one (10 epochs, seed 0)")
        train_default(paths, progress)
    m = mdl.load(paths.model_npz)
    own = paths.roms_dir / "quantized_model_wl=8_per_layer.npz"
    for cand in (sweep.model_path(paths.sweep_dir, 8, "per_layer"), own):
        if cand.is_file():
            q = quant.load(cand)
            if quant.is_from(q, m):
                return q, cand
            _log(f"{cand} is from another float model: not using it")
    _log("no sweep result for this model: choosing the wl=8 fraction lengths per layer on the validation split")
    res = sweep.run(m, dataset_of(m.meta), wls=[8], progress=progress)
    q = res.models[(8, "per_layer")]
    quant.save(q, own)
    return q, own


def ensure(paths, cfg: HwConfig | None = None, fmt: intnet.IntFormats | None = None, quant_path=None,
           out: Path | None = None, force: bool = False, progress: bool = True) -> tuple[dict, bool]:
    """Make the ROM folder up to date; returns (manifest, regenerated)."""
    from .data import DEFAULT_DATA, load_raw
    from .model import load as load_model

    out = Path(out or paths.roms_dir)
    old = None
    if (out / "manifest.json").is_file():
        try:
            old = verify(out)
        except QmlpError as e:
            _log(f"regenerating: {e}")
    if cfg is None:
        cfg = HwConfig(tuple(l["pe"] for l in old["layers"]), tuple(l["simd"] for l in old["layers"])) if old else HwConfig()
    fmt = fmt or (intnet.IntFormats(**old["formats"]) if old else intnet.IntFormats())
    cfg.check()
    fmt.check()                     # bad options fail before any training or sweeping
    q, qpath = quant_source(paths, quant_path, progress)
    data = load_model(paths.model_npz).meta.get("data") if paths.model_npz.is_file() else None
    source = {"quant": str(qpath), "quant_sha256": file_sha256(qpath), "data": data or str(DEFAULT_DATA),
              "code": code_hash()}
    if old and not force and old.get("source") == source and old["formats"] == asdict(fmt) \
            and [l["pe"] for l in old["layers"]] == list(cfg.pe) and [l["simd"] for l in old["layers"]] == list(cfg.simd):
        return old, False
    net = intnet.build(q, fmt)
    _, _, xte, yte = load_raw(source["data"])
    man = write(out, net, cfg, xte, yte, source)
    _log(f"wrote ROMs for PE={list(cfg.pe)} SIMD={list(cfg.simd)} ({cfg.cycles_per_image} cycles/image) to {out}")
    return man, True
