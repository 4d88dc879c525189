"""Shared fixtures: the default data set and a small trained model (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qmlp.data import DEFAULT_DATA

REPO = Path(__file__).resolve().parents[1]


def need_default_data():
    if not (DEFAULT_DATA / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"{DEFAULT_DATA} is missing: run `make setup` (Debian package dataset-fashion-mnist)")


@pytest.fixture(scope="session")
def dataset():
    from qmlp.data import load_dataset

    need_default_data()
    return load_dataset(DEFAULT_DATA, val_size=2000, seed=0)


@pytest.fixture(scope="session")
def small_model(dataset):
    """A model trained on 4,000 images for 2 epochs: enough to be far above chance."""
    from qmlp.config import TrainConfig
    from qmlp.train import train

    cfg = TrainConfig(epochs=2, limit=4000, val_size=2000)
    return train(cfg, dataset, progress=False)
