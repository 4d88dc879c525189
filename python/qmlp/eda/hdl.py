"""Code that writes and reads Verilog: jinja2 templates in, Yosys's view of a module out.

`render` fills a template shipped with a qmlp package (package data, `<package>/templates/*.j2`):
generated Verilog is a template with the values filled in, not Python strings glued together.
`read_modules` asks Yosys what modules a set of files declares, with their ports (direction,
width at the parameters' defaults) and parameters (`parameter`, not `localparam`), instead of
regular expressions over the source: Yosys parses what it synthesizes, comments, ANSI and
non-ANSI headers, `include`s and macros alike.

    yosys -q -p "read_verilog -sv -lib -I <dir>... <files>; write_json <out>"

`-lib` reads every module as a blackbox: ports and parameters, no hierarchy, so a module whose
submodules are missing (vendor primitives of HLS output) is read as well, in about a second for
the whole accelerator. It still evaluates each module at its parameters' defaults, `$readmemh`
of the default generate branch included: read the files that declare the module, not a whole
design whose ROM files may not exist.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qmlp.errors import QmlpError

YOSYS_TIMEOUT = 120.0       # seconds: reading a few files takes about one
_NO_YOSYS = ("yosys not found on PATH: qmlp reads the ports and parameters of Verilog modules with Yosys "
             "(Debian package `yosys`, `sudo apt-get install yosys`; flows/setup.sh installs it)")


@dataclass
class Port:
    name: str
    direction: str          # input | output | inout
    width: int


@dataclass
class Module:
    name: str
    ports: dict[str, Port] = field(default_factory=dict)     # in declaration order
    # parameter: default (localparams are not parameters). A number, or the text of a string
    # literal; a string given to a parameter with a declared range (`parameter [8*64-1:0] PE =
    # "auto"`) loses Yosys's string flag and comes back as the number of its bytes.
    params: dict[str, int | str] = field(default_factory=dict)


def render(package: str, template: str, **values) -> str:
    """Template `<package>/templates/<template>` with values; a value it names but is not given
    is an error (StrictUndefined), not an empty string in the generated file."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader(package, "templates"), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["vstr"] = vstr
    return env.get_template(template).render(**values)


def vstr(s) -> str:
    """s as the inside of a Verilog string literal (no format specifiers)."""
    return str(s).replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


def _param_value(v: str) -> int | str:
    """A parameter default as write_json gives it: a bit string for a number, the text for a
    string (a string of only 0/1/x/z characters gets a trailing space, to tell them apart)."""
    if re.fullmatch(r"[01]+", v):
        return int(v, 2)
    if re.fullmatch(r"[01xz]+ *", v) and v.endswith(" "):
        return v[:-1]
    return v


def read_modules(files, include_dirs=(), timeout: float = YOSYS_TIMEOUT, cwd=None) -> dict[str, Module]:
    """{name: Module} of every module in the Verilog files, as Yosys reads them (from cwd: Yosys
    still evaluates the `$readmemh` of a module's default generate branch, relative to it).

    A file Yosys cannot read (a syntax error) is a QmlpError with Yosys's own ERROR line."""
    from qmlp.eda.runner import run_tool, which

    files = [Path(f).resolve() for f in files]
    if not files:
        raise QmlpError("no Verilog files to read")
    for f in files:
        if not f.is_file():
            raise QmlpError(f"{f}: no such Verilog file")
    if which("yosys") is None:
        raise QmlpError(_NO_YOSYS)
    incs = " ".join(f"-I {_quote(d)}" for d in dict.fromkeys(str(Path(d).resolve()) for d in include_dirs))
    with tempfile.TemporaryDirectory(prefix="qmlp_yosys_") as tmp:
        out = Path(tmp) / "modules.json"
        script = (f"read_verilog -sv -lib {incs} {' '.join(_quote(f) for f in files)}; "
                  f"write_json {_quote(out)}")
        res = run_tool(["yosys", "-q", "-p", script], timeout=timeout, cwd=cwd, what="yosys (reading Verilog ports)")
        if res.returncode != 0 or not out.is_file():
            err = next((ln.strip() for ln in res.output.splitlines() if "ERROR" in ln),
                       res.output.strip().splitlines()[-1] if res.output.strip() else f"exit {res.returncode}")
            raise QmlpError(f"Yosys cannot read the Verilog ({err}): fix the source "
                            f"({', '.join(f.name for f in files)})")
        data = json.loads(out.read_text())
    mods = {}
    for name, m in (data.get("modules") or {}).items():
        ports = {p: Port(p, d["direction"], len(d["bits"])) for p, d in (m.get("ports") or {}).items()}
        prm = {k: _param_value(v) for k, v in (m.get("parameter_default_values") or {}).items()}
        mods[name] = Module(name, ports, prm)
    return mods


def read_module(files, module: str, include_dirs=(), timeout: float = YOSYS_TIMEOUT, cwd=None) -> Module:
    """The module named `module` in the files (read_modules); not there is a QmlpError."""
    mods = read_modules(files, include_dirs, timeout, cwd)
    if module not in mods:
        found = ", ".join(sorted(mods)) or "none"
        raise QmlpError(f"module {module} not found (the files declare {found})")
    return mods[module]


def _quote(p) -> str:
    """A path for a Yosys command line (its own quoting: a path with a space in double quotes)."""
    s = str(p)
    if '"' in s or ";" in s:
        raise QmlpError(f"{s!r}: a path with a quote or a semicolon cannot be passed to Yosys")
    return f'"{s}"' if " " in s else s
