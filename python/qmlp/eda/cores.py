"""What a FuseSoC core is made of, read from the .core files: its files and its dependencies.

The report's cache keys a hardware step by the contents of exactly the files FuseSoC would
use: the core's own files (all filesets, all targets), its scripts' and generators' sources,
and the same for every qmlp core it depends on. No hand-listed globs to forget a file in.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from qmlp.config import repo_root
from qmlp.errors import QmlpError


def _vln(name: str) -> str:
    """qmlp:ip:matmul_i8:0.1.0 -> qmlp:ip:matmul_i8 (the version is not part of a match)."""
    return ":".join(name.split(":")[:3])


@functools.lru_cache(maxsize=None)
def index(root: Path | None = None) -> dict[str, Path]:
    """{vln: core file} for every .core under cores/, flows/ and constraints/."""
    root = Path(root or repo_root() or Path.cwd())
    out = {}
    for top in ("cores", "flows", "constraints"):
        for f in sorted((root / top).rglob("*.core")):
            try:
                data = yaml.safe_load(f.read_text().split("\n", 1)[1])
            except (yaml.YAMLError, IndexError) as e:
                raise QmlpError(f"{f}: not a readable CAPI2 core file ({e})") from None
            out[_vln(data["name"])] = f
    return out


def _files_of(core_file: Path, data: dict) -> tuple[set[Path], set[str]]:
    here = core_file.parent
    files, deps = {core_file}, set()
    for fs in (data.get("filesets") or {}).values():
        for entry in fs.get("files") or []:
            name = next(iter(entry)) if isinstance(entry, dict) else entry
            files.add((here / name).resolve())
        deps.update(_vln(d.lstrip("^~=<>")) for d in fs.get("depend") or [])
    for gen in (data.get("generators") or {}).values():
        files.add((here / gen["command"]).resolve())
    for t in (data.get("generate") or {}).values():
        deps.add(f"generator:{t.get('generator')}")
    return files, deps


def core_files(vln: str, root: Path | None = None) -> list[Path]:
    """Every file of core `vln` and of the qmlp cores it depends on (transitively), sorted."""
    idx = index(root)
    gens = {}
    for name, f in idx.items():
        for g in (yaml.safe_load(f.read_text().split("\n", 1)[1]).get("generators") or {}):
            gens[g] = name
    seen, files, todo = set(), set(), [_vln(vln)]
    while todo:
        v = todo.pop()
        if v.startswith("generator:"):
            v = gens.get(v.split(":", 1)[1], v)
        if v in seen or v not in idx:
            continue
        seen.add(v)
        data = yaml.safe_load(idx[v].read_text().split("\n", 1)[1])
        f, d = _files_of(idx[v], data)
        files |= f
        todo.extend(d)
    if _vln(vln) not in seen:
        raise QmlpError(f"core {vln} not found under cores/, flows/ or constraints/")
    return sorted(p for p in files if p.is_file())
