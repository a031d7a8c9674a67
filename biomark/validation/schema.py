"""The validation result as typed, frozen sections: the schema ``biomark.validation/1``.

:class:`ValidationData` is the whole result; each section is a frozen dataclass whose fields are
the keys of results.json (the :mod:`biomark.stats` results are embedded as they are: their fields
sit at the level of the section that holds them). Something that could not be computed is a
:class:`NotAssessed` with the reason, written ``{"error": reason}``; a section that was not asked
for (``binary`` in a survival run, ``permutation`` with 0 permutations) is ``None`` and left out.

:func:`parse` reads results.json (plain data) into these types, strictly: a missing or unknown key
raises :class:`SchemaError` naming its path. :func:`to_plain` writes them back, key for key.
:func:`results_json_schema` generates the JSON Schema shipped as ``results.schema.json`` beside
this module; tests/validate/test_schema.py checks that it is current, and
``python -c "from biomark.validation.schema import write_json_schema; write_json_schema()"`` rewrites it.

Examples
--------
>>> d = parse_section(Concordance, {"c": 0.71, "se": 0.03, "n": 120, "n_events": 40})
>>> d.c, to_plain(d)["n_events"]
(0.71, 40)
>>> to_plain(NotAssessed("every sample is censored"))
{'error': 'every sample is censored'}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, make_dataclass
from importlib import resources
from typing import Any, get_type_hints

from biomark.atomic import write_text_atomic
from biomark.stats.calibration import Calibration
from biomark.stats.cutpoint import CutpointResult
from biomark.stats.decision import DecisionCurve
from biomark.stats.direction import DirectionSummary
from biomark.stats.meta import MetaResult
from biomark.stats.roc import RocAuc, ThresholdMetrics, YoudenThreshold
from biomark.stats.survival import CoxResult
from biomark.validation._typed import Embeds, SchemaError, from_plain, json_schema, to_plain

__all__ = ["SCHEMA", "NotAssessed", "SchemaError", "ValidationData", "parse", "parse_section",
           "json_schema_text", "results_json_schema", "shipped_json_schema", "to_plain", "write_json_schema"]

SCHEMA = "biomark.validation/1"

_OMIT = {"omit": True}
_FLAT = {"flatten": True}


def _opt() -> Any:
    return field(default=None, metadata=_OMIT)


def _flat() -> Any:
    return field(metadata=_FLAT)


def _subset(name: str, source: type, names: tuple[str, ...], doc: str, *, head: tuple = (),
            tail: tuple = ()) -> type:
    """A frozen section holding the fields ``names`` of the :mod:`biomark.stats` result ``source``, as typed there.

    Used where results.json keeps the scalar fields of a stats result and not its per-sample arrays.
    """
    hints = get_type_hints(source)
    cls = make_dataclass(name, [*head, *((n, hints[n]) for n in names), *tail], frozen=True)
    cls.__doc__, cls.__module__ = doc, __name__
    return cls


@dataclass(frozen=True)
class NotAssessed:
    """Not assessed, because ``reason`` (written ``{"error": reason}``)."""

    reason: str = field(metadata={"key": "error"})


@dataclass(frozen=True)
class MarkerNotAssessed:
    """A single marker whose AUC could not be computed, and why."""

    marker: str
    reason: str = field(metadata={"key": "error"})


# ------------------------------------------------------------------------------------------- binary


@dataclass(frozen=True)
class Indices:
    """AUC, Brier score and logistic recalibration intercept/slope of one set of predictions."""

    auc: float
    brier: float
    intercept: float
    slope: float


@dataclass(frozen=True)
class BinaryCV:
    """Repeated stratified k-fold CV: the AUC of each repeat's out-of-fold predictions."""

    folds: int
    repeats: int
    auc_mean: float
    auc_sd: float | None
    auc_per_repeat: list[float]
    brier_mean: float


@dataclass(frozen=True)
class BootstrapIndex:
    """One index under Harrell's optimism bootstrap: corrected = apparent - optimism."""

    apparent: float
    optimism: float
    corrected: float
    n: int
    oob: float | None = _opt()


@dataclass(frozen=True)
class Bootstrap:
    """B resamples, how many failed, and every index's apparent, optimism and corrected value."""

    B: int
    n_failed: int
    metrics: dict[str, BootstrapIndex]
    method: str | None = _opt()
    note: str | None = _opt()


@dataclass(frozen=True)
class Curve:
    """ROC curve points (thinned for plotting)."""

    fpr: list[float]
    tpr: list[float]
    thresholds: list[float] | None = _opt()


@dataclass(frozen=True)
class Roc(Embeds):
    """The panel's ROC: :func:`biomark.stats.roc_auc` (DeLong) of the out-of-fold predictions."""

    result: RocAuc = _flat()
    curve: Curve
    predictions: str


@dataclass(frozen=True)
class VsPanel:
    """Marker AUC minus panel AUC (paired DeLong)."""

    diff: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    note: str


@dataclass(frozen=True)
class SingleMarker(Embeds):
    """One marker's AUC in its expected direction, and its difference from the panel's."""

    marker: str
    result: RocAuc = _flat()
    expected: str | None
    curve: Curve
    vs_panel: VsPanel | NotAssessed


@dataclass(frozen=True)
class Permutation:
    """Permutation p-value of the out-of-fold AUC: (1 + #{null >= observed}) / (1 + n), or, when the
    sequential test stopped early (``stopped_early``) above alpha, Besag & Clifford's h / n after ``n`` of
    ``n_max``; stopped early below alpha (a Clopper-Pearson bound under alpha), (1 + k) / (1 + n).
    ``stopped`` says which."""

    n: int
    p: float
    observed_auc: float
    folds: int
    null_mean: float | None
    method: str
    n_max: int | None = _opt()  # set by the sequential test of a fitted model only
    stopped_early: bool | None = _opt()
    stopped: str | None = _opt()  # which side of alpha the early stop settled, and by which rule


@dataclass(frozen=True)
class SmoothCurve:
    """Smoothed calibration curve with its bootstrap band."""

    x: list[float]
    y: list[float]
    lower: list[float]
    upper: list[float]
    band: str


@dataclass(frozen=True)
class BinnedCurve:
    """Grouped observed proportions with their CIs."""

    x: list[float]
    y: list[float]
    lower: list[float]
    upper: list[float]
    n: list[int]


@dataclass(frozen=True)
class CalibrationSection(Embeds):
    """:func:`biomark.stats.calibration` (rms ``val.prob``) of the out-of-fold probabilities, with curves."""

    result: Calibration = _flat()
    predictions: list[float]
    smooth: SmoothCurve | None = _opt()
    binned: BinnedCurve | None = _opt()
    curve_error: str | None = _opt()
    corrected: CorrectedCurve | None = _opt()


@dataclass(frozen=True)
class CorrectedCurve:
    """Apparent and bootstrap-corrected smoothed calibration curve (rms ``calibrate(lrm, B)``), when bootstrap > 0."""

    x: list[float]
    apparent: list[float | None]
    corrected: list[float | None]
    B: int
    n_failed: int
    method: str


@dataclass(frozen=True)
class BinarySection:
    """Every number of a binary endpoint on the training cohort."""

    n: int
    n_pos: int
    n_neg: int
    prevalence: float
    apparent: Indices
    cv: BinaryCV
    roc: Roc
    single_markers: list[SingleMarker | MarkerNotAssessed]
    calibration: CalibrationSection | NotAssessed
    decision_curve: DecisionCurve | NotAssessed
    youden: YoudenThreshold
    thresholds: list[ThresholdMetrics]
    bootstrap: Bootstrap | None = _opt()
    permutation: Permutation | None = _opt()
    nomogram: NomogramSection | NotAssessed | None = _opt()


# ------------------------------------------------------------------------------------------- survival


@dataclass(frozen=True)
class CoxTerm:
    """One term of a Cox model: coefficient, SE, Wald z and p, HR with its CI."""

    term: str
    coef: float
    se: float
    z: float
    p: float
    hr: float
    hr_ci_low: float
    hr_ci_high: float


CoxModel = _subset(
    "CoxModel", CoxResult,
    ("loglik", "loglik_null", "lrt", "lrt_df", "lrt_p", "wald", "wald_p", "score", "score_p", "n", "n_events", "ties"),
    "A Cox model (:func:`biomark.stats.cox`, Efron ties): its terms and the model's tests.",
    head=(("terms", list[CoxTerm], field()),), tail=(("per", str | None, _opt()),))


@dataclass(frozen=True)
class Logrank:
    """Log-rank test of the panel score split at ``cutpoint``."""

    cutpoint: float
    chisq: float
    df: int
    p: float


Cutpoint = _subset(
    "Cutpoint", CutpointResult, ("cutpoint", "statistic", "p", "p_naive", "n_low", "n_high", "minprop", "maxprop"),
    "Maximally selected log-rank statistic (:func:`biomark.stats.optimal_cutpoint`; Lausen–Schumacher p).")


@dataclass(frozen=True)
class KmGroup:
    """A Kaplan–Meier curve (log-transformed Greenwood band) and its median."""

    time: list[float]
    surv: list[float]
    lower: list[float]
    upper: list[float]
    n: int
    events: int
    median: float | None
    median_lower: float | None
    median_upper: float | None


@dataclass(frozen=True)
class AtRisk:
    """Numbers at risk just before each time, per group."""

    times: list[float]
    low: list[int]
    high: list[int]


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier curves of the low and high groups of the panel score."""

    groups: dict[str, KmGroup]
    at_risk: AtRisk
    split: str


@dataclass(frozen=True)
class Concordance:
    """Harrell's or Uno's C with its SE."""

    c: float
    se: float
    n: int
    n_events: int


@dataclass(frozen=True)
class CVConcordance:
    """Cross-validated C: mean over repeats of the C of pooled out-of-fold scores, with the range."""

    c: float
    min: float
    max: float
    folds: int
    repeats: int


@dataclass(frozen=True)
class Coefficient:
    """A fitted Cox model's coefficient per SD of a marker."""

    marker: str
    coef_per_sd: float
    hr_per_sd: float


@dataclass(frozen=True)
class PHGlobal:
    """Global Grambsch–Therneau test."""

    chisq: float
    df: float
    p: float


@dataclass(frozen=True)
class PHTerm:
    """Grambsch–Therneau test of one term."""

    term: str
    chisq: float
    df: float
    p: float


@dataclass(frozen=True)
class PHTest:
    """Proportional-hazards check (``cox.zph``, KM time transform)."""

    global_: PHGlobal = field(metadata={"key": "global"})
    terms: list[PHTerm]
    transform: str


@dataclass(frozen=True)
class TimeAUC:
    """Time-dependent AUC at the given times."""

    times: list[float]
    auc: list[float]
    n_cases: list[int]
    n_controls: list[int]
    mean_auc: float | None


@dataclass(frozen=True)
class SurvivalSection:
    """Every number of a survival endpoint on the training cohort."""

    n: int
    events: int
    time_unit: str
    cox: CoxModel
    cox_adjusted: CoxModel | None
    logrank_median: Logrank
    cutpoint: Cutpoint | NotAssessed
    km: KaplanMeier
    harrell: Concordance
    uno: Concordance
    cv_harrell: CVConcordance | NotAssessed
    cv_uno: CVConcordance | NotAssessed
    bootstrap: Bootstrap | None
    ph: PHTest | NotAssessed
    time_auc: TimeAUC | NotAssessed | None
    calibration_slope: float | None = _opt()
    coefficients: list[Coefficient] | None = _opt()
    horizon: HorizonSection | NotAssessed | None = _opt()
    options: SurvivalOptions | None = _opt()
    competing: CompetingSection | None = _opt()


# ------------------------------------------------------------------------------------------- the rest


@dataclass(frozen=True)
class Direction(Embeds):
    """:func:`biomark.stats.direction.direction_consistency`, and the fitted coefficients' signs."""

    result: DirectionSummary = _flat()
    coefficient_signs: dict[str, bool | None] | None
    adjusted: DirectionAdjusted | None = _opt()  # with --clinical-model (issue 16)


@dataclass(frozen=True)
class CohortSection:
    """The training cohort: size, markers, read-time QC facts (``qc``, from :mod:`biomark.io`)."""

    name: str
    n_samples: int
    markers_used: list[str]
    missing_markers: list[str]
    assay: str
    qc: dict[str, Any]
    n_analysed: int
    warnings: list[str]
    by_class: dict[str, dict[str, list[float]]] | None = _opt()


@dataclass(frozen=True)
class AUCEstimate:
    """An AUC with its DeLong SE and CI."""

    auc: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class BinaryCohortRow:
    """External validation, binary endpoint: the fitted model's AUC in one cohort."""

    name: str
    role: str
    n: int
    auc: AUCEstimate


@dataclass(frozen=True)
class HRRow:
    """HR per SD of the panel score in one cohort."""

    coef: float
    se: float
    hr: float
    hr_ci_low: float
    hr_ci_high: float
    p: float


@dataclass(frozen=True)
class CWithSE:
    """Harrell's C with its SE."""

    c: float
    se: float


@dataclass(frozen=True)
class SlopeWithSE:
    """Calibration slope of a fitted Cox model's linear predictor (SE null on the training cohort)."""

    slope: float
    se: float | None


@dataclass(frozen=True)
class SurvivalCohortRow:
    """External validation, survival endpoint: HR, C and calibration slope in one cohort."""

    name: str
    role: str
    n: int
    cox: HRRow
    harrell: CWithSE
    calibration_slope: SlopeWithSE | None


@dataclass(frozen=True)
class Settings:
    """The arguments of the run, as resolved (columns found, method, resampling, levels)."""

    endpoint: str
    kind: str
    outcome: str | None
    time: str | None
    event: str | None
    covariates: list[str]
    method: str
    penalty: str | None
    cv_folds: int
    cv_repeats: int
    bootstrap: int
    bootstrap_method: str
    permutations: int
    seed: int
    n_jobs: int
    ci: float
    alpha: float
    times: list[float] | None
    estimator: str | None
    clinical_model: list[str] | None = _opt()
    risk_cutoffs: list[float] | None = _opt()
    spline: list[str] | None = _opt()
    horizons: list[float] | None = _opt()
    groups: str | list[float] | None = _opt()
    strata: str | None = _opt()
    weights: str | None = _opt()
    rmst_tau: float | None = _opt()
    harmonise: str | None = _opt()  # recorded when not "none" (issue 18); absent: values used as measured
    cluster: str | None = _opt()  # the --cluster column of internal-external CV, when given
    oe_bootstrap: int | None = _opt()  # refits of the training fit for the O:E-at-t CI, when given


@dataclass(frozen=True)
class TripodItem:
    """One TRIPOD-style checklist item: assessed or not, and how."""

    item: str
    assessed: bool
    detail: str


@dataclass(frozen=True)
class Reproducibility:
    """Seed, command, input hashes, library versions and settings of the run."""

    seed: int
    command: str | None
    inputs: dict[str, str]
    versions: dict[str, str]
    settings: Settings


# ------------------------------------------------------- external validation that transports (issue 18)
# in their own module (this one is at its size limit); it imports the sections above, so it comes here
from biomark.validation.schema_external import ExternalSection, IECVSection, TransportCheck  # noqa: E402


@dataclass(frozen=True)
class ValidationData:
    """A whole validation result (schema ``biomark.validation/1``).

    ``panel`` and ``endpoint`` are the spec's own records (``Panel.model_dump``, typed by
    :mod:`biomark.panel`); every other section is typed here.
    """

    schema: str
    panel: dict[str, Any]
    endpoint: dict[str, Any]
    direction: Direction
    cohort: CohortSection
    settings: Settings
    flags: list[str]
    warnings: list[str]
    tripod: list[TripodItem]
    reproducibility: Reproducibility
    biomark_version: str
    binary: BinarySection | None = _opt()
    survival: SurvivalSection | None = _opt()
    cohorts: list[BinaryCohortRow | SurvivalCohortRow] | None = _opt()
    meta: dict[str, MetaResult] | None = _opt()
    added_value: AddedValueSection | NotAssessed | None = _opt()
    transport: list[TransportCheck] | None = _opt()
    external: ExternalSection | None = _opt()
    iecv: IECVSection | None = _opt()
    plan: PlanRecord | None = _opt()


def parse(data: dict[str, Any], *, strict: bool = True) -> ValidationData:
    """results.json (plain data) as typed sections; :class:`SchemaError` names what does not fit.

    ``strict=False`` reads a partial or hand-made result (missing keys are ``None``, unknown ones
    ignored), as the report does; results written by biomark are read strictly.
    """
    if not isinstance(data, dict):
        raise SchemaError(f"$: a validation result is an object, not {type(data).__name__}")
    return from_plain(ValidationData, data, strict=strict)


def parse_section(cls: type, data: Any) -> Any:
    """One section (or any type of this module) read from plain data."""
    return from_plain(cls, data)


def results_json_schema() -> dict[str, Any]:
    """The JSON Schema of results.json, generated from :class:`ValidationData`'s type hints."""
    return json_schema(ValidationData, schema_id=SCHEMA, title="biomark validation result")


def shipped_json_schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (``results.schema.json``; a test checks it is current)."""
    return json.loads(resources.files("biomark.validation").joinpath("results.schema.json").read_text("utf-8"))


def json_schema_text() -> str:
    """The text of results.schema.json: the generated schema, indented, with a final newline."""
    return json.dumps(results_json_schema(), indent=1, ensure_ascii=False) + "\n"


def write_json_schema() -> None:
    """Rewrite the shipped results.schema.json from :func:`results_json_schema` (run after changing a section)."""
    path = resources.files("biomark.validation").joinpath("results.schema.json")
    write_text_atomic(str(path), json_schema_text())


from biomark.validation.schema_added import AddedValueSection, DirectionAdjusted  # noqa: E402  (uses NotAssessed, defined above)
from biomark.validation.schema_competing import CompetingSection  # noqa: E402  (issue 20)
from biomark.validation.schema_horizon import HorizonSection  # noqa: E402  (kept apart: this module stays small)
from biomark.validation.schema_nomogram import NomogramSection  # noqa: E402  (issue 17, item 6)
from biomark.validation.schema_plan import PlanRecord  # noqa: E402  (issue 19: pre-registration)
from biomark.validation.schema_screen import ScreenResult  # noqa: E402,F401  (issue 19: screen.json, its own schema file)
from biomark.validation.schema_survival_options import SurvivalOptions  # noqa: E402  (issue 20)
