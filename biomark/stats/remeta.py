"""Random-effects meta-analysis by REML with the Hartung–Knapp–Sidik–Jonkman adjustment and a
prediction interval for a new setting.

Given per-cohort estimates :math:`y_i` with sampling variances :math:`v_i` (:math:`i = 1..k`):

* :math:`\\tau^2` by restricted maximum likelihood, Fisher scoring as ``metafor::rma(method = "REML")``
  does: with :math:`W = \\mathrm{diag}(1/(v_i + \\tau^2))` and :math:`P = W - W 1 (1'W1)^{-1} 1'W`,
  :math:`\\tau^2 \\leftarrow \\tau^2 + (y'PPy - \\mathrm{tr}\\,P) / \\mathrm{tr}(PP)`, step-halved to stay
  non-negative, from the DerSimonian–Laird start, until the step is below 1e-10 (metafor's threshold is
  1e-5; ours is tighter, so the two agree to about 1e-6 in :math:`\\tau^2`);
* :math:`\\hat\\mu = \\sum w_i y_i / \\sum w_i`, :math:`w_i = 1/(v_i + \\hat\\tau^2)`;
* ``test="knha"`` (Hartung & Knapp 2001; Sidik & Jonkman 2002): :math:`\\mathrm{SE} =
  \\sqrt{\\sum w_i (y_i - \\hat\\mu)^2 / ((k-1) \\sum w_i)}` and :math:`t_{k-1}` quantiles, as
  ``rma(test = "knha")`` (no truncation of the factor at 1); ``test="z"``: :math:`\\mathrm{SE} =
  (\\sum w_i)^{-1/2}` and normal quantiles;
* prediction interval for the effect in a new setting (Higgins, Thompson & Spiegelhalter 2009; Riley,
  Higgins & Deeks 2011): :math:`\\hat\\mu \\pm q \\sqrt{\\mathrm{SE}^2 + \\hat\\tau^2}` with
  :math:`q = t_{k-1}` under ``knha`` (``metafor::predict``) or :math:`t_{k-2}` with ``pi_df="k-2"``
  (Riley et al. 2011's own choice), normal under ``test="z"``;
* :math:`I^2 = \\hat\\tau^2 / (\\hat\\tau^2 + \\tilde v)`, :math:`\\tilde v = (k-1)\\sum w_i /
  ((\\sum w_i)^2 - \\sum w_i^2)` with fixed-effect :math:`w_i = 1/v_i` (metafor's definition for
  non-DL estimators), and Cochran's Q.

Scales (Debray et al. 2017, BMJ 356:i6460; Snell et al. 2018, Stat Methods Med Res 27:3505): a C statistic
or AUC is pooled on the logit scale (:func:`pool_c_statistic`), an observed:expected ratio on the log scale
(:func:`pool_oe`), a calibration slope as it is (:func:`pool_slope`); estimates and intervals are
back-transformed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ._errors import StatsError
from ._result import Result

__all__ = ["RandomEffects", "random_effects", "pool_c_statistic", "pool_oe", "pool_slope"]

_BACK = {"identity": lambda t: t, "logit": lambda t: 1.0 / (1.0 + np.exp(-t)), "log": np.exp}


@dataclass(frozen=True)
class RandomEffects(Result):
    """A random-effects summary with its CI and the prediction interval for a new setting.

    ``estimate``, ``ci_*`` and ``pi_*`` are back-transformed to the natural scale of the metric;
    ``mu`` and ``se`` are on the analysis scale (``scale``: identity, logit or log).
    """

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    mu: float
    se: float
    tau2: float
    tau: float
    i2: float
    q: float
    q_p: float
    k: int
    df: int | None
    method: str
    test: str
    scale: str


def _check(y: np.ndarray, v: np.ndarray) -> None:
    if y.ndim != 1 or y.shape != v.shape:
        raise StatsError("estimates and variances must be 1-D arrays of the same length")
    if y.size < 2:
        raise StatsError(f"a random-effects meta-analysis needs at least 2 cohorts, got {y.size}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise StatsError("estimates and variances must be finite")
    if np.any(v <= 0):
        raise StatsError("variances must be positive")


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    yf = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - yf) ** 2)
    return max(0.0, (q - (y.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))


def _tau2_reml(y: np.ndarray, v: np.ndarray, max_iter: int = 1000, tol: float = 1e-10) -> float:
    tau2 = _tau2_dl(y, v)
    for _ in range(max_iter):
        w = 1.0 / (v + tau2)
        P = np.diag(w) - np.outer(w, w) / np.sum(w)
        Py = P @ y
        step = (Py @ Py - np.trace(P)) / np.sum(P * P)
        new = tau2 + step
        while new < 0:  # step halving (metafor's stepadj), then the boundary
            step /= 2
            new = tau2 + step
            if abs(step) < tol:
                new = 0.0
                break
        if abs(new - tau2) < tol:
            return float(new)
        tau2 = new
    raise StatsError("REML estimate of tau^2 did not converge in 1000 Fisher-scoring steps")


def random_effects(estimates, variances, *, method: str = "REML", test: str = "knha", ci: float = 0.95,
                   pi_df: str = "k-1", scale: str = "identity") -> RandomEffects:
    """Pool per-cohort estimates by random effects with a prediction interval.

    Parameters
    ----------
    estimates, variances
        Per-cohort estimates on the analysis scale and their sampling variances.
    method : {"REML", "DL"}
        Estimator of the between-cohort variance tau^2.
    test : {"knha", "z"}
        Hartung–Knapp–Sidik–Jonkman SE with t(k-1) quantiles, or the Wald SE with normal quantiles.
    ci : float
        Level of the confidence and prediction intervals.
    pi_df : {"k-1", "k-2"}
        Degrees of freedom of the prediction interval under ``knha``: k-1 as ``metafor::predict``,
        k-2 as Riley et al. 2011 (needs k >= 3).
    scale : {"identity", "logit", "log"}
        Labels the analysis scale; estimate, CI and PI are back-transformed.

    Returns
    -------
    RandomEffects

    Notes
    -----
    R: ``metafor::rma(yi, vi, method = "REML", test = "knha")`` and ``predict()`` of it (metafor 4.x);
    checked in tests/data/R/external_meta.R.

    Examples
    --------
    >>> r = random_effects([0.2, 0.5, 0.35, 0.1], [0.01, 0.02, 0.015, 0.012])
    >>> round(r.estimate, 4), round(r.tau2, 4), round(r.pi_low, 3), round(r.pi_high, 3)
    (0.27, 0.0132, -0.184, 0.724)
    """
    y, v = np.asarray(estimates, dtype=float), np.asarray(variances, dtype=float)
    _check(y, v)
    if method not in ("REML", "DL"):
        raise StatsError(f"method must be 'REML' or 'DL', not {method!r}")
    if test not in ("knha", "z"):
        raise StatsError(f"test must be 'knha' or 'z', not {test!r}")
    if scale not in _BACK:
        raise StatsError(f"scale must be identity, logit or log, not {scale!r}")
    if pi_df not in ("k-1", "k-2") or (pi_df == "k-2" and y.size < 3):
        raise StatsError("pi_df must be 'k-1', or 'k-2' with at least 3 cohorts")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be between 0 and 1, not {ci!r}")
    k = y.size
    tau2 = _tau2_reml(y, v) if method == "REML" else _tau2_dl(y, v)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    if test == "knha":
        se = float(np.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w))))
        df: int | None = k - 1
        q_ci = sps.t.ppf(0.5 + ci / 2, k - 1)
        q_pi = sps.t.ppf(0.5 + ci / 2, k - 1 if pi_df == "k-1" else k - 2)
    else:
        se = float(np.sqrt(1.0 / np.sum(w)))
        df = None
        q_ci = q_pi = sps.norm.ppf(0.5 + ci / 2)
    wf = 1.0 / v
    q = float(np.sum(wf * (y - np.sum(wf * y) / np.sum(wf)) ** 2))
    v_typ = (k - 1) * np.sum(wf) / (np.sum(wf) ** 2 - np.sum(wf**2))
    f = _BACK[scale]
    half_pi = q_pi * np.sqrt(se**2 + tau2)
    return RandomEffects(
        estimate=float(f(mu)), ci_low=float(f(mu - q_ci * se)), ci_high=float(f(mu + q_ci * se)),
        pi_low=float(f(mu - half_pi)), pi_high=float(f(mu + half_pi)), mu=mu, se=se, tau2=float(tau2),
        tau=float(np.sqrt(tau2)), i2=float(tau2 / (tau2 + v_typ)), q=q, q_p=float(sps.chi2.sf(q, k - 1)), k=int(k),
        df=df, method=method, test=test, scale=scale)


def pool_c_statistic(c, se, **kw) -> RandomEffects:
    """Pool C statistics or AUCs on the logit scale (Debray 2017); SE(logit C) = se / (C (1 − C)).

    Examples
    --------
    >>> r = pool_c_statistic([0.70, 0.78, 0.74], [0.04, 0.05, 0.03])
    >>> round(r.estimate, 4), r.scale
    (0.733, 'logit')
    """
    a, s = np.asarray(c, dtype=float), np.asarray(se, dtype=float)
    if np.any((a <= 0) | (a >= 1)):
        raise StatsError("C statistics of exactly 0 or 1 cannot be pooled on the logit scale")
    return random_effects(np.log(a / (1 - a)), (s / (a * (1 - a))) ** 2, scale="logit", **kw)


def pool_oe(oe, se_log_oe, **kw) -> RandomEffects:
    """Pool observed:expected ratios on the log scale (Debray 2017), given SE(log O:E).

    Examples
    --------
    >>> r = pool_oe([0.9, 1.2, 1.05], [0.1, 0.12, 0.08])
    >>> round(r.estimate, 3), r.scale
    (1.034, 'log')
    """
    a = np.asarray(oe, dtype=float)
    if np.any(a <= 0):
        raise StatsError("an O:E ratio of 0 (no events) cannot be pooled on the log scale")
    return random_effects(np.log(a), np.asarray(se_log_oe, dtype=float) ** 2, scale="log", **kw)


def pool_slope(slope, se, **kw) -> RandomEffects:
    """Pool calibration slopes as they are (identity scale; Debray 2017).

    Examples
    --------
    >>> r = pool_slope([0.9, 1.1, 0.8], [0.1, 0.15, 0.12])
    >>> round(r.estimate, 3)
    0.909
    """
    return random_effects(slope, np.asarray(se, dtype=float) ** 2, scale="identity", **kw)
