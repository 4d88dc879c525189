"""The EDAM file FuseSoC writes into a work root: a run's parameters, toplevel and name."""

from __future__ import annotations

from pathlib import Path

import yaml

from qmlp.errors import QmlpError


def read_edam(work_root: Path = Path(".")) -> dict:
    """The EDAM file FuseSoC wrote into a work root (hooks and the Yosys script run there)."""
    files = sorted(Path(work_root).glob("*.eda.yml"))
    if not files:
        raise QmlpError(f"no *.eda.yml in {Path(work_root).resolve()}: run this from a FuseSoC work root")
    try:
        edam = yaml.safe_load(files[0].read_text())
    except (OSError, yaml.YAMLError) as e:
        raise QmlpError(f"{files[0]}: not a readable EDAM file ({e})") from None
    if not isinstance(edam, dict):
        raise QmlpError(f"{files[0]}: not an EDAM file (no mapping at the top)")
    return edam


def edam_parameters(work_root: Path = Path(".")) -> dict:
    """{name: value} of the run's parameters (FuseSoC puts the effective values in 'default')."""
    prm = read_edam(work_root).get("parameters") or {}
    return {k: (v or {}).get("default") for k, v in prm.items()}


def edam_info(work_root: Path = Path(".")) -> tuple[str, str]:
    edam = read_edam(work_root)
    return edam["toplevel"], edam["name"]
