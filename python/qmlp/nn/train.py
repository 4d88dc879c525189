"""Train the float32 MLP with PyTorch: seeded, deterministic, with a progress bar."""

from __future__ import annotations

import time


from qmlp.nn import model as mdl
from qmlp.config import TrainConfig
from qmlp.nn.data import Dataset
from qmlp.errors import QmlpError
from qmlp.nn.forward import accuracy_float
from qmlp.progress import bar as progress_bar


def train(cfg: TrainConfig, ds: Dataset, progress: bool = True) -> mdl.FloatModel:
    """Adam on cross-entropy; the same seed and data give the same weights bit for bit."""
    import torch

    if cfg.epochs < 1 or cfg.batch_size < 1 or not cfg.lr > 0:
        raise QmlpError(f"epochs ({cfg.epochs}), batch size ({cfg.batch_size}) and learning rate ({cfg.lr}) must be positive")
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    # One thread: the weights then do not depend on the machine's core count, and this small
    # network trains faster alone (2 epochs: 4 s) than with OpenMP threads fighting another
    # busy process for the cores (75 s measured with 2 threads beside a simulation).
    torch.set_num_threads(1)
    x = torch.from_numpy(ds.x_train)
    y = torch.from_numpy(ds.y_train)
    if cfg.limit:
        x, y = x[: cfg.limit], y[: cfg.limit]
    spec = cfg.spec(ds.inputs, ds.classes, ds.input_kind)
    net = mdl.torch_mlp(spec)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(cfg.seed)
    n = len(x)
    steps = (n + cfg.batch_size - 1) // cfg.batch_size
    t0 = time.perf_counter()
    bar = progress_bar(cfg.epochs * steps, "train", "batch", progress)
    for epoch in range(cfg.epochs):
        perm = torch.randperm(n, generator=gen)
        running = 0.0
        for s in range(steps):
            idx = perm[s * cfg.batch_size:(s + 1) * cfg.batch_size]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            running += loss.item()
            bar.update(1)
        bar.set_postfix_str(f"epoch={epoch + 1} loss={running / steps:.4f}")
    bar.close()
    seconds = time.perf_counter() - t0
    m = mdl.from_torch(net, spec)
    meta = {
        "data": ds.name,
        "seed": cfg.seed,
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "lr": cfg.lr,
        "bias": cfg.bias,
        "spec": spec.describe(),
        "val_size": len(ds.y_val),
        "train_images": int(n),
        "train_seconds": round(seconds, 2),
        "torch": torch.__version__,
        "val_accuracy": accuracy_float(m, ds.x_val, ds.y_val),
        "test_accuracy": accuracy_float(m, ds.x_test, ds.y_test),
    }
    m.meta = meta
    return m


def train_and_save(cfg: TrainConfig, ds: Dataset, npz, progress: bool = True) -> mdl.FloatModel:
    """Train, then write the model archive `npz` and its .pth beside it, holding the lock of their
    folder (for BUILD/model the model cache's lock) from before the training until both are written.

    Two runs into one folder then go one after the other (the second says whom it waits for), the
    .npz and .pth always come from one run, and a run's summary line describes the files it names.
    """
    from pathlib import Path

    from qmlp.files import folder_lock

    npz = Path(npz)
    with folder_lock(npz.parent, "the model files in"):
        m = train(cfg, ds, progress=progress)
        mdl.save(m, npz, npz.with_suffix(".pth"))
    return m


def train_default(paths, progress: bool = True) -> mdl.FloatModel:
    """Train the default model (TrainConfig()) and save it where every stage looks for it."""
    from qmlp.nn.data import load_dataset

    cfg = TrainConfig()
    return train_and_save(cfg, load_dataset(cfg.data, cfg.val_size, cfg.seed), paths.model_npz, progress)
