"""qmlp.driver and the AXI wrapper on networks other than the lab's: the sizes come from the
model (its manifest) and from the core's registers (map version 2), nothing from the lab.

The network here is a tabular one trained in the test: 22 float features in [-1, 1] (input_kind
"float"; 22 is not a multiple of 4, so every image's last stream word carries 2 codes and 2
padding bytes the wrapper drops), 16 relu units with bias, 3 classes. It goes through
MlpOverlay.predict on the simulation backend bit for bit against qmlp.numerics.intnet.forward,
and (tests/test_board.py) through the simulated ULX3S UART top. tests/test_driver.py runs the
lab's network and a 784-64-10 relu+bias one.
"""

import json

import numpy as np
import pytest

from qmlp.driver import DriverError, MlpOverlay, regs
from qmlp.driver.bench import compare

FEATURES, HIDDEN, CLASSES = 22, 16, 3
TAB_POINT = {"PE": "4,1", "SIMD": "2,4"}       # 44 + 12 = 48 cycles per image


def make_tabular(path, n_train=3000, n_test=400, seed=5):
    """A learnable 3-class problem in 22 float features in [-1, 1] (a seeded random linear rule)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(FEATURES, CLASSES))
    x = rng.uniform(-1, 1, size=(n_train + n_test, FEATURES)).astype(np.float32)
    y = np.argmax(x @ w, axis=1).astype(np.int64)
    np.savez(path, x_train=x[:n_train], y_train=y[:n_train], x_test=x[n_train:], y_test=y[n_train:])
    return path


def train_model(tmp, layers, act, data=None, limit=None, epochs=1, val_size=500):
    """A float model trained here (qmlp.nn.train), saved as .npz, and its wl=8 integer network."""
    from qmlp.config import DEFAULT_DATA, Paths, TrainConfig
    from qmlp.nn import cache
    from qmlp.nn import model as mdl
    from qmlp.nn.data import load_dataset
    from qmlp.nn.train import train
    from qmlp.numerics import intnet

    cfg = TrainConfig(data=data or DEFAULT_DATA, layers=tuple(layers), act=act, bias=True, epochs=epochs,
                      limit=limit, val_size=val_size)
    m = train(cfg, load_dataset(cfg.data, cfg.val_size, cfg.seed), progress=False)
    path = tmp / f"{'-'.join(map(str, layers))}-{act}.npz"
    mdl.save(m, path)
    q, _ = cache.wl8_model(Paths(), path)
    return path, intnet.build(q)


@pytest.fixture(scope="session")
def tabular(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tabular")
    data = make_tabular(tmp / "tab.npz")
    path, net = train_model(tmp, (FEATURES, HIDDEN, CLASSES), "relu", data=data, epochs=3)
    with np.load(data) as z:
        x, y = z["x_test"], z["y_test"]
    return path, net, x, y


@pytest.fixture(scope="session")
def tab_design(tabular):
    return {"core": "mlp", "params": dict(TAB_POINT, MODEL=str(tabular[0]))}


@pytest.fixture(scope="session")
def tab(tab_design):
    return MlpOverlay(tab_design, backend="sim")


def golden(net, x):
    from qmlp.numerics import intnet

    return intnet.forward(net, intnet.inputs_to_codes(x, net.spec, net.fmt))


def test_tabular_network_predicts_bit_exact(tab, tabular):
    path, net, x, y = tabular
    assert net.spec.input_kind == "float" and net.spec.widths == (FEATURES, HIDDEN, CLASSES)
    roms = tab.overlay.model.work_root / "qmlp_roms"
    ov = MlpOverlay(tab.overlay.model.design, backend="sim", model=roms)       # manifest: spec and checksum
    assert ov.input_kind == "float"
    xs = x[:60]
    classes, logits = ov.predict(xs, logits=True)
    want_l, want_c = golden(net, xs)
    assert logits.shape == (60, CLASSES) and np.array_equal(logits, want_l) and np.array_equal(classes, want_c)
    # a batch split across transfers gives the same answer
    ov.batch = 25
    assert np.array_equal(ov.predict(xs), want_c)
    # int8 codes go as they are
    from qmlp.numerics import intnet

    assert np.array_equal(ov.predict(intnet.inputs_to_codes(xs[:5], net.spec, net.fmt)), want_c[:5])
    print(f"tabular {net.spec.describe()}: {ov.last['cycles']} cycles for the last transfer, accuracy "
          f"{100 * np.mean(classes == y[:60]):.2f} %")


def test_registers_describe_the_network(tab, tabular):
    from qmlp.hw import roms

    net = tabular[1]
    c = tab.config
    assert (c["version"], c["layers"], c["inputs"], c["classes"]) == (regs.MAP_VERSION, 2, FEATURES, CLASSES)
    assert (c["words_in"], c["words_out"]) == (6, CLASSES + 1)             # ceil(22 / 4) words in
    assert tab.shapes == [(FEATURES, HIDDEN), (HIDDEN, CLASSES)]
    assert (c["pe"], c["simd"], c["wbits"], c["mac"]) == ((4, 1), (2, 4), (8, 8), ("dsp", "dsp"))
    l1, l2 = c["layer"]
    assert (l1["act"], l1["bias"], l1["xbits"], l2["act"], l2["bias"], l2["obits"]) == ("clamp", 1, 8, "logits", 1, 32)
    assert c["checksum"] == roms.rom_checksum(net) != 0
    # the same words regs.mlp_config computes from the manifest
    man = json.loads((tab.overlay.model.work_root / "qmlp_roms" / "manifest.json").read_text())
    static, per = regs.mlp_config(man["layer_constants"], (4, 1), (2, 4), (8,), ("dsp",), man["rom_checksum"])
    assert all(tab.read(off) == v for off, v in static.items())
    for l, words in per.items():
        tab.write(regs.LAYER, l)
        assert {off: tab.read(off) for off in words} == words
    tab.write(regs.LAYER, 2)                                                # beyond the network: zeros
    assert [tab.read(off) for off in regs.LAYER_REGS] == [0] * 6
    tab.write(regs.LAYER, 0)


def test_padding_bytes_are_dropped(tab, tabular):
    """Each image's last word holds 2 codes and 2 padding bytes: garbage there changes nothing."""
    net, x = tabular[1], tabular[2][:5]
    from qmlp.numerics import intnet

    codes = intnet.inputs_to_codes(x, net.spec, net.fmt)
    words = regs.mlp_input_words(codes, FEATURES).reshape(5, 6)
    words[:, -1] |= np.uint32(0xA5C30000)                                   # bytes 2, 3 of the last word
    out = tab.transfer(words.reshape(-1), 5, 5 * (CLASSES + 1))
    lg, cl = regs.mlp_output(out, 5, CLASSES)
    want_l, want_c = golden(net, x)
    assert np.array_equal(lg, want_l) and np.array_equal(cl, want_c)
    # a stream one word short of 5 images ends in an error (SHORT), not a hang
    with pytest.raises(DriverError, match="SHORT"):
        tab.transfer(words.reshape(-1)[:-1], 5, 5 * (CLASSES + 1))


def test_corrupted_word_is_caught(tab, tabular):
    net, x = tabular[1], tabular[2][:4]
    want_l, want_c = golden(net, x)
    ov = MlpOverlay(tab.overlay.model.design, backend="test", input_kind="float")   # the RTL, corruptible
    per = CLASSES + 1
    ov.overlay.corrupt_output = {2 * per + 1: 1}                            # image 2, logit 1: lowest bit
    classes, logits = ov.predict(x, logits=True)
    assert compare(logits, classes, want_l, want_c)["mismatches"] == 1
    ov.overlay.corrupt_output = {1 * per + CLASSES: 0x40}                   # image 1's class word: 64 + c
    with pytest.raises(DriverError, match="output check failed: image 1 has class word"):
        ov.predict(x)
    ov.overlay.corrupt_output = {}
    assert np.array_equal(ov.predict(x), want_c)


def test_wrong_inputs_and_models_are_refused(tab, tabular, tmp_path):
    x = tabular[2][:3]
    design = tab.overlay.model.design
    with pytest.raises(DriverError, match=r"images must be N x 22, or N x H x W square .*got shape \(3, 23\)"):
        tab.predict(np.zeros((3, 23), np.float32))
    with pytest.raises(DriverError, match="images must be N x 22"):
        tab.predict(np.zeros(22, np.float32))                               # one image without its batch axis
    with pytest.raises(DriverError, match="float32 features, but the network takes uint8 pixels or int8 codes"):
        tab.predict(x)                                                      # no manifest, no input_kind
    ovf = MlpOverlay(design, backend="sim", input_kind="float")
    with pytest.raises(DriverError, match="takes float features in \\[-1, 1\\].*got uint8"):
        ovf.predict(np.zeros((2, FEATURES), np.uint8))
    with pytest.raises(DriverError, match="dtype int32"):
        ovf.predict(np.zeros((2, FEATURES), np.int32))
    with pytest.raises(DriverError, match="not finite|NaN|nan"):
        ovf.predict(np.full((1, FEATURES), np.nan, np.float32))
    with pytest.raises(DriverError, match="input_kind='pixels'"):
        MlpOverlay(design, backend="sim", input_kind="pixels")
    # a manifest of another network: named, with both topologies
    man = json.loads((tab.overlay.model.work_root / "qmlp_roms" / "manifest.json").read_text())
    other = dict(man, spec=dict(man["spec"], layers=[{"width": 8, "act": "relu", "bias": True},
                                                      {"width": CLASSES, "act": None, "bias": True}]))
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(DriverError, match="computes a 22-16-3 network, the model given is 22-8-3"):
        MlpOverlay(design, backend="sim", model=tmp_path / "other.json")
    acts = dict(man, layer_constants=dict(man["layer_constants"], L_ACT=[0, 2]))
    (tmp_path / "acts.json").write_text(json.dumps(acts))
    with pytest.raises(DriverError, match="layer 1: the bitstream has .*'clamp'.*the model given has .*'table'"):
        MlpOverlay(design, backend="sim", model=tmp_path / "acts.json")
    (tmp_path / "sum.json").write_text(json.dumps(dict(man, rom_checksum=man["rom_checksum"] ^ 4)))
    with pytest.raises(DriverError, match="the bitstream's ROMs hold another model"):
        MlpOverlay(design, backend="sim", model=tmp_path / "sum.json")
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(DriverError, match="not a ROM manifest"):
        MlpOverlay(design, backend="sim", model=tmp_path / "bad.json")


def test_stream_helpers_pad_and_check():
    codes = np.arange(-3, 7, dtype=np.int8).reshape(2, 5)                   # 5 inputs: 2 words per image
    w = regs.mlp_input_words(codes, 5)
    assert len(w) == 4 and regs.words_in(5) == 2
    b = regs.unpack_bytes(w).reshape(2, 8)
    assert np.array_equal(b[:, :5], codes) and not b[:, 5:].any()
    with pytest.raises(ValueError, match="N x 6"):
        regs.mlp_input_words(codes, 6)
    out = np.array([1, 0xFFFFFFFF, 0, 2, 7, 1], np.uint32)
    lg, cl = regs.mlp_output(out, 2, 2)
    assert lg.tolist() == [[1, -1], [2, 7]] and cl.tolist() == [0, 1]
    with pytest.raises(ValueError, match="not 2 images of 4 words"):
        regs.mlp_output(out, 2, 3)
