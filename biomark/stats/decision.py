"""Decision-curve analysis: net benefit over a grid of threshold probabilities
(Vickers & Elkin 2006, Med Decis Making 26:565).

At a threshold probability t a patient is treated when the predicted risk p >= t, and

    net benefit(t) = TP/n - FP/n * t / (1 - t)

(the odds t / (1 - t) is the exchange rate between false and true positives). The reference
strategies are *treat all* (everyone treated: prevalence - (1 - prevalence) * t / (1 - t)) and
*treat none* (net benefit 0). This agrees with the Python ``dcurves`` package (``dcurves.dca``,
version 1.1.7, ``>=`` comparison at the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._binary import _counts, _outcome
from ._errors import StatsError
from ._result import Result

__all__ = ["DecisionCurve", "net_benefit"]


@dataclass(frozen=True, eq=False)
class DecisionCurve(Result):
    """Decision-curve table, one entry per threshold.

    Attributes
    ----------
    threshold : ndarray
        Threshold probabilities t, in [0, 1).
    model : ndarray
        Net benefit of treating when p >= t.
    treat_all : ndarray
        Net benefit of treating everyone.
    treat_none : ndarray
        Net benefit of treating no one (zeros).
    tp_rate, fp_rate : ndarray
        TP/n and FP/n of the model at each threshold.
    prevalence : float
        Event fraction of the sample (used by treat-all).
    n : int
    """

    threshold: np.ndarray = field(repr=False)
    model: np.ndarray = field(repr=False)
    treat_all: np.ndarray = field(repr=False)
    treat_none: np.ndarray = field(repr=False)
    tp_rate: np.ndarray = field(repr=False)
    fp_rate: np.ndarray = field(repr=False)
    prevalence: float
    n: int

    def rows(self) -> list[dict[str, float]]:
        """The table as a list of row dicts (threshold, model, treat_all, treat_none)."""
        return [
            {"threshold": float(t), "model": float(m), "treat_all": float(a), "treat_none": float(z)}
            for t, m, a, z in zip(self.threshold, self.model, self.treat_all, self.treat_none, strict=True)
        ]


def net_benefit(
    y: Any,
    prob: Any,
    thresholds: Any = None,
    *,
    positive: Any = None,
) -> DecisionCurve:
    """Net benefit of a risk model, treat-all and treat-none over threshold probabilities.

    Parameters
    ----------
    y : array-like
        Outcome, 0/1 or booleans (or labels with ``positive=``).
    prob : array-like of float
        Predicted risks in [0, 1].
    thresholds : array-like of float, optional
        Threshold probabilities, each in [0, 1). Default 0, 0.01, ..., 0.99 (as dcurves).
    positive : optional
        Case label for label outcomes.

    Returns
    -------
    DecisionCurve

    Notes
    -----
    NB_model(t) = TP(t)/n - FP(t)/n * t/(1 - t) with TP, FP counted over p >= t;
    NB_all(t) = pi - (1 - pi) t/(1 - t); NB_none = 0 (Vickers & Elkin 2006).
    One sort of p and a binary search per threshold: O((n + k) log n).

    Raises
    ------
    StatsError
        Probabilities outside [0, 1] or nan, a threshold outside [0, 1) (t = 1 has infinite
        odds), an empty threshold grid, or only one outcome class.

    Examples
    --------
    >>> dc = net_benefit([0, 0, 1, 1, 0, 1], [0.2, 0.4, 0.3, 0.8, 0.6, 0.7], [0.25, 0.5])
    >>> dc.model.round(4).tolist(), dc.treat_all.round(4).tolist()
    ([0.3889, 0.1667], [0.3333, 0.0])
    """
    pos = _outcome(y, positive)
    p = np.asarray(prob, dtype=np.float64)
    if p.ndim != 1 or p.size != pos.size:
        raise StatsError(f"prob must be one-dimensional with the length of y ({pos.size}), got shape {p.shape}")
    if np.isnan(p).any():
        raise StatsError("prob contains missing values (nan); drop them first")
    if (p < 0).any() or (p > 1).any():
        raise StatsError("prob must be probabilities in [0, 1]")
    _counts(pos)
    t = np.arange(100) / 100.0 if thresholds is None else np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if t.ndim != 1 or t.size == 0:
        raise StatsError("thresholds must be a non-empty one-dimensional array")
    if np.isnan(t).any() or (t < 0).any() or (t >= 1).any():
        raise StatsError("thresholds must lie in [0, 1): at t = 1 the odds t/(1 - t) are infinite")
    n = pos.size
    order = np.argsort(p, kind="stable")
    ps = p[order]
    # cases among the samples with p < t, for every t, from cumulative counts
    ccase = np.concatenate(([0], np.cumsum(pos[order], dtype=np.int64)))
    below = np.searchsorted(ps, t, side="left")  # number of samples with p < t
    treated = n - below
    tp = ccase[-1] - ccase[below]
    fp = treated - tp
    odds = t / (1.0 - t)
    tp_rate = tp / n
    fp_rate = fp / n
    prevalence = float(ccase[-1] / n)
    return DecisionCurve(
        threshold=t,
        model=tp_rate - fp_rate * odds,
        treat_all=prevalence - (1.0 - prevalence) * odds,
        treat_none=np.zeros_like(t),
        tp_rate=tp_rate,
        fp_rate=fp_rate,
        prevalence=prevalence,
        n=int(n),
    )
