"""Survival association statistics matching R's ``survival`` package (3.5.3).

* :func:`cox` — Cox proportional hazards model (``coxph``), Efron or Breslow ties (:mod:`.coxph`).
* :func:`logrank` — k-sample, stratified and trend log-rank tests (``survdiff``; :mod:`.survdiff`).
* :func:`kaplan_meier` — Kaplan-Meier curve with log-transformed Greenwood CI (``survfit``; :mod:`.km`).
* :func:`ph_test` — Grambsch-Therneau test of proportional hazards (``cox.zph``), defined here.

Every name of the three modules is importable from here as before issue 13 split this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from ._surv_cox import CoxData
from ._surv_utils import check_time_event
from .coxph import (  # noqa: F401  (importable from here)
    CoxResult,
    NewtonFit,
    _design,
    _ridge_newton,
    cox,
    cox_coef,
    cox_ridge,
    newton,
)
from .km import KaplanMeierCurve, KaplanMeierPoint, kaplan_meier
from .survdiff import LogrankResult, logrank

__all__ = [
    "CoxResult",
    "KaplanMeierCurve",
    "KaplanMeierPoint",
    "LogrankResult",
    "PHTestResult",
    "cox",
    "cox_coef",
    "cox_ridge",
    "kaplan_meier",
    "logrank",
    "ph_test",
]


@dataclass(frozen=True, eq=False)
class PHTestResult(Result):
    """Grambsch-Therneau test of proportional hazards (``cox.zph``)."""

    terms: tuple[str, ...]
    chisq: np.ndarray
    df: np.ndarray
    p: np.ndarray
    global_chisq: float
    global_df: int
    global_p: float
    transform: str


def _quadratic(u: np.ndarray, info: np.ndarray) -> float:
    """``u' info^-1 u``; a singular information means the time-varying term is not identifiable."""
    try:
        return float(u @ np.linalg.solve(info, u))
    except np.linalg.LinAlgError:
        raise StatsError(
            "the proportional-hazards test is undefined: the covariate times g(t) is collinear with the "
            "covariates at the event times (too few distinct event times for the terms)"
        ) from None


_TRANSFORMS = ("km", "identity", "rank", "log")


def _time_transform(t: np.ndarray, e: np.ndarray, etimes: np.ndarray, transform: str) -> np.ndarray:
    """``g(t)`` at each distinct event time for cox.zph's ``transform``."""
    if transform == "km":  # 1 - KM(t-)
        km = kaplan_meier(t, e)
        idx = np.searchsorted(km.time, etimes, side="left") - 1
        return 1.0 - np.where(idx >= 0, km.surv[np.maximum(idx, 0)], 1.0)
    if transform == "identity":
        return etimes.astype(np.float64)
    if transform == "log":
        return np.log(etimes)
    if transform == "rank":  # rank among all n observation times, ties averaged (R's rank(times))
        ts = np.sort(t)
        lo = np.searchsorted(ts, etimes, side="left")
        hi = np.searchsorted(ts, etimes, side="right")
        return (lo + 1 + hi) / 2.0
    raise StatsError(f"transform must be one of {_TRANSFORMS}, got {transform!r}")


def ph_test(
    time: Any,
    event: Any,
    covariates: Any,
    *,
    ties: Literal["efron", "breslow"] = "efron",
    transform: str = "km",
) -> PHTestResult:
    r"""Test proportional hazards, per term and globally, as ``cox.zph(fit)`` (survival >= 3.0).

    The Cox model is fitted first. Each covariate ``x_k`` then gets a companion
    ``x_k g(t)`` with ``g(t) = 1 - KM(t-)`` (the Kaplan-Meier time transform, R's default
    ``transform = "km"``) centred at its mean over the event times. The test is the score test
    of ``gamma = 0`` in the model with coefficients ``(beta, gamma)``, evaluated at
    ``(beta_hat, 0)``: with ``U = (0, U_gamma)`` and ``I`` the full ``2p x 2p`` information,
    ``chisq = U' I^{-1} U`` (df = p, global) or the same restricted to ``(beta, gamma_k)``
    (df = 1, per term). This is the exact score test of survival 3.x, not the older
    approximation that used ``var(beta) * d``. ``transform`` chooses ``g``: ``"km"`` (default),
    ``"identity"`` (``g(t) = t``), ``"log"`` (``log t``) or ``"rank"`` (the rank of t among all
    observation times, ties averaged), as ``cox.zph(fit, transform = )``.

    Reference: Grambsch PM, Therneau TM (1994) Biometrika 81:515; R ``survival::cox.zph``.

    Raises
    ------
    StatsError
        As :func:`cox`; and when every event is at one time: ``g(t)`` is then constant over the
        events, ``x g(t)`` is collinear with ``x`` and the information is singular, so there is no
        change over time to test (R's ``cox.zph`` fails there too).

    Examples
    --------
    >>> r = ph_test([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...             {"age": [60, 50, 70, 65, 40, 55, 58, 48]})
    >>> r.terms, r.global_df, bool(0 <= r.global_p <= 1)
    (('age',), 1, True)
    """
    fit = cox(time, event, covariates, ties=ties)
    t, e = check_time_event(time, event)
    x, names = _design(covariates, t.shape[0])
    data = CoxData(t, e, x, efron=(ties == "efron"))
    if data.n_groups < 2:
        raise StatsError(
            f"the proportional-hazards test is undefined: every event is at one time (t = {data.etimes[0]!r}), "
            "so there is no change of the hazard ratio over time to test; it needs events at two or more times"
        )
    g_time = _time_transform(t, e, data.etimes, transform)
    g_time = g_time - np.sum(g_time * data.d) / np.sum(data.d)  # centred at its mean over all events
    res = data.evaluate(fit.coef, gtime=g_time)
    p = len(names)
    imat = np.block([[res["info"], res["i_bg"].T], [res["i_bg"], res["i_gg"]]])
    u = np.concatenate((np.zeros(p), res["u_gamma"]))
    chisq = np.empty(p)
    for k in range(p):
        kk = list(range(p)) + [p + k]
        sub = imat[np.ix_(kk, kk)]
        uk = u[kk]
        chisq[k] = _quadratic(uk, sub)
    glob = _quadratic(u, imat)
    df = np.ones(p, dtype=int)
    return PHTestResult(
        terms=names,
        chisq=chisq,
        df=df,
        p=_st.chi2.sf(chisq, 1),
        global_chisq=glob,
        global_df=p,
        global_p=float(_st.chi2.sf(glob, p)),
        transform=transform,
    )

