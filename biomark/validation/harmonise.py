"""Harmonisation of validation cohorts onto the training cohort's scale, with before/after batch diagnostics.

z-scores learned on one platform do not carry to another. Three choices (``harmonise=``):

* ``"none"``: validation values are used as measured; the model's training medians, means and SDs apply.
* ``"standardise"``: each validation cohort z-scored on itself and put back on the training scale,
  ``x' = (x − mean_v) / sd_v · sd_t + mean_t`` per marker, so the model sees every cohort's own z-scores.
  The transportability assumption: the cohorts differ in location and scale of each marker only, and
  their case mix is alike (a cohort with more cases has a higher mean, which this removes). For fixed rules
  (``signed_z``, ``weights``) mainly.
* ``"combat"``: reference-batch ComBat (:func:`biomark.stats.combat_reference`, Johnson et al. 2007): the
  training cohort is the reference batch, its parameters are frozen, each validation cohort is adjusted
  onto it alone; the training data never move. Same assumption, with empirical Bayes shrinkage across
  markers. Missing values are filled with the cohort's own median before adjusting (and left filled).
  With a single marker there is nothing to pool across: each cohort's own location and scale are removed
  without shrinkage (:data:`ONE_MARKER`, reported as a warning; ``sva::ComBat`` stops with an error then).

Diagnostics: per-batch marker means before and after, and the first two principal components (centred
and scaled on the training cohort, loadings from it) of every sample (the first 2000 per batch), before
and after.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from biomark import stats
from biomark.errors import InputError

METHODS = ("none", "standardise", "combat")
MAX_POINTS = 2000  # PCA points kept per batch in results.json (the first ones; the PCA itself uses all rows)
ASSUMPTION = {
    "none": "validation values used as measured, on the training cohort's scale (same platform and batch assumed)",
    "standardise": "each validation cohort z-scored on itself: cohorts assumed to differ only in each marker's "
                   "location and scale, with a similar case mix",
    "combat": "reference-batch ComBat with the training cohort as the frozen reference: cohorts assumed to differ "
              "only in each marker's location and scale (empirical Bayes across markers), with a similar case mix",
}


ONE_MARKER = ("ComBat with one marker: no empirical Bayes prior can be estimated across markers (sva::ComBat stops "
              "with an error), so each cohort's own mean and SD of the marker were removed without shrinkage "
              "(location/scale adjustment onto the training cohort, Johnson et al. 2007 before the EB step)")


def harmonise(method: str, train: pd.DataFrame, others: list[tuple[str, pd.DataFrame]],
              warnings: list[str] | None = None) -> list[pd.DataFrame]:
    """The validation matrices on the training scale (``train`` and its parameters are never changed).

    ``warnings``: a list the one-marker ComBat fallback's warning is appended to (once).
    """
    if method not in METHODS:
        raise InputError(f"harmonise must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "none":
        return [x for _, x in others]
    cols = list(train.columns)
    out = []
    for name, x in others:
        x = x.reindex(columns=cols)
        if method == "standardise":
            sd = x.std(ddof=1)
            flat = [c for c in cols if not (np.isfinite(sd[c]) and sd[c] > 0)]
            if flat:
                raise InputError(f"{name}: marker(s) {', '.join(flat)} constant or missing in this cohort; cannot "
                                 "z-score it on itself: use --harmonise none or combat")
            out.append((x - x.mean()) / sd * train.std(ddof=1) + train.mean())
            continue
        ref = train.fillna(train.median())
        filled = x.fillna(x.median())
        try:
            fit = stats.combat_reference(ref.to_numpy(float), filled.to_numpy(float))
        except stats.StatsError as err:
            raise InputError(f"{name}: ComBat: {err}") from None
        if not fit.empirical_bayes and warnings is not None and ONE_MARKER not in warnings:
            warnings.append(ONE_MARKER)
        out.append(pd.DataFrame(fit.adjusted, index=x.index, columns=cols))
    return out


def _pca(ref: np.ndarray, mats: list[np.ndarray]) -> tuple[list[np.ndarray], list[float]]:
    mu, sd = np.nanmean(ref, axis=0), np.nanstd(ref, axis=0, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)
    z = np.nan_to_num((ref - mu) / sd)
    _, s, vt = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    k = min(2, vt.shape[0])
    expl = (s**2 / np.sum(s**2))[:k].tolist()
    proj = [np.nan_to_num((m - mu) / sd) @ vt[:k].T for m in mats]
    if k == 1:
        proj = [np.column_stack([p, np.zeros(len(p))]) for p in proj]
        expl.append(0.0)
    return proj, expl


def diagnostics(names: list[str], before: list[pd.DataFrame], after: list[pd.DataFrame]) -> dict[str, Any]:
    """Per-batch means and PCA points before/after (``names[0]``, ``before[0]`` = the training cohort)."""
    cols = list(before[0].columns)
    if len(cols) < 2:
        return {"error": "a PCA of the batches needs at least 2 markers"}
    b = [x.reindex(columns=cols).to_numpy(float) for x in before]
    a = [x.reindex(columns=cols).to_numpy(float) for x in after]

    def pts(mats: list[np.ndarray]) -> dict[str, Any]:
        proj, expl = _pca(b[0], mats)
        proj, mats = [p[:MAX_POINTS] for p in proj], [m[:MAX_POINTS] for m in mats]
        return {"x": np.concatenate([p[:, 0] for p in proj]).tolist(), "y": np.concatenate([p[:, 1] for p in proj]).tolist(),
                "batch": [n for n, m in zip(names, mats, strict=True) for _ in range(m.shape[0])], "explained": expl}

    return {"markers": cols, "batches": list(names),
            "means_before": {n: np.nanmean(m, axis=0).tolist() for n, m in zip(names, b, strict=True)},
            "means_after": {n: np.nanmean(m, axis=0).tolist() for n, m in zip(names, a, strict=True)},
            "pca_before": pts(b), "pca_after": pts(a)}
