"""Every input checked at the door (issue 24): sizes read from files in Python integers against
the bytes present, misleading messages, the FuseSoC filter that puts qmlp's reason last, the
model-file lock of `qmlp train`. Cheap: small arrays, hypothesis at 100 examples, a 16-input
network trained for one epoch in the subprocess tests."""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmlp.errors import QmlpError

REPO = Path(__file__).resolve().parents[1]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
IDX_TYPES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}


# ----------------------------------------------------------------------------- IDX headers

def idx_header(type_byte: int, dims) -> bytes:
    return bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


@SETTINGS
@given(type_byte=st.sampled_from(sorted(IDX_TYPES)),
       dims=st.lists(st.one_of(st.integers(0, 4), st.integers(0, 2**32 - 1)), min_size=1, max_size=4),
       body=st.integers(0, 48), gz=st.booleans())
def test_idx_header_sizes_are_python_integers(tmp_path, type_byte, dims, body, gz):
    """Any header, any body length: the array when the header's product (exact) matches the bytes,
    else a QmlpError naming the file; never numpy's reshape error or a wrapped-around size."""
    from qmlp.nn.idx import MAX_BYTES, read_idx

    raw = idx_header(type_byte, dims) + bytes(range(body % 256))[:body].ljust(body, b"\0")
    p = tmp_path / "h.idx"
    p.write_bytes(gzip.compress(raw) if gz else raw)
    need = math.prod(dims) * IDX_TYPES[type_byte]
    extent = math.prod(max(d, 1) for d in dims) * IDX_TYPES[type_byte]     # an empty array numpy can shape
    if need == body and extent <= MAX_BYTES:
        assert read_idx(p).shape == tuple(dims)
    else:
        with pytest.raises(QmlpError) as e:
            read_idx(p)
        assert str(p) in str(e.value)


@pytest.mark.parametrize("dims,what", [
    ((65536, 65536, 65536, 65536), "more than"),     # product 2**64: an int64 product wraps to 0
    ((2**32 - 1,) * 3, "more than"),                 # past 2**64 bytes
    ((3, 65536, 65536), "more than"),                # 12 GiB declared by a 16-byte file
    ((0, 2**21, 2**21, 2**21), "an empty"),          # no data, but a shape numpy cannot make (CI's hypothesis case)
])
def test_idx_header_past_2_64(tmp_path, dims, what):
    from qmlp.nn.idx import read_idx

    p = tmp_path / "big-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(idx_header(0x08, dims)))
    with pytest.raises(QmlpError, match=what) as e:
        read_idx(p)
    assert "Traceback" not in str(e.value) and str(dims[0]) in str(e.value)


def test_idx_gzip_is_read_only_as_far_as_the_header_says(tmp_path):
    """A small gzip file that expands to 64 MB of zeros after a 1-byte array: refused as trailing
    data without decompressing the rest (at most 1 MB more is read to count it)."""
    from qmlp.nn.idx import read_idx

    p = tmp_path / "bomb.gz"
    p.write_bytes(gzip.compress(idx_header(0x08, (1,)) + b"\1" + bytes(64 << 20), compresslevel=1))
    t0 = time.perf_counter()
    with pytest.raises(QmlpError, match="trailing bytes"):
        read_idx(p)
    assert time.perf_counter() - t0 < 5


# ----------------------------------------------------------------------------- .npz members

def npz_with_member(name: str, shape, dtype, data_len: int) -> bytes:
    """A zip holding one .npy member whose header declares `shape` and whose data is data_len bytes."""
    from numpy.lib import format as npf

    member = io.BytesIO()
    npf.write_array_header_1_0(member, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                        "shape": tuple(shape)})
    member.write(bytes(data_len))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name + ".npy", member.getvalue())
    return out.getvalue()


@SETTINGS
@given(shape=st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**62)), min_size=1, max_size=4),
       dtype=st.sampled_from(["<f4", "<f8", "|i1", "<i8"]), data_len=st.integers(0, 64))
def test_npz_member_shapes_are_checked_against_their_bytes(tmp_path, shape, dtype, data_len):
    from qmlp.files import check_npz

    p = tmp_path / "m.npz"
    p.write_bytes(npz_with_member("fc1w", shape, dtype, data_len))
    need = math.prod(shape) * np.dtype(dtype).itemsize
    if need == data_len:
        check_npz(p)
    else:
        with pytest.raises(QmlpError, match="declares shape") as e:
            check_npz(p)
        assert str(p) in str(e.value)


def test_model_archive_with_a_wrapping_shape(tmp_path):
    """fc1w declares (2**32, 2**32) float32 (2**66 bytes, 0 as an int64 product times 4): one line."""
    from qmlp.nn import model as mdl

    p = tmp_path / "wrap.npz"
    p.write_bytes(npz_with_member("fc1w", (2**32, 2**32), "<f4", 0))
    with pytest.raises(QmlpError, match=r"declares shape \(4294967296, 4294967296\)"):
        mdl.load(p)


def test_data_set_npz_with_a_lying_header(tmp_path):
    from qmlp.nn.data import load_raw

    good = {"x_train": np.zeros((4, 3), np.uint8), "y_train": np.zeros(4, np.int64),
            "x_test": np.zeros((2, 3), np.uint8), "y_test": np.zeros(2, np.int64)}
    buf = io.BytesIO()
    np.savez(buf, **good)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(tmp_path / "d.npz", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "x_train.npy":          # claim 2**40 rows
                data = npz_with_member("x", (2**40, 3), "|u1", 12)
                data = zipfile.ZipFile(io.BytesIO(data)).read("x.npy")
            zout.writestr(info.filename, data)
    with pytest.raises(QmlpError, match=r"x_train of the data set declares shape \(1099511627776, 3\)"):
        load_raw(tmp_path / "d.npz")


# ----------------------------------------------------------------------------- messages that mislead

def test_a_text_file_as_a_model_gets_no_pickle_advice(tmp_path):
    from qmlp.nn import model as mdl
    from qmlp.nn import quant

    (tmp_path / "notes.npz").write_text("weights: see the lab report\n")
    for load in (mdl.load, quant.load, quant.read_model_file):
        with pytest.raises(QmlpError) as e:
            load(tmp_path / "notes.npz")
        msg = str(e.value)
        assert "a text file" in msg and "pickle" not in msg.lower(), msg
    (tmp_path / "notes.pth").write_text("not torch\n")
    with pytest.raises(QmlpError, match="not a PyTorch file.*a text file"):
        mdl.load(tmp_path / "notes.pth")
    np.save(tmp_path / "one.npy", np.zeros(3))
    (tmp_path / "one.npz").write_bytes((tmp_path / "one.npy").read_bytes())
    with pytest.raises(QmlpError, match=r"a single numpy array \(.npy\)"):
        mdl.load(tmp_path / "one.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(QmlpError, match="empty file"):
        mdl.load(tmp_path / "empty.npz")


def test_object_arrays_are_refused_without_pickle_advice(tmp_path):
    from qmlp.nn import model as mdl

    np.savez(tmp_path / "obj.npz", fc1w=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(QmlpError, match="holds Python objects") as e:
        mdl.load(tmp_path / "obj.npz")
    assert "allow_pickle" not in str(e.value)


def tiny_float_model(seed=0):
    from qmlp.nn.model import FloatModel

    rng = np.random.default_rng(seed)
    return FloatModel([rng.normal(0, 0.3, (8, 16)).astype(np.float32), rng.normal(0, 0.3, (3, 8)).astype(np.float32)])


def test_a_quantized_model_where_a_float_one_is_expected(tmp_path):
    """Say what it is (QAT with its bits, or a sweep's) and which option takes it."""
    from qmlp.nn import model as mdl
    from qmlp.nn import quant

    q = quant.quantize_model(tiny_float_model(), 4, [3, 3])
    q.abits = (4,)
    quant.save(q, tmp_path / "qat.npz")
    with pytest.raises(QmlpError, match=r"a quantized w44a4 model from quantization-aware training .*--quant.*--MODEL="):
        mdl.load(tmp_path / "qat.npz")
    quant.save(quant.quantize_model(tiny_float_model(), 8, [6, 6]), tmp_path / "ptq.npz")
    with pytest.raises(QmlpError, match=r"a quantized wl=8 model from qmlp sweep.*--quant"):
        mdl.load(tmp_path / "ptq.npz")
    mf = quant.read_model_file(tmp_path / "qat.npz")          # the hook's one read takes both kinds
    assert mf.quantized and mf.model.abits == (4,) and len(mf.sha256) == 64
    from qmlp.eda.filter import Qmlp                         # and FuseSoC's filter refuses its wrong bits
    edam = {"parameters": {"MODEL": {"default": str(tmp_path / "qat.npz")}, "PE": {"default": "2,1"},
                           "SIMD": {"default": "4,2"}},
            "hooks": {"pre_build": [{"cmd": ["qmlp", "hook", "accel"]}]}}
    with pytest.raises(SystemExit, match=r"qmlp hook: error: --MODEL=.*qat.npz is a w44a4 model: run with "
                                         r"--WBITS=4,4 --ABITS=4"):
        Qmlp().run(edam, ".")
    edam["parameters"].update(WBITS={"default": "4"}, ABITS={"default": "4"})
    assert Qmlp().run(edam, ".") is edam


def test_a_folder_is_not_reported_missing(tmp_path):
    from qmlp.files import check_input_file, check_output_file
    from qmlp.nn import model as mdl
    from qmlp.nn.idx import read_idx

    with pytest.raises(QmlpError, match="is a folder"):
        mdl.load(tmp_path)
    with pytest.raises(QmlpError, match="is a folder"):
        read_idx(tmp_path)
    with pytest.raises(QmlpError, match="is a folder"):
        check_input_file(tmp_path, "model", "hint")
    (tmp_path / "f").write_text("x")
    with pytest.raises(QmlpError, match="is a file, not a folder"):
        check_output_file(tmp_path / "f" / "m.npz", "--out")


def test_pth_and_npz_of_two_runs_are_not_one_model(tmp_path):
    from qmlp.nn import model as mdl

    mdl.save(tiny_float_model(0), tmp_path / "mlp.npz", tmp_path / "mlp.pth")
    assert mdl.load(tmp_path / "mlp.pth").spec.widths == (16, 8, 3)
    mdl.save(tiny_float_model(1), tmp_path / "mlp.npz")           # another run's .npz beside the .pth
    with pytest.raises(QmlpError, match="hold different weights"):
        mdl.load(tmp_path / "mlp.pth")


# ----------------------------------------------------------------------------- ONNX tensors

def onnx_model(init):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("MatMul", ["x", init.name], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [init])
    return onnx, helper.make_model(g)


@pytest.mark.parametrize("dims,raw,msg", [
    ([2**32, 2**32], b"\0" * 16, r"dims \[4294967296, 4294967296\] \(73786976294838206464 bytes\) but holds 16"),
    ([2, 2], b"\0" * 12, r"dims \[2, 2\] \(16 bytes\) but holds 12"),
    ([-1, 4], b"\0" * 16, "negative dimension"),
])
def test_onnx_tensor_sizes(tmp_path, dims, raw, msg):
    from qmlp.io.onnxfile import load

    onnx, m = onnx_model(__import__("onnx").helper.make_tensor("w", 1, [2, 2], b"\0" * 16, raw=True))
    m.graph.initializer[0].ClearField("dims")
    m.graph.initializer[0].dims.extend(dims)
    m.graph.initializer[0].raw_data = raw
    onnx.save(m, tmp_path / "m.onnx")
    with pytest.raises(QmlpError, match=msg):
        load(tmp_path / "m.onnx")


@pytest.mark.parametrize("info,msg", [
    ({"location": "w.bin", "offset": "8", "length": "16"}, r"reads bytes 8\.\.24 of w\.bin, which has 16"),
    ({"location": "w.bin", "offset": str(2**70), "length": "16"}, "reads bytes"),
    ({"location": "w.bin", "length": "12"}, r"\(16 bytes\) but 12 bytes"),
    ({"location": "../w.bin"}, "outside the model's folder"),
])
def test_onnx_external_data_offsets(tmp_path, info, msg):
    from qmlp.io.onnxfile import load

    onnx = pytest.importorskip("onnx")
    t = onnx.helper.make_tensor("w", 1, [2, 2], b"\0" * 16, raw=True)
    t.ClearField("raw_data")
    t.data_location = onnx.TensorProto.EXTERNAL
    for k, v in info.items():
        e = t.external_data.add()
        e.key, e.value = k, v
    onnx, m = onnx_model(t)
    sub = tmp_path / "m"
    sub.mkdir()
    (sub / "w.bin").write_bytes(b"\0" * 16)
    (tmp_path / "w.bin").write_bytes(b"\0" * 16)
    onnx.save(m, sub / "m.onnx")
    with pytest.raises(QmlpError, match=msg):
        load(sub / "m.onnx")


# ----------------------------------------------------------------------------- the FuseSoC filter

def test_filter_runs_the_hooks_checks():
    from qmlp.eda.filter import Qmlp, hook_checks

    edam = {"parameters": {"PE": {"datatype": "str", "default": "3,16,2", "paramtype": "vlogparam"}},
            "hooks": {"pre_build": [{"name": "a", "cmd": ["qmlp", "hook", "accel", "--lint"]},
                                    {"name": "b", "cmd": ["make", "x"]}]}}
    assert hook_checks(edam) == [("accel", "accel", False, True)]
    with pytest.raises(SystemExit) as e:
        Qmlp().run(edam, ".")
    last = str(e.value).splitlines()[-1]
    assert last.startswith("qmlp hook: error: --PE=3,16,2: layer 1 has 128 outputs"), last
    edam["parameters"]["PE"]["default"] = "4,16,2"
    assert Qmlp().run(edam, ".") is edam


def test_filter_never_stops_a_run_for_its_own_fault(monkeypatch):
    from qmlp import params
    from qmlp.eda import filter as flt

    def broken(*a, **k):
        raise RuntimeError("a bug in the filter")

    monkeypatch.setattr(params, "validate", broken)
    edam = {"hooks": {"pre_build": [{"cmd": ["qmlp", "hook", "check", "i8"]}]}}
    assert flt.Qmlp().run(edam, ".") is edam


def test_fusesoc_prints_qmlps_reason_last(tmp_path):
    """`fusesoc run` with the repository's configuration (filters = qmlp): the last line is qmlp's."""
    from fusesoc_conf import write_config

    conf = write_config(tmp_path)
    assert "qmlp" in conf.read_text(), "the private configuration must keep the repository's filters"
    env = dict(os.environ, FUSESOC_CONFIG=str(conf), PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    res = subprocess.run([str(Path(sys.executable).parent / "fusesoc"), "run", "--build-root", str(tmp_path / "b"),
                          "--setup", "--target", "lint", "qmlp:accel:mlp", "--PE=3,16,2"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    last = (res.stdout + res.stderr).strip().splitlines()[-1]
    assert last.startswith("qmlp hook: error: --PE=3,16,2: layer 1 has 128 outputs"), res.stderr[-2000:]


# ----------------------------------------------------------------------------- runs that collide

def tiny_data(path: Path) -> Path:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (240, 16), dtype=np.uint8)
    y = (x[:, 0] // 86).astype(np.int64)                       # learnable: 3 classes from pixel 0
    np.savez(path, x_train=x[:200], y_train=y[:200], x_test=x[200:], y_test=y[200:])
    return path


def _train_cmd(build: Path, data: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "qmlp.cli", "train", "-q", "--build", str(build), "--data", str(data),
            "--layers", "16,8,3", "--act", "relu", "--epochs", "1", "--val-size", "20", "--seed", str(seed)]


def test_train_waits_for_the_holder_of_the_model_lock(tmp_path):
    """While another process holds BUILD/model's lock (the model cache's), `qmlp train` says whom it
    waits for and writes nothing; released, it trains and saves a consistent pair."""
    from qmlp.files import folder_lock
    from qmlp.nn import model as mdl

    data, build = tiny_data(tmp_path / "d.npz"), tmp_path / "b"
    with folder_lock(build / "model"):
        p = subprocess.Popen(_train_cmd(build, data, 3), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, PYTHONUNBUFFERED="1"))
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline and "waiting for" not in line:
            line = p.stderr.readline()
            assert line or p.poll() is None, "train ended without waiting"
        assert f"waiting for pid {os.getpid()}" in line, line
        assert not (build / "model" / "mlp.npz").exists()
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    m = mdl.load(build / "model" / "mlp.pth")                  # the pair check passes
    assert m.meta["seed"] == 3 and out.strip().endswith(f"model={build.resolve() / 'model' / 'mlp.pth'}")


def test_two_train_runs_into_one_build_folder(tmp_path):
    """Both succeed; the folder holds one run's .npz and .pth, and that run's line gives its accuracy."""
    from qmlp.nn import model as mdl

    data, build = tiny_data(tmp_path / "d.npz"), tmp_path / "b"
    procs = {s: subprocess.Popen(_train_cmd(build, data, s), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (1, 2)}
    outs = {s: p.communicate(timeout=300) for s, p in procs.items()}
    assert all(p.returncode == 0 for p in procs.values()), outs
    m = mdl.load(build / "model" / "mlp.pth")
    line = outs[m.meta["seed"]][0].strip().splitlines()[-1]
    assert line == f"TRAINED accuracy={m.meta['test_accuracy']:.2f} model={build.resolve() / 'model' / 'mlp.pth'}"


# ----------------------------------------------------------------------------- permissions

def needs_root(test):
    """Run as nobody (tests/nobody.py), or skip naming why that cannot be done here."""
    import functools

    from nobody import skip_unless_possible

    @functools.wraps(test)
    def run(*a, **kw):
        skip_unless_possible()
        return test(*a, **kw)
    return run


def _as_nobody(args, cwd):
    from nobody import as_nobody

    return as_nobody(args, cwd)


@needs_root
@pytest.mark.parametrize("case", ["build", "out", "sweep"])
def test_unwritable_folder_is_refused_before_work(case):
    """train into a folder nobody may write: refused before the data is read or a model trained."""
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="qmlp-perm-", dir="/tmp"))    # pytest's tmp_path is root's only
    try:
        _refused_before_work(tmp_path, case)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _refused_before_work(tmp_path: Path, case: str) -> None:
    os.chmod(tmp_path, 0o755)
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    data = tiny_data(tmp_path / "d.npz")
    os.chmod(data, 0o644)
    rw = tmp_path / "rw"
    rw.mkdir()
    os.chmod(rw, 0o777)
    if case == "build":
        args = ["train", "-q", "--build", str(ro / "b"), "--data", str(data), "--layers", "16,8,3", "--epochs", "1"]
    elif case == "out":
        args = ["train", "-q", "--build", str(rw), "--out", str(ro / "m.npz"), "--data", str(data)]
    else:
        args = ["sweep", "-q", "--build", str(rw), "--out", str(ro / "sweep"), "--model", str(data)]
    res = _as_nobody(args, cwd="/")
    err = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(err) == 1 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert f"cannot write into {ro} (permission denied)" in err[0], err[0]
    assert not any(rw.iterdir()) and not (ro / "b").exists()


# ----------------------------------------------------------------------------- ROM manifests

@pytest.fixture(scope="module")
def rom_folder(tmp_path_factory):
    """A complete ROM set of the 16-8-3 network (qmlp.hw.roms.make on the tiny data set)."""
    from qmlp.hw import roms
    from qmlp.nn import quant

    tmp = tmp_path_factory.mktemp("roms")
    q = quant.quantize_model(tiny_float_model(), 8, [6, 6])
    roms.make(tmp / "r", q, roms.HwConfig((2, 1), (4, 2), spec=q.spec), tiny_data(tmp / "d.npz"))
    return tmp / "r"


@SETTINGS
@given(key=st.sampled_from(["images", "words_per_image", "word_bits", "classes", "depth"]),
       value=st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True), st.booleans(), st.text(max_size=3)))
def test_rom_manifest_counts_against_the_files(tmp_path, rom_folder, key, value):
    """Any number written into a manifest: verify passes only if it is the true count, else one QmlpError."""
    from qmlp.hw import roms

    man = json.loads((rom_folder / "manifest.json").read_text())
    where = {"depth": (man["roms"]["fc1"], "depth")}.get(key, (man["vectors"], key))
    same = type(value) is type(where[0][where[1]]) and value == where[0][where[1]]
    where[0][where[1]] = value
    f = tmp_path / "r"
    if not f.exists():
        shutil.copytree(rom_folder, f)
    (f / "manifest.json").write_text(json.dumps(man))
    if same:
        roms.verify(f)
    else:
        with pytest.raises(QmlpError, match="manifest.json|lines|vectors.txt"):
            roms.verify(f)


def test_rom_manifest_names_stay_in_the_folder(tmp_path, rom_folder):
    from qmlp.hw import roms

    shutil.copytree(rom_folder, tmp_path / "r")
    man = json.loads((tmp_path / "r" / "manifest.json").read_text())
    for cycles in (0, 2**50, 1.5):
        (tmp_path / "r" / "manifest.json").write_text(json.dumps(dict(man, cycles_per_image=cycles)))
        with pytest.raises(QmlpError, match="is not a count"):
            roms.verify(tmp_path / "r")
    man["vectors"]["sha256"]["../../etc/passwd"] = "0" * 64
    (tmp_path / "r" / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(QmlpError, match="plain names inside it"):
        roms.verify(tmp_path / "r")


# ----------------------------------------------------------------------------- the hook reads --MODEL= once

def test_accel_hook_reads_the_model_file_once(tmp_path, monkeypatch):
    """`qmlp hook accel` with --MODEL=<quantized 16-8-3 model>: the file is opened once; the spec
    check, the hash in the ROM manifest and the ROMs come from those bytes."""
    import builtins

    from qmlp.eda import hooks
    from qmlp.hw import roms
    from qmlp.nn import quant

    data = tiny_data(tmp_path / "d.npz")
    q = quant.quantize_model(tiny_float_model(), 8, [6, 6], meta={"data": str(data)})
    mpath = tmp_path / "q.npz"
    quant.save(q, mpath)
    work = tmp_path / "work"
    work.mkdir()
    prm = {"MODEL": str(mpath), "PE": "2,1", "SIMD": "4,2"}
    (work / "qmlp_accel_mlp_0.1.0.eda.yml").write_text(json.dumps(
        {"name": "qmlp_accel_mlp_0.1.0", "parameters": {k: {"datatype": "str", "default": v, "paramtype": "vlogparam"}
                                                          for k, v in prm.items()}}))
    monkeypatch.setenv("QMLP_BUILD", str(tmp_path / "build"))
    opened = []
    real_open, real_io_open = builtins.open, io.open

    def counting(opener):
        def op(file, *a, **k):
            if isinstance(file, (str, Path)) and Path(file).resolve() == mpath.resolve():
                opened.append(file)
            return opener(file, *a, **k)
        return op

    monkeypatch.setattr(builtins, "open", counting(real_open))
    monkeypatch.setattr(io, "open", counting(real_io_open))
    hooks.accel(work_root=work)
    monkeypatch.undo()
    assert len(opened) == 1, opened
    man = roms.verify(work / hooks.ROM_DIR)
    assert man["source"]["quant_sha256"] == __import__("hashlib").sha256(mpath.read_bytes()).hexdigest()


def test_sweep_waits_for_the_holder_of_its_folder(tmp_path):
    """`qmlp sweep` into a folder another process is writing waits (and says for whom) before it
    writes; its SWEEP line then names the table it wrote."""
    from qmlp.files import output_lock
    from qmlp.nn import model as mdl

    data, build = tiny_data(tmp_path / "d.npz"), tmp_path / "b"
    m = tiny_float_model()
    m.meta = {"data": str(data), "val_size": 20, "seed": 0}
    mdl.save(m, tmp_path / "m.npz")
    with output_lock(build / "sweep"):
        p = subprocess.Popen([sys.executable, "-m", "qmlp.cli", "sweep", "-q", "--build", str(build), "--model",
                              str(tmp_path / "m.npz"), "--wl", "4,8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        line = ""
        deadline = time.time() + 120
        while time.time() < deadline and "waiting for" not in line:
            line = p.stderr.readline()
            assert line or p.poll() is None, "sweep ended without waiting"
        assert f"waiting for pid {os.getpid()}" in line and not (build / "sweep").exists(), line
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    table = build.resolve() / "sweep" / "sweep.json"
    assert out.strip().endswith(f"table={table}") and table.is_file()
