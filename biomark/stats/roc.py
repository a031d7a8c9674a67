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
from typing import Any, Literal

import numpy as np
from scipy import special, stats

from ._errors import StatsError
from ._result import Result

Direction = Literal["<", ">"]

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


# ----------------------------------------------------------------------------------------------
# input handling
# ----------------------------------------------------------------------------------------------


def _outcome(y: Any, positive: Any = None) -> np.ndarray:
    """Return the outcome as a boolean array (True = case).

    * ``positive`` given: ``y == positive`` are the cases; ``y`` must hold exactly two distinct
      labels and ``positive`` must be one of them.
    * ``positive`` not given: ``y`` must be boolean (True = case) or numeric with values in
      {0, 1} (1 = case). Anything else (strings, {1, 2}, ...) needs ``positive=``.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise StatsError(f"y must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise StatsError("y is empty")
    if positive is not None:
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise StatsError("y contains missing values (nan); drop them first")
        if arr.dtype.kind == "O" and any(v is None for v in arr):
            raise StatsError("y contains missing values (None); drop them first")
        labels = np.unique(arr)
        if positive not in set(labels.tolist()):
            raise StatsError(f"positive={positive!r} is not one of the labels in y: {labels.tolist()}")
        if labels.size > 2:
            raise StatsError(
                f"y must hold exactly two labels, found {labels.size}: {labels.tolist()[:10]}"
            )
        return arr == positive
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind in "iu":
        bad = (arr != 0) & (arr != 1)
    elif arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise StatsError("y contains missing values (nan); drop them first")
        bad = (arr != 0) & (arr != 1)
    else:
        raise StatsError(
            f"y has labels of type {arr.dtype}; pass positive=<label of the cases> "
            "or give y as 0/1 or booleans"
        )
    if bad.any():
        vals = np.unique(arr[bad])[:5].tolist()
        raise StatsError(
            f"y must be 0/1 or booleans (1/True = case), found {vals}; "
            "pass positive=<label of the cases> for other labels"
        )
    return arr == 1


def _score(score: Any, n: int, name: str = "score") -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional, got shape {s.shape}")
    if s.size != n:
        raise StatsError(f"{name} has length {s.size} but y has length {n}")
    if np.isnan(s).any():
        raise StatsError(f"{name} contains {int(np.isnan(s).sum())} missing values (nan); drop them first")
    return s


def _counts(pos: np.ndarray, *, minimum: int = 1) -> tuple[int, int]:
    n_pos = int(np.count_nonzero(pos))
    n_neg = int(pos.size - n_pos)
    if n_pos < minimum or n_neg < minimum:
        raise StatsError(
            f"need at least {minimum} case(s) and {minimum} control(s), "
            f"got {n_pos} case(s) and {n_neg} control(s)"
        )
    return n_pos, n_neg


def _level(ci: float) -> float:
    if not (isinstance(ci, (int, float)) and 0.0 < float(ci) < 1.0):
        raise StatsError(f"ci must be a confidence level strictly between 0 and 1, got {ci!r}")
    return float(ci)


def _check_direction(direction: Any, allow_auto: bool = True) -> str:
    allowed = ("<", ">", "auto") if allow_auto else ("<", ">")
    if direction not in allowed:
        raise StatsError(f"direction must be one of {allowed}, got {direction!r}")
    return str(direction)


def _auto_direction(pos: np.ndarray, s: np.ndarray) -> Direction:
    """pROC's rule: ``"<"`` if median(controls) <= median(cases), else ``">"``."""
    return "<" if np.median(s[~pos]) <= np.median(s[pos]) else ">"


def _resolve(pos: np.ndarray, s: np.ndarray, direction: str) -> Direction:
    direction = _check_direction(direction)
    if direction == "auto":
        return _auto_direction(pos, s)
    return direction  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# the one-sort engine
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sorted:
    """Pooled scores sorted once, with the tie groups and cumulative class counts."""

    values: np.ndarray  # distinct sorted scores (length G)
    pos_through: np.ndarray  # cases with score <= values[g] (int64, length G)
    neg_through: np.ndarray  # controls with score <= values[g]
    order: np.ndarray  # argsort of the pooled scores
    sorted_pos: np.ndarray  # case flags in sorted order
    group: np.ndarray | None  # group index of each sorted element (None if no ties)
    n_pos: int
    n_neg: int


def _median_sorted(v: np.ndarray) -> float:
    """Median of an already sorted array (R's ``median``: mean of the two middle values)."""
    h = v.size // 2
    return float(v[h]) if v.size % 2 else float((v[h - 1] + v[h]) / 2.0)


def _sort(pos: np.ndarray, s: np.ndarray, direction: str) -> tuple[_Sorted, Direction]:
    """Sort the pooled scores once and build the tie groups on the oriented scale.

    ``direction="auto"`` is resolved here from the sorted cases and controls (pROC's median
    rule) so that no second pass is needed; ``">"`` reverses the sorted arrays and negates
    the values (the oriented scale is ``-score``).
    """
    n_pos = int(np.count_nonzero(pos))
    n_neg = pos.size - n_pos
    order = np.argsort(s)
    ss = s[order]
    sp = pos[order]
    if direction == "auto":
        d: Direction = "<" if _median_sorted(ss[~sp]) <= _median_sorted(ss[sp]) else ">"
    else:
        d = direction  # type: ignore[assignment]
    if d == ">":
        order = order[::-1]
        ss = -ss[::-1]
        sp = sp[::-1]
    new = ss[1:] != ss[:-1]
    cpos = np.cumsum(sp, dtype=np.int64)
    if new.all():
        idx = np.arange(1, pos.size + 1, dtype=np.int64)
        return _Sorted(ss, cpos, idx - cpos, order, sp, None, n_pos, n_neg), d
    ends = np.flatnonzero(np.append(new, True))  # last index of each tie group
    pos_through = cpos[ends]
    neg_through = ends + 1 - pos_through
    group = np.empty(pos.size, dtype=np.int64)
    group[0] = 0
    np.cumsum(new, out=group[1:])
    return _Sorted(ss[ends], pos_through, neg_through, order, sp, group, n_pos, n_neg), d


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


def _normal_ci(est: float, se: float, level: float) -> tuple[float, float]:
    zq = float(special.ndtri(0.5 + level / 2.0))
    return est - zq * se, est + zq * se


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
    """
    pos = _outcome(y, positive)
    sa = _score(score_a, pos.size, "score_a")
    sb = _score(score_b, pos.size, "score_b")
    n_pos, n_neg = _counts(pos, minimum=2)
    level = _level(ci)
    if isinstance(direction, str):
        dir_a = dir_b = direction
    else:
        try:
            dir_a, dir_b = direction
        except (TypeError, ValueError):
            raise StatsError(f"direction must be a string or a pair of strings, got {direction!r}") from None
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
    return DelongTest(
        auc_a=auc_a,
        auc_b=auc_b,
        diff=diff,
        se=se,
        z=float(z),
        p=p,
        ci_low=float(lo),
        ci_high=float(hi),
        direction_a=da,
        direction_b=db,
        n_pos=n_pos,
        n_neg=n_neg,
        ci=level,
    )


# ----------------------------------------------------------------------------------------------
# thresholds
# ----------------------------------------------------------------------------------------------


def _midpoints(u: np.ndarray) -> np.ndarray:
    """pROC's candidate thresholds on the oriented scale: -inf, midpoints of consecutive
    distinct values, +inf. If rounding puts a midpoint on the lower value it is moved to the
    upper one, so that ``score >= t`` still separates the two groups."""
    lo = np.concatenate(([-np.inf], u))
    hi = np.concatenate((u, [np.inf]))
    with np.errstate(over="ignore", invalid="ignore"):
        t = (lo + hi) / 2.0
        big = ~(np.abs(t) <= 1e100)
        t[big] = lo[big] / 2.0 + hi[big] / 2.0
    t[0], t[-1] = -np.inf, np.inf
    inner = t[1:-1]
    bump = inner == u[:-1]
    inner[bump] = u[1:][bump]
    return t


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


def _coords(pos: np.ndarray, s: np.ndarray, d: Direction) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Thresholds (on the original scale) and the counts of true positives and true
    negatives at each, for direction ``d``."""
    st, _ = _sort(pos, s, d)
    t = _midpoints(st.values)
    pos_before = np.concatenate(([0], st.pos_through))  # cases below threshold j
    neg_before = np.concatenate(([0], st.neg_through))
    tp = st.n_pos - pos_before
    tn = neg_before
    if d == ">":
        t = -t
    return t, tp, tn, st.n_pos, st.n_neg


def roc_curve(y: Any, score: Any, *, direction: str = "auto", positive: Any = None) -> RocCurve:
    """Empirical ROC curve (all thresholds) as arrays for plotting.

    Parameters as in :func:`roc_auc`. Thresholds and coordinates as ``pROC::roc``'s
    ``thresholds``, ``sensitivities`` and ``specificities``.
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


def _wilson(k: np.ndarray | int, n: np.ndarray | int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (Wilson 1927)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = float(special.ndtri(0.5 + level / 2.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1.0 + z * z / n
        centre = (phat + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(phat * (1.0 - phat) / n + z * z / (4.0 * n * n)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    return lo, hi


def _clopper_pearson(k: np.ndarray | int, n: np.ndarray | int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson 1934) interval from beta quantiles."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    a = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, stats.beta.ppf(a, k, n - k + 1), 0.0)
        hi = np.where(k < n, stats.beta.ppf(1.0 - a, k + 1, n - k), 1.0)
    return lo, hi


_INTERVALS = {"wilson": _wilson, "clopper-pearson": _clopper_pearson}


def _interval(method: str) -> Any:
    try:
        return _INTERVALS[method]
    except KeyError:
        raise StatsError(f"method must be one of {sorted(_INTERVALS)}, got {method!r}") from None


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
        if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 10):
            raise StatsError(f"n_boot must be an integer >= 10, got {n_boot!r}")
        rng = np.random.default_rng(seed)
        cases, controls = s[pos], s[~pos]
        lab = np.concatenate((np.ones(m, bool), np.zeros(k, bool)))
        out = np.empty((n_boot, 3))
        for b in range(n_boot):
            sb = np.concatenate((rng.choice(cases, m), rng.choice(controls, k)))
            tb, tpb, tnb, _, _, _ = _best(lab, sb, d)
            out[b] = (tb, tpb / m, tnb / k)
        a = (1.0 - level) / 2.0
        q = np.quantile(out, [a, 1.0 - a], axis=0)
        tlo, thi = float(q[0, 0]), float(q[1, 0])
        sens_ci = (float(q[0, 1]), float(q[1, 1]))
        spec_ci = (float(q[0, 2]), float(q[1, 2]))
    else:
        raise StatsError(f"ci_method must be 'wilson' or 'bootstrap', got {ci_method!r}")
    return YoudenThreshold(
        threshold=t,
        sensitivity=float(sens),
        specificity=float(spec),
        youden=float(sens + spec - 1.0),
        sensitivity_ci_low=sens_ci[0],
        sensitivity_ci_high=sens_ci[1],
        specificity_ci_low=spec_ci[0],
        specificity_ci_high=spec_ci[1],
        threshold_ci_low=tlo,
        threshold_ci_high=thi,
        n_optimal=n_opt,
        direction=d,
        ci_method=ci_method,
        ci=level,
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
        Each with ``*_ci_low`` / ``*_ci_high`` from the binomial interval ``method``.
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


def threshold_metrics(
    y: Any,
    score: Any,
    threshold: float,
    *,
    method: str = "wilson",
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
    method : {"wilson", "clopper-pearson"}
        Wilson score interval (Wilson 1927) or exact Clopper-Pearson (1934) interval.
    direction : {"<", ">", "auto"}
        Default ``"<"``: higher score = case.
    ci : float
        Confidence level.

    Notes
    -----
    PPV and NPV are the sample's predictive values: they depend on the prevalence of the
    sample (no prevalence adjustment).
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    level = _level(ci)
    interval = _interval(method)
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

    def prop(num: int, den: int) -> tuple[float, float, float]:
        if den == 0:
            return float("nan"), float("nan"), float("nan")
        lo, hi = interval(num, den, level)
        return num / den, float(lo), float(hi)

    se = prop(tp, tp + fn)
    sp = prop(tn, tn + fp)
    pp = prop(tp, tp + fp)
    nv = prop(tn, tn + fn)
    return ThresholdMetrics(
        threshold=thr,
        direction=d,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        sensitivity=se[0],
        sensitivity_ci_low=se[1],
        sensitivity_ci_high=se[2],
        specificity=sp[0],
        specificity_ci_low=sp[1],
        specificity_ci_high=sp[2],
        ppv=pp[0],
        ppv_ci_low=pp[1],
        ppv_ci_high=pp[2],
        npv=nv[0],
        npv_ci_low=nv[1],
        npv_ci_high=nv[2],
        method=method,
        ci=level,
    )
