"""Partial AUC (McClish-standardised), stratified-bootstrap CIs of the AUC and the partial AUC, and
sensitivity at fixed specificity (and the reverse) with bootstrap CIs, as R's pROC 1.18.0.

Conventions are those of :mod:`.roc` (``direction="<"``: controls have lower scores; ties count
one half). The empirical ROC curve is the polyline through pROC's points (specificity rising from
0 to 1, sensitivity falling from 1 to 0). A partial area is the integral of that polyline over a
specificity range (``focus="specificity"``) or over a sensitivity range, linear interpolation at
the range ends, exactly as ``pROC::auc(partial.auc =, partial.auc.focus =)``.

The bootstrap resamples cases and controls separately (pROC's ``boot.stratified = TRUE``), keeps
the direction of the full-sample curve, and reports the percentile interval (R's ``quantile``
type 7). Each replicate is a vector of counts over the tie groups of the one pooled sort, so a
replicate costs O(n) after the single O(n log n) sort. pROC draws its own random numbers: the
bootstrap agrees with pROC within Monte-Carlo error, not digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._binary import _check_direction, _counts, _level, _outcome, _score, _sort
from ._errors import StatsError
from ._result import Result

__all__ = [
    "PartialAuc",
    "AucBootstrap",
    "OperatingPoints",
    "partial_auc",
    "auc_bootstrap",
    "sensitivity_at",
    "specificity_at",
]

_FOCUS = ("specificity", "sensitivity")


def _check_range(bounds: Any, name: str = "bounds") -> tuple[float, float]:
    """The (low, high) range of a partial AUC, each end in [0, 1] and low < high."""
    try:
        lo, hi = sorted(float(v) for v in bounds)
    except (TypeError, ValueError):
        raise StatsError(f"{name} must be two numbers in [0, 1], e.g. (0.8, 1.0); got {bounds!r}") from None
    if not (0.0 <= lo < hi <= 1.0):
        raise StatsError(
            f"{name} must be two different numbers in [0, 1] (a specificity or sensitivity range), got {bounds!r}"
        )
    return lo, hi


def _check_levels(values: Any, name: str) -> np.ndarray:
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if v.ndim != 1 or v.size == 0 or not np.all((v > 0.0) & (v < 1.0)):
        raise StatsError(f"{name} must be values strictly between 0 and 1, got {np.asarray(values).tolist()!r}")
    return v


def _check_focus(focus: str) -> str:
    if focus not in _FOCUS:
        raise StatsError(f"focus must be one of {_FOCUS}, got {focus!r}")
    return focus


class _Groups:
    """The pooled sort on the oriented scale as tie groups, with each case's and control's group."""

    def __init__(self, pos: np.ndarray, s: np.ndarray, direction: str) -> None:
        st, self.direction = _sort(pos, s, _check_direction(direction))
        group = st.group if st.group is not None else np.arange(pos.size, dtype=np.int64)
        self.n_groups = int(group[-1]) + 1
        sp = st.sorted_pos
        self.case_group = group[sp]
        self.control_group = group[~sp]
        self.m, self.k = st.n_pos, st.n_neg

    def counts(self, which: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Counts per tie group for the rows of resampled indices ``idx`` (B x size) into ``which``."""
        b = idx.shape[0]
        flat = which[idx] + (np.arange(b, dtype=np.int64) * self.n_groups)[:, None]
        return np.bincount(flat.ravel(), minlength=b * self.n_groups).reshape(b, self.n_groups).astype(np.float64)

    def curve(self, cp: np.ndarray, cn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sensitivity and specificity (B x (G + 1)) from case/control counts per group."""
        zero = np.zeros((cp.shape[0], 1))
        sens = 1.0 - np.hstack((zero, np.cumsum(cp, axis=1))) / self.m
        spec = np.hstack((zero, np.cumsum(cn, axis=1))) / self.k
        return sens, spec

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        cp = np.bincount(self.case_group, minlength=self.n_groups)[None, :].astype(np.float64)
        cn = np.bincount(self.control_group, minlength=self.n_groups)[None, :].astype(np.float64)
        return self.curve(cp, cn)


def _area(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Row-wise integral over [lo, hi] of the polylines through (x, y), x non-decreasing per row."""
    x0, x1, y0, y1 = x[:, :-1], x[:, 1:], y[:, :-1], y[:, 1:]
    a, b = np.clip(x0, lo, hi), np.clip(x1, lo, hi)
    width = x1 - x0
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(width > 0, (y1 - y0) / np.where(width > 0, width, 1.0), 0.0)
    ya, yb = y0 + slope * (a - x0), y0 + slope * (b - x0)
    return np.sum(np.where(b > a, (b - a) * (ya + yb) / 2.0, 0.0), axis=1)


def _pauc(sens: np.ndarray, spec: np.ndarray, bounds: tuple[float, float] | None, focus: str, correct: bool) -> np.ndarray:
    if bounds is None:
        return _area(spec, sens, 0.0, 1.0)
    lo, hi = bounds
    x, y = (spec, sens) if focus == "specificity" else (sens[:, ::-1], spec[:, ::-1])
    raw = _area(x, y, lo, hi)
    if not correct:
        return raw
    amin = (hi - lo) * (2.0 - lo - hi) / 2.0  # area under the chance diagonal
    amax = hi - lo
    return (1.0 + (raw - amin) / (amax - amin)) / 2.0


@dataclass(frozen=True)
class PartialAuc(Result):
    """Partial area under the ROC curve over a specificity or sensitivity range.

    Attributes
    ----------
    pauc : float
        The raw partial area (at most ``high - low``).
    corrected : float
        McClish's standardisation ``(1 + (pauc - min) / (max - min)) / 2`` with ``min`` the area
        under the chance diagonal over the range and ``max = high - low``: 0.5 for a useless marker,
        1 for a perfect one; nan when ``pauc < min`` (pROC returns NA there).
    low, high : float
        The range. focus : str
        ``"specificity"`` or ``"sensitivity"``. direction : str
        The direction used.
    """

    pauc: float
    corrected: float
    low: float
    high: float
    focus: str
    direction: str


def partial_auc(
    y: Any,
    score: Any,
    bounds: Any = (0.8, 1.0),
    *,
    focus: str = "specificity",
    direction: str = "<",
    positive: Any = None,
) -> PartialAuc:
    """Partial AUC over a specificity (or sensitivity) range, raw and McClish-corrected.

    Parameters
    ----------
    y, score, positive
        Outcome and score as in :func:`biomark.stats.roc_auc`.
    bounds : (float, float)
        The range of specificity (or sensitivity), both ends in [0, 1], in either order.
    focus : {"specificity", "sensitivity"}
        The axis the range is on (pROC's ``partial.auc.focus``).
    direction : {"<", ">", "auto"}
        As in :func:`biomark.stats.roc_auc`.

    Returns
    -------
    PartialAuc

    References
    ----------
    McClish DK (1989). Analyzing a portion of the ROC curve. Med Decis Making 9:190-195.
    R: ``pROC::auc(roc, partial.auc = c(1, 0.8), partial.auc.focus = "specificity",
    partial.auc.correct = TRUE)`` (pROC 1.18.0).

    Examples
    --------
    >>> r = partial_auc([0, 0, 0, 1, 1, 1], [0.1, 0.3, 0.5, 0.4, 0.7, 0.9], (0.5, 1.0))
    >>> round(r.pauc, 4), round(r.corrected, 4)
    (0.3889, 0.8519)
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos, minimum=1)
    lo, hi = _check_range(bounds)
    fo = _check_focus(focus)
    g = _Groups(pos, s, direction)
    sens, spec = g.full()
    raw = float(_pauc(sens, spec, (lo, hi), fo, False)[0])
    amin = (hi - lo) * (2.0 - lo - hi) / 2.0
    corr = float("nan") if raw < amin else float(_pauc(sens, spec, (lo, hi), fo, True)[0])
    return PartialAuc(pauc=raw, corrected=corr, low=lo, high=hi, focus=fo, direction=g.direction)


def _resample(g: _Groups, n_boot: int, rng: np.random.Generator, stat: Any) -> np.ndarray:
    """``stat(sens, spec)`` over ``n_boot`` stratified bootstrap curves, in blocks of bounded memory."""
    out = []
    block = max(1, min(n_boot, 4_000_000 // max(g.m + g.k, g.n_groups)))
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        cp = g.counts(g.case_group, rng.integers(0, g.m, size=(b, g.m)))
        cn = g.counts(g.control_group, rng.integers(0, g.k, size=(b, g.k)))
        out.append(stat(*g.curve(cp, cn)))
        done += b
    return np.concatenate(out, axis=0)


def _check_boot(n_boot: int) -> int:
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise StatsError(f"n_boot must be an integer >= 10, got {n_boot!r}")
    return int(n_boot)


@dataclass(frozen=True, eq=False)
class AucBootstrap(Result):
    """Stratified-bootstrap percentile CI of the AUC or of a partial AUC.

    Attributes
    ----------
    estimate : float
        The full-sample AUC (or partial AUC, corrected when ``correct``).
    ci_low, median, ci_high : float
        The (1 - ci)/2, 0.5 and (1 + ci)/2 quantiles of the replicates (R type 7), as the three
        numbers ``pROC::ci.auc(method = "bootstrap")`` prints.
    n_boot : int
    ci : float
    bounds : tuple or None
        The partial range, or None for the full AUC. focus : str
    correct : bool
    direction : str
    """

    estimate: float
    ci_low: float
    median: float
    ci_high: float
    n_boot: int
    ci: float
    bounds: tuple[float, float] | None
    focus: str
    correct: bool
    direction: str


def auc_bootstrap(
    y: Any,
    score: Any,
    *,
    bounds: Any = None,
    focus: str = "specificity",
    correct: bool = True,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
    direction: str = "<",
    positive: Any = None,
) -> AucBootstrap:
    """Stratified-bootstrap percentile CI of the AUC, or of the partial AUC over ``bounds``.

    Parameters
    ----------
    y, score, positive, direction
        As in :func:`biomark.stats.roc_auc`; the direction of the full sample is kept in every replicate.
    bounds : (float, float), optional
        A specificity (or sensitivity, with ``focus``) range for a partial AUC; None for the full AUC.
    focus : {"specificity", "sensitivity"}
    correct : bool
        McClish-correct the partial AUC (ignored for the full AUC).
    n_boot : int
        Number of replicates (pROC's ``boot.n``). ci : float
        Confidence level. seed : int
        Seed of numpy's default generator: the same seed gives the same interval.

    Returns
    -------
    AucBootstrap

    References
    ----------
    Carpenter J, Bithell J (2000). Bootstrap confidence intervals: when, which, what? Stat Med
    19:1141-1164. R: ``pROC::ci.auc(roc, method = "bootstrap", boot.n = 2000, boot.stratified = TRUE)``,
    with ``partial.auc =, partial.auc.correct = TRUE, reuse.auc = FALSE`` for the partial AUC.

    Examples
    --------
    >>> y = [0] * 20 + [1] * 20
    >>> s = list(range(20)) + [v + 8 for v in range(20)]
    >>> b = auc_bootstrap(y, s, n_boot=200, seed=1)
    >>> round(b.estimate, 3), b.ci_low < b.estimate < b.ci_high
    (0.82, True)
    """
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos, minimum=2)
    level = _level(ci)
    n_boot = _check_boot(n_boot)
    rg = None if bounds is None else _check_range(bounds)
    fo = _check_focus(focus)
    g = _Groups(pos, s, direction)
    est = float(_pauc(*g.full(), rg, fo, correct)[0])
    reps = _resample(g, n_boot, np.random.default_rng(seed), lambda se, sp: _pauc(se, sp, rg, fo, correct))
    reps = reps[np.isfinite(reps)]
    q = np.quantile(reps, [(1.0 - level) / 2.0, 0.5, (1.0 + level) / 2.0])
    return AucBootstrap(estimate=est, ci_low=float(q[0]), median=float(q[1]), ci_high=float(q[2]), n_boot=n_boot,
                        ci=level, bounds=rg, focus=fo, correct=bool(correct and rg is not None), direction=g.direction)


def _read_at(x: np.ndarray, y: np.ndarray, values: np.ndarray) -> np.ndarray:
    """pROC's ``coords(input =)``: y where the non-decreasing x equals each value (the first such
    point), else linear interpolation between the points either side. B x len(values)."""
    out = np.empty((x.shape[0], values.size))
    rows = np.arange(x.shape[0])
    for j, v in enumerate(values):
        i = np.minimum((x < v).sum(axis=1), x.shape[1] - 1)
        xi, yi = x[rows, i], y[rows, i]
        xp, yp = x[rows, i - 1], y[rows, i - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            interp = yi + (v - xi) / (xp - xi) * (yp - yi)
        out[:, j] = np.where(xi == v, yi, interp)
    return out


@dataclass(frozen=True, eq=False)
class OperatingPoints(Result):
    """Sensitivity at fixed specificities (or the reverse) with stratified-bootstrap CIs.

    Attributes
    ----------
    fixed : str
        ``"specificity"`` (sensitivities read at fixed specificities) or ``"sensitivity"``.
    at : ndarray
        The fixed values. estimate : ndarray
        The value read off the full-sample curve (pROC's ``coords(input =)``).
    lower, median, upper : ndarray
        Percentile quantiles of the bootstrap replicates (``pROC::ci.se`` / ``ci.sp``).
    n_boot : int
    ci : float
    direction : str
    """

    fixed: str
    at: np.ndarray = field(repr=False)
    estimate: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    median: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    n_boot: int
    ci: float
    direction: str


def _operating(y: Any, score: Any, values: Any, fixed: str, n_boot: int, ci: float, seed: int,
               direction: str, positive: Any) -> OperatingPoints:
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos, minimum=2)
    level = _level(ci)
    n_boot = _check_boot(n_boot)
    at = _check_levels(values, "specificities" if fixed == "specificity" else "sensitivities")
    g = _Groups(pos, s, direction)

    def read(se: np.ndarray, sp: np.ndarray) -> np.ndarray:
        return _read_at(sp, se, at) if fixed == "specificity" else _read_at(se[:, ::-1], sp[:, ::-1], at)

    est = read(*g.full())[0]
    reps = _resample(g, n_boot, np.random.default_rng(seed), read)
    q = np.quantile(reps, [(1.0 - level) / 2.0, 0.5, (1.0 + level) / 2.0], axis=0)
    return OperatingPoints(fixed=fixed, at=at, estimate=est, lower=q[0], median=q[1], upper=q[2],
                           n_boot=n_boot, ci=level, direction=g.direction)


def sensitivity_at(
    y: Any,
    score: Any,
    specificities: Any,
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
    direction: str = "<",
    positive: Any = None,
) -> OperatingPoints:
    """Sensitivity at fixed specificities, with stratified-bootstrap percentile CIs.

    Parameters
    ----------
    y, score, positive, direction
        As in :func:`biomark.stats.roc_auc`.
    specificities : float or array-like
        The specificities, each strictly between 0 and 1.
    n_boot, ci, seed
        As in :func:`auc_bootstrap`.

    Returns
    -------
    OperatingPoints

    References
    ----------
    Pepe MS (2003). The Statistical Evaluation of Medical Tests for Classification and Prediction,
    ch. 4. R: ``pROC::coords(roc, x, input = "specificity", ret = "sensitivity")`` and
    ``pROC::ci.se(roc, specificities = x, boot.n = 2000)``.

    Examples
    --------
    >>> y = [0] * 20 + [1] * 20
    >>> s = list(range(20)) + [v + 8 for v in range(20)]
    >>> r = sensitivity_at(y, s, [0.9], n_boot=200, seed=1)
    >>> r.estimate.tolist(), bool(r.lower[0] <= r.estimate[0] <= r.upper[0])
    ([0.5], True)
    """
    return _operating(y, score, specificities, "specificity", n_boot, ci, seed, direction, positive)


def specificity_at(
    y: Any,
    score: Any,
    sensitivities: Any,
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
    direction: str = "<",
    positive: Any = None,
) -> OperatingPoints:
    """Specificity at fixed sensitivities, with stratified-bootstrap percentile CIs.

    Parameters
    ----------
    y, score, positive, direction
        As in :func:`biomark.stats.roc_auc`.
    sensitivities : float or array-like
        The sensitivities, each strictly between 0 and 1.
    n_boot, ci, seed
        As in :func:`auc_bootstrap`.

    Returns
    -------
    OperatingPoints

    References
    ----------
    R: ``pROC::coords(roc, x, input = "sensitivity", ret = "specificity")`` and
    ``pROC::ci.sp(roc, sensitivities = x, boot.n = 2000)`` (pROC 1.18.0).

    Examples
    --------
    >>> y = [0] * 20 + [1] * 20
    >>> s = list(range(20)) + [v + 8 for v in range(20)]
    >>> specificity_at(y, s, [0.9], n_boot=200).estimate.tolist()
    [0.5]
    """
    return _operating(y, score, sensitivities, "sensitivity", n_boot, ci, seed, direction, positive)
