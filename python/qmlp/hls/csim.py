"""C simulation of the HLS kernels: `qmlp csim <i8|f32i8|f32>`.

Compiles cores/hls/src/<kernel>.cpp with the C testbench csim_main.cpp (g++, no Vitis needed),
writes the IP test vectors with qmlp.vectors (the files the RTL simulations read) and checks
every output word bit for bit. The last line is the SPEC 3 RESULT line with cycles=na.

Floats are only bit-exact if the compiler keeps IEEE binary32 semantics: no FMA contraction,
no fast-math, float evaluated in float. FLAGS says so, and the testbench asserts the last one.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

from qmlp.config import Paths, repo_root
from qmlp.eda.runner import run_tool
from qmlp.errors import QmlpError
from qmlp.hw.vectors import KINDS, MatmulParams, write

# -Wno-unused-label: HLS loop labels name the loops in Vitis reports; g++ never jumps to them
FLAGS = ["-std=c++17", "-O2", "-ffp-contract=off", "-fno-fast-math", "-Wall", "-Wextra", "-Wno-unknown-pragmas",
         "-Wno-unused-label"]
KERNEL_MACRO = {"i8": "QMLP_KERNEL_I8", "f32i8": "QMLP_KERNEL_F32I8", "f32": "QMLP_KERNEL_F32"}
DEFAULT_VECTORS = {"i8": 4, "f32i8": 5, "f32": 5}  # as the IP cores: every test pattern once
_RESULT = re.compile(r"^RESULT pass=[01] vectors=\d+ mismatches=\d+ cycles=na$")


def src_dir() -> Path:
    """cores/hls/src of the checkout (the kernels are sources users edit, not package data)."""
    root = repo_root()
    if root is None or not (root / "cores" / "hls" / "src" / "qmlp_hls.h").is_file():
        raise QmlpError("cores/hls/src not found: qmlp csim runs from a qmlp checkout (pip install -e .)")
    return root / "cores" / "hls" / "src"


def defines(p: MatmulParams) -> list[str]:
    """The -D flags that fix a kernel's block (also what the Vitis flow passes as cflags)."""
    d = [f"-DROWS={p.rows}", f"-DINNER={p.inner}", f"-DCOLS={p.cols}", f"-DLANES={p.lanes}"]
    if p.kind == "i8":
        d += [f"-DACC_W={p.acc_w}", f"-DSHIFT={p.shift}"]
    if p.kind == "f32i8":
        d += [f"-DFL_B={p.fl_b}"]
    return d


def compile_kernel(p: MatmulParams, out: Path, cxx: str = "g++") -> Path:
    """Build the csim binary for p into out (skipped when sources and flags are unchanged)."""
    exe_cxx = shutil.which(cxx)
    if exe_cxx is None:
        raise QmlpError(f"{cxx} not found: the C simulation needs a C++17 compiler (Debian: apt-get install g++)")
    src = src_dir()
    files = [src / "csim_main.cpp", src / f"matmul_{p.kind}.cpp"]
    cmd = [exe_cxx, *FLAGS, f"-D{KERNEL_MACRO[p.kind]}", *defines(p), f"-I{src}", *map(str, files), "-o"]
    digest = hashlib.sha256(json.dumps(cmd).encode())
    for f in [*files, src / "qmlp_hls.h"]:
        digest.update(f.read_bytes())
    out.mkdir(parents=True, exist_ok=True)
    exe, stamp = out / "csim", out / "csim.stamp"
    if exe.is_file() and stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return exe
    stamp.unlink(missing_ok=True)
    r = run_tool([*cmd, str(exe)], timeout=600, what=f"g++ ({p.kind} kernel)")
    if r.returncode != 0:
        raise QmlpError(f"compiling the {p.kind} kernel failed:\n{r.stderr.strip()}")
    stamp.write_text(digest.hexdigest())
    return exe


def run(exe: Path, vector_dir: Path, echo=print) -> str:
    """Run a csim binary on a vector folder; echoes its report and returns its RESULT line."""
    r = run_tool([str(exe), str(vector_dir)], timeout=600, what=f"C simulation {exe.name}")
    lines = r.stdout.strip().splitlines()
    for line in lines[:-1]:
        echo(line)
    last = lines[-1] if lines else ""
    if not _RESULT.match(last):
        raise QmlpError(f"{exe} ended without a RESULT line (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    if (r.returncode == 0) != last.startswith("RESULT pass=1"):
        raise QmlpError(f"{exe}: exit status {r.returncode} contradicts its line {last!r}")
    return last


def _tag(p: MatmulParams) -> str:
    t = f"r{p.rows}_k{p.inner}_c{p.cols}_l{p.lanes}"
    if p.kind == "i8":
        t += f"_a{p.acc_w}_s{p.shift}"
    if p.kind == "f32i8":
        t += f"_fl{p.fl_b}"
    return t


def _meta_dims(folder: Path) -> tuple[int, int, int]:
    meta = folder / "meta.txt"
    try:
        vals = [int(v) for v in meta.read_text().split()]
    except (OSError, ValueError):
        raise QmlpError(f"{meta}: missing or not a qmlp vector meta.txt") from None
    if len(vals) != 7:
        raise QmlpError(f"{meta}: expected 7 integers (vectors ROWS INNER COLS A_W B_W C_W), got {len(vals)}")
    return vals[1], vals[2], vals[3]


def configure_parser(p) -> None:
    p.add_argument("kind", choices=KINDS, help="which kernel")
    p.add_argument("--rows", type=int, default=64, help="ROWS (default 64)")
    p.add_argument("--inner", type=int, default=128, help="INNER (default 128)")
    p.add_argument("--cols", type=int, default=64, help="COLS (default 64)")
    p.add_argument("--lanes", type=int, default=1, help="LANES, B and C banks (default 1)")
    p.add_argument("--acc-w", type=int, default=32, help="i8: accumulator width 16..32 (lab: 16)")
    p.add_argument("--shift", type=int, default=0, help="i8: requantization shift (lab: 0)")
    p.add_argument("--fl-b", type=int, default=4, help="f32i8: B codes are Q(8, FL_B)")
    p.add_argument("--vectors", type=int, default=None, help="test blocks (default: 4 for i8, 5 for floats)")
    p.add_argument("--seed", type=int, default=1, help="seed of the random vectors")
    p.add_argument("--vector-dir", metavar="DIR",
                   help="check against existing vector files instead of writing new ones (e.g. the qmlp_vectors "
                        "folder of an RTL simulation's work root); ROWS/INNER/COLS come from its meta.txt")


def command(args) -> str:
    p = MatmulParams(kind=args.kind, rows=args.rows, inner=args.inner, cols=args.cols, lanes=args.lanes,
                     acc_w=args.acc_w, shift=args.shift, fl_b=args.fl_b,
                     vectors=args.vectors if args.vectors is not None else DEFAULT_VECTORS[args.kind],
                     seed=args.seed)
    if args.vector_dir:
        vdir = Path(args.vector_dir).resolve()
        p.rows, p.inner, p.cols = _meta_dims(vdir)
    p.check()
    paths = Paths(Path(args.build).resolve()) if args.build else Paths()
    work = paths.build / "csim" / p.kind / _tag(p)
    exe = compile_kernel(p, work)
    if not args.vector_dir:
        vdir = write(work / "qmlp_vectors", p)
    # -q drops the per-vector progress lines; mismatches and errors are always shown
    echo = ((lambda line: line.startswith(("MISMATCH", "ERROR")) and print(line, flush=True)) if args.quiet
            else (lambda line: print(line, flush=True)))
    print(f"qmlp csim: {p.kind} kernel {p.rows}x{p.inner} . {p.inner}x{p.cols}, LANES={p.lanes}"
          + (f", ACC_W={p.acc_w}, SHIFT={p.shift}" if p.kind == "i8" else "")
          + (f", FL_B={p.fl_b}" if p.kind == "f32i8" else "")
          + f"; vectors in {vdir}", file=sys.stderr)
    return run(exe, vdir, echo)
