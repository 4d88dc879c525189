"""Reader for the IDX files of MNIST and its look-alikes (Fashion-MNIST, KMNIST, ...).

An IDX file is: two zero bytes, a type byte, a dimension count, then one big-endian uint32
per dimension and the data. Files may be gzip-compressed. Every problem is reported as a
QmlpError that names the file.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError

# IDX type byte -> numpy dtype (big-endian in the file)
_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# The most data one IDX file may declare: 8 GiB (the MNIST look-alikes hold 47 MB; EMNIST's largest
# split 0.6 GB). A header past this is a damaged one, refused before any allocation.
MAX_BYTES = 8 << 30


def _open(path: Path):
    """The file's bytes as a stream: gzip-decompressed when it starts with gzip's magic."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise QmlpError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise QmlpError(f"{path} is a folder, not an IDX file") from None
    except OSError as e:
        raise QmlpError(f"{path}: cannot read: {e.strerror}") from None
    if f.read(2) == b"\x1f\x8b":  # gzip magic
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode="rb")
    f.seek(0)
    return f


def _read(f, n: int, path: Path) -> bytes:
    try:
        return f.read(n)
    except (OSError, EOFError, zlib.error) as e:
        raise QmlpError(f"{path}: corrupt or truncated gzip data ({e})") from None


def read_idx(path) -> np.ndarray:
    """Read one IDX file (raw or gzip) into a numpy array of its native shape.

    The header's sizes are untrusted: the data size is their product in Python integers
    (never a fixed-width product that could wrap past 2**64), checked against the bytes present
    before anything is allocated; a gzip file is decompressed only as far as the header promises
    (plus one byte, to catch trailing data), so a small file cannot expand into gigabytes first.
    """
    path = Path(path)
    with _open(path) as f:
        head = _read(f, 4, path)
        if len(head) < 4:
            raise QmlpError(f"{path}: too short to be an IDX file ({len(head)} bytes)")
        if head[0] != 0 or head[1] != 0 or head[2] not in _TYPES:
            raise QmlpError(
                f"{path}: bad magic number 0x{head.hex()} "
                "(expected 0x0000TTNN with a known type byte TT, e.g. 0x00000803 for images)"
            )
        dtype = _TYPES[head[2]]
        ndim = head[3]
        if ndim == 0:
            raise QmlpError(f"{path}: IDX header declares zero dimensions")
        header = 4 + 4 * ndim
        dims = _read(f, 4 * ndim, path)
        if len(dims) < 4 * ndim:
            raise QmlpError(f"{path}: truncated header ({4 + len(dims)} bytes, need {header})")
        shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
        need = math.prod(shape) * dtype.itemsize          # Python ints: exact however large
        # a zero dimension makes the data empty, but numpy still refuses a shape whose other
        # dimensions span more than it can address: the extent counts a zero as one
        extent = math.prod(max(d, 1) for d in shape) * dtype.itemsize
        if need == 0 and extent > MAX_BYTES:
            raise QmlpError(f"{path}: header declares an empty {shape} array whose other dimensions span "
                            f"{extent:,} bytes, more than the {MAX_BYTES:,} an IDX data file may hold here "
                            "(a damaged header?)")
        if need > MAX_BYTES:
            raise QmlpError(f"{path}: header declares a {shape} array of {need:,} bytes, more than the "
                            f"{MAX_BYTES:,} an IDX data file may hold here (a damaged header?)")
        data = _read(f, need + 1, path)
    have = len(data)
    if have < need:
        raise QmlpError(f"{path}: truncated: header promises {shape} ({need} data bytes), file has {have}")
    if have > need:
        extra = have - need
        try:
            extra += len(_read_rest(path, header + have))
        except QmlpError:
            pass
        raise QmlpError(f"{path}: {extra} trailing bytes after the {shape} array the header declares")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _read_rest(path: Path, offset: int) -> bytes:
    """The bytes after `offset` (to report how many trailing bytes there are; small files only)."""
    with _open(path) as f:
        _read(f, offset, path)
        return _read(f, 1 << 20, path)
