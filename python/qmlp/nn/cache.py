"""The shared model cache: the default float model and its wl=8 quantization, made once.

Hardware runs that need weights (a simulation or synthesis of qmlp:accel:mlp) take a model
from here when the user names none (`--MODEL=`). Two runs started together must not both
train: the first takes a lock and trains, the second waits and then finds the model. The
quantized model is the sweep's wl=8 per-layer choice when the sweep ran on this float
model; otherwise the same choice is made here (validation split only) and kept beside the
model, keyed by the model's hash.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qmlp.config import Paths
from qmlp.files import locked
from qmlp.hashing import file_sha256
from qmlp.nn import model as mdl
from qmlp.nn import quant, sweep


def _log(msg: str) -> None:
    print(f"qmlp: {msg}", file=sys.stderr, flush=True)


def float_model(paths: Paths, model_path=None, progress: bool = False) -> Path:
    """The float model archive to use: `model_path`, else the build folder's (trained when missing)."""
    if model_path:
        from qmlp.files import check_input_file

        return check_input_file(model_path, f"--MODEL={model_path}:", "a float model .npz from qmlp train").resolve()
    with locked(paths.model_dir / ".lock"):
        if not paths.model_npz.is_file():
            from qmlp.nn.train import train_default

            _log(f"no model in {paths.model_npz}: training the default one (10 epochs, seed 0) once for every run")
            train_default(paths, progress)
    return paths.model_npz


def wl8_model(paths: Paths, model_path: Path, progress: bool = False,
              loaded: quant.ModelFile | None = None) -> tuple[quant.QuantModel, Path]:
    """The wl=8 per-layer quantized model of a float model, and its file (loaded: the model file
    read once by the caller, whose bytes are used instead of reading model_path again)."""
    m = loaded.model if loaded else mdl.load(model_path)
    cand = sweep.model_path(paths.sweep_dir, 8, "per_layer")
    if cand.is_file():
        q = quant.load(cand)
        if quant.is_from(q, m):
            return q, cand
    own = paths.model_dir / "quantized" / f"wl8_per_layer-{(loaded.sha256 if loaded else file_sha256(model_path))[:16]}.npz"
    with locked(paths.model_dir / ".lock"):
        if not own.is_file():
            from qmlp.nn.data import dataset_of

            _log(f"no sweep result for {model_path}: choosing the wl=8 fraction lengths per layer on the "
                 "validation split")
            res = sweep.run(m, dataset_of(m.meta), wls=[8], progress=progress)
            quant.save(res.models[(8, "per_layer")], own)
    return quant.load(own), own


def qat_model(paths: Paths, model_path: Path, wbits, abits, progress: bool = False,
              loaded: quant.ModelFile | None = None) -> tuple[quant.QuantModel, Path]:
    """A quantization-aware trained model at these bits, fine-tuned from the float model
    (made once, under the lock, and kept beside the model keyed by the model's hash; loaded: the
    model file read once by the caller)."""
    from qmlp.nn.qat import check_bits, model_name

    wb, ab = check_bits(wbits, abits, loaded.spec if loaded else quant.spec_of_file(model_path))
    sha = loaded.sha256 if loaded else file_sha256(model_path)
    own = paths.model_dir / "quantized" / f"qat-{model_name(wb, ab)}-{sha[:16]}.npz"
    with locked(paths.model_dir / ".lock"):
        if not own.is_file():
            from qmlp.config import TrainConfig
            from qmlp.nn.data import dataset_of
            from qmlp.nn.qat import train_qat

            m = loaded.model if loaded else mdl.load(model_path)
            _log(f"no {model_name(wb, ab)} model for {model_path}: quantization-aware training (once for every run)")
            cfg = TrainConfig(seed=int(m.meta.get("seed", 0)))
            q, meta = train_qat(cfg, dataset_of(m.meta), wb, ab, m, progress=progress)
            quant.save(q, own)
            _log(f"{model_name(wb, ab)}: QAT test accuracy {meta['test_accuracy']:.2f} % in {meta['qat_seconds']:.0f} s")
    return quant.load(own), own
