"""The survival options of ``validate`` (issue 20): ``strata=``, ``weights=``, ``rmst_tau=``.

* ``strata``: a clinical column (e.g. centre). The panel score's HR per SD from a Cox model with a
  separate baseline hazard per stratum (:func:`biomark.stats.cox_stratified`, R ``coxph(... +
  strata(g))``) and Harrell's C over pairs within strata (:func:`biomark.stats.concordance_stratified`).
* ``weights``: a clinical column of case weights (>= 0). The HR per SD from a weighted Cox model with
  the robust (sandwich) SE (:func:`biomark.stats.cox_weighted`, R ``coxph(..., weights = w)``); the
  weighted log-rank of the median split (``logrank(weights=)``, model-based and robust score tests of
  ``coxph(..., weights = w, ties = "breslow")``) and the weighted KM median of each half with the
  infinitesimal-jackknife CI (``kaplan_meier(weights=, variance="robust")``, R ``survfit(robust = TRUE)``).
* ``rmst_tau``: the restricted mean survival time up to ``tau`` in the two groups of the survival
  section's Kaplan-Meier curves (the panel score split at its median), with the difference and ratio
  high vs low and their CIs (:func:`biomark.stats.rmst`, survRM2's definitions).

The columns are read over the analysed rows only; a column that is missing, a weight that is negative
or non-finite, a stratum of one subject or a ``tau`` beyond the follow-up of either group is refused
with an :class:`~biomark.errors.InputError` naming the column and the option.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from biomark import stats
from biomark.codings import numeric_or_text
from biomark.cohort import Cohort
from biomark.errors import InputError

OPTIONS = {"strata": "--strata", "weights": "--weights", "rmst_tau": "--rmst-tau"}


def refuse_for(kind: str, endpoint_id: str, given: dict[str, Any]) -> None:
    """The options apply to a survival endpoint: one error naming the first one given otherwise."""
    if kind == "survival":
        return
    for key, flag in OPTIONS.items():
        if given.get(key) is not None:
            raise InputError(f"{flag} ({key}=) applies to a survival endpoint; endpoint '{endpoint_id}' is {kind}: "
                             f"leave out {flag}")


def _column(cohort: Cohort, name: str, flag: str, present: np.ndarray) -> pd.Series:
    clin = cohort.clinical
    if clin is None or name not in clin.columns:
        cols = "no clinical file was given" if clin is None else "columns are: " + ", ".join(map(str, clin.columns))
        raise InputError(f"{cohort.name}: {flag} names clinical column '{name}', which is not there; {cols}")
    return numeric_or_text(clin.loc[present, name], cohort.codings.get("na_values"))


def read_strata(cohort: Cohort, name: str, present: np.ndarray) -> np.ndarray:
    """The stratum of every analysed row; refuses missing values and strata of a single subject."""
    col = _column(cohort, name, "--strata", present)
    if col.isna().any():
        raise InputError(f"{cohort.name}: --strata column '{name}' has {int(col.isna().sum())} missing value(s) "
                         "among the analysed samples; fill them in or drop those samples")
    vals = col.astype(str).to_numpy()
    levels, counts = np.unique(vals, return_counts=True)
    lone = levels[counts < 2].tolist()
    if lone:
        raise InputError(f"{cohort.name}: --strata column '{name}' has stratum/strata {lone} with a single analysed "
                         "subject, which contributes nothing to a stratified model; merge it with another stratum")
    return vals


def read_weights(cohort: Cohort, name: str, present: np.ndarray) -> np.ndarray:
    """The case weight of every analysed row; refuses text, missing, non-finite, negative or all-zero weights."""
    col = _column(cohort, name, "--weights", present)
    w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w)
    if bad.any():
        raise InputError(f"{cohort.name}: --weights column '{name}' has {int(bad.sum())} missing, non-numeric or "
                         "non-finite value(s) among the analysed samples; every weight must be a finite number >= 0")
    if (w < 0).any():
        raise InputError(f"{cohort.name}: --weights column '{name}' has {int((w < 0).sum())} negative value(s) "
                         f"(smallest {w.min():g}); weights must be >= 0")
    if not (w > 0).any():
        raise InputError(f"{cohort.name}: --weights column '{name}' is zero for every analysed sample")
    return w


def median_groups(score: np.ndarray) -> np.ndarray:
    """1 above the median of the score, else 0: the split of the survival section's KM curves."""
    return (score > float(np.median(score))).astype(int)


def check_tau(time: np.ndarray, score: np.ndarray, tau: float, time_column: str) -> float:
    """``tau`` must be positive and within the follow-up of both score groups."""
    tau = float(tau)
    if not (np.isfinite(tau) and tau > 0):
        raise InputError(f"--rmst-tau must be a positive time, not {tau!r}")
    high = median_groups(score)
    last = {g: float(time[high == k].max()) for k, g in ((0, "low"), (1, "high")) if (high == k).any()}
    limit = min(last.values())
    if tau > limit:
        worst = min(last, key=last.get)
        safe = np.floor(limit * 1e4) / 1e4  # rounded down: the suggested value is accepted
        raise InputError(f"--rmst-tau {tau:g} is beyond the follow-up in '{time_column}' of the {worst} score group "
                         f"(last time {limit:.10g}); choose --rmst-tau <= {safe:.10g}")
    return tau


def _stratified(time: np.ndarray, event: np.ndarray, score: np.ndarray, z: np.ndarray, strata: np.ndarray,
                name: str, ci: float) -> dict[str, Any]:
    try:
        fit = stats.cox_stratified(time, event, pd.DataFrame({"panel_score_per_sd": z}), strata, ci=ci)
        c = stats.concordance_stratified(time, event, score, strata, method="harrell")
    except stats.StatsError as err:
        return {"error": str(err)}
    return {"column": name, "n_strata": len(fit.strata), "coef": float(fit.coef[0]), "se": float(fit.se[0]),
            "p": float(fit.p[0]), "hr": float(fit.hr[0]), "hr_ci_low": float(fit.hr_ci_low[0]),
            "hr_ci_high": float(fit.hr_ci_high[0]), "c": float(c.c), "c_se": float(c.se)}


def _weighted(time: np.ndarray, event: np.ndarray, z: np.ndarray, w: np.ndarray, name: str,
              ci: float) -> dict[str, Any]:
    try:
        fit = stats.cox_weighted(time, event, pd.DataFrame({"panel_score_per_sd": z}), w, ci=ci)
    except stats.StatsError as err:
        return {"error": str(err)}
    return {"column": name, "coef": float(fit.coef[0]), "robust_se": float(fit.se[0]),
            "naive_se": float(fit.naive_se[0]), "p": float(fit.p[0]), "hr": float(fit.hr[0]),
            "hr_ci_low": float(fit.hr_ci_low[0]), "hr_ci_high": float(fit.hr_ci_high[0]),
            "robust_score": float(fit.robust_score), **_weighted_groups(time, event, z, w, ci)}


def _weighted_groups(time: np.ndarray, event: np.ndarray, score: np.ndarray, w: np.ndarray,
                     ci: float) -> dict[str, Any]:
    """With case weights, the median split of the survival section compared by the weighted log-rank
    (:func:`biomark.stats.logrank` ``weights=``: the Breslow Cox score test, model-based and robust) and
    the weighted KM median
    per group with the infinitesimal-jackknife (robust) CI (``kaplan_meier(variance="robust")``)."""
    high = median_groups(score)
    out: dict[str, Any] = {}
    try:
        lr = stats.logrank(time, event, high, weights=w)
        rob = stats.logrank(time, event, high, weights=w, robust=True)
        out["logrank"] = {"chisq": float(lr.chisq), "df": int(lr.df), "p": float(lr.p),
                          "robust_chisq": float(rob.chisq), "robust_p": float(rob.p),
                          "split": "median of the panel score"}
    except stats.StatsError as err:
        out["logrank"] = {"error": str(err)}
    groups = []
    for k, name in ((0, "low"), (1, "high")):
        m = high == k
        if not m.any():
            continue
        km = stats.kaplan_meier(time[m], event[m], weights=w[m], variance="robust", ci=ci)
        groups.append({"group": name, "n": int(m.sum()), "weight": float(w[m].sum()),
                       "events": float((w[m] * event[m]).sum()), "median": km.median,
                       "median_lower": km.median_lower, "median_upper": km.median_upper})
    out["km"] = groups
    return out


def _rmst(time: np.ndarray, event: np.ndarray, score: np.ndarray, tau: float, ci: float) -> dict[str, Any]:
    high = median_groups(score)
    try:
        r = stats.rmst(time, event, tau, group=high, ci=ci)
    except stats.StatsError as err:
        return {"error": str(err)}
    names = {0: "low", 1: "high"}
    groups = [{"group": names[int(g)], "n": int(np.sum(high == g)), "rmst": float(r.rmst[i]), "se": float(r.se[i]),
               "lower": float(r.lower[i]), "upper": float(r.upper[i])} for i, g in enumerate(r.groups)]
    out: dict[str, Any] = {"tau": r.tau, "split": "median of the panel score", "groups": groups}
    keys = ("diff", "diff_lower", "diff_upper", "diff_p", "ratio", "ratio_lower", "ratio_upper", "ratio_p")
    out["contrast"] = ({k: float(getattr(r, k)[0]) for k in keys} | {"group": "high", "reference": "low"}
                       if len(r.groups) == 2 else None)
    return out


def section(time: np.ndarray, event: np.ndarray, score: np.ndarray, *, strata: tuple[str, np.ndarray] | None,
            weights: tuple[str, np.ndarray] | None, tau: float | None, ci: float) -> dict[str, Any]:
    """The ``survival.options`` section: what was asked for, each part None when not."""
    time, event, score = np.asarray(time, float), np.asarray(event, float), np.asarray(score, float)
    sd = float(np.std(score, ddof=1))
    z = (score - score.mean()) / sd if sd > 0 else score * 0  # per SD, as the survival section's Cox HR
    return {
        "stratified": _stratified(time, event, score, z, strata[1], strata[0], ci) if strata is not None else None,
        "weighted": _weighted(time, event, z, weights[1], weights[0], ci) if weights is not None else None,
        "rmst": _rmst(time, event, score, tau, ci) if tau is not None else None,
    }


def ph_warning(ph: dict[str, Any], alpha: float, tau: float | None) -> list[str]:
    """When the PH test rejects and no RMST was asked for, say so and offer ``--rmst-tau``."""
    p = (ph.get("global") or {}).get("p")
    if tau is not None or p is None or not np.isfinite(p) or p >= alpha:
        return []
    return [f"the proportional-hazards test of the panel score rejects (Grambsch-Therneau p = {p:.2g} < {alpha:g}): "
            "its hazard ratio averages an effect that changes over time; give --rmst-tau T (rmst_tau=) for the "
            "restricted mean survival time to T in the score groups, which does not assume proportional hazards"]
