"""The qmlp command end to end on a tiny budget: the SPEC 3 last lines and clean errors."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need_default_data


def qmlp(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "qmlp.cli", *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"qmlp {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p


def last_line(p):
    return p.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    need_default_data()
    build = tmp_path_factory.mktemp("build")
    p = qmlp("train", "--build", str(build), "--epochs", "1", "--limit", "3000", "-q")
    return build, p


def test_train_line(trained):
    build, p = trained
    m = re.fullmatch(r"TRAINED accuracy=(\d+\.\d\d) model=(/\S+\.pth)", last_line(p))
    assert m, last_line(p)
    assert float(m.group(1)) > 60 and Path(m.group(2)).is_file()
    assert (build / "model" / "mlp.npz").is_file()


def test_sweep_and_infer_lines(trained):
    build, _ = trained
    p = qmlp("sweep", "--build", str(build), "--wl", "2,8", "--fl", "2:8", "--rounds", "1", "-q")
    m = re.fullmatch(r"SWEEP float=(\d+\.\d\d) wl8=(\d+\.\d\d) table=(/\S+\.json)", last_line(p))
    assert m, last_line(p)
    rows = json.loads(Path(m.group(3)).read_text())
    assert len(rows) == 5
    assert (build / "sweep" / "accuracy.png").is_file() and (build / "sweep" / "sweep.md").is_file()
    for mode in ("f32", "f32i8", "i8"):
        p = qmlp("infer", "--build", str(build), "--mode", mode, "--images", "300", "-q")
        m = re.fullmatch(rf"ACCURACY mode={mode} accuracy=(\d+\.\d\d) images=300", last_line(p))
        assert m, last_line(p)
        assert float(m.group(1)) > 50
    # the lab's int8 layer: int16 accumulator, no shift, Q(8,4) activations
    p = qmlp("infer", "--build", str(build), "--mode", "i8", "--images", "200", "--fl-a", "4", "--acc-w", "16",
             "--shift", "0", "-q")
    assert "ACC_W=16, SHIFT=0" in p.stderr and last_line(p).startswith("ACCURACY mode=i8")


@pytest.mark.parametrize("args,msg", [
    (["train", "--data", "/nonexistent"], "data folder /nonexistent does not exist"),
    (["sweep", "--model", "/nonexistent.npz"], "model file /nonexistent.npz not found"),
    (["infer", "--mode", "i8", "--model", "/x.npz"], "not found"),
    (["train", "--epochs", "0", "--limit", "10"], "argument --epochs: '0' is not an integer 1..10000"),
    (["train", "--seed", "-1"], "argument --seed: '-1' is not an integer 0..4294967295"),
    (["train", "--out", "/etc/hostname/x.npz"], "/etc/hostname is a file, not a folder"),
])
def test_errors_are_one_line(args, msg, tmp_path):
    need_default_data()
    p = qmlp(*args, "--build", str(tmp_path), check=False)
    assert p.returncode == 2
    assert msg in p.stderr and "Traceback" not in p.stderr


def test_infer_bad_shift(trained):
    build, _ = trained
    p = qmlp("infer", "--build", str(build), "--mode", "i8", "--shift", "40", "--images", "5", check=False)
    assert p.returncode == 2 and "argument --shift: '40' is not an integer 0..31" in p.stderr and \
        "Traceback" not in p.stderr


def test_help():
    for sub in ("train", "sweep", "infer", "roms", "csim", "report", "bench"):
        assert "usage: qmlp " + sub in qmlp(sub, "--help").stdout


def test_int_lists():
    import argparse

    from qmlp.cli import _int_list

    assert _int_list("1-8") == list(range(1, 9))
    assert _int_list("-2:16") == list(range(-2, 17))
    assert _int_list("3,5,7") == [3, 5, 7]
    assert _int_list("-3") == [-3]
    for bad in ("5:4", "a-b", "1,x"):
        with pytest.raises(argparse.ArgumentTypeError):
            _int_list(bad)


def test_sweep_negative_fl_range_and_stale_sweep(trained, tmp_path):
    build, _ = trained
    p = qmlp("sweep", "--build", str(build), "--wl", "2", "--fl=-2:6", "--rounds", "1", "-q")
    rows = json.loads(Path(last_line(p).split("table=")[1]).read_text())
    assert [r["wl"] for r in rows] == [None, 2, 2, 8, 8]       # wl=8 is always swept
    # a sweep made for another float model is refused, not used silently
    p = qmlp("train", "--build", str(build), "--epochs", "1", "--limit", "500", "--seed", "3",
             "--out", str(tmp_path / "other.npz"), "-q")
    p = qmlp("infer", "--build", str(build), "--model", str(tmp_path / "other.npz"), "--mode", "i8",
             "--images", "5", check=False)
    assert p.returncode == 2 and "was quantized from another float model" in p.stderr


def test_train_out_must_be_npz(tmp_path):
    need_default_data()
    p = qmlp("train", "--build", str(tmp_path), "--limit", "100", "--out", str(tmp_path / "m.pth"), check=False)
    assert p.returncode == 2 and "must end in .npz" in p.stderr
    p = qmlp("train", "--build", str(tmp_path), "--limit", "0", check=False)
    assert p.returncode == 2 and "argument --limit: '0' is not an integer 1..10000000" in p.stderr


def test_defaults_come_from_one_table():
    """The CLI's defaults are params.OPTIONS'; the configs the commands build agree with it."""
    from qmlp import params
    from qmlp.cli import hook, parser
    from qmlp.config import TrainConfig
    from qmlp.nn.infer import I8Config
    from qmlp.nn.qat import QAT_EPOCHS

    o = {k: v.default for k, v in params.OPTIONS.items()}
    t = TrainConfig()
    assert (o["epochs"], o["batch-size"], o["lr"], o["seed"], o["val-size"], o["limit"]) == \
        (t.epochs, t.batch_size, t.lr, t.seed, t.val_size, t.limit)
    c = I8Config()
    assert (o["fl-a"], o["acc-w"], o["shift"], o["fl-out"], o["qat-epochs"]) == \
        (c.fl_a, c.acc_w, c.shift, c.fl_out, QAT_EPOCHS)
    args = parser().parse_args(["train"])
    assert (args.epochs, args.lr, args.qat_epochs) == (o["epochs"], o["lr"], o["qat-epochs"])
    assert parser().parse_args(["bench"]).images == o["bench-images"]
    # every hook the cores and flow scripts call is in the table, and parses; an out-of-range word
    # length stops at parsing, naming the range
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    called = {m for f in [*root.glob("cores/**/*.core"), *root.glob("flows/**/*.mk"), *root.glob("flows/**/*.sh")]
              for m in re.findall(r"qmlp hook ([a-z0-9-]+)", f.read_text())}
    assert called and called <= set(hook.HOOKS), called - set(hook.HOOKS)
    assert parser().parse_args(["hook", "edam-info"]).func is hook.run
    p = qmlp("sweep", "--wl", "1,33", check=False)
    assert p.returncode == 2 and "wl=33 is out of range: word length must be 1..32 bits" in p.stderr
