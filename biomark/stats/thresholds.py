"""Youden's threshold and the 2x2 metrics at a threshold, as pROC 1.18.0's ``coords``.

Direction and tie conventions as :mod:`biomark.stats.roc`; binomial intervals Wilson (1927) or
Clopper-Pearson (1934).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._binary import (
    Direction,
    _coords,
    _counts,
    _interval,
    _level,
    _outcome,
    _resolve,
    _score,
    _wilson,
)
from ._compat import renamed
from ._errors import StatsError
from ._result import Result

__all__ = ["ThresholdMetrics", "YoudenThreshold", "threshold_metrics", "youden_threshold"]


@dataclass(frozen=True)
class YoudenThreshold(Result):
    """Threshold maximising Youden's J = sensitivity + specificity - 1.

    Attributes
    ----------
    threshold : float
        pROC's threshold (midpoint between consecutive distinct scores), equal to
        ``coords(roc, "best", best.method = "youden")``.
    sensitivity, specificity : float
        At the threshold (positive when ``score >= threshold`` for ``"<"``).
    youden : float
        J at the threshold.
    sensitivity_ci_low, sensitivity_ci_high, specificity_ci_low, specificity_ci_high : float
        ``ci_method="wilson"``: Wilson intervals of sensitivity (over cases) and specificity
        (over controls) at the chosen threshold, taken as fixed -- they ignore that the
        threshold was chosen on the same data and are optimistic.
        ``ci_method="bootstrap"``: percentile intervals over stratified bootstrap resamples in
        which the threshold is re-chosen every time (honest about the selection).
    threshold_ci_low, threshold_ci_high : float or None
        Percentile interval of the threshold (bootstrap only; None with Wilson).
    n_optimal : int
        Number of thresholds reaching the maximal J. pROC returns them all; this returns the
        one with the highest sensitivity (the first along the ROC curve).
    direction : {"<", ">"}
    ci_method : str
    ci : float
    """

    threshold: float
    sensitivity: float
    specificity: float
    youden: float
    sensitivity_ci_low: float
    sensitivity_ci_high: float
    specificity_ci_low: float
    specificity_ci_high: float
    threshold_ci_low: float | None
    threshold_ci_high: float | None
    n_optimal: int
    direction: str
    ci_method: str
    ci: float


def _best(pos: np.ndarray, s: np.ndarray, d: Direction) -> tuple[float, int, int, int, int, int]:
    t, tp, tn, m, k = _coords(pos, s, d)
    # compare J exactly on the integer scale J * m * k = tp*k + tn*m (no float ties)
    crit = tp.astype(np.float64) * k + tn.astype(np.float64) * m
    best = crit.max()
    hits = np.flatnonzero(crit == best)
    j = int(hits[0])
    return float(t[j]), int(tp[j]), int(tn[j]), m, k, int(hits.size)


def _bootstrap_youden(pos: np.ndarray, s: np.ndarray, d: Direction, level: float, n_boot: int,
                      seed: int | None) -> np.ndarray:
    """Percentile limits (2 x 3: threshold, sensitivity, specificity) over stratified resamples."""
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 10):
        raise StatsError(f"n_boot must be an integer >= 10, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    cases, controls = s[pos], s[~pos]
    m, k = cases.size, controls.size
    lab = np.concatenate((np.ones(m, bool), np.zeros(k, bool)))
    out = np.empty((n_boot, 3))
    for b in range(n_boot):
        sb = np.concatenate((rng.choice(cases, m), rng.choice(controls, k)))
        tb, tpb, tnb, _, _, _ = _best(lab, sb, d)
        out[b] = (tb, tpb / m, tnb / k)
    a = (1.0 - level) / 2.0
    return np.quantile(out, [a, 1.0 - a], axis=0)


def youden_threshold(
    y: Any,
    score: Any,
    *,
    direction: str = "auto",
    ci: float = 0.95,
    ci_method: str = "wilson",
    n_boot: int = 2000,
    seed: int | None = 0,
    positive: Any = None,
) -> YoudenThreshold:
    """Youden-optimal threshold as ``pROC::coords(roc, "best", best.method = "youden")``.

    Parameters
    ----------
    y, score, direction, positive
        As in :func:`roc_auc`.
    ci : float
        Confidence level.
    ci_method : {"wilson", "bootstrap"}
        See :class:`YoudenThreshold`. The bootstrap resamples cases and controls separately
        (stratified, as pROC's ``ci.coords``), ``n_boot`` times, with ``seed``, keeping the
        direction fixed at the one chosen on the full data.

    Notes
    -----
    J(t) = sens(t) + spec(t) - 1 over pROC's candidate thresholds (including -inf and
    +inf). Youden (1950), Cancer 3:32.

    Examples
    --------
    >>> t = youden_threshold([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.7], direction="<")
    >>> round(t.threshold, 4), round(t.sensitivity, 4), round(t.specificity, 4)
    (0.325, 1.0, 0.6667)
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos)
    level = _level(ci)
    d = _resolve(pos, s, direction)
    t, tp, tn, m, k, n_opt = _best(pos, s, d)
    sens, spec = tp / m, tn / k
    if ci_method == "wilson":
        slo, shi = _wilson(tp, m, level)
        plo, phi = _wilson(tn, k, level)
        tlo = thi = None
        sens_ci = (float(slo), float(shi))
        spec_ci = (float(plo), float(phi))
    elif ci_method == "bootstrap":
        q = _bootstrap_youden(pos, s, d, level, n_boot, seed)
        tlo, thi = float(q[0, 0]), float(q[1, 0])
        sens_ci = (float(q[0, 1]), float(q[1, 1]))
        spec_ci = (float(q[0, 2]), float(q[1, 2]))
    else:
        raise StatsError(f"ci_method must be 'wilson' or 'bootstrap', got {ci_method!r}")
    return YoudenThreshold(
        threshold=t, sensitivity=float(sens), specificity=float(spec), youden=float(sens + spec - 1.0),
        sensitivity_ci_low=sens_ci[0], sensitivity_ci_high=sens_ci[1], specificity_ci_low=spec_ci[0],
        specificity_ci_high=spec_ci[1], threshold_ci_low=tlo, threshold_ci_high=thi, n_optimal=n_opt,
        direction=d, ci_method=ci_method, ci=level,
    )


@dataclass(frozen=True)
class ThresholdMetrics(Result):
    """2x2 table and its proportions at a fixed threshold.

    A sample is called positive when ``score >= threshold`` (direction ``"<"``) or
    ``score <= threshold`` (``">"``), as pROC's ``coords(roc, x = threshold)``.

    Attributes
    ----------
    tp, fp, tn, fn : int
    sensitivity = tp / (tp + fn), specificity = tn / (tn + fp),
    ppv = tp / (tp + fp), npv = tn / (tn + fn) : float
        Each with ``*_ci_low`` / ``*_ci_high`` from the binomial interval ``ci_method`` (the field
        ``method`` keeps its name: it is written into results.json).
        PPV (NPV) is ``nan`` with a ``nan`` interval when no sample is called positive
        (negative): the proportion has no denominator. This is the only nan the function
        returns, and the counts say why.
    """

    threshold: float
    direction: str
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: float
    sensitivity_ci_low: float
    sensitivity_ci_high: float
    specificity: float
    specificity_ci_low: float
    specificity_ci_high: float
    ppv: float
    ppv_ci_low: float
    ppv_ci_high: float
    npv: float
    npv_ci_low: float
    npv_ci_high: float
    method: str
    ci: float


@renamed(method="ci_method")
def threshold_metrics(
    y: Any,
    score: Any,
    threshold: float,
    *,
    ci_method: str = "wilson",
    direction: str = "<",
    ci: float = 0.95,
    positive: Any = None,
) -> ThresholdMetrics:
    """Sensitivity, specificity, PPV and NPV at ``threshold`` with binomial intervals.

    Parameters
    ----------
    y, score, positive
        As in :func:`roc_auc`; both classes must be present.
    threshold : float
        The cut-off; positive when ``score >= threshold`` (``"<"``) or ``<=`` (``">"``).
    ci_method : {"wilson", "clopper-pearson"}
        Wilson score interval (Wilson 1927) or exact Clopper-Pearson (1934) interval.
    direction : {"<", ">", "auto"}
        Default ``"<"``: higher score = case.
    ci : float
        Confidence level.

    Notes
    -----
    PPV and NPV are the sample's predictive values: they depend on the prevalence of the
    sample (no prevalence adjustment).

    Examples
    --------
    >>> m = threshold_metrics([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.7], 0.5)
    >>> m.tp, m.fp, m.tn, m.fn
    (2, 0, 3, 1)
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    level = _level(ci)
    interval = _interval(ci_method)
    thr = float(threshold)
    if np.isnan(thr):
        raise StatsError("threshold is nan")
    _counts(pos)
    d = _resolve(pos, s, direction)
    called = s >= thr if d == "<" else s <= thr
    tp = int(np.count_nonzero(called & pos))
    fp = int(np.count_nonzero(called & ~pos))
    fn = int(np.count_nonzero(~called & pos))
    tn = int(np.count_nonzero(~called & ~pos))

    def prop(name: str, num: int, den: int) -> dict[str, float]:
        if den == 0:
            return {name: float("nan"), f"{name}_ci_low": float("nan"), f"{name}_ci_high": float("nan")}
        lo, hi = interval(num, den, level)
        return {name: num / den, f"{name}_ci_low": float(lo), f"{name}_ci_high": float(hi)}

    return ThresholdMetrics(
        threshold=thr, direction=d, tp=tp, fp=fp, tn=tn, fn=fn,
        **prop("sensitivity", tp, tp + fn), **prop("specificity", tn, tn + fp),
        **prop("ppv", tp, tp + fp), **prop("npv", tn, tn + fn),
        method=ci_method,
        ci=level,
    )
