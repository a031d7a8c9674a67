"""Brier score at a horizon with inverse-probability-of-censoring weights, IPA and integrated Brier score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._ipcw import CensoringKM
from ._result import Result
from ._surv_utils import check_time_event
from .horizon import _as_risk_matrix, check_horizons

__all__ = ["HorizonBrier", "brier_at"]


@dataclass(frozen=True, eq=False)
class HorizonBrier(Result):
    """Brier score of predicted risks at each horizon, beside the null (Kaplan-Meier) model.

    Attributes
    ----------
    times : numpy.ndarray
        Horizons.
    brier, se, lower, upper : numpy.ndarray
        IPCW Brier score, its standard error (influence function with the censoring term) and the
        Wald interval clipped to [0, 1].
    brier_null, se_null : numpy.ndarray
        The same for the null model, everyone's risk ``1 - KM(t)``.
    ipa : numpy.ndarray
        Index of prediction accuracy ``1 - brier / brier_null``.
    ibs, ibs_null : numpy.ndarray
        Integrated Brier score from 0 to each horizon over the requested horizons (riskRegression's
        step-function rule: ``IBS(t_k) = sum_{j<k} BS(t_j) (t_{j+1} - t_j) / t_k``, ``BS(t_0=0) = 0``).
    ci : float
        Level of the intervals.
    """

    times: np.ndarray
    brier: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    brier_null: np.ndarray
    se_null: np.ndarray
    ipa: np.ndarray
    ibs: np.ndarray
    ibs_null: np.ndarray
    ci: float


def _ibs(times: np.ndarray, bs: np.ndarray) -> np.ndarray:
    grid = np.concatenate(([0.0], times))
    vals = np.concatenate(([0.0], bs))
    area = np.concatenate(([0.0], np.cumsum(vals[:-1] * np.diff(grid))))
    return area[1:] / times


def _one(
    km: CensoringKM, t: np.ndarray, e: np.ndarray, r: np.ndarray, tk: float
) -> tuple[float, float]:
    """Brier score at ``tk`` and its standard error."""
    n = t.shape[0]
    case = (t <= tk) & (e == 1)
    ctrl = t > tk
    g_minus = km.before()
    g_t = km.at(tk)
    res_case = np.where(case, (1.0 - r) ** 2 / g_minus, 0.0)
    res_ctrl = np.where(ctrl, r**2 / g_t, 0.0)
    res = res_case + res_ctrl
    bs = float(res.mean())
    infl = res - bs - km.term(res_case, float(res_ctrl.sum()), tk) / n
    return bs, float(np.std(infl, ddof=1) / np.sqrt(n))


def brier_at(time: Any, event: Any, risk: Any, times: Any, *, ci: float = 0.95) -> HorizonBrier:
    r"""IPCW Brier score of predicted risks at each horizon (Graf et al. 1999), IPA and IBS.

    With ``G`` the reverse Kaplan-Meier estimate of the censoring distribution and ``r_i`` the
    predicted risk of an event by ``t``::

        BS(t) = 1/n sum_i [ 1(T_i <= t, delta_i = 1) (1 - r_i)^2 / G(T_i-) + 1(T_i > t) r_i^2 / G(t) ]

    (observations censored before ``t`` contribute 0 and are represented through the weights). The
    null model predicts ``1 - KM(t)`` for everyone; ``IPA = 1 - BS / BS_null`` (Kattan & Gerds 2018).
    The standard error is ``sd(IF) / sqrt(n)`` with the influence function ``res_i - BS`` plus the
    term from estimating ``G`` (as riskRegression's ``Score(..., se.fit = TRUE, conservative = FALSE)``
    with ``cens.model = "km"``). Ties: deaths precede censorings when estimating ``G`` (prodlim's
    reverse Kaplan-Meier, which Score uses).

    Parameters
    ----------
    time, event : array_like
        Follow-up and event indicator of the rows the risks are evaluated on.
    risk : array_like
        Predicted risk ``1 - S(t | x)``: shape ``(n,)`` for one horizon or ``(n, K)``.
    times : array_like
        Horizons (increasing, before the last follow-up).
    ci : float
        Level of the intervals.

    References
    ----------
    Graf E, Schmoor C, Sauerbrei W, Schumacher M (1999) Stat Med 18:2529. Gerds TA, Schumacher M
    (2006) Biom J 48:1029. Kattan MW, Gerds TA (2018) Diagn Progn Res 2:7. R: ``riskRegression::Score``
    (2022.11.28) with ``metrics = "brier"``, ``summary = c("ipa", "ibs")``.

    Examples
    --------
    >>> b = brier_at([2, 4, 5, 7, 9, 11], [1, 0, 1, 1, 0, 0], [0.6, 0.3, 0.5, 0.4, 0.1, 0.2], [6])
    >>> round(float(b.brier[0]), 4), round(float(b.ipa[0]), 4)
    (0.1225, 0.4773)
    """
    t, e = check_time_event(time, event)
    tq = check_horizons(times, t)
    r = _as_risk_matrix(risk, t.shape[0], tq.size)
    km = CensoringKM(t, e)
    s_km = _km_at(t, e, tq)
    out = {k: np.empty(tq.size) for k in ("brier", "se", "brier_null", "se_null")}
    for k, tk in enumerate(tq):
        out["brier"][k], out["se"][k] = _one(km, t, e, r[:, k], tk)
        out["brier_null"][k], out["se_null"][k] = _one(
            km, t, e, np.full(t.shape[0], 1.0 - s_km[k]), tk
        )
    z = float(_st.norm.ppf(0.5 + ci / 2))
    b = out["brier"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ipa = 1.0 - b / out["brier_null"]
    return HorizonBrier(
        times=tq,
        brier=b,
        se=out["se"],
        lower=np.maximum(0.0, b - z * out["se"]),
        upper=np.minimum(1.0, b + z * out["se"]),
        brier_null=out["brier_null"],
        se_null=out["se_null"],
        ipa=ipa,
        ibs=_ibs(tq, b),
        ibs_null=_ibs(tq, out["brier_null"]),
        ci=ci,
    )


def _km_at(t: np.ndarray, e: np.ndarray, tq: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival at the horizons (right-continuous)."""
    u, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e.astype(float), minlength=u.size)
    n_at = t.shape[0] - np.concatenate(([0], np.cumsum(np.bincount(inv, minlength=u.size))[:-1]))
    s = np.cumprod(1.0 - d / n_at)
    j = np.searchsorted(u, tq, side="right") - 1
    return np.where(j >= 0, s[np.maximum(j, 0)], 1.0)
