"""A fitted PanelModel updated on new data (Steyerberg 2019, ch. 20; Vergouwe et al. 2017).

:func:`apply_update` turns a :class:`biomark.stats.updating.ModelUpdate` into a new fitted model (the
original is not touched) that :func:`biomark.model.files.save` writes in the usual model-file format:

* ``original``: an unchanged copy;
* ``recalibration_in_the_large`` (``logit P = a + lp``) and ``logistic_recalibration`` (``a + b lp``):
  a logistic model gets ``coef' = b coef`` and ``intercept' = a + b intercept``; a fixed rule with its
  recalibration ``(a0, b0)`` gets ``(a + b a0, b b0)``; the panel score's ranking is unchanged;
* ``re_estimation``: the model becomes an unpenalised logistic model on the same z-scores (the training
  cohort's medians, means and SDs are kept) with the re-estimated coefficients; markers the original did
  not weight keep weight 0.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from biomark.errors import InputError


def apply_update(model: Any, update: Any, markers: list[str], *, note: str = "") -> Any:
    """A copy of ``model`` with ``update.chosen`` applied (see the module docstring)."""
    if model.method_ not in ("logistic", "signed_z", "weights"):
        raise InputError(f"--update-model: a '{model.method_}' model cannot be updated and saved as a model file; "
                         "use --method logistic or signed_z")
    m = copy.deepcopy(model)
    chosen = update.chosen
    if chosen in ("recalibration_in_the_large", "logistic_recalibration"):
        a, b = (update.citl, 1.0) if chosen == "recalibration_in_the_large" else (update.intercept, update.slope)
        if m.method_ == "logistic":
            m.coef_ = np.asarray(m.coef_, dtype=float) * b
            m.intercept_ = float(a + b * m.intercept_)
        else:
            a0, b0 = m.calibration_
            m.calibration_ = (float(a + b * a0), float(b * b0))
    elif chosen == "re_estimation":
        coef = np.zeros(len(m.markers_))
        for name, c in zip(markers, update.revised_coef, strict=True):
            coef[m.markers_.index(name)] = float(c)
        m.set_params(method="logistic", penalty=None)
        m.method_, m.coef_, m.intercept_ = "logistic", coef, float(update.revised_intercept)
        m.calibration_, m.C_, m.l1_ratio_ = None, math.inf, 0.0
    m.warnings_ = [*m.warnings_, f"updated by {chosen.replace('_', ' ')} (closed test, Vergouwe et al. 2017)"
                   + (f" on {note}" if note else "")]
    m._compile()  # noqa: SLF001 - recompute the effective weights after changing coef_/intercept_
    return m
