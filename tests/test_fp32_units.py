"""Bit-exact tests of the binary32 units in cores/ip/fp32 (qmlp:ip:fp32).

About 1.1 million operand pairs go through both qmlp_fp32_mul and
qmlp_fp32_add in Verilator (class-crossed, targeted and uniformly random, see
tests/fp32/fp32_vectors.py); a stratified 20k subset also runs in Icarus, which
keeps X visible. The converters run for 20 FL values x all 256 codes in both.
Expected values come from numpy float32 and from Berkeley SoftFloat
(softfloatpy, RNE); the test asserts that the two agree and that the RTL matches
both bit for bit. Negative tests show the checker fails when it should.

Build artefacts go to a temporary folder of the session (QMLP_FP32_BUILD_DIR=<folder> keeps
them there instead, one subfolder per pytest-xdist worker); nothing is written into the
repository. Run from the repo root:  .venv/bin/python -m pytest tests/test_fp32_units.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import softfloatpy as sf

REPO = Path(__file__).resolve().parent.parent
TB_DIR = REPO / "cores" / "ip" / "fp32" / "tb"      # the Verilog harness, next to the RTL it tests
RTL_DIR = REPO / "cores" / "ip" / "fp32" / "rtl"

sys.path.insert(0, str(REPO / "tests" / "fp32"))   # fp32_vectors.py, the Python side
import fp32_vectors as fv  # noqa: E402
from fusesoc_conf import private_fusesoc  # noqa: E402,F401  (autouse: FuseSoC cache in a temp folder)

RTL_FILES = [RTL_DIR / f"qmlp_fp32_{m}.v" for m in ("norm", "lzc", "mul", "add", "from_int8")]
LAT_VH = RTL_DIR / "qmlp_fp32_lat.vh"
TOPS = {"mul": "qmlp_fp32_mul", "add": "qmlp_fp32_add", "cvt": "qmlp_fp32_from_int8"}

# Must list the same values, in the same order, as fl_of() in qmlp_tb_fp32_units.v.
FLS = [0, 1, 4, 7, 8, -1, -5, -8, -120, -119, 100, 126, 127, 128, 133, 134, 135, 140, 148, 149]
N_ICARUS = 20000
MIN_VECTORS = 1_000_000


def _run(cmd, cwd, log, env=None):
    with open(log, "w") as fh:
        r = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        tail = Path(log).read_text()[-4000:]
        raise RuntimeError(f"command failed ({r.returncode}): {' '.join(map(str, cmd))}\n{tail}")


def _popen(cmd, cwd, log, env=None):
    fh = open(log, "w")
    p = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    p._qmlp_log = (fh, log, cmd)  # noqa: SLF001
    return p


def _wait(p):
    rc = p.wait()
    fh, log, cmd = p._qmlp_log  # noqa: SLF001
    fh.close()
    if rc != 0:
        tail = Path(log).read_text()[-4000:]
        raise RuntimeError(f"command failed ({rc}): {' '.join(map(str, cmd))}\n{tail}")


def check_equal(what, a, b, got, exp, groups=None):
    """Assert got == exp elementwise; on failure report the first mismatches."""
    got = np.asarray(got, dtype=np.uint32)
    exp = np.asarray(exp, dtype=np.uint32)
    assert got.shape == exp.shape, f"{what}: shape {got.shape} != {exp.shape}"
    bad = np.flatnonzero(got != exp)
    if bad.size:
        lines = fv.fmt_mismatches(bad, a, b, got, exp, groups)
        raise AssertionError(f"{what}: {bad.size} of {got.size} mismatch; first ones:\n"
                             + "\n".join(lines))


# ---------------------------------------------------------------------------
# one session fixture: build both simulators while the references compute
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fp32_build(tmp_path_factory) -> Path:
    """The simulators' build folder: per session (and so per xdist worker), or QMLP_FP32_BUILD_DIR."""
    keep = os.environ.get("QMLP_FP32_BUILD_DIR")
    if not keep:
        return tmp_path_factory.mktemp("fp32")
    return Path(keep) / os.environ.get("PYTEST_XDIST_WORKER", "main")  # workers must not share outputs


@pytest.fixture(scope="session")
def sim(fp32_build):
    for tool in ("verilator", "iverilog", "vvp"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not on PATH")
    # Two builds of each simulator: the RTL as is, and with QMLP_FP32_MUL18 (the multiplier's
    # four-partial-product form that the ECP5 targets select).
    variants = {"": [], "18": ["-DQMLP_FP32_MUL18=1"]}
    vl_dirs = {v: fp32_build / f"verilator{v}" for v in variants}
    ic_dirs = {v: fp32_build / f"icarus{v}" for v in variants}
    for d in (*vl_dirs.values(), *ic_dirs.values()):
        d.mkdir(parents=True, exist_ok=True)
        for f in ("mul.out", "add.out", "cvt.out"):
            (d / f).unlink(missing_ok=True)
    vl_dir, ic_dir = vl_dirs[""], ic_dirs[""]

    env = dict(os.environ)
    if shutil.which("ccache"):
        env["OBJCACHE"] = "ccache"
    vl_builds, ic_builds = {}, {}
    for v, defs in variants.items():
        vl_builds[v] = _popen(
            ["verilator", "--cc", "--exe", "--build", "-O3", "-j", "2",
             "--x-assign", "unique", "--x-initial", "unique", *defs,
             "--top-module", "qmlp_tb_fp32_units", "-Mdir", "obj", f"-I{RTL_DIR}",
             str(TB_DIR / "qmlp_tb_fp32_units.v"), *map(str, RTL_FILES),
             str(TB_DIR / "qmlp_tb_fp32_units_main.cpp")],
            vl_dirs[v], vl_dirs[v] / "build.log", env)
        # -g2005: Icarus also checks that the RTL is plain Verilog-2005.
        ic_builds[v] = _popen(
            ["iverilog", "-g2005", "-Wall", *defs, "-I", str(RTL_DIR), "-s", "qmlp_tb_fp32_icarus",
             f"-Pqmlp_tb_fp32_icarus.MAXN={N_ICARUS}", "-o", "sim.vvp",
             str(TB_DIR / "qmlp_tb_fp32_icarus.v"), str(TB_DIR / "qmlp_tb_fp32_units.v"), *map(str, RTL_FILES)],
            ic_dirs[v], ic_dirs[v] / "build.log")

    a, b, groups = fv.make_vectors()
    n = a.size
    # Stratified Icarus subset: every k-th vector, so every group is in it.
    ic_idx = np.linspace(0, n - 1, N_ICARUS).round().astype(np.int64)
    for v in variants:
        fv.write_hex(vl_dirs[v] / "vec.hex", np.stack([a, b], axis=1), 2)
        fv.write_hex(ic_dirs[v] / "vec.hex", np.stack([a[ic_idx], b[ic_idx]], axis=1), 2)

    ic_runs = {}
    for v in variants:
        _wait(ic_builds[v])
        ic_runs[v] = _popen(["vvp", "-n", "sim.vvp", "+vec=vec.hex", f"+n={N_ICARUS}"],
                            ic_dirs[v], ic_dirs[v] / "run.log")

    np_mul, np_add = fv.numpy_ref(a, b)
    sf_mul, sf_add = fv.softfloat_ref(a, b)
    cvt_np = np.stack([fv.cvt_ref_numpy(fl) for fl in FLS], axis=1)
    cvt_sf = np.stack([fv.cvt_ref_softfloat(fl) for fl in FLS], axis=1)

    for v in variants:
        _wait(vl_builds[v])
        _run([str(vl_dirs[v] / "obj" / "Vqmlp_tb_fp32_units"), "+vec=vec.hex", f"+n={n}",
              "+verilator+rand+reset+2", "+verilator+seed+7"], vl_dirs[v], vl_dirs[v] / "run.log")
        _wait(ic_runs[v])

    def outputs(d, nvec):
        return SimpleNamespace(
            mul=lambda: fv.read_hex(d / "mul.out", nvec),
            add=lambda: fv.read_hex(d / "add.out", nvec),
            cvt=lambda: fv.read_hex(d / "cvt.out", 256, len(FLS), sep=True),
        )

    return SimpleNamespace(
        a=a, b=b, groups=groups, n=n, ic_idx=ic_idx,
        np_mul=np_mul, np_add=np_add, sf_mul=sf_mul, sf_add=sf_add,
        cvt_np=cvt_np, cvt_sf=cvt_sf,
        vl=outputs(vl_dir, n), ic=outputs(ic_dir, N_ICARUS),
        vl18=outputs(vl_dirs["18"], n), ic18=outputs(ic_dirs["18"], N_ICARUS),
    )


# ---------------------------------------------------------------------------
# static checks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("top,params", [
    ("mul", []), ("mul", ["-DQMLP_FP32_MUL18=1"]), ("add", []),
    *[("cvt", [f"-GFL={fl}"]) for fl in (-120, -5, 0, 7, 126, 127, 133, 134, 140, 149)],
])
def test_lint_wall_clean(top, params, tmp_path):
    r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", TOPS[top], *params,
                        *map(str, RTL_FILES)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_latency_constants_match():
    vh = LAT_VH.read_text()
    macros = {k: int(v) for k, v in re.findall(r"`define\s+QMLP_FP32_(\w+)_LAT\s+(\d+)", vh)}
    assert set(macros) == {"MUL", "ADD", "CVT"}, macros
    assert re.search(r"`ifndef\s+QMLP_FP32_LAT_VH\s+`define\s+QMLP_FP32_LAT_VH", vh), \
        "include guard missing"
    for key, mod in (("MUL", "mul"), ("ADD", "add"), ("CVT", "from_int8")):
        src = (RTL_DIR / f"qmlp_fp32_{mod}.v").read_text()
        m = re.findall(r"localparam\s+integer\s+LATENCY\s*=\s*(\d+)\s*;", src)
        assert m == [str(macros[key])], f"{mod}: LATENCY {m} vs `QMLP_FP32_{key}_LAT {macros[key]}"
    # The harness aligns outputs with the macros, so the exact-match tests
    # below would fail on every vector if the real pipeline depth differed.


def test_tb_fl_list_matches():
    src = (TB_DIR / "qmlp_tb_fp32_units.v").read_text()
    body = src[src.index("function integer fl_of"):src.index("endfunction")]
    fls = [int(v) for v in re.findall(r"fl_of\s*=\s*(-?\d+)\s*;", body)]
    assert fls == FLS


@pytest.mark.parametrize("fl", [-121, 150, 1000])
def test_cvt_rejects_out_of_range_fl(fl, tmp_path):
    _run(["iverilog", "-g2005", "-s", "qmlp_fp32_from_int8", f"-Pqmlp_fp32_from_int8.FL={fl}",
          "-o", "c.vvp", *map(str, RTL_FILES)], tmp_path, tmp_path / "build.log")
    r = subprocess.run(["vvp", "-n", "c.vvp"], cwd=tmp_path, capture_output=True, text=True)
    assert f"FL={fl} is outside -120..149" in r.stdout


def test_fusesoc_core_lint_targets(tmp_path):
    # Through the repo's fusesoc.conf, as users run it (the core must parse:
    # a malformed core file is only a warning and the core vanishes).
    fusesoc = Path(sys.executable).parent / "fusesoc"
    if not fusesoc.exists():
        pytest.skip("fusesoc not installed next to this Python")
    r = subprocess.run([str(fusesoc), "core", "list"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0 and "qmlp:ip:fp32:" in r.stdout, r.stdout + r.stderr
    for target, extra in (("lint_mul", []), ("lint_add", []), ("lint_cvt", []),
                          ("lint_cvt", ["--FL=149"]), ("lint_cvt", ["--FL=-120"])):
        _run([str(fusesoc), "run", "--build-root", str(tmp_path / "build"), "--target", target,
              "qmlp:ip:fp32", *extra], REPO, tmp_path / f"{target}.log")


def test_yosys_synth_xc7(tmp_path):
    if shutil.which("yosys") is None:
        pytest.fail("yosys not on PATH")
    procs = {}
    for key, top in TOPS.items():
        files = " ".join(str(f) for f in RTL_FILES)
        script = (f"read_verilog {files}; synth_xilinx -family xc7 -flatten -noiopad -top {top}; "
                  f"tee -o {key}.stat stat")
        procs[key] = _popen(["yosys", "-q", "-p", script], tmp_path, tmp_path / f"{key}.log")
    for key, p in procs.items():
        _wait(p)
        stat = (tmp_path / f"{key}.stat").read_text()
        cells = dict(re.findall(r"^\s+(\w+)\s+(\d+)\s*$", stat, re.M))
        assert not any(c.startswith(("LD", "$")) for c in cells), f"{key}: latches/unmapped: {cells}"
        assert int(cells.get("FDRE", 0)) + int(cells.get("FDSE", 0)) > 0, cells
        assert not any(c in cells for c in ("FDCE", "FDPE")), f"{key}: async FFs {cells}"
        if key == "mul":
            assert int(cells.get("DSP48E1", 0)) >= 1, f"mul: no DSP48E1 inferred {cells}"


# ---------------------------------------------------------------------------
# the vector set and the references
# ---------------------------------------------------------------------------

def test_vector_set_coverage(sim):
    assert sim.n >= MIN_VECTORS
    names = {g[0] for g in sim.groups}
    for ca in fv.CLASSES:
        for cb in fv.CLASSES:
            assert f"{ca}x{cb}" in names
    for g in ("exp_sweep", "mul_ties", "mul_boundaries", "add_cancel", "add_ties", "uniform_bits"):
        assert g in names
    pairs = set(zip(sim.a.tolist(), sim.b.tolist()))
    assert (0x21E70A56, 0x1E0DD3F9) in pairs
    assert sim.sf_mul[np.flatnonzero((sim.a == 0x21E70A56) & (sim.b == 0x1E0DD3F9))[0]] == 0x00800000

    mag_m = sim.sf_mul & 0x7FFFFFFF
    mag_s = sim.sf_add & 0x7FFFFFFF
    # Ties: RNE differs from round-half-away exactly on ties whose even
    # neighbour is the smaller magnitude (about half of all ties).
    hm_mul, hm_add = fv.softfloat_ref(sim.a, sim.b, sf.RoundingMode.NEAR_MAX_MAG)
    assert (hm_mul != sim.sf_mul).sum() >= 10000
    assert (hm_add != sim.sf_add).sum() >= 5000
    # Result classes that must be well represented.
    sub = lambda m: (m >> 23 == 0) & (m != 0)  # noqa: E731
    assert sub(mag_m).sum() >= 20000 and sub(mag_s).sum() >= 10000
    assert (mag_m == 0x00800000).sum() >= 300            # incl. round-ups into FLT_MIN
    assert (mag_s == 0).sum() >= 10000                    # cancellations to zero
    assert (sim.sf_add == 0x80000000).sum() >= 2          # -0 only from (-0)+(-0)
    assert (sim.sf_mul == 0x80000000).sum() >= 1000
    assert (mag_m == 0x7F800000).sum() >= 10000 and (mag_s == 0x7F800000).sum() >= 10000
    assert (sim.sf_mul == fv.CANON_NAN).sum() >= 10000 and (sim.sf_add == fv.CANON_NAN).sum() >= 10000


def test_references_agree(sim):
    check_equal("mul numpy vs softfloat", sim.a, sim.b, sim.np_mul, sim.sf_mul, sim.groups)
    check_equal("add numpy vs softfloat", sim.a, sim.b, sim.np_add, sim.sf_add, sim.groups)
    assert np.array_equal(sim.cvt_np, sim.cvt_sf)


# ---------------------------------------------------------------------------
# RTL against both references
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["mul", "add"])
def test_verilator_bit_exact(sim, op):
    got = getattr(sim.vl, op)()
    for ref in ("np", "sf"):
        check_equal(f"{op} RTL (Verilator) vs {ref}", sim.a, sim.b, got,
                    getattr(sim, f"{ref}_{op}"), sim.groups)


@pytest.mark.parametrize("simulator", ["vl", "ic"])
def test_cvt_bit_exact(sim, simulator):
    got = getattr(sim, simulator).cvt()
    codes = np.arange(256, dtype=np.uint32)
    for j, fl in enumerate(FLS):
        for ref in (sim.cvt_np, sim.cvt_sf):
            check_equal(f"from_int8 FL={fl} ({simulator}), a = int8 code", codes, None,
                        got[:, j], ref[:, j])


@pytest.mark.parametrize("op", ["mul", "add"])
def test_icarus_no_x_and_bit_exact(sim, op):
    # read_hex rejects any X/Z digit, so this also proves the outputs are
    # fully defined from the first result on (LATENCY cycles after power-up).
    got = getattr(sim.ic, op)()
    i = sim.ic_idx
    for ref in ("np", "sf"):
        check_equal(f"{op} RTL (Icarus) vs {ref}", sim.a[i], sim.b[i], got,
                    getattr(sim, f"{ref}_{op}")[i])


def test_mul18_variant_bit_exact(sim):
    # QMLP_FP32_MUL18 (the ECP5 targets' four registered 18x18 partial products): the same
    # words as the references on every vector in Verilator, and no X in Icarus
    for ref in ("np", "sf"):
        check_equal(f"mul RTL (Verilator, QMLP_FP32_MUL18) vs {ref}", sim.a, sim.b, sim.vl18.mul(),
                    getattr(sim, f"{ref}_mul"), sim.groups)
        i = sim.ic_idx
        check_equal(f"mul RTL (Icarus, QMLP_FP32_MUL18) vs {ref}", sim.a[i], sim.b[i],
                    sim.ic18.mul(), getattr(sim, f"{ref}_mul")[i])


# ---------------------------------------------------------------------------
# the checker itself must be able to fail
# ---------------------------------------------------------------------------

def test_checker_reports_flipped_word(sim):
    got = sim.vl.mul()
    exp = sim.sf_mul.copy()
    k = sim.n // 3
    exp[k] ^= np.uint32(1)
    with pytest.raises(AssertionError) as ei:
        check_equal("mul negative", sim.a, sim.b, got, exp, sim.groups)
    msg = str(ei.value)
    assert "1 of" in msg and f"#{k}" in msg
    assert f"a=0x{int(sim.a[k]):08x}" in msg and f"expected=0x{int(exp[k]):08x}" in msg


@pytest.mark.parametrize("op", ["mul", "add"])
def test_checker_rejects_wrong_rounding_reference(sim, op):
    # Round-toward-zero SoftFloat on the first 100k vectors: the RTL output
    # must disagree with it on every vector where RNE rounds up.
    m = 100000
    rz_mul, rz_add = fv.softfloat_ref(sim.a[:m], sim.b[:m], sf.RoundingMode.MIN_MAG)
    got = getattr(sim.vl, op)()[:m]
    wrong = rz_mul if op == "mul" else rz_add
    with pytest.raises(AssertionError, match=r"mismatch; first ones"):
        check_equal(f"{op} vs RZ", sim.a[:m], sim.b[:m], got, wrong)
    assert (got != wrong).sum() > 1000


def test_parser_rejects_x(tmp_path):
    p = tmp_path / "o.out"
    p.write_text("3f800000\n0000x000\n")
    with pytest.raises(AssertionError, match="X/Z"):
        fv.read_hex(p, 2)
    p.write_text("3f800000\n")
    with pytest.raises(AssertionError, match="expected 2 lines"):
        fv.read_hex(p, 2)
