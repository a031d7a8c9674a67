"""``biomark.validate``: fit and validate a panel on a cohort, against the literature.

    result = biomark.validate(panel, cohort, outcome="response", seed=1)
    result.to_json("results.json"); result.to_html("report.html")

What it computes is described in docs/validation.md; the result layout is the schema
``biomark.validation/1`` (the typed sections of :mod:`biomark.validation.schema`).

A run is five named stages: :func:`_plan` (check the arguments, choose the endpoint and the model),
:func:`_outcome` (read the outcome through :meth:`Cohort.outcome` / :meth:`Cohort.survival`),
:func:`_evaluate` (cross-validation, bootstrap, ROC/calibration or Cox/C-index), :func:`_directions`
(every marker's effect against the spec), :func:`_external` (other cohorts) and :func:`_assemble`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from biomark._plain import versions
from biomark.codings import codings_of
from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.panel import Panel, load_panel
from biomark.stats.direction import DirectionSummary, coefficient_signs, direction_consistency
from biomark.validation import binary as binary_mod
from biomark.validation import checks, describe, iecv, pywarnings, survival_options
from biomark.validation import horizon as horizon_mod
from biomark.validation import survival as survival_mod
from biomark.validation.change_dose import direction_inputs
from biomark.validation.external import ExternalOutcome, external
from biomark.validation.parallel import backend
from biomark.validation.result import SCHEMA, ValidationResult, _clean
from biomark.validation.schema import parse

__all__ = ["ValidationResult", "validate"]

Progress = Callable[[str, int, int], None] | None


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


def _outcome_candidates(endpoint: Any) -> tuple[str, ...]:
    return (endpoint.id, "outcome", "response", "class", "group")


def binary_outcome(cohort: Cohort, column: str | None, endpoint: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """0/1 outcome over all samples (``NaN`` where absent), the mask of samples that have one, the column.

    Kept for callers of the tuple form; :meth:`Cohort.outcome` is the typed accessor.
    """
    o = cohort.outcome(column, positive_class=endpoint.positive_class, candidates=_outcome_candidates(endpoint))
    return o.full, o.present, o.column


def survival_outcome(cohort: Cohort, time_col: str | None, event_col: str | None,
                     endpoint_id: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    """Survival time and 0/1 event over all samples, the mask of samples that have both, the columns.

    Kept for callers of the tuple form; :meth:`Cohort.survival` is the typed accessor.
    """
    s = cohort.survival(time_col, event_col, endpoint_id=endpoint_id)
    tv, ev = np.full(s.present.size, np.nan), np.full(s.present.size, np.nan)
    tv[s.present], ev[s.present] = s.time, s.event
    return tv, ev, s.present, s.time_column, s.event_column


def _model(panel: Panel, endpoint: Any, method: str, penalty: Any, seed: int, estimator: Any) -> Any:
    from biomark.model import (
        PanelModel,  # model imports sklearn machinery validation needs only here
    )

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


@dataclass(frozen=True)
class _Plan:
    """The checked arguments of one run."""

    panel: Panel
    cohorts: list[Cohort]
    endpoint: Any
    method: str
    estimator: Any  # the unfitted PanelModel
    settings: dict[str, Any]
    kw: dict[str, Any]  # the remaining arguments of validate()


@dataclass
class _Evaluation:
    """What the evaluate stage found on the training cohort."""

    X: pd.DataFrame
    section: dict[str, Any] | None
    fitted: Any
    direction_kw: dict[str, Any]
    n_analysed: int
    warnings: list[str]
    cohort_info: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    added: dict[str, Any] | None = None


def validate(
    panel: Panel | str,
    cohort: Cohort | Sequence[Cohort],
    *,
    endpoint: str | None = None,
    outcome: str | None = None,
    time: str | None = None,
    event: str | None = None,
    covariates: Sequence[str] = (),
    clinical_model: Sequence[str] = (),
    risk_cutoffs: Sequence[float] | None = None,
    spline: Sequence[str] = (),
    method: str = "signed_z",
    penalty: str | None = "l2",
    estimator: Any = None,
    cv: int | tuple[int, int] = (5, 10),
    bootstrap: int = 200,
    bootstrap_method: str = "optimism",
    permutations: int = 200,
    times: Sequence[float] | None = None,
    time_unit: str | None = None,
    horizons: Sequence[float] | None = None,
    groups: str | None = None,
    alpha: float = 0.05,
    ci: float = 0.95,
    seed: int = 0,
    harmonise: str = "none",
    cluster: str | None = None,
    oe_bootstrap: int = 0,
    strata: str | None = None,
    weights: str | None = None,
    rmst_tau: float | None = None,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Progress = None,
    command: str | None = None,
    plan: Any = None,
) -> ValidationResult:
    """Fit and validate ``panel`` on ``cohort`` and check every marker's direction against the spec.

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.Panel`, a catalog id or a spec path.
    cohort
        A :class:`~biomark.cohort.Cohort`, or a sequence of cohorts: the model is fitted on the first and
        evaluated on each of the others, with a DerSimonian–Laird summary of AUC or log-HR across all.
    endpoint, outcome, time, event, covariates
        Endpoint id (default: chosen from ``time``/``outcome``) and clinical column names; ``covariates``
        adjust the survival Cox HR, and are the clinical model (binary and survival) unless ``clinical_model`` is given.
    clinical_model, risk_cutoffs, spline
        The clinical model the panel is compared with, cut-offs of the categorical NRI, columns as ``rcs(x, 4)``
        (section ``added_value``, docs/added_value.md).
    method, penalty, estimator
        ``signed_z`` (the literature's rule), ``weights``, ``logistic``, ``estimator`` (any scikit-learn
        classifier given as ``estimator=``) for binary endpoints; ``cox`` for survival.
    cv, bootstrap, bootstrap_method, permutations, times
        Folds or ``(folds, repeats)``; resamples for Harrell's ``"optimism"`` or ``".632+"`` (0: skip);
        label permutations for the p-value of the CV AUC; times for the time-dependent AUC.
    time_unit
        Unit of the survival times (``days``, ``weeks``, ``months``, ``years``); default the training
        cohort's ``codings["time_unit"]`` (``--time-unit``), else the endpoint spec's. The results say
        which (``endpoint.time_unit``, ``survival.time_unit``); a median follow-up above 20 years in
        that unit (240 months) is a warning.
    horizons
        Survival: times (endpoint's unit, increasing) for "Risk at the horizon": absolute risk,
        calibration, Brier/IPA, AUC(t) with CI and net benefit at each (default: the 25th, 50th and 75th
        percentiles of follow-up, rounded). A horizon with no one at risk is dropped with a warning.
    groups
        Survival: Kaplan-Meier by groups of the panel score in that section: ``tertiles``, ``quartiles``,
        ``median``, ``optimal`` (maxstat cut-point) or increasing cut-offs of the score (``"0.2,0.5"``).
    ci
        The level of every confidence interval (0.95), as ``ci`` in :mod:`biomark.stats`.
    alpha
        The significance threshold of the direction test only (BH-adjusted q < alpha); no interval uses it.
    harmonise
        How validation cohorts are put on the training cohort's scale: ``"none"``, ``"standardise"`` (each
        cohort z-scored on itself) or ``"combat"`` (reference-batch ComBat, the training cohort frozen as the
        reference); see :mod:`biomark.validation.harmonise`.
    cluster
        A clinical column of centres or batches: internal-external cross-validation leaves one out in turn
        (with several cohorts and no ``cluster``, each cohort is a cluster); see :mod:`biomark.validation.iecv`.
    oe_bootstrap
        Survival, with validation cohorts or ``cluster``: refit the training fit on this many bootstrap
        resamples of its rows so that the CI of O:E at each horizon also counts the training fit's
        uncertainty (:mod:`biomark.validation.transport_horizon`); 0 (default): the validation cohort's
        sampling error only.
    strata, weights, rmst_tau
        Survival only (section ``survival.options``, :mod:`biomark.validation.survival_options`): a clinical
        column of strata (stratified Cox HR and stratified C of the panel score), a clinical column of case
        weights (weighted Cox HR with robust SE), and a time ``tau`` for the restricted mean survival time
        of the median-split score groups with their difference and ratio.
    seed, n_jobs, scheduler, progress, command
        Every random choice derives from ``seed`` (identical results for any ``n_jobs``); ``scheduler``: a
        dask.distributed address or Client; ``progress(stage, done, total)``; the command line to record.
    plan
        A pre-registration plan (path, dict or :class:`biomark.plan.Plan`, from ``biomark plan``): refused
        (:class:`InputError` naming the first difference) unless the spec's hash and every planned setting
        match; the result then records it (section ``plan``, :mod:`biomark.plan`).

    Returns
    -------
    ValidationResult
        Typed sections (:mod:`biomark.validation.schema`), ``.to_json()``, ``.to_html()``, ``.summary()``.

    Examples
    --------
    >>> import biomark
    >>> from biomark.synthetic import simulate
    >>> panel = biomark.load_panel("escc_mir339_radiotherapy")
    >>> cohort, _ = simulate(panel, 120, seed=1, endpoint="radioresistance")
    >>> r = biomark.validate(panel, cohort, endpoint="radioresistance", cv=(3, 1), bootstrap=0, permutations=0)
    >>> r.data["schema"]
    'biomark.validation/1'
    """
    args = dict(locals())
    prereg = None
    if args["plan"] is not None:  # pre-registration: refuse before any outcome is read
        from biomark.plan import check_validate

        prereg = check_validate(args["plan"], args)
    plan = _plan(args)
    with pywarnings.capture() as caught:  # convergence warnings go into the result, not on stderr
        with backend(scheduler):
            ev = _evaluate(plan, progress)
        direction = _directions(plan, ev)
        ext = _external(plan, ev, direction) if len(plan.cohorts) > 1 and ev.section is not None else None
        extra = {"transport": checks.transport_checks(plan.panel, plan.endpoint, plan.cohorts, direction),
                 "iecv": iecv.iecv(plan, ev, _marker_matrix) if ev.section is not None else None, "plan": prereg}
    ev.warnings.extend(pywarnings.summarise(caught))
    result = _assemble(plan, ev, direction, ext, extra)
    object.__setattr__(result, "updated_model", ext.updated_model if ext is not None else None)
    return result


def _plan(a: dict[str, Any]) -> _Plan:
    """Stage 1: check the arguments, choose the endpoint, build the (unfitted) model and the settings."""
    panel = load_panel(a["panel"])
    cohorts = [a["cohort"]] if isinstance(a["cohort"], Cohort) else list(a["cohort"])
    if not cohorts or not all(isinstance(c, Cohort) for c in cohorts):
        raise InputError("validate needs a Cohort (from biomark.read_cohort or biomark.synthetic.simulate)")
    cv = a["cv"]
    folds, repeats = (cv, 1) if isinstance(cv, int) else (int(cv[0]), int(cv[1]))
    n_jobs = -1 if a["scheduler"] is not None and a["n_jobs"] == 1 else a["n_jobs"]  # a cluster: use it
    if folds < 2:
        raise InputError(f"cv folds must be at least 2, not {folds}")
    if a["harmonise"] not in ("none", "standardise", "combat"):
        raise InputError(f"harmonise must be none, standardise or combat, not {a['harmonise']!r}")
    if a["bootstrap_method"] not in ("optimism", ".632+"):
        raise InputError(f"bootstrap method must be 'optimism' or '.632+', not {a['bootstrap_method']!r}")
    for name in ("ci", "alpha"):
        if not 0 < a[name] < 1:
            raise InputError(f"{name} must be between 0 and 1, not {a[name]!r}")
    ep = _choose_endpoint(panel, a["endpoint"], a["outcome"], a["time"])
    if a["covariates"] and ep.kind not in ("survival", "binary"):
        raise InputError(f"covariates adjust a survival endpoint's Cox HR or name a binary endpoint's clinical model; "
                         f"endpoint '{ep.id}' is {ep.kind}: leave out --covariate ({', '.join(a['covariates'])})")
    _check_codings(cohorts[0].codings, ep, a["time_unit"])
    unit = a["time_unit"] or cohorts[0].codings.get("time_unit")
    if unit is not None:
        codings_of(time_unit=unit)  # refuses an unknown unit
        if ep.kind == "survival":
            ep = ep.model_copy(update={"time_unit": unit})
    method = "estimator" if a["estimator"] is not None else a["method"]
    _check_method(method, ep)
    est = _model(panel, ep, method, a["penalty"], a["seed"], a["estimator"])
    times = a["times"]
    horizons = horizon_mod.check_horizons(a["horizons"]) if a["horizons"] is not None else None
    settings = {"endpoint": ep.id, "kind": ep.kind, "outcome": a["outcome"], "time": a["time"], "event": a["event"],
                "covariates": list(a["covariates"]), "method": method,
                "penalty": a["penalty"] if method in ("logistic", "cox") else None, "cv_folds": folds,
                "cv_repeats": repeats, "bootstrap": a["bootstrap"], "bootstrap_method": a["bootstrap_method"],
                "permutations": a["permutations"], "seed": a["seed"], "n_jobs": n_jobs, "ci": a["ci"],
                "alpha": a["alpha"], "times": list(times) if times is not None else None,
                "estimator": repr(a["estimator"]) if a["estimator"] is not None else None}
    # covariates name the clinical model when --clinical-model is not given (issue 16: an alias of it); for survival
    # they also keep adjusting the survival section's Cox HR
    clin = list(a["clinical_model"]) or list(a["covariates"])
    if clin:
        if len(set(clin)) != len(clin):
            raise InputError(f"--clinical-model names a column twice: {', '.join(clin)}")
        settings["clinical_model"] = clin
        settings["risk_cutoffs"] = [float(c) for c in a["risk_cutoffs"]] if a["risk_cutoffs"] else None
        settings["spline"] = list(a["spline"]) or None
    elif a["spline"]:
        raise InputError("--spline names a column of the clinical model: give --clinical-model too")
    if ep.kind != "survival" and (horizons is not None or a["groups"] is not None):
        raise InputError(f"horizons and groups apply to a survival endpoint; endpoint '{ep.id}' is {ep.kind}: "
                         "leave out --horizon and --groups")
    if horizons is not None:
        settings["horizons"] = horizons
    survival_options.refuse_for(ep.kind, ep.id, a)
    for key in survival_options.OPTIONS:  # recorded only when given (results without them are unchanged)
        if a[key] is not None:
            settings[key] = float(a[key]) if key == "rmst_tau" else a[key]
    if a["groups"] is not None:
        settings["groups"] = horizon_mod.parse_groups(a["groups"])
    if a["harmonise"] != "none":  # recorded only when given, as above: results of earlier runs are unchanged
        settings["harmonise"] = a["harmonise"]
    if a["cluster"] is not None:
        settings["cluster"] = a["cluster"]
    if a["oe_bootstrap"]:
        _check_oe_bootstrap(a["oe_bootstrap"], ep, len(cohorts), a["cluster"])
        settings["oe_bootstrap"] = int(a["oe_bootstrap"])
    return _Plan(panel, cohorts, ep, method, est, settings, a)


def _check_oe_bootstrap(b: Any, ep: Any, n_cohorts: int, cluster: str | None) -> None:
    """``oe_bootstrap``: 0, or at least 2 refits of a survival endpoint that is validated elsewhere."""
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 2:
        raise InputError(f"--oe-bootstrap must be 0 (off) or a whole number of refits >= 2 (200 is usual), not {b!r}")
    if ep.kind != "survival":
        raise InputError(f"--oe-bootstrap applies to the O:E at a horizon of a survival endpoint; endpoint '{ep.id}' "
                         f"is {ep.kind}: leave it out")
    if n_cohorts < 2 and cluster is None:
        raise InputError("--oe-bootstrap needs a cohort to validate on: give --validation-expression/"
                         "--validation-clinical or --cluster COLUMN, or leave it out")


def _check_codings(codings: dict[str, Any], ep: Any, time_unit: str | None) -> None:
    """A coding option for another endpoint kind would be ignored: refuse it instead."""
    wanted = {"positive": "binary", "negative": "binary", "event_value": "survival", "time_unit": "survival"}
    given = {**codings, **({"time_unit": time_unit} if time_unit else {})}
    for key, kind in wanted.items():
        if key in given and ep.kind != kind:
            raise InputError(f"--{key.replace('_', '-')} applies to {kind} endpoints; endpoint '{ep.id}' is {ep.kind}: "
                             "leave it out (or choose another --endpoint)")


def _check_method(method: str, ep: Any) -> None:
    if ep.kind != "binary" and method in ("logistic", "estimator"):
        fix = "signed_z (the literature's rule), weights or cox" if ep.kind == "survival" else \
            "signed_z (the literature's rule) or weights"
        raise InputError(f"method '{method}' fits a classifier and needs a binary endpoint; endpoint '{ep.id}' is "
                         f"{ep.kind}: use --method {fix}")
    if ep.kind != "survival" and method == "cox":
        fix = "logistic or signed_z" if ep.kind == "binary" else "signed_z"
        raise InputError(f"method 'cox' fits a survival model and needs a survival endpoint; endpoint '{ep.id}' is "
                         f"{ep.kind}: use --method {fix}")


def _outcome(plan: _Plan, X_all: pd.DataFrame) -> tuple[Any, pd.DataFrame, list[str]]:
    """Stage 2: the training cohort's outcome (typed), the marker rows that have one, and what was dropped."""
    train, ep, kw, st = plan.cohorts[0], plan.endpoint, plan.kw, plan.settings
    if ep.kind == "binary":
        o = train.outcome(kw["outcome"], positive_class=ep.positive_class, candidates=_outcome_candidates(ep))
        st["outcome"] = o.column
        describe.check_size(train, o.y)
        extra: list[str] = []
    else:
        o = train.survival(kw["time"], kw["event"], endpoint_id=ep.id)
        st["time"], st["event"] = o.time_column, o.event_column
        for c in kw["covariates"]:
            o = o.restrict(describe.has_value(train, c), f"no value in covariate '{c}'")
        extra = describe.follow_up_warning(o.time, o.event, ep.time_unit, o.time_column)
    dropped = [f"{k} sample(s) left out: {why}" for why, k in o.dropped.items()]
    return o, X_all[o.present], dropped + extra


def _evaluate(plan: _Plan, progress: Progress) -> _Evaluation:
    """Stage 3: every performance number on the training cohort (binary or survival; none for change/dose)."""
    train, ep, kw, st = plan.cohorts[0], plan.endpoint, plan.kw, plan.settings
    X_all = _marker_matrix(plan.panel, train)
    warnings = list(train.warnings) + describe.marker_warnings(X_all)
    info = describe.cohort_info(train, X_all)
    common = dict(folds=st["cv_folds"], repeats=st["cv_repeats"], seed=kw["seed"], n_jobs=st["n_jobs"],
                  ci=kw["ci"], progress=progress)
    if ep.kind not in ("binary", "survival"):
        dkw, n = direction_inputs(train, X_all, ep)
        return _Evaluation(X_all, None, None, dkw, n, warnings, info)
    o, X, dropped = _outcome(plan, X_all)
    if o.dropped:
        info["qc"]["dropped"] = dict(o.dropped)
    warnings += dropped + describe.missing_warning(X) + _cap_folds(st, common, ep, o)
    markers = {m: X[m].to_numpy(float) for m in X.columns}
    if ep.kind == "binary":
        warnings += describe.separation_warnings(X, o.y, ep)
        info["by_class"] = describe.by_class(X, o.y, ep)
        section, fitted = binary_mod.evaluate(
            plan.estimator, X, o.y, raw_markers=X, marker_directions=plan.panel.directions(ep.id),
            B=kw["bootstrap"], boot_method=kw["bootstrap_method"], permutations=kw["permutations"], alpha=kw["alpha"],
            **common)
        ev = _Evaluation(X, section, fitted, {"markers": markers, "kind": "binary", "y": o.y}, int(o.y.size),
                         warnings, info, binary_mod.findings(section))
        return _added(plan, ev, o.present, {"y": np.asarray(o.y, float)})
    cov = describe.covariates(train, kw["covariates"], o.present)
    columns = _option_columns(plan, o)  # read (and refused) before the resampling
    section, fitted = survival_mod.evaluate(
        plan.estimator, X, o.time, o.event, covariates=cov, times=st["times"], time_unit=ep.time_unit,
        B=kw["bootstrap"], horizons=st.get("horizons"), groups=st.get("groups"), **common)
    warnings += section["horizon"].get("dropped", []) + _options(plan, o, fitted.panel_score(X), section, columns)
    ev = _Evaluation(X, section, fitted, {"markers": markers, "kind": "survival", "time": o.time,
                                          "event": o.event}, int(o.present.sum()), warnings, info)
    return _added(plan, ev, o.present, {"time": np.asarray(o.time, float), "event": np.asarray(o.event, float)})

def _option_columns(plan: _Plan, o: Any) -> dict[str, Any]:
    """The ``strata`` / ``weights`` columns over the analysed rows, as (name, values), or None."""
    kw, train = plan.kw, plan.cohorts[0]
    return {"strata": (kw["strata"], survival_options.read_strata(train, kw["strata"], o.present))
            if kw["strata"] is not None else None,
            "weights": (kw["weights"], survival_options.read_weights(train, kw["weights"], o.present))
            if kw["weights"] is not None else None}


def _options(plan: _Plan, o: Any, score: np.ndarray, section: dict[str, Any], columns: dict[str, Any]) -> list[str]:
    """Stage 3a: ``survival.options`` (strata, weights, RMST) when asked for; the PH warning offering RMST."""
    kw = plan.kw
    tau = kw["rmst_tau"]
    if any(kw[k] is not None for k in survival_options.OPTIONS):
        if tau is not None:
            tau = survival_options.check_tau(np.asarray(o.time, float), score, tau, o.time_column)
        section["options"] = survival_options.section(o.time, o.event, score, tau=tau, ci=kw["ci"], **columns)
    return survival_options.ph_warning(section["ph"], kw["alpha"], tau)


def _added(plan: _Plan, ev: _Evaluation, present: np.ndarray, outcome: dict[str, np.ndarray]) -> _Evaluation:
    """Stage 3b: the panel over the clinical model (section ``added_value``), when one was named."""
    names = plan.settings.get("clinical_model")
    if not names:
        return ev
    from biomark.validation.added import evaluate_added

    if plan.method == "estimator":  # its score was fitted to these outcomes: a nested LR test of it would be wrong
        msg = ("added value over the clinical model not assessed: an estimator's score is fitted to the same outcomes, "
               "so the nested-model tests do not apply; use a fixed rule or --method logistic / cox")
        ev.added = {"error": msg}
        ev.warnings.append(msg)
        return ev
    if plan.method in ("logistic", "cox"):
        added = ev.X.copy()
    else:
        added = pd.DataFrame({"panel_score": np.asarray(ev.fitted.panel_score(ev.X), float)}, index=ev.X.index)
    try:
        ev.added, extra = evaluate_added(plan.cohorts[0], names, present, outcome, added, ev.X,
                                         kind=plan.endpoint.kind, B=plan.kw["bootstrap"], seed=plan.kw["seed"],
                                         ci=plan.kw["ci"], cutoffs=plan.settings.get("risk_cutoffs"),
                                         spline=plan.settings.get("spline") or (),
                                         cv=(plan.settings["cv_folds"], plan.settings["cv_repeats"]),
                                         horizons=plan.settings.get("horizons"))
    except InputError as exc:  # survival --covariate names the clinical model only as an alias: the Cox HR stands
        if plan.kw["clinical_model"] or plan.endpoint.kind != "survival":
            raise
        msg = f"added value over the --covariate columns not assessed: {exc} (the adjusted Cox HR is unaffected)"
        ev.added, extra = {"error": msg}, [msg]
    ev.warnings.extend(extra)
    return ev


def _cap_folds(st: dict[str, Any], common: dict[str, Any], ep: Any, o: Any) -> list[str]:
    """More folds than the smaller class (binary) or than the events (survival): the same cap in both, said."""
    if ep.kind == "binary":
        k = int(min(o.y.sum(), o.y.size - o.y.sum()))
        what = f"the {k} samples of the smaller class"
    else:
        k = int(np.sum(o.event))
        what = f"the {k} events"
    folds = st["cv_folds"]
    if folds <= k or k < 2:
        return []
    st["cv_folds"] = common["folds"] = k
    return [f"--cv {folds} is more than {what}: cross-validation used {k} folds (each fold needs a sample of every "
            "class or an event)"]


def _directions(plan: _Plan, ev: _Evaluation) -> dict[str, Any]:
    """Stage 4: every marker's observed effect against the spec, and the fitted coefficients' signs."""
    directions = plan.panel.directions(plan.endpoint.id)
    extra = {k: v for k, v in ev.direction_kw.items() if k != "markers"}
    dc: DirectionSummary = direction_consistency(ev.direction_kw["markers"], directions, endpoint=plan.endpoint.id,
                                                 alpha=plan.kw["alpha"], ci=plan.kw["ci"], **extra)
    dcd = dc.to_dict()
    coefs = getattr(ev.fitted, "coef_", None)
    if plan.method in ("logistic", "weights", "cox") and coefs is not None:
        names = list(getattr(ev.fitted, "markers_", ev.X.columns))
        dcd["coefficient_signs"] = coefficient_signs(dict(zip(names, np.ravel(coefs), strict=False)), directions)
    else:
        dcd["coefficient_signs"] = None
    contradictions = [f"marker {e.marker} significantly contradicts the literature: expected {e.expected}, observed "
                      f"{e.measure} {e.estimate:+.2f} ({e.ci_low:+.2f} to {e.ci_high:+.2f}), BH-adjusted p = "
                      f"{e.p_adjusted:.2g}" for e in dc.effects if e.status == "contradicting"]
    ev.flags[:0] = contradictions
    for mk, ok in (dcd["coefficient_signs"] or {}).items():
        if ok is False:
            ev.warnings.append(f"the fitted coefficient of {mk} has the sign opposite to the spec")
    return dcd


def _external(plan: _Plan, ev: _Evaluation, direction: dict[str, Any]) -> ExternalOutcome:
    """Stage 5: the fitted model on every other cohort, and the pooled estimates."""
    kw = plan.kw
    data = {plan.endpoint.kind: ev.section}
    dk = ev.direction_kw
    train_outcome = {"time": dk["time"], "event": dk["event"]} if dk.get("kind") == "survival" else None
    out = external(plan.cohorts, lambda c: _marker_matrix(plan.panel, c), plan.endpoint, ev.fitted, data,
                   kw["outcome"], kw["time"], kw["event"], kw["ci"], train_X=ev.X, harmonise=kw["harmonise"],
                   seed=kw["seed"], train_outcome=train_outcome, oe_bootstrap=kw["oe_bootstrap"])
    ev.warnings.extend(out.warnings or [])
    return out


def _assemble(plan: _Plan, ev: _Evaluation, direction: dict[str, Any], ext: Any,
              extra: dict[str, Any] | None = None) -> ValidationResult:
    """Stage 6: the result in the layout of ``biomark.validation/1``."""
    data: dict[str, Any] = {"schema": SCHEMA, "panel": describe.panel_dict(plan.panel),
                            "endpoint": plan.endpoint.model_dump(mode="json")}
    if ev.section is not None:
        data[plan.endpoint.kind] = ev.section
    if ev.added is not None:
        from biomark.validation.added import direction_adjusted

        adj = direction_adjusted(direction, ev.added)
        if adj is not None:
            direction = {**direction, "adjusted": adj}
    data["direction"] = direction
    if ext is not None:
        data["cohorts"], data["meta"] = ext.rows, ext.meta
        if ext.section is not None:
            data["external"] = ext.section
    if ev.added is not None:
        data["added_value"] = ev.added
    for k, v in (extra or {}).items():
        if v:
            data[k] = v
    ev.cohort_info["n_analysed"] = ev.n_analysed
    ev.cohort_info["warnings"] = ev.warnings
    data.update(cohort=ev.cohort_info, settings=plan.settings, flags=ev.flags, warnings=ev.warnings)
    data["tripod"] = describe.tripod(data)
    sources: dict[str, str] = {}
    for c in plan.cohorts:
        sources.update(c.sources)
    data["reproducibility"] = {"seed": plan.kw["seed"], "command": plan.kw["command"], "inputs": sources,
                               "versions": versions(), "settings": plan.settings}
    data["biomark_version"] = data["reproducibility"]["versions"]["biomark"]
    return ValidationResult(parse(_clean(data)))  # strict: the engine writes its schema exactly
