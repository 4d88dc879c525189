"""Content hashes that decide when a stage's output is stale."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .config import repo_root


def file_sha256(path) -> str | None:
    """sha256 of a file's bytes, None when it does not exist."""
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


def sources_sha256(patterns: list[str]) -> str:
    """One hash over the files that glob patterns (relative to the checkout) match, names included."""
    root = repo_root() or Path.cwd()
    h = hashlib.sha256()
    for pat in patterns:
        for f in sorted(root.glob(pat)):
            if f.is_file():
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def package_sha256(*modules: str) -> str:
    """Hash of qmlp's own modules (by name, e.g. "golden"), wherever the package is installed."""
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / f"{m}.py").read_bytes() for m in modules)).hexdigest()
