"""Writing files and folders whole: a reader sees the old complete state or the new one.

Every output qmlp writes goes through here: a file is written to a temporary name in its
folder and renamed into place (rename is atomic on one file system); a folder of related
files is built under a temporary name and swapped in. `locked()` serializes the processes
that would otherwise make the same shared output twice (the default model, say).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import math
import shutil
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np

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


# locks this thread holds, by path: flock is per open file, so a second open+flock of the same
# lock file in one thread would wait for itself (train_default under the model cache's lock, say);
# other threads (the report's parallel steps) still wait for the holder, as other processes do
_HELD = threading.local()


@contextlib.contextmanager
def locked(path, waiting: str | None = None):
    """An exclusive advisory lock on `path` (created if missing) for the `with` block.

    Re-entrant within a thread. The holder's pid and command are written into the lock file,
    so that a run that has to wait can say for whom (`waiting`: printed to stderr then, with
    {holder} replaced)."""
    path = Path(path)
    key = str(path.resolve())
    held = _HELD.__dict__.setdefault("paths", set())
    if key in held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                f.seek(0)
                holder = f.read().strip() or "another process"
                print(waiting.format(holder=holder), file=sys.stderr, flush=True)
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        held.add(key)
        try:
            f.seek(0)
            f.truncate()
            f.write(f"pid {os.getpid()} ({' '.join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:4]))})\n")
            f.flush()
            yield
        finally:
            held.discard(key)
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def output_lock(path, what: str = "the output"):
    """The lock of an output that is replaced whole (a sweep folder, say): a file beside it,
    `.<name>.lock`, since a lock inside a folder that is swapped out would be swapped with it."""
    path = Path(path)
    return locked(path.parent / f".{path.name}.lock", waiting=f"qmlp: waiting for {{holder}}, which is writing {what} {path}")


def folder_lock(folder, what: str = "this build folder"):
    """The lock of a folder's shared files (the model cache's lock for BUILD/model): every command
    that writes them holds it, so two runs into one folder go one after the other."""
    folder = Path(folder)
    return locked(folder / ".lock", waiting=f"qmlp: waiting for {{holder}}, which is writing {what} {folder}")


def check_input_file(path, what: str, hint: str) -> Path:
    """An input file that must exist and be a file: `<what> <path> is a folder` or `... not found
    (<hint>)` otherwise, in one line (a folder is never reported as missing)."""
    path = Path(path)
    if path.is_dir():
        raise QmlpError(f"{what} {path} is a folder; give the file itself")
    if not path.is_file():
        raise QmlpError(f"{what} {path} not found ({hint})")
    return path


def check_writable(path, flag: str) -> Path:
    """The folder that writing `path` needs (its nearest existing ancestor, or itself when it is an
    existing folder) must be writable by this process: checked before any work starts, so a run
    does not train for minutes and then fail at the save. One line naming the path and the cause."""
    path = Path(path)
    probe = path if path.is_dir() else next((p for p in path.parents if p.exists()), None)
    if probe is None:
        return path
    if not probe.is_dir():
        raise QmlpError(f"{flag} {path}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only_fs(probe) else "permission denied"
        raise QmlpError(f"{flag} {path}: cannot write into {probe} ({why}); give a folder you can write")
    return path


def _read_only_fs(p: Path) -> bool:
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _check_parents(path: Path, flag: str) -> None:
    """The nearest existing folder above `path` is a folder, not a file."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise QmlpError(f"{flag} {path}: {parent} is a file, not a folder")
            return


def check_output_file(path, flag: str) -> Path:
    """A file qmlp will write: not a folder, its folder not a file, and writable. Checked before work starts."""
    path = Path(path)
    if path.is_dir():
        raise QmlpError(f"{flag} {path} is a folder; give a file name")
    _check_parents(path, flag)
    check_writable(path.parent, flag)
    return path


def check_output_folder(path, flag: str, marker: str | None = None, writable: bool = True) -> Path:
    """A folder qmlp will write (or, with `marker`, replace whole): not a file, writable (unless
    `writable` is False: a command that only reads it); if it exists and holds files, it must be
    one that qmlp wrote (it has `marker`), so that replacing it loses nothing of the user's."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise QmlpError(f"{flag} {path} is a file, not a folder")
    _check_parents(path, flag)
    if marker and path.is_dir() and any(path.iterdir()) and not (path / marker).exists():
        raise QmlpError(f"{flag} {path} holds other files (no {marker}): qmlp replaces its output folder whole, "
                        "so give an empty folder or one it wrote before")
    if writable:
        check_writable(path, flag)
        if marker:                   # replaced whole: a new folder is made beside it and renamed
            check_writable(path.parent, flag)
    return path


# ----------------------------------------------------------------------------- numpy archives

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")     # a zip with members, an empty zip
_NPY_MAGIC = b"\x93NUMPY"


def check_npz(path, what: str = "archive", data: bytes | None = None) -> Path:
    """An .npz that np.load can read without surprises, checked from its bytes before loading.

    np.load trusts each member's header: a shape whose product overflows int64 wraps around,
    an object array asks for pickle (and numpy's message then advises allow_pickle, which qmlp
    never uses), a text file is taken for a pickle. Here: the zip magic, and for every member
    the .npy header's shape times its item size, in Python integers, equal to the bytes the
    member holds; no object dtype. Every problem is one QmlpError naming the file.
    data: the file's bytes when the caller has read them already (checked instead of the file)."""
    path = Path(path)
    head = _head(path, f" {what}", f"a numpy .npz {what}", data)
    if head.startswith(_NPY_MAGIC):
        raise QmlpError(f"{path}: a single numpy array (.npy), not an .npz {what} (np.savez writes those)")
    if not head.startswith(_ZIP_MAGIC):
        raise _not_a(path, head, f"a numpy .npz {what}", "an .npz is a zip archive starting with b'PK'")
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as z:
            for info in z.infolist():
                _check_member(z, info, path, what)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as e:
        raise QmlpError(f"{path}: a damaged .npz {what} ({e.__class__.__name__}: {e})") from None
    return path


def _head(path: Path, reading: str, expected: str, data: bytes | None = None) -> bytes:
    """A file's first 64 bytes (of `data` when the caller has read the file), to name what it is;
    a QmlpError when it cannot be read (`cannot read<reading>`) or is empty (`not <expected>`)."""
    try:
        if data is not None:
            head = data[:64]
        else:
            with open(path, "rb") as f:
                head = f.read(64)
    except OSError as e:
        raise QmlpError(f"{path}: cannot read{reading}: {e.strerror or e}") from None
    if not head:
        raise QmlpError(f"{path}: empty file, not {expected}")
    return head


def _not_a(path: Path, head: bytes, expected: str, magic: str) -> QmlpError:
    """The error for a file that is not `expected`: what it starts with and looks like, and what it should."""
    kind = "a text file" if looks_like_text(head) else "unknown binary data"
    return QmlpError(f"{path}: not {expected}: it starts with {head[:16]!r} ({kind}; {magic})")


def looks_like_text(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c >= 32 or c in b"\t\r\n" for c in b)


def _check_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, what: str) -> None:
    from numpy.lib import format as npf

    name = info.filename
    if not name.endswith(".npy"):
        return                               # np.load ignores other members' contents; qmlp reads none
    try:
        with z.open(info) as f:
            version = npf.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npf.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npf.read_array_header_2_0(f)
            else:
                raise ValueError(f"npy format version {version}")
            header = f.tell()
    except (ValueError, TypeError, SyntaxError, EOFError) as e:
        raise QmlpError(f"{path}: member {name} of the {what} has no valid numpy header ({e})") from None
    key = name[:-4]
    if dtype.hasobject:
        raise QmlpError(f"{path}: {key} of the {what} holds Python objects (pickled data), which qmlp never "
                        "loads; numeric arrays only")
    if any(int(d) < 0 for d in shape):
        raise QmlpError(f"{path}: {key} of the {what} declares a negative dimension {shape}")
    need = header + math.prod(int(d) for d in shape) * int(dtype.itemsize)     # Python ints: no wrap-around
    if need != info.file_size:
        raise QmlpError(f"{path}: {key} of the {what} declares shape {tuple(shape)} of {dtype} "
                        f"({need - header} data bytes), but the member holds {info.file_size - header}")


@contextlib.contextmanager
def open_npz(path, what: str = "archive", data: bytes | None = None):
    """np.load(path, allow_pickle=False) after check_npz; errors while reading members become one
    QmlpError naming the file (never numpy's advice about pickles). data: the file's bytes, when
    the caller has read them already (then the file is not read again)."""
    path = check_npz(path, what, data)
    try:
        with np.load(io.BytesIO(data) if data is not None else path, allow_pickle=False) as z:
            yield z
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise QmlpError(f"{path}: not a readable numpy .npz {what} ({e.__class__.__name__}: {e})") from None
    except MemoryError:
        raise QmlpError(f"{path}: its arrays do not fit in memory") from None


def check_torch_magic(path: Path) -> None:
    """torch.save writes a zip archive (b'PK'), older versions a pickle (b'\\x80'): anything else,
    a text file say, is named for what it is instead of torch's unpickling error."""
    head = _head(path, "", "a PyTorch file")
    if not head.startswith((b"PK", b"\x80")):
        raise _not_a(path, head, "a PyTorch file", "torch.save writes a zip archive starting with b'PK'")
