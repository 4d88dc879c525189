"""qmlp.driver on the simulation backend: the lab's feed_forward_hw on the three matmul wrappers,
MlpOverlay.predict against the integer golden model, stream errors, back-pressure, the checks.

Every design is built once per session (Verilator, cached per parameter set under $QMLP_BUILD)
and reused; each call below is one or two short simulations. The builds dominate the cost, so
the designs are the cheap ones to compile: the matmul wrappers at LANES=1 (the lab's IP), the
accelerator at a small design point (25 MACs; `qmlp driver-bench` runs the default point).
"""

import subprocess
import sys

import numpy as np
import pytest

from qmlp.driver import DriverError, MatmulOverlay, MlpOverlay, regs
from qmlp.driver.bench import compare
from qmlp.driver.design import check_matmul, matmul_config
from qmlp.errors import QmlpError
from qmlp.spec import LAB

ROWS = 100          # two 64-row blocks, the second padded


def test_driver_imports_numpy_only():
    code = ("import qmlp.driver, sys; assert 'torch' not in sys.modules, 'torch'; "
            "bad = [m for m in sys.modules if m.startswith(('qmlp.nn', 'qmlp.eda', 'qmlp.flow', 'qmlp.driver.sim'))]; "
            "assert not bad, bad")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


@pytest.fixture(scope="session")
def trained():
    """The shared default model (trained once per session) and its wl=8 quantization."""
    from qmlp.config import Paths
    from qmlp.nn import cache
    from qmlp.nn.model import load

    paths = Paths()
    fpath = cache.float_model(paths)
    q, _ = cache.wl8_model(paths, fpath)
    return load(fpath), q


@pytest.fixture(scope="session")
def test_set():
    from qmlp.config import DEFAULT_DATA
    from qmlp.nn.data import load_raw

    _, _, x, y = load_raw(DEFAULT_DATA)
    return x, y


# ----------------------------------------------------------------------------- matmul wrappers

def fixed_point_quantize(x, wl, fl):
    """qtorch's fixed_point_quantize(x, wl, fl, rounding="nearest") on the CPU (SPEC 4)."""
    from qmlp.numerics import fixedpoint as fx

    return fx.quantize(x, wl, fl).astype(np.float32)


class GoldenHW:
    """hw.matmul by the golden models: what the hardware must return, bit for bit."""

    def __init__(self, kind, fl_b, shift):
        self.kind, self.fl_b, self.shift = kind, fl_b, shift

    def matmul(self, A, B):
        from qmlp.numerics import fixedpoint as fx
        from qmlp.numerics import golden

        if self.kind == "f32":
            return golden.matmul_f32(A, B)
        if self.kind == "f32i8":
            return golden.matmul_f32i8(A, B, self.fl_b)
        c = golden.matmul_i8(fx.to_codes(A, 8, 4), B, 32, self.shift)
        return fx.from_codes(c, 4 + self.fl_b - self.shift, np.float32)


class Recorder:
    def __init__(self, hw):
        self.hw, self.calls = hw, []

    def matmul(self, A, B):
        C = self.hw.matmul(A, B)
        self.calls.append(C)
        return C


@pytest.mark.parametrize("kind,stall", [("i8", 30), ("f32i8", 0), ("f32", 0)])
def test_lab_feed_forward_hw_on_the_simulated_matmul_wrapper(trained, test_set, kind, stall):
    fm, q = trained
    fl_w = q.fls[1]
    shift = max(4 + fl_w - 5, 0)     # A1 in Q(8, 4) (the lab), C lands in Q(8, 5)
    prm = {"i8": {"KIND": "i8", "SHIFT": shift}, "f32i8": {"KIND": "f32i8", "FL_B": fl_w}, "f32": {"KIND": "f32"}}[kind]
    fc1w, fc3w = fm.weights[0], fm.weights[2]
    fc2w = fm.weights[1] if kind == "f32" else q.codes[1]       # int8 weight codes for the x8 IPs

    # the lab's code (Jupyter on the PYNQ-Z2), layer 2 on hardware
    def feed_forward_hw(X0, hw):
        X1 = np.matmul(X0, fc1w.T); A1 = np.tanh(X1)
        if kind == "i8":
            A1 = fixed_point_quantize(A1, wl=8, fl=4)
        X2 = hw.matmul(A1, fc2w.T)
        A2 = np.tanh(X2); X3 = np.matmul(A2, fc3w.T)
        return X3

    hw = MatmulOverlay({"core": "matmul", "params": prm}, kind=kind, backend="sim", fl_a=4, fl_b=fl_w,
                       stall_in=stall, stall_out=stall, seed=7)
    # the configuration registers read back what the hardware was built with
    want = matmul_config(check_matmul(prm))
    assert hw.config == regs.decode_config(want.__getitem__)
    assert (hw.config["rows"], hw.config["inner"], hw.config["cols"], hw.config["lanes"]) == (64, 128, 64, 1)

    X0 = (test_set[0][:ROWS].reshape(ROWS, -1) / 255.0).astype(np.float32)
    got, ref = Recorder(hw), Recorder(GoldenHW(kind, fl_w, shift))
    X3_hw, X3_ref = feed_forward_hw(X0, got), feed_forward_hw(X0, ref)
    (X2_hw,), (X2_ref,) = got.calls, ref.calls
    assert X2_hw.dtype == np.float32 and X2_hw.shape == (ROWS, 64)
    assert np.array_equal(X2_hw.view(np.uint32), X2_ref.view(np.uint32))
    assert np.array_equal(X3_hw.view(np.uint32), X3_ref.view(np.uint32))
    a_words, c_words, b_words = regs.matmul_words(kind, 64, 128, 64)
    assert (hw.last["beats_in"], hw.last["beats_out"]) == (b_words + 2 * a_words, 2 * c_words)
    print(f"{kind}: {hw.last['cycles']} cycles for 2 blocks (stall {stall} %)")


def test_matmul_wrapper_errors(trained):
    fl_w = trained[1].fls[1]
    prm = {"KIND": "i8", "SHIFT": max(4 + fl_w - 5, 0)}      # the design of the feed-forward test
    hw = MatmulOverlay({"core": "matmul", "params": prm}, kind="i8", backend="sim")
    a_words, c_words, b_words = regs.matmul_words("i8", 64, 128, 64)
    words = np.arange(b_words + a_words, dtype=np.uint32)
    with pytest.raises(DriverError, match=r"SHORT .*3072 of 3072 words taken, 1 sent, last word 0xbad00001"):
        hw.transfer(words[:-1024], 1, c_words, mode=regs.LOAD_B)
    # no B loaded since reset and MODE.LOAD_B = 0
    with pytest.raises(DriverError, match="CONFIG"):
        hw.transfer(words[b_words:], 1, c_words, mode=0)
    assert hw.read(regs.CTRL) & regs.AP_IDLE and hw.last["beats_out"] == 1
    with pytest.raises(DriverError, match="multiplies N x 128 by 128 x 64"):
        hw.matmul(np.zeros((3, 128), np.int8), np.zeros((128, 32), np.int8))
    with pytest.raises(DriverError, match=r"not made of exact Q\(8, 4\) values"):
        hw.matmul(np.full((1, 128), 0.01, np.float32), np.zeros((128, 64), np.int8))


def test_matmul_design_checks():
    with pytest.raises(QmlpError, match="--KIND=i16 is not one of i8, f32i8, f32"):
        check_matmul({"KIND": "i16"})
    with pytest.raises(QmlpError, match="do not fill whole 32-bit stream words"):
        check_matmul({"KIND": "i8", "ROWS": 3, "INNER": 5, "COLS": 8})
    with pytest.raises(QmlpError, match="--LANES=3 does not divide --COLS=64"):
        check_matmul({"KIND": "f32", "LANES": 3})
    assert check_matmul({"KIND": "f32", "ROWS": 3, "INNER": 5, "COLS": 8})["ROWS"] == 3   # float: a word each


# ----------------------------------------------------------------------------- the accelerator

SMALL = {"PE": "2,4,1", "SIMD": "8,2,1"}      # 6,272 cycles per image
MLP = {"core": "mlp", "params": SMALL}


@pytest.fixture(scope="session")
def net(trained):
    from qmlp.numerics import intnet

    return intnet.build(trained[1])


@pytest.fixture(scope="session")
def mlp(net):
    return MlpOverlay(MLP, backend="sim")


def golden(net, x):
    from qmlp.numerics import intnet

    return intnet.forward(net, intnet.pixels_to_codes(x, net.fmt))


def test_predict_equals_the_integer_golden_model(mlp, net, test_set):
    from qmlp.hw import roms

    x = test_set[0][:100]
    classes, logits = mlp.predict(x, logits=True)
    want_l, want_c = golden(net, x)
    assert np.array_equal(logits, want_l) and np.array_equal(classes, want_c)
    assert np.array_equal(mlp.predict(x[:7]), want_c[:7])          # classes only, another batch size
    # what the hardware was built with, read back over AXI-Lite
    c = mlp.config
    assert (c["pe"], c["simd"], c["wbits"], c["abits"], c["mac"]) == ((2, 4, 1), (8, 2, 1), (8, 8, 8), (8, 8),
                                                                     ("dsp",) * 3)
    assert c["checksum"] == roms.rom_checksum(net) != 0
    assert (c["version"], c["layers"], c["inputs"], c["classes"]) == (regs.MAP_VERSION, 3, LAB.inputs, LAB.classes)
    assert mlp.shapes == LAB.shapes and [p["act"] for p in c["layer"]] == ["table", "table", "logits"]
    assert (c["words_in"], c["words_out"]) == (LAB.inputs // 4, LAB.classes + 1)
    # the driver checks the model: the run's own manifest matches, another checksum does not
    MlpOverlay(MLP, backend="sim", model=mlp.overlay.model.work_root / "qmlp_roms")
    with pytest.raises(DriverError, match="the bitstream's ROMs hold another model"):
        MlpOverlay(MLP, backend="sim", model=c["checksum"] ^ 1)
    # 6,272 cycles per image at this point, plus the pipeline's latency once per transfer
    assert 6272 * 7 < mlp.last["cycles"] < 6272 * 7 + 8000


def test_predict_under_random_back_pressure(net, test_set):
    x = test_set[0][100:120]
    ov = MlpOverlay(MLP, backend="sim", stall_in=50, stall_out=60, seed=3)
    classes, logits = ov.predict(x, logits=True)
    want_l, want_c = golden(net, x)
    assert np.array_equal(logits, want_l) and np.array_equal(classes, want_c)


def test_predict_in_icarus(net, test_set):
    """Icarus too (X from an un-reset register would show here, not in Verilator): one image at
    the default design point (about 1,000 cycles per second in Icarus)."""
    x = test_set[0][:1]
    ov = MlpOverlay({"core": "mlp", "params": {}, "tool": "icarus"}, backend="sim", stall_in=20, stall_out=20)
    classes, logits = ov.predict(x, logits=True)
    want_l, want_c = golden(net, x)
    assert np.array_equal(logits, want_l) and np.array_equal(classes, want_c)


def _codes(test_set, n):
    from qmlp.numerics import intnet

    return intnet.pixels_to_codes(test_set[0][:n])


@pytest.mark.parametrize("case", ["no_tlast", "short", "long", "short_no_tlast", "count0"])
def test_bad_transfers_end_in_an_error_not_a_hang(mlp, test_set, case):
    words = regs.mlp_input_words(_codes(test_set, 3))
    wpi, opi = regs.words_in(LAB.inputs), regs.words_out(LAB.classes)
    n, tlast, units, bits, taken = {
        "no_tlast": (2 * wpi, False, 2, "NOLAST", 2 * wpi),          # the right length, no TLAST on its last word
        "short": (3 * wpi // 2, True, 2, "SHORT", 3 * wpi // 2),     # TLAST after 1.5 images
        "long": (3 * wpi, True, 2, "NOLAST", 2 * wpi),               # 3 images for COUNT=2: the rest is drained
        "short_no_tlast": (100, False, 1, "TIMEOUT", 100),           # stops mid-image: the watchdog ends it
        "count0": (wpi, True, 0, "CONFIG", 0),
    }[case]
    with pytest.raises(DriverError, match=f"with an error: {bits} ") as e:
        mlp.transfer(words[:n], units, opi * max(units, 1), tlast=tlast, timeout_cycles=2000)
    assert f"{taken} of {n} words taken" in str(e.value)
    status = mlp.last["status"]
    assert regs.status_names(status & regs.ERROR_MASK) == [bits]
    assert (status & regs.STATUS_BITS["DRAINED"] != 0) == (case in ("long", "count0"))
    assert mlp.read(regs.DROPPED) == n - taken
    ctrl = mlp.last["ctrl"]
    assert ctrl & regs.AP_IDLE and ctrl & regs.AP_DONE        # done and idle again
    out = mlp.overlay.session.result["out"]
    assert out[1][-1] == 1 and out[0][-1] == regs.ERROR_BEAT | regs.STATUS_BITS[bits]   # TLAST on the error beat


def test_corrupted_output_word_is_caught(mlp, net, test_set):
    x = test_set[0][:4]
    want_l, want_c = golden(net, x)
    ov = MlpOverlay(MLP, backend="test")          # the test backend: the RTL, its output corruptible
    assert not hasattr(MlpOverlay(MLP, backend="sim").overlay, "corrupt_output")   # not in the production one
    opi = regs.words_out(LAB.classes)
    ov.overlay.corrupt_output = {2 * opi + 5: 1}         # image 2, logit 5: lowest bit flipped
    classes, logits = ov.predict(x, logits=True)
    assert compare(logits, classes, want_l, want_c) == {"mismatches": 1, "first": 2}
    ov.overlay.corrupt_output = {1 * opi + LAB.classes: 0x10}   # image 1's class word: 16 + its class
    with pytest.raises(DriverError, match="output check failed: image 1 has class word"):
        ov.predict(x)
    ov.overlay.corrupt_output = {}
    assert np.array_equal(ov.predict(x), want_c)


def test_backend_choice_and_bad_designs(tmp_path, monkeypatch):
    from qmlp.driver import sim
    from qmlp.driver.overlay import backend_module

    monkeypatch.setenv("QMLP_DRIVER_BACKEND", "sim")
    assert backend_module(None) is sim
    monkeypatch.setenv("QMLP_DRIVER_BACKEND", "board")
    with pytest.raises(DriverError, match="backend 'board': one of pynq, sim"):
        backend_module(None)
    monkeypatch.delenv("QMLP_DRIVER_BACKEND")
    try:
        import pynq  # noqa: F401
    except ImportError:
        with pytest.raises(DriverError, match="the pynq package is not installed"):
            MlpOverlay("x.bit")
    f = sim.write_design(tmp_path / "design.json", "mlp", {}, "verilator")
    assert sim.Model(f).core == "qmlp:axi:mlp"
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(QmlpError, match="not a simulation design file"):
        sim.Model(tmp_path / "bad.json")


# ----------------------------------------------------------------------------- another network

RELU2_POINT = {"PE": "2,1", "SIMD": "16,2"}     # 1,568 + 320 cycles per image


@pytest.fixture(scope="session")
def relu2(tmp_path_factory):
    """784-64-10 relu with bias, trained here (1 epoch on 2,000 images), and its integer network."""
    from test_driver_anynet import train_model

    return train_model(tmp_path_factory.mktemp("relu2"), (784, 64, 10), "relu", limit=2000, epochs=1)


def test_predict_another_network_bit_exact(relu2, test_set):
    """The same driver calls on a 2-layer relu+bias network: sizes from the registers, the
    manifest checked, logits and classes equal to intnet.forward."""
    path, net = relu2
    design = {"core": "mlp", "params": dict(RELU2_POINT, MODEL=str(path))}
    probe = MlpOverlay(design, backend="sim")
    ov = MlpOverlay(design, backend="sim", model=probe.overlay.model.work_root / "qmlp_roms")
    c = ov.config
    assert (c["layers"], c["inputs"], c["classes"], c["pe"], c["simd"]) == (2, 784, 10, (2, 1), (16, 2))
    assert [(p["act"], p["bias"]) for p in c["layer"]] == [("clamp", 1), ("logits", 1)]
    x = test_set[0][:40]
    classes, logits = ov.predict(x.reshape(40, 28, 28), logits=True)          # N x H x W works too
    want_l, want_c = golden(net, x)
    assert np.array_equal(logits, want_l) and np.array_equal(classes, want_c)
    # the lab's model is not this bitstream's
    with pytest.raises(DriverError, match="the bitstream's ROMs hold another model"):
        MlpOverlay(design, backend="sim", model=roms_checksum_of_lab())
    with pytest.raises(DriverError, match=r"images must be N x 784, or N x H x W square .*got shape \(2, 28, 27\)"):
        ov.predict(np.zeros((2, 28, 27), np.uint8))


def roms_checksum_of_lab():
    from qmlp.config import Paths
    from qmlp.hw import roms
    from qmlp.nn import cache
    from qmlp.numerics import intnet

    paths = Paths()
    return roms.rom_checksum(intnet.build(cache.wl8_model(paths, cache.float_model(paths))[0]))
