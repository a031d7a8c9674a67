"""ROC analysis for a binary outcome: DeLong AUC, paired DeLong test, ROC coordinates,
Youden's threshold and the 2x2 metrics at a threshold.

Conventions (the same as R's pROC 1.18.0, against which this module is tested):

* The outcome ``y`` is given as 0/1 integers, booleans, or any two labels together with
  ``positive=`` naming the label of the cases (see :func:`_outcome`).
* ``direction="<"`` means controls have lower scores than cases: a sample is called positive
  when ``score >= threshold``. ``">"`` is the reverse (positive when ``score <= threshold``).
  ``"auto"`` picks ``"<"`` when ``median(controls) <= median(cases)`` and ``">"`` otherwise,
  exactly as ``pROC::roc(direction = "auto")`` does; the chosen direction is reported in the
  result. An explicit direction is never flipped, so an AUC below 0.5 is returned as it is.
* Ties between a case and a control count one half.

The DeLong variance uses the placement values of DeLong, DeLong & Clarke-Pearson (1988)
computed in O(n log n) with one sort of the pooled scores (Sun & Xu 2014): for every case the
fraction of controls below it (ties one half), for every control the fraction of cases above
it (ties one half).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ._binary import (
    Direction,
    _check_direction,
    _coords,
    _counts,
    _level,
    _normal_ci,
    _outcome,
    _resolve,
    _score,
    _sort,
    _Sorted,
)
from ._errors import StatsError
from ._result import Result

# Youden's threshold and the 2x2 metrics moved to biomark.stats.thresholds; importable from here as before
from .thresholds import ThresholdMetrics, YoudenThreshold, threshold_metrics, youden_threshold

__all__ = [
    "RocAuc",
    "RocCurve",
    "DelongTest",
    "YoudenThreshold",
    "ThresholdMetrics",
    "roc_auc",
    "roc_curve",
    "delong_test",
    "youden_threshold",
    "threshold_metrics",
]


def _placements(st: _Sorted, aligned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """DeLong placement values.

    ``v10[i]`` = (controls below case i + 0.5 * controls tied with it) / n_neg,
    ``v01[j]`` = (cases above control j + 0.5 * cases tied with it) / n_pos.
    With ``aligned`` two full-length arrays indexed like the input are returned (``v10[pos]``
    and ``v01[~pos]`` are then the placements of cases and controls in input order, needed to
    pair two scores); otherwise the placements of cases and of controls in sorted order
    (enough for one AUC and its variance).
    """
    m, k = float(st.n_pos), float(st.n_neg)
    if st.group is None:
        # no ties: cumulative counts at each element are the placements themselves
        sp = st.sorted_pos
        idx = np.arange(1, sp.size + 1, dtype=np.int64)
        v10_all = (idx - st.pos_through) / k  # controls at or below (none tied)
        v01_all = (m - st.pos_through) / m  # cases strictly above
    else:
        neg_before = np.concatenate(([0], st.neg_through[:-1]))
        pos_before = np.concatenate(([0], st.pos_through[:-1]))
        g10 = (neg_before + st.neg_through) / (2.0 * k)
        g01 = ((m - st.pos_through) + (m - pos_before)) / (2.0 * m)
        v10_all = g10[st.group]
        v01_all = g01[st.group]
        sp = st.sorted_pos
    if aligned:
        inv10 = np.empty_like(v10_all)
        inv10[st.order] = v10_all
        inv01 = np.empty_like(v01_all)
        inv01[st.order] = v01_all
        return inv10, inv01
    return v10_all[sp], v01_all[~sp]


def _delong(pos: np.ndarray, s: np.ndarray, direction: str) -> tuple[float, float, Direction]:
    """AUC, DeLong variance and the direction used."""
    st, d = _sort(pos, s, direction)
    v10, v01 = _placements(st)
    auc = float(np.mean(v10))
    var = float(np.var(v10, ddof=1) / st.n_pos + np.var(v01, ddof=1) / st.n_neg)
    return auc, var, d


# ----------------------------------------------------------------------------------------------
# public results
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RocAuc(Result):
    """Area under the ROC curve with its DeLong standard error and confidence interval.

    Attributes
    ----------
    auc : float
        P(score_case > score_control) + 0.5 P(tie), on the scale fixed by ``direction``.
    se : float
        DeLong standard error, sqrt(S10 / n_pos + S01 / n_neg).
    ci_low, ci_high : float
        auc -/+ z_{(1+ci)/2} * se, clipped to [0, 1] (as ``pROC::ci.auc(method="delong")``).
    direction : {"<", ">"}
        The direction used ("<": controls < cases); the chosen one when "auto" was asked.
    n_pos, n_neg : int
        Number of cases and of controls.
    ci : float
        The confidence level.
    """

    auc: float
    se: float
    ci_low: float
    ci_high: float
    direction: str
    n_pos: int
    n_neg: int
    ci: float


def roc_auc(
    y: Any,
    score: Any,
    *,
    direction: str = "auto",
    ci: float = 0.95,
    positive: Any = None,
) -> RocAuc:
    """Empirical AUC with DeLong's standard error and a Wald confidence interval.

    Parameters
    ----------
    y : array-like
        Outcome: booleans (True = case), 0/1 numbers (1 = case), or two labels with
        ``positive`` naming the case label.
    score : array-like of float
        Marker or model score. ``nan`` is an error; ``inf`` is allowed (it only enters ranks).
    direction : {"auto", "<", ">"}
        ``"<"``: controls < cases (higher score = case). ``"auto"`` chooses like pROC,
        from the medians of cases and controls, and reports the choice in ``direction``.
        An explicit direction is never flipped.
    ci : float
        Confidence level of the interval.
    positive : optional
        The label of the cases when ``y`` holds labels other than 0/1 or booleans.

    Returns
    -------
    RocAuc

    Notes
    -----
    With placements V10 (cases) and V01 (controls) -- see the module docstring --
    ``auc = mean(V10) = mean(V01)`` and ``var = var(V10)/n_pos + var(V01)/n_neg`` with
    sample variances (DeLong et al. 1988, Biometrics 44:837; Sun & Xu 2014, IEEE SPL
    21:1389). One sort of the pooled scores gives all placements; all counts are int64 and
    all averages float64, so nothing overflows at n >= 1e6. At least 2 cases and 2 controls are
    required (as pROC). With complete separation ``se == 0`` and the interval is [auc, auc].

    References: ``pROC::roc``, ``pROC::ci.auc(method = "delong")``, ``pROC::var``.

    Examples
    --------
    >>> r = roc_auc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.3, 0.7], direction="<")
    >>> round(r.auc, 4), round(r.se, 4), (r.n_pos, r.n_neg)
    (0.8889, 0.1571, (3, 3))
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos, minimum=2)
    level = _level(ci)
    auc, var, d = _delong(pos, s, _check_direction(direction))
    se = float(np.sqrt(max(var, 0.0)))
    lo, hi = _normal_ci(auc, se, level)
    n_pos = int(np.count_nonzero(pos))
    return RocAuc(
        auc=auc,
        se=se,
        ci_low=float(min(max(lo, 0.0), 1.0)),
        ci_high=float(min(max(hi, 0.0), 1.0)),
        direction=d,
        n_pos=n_pos,
        n_neg=int(pos.size - n_pos),
        ci=level,
    )


@dataclass(frozen=True)
class DelongTest(Result):
    """Paired DeLong test of two AUCs measured on the same samples.

    Attributes
    ----------
    auc_a, auc_b : float
        The two AUCs (each on its own direction).
    diff : float
        auc_a - auc_b.
    se : float
        Standard error of the difference from the DeLong covariance matrix.
    z, p : float
        z = diff / se; two-sided p = 2 Phi(-|z|).
    ci_low, ci_high : float
        diff -/+ z_{(1+ci)/2} se (not clipped; the difference lives in [-1, 1]).
    direction_a, direction_b : {"<", ">"}
        Directions used.
    n_pos, n_neg : int
    ci : float
    """

    auc_a: float
    auc_b: float
    diff: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    direction_a: str
    direction_b: str
    n_pos: int
    n_neg: int
    ci: float


def _direction_pair(direction: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(direction, str):
        return direction, direction
    try:
        dir_a, dir_b = direction
    except (TypeError, ValueError):
        raise StatsError(f"direction must be a string or a pair of strings, got {direction!r}") from None
    return dir_a, dir_b


def delong_test(
    y: Any,
    score_a: Any,
    score_b: Any,
    *,
    ci: float = 0.95,
    direction: str | tuple[str, str] = "<",
    positive: Any = None,
) -> DelongTest:
    """Paired DeLong test comparing the AUCs of two scores on the same samples.

    Parameters
    ----------
    y, positive
        Outcome, as in :func:`roc_auc`.
    score_a, score_b : array-like of float
        Two scores for the same samples in the same order.
    ci : float
        Confidence level for the interval of the difference.
    direction : str or (str, str)
        Direction of each score (``"<"``, ``">"`` or ``"auto"``); one string applies to both.
        The default ``"<"`` for both is what ``pROC::roc.test`` sees when both ROC curves were
        built with ``direction = "<"``.

    Notes
    -----
    With placement vectors of the two scores, S10 and S01 are the 2x2 sample covariance
    matrices over cases and over controls, ``S = S10/n_pos + S01/n_neg`` and
    ``var(diff) = S11 + S22 - 2 S12`` (DeLong et al. 1988). Matches
    ``pROC::roc.test(r1, r2, method = "delong", paired = TRUE)``.
    If the two scores rank every case/control pair identically the variance of the
    difference is zero and a StatsError is raised (the test is undefined).

    Examples
    --------
    >>> y = [0, 0, 1, 1, 0, 1, 0, 1]
    >>> t = delong_test(y, [0.1, 0.4, 0.35, 0.8, 0.3, 0.7, 0.2, 0.9], [0.3, 0.2, 0.5, 0.6, 0.4, 0.3, 0.1, 0.7])
    >>> round(t.auc_a, 4), round(t.auc_b, 4), round(t.p, 4)
    (0.9375, 0.9062, 0.8518)
    """
    pos = _outcome(y, positive)
    sa = _score(score_a, pos.size, "score_a")
    sb = _score(score_b, pos.size, "score_b")
    n_pos, n_neg = _counts(pos, minimum=2)
    level = _level(ci)
    dir_a, dir_b = _direction_pair(direction)
    sta, da = _sort(pos, sa, _check_direction(dir_a))
    stb, db = _sort(pos, sb, _check_direction(dir_b))
    va10, va01 = _placements(sta, aligned=True)
    vb10, vb01 = _placements(stb, aligned=True)
    v10 = np.vstack((va10[pos], vb10[pos]))
    v01 = np.vstack((va01[~pos], vb01[~pos]))
    auc_a, auc_b = float(v10[0].mean()), float(v10[1].mean())
    cov = np.cov(v10, ddof=1) / n_pos + np.cov(v01, ddof=1) / n_neg
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    diff = auc_a - auc_b
    scale = max(cov[0, 0] + cov[1, 1], np.finfo(float).tiny)
    if not var > 1e-14 * scale:
        raise StatsError(
            "the two scores order every case/control pair the same way: the variance of the "
            "AUC difference is zero and the DeLong test is undefined"
        )
    se = float(np.sqrt(var))
    z = diff / se
    p = float(2.0 * special.ndtr(-abs(z)))
    lo, hi = _normal_ci(diff, se, level)
    return DelongTest(auc_a=auc_a, auc_b=auc_b, diff=diff, se=se, z=float(z), p=p, ci_low=float(lo),
                      ci_high=float(hi), direction_a=da, direction_b=db, n_pos=n_pos, n_neg=n_neg, ci=level)


@dataclass(frozen=True, eq=False)
class RocCurve(Result):
    """ROC coordinates at every distinct threshold, ready for plotting.

    Attributes
    ----------
    thresholds : ndarray
        pROC's thresholds: -inf/+inf and the midpoints between consecutive distinct scores.
        For ``"<"`` they increase; for ``">"`` they decrease. Either way sensitivity falls from
        1 to 0 and specificity rises from 0 to 1 along the arrays.
    sensitivities, specificities : ndarray
        At each threshold; a sample is called positive when ``score >= t`` (``"<"``) or
        ``score <= t`` (``">"``).
    direction : {"<", ">"}
    auc : float
        Trapezoidal area under these points (equals the Mann-Whitney AUC).
    """

    thresholds: np.ndarray = field(repr=False)
    sensitivities: np.ndarray = field(repr=False)
    specificities: np.ndarray = field(repr=False)
    direction: str
    auc: float

    @property
    def fpr(self) -> np.ndarray:
        """1 - specificity (the x axis of the usual ROC plot)."""
        return 1.0 - self.specificities


def roc_curve(y: Any, score: Any, *, direction: str = "auto", positive: Any = None) -> RocCurve:
    """Empirical ROC curve (all thresholds) as arrays for plotting.

    Parameters as in :func:`roc_auc`. Thresholds and coordinates as ``pROC::roc``'s
    ``thresholds``, ``sensitivities`` and ``specificities``.

    Examples
    --------
    >>> c = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], direction="<")
    >>> c.sensitivities.tolist(), c.specificities.tolist(), c.auc
    ([1.0, 1.0, 0.5, 0.5, 0.0], [0.0, 0.5, 0.5, 1.0, 1.0], 0.75)
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos)
    d = _resolve(pos, s, direction)
    t, tp, tn, m, k = _coords(pos, s, d)
    sens = tp / m
    spec = tn / k
    auc = float(np.sum(np.diff(spec) * (sens[1:] + sens[:-1]) / 2.0))
    return RocCurve(thresholds=t, sensitivities=sens, specificities=spec, direction=d, auc=auc)
