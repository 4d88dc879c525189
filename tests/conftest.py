"""Shared fixtures: the default data set, a small trained model, and a private build folder.

No test writes into the repository's build/ or a user's folders: the session sets
$QMLP_BUILD to a temporary folder before any test runs (pytest-xdist workers inherit it), so
the shared model cache, the FuseSoC build roots of qmlp's runner and every output live there.
Workers share that one folder: the model cache's lock makes the first one train and the
others wait.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from qmlp.config import DEFAULT_DATA

REPO = Path(__file__).resolve().parents[1]

# Hypothesis: `make test` (and so CI) draws the same examples every run (derandomize), so that a
# submission's result does not depend on which cases a random seed happened to reach; the
# "explore" profile draws new ones each run, to hunt for cases: HYPOTHESIS_PROFILE=explore pytest ...
# (it found the two edge cases that the property tests now hold: a FAULT value of one quote, and
# an empty IDX shape numpy cannot make).
try:
    from hypothesis import settings as _hyp

    _hyp.register_profile("ci", derandomize=True, print_blob=True)
    _hyp.register_profile("explore", derandomize=False, print_blob=True)
    _hyp.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:                      # hypothesis is in the test extra; a bare run skips its tests
    pass


def pytest_configure(config):
    if not hasattr(config, "workerinput") and "QMLP_TEST_BUILD" not in os.environ:
        tmp = tempfile.mkdtemp(prefix="qmlp-test-")
        os.environ["QMLP_TEST_BUILD"] = tmp
        os.environ["QMLP_BUILD"] = tmp
        config._qmlp_tmp = tmp


# The longest tests (a minute or more of CPU each in `make test`), started first: a worker that
# draws one of them last keeps the run going while the other sits idle. `make test` runs
# pytest-xdist's worksteal scheduler, which splits the rest between the workers as they go.
# Names not found are ignored.
SLOW_FIRST = (
    "test_accel.py::test_synth_maps_one_mac_per_dsp",
    "test_qat.py::test_accel_bit_exact_at_w4a4_and_mixed",
    "test_networks.py::test_two_layer_relu_with_biases",
    "test_accel.py::test_two_design_points_at_once",
    "test_mac.py::test_synth_maps_each_mac_style",
    "test_mixed.py::test_accelerator_with_mixed_layers_is_bit_exact",
    "test_accel.py::test_icarus_default_run",
    "test_netlist.py::test_accel_routed_ecp5_netlist",
    "test_ip_sim.py::test_synth_packed_no_regression",
    "test_accel.py::test_corrupted_rom_or_expected_word_is_caught",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        nodeid = item.nodeid.split("/")[-1]
        for i, name in enumerate(SLOW_FIRST):
            if nodeid.startswith(name):
                return i
        return len(SLOW_FIRST)
    items.sort(key=rank)                 # stable: every other test keeps its place


def pytest_unconfigure(config):
    tmp = getattr(config, "_qmlp_tmp", None)
    if tmp and not os.environ.get("QMLP_KEEP_TEST_BUILD"):
        shutil.rmtree(tmp, ignore_errors=True)


def need_default_data():
    if not (DEFAULT_DATA / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"{DEFAULT_DATA} is missing: run `make setup` (Debian package dataset-fashion-mnist)")


@pytest.fixture(scope="session")
def build_dir() -> Path:
    """The session's build folder ($QMLP_BUILD): the shared model cache lives here."""
    return Path(os.environ["QMLP_BUILD"])


@pytest.fixture(scope="session")
def dataset():
    from qmlp.nn.data import load_dataset

    need_default_data()
    return load_dataset(DEFAULT_DATA, val_size=2000, seed=0)


@pytest.fixture(scope="session")
def small_model(dataset):
    """A model trained on 4,000 images for 2 epochs: enough to be far above chance."""
    from qmlp.config import TrainConfig
    from qmlp.nn.train import train

    cfg = TrainConfig(epochs=2, limit=4000, val_size=2000)
    return train(cfg, dataset, progress=False)
