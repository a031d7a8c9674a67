"""Bootstrap optimism correction of a calibration curve (rms ``calibrate``, ``method = "boot"``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d, check_time_event

__all__ = ["BootCalibration", "bootstrap_calibration", "km_cuts", "km_group_calibration", "lowess_grid",
           "lowess_calibration_error"]


@dataclass(frozen=True, eq=False)
class BootCalibration(Result):
    """Apparent, optimism and bootstrap-corrected calibration index, one value per group or grid point.

    Attributes
    ----------
    apparent : numpy.ndarray
        The index of the model fitted on all rows, on all rows (rms ``index.orig``).
    training, test : numpy.ndarray
        Mean over resamples of the index of the resample's model on the resample and on the original
        rows (rms ``training``, ``test``).
    optimism, corrected : numpy.ndarray
        ``training - test`` and ``apparent - optimism`` (rms ``mean.optimism``, ``mean.corrected``).
    n : numpy.ndarray
        Resamples in which the element could be computed on both (rms ``n``).
    B, n_failed : int
        Resamples drawn, and those whose model could not be fitted.
    """

    apparent: np.ndarray
    training: np.ndarray
    test: np.ndarray
    optimism: np.ndarray
    corrected: np.ndarray
    n: np.ndarray
    B: int
    n_failed: int


def bootstrap_calibration(
    n: int,
    predict: Callable[[np.ndarray], np.ndarray | None],
    measure: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    B: int,
    seed: int,
    mapper: Callable[[Callable[..., Any], list[tuple]], list[Any]] | None = None,
    replicates: Sequence[tuple[np.ndarray, np.ndarray] | None] | None = None,
) -> BootCalibration:
    r"""Harrell's bootstrap optimism of a calibration index, as ``rms::predab.resample`` computes it.

    ``predict(idx)`` refits the whole model on the rows ``idx`` (indices into the ``n`` original rows,
    with repeats) and returns its predictions for all ``n`` rows (None when it cannot be fitted).
    ``measure(rows, pred)`` is the calibration index at fixed groups or grid points (e.g. observed minus
    mean predicted) of the rows ``rows`` with predictions ``pred`` (nan where not estimable). With
    ``p_b = predict(idx_b)``::

        training_b = measure(idx_b, p_b[idx_b]),  test_b = measure(0..n-1, p_b)
        optimism = mean_b (training_b - test_b),  corrected = apparent - optimism

    the mean taken, element by element, over the resamples where both are finite (rms sets the others
    aside and counts the rest in ``n``). Resample ``b`` draws its rows from its own seed (the ``b``-th
    child of ``numpy.random.SeedSequence(seed)``), so the result does not depend on how the resamples
    are run: ``mapper(fn, args)``, if given, must return ``[fn(*a) for a in args]`` in order (e.g. a
    parallel map; ``predict`` and ``measure`` must then be picklable), and the resamples go to it in
    fixed chunks of :data:`CHUNK`, summed in resample order afterwards, so any mapper gives the same
    numbers bit for bit. ``replicates``, if given, are the B ``(training_b, test_b)`` pairs (None for a
    failed resample) of resamples drawn and fitted elsewhere, e.g. by an optimism bootstrap of the same
    model that already refitted it on each: then only ``predict(0..n-1)`` is called.

    References
    ----------
    Harrell FE, Lee KL, Mark DB (1996) Stat Med 15:361. Harrell FE (2015) Regression Modeling
    Strategies, 2nd ed., sec. 5.3 and 20.4. R: ``rms::calibrate`` (``predab.resample``), rms 6.x.

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> res = bootstrap_calibration(10, lambda idx: np.full(10, x[idx].mean()),
    ...                             lambda rows, p: np.array([np.mean(x[rows] - p)]), B=20, seed=1)
    >>> float(res.apparent[0]), res.n.tolist()
    (0.0, [20])
    """
    if B < 1:
        raise StatsError(f"B (bootstrap resamples) must be 1 or more, got {B}")
    everyone = np.arange(n)
    apparent = np.asarray(measure(everyone, _checked(predict(everyone), n)), float)
    train_sum = np.zeros(apparent.shape)
    test_sum = np.zeros(apparent.shape)
    count = np.zeros(apparent.shape, int)
    if replicates is None:
        children = np.random.SeedSequence(seed).spawn(B)
        tasks = [(predict, measure, n, children[i:i + CHUNK]) for i in range(0, B, CHUNK)]
        reps = [r for chunk in (mapper or _sequential)(_replicates, tasks) for r in chunk]
    else:
        reps = list(replicates)
        if len(reps) != B:
            raise StatsError(f"replicates must hold B = {B} resamples, got {len(reps)}")
    failed = 0
    for rep in reps:
        if rep is None:
            failed += 1
            continue
        tr, te = rep
        ok = np.isfinite(tr) & np.isfinite(te)
        train_sum[ok] += tr[ok]
        test_sum[ok] += te[ok]
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        training = train_sum / count
        test = test_sum / count
    optimism = training - test
    return BootCalibration(apparent=apparent, training=training, test=test, optimism=optimism,
                           corrected=apparent - optimism, n=count, B=int(B), n_failed=failed)


CHUNK = 10
"""Resamples per task handed to the ``mapper`` of :func:`bootstrap_calibration`."""


def _sequential(fn: Callable[..., Any], args: list[tuple]) -> list[Any]:
    return [fn(*a) for a in args]


def _replicates(predict: Callable[[np.ndarray], np.ndarray | None],
                measure: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int,
                children: list[np.random.SeedSequence]) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """(training, test) index of each resample drawn from ``children`` (None when its model fails)."""
    everyone = np.arange(n)
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for child in children:
        idx = np.random.default_rng(child).integers(0, n, n)
        try:
            p = predict(idx)
        except StatsError:
            p = None
        if p is None:
            out.append(None)
            continue
        p = _checked(p, n)
        out.append((np.asarray(measure(idx, p[idx]), float), np.asarray(measure(everyone, p), float)))
    return out


def _checked(p: Any, n: int) -> np.ndarray:
    if p is None:
        raise StatsError("the model could not be fitted on all rows")
    a = np.asarray(p, float)
    if a.shape[0] != n:
        raise StatsError(f"predict must return one prediction per original row ({n}), got {a.shape[0]}")
    return a


def km_cuts(surv: Any, groups: int) -> np.ndarray:
    """Cut-points on predicted survival as rms ``calibrate(cph, cmethod = "KM")`` makes them.

    ``unique(quantile(c(0, 1, surv), seq(0, 1, length = g + 1)))`` (type-7 quantiles), so the outer cuts
    are 0 and 1 and every prediction falls in a group; rms takes ``g = floor(n / m)``.

    Examples
    --------
    >>> km_cuts([0.2, 0.4, 0.6, 0.8], 2).tolist()
    [0.0, 0.5, 1.0]
    """
    s = as_float_1d(surv, "surv")
    if groups < 1:
        raise StatsError(f"groups must be 1 or more, got {groups}")
    return np.unique(np.quantile(np.r_[0.0, 1.0, s], np.linspace(0, 1, groups + 1)))


def km_group_calibration(
    time: Any, event: Any, surv: Any, u: float, cuts: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group of predicted survival at ``u``: mean predicted, Kaplan-Meier at ``u``, and their difference.

    Groups are the intervals ``[c_j, c_{j+1})`` of ``cuts`` (the last closed), as ``Hmisc::cut2(x, cuts)``
    makes them in ``rms::groupkm``; a group with fewer than 2 rows, or whose follow-up ends before ``u``
    with survival above 0, has no KM (nan), as in ``groupkm``. The difference ``KM - predicted`` is the
    index that rms ``calibrate(cph, u, cmethod = "KM")`` bootstraps.

    Examples
    --------
    >>> pred, km, d = km_group_calibration([2, 4, 5, 7, 9, 11], [1, 0, 1, 1, 0, 0],
    ...                                    [0.3, 0.8, 0.4, 0.5, 0.9, 0.7], 6, [0, 0.6, 1])
    >>> pred.round(3).tolist(), km.round(3).tolist()
    ([0.4, 0.8], [0.333, 1.0])
    """
    tt, e = check_time_event(time, event, min_events=0)
    s = as_float_1d(surv, "surv")
    c = as_float_1d(np.atleast_1d(cuts), "cuts")
    k = c.size - 1
    g = np.clip(np.searchsorted(c, s, side="right") - 1, 0, k - 1)
    size = np.bincount(g, minlength=k)
    pred = np.full(k, np.nan)
    for j in np.flatnonzero(size):
        pred[j] = float(s[g == j].mean())
    km = _km_at_by_group(tt, e, g, k, u)
    last = np.full(k, -np.inf)
    np.maximum.at(last, g, tt)
    km[(size < 2) | ((u > last + 1e-6) & (km > 0))] = np.nan
    return pred, km, km - pred


def _km_at_by_group(t: np.ndarray, e: np.ndarray, g: np.ndarray, k: int, u: float) -> np.ndarray:
    """Kaplan-Meier survival at ``u`` of each of the ``k`` groups ``g`` (1 for an empty group or one without an
    event by ``u``), all groups in one pass.

    The factors ``1 - d_i / n_i`` of :func:`biomark.stats.kaplan_meier` at the group's distinct times up to
    ``u``, multiplied in time order (``multiply.reduceat`` multiplies sequentially, as its ``cumprod`` does;
    a later time contributes the exact factor 1), so each value has the same bits as the group's own curve.
    This runs twice per group per resample of :func:`bootstrap_calibration`.
    """
    order = np.lexsort((t, g))
    gs, ts, es = g[order], t[order], e[order].astype(np.float64)
    new = np.r_[True, (gs[1:] != gs[:-1]) | (ts[1:] != ts[:-1])]
    first = np.flatnonzero(new)  # first row of each (group, distinct time)
    end = np.searchsorted(gs, gs[first], side="right")  # one past the group's last row
    n_risk = (end - first).astype(np.float64)
    n_event = np.add.reduceat(es, first)
    factor = np.where(ts[first] <= u, 1.0 - n_event / n_risk, 1.0)
    out = np.ones(k)
    starts = np.flatnonzero(np.r_[True, gs[first][1:] != gs[first][:-1]])
    out[gs[first][starts]] = np.multiply.reduceat(factor, starts)
    return out


def lowess_grid(p: Any, size: int = 50) -> np.ndarray:
    """The grid of predicted probabilities of rms ``calibrate(lrm)``: ``seq(p[5], p[n - 4], length = 50)``.

    ``p`` sorted, 1-based R indices (so the 5th smallest to the 5th largest).

    Examples
    --------
    >>> lowess_grid(np.arange(1, 21) / 21, size=3).round(3).tolist()
    [0.238, 0.5, 0.762]
    """
    x = np.sort(as_float_1d(p, "p"))
    if x.size < 11:
        raise StatsError(f"the calibration grid needs more than 10 predictions, got {x.size}")
    return np.linspace(x[4], x[x.size - 5], size)


def lowess_calibration_error(y: Any, p: Any, grid: Any) -> np.ndarray:
    """Smoothed observed minus predicted probability at ``grid``: rms ``calibrate(lrm)``'s index.

    ``cal = approx(lowess(p, y, iter = 0), xout = grid, ties = function(x) x[1])$y``; returns
    ``cal - grid``, nan outside the range of ``p`` (as ``approx`` with ``rule = 1``).

    Examples
    --------
    >>> y = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1]
    >>> p = [0.1, 0.2, 0.3, 0.35, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9]
    >>> lowess_calibration_error(y, p, [0.05, 0.5]).shape
    (2,)
    """
    from .calibration import _lowess

    yy, pp = as_float_1d(y, "y"), as_float_1d(p, "p")
    g = as_float_1d(np.atleast_1d(grid), "grid")
    fit = _lowess(yy, pp)
    xs, first = np.unique(pp, return_index=True)
    out = np.interp(g, xs, fit[first]) - g
    out[(g < xs[0]) | (g > xs[-1])] = np.nan
    return out
