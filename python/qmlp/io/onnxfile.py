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
            loc = {e.key: e.value for e in t.external_data}.get("location", "")
            f = path.parent / loc
            if not loc or not f.is_file():
                raise QmlpError(f"{path}: initializer {t.name!r} is stored in the external data file "
                                f"{loc or '(unnamed)'}, which is missing beside it (keep {path.name} and "
                                f"{loc or path.name + '.data'} together)")
    try:
        from onnx.external_data_helper import load_external_data_for_model

        load_external_data_for_model(m, str(path.parent))
    except Exception as e:  # noqa: BLE001  (onnx raises several types for bad external data)
        raise QmlpError(f"{path}: its external data cannot be read ({e.__class__.__name__}: {e})") from None
    return m


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
