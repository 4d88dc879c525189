"""`qmlp driver-bench --build B --data D` reads and writes B and reads D only (issue 24: every
flag reaches the code that uses it). The simulator is stubbed: the test stops where the
overlay would be built, after every file the command reads was chosen."""

import os
from pathlib import Path

import pytest

from qmlp import cli


class _Stop(Exception):
    pass


def test_build_and_data_reach_the_bench(tmp_path, monkeypatch):
    from qmlp.driver import bench
    from qmlp.nn import cache, data
    from qmlp.numerics import intnet

    build, ds, default = tmp_path / "b", tmp_path / "d.npz", tmp_path / "default-build"
    ds.write_bytes(b"")
    monkeypatch.setenv("QMLP_BUILD", str(default))        # where a default Paths() would point
    seen = {}

    def float_model(paths, model=None, progress=False):
        seen["build"] = paths.build
        return build / "model" / "mlp.npz"

    monkeypatch.setattr(cache, "float_model", float_model)
    monkeypatch.setattr(cache, "wl8_model", lambda paths, m, progress=False: (seen.setdefault("wl8", paths.build), None))
    monkeypatch.setattr(intnet, "build", lambda q: type("N", (), {"spec": type("S", (), {"input_kind": "u8"})})())

    def load_raw(d):
        seen["data"] = str(d)
        import numpy as np
        return None, None, np.zeros((4, 784), np.uint8), np.zeros(4, np.int64)

    monkeypatch.setattr(data, "load_raw", load_raw)

    def overlay(*a, **k):
        seen["sim_build"] = os.environ.get("QMLP_BUILD")
        raise _Stop()

    monkeypatch.setattr(bench, "MlpOverlay", overlay)
    with pytest.raises(_Stop):
        cli.main(["driver-bench", "--build", str(build), "--data", str(ds), "--images", "4"])
    b = build.resolve()
    assert Path(seen["build"]).resolve() == b and Path(seen["wl8"]).resolve() == b, seen
    assert seen["data"] == str(ds.resolve()), seen
    assert Path(seen["sim_build"]).resolve() == b, seen     # FuseSoC runs of the simulator go there too
    assert not default.exists()


@pytest.mark.parametrize("flag,value,msg", [("--batch", "0", "batch=0 is out of range: at least 1"),
                                            ("--batch", "-3", "batch=-3 is out of range")])
def test_bad_batch_is_one_line_before_any_work(tmp_path, monkeypatch, capsys, flag, value, msg):
    """`qmlp driver-bench --batch 0` was a ValueError traceback from range(); now one line, exit 2,
    before a model is loaded or anything is written."""
    from qmlp.nn import cache

    monkeypatch.setattr(cache, "float_model", lambda *a, **k: pytest.fail("the model was loaded"))
    assert cli.main(["driver-bench", "--build", str(tmp_path / "b"), flag, value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and msg in err[0] and err[0].startswith("qmlp driver-bench: error:"), err
    assert not (tmp_path / "b").exists()
