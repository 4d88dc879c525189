"""Runs qmlp.driver on pynq 4's own classes (backend "pynq-model") and reports what happened as JSON.

Run by tests/test_pynq_model.py with an interpreter that has pynq installed (pynq 4.0.0 pins
numpy < 2, so usually not the project's): `python pynq_model_check.py QUANT.npz HWH OUT_DIR
[DESIGN.json]`. Everything it prints is a measurement; the test judges it (and compares the saved
logits with its own golden model, in its own process).
"""

import json
import sys
import time
from pathlib import Path

import numpy as np


def main(quant_path, hwh, out_dir, design=None):
    import pynq
    from pynq.pl_server.hwh_parser import _HWHZynq
    from pynqmetadata.frontends import Metadata
    from pynqmetadata.views.runtime import RuntimeMetadataParser

    from qmlp.driver import DriverError, MlpOverlay, regs
    from qmlp.nn import quant
    from qmlp.numerics import intnet

    out = Path(out_dir)
    rep = {"pynq": pynq.__version__, "numpy": np.__version__}
    # the fixture through both of pynq's parsers
    legacy = _HWHZynq(hwh_name=hwh).ip_dict
    meta = RuntimeMetadataParser(Metadata(input=Path(hwh))).ip_dict
    rep["hwh"] = {p: {k: [d[k]["phys_addr"], d[k]["addr_range"], d[k]["type"],
                          d[k]["parameters"].get("c_sg_length_width")] for k in ("axi_dma_0", "qmlp_0")}
                  for p, d in (("legacy", legacy), ("metadata", meta))}

    net = intnet.build(quant.load(quant_path))
    ov = MlpOverlay({"golden": net}, backend="pynq-model", batch=3, timeout=0.3, hwh=hwh)
    rep["classes"] = {k: f"{type(v).__module__}.{type(v).__name__}" for k, v in
                      (("dma", ov.dma), ("ip", ov.ip), ("mmio", ov.ip.mmio), ("channel", ov.dma.recvchannel))}
    buf = pynq.allocate(shape=(4,), dtype=np.uint32)
    rep["classes"]["buffer"] = f"{type(buf).__module__}.{type(buf).__name__}"
    buf.freebuffer()
    rep["dma_max"] = ov.dma.buffer_max_size
    x = np.arange(5 * net.spec.inputs, dtype=np.uint8).reshape(5, net.spec.inputs) % 251
    np.save(out / "x.npy", x)
    c, l = ov.predict(x, logits=True)
    np.savez(out / "golden_core.npz", classes=c, logits=l)
    dev = ov.overlay.device
    rep["frees"], rep["unsafe_frees"] = len(dev.frees), list(dev.unsafe_frees)   # (none yet: a fresh process)
    rep["flushes"], rep["invalidates"] = dev.flushes, dev.invalidates
    opi = regs.words_out(net.spec.classes)
    ov.overlay.corrupt_output = {2 * opi + 2: 1}     # image 2, logit 2 (word 24: past the 2nd transfer's 22)
    c, l = ov.predict(x, logits=True)
    np.savez(out / "corrupted.npz", classes=c, logits=l)
    ov.overlay.corrupt_output = {}
    want = ov.predict(x)

    rep["faults"] = {}
    for ch in ("send", "receive"):
        for fault in ("hang", "error"):
            ov.overlay.dma_faults = {ch: [fault]}
            resets = ov.overlay.dma_model.resets
            t0 = time.monotonic()
            try:
                ov.predict(x)
                msg = None
            except DriverError as e:
                msg = str(e)
            sec = time.monotonic() - t0
            again = ov.predict(x)
            rep["faults"][f"{ch}:{fault}"] = {
                "error": msg, "seconds": sec, "resets": ov.overlay.dma_model.resets - resets,
                "next_call_equal": bool(np.array_equal(again, want)), "unsafe_frees": list(dev.unsafe_frees),
                "held_buffers": len(ov.held_buffers)}

    # a channel someone else stopped (pynq's own stop(): DMACR.RS = 0, halted) is reset before the transfer
    ov.dma.sendchannel.stop()
    resets = ov.overlay.dma_model.resets
    rep["stopped_channel"] = {"next_call_equal": bool(np.array_equal(ov.predict(x), want)),
                              "resets": ov.overlay.dma_model.resets - resets}

    # a matmul wrapper behind pynq's classes (the golden f32 core: 4 x 8 by 8 x 4 blocks)
    from qmlp.driver import MatmulOverlay

    mm = MatmulOverlay({"golden_matmul": {"KIND": "f32", "ROWS": 4, "INNER": 8, "COLS": 4}}, kind="f32",
                       backend="pynq-model", max_blocks=2)
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(11, 8)).astype(np.float32), rng.normal(size=(8, 4)).astype(np.float32)
    np.savez(out / "matmul.npz", A=A, B=B, C=mm.matmul(A, B))

    # the detector of unsafe frees fires: a buffer freed while a channel hangs on it
    ov.overlay.dma_faults = {"receive": ["hang"]}
    b = pynq.allocate(shape=(16,), dtype=np.uint32)
    ov.dma.recvchannel.transfer(b)
    b.freebuffer()
    rep["unsafe_free_detected"] = len(dev.unsafe_frees)
    ov.reset_dma()

    if design:
        rtl = MlpOverlay(design, backend="pynq-model", batch=2, timeout=600)
        frees, unsafe = len(dev.frees), len(dev.unsafe_frees)       # the memory is shared (one board)
        c, l = rtl.predict(x[:3], logits=True)
        np.savez(out / "rtl.npz", classes=c, logits=l)
        rep["rtl_frees"], rep["rtl_unsafe"] = len(dev.frees) - frees, len(dev.unsafe_frees) - unsafe
    print(json.dumps(rep))


if __name__ == "__main__":
    main(*sys.argv[1:])
