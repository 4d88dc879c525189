"""Quantized models: each layer's weights as integer codes of Q(wl_layer, fl_layer).

A post-training quantized model (qmlp sweep) has one wl for every layer; a model from
quantization-aware training (qmlp train --wbits/--abits) has a word length per layer
(`wls`) and the bits of the hidden layers' activations (`abits`), which the hardware must use
as they are. The data class is qmlp.numerics.qmodel.QuantModel (the golden model reads it);
this module quantizes, calibrates, saves and loads.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.files import check_input_file, check_npz, open_npz, write_bytes
from qmlp.nn.model import FloatModel, check_meta
from qmlp.nn.model import load as load_float
from qmlp.numerics import acts as actreg
from qmlp.numerics import bipolar
from qmlp.numerics import fixedpoint as fx
from qmlp.numerics.qmodel import QuantModel
from qmlp.params import BITS
from qmlp.spec import NetSpec, default_spec_for, per_layer

__all__ = ["QuantModel", "quantize_model", "save", "load", "is_quantized_file", "is_from", "maxabs_fl",
           "calibrate_act_fls", "spec_of_file"]

# the share of calibration activations a relu/identity output range must hold (the rest saturate)
CALIB_PERCENTILE = 99.99


def calibrate_act_fls(model: FloatModel, x: np.ndarray, abits=(8,)) -> tuple:
    """Output fraction length of every calibrated hidden layer (relu, identity) from the float
    model's activations on x: the largest fl whose code range holds the CALIB_PERCENTILE-th
    percentile of |a| (None for bounded activations, whose format follows from their range)."""
    from qmlp.nn.forward import hidden_float

    spec = model.spec
    n = spec.n_layers - 1
    if n == 0:
        return ()
    abits = per_layer(tuple(abits), n, "activation bits")
    need = [not actreg.get(a).bounded for a in spec.acts]
    if not any(need):
        return (None,) * n
    hs = hidden_float(model, x[:5000])
    out = []
    for l in range(n):
        a = actreg.get(spec.acts[l])
        if a.bounded:
            out.append(None)
        else:
            top = float(np.percentile(np.abs(hs[l]), CALIB_PERCENTILE)) if hs[l].size else 1.0
            out.append(actreg.fl_for_range(a, abits[l], top))
    return tuple(out)


def quantize_model(model: FloatModel, wl: int, fls, meta: dict | None = None, act_fls=None) -> QuantModel:
    """Quantize every layer's weights to Q(wl, fls[i]); biases stay float (quantized at the
    accumulator's scale by the integer network)."""
    n = model.spec.n_layers
    if np.ndim(fls) == 0:
        fls = [int(fls)] * n
    fls = [int(f) for f in fls]
    if len(fls) != n:
        raise QmlpError(f"need one fl per layer ({n}), got {len(fls)}")
    for fl in fls:
        fx.check_format(wl, fl)
    meta = dict(meta or {}, model=model.fingerprint())   # which float model these codes come from
    # and the data it was trained on (with its validation split), so a run given only the quantized
    # file (qmlp bench's candidates, --MODEL=) reads the same data set, not the default one
    for k in ("data", "val_size", "seed"):
        if model.meta.get(k) is not None:
            meta.setdefault(k, model.meta[k])
    dt = np.int8 if wl <= 8 else np.int32
    codes = [fx.to_codes(w, wl, fl, f"{nm}w").astype(dt) for nm, w, fl in zip(model.spec.names, model.weights, fls)]
    bs = [np.asarray(b, np.float32) for b in model.biases] if model.biases is not None else None
    return QuantModel(int(wl), fls, codes, bs, meta, spec=model.spec, act_fls=act_fls)


def save(q: QuantModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = q.spec.names
    arrays = {f"{n}w_codes": c for n, c in zip(names, q.codes)}
    if q.biases is not None:
        arrays.update({f"{n}b": np.asarray(b, np.float32) for n, b in zip(names, q.biases)})
    if q.abits is not None:
        arrays["abits"] = np.array(q.abits, dtype=np.int64)
    arrays["act_fls"] = np.array([-999 if f is None else f for f in q.act_fls], dtype=np.int64)
    for n, t in zip(names, q.thresholds or []):     # threshold layers (an import): fc<l>thr, N x count
        if t is not None:
            arrays[f"{n}thr"] = np.asarray(t, np.int64)
    buf = io.BytesIO()
    np.savez(buf, wl=np.int64(q.wl), fl=np.array(q.fls, dtype=np.int64), wls=np.array(q.wls, dtype=np.int64),
             meta=np.array(json.dumps(q.meta, sort_keys=True)), spec=np.array(q.spec.to_json()), **arrays)
    write_bytes(path, buf.getvalue())          # whole, then renamed: never a truncated archive


def load(path, data: bytes | None = None) -> QuantModel:
    """data: the file's bytes, when the caller has read them already (read_model_file)."""
    path = check_input_file(path, "quantized model", "make one with: qmlp sweep")
    try:
        with open_npz(path, "quantized model", data) as z:       # sizes and dtypes checked against the bytes first
            keys = set(z.files)
            if "fc1w" in keys and "fc1w_codes" not in keys:
                raise QmlpError(f"{path}: a float model (from qmlp train), not a quantized one: pass it as --model "
                                "(or --MODEL= on the accelerator's targets, which quantizes it)")
            need = ["wl", "fl", "fc1w_codes"]
            missing = [k for k in need if k not in keys]
            if missing:
                raise QmlpError(f"{path}: not a qmlp quantized model (missing {', '.join(missing)})")
            n = 1
            while f"fc{n + 1}w_codes" in keys:
                n += 1
            wl = int(z["wl"])
            fls = [int(f) for f in z["fl"]]
            wls = [int(w) for w in z["wls"]] if "wls" in keys else [wl] * n
            abits = tuple(int(a) for a in z["abits"]) if "abits" in keys else None
            codes = [_int_codes(z[f"fc{i + 1}w_codes"], f"fc{i + 1}w_codes", path) for i in range(n)]
            if "fc1b" in keys:
                bs = [z[f"fc{i + 1}b"].astype(np.float32) for i in range(n)]
            elif "fc1b_codes" in keys:       # an archive of the first rounds: biases in the weights' format
                bs = [fx.from_codes(_int_codes(z[f"fc{i + 1}b_codes"], f"fc{i + 1}b_codes", path), fls[i], np.float32)
                      for i in range(n)]
            else:
                bs = None
            meta = json.loads(str(z["meta"])) if "meta" in keys else {}
            spec = NetSpec.from_json(str(z["spec"]), f"{path}: its spec") if "spec" in keys else None
            act_fls = tuple(None if int(f) == -999 else int(f) for f in z["act_fls"]) if "act_fls" in keys else None
            thr = [_int_codes(z[f"fc{i + 1}thr"], f"fc{i + 1}thr", path).astype(np.int64)
                   if f"fc{i + 1}thr" in keys else None for i in range(n - 1)]     # older archives: none
            check_meta(meta, path, {"mode": str, "model": str, "val_accuracy": (int, float)})
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as e:
        raise QmlpError(f"{path}: not a readable numpy archive ({e})") from None
    if spec is None:
        spec = default_spec_for([tuple(c.shape) for c in codes], bs is not None)
    if len(fls) != n or len(wls) != n:
        raise QmlpError(f"{path}: {len(fls)} fraction lengths and {len(wls)} word lengths for {n} layers")
    if abits is not None and (len(abits) != n - 1 or any(a not in BITS for a in abits)):
        raise QmlpError(f"{path}: activation bits {list(abits)}: need {n - 1} values of {', '.join(map(str, BITS))}")
    if act_fls is not None and len(act_fls) != n - 1:
        raise QmlpError(f"{path}: {len(act_fls)} activation fraction lengths for {n - 1} hidden layers")
    for w, fl in zip(wls, fls):
        fx.check_format(w, fl)
    for i, (c, w) in enumerate(zip(codes, wls)):
        lo, hi = bipolar.code_range(w)
        if not bipolar.codes_ok(c, w):
            raise QmlpError(f"{path}: fc{i + 1} codes of 1 bit must be -1 or +1 (bipolar)" if w == bipolar.BIPOLAR
                            else f"{path}: fc{i + 1} codes exceed the {w}-bit range {lo}..{hi}")
    spec.check_shapes(codes, bs, str(path))
    if bs is not None and not all(np.isfinite(b).all() for b in bs):
        raise QmlpError(f"{path}: a bias holds NaN or inf")
    _check_thresholds(thr, spec, abits, path)
    return QuantModel(wl, fls, codes, bs, meta, wls, abits, spec, act_fls, thr)


def _check_thresholds(thr: list, spec, abits, path: Path) -> None:
    """Each threshold layer's array: N x (HI - LO) of its code range, ascending per neuron."""
    for i, t in enumerate(thr):
        if t is None:
            continue
        a = actreg.get(spec.acts[i])
        ab = abits[i] if abits is not None else 8
        want = (spec.layers[i].width, actreg.thresh_count(a, ab))
        if t.shape != want:
            raise QmlpError(f"{path}: fc{i + 1}thr has shape {t.shape}, a {ab}-bit {spec.acts[i]} layer of "
                            f"{want[0]} neurons has {want[0]} x {want[1]} thresholds")
        if t.size and np.any(np.diff(t, axis=1) < 0):
            raise QmlpError(f"{path}: fc{i + 1}thr: a neuron's thresholds are not ascending")


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
        check_npz(path)
        with np.load(path, allow_pickle=False) as z:
            return "fl" in z.files and "fc1w_codes" in z.files
    except (QmlpError, OSError, ValueError, zipfile.BadZipFile):
        return False


def spec_of_file(path) -> NetSpec:
    """The network of a model file, float (qmlp train) or quantized (qmlp sweep, QAT)."""
    p = check_input_file(path, "model", "a model .npz from qmlp train, or a quantized one")
    return load(p).spec if is_quantized_file(p) else load_float(p).spec


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


@dataclass
class ModelFile:
    """A model file read once: the sha256 of its bytes and the model parsed from those same bytes
    (float, or quantized), so that a check and the use that follows it see one file."""

    path: Path
    sha256: str
    model: object                  # FloatModel, or qmlp.numerics.qmodel.QuantModel

    @property
    def quantized(self) -> bool:
        return not isinstance(self.model, FloatModel)

    @property
    def spec(self) -> NetSpec:
        return self.model.spec


def read_model_file(path) -> ModelFile:
    """Read a model file (float .npz or .pth, or a quantized .npz) once and parse it from its bytes."""
    path = check_input_file(path, "model", "a model .npz from qmlp train, or a quantized one")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise QmlpError(f"{path}: cannot read: {e.strerror or e}") from None
    sha = hashlib.sha256(data).hexdigest()
    if path.suffix == ".pth":
        return ModelFile(path, sha, load_float(path))
    with open_npz(path, "model archive", data) as z:
        quantized = "fl" in z.files and "fc1w_codes" in z.files
    if quantized:
        return ModelFile(path, sha, load(path, data=data))
    return ModelFile(path, sha, load_float(path, data=data))
