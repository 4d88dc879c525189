"""Reader for the IDX files of MNIST and its look-alikes (Fashion-MNIST, KMNIST, ...).

An IDX file is: two zero bytes, a type byte, a dimension count, then one big-endian uint32
per dimension and the data. Files may be gzip-compressed. Every problem is reported as a
QmlpError that names the file.
"""

from __future__ import annotations

import gzip
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


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise QmlpError(f"{path}: file not found") from None
    except OSError as e:
        raise QmlpError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise QmlpError(f"{path}: corrupt or truncated gzip data ({e})") from None
    return raw


def read_idx(path) -> np.ndarray:
    """Read one IDX file (raw or gzip) into a numpy array of its native shape."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise QmlpError(f"{path}: too short to be an IDX file ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise QmlpError(
            f"{path}: bad magic number 0x{data[:4].hex()} "
            "(expected 0x0000TTNN with a known type byte TT, e.g. 0x00000803 for images)"
        )
    dtype = _TYPES[data[2]]
    ndim = data[3]
    if ndim == 0:
        raise QmlpError(f"{path}: IDX header declares zero dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise QmlpError(f"{path}: truncated header ({len(data)} bytes, need {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    have = len(data) - header
    if have < need:
        raise QmlpError(f"{path}: truncated: header promises {shape} ({need} data bytes), file has {have}")
    if have > need:
        raise QmlpError(f"{path}: {have - need} trailing bytes after the {shape} array the header declares")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
