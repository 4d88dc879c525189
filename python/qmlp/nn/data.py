"""Data sets in MNIST's IDX layout: find the four files, check them, split off validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.nn.idx import read_idx

from qmlp.config import DEFAULT_DATA  # noqa: E402  (re-exported)

# Both spellings are in the wild: 'train-images-idx3-ubyte' (LeCun) and 'train-images.idx3-ubyte'.
_STEMS = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


@dataclass
class Dataset:
    """Pixels scaled to [0, 1] as float32 (N, 784); labels int64 (N,)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def find_files(data_dir) -> dict[str, Path]:
    """Locate the four IDX files of an MNIST-format folder (raw or .gz)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise QmlpError(
            f"data folder {data_dir} does not exist"
            + (" (install Debian's dataset-fashion-mnist: make setup)" if data_dir == DEFAULT_DATA else "")
        )
    found = {}
    for key, stems in _STEMS.items():
        cands = [data_dir / (s + ext) for s in stems for ext in ("", ".gz")]
        hit = next((c for c in cands if c.is_file()), None)
        if hit is None:
            raise QmlpError(f"{data_dir}: missing {stems[0]}[.gz] (an MNIST-format folder has train-/t10k- images and labels)")
        found[key] = hit
    return found


def _images(path: Path) -> np.ndarray:
    a = read_idx(path)
    if a.ndim != 3 or a.dtype != np.uint8:
        raise QmlpError(f"{path}: expected a 3-D uint8 image array, got {a.ndim}-D {a.dtype} of shape {a.shape}")
    if a.shape[1:] != (28, 28):
        raise QmlpError(f"{path}: images are {a.shape[1]}x{a.shape[2]}, the 784-input MLP needs 28x28")
    return a.reshape(len(a), 784)


def _labels(path: Path) -> np.ndarray:
    a = read_idx(path)
    if a.ndim != 1 or a.dtype != np.uint8:
        raise QmlpError(f"{path}: expected a 1-D uint8 label array, got {a.ndim}-D {a.dtype}")
    if a.size and a.max() > 9:
        raise QmlpError(f"{path}: label {int(a.max())} out of range 0..9")
    return a.astype(np.int64)


def load_raw(data_dir=DEFAULT_DATA):
    """(train_images_u8, train_labels, test_images_u8, test_labels) with consistency checks."""
    f = find_files(data_dir)
    xtr, ytr = _images(f["train_images"]), _labels(f["train_labels"])
    xte, yte = _images(f["test_images"]), _labels(f["test_labels"])
    for xi, yi, a, b in ((xtr, ytr, "train_images", "train_labels"), (xte, yte, "test_images", "test_labels")):
        if len(xi) != len(yi):
            raise QmlpError(f"{f[a]} has {len(xi)} images but {f[b]} has {len(yi)} labels")
        if len(xi) == 0:
            raise QmlpError(f"{f[a]} holds no images: training and accuracy need at least one")
        if yi.min() < 0 or yi.max() > 9:
            raise QmlpError(f"{f[b]} holds label {int(yi.max() if yi.max() > 9 else yi.min())}; the MLP has 10 "
                            "classes (labels 0..9)")
    return xtr, ytr, xte, yte


def scale_pixels(u8: np.ndarray) -> np.ndarray:
    """Pixels 0..255 -> float32 in [0, 1] (the lab's ToTensor scaling)."""
    return (u8.astype(np.float32) / np.float32(255.0)).astype(np.float32)


def dataset_of(meta: dict, data_dir=None) -> Dataset:
    """The data set and validation split a model was trained with (from its metadata);
    data_dir overrides the folder (same split parameters)."""
    return load_dataset(data_dir or meta.get("data") or DEFAULT_DATA, int(meta.get("val_size", 5000)),
                        int(meta.get("seed", 0)))


def load_dataset(data_dir=DEFAULT_DATA, val_size: int = 5000, seed: int = 0) -> Dataset:
    """Load a folder and carve a seeded random validation split from the training set.

    Random, not the last N images: some IDX data sets are sorted by class.
    """
    xtr, ytr, xte, yte = load_raw(data_dir)
    if not 0 < val_size < len(xtr):
        raise QmlpError(f"validation size {val_size} must be between 1 and {len(xtr) - 1} (training set has {len(xtr)})")
    perm = np.random.default_rng(seed).permutation(len(xtr))
    vi, ti = np.sort(perm[:val_size]), np.sort(perm[val_size:])
    return Dataset(
        name=str(Path(data_dir).resolve()),   # stored in model metadata: valid from any folder
        x_train=scale_pixels(xtr[ti]), y_train=ytr[ti],
        x_val=scale_pixels(xtr[vi]), y_val=ytr[vi],
        x_test=scale_pixels(xte), y_test=yte,
    )
