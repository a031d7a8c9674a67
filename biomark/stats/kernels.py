"""Fast kernels for resampling loops: AUC, Brier score and logistic recalibration without intervals.

The reported statistics (:func:`~biomark.stats.roc_auc`, :func:`~biomark.stats.calibration`) compute
the same quantities with their intervals and tests; these kernels are what bootstrap, cross-validation
and permutation loops call hundreds of times, and tests/stats/test_kernels.py checks them against the
reference functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from ._result import Result

EPS = 1e-12


def auc_mann_whitney(y: np.ndarray, score: np.ndarray) -> float:
    """Mann–Whitney AUC, controls < cases, ties counting 1/2.

    ``AUC = (R_1 - n_1 (n_1 + 1) / 2) / (n_1 n_0)`` with ``R_1`` the sum of the cases' mid-ranks
    (Hanley & McNeil 1982); equals ``roc_auc(y, score, direction="<").auc``.

    Parameters
    ----------
    y : array of 0/1
        1 marks a case.
    score : array of float
        Higher means more likely a case.

    Returns
    -------
    float
        The AUC, or nan when one class is absent.

    Examples
    --------
    >>> auc_mann_whitney(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    pos = y == 1
    n1 = int(pos.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(score)
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier_score(y: np.ndarray, prob: np.ndarray) -> float:
    """Brier score ``mean((prob - y)^2)`` (Brier 1950), as rms ``val.prob``'s ``Brier``.

    Examples
    --------
    >>> brier_score(np.array([0, 1]), np.array([0.5, 0.5]))
    0.25
    """
    return float(np.mean((prob - y) ** 2))


def logit(prob: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` clipped to ``[1e-12, 1 - 1e-12]`` so that 0 and 1 stay finite.

    Examples
    --------
    >>> float(logit(np.array([0.5]))[0])
    0.0
    """
    q = np.clip(prob, EPS, 1 - EPS)
    return np.log(q / (1 - q))


@dataclass(frozen=True)
class Recalibration(Result):
    """Intercept and slope of the logistic recalibration ``logit P(y=1) = a + b logit(p)``.

    ``converged`` is False (and both values nan) when Newton's method did not converge, which
    happens under (quasi-)separation.
    """

    intercept: float
    slope: float
    converged: bool


def recalibration(y: np.ndarray, prob: np.ndarray, *, max_iter: int = 50) -> Recalibration:
    """Logistic recalibration of predicted probabilities, as rms ``val.prob`` and ``validate``.

    Maximum likelihood of ``logit P(y = 1) = a + b logit(p)`` by Newton–Raphson on the two
    parameters from ``(0, 0)``, stopping when no step exceeds 1e-10 (Cox 1958; Steyerberg 2019,
    ch. 15). The unpenalised fit, so it equals R ``glm(y ~ qlogis(p), binomial)`` to ~1e-10.

    Parameters
    ----------
    y : array of 0/1
    prob : array of float in [0, 1]
    max_iter : int
        Newton iterations before giving up.

    Returns
    -------
    Recalibration
        ``intercept``, ``slope`` and ``converged``; nan values when not converged.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 0, 1])
    >>> r = recalibration(y, np.array([0.2, 0.4, 0.3, 0.8, 0.6, 0.7]))
    >>> r.converged, round(r.slope, 4)
    (True, 1.1413)
    """
    x = logit(prob)
    X = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    nan = Recalibration(float("nan"), float("nan"), False)
    for _ in range(max_iter):
        mu = 1 / (1 + np.exp(-(X @ beta)))
        g = X.T @ (y - mu)
        H = (X * (mu * (1 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return nan
        beta = beta + step
        if not np.all(np.isfinite(beta)) or np.abs(beta).max() > 1e6:
            return nan
        if np.abs(step).max() < 1e-10:
            return Recalibration(float(beta[0]), float(beta[1]), True)
    return nan
