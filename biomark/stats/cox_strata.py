"""Stratified Cox regression, as R's ``coxph(Surv(time, event) ~ x + strata(g))`` (survival 3.5.3).

Each stratum has its own baseline hazard: the log partial likelihood, score and information are
the sums of those of the strata (Kalbfleisch & Prentice 2002, sec. 4.4), each computed by the
vectorised engine of :mod:`._surv_cox`, and maximised by the same Newton-Raphson
(:func:`biomark.stats.coxph.newton`). Cost O(n log n + n p^2) as the unstratified fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as _st

from ._errors import MonotoneLikelihoodError, StatsError
from ._result import Result
from ._surv_cox import CoxData
from ._surv_utils import check_time_event
from .coxph import _design, _global_tests, newton
from .survdiff import _codes

__all__ = ["StratifiedCoxResult", "cox_stratified"]


class _StrataData:
    """The per-stratum engines behind one ``evaluate`` that sums them (the interface newton uses)."""

    def __init__(self, parts: list[CoxData], x: np.ndarray) -> None:
        self.parts = parts
        self.p = x.shape[1]
        self.x = x - x.mean(axis=0)  # only its SDs are read (newton's step scale)

    def evaluate(self, beta: np.ndarray) -> dict:
        outs = [part.evaluate(beta) for part in self.parts]
        return {
            "loglik": float(sum(o["loglik"] for o in outs)),
            "score": np.sum([o["score"] for o in outs], axis=0),
            "info": np.sum([o["info"] for o in outs], axis=0),
        }


@dataclass(frozen=True, eq=False)
class StratifiedCoxResult(Result):
    """Stratified Cox fit.

    Attributes
    ----------
    terms : tuple of str
    coef, se, z, p, hr, hr_ci_low, hr_ci_high : ndarray
        Coefficients, model-based SEs (inverse information), Wald z and p, hazard ratios and CIs.
    vcov : ndarray
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at 0 (``coxph$loglik``).
    lrt, wald, score : float
        Global tests on ``len(terms)`` df (as ``summary(coxph)``); ``lrt_p``, ``wald_p``, ``score_p``.
    strata : tuple
        The stratum levels. n, n_events : int
    ties : str
    ci : float
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    hr: np.ndarray
    hr_ci_low: np.ndarray
    hr_ci_high: np.ndarray
    vcov: np.ndarray
    loglik: float
    loglik_null: float
    lrt: float
    lrt_p: float
    wald: float
    wald_p: float
    score: float
    score_p: float
    strata: tuple[Any, ...]
    n: int
    n_events: int
    ties: str
    ci: float


def _parts(t: np.ndarray, e: np.ndarray, x: np.ndarray, strata: Any, efron: bool) -> tuple[list[CoxData], tuple]:
    levels, si = _codes(strata, t.shape[0], "strata")
    sizes = np.bincount(si, minlength=levels.shape[0])
    if (sizes < 2).any():
        lone = [v.item() if hasattr(v, "item") else v for v in levels[sizes < 2]][:5]
        raise StatsError(
            f"strata {lone} have a single subject: a stratum of one contributes nothing to a stratified "
            "Cox model; merge it with a neighbouring stratum or drop it"
        )
    # one stable sort by stratum and slices (rows keep their order within a stratum: same fits as masks)
    order = np.argsort(si, kind="stable")
    bounds = np.r_[0, np.cumsum(sizes)]
    ts, es, xs = t[order], e[order], x[order]
    parts = [CoxData(ts[a:b], es[a:b], xs[a:b], efron) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
             if es[a:b].any()]
    return parts, tuple(v.item() if hasattr(v, "item") else v for v in levels)


def cox_stratified(
    time: Any,
    event: Any,
    covariates: Any,
    strata: Any,
    *,
    ties: Literal["efron", "breslow"] = "efron",
    ci: float = 0.95,
) -> StratifiedCoxResult:
    r"""Cox regression with a separate baseline hazard per stratum (e.g. per centre).

    Parameters
    ----------
    time, event : array-like
        Follow-up time (> 0) and event indicator (1 = event, 0 = censored).
    covariates : array-like, DataFrame or dict of arrays
        As in :func:`biomark.stats.cox`.
    strata : array-like
        Stratum of each subject; every stratum needs at least 2 subjects (strata without events
        contribute nothing, as in R).
    ties : {"efron", "breslow"}
    ci : float
        Level of the hazard-ratio intervals.

    Returns
    -------
    StratifiedCoxResult

    Notes
    -----
    :math:`\ell(\beta) = \sum_s \ell_s(\beta)`, each :math:`\ell_s` the Efron (or Breslow) log
    partial likelihood of stratum s alone.

    References
    ----------
    Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time Data, 2nd ed.,
    sec. 4.4; Therneau TM, Grambsch PM (2000). Modeling Survival Data, sec. 3.6. R:
    ``survival::coxph(Surv(time, event) ~ x + strata(g), ties = "efron")``.

    Examples
    --------
    >>> fit = cox_stratified([5, 8, 3, 9, 12, 2, 7, 4, 6, 10], [1, 1, 0, 1, 0, 1, 1, 1, 1, 0],
    ...                      {"age": [60, 50, 70, 65, 40, 55, 58, 48, 62, 45]}, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> fit.strata, fit.n_events
    ((0, 1), 7)
    """
    if ties not in ("efron", "breslow"):
        raise StatsError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    t, e = check_time_event(time, event)
    x, names = _design(covariates, t.shape[0])
    parts, levels = _parts(t, e, x, strata, ties == "efron")
    data = _StrataData(parts, x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        res = newton(data)  # type: ignore[arg-type]
    if res.monotone is not None:
        j = res.monotone
        raise MonotoneLikelihoodError(
            f"monotone likelihood for covariate {names[j]!r} within strata: no finite hazard ratio exists",
            term=j, sign=1 if res.beta[j] > 0 else -1,
        )
    beta = res.beta
    vcov = np.linalg.inv(res.fit["info"])
    se = np.sqrt(np.diag(vcov))
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    lrt, wald, score = _global_tests(res)
    k = len(names)
    return StratifiedCoxResult(
        terms=names, coef=beta, se=se, z=beta / se, p=2.0 * _st.norm.sf(np.abs(beta / se)),
        hr=np.exp(beta), hr_ci_low=np.exp(beta - q * se), hr_ci_high=np.exp(beta + q * se), vcov=vcov,
        loglik=res.fit["loglik"], loglik_null=res.fit0["loglik"], lrt=lrt, lrt_p=float(_st.chi2.sf(lrt, k)),
        wald=wald, wald_p=float(_st.chi2.sf(wald, k)), score=score, score_p=float(_st.chi2.sf(score, k)),
        strata=levels, n=int(t.shape[0]), n_events=int(e.sum()), ties=ties, ci=ci,
    )
