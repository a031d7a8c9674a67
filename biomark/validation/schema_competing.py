"""Typed section ``survival.competing`` (issue 20): the cumulative incidence of the event of interest by
score group and the Fine-Gray subdistribution HR of the panel score, present only when the survival
endpoint names a competing event. Kept beside :mod:`biomark.validation.schema`, which imports these
classes at its end.
"""

from __future__ import annotations

from dataclasses import dataclass

from biomark.validation.schema import NotAssessed, _opt


@dataclass(frozen=True)
class CifCurve:
    """Aalen-Johansen cumulative incidence of the event of interest in one score group, at its event times,
    with pointwise log(-log) limits (None where the estimate is 0 or 1)."""

    group: str
    n: int
    events: int
    competing_events: int
    time: list[float]
    estimate: list[float]
    lower: list[float | None]
    upper: list[float | None]


@dataclass(frozen=True)
class CifPoint:
    """Cumulative incidence of one score group at one time, with SE and CI (cmprsk ``timepoints``)."""

    group: str
    time: float
    estimate: float | None
    se: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class GrayTestOfGroups:
    """Gray's (1988) test that the cumulative incidence of the event of interest is the same in the score
    groups (rho = 0, R ``cmprsk::cuminc(...)$Tests``); ``score`` is each group's observed - expected."""

    stat: float
    df: int
    p: float
    rho: float
    groups: list[str]
    score: list[float]


@dataclass(frozen=True)
class FineGrayHR:
    """Fine-Gray subdistribution HR of the panel score per SD (model-based SE, Wald CI and p)."""

    term: str
    coef: float
    se: float
    z: float
    p: float
    shr: float
    shr_ci_low: float
    shr_ci_high: float
    per: str
    n: int
    n_events: int
    n_competing: int
    ties: str


@dataclass(frozen=True)
class CompetingSection:
    """Competing-risks analysis of a survival endpoint whose event column is coded 0/1/2."""

    competing: str
    event: str
    split: str
    n: int
    events: int
    competing_events: int
    cif: list[CifCurve] | NotAssessed
    cif_at: list[CifPoint] | None
    fine_gray: FineGrayHR | NotAssessed
    note: str
    gray: GrayTestOfGroups | NotAssessed | None = _opt()
