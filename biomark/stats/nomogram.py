"""Nomogram of a linear model (logistic or Cox), as ``rms::nomogram`` computes it (Harrell 2015, sec. 10.5)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import StatsError
from ._result import Result
from .spline import rcs_basis

__all__ = ["Nomogram", "NomogramAxis", "NomogramFunction", "NomogramTerm", "nice_ticks", "nomogram"]

_RISK_TICKS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99,
               0.995, 0.999)


@dataclass(frozen=True)
class NomogramTerm:
    """One predictor of the model: a linear term, a restricted cubic spline, or a factor.

    ``kind="linear"``: ``coef = (b,)``, effect ``b x``. ``kind="spline"``: ``coef`` of the ``rms::rcs`` basis
    with ``knots`` (effect ``sum_k b_k B_k(x)``, possibly non-monotone). ``kind="factor"``: ``levels`` (the
    first the reference, effect 0) and one ``coef`` per other level. ``values``: the observed values of a
    numeric predictor (its axis spans their range); ``ticks``: axis values to use instead of
    :func:`nice_ticks` over that range.
    """

    name: str
    kind: str
    coef: tuple[float, ...]
    values: Any = None
    levels: tuple[str, ...] = ()
    knots: tuple[float, ...] = ()
    ticks: Any = None


@dataclass(frozen=True, eq=False)
class NomogramAxis(Result):
    """One predictor's axis: tick labels and values, the effect ``X beta`` and the points at each tick.

    ``points_per_unit`` (linear terms): ``scale * b``, the slope of the points function; nan otherwise.
    """

    name: str
    kind: str
    labels: tuple[str, ...]
    at: np.ndarray
    effect: np.ndarray
    points: np.ndarray
    points_per_unit: float


@dataclass(frozen=True, eq=False)
class NomogramFunction(Result):
    """An outcome axis: predicted probability (binary) or survival ``S(t)`` at a horizon, at total points."""

    label: str
    horizon: float
    values: np.ndarray
    points: np.ndarray


@dataclass(frozen=True, eq=False)
class Nomogram(Result):
    """Points per predictor and the map total points -> linear predictor -> probability or S(t).

    ``lp = lp_at_zero + total / scale``; ``table_points`` / ``table_lp`` / ``table_risk`` (one column per
    function) tabulate it at the total-points ticks. ``outcome``: ``"binary"`` or ``"survival"``.
    """

    axes: tuple[NomogramAxis, ...]
    scale: float
    lp_at_zero: float
    maxscale: float
    total_points: np.ndarray
    lp_at: np.ndarray
    lp_points: np.ndarray
    functions: tuple[NomogramFunction, ...]
    table_points: np.ndarray
    table_lp: np.ndarray
    table_risk: np.ndarray
    outcome: str
    baseline_cumhaz: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def lp(self, total: Any) -> np.ndarray:
        """Linear predictor at ``total`` points: ``lp_at_zero + total / scale``."""
        return self.lp_at_zero + np.asarray(total, float) / self.scale

    def risk(self, total: Any) -> np.ndarray:
        """Probability (binary) or S(t) at each horizon (survival; columns) at ``total`` points."""
        return _functions(self.outcome, self.lp(np.atleast_1d(total)), self.baseline_cumhaz)


def _nice(x: float, round_: bool) -> float:
    e = math.floor(math.log10(x))
    f = x / 10.0**e
    if round_:
        nf = 1.0 if f < 1.5 else 2.0 if f < 3 else 5.0 if f < 7 else 10.0
    else:
        nf = 1.0 if f <= 1 else 2.0 if f <= 2 else 5.0 if f <= 5 else 10.0
    return nf * 10.0**e


def nice_ticks(lo: float, hi: float, n: int = 10) -> np.ndarray:
    """About ``n`` round tick values covering ``[lo, hi]`` (Heckbert 1990, "Nice numbers for graph labels").

    Examples
    --------
    >>> nice_ticks(0.3, 9.7).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise StatsError(f"tick range must be finite, got {lo}, {hi}")
    if hi <= lo:
        return np.array([lo])
    d = _nice(_nice(hi - lo, False) / max(n - 1, 1), True)
    k0, k1 = math.floor(lo / d + 1e-10), math.ceil(hi / d - 1e-10)
    digits = max(0, -math.floor(math.log10(d)) + 1)
    return np.round(np.arange(k0, k1 + 1) * d, digits)


def _effect(t: NomogramTerm) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Tick labels, tick values (nan for a factor) and the effect at each tick."""
    coef = np.asarray(t.coef, float)
    if t.kind == "factor":
        if len(t.levels) != coef.size + 1:
            raise StatsError(f"factor {t.name}: {len(t.levels)} levels need {len(t.levels) - 1} coefficients, "
                             f"got {coef.size}")
        return tuple(t.levels), np.full(len(t.levels), np.nan), np.r_[0.0, coef]
    if t.ticks is not None:
        at = np.asarray(t.ticks, float)
    else:
        v = np.asarray(t.values, float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            raise StatsError(f"predictor {t.name} has no observed value to span its axis")
        at = nice_ticks(float(v.min()), float(v.max()))
    if t.kind == "linear":
        if coef.size != 1:
            raise StatsError(f"linear term {t.name} takes one coefficient, got {coef.size}")
        eff = coef[0] * at
    elif t.kind == "spline":
        basis = rcs_basis(at, knots=t.knots).basis
        if basis.shape[1] != coef.size:
            raise StatsError(f"spline {t.name}: {len(t.knots)} knots need {basis.shape[1]} coefficients, "
                             f"got {coef.size}")
        eff = basis @ coef
    else:
        raise StatsError(f"term kind must be linear, spline or factor, got {t.kind!r}")
    return tuple(f"{a:g}" for a in at), at, eff


def _functions(outcome: str, lp: np.ndarray, h0: np.ndarray) -> np.ndarray:
    if outcome == "binary":
        return 1.0 / (1.0 + np.exp(-lp))
    return np.exp(-np.outer(np.exp(lp), h0))


def nomogram(
    terms: Sequence[NomogramTerm],
    intercept: float,
    lp: Any,
    *,
    outcome: str = "binary",
    baseline_cumhaz: Sequence[float] = (),
    horizons: Sequence[float] = (),
    maxscale: float = 100.0,
    lp_ticks: Any = None,
) -> Nomogram:
    r"""Points of each predictor and the map from total points to the linear predictor and the outcome.

    As ``rms::nomogram`` (rms 6.5): with ``f_j`` predictor ``j``'s effect on the linear predictor at its axis
    values (the ticks), ``R_j = max f_j - min f_j`` and ``scale = maxscale / max_j R_j`` (the predictor with the
    widest effect spans 0-``maxscale`` points), predictor ``j`` at ``x`` scores

        points_j(x) = scale * (f_j(x) - min f_j),   total = sum_j points_j,

    and ``lp = lp_at_zero + total / scale`` with ``lp_at_zero = intercept + sum_j min f_j``. A linear term
    scores ``scale * b`` points per unit; a spline is read off at its ticks (non-monotone when the effect
    is); a factor level scores ``scale * (b_level - min)``. The outcome axes place each value ``v`` at
    ``scale * (g^{-1}(v) - lp_at_zero)``: ``g = expit`` (binary: ``lp = logit(v)``) or
    ``S(t | lp) = exp(-H_0(t) e^{lp})`` (Cox, ``baseline_cumhaz`` = Breslow ``H_0(t)`` at each horizon on the
    scale of ``lp``: ``lp = log(-log v / H_0(t))``), exactly (rms inverts on a 1000-point grid). ``lp``: the
    model's linear predictors on its rows (the linear-predictor axis spans their range, as rms). Ticks are
    :func:`nice_ticks` (rms uses R's ``pretty``: tick positions are cosmetic, the points function is not,
    except that ``scale`` depends on the span of the ticks as in rms).

    References
    ----------
    Harrell FE (2015) Regression Modeling Strategies, 2nd ed., Springer, sec. 10.5 and 21.6.
    R: ``rms::nomogram`` (rms 6.5-0), ``plot.nomogram``; ``Survival(cph)`` for S(t).

    Examples
    --------
    >>> nm = nomogram([NomogramTerm("a", "linear", (0.5,), values=[0, 10]),
    ...                NomogramTerm("b", "factor", (1.0,), levels=("no", "yes"))], -2.0, [-2, 3])
    >>> nm.axes[0].points.tolist()[:3], nm.axes[1].points.tolist()
    ([0.0, 10.0, 20.0], [0.0, 20.0])
    >>> float(nm.lp(50.0))
    0.5
    """
    if outcome not in ("binary", "survival"):
        raise StatsError(f"outcome must be binary or survival, got {outcome!r}")
    h0 = np.asarray(baseline_cumhaz, float)
    if outcome == "survival" and (h0.size == 0 or h0.size != len(horizons) or np.any(h0 <= 0)):
        raise StatsError("a survival nomogram needs a positive baseline cumulative hazard at each horizon")
    if not terms:
        raise StatsError("a nomogram needs at least one predictor")
    effs = [_effect(t) for t in terms]
    ranges = np.array([np.ptp(e) for *_, e in effs])
    if not np.all(np.isfinite(ranges)) or ranges.max() <= 0:
        raise StatsError("every predictor has no effect over its axis: the nomogram has no scale")
    scale = maxscale / float(ranges.max())
    lp_zero = float(intercept) + float(sum(e.min() for *_, e in effs))
    axes = tuple(
        NomogramAxis(name=t.name, kind=t.kind, labels=lab, at=at, effect=e, points=scale * (e - e.min()),
                     points_per_unit=scale * float(t.coef[0]) if t.kind == "linear" else float("nan"))
        for t, (lab, at, e) in zip(terms, effs, strict=True))
    lpv = np.asarray(lp, float)
    lp_at = np.asarray(lp_ticks, float) if lp_ticks is not None else nice_ticks(float(lpv.min()), float(lpv.max()))
    top = maxscale if len(terms) == 1 else max(maxscale, scale * float(np.max(lp_at - lp_zero)))
    total = nice_ticks(0.0, top)
    functions = []
    lo, hi = float(lp_at.min()), float(lp_at.max())
    for k in range(1 if outcome == "binary" else h0.size):
        ends = _functions(outcome, np.array([lo, hi]), h0).reshape(2, -1)[:, k]
        vals = np.array([v for v in _RISK_TICKS if min(ends) <= v <= max(ends)])
        if outcome == "binary":
            inv = np.log(vals / (1 - vals))
            label, hz = "predicted probability", float("nan")
        else:
            inv = np.log(-np.log(vals) / h0[k])
            label, hz = f"S({horizons[k]:g})", float(horizons[k])
        functions.append(NomogramFunction(label=label, horizon=hz, values=vals, points=scale * (inv - lp_zero)))
    table_lp = lp_zero + total / scale
    return Nomogram(axes=axes, scale=scale, lp_at_zero=lp_zero, maxscale=float(maxscale), total_points=total,
                    lp_at=lp_at, lp_points=scale * (lp_at - lp_zero), functions=tuple(functions),
                    table_points=total, table_lp=table_lp,
                    table_risk=_functions(outcome, table_lp, h0).reshape(total.size, -1), outcome=outcome,
                    baseline_cumhaz=h0)
