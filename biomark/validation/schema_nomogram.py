"""Typed result section of the nomogram (issue 17, item 6): points per predictor, total points -> lp -> risk.

Kept beside :mod:`biomark.validation.schema` (which imports these classes at its end) so that module stays small.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NomogramPredictor:
    """One predictor's axis: tick labels and values (None for a factor level), effect on the linear predictor and
    points at each tick; ``points_per_unit`` (linear terms) = scale x coefficient."""

    name: str
    kind: str
    labels: list[str]
    at: list[float | None]
    effect: list[float]
    points: list[float]
    points_per_unit: float | None


@dataclass(frozen=True)
class NomogramFunctionAxis:
    """An outcome axis: predicted probability (binary) or S(t) at a horizon, placed at total points."""

    label: str
    horizon: float | None
    values: list[float]
    points: list[float]


@dataclass(frozen=True)
class NomogramTable:
    """Total points -> linear predictor -> probability or S(t) (one column per ``risk_label``)."""

    points: list[float]
    lp: list[float]
    risk_label: list[str]
    risk: list[list[float]]


@dataclass(frozen=True)
class NomogramSection:
    """The nomogram of a linear model as ``rms::nomogram`` computes it (:func:`biomark.stats.nomogram`).

    ``lp = lp_at_zero + total / scale``; ``omitted``: markers with weight 0 (no axis).
    """

    model: str
    outcome: str
    scale: float
    lp_at_zero: float
    maxscale: float
    formula: str
    predictors: list[NomogramPredictor]
    total_points: list[float]
    lp_at: list[float]
    lp_points: list[float]
    functions: list[NomogramFunctionAxis]
    table: NomogramTable
    omitted: list[str]
