"""PyTorch MLPs as qmlp float models: a Sequential of Linear layers and elementwise activations.

Two ways in:
  a state_dict (torch.save(net.state_dict())), read with torch.load(weights_only=True): tensors
      only, no code runs. A state_dict holds no activations: give them (--act), and the widths
      to check against (--layers) if you like. Layers are the groups of keys sharing a prefix,
      in the file's order: `<p>.weight` (2-D) [+ `<p>.bias`] is a Linear; a group with
      `running_mean`/`running_var` is a BatchNorm1d (folded into the Linear before it; eps
      from --bn-eps, torch's default 1e-5).
  a saved module (torch.save(net)), behind --trust-pickle only: unpickling runs code from the
      file. Modules: Linear (bias or not), ReLU, Tanh, Sigmoid, Hardtanh(-1, 1), Identity,
      Flatten, Dropout (ignored at inference), BatchNorm1d after a Linear (folded), nested
      Sequentials. Two Linears with nothing between them: an `identity` hidden activation.

BatchNorm folding (eval mode): g = gamma / sqrt(var + eps); W' = g[:, None] * W;
b' = g * (b - mean) + beta, computed in float64, stored in float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.files import check_input_file
from qmlp.nn.model import FloatModel
from qmlp.spec import ACTIVATIONS, make, per_layer

_ACT_MODULES = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Hardtanh": "hardtanh", "Identity": None}
_IGNORED = ("Dropout", "AlphaDropout")
PICKLE_HINT = ("pass --trust-pickle to unpickle it (that runs code from the file: only for files you trust), "
               "or save net.state_dict() instead and give --act")


class _Linear:
    def __init__(self, w, b, where):
        self.w = np.asarray(w, np.float64)
        self.b = None if b is None else np.asarray(b, np.float64)
        self.where = where

    def fold_bn(self, gamma, beta, mean, var, eps, where):
        n = self.w.shape[0]
        for nm, v in (("running_mean", mean), ("running_var", var)):
            if v is None or np.shape(v) != (n,):
                raise QmlpError(f"{where}: BatchNorm1d {nm} has shape {np.shape(v)}, the Linear before it has {n} "
                                "outputs")
        gamma = np.ones(n) if gamma is None else np.asarray(gamma, np.float64)
        beta = np.zeros(n) if beta is None else np.asarray(beta, np.float64)
        g = gamma / np.sqrt(np.asarray(var, np.float64) + eps)
        b = self.b if self.b is not None else np.zeros(n)
        self.w = g[:, None] * self.w
        self.b = g * (b - np.asarray(mean, np.float64)) + beta


def _np(t, where):
    try:
        return t.detach().cpu().double().numpy()
    except AttributeError:
        raise QmlpError(f"{where}: not a tensor ({type(t).__name__})") from None


def _model(linears: list[_Linear], acts: list[str], input_kind: str, meta: dict) -> FloatModel:
    widths = [linears[0].w.shape[1]] + [l.w.shape[0] for l in linears]
    for i in range(1, len(linears)):
        if linears[i].w.shape[1] != linears[i - 1].w.shape[0]:
            raise QmlpError(f"{linears[i].where}: takes {linears[i].w.shape[1]} inputs, the layer before it has "
                            f"{linears[i - 1].w.shape[0]} outputs")
    bias = [l.b is not None for l in linears]
    spec = make(widths, acts if acts else "tanh", bias, input_kind)
    ws = [l.w.astype(np.float32) for l in linears]
    bs = [l.b.astype(np.float32) if l.b is not None else np.zeros(l.w.shape[0], np.float32) for l in linears] \
        if any(bias) else None
    return FloatModel(ws, bs, meta, spec)


def from_module(net, input_kind: str = "u8", meta: dict | None = None) -> FloatModel:
    """A float model of an nn.Sequential (nested Sequentials flattened)."""
    import torch.nn as nn

    def walk(m, prefix):
        if isinstance(m, nn.Sequential):
            for name, c in m.named_children():
                yield from walk(c, f"{prefix}.{name}" if prefix else name)
        else:
            yield prefix, m

    if not isinstance(net, nn.Sequential):
        raise QmlpError(f"a {type(net).__name__} module: qmlp imports an nn.Sequential (its forward is the "
                        "order of its modules); wrap the layers in one, or save its state_dict and give --act")
    linears: list[_Linear] = []
    acts: list[str] = []
    pending: str | None = None          # activation seen after the last Linear
    for where, m in walk(net, ""):
        kind = type(m).__name__
        if isinstance(m, nn.Linear):
            if linears:
                acts.append(pending or "identity")
            pending = None
            linears.append(_Linear(_np(m.weight, where), None if m.bias is None else _np(m.bias, where),
                                   f"module {where} (Linear)"))
        elif isinstance(m, nn.BatchNorm1d):
            if not linears or pending is not None:
                raise QmlpError(f"module {where} (BatchNorm1d): only a BatchNorm1d right after a Linear can be folded "
                                "into it")
            if not m.track_running_stats or m.running_mean is None:
                raise QmlpError(f"module {where} (BatchNorm1d): no running statistics to fold")
            linears[-1].fold_bn(None if m.weight is None else _np(m.weight, where),
                                None if m.bias is None else _np(m.bias, where), _np(m.running_mean, where),
                                _np(m.running_var, where), float(m.eps), f"module {where}")
        elif kind in _ACT_MODULES:
            if kind == "Hardtanh" and (float(m.min_val), float(m.max_val)) != (-1.0, 1.0):
                raise QmlpError(f"module {where} (Hardtanh({m.min_val}, {m.max_val})): qmlp's hardtanh clamps to "
                                "[-1, 1]")
            a = _ACT_MODULES[kind]
            if a is None:
                continue
            if not linears:
                raise QmlpError(f"module {where} ({kind}): an activation before the first Linear")
            if pending is not None:
                raise QmlpError(f"module {where} ({kind}): two activations in a row ({pending}, {a})")
            pending = a
        elif isinstance(m, nn.Flatten):
            if linears:
                raise QmlpError(f"module {where} (Flatten): only at the input")
        elif kind in _IGNORED:
            continue
        else:
            raise QmlpError(f"module {where} ({kind}): not supported (qmlp imports Linear, BatchNorm1d after a "
                            "Linear, ReLU, Tanh, Sigmoid, Hardtanh, Identity, Flatten, Dropout)")
    if not linears:
        raise QmlpError("the Sequential holds no Linear layer")
    if pending is not None:
        raise QmlpError(f"an activation ({pending}) after the last Linear: qmlp's last layer gives the logits "
                        "(no activation); remove it (argmax is the same for monotonic ones)")
    return _model(linears, acts, input_kind, dict(meta or {}))


def from_state_dict(sd, acts, layers=None, input_kind: str = "u8", bn_eps: float = 1e-5,
                    meta: dict | None = None, what: str = "state_dict") -> FloatModel:
    """A float model of a Sequential's state_dict: Linear groups (+ BatchNorm groups folded)."""
    groups: dict[str, dict] = {}
    for k, v in sd.items():
        if not isinstance(k, str) or "." not in k:
            raise QmlpError(f"{what}: key {k!r} is not a parameter name of a module (<module>.<param>)")
        p, name = k.rsplit(".", 1)
        groups.setdefault(p, {})[name] = v
    linears: list[_Linear] = []
    for p, g in groups.items():
        if "running_mean" in g or "running_var" in g:
            if not linears:
                raise QmlpError(f"{what}: {p} is a BatchNorm before any Linear; only one after a Linear folds")
            linears[-1].fold_bn(_np(g["weight"], p) if "weight" in g else None,
                                _np(g["bias"], p) if "bias" in g else None,
                                _np(g["running_mean"], p) if "running_mean" in g else None,
                                _np(g["running_var"], p) if "running_var" in g else None, bn_eps, f"{what}: {p}")
        elif "weight" in g:
            w = _np(g["weight"], f"{what}: {p}.weight")
            if w.ndim != 2:
                raise QmlpError(f"{what}: {p}.weight has shape {tuple(w.shape)}: not a Linear layer (a Conv or "
                                "embedding?); qmlp imports MLPs")
            extra = set(g) - {"weight", "bias"}
            if extra:
                raise QmlpError(f"{what}: {p} has parameters {sorted(extra)} besides weight/bias: not a Linear")
            linears.append(_Linear(w, _np(g["bias"], f"{what}: {p}.bias") if "bias" in g else None,
                                   f"{what}: {p}"))
        else:
            raise QmlpError(f"{what}: {p} has parameters {sorted(g)}: not a Linear or BatchNorm1d")
    if not linears:
        raise QmlpError(f"{what}: no Linear weights (<name>.weight, 2-D) in it")
    hidden = len(linears) - 1
    if hidden and not acts:
        raise QmlpError(f"{what}: a state_dict holds no activations: give --act (one of {', '.join(ACTIVATIONS)}, "
                        f"or one per hidden layer: {hidden} here)")
    acts_l = list(per_layer(tuple(acts.split(",")) if isinstance(acts, str) else tuple(acts), hidden, "--act",
                            "hidden layers")) if hidden else []
    m = _model(linears, acts_l, input_kind, dict(meta or {}))
    if layers:
        want = [int(v) for v in layers]
        if want != list(m.spec.widths):
            raise QmlpError(f"--layers={','.join(map(str, want))}: the state_dict's layers are "
                            f"{','.join(map(str, m.spec.widths))}")
    return m


def _first_line(e) -> str:
    lines_ = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return (lines_[0] if lines_ else "")[:200]


def load(path, acts=None, layers=None, trust_pickle: bool = False, input_kind: str = "u8",
         bn_eps: float = 1e-5, meta: dict | None = None) -> FloatModel:
    import pickle

    import torch

    path = check_input_file(path, "PyTorch file", "a .pth/.pt from torch.save")
    if Path(path).suffix.lower() == ".npz":
        raise QmlpError(f"{path}: a numpy archive; qmlp import reads PyTorch files (.pth, .pt) and QONNX graphs "
                        "(.onnx). A qmlp model .npz needs no import: pass it as --model / --MODEL= itself")
    from qmlp.files import check_torch_magic

    check_torch_magic(Path(path))
    meta = dict(meta or {}, source="pytorch", file=str(Path(path).resolve()))
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        if not trust_pickle:
            raise QmlpError(f"{path}: holds more than tensors (a pickled module?): {PICKLE_HINT}") from None
        try:
            obj = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as e2:  # noqa: BLE001  (unpickling raises anything)
            raise QmlpError(f"{path}: cannot be unpickled ({e2.__class__.__name__}: {_first_line(e2)})") from None
    except Exception as e:  # noqa: BLE001  (torch raises many types for a bad file)
        raise QmlpError(f"{path}: not a readable PyTorch file ({e.__class__.__name__}: {_first_line(e)})") from None
    import torch.nn as nn

    if isinstance(obj, nn.Module):
        if acts or layers:
            # the module says its own activations; a disagreeing --act is an error, not an override
            m = from_module(obj, input_kind, meta)
            if layers and [int(v) for v in layers] != list(m.spec.widths):
                raise QmlpError(f"--layers={','.join(map(str, layers))}: the module's layers are "
                                f"{','.join(map(str, m.spec.widths))}")
            if acts:
                a = list(per_layer(tuple(acts.split(",")), m.spec.n_layers - 1, "--act", "hidden layers"))
                if a != list(m.spec.acts):
                    raise QmlpError(f"--act={acts}: the module's activations are {','.join(m.spec.acts)}")
            return m
        return from_module(obj, input_kind, meta)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]           # a training checkpoint {"state_dict": ..., "epoch": ...}
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return from_state_dict(obj, acts, layers, input_kind, bn_eps, meta, str(path))
    raise QmlpError(f"{path}: holds a {type(obj).__name__}, not an nn.Sequential or a state_dict of tensors")
