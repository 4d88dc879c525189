"""An EDAM filter that checks a run's parameters before FuseSoC builds anything, so that qmlp's
reason is the last line a user sees.

A parameter refused by a pre_build hook (`qmlp hook accel`, ...) stops the build, but FuseSoC then
prints its own `ERROR: Failed to build ...` below the hook's line. FuseSoC applies EDAM filters
(`[main] filters = qmlp` in fusesoc.conf) when it sets up a run, after the command-line
parameters are merged and before any hook or tool runs; a filter that exits has its message
printed by FuseSoC as the end of its error. So this filter runs the same checks the hooks run
(`qmlp hook check|vectors|accel|ecp5-setup` found among the run's pre_build hooks) and, for a
refused parameter, exits with a message whose last line is qmlp's:

    ERROR: Setup failed : Filter exited with error code qmlp refused this run's parameters:
    qmlp hook: error: --PE=3,16,2: layer 1 has 128 outputs, and PE=3 does not divide them (...)

FuseSoC finds the filter as fusesoc.filters.qmlp (python/fusesoc/filters/qmlp.py, a portion of
FuseSoC's namespace package on qmlp's path). The hooks keep their checks: they are what runs
when the filter is not configured. Anything other than a refused parameter (a bug here, say)
is logged and left to the hooks, so the filter never stops a run the hooks would let through.
"""

from __future__ import annotations

import logging

from qmlp.errors import QmlpError

logger = logging.getLogger(__name__)

# hooks whose checks the filter repeats: what -> index of the kind argument in the command
CHECKED = {"check": 3, "vectors": 3, "accel": None, "ecp5-setup": 3}


def edam_raw(edam: dict) -> dict:
    """{name: value} of the run's parameters, as the hooks read them from the EDAM file."""
    return {k: (v or {}).get("default") for k, v in (edam.get("parameters") or {}).items()}


def hook_checks(edam: dict) -> list[tuple[str, str, bool, bool]]:
    """(what, kind, board, lint) of every qmlp hook among the run's pre_build hooks whose checks the
    filter runs."""
    out = []
    for h in (edam.get("hooks") or {}).get("pre_build") or []:
        cmd = [str(c) for c in (h.get("cmd") or [])] if isinstance(h, dict) else []
        if len(cmd) < 3 or cmd[0] != "qmlp" or cmd[1] != "hook" or cmd[2] not in CHECKED:
            continue
        i = CHECKED[cmd[2]]
        kind = "accel" if i is None else (cmd[i] if len(cmd) > i else None)
        key = (cmd[2], kind, "--board" in cmd, "--lint" in cmd)
        if kind and key not in out:
            out.append(key)
    return out


def check(edam: dict) -> None:
    """Raise QmlpError for a parameter one of the run's qmlp hooks would refuse."""
    from qmlp.eda import hooks

    raw = edam_raw(edam)
    mf = None
    for what, kind, board, lint in hook_checks(edam):
        if kind == "accel" and mf is None:
            mf = hooks.model_file(raw) or False          # --MODEL= read once for every check here
        spec = mf.spec if mf else None
        v = hooks.params.validate(kind, raw, spec=spec, board=board)
        if kind == "accel" and mf and mf.quantized and not lint:     # lint reads no weights: any bits
            hooks.check_model_bits(mf.model, mf.path.resolve(), v["WBITS"], v["ABITS"])
        if what == "ecp5-setup" and kind == "accel":
            from qmlp.eda.ecp5 import check_fit

            check_fit(v, spec)


class Qmlp:
    """FuseSoC's filter interface: run(edam, work_root) -> edam."""

    def run(self, edam, work_root):
        try:
            check(edam)
        except QmlpError as e:
            reason = " ".join(str(e).split("\n"))
            raise SystemExit(f"qmlp refused this run's parameters:\nqmlp hook: error: {reason}") from None
        except Exception as e:  # noqa: BLE001  (never stop a run for a fault of the filter itself)
            logger.warning(f"qmlp filter: parameters not checked before the build ({e.__class__.__name__}: {e}); "
                           "the hooks check them")
        return edam
