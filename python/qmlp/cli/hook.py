"""`qmlp hook <what>` (internal): what the FuseSoC cores and tool scripts run in a work root.

One table, HOOKS: name -> (help, the subparser's arguments, the function that runs it and
returns the summary line)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qmlp.errors import QmlpError
from qmlp.params import KINDS

HELP = "(internal) run in a FuseSoC work root by the cores and flow scripts"
DESCRIPTION = ("Validate a run's parameters and write what it needs into its work root, or read tool reports. "
               "FuseSoC runs these; users need not.")
COMMON = False


@dataclass(frozen=True)
class Hook:
    help: str
    run: Callable[..., str]
    configure: Callable | None = None


def _check(args) -> str:
    from qmlp.eda import hooks

    hooks.check(args.core)
    return "HOOK check ok"


def _vectors(args) -> str:
    from qmlp.eda import hooks

    hooks.vectors(args.core)
    return "HOOK vectors ok"


def _accel(args) -> str:
    from qmlp.eda import hooks

    hooks.accel(lint=args.lint, board=args.board, xc7=args.xc7)
    return "HOOK accel ok"


def _accel_args(ka) -> None:
    ka.add_argument("--lint", action="store_true", help="no model: nominal constants only")
    ka.add_argument("--board", action="store_true", help="the ULX3S top: its own default design point (PE/SIMD auto)")
    ka.add_argument("--xc7", action="store_true", help="a synthesis for the xc7z020: warn when the point needs more "
                    "DSP48E1 or BRAM18 than it has")


def _edam_info(args) -> str:
    from qmlp.eda.edam import edam_info

    return " ".join(edam_info())


def _resources(args) -> str:
    from qmlp.eda.resources import read_stat, report_resources, resources_from_cells

    return report_resources(resources_from_cells(read_stat(Path(args.files[0]))))


def _vivado_check(args) -> str:
    from qmlp.eda import vivado

    return f"vivado: {vivado.check()}"


def _vivado_resources(args) -> str:
    from qmlp.eda import vivado

    return vivado.report(Path(args.files[0]), Path(args.files[1]))


def _ecp5_setup(args) -> str:
    from qmlp.eda import ecp5

    # a board top's LPF constrains its clock (None: no file); no --clock: qmlp.eda.ecp5.setup's default port
    kw = {"clock": None} if args.board else ({"clock": args.clock} if args.clock else {})
    return f"HOOK ecp5-setup ok: {ecp5.setup(args.core, **kw)}"


def _ecp5_setup_args(ke) -> None:
    ke.add_argument("core", choices=KINDS + ("accel",))
    ke.add_argument("--clock", default=None, help="clock port of the top (default ap_clk)")
    ke.add_argument("--board", action="store_true", help="a board top: its LPF constrains the clock (no file written)")


def _ecp5_report(args) -> str:
    from qmlp.eda import ecp5

    out, met = ecp5.report(args.target_mhz)
    print(out[0], flush=True)
    if not met:
        print(out[1], flush=True)
        raise QmlpError(f"timing: fmax below the target clock ({out[1]}); see next.log")
    return out[1]


def _ecp5_outreg(args) -> str:
    from qmlp.eda import ecp5

    return f"HOOK ecp5-outreg ok: {ecp5.outreg_file(args.json)}"


def _board_stream(args) -> str:
    from qmlp.eda import uart

    return f"HOOK board-stream ok: {uart.write_host_stream()}"


def _pynq_setup(args) -> str:
    from qmlp.eda import pynq

    ov = pynq.setup(args.core, check=not args.no_vivado_check)
    return f"HOOK pynq-setup ok: {ov.name} ({ov.vlnv}, FCLK0 {ov.fclk_mhz} MHz)"


def _pynq_setup_args(kq) -> None:
    kq.add_argument("core", choices=("mlp", "matmul"))
    kq.add_argument("--no-vivado-check", action="store_true", help="write the files only")


def _pynq_report(args) -> str:
    from qmlp.eda import pynq

    return pynq.report()


def _netlist_sim(args) -> str:
    from qmlp.eda import netlist

    if args.kind == "run":
        sys.exit(netlist.run(args.plusargs))
    sys.exit(netlist.Build(args.kind, args.top, args.synth).main())


def _netlist_sim_args(kn) -> None:
    kn.add_argument("kind", choices=("xc7", "ecp5", "run"))
    kn.add_argument("--top", help="synthesis top (xc7, ecp5)")
    kn.add_argument("--synth", help="Yosys synth command and options (xc7, ecp5)")
    kn.add_argument("plusargs", nargs="*", help="run: the simulation's plusargs (+IMAGES=n ...)")


def _axi_matmul(args) -> str:
    from qmlp.driver.design import hook_matmul

    return hook_matmul()


def _cores(args) -> str:
    from qmlp.eda import cores_gen

    return cores_gen.run(check_only=args.check)


def _core(choices):
    return lambda kp: kp.add_argument("core", choices=choices)


def _files(n: int, metavar: str, help: str | None = None):
    return lambda kp: kp.add_argument("files", nargs=n, metavar=metavar, help=help)


HOOKS: dict[str, Hook] = {
    "check": Hook("validate the run's parameters", _check, _core(KINDS + ("accel",))),
    "vectors": Hook("validate, then write the IP test vectors", _vectors, _core(KINDS)),
    "accel": Hook("validate, then write the accelerator's ROMs and vectors", _accel, _accel_args),
    "edam-info": Hook("print '<toplevel> <name>' of the EDAM file in the work root", _edam_info),
    "resources": Hook("RESOURCES line and resources.json from a Yosys stat -json report", _resources,
                      _files(1, "STAT.json")),
    "vivado-check": Hook("fail clearly when vivado is not on PATH", _vivado_check),
    "vivado-resources": Hook("TIMING/RESOURCES lines and resources.json from Vivado reports", _vivado_resources,
                             _files(2, "REPORT", "UTILIZATION.rpt TIMING.rpt")),
    "ecp5-setup": Hook("pnr_ecp5: validate, check the tools, write the target clock constraint", _ecp5_setup,
                       _ecp5_setup_args),
    "ecp5-report": Hook("pnr_ecp5: RESOURCES and TIMING lines, resources.json from nextpnr's report", _ecp5_report,
                        lambda kt: kt.add_argument("--target-mhz", type=float, default=None,
                                                   help="default: TARGET_MHZ of the run, else the clock constraint")),
    "ecp5-outreg": Hook("pnr_ecp5: registers after DP16KD reads become the blocks' output registers (Yosys JSON, "
                        "in place)", _ecp5_outreg, lambda ko: ko.add_argument("json", help="Yosys JSON netlist")),
    "board-stream": Hook("the simulated ULX3S board's host byte stream (qmlp_uart/host_tx.bin)", _board_stream),
    "pynq-setup": Hook("pynq_z2: validate, write the IP sources and block design settings (qmlp_pynq/), check that "
                       "vivado is on PATH", _pynq_setup, _pynq_setup_args),
    "pynq-report": Hook("pynq_z2: check <name>.bit/.hwh, OVERLAY, TIMING, RESOURCES lines", _pynq_report),
    "netlist-sim": Hook("sim_synth/sim_pnr_ecp5: netlist flow and compile (xc7, ecp5), or run (RESULT ... netlist=)",
                        _netlist_sim, _netlist_sim_args),
    "axi-matmul": Hook("validate a qmlp:axi:matmul run's KIND and IP parameters", _axi_matmul),
    "cores": Hook("write the matmul IP and HLS .core files from qmlp.params (qmlp.eda.cores_gen); --check: "
                  "fail naming the first line that differs", _cores,
                  lambda kc: kc.add_argument("--check", action="store_true", help="write nothing, compare")),
}


def configure(k) -> None:
    ks = k.add_subparsers(dest="what", required=True, metavar="WHAT")
    for name, hook in HOOKS.items():
        kp = ks.add_parser(name, help=hook.help)
        if hook.configure:
            hook.configure(kp)


def run(args) -> str:
    return HOOKS[args.what].run(args)
