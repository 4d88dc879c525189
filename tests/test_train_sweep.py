import json

import numpy as np
import pytest

from qmlp.nn import model as mdl
from qmlp.nn import quant, sweep
from qmlp.config import TrainConfig
from qmlp.errors import QmlpError
from qmlp.nn.train import train


def test_training_is_deterministic(dataset):
    cfg = TrainConfig(epochs=1, limit=1000, seed=5)
    a = train(cfg, dataset, progress=False)
    b = train(cfg, dataset, progress=False)
    for wa, wb in zip(a.weights, b.weights):
        assert wa.tobytes() == wb.tobytes()  # bit for bit
    c = train(TrainConfig(epochs=1, limit=1000, seed=6), dataset, progress=False)
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_bias_option(dataset):
    m = train(TrainConfig(epochs=1, limit=500, bias=True), dataset, progress=False)
    assert m.biases is not None and [b.shape for b in m.biases] == [(128,), (64,), (10,)]


def test_small_model_learns(small_model):
    assert small_model.meta["test_accuracy"] > 70.0
    assert small_model.meta["seed"] == 0 and "data" in small_model.meta


def test_save_load_roundtrip(small_model, tmp_path):
    npz, pth = tmp_path / "m.npz", tmp_path / "m.pth"
    mdl.save(small_model, npz, pth)
    for p in (npz, pth):
        m = mdl.load(p)
        for w0, w1 in zip(small_model.weights, m.weights):
            np.testing.assert_array_equal(w0, w1)
        assert m.meta["test_accuracy"] == small_model.meta["test_accuracy"]
    import torch
    sd = torch.load(pth, weights_only=True)
    assert sorted(sd) == ["fc1.weight", "fc2.weight", "fc3.weight"]
    with np.load(npz) as z:
        assert {"fc1w", "fc2w", "fc3w", "meta"} <= set(z.files)


def test_model_shape_and_nan_errors(tmp_path):
    bad = [np.zeros((128, 784), np.float32), np.zeros((64, 100), np.float32), np.zeros((10, 64), np.float32)]
    with pytest.raises(QmlpError, match=r"fc2 weights have shape \(64, 100\)"):
        mdl.FloatModel(bad)
    bad[1] = np.zeros((64, 128), np.float32)
    bad[2][3, 4] = np.nan
    with pytest.raises(QmlpError, match="fc3w holds NaN"):
        mdl.FloatModel(bad)
    with pytest.raises(QmlpError, match="not found"):
        mdl.load(tmp_path / "none.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(QmlpError, match=r"junk.npz: not a numpy .npz model archive: it starts with b'not a zip' \(a text"):
        mdl.load(tmp_path / "junk.npz")


def test_sweep_table_is_sane(small_model, dataset, tmp_path):
    res = sweep.run(small_model, dataset, wls=[1, 2, 4, 8], fls=list(range(0, 10)), rounds=1, progress=False)
    files = sweep.write(res, tmp_path, "test")
    rows = json.loads(files["json"].read_text())
    assert files["png"].stat().st_size > 10_000 and files["png"].read_bytes()[:4] == b"\x89PNG"
    assert "| 8 |" in files["md"].read_text()
    modes = [r["mode"] for r in rows]
    assert modes.count("float") == 1 and modes.count("global") == 4 and modes.count("per_layer") == 4
    for r in rows:
        assert set(r) == {"mode", "wl", "fl", "val_accuracy", "test_accuracy"}
        assert 0 <= r["test_accuracy"] <= 100
    g = {r["wl"]: r for r in rows if r["mode"] == "global"}
    p = {r["wl"]: r for r in rows if r["mode"] == "per_layer"}
    fl_row = rows[0]
    assert isinstance(g[8]["fl"], int) and len(p[8]["fl"]) == 3
    assert g[1]["test_accuracy"] < g[8]["test_accuracy"]                    # 1 bit hurts
    assert abs(g[8]["test_accuracy"] - fl_row["test_accuracy"]) < 1.0        # 8 bits hardly
    for wl in g:   # per-layer search starts at the global choice and only moves on improvement
        assert p[wl]["val_accuracy"] >= g[wl]["val_accuracy"]
    q = quant.load(sweep.model_path(tmp_path, 8, "per_layer"))
    assert q.wl == 8 and q.fls == p[8]["fl"] and q.codes[0].dtype == np.int8
    # the quantized file names the float model's data set: a run given only it reads the same data
    assert {k: q.meta[k] for k in ("data", "val_size", "seed")} == \
        {k: small_model.meta[k] for k in ("data", "val_size", "seed")}
