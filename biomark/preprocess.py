"""Assay conversion and leakage-free preprocessing.

Two kinds of step, kept apart on purpose:

* **Per-sample conversions** (:func:`assay_levels`, :class:`AssayLevels`): −ΔCt, log2 CPM, log2.
  Each sample's result depends only on that sample's own values, so applying them to a whole
  cohort before any split leaks nothing. :meth:`biomark.Cohort.levels` uses them.
* **Fitted steps** (:class:`MedianImputer`, :class:`ZScore`, :class:`StableReference`): their
  parameters (medians, means, SDs, the choice of reference markers) are statistics of the
  training rows. They are scikit-learn transformers, fitted inside each training fold when they sit
  in a :class:`~sklearn.pipeline.Pipeline` under :func:`~sklearn.model_selection.cross_val_score`;
  :class:`biomark.PanelModel` applies the same imputation and z-scoring inside its own ``fit``.

Fitting such a step on all rows before cross-validation leaks the test folds into training; the
classic and dramatic case is choosing the top-k markers by a t-test on all rows, which gives a
cross-validated AUC far above 0.5 on pure noise (Ambroise & McLachlan 2002, PNAS 99:6562).
``tests/test_preprocess.py`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from biomark.errors import InputValueError
from biomark.levels import (  # noqa: F401  (re-exported: the conversions live in biomark.levels)
    ASSAY_RULES,
    LOG2CPM_LIBRARY_OFFSET,
    LOG2CPM_PRIOR,
    assay_levels,
    fit_medians,
    fit_zscore,
    log2_cpm,
    log2_intensity,
    minus_delta_ct,
)


class AssayLevels(TransformerMixin, BaseEstimator):
    """Stateless transformer form of :func:`assay_levels` for raw matrices in a Pipeline.

    Parameters
    ----------
    assay
        As in :func:`assay_levels`.
    reference
        Column positions (ints) or names of qPCR reference markers; dropped from the output.
    spike_in
        Column position or name of a qPCR spike-in; dropped from the output.

    Counts: the library size is the row sum of *all* input columns, so give it every feature.
    ``fit`` learns nothing (it records the number of input features only): the transform of a
    sample depends on that sample alone.
    """

    def __init__(self, assay: str = "log2_expression", reference: Sequence[Any] = (), spike_in: Any = None) -> None:
        self.assay = assay
        self.reference = reference
        self.spike_in = spike_in

    def fit(self, X: Any, y: Any = None) -> AssayLevels:
        frame = self._frame(X)
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "n_features_in_")
        frame = self._frame(X)
        ref = [frame.columns[r] if isinstance(r, (int, np.integer)) else r for r in self.reference]
        spike = frame.columns[self.spike_in] if isinstance(self.spike_in, (int, np.integer)) else self.spike_in
        lib = None
        if self.assay == "counts":
            lib = np.nansum(frame.to_numpy(dtype=np.float64), axis=1)
        return assay_levels(frame, self.assay, reference=ref, spike_in=spike, library_size=lib)

    @staticmethod
    def _frame(X: Any) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2:
            raise InputValueError(f"expected a 2-D array, got {arr.ndim} dimension(s)")
        return pd.DataFrame(arr)


# --- fitted steps ------------------------------------------------------------------------------


def _as_float_2d(est: BaseEstimator, X: Any, reset: bool) -> np.ndarray:
    return validate_data(est, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")


class MedianImputer(TransformerMixin, BaseEstimator):
    """Fill missing values with the median of the training rows, column by column.

    ``fit`` stores ``medians_`` (``numpy.nanmedian`` of each column over the rows it is given);
    a column with no observed value in training gets 0 and is listed in ``empty_features_``.
    :meth:`n_imputed` gives, per sample, how many of its values were (or would be) filled, which
    reports carry alongside each score. :class:`~biomark.PanelModel` fits one on its training rows.

    Examples
    --------
    >>> MedianImputer().fit_transform(np.array([[1.0], [np.nan], [3.0]])).ravel().tolist()
    [1.0, 2.0, 3.0]
    """

    def fit(self, X: Any, y: Any = None) -> MedianImputer:
        return self.fit_array(_as_float_2d(self, X, reset=True))

    def fit_array(self, arr: np.ndarray) -> MedianImputer:
        """:meth:`fit` on a float64 array that the caller has already checked (no validation)."""
        self.medians_, self.empty_features_ = fit_medians(arr)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "medians_")
        return self.transform_array(_as_float_2d(self, X, reset=False))

    def transform_array(self, arr: np.ndarray) -> np.ndarray:
        """:meth:`transform` of a checked float64 array; returned as is when nothing is missing."""
        mask = np.isnan(arr)
        return np.where(mask, self.medians_, arr) if mask.any() else arr

    def n_imputed(self, X: Any) -> np.ndarray:
        """Number of missing (imputed) values in each row of ``X``."""
        arr = np.asarray(X, dtype=np.float64)
        return np.isnan(arr).sum(axis=1)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class ZScore(TransformerMixin, BaseEstimator):
    """Centre and scale each column by the training mean and SD: ``z = (x − mean) / sd``.

    The SD uses ``ddof=1`` (as R's ``scale``). A column constant in training (SD ≤ 1e-12 ×
    max(1, |mean|)) keeps scale 1 and is listed in ``constant_features_``. Missing values pass
    through as ``NaN`` (impute first); the mean and SD are then those of the observed values.

    Examples
    --------
    >>> ZScore().fit_transform(np.array([[1.0], [2.0], [3.0]])).ravel().tolist()
    [-1.0, 0.0, 1.0]
    """

    def fit(self, X: Any, y: Any = None) -> ZScore:
        return self.fit_array(_as_float_2d(self, X, reset=True))

    def fit_array(self, arr: np.ndarray) -> ZScore:
        """:meth:`fit` on a float64 array that the caller has already checked (no validation)."""
        self.mean_, self.scale_, self.constant_features_ = fit_zscore(arr)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "mean_")
        return self.transform_array(_as_float_2d(self, X, reset=False))

    def transform_array(self, arr: np.ndarray) -> np.ndarray:
        """:meth:`transform` of a checked float64 array."""
        return (arr - self.mean_) / self.scale_

    def inverse_transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "mean_")
        return np.asarray(X, dtype=np.float64) * self.scale_ + self.mean_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def genorm_m(ct: np.ndarray) -> np.ndarray:
    """geNorm stability M of each column of a Ct matrix (Vandesompele et al. 2002, Genome Biol 3:research0034).

    ``M_j`` is the mean over the other columns ``k`` of the SD (over samples, ``ddof=1``) of
    ``Ct_j − Ct_k``; lower is more stable. Missing values are skipped pairwise.
    """
    ct = np.asarray(ct, dtype=np.float64)
    p = ct.shape[1]
    if p < 2:
        return np.zeros(p)
    sds = np.zeros((p, p))
    for j in range(p):
        diff = ct[:, [j]] - ct
        with np.errstate(invalid="ignore"):
            sds[j] = np.nanstd(diff, axis=0, ddof=1)
    np.fill_diagonal(sds, np.nan)
    return np.nanmean(sds, axis=1)


class StableReference(TransformerMixin, BaseEstimator):
    """Estimate qPCR reference markers from the training rows, then return −ΔCt.

    ``fit`` ranks the ``candidates`` columns (default: all) by geNorm stability and removes the
    least stable one at a time, as geNorm does, until ``n_reference`` remain (``reference_``,
    positions in the input). ``transform`` returns, for the non-reference columns, −ΔCt against
    the per-sample mean Ct of the chosen references. The choice uses training rows only, so it
    belongs inside the cross-validation loop.
    """

    def __init__(self, n_reference: int = 2, candidates: Sequence[int] | None = None) -> None:
        self.n_reference = n_reference
        self.candidates = candidates

    def fit(self, X: Any, y: Any = None) -> StableReference:
        arr = _as_float_2d(self, X, reset=True)
        cand = list(range(arr.shape[1])) if self.candidates is None else [int(c) for c in self.candidates]
        if not 1 <= self.n_reference < arr.shape[1] or self.n_reference > len(cand):
            raise InputValueError(f"n_reference={self.n_reference} must be ≥ 1, at most the number of candidates "
                             f"({len(cand)}) and leave at least one marker")
        cand = list(cand)
        steps = []
        while len(cand) > max(self.n_reference, 2):
            m = genorm_m(arr[:, cand])
            worst = int(np.nanargmax(m))
            steps.append((cand[worst], float(m[worst])))
            cand.pop(worst)
        if len(cand) > self.n_reference:  # n_reference == 1: keep the one with the smaller SD
            sd = np.nanstd(arr[:, cand], axis=0, ddof=1)
            cand = [cand[int(np.nanargmin(sd))]]
        self.reference_ = np.asarray(sorted(cand))
        self.stability_ = genorm_m(arr[:, self.reference_]) if len(cand) > 1 else np.zeros(1)
        self.removed_ = steps
        self.markers_ = np.asarray([j for j in range(arr.shape[1]) if j not in set(cand)])
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "reference_")
        arr = _as_float_2d(self, X, reset=False)
        with np.errstate(invalid="ignore"):
            ref = np.nanmean(arr[:, self.reference_], axis=1)
        return minus_delta_ct(arr[:, self.markers_], ref)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


__all__ = [
    "ASSAY_RULES",
    "LOG2CPM_PRIOR",
    "AssayLevels",
    "MedianImputer",
    "StableReference",
    "ZScore",
    "assay_levels",
    "genorm_m",
    "log2_cpm",
    "log2_intensity",
    "minus_delta_ct",
]
