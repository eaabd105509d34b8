"""Metrics shared by every model (BERT and baselines).

Document labels: per-label precision/recall/F1/support, micro and macro F1, subset accuracy,
Hamming loss, per-label PR-AUC, bootstrap 95% confidence intervals (resampling articles).
Legal references: span-level exact and overlap precision/recall/F1, and document-level F1
over the set of (instrument, article) pairs each article cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def label_matrix(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    idx = {lab: i for i, lab in enumerate(labels)}
    y = np.zeros((len(label_lists), len(labels)), dtype=np.int64)
    for r, labs in enumerate(label_lists):
        for lab in labs:
            y[r, idx[lab]] = 1
    return y


def _f1s(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    tp = (y & p).sum(0)
    fp = ((1 - y) & p).sum(0)
    fn = (y & (1 - p)).sum(0)
    denom = 2 * tp + fp + fn
    per = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    micro_d = 2 * tp.sum() + fp.sum() + fn.sum()
    return float(per.mean()), float(2 * tp.sum() / micro_d) if micro_d else 0.0


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray | None,
                           labels: Sequence[str], n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """All document-label metrics.

    Args:
        y_true, y_pred: ``[n_docs, n_labels]`` 0/1 arrays.
        scores: ``[n_docs, n_labels]`` probabilities (for PR-AUC), or None.
        n_boot: bootstrap resamples for the 95% intervals (0 = none).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0,
                                                 labels=list(range(len(labels))))
    per_label: dict[str, dict[str, float]] = {}
    for i, lab in enumerate(labels):
        per_label[lab] = {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        if scores is not None:
            per_label[lab]["pr_auc"] = (float(average_precision_score(y_true[:, i], scores[:, i]))
                                        if y_true[:, i].any() else float("nan"))
            per_label[lab]["ece"] = expected_calibration_error(y_true[:, i], scores[:, i])
    macro, micro = _f1s(y_true, y_pred)
    out: dict[str, Any] = {
        "n_docs": int(len(y_true)),
        "per_label": per_label,
        "macro_f1": macro,
        "micro_f1": micro,
        "subset_accuracy": float((y_true == y_pred).all(1).mean()) if len(y_true) else 0.0,
        "hamming_loss": float((y_true != y_pred).mean()) if len(y_true) else 0.0,
    }
    if n_boot and len(y_true):
        rng = np.random.default_rng(seed)
        boots = {"macro_f1": [], "micro_f1": []} | {f"f1_{lab}": [] for lab in labels}
        n = len(y_true)
        for _ in range(n_boot):
            idx = rng.integers(0, n, n)
            yt, yp = y_true[idx], y_pred[idx]
            ma, mi = _f1s(yt, yp)
            boots["macro_f1"].append(ma)
            boots["micro_f1"].append(mi)
            for i, lab in enumerate(labels):
                boots[f"f1_{lab}"].append(_f1s(yt[:, i : i + 1], yp[:, i : i + 1])[0])
        out["ci95"] = {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for k, v in boots.items()}
    return out


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-width bins over [0, 1]: sum over bins of |accuracy - confidence| x bin share."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(y[m].mean() - p[m].mean())
    return float(ece)


def fit_temperature(y: np.ndarray, p: np.ndarray) -> float:
    """Temperature T minimizing the BCE of sigmoid(logit(p) / T) on (dev) data."""
    from scipy.optimize import minimize_scalar

    z = np.log(np.clip(p, 1e-7, 1 - 1e-7) / np.clip(1 - p, 1e-7, 1))

    def nll(log_t: float) -> float:
        q = 1 / (1 + np.exp(-z / np.exp(log_t)))
        q = np.clip(q, 1e-7, 1 - 1e-7)
        return float(-(y * np.log(q) + (1 - y) * np.log(1 - q)).mean())

    res = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def fit_platt(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Platt scaling of (dev) scores: the temperature T and bias b of ``sigmoid(logit(p) / T + b)`` that minimise
    the log loss against Platt's smoothed targets ((N+ + 1) / (N+ + 2) for a positive, 1 / (N- + 2) for a
    negative), so that dev data where every positive outscores every negative (likely with a few real positives)
    still has a finite fit; T is bounded to [e^-3, e^3] like :func:`fit_temperature`'s and b to [-20, 20].
    With one class only, the temperature alone is fitted and the bias is 0."""
    from scipy.optimize import minimize

    y = np.asarray(y).astype(int)
    if y.min() == y.max():
        return fit_temperature(y, p), 0.0
    p = np.asarray(p, dtype=np.float64)  # float32 scores would give a coarser objective, hence another optimum
    z = np.log(np.clip(p, 1e-7, 1 - 1e-7) / np.clip(1 - p, 1e-7, 1))
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def nll(v: np.ndarray) -> float:
        q = np.clip(1 / (1 + np.exp(-(z / np.exp(v[0]) + v[1]))), 1e-12, 1 - 1e-12)
        return float(-(t * np.log(q) + (1 - t) * np.log(1 - q)).mean())

    res = minimize(nll, np.zeros(2), method="L-BFGS-B", bounds=[(-3, 3), (-20, 20)])
    return float(np.exp(res.x[0])), float(res.x[1])


def macro_f1_at(y_true: np.ndarray, scores: np.ndarray, thresholds: dict[str, float], labels: Sequence[str]) -> float:
    """Macro-F1 of ``scores >= threshold`` per label (F1 of a label with no positives and no predictions is 0)."""
    f1s = []
    for i, lab in enumerate(labels):
        pred = scores[:, i] >= thresholds.get(lab, 0.5)
        tp = float(np.sum(pred & (y_true[:, i] == 1)))
        denom = float(np.sum(pred)) + float(np.sum(y_true[:, i] == 1))
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


def tune_thresholds(y_true: np.ndarray, scores: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """Per-label threshold maximizing F1 on the given (dev) data; ties → threshold closest to 0.5."""
    out = {}
    for i, lab in enumerate(labels):
        cands = np.unique(np.concatenate([scores[:, i], [0.5]]))
        best, best_t = -1.0, 0.5
        for t in cands:
            pred = (scores[:, i] >= t).astype(np.int64)
            f = _f1s(y_true[:, i : i + 1], pred[:, None])[0]
            if f > best + 1e-12 or (abs(f - best) <= 1e-12 and abs(t - 0.5) < abs(best_t - 0.5)):
                best, best_t = f, float(t)
        out[lab] = best_t
    return out


def span_metrics(gold: Sequence[Sequence[dict[str, Any]]], pred: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """Span exact and overlap P/R/F1 and document-level (instrument, article) F1.

    Overlap counts a predicted span as correct if it overlaps an unmatched gold span
    (one-to-one matching, in order).
    """
    ex_tp = ex_fp = ex_fn = 0
    ov_tp_p = ov_tp_g = n_p = n_g = 0
    pair_tp = pair_fp = pair_fn = 0
    kind_ok = 0
    for g, p in zip(gold, pred):
        gs = {(x["start"], x["end"]): x for x in g}
        ps = {(x["start"], x["end"]): x for x in p}
        hit = set(gs) & set(ps)
        ex_tp += len(hit)
        ex_fp += len(ps) - len(hit)
        ex_fn += len(gs) - len(hit)
        kind_ok += sum(gs[k]["kind"] == ps[k]["kind"] for k in hit)
        n_p += len(ps)
        n_g += len(gs)
        used = set()
        for pk in sorted(ps):
            for gk in sorted(gs):
                if gk not in used and pk[0] < gk[1] and gk[0] < pk[1]:
                    used.add(gk)
                    ov_tp_p += 1
                    break
        ov_tp_g += len(used)
        gpairs = _pairs(g)
        ppairs = _pairs(p)
        pair_tp += len(gpairs & ppairs)
        pair_fp += len(ppairs - gpairs)
        pair_fn += len(gpairs - ppairs)
    exact = _prf(ex_tp, ex_fp, ex_fn)
    ov_p = ov_tp_p / n_p if n_p else 0.0
    ov_r = ov_tp_g / n_g if n_g else 0.0
    overlap = {"precision": ov_p, "recall": ov_r, "f1": 2 * ov_p * ov_r / (ov_p + ov_r) if ov_p + ov_r else 0.0}
    return {"exact": exact, "overlap": overlap, "doc_pairs": _prf(pair_tp, pair_fp, pair_fn),
            "kind_accuracy_on_exact": kind_ok / ex_tp if ex_tp else 0.0, "n_gold": n_g, "n_pred": n_p}


def _pairs(refs: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    for r in refs:
        inst = r.get("instrument") or "?"
        if r.get("articles"):
            out.update((inst, a) for a in r["articles"])
        elif r.get("instrument"):
            out.add((inst, ""))
    return out
