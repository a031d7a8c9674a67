"""Added value of the panel over a clinical model (issue 16): the ``added_value`` section of a validation.

Two models fitted the same way on the same rows: the clinical model (the ``clinical_model`` columns; a
categorical column dummy-coded against its first level in sorted order, stated as ``reference_levels``; a numeric
column kept numeric) and the clinical + panel model (the panel's score for a fixed rule, its markers for a fitted
method). Logistic for a binary endpoint, Cox for survival; complete-case on the clinical columns and the added
terms, with counts. Statistics from :mod:`biomark.stats.added_value`, :mod:`~biomark.stats.added_optimism` and
:mod:`~biomark.stats.reclassification`; docs/added_value.md describes the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.stats import StatsError, delong_test, net_benefit
from biomark.stats.added_optimism import (
    cv_delta_auc,
    cv_delta_c,
    optimism_delta_auc,
    optimism_delta_c,
)
from biomark.stats.added_value import delta_concordance, logistic, nested_lr_test
from biomark.stats.coxph import cox
from biomark.stats.horizon import cox_risk_at
from biomark.stats.horizon_calibration import net_benefit_at
from biomark.stats.reclassification import categorical_nri, improve_prob
from biomark.stats.reclassification_surv import nri_idi_at
from biomark.stats.reclassification_surv_se import nri_idi_at_se
from biomark.stats.spline import rcs_basis
from biomark.validation import nomogram as nomogram_mod
from biomark.validation.binary import _curve  # the ROC thinning of the panel's own curve
from biomark.validation.horizon import default_horizons, usable

__all__ = ["CAVEATS", "clinical_design", "direction_adjusted", "evaluate_added"]

CAVEATS = ("The likelihood-ratio test is the test of added value for nested models (Vickers et al. 2011); the "
           "change in AUC/C is its size, and its DeLong p is conservative for nested models. The NRI can reward a "
           "miscalibrated new model (Pepe et al. 2015; Kerr et al. 2014): read it beside the LR test, not instead.")


_MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "."})


def _column(clin: pd.DataFrame, name: str, cohort: str) -> pd.Series:
    if name not in clin.columns:
        raise InputError(f"{cohort}: --clinical-model column '{name}' is not in the clinical file; columns are: "
                         + ", ".join(map(str, clin.columns)))
    col = clin[name]
    if not pd.api.types.is_numeric_dtype(col):  # a text column keeps the spellings of a missing cell
        col = col.mask(col.astype(str).str.strip().isin(_MISSING))
    if col.isna().all():
        raise InputError(f"{cohort}: clinical-model column '{name}' is missing for every sample: "
                         "drop it from --clinical-model or fill it in")
    return col


def _numeric(col: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    conv = pd.to_numeric(col, errors="coerce")
    return conv if conv.notna().sum() == col.notna().sum() else None


def _spline(num: pd.Series, complete: np.ndarray, name: str) -> tuple[pd.DataFrame, list[float]]:
    """rms::rcs(x, 4) of a numeric column, knots from the complete cases; NaN in the other rows."""
    try:
        b = rcs_basis(num.to_numpy(float)[complete], nk=4)
    except StatsError as exc:
        raise InputError(f"--spline {name}: {exc}") from None
    cols = [name, f"{name}'", f"{name}''"]
    out = pd.DataFrame(np.nan, index=num.index, columns=cols)
    out.loc[complete] = b.basis
    return out, list(b.knots)


def clinical_design(cohort: Cohort, names: Sequence[str], rows: np.ndarray,
                    spline: Sequence[str] = ()) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The clinical model's design on ``rows`` (a boolean mask) and what was done: reference levels, dropped rows.

    Rows with a missing clinical value get NaN in every column of the design (the caller drops them and counts).
    A constant column, a level held by one sample, or a column missing everywhere is an :class:`InputError`
    naming the column.
    """
    clin = cohort.clinical
    if clin is None:
        raise InputError("--clinical-model names clinical columns but no clinical file was given (--clinical)")
    parts, refs, kinds, knots, notes = [], {}, {}, {}, []
    for sp in spline:
        if sp not in names:
            raise InputError(f"--spline {sp}: the column is not in --clinical-model ({', '.join(names)})")
    sub = clin.loc[rows]
    cols = {name: _column(sub, name, cohort.name) for name in names}
    complete = pd.concat(cols, axis=1).notna().all(axis=1).to_numpy()
    if complete.sum() < 10:
        raise InputError(f"{cohort.name}: only {int(complete.sum())} analysed samples have every clinical-model column "
                         f"({', '.join(names)}): fill in the clinical file or name fewer columns")
    for name, col in cols.items():
        num = _numeric(col)
        cc = col[complete]
        if num is not None:
            if cc.nunique() < 2:
                raise InputError(f"{cohort.name}: clinical-model column '{name}' is constant in the analysed samples "
                                 f"(every value {cc.iloc[0].item() if hasattr(cc.iloc[0], 'item') else cc.iloc[0]}): drop it "
                                 "from --clinical-model")
            if name in spline:
                block, knots[name] = _spline(num, complete, name)
                parts.append(block)
                kinds[name] = "spline"
            else:
                parts.append(num.rename(name).to_frame())
                kinds[name] = "numeric"
                values = num[complete].unique()
                if values.size <= 5 and np.all(values == np.round(values)):
                    notes.append(f"clinical-model column '{name}' has {values.size} whole-number values and is entered "
                                 "as one linear term; if it codes categories (e.g. stage 1-4), write them as text "
                                 "(I, II, ...) in the clinical file to dummy-code it")
            continue
        if name in spline:
            raise InputError(f"--spline {name}: the column is not numeric; a spline needs numbers")
        levels = sorted(map(str, cc.unique()))
        if len(levels) < 2:
            raise InputError(f"{cohort.name}: clinical-model column '{name}' has one level ('{levels[0]}') in the "
                             "analysed samples: drop it from --clinical-model")
        counts = cc.astype(str).value_counts()
        thin = [lv for lv in levels if counts[lv] < 2]
        if thin:
            raise InputError(f"{cohort.name}: clinical-model column '{name}' has level(s) {', '.join(thin)} with one "
                             "sample: its coefficient is not estimable; merge the level with another in the clinical "
                             "file or leave those samples out")
        s = col.astype(str).where(col.notna())
        dummies = pd.DataFrame({f"{name}={lv}": (s == lv).astype(float).where(s.notna()) for lv in levels[1:]},
                               index=col.index)
        parts.append(dummies)
        refs[name], kinds[name] = levels[0], "categorical"
    design = pd.concat(parts, axis=1)
    return design, {"reference_levels": refs, "kinds": kinds, "knots": knots, "notes": notes}


def _check_collinear(Z: pd.DataFrame, A: pd.DataFrame, names: Sequence[str], what: str) -> None:
    full = np.column_stack([np.ones(len(Z)), Z.to_numpy(float), A.to_numpy(float)])
    if np.linalg.matrix_rank(full) == full.shape[1]:
        return
    zc = np.column_stack([np.ones(len(Z)), Z.to_numpy(float)])
    if np.linalg.matrix_rank(zc) < zc.shape[1]:
        raise InputError(f"the clinical-model columns {', '.join(names)} are collinear with one another: "
                         "drop one from --clinical-model")
    culprits = []
    for n in names:  # a column whose removal makes the design full rank
        idx = [1 + i for i, c in enumerate(Z.columns) if c.rstrip("'") == n or c.startswith(f"{n}=")]
        reduced = np.delete(full, idx, axis=1)
        if np.linalg.matrix_rank(reduced) == reduced.shape[1]:
            culprits.append(n)
    who = ", ".join(f"'{c}'" for c in culprits) or ", ".join(f"'{n}'" for n in names)
    raise InputError(f"clinical-model column {who} is collinear with the {what}: the panel's added value is not "
                     "estimable; drop the column from --clinical-model")


def _terms(fit: Any) -> list[dict[str, Any]]:
    return [{"term": str(t), "coef": float(b), "se": float(s), "p": float(p)}
            for t, b, s, p in zip(fit.terms, fit.coef, fit.se, fit.p, strict=True)]


def _not(reason: str) -> dict[str, str]:
    return {"error": reason}


def _cv(out: dict[str, np.ndarray], Z: pd.DataFrame, A: pd.DataFrame, cv: tuple[int, int], seed: int) -> dict[str, Any]:
    """CV difference: AUC (binary) or Harrell's C (survival; the auc_* keys hold C) of pooled out-of-fold predictions."""
    try:
        if "y" in out:
            r = cv_delta_auc(out["y"], Z, A, folds=cv[0], repeats=cv[1], seed=seed)
        else:
            r = cv_delta_c(out["time"], out["event"], Z, A, folds=cv[0], repeats=cv[1], seed=seed)
    except StatsError as exc:
        return _not(str(exc))
    return {"auc_clinical": r.auc_clinical, "auc_full": r.auc_full, "diff": r.diff,
            "diff_sd": r.diff_sd if np.isfinite(r.diff_sd) else None, "diff_per_repeat": r.diff_per_repeat.tolist(),
            "folds": r.folds, "repeats": r.repeats}


def _binary_parts(y: np.ndarray, Z: pd.DataFrame, A: pd.DataFrame, t: Any, B: int, seed: int, ci: float,
                  cutoffs: Sequence[float] | None) -> dict[str, Any]:
    p0, p1 = t.reduced.prob, t.full.prob
    out: dict[str, Any] = {}
    try:
        d = delong_test(y, t.full.linear_predictor, t.reduced.linear_predictor, ci=ci)
        out["discrimination"] = {"measure": "auc", "clinical": d.auc_b, "full": d.auc_a, "diff": d.diff, "se": d.se,
                                 "ci_low": d.ci_low, "ci_high": d.ci_high, "p": d.p,
                                 "method": "paired DeLong (pROC::roc.test)"}
    except StatsError as exc:
        out["discrimination"] = _not(str(exc))
    out["roc_clinical"] = {k: v for k, v in _curve(y, t.reduced.linear_predictor, "<").items() if k != "thresholds"}
    out["roc_full"] = {k: v for k, v in _curve(y, t.full.linear_predictor, "<").items() if k != "thresholds"}
    out["corrected"] = _corrected(lambda: optimism_delta_auc(y, Z, A, B=B, seed=seed, ci=ci), B, "auc")
    ip = improve_prob(y, p0, p1, ci=ci)
    out["reclassification"] = {k: getattr(ip, k) for k in (
        "nri", "se_nri", "p_nri", "nri_events", "se_nri_events", "p_nri_events", "nri_nonevents",
        "se_nri_nonevents", "p_nri_nonevents", "idi", "se_idi", "p_idi")}
    if cutoffs:
        c = categorical_nri(y, p0, p1, cutoffs)
        out["categorical"] = {"cutoffs": list(c.cutoffs), "categories": list(c.categories),
                              "table_events": c.table_events.tolist(), "table_nonevents": c.table_nonevents.tolist(),
                              **{k: getattr(c, k) for k in ("nri", "se_nri", "p_nri", "nri_events", "nri_nonevents")}}
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    nb0, nb1 = net_benefit(y, p0, thresholds=grid), net_benefit(y, p1, thresholds=grid)
    out["net_benefit"] = {"threshold": grid.tolist(), "clinical": np.asarray(nb0.model).tolist(),
                          "full": np.asarray(nb1.model).tolist(),
                          "diff": (np.asarray(nb1.model) - np.asarray(nb0.model)).tolist(),
                          "treat_all": np.asarray(nb0.treat_all).tolist()}
    return out


def _corrected(run: Any, B: int, measure: str) -> dict[str, Any]:
    if B <= 0:
        return _not("bootstrap was 0")
    try:
        o = run()
    except StatsError as exc:
        return _not(str(exc))
    a, b = ("auc_clinical", "auc_full") if measure == "auc" else ("c_clinical", "c_full")
    return {"apparent": o.apparent, "optimism": o.optimism, "corrected": o.corrected, "ci_low": o.ci_low,
            "ci_high": o.ci_high, "clinical_corrected": getattr(o, f"{a}_corrected"),
            "full_corrected": getattr(o, f"{b}_corrected"), "B": B, "n_failed": o.n_failed,
            "interval": "bootstrap percentile of (apparent difference in resample - optimism)"}


def _survival_parts(time: np.ndarray, event: np.ndarray, Z: pd.DataFrame, A: pd.DataFrame, t: Any, B: int,
                    seed: int, ci: float, horizons: Sequence[float] | None = None) -> dict[str, Any]:
    d = delta_concordance(time, event, t.reduced.linear_predictor, t.full.linear_predictor, ci=ci)
    later = "for a survival endpoint these are given at each horizon t (at_horizon)"
    return {"discrimination": {"measure": "c", "clinical": d.c_a, "full": d.c_b, "diff": d.diff, "se": d.se,
                               "ci_low": d.ci_low, "ci_high": d.ci_high, "p": d.p,
                               "method": "Harrell's C, infinitesimal jackknife (survival::concordance(fit1, fit2))"},
            "corrected": _corrected(lambda: optimism_delta_c(time, event, Z, A, B=B, seed=seed, ci=ci), B, "c"),
            "reclassification": _not(later), "net_benefit": _not(later),
            "at_horizon": _at_horizons(time, event, t, horizons, B, seed, ci),
            "km_tertiles": _km_tertiles(time, event, t)}


def _km_tertiles(time: np.ndarray, event: np.ndarray, t: Any) -> dict[str, Any]:
    """Kaplan-Meier by tertiles of each Cox model's linear predictor (monotone in its risk at every t)."""
    from biomark.validation.horizon import km_groups

    out = {}
    for key, fit in (("clinical", t.reduced), ("full", t.full)):
        k = km_groups("tertiles", np.asarray(fit.linear_predictor, float), time, event)
        for g in k["groups"]:
            g["label"] = g["label"].replace("score ", "risk ")
        k["rule"] = "tertiles of the predicted risk"
        out[key] = k
    return out


def _se_at(time: np.ndarray, event: np.ndarray, r0: np.ndarray, r1: np.ndarray, h: float, B: int, seed: int,
           ci: float) -> dict[str, Any]:
    if B <= 0:
        return _not("bootstrap was 0")
    try:
        s = nri_idi_at_se(time, event, r0, r1, h, B=B, seed=seed, ci=ci)
    except StatsError as exc:
        return _not(str(exc))
    out = {k: getattr(s, k) for k in ("se_nri", "p_nri", "se_nri_events", "p_nri_events", "se_nri_nonevents",
                                       "p_nri_nonevents", "se_idi", "p_idi", "B", "n_failed", "method")}
    out.update(ci_nri_low=s.ci_nri[0], ci_nri_high=s.ci_nri[1], ci_idi_low=s.ci_idi[0], ci_idi_high=s.ci_idi[1])
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}


def _at_horizons(time: np.ndarray, event: np.ndarray, t: Any, horizons: Sequence[float] | None, B: int = 0,
                 seed: int = 0, ci: float = 0.95) -> Any:
    """NRI/IDI and net benefit of the two Cox models' risks 1 - S(t | x) (Breslow baseline, Efron) at each horizon,
    with bootstrap SEs of the NRI and IDI (``B`` resamples, ``seed``; none when ``B`` is 0)."""
    hs = list(horizons) if horizons is not None else default_horizons(time)
    kept, dropped = usable(hs, time, event, "")
    if not kept:
        return _not("no usable horizon: " + "; ".join(dropped))
    r0 = cox_risk_at(time, event, t.reduced.linear_predictor, kept).risk
    r1 = cox_risk_at(time, event, t.full.linear_predictor, kept).risk
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    out = []
    for k, h in enumerate(kept):
        rc = nri_idi_at(time, event, r0[:, k], r1[:, k], h)
        nb0, nb1 = net_benefit_at(time, event, r0[:, k], h, grid), net_benefit_at(time, event, r1[:, k], h, grid)
        out.append({"t": h, "risk_by_t": rc.risk_by_t, "p_up": rc.p_up, "p_down": rc.p_down,
                    **{k2: getattr(rc, k2) for k2 in ("nri", "nri_events", "nri_nonevents", "idi", "idi_events",
                                                       "idi_nonevents")},
                    "net_benefit": {"threshold": grid.tolist(), "clinical": nb0.model.tolist(),
                                    "full": nb1.model.tolist(), "diff": (nb1.model - nb0.model).tolist(),
                                    "treat_all": nb0.treat_all.tolist()},
                    "se": _se_at(time, event, r0[:, k], r1[:, k], h, B, seed, ci)})
    return out


def _adjusted_directions(markers: pd.DataFrame, Z: pd.DataFrame, outcome: dict[str, np.ndarray],
                         kind: str) -> list[dict[str, Any]]:
    rows = []
    for m in markers.columns:
        x = markers[[m]].rename(columns={m: "__marker__"})
        try:
            if kind == "binary":
                un, adj = logistic(outcome["y"], x), logistic(outcome["y"], pd.concat([Z, x], axis=1))
                iu, ia = 1, adj.terms.index("__marker__")
            else:
                un = cox(outcome["time"], outcome["event"], x)
                adj = cox(outcome["time"], outcome["event"], pd.concat([Z, x], axis=1))
                iu, ia = 0, adj.terms.index("__marker__")
        except StatsError as exc:
            rows.append({"marker": m, "error": str(exc)})
            continue
        bu, ba = float(un.coef[iu]), float(adj.coef[ia])
        rows.append({"marker": m, "unadjusted_coef": bu, "unadjusted_p": float(un.p[iu]), "adjusted_coef": ba,
                     "adjusted_p": float(adj.p[ia]), "sign_flip": bool(np.sign(bu) != np.sign(ba))})
    return rows


def evaluate_added(cohort: Cohort, names: Sequence[str], rows: np.ndarray, outcome: dict[str, np.ndarray],
                   added: pd.DataFrame, markers: pd.DataFrame, *, kind: str, B: int, seed: int, ci: float,
                   cutoffs: Sequence[float] | None = None, spline: Sequence[str] = (),
                   cv: tuple[int, int] | None = None,
                   horizons: Sequence[float] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The ``added_value`` section and its warnings.

    ``rows``: mask over the cohort's samples of the analysed rows (outcome present), in the order of ``outcome``,
    ``added`` (the score, or the markers of a fitted panel) and ``markers``. ``horizons`` (survival): the times t
    of the NRI/IDI and net benefit at t (default: the quartiles of follow-up, as the horizon section).
    """
    Z, info = clinical_design(cohort, names, rows, spline)
    if kind == "survival" and horizons is None:  # the horizon section's defaults: from all analysed rows
        horizons = default_horizons(np.asarray(outcome["time"], float))
    Z = Z.reset_index(drop=True)
    added = added.reset_index(drop=True)
    markers = markers.reset_index(drop=True)
    ok = (Z.notna().all(axis=1) & added.notna().all(axis=1)).to_numpy()
    warnings = list(info["notes"])
    if (~ok).sum():
        warnings.append(f"added value: {int((~ok).sum())} samples without a value in the clinical-model columns or "
                        "the panel were left out of both models (complete case)")
    Z, A, M = Z[ok].reset_index(drop=True), added[ok].reset_index(drop=True), markers[ok].reset_index(drop=True)
    out_ok = {k: v[ok] for k, v in outcome.items()}
    for c in Z.columns:  # a level can vanish with complete case
        if Z[c].nunique() < 2:
            raise InputError(f"{cohort.name}: clinical-model column '{c.split('=')[0].rstrip(chr(39))}' is constant "
                             "in the complete cases: drop it from --clinical-model")
    _check_collinear(Z, A, names, "panel score" if A.shape[1] == 1 else "panel markers")
    try:
        if kind == "binary":
            t = nested_lr_test(Z, A, y=out_ok["y"])
            parts = _binary_parts(out_ok["y"], Z, A, t, B, seed, ci, cutoffs)
        else:
            t = nested_lr_test(Z, A, time=out_ok["time"], event=out_ok["event"], model="cox")
            parts = _survival_parts(out_ok["time"], out_ok["event"], Z, A, t, B, seed, ci, horizons)
        if cv is not None:
            parts["cv"] = _cv(out_ok, Z, A, cv, seed)
    except StatsError as exc:  # e.g. separation: the rest of the validation stands, this section says why not
        msg = f"added value over the clinical model ({', '.join(names)}) not assessed: {exc}"
        return {"error": msg}, [*warnings, msg]
    dirs = _adjusted_directions(M, Z, out_ok, kind)
    flips = [r["marker"] for r in dirs if r.get("sign_flip")]
    warnings += [f"marker {m} changes sign after adjustment for the clinical model" for m in flips]
    measure = "AUC" if kind == "binary" else "Harrell's C"
    verdict = (f"Adding the panel ({t.df} term{'s' if t.df > 1 else ''}) to the clinical model "
               f"({', '.join(names)}): likelihood-ratio chi2 = {t.lr:.2f} on {t.df} df, p = {t.p:.2g}; "
               f"apparent change in {measure} {parts['discrimination'].get('diff', float('nan')):+.3f}"
               + (f", optimism-corrected {parts['corrected']['corrected']:+.3f}" if "corrected" in parts["corrected"]
                  else "") + ".")
    section = {"kind": kind, "clinical_columns": list(names), "reference_levels": info["reference_levels"],
               "added_terms": list(A.columns), "n": int(t.n), "n_events": int(t.n_events), "n_dropped": int((~ok).sum()),
               "clinical_model": _terms(t.reduced), "full_model": _terms(t.full),
               "loglik_clinical": t.loglik_reduced, "loglik_full": t.loglik_full,
               "lr_test": {"lr": t.lr, "df": t.df, "p": t.p, "wald": t.wald, "wald_p": t.wald_p},
               **parts, "directions": dirs, "verdict": verdict, "caveats": CAVEATS}
    section.setdefault("categorical", None)
    section["spline_knots"] = info["knots"] or None
    section["nomogram"] = _nomogram(t.full, Z, A, info, kind, out_ok, horizons)
    return section, warnings


def _nomogram(fit: Any, Z: pd.DataFrame, A: pd.DataFrame, info: dict[str, Any], kind: str,
              out: dict[str, np.ndarray], horizons: Sequence[float] | None) -> dict[str, Any]:
    """The clinical + panel model's nomogram (survival: S(t) at the usable horizons)."""
    if kind == "binary":
        return nomogram_mod.full_model(fit, Z, A, info, outcome="binary")
    kept, _ = usable(list(horizons or []), out["time"], out["event"], "")
    if not kept:
        return _not("no usable horizon for the nomogram's S(t)")
    return nomogram_mod.full_model(fit, Z, A, info, outcome="survival", time=out["time"], event=out["event"],
                                   horizons=kept)


_EXPECTED = {"up": 1, "risk": 1, "down": -1, "protective": -1}


def direction_adjusted(direction: dict[str, Any], added: dict[str, Any]) -> dict[str, Any] | None:
    """``direction.adjusted``: the added-value section's per-marker adjusted coefficients beside the direction table,
    each with whether its sign is the literature's; None when the section has none (not assessed)."""
    if not isinstance(added, dict) or "directions" not in added or not isinstance(direction, dict):
        return None
    expected = {e.get("marker"): _EXPECTED.get(e.get("expected") or "") for e in direction.get("effects") or []}
    rows = []
    for r in added["directions"]:
        row = dict(r)
        sign = expected.get(r["marker"])
        if sign is not None and r.get("adjusted_coef") is not None:
            row["agrees_expected"] = bool(np.sign(r["adjusted_coef"]) == sign)
        rows.append(row)
    return {"clinical_columns": list(added["clinical_columns"]),
            "model": "logistic (log-odds per unit)" if added["kind"] == "binary" else "Cox (log-hazard per unit)",
            "n": int(added["n"]), "markers": rows}
