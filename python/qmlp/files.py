"""Writing files and folders whole: a reader sees the old complete state or the new one.

Every output qmlp writes goes through here: a file is written to a temporary name in its
folder and renamed into place (rename is atomic on one file system); a folder of related
files is built under a temporary name and swapped in. `locked()` serializes the processes
that would otherwise make the same shared output twice (the default model, say).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from qmlp.errors import QmlpError


def write_text(path, text: str) -> Path:
    return write_bytes(path, text.encode())


def write_bytes(path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def new_folder(final):
    """Yield a fresh temporary folder beside `final`; on success it replaces `final` whole.

    The two folders are exchanged in one system call where Linux offers it (renameat2), so a
    reader sees the old complete folder or the new one; elsewhere the old folder is renamed away
    first, so `final` is at worst briefly absent, never mixed.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".new"))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    try:
        if final.is_dir() and _exchange(tmp, final):
            shutil.rmtree(tmp, ignore_errors=True)        # tmp now holds the old folder
            return
        if final.exists():
            old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".old"))
            os.replace(final, old / final.name)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        # interrupted before the swap: the old folder stays (put back if it was moved away)
        if old is not None and not final.exists() and (old / final.name).exists():
            os.rename(old / final.name, final)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE): a reader of b sees the old
    folder or the new one, never none. False where the system cannot (then a two-step swap)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextlib.contextmanager
def locked(path):
    """An exclusive advisory lock on `path` (created if missing) for the `with` block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def check_input_file(path, what: str, hint: str) -> Path:
    """An input file that must exist and be a file: `<what> <path> is a folder` or `... not found
    (<hint>)` otherwise, in one line (a folder is never reported as missing)."""
    path = Path(path)
    if path.is_dir():
        raise QmlpError(f"{what} {path} is a folder; give the file itself")
    if not path.is_file():
        raise QmlpError(f"{what} {path} not found ({hint})")
    return path


def check_output_file(path, flag: str) -> Path:
    """A file qmlp will write: not a folder, and its folder not a file. Checked before work starts."""
    path = Path(path)
    if path.is_dir():
        raise QmlpError(f"{flag} {path} is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise QmlpError(f"{flag} {path}: {parent} is a file, not a folder")
            break
    return path


def check_output_folder(path, flag: str, marker: str | None = None) -> Path:
    """A folder qmlp will replace whole: not a file; if it exists and holds files, it must be one
    that qmlp wrote (it has `marker`), so that replacing it loses nothing of the user's."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise QmlpError(f"{flag} {path} is a file, not a folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise QmlpError(f"{flag} {path}: {parent} is a file, not a folder")
            break
    if marker and path.is_dir() and any(path.iterdir()) and not (path / marker).exists():
        raise QmlpError(f"{flag} {path} holds other files (no {marker}): qmlp replaces its output folder whole, "
                        "so give an empty folder or one it wrote before")
    return path
