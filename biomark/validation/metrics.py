"""Performance measures used inside resampling loops (bootstrap, CV, permutations).

The kernels themselves live in :mod:`biomark.stats.kernels`; this module bundles them per replicate.
"""

from __future__ import annotations

import numpy as np

from biomark.stats.kernels import auc_mann_whitney as auc
from biomark.stats.kernels import brier_score as brier
from biomark.stats.kernels import logit, recalibration

__all__ = ["auc", "brier", "logit", "all_metrics"]


def all_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    r = recalibration(y, p)
    return {"auc": auc(y, p), "brier": brier(y, p), "intercept": r.intercept, "slope": r.slope}
