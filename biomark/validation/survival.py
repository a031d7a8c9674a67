"""Validation of a survival endpoint: Cox HR per SD, log-rank, cut-point, KM, C-indices, PH check.

The panel score is oriented so that higher means higher expected risk (``risk`` markers count +,
``protective`` −); for ``method="cox"`` it is the linear predictor of a Cox model on the markers.

* Cross-validated Harrell's and Uno's C: repeated k-fold CV stratified on the event indicator; in
  each repeat the out-of-fold scores (every fold's model, preprocessing included, fitted on the
  other folds only) are pooled and their C computed; reported as the mean over repeats with the
  range. For the fixed rules only the z-scoring is learnt, so CV C ≈ apparent C.
* Bootstrap optimism (Harrell, Lee & Mark 1996; rms ``validate.cph``): for each of B resamples
  the model is refitted, Harrell's C (and, for a fitted Cox model, the calibration slope: the
  coefficient of the linear predictor in a Cox model on the data it is applied to) is computed on
  the resample and on the original rows; corrected = apparent − mean(resample − original).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import RepeatedStratifiedKFold

from biomark import stats
from biomark.stats._surv_cox import CoxData
from biomark.stats.concordance import harrell_c
from biomark.stats.coxph import cox_coef, newton
from biomark.validation import horizon as horizon_mod
from biomark.validation import nomogram as nomogram_mod
from biomark.validation.parallel import pmap, stage_progress, task_seeds


def _is_fitted_model(est: Any) -> bool:
    return getattr(est, "method", None) == "cox"


def _unpenalised(est: Any) -> bool:
    return _is_fitted_model(est) and getattr(est, "penalty", None) is None


def _fit(est: Any, X: pd.DataFrame, ty: np.ndarray) -> Any:
    """Fit a clone on these rows: ``y`` = (time, event) for a Cox model; the fixed rules need no outcome."""
    return clone(est).fit(X, ty) if _is_fitted_model(est) else clone(est).fit(X)


def _fold_task(est: Any, X: pd.DataFrame, ty: np.ndarray, tr: np.ndarray, te: np.ndarray) -> np.ndarray:
    return _fit(est, X.iloc[tr], ty[tr]).panel_score(X.iloc[te])


def cv_scores(est: Any, X: pd.DataFrame, ty: np.ndarray, *, folds: int, repeats: int, seed: int,
              n_jobs: int = 1, progress: Any = None) -> np.ndarray:
    """Out-of-fold panel scores, one row per repeat (array repeats × n)."""
    ev = ty[:, 1].astype(int)
    # stratified on the event indicator when both groups can fill every fold, else plain shuffled folds
    strata = ev if min(ev.sum(), ev.size - ev.sum()) >= folds else np.zeros(ev.size, int)
    rskf = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed % (2**32))
    splits = list(rskf.split(np.zeros(len(X)), strata))
    preds = pmap(_fold_task, [(est, X, ty, tr, te) for tr, te in splits], n_jobs=n_jobs, progress=progress)
    out = np.empty((repeats, len(X)))
    for k, ((_, te), p) in enumerate(zip(splits, preds, strict=True)):
        out[k // folds, te] = p
    return out


def _slope(time: np.ndarray, event: np.ndarray, lp: np.ndarray, base: CoxData | None = None) -> float:
    """Calibration slope of a linear predictor: its coefficient in a Cox model on (time, event).

    ``base``: the sorted (time, event) structure of these rows, reused across calls.
    """
    if np.ptp(lp) == 0:
        return float("nan")
    if base is None:
        try:
            return float(cox_coef(time, event, lp)[0])
        except stats.StatsError:
            return float("nan")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        fit = newton(base.with_x(lp.reshape(-1, 1)))
    # a monotone likelihood (the resample separates the events) has no finite slope
    return float(fit.beta[0]) if fit.monotone is None and fit.iterations > 0 else float("nan")


def _indices(time: np.ndarray, event: np.ndarray, lp: np.ndarray, slope: bool | float,
             base: CoxData | None = None) -> dict[str, float]:
    """Harrell's C and (``slope`` True) the calibration slope; a float ``slope`` is taken as known."""
    out = {"c": harrell_c(time, event, lp)}  # = stats.concordance(...).c, bit for bit, without the SE
    if slope is True:
        out["slope"] = _slope(time, event, lp, base)
    elif slope is not False:
        out["slope"] = float(slope)
    return out


def _score_all(m: Any, X: pd.DataFrame) -> np.ndarray:
    """``m.panel_score(X)``; a PanelModel whose markers are columns of X takes the array fast path."""
    markers = getattr(m, "markers_", None)
    if isinstance(X, np.ndarray):
        return m.panel_score(X)
    if markers is not None and hasattr(m, "_decision") and all(c in X.columns for c in markers):
        return m._decision(np.ascontiguousarray(X.loc[:, markers].to_numpy(dtype=np.float64)))
    return m.panel_score(X)


def _boot_task(est: Any, X: pd.DataFrame | np.ndarray, ty: np.ndarray, seed: int, slope: bool,
               base: CoxData | None = None) -> dict[str, Any] | None:
    rng = np.random.default_rng(seed)
    n = len(X)
    idx = rng.integers(0, n, n)
    tb, eb = ty[idx, 0], ty[idx, 1]
    if eb.sum() < 2:
        return None
    try:
        m = _fit(est, X[idx] if isinstance(X, np.ndarray) else X.iloc[idx], ty[idx])
        lp = _score_all(m, X)  # the resample's rows are rows of X: score X once, index the copy
        # an unpenalised Cox model's linear predictor has slope exactly 1 on the rows it was fitted
        # to (its score equation sum_deaths (lp - E[lp]) = beta'U(beta) = 0 at the estimate), as rms
        # reports; a ridge fit's is above 1 and is computed
        own = (1.0 if _unpenalised(est) else True) if slope else False
        return {"boot": _indices(tb, eb, lp[idx], own),
                "orig": _indices(ty[:, 0], ty[:, 1], lp, slope, base)}
    except Exception:  # noqa: BLE001 - a resample the model cannot fit counts as failed
        return None


def bootstrap(est: Any, X: pd.DataFrame, ty: np.ndarray, *, B: int, seed: int, n_jobs: int,
              apparent: dict[str, float], progress: Any = None) -> dict[str, Any]:
    """Harrell's bootstrap optimism of C (and the calibration slope of a fitted Cox model)."""
    slope = "slope" in apparent
    seeds = task_seeds(seed, B, stream=5)
    base = CoxData(ty[:, 0], ty[:, 1], np.zeros((len(X), 1)), efron=True) if slope else None
    if getattr(est, "panel", None) is None and isinstance(X, pd.DataFrame) and hasattr(est, "_decision"):
        X = X.to_numpy(dtype=np.float64)  # an anonymous-feature PanelModel: skip DataFrame validation per fit
    reps = [r for r in pmap(_boot_task, [(est, X, ty, s, slope, base) for s in seeds], n_jobs=n_jobs,
                                       progress=progress) if r is not None]
    out: dict[str, Any] = {"B": B, "n_failed": B - len(reps), "metrics": {}}
    for name, app in apparent.items():
        d = np.array([r["boot"][name] - r["orig"][name] for r in reps], dtype=float)
        d = d[np.isfinite(d)]
        opt = float(d.mean()) if d.size else float("nan")
        out["metrics"][name] = {"apparent": app, "optimism": opt, "corrected": app - opt, "n": int(d.size)}
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
    repeats: int = 1,
    B: int = 0,
    n_jobs: int = 1,
    progress: Any = None,
    horizons: list[float] | None = None,
    groups: Any = None,
) -> tuple[dict[str, Any], Any]:
    """All survival-endpoint numbers for one cohort; returns (section dict, score model fitted on all rows)."""
    ty = np.column_stack([np.asarray(time, float), np.asarray(event, float)])
    fitted = _fit(est, X, ty)
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
    out.update(_risk_groups(time, event, score))
    out.update(_concordances(est, X, ty, score, folds=folds, repeats=repeats, seed=seed, n_jobs=n_jobs,
                             progress=progress))
    if _is_fitted_model(est):
        # apparent calibration slope: exactly 1 for an unpenalised Cox model on its own rows
        out["calibration_slope"] = 1.0 if _unpenalised(est) else _slope(time, event, score)
    if B > 0:
        apparent = {"c": out["harrell"]["c"]}
        if _is_fitted_model(est):
            apparent["slope"] = out["calibration_slope"]
        out["bootstrap"] = bootstrap(est, X, ty, B=B, seed=seed, n_jobs=n_jobs, apparent=apparent,
                                     progress=stage_progress(progress, "bootstrap"))
    else:
        out["bootstrap"] = None
    if _is_fitted_model(est):
        out["coefficients"] = [{"marker": mk, "coef_per_sd": float(c), "hr_per_sd": float(np.exp(c))}
                               for mk, c in zip(fitted.markers_, fitted.coef_, strict=True)]
    out["ph"] = _ph(time, event, z)
    out["time_auc"] = _time_auc(time, event, score, times)
    try:
        out["horizon"], _ = horizon_mod.section(_is_fitted_model(est), score, np.asarray(time, float),
                                                np.asarray(event, int), horizons, time_unit, ci, groups,
                                                refit=_refit_scores(est, X, ty), B=B, seed=seed,
                                                n_jobs=n_jobs)
    except stats.StatsError as err:
        out["horizon"] = {"error": str(err)}
    hz = out["horizon"]
    if "error" not in hz:
        hz["nomogram"] = nomogram_mod.panel(fitted, X, outcome="survival", time=ty[:, 0], event=ty[:, 1].astype(int),
                                            horizons=hz["horizons"], gamma=hz["recalibration_coef"])
    return out, fitted


def _refit_scores(est: Any, X: pd.DataFrame, ty: np.ndarray) -> Any:
    """``refit(idx)``: the panel score of every row of X from the model refitted on the rows ``idx``."""
    def refit(idx: np.ndarray) -> np.ndarray:
        return _score_all(_fit(est, X.iloc[idx], ty[idx]), X)
    return refit


def _risk_groups(time: np.ndarray, event: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    """Log-rank at the median score, the maximally selected cut-point, KM curves of the two halves."""
    out: dict[str, Any] = {}
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
    grid = np.linspace(0, float(np.max(time)), 6)[:-1]
    at_risk: dict[str, Any] = {"times": grid.tolist()}
    for name, mask in (("low", high == 0), ("high", high == 1)):
        at_risk[name] = [int(np.sum(time[mask] >= g)) for g in grid]  # n at risk just before each time
    out["km"] = {"groups": groups, "at_risk": at_risk, "split": "median of the panel score"}
    return out


def _concordances(est: Any, X: pd.DataFrame, ty: np.ndarray, score: np.ndarray, *, folds: int, repeats: int,
                  seed: int, n_jobs: int, progress: Any) -> dict[str, Any]:
    """Apparent and cross-validated Harrell's and Uno's C."""
    time, event = ty[:, 0], ty[:, 1]
    out: dict[str, Any] = {}
    for m in ("harrell", "uno"):
        cr = stats.concordance(time, event, score, method=m)
        out[m] = {"c": cr.c, "se": cr.se, "n": cr.n, "n_events": cr.n_events}
    k = min(folds, int(event.sum()))
    if k < 2:
        out["cv_harrell"] = out["cv_uno"] = {"error": f"cross-validation needs at least 2 events, not "
                                                      f"{int(event.sum())}"}
        return out
    try:
        oof = cv_scores(est, X, ty, folds=k, repeats=repeats, seed=seed, n_jobs=n_jobs,
                        progress=stage_progress(progress, "cross-validation"))
        for m in ("harrell", "uno"):
            cs = np.array([stats.concordance(time, event, row, method=m).c for row in oof])
            out[f"cv_{m}"] = {"c": float(cs.mean()), "min": float(cs.min()), "max": float(cs.max()), "folds": k,
                              "repeats": repeats}
    except (stats.StatsError, ValueError) as err:
        out["cv_harrell"] = out["cv_uno"] = {"error": str(err)}
    return out


def _ph(time: np.ndarray, event: np.ndarray, z: np.ndarray) -> dict[str, Any]:
    """Grambsch–Therneau test of the panel score (``cox.zph``)."""
    try:
        ph = stats.ph_test(time, event, pd.DataFrame({"panel_score": z}))
    except stats.StatsError as err:
        return {"error": str(err)}
    return {"global": {"chisq": ph.global_chisq, "df": ph.global_df, "p": ph.global_p},
            "terms": [{"term": t, "chisq": float(ph.chisq[i]), "df": float(ph.df[i]), "p": float(ph.p[i])}
                      for i, t in enumerate(ph.terms)], "transform": ph.transform}


def _time_auc(time: np.ndarray, event: np.ndarray, score: np.ndarray, times: list[float] | None) -> Any:
    """Time-dependent AUC at ``times`` (default: the quartiles of the event times, with >= 4 events)."""
    if times is None:
        ev_t = np.sort(time[event == 1])
        times = [float(np.quantile(ev_t, q)) for q in (0.25, 0.5, 0.75)] if ev_t.size >= 4 else []
    if not times:
        return None
    try:
        ta = stats.time_dependent_auc(time, event, score, times)
    except stats.StatsError as err:
        return {"error": str(err)}
    return {"times": ta.times, "auc": ta.auc, "n_cases": ta.n_cases, "n_controls": ta.n_controls,
            "mean_auc": ta.mean_auc}
