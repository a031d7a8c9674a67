"""Validation of a survival endpoint: Cox HR per SD, log-rank, cut-point, KM, C-indices, PH check.

The panel score is oriented so that higher means higher expected risk (``risk`` markers count +,
``protective`` −). Cross-validated Harrell's C uses out-of-fold scores from k-fold CV in which the
score's preprocessing (z-scoring, imputation) is fitted on the training folds only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold

from biomark import stats


def _cv_scores(est: Any, X: pd.DataFrame, *, folds: int, seed: int) -> np.ndarray:
    kf = KFold(n_splits=folds, shuffle=True, random_state=seed % (2**32))
    out = np.empty(len(X))
    for tr, te in kf.split(X):
        m = clone(est).fit(X.iloc[tr])
        out[te] = m.panel_score(X.iloc[te])
    return out


def cox_section(res: Any) -> dict[str, Any]:
    """Per-term rows and model tests of a :func:`biomark.stats.cox` result (no per-sample arrays)."""
    keys = ("coef", "se", "z", "p", "hr", "hr_ci_low", "hr_ci_high")
    terms = [{"term": t, **{k: float(getattr(res, k)[i]) for k in keys}} for i, t in enumerate(res.terms)]
    model = {k: getattr(res, k) for k in ("loglik", "loglik_null", "lrt", "lrt_df", "lrt_p", "wald", "wald_p", "score",
                                          "score_p", "n", "n_events", "ties")}
    return {"terms": terms, **model}


def _km_dict(time: np.ndarray, event: np.ndarray, max_points: int = 500) -> dict[str, Any]:
    km = stats.kaplan_meier(time, event)
    t = np.asarray(km.time, float)
    keep = np.arange(t.size)
    if t.size > max_points:
        keep = np.unique(np.r_[np.linspace(0, t.size - 1, max_points).astype(int), t.size - 1])
    out: dict[str, Any] = {k: np.asarray(getattr(km, k), float)[keep].tolist() for k in ("time", "surv", "lower", "upper")}
    out.update(n=int(km.n), events=int(km.n_events), median=km.median, median_lower=km.median_lower,
               median_upper=km.median_upper)
    return out


def evaluate(
    est: Any,
    X: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    *,
    covariates: pd.DataFrame | None,
    folds: int,
    seed: int,
    ci: float,
    times: list[float] | None,
    time_unit: str,
) -> tuple[dict[str, Any], Any]:
    """All survival-endpoint numbers for one cohort; returns (section dict, score model fitted on all rows)."""
    fitted = clone(est).fit(X)
    score = fitted.panel_score(X)
    sd = float(np.std(score, ddof=1))
    z = (score - score.mean()) / sd if sd > 0 else score * 0
    out: dict[str, Any] = {"n": int(time.size), "events": int(event.sum()), "time_unit": time_unit}

    out["cox"] = {**cox_section(stats.cox(time, event, pd.DataFrame({"panel_score_per_sd": z}))), "per": "sd"}
    if covariates is not None and covariates.shape[1]:
        cov = pd.concat([pd.DataFrame({"panel_score_per_sd": z}, index=covariates.index), covariates], axis=1)
        out["cox_adjusted"] = cox_section(stats.cox(time, event, cov))
    else:
        out["cox_adjusted"] = None

    med = float(np.median(score))
    high = (score > med).astype(int)
    lr = stats.logrank(time, event, high).to_dict()
    out["logrank_median"] = {"cutpoint": med, **{k: lr[k] for k in ("chisq", "df", "p")}}
    try:
        cp = stats.optimal_cutpoint(time, event, score)
        out["cutpoint"] = {k: getattr(cp, k) for k in ("cutpoint", "statistic", "p", "p_naive", "n_low", "n_high",
                                                       "minprop", "maxprop")}
    except stats.StatsError as err:
        out["cutpoint"] = {"error": str(err)}

    groups = {}
    for name, mask in (("low", high == 0), ("high", high == 1)):
        if mask.sum() and event[mask].sum():
            groups[name] = _km_dict(time[mask], event[mask])
    tmax = float(np.max(time))
    grid = np.linspace(0, tmax, 6)[:-1]
    at_risk: dict[str, Any] = {"times": grid.tolist()}
    for name, mask in (("low", high == 0), ("high", high == 1)):
        at_risk[name] = [int(np.sum(time[mask] >= g)) for g in grid]  # n at risk just before each time
    out["km"] = {"groups": groups, "at_risk": at_risk, "split": "median of the panel score"}

    for m in ("harrell", "uno"):
        cr = stats.concordance(time, event, score, method=m)
        out[m] = {"c": cr.c, "se": cr.se, "n": cr.n, "n_events": cr.n_events}
    try:
        oof = _cv_scores(est, X, folds=folds, seed=seed)
        out["cv_harrell"] = {"c": stats.concordance(time, event, oof, method="harrell").c, "folds": folds}
    except (stats.StatsError, ValueError) as err:
        out["cv_harrell"] = {"error": str(err)}
    try:
        ph = stats.ph_test(time, event, pd.DataFrame({"panel_score": z}))
        out["ph"] = {"global": {"chisq": ph.global_chisq, "df": ph.global_df, "p": ph.global_p},
                     "terms": [{"term": t, "chisq": float(ph.chisq[i]), "df": float(ph.df[i]), "p": float(ph.p[i])}
                               for i, t in enumerate(ph.terms)], "transform": ph.transform}
    except stats.StatsError as err:
        out["ph"] = {"error": str(err)}
    if times is None:
        ev_t = np.sort(time[event == 1])
        times = [float(np.quantile(ev_t, q)) for q in (0.25, 0.5, 0.75)] if ev_t.size >= 4 else []
    if times:
        try:
            ta = stats.time_dependent_auc(time, event, score, times)
            out["time_auc"] = {"times": ta.times, "auc": ta.auc, "n_cases": ta.n_cases, "n_controls": ta.n_controls,
                               "mean_auc": ta.mean_auc}
        except stats.StatsError as err:
            out["time_auc"] = {"error": str(err)}
    else:
        out["time_auc"] = None
    return out, fitted
