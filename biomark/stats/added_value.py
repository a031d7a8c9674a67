"""Added value of new predictors over a clinical model: nested logistic and Cox models.

Two models are fitted the same way on the same rows, the clinical model ``Z`` and the clinical + new
model ``[Z, X]``. The likelihood-ratio statistic ``2 (l_full - l_clinical)`` on ``df = ncol(X)`` is the test
of the added terms (enough on its own for nested models: Vickers, Cronin & Begg 2011, BMC Med Res Methodol
11:13); the Wald statistic ``b_X' V_XX^-1 b_X`` is reported beside it. The logistic model is fitted by
Newton-Raphson (IRLS) with step halving, as R's ``glm(family = binomial)``; the Cox model by
:func:`biomark.stats.coxph.cox` (as ``survival::coxph``, Efron ties).

:func:`delta_concordance` is the difference of Harrell's C of two risk scores with the variance of the
difference from the two infinitesimal-jackknife influence vectors, as ``survival::concordance(fit1, fit2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import special
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from .concordance import _influence
from .coxph import _design, cox

__all__ = ["DeltaConcordance", "LogisticResult", "NestedTest", "delta_concordance", "logistic", "nested_lr_test"]


@dataclass(frozen=True, eq=False)
class LogisticResult(Result):
    """Unpenalised logistic regression, as ``glm(y ~ ., family = binomial)``.

    ``terms`` starts with ``"(Intercept)"``; ``coef``, ``se``, ``z``, ``p`` are per term, ``vcov`` the inverse
    information, ``loglik`` the maximised log-likelihood, ``linear_predictor`` and ``prob`` per sample.
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    vcov: np.ndarray
    loglik: float
    n: int
    n_events: int
    iterations: int
    linear_predictor: np.ndarray = field(repr=False)
    prob: np.ndarray = field(repr=False)


def _loglik(y: np.ndarray, eta: np.ndarray) -> float:
    # log(1 + exp(eta)) computed stably; y*eta - log1p(exp(eta))
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def _irls(y: np.ndarray, X: np.ndarray, max_iter: int = 50, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, int]:
    """Newton-Raphson for the logistic likelihood from 0 with step halving; (beta, information, iterations)."""
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise StatsError("the logistic design is singular: a column is collinear with others (or with the intercept)")
    beta = np.zeros(X.shape[1])
    ll = _loglik(y, X @ beta)
    for it in range(1, max_iter + 1):
        mu = special.expit(X @ beta)
        info = (X * (mu * (1.0 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(info, X.T @ (y - mu))
        except np.linalg.LinAlgError:
            break  # the information vanishes: fitted risks at 0 or 1, i.e. separation
        for _ in range(30):
            new = beta + step
            ll_new = _loglik(y, X @ new)
            if ll_new >= ll - 1e-12:
                break
            step = step / 2.0
        beta, ll = new, ll_new
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(beta))):
            mu = special.expit(X @ beta)
            return beta, (X * (mu * (1.0 - mu))[:, None]).T @ X, it
    raise StatsError("the logistic fit did not converge: the outcome is (quasi-)separated by the predictors")


def logistic(y: Any, covariates: Any) -> LogisticResult:
    r"""Maximum-likelihood logistic regression with an intercept, as ``glm(y ~ ., family = binomial)``.

    Maximises :math:`\ell(\beta) = \sum_i y_i \eta_i - \log(1 + e^{\eta_i})`, :math:`\eta = X\beta`, by
    Newton-Raphson (identical to IRLS for the canonical link) with step halving, stopping when no step
    exceeds 1e-10. SEs from the inverse information at the estimate; Wald ``p = 2 Phi(-|b/se|)``.

    Parameters
    ----------
    y : array of 0/1
    covariates : array-like, DataFrame or dict of arrays
        One column per term (names as in :func:`biomark.stats.cox`).

    Raises
    ------
    StatsError
        A constant or collinear column, missing values, separation (no finite maximum).

    Examples
    --------
    >>> fit = logistic([0, 0, 1, 1, 0, 1, 1, 0], {"age": [50, 61, 58, 72, 40, 66, 49, 55]})
    >>> fit.terms, round(float(fit.coef[1]), 4)
    (('(Intercept)', 'age'), 0.1375)
    """
    yy = _y01(y)
    x, names = _design(covariates, yy.shape[0])
    X = np.column_stack([np.ones(yy.shape[0]), x])
    beta, info, it = _irls(yy, X)
    try:
        vcov = np.linalg.inv(info)
    except np.linalg.LinAlgError:  # pragma: no cover - solve succeeded at the last step
        raise StatsError("the logistic information matrix is singular") from None
    se = np.sqrt(np.diag(vcov))
    eta = X @ beta
    return LogisticResult(terms=("(Intercept)", *names), coef=beta, se=se, z=beta / se,
                          p=2.0 * _st.norm.sf(np.abs(beta / se)), vcov=vcov, loglik=_loglik(yy, eta),
                          n=int(yy.shape[0]), n_events=int(yy.sum()), iterations=it, linear_predictor=eta,
                          prob=special.expit(eta))


def _y01(y: Any) -> np.ndarray:
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise StatsError("y must be a non-empty one-dimensional array of 0/1")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise StatsError("y must hold only 0 and 1 (no missing values)")
    if arr.min() == arr.max():
        raise StatsError("y has one class only; the logistic model needs events and non-events")
    return arr


@dataclass(frozen=True, eq=False)
class NestedTest(Result):
    """Likelihood-ratio and Wald tests of the terms added to a clinical model.

    ``reduced`` and ``full`` are the two fits (:class:`LogisticResult` or :class:`~biomark.stats.coxph.CoxResult`);
    ``added`` the names of the added terms; ``lr = 2 (loglik_full - loglik_reduced)`` on ``df`` degrees of
    freedom; ``wald`` the Wald statistic of the added terms in the full model.
    """

    model: str
    added: tuple[str, ...]
    loglik_reduced: float
    loglik_full: float
    lr: float
    df: int
    p: float
    wald: float
    wald_p: float
    n: int
    n_events: int
    reduced: Any = field(repr=False)
    full: Any = field(repr=False)


def _columns(block: Any, n: int, prefix: str) -> dict[str, np.ndarray]:
    x, names = _design(block, n)
    return {(f"{prefix}{nm}" if prefix else nm): x[:, j] for j, nm in enumerate(names)}


def nested_lr_test(
    clinical: Any,
    added: Any,
    *,
    y: Any = None,
    time: Any = None,
    event: Any = None,
    model: Literal["logistic", "cox"] = "logistic",
) -> NestedTest:
    r"""Likelihood-ratio test of the terms ``added`` to the ``clinical`` model (nested models, same rows).

    ``LR = 2 (\ell_{full} - \ell_{clinical})`` is referred to :math:`\chi^2_{df}` with ``df`` the number of
    added terms; the Wald statistic ``b' V^{-1} b`` of the added coefficients in the full model beside it.
    R: ``anova(glm(y ~ Z), glm(y ~ Z + X), test = "LRT")`` or ``lrtest`` of two ``lrm`` fits; for survival
    ``anova(coxph(S ~ Z), coxph(S ~ Z + X))``.

    Parameters
    ----------
    clinical, added : DataFrame, dict of arrays or 2-D array
        The clinical terms and the added terms (names must differ).
    y : array of 0/1, for ``model="logistic"``
    time, event : arrays, for ``model="cox"``
    model : {"logistic", "cox"}

    Examples
    --------
    >>> t = nested_lr_test({"age": [50, 61, 58, 72, 40, 66, 49, 55]}, {"m": [1.0, 0.2, 0.1, 0.4, 0.3, 1.5, 2.2, 0.8]},
    ...                    y=[0, 0, 1, 1, 0, 1, 1, 0])
    >>> t.df, round(t.lr, 4)
    (1, 2.4323)
    """
    if model not in ("logistic", "cox"):
        raise StatsError(f"model must be 'logistic' or 'cox', got {model!r}")
    n = np.asarray(y if model == "logistic" else time).shape[0]
    zc = _columns(clinical, n, "")
    xa = _columns(added, n, "")
    if set(zc) & set(xa):
        raise StatsError(f"the added terms repeat clinical terms: {sorted(set(zc) & set(xa))}")
    both = {**zc, **xa}
    if model == "logistic":
        red, full = logistic(y, zc), logistic(y, both)
        idx = np.arange(1 + len(zc), 1 + len(both))
    else:
        red, full = cox(time, event, zc), cox(time, event, both)
        idx = np.arange(len(zc), len(both))
    b = full.coef[idx]
    try:
        wald = float(b @ np.linalg.solve(full.vcov[np.ix_(idx, idx)], b))
    except np.linalg.LinAlgError:  # pragma: no cover - a non-singular fit has an invertible block
        wald = math.nan
    df = int(idx.size)
    lr = max(2.0 * (full.loglik - red.loglik), 0.0)
    return NestedTest(model=model, added=tuple(xa), loglik_reduced=float(red.loglik), loglik_full=float(full.loglik),
                      lr=lr, df=df, p=float(_st.chi2.sf(lr, df)), wald=wald, wald_p=float(_st.chi2.sf(wald, df)),
                      n=int(full.n), n_events=int(full.n_events), reduced=red, full=full)


@dataclass(frozen=True)
class DeltaConcordance(Result):
    """Harrell's C of two risk scores on the same samples and their difference ``c_b - c_a``.

    ``se_a``, ``se_b`` and ``cov`` from the infinitesimal jackknife; ``se`` of the difference, ``z``,
    two-sided ``p`` and the normal interval ``ci_low, ci_high`` at level ``ci``.
    """

    c_a: float
    c_b: float
    diff: float
    se_a: float
    se_b: float
    cov: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    n: int
    n_events: int
    ci: float


def delta_concordance(time: Any, event: Any, risk_a: Any, risk_b: Any, *, ci: float = 0.95) -> DeltaConcordance:
    r"""Difference of Harrell's C of two risk scores with its standard error, as ``concordance(fit1, fit2)``.

    With ``dfbeta_a``, ``dfbeta_b`` the per-observation influence of each C (the infinitesimal jackknife of
    :func:`biomark.stats.concordance`), ``cov(C_a, C_b) = sum_k dfbeta_{a,k} dfbeta_{b,k} / 4`` and
    ``var(C_b - C_a) = var_a + var_b - 2 cov`` (Therneau & Atkinson, "The concordance statistic", survival
    3.5 vignette, section on comparing models). R:
    ``cc <- concordance(fit_a, fit_b); contr <- c(-1, 1); sqrt(drop(contr %*% cc$var %*% contr))``.
    Higher risk means shorter survival.

    Examples
    --------
    >>> d = delta_concordance([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1],
    ...                       [0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5], [0.5, 0.2, 0.1, 0.3, 0.1, 0.8, 0.4, 0.9])
    >>> round(d.c_a, 4), round(d.c_b, 4), round(d.diff, 4)
    (0.8409, 0.9091, 0.0682)
    """
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    ra, dfa = _influence(time, event, risk_a)
    rb, dfb = _influence(time, event, risk_b)
    va, vb, cv = float(dfa @ dfa) / 4.0, float(dfb @ dfb) / 4.0, float(dfa @ dfb) / 4.0
    var = va + vb - 2.0 * cv
    diff = rb.c - ra.c
    se = math.sqrt(var) if var > 0 else 0.0
    z = diff / se if se > 0 else math.nan
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    return DeltaConcordance(c_a=ra.c, c_b=rb.c, diff=diff, se_a=math.sqrt(va), se_b=math.sqrt(vb), cov=cv, se=se,
                            z=z, p=float(2.0 * _st.norm.sf(abs(z))) if se > 0 else math.nan,
                            ci_low=diff - q * se, ci_high=diff + q * se, n=ra.n, n_events=ra.n_events, ci=ci)
