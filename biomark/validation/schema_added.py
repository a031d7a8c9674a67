"""The ``added_value`` section of ``biomark.validation/1``: the panel over a clinical model (issue 16).

Kept beside :mod:`biomark.validation.schema` (which imports :class:`AddedValueSection` at its end) so that module
stays small; ``NotAssessed`` is schema's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from biomark.validation.schema import Curve, NotAssessed
from biomark.validation.schema_horizon import KmByScore
from biomark.validation.schema_nomogram import NomogramSection

__all__ = ["AddedValueSection", "DirectionAdjusted"]

_OMIT = {"omit": True}


@dataclass(frozen=True)
class ModelTerm:
    """One coefficient of a fitted model (log-odds or log-hazard per unit; Wald p)."""

    term: str
    coef: float
    se: float
    p: float


@dataclass(frozen=True)
class LRTest:
    """Likelihood-ratio test of the panel's terms (chi2 on df) and their Wald test beside it."""

    lr: float
    df: int
    p: float
    wald: float
    wald_p: float


@dataclass(frozen=True)
class DeltaDiscrimination:
    """Apparent AUC (binary) or Harrell's C (survival) of both models and the difference full - clinical."""

    measure: str
    clinical: float
    full: float
    diff: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    method: str


@dataclass(frozen=True)
class DeltaCorrected:
    """Harrell's optimism bootstrap of the difference, both models refitted in every resample."""

    apparent: float
    optimism: float
    corrected: float
    ci_low: float
    ci_high: float
    clinical_corrected: float
    full_corrected: float
    B: int
    n_failed: int
    interval: str


@dataclass(frozen=True)
class DeltaCV:
    """Repeated stratified k-fold CV: AUC (binary) or Harrell's C (survival) of both models' pooled out-of-fold
    predictions, the difference per repeat and its mean."""

    auc_clinical: float
    auc_full: float
    diff: float
    diff_sd: float | None
    diff_per_repeat: list[float]
    folds: int
    repeats: int


@dataclass(frozen=True)
class ContinuousNRI:
    """Continuous NRI (events, non-events, total) and IDI with SEs and p, as ``Hmisc::improveProb``."""

    nri: float
    se_nri: float
    p_nri: float
    nri_events: float
    se_nri_events: float
    p_nri_events: float
    nri_nonevents: float
    se_nri_nonevents: float
    p_nri_nonevents: float
    idi: float
    se_idi: float
    p_idi: float


@dataclass(frozen=True)
class CategoricalReclassification:
    """Categorical NRI for risk cut-offs; tables rows = clinical model's category, columns = full model's."""

    cutoffs: list[float]
    categories: list[str]
    table_events: list[list[int]]
    table_nonevents: list[list[int]]
    nri: float
    se_nri: float
    p_nri: float
    nri_events: float
    nri_nonevents: float


@dataclass(frozen=True)
class NetBenefitDifference:
    """Net benefit of both models (apparent) over thresholds, their difference and treat-all."""

    threshold: list[float]
    clinical: list[float]
    full: list[float]
    diff: list[float]
    treat_all: list[float]


@dataclass(frozen=True)
class AtHorizonSE:
    """Bootstrap SEs of the NRI and IDI at ``t`` (:func:`biomark.stats.nri_idi_at_se`): the samples resampled ``B``
    times (seeded) with the two models' risks held fixed, SE = SD of the ``B`` estimates, Wald p and interval."""

    se_nri: float
    p_nri: float | None
    ci_nri_low: float
    ci_nri_high: float
    se_nri_events: float
    p_nri_events: float | None
    se_nri_nonevents: float
    p_nri_nonevents: float | None
    se_idi: float
    p_idi: float | None
    ci_idi_low: float
    ci_idi_high: float
    B: int
    n_failed: int
    method: str


@dataclass(frozen=True)
class AddedAtHorizon:
    """Survival: the two Cox models' risks 1 - S(t | x) compared at horizon ``t`` (apparent; ``se``: bootstrap SEs).

    NRI: Kaplan-Meier-weighted (Pencina et al. 2011), ``p_up``/``p_down`` the shares whose risk went up/down; IDI:
    inverse probability of censoring weighted (Uno et al. 2013); ``risk_by_t`` = 1 - KM(t); net benefit as
    ``dcurves::dca`` at ``t``. See :func:`biomark.stats.nri_idi_at`.
    """

    t: float
    risk_by_t: float
    p_up: float
    p_down: float
    nri: float
    nri_events: float
    nri_nonevents: float
    idi: float
    idi_events: float
    idi_nonevents: float
    net_benefit: NetBenefitDifference
    se: AtHorizonSE | NotAssessed | None = field(default=None, metadata=_OMIT)


@dataclass(frozen=True)
class AddedKmTertiles:
    """Survival: Kaplan-Meier by tertiles of each model's linear predictor (= of its risk at any t)."""

    clinical: KmByScore
    full: KmByScore


@dataclass(frozen=True)
class AdjustedDirection:
    """A marker's coefficient alone and adjusted for the clinical model; ``sign_flip`` when the sign changes."""

    marker: str
    unadjusted_coef: float | None = field(default=None, metadata=_OMIT)
    unadjusted_p: float | None = field(default=None, metadata=_OMIT)
    adjusted_coef: float | None = field(default=None, metadata=_OMIT)
    adjusted_p: float | None = field(default=None, metadata=_OMIT)
    sign_flip: bool | None = field(default=None, metadata=_OMIT)
    error: str | None = field(default=None, metadata=_OMIT)
    agrees_expected: bool | None = field(default=None, metadata=_OMIT)


@dataclass(frozen=True)
class DirectionAdjusted:
    """In the direction table (``direction.adjusted``, with ``--clinical-model`` only): each marker's coefficient alone
    and adjusted for the clinical model, fitted on the added-value section's complete cases (``model``: logistic
    log-odds or Cox log-hazard per unit); ``sign_flip`` when the two signs differ, ``agrees_expected`` whether the
    adjusted sign is the literature's (None without an expected direction)."""

    clinical_columns: list[str]
    model: str
    n: int
    markers: list[AdjustedDirection]


@dataclass(frozen=True)
class AddedValueSection:
    """The clinical model and the clinical + panel model, fitted the same way on the same complete cases.

    ``spline_knots``: for a column given as a restricted cubic spline (``rms::rcs(x, 4)``), its knots, taken from the
    complete cases and kept fixed in the bootstrap resamples; its terms are ``x, x', x''``.
    """

    kind: str
    clinical_columns: list[str]
    reference_levels: dict[str, str]
    added_terms: list[str]
    n: int
    n_events: int
    n_dropped: int
    clinical_model: list[ModelTerm]
    full_model: list[ModelTerm]
    loglik_clinical: float
    loglik_full: float
    lr_test: LRTest
    discrimination: DeltaDiscrimination | NotAssessed
    corrected: DeltaCorrected | NotAssessed
    reclassification: ContinuousNRI | NotAssessed
    net_benefit: NetBenefitDifference | NotAssessed
    directions: list[AdjustedDirection]
    verdict: str
    caveats: str
    categorical: CategoricalReclassification | None = field(default=None, metadata=_OMIT)
    spline_knots: dict[str, list[float]] | None = field(default=None, metadata=_OMIT)
    cv: DeltaCV | NotAssessed | None = field(default=None, metadata=_OMIT)
    roc_clinical: Curve | None = field(default=None, metadata=_OMIT)
    roc_full: Curve | None = field(default=None, metadata=_OMIT)
    at_horizon: list[AddedAtHorizon] | NotAssessed | None = field(default=None, metadata=_OMIT)
    km_tertiles: AddedKmTertiles | None = field(default=None, metadata=_OMIT)
    nomogram: NomogramSection | NotAssessed | None = field(default=None, metadata=_OMIT)
