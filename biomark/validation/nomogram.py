"""The nomogram of the panel model (and of the clinical + panel model) for the results (issue 17, item 6).

:func:`biomark.stats.nomogram` does the arithmetic (rms ``nomogram``); this module says which linear
predictor is drawn: a fitted logistic or Cox panel model as fitted; a fixed literature rule through its
recalibration (binary: ``logit p = a + b x score``; survival: ``lp = gamma x score``, the one-coefficient Cox
regression of the horizon section), whose weights then act on the markers; the full model of the
added-value section with its clinical terms (numeric, ``--spline`` as rcs, categorical as factors).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark import stats
from biomark.stats.nomogram import Nomogram, NomogramTerm

FORMULA = ("points_j(x) = scale x (effect_j(x) - min effect_j), total = sum_j points_j, "
           "lp = lp_at_zero + total / scale (rms::nomogram)")


def _section(nm: Nomogram, model: str, omitted: Sequence[str]) -> dict[str, Any]:
    label = ["predicted probability"] if nm.outcome == "binary" else [f.label for f in nm.functions]
    return {
        "model": model,
        "outcome": nm.outcome,
        "scale": nm.scale,
        "lp_at_zero": nm.lp_at_zero,
        "maxscale": nm.maxscale,
        "formula": FORMULA,
        "predictors": [{"name": a.name, "kind": a.kind, "labels": list(a.labels),
                        "at": [None if not np.isfinite(v) else float(v) for v in a.at],
                        "effect": a.effect.tolist(), "points": a.points.tolist(),
                        "points_per_unit": float(a.points_per_unit) if np.isfinite(a.points_per_unit) else None}
                       for a in nm.axes],
        "total_points": nm.total_points.tolist(),
        "lp_at": nm.lp_at.tolist(),
        "lp_points": nm.lp_points.tolist(),
        "functions": [{"label": f.label, "horizon": float(f.horizon) if np.isfinite(f.horizon) else None,
                       "values": f.values.tolist(), "points": f.points.tolist()} for f in nm.functions],
        "table": {"points": nm.table_points.tolist(), "lp": nm.table_lp.tolist(), "risk_label": label,
                  "risk": nm.table_risk.tolist()},
        "omitted": list(omitted),
    }


def _baseline(time: np.ndarray, event: np.ndarray, lp: np.ndarray, horizons: Sequence[float]) -> np.ndarray:
    """Breslow (Efron ties) cumulative hazard at each horizon for ``lp = 0`` on the scale of ``lp``."""
    return -np.log(stats.cox_risk_at(time, event, lp, list(horizons), lp_new=[0.0]).surv[0])


def panel(fitted: Any, X: pd.DataFrame, *, outcome: str, time: np.ndarray | None = None,
          event: np.ndarray | None = None, horizons: Sequence[float] = (), gamma: float | None = None,
          ) -> dict[str, Any]:
    """The panel model's nomogram section, or ``{"error": why}`` when it has none.

    ``X``: the marker levels the model scores (its ``markers_`` columns); ``gamma``: a fixed rule's Cox
    recalibration coefficient (survival).
    """
    w = getattr(fitted, "_w", None)
    if w is None:
        return {"error": f"the {getattr(fitted, 'method_', 'panel')} model is not linear in the markers: no nomogram"}
    b = float(getattr(fitted, "_b", 0.0))
    method = fitted.method_
    if outcome == "binary":
        if method == "logistic":
            mult, add, model = 1.0, 0.0, "the fitted logistic panel model"
        elif getattr(fitted, "calibration_", None) is not None:
            a, s = fitted.calibration_
            mult, add = float(s), float(a)
            model = (f"the fixed rule's score recalibrated by logistic regression on the training rows "
                     f"(logit p = {a:.4g} + {s:.4g} x score)")
        else:
            return {"error": "the fixed rule has no probability model (no recalibration): no nomogram"}
    else:
        if method == "cox":
            mult, add, model = 1.0, 0.0, "the fitted Cox panel model"
        elif gamma is not None:
            mult, add = float(gamma), 0.0
            model = (f"the fixed rule's score recalibrated by a one-coefficient Cox regression on the training "
                     f"rows (lp = {gamma:.4g} x score)")
        else:
            return {"error": "the fixed rule has no Cox recalibration: no nomogram"}
    coef = mult * np.asarray(w, float)
    keep = [j for j, c in enumerate(coef) if c != 0]
    omitted = [m for j, m in enumerate(fitted.markers_) if j not in keep]
    if not keep:
        return {"error": "every marker has weight 0: no nomogram"}
    lev = X[list(fitted.markers_)].to_numpy(float) if isinstance(X, pd.DataFrame) else np.asarray(X, float)
    terms = [NomogramTerm(str(fitted.markers_[j]), "linear", (float(coef[j]),), values=lev[:, j]) for j in keep]
    lp = add + mult * fitted.panel_score(X)
    return _build(terms, add + mult * b, lp, outcome, time, event, horizons, model, omitted)


def _build(terms: list[NomogramTerm], intercept: float, lp: np.ndarray, outcome: str, time: Any, event: Any,
           horizons: Sequence[float], model: str, omitted: Sequence[str]) -> dict[str, Any]:
    try:
        if outcome == "binary":
            nm = stats.nomogram(terms, intercept, lp)
        else:
            t, e = np.asarray(time, float), np.asarray(event, int)
            nm = stats.nomogram(terms, intercept, lp, outcome="survival", horizons=list(horizons),
                                baseline_cumhaz=_baseline(t, e, lp, horizons))
    except (stats.StatsError, ValueError, FloatingPointError) as err:  # e.g. an axis with no finite value
        return {"error": f"no nomogram: {err}"}
    return _section(nm, model, omitted)


def full_model(fit: Any, Z: pd.DataFrame, A: pd.DataFrame, info: dict[str, Any], *, outcome: str,
               time: Any = None, event: Any = None, horizons: Sequence[float] = ()) -> dict[str, Any]:
    """Nomogram of the added-value section's clinical + panel model (``fit``: its full fit on ``Z | A``).

    Clinical numeric columns are linear terms, ``--spline`` columns rcs terms (their knots), categorical
    columns factors (reference level first); the panel's terms (its score, or its markers) are linear.
    """
    names = list(fit.terms)
    coef = dict(zip(names, np.asarray(fit.coef, float), strict=True))
    coef.pop("(Intercept)", None)
    design = pd.concat([Z, A], axis=1)
    lp = np.asarray(fit.linear_predictor, float)
    intercept = float(np.mean(lp - design[list(coef)].to_numpy(float) @ np.array(list(coef.values()))))
    terms, done = [], set()
    for name, kind in info["kinds"].items():
        if kind == "spline":
            cols = [name, f"{name}'", f"{name}''"]
            terms.append(NomogramTerm(name, "spline", tuple(coef[c] for c in cols), values=Z[name].to_numpy(float),
                                      knots=tuple(info["knots"][name])))
        elif kind == "categorical":
            cols = [c for c in Z.columns if c.startswith(f"{name}=")]
            terms.append(NomogramTerm(name, "factor", tuple(coef[c] for c in cols),
                                      levels=(info["reference_levels"][name], *[c[len(name) + 1:] for c in cols])))
        else:
            cols = [name]
            terms.append(NomogramTerm(name, "linear", (coef[name],), values=Z[name].to_numpy(float)))
        done.update(cols)
    for c in A.columns:
        terms.append(NomogramTerm(str(c), "linear", (coef[c],), values=A[c].to_numpy(float)))
    model = f"the clinical model ({', '.join(info['kinds'])}) + the panel, refitted together"
    return _build(terms, intercept, lp, outcome, time, event, horizons, model, [])
