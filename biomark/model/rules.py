"""The spec's fixed scoring rules (``signed_z``, ``weights``, ``boolean``) and the logistic
recalibration that gives them a probability.

Each ``fit_*`` function sets the learned attributes of a :class:`~biomark.PanelModel` from the
training rows (:class:`~biomark.model._base.Training`); none of them uses the outcome.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._base import ModelInputError, Training

_SIGN = {"up": 1.0, "risk": 1.0, "down": -1.0, "protective": -1.0, None: 0.0}


def fit_signed_z(est: Any, tr: Training) -> None:
    """``score = Σ_j s_j z_j / K``: the mean signed z-score over the K markers with a direction."""
    signs = _signs(est, tr.panel, tr.markers, tr.warnings)
    signs = np.where(tr.usable, signs, 0.0) if (~tr.usable).any() else signs
    k = int(np.count_nonzero(signs))
    if k == 0:
        raise ModelInputError("signed_z: no marker has a direction for endpoint "
                              f"'{est.endpoint_}' (and a non-constant value); nothing to score")
    est.coef_ = signs / k
    est.intercept_ = 0.0


def fit_weights(est: Any, tr: Training) -> None:
    """``score = Σ_j w_j x_j`` on the imputed levels (``weights_on="levels"``) or ``Σ_j w_j z_j``."""
    w = _weights(est, tr.panel, tr.markers)
    if est.weights_on == "levels":
        est.coef_ = w * est.scale_
        est.intercept_ = float(w @ est.mean_)
    elif est.weights_on == "z":
        est.coef_ = w.copy()
        est.intercept_ = 0.0
    else:
        raise ModelInputError(f"weights_on='{est.weights_on}' must be 'levels' or 'z'")


def fit_boolean(est: Any, tr: Training) -> None:
    """The spec's conditions (``high``: level > cutoff, ``low``: ≤); a missing cutoff is the training median."""
    panel = tr.panel
    sc = panel.scoring
    conds = []
    for c in sc.conditions:
        if c.marker not in tr.markers:
            raise ModelInputError(f"boolean rule of panel '{panel.id}' uses marker '{c.marker}', which is not "
                                  "in the data")
        j = tr.markers.index(c.marker)
        cut = float(c.cutoff) if c.cutoff is not None else float(tr.medians[j])
        conds.append((j, c.level, cut))
    est.conditions_ = conds
    est.combine_ = sc.combine


def boolean_score(arr: np.ndarray, conditions: list[tuple[int, str, float]], combine: str) -> np.ndarray:
    """1.0 where the conditions hold (all of them, or any), else 0.0, on imputed levels."""
    hits = [(arr[:, j] > cut) if level == "high" else (arr[:, j] <= cut) for j, level, cut in conditions]
    stack = np.column_stack(hits)
    ok = stack.all(axis=1) if combine == "all" else stack.any(axis=1)
    return ok.astype(np.float64)


def fit_recalibration(score: np.ndarray, y01: np.ndarray, warn: list[str]) -> tuple[float, float]:
    """``(a, b)`` of ``P(positive) = expit(a + b · score)``: unpenalised maximum likelihood.

    :func:`biomark.stats.recalibration` fits ``logit P = a' + b' logit(p)``; it is given
    ``p = expit((score − m) / s)`` (``m``, ``s`` the training mean and SD of the score, so that
    ``logit(p)`` is the standardised score without rounding), and ``b = b' / s``,
    ``a = a' − b m``: the same likelihood maximum, reparametrised. The slope is kept ≥ 0 so that
    probabilities never reverse the spec's direction: when the training data go against the spec
    (or the score is constant, or separates the classes so that no finite maximum exists),
    ``b = 0`` and ``a`` is the logit of the training prevalence, and ``warn`` says so.
    """
    # imported here, not at the top: biomark score applies the rules without SciPy
    from scipy.special import expit

    from biomark.stats import recalibration

    a, b = 0.0, -1.0
    separated = False
    if np.ptp(score) > 0:
        m, s = float(score.mean()), float(score.std())
        with np.errstate(over="ignore"):  # a separating score drives Newton's exp() to overflow before it gives up
            fit = recalibration(y01, expit((score - m) / s))
        if fit.converged:
            b = fit.slope / s
            a = fit.intercept - b * m
        else:
            separated = True
    if b < 0 or separated:
        p = float(np.clip(y01.mean(), 1e-12, 1 - 1e-12))
        a, b = math.log(p / (1 - p)), 0.0
        warn.append("the score separates the classes perfectly in the training rows (no finite recalibration "
                    "slope): predict_proba gives the training prevalence" if separated else
                    "the score goes against the spec's direction in the training rows (or is constant): "
                    "predict_proba gives the training prevalence")
    return a, b


def _signs(est: Any, panel: Any, markers: list[str], warn: list[str]) -> np.ndarray:
    """+1 (up/risk), −1 (down/protective) or 0 (unset) per marker, from ``directions`` or the panel."""
    if est.directions is not None:
        d = est.directions
        if isinstance(d, Mapping):
            raw = [d.get(m, None if panel is not None else 1) for m in markers]
        else:
            raw = list(d)
            if len(raw) != len(markers):
                raise ModelInputError(f"directions has {len(raw)} entries for {len(markers)} markers")
        signs = []
        for m, v in zip(markers, raw, strict=True):
            if isinstance(v, str) or v is None:
                if v not in _SIGN:
                    raise ModelInputError(f"direction {v!r} of '{m}' must be up, down, risk, protective or None")
                signs.append(_SIGN[v])
            else:
                signs.append(float(np.sign(v)))
        out = np.asarray(signs, dtype=np.float64)
    elif panel is not None:
        s = panel.signs(est.endpoint_)
        out = np.asarray([float(s[m]) for m in markers], dtype=np.float64)
    else:
        out = np.ones(len(markers))
    for m, v in zip(markers, out, strict=True):
        if v == 0:
            warn.append(f"marker '{m}' has no direction for endpoint '{est.endpoint_}': weight 0 in signed_z")
    return out


def _weights(est: Any, panel: Any, markers: list[str]) -> np.ndarray:
    """The published weights per marker, from ``weights`` or the panel spec."""
    if est.weights is not None:
        w = est.weights
        if isinstance(w, Mapping):
            absent = [m for m in markers if m not in w]
            if absent:
                raise ModelInputError(f"weights has no entry for: {', '.join(absent)}")
            return np.asarray([float(w[m]) for m in markers])
        vals = np.asarray(list(w), dtype=np.float64)
        if vals.shape != (len(markers),):
            raise ModelInputError(f"weights has {vals.size} entries for {len(markers)} markers")
        return vals
    if panel is None:
        raise ModelInputError("method 'weights' needs a panel with weights or weights=")
    out = []
    for m in markers:
        wm = panel.marker(m).weight
        if wm is None:
            raise ModelInputError(f"panel '{panel.id}': marker '{m}' has no weight; the 'weights' rule needs one")
        out.append(float(wm))
    return np.asarray(out)
