"""Fast performance measures used inside resampling loops (bootstrap, CV, permutations).

The reported, reference-checked statistics come from :mod:`biomark.stats`; these are the same
quantities computed without intervals so that hundreds of replicates stay cheap.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

EPS = 1e-12


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Mann–Whitney AUC (ties count 1/2), controls < cases; nan when one class is absent."""
    pos = y == 1
    n1 = int(pos.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(score)
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.log(q / (1 - q))


def recalibration(y: np.ndarray, p: np.ndarray, max_iter: int = 50) -> tuple[float, float]:
    """Intercept and slope of the logistic regression of ``y`` on ``logit(p)`` (as rms val.prob/validate).

    Newton–Raphson on two parameters; returns nans when the fit does not converge (separation).
    """
    x = logit(p)
    X = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(max_iter):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu)
        g = X.T @ (y - mu)
        H = (X * w[:, None]).T @ X
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return float("nan"), float("nan")
        beta = beta + step
        if not np.all(np.isfinite(beta)) or np.abs(beta).max() > 1e6:
            return float("nan"), float("nan")
        if np.abs(step).max() < 1e-10:
            return float(beta[0]), float(beta[1])
    return float("nan"), float("nan")


def all_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    a, b = recalibration(y, p)
    return {"auc": auc(y, p), "brier": brier(y, p), "intercept": a, "slope": b}
