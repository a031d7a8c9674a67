"""Calibration of predicted risk at a horizon and the survival decision curve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from ._surv_utils import as_float_1d, check_survival, check_time_event
from .calibration import _lowess
from .coxph import cox
from .km import kaplan_meier

__all__ = [
    "HorizonCalibration",
    "HorizonCalibrationCurve",
    "SurvivalDecisionCurve",
    "calibration_at",
    "calibration_curve_at",
    "pseudo_risk",
    "net_benefit_at",
    "risk_groups",
]


@dataclass(frozen=True, eq=False)
class HorizonCalibration(Result):
    """Observed vs predicted risk at one horizon.

    Attributes
    ----------
    time : float
        The horizon ``t``.
    group_n, predicted, observed, observed_lower, observed_upper : numpy.ndarray
        Per group of predicted risk: size, mean predicted risk, observed risk ``1 - KM(t)`` in the
        group and its CI (from the log-transformed Kaplan-Meier CI of ``S``).
    observed_all, expected_all : float
        ``1 - KM(t)`` of everyone and the mean predicted risk.
    oe, oe_lower, oe_upper : float
        Calibration-in-the-large ``O/E = observed_all / expected_all`` and its CI,
        ``exp(log O/E -/+ z se(KM(t)) / (1 - KM(t)))`` (the expected count taken as fixed).
    slope, slope_se : float
        Calibration slope at ``t``: the Cox coefficient of ``log(-log(1 - risk))``.
    ci : float
    """

    time: float
    group_n: np.ndarray
    predicted: np.ndarray
    observed: np.ndarray
    observed_lower: np.ndarray
    observed_upper: np.ndarray
    observed_all: float
    expected_all: float
    oe: float
    oe_lower: float
    oe_upper: float
    slope: float
    slope_se: float
    ci: float


def risk_groups(risk: Any, groups: Any = 10) -> np.ndarray:
    """Group index (0 = lowest) of each value: ``groups`` quantile groups, or explicit cut-points.

    An integer ``g`` cuts at the ``1/g, ..., (g-1)/g`` quantiles (type 7, as R's
    ``cut(x, quantile(x, ...), include.lowest = TRUE)``, each group closed on the right); a
    sequence of values cuts at those values. Empty groups (tied quantiles) are dropped and the rest
    renumbered.

    Examples
    --------
    >>> risk_groups([0.1, 0.5, 0.2, 0.9, 0.4, 0.3], 3).tolist()
    [0, 2, 0, 2, 1, 1]
    """
    x = as_float_1d(risk, "risk")
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        if groups < 2:
            raise StatsError(f"groups must be 2 or more, got {groups}")
        cuts = np.quantile(x, np.arange(1, groups) / groups)
    else:
        cuts = np.sort(as_float_1d(np.atleast_1d(groups), "groups"))
    idx = np.searchsorted(np.unique(cuts), x, side="left")
    _, dense = np.unique(idx, return_inverse=True)
    return dense


def _km_risk(
    t: np.ndarray, e: np.ndarray, tk: float, ci: float
) -> tuple[float, float, float, float]:
    """1 - KM(tk), its CI, and the SE of KM(tk), carrying the last value past the last follow-up."""
    if not e.any():
        return 0.0, 0.0, 0.0, 0.0
    p = kaplan_meier(t, e, ci=ci).at([tk], extend=True)
    lo = float(p.upper[0]) if np.isfinite(p.upper[0]) else 1.0
    hi = float(p.lower[0]) if np.isfinite(p.lower[0]) else 1.0
    return 1.0 - float(p.surv[0]), 1.0 - lo, 1.0 - hi, float(p.std_err[0])


def calibration_at(
    time: Any,
    event: Any,
    risk: Any,
    t: float,
    *,
    groups: Any = 10,
    ci: float = 0.95,
    surv: Any = None,
) -> HorizonCalibration:
    r"""Observed (Kaplan-Meier) vs predicted risk at horizon ``t``, O/E and the calibration slope.

    Rows are grouped by predicted risk (:func:`risk_groups`); in each group the observed risk is
    ``1 - KM(t)`` and the predicted the mean of ``risk``. Calibration-in-the-large is
    ``O/E = (1 - KM(t)) / mean(risk)`` over all rows. The calibration slope at ``t`` is the
    coefficient of a Cox regression of the outcome on ``log(-log(1 - risk))`` (for a Cox model's
    predictions ``log H0(t) + x'beta``, so the slope of the linear predictor at every ``t``;
    1 = predictions neither too extreme nor too flat). Pass the predicted survival ``surv`` too
    when it is at hand (as :func:`biomark.stats.cox_risk_at` gives it): ``1 - risk`` loses the
    digits of survival probabilities below about 1e-12, which the slope's ``log(-log S)`` needs.

    References
    ----------
    Royston P, Altman DG (2013) BMC Med Res Methodol 13:33. Austin PC, Harrell FE, van Klaveren D
    (2020) Stat Med 39:2714. R: ``survfit`` per group (survival 3.5.3), ``coxph(Surv ~ log(-log(S)))``;
    rms ``calibrate(cph, u = t)`` for the bootstrap-corrected version.

    Examples
    --------
    >>> c = calibration_at([2, 4, 5, 7, 9, 11, 3, 8], [1, 0, 1, 1, 0, 0, 1, 0],
    ...                    [0.6, 0.3, 0.5, 0.4, 0.1, 0.2, 0.7, 0.35], 6, groups=2)
    >>> c.group_n.tolist(), round(c.oe, 3)
    ([4, 4], 1.016)
    """
    tt, e, r = check_survival(time, event, risk, "risk")
    s_pred = 1.0 - r if surv is None else as_float_1d(surv, "surv")
    if s_pred.shape != r.shape or np.any((s_pred <= 0) | (s_pred >= 1)):
        raise StatsError(
            "predicted risks (and surv) must lie strictly between 0 and 1 for the calibration slope; "
            "a risk rounded to 1 has lost its survival probability: pass surv="
        )
    g = risk_groups(r, groups)
    k = int(g.max()) + 1
    cols = {c: np.empty(k) for c in ("pred", "obs", "lo", "hi")}
    sizes = np.bincount(g, minlength=k)
    for j in range(k):
        sel = g == j
        cols["pred"][j] = float(r[sel].mean())
        cols["obs"][j], cols["lo"][j], cols["hi"][j], _ = _km_risk(tt[sel], e[sel], t, ci)
    obs, _, _, se_s = _km_risk(tt, e, t, ci)
    exp_all = float(r.mean())
    z = float(_st.norm.ppf(0.5 + ci / 2))
    oe = obs / exp_all
    half = z * se_s / obs if obs > 0 else np.inf
    fit = cox(tt, e, {"cloglog_risk": np.log(-np.log(s_pred))})
    return HorizonCalibration(
        time=float(t),
        group_n=sizes,
        predicted=cols["pred"],
        observed=cols["obs"],
        observed_lower=cols["lo"],
        observed_upper=cols["hi"],
        observed_all=obs,
        expected_all=exp_all,
        oe=oe,
        oe_lower=float(oe * np.exp(-half)),
        oe_upper=float(oe * np.exp(half)),
        slope=float(fit.coef[0]),
        slope_se=float(fit.se[0]),
        ci=ci,
    )


@dataclass(frozen=True, eq=False)
class SurvivalDecisionCurve(Result):
    """Net benefit at horizon ``time`` over thresholds: the model, treat-all and treat-none."""

    time: float
    threshold: np.ndarray
    model: np.ndarray
    treat_all: np.ndarray
    treat_none: np.ndarray
    n_treated: np.ndarray


def net_benefit_at(
    time: Any, event: Any, risk: Any, t: float, thresholds: Any
) -> SurvivalDecisionCurve:
    r"""Survival decision curve at horizon ``t``: net benefit of treating those with risk >= p.

    With ``f`` the share of rows whose predicted risk is ``>= p`` and ``S+`` the Kaplan-Meier
    survival at ``t`` among them::

        NB(p) = (1 - S+(t)) f - S+(t) f p / (1 - p)        (0 when nobody is above p)

    treat-all uses everyone (``f = 1``), treat-none is 0. This is the formula of dcurves'
    ``dca(Surv(time, event) ~ risk, time = t)`` (Vickers et al. 2008), computed by hand in the R
    reference.

    References
    ----------
    Vickers AJ, Cronin AM, Elkin EB, Gonen M (2008) BMC Med Inform Decis Mak 8:53.

    Examples
    --------
    >>> d = net_benefit_at([2, 4, 5, 7, 9, 11], [1, 0, 1, 1, 0, 0], [0.6, 0.3, 0.5, 0.4, 0.1, 0.2], 6, [0.2, 0.45])
    >>> d.model.round(4).tolist(), d.n_treated.tolist()
    ([0.2778, 0.3333], [5, 2])
    """
    tt, e, r = check_survival(time, event, risk, "risk")
    p = as_float_1d(np.atleast_1d(thresholds), "thresholds")
    if np.any((p <= 0) | (p >= 1)):
        raise StatsError("thresholds must lie strictly between 0 and 1")
    n = tt.shape[0]

    def nb(sel: np.ndarray, pt: float) -> float:
        f = sel.mean()
        if f == 0:
            return 0.0
        obs = _km_risk(tt[sel], e[sel], t, 0.95)[0]
        return float(obs * f - (1.0 - obs) * f * pt / (1.0 - pt))

    everyone = np.ones(n, dtype=bool)
    return SurvivalDecisionCurve(
        time=float(t),
        threshold=p,
        model=np.array([nb(r >= pt, pt) for pt in p]),
        treat_all=np.array([nb(everyone, pt) for pt in p]),
        treat_none=np.zeros(p.size),
        n_treated=np.array([int((r >= pt).sum()) for pt in p]),
    )


@dataclass(frozen=True, eq=False)
class HorizonCalibrationCurve(Result):
    """Smoothed calibration curve at ``time``: lowess of the pseudo-observed risk on the predicted risk."""

    time: float
    grid: np.ndarray
    observed: np.ndarray
    pseudo: np.ndarray = field(repr=False)


def pseudo_risk(time: Any, event: Any, t: float) -> np.ndarray:
    r"""Jackknife pseudo-observations of the risk by ``t``: ``n F(t) - (n - 1) F_{-i}(t)``, ``F = 1 - KM``.

    The leave-one-out Kaplan-Meier estimates come from cumulative sums (no refit per row): removing
    row ``i`` lowers the risk set by one at every time up to ``T_i`` and the deaths by ``delta_i`` at
    ``T_i``. Their mean is ``1 - KM(t)``. R: ``1 - prodlim::jackknife(prodlim(Hist(time, event) ~ 1),
    times = t)``. Andersen PK, Perme MP (2010) Stat Methods Med Res 19:71.

    Examples
    --------
    >>> pseudo_risk([2, 3, 5, 7, 9], [1, 0, 1, 1, 0], 6).round(4).tolist()
    [1.0, 0.3333, 1.3333, -0.1667, -0.1667]
    """
    tt, e = check_time_event(time, event, min_events=0)
    n = tt.shape[0]
    u, inv = np.unique(tt, return_inverse=True)
    d = np.bincount(inv, weights=e.astype(float), minlength=u.size)
    y = n - np.concatenate(([0], np.cumsum(np.bincount(inv, minlength=u.size))[:-1]))
    inside = u <= t
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.where(inside, np.log1p(-d / y), 0.0)
        minus = np.where(
            inside, np.log1p(-np.divide(d, y - 1, out=np.zeros(u.size), where=y > 1)), 0.0
        )
        own = np.log1p(-np.divide(d[inv] - e, y[inv] - 1, out=np.zeros(n), where=y[inv] > 1))
    cum_full = np.cumsum(full)
    cum_minus = np.concatenate(
        ([0.0], np.cumsum(minus))
    )  # before index j: times strictly before u_j
    log_s = cum_full[-1]
    log_loo = np.where(
        u[inv] <= t,
        cum_minus[inv] + np.where(inside[inv], own, 0.0) + (log_s - cum_full[inv]),
        cum_minus[np.searchsorted(u, t, side="right")],
    )
    f_all = 1.0 - np.exp(log_s)
    return n * f_all - (n - 1) * (1.0 - np.exp(log_loo))


def calibration_curve_at(
    time: Any, event: Any, risk: Any, t: float, *, grid: Any = None, frac: float = 2.0 / 3.0
) -> HorizonCalibrationCurve:
    r"""Smoothed calibration curve at ``t``: lowess of pseudo-observed risk on predicted risk.

    The pseudo-observations of :func:`pseudo_risk` stand in for the unobserved event indicators by
    ``t`` (they handle censoring); the curve is R's ``lowess(risk, pseudo, iter = 0)`` (span
    ``frac``) interpolated at ``grid`` (default 50 points over the predicted range; nan outside it).
    riskRegression's ``plotCalibration(..., method = "pseudo")`` smooths the same pseudo-values with
    a nearest-neighbour kernel instead.

    References
    ----------
    Andersen PK, Perme MP (2010) Stat Methods Med Res 19:71. Gerds TA, Andersen PK, Kattan MW (2014)
    Lifetime Data Anal 20:218.

    Examples
    --------
    >>> c = calibration_curve_at([2, 3, 5, 7, 9, 4, 8, 6], [1, 0, 1, 1, 0, 1, 0, 1],
    ...                          [0.7, 0.2, 0.6, 0.4, 0.1, 0.8, 0.3, 0.5], 6.5, grid=[0.3, 0.6])
    >>> c.observed.shape
    (2,)
    """
    tt, e, r = check_survival(time, event, risk, "risk")
    pseudo = pseudo_risk(tt, e, t)
    g = (
        np.linspace(r.min(), r.max(), 50)
        if grid is None
        else as_float_1d(np.atleast_1d(grid), "grid")
    )
    fit = _lowess(pseudo, r, frac)
    order = np.argsort(r, kind="stable")
    xs, fs = r[order], fit[order]
    obs = np.interp(g, xs, fs)
    obs[(g < xs[0]) | (g > xs[-1])] = np.nan
    return HorizonCalibrationCurve(time=float(t), grid=g, observed=obs, pseudo=pseudo)
