import gzip
import struct

import numpy as np
import pytest

from qmlp.nn.data import load_dataset, load_raw
from qmlp.errors import QmlpError
from qmlp.nn.idx import read_idx


def idx_bytes(arr: np.ndarray, type_byte: int = 0x08) -> bytes:
    return b"\0\0" + bytes([type_byte, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape) + arr.tobytes()


def write_set(folder, n_train=20, n_test=10, gz=True, **override):
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte": idx_bytes(rng.integers(0, 10, n_train, dtype=np.uint8)),
        "t10k-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte": idx_bytes(rng.integers(0, 10, n_test, dtype=np.uint8)),
    }
    files.update(override)
    for name, data in files.items():
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def test_roundtrip_raw_and_gzip(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(a))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(a)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), a)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), a)
    f = np.array([1.5, -2.0], dtype=">f4")
    (tmp_path / "f").write_bytes(idx_bytes(f, 0x0D))
    np.testing.assert_array_equal(read_idx(tmp_path / "f"), [1.5, -2.0])


@pytest.mark.parametrize("mutate,msg", [
    (lambda b: b"\x01\x02" + b[2:], "bad magic number 0x0102"),
    (lambda b: b[:2] + b"\x42" + b[3:], "bad magic number"),
    (lambda b: b[:-5], "truncated: header promises"),
    (lambda b: b[:10], "truncated header|truncated"),
    (lambda b: b + b"xyz", "3 trailing bytes"),
    (lambda b: b[:3], "too short"),
])
def test_corrupted(tmp_path, mutate, msg):
    a = np.zeros((3, 28, 28), dtype=np.uint8)
    p = tmp_path / "bad-idx3-ubyte"
    p.write_bytes(mutate(idx_bytes(a)))
    with pytest.raises(QmlpError, match=msg) as e:
        read_idx(p)
    assert str(p) in str(e.value)  # the message names the file


def test_truncated_gzip(tmp_path):
    p = tmp_path / "x.gz"
    p.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 28, 28), np.uint8)))[:-12])
    with pytest.raises(QmlpError, match="corrupt or truncated gzip"):
        read_idx(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(QmlpError, match="file not found"):
        read_idx(tmp_path / "nope")
    with pytest.raises(QmlpError, match="does not exist"):
        load_raw(tmp_path / "nofolder")
    write_set(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(QmlpError, match="missing t10k-labels-idx1-ubyte"):
        load_raw(tmp_path)


def test_count_mismatch(tmp_path):
    write_set(tmp_path, **{"train-labels-idx1-ubyte": idx_bytes(np.zeros(19, np.uint8))})
    with pytest.raises(QmlpError, match="has 20 train images but .*train-labels.* has 19 labels"):
        load_raw(tmp_path)


def test_wrong_shapes(tmp_path):
    write_set(tmp_path, **{"t10k-images-idx3-ubyte": idx_bytes(np.zeros((10, 32, 32), np.uint8))})
    with pytest.raises(QmlpError, match="training samples have 784 inputs, test samples 1024"):
        load_raw(tmp_path)
    write_set(tmp_path, **{"t10k-images-idx3-ubyte": idx_bytes(np.zeros((10, 28, 28), np.uint8)),
                           "t10k-labels-idx1-ubyte": idx_bytes(np.full(10, 12, np.uint8))})
    _, ytr, _, yte = load_raw(tmp_path)             # 13 classes are a data set of their own ...
    assert yte.max() == 12
    from qmlp.config import TrainConfig

    with pytest.raises(QmlpError, match="labels up to 12, outside the network's 10 declared classes"):
        TrainConfig(layers=(784, 128, 64, 10)).spec(784, 13)    # ... but not for a 10-class network


def test_dot_spelling_and_split(tmp_path):
    write_set(tmp_path, gz=False, **{})
    for stem in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        src = next(tmp_path.glob(stem + "-idx*"))
        src.rename(tmp_path / src.name.replace(stem + "-", stem + "."))
    ds = load_dataset(tmp_path, val_size=5, seed=3)
    assert ds.x_train.shape == (15, 784) and ds.x_val.shape == (5, 784) and ds.x_test.shape == (10, 784)
    assert ds.x_train.dtype == np.float32 and 0 <= ds.x_train.min() and ds.x_train.max() <= 1
    again = load_dataset(tmp_path, val_size=5, seed=3)
    np.testing.assert_array_equal(ds.x_val, again.x_val)        # seeded
    other = load_dataset(tmp_path, val_size=5, seed=4)
    assert not np.array_equal(ds.x_val, other.x_val)
    with pytest.raises(QmlpError, match="validation size 20"):
        load_dataset(tmp_path, val_size=20)
