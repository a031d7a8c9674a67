"""Calibration of predicted probabilities for a binary outcome, as ``rms::val.prob`` (rms 6.5.0)
defines it, plus Hosmer-Lemeshow and plotting-ready calibration curves.

Definitions (p = predicted probability, y = 0/1 outcome, L = logit(p)):

* ``intercept``, ``slope``: the two coefficients of the logistic regression y ~ a + b L
  (``val.prob``'s "Intercept" and "Slope" both come from this joint fit, ``lrm.fit(logit, y)``).
  Ideal: 0 and 1.
* ``citl``: calibration-in-the-large, the intercept of y ~ a + offset(L) (slope fixed at 1).
  Not printed by ``val.prob`` (which fits it only as a starting point); given here because it
  is the usual "mean calibration" number. Ideal: 0.
* ``brier``: mean((p - y)^2).
* ``emax``, ``eavg``, ``e90``: max, mean and 90th percentile (R's type-7 quantile) of
  |p - s(p)| where s is ``lowess(p, y, iter = 0)`` (f = 2/3, delta = 1% of the range of p)
  evaluated at every observed p (Austin & Steyerberg 2019, Stat Med 38:4051).
* ``spiegelhalter_z`` = sum((y - p)(1 - 2p)) / sqrt(sum((1 - 2p)^2 p (1 - p))), two-sided
  normal ``spiegelhalter_p`` (Spiegelhalter 1986, Stat Med 5:421).
* Hosmer-Lemeshow (Hosmer & Lemeshow 1980): groups cut at the quantiles
  k/groups (k = 0..groups, R's type 7) of p, intervals closed on the right with the lowest
  included (R's ``cut(p, quantile(p, 0:g/g), include.lowest = TRUE)``); duplicated cut points are
  merged, so ``hl_groups`` can be smaller than ``groups`` when p has many ties.
  HL = sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g)), chi-square with hl_groups - 2 df.
* ``c_index``: ``val.prob``'s "C (ROC)". rms computes it inside ``lrm.fit`` from the fitted
  probability of its offset-free model on ``logit(p)``, i.e. ``plogis(qlogis(p))``, grouped into bins
  of width 1/5000 (floor(5000 plogis(qlogis(p)))). The round trip through the logit matters when p
  sits on the 1/5000 grid (p rounded to 4 decimals: 0.5 ulp moves p into the bin below), so it is
  done here too. The binned C differs from the exact AUC by
  up to ~1e-4; ``c_index`` reproduces the rms number (verified against rms 6.5.0 on four data
  sets) and ``auc`` is the exact Mann-Whitney AUC of p.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from ._binary import _clopper_pearson, _counts, _outcome, _score, _wilson
from ._compat import renamed
from ._errors import StatsError
from ._result import Result
from .roc import roc_auc

__all__ = ["Calibration", "CalibrationCurve", "calibration", "calibration_curve"]


def _prob(prob: Any, n: int) -> np.ndarray:
    p = _score(prob, n, "prob")
    if (p < 0).any() or (p > 1).any():
        bad = p[(p < 0) | (p > 1)][:3].tolist()
        raise StatsError(f"prob must be probabilities in [0, 1], found {bad}")
    return p


def _inputs(y: Any, prob: Any, positive: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = _outcome(y, positive)
    p = _prob(prob, pos.size)
    _counts(pos)
    if np.ptp(p) == 0:
        raise StatsError(
            f"all predicted probabilities are equal ({p[0]!r}): calibration slope and curve are "
            "undefined (rms::val.prob returns a degenerate row in this case)"
        )
    return pos.astype(np.float64), p


def _lowess(y: np.ndarray, p: np.ndarray, frac: float = 2.0 / 3.0) -> np.ndarray:
    """R's ``lowess(p, y, iter = 0)`` evaluated at every p (ties share a fitted value, which is
    what ``approx(..., ties = mean)`` in val.prob then returns)."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    # on degenerate inputs (a window with one distinct p) statsmodels divides 0 by 0 inside a
    # weight it then discards: the fitted values stay finite, the warning is noise
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return lowess(y, p, frac=frac, it=0, delta=0.01 * float(np.ptp(p)), return_sorted=False)


def _logistic(y: np.ndarray, x: np.ndarray | None, offset: np.ndarray) -> np.ndarray:
    """Maximum-likelihood logistic regression of y on [1, x] (or [1]) with an offset."""
    # the GLM module, not statsmodels.api: the same class, without the API's ~0.3-0.5 s of imports
    # (formulas, time series, graphics) that a validate run paid at its first calibration
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    exog = np.ones((y.size, 1)) if x is None else np.column_stack((np.ones(y.size), x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GLM(y, exog, family=families.Binomial(), offset=offset).fit(tol=1e-12, maxiter=200)
    params = np.asarray(fit.params, dtype=float)
    if not np.all(np.isfinite(params)) or not fit.converged:
        raise StatsError("the logistic calibration fit did not converge")
    return params


def _hl_groups(p: np.ndarray, groups: int) -> np.ndarray:
    """Group index 0..G-1 of every p: cut at the type-7 quantiles, right-closed, lowest included,
    duplicated breaks merged."""
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, groups + 1)))
    # right-closed (a, b]: index of the first break >= p; the minimum goes to the first interval
    idx = np.searchsorted(breaks, p, side="left")
    return np.clip(idx, 1, breaks.size - 1) - 1


def _hosmer_lemeshow(y: np.ndarray, p: np.ndarray, groups: int) -> tuple[float, float, int]:
    g = _hl_groups(p, groups)
    n_g = np.bincount(g).astype(float)
    keep = n_g > 0
    o = np.bincount(g, weights=y)[keep]
    e = np.bincount(g, weights=p)[keep]
    n_g = n_g[keep]
    k = int(n_g.size)
    if k < 3:
        raise StatsError(
            f"Hosmer-Lemeshow needs at least 3 groups but the predicted probabilities form only {k} "
            "(too many ties); df = groups - 2 would be <= 0"
        )
    if np.any(e <= 0) or np.any(e >= n_g):
        raise StatsError(
            "Hosmer-Lemeshow is undefined: a group has all predicted probabilities equal to 0 or 1"
        )
    stat = float(np.sum((o - e) ** 2 / (e * (1.0 - e / n_g))))
    return stat, float(stats.chi2.sf(stat, k - 2)), k


def _fit_rows(y01: np.ndarray, p: np.ndarray, finite: np.ndarray, n_extreme: int,
              extreme: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the logistic fits (p strictly inside (0, 1)), checked: two classes, not separated."""
    if n_extreme and extreme == "error":
        raise StatsError(
            f"{n_extreme} predicted probabilities are exactly 0 or 1 (infinite logit); "
            "pass extreme='drop' to leave them out of the logistic fits as rms::val.prob does, "
            "or clip them, e.g. np.clip(prob, 1e-8, 1 - 1e-8)"
        )
    yf, pf = y01[finite], p[finite]
    if yf.min() == yf.max():
        raise StatsError("after leaving out probabilities of 0 or 1 only one outcome class remains")
    if np.ptp(pf) == 0:
        raise StatsError("after leaving out probabilities of 0 or 1 all remaining probabilities are equal")
    case, ctrl = pf[yf == 1], pf[yf == 0]
    if ctrl.max() <= case.min() or case.max() <= ctrl.min():
        raise StatsError(
            "the outcome is completely separated by the predicted probabilities: "
            "the logistic calibration slope is infinite"
        )
    return yf, pf


def _spiegelhalter(y01: np.ndarray, p: np.ndarray) -> float:
    """Spiegelhalter's z = sum((y - p)(1 - 2p)) / sqrt(sum((1 - 2p)^2 p (1 - p)))."""
    w = 1.0 - 2.0 * p
    den = float(np.sum(w * w * p * (1.0 - p)))
    if den <= 0:
        raise StatsError("Spiegelhalter's z is undefined: every probability is 0, 0.5 or 1")
    return float(np.sum((y01 - p) * w) / np.sqrt(den))


@dataclass(frozen=True)
class Calibration(Result):
    """Calibration statistics of predicted probabilities (see the module docstring for the
    exact definitions; they are those of ``rms::val.prob``).

    Attributes
    ----------
    intercept, slope : float
        Logistic recalibration y ~ a + b logit(p) (val.prob "Intercept", "Slope").
    citl : float
        Calibration-in-the-large: intercept of y ~ a + offset(logit(p)).
    brier : float
    emax, eavg, e90 : float
        From the lowess calibration curve.
    spiegelhalter_z, spiegelhalter_p : float
    hl_stat, hl_p : float
        Hosmer-Lemeshow statistic and its chi-square p with ``hl_groups - 2`` df.
    hl_groups : int
        Number of groups actually formed.
    c_index : float
        val.prob's "C (ROC)": AUC of floor(5000 plogis(logit(p))) (rms bins before ranking), over the
        rows used in the logistic fits (without p of 0 or 1, as val.prob).
    auc : float
        Exact AUC of p over all rows (higher p = case).
    n, n_events : int
    n_extreme : int
        Probabilities exactly 0 or 1 left out of the logistic fits (``extreme="drop"``).
    """

    intercept: float
    slope: float
    citl: float
    brier: float
    emax: float
    eavg: float
    e90: float
    spiegelhalter_z: float
    spiegelhalter_p: float
    hl_stat: float
    hl_p: float
    hl_groups: int
    c_index: float
    auc: float
    n: int
    n_events: int
    n_extreme: int


def calibration(
    y: Any,
    prob: Any,
    *,
    groups: int = 10,
    extreme: str = "error",
    positive: Any = None,
) -> Calibration:
    """Calibration of predicted probabilities, matching ``rms::val.prob(p, y)`` (rms 6.5.0).

    Parameters
    ----------
    y : array-like
        Outcome, 0/1 or booleans (or labels with ``positive=``, as in :func:`biomark.stats.roc_auc`).
    prob : array-like of float
        Predicted probabilities of the outcome, in [0, 1].
    groups : int
        Number of Hosmer-Lemeshow groups (quantile groups of p), at least 3.
    extreme : {"error", "drop"}
        What to do with probabilities of exactly 0 or 1, whose logit is infinite.
        ``"error"`` (default) raises StatsError. ``"drop"`` does what val.prob does: leaves them out
        of the logistic fits (intercept, slope, citl) and keeps them for everything else;
        ``n_extreme`` counts them.
    positive : optional
        Case label for label outcomes.

    Raises
    ------
    StatsError
        p outside [0, 1] or nan; one outcome class only; all p equal (val.prob returns a
        degenerate row there; here it is an error); p of 0 or 1 with ``extreme="error"``;
        outcome completely separated by p (the logistic slope is infinite); fewer than 3
        Hosmer-Lemeshow groups.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> prob = rng.uniform(0.05, 0.95, 200)
    >>> y = (rng.random(200) < prob).astype(int)
    >>> cal = calibration(y, prob)
    >>> round(cal.slope, 3), round(cal.brier, 3), cal.hl_groups
    (1.133, 0.167, 10)
    """
    y01, p = _inputs(y, prob, positive)
    if not (isinstance(groups, (int, np.integer)) and 3 <= groups <= p.size):
        raise StatsError(f"groups must be an integer between 3 and n = {p.size}, got {groups!r}")
    if extreme not in ("error", "drop"):
        raise StatsError(f"extreme must be 'error' or 'drop', got {extreme!r}")
    finite = (p > 0) & (p < 1)
    n_extreme = int(p.size - np.count_nonzero(finite))
    yf, pf = _fit_rows(y01, p, finite, n_extreme, extreme)
    logit = special.logit(pf)
    intercept, slope = _logistic(yf, logit, np.zeros_like(logit))
    (citl,) = _logistic(yf, None, logit)
    brier = float(np.mean((p - y01) ** 2))
    er = np.abs(p - _lowess(y01, p))
    z = _spiegelhalter(y01, p)
    hl_stat, hl_p, hl_k = _hosmer_lemeshow(y01, p, groups)
    # rms bins plogis(qlogis(p)), not p: they differ on the 1/5000 grid (issue 13)
    c_binned = roc_auc(yf, np.floor(special.expit(logit) * 5000.0), direction="<").auc
    c_exact = roc_auc(y01, p, direction="<").auc
    return Calibration(
        intercept=float(intercept), slope=float(slope), citl=float(citl), brier=brier, emax=float(er.max()),
        eavg=float(er.mean()), e90=float(np.quantile(er, 0.9)), spiegelhalter_z=z,
        spiegelhalter_p=float(2.0 * special.ndtr(-abs(z))), hl_stat=hl_stat, hl_p=hl_p, hl_groups=hl_k,
        c_index=float(c_binned), auc=float(c_exact), n=int(p.size), n_events=int(y01.sum()), n_extreme=n_extreme,
    )


@dataclass(frozen=True, eq=False)
class CalibrationCurve(Result):
    """Smoothed and binned calibration curves, ready for plotting.

    Attributes
    ----------
    grid : ndarray
        Evenly spaced predicted probabilities from min(p) to max(p).
    smooth, smooth_low, smooth_high : ndarray
        lowess (f = ``frac``, iter = 0, as val.prob) of y on p, interpolated on ``grid``; and the
        pointwise percentile bootstrap interval (``n_boot`` resamples of (y, p) pairs, ``seed``).
        A resample's curve is used only inside the range of its own p (no extrapolation), so
        near the ends fewer resamples contribute. The interval bounds are clipped to [0, 1];
        the curve itself is not (lowess can leave [0, 1] a little at the ends). With
        ``n_boot=0`` the bounds are None.
    bin_predicted, bin_observed : ndarray
        Mean predicted probability and observed event fraction per quantile group (the
        Hosmer-Lemeshow groups).
    bin_low, bin_high : ndarray
        Binomial interval of the observed fraction (``ci_method``: Wilson or Clopper-Pearson).
    bin_n, bin_events : ndarray of int
    ci : float
    """

    grid: np.ndarray = field(repr=False)
    smooth: np.ndarray = field(repr=False)
    smooth_low: np.ndarray | None = field(repr=False)
    smooth_high: np.ndarray | None = field(repr=False)
    bin_predicted: np.ndarray = field(repr=False)
    bin_observed: np.ndarray = field(repr=False)
    bin_low: np.ndarray = field(repr=False)
    bin_high: np.ndarray = field(repr=False)
    bin_n: np.ndarray = field(repr=False)
    bin_events: np.ndarray = field(repr=False)
    n_boot: int
    ci: float


def _curve_on(grid: np.ndarray, y: np.ndarray, p: np.ndarray, frac: float) -> np.ndarray:
    fit = _lowess(y, p, frac)
    order = np.argsort(p, kind="stable")
    xs, fs = p[order], fit[order]
    out = np.interp(grid, xs, fs)
    out[(grid < xs[0]) | (grid > xs[-1])] = np.nan
    return out


def _bootstrap_band(grid: np.ndarray, y01: np.ndarray, p: np.ndarray, frac: float, ci: float, n_boot: int,
                    seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise percentile interval of the lowess curve over ``n_boot`` resamples of (y, p) pairs."""
    rng = np.random.default_rng(seed)
    boots = np.full((n_boot, grid.size), np.nan)
    for b in range(n_boot):
        i = rng.integers(0, p.size, p.size)
        pb = p[i]
        if np.ptp(pb) == 0:
            continue
        boots[b] = _curve_on(grid, y01[i], pb, frac)
    a = (1.0 - ci) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns cannot occur at
        q = np.nanquantile(boots, [a, 1.0 - a], axis=0)  # the grid ends only by chance
    return np.clip(q[0], 0.0, 1.0), np.clip(q[1], 0.0, 1.0)


def _check_curve_args(n: int, ci: float, groups: int, n_points: int, n_boot: int, frac: float,
                      ci_method: str) -> Any:
    """Check calibration_curve's options; return the binomial interval function."""
    if not (0.0 < float(ci) < 1.0):
        raise StatsError(f"ci must be strictly between 0 and 1, got {ci!r}")
    if not (isinstance(groups, (int, np.integer)) and 1 <= groups <= n):
        raise StatsError(f"groups must be an integer between 1 and n = {n}, got {groups!r}")
    if not (isinstance(n_points, (int, np.integer)) and n_points >= 2):
        raise StatsError(f"n_points must be an integer >= 2, got {n_points!r}")
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 0):
        raise StatsError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    if not (0.0 < float(frac) <= 1.0):
        raise StatsError(f"frac must be in (0, 1], got {frac!r}")
    intervals = {"wilson": _wilson, "clopper-pearson": _clopper_pearson}
    if ci_method not in intervals:
        raise StatsError(f"ci_method must be one of {sorted(intervals)}, got {ci_method!r}")
    return intervals[ci_method]


@renamed(bin_method="ci_method")
def calibration_curve(
    y: Any,
    prob: Any,
    *,
    groups: int = 10,
    n_points: int = 101,
    frac: float = 2.0 / 3.0,
    ci: float = 0.95,
    n_boot: int = 200,
    seed: int | None = 0,
    ci_method: str = "wilson",
    positive: Any = None,
) -> CalibrationCurve:
    """Calibration curves: lowess with a bootstrap band, and quantile bins with binomial CIs.

    Parameters
    ----------
    y, prob, positive
        As in :func:`calibration`. Probabilities of 0 or 1 are allowed here (no logits are taken).
    groups : int
        Number of quantile bins (cut as the Hosmer-Lemeshow groups of :func:`calibration`).
    n_points : int
        Length of the evaluation grid of the smooth curve.
    frac : float
        lowess span (R's ``f``; 2/3 as in val.prob).
    ci : float
        Confidence level of both bands.
    n_boot : int
        Bootstrap resamples for the smooth band (0 skips it). Cost is ``n_boot`` lowess fits.
    seed : int or None
        Seed of the bootstrap.
    ci_method : {"wilson", "clopper-pearson"}
        Interval for the observed fraction of each bin.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.linspace(0.05, 0.95, 200)
    >>> cc = calibration_curve(np.random.default_rng(0).random(200) < p, p, groups=5, n_boot=20, n_points=11)
    >>> cc.bin_n.tolist(), cc.grid.size, cc.smooth_low is not None
    ([40, 40, 40, 40, 40], 11, True)
    """
    y01, p = _inputs(y, prob, positive)
    interval = _check_curve_args(p.size, ci, groups, n_points, n_boot, frac, ci_method)

    grid = np.linspace(p.min(), p.max(), n_points)
    smooth = _curve_on(grid, y01, p, frac)
    low, high = _bootstrap_band(grid, y01, p, frac, ci, n_boot, seed) if n_boot else (None, None)
    g = _hl_groups(p, groups) if groups > 1 else np.zeros(p.size, dtype=np.int64)
    n_g = np.bincount(g)
    keep = n_g > 0
    n_g = n_g[keep]
    events = np.bincount(g, weights=y01)[keep]
    mean_p = np.bincount(g, weights=p)[keep] / n_g
    lo, hi = interval(events, n_g, float(ci))
    return CalibrationCurve(
        grid=grid,
        smooth=smooth,
        smooth_low=low,
        smooth_high=high,
        bin_predicted=mean_p,
        bin_observed=events / n_g,
        bin_low=np.asarray(lo, dtype=float),
        bin_high=np.asarray(hi, dtype=float),
        bin_n=n_g.astype(np.int64),
        bin_events=np.rint(events).astype(np.int64),
        n_boot=int(n_boot),
        ci=float(ci),
    )
