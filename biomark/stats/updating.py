"""Updating a logistic prediction model in a new setting, chosen by the closed testing procedure.

Three updates of increasing extent (Steyerberg et al. 2004, Stat Med 23:2567; Steyerberg 2019, ch. 20),
each a maximum-likelihood logistic fit on the new data, with ``lp`` the original model's linear predictor
(logit of its predicted probability) and ``X`` the predictors the original model was built on:

* ``original``: no parameter, ``logit P = lp``;
* ``recalibration_in_the_large``: ``logit P = a + lp`` (only the intercept; ``a`` is the
  calibration-in-the-large);
* ``logistic_recalibration``: ``logit P = a + b lp`` (``b`` is the calibration slope);
* ``re_estimation`` (model revision): ``logit P = c + X β``, every coefficient re-estimated.

Closed testing (Vergouwe et al. 2017, Stat Med 36:4529), likelihood-ratio tests at level ``alpha``:
(1) revision against the original (df = p + 1); not significant: keep the original. (2) revision against
recalibration-in-the-large (df = p); not significant: recalibration-in-the-large. (3) revision against
logistic recalibration (df = p − 1); not significant: logistic recalibration; else revision. With one
predictor (p = 1) revision and logistic recalibration are the same model and step 3 is skipped.

R counterparts: ``glm(y ~ offset(lp), binomial)``, ``glm(y ~ lp, binomial)``, ``glm(y ~ X, binomial)`` and
``anova(..., test = "LRT")``; checked in tests/data/R/external_update.R.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sps

from ._errors import StatsError
from ._result import Result

__all__ = ["LogisticFit", "LRStep", "ModelUpdate", "logistic_fit", "update_model"]

UPDATES = ("original", "recalibration_in_the_large", "logistic_recalibration", "re_estimation")


@dataclass(frozen=True)
class LogisticFit(Result):
    """An unpenalised logistic fit: coefficients (intercept first), SEs, log-likelihood."""

    coef: np.ndarray = field(repr=False)
    se: np.ndarray = field(repr=False)
    loglik: float
    converged: bool


def _loglik(y: np.ndarray, eta: np.ndarray) -> float:
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def logistic_fit(y, X, offset=None, *, max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Maximum-likelihood logistic regression of 0/1 ``y`` on the columns of ``X`` (give a column of ones
    for an intercept) with an optional offset, by Newton–Raphson from 0; as ``glm(binomial)``.

    Raises StatsError when the fit does not converge (complete separation makes a coefficient infinite).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    >>> x = np.array([-1.0, -0.5, 0.2, 1.5, 0.3, 0.8, -0.2, 0.1])
    >>> f = logistic_fit(y, np.column_stack([np.ones(8), x]))
    >>> np.round(f.coef, 4).tolist(), round(f.loglik, 4)
    ([-0.3172, 2.6362], -3.8291)
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(y.size, -1)
    off = np.zeros(y.size) if offset is None else np.asarray(offset, dtype=float)
    beta = np.zeros(X.shape[1])
    ll = _loglik(y, off + X @ beta)
    for _ in range(max_iter):
        mu = 1.0 / (1.0 + np.exp(-(off + X @ beta)))
        H = (X * (mu * (1 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(H, X.T @ (y - mu))
        except np.linalg.LinAlgError:
            break
        for _half in range(30):  # step halving: Newton overshoots from 0 when the offset is far off
            new = beta + step
            ll_new = _loglik(y, off + X @ new)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12:
                break
            step = step / 2
        beta, ll = new, ll_new
        if not np.all(np.isfinite(beta)) or np.abs(beta).max() > 1e4:
            break
        if np.abs(step).max() < tol:
            mu = 1.0 / (1.0 + np.exp(-(off + X @ beta)))
            H = (X * (mu * (1 - mu))[:, None]).T @ X
            se = np.sqrt(np.diag(np.linalg.inv(H)))
            return LogisticFit(coef=beta, se=se, loglik=ll, converged=True)
    raise StatsError("the logistic fit did not converge: the outcome is (nearly) separated by the predictors")


@dataclass(frozen=True)
class LRStep(Result):
    """One likelihood-ratio test of the closed testing procedure."""

    compare: str
    lr: float
    df: int
    p: float


@dataclass(frozen=True)
class ModelUpdate(Result):
    """The three updates, the closed test's steps and its choice.

    Attributes
    ----------
    citl, citl_se : float
        Calibration-in-the-large a of ``logit P = a + lp`` and its SE (ideal 0).
    intercept, slope, intercept_se, slope_se : float
        Logistic recalibration ``logit P = a + b lp`` (ideal 0 and 1).
    revised_intercept, revised_coef : float, array
        Re-estimated intercept and coefficients on ``X``.
    loglik : dict
        Log-likelihood of each of :data:`UPDATES`.
    steps : list of LRStep
        The tests run, in order (the procedure stops at the first non-significant one).
    chosen : str
        One of :data:`UPDATES`.
    """

    citl: float
    citl_se: float
    intercept: float
    slope: float
    intercept_se: float
    slope_se: float
    revised_intercept: float
    revised_coef: np.ndarray = field(repr=False)
    loglik: dict
    steps: list
    chosen: str
    alpha: float
    n: int
    n_events: int


def update_model(y, lp, X, *, alpha: float = 0.05) -> ModelUpdate:
    """Fit the three updates of a logistic model on new data and choose one by closed testing.

    Parameters
    ----------
    y : array of 0/1
        Outcome in the new setting.
    lp : array of float
        The original model's linear predictor (logit of its predicted probability) per sample.
    X : 2-D array
        The original model's predictors (for re-estimation), one row per sample, without an intercept.
    alpha : float
        Level of each likelihood-ratio test.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> X = rng.normal(size=(400, 2))
    >>> lp = X @ [1.0, -0.8]
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-(lp + 1.0)))).astype(int)  # baseline risk shifted up
    >>> u = update_model(y, lp, X)
    >>> u.chosen, round(u.citl, 2)
    ('recalibration_in_the_large', 0.85)
    """
    y = np.asarray(y, dtype=float)
    lp = np.asarray(lp, dtype=float)
    X = np.asarray(X, dtype=float)
    X = X.reshape(y.size, -1) if X.ndim == 1 else X
    if y.ndim != 1 or lp.shape != y.shape or X.shape[0] != y.size:
        raise StatsError("y, lp and the rows of X must have the same length")
    if not np.all(np.isin(y, (0.0, 1.0))) or y.min() == y.max():
        raise StatsError("y must be 0/1 with both classes present to update a model")
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(X))):
        raise StatsError("lp and X must be finite")
    if not 0 < alpha < 1:
        raise StatsError(f"alpha must be between 0 and 1, not {alpha!r}")
    one = np.ones((y.size, 1))
    p = X.shape[1]
    ll0 = _loglik(y, lp)
    f1 = logistic_fit(y, one, lp)
    f2 = logistic_fit(y, np.column_stack([one, lp]))
    f3 = logistic_fit(y, np.column_stack([one, X]))
    ll = {"original": ll0, "recalibration_in_the_large": f1.loglik, "logistic_recalibration": f2.loglik,
          "re_estimation": f3.loglik}
    chosen, steps = "re_estimation", []
    plan = [("original", p + 1), ("recalibration_in_the_large", p)]
    if p > 1:
        plan.append(("logistic_recalibration", p - 1))
    for name, df in plan:
        lr = max(0.0, 2.0 * (f3.loglik - ll[name]))
        pv = float(sps.chi2.sf(lr, df))
        steps.append(LRStep(compare=f"re_estimation vs {name}", lr=float(lr), df=int(df), p=pv))
        if pv >= alpha:
            chosen = name
            break
    else:
        chosen = "re_estimation" if p > 1 else "logistic_recalibration"
    return ModelUpdate(citl=float(f1.coef[0]), citl_se=float(f1.se[0]), intercept=float(f2.coef[0]),
                       slope=float(f2.coef[1]), intercept_se=float(f2.se[0]), slope_se=float(f2.se[1]),
                       revised_intercept=float(f3.coef[0]), revised_coef=f3.coef[1:], loglik=ll, steps=steps,
                       chosen=chosen, alpha=float(alpha), n=int(y.size), n_events=int(y.sum()))
