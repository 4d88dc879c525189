"""Where qmlp keeps its outputs, and the settings shared by several stages."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path



# the embedded default data set (Debian dataset-fashion-mnist)
DEFAULT_DATA = Path("/usr/share/datasets/fashion-mnist")


def repo_root() -> Path | None:
    """The checkout qmlp runs from (an editable install), or None for a plain install."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "fusesoc.conf").is_file() and (here / "python" / "qmlp").is_dir() else None


def default_build_dir() -> Path:
    """$QMLP_BUILD, else <repo>/build/qmlp for a checkout, else ./build/qmlp."""
    env = os.environ.get("QMLP_BUILD")
    if env:
        return Path(env).resolve()
    root = repo_root()
    return (root if root else Path.cwd()) / "build" / "qmlp"


@dataclass
class Paths:
    """Every file a stage reads or writes, derived from one build folder."""

    build: Path = field(default_factory=default_build_dir)

    @property
    def model_dir(self) -> Path:
        return self.build / "model"

    @property
    def model_pth(self) -> Path:
        return self.model_dir / "mlp.pth"

    @property
    def model_npz(self) -> Path:
        return self.model_dir / "mlp.npz"

    @property
    def sweep_dir(self) -> Path:
        return self.build / "sweep"

    @property
    def roms_dir(self) -> Path:
        """$QMLP_ROMS, else BUILD/roms: the folder qmlp:accel:mlp packages."""
        env = os.environ.get("QMLP_ROMS")
        return Path(env).resolve() if env else self.build / "roms"

    @property
    def report_dir(self) -> Path:
        return self.build / "report"


@dataclass
class TrainConfig:
    data: Path = DEFAULT_DATA
    seed: int = 0
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    val_size: int = 5000
    bias: bool = False
    limit: int | None = None  # train on the first N training images only (tests, quick looks)
    layers: tuple | None = None   # input size and widths (--layers); None: the lab's hidden 128, 64 on the data's sizes
    act: str = "tanh"             # --act: one word, or one per hidden layer, comma-separated

    def spec(self, inputs: int, classes: int, input_kind: str = "u8"):
        """The network this configuration trains on a data set of `inputs` features and `classes` classes."""
        from qmlp.errors import QmlpError
        from qmlp.spec import make

        widths = list(self.layers) if self.layers else [inputs, 128, 64, classes]
        s = make(widths, self.act, self.bias, input_kind)
        if s.inputs != inputs:
            raise QmlpError(f"--layers={','.join(map(str, widths))} starts with {s.inputs} inputs, but the data's "
                            f"samples have {inputs} features: the first number of --layers is the input size")
        if s.classes < classes:
            raise QmlpError(f"the data holds labels up to {classes - 1}, outside the network's {s.classes} declared "
                            f"classes (the last number of --layers): use --layers ...,{classes}")
        return s
