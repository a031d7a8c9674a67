"""Competing risks: the Aalen-Johansen cumulative incidence of each cause, per group, with its
variance and a pointwise CI, as R's ``cmprsk::cuminc`` (2.2.11; status 0 = censored, 1 = the event
of interest, 2 = the competing event).

With ``n_j`` at risk, ``d1_j`` events of the cause and ``d2_j`` of the other cause at time
``t_j``, ``S`` the all-cause Kaplan-Meier curve::

    F(t) = sum_{t_j <= t} S(t_j-) d1_j / n_j

Variance: the delta-method estimator of Gray / Aalen used by cuminc (Marubini & Valsecchi 1995,
sec. 10.2): with ``c(d) = 1 - (d - 1)/(n_j - 1)`` and ``w = S(t_j-)^2 c(d) d / n_j^2`` for each
cause's events at ``t_j``, running sums ``v1 += a^2 w, v2 += a b w, v3 += b^2 w`` with
``(a, b) = (1 + F/S, 1/S)`` for the cause and ``(F/S, 1/S)`` for the other cause (``S = S(t_j)``,
``F = F(t_j)``), and ``var F(t_j) = v1 + F^2 v3 - 2 F v2`` at the cause's event times (carried
forward between them, as cuminc reports it). O(n log n).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d
from .survdiff import _codes

__all__ = ["CumulativeIncidence", "cumulative_incidence", "check_competing"]


def check_competing(time: Any, status: Any) -> tuple[np.ndarray, np.ndarray]:
    """Time (> 0) and status coded 0 (censored) / 1 (event of interest) / 2 (competing event).

    Parameters
    ----------
    time, status : array-like

    Returns
    -------
    (ndarray, ndarray)
        float64 times and int8 status.

    Examples
    --------
    >>> check_competing([1, 2], [0, 2])[1].tolist()
    [0, 2]
    """
    t = as_float_1d(time, "time")
    s = as_float_1d(status, "status")
    if s.shape[0] != t.shape[0]:
        raise StatsError(f"time and status have different lengths ({t.shape[0]} vs {s.shape[0]})")
    bad = ~np.isin(s, (0.0, 1.0, 2.0))
    if bad.any():
        raise StatsError(
            f"the competing-risks status must be coded 0 (censored), 1 (event of interest), 2 (competing "
            f"event); found value(s) {np.unique(s[bad])[:5].tolist()} (first at position {int(np.flatnonzero(bad)[0])})"
        )
    if (t <= 0).any():
        raise StatsError(f"time must be strictly positive; found {int((t <= 0).sum())} value(s) <= 0")
    return t, s.astype(np.int8)


def _cif(t: np.ndarray, s: np.ndarray, cause: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times of the cause's events, F and var F there (one group)."""
    order = np.argsort(t, kind="stable")
    ts, ss = t[order], s[order]
    uniq, first = np.unique(ts, return_index=True)
    n_risk = (ts.shape[0] - first).astype(np.float64)
    d1 = np.add.reduceat((ss == cause).astype(np.float64), first)
    d2 = np.add.reduceat(((ss != 0) & (ss != cause)).astype(np.float64), first)
    s_after = np.cumprod(1.0 - (d1 + d2) / n_risk)
    s_before = np.concatenate(([1.0], s_after[:-1]))
    f = np.cumsum(s_before * d1 / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        binv = np.where(s_after > 0, 1.0 / s_after, 0.0)

        def w(d: np.ndarray) -> np.ndarray:
            c = np.where(d > 1, 1.0 - (d - 1.0) / (n_risk - 1.0), 1.0)
            return np.where(d > 0, s_before**2 * c * d / n_risk**2, 0.0)

        w1, w2 = w(d1), np.where(s_after > 0, w(d2), 0.0)
    a1, a2 = 1.0 + binv * f, binv * f
    v1 = np.cumsum(a1 * a1 * w1 + a2 * a2 * w2)
    v2 = np.cumsum(binv * a1 * w1 + binv * a2 * w2)
    v3 = np.cumsum(binv * binv * (w1 + w2))
    jump = d1 > 0
    var = (v1 + f * f * v3 - 2.0 * f * v2)[jump]
    return uniq[jump], f[jump], var


@dataclass(frozen=True, eq=False)
class CumulativeIncidence(Result):
    """Cumulative incidence curves of one cause, per group.

    Attributes
    ----------
    groups : tuple
        Sorted group values (one group ``(0,)`` without ``group``).
    cause : int
        The cause (1 or 2).
    times, estimate, variance : tuple of ndarray
        Per group: the cause's event times, F at them and its variance (cuminc's ``est``/``var``
        at its jump points).
    last_time : ndarray
        Largest follow-up time of each group.
    ci : float
    """

    groups: tuple[Any, ...]
    cause: int
    times: tuple[np.ndarray, ...] = field(repr=False)
    estimate: tuple[np.ndarray, ...] = field(repr=False)
    variance: tuple[np.ndarray, ...] = field(repr=False)
    last_time: np.ndarray = field(repr=False)
    ci: float

    def at(self, times: Any) -> dict[str, np.ndarray]:
        """F, variance and a log(-log) CI ``F^exp(-/+ z se / (F log F))`` at ``times`` for every group
        (rows = groups), as ``cmprsk::timepoints``; nan beyond a group's follow-up."""
        tq = as_float_1d(np.atleast_1d(times), "times")
        est = np.zeros((len(self.groups), tq.size))
        var = np.zeros_like(est)
        for i, (tt, f, v) in enumerate(zip(self.times, self.estimate, self.variance, strict=True)):
            if tt.size:  # a group without an event of the cause stays at 0
                j = np.searchsorted(tt, tq, side="right") - 1
                est[i] = np.where(j >= 0, f[np.maximum(j, 0)], 0.0)
                var[i] = np.where(j >= 0, v[np.maximum(j, 0)], 0.0)
            est[i, tq > self.last_time[i]] = np.nan
            var[i, tq > self.last_time[i]] = np.nan
        z = float(special.ndtri(0.5 + self.ci / 2.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            k = z * np.sqrt(var) / (est * np.log(est))
            lower, upper = est ** np.exp(-k), est ** np.exp(k)
        inside = (est > 0) & (est < 1)
        return {"estimate": est, "variance": var, "lower": np.where(inside, lower, np.nan),
                "upper": np.where(inside, upper, np.nan)}


def cumulative_incidence(
    time: Any,
    status: Any,
    *,
    group: Any = None,
    cause: int = 1,
    ci: float = 0.95,
) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of ``cause`` per group, with cuminc's variance.

    Parameters
    ----------
    time : array-like
        Follow-up times (> 0).
    status : array-like
        0 = censored, 1 = event of interest, 2 = competing event (any other code is refused).
    group : array-like, optional
        Group of each subject.
    cause : {1, 2}
        The cause whose incidence is estimated.
    ci : float
        Level of the intervals of :meth:`CumulativeIncidence.at`.

    Returns
    -------
    CumulativeIncidence

    References
    ----------
    Aalen OO, Johansen S (1978). Scand J Stat 5:141-150; Gray RJ (1988). Ann Stat 16:1141-1154;
    Marubini E, Valsecchi MG (1995). Analysing Survival Data from Clinical Trials and Observational
    Studies, ch. 10. R: ``cmprsk::cuminc(time, status, group)`` and ``timepoints()``.

    Examples
    --------
    >>> r = cumulative_incidence([1, 2, 3, 4, 5, 6], [1, 2, 1, 0, 1, 2])
    >>> r.estimate[0].round(4).tolist()
    [0.1667, 0.3333, 0.5833]
    """
    if cause not in (1, 2):
        raise StatsError(f"cause must be 1 or 2, got {cause!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, s = check_competing(time, status)
    levels, gi = _codes(np.zeros(t.shape[0], dtype=np.int64) if group is None else group, t.shape[0], "group")
    parts = [_cif(t[gi == j], s[gi == j], cause) for j in range(levels.shape[0])]
    return CumulativeIncidence(
        groups=tuple(v.item() if hasattr(v, "item") else v for v in levels), cause=int(cause),
        times=tuple(p[0] for p in parts), estimate=tuple(p[1] for p in parts),
        variance=tuple(p[2] for p in parts),
        last_time=np.array([t[gi == j].max() for j in range(levels.shape[0])]), ci=ci,
    )
