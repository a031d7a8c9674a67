"""``biomark.validate``: fit and validate a panel on a cohort, against the literature.

    result = biomark.validate(panel, cohort, outcome="response", seed=1)
    result.to_json("results.json"); result.to_html("report.html")

What it computes is described in docs/validation.md; the result layout is the schema
``biomark.validation/1``.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.panel import Panel, load_panel
from biomark.validation.result import SCHEMA, ValidationResult, _clean

__all__ = ["ValidationResult", "validate"]


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    import biomark

    out = {"biomark": biomark.__version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "pandas", "scikit-learn", "statsmodels", "joblib"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out


def _panel_dict(panel: Panel) -> dict[str, Any]:
    d = panel.model_dump(mode="json")
    keep = ("id", "title", "cancer_type", "specimen", "compartment", "assay", "scoring", "markers", "evidence",
            "conflicts", "notes", "endpoints", "reference_markers")
    out = {k: d[k] for k in keep}
    out["content_hash"] = panel.content_hash()
    return out


def _choose_endpoint(panel: Panel, endpoint: str | None, outcome: str | None, time: str | None) -> Any:
    if endpoint is not None:
        try:
            return panel.endpoint(endpoint)
        except KeyError:
            raise InputError(f"panel '{panel.id}' has no endpoint '{endpoint}'; endpoints are: "
                             + ", ".join(panel.endpoint_ids)) from None
    want = "survival" if time is not None else ("binary" if outcome is not None else None)
    for e in panel.endpoints:
        if want is None or e.kind == want:
            return e
    raise InputError(f"panel '{panel.id}' has no {want} endpoint; its endpoints are: "
                     + ", ".join(f"{e.id} ({e.kind})" for e in panel.endpoints))


def _clin_src(cohort: Cohort) -> str:
    """The clinical file's path for messages (the cohort's name when it was not read from files)."""
    srcs = list(getattr(cohort, "sources", None) or {})
    return srcs[1] if len(srcs) > 1 else cohort.name


def _clinical_column(cohort: Cohort, column: str | None, default_candidates: Sequence[str], what: str) -> pd.Series:
    clin = cohort.clinical
    if clin is None:
        raise InputError(f"{cohort.name}: a {what} is needed but no clinical file was given; pass --clinical FILE")
    cols = list(clin.columns)
    if column is None:
        for c in default_candidates:
            if c in cols:
                column = c
                break
        else:
            raise InputError(f"{_clin_src(cohort)}: name the {what} column (clinical columns are: {', '.join(map(str, cols))})")
    if column not in cols:
        raise InputError(f"{_clin_src(cohort)}: no column '{column}'; columns are: {', '.join(map(str, cols))}")
    return clin[column]


def binary_outcome(cohort: Cohort, column: str | None, endpoint: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """0/1 outcome (1 = the endpoint's positive class) and the mask of samples that have one."""
    s = _clinical_column(cohort, column, [endpoint.id, "outcome", "response", "class", "group"], "binary outcome")
    name = str(s.name)
    present = s.notna().to_numpy()
    vals = s[present]
    labels = sorted({str(v).strip() for v in vals})
    pos = endpoint.positive_class
    if set(labels) <= {"0", "1", "0.0", "1.0", "True", "False"}:
        y = np.array([1.0 if str(v).strip() in ("1", "1.0", "True") else 0.0 for v in vals])
    else:
        if pos not in labels:
            raise InputError(
                f"{_clin_src(cohort)}: column '{name}': the positive class '{pos}' does not occur; labels are: "
                f"{', '.join(labels)}; recode the column or use 0/1 with 1 = {pos}"
            )
        if len(labels) > 2:
            raise InputError(
                f"{_clin_src(cohort)}: column '{name}' has {len(labels)} labels ({', '.join(labels[:6])}); a binary "
                f"endpoint needs two: '{pos}' and one other"
            )
        y = np.array([1.0 if str(v).strip() == pos else 0.0 for v in vals])
    if np.unique(y).size < 2:
        raise InputError(f"{_clin_src(cohort)}: column '{name}' has one class only ({labels[0] if labels else 'none'}); "
                         "a binary endpoint needs cases and controls")
    full = np.full(present.size, np.nan)
    full[present] = y
    return full, present, name


def survival_outcome(cohort: Cohort, time_col: str | None, event_col: str | None,
                     endpoint_id: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    """Survival time, 0/1 event and the mask of samples that have both."""
    t = _clinical_column(cohort, time_col, [f"{endpoint_id}_time", "time", "os_time", "survival_time", "months", "days"],
                         "survival time")
    e = _clinical_column(cohort, event_col, [f"{endpoint_id}_event", "event", "status", "os_event", "death"],
                         "event indicator")
    tn = pd.to_numeric(t, errors="coerce")
    en = pd.to_numeric(e, errors="coerce")
    bad_t = t.notna() & tn.isna()
    if bad_t.any():
        i = bad_t.to_numpy().nonzero()[0][0]
        raise InputError(f"{_clin_src(cohort)}: column '{t.name}', sample '{t.index[i]}': time {t.iloc[i]!r} is not a number; "
                         f"write the time as a number (in the endpoint's unit) or leave the cell empty")
    present = (tn.notna() & en.notna()).to_numpy()
    tv, ev = tn.to_numpy(float), en.to_numpy(float)
    if (tv[present] <= 0).any():
        i = np.flatnonzero(present & (tv <= 0))[0]
        raise InputError(f"{_clin_src(cohort)}: column '{t.name}', sample '{t.index[i]}': survival time {tv[i]:g} is not "
                         "positive; times must be > 0")
    codes = set(np.unique(ev[present]).tolist())
    if codes == {1.0, 2.0} or codes == {2.0}:
        raise InputError(f"{_clin_src(cohort)}: column '{e.name}' is coded 1/2 as in R's survival::lung (2 = event); "
                         "recode it to 0 = censored, 1 = event")
    if not codes <= {0.0, 1.0}:
        raise InputError(f"{_clin_src(cohort)}: column '{e.name}' must be 0 (censored) or 1 (event); found "
                         + ", ".join(f"{c:g}" for c in sorted(codes)))
    if ev[present].sum() == 0:
        raise InputError(f"{_clin_src(cohort)}: column '{e.name}': every sample is censored; survival analysis needs events")
    return tv, ev, present, str(t.name), str(e.name)


def _model(panel: Panel, endpoint: Any, method: str, penalty: Any, seed: int, estimator: Any) -> Any:
    from biomark.model import PanelModel

    kw: dict[str, Any] = {"panel": panel, "method": method, "endpoint": endpoint.id, "random_state": seed}
    if method in ("logistic", "cox"):
        kw["penalty"] = penalty
    if estimator is not None:
        kw["estimator"] = estimator
    return PanelModel(**kw)


def _marker_matrix(panel: Panel, cohort: Cohort) -> pd.DataFrame:
    """Marker values on an expression scale (−ΔCt, log2 CPM, log2 intensity; see Cohort.levels)."""
    X = cohort.levels(panel)
    if X.shape[1] == 0:
        raise InputError(f"{cohort.name}: none of the markers of panel '{panel.id}' is in the expression data")
    return X


def validate(
    panel: Panel | str,
    cohort: Cohort | Sequence[Cohort],
    *,
    endpoint: str | None = None,
    outcome: str | None = None,
    time: str | None = None,
    event: str | None = None,
    covariates: Sequence[str] = (),
    method: str = "signed_z",
    penalty: str | None = "l2",
    estimator: Any = None,
    cv: int | tuple[int, int] = (5, 10),
    bootstrap: int = 200,
    bootstrap_method: str = "optimism",
    permutations: int = 200,
    times: Sequence[float] | None = None,
    alpha: float = 0.05,
    ci: float = 0.95,
    seed: int = 0,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
    command: str | None = None,
) -> ValidationResult:
    """Fit and validate ``panel`` on ``cohort`` and check every marker's direction against the spec.

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.Panel`, a catalog id or a spec path.
    cohort
        A :class:`~biomark.cohort.Cohort`, or a sequence of cohorts: the model is fitted on the
        first and evaluated on each of the others (external validation), with a
        DerSimonian–Laird random-effects summary of AUC (binary) or log-HR (survival) across all.
    endpoint
        Endpoint id of the panel; default: the first survival endpoint when ``time`` is given, the
        first binary endpoint when ``outcome`` is given, else the panel's first endpoint.
    outcome, time, event, covariates
        Clinical column names (``outcome`` for binary endpoints; ``time``/``event`` for survival;
        ``covariates`` to adjust the Cox model).
    method
        ``signed_z`` (the literature's rule; needs no outcome), ``weights``, ``logistic`` or
        ``estimator`` (pass ``estimator=`` any scikit-learn classifier) for binary endpoints, and
        ``cox`` (a Cox model on the markers, cross-validated and bootstrap-corrected) for survival.
    cv
        Folds, or ``(folds, repeats)`` for repeated stratified k-fold CV (default 5 × 10).
    bootstrap, bootstrap_method
        Resamples for Harrell's optimism correction (``"optimism"``) or ``".632+"``; 0 to skip.
    permutations
        Label permutations for the p-value of the cross-validated AUC; 0 to skip.
    seed, n_jobs, scheduler
        Every random choice derives from ``seed``; results are identical for any ``n_jobs``.
        ``scheduler``: a dask.distributed address or Client to run the resampling on a cluster.
    progress
        Callback ``progress(stage, done, total)`` (the CLI draws a bar with it).
    """
    from biomark.validation import binary as binary_mod
    from biomark.validation import survival as survival_mod
    from biomark.validation.parallel import backend

    panel = load_panel(panel)
    cohorts = [cohort] if isinstance(cohort, Cohort) else list(cohort)
    if not cohorts or not all(isinstance(c, Cohort) for c in cohorts):
        raise InputError("validate needs a Cohort (from biomark.read_cohort or biomark.synthetic.simulate)")
    folds, repeats = (cv, 1) if isinstance(cv, int) else (int(cv[0]), int(cv[1]))
    if scheduler is not None and n_jobs == 1:
        n_jobs = -1  # a cluster was given: use it (joblib's dask backend sizes itself to the workers)
    if folds < 2:
        raise InputError(f"cv folds must be at least 2, not {folds}")
    if bootstrap_method not in ("optimism", ".632+"):
        raise InputError(f"bootstrap method must be 'optimism' or '.632+', not {bootstrap_method!r}")
    ep = _choose_endpoint(panel, endpoint, outcome, time)
    if estimator is not None:
        method = "estimator"
    if ep.kind != "binary" and method in ("logistic", "estimator"):
        fix = "signed_z (the literature's rule), weights or cox" if ep.kind == "survival" else \
            "signed_z (the literature's rule) or weights"
        raise InputError(f"method '{method}' fits a classifier and needs a binary endpoint; endpoint '{ep.id}' is "
                         f"{ep.kind}: use --method {fix}")
    if ep.kind != "survival" and method == "cox":
        fix = "logistic or signed_z" if ep.kind == "binary" else "signed_z"
        raise InputError(f"method 'cox' fits a survival model and needs a survival endpoint; endpoint '{ep.id}' is "
                         f"{ep.kind}: use --method {fix}")
    train = cohorts[0]
    est = _model(panel, ep, method, penalty, seed, estimator)
    settings = {"endpoint": ep.id, "kind": ep.kind, "outcome": outcome, "time": time, "event": event,
                "covariates": list(covariates), "method": method, "penalty": penalty if method in ("logistic", "cox") else None,
                "cv_folds": folds, "cv_repeats": repeats, "bootstrap": bootstrap, "bootstrap_method": bootstrap_method,
                "permutations": permutations, "seed": seed, "n_jobs": n_jobs, "ci": ci, "alpha": alpha,
                "times": list(times) if times is not None else None,
                "estimator": repr(estimator) if estimator is not None else None}

    X_all = _marker_matrix(panel, train)
    directions = panel.directions(ep.id)
    warnings = list(train.warnings) + _marker_warnings(X_all)
    flags: list[str] = []
    data: dict[str, Any] = {"schema": SCHEMA, "panel": _panel_dict(panel), "endpoint": ep.model_dump(mode="json")}
    cohort_info = _cohort_info(train, X_all)

    with backend(scheduler):
        if ep.kind == "binary":
            y_full, present, ycol = binary_outcome(train, outcome, ep)
            settings["outcome"] = ycol
            if (~present).sum():
                warnings.append(f"{int((~present).sum())} samples without a value in '{ycol}' were left out")
            X = X_all[present]
            y = y_full[present]
            _check_size(train, y)
            warnings += _missing_warning(X) + _separation_warnings(X, y, ep)
            cohort_info["by_class"] = _by_class(X, y, ep)
            section, fitted = binary_mod.evaluate(
                est, X, y, raw_markers=X, marker_directions=directions, folds=folds, repeats=repeats, B=bootstrap,
                boot_method=bootstrap_method, permutations=permutations, seed=seed, n_jobs=n_jobs, ci=ci,
                progress=progress)
            data["binary"] = section
            from biomark.stats.direction import direction_consistency

            dc = direction_consistency({m: X[m].to_numpy(float) for m in X.columns}, directions, endpoint=ep.id,
                                       kind="binary", y=y, alpha=alpha, ci=ci)
            n_analysed = int(y.size)
        elif ep.kind == "survival":
            tv, ev, present, tcol, ecol = survival_outcome(train, time, event, ep.id)
            settings["time"], settings["event"] = tcol, ecol
            if (~present).sum():
                warnings.append(f"{int((~present).sum())} samples without time or event were left out")
            X = X_all[present]
            cov = _covariates(train, covariates, present)
            warnings += _missing_warning(X)
            section, fitted = survival_mod.evaluate(
                est, X, tv[present], ev[present], covariates=cov, folds=folds, seed=seed, ci=ci,
                times=list(times) if times is not None else None, time_unit=ep.time_unit, repeats=repeats,
                B=bootstrap, n_jobs=n_jobs, progress=progress)
            data["survival"] = section
            from biomark.stats.direction import direction_consistency

            dc = direction_consistency({m: X[m].to_numpy(float) for m in X.columns}, directions, endpoint=ep.id,
                                       kind="survival", time=tv[present], event=ev[present], alpha=alpha, ci=ci)
            n_analysed = int(present.sum())
        else:
            dc, n_analysed, fitted = _change_or_dose(train, X_all, ep, directions, alpha, ci)
            X = X_all

    dcd = dc.to_dict()
    coefs = getattr(fitted, "coef_", None)
    if method in ("logistic", "weights", "cox") and coefs is not None:
        from biomark.stats.direction import coefficient_signs

        names = list(getattr(fitted, "markers_", X.columns))
        dcd["coefficient_signs"] = coefficient_signs(dict(zip(names, np.ravel(coefs), strict=False)), directions)
    else:
        dcd["coefficient_signs"] = None
    data["direction"] = dcd
    for e in dc.effects:
        if e.status == "contradicting":
            flags.append(f"marker {e.marker} significantly contradicts the literature: expected {e.expected}, observed "
                         f"{e.measure} {e.estimate:+.2f} ({e.ci_low:+.2f} to {e.ci_high:+.2f}), BH-adjusted p = {e.p_adjusted:.2g}")
    if dcd.get("coefficient_signs"):
        for mk, ok in dcd["coefficient_signs"].items():
            if ok is False:
                warnings.append(f"the fitted coefficient of {mk} has the sign opposite to the spec")

    if len(cohorts) > 1:
        data["cohorts"], data["meta"] = _external(cohorts, panel, ep, fitted, data, outcome, time, event, ci)

    cohort_info["n_analysed"] = n_analysed
    cohort_info["warnings"] = warnings
    data["cohort"] = cohort_info
    data["settings"] = settings
    data["flags"] = flags
    data["warnings"] = warnings
    data["tripod"] = _tripod(data)
    sources: dict[str, str] = {}
    for c in cohorts:
        sources.update(c.sources)
    data["reproducibility"] = {"seed": seed, "command": command, "inputs": sources, "versions": _versions(),
                               "settings": settings}
    data["biomark_version"] = data["reproducibility"]["versions"]["biomark"]
    return ValidationResult(_clean(data))


def _marker_warnings(X: pd.DataFrame) -> list[str]:
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


def _missing_warning(X: pd.DataFrame) -> list[str]:
    n = X.isna().sum()
    n = n[(n > 0) & (n < len(X))]
    if n.empty:
        return []
    per = ", ".join(f"{m}: {int(k)}" for m, k in n.items())
    return [f"{int(n.sum())} missing marker value(s) ({per}) were imputed by the training median inside the score"]


def _separation_warnings(X: pd.DataFrame, y: np.ndarray, ep: Any) -> list[str]:
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


def _check_size(cohort: Cohort, y: np.ndarray) -> None:
    if y.size < 10:
        raise InputError(f"{cohort.name}: only {y.size} samples with an outcome; validation needs at least 10")
    minority = int(min(y.sum(), y.size - y.sum()))
    if minority < 3:
        raise InputError(f"{cohort.name}: only {minority} samples in the smaller class; validation needs at least 3")


def _covariates(cohort: Cohort, names: Sequence[str], present: np.ndarray) -> pd.DataFrame | None:
    if not names:
        return None
    clin = cohort.clinical
    if clin is None:
        raise InputError("covariates were named but no clinical file was given")
    missing = [c for c in names if c not in clin.columns]
    if missing:
        raise InputError(f"{cohort.name}: clinical file has no column {', '.join(repr(m) for m in missing)}; "
                         f"columns are: {', '.join(map(str, clin.columns))}")
    cov = clin.loc[present, list(names)]
    out = pd.get_dummies(cov, drop_first=True, dtype=float)
    if out.isna().any().any():
        raise InputError(f"{cohort.name}: covariates have missing values; impute or drop those samples first")
    return out


def _cohort_info(cohort: Cohort, X: pd.DataFrame) -> dict[str, Any]:
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


def _by_class(X: pd.DataFrame, y: np.ndarray, ep: Any) -> dict[str, Any]:
    neg = ep.negative_class or "other"
    out = {}
    for m in X.columns:
        v = X[m].to_numpy(float)
        out[m] = {ep.positive_class: v[(y == 1) & np.isfinite(v)][:5000].tolist(),
                  neg: v[(y == 0) & np.isfinite(v)][:5000].tolist()}
    return out


def _change_or_dose(cohort: Cohort, X: pd.DataFrame, ep: Any, directions: dict, alpha: float, ci: float):
    from biomark.stats.direction import direction_consistency

    clin = cohort.clinical
    if clin is None:
        raise InputError(f"{cohort.name}: a {ep.kind} endpoint needs a clinical file")
    if ep.kind == "dose":
        if "dose" not in clin.columns:
            raise InputError(f"{cohort.name}: a dose endpoint needs a clinical column 'dose'")
        d = pd.to_numeric(clin["dose"], errors="coerce").to_numpy(float)
        dc = direction_consistency({m: X[m].to_numpy(float) for m in X.columns}, directions, endpoint=ep.id,
                                   kind="dose", dose=d, alpha=alpha, ci=ci)
        return dc, int(np.isfinite(d).sum()), None
    for col in ("subject", "timepoint"):
        if col not in clin.columns:
            raise InputError(f"{cohort.name}: a change endpoint needs clinical columns 'subject' and 'timepoint' "
                             f"(values '{ep.pre}' and '{ep.post}')")
    tp = clin["timepoint"].astype(str)
    pre = X[(tp == ep.pre).to_numpy()].set_axis(clin.loc[tp == ep.pre, "subject"].astype(str))
    post = X[(tp == ep.post).to_numpy()].set_axis(clin.loc[tp == ep.post, "subject"].astype(str))
    common = pre.index.intersection(post.index)
    if common.size < 3:
        raise InputError(f"{cohort.name}: fewer than 3 subjects have both '{ep.pre}' and '{ep.post}' samples")
    pre, post = pre.loc[common], post.loc[common]
    dc = direction_consistency({m: pre[m].to_numpy(float) for m in X.columns}, directions, endpoint=ep.id,
                               kind="change", post={m: post[m].to_numpy(float) for m in X.columns}, alpha=alpha, ci=ci)
    return dc, int(common.size), None


def _external(cohorts, panel, ep, fitted, data, outcome, time, event, ci):
    from biomark import stats
    from biomark.stats.meta import pool_auc, pool_log_hr
    from biomark.validation.survival import cox_section

    rows = []
    if ep.kind == "binary":
        r0 = data["binary"]["roc"]
        rows.append({"name": cohorts[0].name, "role": "training (cross-validated)", "n": data["binary"]["n"],
                     "auc": {k: r0[k] for k in ("auc", "se", "ci_low", "ci_high")}})
        for c in cohorts[1:]:
            X = _marker_matrix(panel, c)
            y_full, present, _ = binary_outcome(c, outcome, ep)
            p = fitted.predict_proba(X[present])[:, 1]
            r = stats.roc_auc(y_full[present], p, direction="<", ci=ci)
            rows.append({"name": c.name, "role": "validation", "n": int(present.sum()),
                         "auc": {k: getattr(r, k) for k in ("auc", "se", "ci_low", "ci_high")}})
        m = pool_auc([r["auc"]["auc"] for r in rows], [r["auc"]["se"] for r in rows], ci=ci)
        return rows, {"auc": m.to_dict()}
    if ep.kind == "survival":
        sv = data["survival"]
        t0 = sv["cox"]["terms"][0]
        is_cox = getattr(fitted, "method_", None) == "cox"
        rows.append({"name": cohorts[0].name, "role": "training (apparent)", "n": sv["n"],
                     "cox": {k: t0[k] for k in ("coef", "se", "hr", "hr_ci_low", "hr_ci_high", "p")},
                     "harrell": {k: sv["harrell"][k] for k in ("c", "se")},
                     "calibration_slope": {"slope": sv["calibration_slope"], "se": None} if is_cox else None})
        for c in cohorts[1:]:
            X = _marker_matrix(panel, c)
            tv, ev, present, _, _ = survival_outcome(c, time, event, ep.id)
            s = fitted.panel_score(X[present])
            z = (s - s.mean()) / s.std(ddof=1)
            r = cox_section(stats.cox(tv[present], ev[present], pd.DataFrame({"panel_score_per_sd": z})))["terms"][0]
            h = stats.concordance(tv[present], ev[present], s, method="harrell")
            row = {"name": c.name, "role": "validation", "n": int(present.sum()),
                   "cox": {k: r[k] for k in ("coef", "se", "hr", "hr_ci_low", "hr_ci_high", "p")},
                   "harrell": {"c": h.c, "se": h.se}, "calibration_slope": None}
            if is_cox:
                # calibration slope of the fitted linear predictor on new data (Van Houwelingen 2000):
                # its coefficient, per unit, in a Cox model on the validation cohort; 1 = well calibrated
                cs = stats.cox(tv[present], ev[present], pd.DataFrame({"linear_predictor": s}))
                row["calibration_slope"] = {"slope": float(cs.coef[0]), "se": float(cs.se[0])}
            rows.append(row)
        m = pool_log_hr([r["cox"]["coef"] for r in rows], [r["cox"]["se"] for r in rows], ci=ci)
        return rows, {"log_hr": m.to_dict()}
    return rows, None


def _tripod(d: dict[str, Any]) -> list[dict[str, Any]]:
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
