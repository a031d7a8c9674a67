"""Validation of a binary endpoint: CV, bootstrap optimism, ROC, calibration, decision curve.

* Repeated stratified k-fold CV (``sklearn.model_selection.RepeatedStratifiedKFold``); every
  preprocessing step lives inside the estimator, so it is fitted on training folds only. The
  out-of-fold probabilities are averaged over repeats for the ROC, calibration and decision-curve
  figures; the CV AUC is the mean over repeats of the AUC of each repeat's out-of-fold predictions.
* Harrell's bootstrap optimism correction (Harrell, Lee & Mark 1996; rms ``validate``): for each of
  B resamples the model is refitted and the optimism of each index is its value on the resample
  minus its value on the original data; corrected = apparent − mean optimism. Indices: AUC, Brier,
  calibration intercept and slope (logistic recalibration of y on logit(p)).
* ``.632+`` (Efron & Tibshirani 1997) on request for AUC and Brier, with out-of-bag estimates.
* Permutation p-value of the CV AUC: labels permuted, the same CV folds refitted;
  p = (1 + #{perm ≥ observed}) / (1 + P). For the fixed rules (``signed_z``, ``weights``,
  ``boolean``) the out-of-fold score does not depend on the labels (only the z-scoring, fitted on
  the training folds, enters), so the folds are scored once and only the labels are permuted: the
  exact same test, hundreds of times faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from biomark import stats
from biomark.validation import metrics
from biomark.validation import nomogram as nomogram_mod
from biomark.validation.parallel import mapper, pmap, stage_progress, task_seeds

Progress = Callable[[str, int, int], None] | None


def _fit_predict(est: Any, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    m = clone(est).fit(X.iloc[train], y[train])
    return m.predict_proba(X.iloc[test])[:, 1]


def _boot_task(est: Any, X: pd.DataFrame, y: np.ndarray, seed: int,
               auc_on_score: bool = False, cal_grid: np.ndarray | None = None) -> dict[str, Any] | None:
    rng = np.random.default_rng(seed)
    n = y.size
    idx = rng.integers(0, n, n)
    if np.unique(y[idx]).size < 2:
        return None
    try:
        m = clone(est).fit(X.iloc[idx], y[idx])
    except Exception:  # noqa: BLE001 - a resample the model cannot fit counts as failed
        return None
    p_boot = m.predict_proba(X.iloc[idx])[:, 1]
    p_orig = m.predict_proba(X)[:, 1]
    oob = np.setdiff1d(np.arange(n), idx)
    out = {"boot": metrics.all_metrics(y[idx], p_boot), "orig": metrics.all_metrics(y, p_orig)}
    if auc_on_score:  # a clamped fixed rule: its probabilities are constant, its score ranks
        s_orig = m.panel_score(X)
        out["boot"]["auc"], out["orig"]["auc"] = metrics.auc(y[idx], s_orig[idx]), metrics.auc(y, s_orig)
    if cal_grid is not None:  # the corrected calibration curve's (training, test) index of this resample
        out["cal"] = (stats.lowess_calibration_error(y[idx], p_orig[idx], cal_grid),
                      stats.lowess_calibration_error(y, p_orig, cal_grid))
    if oob.size and np.unique(y[oob]).size == 2:
        p_oob = p_orig[oob]
        out["oob"] = {"auc": metrics.auc(y[oob], p_oob), "brier": metrics.brier(y[oob], p_oob)}
    return out


def _perm_task(est: Any, X: pd.DataFrame, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]], seed: int) -> float:
    rng = np.random.default_rng(seed)
    yp = rng.permutation(y)
    oof = np.empty(y.size)
    for tr, te in folds:
        if np.unique(yp[tr]).size < 2:
            return float("nan")
        oof[te] = _fit_predict(est, X, yp, tr, te)
    return metrics.auc(yp, oof)


def cross_validate(est, X, y, *, folds: int, repeats: int, seed: int, n_jobs: int, progress: Progress = None,
                   with_scores: bool = False):
    """Out-of-fold probabilities for each repeat (array repeats x n).

    ``with_scores`` (fixed rules): also the out-of-fold panel scores and the number of folds whose
    recalibration was clamped, from the same fits: ``(probabilities, scores, n_clamped)``.
    """
    rskf = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed % (2**32))
    splits = list(rskf.split(np.zeros(y.size), y))
    task = _fold_task if with_scores else _fit_predict
    res = pmap(task, [(est, X, y, tr, te) for tr, te in splits], n_jobs=n_jobs,
               progress=stage_progress(progress, "cross-validation"))
    oof, scores = np.empty((repeats, y.size)), np.empty((repeats, y.size))
    for k, ((_, te), r) in enumerate(zip(splits, res, strict=True)):
        oof[k // folds, te] = r[0] if with_scores else r
        if with_scores:
            scores[k // folds, te] = r[1]
    if with_scores:
        return oof, scores, sum(int(r[2]) for r in res)
    return oof


def bootstrap(est, X, y, *, B: int, seed: int, n_jobs: int, method: str, apparent: dict[str, float],
              progress: Progress = None, auc_on_score: bool = False,
              cal_grid: np.ndarray | None = None) -> dict[str, Any]:
    """Harrell's bootstrap optimism (or .632+) of AUC, Brier, calibration intercept and slope.

    With ``cal_grid`` each refitted model also gives the (training, test) lowess calibration index of
    :func:`corrected_curve` at those points, returned under ``"_calibration_replicates"`` (one per
    resample, None where it failed), so the curve's optimism needs no second set of refits.
    """
    seeds = task_seeds(seed, B, stream=2)
    reps = pmap(_boot_task, [(est, X, y, s, auc_on_score, cal_grid) for s in seeds], n_jobs=n_jobs,
                progress=stage_progress(progress, "bootstrap"))
    ok = [r for r in reps if r is not None]
    out: dict[str, Any] = {"B": B, "method": method, "n_failed": B - len(ok), "metrics": {}}
    if cal_grid is not None:
        out["_calibration_replicates"] = [None if r is None else r["cal"] for r in reps]
    for name in ("auc", "brier", "intercept", "slope"):
        diffs = np.array([r["boot"][name] - r["orig"][name] for r in ok], dtype=float)
        diffs = diffs[np.isfinite(diffs)]
        opt = float(diffs.mean()) if diffs.size else float("nan")
        out["metrics"][name] = {"apparent": apparent[name], "optimism": opt, "corrected": apparent[name] - opt,
                                "n": int(diffs.size)}
    if method == ".632+":
        y_mean = y.mean()
        for name in ("auc", "brier"):
            oob = np.array([r["oob"][name] for r in ok if "oob" in r], dtype=float)
            oob = oob[np.isfinite(oob)]
            app = apparent[name]
            if name == "auc":  # work with the error 1 − AUC; no-information error 0.5
                err_app, err_oob, gamma = 1 - app, 1 - float(oob.mean()), 0.5
            else:
                p = apparent["_p"]
                gamma = float(y_mean * np.mean((1 - p) ** 2) + (1 - y_mean) * np.mean(p**2))
                err_app, err_oob = app, float(oob.mean())
            err_oob_c = min(err_oob, gamma)
            R = (err_oob_c - err_app) / (gamma - err_app) if err_oob_c > err_app and gamma > err_app else 0.0
            w = 0.632 / (1 - 0.368 * R)
            est632 = (1 - w) * err_app + w * err_oob_c
            value = 1 - est632 if name == "auc" else est632
            out["metrics"][name].update({"corrected": value, "optimism": app - value, "oob": float(oob.mean())})
        for name in ("intercept", "slope"):
            out["metrics"][name]["corrected"] = out["metrics"][name]["corrected"]  # optimism-based
        out["note"] = ".632+ for AUC and Brier (Efron & Tibshirani 1997); intercept and slope by optimism"
    return out


def _label_free(est: Any) -> bool:
    """True for PanelModel rules whose score is learned without the outcome."""
    return getattr(est, "estimator", None) is None and getattr(est, "method", None) in ("signed_z", "weights", "boolean")


def permutation_p(est, X, y, *, folds: int, n_perm: int, seed: int, n_jobs: int,
                  progress: Progress = None, alpha: float = 0.05) -> dict[str, Any]:
    """Permutation p-value of the out-of-fold AUC on one fixed set of stratified folds.

    A fixed rule (no outcome in its fit) permutes the labels against its out-of-fold scores: all
    ``n_perm`` permutations, p = (1 + #{null >= observed}) / (1 + n). A model fitted to the outcome
    is refitted in every fold of every permutation, sequentially (Besag & Clifford 1991,
    Biometrika 78:301-304): permutations run in batches of a fixed size, and once
    ``h = ceil(alpha (n_perm + 1))`` null AUCs reach the observed one after ``L`` permutations
    the p-value can no longer fall to ``alpha`` and the test stops with ``p = h / L``, Besag and
    Clifford's valid sequential p-value. It also stops, with ``p = (1 + k) / (1 + L)``, once the
    one-sided Clopper-Pearson upper bound of the permutation p-value after ``L`` permutations with ``k``
    exceedances is below ``alpha`` at level :data:`PERM_RISK` divided over the checks (the
    probability that this stop is on the wrong side of alpha is at most :data:`PERM_RISK`; Gandy
    2009); otherwise all run and p = (1 + k) / (1 + n_perm). The batches and their seeds do not depend
    on ``n_jobs``, so neither does the result.
    """
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed % (2**32))
    fl = list(skf.split(np.zeros(y.size), y))
    seeds = task_seeds(seed, n_perm, stream=3)
    if _label_free(est):
        score = np.empty(y.size)
        for tr, te in fl:
            score[te] = clone(est).fit(X.iloc[tr]).panel_score(X.iloc[te])
        observed = metrics.auc(y, score)
        vals = np.array([metrics.auc(np.random.default_rng(s).permutation(y), score) for s in seeds])
        return _perm_result(vals, observed, folds, n_perm, None,
                            "labels permuted against the out-of-fold scores of the fixed rule", sequential=False)
    oof = np.empty(y.size)
    for tr, te in fl:
        oof[te] = _fit_predict(est, X, y, tr, te)
    observed = metrics.auc(y, oof)
    h = max(1, math.ceil(alpha * (n_perm + 1)))
    vals = np.empty(0)
    for start in range(0, n_perm, _PERM_BATCH):
        batch = seeds[start:start + _PERM_BATCH]
        got = pmap(_perm_task, [(est, X, y, fl, s) for s in batch], n_jobs=n_jobs)
        vals = np.concatenate([vals, np.asarray(got, dtype=float)])
        if progress is not None:
            progress("permutations", int(vals.size), n_perm)
        finite = vals[np.isfinite(vals)]
        k = int((finite >= observed).sum())
        if vals.size >= n_perm:
            break
        if k >= h:
            return _perm_result(vals, observed, folds, n_perm, h,
                                "labels permuted and the model refitted in every fold; stopped early")
        looks = math.ceil(n_perm / _PERM_BATCH)
        if finite.size and _upper_bound(k, int(finite.size), PERM_RISK / looks) < alpha:
            return _perm_result(vals, observed, folds, n_perm, None,
                                "labels permuted and the model refitted in every fold; stopped early", below=True)
    return _perm_result(vals, observed, folds, n_perm, None, "labels permuted and the model refitted in every fold")


_PERM_BATCH = 20  # permutations between stopping checks (fixed: results do not depend on n_jobs)
PERM_RISK = 0.01
"""Largest probability that the permutation test stops below alpha while the permutation p-value it
estimates (that of all permutations) is at or above alpha: a one-sided Clopper-Pearson bound at level
``PERM_RISK / looks`` at each of the ``looks`` checks (Bonferroni), as in Gandy's (2009, JASA 104:1504)
bounded resampling risk. With 200 permutations and no null AUC at or above the observed one, the test
stops after 140."""


def _upper_bound(k: int, n: int, level: float) -> float:
    """One-sided Clopper-Pearson upper confidence bound, at confidence 1 - level, of a binomial proportion."""
    from biomark.stats._binary import _clopper_pearson

    return float(_clopper_pearson(k, n, 1.0 - 2.0 * level)[1])  # the two-sided interval's upper end


def _perm_result(vals: np.ndarray, observed: float, folds: int, n_perm: int, h: int | None,
                 how: str, sequential: bool = True, below: bool = False) -> dict[str, Any]:
    vals = vals[np.isfinite(vals)]
    if h is None:
        p = (1 + int((vals >= observed).sum())) / (1 + vals.size)
    else:  # Besag & Clifford (1991): h exceedances after L permutations
        p = h / vals.size
    out = {"n": int(vals.size), "p": float(p), "observed_auc": float(observed), "folds": folds,
           "null_mean": float(vals.mean()) if vals.size else None, "method": how}
    if sequential:
        out.update(n_max=int(n_perm), stopped_early=h is not None or below)
        if h is not None or below:
            out["stopped"] = ("below alpha: the Clopper-Pearson bound of the permutation p-value fell under alpha "
                              f"(resampling risk <= {PERM_RISK})" if below else
                              "above alpha: h null AUCs reached the observed one (Besag & Clifford 1991)")
    return out


def _curve(y: np.ndarray, s: np.ndarray, direction: str, max_points: int = 400) -> dict[str, list[float]]:
    rc = stats.roc_curve(y, s, direction=direction)
    fpr = 1 - np.asarray(rc.specificities)
    tpr = np.asarray(rc.sensitivities)
    thr = np.asarray(rc.thresholds, dtype=float)
    order = np.lexsort((tpr, fpr))
    fpr, tpr, thr = fpr[order], tpr[order], thr[order]
    if fpr.size > max_points:  # thin for plotting; keep the ends
        keep = np.unique(np.r_[0, np.linspace(0, fpr.size - 1, max_points).astype(int), fpr.size - 1])
        fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()}


def _clamped(m: Any) -> bool:
    """A fixed rule whose recalibration slope was kept at 0: its score ran against the spec in its training rows.

    Its probabilities are then the training prevalence and rank nothing (see :class:`biomark.PanelModel`).
    """
    cal = getattr(m, "calibration_", None)
    return _label_free(m) and cal is not None and float(cal[1]) == 0.0


def _fold_task(est: Any, X: pd.DataFrame, y: np.ndarray, train: np.ndarray,
               test: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    m = clone(est).fit(X.iloc[train], y[train])
    return m.predict_proba(X.iloc[test])[:, 1], m.panel_score(X.iloc[test]), _clamped(m)


def evaluate(
    est: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    raw_markers: pd.DataFrame,
    marker_directions: dict[str, str | None],
    folds: int,
    repeats: int,
    B: int,
    boot_method: str,
    permutations: int,
    seed: int,
    n_jobs: int,
    ci: float,
    progress: Progress = None,
    alpha: float = 0.05,
) -> tuple[dict[str, Any], Any]:
    """All binary-endpoint numbers for one cohort; returns (section dict, model fitted on all rows).

    The ROC, the CV AUC and the AUC optimism are those of the out-of-fold probabilities, except for a
    fixed rule whose recalibration was clamped (its score ran against the spec in the training rows,
    so its probabilities are constant): then they are those of the rule's own score, in the
    literature's direction, and an AUC below 0.5 is reported as it is.
    """
    n = y.size
    fitted = clone(est).fit(X, y)
    p_app = fitted.predict_proba(X)[:, 1]
    cv_kw = dict(folds=folds, repeats=repeats, seed=seed, n_jobs=n_jobs, progress=progress)
    ranker, n_clamped = None, int(_clamped(fitted))
    if _label_free(est):
        oof_all, scores, k = cross_validate(est, X, y, with_scores=True, **cv_kw)
        n_clamped += k
        ranker = scores if n_clamped else None
    else:
        oof_all = cross_validate(est, X, y, **cv_kw)
    ranker = oof_all if ranker is None else ranker
    on_score = ranker is not oof_all
    apparent = metrics.all_metrics(y, p_app)
    if on_score:
        apparent["auc"] = metrics.auc(y, fitted.panel_score(X))
    out: dict[str, Any] = {"n": int(n), "n_pos": int(y.sum()), "n_neg": int(n - y.sum()),
                           "prevalence": float(y.mean()), "apparent": dict(apparent)}
    out["cv"] = _cv_section(y, oof_all, ranker, folds, repeats)
    cal_reps = None
    if B > 0:
        app = dict(apparent)
        app["_p"] = p_app
        # a model fitted to the outcome costs a nested fit per resample: the curve shares this bootstrap's
        # refits (a fixed rule is cheap to refit and keeps its own resamples, as rms::calibrate draws them)
        share = not _label_free(est) and np.ptp(p_app) > 0
        out["bootstrap"] = bootstrap(est, X, y, B=B, seed=seed, n_jobs=n_jobs, method=boot_method,
                                     apparent=app, progress=progress, auc_on_score=on_score,
                                     cal_grid=stats.lowess_grid(p_app) if share else None)
        cal_reps = out["bootstrap"].pop("_calibration_replicates", None)
    oof, rank = oof_all.mean(axis=0), ranker.mean(axis=0)
    roc = stats.roc_auc(y, rank, direction="<", ci=ci)
    why = "the score separated the classes perfectly" if _separated(fitted) else "the score ran against the spec"
    how = "out-of-fold, averaged over repeats" if not on_score else (
        f"out-of-fold scores of the fixed rule in the literature's direction, averaged over repeats (its "
        f"recalibration was clamped in {n_clamped} of {folds * repeats + 1} fits: {why})")
    out["roc"] = {**roc.to_dict(), "curve": _curve(y, rank, "<"), "predictions": how}
    out["single_markers"] = [_single_marker(y, raw_markers[mk].to_numpy(dtype=float), mk,
                                            marker_directions.get(mk), rank, ci) for mk in raw_markers.columns]
    if permutations > 0:
        out["permutation"] = permutation_p(est, X, y, folds=folds, n_perm=permutations, seed=seed, n_jobs=n_jobs,
                                           progress=progress, alpha=alpha)
    out["calibration"] = _calibration(y, oof, seed)
    if on_score and "error" in out["calibration"]:
        out["calibration"] = {"error": _SEPARATED if _separated(fitted) else _CLAMPED}
    if B > 0 and "error" not in out["calibration"] and not _clamped(fitted) and np.ptp(p_app) > 0:
        out["calibration"]["corrected"] = corrected_curve(est, X, y, p_app, B=B, seed=seed,
                                                            n_jobs=n_jobs, replicates=cal_reps)
    out.update(_decision_sections(y, oof))
    out["nomogram"] = nomogram_mod.panel(fitted, X, outcome="binary")
    return out, fitted


def corrected_curve(est: Any, X: pd.DataFrame, y: np.ndarray, p_app: np.ndarray, *, B: int,
                    seed: int, n_jobs: int = 1,
                    replicates: list[tuple[np.ndarray, np.ndarray] | None] | None = None) -> dict[str, Any]:
    """Apparent and bootstrap-corrected smoothed calibration curve, as ``rms::calibrate(lrm, B)``.

    Lowess (``iter = 0``) of y on the apparent probabilities at 50 points from the 5th smallest to the 5th
    largest; in each resample the whole model is refitted and the optimism of ``smoothed - predicted`` is its
    value on the resample minus that on the original rows (:func:`biomark.stats.bootstrap_calibration`),
    the resamples run by :func:`biomark.validation.parallel.pmap` with ``n_jobs`` (same numbers for any).
    ``replicates``: the (training, test) index of each resample of the optimism bootstrap, which already
    refitted the model on it (:func:`bootstrap` with ``cal_grid = lowess_grid(p_app)``); the curve then
    uses those resamples instead of drawing and refitting B more.
    """
    grid = stats.lowess_grid(p_app)

    def predict(idx: np.ndarray) -> np.ndarray | None:
        if replicates is not None:  # called for all rows only: the apparent fit
            return p_app
        if np.unique(y[idx]).size < 2:
            return None
        try:
            return clone(est).fit(X.iloc[idx], y[idx]).predict_proba(X)[:, 1]
        except Exception:  # noqa: BLE001 - a resample the model cannot fit counts as failed
            return None

    res = stats.bootstrap_calibration(
        y.size, predict, lambda rows, p: stats.lowess_calibration_error(y[rows], p, grid), B=B, seed=seed,
        mapper=mapper(n_jobs), replicates=replicates)
    shared = "; the resamples and refits of the optimism bootstrap" if replicates is not None else ""
    return {"x": grid.tolist(), "apparent": (res.apparent + grid).tolist(),
            "corrected": (res.apparent + grid - res.optimism).tolist(), "B": B, "n_failed": res.n_failed,
            "method": "rms::calibrate(lrm, B): lowess (iter = 0) of the outcome on the apparent probabilities, "
                      f"Harrell's bootstrap optimism subtracted{shared}"}


_CLAMPED = ("the panel score runs against the literature's direction in the training rows, so the fixed rule's "
            "recalibration (slope kept at or above 0) gives every sample the training prevalence: the calibration "
            "of constant probabilities is undefined")


_SEPARATED = ("the panel score separates the classes perfectly in the training rows, so the fixed rule's "
              "recalibration has no finite slope and gives every sample the training prevalence: the calibration "
              "of constant probabilities is undefined (the ranking, and so the AUC, is unaffected)")


def _separated(m: Any) -> bool:
    """The fixed rule's recalibration was clamped because its score separates the classes (not because it runs
    against the spec): :func:`biomark.model.rules.fit_recalibration` says which in the model's warnings."""
    return any("separates the classes perfectly" in w for w in getattr(m, "warnings_", None) or [])


def findings(section: dict[str, Any]) -> list[str]:
    """Loud findings of a binary section for the flags (a panel AUC below 0.5 in the literature's direction)."""
    roc = section.get("roc") or {}
    auc, lo, hi = roc.get("auc"), roc.get("ci_low"), roc.get("ci_high")
    if auc is None or auc >= 0.5:
        return []
    return [f"the panel's cross-validated AUC is {auc:.3f} (95% CI {lo:.3f}-{hi:.3f}), below 0.5 in the "
            "literature's direction: the data go against the spec"]


def _cv_section(y: np.ndarray, oof_all: np.ndarray, ranker: np.ndarray, folds: int, repeats: int) -> dict[str, Any]:
    per_rep = [metrics.auc(y, o) for o in ranker]
    return {"folds": folds, "repeats": repeats, "auc_mean": float(np.mean(per_rep)),
            "auc_sd": float(np.std(per_rep, ddof=1)) if repeats > 1 else None,
            "auc_per_repeat": [float(a) for a in per_rep],
            "brier_mean": float(np.mean([metrics.brier(y, o) for o in oof_all]))}


def _single_marker(y: np.ndarray, v: np.ndarray, mk: str, exp: str | None, panel: np.ndarray,
                   ci: float) -> dict[str, Any]:
    """One marker's AUC in its expected direction, and its paired DeLong difference from the panel."""
    ok = np.isfinite(v)
    direction = {"up": "<", "down": ">"}.get(exp or "", "auto")
    try:
        r = stats.roc_auc(y[ok], v[ok], direction=direction, ci=ci)
    except stats.StatsError as err:
        return {"marker": mk, "error": str(err)}
    row: dict[str, Any] = {"marker": mk, **r.to_dict(), "expected": exp,
                           "curve": {k: v2 for k, v2 in _curve(y[ok], v[ok], r.direction).items() if k != "thresholds"}}
    try:
        t = stats.delong_test(y[ok], panel[ok], v[ok], direction=("<", r.direction), ci=ci)
        row["vs_panel"] = {"diff": -t.diff, "z": -t.z, "p": t.p, "ci_low": -t.ci_high, "ci_high": -t.ci_low,
                           "note": "marker AUC minus panel AUC (paired DeLong)"}
    except stats.StatsError as err:
        row["vs_panel"] = {"error": str(err)}
    return row


def _decision_sections(y: np.ndarray, oof: np.ndarray) -> dict[str, Any]:
    """Decision curve, Youden threshold and a table of fixed thresholds of the out-of-fold probabilities."""
    out: dict[str, Any] = {}
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    try:
        out["decision_curve"] = stats.net_benefit(y, oof, grid).to_dict()
    except stats.StatsError as err:
        out["decision_curve"] = {"error": str(err)}
    yt = stats.youden_threshold(y, oof)
    out["youden"] = yt.to_dict()
    rows = []
    for thr in sorted({round(float(yt.threshold), 6), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}):
        try:
            rows.append(stats.threshold_metrics(y, oof, thr).to_dict())
        except stats.StatsError:
            continue
    out["thresholds"] = rows
    return out


def _calibration(y: np.ndarray, p: np.ndarray, seed: int) -> dict[str, Any]:
    try:
        cal = stats.calibration(y, p).to_dict()
    except stats.StatsError as err:
        return {"error": str(err)}
    try:
        cc = stats.calibration_curve(y, p, seed=seed)
        cal["smooth"] = {"x": cc.grid, "y": cc.smooth, "lower": cc.smooth_low, "upper": cc.smooth_high,
                         "band": f"bootstrap percentile ({cc.n_boot} resamples)"}
        cal["binned"] = {"x": cc.bin_predicted, "y": cc.bin_observed, "lower": cc.bin_low, "upper": cc.bin_high,
                         "n": cc.bin_n}
    except stats.StatsError as err:
        cal["curve_error"] = str(err)
    cal["predictions"] = [float(x) for x in p[:5000]]
    return cal
