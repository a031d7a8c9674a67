"""Typed result sections of "Risk at the horizon" (issue 17): absolute risk, calibration, Brier/IPA, AUC(t)
and net benefit at each horizon, and the Kaplan-Meier curves by groups of the score.

Kept beside :mod:`biomark.validation.schema` (which imports these classes at its end) so that module stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

from biomark.validation.schema import NotAssessed, _opt
from biomark.validation.schema_nomogram import NomogramSection


@dataclass(frozen=True)
class HorizonGroup:
    """One group of predicted risk at a horizon: size, mean predicted risk, observed 1 - KM(t) and its CI."""

    n: int
    predicted: float
    observed: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class HorizonDecision:
    """Survival decision curve at a horizon (:func:`biomark.stats.net_benefit_at`)."""

    threshold: list[float]
    model: list[float]
    treat_all: list[float]
    n_treated: list[int]


@dataclass(frozen=True)
class HorizonPoint:
    """Every number at one horizon: Brier/IPA/IBS, AUC(t) with CI, calibration (O/E, slope, groups), net benefit."""

    time: float
    brier: float
    brier_se: float | None
    brier_null: float
    ipa: float | None
    ibs: float
    auc: float
    auc_se: float | None
    auc_lower: float | None
    auc_upper: float | None
    n_cases: int
    n_controls: int
    observed: float
    expected: float
    oe: float | None
    oe_lower: float | None
    oe_upper: float | None
    slope: float | None
    slope_se: float | None
    mean_risk: float
    groups: list[HorizonGroup]
    decision: HorizonDecision
    smooth: HorizonSmooth | None = _opt()
    corrected: HorizonCorrected | None = _opt()


@dataclass(frozen=True)
class HorizonSmooth:
    """Smoothed calibration curve at a horizon (:func:`biomark.stats.calibration_curve_at`)."""

    predicted: list[float]
    observed: list[float | None]
    method: str


@dataclass(frozen=True)
class HorizonSection:
    """Risk at the horizon: where the absolute risk comes from, and the numbers at each horizon."""

    horizons: list[float]
    time_unit: str
    chosen: str
    risk_source: str
    recalibration_coef: float | None
    groups_by: str
    estimate: str
    dropped: list[str]
    points: list[HorizonPoint]
    km_groups: KmByScore | None = _opt()
    nomogram: NomogramSection | NotAssessed | None = _opt()


@dataclass(frozen=True)
class KmScoreGroup:
    """The Kaplan-Meier curve (log CI) of one group of the panel score, labelled by what it is ("score high")."""

    label: str
    n: int
    events: int
    time: list[float]
    surv: list[float]
    lower: list[float | None]
    upper: list[float | None]


@dataclass(frozen=True)
class KmByScore:
    """Kaplan-Meier by groups of the panel score (``--groups``): the rule, its cut-points on the score, the curves."""

    rule: str
    cuts: list[float]
    groups: list[KmScoreGroup]


@dataclass(frozen=True)
class HorizonCorrected:
    """Bootstrap-corrected calibration at a horizon (rms ``calibrate(cph, cmethod = "KM", u, B)``), per group.

    ``predicted``: mean predicted risk; ``observed``: 1 - KM(t) (apparent); ``optimism`` of observed - predicted;
    ``observed_corrected`` = observed - optimism; ``n_resamples``: resamples in which the group was estimable;
    the IPCW Brier score and IPA at the horizon, apparent, optimism and corrected from the same resamples.
    """

    method: str
    B: int
    n_failed: int
    predicted: list[float]
    observed: list[float | None]
    optimism: list[float | None]
    observed_corrected: list[float | None]
    n_resamples: list[int]
    brier_apparent: float | None = _opt()
    brier_optimism: float | None = _opt()
    brier_corrected: float | None = _opt()
    ipa_apparent: float | None = _opt()
    ipa_optimism: float | None = _opt()
    ipa_corrected: float | None = _opt()
