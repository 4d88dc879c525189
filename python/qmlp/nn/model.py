"""The MLP (784-128-64-10, tanh) and its weights as plain numpy arrays.

The numpy archive uses the lab's names: fc1w, fc2w, fc3w (torch layout: out x in), optional
fc1b.., and a JSON `meta` string (data set, seed, accuracy, ...).
"""

from __future__ import annotations

import hashlib
import json
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmlp.config import LAYERS, TOPOLOGY
from qmlp.errors import QmlpError
from qmlp.files import write_bytes


@dataclass
class FloatModel:
    weights: list[np.ndarray]               # [(128,784), (64,128), (10,64)] float32, out x in
    biases: list[np.ndarray] | None = None  # None: the lab's bias-free network
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        check_topology(self.weights, self.biases)

    def fingerprint(self) -> str:
        """sha256 of the parameters: ties a quantized model to the float model it came from."""
        h = hashlib.sha256()
        for a in self.weights + (self.biases or []):
            h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
        return h.hexdigest()


def check_topology(weights, biases=None, what: str = "model") -> None:
    """Shapes must be the 784-128-64-10 network's; values must be finite."""
    if len(weights) != len(LAYERS):
        raise QmlpError(f"{what}: expected {len(LAYERS)} weight matrices, got {len(weights)}")
    for i, (name, w) in enumerate(zip(LAYERS, weights)):
        want = (TOPOLOGY[i + 1], TOPOLOGY[i])
        if tuple(w.shape) != want:
            raise QmlpError(f"{what}: {name}w has shape {tuple(w.shape)}, the 784-128-64-10 MLP needs {want}")
        if not np.isfinite(w).all():
            raise QmlpError(f"{what}: {name}w holds NaN or inf")
        if biases is not None:
            b = biases[i]
            if tuple(b.shape) != (TOPOLOGY[i + 1],):
                raise QmlpError(f"{what}: {name}b has shape {tuple(b.shape)}, expected ({TOPOLOGY[i + 1]},)")
            if not np.isfinite(b).all():
                raise QmlpError(f"{what}: {name}b holds NaN or inf")


def torch_mlp(bias: bool = False):
    """The PyTorch module (built lazily so that numpy-only users never import torch)."""
    import torch.nn as nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(TOPOLOGY[0], TOPOLOGY[1], bias=bias)
            self.fc2 = nn.Linear(TOPOLOGY[1], TOPOLOGY[2], bias=bias)
            self.fc3 = nn.Linear(TOPOLOGY[2], TOPOLOGY[3], bias=bias)

        def forward(self, x):
            x = self.fc1(x).tanh()
            x = self.fc2(x).tanh()
            return self.fc3(x)

    return MLP()


def from_torch(net, meta: dict | None = None) -> FloatModel:
    ws = [getattr(net, n).weight.detach().cpu().numpy().astype(np.float32) for n in LAYERS]
    has_b = net.fc1.bias is not None
    bs = [getattr(net, n).bias.detach().cpu().numpy().astype(np.float32) for n in LAYERS] if has_b else None
    return FloatModel(ws, bs, dict(meta or {}))


def save(model: FloatModel, npz: Path, pth: Path | None = None) -> None:
    npz.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{n}w": w for n, w in zip(LAYERS, model.weights)}
    if model.biases is not None:
        arrays.update({f"{n}b": b for n, b in zip(LAYERS, model.biases)})
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(model.meta, sort_keys=True)), **arrays)
    write_bytes(npz, buf.getvalue())           # whole, then renamed: never a truncated archive
    if pth is not None:
        import torch

        sd = {f"{n}.weight": torch.from_numpy(w.copy()) for n, w in zip(LAYERS, model.weights)}
        if model.biases is not None:
            sd.update({f"{n}.bias": torch.from_numpy(b.copy()) for n, b in zip(LAYERS, model.biases)})
        buf = io.BytesIO()
        torch.save(sd, buf)
        write_bytes(pth, buf.getvalue())


def load(path) -> FloatModel:
    """Load a model from the numpy archive (.npz) or a PyTorch state_dict (.pth)."""
    path = Path(path)
    if not path.is_file():
        raise QmlpError(f"model file {path} not found (train one with: qmlp train)")
    if path.suffix == ".pth":
        import torch

        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises many types for a bad file
            raise QmlpError(f"{path}: not a readable PyTorch state_dict ({e.__class__.__name__}: {e})") from None
        try:
            ws = [sd[f"{n}.weight"].numpy().astype(np.float32) for n in LAYERS]
        except (KeyError, AttributeError, TypeError):
            raise QmlpError(f"{path}: state_dict lacks keys {', '.join(n + '.weight' for n in LAYERS)}") from None
        try:
            bs = [sd[f"{n}.bias"].numpy().astype(np.float32) for n in LAYERS] if f"{LAYERS[0]}.bias" in sd else None
        except (KeyError, AttributeError, TypeError):
            raise QmlpError(f"{path}: state_dict has some biases but not {', '.join(n + '.bias' for n in LAYERS)}") from None
        meta = {}
        sib = path.with_suffix(".npz")
        if sib.is_file():
            meta = _read_npz(sib)[2]
        return FloatModel(ws, bs, meta)
    ws, bs, meta = _read_npz(path)
    return FloatModel(ws, bs, meta)


def _read_npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            missing = [f"{n}w" for n in LAYERS if f"{n}w" not in keys]
            if missing:
                raise QmlpError(f"{path}: not a qmlp model archive (missing {', '.join(missing)})")
            ws = [z[f"{n}w"].astype(np.float32) for n in LAYERS]
            bs = [z[f"{n}b"].astype(np.float32) for n in LAYERS] if f"{LAYERS[0]}b" in keys else None
            meta = json.loads(str(z["meta"])) if "meta" in keys else {}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        raise QmlpError(f"{path}: not a readable numpy archive ({e})") from None
    check_meta(meta, path, META_TYPES)
    return ws, bs, meta


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
