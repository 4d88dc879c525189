"""Quantized models: each layer's weights as integer codes of Q(wl_layer, fl_layer).

A post-training quantized model (qmlp sweep) has one wl for every layer; a model from
quantization-aware training (qmlp train --wbits/--abits) has a word length per layer
(`wls`) and the bits of the two hidden layers' activations (`abits`), which the hardware
must use as they are.
"""

from __future__ import annotations

import json
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmlp.numerics import fixedpoint as fx
from qmlp.config import LAYERS
from qmlp.errors import QmlpError
from qmlp.files import write_bytes
from qmlp.nn.model import FloatModel, check_meta, check_topology


@dataclass
class QuantModel:
    wl: int
    fls: list[int]                          # fraction length per layer
    codes: list[np.ndarray]                 # int codes, torch layout (out x in)
    bias_codes: list[np.ndarray] | None = None  # biases in the layer's weight format
    meta: dict = field(default_factory=dict)
    wls: list[int] | None = None            # word length per layer (QAT); None: wl for every layer
    abits: tuple | None = None              # activation bits per hidden layer (QAT); None: any

    def __post_init__(self):
        if self.wls is None:
            self.wls = [int(self.wl)] * len(LAYERS)
        self.wls = [int(w) for w in self.wls]

    def weights(self, dtype=np.float32) -> list[np.ndarray]:
        return [fx.from_codes(c, fl, dtype) for c, fl in zip(self.codes, self.fls)]

    def biases(self, dtype=np.float32) -> list[np.ndarray] | None:
        if self.bias_codes is None:
            return None
        return [fx.from_codes(c, fl, dtype) for c, fl in zip(self.bias_codes, self.fls)]


def quantize_model(model: FloatModel, wl: int, fls, meta: dict | None = None) -> QuantModel:
    """Quantize every layer (weights, and biases if any) to Q(wl, fls[i])."""
    if np.ndim(fls) == 0:
        fls = [int(fls)] * len(LAYERS)
    fls = [int(f) for f in fls]
    if len(fls) != len(LAYERS):
        raise QmlpError(f"need one fl per layer ({len(LAYERS)}), got {len(fls)}")
    for fl in fls:
        fx.check_format(wl, fl)
    meta = dict(meta or {}, model=model.fingerprint())   # which float model these codes come from
    dt = np.int8 if wl <= 8 else np.int32
    codes = [fx.to_codes(w, wl, fl, f"{n}w").astype(dt) for n, w, fl in zip(LAYERS, model.weights, fls)]
    bcodes = None
    if model.biases is not None:
        bcodes = [fx.to_codes(b, wl, fl, f"{n}b").astype(dt) for n, b, fl in zip(LAYERS, model.biases, fls)]
    return QuantModel(int(wl), fls, codes, bcodes, meta)


def save(q: QuantModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{n}w_codes": c for n, c in zip(LAYERS, q.codes)}
    if q.bias_codes is not None:
        arrays.update({f"{n}b_codes": c for n, c in zip(LAYERS, q.bias_codes)})
    buf = io.BytesIO()
    if q.abits is not None:
        arrays["abits"] = np.array(q.abits, dtype=np.int64)
    np.savez(buf, wl=np.int64(q.wl), fl=np.array(q.fls, dtype=np.int64), wls=np.array(q.wls, dtype=np.int64),
             meta=np.array(json.dumps(q.meta, sort_keys=True)), **arrays)
    write_bytes(path, buf.getvalue())          # whole, then renamed: never a truncated archive


def load(path) -> QuantModel:
    path = Path(path)
    if not path.is_file():
        raise QmlpError(f"quantized model {path} not found (make one with: qmlp sweep)")
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            need = ["wl", "fl"] + [f"{n}w_codes" for n in LAYERS]
            missing = [k for k in need if k not in keys]
            if missing:
                raise QmlpError(f"{path}: not a qmlp quantized model (missing {', '.join(missing)})")
            wl = int(z["wl"])
            fls = [int(f) for f in z["fl"]]
            wls = [int(w) for w in z["wls"]] if "wls" in keys else [wl] * len(LAYERS)
            abits = tuple(int(a) for a in z["abits"]) if "abits" in keys else None
            codes = [_int_codes(z[f"{n}w_codes"], f"{n}w_codes", path) for n in LAYERS]
            bcodes = [_int_codes(z[f"{n}b_codes"], f"{n}b_codes", path) for n in LAYERS] \
                if f"{LAYERS[0]}b_codes" in keys else None
            meta = json.loads(str(z["meta"])) if "meta" in keys else {}
            check_meta(meta, path, {"mode": str, "model": str, "val_accuracy": (int, float)})
    except (OSError, ValueError, TypeError, zipfile.BadZipFile) as e:
        raise QmlpError(f"{path}: not a readable numpy archive ({e})") from None
    if len(fls) != len(LAYERS) or len(wls) != len(LAYERS):
        raise QmlpError(f"{path}: {len(fls)} fraction lengths and {len(wls)} word lengths for {len(LAYERS)} layers")
    if abits is not None and (len(abits) != len(LAYERS) - 1 or any(a not in (8, 4, 2) for a in abits)):
        raise QmlpError(f"{path}: activation bits {list(abits)}: need {len(LAYERS) - 1} values of 8, 4 or 2")
    for w, fl in zip(wls, fls):
        fx.check_format(w, fl)
    for n, c, w in zip(LAYERS, codes, wls):
        lo, hi = fx.code_range(w)
        if c.size and (c.min() < lo or c.max() > hi):
            raise QmlpError(f"{path}: {n} codes exceed the {w}-bit range {lo}..{hi}")
    check_topology(codes, bcodes, str(path))
    return QuantModel(wl, fls, codes, bcodes, meta, wls, abits)


def _int_codes(a: np.ndarray, name: str, path: Path) -> np.ndarray:
    """Integer codes as int64: an integer array, or a float array whose values are all integers.
    A code of 3.5 is no code at all: truncating it would put a different model into the ROMs."""
    if np.issubdtype(a.dtype, np.integer):
        return a
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise QmlpError(f"{path}: {name} holds NaN or inf; integer codes expected")
        if np.any(a != np.round(a)):
            bad = a[a != np.round(a)].reshape(-1)[0]
            raise QmlpError(f"{path}: {name} holds non-integer codes (e.g. {bad}); a quantized model stores "
                            "integer codes (re-quantize with qmlp sweep)")
        return a.astype(np.int64)
    raise QmlpError(f"{path}: {name} has dtype {a.dtype}; integer codes expected")


def is_quantized_file(path) -> bool:
    """Does an archive hold a quantized model (codes) rather than a float one?"""
    try:
        with np.load(path, allow_pickle=False) as z:
            return "fl" in z.files and f"{LAYERS[0]}w_codes" in z.files
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


def is_from(q: QuantModel, model: FloatModel) -> bool:
    """Were q's codes quantized from this float model (and not from an older one)?"""
    return q.meta.get("model") == model.fingerprint()


def maxabs_fl(w: np.ndarray, wl: int) -> int:
    """The largest fl whose Q(wl, fl) range still holds max|w| (a default when no sweep ran)."""
    m = float(np.max(np.abs(w)))
    if m == 0:
        return wl - 1
    # need (2**(wl-1) - 1) * 2**-fl >= m, approximately: 2**(wl-1-fl) > m
    return int(np.clip(wl - 1 - int(np.ceil(np.log2(m + 1e-30))), fx.FL_MIN, fx.FL_MAX))
