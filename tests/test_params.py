"""The one parameter table (qmlp.params) against the .core files, and the package's layering."""

import re
from pathlib import Path

import pytest
import yaml

from qmlp import params
from qmlp.errors import QmlpError
from qmlp.hashing import PACKAGE_DIR, imports_of

REPO = Path(__file__).resolve().parents[1]
CORES = {"i8": "cores/ip/matmul_i8/matmul_i8.core", "f32i8": "cores/ip/matmul_f32i8/matmul_f32i8.core",
         "f32": "cores/ip/matmul_f32/matmul_f32.core", "accel": "cores/accel/mlp/mlp.core"}


def core_params(path):
    return yaml.safe_load((REPO / path).read_text().split("\n", 1)[1])["parameters"]


@pytest.mark.parametrize("kind", sorted(CORES))
def test_core_parameters_match_the_table(kind):
    declared = core_params(CORES[kind])
    table = {p.name: p for p in params.table(kind)}
    extra = set(declared) - set(table) - {"QMLP_ROMS_BY_NAME", "QMLP_KEEP_LANES"}   # flags set by targets
    assert not extra, f"{CORES[kind]} declares {sorted(extra)} that qmlp.params does not define"
    assert set(table) <= set(declared), f"{CORES[kind]} lacks {sorted(set(table) - set(declared))}"
    for name, p in table.items():
        d = declared[name]
        assert d["datatype"] == p.datatype, name
        assert d["paramtype"] == p.paramtype, name
        assert d["description"] == p.meaning, name
        default = ",".join(map(str, p.default)) if isinstance(p.default, tuple) else p.default
        assert d.get("default") == default, name


def test_validate_fills_defaults_and_names_the_flag():
    v = params.validate("i8", {})
    assert v["ROWS"] == 64 and v["LANES"] == 1 and v["ACC_W"] == 32
    assert params.validate("accel", {"PE": "8,16,2", "SIMD": "49,2,1"})["PE"] == (8, 16, 2)
    for core, raw, msg in (
            ("i8", {"LANES": "3"}, "--LANES=3 does not divide --COLS=64"),
            ("i8", {"LANES": "0"}, "--LANES=0 is not an integer 1..64"),
            ("i8", {"ACC_W": "8"}, "--ACC_W=8 is not an integer 16..32"),
            ("i8", {"SHIFT": "20", "ACC_W": "16"}, "--SHIFT=20 must be below --ACC_W=16"),
            ("f32i8", {"FL_B": "x"}, "--FL_B=x is not an integer -120..149"),
            ("accel", {"PE": "4,16"}, "--PE=4,16: 2 values, but the model has 3 layers: give one value (for every layer) or 3"),
            ("accel", {"SIMD": "49,1,3"}, "--SIMD=49,1,3: layer 3 has 64 inputs, and SIMD=3 does not divide them"),
            ("accel", {"PE": "4.5,16,2"}, "--PE=4.5,16,2 is not comma-separated integers")):
        with pytest.raises(QmlpError, match=re.escape(msg)):
            params.validate(core, raw)
    with pytest.raises(QmlpError, match="unknown parameter LANE"):
        params.validate("i8", {"LANE": 2}, strict=True)


# ----------------------------------------------------------------------------- layering

# lowest first: a module may import its own stage and the stages before it, never one after
STAGES = ["base", "numerics", "nn", "io", "hw", "eda", "driver", "hls", "flow", "cli"]


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in STAGES:
        return parts[1]
    return "cli" if module == "qmlp.cli" else "base"


def all_modules():
    for f in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = f.relative_to(PACKAGE_DIR.parent).with_suffix("")
        name = ".".join(rel.parts)
        yield name[: -len(".__init__")] if name.endswith(".__init__") else name


def test_no_module_imports_a_later_stage():
    bad = []
    for m in all_modules():
        for dep in imports_of(m):
            if STAGES.index(stage_of(dep)) > STAGES.index(stage_of(m)):
                bad.append(f"{m} ({stage_of(m)}) imports {dep} ({stage_of(dep)})")
    assert not bad, "\n".join(bad)


def test_rom_generation_neither_trains_nor_sweeps():
    from qmlp.hashing import module_closure

    closure = module_closure("qmlp.hw.roms")
    assert not {"qmlp.nn.train", "qmlp.nn.sweep", "qmlp.nn.cache"} & set(closure), closure
