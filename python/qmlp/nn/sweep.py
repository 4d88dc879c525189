"""The lab's Part I done right: for each word length, choose fl on the validation split.

Two modes:
- global:    one fl for all layers (the lab's procedure),
- per_layer: one fl per layer, by coordinate search started from the global choice.
The lab's search had two bugs (best accuracy not reset per wl; evaluation inside the
per-parameter loop) and chose fl on the test set; here fl is chosen on validation only and
the test set is touched once per chosen format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmlp.nn import quant
from qmlp.progress import bar as progress_bar
from qmlp.nn.data import Dataset
from qmlp.numerics.fixedpoint import quantize
from qmlp.nn.forward import accuracy, act32
from qmlp.nn.model import FloatModel

DEFAULT_WLS = tuple(range(1, 9))
DEFAULT_FLS = tuple(range(-2, 17))  # the lab's 1..wl and beyond on both sides


@dataclass
class SweepResult:
    rows: list[dict]
    models: dict[tuple[int, str], quant.QuantModel]


class _Evaluator:
    """Accuracy of quantized weights with float activations, caching layer prefixes."""

    def __init__(self, model: FloatModel, x: np.ndarray, y: np.ndarray):
        self.model, self.x, self.y = model, x, y
        self.cache: dict = {}

    def _layer(self, i, wl, fl, h):
        w = _qw(self.model.weights[i], wl, fl)
        h = h @ w.T
        if self.model.biases is not None:
            h = h + self.model.biases[i]      # biases stay float: the hardware adds them at the accumulator's scale
        spec = self.model.spec
        return act32(spec.acts[i], h) if i < spec.n_layers - 1 else h

    def __call__(self, wl: int, fls) -> float:
        h = self.x
        for i in range(self.model.spec.n_layers):
            key = (wl, tuple(fls[: i + 1]))
            if key not in self.cache:
                self.cache[key] = self._layer(i, wl, fls[i], h)
            h = self.cache[key]
        return accuracy(h, self.y)


def _qw(w, wl, fl):
    return quantize(w, wl, fl).astype(np.float32)


def run(model: FloatModel, ds: Dataset, wls=DEFAULT_WLS, fls=DEFAULT_FLS, rounds: int = 2,
        progress: bool = True) -> SweepResult:
    val = _Evaluator(model, ds.x_val, ds.y_val)
    test = _Evaluator(model, ds.x_test, ds.y_test)
    from qmlp.nn.forward import accuracy_float

    rows = [{"mode": "float", "wl": None, "fl": None,
             "val_accuracy": accuracy_float(model, ds.x_val, ds.y_val),
             "test_accuracy": accuracy_float(model, ds.x_test, ds.y_test)}]
    models = {}
    n = model.spec.n_layers
    act_fls = quant.calibrate_act_fls(model, ds.x_train, (8,))
    total = len(wls) * len(fls) * (1 + rounds * n)
    bar = progress_bar(total, "sweep", "eval", progress)
    for wl in wls:
        val.cache.clear()           # layer prefixes are per wl: free the last one's
        test.cache.clear()
        # global: the first fl (ascending) with the best validation accuracy
        best_fl, best = None, -1.0
        for fl in fls:
            a = val(wl, [fl] * n)
            bar.update(1)
            if a > best:
                best_fl, best = fl, a
        g = [best_fl] * n
        rows.append(_row("global", wl, best_fl, best, test(wl, g)))
        models[(wl, "global")] = quant.quantize_model(model, wl, g, {"mode": "global", "val_accuracy": best},
                                                         act_fls)
        # per layer: coordinate search; a layer's fl moves only on a strict improvement
        cur, cur_acc = list(g), best
        for _ in range(rounds):
            for li in range(n):
                for fl in fls:
                    bar.update(1)
                    if fl == cur[li]:
                        continue
                    cand = cur[:li] + [fl] + cur[li + 1:]
                    a = val(wl, cand)
                    if a > cur_acc:
                        cur, cur_acc = cand, a
        rows.append(_row("per_layer", wl, list(cur), cur_acc, test(wl, cur)))
        models[(wl, "per_layer")] = quant.quantize_model(model, wl, cur, {"mode": "per_layer", "val_accuracy": cur_acc},
                                                            act_fls)
        bar.set_postfix_str(f"wl={wl} global={rows[-2]['test_accuracy']:.2f} per_layer={rows[-1]['test_accuracy']:.2f}")
    bar.close()
    return SweepResult(rows, models)


def _row(mode, wl, fl, val_acc, test_acc):
    return {"mode": mode, "wl": wl, "fl": fl, "val_accuracy": round(val_acc, 4), "test_accuracy": round(test_acc, 4)}


def model_path(sweep_dir: Path, wl: int, mode: str) -> Path:
    return sweep_dir / f"quantized_model_wl={wl}_{mode}.npz"


def write(result: SweepResult, out: Path, data_name: str = "") -> dict[str, Path]:
    """sweep.json (SPEC 3 table), sweep.md, accuracy.png and the quantized models.

    The folder is built beside `out` and swapped in whole (qmlp.files.new_folder): an
    interrupted write leaves the previous sweep as it was, never new models beside an old table.
    """
    from qmlp import reference
    from qmlp.files import check_output_folder, new_folder
    from qmlp.nn import plots

    out = check_output_folder(Path(out), "sweep output", "sweep.json")
    with new_folder(out) as tmp:
        for (wl, mode), qm in result.models.items():
            quant.save(qm, model_path(tmp, wl, mode))
        (tmp / "sweep.md").write_text(markdown(result.rows, data_name))
        plots.accuracy_vs_wl(result.rows, tmp / "accuracy.png", lab=reference.LAB_WL_ACCURACY,
                             lab_float=reference.LAB_FLOAT_ACCURACY, data_name=data_name)
        (tmp / "sweep.json").write_text(json.dumps(result.rows, indent=1) + "\n")
    return {"json": out / "sweep.json", "md": out / "sweep.md", "png": out / "accuracy.png"}


def markdown(rows: list[dict], data_name: str = "") -> str:
    from qmlp.reference import LAB_WL_ACCURACY

    fl_ = {r["wl"]: r for r in rows if r["mode"] == "global"}
    pl = {r["wl"]: r for r in rows if r["mode"] == "per_layer"}
    fr = next(r for r in rows if r["mode"] == "float")
    lines = [
        "Accuracy (%) with weights quantized to Q(wl, fl); fl chosen on the validation split"
        + (f"; data: {data_name}" if data_name else "") + ".",
        "",
        f"float32: validation {fr['val_accuracy']:.2f}, test {fr['test_accuracy']:.2f}",
        "",
        "| wl | global fl | global test | per-layer fl | per-layer test | lab (MNIST, test) |",
        "|---:|---:|---:|---|---:|---:|",
    ]
    for wl in sorted(fl_):
        g, p = fl_[wl], pl.get(wl)
        lab = LAB_WL_ACCURACY.get(wl)
        lab_s = f"{lab:.2f}" if lab is not None else "-"
        pl_fl = ",".join(map(str, p["fl"])) if p else "-"
        pl_acc = f"{p['test_accuracy']:.2f}" if p else "-"
        lines.append(f"| {wl} | {g['fl']} | {g['test_accuracy']:.2f} | {pl_fl} | {pl_acc} | {lab_s} |")
    return "\n".join(lines) + "\n"
