"""The MLP of a network spec (qmlp.spec) and its weights as plain numpy arrays.

The numpy archive uses the lab's names: fc1w, fc2w, ... (torch layout: out x in), optional
fc1b, ..., a JSON `meta` string (data set, seed, accuracy, ...) and a JSON `spec` string (the
network). An archive without a spec (written before specs existed) is read as tanh hidden
layers, as qmlp trained them.
"""

from __future__ import annotations

import hashlib
import json
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.files import check_input_file, check_torch_magic, open_npz, write_bytes
from qmlp.spec import LAB, NetSpec, default_spec_for


@dataclass
class FloatModel:
    weights: list[np.ndarray]               # per layer float32, out x in
    biases: list[np.ndarray] | None = None  # per layer float32 (zeros where the spec has none); None: none at all
    meta: dict = field(default_factory=dict)
    spec: NetSpec | None = None             # None: derived from the shapes (tanh hidden layers)

    def __post_init__(self):
        if self.spec is None:
            self.spec = default_spec_for([tuple(np.shape(w)) for w in self.weights], self.biases is not None)
        check_topology(self.weights, self.biases, spec=self.spec)

    def fingerprint(self) -> str:
        """sha256 of the parameters and the spec: ties a quantized model to the float model it came from."""
        h = hashlib.sha256()
        for a in self.weights + (self.biases or []):
            h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
        if self.spec != default_spec_for([tuple(np.shape(w)) for w in self.weights], self.biases is not None):
            h.update(self.spec.to_json().encode())
        return h.hexdigest()


def check_topology(weights, biases=None, what: str = "model", spec: NetSpec = LAB) -> None:
    """Shapes must be the spec's; values must be finite."""
    spec.check_shapes(weights, biases, what)
    for i, w in enumerate(weights):
        if not np.isfinite(w).all():
            raise QmlpError(f"{what}: fc{i + 1}w holds NaN or inf")
        if biases is not None and not np.isfinite(biases[i]).all():
            raise QmlpError(f"{what}: fc{i + 1}b holds NaN or inf")


def torch_mlp(spec: NetSpec = LAB):
    """The PyTorch module of a spec (built lazily so that numpy-only users never import torch)."""
    import torch.nn as nn

    from qmlp.numerics import acts as actreg

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            for i, (k, n) in enumerate(spec.shapes):
                setattr(self, f"fc{i + 1}", nn.Linear(k, n, bias=spec.layers[i].bias))
            self.acts = [actreg.get(a) for a in spec.acts]

        def forward(self, x):
            for i in range(spec.n_layers):
                x = getattr(self, f"fc{i + 1}")(x)
                if i < spec.n_layers - 1:
                    x = self.acts[i].torch(x)
            return x

    return MLP()


def from_torch(net, spec: NetSpec = LAB, meta: dict | None = None) -> FloatModel:
    ws = [getattr(net, n).weight.detach().cpu().numpy().astype(np.float32) for n in spec.names]
    bs = None
    if spec.has_bias:
        bs = [getattr(net, n).bias.detach().cpu().numpy().astype(np.float32) if l.bias
              else np.zeros(l.width, np.float32) for n, l in zip(spec.names, spec.layers)]
    return FloatModel(ws, bs, dict(meta or {}), spec)


def save(model: FloatModel, npz: Path, pth: Path | None = None) -> None:
    """Write the archive (and the .pth) whole, under the lock of their folder: a reader never sees
    an .npz and a .pth of two different runs side by side."""
    from qmlp.files import folder_lock

    npz = Path(npz)
    with folder_lock(npz.parent, "the model files in"):
        _save(model, npz, pth)


def _save(model: FloatModel, npz: Path, pth: Path | None = None) -> None:
    npz.parent.mkdir(parents=True, exist_ok=True)
    names = model.spec.names
    arrays = {f"{n}w": w for n, w in zip(names, model.weights)}
    if model.biases is not None:
        arrays.update({f"{n}b": b for n, b in zip(names, model.biases)})
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(model.meta, sort_keys=True)), spec=np.array(model.spec.to_json()),
             **arrays)
    write_bytes(npz, buf.getvalue())           # whole, then renamed: never a truncated archive
    if pth is not None:
        import torch

        sd = {f"{n}.weight": torch.from_numpy(w.copy()) for n, w in zip(names, model.weights)}
        if model.biases is not None:
            sd.update({f"{n}.bias": torch.from_numpy(b.copy()) for n, b, l in zip(names, model.biases,
                                                                                model.spec.layers) if l.bias})
        buf = io.BytesIO()
        torch.save(sd, buf)
        write_bytes(pth, buf.getvalue())


def load(path, data: bytes | None = None) -> FloatModel:
    """Load a model from the numpy archive (.npz) or a PyTorch state_dict (.pth) with fc1, fc2, ... keys.
    data: the .npz file's bytes, when the caller has read them already."""
    path = check_input_file(path, "model file", "train one with: qmlp train")
    if path.suffix == ".pth":
        import torch

        check_torch_magic(path)
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises many types for a bad file
            raise QmlpError(f"{path}: not a readable PyTorch state_dict ({e.__class__.__name__}: {e})") from None
        if not isinstance(sd, dict) or "fc1.weight" not in sd:
            raise QmlpError(f"{path}: state_dict lacks key fc1.weight (qmlp's .pth files name layers fc1, fc2, ...)")
        n = 1
        while f"fc{n + 1}.weight" in sd:
            n += 1
        try:
            ws = [sd[f"fc{i + 1}.weight"].numpy().astype(np.float32) for i in range(n)]
        except (AttributeError, TypeError):
            raise QmlpError(f"{path}: a weight of the state_dict is not a tensor") from None
        meta, spec = {}, None
        sib = path.with_suffix(".npz")
        if sib.is_file():
            sws, _, meta, spec = _read_npz(sib)
            # qmlp train writes the pair under one lock; a pair from two runs must not pass for one
            if len(sws) != len(ws) or not all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(sws, ws)):
                raise QmlpError(f"{path} and {sib.name} beside it hold different weights (written by different "
                                f"runs): load {sib} itself, or train again into this folder")
        has_b = any(f"fc{i + 1}.bias" in sd for i in range(n))
        bs = None
        if has_b:
            bs = [sd[f"fc{i + 1}.bias"].numpy().astype(np.float32) if f"fc{i + 1}.bias" in sd
                  else np.zeros(len(ws[i]), np.float32) for i in range(n)]
        return FloatModel(ws, bs, meta, spec)
    ws, bs, meta, spec = _read_npz(path, data)
    return FloatModel(ws, bs, meta, spec)


def _read_npz(path: Path, data: bytes | None = None):
    with open_npz(path, "model archive", data) as z:   # sizes and dtypes checked against the bytes first
        keys = set(z.files)
        if "fc1w" not in keys:
            if "fc1w_codes" in keys:
                raise QmlpError(f"{path}: {_quantized_kind(z)}, not a float model: pass it as --quant (qmlp infer, "
                                "qmlp roms) or --MODEL= (the accelerator's targets)")
            raise QmlpError(f"{path}: not a qmlp model archive (an .npz without fc1w; qmlp train writes them, "
                            "qmlp import brings in PyTorch and QONNX models)")
        n = 1
        while f"fc{n + 1}w" in keys:
            n += 1
        try:
            ws = [_float_array(z[f"fc{i + 1}w"], f"fc{i + 1}w", path) for i in range(n)]
            bs = [_float_array(z[f"fc{i + 1}b"], f"fc{i + 1}b", path) for i in range(n)] if "fc1b" in keys else None
            meta = json.loads(str(z["meta"])) if "meta" in keys else {}
            spec = NetSpec.from_json(str(z["spec"]), f"{path}: its spec") if "spec" in keys else None
        except (ValueError, KeyError, TypeError) as e:
            raise QmlpError(f"{path}: not a readable qmlp model archive ({e.__class__.__name__}: {e})") from None
    check_meta(meta, path, META_TYPES)
    if spec is not None:
        spec.check_shapes(ws, bs, str(path))
    return ws, bs, meta, spec


def _float_array(a: np.ndarray, name: str, path: Path) -> np.ndarray:
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise QmlpError(f"{path}: {name} has dtype {a.dtype}; weights are float arrays")
    return a.astype(np.float32)


def _quantized_kind(z) -> str:
    """What a quantized archive is, in words: a QAT model with its bits, or a post-training one."""
    try:
        if "abits" in z.files:
            wls = [int(w) for w in z["wls"]] if "wls" in z.files else []
            ab = [int(a) for a in z["abits"]]
            name = f"w{''.join(map(str, wls))}a{''.join(map(str, ab))}" if wls else "a"
            return f"a quantized {name} model from quantization-aware training (qmlp train --wbits/--abits)"
        return f"a quantized wl={int(z['wl'])} model from qmlp sweep (integer codes)"
    except (ValueError, KeyError, TypeError):
        return "a quantized model (integer codes)"


# what `qmlp train` writes, and what later stages read back from a model's metadata
META_TYPES = {"data": str, "seed": int, "epochs": int, "batch_size": int, "lr": (int, float), "bias": bool,
              "val_size": int, "train_images": int, "train_seconds": (int, float), "torch": str,
              "val_accuracy": (int, float), "test_accuracy": (int, float)}


def check_meta(meta, path, types: dict) -> None:
    """A model archive's metadata: a JSON object whose known keys have their types."""
    if not isinstance(meta, dict):
        raise QmlpError(f"{path}: its metadata is a {type(meta).__name__}, not a JSON object "
                        "(re-save it with qmlp train or qmlp sweep)")
    for k, t in types.items():
        v = meta.get(k)
        if v is None:
            continue
        ok = isinstance(v, t) and not (t is int and isinstance(v, bool)) and \
            not (t == (int, float) and isinstance(v, bool))
        if not ok:
            names = " or ".join(x.__name__ for x in (t if isinstance(t, tuple) else (t,)))
            raise QmlpError(f"{path}: metadata {k}={v!r} should be {names}")
    if meta.get("val_size") is not None and meta["val_size"] < 0:
        raise QmlpError(f"{path}: metadata val_size={meta['val_size']} is negative")
