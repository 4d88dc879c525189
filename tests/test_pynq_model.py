"""qmlp.driver on pynq 4.0.0's own DMA, DefaultIP, MMIO and PynqBuffer (backend "pynq-model").

Only what lies below pynq's classes is faked (qmlp.driver.pynq_model: the register memory, the
AXI DMA engine at register level, physical memory); the DMA's settings come from
tests/pynq_stub/qmlp_bd.hwh through pynq's own hwh parser. pynq 4.0.0 pins numpy < 2 and brings
about 230 MB (grpcio, pydantic, IPython), so it is no dependency of qmlp: this test runs
tests/pynq_stub/pynq_model_check.py with an interpreter that has it, this one if `import pynq`
works here, else $QMLP_PYNQ_PYTHON (make one with tests/pynq_stub/make_pynq_venv.sh), and is
skipped, saying so, when there is none. The check's figures are judged here, and the logits it
saved are compared with the golden model computed in this process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.driver.bench import compare

REPO = Path(__file__).resolve().parents[1]
STUB = REPO / "tests" / "pynq_stub"


def pynq_python() -> str | None:
    if importlib.util.find_spec("pynq") is not None:
        return sys.executable
    p = os.environ.get("QMLP_PYNQ_PYTHON")
    if p:
        if not Path(p).is_file():
            pytest.fail(f"QMLP_PYNQ_PYTHON={p} does not exist (tests/pynq_stub/make_pynq_venv.sh makes one)")
        return p
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    py = pynq_python()
    if py is None:
        pytest.skip("pynq 4.0.0 is not installed here (it pins numpy < 2): set QMLP_PYNQ_PYTHON to the python of a "
                    "venv made by tests/pynq_stub/make_pynq_venv.sh")
    from qmlp.config import Paths
    from qmlp.driver import sim
    from qmlp.nn import cache

    out = tmp_path_factory.mktemp("pynq_model")
    paths = Paths()
    q, qpath = cache.wl8_model(paths, cache.float_model(paths))
    # the RTL behind pynq's classes: the small design point of tests/test_driver.py (built once)
    design = sim.write_design(out / "design.json", "mlp", {"PE": "2,4,1", "SIMD": "8,2,1"})
    sim.Model(design).build()
    env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    p = subprocess.run([py, str(STUB / "pynq_model_check.py"), str(qpath), str(STUB / "qmlp_bd.hwh"), str(out),
                        str(design)], capture_output=True, text=True, env=env, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    from qmlp.numerics import intnet

    net = intnet.build(q)
    x = np.load(out / "x.npy")
    return json.loads(p.stdout.strip().splitlines()[-1]), out, golden(net, x), x


def golden(net, x):
    from qmlp.numerics import intnet

    return intnet.forward(net, intnet.pixels_to_codes(x, net.fmt))


def test_pynq_parses_the_fixture_hwh(report):
    rep = report[0]
    for parser in ("legacy", "metadata"):          # pynq.pl_server.hwh_parser and pynqmetadata
        assert rep["hwh"][parser]["axi_dma_0"] == [0x40400000, 0x10000, "xilinx.com:ip:axi_dma:7.1", "26"]
        assert rep["hwh"][parser]["qmlp_0"][:2] == [0x43C00000, 0x10000]
    assert rep["dma_max"] == 2 ** 26 - 1           # pynq's DMA read c_sg_length_width from it


def test_predict_on_pynqs_own_classes_is_bit_exact(report):
    rep, out, (want_l, want_c), x = report
    assert rep["pynq"] == "4.0.0"
    assert rep["classes"] == {"dma": "pynq.lib.dma.DMA", "ip": "pynq.overlay.DefaultIP", "mmio": "pynq.mmio.MMIO",
                              "channel": "pynq.lib.dma._SDMAChannel", "buffer": "pynq.buffer.PynqBuffer"}
    got = np.load(out / "golden_core.npz")
    assert np.array_equal(got["logits"], want_l) and np.array_equal(got["classes"], want_c)
    # 5 images in batches of 3: two transfers, each flushing its input and invalidating its output
    assert (rep["flushes"], rep["invalidates"]) == (2, 2) and rep["unsafe_frees"] == []
    bad = np.load(out / "corrupted.npz")            # one flipped bit in a received word is caught
    assert compare(bad["logits"], bad["classes"], want_l, want_c) == {"mismatches": 1, "first": 2}
    rtl = np.load(out / "rtl.npz")                  # the RTL behind pynq's classes
    assert np.array_equal(rtl["logits"], want_l[:3]) and np.array_equal(rtl["classes"], want_c[:3])
    assert rep["rtl_unsafe"] == 0 and rep["rtl_frees"] == 4         # 2 transfers, 2 buffers each


@pytest.mark.parametrize("case", ["send:hang", "send:error", "receive:hang", "receive:error"])
def test_dma_faults_are_errors_and_the_dma_recovers(report, case):
    f = report[0]["faults"][case]
    ch, fault = case.split(":")
    if fault == "hang":
        assert f["error"].startswith(f"the DMA {ch} channel did not finish within 0.3 s")
        assert f["seconds"] < 0.3 + 1.5             # the timeout, then at most the settling second
    else:
        assert f["error"].startswith(f"the DMA {ch} channel stopped with an error: DMASlvErr")
        assert f["seconds"] < 0.1                   # read from DMASR, not waited out
    assert "the transfer was aborted and the DMA reset" in f["error"] and f["resets"] == 1
    assert f["next_call_equal"]                     # no "DMA channel not idle / not started" afterwards
    assert f["unsafe_frees"] == [] and f["held_buffers"] == 0   # freed only once the channels were idle


def test_a_channel_stopped_elsewhere_is_reset_before_the_next_transfer(report):
    assert report[0]["stopped_channel"] == {"next_call_equal": True, "resets": 1}


def test_matmul_on_pynqs_own_classes_is_bit_exact(report):
    from qmlp.numerics import golden

    z = np.load(report[1] / "matmul.npz")
    assert np.array_equal(z["C"].view(np.uint32), golden.matmul_f32(z["A"], z["B"]).view(np.uint32))


def test_the_unsafe_free_detector_fires(report):
    assert report[0]["unsafe_free_detected"] == 1
