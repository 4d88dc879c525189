"""PNG charts in the style of the lab's appendix (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def accuracy_vs_wl(rows, out: Path, lab=None, lab_float=None, data_name: str = "") -> Path:
    fr = next(r for r in rows if r["mode"] == "float")
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for mode, style, label in (("global", "o-", "one fl for all layers"), ("per_layer", "s-", "fl per layer")):
        pts = sorted((r["wl"], r["test_accuracy"]) for r in rows if r["mode"] == mode)
        if pts:
            ax.plot(*zip(*pts), style, label=label)
    ax.axhline(fr["test_accuracy"], color="k", ls="--", lw=1, label=f"float32 ({fr['test_accuracy']:.2f} %)")
    if lab:
        pts = sorted(lab.items())
        ax.plot(*zip(*pts), "x:", color="gray", label="lab report (MNIST)")
    if lab_float is not None:
        ax.axhline(lab_float, color="gray", ls=":", lw=1)
    ax.set_xlabel("word length wl (bits)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy vs weight word length" + (f" — {Path(data_name).name}" if data_name else ""))
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
