"""Content hashes that decide when a stage's output is stale.

A stage's code is not listed by hand: `module_closure_sha256("qmlp.hw.roms")` hashes the
module and every qmlp module it imports, directly or through others, at module level or
inside functions, so a change anywhere in what a stage runs makes its outputs stale.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

from qmlp.config import repo_root

PACKAGE_DIR = Path(__file__).resolve().parent


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


def module_file(name: str) -> Path | None:
    """The source file of a qmlp module (qmlp.nn.sweep -> .../qmlp/nn/sweep.py), None if none."""
    parts = name.split(".")
    if parts[0] != "qmlp":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


@functools.lru_cache(maxsize=None)
def imports_of(name: str) -> frozenset[str]:
    """The qmlp modules that module `name` imports anywhere in its source (ast, no import run)."""
    f = module_file(name)
    if f is None:
        return frozenset()
    found = set()
    for node in _runtime_nodes(ast.parse(f.read_text(), str(f))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("qmlp"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qmlp") and not node.level:
            found.add(node.module)
            # `from qmlp.nn import quant`: quant is a module too
            found.update(f"{node.module}.{a.name}" for a in node.names if module_file(f"{node.module}.{a.name}"))
    return frozenset(m for m in found if module_file(m) is not None)


def _runtime_nodes(tree):
    """Every node except those under `if TYPE_CHECKING:` (imports for annotations only)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def module_closure(*names: str) -> list[str]:
    seen, todo = set(), list(names)
    while todo:
        m = todo.pop()
        if m in seen or module_file(m) is None:
            continue
        seen.add(m)
        todo.extend(imports_of(m))
    return sorted(seen)


def module_closure_sha256(*names: str) -> str:
    """One hash over the sources of the modules and everything of qmlp they import."""
    h = hashlib.sha256()
    for m in module_closure(*names):
        h.update(m.encode())
        h.update(module_file(m).read_bytes())
    return h.hexdigest()
