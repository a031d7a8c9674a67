"""Typed section ``survival.options`` (issue 20): the stratified and weighted Cox HR of the panel score
and the RMST of its score groups, present only when ``validate`` was given ``strata=``, ``weights=`` or
``rmst_tau=``. Kept beside :mod:`biomark.validation.schema`, which imports these classes at its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from biomark.validation.schema import NotAssessed


@dataclass(frozen=True)
class WeightedLogrank:
    """Case-weighted log-rank of the two score groups: the Breslow Cox score test with weights, with the
    model-based variance (``chisq``, ``p``; weights as frequencies) and the robust one (scale-free)."""

    chisq: float
    df: int
    p: float
    robust_chisq: float
    robust_p: float
    split: str


@dataclass(frozen=True)
class WeightedKMGroup:
    """Weighted Kaplan-Meier median of one score group with its robust (infinitesimal-jackknife) CI."""

    group: str
    n: int
    weight: float
    events: float
    median: float | None
    median_lower: float | None
    median_upper: float | None


@dataclass(frozen=True)
class StratifiedHR:
    """HR per SD of the panel score with a baseline hazard per stratum, and Harrell's C within strata."""

    column: str
    n_strata: int
    coef: float
    se: float
    p: float
    hr: float
    hr_ci_low: float
    hr_ci_high: float
    c: float
    c_se: float


@dataclass(frozen=True)
class WeightedHR:
    """HR per SD of the panel score with case weights; z, p and the CI use the robust (sandwich) SE."""

    column: str
    coef: float
    robust_se: float
    naive_se: float
    p: float
    hr: float
    hr_ci_low: float
    hr_ci_high: float
    robust_score: float
    logrank: WeightedLogrank | NotAssessed | None = field(default=None, metadata={"omit": True})
    km: list[WeightedKMGroup] | None = field(default=None, metadata={"omit": True})


@dataclass(frozen=True)
class RmstGroup:
    """Restricted mean survival time to tau of one score group, with its SE and CI."""

    group: str
    n: int
    rmst: float
    se: float
    lower: float
    upper: float


@dataclass(frozen=True)
class RmstContrast:
    """RMST difference and ratio of ``group`` against ``reference``, with CIs and p."""

    group: str
    reference: str
    diff: float
    diff_lower: float
    diff_upper: float
    diff_p: float
    ratio: float
    ratio_lower: float
    ratio_upper: float
    ratio_p: float


@dataclass(frozen=True)
class RmstSection:
    """RMST to ``tau`` in the groups of the survival section's Kaplan-Meier curves."""

    tau: float
    split: str
    groups: list[RmstGroup]
    contrast: RmstContrast | None


@dataclass(frozen=True)
class SurvivalOptions:
    """What ``strata=`` / ``weights=`` / ``rmst_tau=`` added; None for an option not given."""

    stratified: StratifiedHR | NotAssessed | None
    weighted: WeightedHR | NotAssessed | None
    rmst: RmstSection | NotAssessed | None
