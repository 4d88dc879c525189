"""The six matmul .core files (cores/ip/matmul_*, cores/hls/matmul_*) are what qmlp.eda.cores_gen
writes from qmlp.params, and the check fails, naming the file and line, when one line differs."""

import shutil
from pathlib import Path

import pytest
import yaml

from qmlp import params
from qmlp.eda import cores_gen
from qmlp.errors import QmlpError

REPO = Path(__file__).resolve().parents[1]


def test_committed_cores_are_what_the_generator_writes():
    assert cores_gen.check(REPO) == [], "run `python -m qmlp.eda.cores_gen` and commit the cores"
    assert cores_gen.run(check_only=True, root=REPO) == "CORES ok=6 written=0"


@pytest.fixture
def copy(tmp_path):
    """A repository stand-in holding fusesoc.conf and the six generated cores."""
    shutil.copy(REPO / "fusesoc.conf", tmp_path)
    for rel in cores_gen.expected():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    return tmp_path


def test_one_changed_line_fails_the_check_by_name(copy, capsys):
    rel = cores_gen.path_of("hls", "f32i8")
    f = copy / rel
    lines = f.read_text().splitlines(True)
    n = next(i for i, line in enumerate(lines) if line.strip() == "default: 4")   # FL_B's default
    lines[n] = lines[n].replace("4", "5")
    f.write_text("".join(lines))
    assert cores_gen.check(copy) == [f"{rel}: line {n + 1} is '    default: 5', the generator writes "
                                     "'    default: 4'"]
    with pytest.raises(QmlpError, match=f"{rel}: line {n + 1} .*regenerate with `python -m qmlp.eda.cores_gen`"):
        cores_gen.run(check_only=True, root=copy)
    # the command: one error line, exit 1; writing repairs exactly that file
    assert cores_gen.main(["--check", "--root", str(copy)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"qmlp cores: error: {rel}: line {n + 1}")
    assert cores_gen.write(copy) == [rel]
    assert cores_gen.check(copy) == []


def test_a_missing_or_truncated_core_is_named(copy):
    (copy / cores_gen.path_of("ip", "i8")).unlink()
    f = copy / cores_gen.path_of("ip", "f32")
    f.write_text(f.read_text() + "# a comment added by hand\n")
    assert cores_gen.check(copy) == [f"{cores_gen.path_of('ip', 'i8')}: missing",
                                     f"{cores_gen.path_of('ip', 'f32')}: line {len(f.read_text().splitlines())} is "
                                     "'# a comment added by hand', the generator writes '<end of file>'"]


def test_not_a_checkout_is_refused(tmp_path):
    with pytest.raises(QmlpError, match="not a qmlp checkout"):
        cores_gen.check(tmp_path)


@pytest.mark.parametrize("kind", params.KINDS)
def test_hls_core_parameters_follow_the_table(kind):
    """The HLS cores take the IP's parameters minus what HLS_OMITS names, and generate the
    default block (tests/test_params.py checks the IP cores against the table)."""
    core = yaml.safe_load((REPO / cores_gen.path_of("hls", kind)).read_text())
    table = {p.name: p for p in params.matmul_params(kind)}
    omitted = {n.strip() for names in cores_gen.HLS_OMITS for n in names.split(",")}
    assert set(core["parameters"]) == set(table) - omitted
    gen = core["generate"]["hls_rtl"]["parameters"]
    assert gen == {"kind": kind, **{n: table[n].default for n in core["targets"]["default"]["parameters"]}}


# ----------------------------------------------------------------------------- testbench layout

def misplaced_testbenches(root: Path) -> list[str]:
    """The one testbench convention: a testbench lives in tb/ next to the rtl/ it tests, a family's
    shared one in the family folder's tb/ (cores/ip/tb, cores/axi/tb); no HDL under tests/ but
    tool-output fixtures (*_fixtures/)."""
    bad = [str(f.relative_to(root)) for f in sorted((root / "tests").rglob("*"))
           if f.suffix in (".v", ".sv", ".vh", ".cpp") and not any(p.endswith("_fixtures") for p in f.parts)]
    for f in sorted((root / "cores").rglob("qmlp_tb_*.v")):
        folder = f.parent
        family = folder.parent.parent == root / "cores"
        if folder.name != "tb" or not ((folder.parent / "rtl").is_dir() or family):
            bad.append(str(f.relative_to(root)))
    return bad


def test_testbenches_live_in_tb_next_to_their_rtl(tmp_path):
    assert misplaced_testbenches(REPO) == []
    # the check finds a bench under tests/ and one beside the RTL instead of in tb/
    (tmp_path / "tests" / "x").mkdir(parents=True)
    (tmp_path / "tests" / "x" / "qmlp_tb_x.v").write_text("module qmlp_tb_x; endmodule\n")
    (tmp_path / "tests" / "hls_fixtures").mkdir()
    (tmp_path / "tests" / "hls_fixtures" / "out.v").write_text("module out; endmodule\n")
    (tmp_path / "cores" / "ip" / "y" / "rtl").mkdir(parents=True)
    (tmp_path / "cores" / "ip" / "y" / "rtl" / "qmlp_tb_y.v").write_text("module qmlp_tb_y; endmodule\n")
    (tmp_path / "cores" / "ip" / "tb").mkdir(parents=True)
    (tmp_path / "cores" / "ip" / "tb" / "qmlp_tb_ip.v").write_text("module qmlp_tb_ip; endmodule\n")
    assert misplaced_testbenches(tmp_path) == ["tests/x/qmlp_tb_x.v", "cores/ip/y/rtl/qmlp_tb_y.v"]


def test_hls_block_sets_the_generated_block_and_defaults(monkeypatch):
    monkeypatch.setattr(cores_gen, "HLS_BLOCK", {"LANES": 4})
    core = yaml.safe_load(cores_gen.render("hls", "i8"))
    assert core["generate"]["hls_rtl"]["parameters"]["LANES"] == 4 and core["parameters"]["LANES"]["default"] == 4
    assert yaml.safe_load(cores_gen.render("ip", "i8"))["parameters"]["LANES"]["default"] == 1
    monkeypatch.setattr(cores_gen, "HLS_BLOCK", {"LANES": 3})
    with pytest.raises(QmlpError, match="--LANES=3 does not divide --COLS=64"):
        cores_gen.render("hls", "f32")
    monkeypatch.setattr(cores_gen, "HLS_BLOCK", {"WBITS": 4})
    with pytest.raises(QmlpError, match="HLS_BLOCK names WBITS: the HLS cores' block parameters are ACC_W, COLS"):
        cores_gen.render("hls", "i8")
