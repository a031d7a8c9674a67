"""Typed result sections of external validation that transports (issue 18), part of ``biomark.validation/1``.

Imported by :mod:`biomark.validation.schema` (which holds :class:`ValidationData`); kept apart because
that module is at its size limit. Per-cohort rows (:class:`ExternalBinaryCohort`,
:class:`ExternalSurvivalCohort`), pooled metrics with prediction intervals (:class:`PooledMetric`),
harmonisation and its batch diagnostics, internal-external cross-validation (:class:`IECVSection`) and the
transportability checks shown at the top of the report (:class:`TransportCheck`).
"""

from __future__ import annotations

from dataclasses import dataclass

from biomark.stats.calibration import Calibration
from biomark.stats.decision import DecisionCurve
from biomark.stats.remeta import RandomEffects
from biomark.validation._typed import Embeds
from biomark.validation.schema import (
    AUCEstimate,
    BinnedCurve,
    CWithSE,
    NotAssessed,
    SlopeWithSE,
    SmoothCurve,
    _flat,
    _opt,
)

__all__ = ["BatchDiagnostics", "ExternalBinaryCohort", "ExternalCalibration", "ExternalSection",
           "ExternalHorizon", "ExternalHorizonPoint", "ExternalSurvivalCohort", "HarmonisationSection", "IECVCluster", "IECVSection", "ModelUpdateSection",
           "OEBootstrap", "OERatio", "PCAPoints", "PooledMetric", "TransportCheck", "UpdateStep"]



@dataclass(frozen=True)
class OERatio:
    """Observed:expected events, O/E = sum(y) / sum(p), with SE(log O/E) = sqrt((1 - O/n) / O) (Debray 2017)."""

    oe: float
    ci_low: float
    ci_high: float
    se_log: float
    observed: int
    expected: float


@dataclass(frozen=True)
class ExternalCalibration(Embeds):
    """rms ``val.prob`` of the model's probabilities in one cohort, the SEs of its intercepts/slope, O:E, curves."""

    result: Calibration = _flat()
    citl_se: float
    slope_se: float
    oe: OERatio
    brier_se: float | None = _opt()
    smooth: SmoothCurve | None = _opt()
    binned: BinnedCurve | None = _opt()
    curve_error: str | None = _opt()


@dataclass(frozen=True)
class UpdateStep:
    """One likelihood-ratio test of the closed testing procedure (Vergouwe et al. 2017)."""

    compare: str
    lr: float
    df: int
    p: float


@dataclass(frozen=True)
class ModelUpdateSection:
    """:func:`biomark.stats.update_model`: the three updates and the closed test's choice in one cohort."""

    chosen: str
    alpha: float
    citl: float
    citl_se: float
    intercept: float
    slope: float
    intercept_se: float
    slope_se: float
    revised_intercept: float
    revised_coef: dict[str, float]
    loglik: dict[str, float]
    steps: list[UpdateStep]
    n: int
    n_events: int


@dataclass(frozen=True)
class ExternalBinaryCohort:
    """External validation of a binary endpoint in one cohort: AUC, val.prob set, net benefit, update."""

    name: str
    role: str
    n: int
    n_events: int
    prevalence: float
    auc: AUCEstimate | NotAssessed
    calibration: ExternalCalibration | NotAssessed
    net_benefit: DecisionCurve | NotAssessed
    update: ModelUpdateSection | NotAssessed


@dataclass(frozen=True)
class ExternalHorizonPoint:
    """One horizon in one validation cohort, of the risks predicted by the training fit.

    O:E at t = (1 - KM(t)) / mean risk with its CI and SE(log O:E); calibration slope at t; IPCW Brier at t
    with its SE/CI, the KM null model's Brier and IPA; cumulative/dynamic AUC(t) with its SE/CI.
    """

    time: float
    observed: float
    expected: float
    oe: float
    oe_lower: float
    oe_upper: float
    oe_se_log: float | None
    slope: float
    slope_se: float
    brier: float
    brier_se: float
    brier_lower: float
    brier_upper: float
    brier_null: float
    ipa: float
    auc: float
    auc_se: float
    auc_lower: float
    auc_upper: float
    n_cases: int
    n_controls: int
    # with oe_bootstrap: SE(log E) of the training fit, the combined SE(log O:E) and its CI
    oe_se_log_training: float | None = _opt()
    oe_se_log_total: float | None = _opt()
    oe_lower_total: float | None = _opt()
    oe_upper_total: float | None = _opt()


@dataclass(frozen=True)
class OEBootstrap:
    """How the training fit's uncertainty entered the O:E CI (:func:`biomark.stats.oe_with_training_error`)."""

    requested: int
    n_boot: int
    method: str
    error: str | None = _opt()


@dataclass(frozen=True)
class ExternalHorizon:
    """Risks at the training cohort's horizons in one validation cohort (nothing refitted on it)."""

    horizons: list[float]
    time_unit: str
    risk_source: str
    recalibration_coef: float | None
    dropped: list[str]
    points: list[ExternalHorizonPoint]
    oe_bootstrap: OEBootstrap | None = _opt()


@dataclass(frozen=True)
class ExternalSurvivalCohort:
    """External validation of a survival endpoint in one cohort: Harrell's C, calibration slope, risks at t."""

    name: str
    role: str
    n: int
    n_events: int
    harrell: CWithSE | NotAssessed
    calibration_slope: SlopeWithSE | NotAssessed
    horizon: ExternalHorizon | NotAssessed


@dataclass(frozen=True)
class PooledMetric(Embeds):
    """A metric pooled across settings by :func:`biomark.stats.random_effects` (REML, HKSJ, prediction interval)."""

    metric: str
    label: str
    result: RandomEffects = _flat()


@dataclass(frozen=True)
class PCAPoints:
    """First two principal components of the markers (centred and scaled on the reference batch)."""

    x: list[float]
    y: list[float]
    batch: list[str]
    explained: list[float]


@dataclass(frozen=True)
class BatchDiagnostics:
    """Per-batch marker means and a PCA, before and after harmonisation."""

    markers: list[str]
    batches: list[str]
    means_before: dict[str, list[float]]
    means_after: dict[str, list[float]]
    pca_before: PCAPoints
    pca_after: PCAPoints


@dataclass(frozen=True)
class HarmonisationSection:
    """How validation cohorts were put on the training cohort's scale, and the assumption that rests on."""

    method: str
    reference: str
    assumption: str
    diagnostics: BatchDiagnostics | NotAssessed | None = _opt()
    fallback: str | None = _opt()  # ComBat with one marker: location/scale without empirical Bayes shrinkage


@dataclass(frozen=True)
class ExternalSection:
    """External validation: one row per validation cohort, each metric pooled with a prediction interval."""

    kind: str
    cohorts: list[ExternalBinaryCohort | ExternalSurvivalCohort]
    pooled: dict[str, PooledMetric | NotAssessed]
    harmonisation: HarmonisationSection
    update_on: str | None = _opt()


@dataclass(frozen=True)
class IECVCluster:
    """Internal-external cross-validation: one held-out cluster (fitted on the others), or why it was skipped."""

    cluster: str
    n: int
    n_events: int
    estimates: dict[str, float | None]
    skipped: str | None = _opt()
    calibration: ExternalCalibration | NotAssessed | None = _opt()  # binary: the val.prob set (no curves)
    horizon: ExternalHorizon | NotAssessed | None = _opt()  # survival: risks at t from the other clusters' fit


@dataclass(frozen=True)
class IECVSection:
    """Leave one cluster out in turn (Royston, Parmar & Sylvester 2004; Debray 2017), per cluster and pooled."""

    by: str
    clusters: list[IECVCluster]
    pooled: dict[str, PooledMetric | NotAssessed]


@dataclass(frozen=True)
class TransportCheck:
    """A transportability problem found before any number was trusted (shown at the top of the report)."""

    check: str
    message: str
