"""Bad input and interruptions: property tests (hypothesis), a CLI fuzz test, fault injection.

The rule: valid input round-trips; invalid input raises QmlpError (or, on the command line,
ends with `qmlp <command>: error: ...` and exit 2), never another exception; an interrupted
write leaves every reader the old complete state or the new one.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmlp import params
from qmlp.errors import QmlpError
from qmlp.numerics import fixedpoint as fx

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------- IDX reader

def idx_bytes(a: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape) + a.tobytes()


@SETTINGS
@given(shape=st.lists(st.integers(0, 6), min_size=1, max_size=3), gz=st.booleans(), seed=st.integers(0, 2**16))
def test_idx_round_trip(tmp_path, shape, gz, seed):
    from qmlp.nn.idx import read_idx

    a = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    raw = idx_bytes(a)
    p = tmp_path / f"f{seed}-{gz}.idx"
    p.write_bytes(gzip.compress(raw) if gz else raw)
    np.testing.assert_array_equal(read_idx(p), a)


@SETTINGS
@given(data=st.binary(max_size=64), cut=st.integers(0, 40), flip=st.integers(0, 40))
def test_idx_garbage_is_a_qmlp_error(tmp_path, data, cut, flip):
    from qmlp.nn.idx import read_idx

    good = bytearray(idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4)))
    good[flip % len(good)] ^= 0xFF
    for blob in (data, bytes(good[:cut]), bytes(good), gzip.compress(data)[: cut + 5]):
        p = tmp_path / "g.idx"
        p.write_bytes(blob)
        try:
            read_idx(p)
        except QmlpError:
            pass


# ----------------------------------------------------------------------------- fixed point

@SETTINGS
@given(wl=st.integers(fx.WL_MIN, fx.WL_MAX), fl=st.integers(-20, 40), seed=st.integers(0, 2**16))
def test_codes_round_trip_and_quantize_is_idempotent(wl, fl, seed):
    lo, hi = fx.code_range(wl)
    rng = np.random.default_rng(seed)
    q = rng.integers(lo, hi + 1, 50, dtype=np.int64)
    q[:2] = (lo, hi)                                  # the most negative and the largest code
    np.testing.assert_array_equal(fx.to_codes(fx.from_codes(q, fl), wl, fl), q)
    x = rng.normal(0, 2.0 ** (wl - fl), 50)
    once = fx.quantize(x, wl, fl)
    np.testing.assert_array_equal(fx.quantize(once, wl, fl), once)
    assert np.all(fx.to_codes(x, wl, fl) >= lo) and np.all(fx.to_codes(x, wl, fl) <= hi)


@SETTINGS
@given(wl=st.one_of(st.integers(-5, 80), st.floats(), st.text(max_size=3), st.none()),
       fl=st.one_of(st.integers(-100, 100), st.floats(), st.booleans()))
def test_bad_formats_are_qmlp_errors(wl, fl):
    try:
        fx.check_format(wl, fl)
        fx.to_codes(np.array([0.5, np.nan]), wl, fl)
        raise AssertionError("NaN was quantized")
    except QmlpError:
        pass


# ----------------------------------------------------------------------------- parameter table

def _valid(p: params.Param, draw):
    if p.kind == "int":
        return draw(st.integers(p.lo, p.hi if p.hi is not None else p.lo + 1000))
    if p.kind == "float":
        return draw(st.floats(p.lo, p.hi, allow_nan=False))
    if p.kind == "list" and p.default != "auto":              # WBITS / ABITS: 8, 4 or 2, one or more
        return tuple(draw(st.lists(st.sampled_from(params.BITS), min_size=1, max_size=3)))
    if p.kind == "list":                                     # PE / SIMD: one per layer (any count parses)
        return tuple(draw(st.lists(st.integers(p.lo, p.hi), min_size=1, max_size=6)))
    if p.kind == "bool":
        return draw(st.booleans())
    if p.kind == "words":                                    # MAC: one style, or one per layer
        n = draw(st.sampled_from([1, 3]))
        return tuple(draw(st.lists(st.sampled_from(p.choices), min_size=n, max_size=n)))
    if p.pattern:                                            # FAULT: a word of its form
        return draw(st.from_regex(p.pattern, fullmatch=True))
    return draw(st.text(min_size=1, max_size=10).map(str.strip).filter(lambda t: t and t[0] != '"'))


ALL = [p for core in ("i8", "f32i8", "f32", "accel") for p in params.table(core)] + list(params.OPTIONS.values())


@SETTINGS
@given(data=st.data())
def test_parameters_round_trip_and_reject_garbage(data):
    p = data.draw(st.sampled_from(ALL))
    v = _valid(p, data.draw)
    text = ",".join(map(str, v)) if isinstance(v, tuple) else ("true" if v is True else "false" if v is False
                                                                else repr(v) if p.kind == "float" else str(v))
    assert p.parse(text) == v
    junk = data.draw(st.one_of(st.text(max_size=12), st.integers(-10**12, 10**12), st.floats(), st.none(),
                               st.lists(st.integers(-5, 2000), max_size=5)))
    try:
        p.parse(junk)
    except QmlpError as e:
        assert f"--{p.name}=" in str(e)          # the message names the flag


@SETTINGS
@given(raw=st.dictionaries(st.sampled_from(["ROWS", "INNER", "COLS", "LANES", "ACC_W", "SHIFT", "VECTORS"]),
                           st.one_of(st.integers(-3, 300), st.text(max_size=4)), max_size=4))
def test_matmul_parameter_sets_validate_or_fail_cleanly(raw):
    try:
        v = params.validate("i8", raw)
    except QmlpError:
        return
    assert v["COLS"] % v["LANES"] == 0 and v["SHIFT"] < v["ACC_W"]


# ----------------------------------------------------------------------------- CLI fuzz

def _corrupt_files(tmp: Path, good_model: Path | None) -> list[str]:
    out = []
    (tmp / "rand.npz").write_bytes(os.urandom(300))
    out.append(str(tmp / "rand.npz"))
    np.savez(tmp / "wrongkeys.npz", a=np.zeros(3))
    out.append(str(tmp / "wrongkeys.npz"))
    np.savez(tmp / "meta.npz", fc1w=np.zeros((128, 784), np.float32), fc2w=np.zeros((64, 128), np.float32),
             fc3w=np.zeros((10, 64), np.float32), meta=np.array(json.dumps({"val_size": "many"})))
    out.append(str(tmp / "meta.npz"))
    np.savez(tmp / "half.npz", wl=8, fl=np.array([5, 5, 5]), fc1w_codes=np.zeros((128, 784)) + 0.5,
             fc2w_codes=np.zeros((64, 128)), fc3w_codes=np.zeros((10, 64)))
    out.append(str(tmp / "half.npz"))
    if good_model is not None:
        b = good_model.read_bytes()
        (tmp / "trunc.npz").write_bytes(b[: len(b) // 2])
        out.append(str(tmp / "trunc.npz"))
    d = tmp / "idx"
    d.mkdir(exist_ok=True)
    for n in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte"):
        (d / n).write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">III", 0, 28, 28))
    out.append(str(d))
    return out


BAD_VALUES = ["-1", "0", "nan", "inf", "1e99", "x", "", "3,16", "-2:16", "99999999999", "/nonexistent"]
FLAGS = {
    "train": ["--epochs", "--batch-size", "--lr", "--seed", "--val-size", "--limit", "--out", "--data"],
    "sweep": ["--model", "--wl", "--fl", "--rounds", "--out", "--data"],
    "infer": ["--model", "--quant", "--images", "--fl-a", "--acc-w", "--shift", "--fl-out", "--data"],
    "roms": ["--model", "--quant", "--pe", "--simd", "--idx-bits", "--fl-z", "--out"],
    "csim": ["--rows", "--inner", "--cols", "--lanes", "--vectors", "--seed"],
    "report": ["--jobs"],
    "bench": ["--images", "--max-synth"],
}
# what keeps a fuzz case from doing real work when every flag happens to be valid
ANCHOR = {"train": ["--data", "{idx}"], "sweep": ["--model", "{bad}"], "infer": ["--model", "{bad}", "--mode", "f32"],
          "roms": ["--model", "{bad}"], "csim": ["i8", "--lanes", "3"], "report": ["--jobs", "0"],
          "bench": ["--images", "1"]}


def test_cli_fuzz(tmp_path, small_model, capsys):
    """Random bad arguments and corrupted files for every subcommand: exit 2 with one
    `qmlp <command>: error: ...` line (argparse's usage errors count), or success; never a
    traceback. Runs in-process: a few hundred cases in seconds."""
    from hypothesis import find  # noqa: F401  (hypothesis drives the cases below)

    from qmlp import cli
    from qmlp.nn import model as mdl

    mdl.save(small_model, tmp_path / "good.npz")
    files = _corrupt_files(tmp_path, tmp_path / "good.npz")
    counts = {"cases": 0, "errors": 0}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def case(data):
        cmd = data.draw(st.sampled_from(sorted(FLAGS)))
        argv = [cmd, "-q", "--build", str(tmp_path / "b")]
        for _ in range(data.draw(st.integers(1, 3))):
            flag = data.draw(st.sampled_from(FLAGS[cmd]))
            argv += [f"{flag}={data.draw(st.sampled_from(BAD_VALUES + files))}"]
        argv += [a.format(idx=files[-1], bad=files[0]) for a in ANCHOR[cmd]]
        capsys.readouterr()
        try:
            rc = cli.main(argv)
        except SystemExit as e:            # argparse: usage errors exit 2
            rc = e.code
        out = capsys.readouterr()
        counts["cases"] += 1
        assert "Traceback" not in out.err, (argv, out.err)
        assert rc in (0, 2), (argv, rc, out.err)
        if rc == 2:
            counts["errors"] += 1
            last = out.err.strip().splitlines()[-1]
            assert last.startswith(f"qmlp {cmd}: error: ") or last.startswith("qmlp: error: "), (argv, out.err)

    case()
    print(f"CLI fuzz: {counts['cases']} cases, {counts['errors']} clear errors")
    assert counts["errors"] > 0


# ----------------------------------------------------------------------------- fault injection

class Boom(BaseException):
    """Stands for Ctrl-C or a kill at one write step (BaseException, like KeyboardInterrupt)."""


def _inject(monkeypatch, n: int):
    """Make the n-th file write or rename (0-based) raise Boom; returns a counter."""
    import qmlp.files as files

    calls = {"n": 0}
    real_replace, real_write_text, real_write_bytes = os.replace, Path.write_text, Path.write_bytes
    real_exchange = files._exchange

    def step():
        calls["n"] += 1
        if calls["n"] - 1 == n:
            raise Boom()

    def replace(*a, **k):
        step()
        return real_replace(*a, **k)

    def write_text(self, *a, **k):
        step()
        return real_write_text(self, *a, **k)

    def write_bytes(self, *a, **k):
        step()
        return real_write_bytes(self, *a, **k)

    def exchange(a, b):
        step()
        return real_exchange(a, b)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "write_text", write_text)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(files, "_exchange", exchange)
    return calls


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-step"])
def test_interrupted_rom_writes_leave_the_old_or_the_new_set(tmp_path, small_model, monkeypatch, exchange):
    import qmlp.files as files
    from qmlp.config import DEFAULT_DATA
    from qmlp.hw import roms
    from qmlp.nn import quant

    if not exchange:                                   # systems without renameat2: the fallback
        monkeypatch.setattr(files, "_exchange", lambda a, b: False)
    import numpy as np

    from qmlp.nn.data import load_raw

    q = quant.quantize_model(small_model, 8, [6, 6, 6])
    out = tmp_path / "roms"
    xtr, ytr, xte, yte = load_raw(DEFAULT_DATA)
    data = tmp_path / "few.npz"          # 16 test images: each step writes the vectors, 10,000 took seconds
    np.savez(data, x_train=xtr[:16], y_train=ytr[:16], x_test=xte[:16], y_test=yte[:16])
    roms.make(out, q, roms.HwConfig(), data)                               # the old state: 512 cycles
    new_cfg = roms.HwConfig((8, 16, 2), (49, 2, 1))                         # the new one: 320
    n, outcomes = 0, set()
    while True:
        with monkeypatch.context() as m:
            calls = _inject(m, n)
            try:
                roms.make(out, q, new_cfg, data)
                interrupted = False
            except Boom:
                interrupted = True
        man = roms.verify(out)                          # complete, whichever it is
        outcomes.add(man["cycles_per_image"])
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".roms.")]     # no leftovers
        if not interrupted:
            assert man["cycles_per_image"] == 320
            break
        assert man["cycles_per_image"] == 512
        n += 1
    assert n > 10 and outcomes == {512, 320}, (n, outcomes)
    print(f"ROM writes: interrupted at each of {n} write steps; every time old or new, complete")


def test_interrupted_sweep_and_model_writes(tmp_path, small_model, dataset, monkeypatch):
    from qmlp.nn import model as mdl
    from qmlp.nn import quant, sweep

    res_old = sweep.run(small_model, dataset, wls=[8], fls=[5, 6], rounds=1, progress=False)
    res_new = sweep.run(small_model, dataset, wls=[4, 8], fls=[5, 6], rounds=1, progress=False)
    out = tmp_path / "sweep"
    sweep.write(res_old, out)
    npz = tmp_path / "m.npz"
    mdl.save(small_model, npz)
    n = 0
    while True:
        with monkeypatch.context() as m:
            _inject(m, n)
            try:
                sweep.write(res_new, out)
                mdl.save(small_model, npz)
                done = True
            except Boom:
                done = False
        rows = json.loads((out / "sweep.json").read_text())
        wls = {r["wl"] for r in rows if r["wl"]}
        assert wls in ({8}, {4, 8})
        for wl in wls:                                  # the models beside the table are its own
            quant.load(sweep.model_path(out, wl, "per_layer"))
        if wls == {8}:
            assert not sweep.model_path(out, 4, "global").exists()
        mdl.load(npz)                                   # never a truncated archive
        if done:
            break
        n += 1
    assert n > 5


def test_two_rom_writers_into_one_folder(tmp_path, small_model):
    """Two `qmlp roms` into one folder at once: both succeed and the folder holds one complete,
    consistent set (manifest and files of the same configuration)."""
    from qmlp.hw import roms
    from qmlp.nn import model as mdl

    mdl.save(small_model, tmp_path / "model.npz")
    procs = [subprocess.Popen([sys.executable, "-m", "qmlp.cli", "roms", "-q", "--build", str(tmp_path / "b"),
                               "--model", str(tmp_path / "model.npz"), "--out", str(tmp_path / "roms"), "--pe", pe,
                               "--simd", simd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for pe, simd in (("4,16,2", "49,1,1"), ("8,16,2", "49,2,1"))]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    man = roms.verify(tmp_path / "roms")
    assert man["cycles_per_image"] in (512, 320)


def test_runner_puts_the_hook_reason_last(tmp_path):
    from qmlp.eda.runner import run_checked

    with pytest.raises(QmlpError) as e:
        run_checked("qmlp:accel:mlp", "lint", {"PE": "3,16,2"}, build_root=tmp_path)
    assert str(e.value).strip().splitlines()[-1].startswith("--PE=3,16,2: layer 1 has 128 outputs")


def test_tool_output_that_is_not_utf8_is_read(tmp_path):
    """A tool's output with bytes that are not UTF-8 (two make jobs' messages interleaved
    mid-character) is read with replacement characters, not a UnicodeDecodeError."""
    import sys

    from qmlp.eda.runner import run_tool
    r = run_tool([sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'a\\x95b\\n')"], timeout=60)
    assert r.returncode == 0 and r.output.strip() == "a\ufffdb", repr(r.output)


def test_empty_test_set_is_an_error_not_nan(tmp_path):
    from qmlp.nn.data import load_raw

    for n in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
        (tmp_path / n).write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">III", 0, 28, 28))
    for n in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / n).write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 0))
    with pytest.raises(QmlpError, match="holds no images"):
        load_raw(tmp_path)


def test_model_metadata_of_the_wrong_type(tmp_path, small_model):
    from qmlp.nn import model as mdl

    buf = io.BytesIO()
    np.savez(buf, fc1w=small_model.weights[0], fc2w=small_model.weights[1], fc3w=small_model.weights[2],
             meta=np.array(json.dumps([1, 2])))
    (tmp_path / "a.npz").write_bytes(buf.getvalue())
    with pytest.raises(QmlpError, match="metadata is a list, not a JSON object"):
        mdl.load(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", fc1w=small_model.weights[0], fc2w=small_model.weights[1],
             fc3w=small_model.weights[2], meta=np.array(json.dumps({"seed": "zero"})))
    with pytest.raises(QmlpError, match="metadata seed='zero' should be int"):
        mdl.load(tmp_path / "b.npz")
