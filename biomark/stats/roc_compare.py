"""Unpaired DeLong test, binormal smoothed ROC curve and Obuchowski-McClish power of an AUC study,
as R's pROC 1.18.0 (``roc.test(paired = FALSE)``, ``smooth(method = "binormal")``, ``power.roc.test``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special
from scipy import stats as _st

from ._binary import (
    _check_direction,
    _coords,
    _counts,
    _level,
    _normal_ci,
    _outcome,
    _resolve,
    _score,
)
from ._errors import StatsError
from ._result import Result
from .roc import _delong

__all__ = ["UnpairedDelongTest", "SmoothRoc", "RocPower", "delong_unpaired", "smooth_roc", "roc_power",
           "roc_power_paired"]


@dataclass(frozen=True)
class UnpairedDelongTest(Result):
    """DeLong test of two AUCs from independent samples (two cohorts).

    Attributes
    ----------
    auc_a, auc_b, diff : float
        The AUCs and ``auc_a - auc_b``. se : float
        ``sqrt(var_a + var_b)`` from the two DeLong variances.
    statistic, df, p : float
        ``diff / se``; pROC refers it to Student's t with Welch-Satterthwaite df
        ``(V_a + V_b)^2 / (V_a^2/(N_a - 1) + V_b^2/(N_b - 1))`` (N the sample sizes), two-sided p.
    p_normal : float
        The two-sided normal p-value of the same statistic.
    ci_low, ci_high : float
        Normal interval of the difference. ci : float
    direction_a, direction_b : str
    """

    auc_a: float
    auc_b: float
    diff: float
    se: float
    statistic: float
    df: float
    p: float
    p_normal: float
    ci_low: float
    ci_high: float
    ci: float
    direction_a: str
    direction_b: str


def delong_unpaired(
    y_a: Any,
    score_a: Any,
    y_b: Any,
    score_b: Any,
    *,
    ci: float = 0.95,
    direction: str = "<",
    positive: Any = None,
) -> UnpairedDelongTest:
    """Compare the AUCs of two independent samples (e.g. a marker in two cohorts), as pROC.

    Parameters
    ----------
    y_a, score_a : array-like
        Outcome and score of the first sample (as in :func:`biomark.stats.roc_auc`).
    y_b, score_b : array-like
        The second, independent sample.
    ci : float
        Level of the interval of the difference.
    direction : {"<", ">", "auto"}
        Applied to each sample separately.
    positive : optional
        Label of the cases in both samples.

    Returns
    -------
    UnpairedDelongTest

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Biometrics 44:837-845. R:
    ``pROC::roc.test(roc_a, roc_b, method = "delong", paired = FALSE)`` (its p uses the t
    distribution with Welch df, reported as ``p``; ``p_normal`` is the z-test).

    Examples
    --------
    >>> t = delong_unpaired([0, 0, 1, 1, 0, 1], [1, 2, 3, 5, 4, 6], [0, 1, 0, 1, 0, 1], [3, 2, 1, 6, 4, 5])
    >>> round(t.auc_a, 4), round(t.auc_b, 4), round(t.statistic, 3)
    (0.8889, 0.7778, 0.378)
    """
    level = _level(ci)
    parts = []
    for y, s, name in ((y_a, score_a, "score_a"), (y_b, score_b, "score_b")):
        pos = _outcome(y, positive)
        sc = _score(s, pos.size, name)
        _counts(pos, minimum=2)
        auc, var, d = _delong(pos, sc, _check_direction(direction))
        parts.append((auc, var, d, pos.size))
    (aa, va, da, na), (ab, vb, db, nb) = parts
    v = va + vb
    if not v > 0:
        raise StatsError("both AUCs have zero DeLong variance (complete separation in both samples): the test is undefined")
    se = math.sqrt(v)
    stat = (aa - ab) / se
    df = v * v / (va * va / (na - 1) + vb * vb / (nb - 1))
    lo, hi = _normal_ci(aa - ab, se, level)
    return UnpairedDelongTest(auc_a=aa, auc_b=ab, diff=aa - ab, se=se, statistic=float(stat), df=float(df),
                              p=float(2.0 * _st.t.sf(abs(stat), df)), p_normal=float(2.0 * special.ndtr(-abs(stat))),
                              ci_low=float(lo), ci_high=float(hi), ci=level, direction_a=da, direction_b=db)


@dataclass(frozen=True, eq=False)
class SmoothRoc(Result):
    """Binormal smoothed ROC curve.

    Attributes
    ----------
    sensitivities, specificities : ndarray
        ``n + 2`` points, sensitivity falling from 1 to 0 (pROC's order, with its end points).
    intercept, slope : float
        The least-squares line ``qnorm(sp) = intercept + slope * qnorm(se)`` through the empirical
        points with both coordinates in (0, 1) (pROC's ``lm(sp ~ se)`` on the probit scale).
    auc : float
        The binormal area ``Phi(intercept / sqrt(1 + slope^2))`` (pROC's ``auc(smooth(roc))``; the
        trapezoid over the points differs from it by O(1/n^2)).
    direction : str
    """

    sensitivities: np.ndarray = field(repr=False)
    specificities: np.ndarray = field(repr=False)
    intercept: float
    slope: float
    auc: float
    direction: str


def smooth_roc(y: Any, score: Any, *, n: int = 512, direction: str = "auto", positive: Any = None) -> SmoothRoc:
    """Binormal smoothing of the empirical ROC curve, for display (as ``pROC::smooth(method = "binormal")``).

    Parameters
    ----------
    y, score, positive, direction
        As in :func:`biomark.stats.roc_auc`.
    n : int
        Number of points on the probit grid of sensitivities.

    Returns
    -------
    SmoothRoc

    References
    ----------
    Metz CE, Herman BA, Shen JH (1998). Maximum likelihood estimation of receiver operating
    characteristic (ROC) curves from continuously-distributed data. Stat Med 17:1033-1053 (the
    binormal model); pROC fits it by least squares on the probit-transformed empirical points
    (pROC 1.18.0 ``smooth.roc.binormal``), which is what this reproduces.

    Examples
    --------
    >>> sm = smooth_roc([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [1, 2, 3, 4, 5, 9, 6, 7, 8, 10], direction="<")
    >>> round(sm.slope, 4), round(sm.auc, 4)
    (-1.2999, 0.6365)
    """
    if not isinstance(n, (int, np.integer)) or n < 3:
        raise StatsError(f"n must be an integer >= 3, got {n!r}")
    pos = _outcome(y, positive)
    s = _score(score, pos.size)
    _counts(pos)
    d = _resolve(pos, s, direction)
    _, tp, tn, m, k = _coords(pos, s, d)
    with np.errstate(divide="ignore"):
        qse, qsp = special.ndtri(tp / m), special.ndtri(tn / k)
    ok = np.isfinite(qse) & np.isfinite(qsp)
    if ok.sum() <= 1 or np.ptp(qse[ok]) == 0:
        raise StatsError("ROC curve not smoothable: fewer than 2 points with sensitivity and specificity in (0, 1)")
    slope, intercept = np.polyfit(qse[ok], qsp[ok], 1)
    grid = special.ndtri(np.linspace(0.0, 1.0, int(n)))[::-1]
    sens = np.concatenate(([1.0], special.ndtr(grid), [0.0]))
    spec = np.concatenate(([0.0], special.ndtr(intercept + slope * grid), [1.0]))
    auc = float(special.ndtr(intercept / math.sqrt(1.0 + slope * slope)))
    return SmoothRoc(sensitivities=sens, specificities=spec, intercept=float(intercept), slope=float(slope),
                     auc=auc, direction=d)


@dataclass(frozen=True)
class RocPower(Result):
    """Power, sample size, significance level or detectable AUC of an ROC study (Obuchowski-McClish).

    Attributes
    ----------
    n_cases, n_controls : float
        Sample sizes (not rounded; round up for a design). auc : float or None
        The AUC (one-curve design). power, sig_level : float
    alternative : str
    solved_for : str
        Which quantity was computed.
    """

    n_cases: float
    n_controls: float
    auc: float | None
    power: float
    sig_level: float
    alternative: str
    solved_for: str


def _var_theta(theta: float, kappa: float) -> float:
    """Obuchowski's (1994) variance of the AUC under the binormal model with equal variances."""
    a = special.ndtri(theta) * 1.414
    return 0.0099 * math.exp(-a * a / 2.0) * ((5.0 * a * a + 8.0) + (a * a + 8.0) / kappa)


def _solve(nd: float | None, za: float | None, zb: float | None, v0: float, va: float, delta: float) -> tuple[float, float, float]:
    """The one missing of (n_cases, z_alpha, z_beta) from ``sqrt(n) |delta| = za sqrt(v0) + zb sqrt(va)``."""
    if nd is None:
        nd = (za * math.sqrt(v0) + zb * math.sqrt(va)) ** 2 / delta**2
    elif zb is None:
        zb = (math.sqrt(nd * delta**2) - za * math.sqrt(v0)) / math.sqrt(va)
    else:
        za = (math.sqrt(nd * delta**2) - zb * math.sqrt(va)) / math.sqrt(v0)
    return nd, za, zb


def _design(n_cases: float | None, n_controls: float | None, kappa: float, power: float | None,
            sig_level: float | None, alternative: str) -> tuple[float | None, float | None, float, float]:
    """Checked sizes (filled from kappa), the one-sided alpha and the ratio kappa = controls/cases."""
    if alternative not in ("two.sided", "one.sided"):
        raise StatsError(f"alternative must be 'two.sided' or 'one.sided', got {alternative!r}")
    for name, v in (("n_cases", n_cases), ("n_controls", n_controls), ("kappa", kappa)):
        if v is not None and not v > 0:
            raise StatsError(f"{name} must be positive, got {v!r}")
    for name, v in (("power", power), ("sig_level", sig_level)):
        if v is not None and not 0 < v < 1:
            raise StatsError(f"{name} must be strictly between 0 and 1, got {v!r}")
    if n_controls is None and n_cases is not None:
        n_controls = kappa * n_cases
    elif n_cases is None and n_controls is not None:
        n_cases = n_controls / kappa
    if n_cases is not None and n_controls is not None:
        kappa = n_controls / n_cases
    alpha = None if sig_level is None else (sig_level / 2.0 if alternative == "two.sided" else sig_level)
    return n_cases, n_controls, kappa, alpha


def _finish(nd: float, kappa: float, za: float, zb: float, auc: float | None, alternative: str, what: str) -> RocPower:
    alpha = float(special.ndtr(-za))
    return RocPower(n_cases=float(nd), n_controls=float(kappa * nd), auc=auc, power=float(special.ndtr(zb)),
                    sig_level=alpha * 2.0 if alternative == "two.sided" else alpha, alternative=alternative,
                    solved_for=what)


def _missing_one(**values: Any) -> str:
    missing = [k for k, v in values.items() if v is None]
    if len(missing) != 1:
        raise StatsError(f"give all but one of {sorted(values)} (None marks the one to compute); missing: {missing}")
    return missing[0]


def roc_power(
    *,
    auc: float | None = None,
    n_cases: float | None = None,
    n_controls: float | None = None,
    power: float | None = None,
    sig_level: float | None = 0.05,
    kappa: float = 1.0,
    alternative: str = "two.sided",
) -> RocPower:
    """Power or sample size to show that one AUC differs from 0.5 (Obuchowski & McClish), as pROC.

    Parameters
    ----------
    auc : float, optional
        The anticipated AUC (in (0.5, 1)).
    n_cases, n_controls : float, optional
        Sample sizes; one of them with ``kappa`` is enough. Leave both out to solve for them.
    power, sig_level : float, optional
        Leave exactly one of (auc, sizes, power, sig_level) as None: that one is computed.
    kappa : float
        n_controls / n_cases when solving for the sizes.
    alternative : {"two.sided", "one.sided"}

    Returns
    -------
    RocPower

    References
    ----------
    Obuchowski NA, McClish DK (1997). Sample size determination for diagnostic accuracy studies
    involving binormal ROC curve indices. Stat Med 16:1529-1542; Obuchowski NA (1994). Acad Radiol
    1:108-120. R: ``pROC::power.roc.test(auc =, ncases =, ncontrols =, sig.level =, power =, kappa =)``.

    Examples
    --------
    >>> r = roc_power(auc=0.75, power=0.9, kappa=1.5)
    >>> round(r.n_cases, 3), round(r.n_controls, 3)
    (21.117, 31.676)
    """
    nd, nc, kappa, alpha = _design(n_cases, n_controls, kappa, power, sig_level, alternative)
    what = _missing_one(auc=auc, n=nd, power=power, sig_level=alpha)
    za = None if alpha is None else float(special.ndtri(1.0 - alpha))
    zb = None if power is None else float(special.ndtri(power))
    if what == "auc":

        def f(x: float) -> float:
            return (za * math.sqrt(0.0792 * (1 + 1 / kappa)) + zb * math.sqrt(_var_theta(x, kappa))) ** 2 / (x - 0.5) ** 2 - nd

        auc = float(optimize.brentq(f, 0.5 + 1e-9, 1 - 1e-12, xtol=1e-12))
        return _finish(nd, kappa, za, zb, auc, alternative, what)
    if not 0 < auc < 1 or auc == 0.5:
        raise StatsError(f"auc must be in (0, 1) and differ from 0.5, got {auc!r}")
    nd, za, zb = _solve(nd, za, zb, 0.0792 * (1 + 1 / kappa), _var_theta(auc, kappa), auc - 0.5)
    return _finish(nd, kappa, za, zb, float(auc), alternative, what)


def _f_g(a: float, b: float) -> tuple[float, float]:
    e = math.exp(-a * a / (2 * (1 + b * b)))
    return e * (2 * math.pi * (1 + b * b)) ** -0.5, -e * a * b * (2 * math.pi * (1 + b * b) ** 3) ** -0.5


def roc_power_paired(
    a1: float,
    b1: float,
    a2: float,
    b2: float,
    *,
    rn: float,
    ra: float,
    delta: float | None = None,
    n_cases: float | None = None,
    n_controls: float | None = None,
    power: float | None = None,
    sig_level: float | None = 0.05,
    kappa: float = 1.0,
    alternative: str = "two.sided",
) -> RocPower:
    """Power or sample size to compare two paired AUCs under a binormal model (Obuchowski & McClish).

    Parameters
    ----------
    a1, b1, a2, b2 : float
        Binormal parameters of the two tests (``A = (mu_cases - mu_controls)/sd_cases``,
        ``B = sd_controls/sd_cases``); the AUC is ``Phi(A / sqrt(1 + B^2))``.
    rn, ra : float
        Correlation of the two tests' scores among controls (rn) and among cases (ra).
    delta : float, optional
        The difference of AUCs to detect; by default the binormal AUC1 - AUC2.
    n_cases, n_controls, power, sig_level, kappa, alternative
        As in :func:`roc_power` (one of sizes, power, sig_level is None and is computed).

    Returns
    -------
    RocPower

    References
    ----------
    Obuchowski NA, McClish DK (1997). Stat Med 16:1529-1542. R: ``pROC::power.roc.test(list(A1 =,
    B1 =, A2 =, B2 =, rn =, ra =, delta =), ncases =, ncontrols =, power =)`` (pROC 1.18.0).

    Examples
    --------
    >>> r = roc_power_paired(1.2, 1, 0.8, 1, rn=0.4, ra=0.6, n_cases=60, n_controls=60)
    >>> round(r.power, 4)
    0.4518
    """
    nd, nc, kappa, alpha = _design(n_cases, n_controls, kappa, power, sig_level, alternative)
    what = _missing_one(n=nd, power=power, sig_level=alpha)
    if delta is None:
        delta = float(special.ndtr(a1 / math.sqrt(1 + b1 * b1)) - special.ndtr(a2 / math.sqrt(1 + b2 * b2)))
    if delta == 0:
        raise StatsError("delta (the AUC difference to detect) is zero: no sample size can detect it")
    (f1, g1), (f2, g2) = _f_g(a1, b1), _f_g(a2, b2)
    var1 = f1 * f1 * (1 + b1 * b1 / kappa + a1 * a1 / 2) + g1 * g1 * b1 * b1 * (1 + kappa) / (2 * kappa)
    var2 = f2 * f2 * (1 + b2 * b2 / kappa + a2 * a2 / 2) + g2 * g2 * b2 * b2 * (1 + kappa) / (2 * kappa)
    cov = (f1 * f2 * (ra + rn * b1 * b2 / kappa + ra * ra * a1 * a2 / 2)
           + g1 * g2 * (b1 * b2 * (rn * rn + kappa * ra * ra) / (2 * kappa))
           + f1 * g2 * (ra * ra * a1 * b2 / 2) + f2 * g1 * (ra * ra * a2 * b1 / 2))
    za = None if alpha is None else float(special.ndtri(1.0 - alpha))
    zb = None if power is None else float(special.ndtri(power))
    nd, za, zb = _solve(nd, za, zb, 2 * var1 - 2 * cov, var1 + var2 - 2 * cov, delta)
    return _finish(nd, kappa, za, zb, None, alternative, what)
