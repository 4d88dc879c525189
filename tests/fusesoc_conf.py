"""A private FuseSoC configuration for the IP, HLS and Vivado tests.

The repository's fusesoc.conf puts FuseSoC's cache (and the generator cache of the qmlp:hls
cores) into the repository's build/, and FuseSoC creates that folder on every call, even for
`fusesoc core list`. Tests must not write there, so they run FuseSoC with a copy of that
configuration (same libraries, same ignored folders, absolute paths) whose cache is in the
test's own temporary folder, through FUSESOC_CONFIG, which FuseSoC reads instead of
./fusesoc.conf. The build roots come from the runner ($QMLP_BUILD) or the tests.

    from fusesoc_conf import private_fusesoc  # noqa: F401   (an autouse fixture)
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def write_config(folder: Path) -> Path:
    """folder/fusesoc.conf: the repository's configuration with its cache in folder."""
    src = configparser.ConfigParser()
    src.read(REPO / "fusesoc.conf")
    out = configparser.ConfigParser()
    main = src["main"] if src.has_section("main") else {}
    out["main"] = {
        "cache_root": str(folder / "fusesoc-cache"),
        "ignored_dirs": " ".join(str(REPO / d) for d in main.get("ignored_dirs", "").split()),
    }
    if main.get("filters"):              # qmlp's EDAM filter: parameters checked before the build
        out["main"]["filters"] = main["filters"]
    for name in src.sections():
        if name.startswith("library."):
            lib = dict(src[name])
            lib["location"] = str((REPO / lib.get("location", ".")).resolve())
            out[name] = lib
    path = folder / "fusesoc.conf"
    with open(path, "w") as fh:
        out.write(fh)
    return path


@pytest.fixture(scope="module", autouse=True)
def private_fusesoc(tmp_path_factory):
    """FUSESOC_CONFIG -> a private copy of the configuration while this test module runs."""
    conf = write_config(tmp_path_factory.mktemp("fusesoc"))
    old = os.environ.get("FUSESOC_CONFIG")
    os.environ["FUSESOC_CONFIG"] = str(conf)
    yield conf
    if old is None:
        os.environ.pop("FUSESOC_CONFIG", None)
    else:
        os.environ["FUSESOC_CONFIG"] = old
