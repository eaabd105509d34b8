"""Evaluation plots (matplotlib, PNG): PR curves, reliability diagrams, confusion matrices."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from .metrics import expected_calibration_error  # noqa: E402


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)


def plot_all(out_dir: str | Path, split: str, y: np.ndarray, scores: np.ndarray, labels: list[str],
             thresholds: dict[str, float]) -> dict[str, float]:
    """Write ``plots/<split>_{pr,reliability,confusion}.png``; return ECE per label."""
    out = Path(out_dir) / "plots"
    n = len(labels)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.6), squeeze=False)
    for i, lab in enumerate(labels):
        ax = axes[0, i]
        if y[:, i].any():
            pr, rc, _ = precision_recall_curve(y[:, i], scores[:, i])
            ax.plot(rc, pr)
        ax.set(title=f"{lab} PR", xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    _save(fig, out / f"{split}_pr.png")
    eces = {}
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.6), squeeze=False)
    edges = np.linspace(0, 1, 11)
    for i, lab in enumerate(labels):
        ax = axes[0, i]
        idx = np.clip(np.digitize(scores[:, i], edges[1:-1]), 0, 9)
        xs, ys = [], []
        for b in range(10):
            m = idx == b
            if m.any():
                xs.append(scores[m, i].mean())
                ys.append(y[m, i].mean())
        eces[lab] = expected_calibration_error(y[:, i], scores[:, i])
        ax.plot([0, 1], [0, 1], "--", color="grey")
        ax.plot(xs, ys, "o-")
        ax.set(title=f"{lab} (ECE {eces[lab]:.3f})", xlabel="predicted probability", ylabel="observed frequency")
    _save(fig, out / f"{split}_reliability.png")
    fig, axes = plt.subplots(1, n, figsize=(3.4 * n, 3.2), squeeze=False)
    for i, lab in enumerate(labels):
        pred = (scores[:, i] >= thresholds.get(lab, 0.5)).astype(int)
        cm = np.array([[((y[:, i] == a) & (pred == b)).sum() for b in (0, 1)] for a in (0, 1)])
        ax = axes[0, i]
        ax.imshow(cm, cmap="Blues")
        for a in (0, 1):
            for b in (0, 1):
                ax.text(b, a, str(cm[a, b]), ha="center", va="center")
        ax.set(title=lab, xticks=[0, 1], yticks=[0, 1], xticklabels=["pred 0", "pred 1"], yticklabels=["gold 0", "gold 1"])
    _save(fig, out / f"{split}_confusion.png")
    plot_combinations(out / f"{split}_combinations.png", y, scores, labels, thresholds)
    return eces


def combo_names(y: np.ndarray, labels: list[str]) -> list[str]:
    return ["+".join(lab[:3] for lab, v in zip(labels, row) if v) or "none" for row in y]


def plot_combinations(path: Path, y: np.ndarray, scores: np.ndarray, labels: list[str],
                      thresholds: dict[str, float]) -> None:
    """Confusion matrix between gold and predicted label *combinations* (rows: gold)."""
    pred = np.stack([(scores[:, i] >= thresholds.get(lab, 0.5)).astype(int) for i, lab in enumerate(labels)], 1)
    gold_c, pred_c = combo_names(y, labels), combo_names(pred, labels)
    names = sorted(set(gold_c) | set(pred_c), key=lambda c: (c.count("+"), c != "none", c))
    idx = {c: k for k, c in enumerate(names)}
    cm = np.zeros((len(names), len(names)), dtype=int)
    for g, p in zip(gold_c, pred_c):
        cm[idx[g], idx[p]] += 1
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(names), 0.8 + 0.7 * len(names)))
    ax.imshow(cm, cmap="Blues")
    for a in range(len(names)):
        for b in range(len(names)):
            if cm[a, b]:
                ax.text(b, a, str(cm[a, b]), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set(xlabel="predicted combination", ylabel="gold combination", title="label combinations")
    _save(fig, path)
