"""Data sets: a folder in MNIST's IDX layout (any image size, up to 256 classes), or an .npz
holding x_train, y_train, x_test, y_test (features uint8, or float in [-1, 1]); checked, with a
seeded validation split."""

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
    """Inputs as float32 (N, inputs): pixels scaled to [0, 1], or float features as given; labels int64."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_kind: str = "u8"       # "u8" pixels (scaled by 1/255) or "float" features in [-1, 1]

    @property
    def inputs(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def classes(self) -> int:
        """Classes the labels need (largest label + 1, at least 2)."""
        return max(2, int(max(self.y_train.max(initial=0), self.y_test.max(initial=0))) + 1)


def find_files(data_dir) -> dict[str, Path]:
    """Locate the four IDX files of an MNIST-format folder (raw or .gz)."""
    data_dir = Path(data_dir)
    if data_dir.is_file():
        raise QmlpError(f"data {data_dir} is a file, not a folder of IDX files (an .npz data set must end in .npz)")
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
    if a.ndim not in (2, 3) or a.dtype != np.uint8:
        raise QmlpError(f"{path}: expected a 3-D uint8 image array (or 2-D: one row per sample), got {a.ndim}-D "
                        f"{a.dtype} of shape {a.shape}")
    return a.reshape(len(a), int(np.prod(a.shape[1:])))


def _labels(path: Path) -> np.ndarray:
    a = read_idx(path)
    if a.ndim != 1 or a.dtype != np.uint8:
        raise QmlpError(f"{path}: expected a 1-D uint8 label array, got {a.ndim}-D {a.dtype}")
    return a.astype(np.int64)


def load_raw(data_dir=DEFAULT_DATA):
    """(train_inputs, train_labels, test_inputs, test_labels) with consistency checks: inputs uint8
    (pixels) or float32 (features in [-1, 1]), one row per sample; labels int64 in 0..255."""
    if str(data_dir).endswith(".npz"):
        xtr, ytr, xte, yte = _load_npz(Path(data_dir))
        f = {k: Path(data_dir) for k in ("train_images", "train_labels", "test_images", "test_labels")}
    else:
        f = find_files(data_dir)
        xtr, ytr = _images(f["train_images"]), _labels(f["train_labels"])
        xte, yte = _images(f["test_images"]), _labels(f["test_labels"])
    for xi, yi, a, b in ((xtr, ytr, "train_images", "train_labels"), (xte, yte, "test_images", "test_labels")):
        if len(xi) != len(yi):
            raise QmlpError(f"{f[a]} has {len(xi)} {a.replace('_', ' ')} but {f[b]} has {len(yi)} labels")
        if len(xi) == 0:
            raise QmlpError(f"{f[a]} holds no images ({a.replace('_', ' ')}): training and accuracy need at least one")
        if yi.min() < 0 or yi.max() > 255:
            raise QmlpError(f"{f[b]} holds label {int(yi.max() if yi.max() > 255 else yi.min())}; labels are "
                            "0..classes-1, at most 256 classes")
    if xtr.shape[1] != xte.shape[1]:
        raise QmlpError(f"{f['train_images']}: training samples have {xtr.shape[1]} inputs, test samples "
                        f"{xte.shape[1]}")
    return xtr, ytr, xte, yte


NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _load_npz(path: Path):
    """A data set as an .npz: x_* uint8 (scaled by 1/255) or float in [-1, 1]; y_* integer labels."""
    from qmlp.files import check_input_file, open_npz

    check_input_file(path, "data set", f"an .npz with {', '.join(NPZ_KEYS)}")
    with open_npz(path, "data set") as z:       # member shapes checked against their bytes first
        missing = [k for k in NPZ_KEYS if k not in z.files]
        if missing:
            raise QmlpError(f"{path}: a data set .npz holds {', '.join(NPZ_KEYS)}; missing {', '.join(missing)}")
        arrs = {k: z[k] for k in NPZ_KEYS}
    out = []
    kinds = set()
    for k in NPZ_KEYS:
        a = arrs[k]
        if k.startswith("x"):
            if a.ndim < 2:
                raise QmlpError(f"{path}: {k} has shape {a.shape}; need one row of features per sample (N x inputs)")
            a = a.reshape(len(a), -1)
            if a.dtype == np.uint8:
                kinds.add("u8")
            elif np.issubdtype(a.dtype, np.floating):
                if not np.isfinite(a).all():
                    raise QmlpError(f"{path}: {k} holds NaN or inf")
                if a.size and (a.min() < -1 or a.max() > 1):
                    raise QmlpError(f"{path}: {k} spans {float(a.min()):.4g}..{float(a.max()):.4g}; float features "
                                    "must lie in [-1, 1] (scale them first: the hardware takes Q(8, 7) codes)")
                kinds.add("float")
                a = a.astype(np.float32)
            else:
                raise QmlpError(f"{path}: {k} has dtype {a.dtype}; features are uint8 or float in [-1, 1]")
        else:
            if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
                raise QmlpError(f"{path}: {k} has shape {a.shape} and dtype {a.dtype}; labels are a 1-D integer array")
            a = a.astype(np.int64)
        out.append(a)
    if len(kinds) > 1:
        raise QmlpError(f"{path}: x_train and x_test have different types (uint8 and float)")
    return tuple(out)


def input_kind(x) -> str:
    return "u8" if np.asarray(x).dtype == np.uint8 else "float"


def scale_pixels(u8: np.ndarray) -> np.ndarray:
    """Pixels 0..255 -> float32 in [0, 1] (the lab's ToTensor scaling); float features as they are."""
    if u8.dtype != np.uint8:
        return np.asarray(u8, np.float32)
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
        x_test=scale_pixels(xte), y_test=yte, input_kind=input_kind(xtr),
    )
