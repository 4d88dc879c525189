"""The driver's public API checked at the door, fuzzed (hypothesis), and its DMA recovery.

The overlay here is the test backend's golden core (qmlp.driver.testing: qmlp_axi_mlp's
register map with its streams computed by qmlp.numerics.intnet), so every case is the whole
driver path (checks, words, the stand-in DMA, the output check) in about a millisecond, with
nothing built. The property: an input is accepted exactly when it is in the documented set
(N x inputs or N x H x W square, N >= 1, uint8 pixels or int8 codes for a pixel network), and
then the answer equals the golden model's on it, bit for bit; anything else is a DriverError
raised before any transfer (the core saw no start). tests/test_driver.py runs the RTL.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qmlp.driver import DriverError, MlpOverlay, regs
from qmlp.driver.bench import compare
from qmlp.spec import LAB

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


@pytest.fixture(scope="session")
def net():
    """The session's default model (shared with tests/test_driver.py), as an integer network."""
    from qmlp.config import Paths
    from qmlp.nn import cache
    from qmlp.numerics import intnet

    paths = Paths()
    return intnet.build(cache.wl8_model(paths, cache.float_model(paths))[0])


@pytest.fixture
def ov(net):
    return MlpOverlay({"golden": net}, backend="test", batch=5, timeout=0.3)


def golden(net, codes):
    from qmlp.numerics import intnet

    return intnet.forward(net, np.asarray(codes, np.int64))


# ----------------------------------------------------------------------------- the door, fuzzed

SHAPES = st.one_of(
    st.tuples(st.integers(0, 12), st.just(LAB.inputs)),                      # N x inputs
    st.tuples(st.integers(0, 4), st.just(28), st.just(28)),                  # square images
    # the same size in a wrong shape (14 x 56 and the like)
    st.tuples(st.integers(1, 3), st.sampled_from([14, 56, 4]), st.sampled_from([56, 14, 196])),
    st.tuples(st.just(LAB.inputs)),                                          # one image, no N
    st.tuples(st.integers(1, 3), st.sampled_from([783, 785, 1])),
    st.tuples(st.integers(1, 2), st.just(LAB.inputs), st.just(1)),
    st.tuples(st.integers(0, 2), st.just(2), st.just(392)),
)
DTYPES = st.sampled_from([np.uint8, np.int8, np.int16, np.uint16, np.int64, np.float32, np.float64, np.bool_])


def accepted(x: np.ndarray) -> bool:
    """The documented set of predict() for a pixel network."""
    ok_shape = (x.ndim == 2 and x.shape[1] == LAB.inputs) or (x.ndim == 3 and x.shape[1:] == (28, 28))
    return ok_shape and len(x) >= 1 and x.dtype in (np.uint8, np.int8)


@FUZZ
@given(data=st.data())
def test_predict_fuzz_accepts_exactly_the_documented_inputs(ov, net, data):
    from qmlp.numerics import intnet

    dtype = data.draw(DTYPES)
    x = data.draw(hnp.arrays(dtype, data.draw(SHAPES), elements=None if dtype != np.float64 else
                             st.floats(allow_nan=True, allow_infinity=True, width=64)))
    session = ov.overlay.session
    runs = session.runs
    if not accepted(x):
        with pytest.raises(DriverError):
            ov.predict(x, logits=True)
        assert session.runs == runs and not session.started         # refused before any start
        return
    classes, logits = ov.predict(x, logits=True)
    flat = x.reshape(len(x), -1)
    codes = flat if x.dtype == np.int8 else intnet.pixels_to_codes(flat, net.fmt)
    want_l, want_c = golden(net, codes)
    assert np.array_equal(logits, want_l) and np.array_equal(classes, want_c)
    assert session.runs - runs == -(-len(x) // ov.batch)                   # split into batches of 5


@FUZZ
@given(batch=st.one_of(st.integers(-3, 3), st.floats(allow_nan=True), st.booleans(), st.none(), st.text(max_size=3)),
       timeout=st.one_of(st.floats(-1, 5), st.sampled_from([float("nan"), float("inf")]), st.integers(-2, 3), st.none(),
                         st.just("1")))
def test_constructor_arguments_fuzz(net, batch, timeout):
    good_batch = isinstance(batch, int) and not isinstance(batch, bool) and batch >= 1
    good_timeout = isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and np.isfinite(timeout) \
        and timeout > 0
    if good_batch and good_timeout:
        o = MlpOverlay({"golden": net}, backend="test", batch=batch, timeout=timeout)
        assert o.batch == batch and o.timeout == float(timeout)
    else:
        with pytest.raises(DriverError, match="batch=|timeout="):
            MlpOverlay({"golden": net}, backend="test", batch=batch, timeout=timeout)


def test_door_messages(ov, net):
    """The cases of issue 24, one by one: each refused with a message naming the fix."""
    cases = [
        (np.zeros((0, LAB.inputs), np.uint8), r"images is empty \(\(0, 784\)\): give at least one image"),
        (np.zeros((0, 28, 28), np.uint8), r"images is empty \(\(0, 28, 28\)\)"),       # the same for both shapes
        (np.zeros((0,), np.uint8), r"got shape \(0,\)"),
        (np.zeros((2, 14, 56), np.uint8), r"not square: flatten them yourself"),     # same size, wrong shape
        (np.zeros(LAB.inputs, np.uint8), r"one image: images\[None\]"),
        ([[1, 2], [3]], "images is not an array of numbers"),
        (np.zeros((1, LAB.inputs), np.int64), "images must be uint8 pixels, int8 Q"),
        (np.zeros((1, LAB.inputs), np.float32), "got float32 features, but the network takes uint8 pixels"),
    ]
    for x, msg in cases:
        with pytest.raises(DriverError, match=msg):
            ov.predict(x)
    with pytest.raises(DriverError, match="logits='yes': True or False"):
        ov.predict(np.zeros((1, LAB.inputs), np.uint8), logits="yes")
    with pytest.raises(DriverError, match=r"codes must be int8, N x 784 with 1 <= N <= 5"):
        ov.run_codes(np.zeros((6, LAB.inputs), np.int8))
    with pytest.raises(DriverError, match="batch=0 is out of range: at least 1"):
        MlpOverlay({"golden": net}, backend="test", batch=0)
    with pytest.raises(DriverError, match="input_kind='pixels'"):
        MlpOverlay({"golden": net}, backend="test", input_kind="pixels")
    with pytest.raises(DriverError, match=r"words must be 32-bit stream words"):
        ov.transfer([-1, 2], 1, 11)
    assert ov.overlay.session.runs == 0


def test_float_features_are_checked_for_range_and_finiteness(net):
    o = MlpOverlay({"golden": net}, backend="test", input_kind="float")
    x = np.zeros((2, LAB.inputs), np.float32)
    x[1, 5] = np.nan
    with pytest.raises(DriverError, match=r"images\[1, 5\] is nan: features must be finite"):
        o.predict(x)
    x[1, 5] = 1.5
    with pytest.raises(DriverError, match=r"images\[1, 5\] = 1.5 is outside \[-1, 1\]"):
        o.predict(x)
    x[1, 5] = 1.0                     # the top of the range saturates to 127/128, as quantize() does
    from qmlp.numerics import fixedpoint as fx

    codes = fx.to_codes(x, 8, 7)
    assert codes[1, 5] == 127
    assert np.array_equal(o.predict(x), golden(net, codes)[1])


def test_a_corrupted_word_is_caught(ov, net):
    x = np.arange(3 * LAB.inputs, dtype=np.uint8).reshape(3, LAB.inputs)
    from qmlp.numerics import intnet

    want_l, want_c = golden(net, intnet.pixels_to_codes(x, net.fmt))
    opi = regs.words_out(LAB.classes)
    ov.overlay.corrupt_output = {2 * opi + 5: 1}                        # image 2, logit 5: its lowest bit
    c, l = ov.predict(x, logits=True)
    assert compare(l, c, want_l, want_c) == {"mismatches": 1, "first": 2}
    ov.overlay.corrupt_output = {opi + LAB.classes: 0x10}               # image 1's class word
    with pytest.raises(DriverError, match="output check failed: image 1 has class word"):
        ov.predict(x)


# ----------------------------------------------------------------------------- the DMA, recovered

X = np.arange(4 * LAB.inputs, dtype=np.uint8).reshape(4, LAB.inputs)


@pytest.mark.parametrize("channel", ["send", "receive"])
def test_a_hung_dma_is_reset_and_the_next_call_works(ov, net, channel):
    from qmlp.numerics import intnet

    want = golden(net, intnet.pixels_to_codes(X, net.fmt))[1]
    ov.overlay.dma_faults = {channel: ["hang"]}
    t0 = time.monotonic()
    with pytest.raises(DriverError, match=f"the DMA {channel} channel did not finish within 0.3 s .*the transfer "
                                          "was aborted and the DMA reset"):
        ov.predict(X)
    assert time.monotonic() - t0 < 0.3 + 1.5
    assert ov.overlay.axi_dma_0.resets == 1 and ov.held_buffers == []
    assert np.array_equal(ov.predict(X), want)                            # no "DMA channel not idle"


@pytest.mark.parametrize("channel", ["send", "receive"])
def test_a_dma_error_is_reported_at_once_and_cleared(ov, net, channel):
    from qmlp.numerics import intnet

    want = golden(net, intnet.pixels_to_codes(X, net.fmt))[1]
    ov.timeout = 30.0
    ov.overlay.dma_faults = {channel: ["error"]}
    t0 = time.monotonic()
    with pytest.raises(DriverError, match=f"the DMA {channel} channel stopped with an error: .*DMASlvErr"):
        ov.predict(X)
    assert time.monotonic() - t0 < 2.0                                   # not the 30 s timeout
    assert ov.overlay.axi_dma_0.resets == 1
    assert np.array_equal(ov.predict(X), want)                            # no "DMA channel not started"


def test_a_channel_left_halted_is_reset_before_the_next_transfer(ov, net):
    from qmlp.driver import testing

    ov.overlay.axi_dma_0.recvchannel.status = testing.HALTED | testing.SLVERR      # someone else's error
    assert len(ov.predict(X)) == 4 and ov.overlay.axi_dma_0.resets == 1


# ----------------------------------------------------------------------------- driver-bench's arguments

@pytest.mark.parametrize("kw,msg", [({"batch": 0}, "batch=0 is out of range: at least 1"),
                                    ({"images": 0}, "images=0 is out of range"),
                                    ({"stall": 100}, "stall=100 is out of range: 0..99"),
                                    ({"tool": "xsim"}, "tool='xsim': verilator or icarus")])
def test_bench_refuses_bad_arguments_before_any_work(kw, msg, tmp_path, monkeypatch):
    from qmlp.driver import bench
    from qmlp.nn import cache

    monkeypatch.setattr(cache, "float_model", lambda *a, **k: pytest.fail("the model was loaded"))
    with pytest.raises(DriverError, match=msg):
        bench.run(**kw)


# ----------------------------------------------------------------------------- MatmulOverlay's door, fuzzed

MM = {"ROWS": 4, "INNER": 8, "COLS": 4}           # a small golden matmul wrapper: blocks of 4 rows


def mm(kind, **kw):
    from qmlp.driver import MatmulOverlay

    kw.setdefault("max_blocks", 2)
    return MatmulOverlay({"golden_matmul": dict(MM, KIND=kind)}, kind=kind, backend="test", **kw)


def i8_values(draw_codes, fl):
    return np.ldexp(draw_codes.astype(np.float64), -fl).astype(np.float32)


@FUZZ
@given(data=st.data())
def test_matmul_i8_fuzz_accepts_exactly_the_documented_operands(data):
    from qmlp.numerics import golden

    with_fl_b = data.draw(st.booleans())
    hw = mm("i8", fl_a=4, fl_b=3 if with_fl_b else None)
    rows = data.draw(st.integers(0, 11))
    a_shape = data.draw(st.sampled_from([(rows, 8), (rows, 7), (8,), (rows, 8, 1)]))
    a_kind = data.draw(st.sampled_from(["codes", "wide", "values", "inexact", "bool"]))
    b_kind = data.draw(st.sampled_from(["codes", "values", "wide"]))
    b_shape = data.draw(st.sampled_from([(8, 4), (8, 4), (4, 8)]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    ac = rng.integers(-128, 128, a_shape)
    bc = rng.integers(-128, 128, b_shape)
    A = {"codes": ac.astype(np.int8), "wide": ac * 2, "values": i8_values(ac, 4),
         "inexact": i8_values(ac, 4) + np.float32(1 / 64), "bool": ac > 0}[a_kind]
    B = {"codes": bc.astype(np.int8), "values": i8_values(bc, 3), "wide": bc * 3}[b_kind]
    wide_ok = lambda x: x.size == 0 or (x.min() >= -128 and x.max() <= 127)    # noqa: E731
    ok = (a_shape == (rows, 8) and rows >= 1 and b_shape == (8, 4) and a_kind != "bool" and a_kind != "inexact"
          and (a_kind != "wide" or wide_ok(A)) and (b_kind != "wide" or wide_ok(B))
          and (b_kind != "values" or with_fl_b) and (a_kind != "values" or with_fl_b))
    runs = hw.overlay.session.runs
    if not ok:
        with pytest.raises(DriverError):
            hw.matmul(A, B)
        assert hw.overlay.session.runs == runs and not hw.overlay.session.started
        return
    C = hw.matmul(A, B)
    want = golden.matmul_i8(ac.astype(np.int8), bc.astype(np.int8))
    if a_kind == "values":
        assert C.dtype == np.float32 and np.array_equal(C, np.ldexp(want.astype(np.float64), -7).astype(np.float32))
    else:
        assert C.dtype == np.int8 and np.array_equal(C, want)
    assert hw.overlay.session.runs - runs == -(-(-(-rows // 4)) // 2)           # blocks of 4 rows, 2 per transfer


@FUZZ
@given(rows=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64, np.int16, np.uint8]),
       seed=st.integers(0, 2 ** 32 - 1))
def test_matmul_f32_fuzz_is_bit_exact(rows, dtype, seed):
    from qmlp.numerics import golden

    hw = mm("f32")
    rng = np.random.default_rng(seed)
    A = (rng.normal(size=(rows, 8)) * 50).astype(dtype)
    B = rng.normal(size=(8, 4)).astype(np.float32)
    C = hw.matmul(A, B)
    assert C.dtype == np.float32
    assert np.array_equal(C.view(np.uint32), golden.matmul_f32(A.astype(np.float32), B).view(np.uint32))


def test_matmul_door_messages():
    hw = mm("i8")
    for A, B, msg in [(np.zeros((0, 8), np.int8), np.zeros((8, 4), np.int8), r"A has no rows \(0, 8\)"),
                      (np.zeros((3, 8), np.int8), np.zeros((4, 8), np.int8), "multiplies N x 8 by 8 x 4"),
                      (np.full((1, 8), 200), np.zeros((8, 4), np.int8), r"A\[0, 0\] = 200 is not an int8 code"),
                      (np.full((1, 8), 0.25, np.float32), np.zeros((8, 4), np.int8), "needs B's fraction length"),
                      (np.full((1, 8), 0.01, np.float32), np.zeros((8, 4), np.int8), r"not made of exact Q\(8, 4\)"),
                      ([[1, 2], [3]], np.zeros((8, 4), np.int8), "A is not an array of numbers")]:
        with pytest.raises(DriverError, match=msg):
            hw.matmul(A, B)
    assert hw.overlay.session.runs == 0                          # nothing reached the core
    with pytest.raises(DriverError, match="kind='i16': one of i8, f32i8, f32"):
        mm("i16")
    with pytest.raises(DriverError, match="max_blocks=0 is out of range"):
        mm("i8", max_blocks=0)
