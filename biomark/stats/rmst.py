"""Kaplan-Meier curves per group in one call, and the restricted mean survival time (RMST) up to a
horizon ``tau`` per group with its SE, and the RMST difference and ratio between groups with CIs
(the definitions of R's survRM2 1.0-4, ``rmst2``; the per-group RMST and SE are also
``print(survfit(...), rmean = tau)`` of survival 3.5.3)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ._errors import StatsError
from ._result import Result
from ._surv_utils import check_time_event
from .km import KaplanMeierCurve, kaplan_meier
from .survdiff import _codes

__all__ = ["KaplanMeierGroups", "RmstResult", "kaplan_meier_groups", "rmst"]


@dataclass(frozen=True, eq=False)
class KaplanMeierGroups(Result):
    """One Kaplan-Meier curve per group (``survfit(Surv(time, event) ~ group)``).

    Attributes
    ----------
    groups : tuple
        The sorted distinct group values. curves : tuple of KaplanMeierCurve
        The curve of each group, in the order of ``groups``.
    """

    groups: tuple[Any, ...]
    curves: tuple[KaplanMeierCurve, ...] = field(repr=False)

    def __getitem__(self, group: Any) -> KaplanMeierCurve:
        return self.curves[self.groups.index(group)]


def _split(time: Any, event: Any, group: Any) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...], np.ndarray]:
    t, e = check_time_event(time, event, min_events=0)
    levels, gi = _codes(group, t.shape[0], "group")
    return t, e, tuple(v.item() if hasattr(v, "item") else v for v in levels), gi


def kaplan_meier_groups(
    time: Any,
    event: Any,
    group: Any,
    *,
    ci: float = 0.95,
    conf_type: str = "log",
    weights: Any = None,
) -> KaplanMeierGroups:
    """Kaplan-Meier curve of every group, as ``survfit(Surv(time, event) ~ group)``.

    Parameters
    ----------
    time, event : array-like
        Follow-up times (> 0) and 0/1 event indicators.
    group : array-like
        Group of each subject (any sortable labels).
    ci, conf_type, weights
        As in :func:`biomark.stats.kaplan_meier`.

    Returns
    -------
    KaplanMeierGroups

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481. R: ``summary(survfit(Surv(time, event) ~ g))$table``.

    Examples
    --------
    >>> kg = kaplan_meier_groups([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 1], ["a", "b", "a", "b", "a", "b"])
    >>> kg.groups, kg["b"].median, kg["a"].surv.round(4).tolist()
    (('a', 'b'), 4.0, [0.6667, 0.6667, 0.0])
    """
    t, e, levels, gi = _split(time, event, group)
    w = None if weights is None else np.asarray(weights)
    curves = tuple(
        kaplan_meier(t[gi == j], e[gi == j], ci=ci, conf_type=conf_type, weights=None if w is None else w[gi == j])
        for j in range(len(levels))
    )
    return KaplanMeierGroups(groups=levels, curves=curves)


def _rmst_one(t: np.ndarray, e: np.ndarray, tau: float) -> tuple[float, float]:
    """RMST to ``tau`` and its SE from the Kaplan-Meier curve (survRM2's ``rmst1``)."""
    km = kaplan_meier(t, e)
    keep = km.time <= tau
    times, surv = km.time[keep], km.surv[keep]
    nr, nd = km.n_risk[keep].astype(float), km.n_event[keep].astype(float)
    edges = np.concatenate(([0.0], times, [tau]))
    areas = np.diff(edges) * np.concatenate(([1.0], surv))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(nr - nd > 0, nd / (nr * (nr - nd)), 0.0)
    after = np.cumsum(areas[::-1])[::-1][1:]  # area from each time to tau
    return float(areas.sum()), float(math.sqrt(np.sum(after**2 * v)))


@dataclass(frozen=True, eq=False)
class RmstResult(Result):
    """Restricted mean survival time per group and the contrasts against the first group.

    Attributes
    ----------
    tau : float
        The horizon. groups : tuple
        Sorted group values (the first is the reference of the contrasts).
    rmst, se, lower, upper : ndarray
        RMST per group, its SE (Greenwood-type, as survRM2 and ``print(survfit, rmean =)``) and the
        normal CI.
    diff, diff_lower, diff_upper, diff_p : ndarray
        RMST of each later group minus the reference, with normal CI and two-sided p
        (``se = sqrt(se_g^2 + se_ref^2)``); empty with one group.
    ratio, ratio_lower, ratio_upper, ratio_p : ndarray
        RMST ratio (later group / reference), CI and p on the log scale
        (``se(log ratio) = sqrt(se_g^2/rmst_g^2 + se_ref^2/rmst_ref^2)``).
    ci : float
    """

    tau: float
    groups: tuple[Any, ...]
    rmst: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    diff: np.ndarray
    diff_lower: np.ndarray
    diff_upper: np.ndarray
    diff_p: np.ndarray
    ratio: np.ndarray
    ratio_lower: np.ndarray
    ratio_upper: np.ndarray
    ratio_p: np.ndarray
    ci: float


def rmst(time: Any, event: Any, tau: float, *, group: Any = None, ci: float = 0.95) -> RmstResult:
    """Restricted mean survival time up to ``tau``, per group, with differences and ratios.

    Parameters
    ----------
    time, event : array-like
        Follow-up times (> 0) and 0/1 event indicators.
    tau : float
        The horizon: at most the largest follow-up time of every group (survRM2's rule), so that
        every curve is observed up to it.
    group : array-like, optional
        Group of each subject; without it one RMST is computed.
    ci : float
        Confidence level.

    Returns
    -------
    RmstResult

    Notes
    -----
    ``RMST = int_0^tau S(t) dt`` under the Kaplan-Meier step curve;
    ``var = sum_{t_i <= tau} A_i^2 d_i / (n_i (n_i - d_i))`` with ``A_i = int_{t_i}^tau S(t) dt``.
    The contrasts are Wald intervals (difference) and log-scale Wald intervals (ratio), as
    ``survRM2::rmst2``.

    References
    ----------
    Uno H, Claggett B, Tian L, et al. (2014). Moving beyond the hazard ratio in quantifying the
    between-group difference in survival analysis. J Clin Oncol 32:2380-2385; Royston P, Parmar MKB
    (2013). BMC Med Res Methodol 13:152. R: ``survRM2::rmst2(time, status, arm, tau)`` and
    ``print(survfit(Surv(time, event) ~ g), rmean = tau)``.

    Examples
    --------
    >>> r = rmst([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 1], 4, group=[0, 1, 0, 1, 0, 1])
    >>> r.rmst.round(4).tolist(), r.diff.round(4).tolist()
    ([3.0, 3.3333], [0.3333])
    """
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, e = check_time_event(time, event)
    gv = np.zeros(t.shape[0], dtype=np.int64) if group is None else group
    t, e, levels, gi = _split(t, e, gv)
    tau = float(tau)
    if not (math.isfinite(tau) and tau > 0):
        raise StatsError(f"tau must be a positive number, got {tau!r}")
    last = [float(t[gi == j].max()) for j in range(len(levels))]
    if tau > min(last):
        worst = levels[int(np.argmin(last))]
        raise StatsError(
            f"tau = {tau:g} is beyond the follow-up of group {worst!r} (last time {min(last):g}); "
            f"choose tau <= {min(last):g}, the smallest of the groups' largest follow-up times"
        )
    est = np.array([_rmst_one(t[gi == j], e[gi == j], tau) for j in range(len(levels))])
    r, se = est[:, 0], est[:, 1]
    z = float(special.ndtri(0.5 + ci / 2.0))
    d, sd = r[1:] - r[0], np.sqrt(se[1:] ** 2 + se[0] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr, sl = np.log(r[1:] / r[0]), np.sqrt(se[1:] ** 2 / r[1:] ** 2 + se[0] ** 2 / r[0] ** 2)
        return RmstResult(
            tau=tau, groups=levels, rmst=r, se=se, lower=r - z * se, upper=r + z * se,
            diff=d, diff_lower=d - z * sd, diff_upper=d + z * sd, diff_p=2.0 * special.ndtr(-np.abs(d / sd)),
            ratio=np.exp(lr), ratio_lower=np.exp(lr - z * sl), ratio_upper=np.exp(lr + z * sl),
            ratio_p=2.0 * special.ndtr(-np.abs(lr / sl)), ci=ci,
        )
