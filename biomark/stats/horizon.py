"""Absolute risk at a time horizon from a Cox model: S(t | x) through the Breslow baseline hazard.

This is the pure function other parts of biomark use for predicted risks at ``t`` (the engine's
"Risk at the horizon" section, the added-value comparison): it takes the linear predictors of the
rows the model was fitted on and of the rows to predict, and nothing else of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d, check_same_length, check_survival

__all__ = ["HorizonRisk", "check_horizons", "cox_risk_at"]


@dataclass(frozen=True, eq=False)
class HorizonRisk(Result):
    """Predicted survival and risk at each horizon.

    Attributes
    ----------
    times : numpy.ndarray
        The horizons ``t_1 < ... < t_K``.
    surv, risk : numpy.ndarray
        ``(n_new, K)`` arrays: ``S(t_k | x_i)`` and ``1 - S(t_k | x_i)``.
    cumhaz0 : numpy.ndarray
        Baseline cumulative hazard ``H0(t_k)`` at linear predictor ``center``.
    center : float
        The mean training linear predictor (R's centring; the predictions do not depend on it).
    ties : str
        ``"efron"`` or ``"breslow"``: how tied deaths enter the baseline hazard.
    """

    times: np.ndarray
    surv: np.ndarray
    risk: np.ndarray
    cumhaz0: np.ndarray
    center: float
    ties: str


def check_horizons(times: Any, time: Any) -> np.ndarray:
    """Horizons as a strictly increasing float array within the follow-up of ``time``.

    Raises StatsError naming the horizon for a non-numeric, non-positive or non-increasing horizon
    or one beyond the last follow-up time (no one is at risk there, nothing can be estimated).

    Examples
    --------
    >>> check_horizons([12, 36], [5, 20, 40, 60]).tolist()
    [12.0, 36.0]
    """
    try:
        tq = np.atleast_1d(np.asarray(times, dtype=np.float64))
    except (TypeError, ValueError):
        raise StatsError(f"horizons must be numbers, got {times!r}") from None
    if tq.ndim != 1 or tq.size == 0:
        raise StatsError("give at least one horizon")
    bad = ~np.isfinite(tq) | (tq <= 0)
    if bad.any():
        raise StatsError(
            f"horizon {float(tq[bad][0]):g} is not a positive number; horizons are times after baseline"
        )
    if tq.size > 1 and np.any(np.diff(tq) <= 0):
        k = int(np.flatnonzero(np.diff(tq) <= 0)[0])
        raise StatsError(f"horizons must increase: {tq[k]:g} is followed by {tq[k + 1]:g}")
    last = float(np.max(as_float_1d(time, "time")))
    if tq[-1] >= last:
        raise StatsError(
            f"horizon {tq[tq >= last][0]:g} is at or beyond the last follow-up time {last:g}: no one is "
            "at risk after it; choose horizons within the follow-up"
        )
    return tq


def _baseline_increments(
    t: np.ndarray, e: np.ndarray, r: np.ndarray, efron: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct event times and the baseline hazard increment at each (risk weights ``r``)."""
    order = np.argsort(t, kind="stable")
    ts, es, rs = t[order], e[order], r[order]
    etimes, d = np.unique(ts[es == 1], return_counts=True)
    # risk-set sums S0 = sum_{t_j >= s} r_j and death sums A0 at each event time s
    rev = np.cumsum(rs[::-1])[::-1]
    s0 = rev[np.searchsorted(ts, etimes, side="left")]
    a0 = np.bincount(
        np.searchsorted(etimes, ts[es == 1]), weights=rs[es == 1], minlength=etimes.size
    )
    if not efron:
        return etimes, d / s0
    inc = np.empty(etimes.size)
    for g in np.flatnonzero(d > 1):  # tied deaths: Efron's sum_l 1 / (S0 - l/d A0)
        frac = np.arange(d[g]) / d[g]
        inc[g] = np.sum(1.0 / (s0[g] - frac * a0[g]))
    single = d == 1
    inc[single] = 1.0 / s0[single]
    return etimes, inc


def cox_risk_at(
    time: Any,
    event: Any,
    lp: Any,
    times: Any,
    *,
    lp_new: Any = None,
    ties: Literal["efron", "breslow"] = "efron",
) -> HorizonRisk:
    r"""Predicted survival ``S(t | x)`` and risk ``1 - S(t | x)`` at each horizon from a Cox fit.

    With linear predictors ``eta_j`` of the training rows (centred at their mean ``c``) and
    ``r_j = exp(eta_j - c)``, the baseline cumulative hazard is the Breslow estimator, with
    Efron's adjustment for ``d`` tied deaths at an event time ``s`` when ``ties="efron"``::

        dH0(s) = sum_{l=0}^{d-1} 1 / (S0(s) - (l/d) A0(s))      (Breslow: d / S0(s))
        S0(s) = sum_{t_j >= s} r_j,   A0(s) = sum_{deaths j at s} r_j
        S(t | x) = exp(-H0(t) exp(eta(x) - c)),   H0(t) = sum_{s <= t} dH0(s)

    which is ``survfit(coxph_fit, newdata)`` with its default ``ctype`` (Efron's when the fit used
    Efron ties) and ``stype = 2``. The coefficients are not refitted: ``lp`` is the training
    linear predictor ``X beta``, ``lp_new`` (default ``lp``) that of the rows to predict.

    Parameters
    ----------
    time, event : array_like
        Training follow-up and event indicator (1 = event).
    lp : array_like
        Training linear predictor.
    times : array_like
        Horizons, increasing, before the last follow-up (see :func:`check_horizons`).
    lp_new : array_like, optional
        Linear predictors of the rows to predict (default: the training rows).
    ties : {"efron", "breslow"}
        The ties method the Cox model was fitted with.

    References
    ----------
    Breslow NE (1972) discussion of Cox, JRSS B 34:216. Efron B (1977) JASA 72:557. Therneau TM,
    Grambsch PM (2000) Modeling Survival Data, sec. 10.2. R: ``survival::survfit.coxph`` (3.5.3).

    Examples
    --------
    >>> r = cox_risk_at([2, 3, 3, 5, 6, 8], [1, 1, 1, 0, 1, 0], [0.5, 0.2, -0.1, 0.0, -0.4, -0.2], [4],
    ...                 lp_new=[0.0])
    >>> round(float(r.surv[0, 0]), 4)
    0.518
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    t, e, eta = check_survival(time, event, lp, "lp")
    tq = check_horizons(times, t)
    new = eta if lp_new is None else as_float_1d(np.atleast_1d(lp_new), "lp_new")
    center = float(eta.mean())
    etimes, inc = _baseline_increments(t, e, np.exp(eta - center), ties == "efron")
    cum = np.concatenate(([0.0], np.cumsum(inc)))
    h0 = cum[np.searchsorted(etimes, tq, side="right")]
    cumhaz = np.outer(np.exp(new - center), h0)
    return HorizonRisk(
        times=tq,
        surv=np.exp(-cumhaz),
        risk=-np.expm1(-cumhaz),
        cumhaz0=h0,
        center=center,
        ties=ties,
    )


def _as_risk_matrix(risk: Any, n: int, k: int) -> np.ndarray:
    """Predicted risks as an ``(n, k)`` float array in [0, 1] (a 1-D array is one horizon)."""
    arr = np.asarray(risk, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != k:
        raise StatsError(f"risk must have one column per horizon ({k}), got shape {arr.shape}")
    check_same_length(n, arr, "risk")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise StatsError("predicted risks must be finite probabilities in [0, 1]")
    return arr
