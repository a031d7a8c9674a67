"""Streaming per-marker statistics for :mod:`biomark.scoring`: moments in one pass, and the shift of
new data from the training data.

:class:`Moments` merges per-chunk count, mean and sum of squared deviations with the pairwise update
of Chan, Golub & LeVeque (1979), so a file of any size is summarised in one pass with the accuracy of
a two-pass computation. :func:`shift_warnings` compares the scoring data's marker means with the
training means in training SDs: fit on one cohort and score a cohort whose baseline is 6 log2 units
higher and every sample is "high", silently, unless this says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: |mean of the scoring data − training mean| / training SD above which a marker is warned about
SHIFT_WARN_SD = 3.0


class Moments:
    """Per-column count, mean and sum of squared deviations of the non-missing values, chunk by chunk.

    Examples
    --------
    >>> m = Moments(1)
    >>> m.add([np.array([1.0, 2.0, np.nan])]); m.add([np.array([3.0, 4.0])])
    >>> m.cnt.tolist(), m.mean.tolist(), (m.m2 / (m.cnt - 1)).round(6).tolist()
    ([4.0], [2.5], [1.666667])
    """

    def __init__(self, p: int) -> None:
        self.cnt, self.mean, self.m2 = np.zeros(p), np.zeros(p), np.zeros(p)

    def add(self, cols: Sequence[np.ndarray]) -> None:
        for j, c in enumerate(cols):
            v = c[~np.isnan(c)]
            nb = v.size
            if nb == 0:
                continue
            mb = float(v.mean())
            m2b = float(((v - mb) ** 2).sum())
            na = self.cnt[j]
            tot = na + nb
            delta = mb - self.mean[j]
            self.mean[j] += delta * nb / tot
            self.m2[j] += m2b + delta * delta * na * nb / tot  # Chan, Golub & LeVeque (1979)
            self.cnt[j] = tot


def marker_shift(model: Any, markers: Sequence[str], moments: Moments, present: set[str]) -> dict[str, float]:
    """Marker -> (scoring mean − training mean) / training SD, for the markers with a column and a value.

    The training mean and SD are the model's z-score parameters (``mean_``, ``scale_``: the training
    levels after median imputation, SD with ``ddof=1``), which every model file carries (a marker
    constant in training has scale 1, so its shift is in the marker's own units).
    """
    mean = np.asarray(getattr(model, "mean_", []), dtype=float)
    scale = np.asarray(getattr(model, "scale_", []), dtype=float)
    if mean.size != len(markers):
        return {}
    out = {}
    for j, m in enumerate(markers):
        if m not in present or moments.cnt[j] == 0 or not np.isfinite(scale[j]) or scale[j] <= 0:
            continue
        out[m] = float((moments.mean[j] - mean[j]) / scale[j])
    return out


def shift_warnings(shift: dict[str, float], src: str, threshold: float = SHIFT_WARN_SD) -> list[str]:
    """One warning per marker whose mean is more than ``threshold`` training SDs from the training mean.

    Examples
    --------
    >>> shift_warnings({"a": 6.2, "b": 0.4}, "new.csv")[0][:59]
    'new.csv: marker a: mean 6.2 training SDs above the training'
    """
    out = []
    for m, s in shift.items():
        if abs(s) > threshold:
            out.append(f"{src}: marker {m}: mean {abs(s):.3g} training SDs {'above' if s > 0 else 'below'} the "
                       f"training mean (more than {threshold:g}): the data are on another scale or batch than the "
                       "model was fitted on, so scores, probabilities and risk groups are not comparable; "
                       "normalise the new data like the training data (or refit)")
    return out
