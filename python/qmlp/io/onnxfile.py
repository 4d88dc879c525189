"""ONNX files in and out: one-line errors for unreadable files, and qonnx's executor in batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.files import check_input_file

QUANT_DOMAIN = "qonnx.custom_op.general"


def need_onnx():
    """The onnx package, or one line saying how to get it."""
    try:
        import onnx  # noqa: F401
        import qonnx  # noqa: F401
    except ImportError as e:
        raise QmlpError(f"QONNX support needs the onnx extra ({e.name} is missing): pip install -e '.[onnx]' "
                        "(make setup installs it)") from None
    import onnx

    return onnx


def load(path):
    """An ONNX ModelProto with its external data, or a QmlpError naming what is wrong with the file."""
    onnx = need_onnx()
    from google.protobuf.message import DecodeError

    path = check_input_file(path, "ONNX file", "a .onnx file, e.g. from Brevitas export_qonnx")
    try:
        m = onnx.load(str(path), load_external_data=False)
    except (DecodeError, RuntimeError, ValueError, OSError) as e:
        raise QmlpError(f"{path}: not a readable ONNX file (truncated or not ONNX: {e.__class__.__name__})") from None
    if not m.graph.node:
        raise QmlpError(f"{path}: an ONNX file without nodes (truncated or empty)")
    for t in list(m.graph.initializer):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            _check_external(t, path)
    try:
        from onnx.external_data_helper import load_external_data_for_model

        load_external_data_for_model(m, str(path.parent))
    except Exception as e:  # noqa: BLE001  (onnx raises several types for bad external data)
        raise QmlpError(f"{path}: its external data cannot be read ({e.__class__.__name__}: {e})") from None
    check_tensors(m, path)
    return m


def _tensor_bytes(t, path: Path, what: str) -> tuple[int, int]:
    """(elements, bytes) a tensor's dims declare, in Python integers (never wrapped); dims must be >= 0."""
    import math

    from onnx import helper

    dims = [int(d) for d in t.dims]
    if any(d < 0 for d in dims):
        raise QmlpError(f"{path}: {what} {t.name!r} declares a negative dimension {dims}")
    n = math.prod(dims)
    try:
        size = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        raise QmlpError(f"{path}: {what} {t.name!r} has ONNX data type {t.data_type}, which qmlp does not read") from None
    return n, n * size


def _check_external(t, path: Path) -> None:
    """An initializer in an external data file: the file beside the model (never outside its
    folder), and its offset and length (untrusted numbers) within the file's bytes."""
    info = {e.key: e.value for e in t.external_data}
    loc = info.get("location", "")
    folder = path.parent.resolve()
    f = (folder / loc).resolve()
    if not loc or not f.is_file():
        raise QmlpError(f"{path}: initializer {t.name!r} is stored in the external data file "
                        f"{loc or '(unnamed)'}, which is missing beside it (keep {path.name} and "
                        f"{loc or path.name + '.data'} together)")
    if folder not in f.parents:
        raise QmlpError(f"{path}: initializer {t.name!r} points outside the model's folder ({loc}); external data "
                        "must lie beside the .onnx file")
    try:
        offset = int(info.get("offset", 0))
        length = int(info["length"]) if "length" in info else None
    except ValueError:
        raise QmlpError(f"{path}: initializer {t.name!r}: external data offset {info.get('offset')!r} or length "
                        f"{info.get('length')!r} is not an integer") from None
    have = f.stat().st_size
    _, need = _tensor_bytes(t, path, "initializer")
    if length is None:
        length = need
    if offset < 0 or length < 0 or offset + length > have:
        raise QmlpError(f"{path}: initializer {t.name!r} reads bytes {offset}..{offset + length} of {loc}, which has "
                        f"{have}")
    if length != need:
        raise QmlpError(f"{path}: initializer {t.name!r} has dims {list(t.dims)} ({need} bytes) but {length} bytes "
                        f"of external data")


# the typed fields of a TensorProto that hold values when raw_data is empty
_FIELDS = ("float_data", "int32_data", "int64_data", "double_data", "uint64_data")


def check_tensors(m, path: Path) -> None:
    """Every initializer and Constant tensor holds exactly what its dims declare (Python integers),
    so numpy_helper.to_array never reshapes a short buffer or allocates from a wrapped product."""
    tensors = [("initializer", t) for t in m.graph.initializer]
    for n in m.graph.node:
        for a in n.attribute:
            if a.HasField("t"):
                tensors.append((f"constant of node {n.name or n.op_type!r}", a.t))
    for what, t in tensors:
        if t.data_type == 8:                   # STRING: qmlp reads no strings, nothing to size
            continue
        n, need = _tensor_bytes(t, path, what)
        if t.raw_data:
            if len(t.raw_data) != need:
                raise QmlpError(f"{path}: {what} {t.name!r} has dims {list(t.dims)} ({need} bytes) but holds "
                                f"{len(t.raw_data)} bytes")
            continue
        have = sum(len(getattr(t, fld)) for fld in _FIELDS)
        if t.data_type in (14, 15):            # COMPLEX64/128: two numbers per element
            have //= 2
        if have != n:
            raise QmlpError(f"{path}: {what} {t.name!r} has dims {list(t.dims)} ({n} values) but holds {have}")


def run_qonnx(model_or_path, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """The graph's (single) output for inputs x (N x features), run by
    qonnx.core.onnx_exec.execute_onnx in batches (the graph's batch size is changed to fit)."""
    need_onnx()
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.change_batchsize import ChangeBatchSize
    from qonnx.transformation.infer_shapes import InferShapes

    proto = load(model_or_path) if isinstance(model_or_path, (str, Path)) else model_or_path
    base = ModelWrapper(proto)
    iname = base.graph.input[0].name
    oname = base.graph.output[0].name
    dt = np.float64 if base.graph.input[0].type.tensor_type.elem_type == 11 else np.float32
    x = np.asarray(x, dt).reshape(len(x), -1)
    outs, wrappers = [], {}
    for s in range(0, len(x), batch):
        xb = x[s:s + batch]
        n = len(xb)
        if n not in wrappers:
            p = type(proto)()
            p.CopyFrom(proto)
            w = ModelWrapper(p)
            w = w.transform(ChangeBatchSize(n)).transform(InferShapes())
            wrappers[n] = w
        outs.append(np.asarray(execute_onnx(wrappers[n], {iname: xb.reshape(wrappers[n].get_tensor_shape(iname))})[oname]))
    return np.concatenate(outs).reshape(len(x), -1)
