"""The three handwritten matmul IPs in Icarus and Verilator, bit for bit against golden.py.

Icarus runs small blocks (it catches X that Verilator hides); Verilator runs the default
64x128x64 block. Cycle counts are exact figures of the schedule, not timings. Every run has a
build root of its own (the test's tmp_path), so tests that edit a work root's files share it
with no other test and everything runs under pytest-xdist; nothing goes into the repository's
build/ (tests/fusesoc_conf.py keeps FuseSoC's cache out of it too).
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.eda.edam import edam_info
from qmlp.eda.runner import tool_env, run_fusesoc

REPO = Path(__file__).resolve().parents[1]
KINDS = ("i8", "f32i8", "f32")


def _fp32_latencies():
    """The binary32 units' latencies from qmlp_fp32_lat.vh (`define QMLP_FP32_<UNIT>_LAT <n>)."""
    vh = (REPO / "cores" / "ip" / "fp32" / "rtl" / "qmlp_fp32_lat.vh").read_text()
    lat = {k: int(v) for k, v in re.findall(r"`define\s+QMLP_FP32_(\w+)_LAT\s+(\d+)", vh)}
    assert set(lat) == {"MUL", "ADD", "CVT"}, lat
    return lat


FP32_LAT = _fp32_latencies()
ADD_LAT = FP32_LAT["ADD"]  # the float engine's tile of interleaved outputs


def core(kind):
    return f"qmlp:ip:matmul_{kind}"


def run(kind, target, params, tmp_path, **kw):
    """run_fusesoc with the test's own build root (the run's work root is res.work_root)."""
    return run_fusesoc(core(kind), target, params, build_root=tmp_path / "build", **kw)


def expected_cycles(kind, rows, inner, cols, lanes):
    outs = rows * (cols // lanes)
    if kind == "i8":
        return outs * inner + 4
    tiles = -(-outs // ADD_LAT)
    # the walk, then the last issue's way to its C write (memory read, conversion of an int8 B,
    # multiplier, adder) and ap_done one cycle after it
    latency = 1 + (FP32_LAT["CVT"] if kind == "f32i8" else 0) + FP32_LAT["MUL"] + ADD_LAT
    return tiles * ADD_LAT * inner + latency + 1


def check(res, vectors=None):
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    assert res.fields["pass"] == "1" and res.fields["mismatches"] == "0", res.output[-3000:]
    if vectors is not None:
        assert res.fields["vectors"] == str(vectors)
    return int(res.fields["cycles"])


SMALL = [
    ("i8", dict(ROWS=8, INNER=32, COLS=8, LANES=1)),
    ("i8", dict(ROWS=8, INNER=32, COLS=8, LANES=4, ACC_W=16)),         # the lab's int16 accumulator
    ("i8", dict(ROWS=5, INNER=19, COLS=12, LANES=2, SHIFT=5)),          # odd sizes, rounding
    ("i8", dict(ROWS=4, INNER=300, COLS=4, LANES=1, ACC_W=16, SHIFT=3)),
    ("f32i8", dict(ROWS=8, INNER=24, COLS=8, LANES=1)),
    ("f32i8", dict(ROWS=6, INNER=16, COLS=8, LANES=4, FL_B=7)),
    ("f32i8", dict(ROWS=3, INNER=9, COLS=6, LANES=2, FL_B=-3)),         # partial last tile
    ("f32", dict(ROWS=8, INNER=24, COLS=8, LANES=1)),
    ("f32", dict(ROWS=6, INNER=16, COLS=8, LANES=4)),
    ("f32", dict(ROWS=5, INNER=7, COLS=3, LANES=1)),
    # wide lanes: 8 and 16 MACs per cycle
    ("i8", dict(ROWS=4, INNER=16, COLS=16, LANES=8, ACC_W=16)),
    ("i8", dict(ROWS=4, INNER=16, COLS=32, LANES=16)),
    ("f32i8", dict(ROWS=4, INNER=12, COLS=16, LANES=8)),
    ("f32", dict(ROWS=4, INNER=12, COLS=32, LANES=16)),
    # packed B (--WBITS=4|2): same lanes, C banks and cycles as 8 bits; B in max(1, LANES/PER) byte banks
    ("i8", dict(ROWS=8, INNER=32, COLS=8, LANES=1, WBITS=4)),            # 2 groups share a byte
    ("i8", dict(ROWS=8, INNER=32, COLS=8, LANES=1, WBITS=2)),            # 4 groups share a byte
    ("i8", dict(ROWS=4, INNER=300, COLS=8, LANES=1, ACC_W=16, SHIFT=3, WBITS=4)),  # int16 wraps
    ("i8", dict(ROWS=4, INNER=300, COLS=8, LANES=2, ACC_W=16, WBITS=2)),           # wraps, 2 lanes/byte
    ("i8", dict(ROWS=8, INNER=32, COLS=8, LANES=4, ACC_W=16, WBITS=4)),  # 2 banks, 2 lanes per byte
    ("i8", dict(ROWS=5, INNER=19, COLS=12, LANES=2, SHIFT=5, WBITS=4)),  # one bank, one byte per group
    ("i8", dict(ROWS=4, INNER=16, COLS=32, LANES=8, WBITS=2)),           # 2 banks, 4 lanes per byte
    ("i8", dict(ROWS=4, INNER=16, COLS=16, LANES=16, ACC_W=16, WBITS=4)),  # 8 banks
]


@pytest.mark.parametrize("kind,params", SMALL, ids=[f"{k}-{'-'.join(f'{a}{b}' for a, b in p.items())}" for k, p in SMALL])
def test_icarus_small(kind, params, tmp_path):
    cyc = check(run(kind, "sim", params, tmp_path))
    assert cyc == expected_cycles(kind, params["ROWS"], params["INNER"], params["COLS"], params["LANES"])


DEFAULT_BLOCK = [(k, lanes) for k in KINDS for lanes in (1, 4)] + [("i8-w4", 4), ("i8-w2", 4)]


@pytest.mark.parametrize("kind,lanes", DEFAULT_BLOCK, ids=[f"{k}-{n}" for k, n in DEFAULT_BLOCK])
def test_verilator_default_block(kind, lanes, tmp_path):
    """The default 64x128x64 block in Verilator; at LANES=4 the checker is then shown to fail in
    the same build: one flipped word (an expected C word; for packed B one B byte that changes
    C) and the rerun gives pass=0 (Icarus shows the same on small blocks below). Packed B at
    LANES=1 runs in Icarus (SMALL)."""
    if kind.startswith("i8-w"):                          # packed B: the 8-bit figures hold
        wbits = int(kind[4:])
        res = run("i8", "sim_verilator", {"LANES": lanes, "WBITS": wbits}, tmp_path)
        cyc = check(res, vectors=4)
        assert cyc == expected_cycles("i8", 64, 128, 64, lanes)
        print(f"{kind} LANES={lanes}: cycles={cyc} ({res.seconds:.1f} s wall)")
        vec = res.work_root / "qmlp_vectors"
        idx, mask = _packed_byte_that_matters(vec, vector=2, wbits=wbits)
        _edit_word(vec / "B.hex", idx, mask)
        p = _rerun(res)
        assert p.returncode != 0 and "MISMATCH vector 2" in p.stdout, p.stdout[-2000:]
        assert "MISMATCH vector 0" not in p.stdout and "MISMATCH vector 1" not in p.stdout
        assert _last_result(p).startswith("RESULT pass=0 vectors=4 mismatches=")
        return
    # the float kinds have five classes of test block (random, specials, tiny, huge, integer
    # ties): run all five, whatever the core's default VECTORS
    params = {"LANES": lanes} if kind == "i8" else {"LANES": lanes, "VECTORS": 5}
    res = run(kind, "sim_verilator", params, tmp_path)
    nv = 4 if kind == "i8" else 5
    cyc = check(res, vectors=nv)
    assert cyc == expected_cycles(kind, 64, 128, 64, lanes)
    budget = 530_000 if kind == "i8" else 540_000      # the bounds at LANES=1
    assert cyc <= budget // lanes + 100
    print(f"{kind} LANES={lanes}: cycles={cyc} ({res.seconds:.1f} s wall)")
    if lanes == 4:
        _edit_word(res.work_root / "qmlp_vectors" / "C.hex", 64 * 64 + 3 * 64 + 7, 1)   # vector 1, C[3][7]
        p = _rerun(res)
        assert p.returncode != 0 and "MISMATCH vector 1 C[3][7]" in p.stdout, p.stdout[-2000:]
        assert _last_result(p) == f"RESULT pass=0 vectors={nv} mismatches=1 cycles={cyc}"


# ------------------------------------------------------------------ the checker can fail

def _edit_word(path: Path, index: int, mask: int) -> None:
    """XOR one hex word of a vector file with mask."""
    lines = path.read_text().splitlines()
    w = len(lines[index])
    lines[index] = format(int(lines[index], 16) ^ mask, f"0{w}x")
    path.write_text("\n".join(lines) + "\n")


def _last_result(p) -> str:
    return [line for line in p.stdout.splitlines() if line.startswith("RESULT")][-1]


def _input_word_that_matters(kind, vec: Path, vector: int) -> int:
    """Index (in A.hex) of an A word whose LSB flip changes the golden C of that vector.

    Not every flip does (a saturated int8 row stays saturated), so ask the golden model.
    """
    import numpy as np

    from qmlp.numerics import golden
    from qmlp.hw.vectors import WIDTHS, read_hex

    nv, rows, inner, cols = map(int, (vec / "meta.txt").read_text().split()[:4])
    aw, bw, _ = WIDTHS[kind]
    a_all, b_all = read_hex(vec / "A.hex", aw), read_hex(vec / "B.hex", bw)
    a0 = a_all[vector * rows * inner:(vector + 1) * rows * inner].reshape(rows, inner)
    b = b_all[vector * inner * cols:(vector + 1) * inner * cols].reshape(inner, cols)

    def c_of(a):
        if kind == "i8":
            return golden.matmul_i8(a.astype(np.uint8).view(np.int8), b.astype(np.uint8).view(np.int8))
        af = golden.f32_from_bits(a.astype(np.uint32))
        if kind == "f32":
            return golden.bits_from_f32(golden.matmul_f32(af, golden.f32_from_bits(b.astype(np.uint32))))
        return golden.bits_from_f32(golden.matmul_f32i8(af, b.astype(np.uint8).view(np.int8), 4))

    ref = c_of(a0)
    for i in range(rows * inner):
        a = a0.copy().reshape(-1)
        a[i] ^= 1
        if not np.array_equal(c_of(a.reshape(rows, inner)), ref):
            return vector * rows * inner + i
    raise AssertionError("no A word of this vector changes C")


def _rerun(res):
    """Run the simulator a run built, again, in its work root on the (edited) vectors, without
    the vector hook (the simulator's name and top come from the run's EDAM file)."""
    wd = res.work_root
    top, name = edam_info(wd)
    if res.target == "sim":
        cmd = ["vvp", "-n", "-M.", "-N", name, "+STRICT_X=1"]
    else:
        cmd = [str(wd / f"V{top}"), "+STRICT_X=1"]
    return subprocess.run(cmd, cwd=wd, capture_output=True, text=True, env=tool_env(), timeout=600)


@pytest.mark.parametrize("target", ["sim"])          # Verilator: test_verilator_default_block
@pytest.mark.parametrize("kind", KINDS)
def test_corrupted_word_is_caught(kind, target, tmp_path):
    params = dict(ROWS=4, INNER=8, COLS=8, LANES=2, VECTORS=2)
    res = run(kind, target, params, tmp_path)
    check(res)
    vec = res.work_root / "qmlp_vectors"
    backup = {f: (vec / f).read_text() for f in ("A.hex", "C.hex")}
    try:
        _edit_word(vec / "C.hex", 21, 1)              # one expected output word: vector 0, C[2][5]
        p = _rerun(res)
        assert p.returncode != 0
        assert _last_result(p) == "RESULT pass=0 vectors=2 mismatches=1 cycles=%d" % expected_cycles(kind, 4, 8, 8, 2)
        assert "MISMATCH vector 0 C[2][5]" in p.stdout
        (vec / "C.hex").write_text(backup["C.hex"])
        idx = _input_word_that_matters(kind, vec, vector=1)
        _edit_word(vec / "A.hex", idx, 1)             # one input word of vector 1
        p = _rerun(res)
        assert p.returncode != 0 and "RESULT pass=0" in p.stdout
        assert "MISMATCH vector 1" in p.stdout
        (vec / "A.hex").write_text(backup["A.hex"])
        p = _rerun(res)                   # and the restored files pass again
        assert p.returncode == 0 and "RESULT pass=1" in p.stdout
    finally:
        for f, text in backup.items():
            (vec / f).write_text(text)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("edit,msg", [
    (lambda t: "\n".join(t.splitlines()[:-3]) + "\n", "C.hex ended (or holds a non-hex word) after 29 words of vector 1"),
    (lambda t: t + "00\n", "C.hex holds more than the 2 vectors x 32 words"),
    (lambda t: "\n".join(l if i != 5 else "zz" for i, l in enumerate(t.splitlines())) + "\n",
     "C.hex word 5 of vector 0 is not a hex number"),
    (lambda t: "\n".join(l if i != 7 else "1ff" for i, l in enumerate(t.splitlines())) + "\n",
     "C.hex word 7 of vector 0 (1ff) is wider than 8 bits"),
])
def test_bad_vector_file(edit, msg, tmp_path):
    res = run("i8", "sim", dict(ROWS=4, INNER=8, COLS=8, VECTORS=2), tmp_path)
    check(res)
    c = res.work_root / "qmlp_vectors" / "C.hex"
    orig = c.read_text()
    try:
        c.write_text(edit(orig))
        p = _rerun(res)
        assert p.returncode != 0
        assert msg in p.stdout, p.stdout
        assert p.stdout.strip().splitlines()[-1].startswith("RESULT pass=0")
    finally:
        c.write_text(orig)


def test_vectors_for_other_parameters(tmp_path):
    res = run("i8", "sim", dict(ROWS=4, INNER=8, COLS=8, VECTORS=1), tmp_path)
    check(res)
    meta = res.work_root / "qmlp_vectors" / "meta.txt"
    orig = meta.read_text()
    try:
        meta.write_text(orig.replace("1 4 8 8", "1 4 16 8"))
        p = _rerun(res)
        assert p.returncode != 0
        assert "vectors are for ROWS=4 INNER=16 COLS=8" in p.stdout and "the simulation has ROWS=4 INNER=8" in p.stdout
    finally:
        meta.write_text(orig)


def _packed_byte_that_matters(vec: Path, vector: int, wbits: int) -> tuple[int, int]:
    """(index in B.hex, xor mask) of a packed B byte of that vector and a flip of all its bits that
    changes the golden C (found with the golden model on the unpacked codes)."""
    import numpy as np

    from qmlp.hw.roms import unpack
    from qmlp.hw.vectors import read_hex
    from qmlp.numerics import golden

    nv, rows, inner, cols = map(int, (vec / "meta.txt").read_text().split()[:4])
    per = 8 // wbits
    nb = inner * cols // per
    a = read_hex(vec / "A.hex", 8)[vector * rows * inner:(vector + 1) * rows * inner]
    a = a.astype(np.uint8).view(np.int8).reshape(rows, inner)
    bw = read_hex(vec / "B.hex", 8)[vector * nb:(vector + 1) * nb].reshape(inner, cols // per)
    ref = golden.matmul_i8(a, unpack(bw, wbits, cols).astype(np.int8))
    for i in range(nb):
        b = bw.copy().reshape(-1)
        b[i] ^= 0xFF
        c = golden.matmul_i8(a, unpack(b.reshape(bw.shape), wbits, cols).astype(np.int8))
        if not np.array_equal(c, ref):
            return vector * nb + i, 0xFF
    raise AssertionError("no B byte of this vector changes C")


@pytest.mark.parametrize("target", ["sim"])          # Verilator: test_verilator_default_block
@pytest.mark.parametrize("wbits", [4, 2])
def test_corrupted_packed_word_is_caught(wbits, target, tmp_path):
    """Flip every bit of one packed B byte (all its codes) in the work root: the rerun fails."""
    params = dict(ROWS=4, INNER=8, COLS=8, LANES=2, VECTORS=2, WBITS=wbits)
    res = run("i8", target, params, tmp_path)
    check(res)
    vec = res.work_root / "qmlp_vectors"
    backup = (vec / "B.hex").read_text()
    assert len(backup.split()) == 2 * 8 * 8 // (8 // wbits)      # packed: 8/WBITS codes a byte
    try:
        idx, mask = _packed_byte_that_matters(vec, vector=1, wbits=wbits)
        _edit_word(vec / "B.hex", idx, mask)
        p = _rerun(res)
        assert p.returncode != 0, p.stdout[-2000:]
        last = _last_result(p)
        assert last.startswith("RESULT pass=0 vectors=2 mismatches=") and " mismatches=0 " not in last
        assert "MISMATCH vector 1" in p.stdout and "MISMATCH vector 0" not in p.stdout
        (vec / "B.hex").write_text(backup)
        p = _rerun(res)                   # and the restored file passes again
        assert p.returncode == 0 and "RESULT pass=1" in p.stdout
    finally:
        (vec / "B.hex").write_text(backup)


def test_vectors_for_other_wbits(tmp_path):
    """Vectors written for 8-bit B do not pass as packed ones: meta.txt's B width differs."""
    res = run("i8", "sim", dict(ROWS=4, INNER=8, COLS=8, VECTORS=1, WBITS=4), tmp_path)
    check(res)
    meta = res.work_root / "qmlp_vectors" / "meta.txt"
    orig = meta.read_text()
    assert orig.split()[5] == "4"
    try:
        meta.write_text(orig.replace("1 4 8 8 8 4 8", "1 4 8 8 8 8 8"))
        p = _rerun(res)
        assert p.returncode != 0
        assert "widths 8/8/8, the simulation has ROWS=4 INNER=8 COLS=8 widths 8/4/8" in p.stdout, p.stdout
    finally:
        meta.write_text(orig)


# Every target validates its parameters against qmlp.params before it builds (the sim targets
# in `qmlp hook vectors`, the others in `qmlp hook check`): the run stops with a message that
# names the parameter as the user wrote it, and nothing is simulated or synthesized.
BAD = [
    ("i8", {"LANES": 3}, "--LANES=3 does not divide --COLS=64"),
    ("i8", {"LANES": 0}, "--LANES=0 is not an integer 1..64"),
    ("i8", {"ACC_W": 8}, "--ACC_W=8 is not an integer 16..32"),
    ("i8", {"SHIFT": 40}, "--SHIFT=40 is not an integer 0..31"),
    ("i8", {"ACC_W": 16, "SHIFT": 16}, "--SHIFT=16 must be below --ACC_W=16"),
    ("f32i8", {"FL_B": 200}, "--FL_B=200 is not an integer -120..149"),
    ("f32", {"COLS": 10, "LANES": 4}, "--LANES=4 does not divide --COLS=10"),
    ("f32", {"ROWS": 1, "INNER": 1}, "leave A with 1 word"),
    ("i8", {"WBITS": 3}, "--WBITS=3 is not one of 8, 4, 2"),
    ("i8", {"WBITS": 1}, "--WBITS=1 is not an integer 2..8"),
    ("i8", {"WBITS": 4, "COLS": 63}, "--WBITS=4 packs 2 codes per byte along a row of B: --COLS=63 must be a multiple of 2"),
    ("i8", {"WBITS": 2, "COLS": 48, "LANES": 3}, "--WBITS=2 packs 4 codes per byte: --LANES=3 must be a multiple or a divisor of 4"),
]


def _refused(res, msg):
    assert res.returncode != 0, res.output[-2000:]
    assert msg in res.output, res.output[-2000:]
    assert "qmlp hook: error:" in res.output and "Traceback" not in res.output
    # stopped before the tool: no simulation result, no synthesis report
    assert res.kind is None and "RESOURCES" not in res.output and "RESULT pass=1" not in res.output


@pytest.mark.parametrize("kind,params,msg", BAD, ids=[f"{k}-{m.split()[0]}" for k, _, m in BAD])
def test_sim_refuses_bad_parameters(kind, params, msg, tmp_path):
    _refused(run(kind, "sim", params, tmp_path), msg)


@pytest.mark.parametrize("target", ["lint", "synth"])
@pytest.mark.parametrize("params,msg", [({"LANES": 3}, "--LANES=3 does not divide --COLS=64"),
                                        ({"LANES": 0}, "--LANES=0 is not an integer 1..64"),
                                        ({"ACC_W": 8}, "--ACC_W=8 is not an integer 16..32"),
                                        ({"WBITS": 3}, "--WBITS=3 is not one of 8, 4, 2"),
                                        ({"WBITS": 2, "COLS": 66}, "--WBITS=2 packs 4 codes per byte along a row of B: "
                                         "--COLS=66 must be a multiple of 4"),
                                        ({"WBITS": 4, "LANES": 3, "COLS": 48}, "--WBITS=4 packs 2 codes per byte: "
                                         "--LANES=3 must be a multiple or a divisor of 2")],
                         ids=["LANES3", "LANES0", "ACC_W8", "WBITS3", "WBITS2-COLS66", "WBITS4-LANES3"])
def test_lint_and_synth_refuse_bad_parameters(target, params, msg, tmp_path):
    _refused(run("i8", target, params, tmp_path), msg)


@pytest.mark.parametrize("kind,params,msg", [("f32i8", {"FL_B": -121}, "--FL_B=-121 is not an integer -120..149"),
                                             ("f32", {"LANES": 3}, "--LANES=3 does not divide --COLS=64")])
def test_float_synth_refuses_bad_parameters(kind, params, msg, tmp_path):
    _refused(run(kind, "synth", params, tmp_path), msg)


def test_synth_vivado_checks_parameters_before_vivado(tmp_path):
    """With a stand-in `vivado` on PATH (found, never run), the parameter check is what stops."""
    stub = tmp_path / "bin" / "vivado"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\necho QMLP-TEST-STUB-VIVADO-RAN\nexit 1\n")
    stub.chmod(0o755)
    path = f"{stub.parent}:{tool_env()['PATH']}"
    res = run("i8", "synth_vivado", {"LANES": 3}, tmp_path, env={"PATH": path}, timeout=300)
    _refused(res, "--LANES=3 does not divide --COLS=64")
    assert "QMLP-TEST-STUB-VIVADO-RAN" not in res.output


# ------------------------------------------------------------------ core files

HOOKS = {"sim": ["vectors"], "sim_verilator": ["vectors"], "lint": ["check"], "synth": ["check"],
         "synth_vivado": ["check"], "pnr_ecp5": ["pnr_check"], "sim_synth": ["vectors"]}


@pytest.mark.parametrize("kind", KINDS)
def test_core_hooks_are_per_target(kind):
    """No hooks in `default`: FuseSoC would append them to every target that merges it."""
    c = yaml.safe_load((REPO / "cores" / "ip" / f"matmul_{kind}" / f"matmul_{kind}.core").read_text())
    assert "hooks" not in c["targets"]["default"]
    assert {t: v.get("hooks", {}).get("pre_build") for t, v in c["targets"].items() if t != "default"} == HOOKS
    assert c["scripts"] == {"check": {"cmd": ["qmlp", "hook", "check", kind]},
                            "vectors": {"cmd": ["qmlp", "hook", "vectors", kind]},
                            "pnr_check": {"cmd": ["qmlp", "hook", "ecp5-setup", kind]}}


@pytest.mark.parametrize("target,hook", [("sim", "vectors"), ("synth", "check")])
def test_each_target_runs_only_its_own_hook(target, hook, tmp_path):
    """What FuseSoC really merges: the EDAM file of a set-up run lists exactly one hook of the core."""
    res = run("i8", target, None, tmp_path, stages=["--setup"])
    assert res.returncode == 0, res.output[-2000:]
    edam = yaml.safe_load(next(res.work_root.glob("*.eda.yml")).read_text())
    mine = [h for h in edam.get("hooks", {}).get("pre_build", []) if h["name"].startswith("qmlp_ip_matmul_i8")]
    assert [h["cmd"] for h in mine] == [["qmlp", "hook", hook, "i8"]], edam.get("hooks")
    assert edam["toplevel"] == ("qmlp_tb_matmul" if target == "sim" else "qmlp_matmul_i8")


def test_every_core_parses():
    """A typo in a .core only logs a warning and the core vanishes (NOTES): all must be listed."""
    cores = [f for d in ("ip", "hls") for f in sorted((REPO / "cores" / d).rglob("*.core"))]
    names = [yaml.safe_load(f.read_text())["name"] for f in cores]
    assert "qmlp:tb:matmul:0.1.0" in names and "qmlp:ip:matmul_issue:0.1.0" in names
    p = subprocess.run([str(Path(tool_env()["PATH"].split(":")[0]) / "fusesoc"), "core", "list"], cwd=REPO,
                       capture_output=True, text=True, env=tool_env(), timeout=120)
    assert p.returncode == 0, p.stderr
    listed = {line.split()[0] for line in p.stdout.splitlines() if line.startswith("qmlp:")}
    assert set(names) <= listed, set(names) - listed
    assert "Parse error" not in p.stdout + p.stderr


def test_lint_clean(tmp_path):
    for kind in KINDS:
        for params in ({}, {"LANES": 4}):
            res = run(kind, "lint", params, tmp_path / f"{kind}{len(params)}")
            assert res.returncode == 0, res.output[-2000:]
            assert "%Warning" not in res.output and "%Error" not in res.output
            assert f"parameters of this {kind} run are valid" in res.output   # the check hook ran


def test_lint_clean_packed(tmp_path):
    for params in ({"WBITS": 4}, {"WBITS": 2}, {"WBITS": 4, "LANES": 4}, {"WBITS": 2, "LANES": 2},
                   {"WBITS": 2, "LANES": 8}, {"WBITS": 4, "LANES": 1, "ACC_W": 16, "SHIFT": 3}):
        res = run("i8", "lint", params, tmp_path / "-".join(f"{k}{v}" for k, v in params.items()))
        assert res.returncode == 0, res.output[-2000:]
        assert "%Warning" not in res.output and "%Error" not in res.output, res.output[-2000:]
        assert f"WBITS={params['WBITS']}" in res.output   # the check hook saw it


@pytest.mark.parametrize("lanes", [1, 4])
def test_synth_packed_no_regression(lanes, tmp_path):
    """Packed B keeps one DSP48 per lane and the flip-flops of 8 bits, and the LUTs within ABC's
    noise (measured +1..+3: the code select of LANES < PER, and none at all where the lanes take
    fixed codes of a byte, LANES >= PER, which is wiring)."""
    r = {}
    for w in (8, 4, 2):
        res = run("i8", "synth", {"WBITS": w, "LANES": lanes}, tmp_path / f"w{w}")
        assert res.returncode == 0 and res.kind == "RESOURCES", res.output[-2000:]
        r[w] = {k: int(v) for k, v in res.fields.items()}
        print(f"LANES={lanes} WBITS={w}: {r[w]}")
        _check_resources(res)
    for w in (4, 2):
        assert r[w]["dsp"] <= r[8]["dsp"] and r[w]["ff"] <= r[8]["ff"] and r[w]["bram18"] <= r[8]["bram18"]
        assert r[w]["lut"] <= r[8]["lut"] + 4, (w, r)


def _check_resources(res):
    assert res.returncode == 0, res.output[-2000:]
    assert res.kind == "RESOURCES", res.output[-2000:]
    r = {k: int(v) for k, v in res.fields.items()}
    assert set(r) == {"lut", "ff", "dsp", "bram18"}
    assert r["lut"] > 20 and r["ff"] > 20 and r["dsp"] >= 1
    js = json.loads((res.work_root / "resources.json").read_text())
    assert {k: js[k] for k in r} == r


@pytest.mark.parametrize("kind", ("f32i8", "f32"))     # i8: test_synth_packed_no_regression
def test_synth_prints_resources(kind, tmp_path):
    _check_resources(run(kind, "synth", None, tmp_path))
