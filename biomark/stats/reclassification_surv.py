"""Reclassification of two survival models at a time horizon ``t`` (issue 16).

The event is "event by ``t``"; the predicted risks are ``1 - S(t | x)`` of each model. Censoring is handled by
Kaplan-Meier estimates within the groups whose risk went up or down (NRI, Pencina, D'Agostino & Steyerberg 2011,
Stat Med 30:11, sec. 4), by inverse probability of censoring weights (IDI, Uno, Tian, Cai, Kohane & Wei 2013,
Stat Med 32:2430) (the net benefit at ``t`` is
:func:`biomark.stats.horizon_calibration.net_benefit_at`). Point estimates here; their bootstrap standard errors are
:func:`biomark.stats.reclassification_surv_se.nri_idi_at_se` (R's ``survIDINRI`` gets them by perturbation
resampling). The NRI can reward a miscalibrated new model (Pepe et al. 2015).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import StatsError
from ._result import Result
from ._surv_utils import check_time_event

__all__ = ["SurvivalReclassification", "nri_idi_at"]


@dataclass(frozen=True)
class SurvivalReclassification(Result):
    """NRI and IDI at horizon ``t``; ``p_up``/``p_down``: proportions whose risk went up/down."""

    t: float
    n: int
    risk_by_t: float
    p_up: float
    p_down: float
    nri: float
    nri_events: float
    nri_nonevents: float
    idi: float
    idi_events: float
    idi_nonevents: float


def _km_at(time: np.ndarray, event: np.ndarray, t: float) -> float:
    """Kaplan-Meier S(t) (``survival::survfit``), 1.0 for an empty group."""
    s = 1.0
    for u in np.unique(time[(event == 1) & (time <= t)]):
        at_risk = np.sum(time >= u)
        s *= 1.0 - np.sum((time == u) & (event == 1)) / at_risk
    return float(s)


def _censor_km_left(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """KM of the censoring distribution just before each time in ``at``: G(at-) (censorings after tied deaths)."""
    cens = np.unique(time[event == 0])
    steps = np.array([1.0 - np.sum((time == u) & (event == 0)) / np.sum(time >= u) for u in cens])
    cum = np.concatenate([[1.0], np.cumprod(steps)])
    return cum[np.searchsorted(cens, at, side="left")]


def _inputs(time: Any, event: Any, *risks: Any) -> tuple[np.ndarray, ...]:
    tt, e = check_time_event(time, event)
    ee = e.astype(float)
    rr = [np.asarray(r, float) for r in risks]
    if any(r.shape != tt.shape for r in rr):
        raise StatsError("time, event and the predicted risks must be 1-D of one length")
    if any(np.isnan(r).any() for r in rr):
        raise StatsError("the predicted risks must have no missing values")
    if any((r < 0).any() or (r > 1).any() for r in rr):
        raise StatsError("predicted risks must be in [0, 1]")
    return (tt, ee, *rr)


def _check_t(time: np.ndarray, event: np.ndarray, t: float) -> None:
    if not np.any((time <= t) & (event == 1)) or not np.any(time > t):
        raise StatsError(f"horizon {t:g}: needs an event by then and someone still followed after it")


def nri_idi_at(time: Any, event: Any, risk_old: Any, risk_new: Any, t: float) -> SurvivalReclassification:
    r"""Continuous NRI and IDI at horizon ``t`` for censored data.

    With ``up = {risk_new > risk_old}``, ``down = {risk_new < risk_old}`` (ties in neither), ``S`` the Kaplan-Meier
    survival of all samples and ``S_up``, ``S_down`` that within each group (Pencina et al. 2011, sec. 4)::

        NRI_events    = [(1 - S_up(t)) P(up) - (1 - S_down(t)) P(down)] / (1 - S(t))
        NRI_nonevents = [S_down(t) P(down) - S_up(t) P(up)] / S(t)
        NRI = NRI_events + NRI_nonevents

    The IDI uses inverse probability of censoring weights with ``G`` the Kaplan-Meier of the censoring times
    (Uno et al. 2013): cases ``w_i = 1{T_i <= t, d_i = 1} / G(T_i-)``, controls ``w_i = 1{T_i > t} / G(t)``,
    ``m(p) = sum w_i p_i / sum w_i`` in each, and::

        IDI = [m_cases(new) - m_cases(old)] - [m_controls(new) - m_controls(old)]

    R: no CRAN function on this machine (``survIDINRI::IDI.INF`` gives Uno's IDI and a NRI with a different
    definition); checked against these formulas written in R (tests/data/R/added_value_survival.R).

    Parameters
    ----------
    time, event : array_like
        Follow-up and event indicator (1 = event).
    risk_old, risk_new : array_like
        Predicted risks by ``t`` of the old (clinical) and the new (clinical + panel) model.
    t : float
        The horizon, with an event by it and follow-up beyond it.

    Examples
    --------
    >>> r = nri_idi_at([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 0], [.5, .4, .3, .3, .2, .1],
    ...                [.6, .5, .2, .2, .1, .1], t=4.5)
    >>> round(r.nri, 3), round(r.idi, 3)
    (0.712, 0.07)
    """
    tt, ee, a, b = _inputs(time, event, risk_old, risk_new)
    t = float(t)
    _check_t(tt, ee, t)
    n = tt.size
    s_all = _km_at(tt, ee, t)
    up, down = b > a, b < a
    pu, pd_ = up.mean(), down.mean()
    su, sd = _km_at(tt[up], ee[up], t), _km_at(tt[down], ee[down], t)
    nri_e = ((1 - su) * pu - (1 - sd) * pd_) / (1 - s_all)
    nri_ne = (sd * pd_ - su * pu) / s_all
    case = (tt <= t) & (ee == 1)
    ctrl = tt > t
    w = np.zeros(n)
    w[case] = 1.0 / _censor_km_left(tt, ee, tt[case])
    w[ctrl] = 1.0 / _censor_km_left(tt, ee, np.array([t]))[0] if ctrl.any() else 0.0
    d = b - a
    idi_e = float(np.sum(w[case] * d[case]) / np.sum(w[case]))
    idi_ne = float(np.sum(w[ctrl] * d[ctrl]) / np.sum(w[ctrl]))
    return SurvivalReclassification(t=t, n=n, risk_by_t=1 - s_all, p_up=float(pu), p_down=float(pd_),
                                    nri=float(nri_e + nri_ne), nri_events=float(nri_e), nri_nonevents=float(nri_ne),
                                    idi=idi_e - idi_ne, idi_events=idi_e, idi_nonevents=-idi_ne)
