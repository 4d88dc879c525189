"""`qmlp hls`: package a Vitis HLS solution as a core, or read its C synthesis report."""

from __future__ import annotations

from pathlib import Path

from qmlp.params import KINDS

HELP = "package a Vitis HLS solution as a core, or read its C synthesis report"
DESCRIPTION = "Tools for HLS results made elsewhere (Vitis HLS is not needed to run these)."
COMMON = False


def configure(h) -> None:
    hs = h.add_subparsers(dest="hls_cmd", required=True, metavar="WHAT")
    pk = hs.add_parser("package", help="package a Vitis HLS solution folder as a FuseSoC core")
    pk.add_argument("solution", help="<project>/<solution> folder (or a project folder with hls.app)")
    pk.add_argument("--kind", choices=KINDS, required=True, help="which kernel the solution holds")
    pk.add_argument("--out", required=True, help="folder for the RTL copy, the wrapper and the .core")
    pk.add_argument("--vlnv", help="core name (default qmlp:hls:matmul_<kind>_vitis:0.1.0)")
    hr = hs.add_parser("report", help="print the summary line of a csynth.xml")
    hr.add_argument("xml")


def run(args) -> str:
    from qmlp.hls import package

    if args.hls_cmd == "report":
        return package.report_line(package.read_csynth(Path(args.xml)))
    from qmlp.files import check_output_folder

    check_output_folder(Path(args.out), "--out")          # a file, or a folder it cannot write: before reading
    vlnv = args.vlnv or f"qmlp:hls:matmul_{args.kind}_vitis:0.1.0"
    core = package.package_solution(Path(args.solution), args.kind, Path(args.out).resolve(), vlnv)
    return f"CORE {core}"
