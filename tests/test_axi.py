"""The AXI wrappers at the RTL level: lint, and a core that returns to idle after an error and
then runs a good transfer in the same simulation (no reset in between)."""

import numpy as np
import pytest

from qmlp.driver import regs
from qmlp.eda.runner import run_fusesoc


@pytest.mark.parametrize("core,prm", [("qmlp:axi:mlp", {}), ("qmlp:axi:matmul", {"KIND": "i8", "WBITS": 4, "LANES": 2})])
def test_lint_clean(tmp_path, core, prm):
    res = run_fusesoc(core, "lint", prm, build_root=tmp_path, timeout=600)
    assert res.returncode == 0, res.output[-2000:]
    assert "%Warning" not in res.output


def test_bad_kind_stops_the_build(tmp_path):
    res = run_fusesoc("qmlp:axi:matmul", "lint", {"KIND": "i16"}, build_root=tmp_path, timeout=300)
    assert res.returncode != 0 and "--KIND=i16 is not one of i8, f32i8, f32" in res.output


def _xfer_ops(units, n_words, n_out, mode=0):
    return [(1, regs.STATUS, 0xFFFF), (1, regs.COUNT, units), (1, regs.MODE, mode), (1, regs.CTRL, regs.AP_START),
            (3, n_words, n_out)]


def test_mlp_recovers_after_errors_without_a_reset():
    """A short transfer, a long one, then a good one, in one simulation: the good one's logits
    and classes equal the golden model's (the accelerator's half-read image was discarded)."""
    from qmlp.config import DEFAULT_DATA, Paths
    from qmlp.driver import sim
    from qmlp.nn import cache
    from qmlp.nn.data import load_raw
    from qmlp.numerics import intnet

    paths = Paths()
    net = intnet.build(cache.wl8_model(paths, cache.float_model(paths))[0])
    x = intnet.pixels_to_codes(load_raw(DEFAULT_DATA)[2][:3])
    w = regs.mlp_input_words(x)
    m = sim.Model({"core": "mlp", "params": {"PE": "2,4,1", "SIMD": "8,2,1"}})   # test_driver's design
    parts = [w[:300], w[:588], w[:392]]      # 1.5 images (SHORT), 3 for COUNT=2 (NOLAST), then 2 images
    beats = np.concatenate(parts)
    last = np.concatenate([np.eye(1, len(p), len(p) - 1, dtype=np.int64)[0] for p in parts])
    ops = (_xfer_ops(2, 300, 23) + [(2, regs.STATUS, 0)] + _xfer_ops(2, 588, 23) + [(2, regs.STATUS, 0)]
           + [(2, regs.DROPPED, 0)] + _xfer_ops(2, 392, 23) + [(2, regs.STATUS, 0), (2, regs.CTRL, 0)])
    r = m.run(ops, beats, last, stall_in=30, stall_out=30, seed=5)
    data, tl = r["out"]
    x1, x2, x3 = r["xfers"]
    assert (x1["tlast"], x2["tlast"], x3["tlast"]) == (1, 1, 1) and not any(x["timeout"] for x in r["xfers"])
    assert (x1["sent"], x2["sent"], x3["sent"]) == (300, 588, 392)
    n1, n2 = x1["received"], x2["received"]
    assert data[n1 - 1] == regs.ERROR_BEAT | regs.STATUS_BITS["SHORT"]
    assert data[n1 + n2 - 1] == regs.ERROR_BEAT | regs.STATUS_BITS["NOLAST"]
    good = data[n1 + n2:]
    assert x3["received"] == 22 and tl[n1 + n2:].tolist() == [0] * 21 + [1]
    lg, cl = regs.mlp_output(good, 2)
    want_l, want_c = intnet.forward(net, x[:2])
    assert np.array_equal(lg, want_l) and np.array_equal(cl, want_c)
    assert r["reads"][regs.STATUS] == 0 and r["reads"][regs.CTRL] & (regs.AP_DONE | regs.AP_IDLE) == 6
    assert r["reads"][regs.DROPPED] == 196
