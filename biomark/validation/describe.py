"""What a validation run reports about its inputs: panel, cohort description, warnings, TRIPOD items.

Nothing here is a statistic of performance; these are descriptions (quantiles, counts, Spearman
correlations between markers) and checks of the inputs that the report and the console show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark.codings import numeric_or_text
from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.panel import Panel
from biomark.stats.km import kaplan_meier


def panel_dict(panel: Panel) -> dict[str, Any]:
    """The spec fields a result records, with the panel's content hash."""
    d = panel.spec_dict()
    keep = ("id", "title", "cancer_type", "specimen", "compartment", "assay", "scoring", "markers", "evidence",
            "conflicts", "notes", "endpoints", "reference_markers")
    out = {k: d[k] for k in keep}
    out["content_hash"] = panel.content_hash()
    return out


def marker_warnings(X: pd.DataFrame) -> list[str]:
    """Markers that cannot carry information: no value at all, or one value in every sample."""
    out = []
    for m in X.columns:
        v = X[m].to_numpy(float)
        f = v[np.isfinite(v)]
        if f.size == 0:
            out.append(f"marker {m} has no value in any sample: it adds nothing to the score and its direction is "
                       "not estimable (check the column in the expression file)")
        elif f.size > 1 and np.ptp(f) == 0:
            out.append(f"marker {m} is constant ({f[0]:g} in every sample with a value): it adds nothing to the "
                       "score and its direction is not estimable")
    return out


def missing_warning(X: pd.DataFrame) -> list[str]:
    n = X.isna().sum()
    n = n[(n > 0) & (n < len(X))]
    if n.empty:
        return []
    per = ", ".join(f"{m}: {int(k)}" for m, k in n.items())
    return [f"{int(n.sum())} missing marker value(s) ({per}) were imputed by the training median inside the score"]


def separation_warnings(X: pd.DataFrame, y: np.ndarray, ep: Any) -> list[str]:
    """Markers whose values separate the two classes completely (AUC 0 or 1)."""
    out = []
    for m in X.columns:
        v = X[m].to_numpy(float)
        ok = np.isfinite(v)
        a, b = v[ok & (y == 1)], v[ok & (y == 0)]
        if a.size < 2 or b.size < 2 or (np.ptp(a) == 0 and np.ptp(b) == 0):
            continue
        if a.min() > b.max() or a.max() < b.min():
            out.append(f"marker {m} separates the classes perfectly (every '{ep.positive_class}' sample "
                       f"{'above' if a.min() > b.max() else 'below'} every other): an unpenalised logistic fit has "
                       "no finite coefficient and so clean a split in one cohort is rarely reproduced; check that "
                       "the outcome was not defined from this marker")
    return out


def check_size(cohort: Cohort, y: np.ndarray) -> None:
    """Refuse fewer than 10 samples with an outcome or fewer than 3 in the smaller class."""
    if y.size < 10:
        raise InputError(f"{cohort.name}: only {y.size} samples with an outcome; validation needs at least 10")
    minority = int(min(y.sum(), y.size - y.sum()))
    if minority < 3:
        raise InputError(f"{cohort.name}: only {minority} samples in the smaller class; validation needs at least 3")


def covariates(cohort: Cohort, names: Sequence[str], present: np.ndarray) -> pd.DataFrame | None:
    """The named clinical covariates of the analysed rows, categorical ones as 0/1 dummies (first level dropped)."""
    if not names:
        return None
    clin = cohort.clinical
    if clin is None:
        raise InputError("covariates were named but no clinical file was given")
    missing = [c for c in names if c not in clin.columns]
    if missing:
        raise InputError(f"{cohort.name}: clinical file has no column {', '.join(repr(m) for m in missing)}; "
                         f"columns are: {', '.join(map(str, clin.columns))}")
    na = cohort.codings.get("na_values")
    cov = pd.DataFrame({c: numeric_or_text(clin.loc[present, c], na) for c in names})
    if cov.isna().any().any():  # validate leaves these samples out first (has_value)
        raise InputError(f"{cohort.name}: covariates have missing values; impute or drop those samples first")
    return pd.get_dummies(cov, drop_first=True, dtype=float)


def has_value(cohort: Cohort, name: str) -> np.ndarray:
    """Which samples have a value of clinical column ``name`` (the missing-value rule of biomark.codings)."""
    clin = cohort.clinical
    if clin is None or name not in clin.columns:
        return np.ones(cohort.n_samples, dtype=bool)  # covariates() names the problem
    return numeric_or_text(clin[name], cohort.codings.get("na_values")).notna().to_numpy()


#: a median follow-up longer than this many years is implausible for the unit stated
MAX_FOLLOW_UP_YEARS = 20.0
_PER_YEAR = {"days": 365.25, "weeks": 365.25 / 7, "months": 12.0, "years": 1.0}


def follow_up_warning(time: np.ndarray, event: np.ndarray, unit: str, column: str) -> list[str]:
    """A warning when the median follow-up (reverse Kaplan-Meier, Schemper & Smith 1996) exceeds 20 years
    in the stated unit (240 months): almost always days or weeks labelled as months."""
    if time.size == 0 or unit not in _PER_YEAR:
        return []
    rev = kaplan_meier(time, 1.0 - event)
    med = float(rev.median) if np.isfinite(rev.median) else float(np.median(time))
    if med <= MAX_FOLLOW_UP_YEARS * _PER_YEAR[unit]:
        return []
    return [f"median follow-up in '{column}' is {med:.4g} {unit} ({med / _PER_YEAR[unit]:.3g} years): implausible; "
            f"if the times are not in {unit}, give the unit with --time-unit (days, weeks, months, years) or the "
            "endpoint's time_unit"]


def cohort_info(cohort: Cohort, X: pd.DataFrame) -> dict[str, Any]:
    """The cohort section: size, markers, read-time QC, per-marker quantiles, missing counts, Spearman correlations."""
    qc = dict(cohort.qc)
    desc = {}
    for m in X.columns:
        v = X[m].to_numpy(float)
        f = v[np.isfinite(v)]
        if f.size:
            q = np.quantile(f, [0, 0.25, 0.5, 0.75, 1])
            desc[m] = {"mean": float(f.mean()), "sd": float(f.std(ddof=1)) if f.size > 1 else None, "min": q[0],
                       "q1": q[1], "median": q[2], "q3": q[3], "max": q[4], "n_missing": int((~np.isfinite(v)).sum())}
    qc["marker_summary"] = desc
    qc["missing_per_marker"] = {m: int(X[m].isna().sum()) for m in X.columns}
    if X.shape[1] > 1:
        corr = X.corr(method="spearman")
        qc["correlation"] = {"markers": list(X.columns), "matrix": corr.to_numpy().tolist()}
    return {"name": cohort.name, "n_samples": cohort.n_samples, "markers_used": list(X.columns),
            "missing_markers": list(cohort.missing_markers), "assay": cohort.assay, "qc": qc}


def by_class(X: pd.DataFrame, y: np.ndarray, ep: Any) -> dict[str, Any]:
    """Marker values per class (at most 5000 each) for the distribution figure."""
    neg = ep.negative_class or "other"
    out = {}
    for m in X.columns:
        v = X[m].to_numpy(float)
        out[m] = {ep.positive_class: v[(y == 1) & np.isfinite(v)][:5000].tolist(),
                  neg: v[(y == 0) & np.isfinite(v)][:5000].tolist()}
    return out


def tripod(d: dict[str, Any]) -> list[dict[str, Any]]:
    """TRIPOD-style checklist: which items this result assessed, and how."""
    b, s = d.get("binary"), d.get("survival")
    items = [
        ("Source of predictors and their direction stated (panel spec with evidence)", True,
         f"{len(d['panel']['evidence'])} evidence sentences, {len(d['panel']['conflicts'])} conflicts"),
        ("Outcome defined", True, f"endpoint {d['endpoint']['id']} ({d['endpoint']['kind']})"),
        ("Missing data handled and reported", True, "median imputation fitted on training rows; counts per marker in QC"),
        ("Internal validation (cross-validation)", bool(b) or bool(s), "repeated stratified k-fold" if b
         else "repeated k-fold (stratified on the event), Harrell's and Uno's C"),
        ("Optimism correction (bootstrap)", bool((b or s or {}).get("bootstrap")),
         ("Harrell's optimism bootstrap" + (" of C and the calibration slope" if s and s.get("coefficients") else
                                            " of C" if s else "")) if (b or s or {}).get("bootstrap") else "not run"),
        ("Discrimination with confidence interval", bool(b) or bool(s), "AUC with DeLong CI" if b else ("Harrell's and Uno's C" if s else "")),
        ("Calibration (intercept, slope, curve)", bool(b and "slope" in (b.get("calibration") or {})), "rms val.prob definitions" if b else "not assessed"),
        ("Clinical usefulness (decision curve)", bool(b and "threshold" in (b.get("decision_curve") or {})), "net benefit" if b else "not assessed"),
        ("Proportional hazards checked", bool(s and "global" in (s.get("ph") or {})), "Grambsch–Therneau" if s else "not applicable"),
        ("External validation (other cohorts)", "cohorts" in d, f"{len(d.get('cohorts', [])) - 1} validation cohorts" if "cohorts" in d else "not assessed"),
        ("Direction consistency with the literature", True, "per-marker effect vs spec, BH-adjusted"),
    ]
    return [{"item": i, "assessed": bool(a), "detail": det} for i, a, det in items]
