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

from biomark.errors import InputError, InputValueError

#: Prior count added to every count before log2 CPM (limma ``voom``: Law et al. 2014).
LOG2CPM_PRIOR = 0.5
#: Added to the library size in log2 CPM, so that the prior cannot push CPM above 10⁶ (voom).
LOG2CPM_LIBRARY_OFFSET = 1.0

ASSAY_RULES = {
    "qpcr_ct": "−ΔCt = reference Ct − marker Ct (reference: spike-in if named, else mean Ct of the reference markers)",
    "counts": "log2 CPM = log2((count + 0.5) / (library size + 1) × 1e6) (limma voom prior)",
    "intensity": "log2(intensity)",
    "log2_expression": "unchanged (already log2 expression)",
    "ihc_score": "unchanged (IHC score)",
}


# --- per-sample conversions (pure functions) ---------------------------------------------------


def minus_delta_ct(ct: np.ndarray, reference_ct: np.ndarray) -> np.ndarray:
    """−ΔCt = reference Ct − marker Ct, per sample (rows).

    ``ct`` is (n_samples, n_markers), ``reference_ct`` (n_samples,). A Ct falls as expression
    rises, so −ΔCt rises with expression (one unit ≈ a doubling, Livak & Schmittgen 2001).
    """
    ct = np.asarray(ct, dtype=np.float64)
    ref = np.asarray(reference_ct, dtype=np.float64)
    return ref[:, None] - ct


def log2_cpm(counts: np.ndarray, library_size: np.ndarray, prior: float = LOG2CPM_PRIOR) -> np.ndarray:
    """log2 counts per million: ``log2((count + prior) / (library_size + 1) * 1e6)``.

    The prior 0.5 and the +1 on the library size are those of limma's ``voom`` (Law, Chen, Shi &
    Smyth 2014, Genome Biology 15:R29); they depend on the sample alone. ``library_size`` is the
    sum of *all* counts of the sample, not only the panel's markers.
    """
    counts = np.asarray(counts, dtype=np.float64)
    lib = np.asarray(library_size, dtype=np.float64)
    return np.log2((counts + prior) / (lib[:, None] + LOG2CPM_LIBRARY_OFFSET) * 1e6)


def log2_intensity(intensity: np.ndarray) -> np.ndarray:
    """log2 of positive intensities (non-positive values give ``NaN``, imputed later)."""
    x = np.asarray(intensity, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log2(x)
    out[~(x > 0)] = np.nan
    out[np.isnan(x)] = np.nan
    return out


def assay_levels(
    frame: pd.DataFrame,
    assay: str,
    *,
    markers: Sequence[str] | None = None,
    reference: Sequence[str] = (),
    spike_in: str | None = None,
    library_size: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Convert measured values to an expression scale (higher = more), sample by sample.

    Parameters
    ----------
    frame
        Samples as rows, measured values (Ct, counts, intensities, log2 values).
    assay
        One of ``qpcr_ct``, ``counts``, ``intensity``, ``log2_expression``, ``ihc_score``.
    markers
        Columns to return (default: all but the reference and spike-in columns).
    reference
        qPCR reference-marker columns; −ΔCt uses the mean of those present per sample (NaN-aware).
    spike_in
        qPCR spike-in column; when given it is the reference and ``reference`` is ignored.
    library_size
        Counts: per-sample library size over all features of the file. ``None``: the row sums of
        ``frame`` (a warning in ``attrs["warnings"]`` says so).

    Returns
    -------
    DataFrame
        The converted markers; ``attrs["conversion"]`` states the rule, ``attrs["warnings"]``
        lists caveats.
    """
    if assay not in ASSAY_RULES:
        raise InputError(f"assay '{assay}' is not known; use one of: {', '.join(ASSAY_RULES)}")
    excluded = set(reference) | ({spike_in} if spike_in else set())
    if markers is None:
        markers = [c for c in frame.columns if c not in excluded]
    absent = [m for m in markers if m not in frame.columns]
    if absent:
        raise InputError(f"columns not in the expression data: {', '.join(map(str, absent))}")
    values = frame.loc[:, list(markers)].to_numpy(dtype=np.float64)
    warnings: list[str] = []
    rule = ASSAY_RULES[assay]
    if assay == "qpcr_ct":
        ref, rule = _ct_reference(frame, values.shape[0], reference, spike_in, warnings)
        out = minus_delta_ct(values, ref)
    elif assay == "counts":
        out = log2_cpm(values, _library_sizes(frame, excluded, library_size, warnings))
    elif assay == "intensity":
        out = log2_intensity(values)
    else:
        out = values.copy()
    result = pd.DataFrame(out, index=frame.index, columns=list(markers))
    result.attrs["conversion"] = rule
    result.attrs["warnings"] = warnings
    result.attrs["assay"] = assay
    return result


def _ct_reference(frame: pd.DataFrame, n: int, reference: Sequence[str], spike_in: str | None,
                  warnings: list[str]) -> tuple[np.ndarray, str]:
    """The per-sample reference Ct for −ΔCt (spike-in, else the NaN-aware mean of the reference
    markers present, else 0 with a warning) and the rule's description."""
    if spike_in:
        if spike_in not in frame.columns:
            raise InputError(f"spike-in column '{spike_in}' is not in the expression data")
        return frame[spike_in].to_numpy(dtype=np.float64), f"−ΔCt = Ct({spike_in}) − marker Ct (spike-in)"
    refs = [r for r in reference if r in frame.columns]
    if not refs:
        warnings.append("qPCR Ct data without reference markers or a spike-in: used −Ct, which is not "
                        "normalised for input amount; name a spike-in or add reference markers to the panel")
        return np.zeros(n), "−Ct (no reference markers or spike-in: values are NOT normalised)"
    ref_ct = frame.loc[:, refs].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(ref_ct), axis=1)
        ref = np.where(counts > 0, np.nansum(ref_ct, axis=1) / np.maximum(counts, 1), np.nan)
    n_nan = int(np.isnan(ref).sum())
    if n_nan:
        warnings.append(f"{n_nan} sample(s) have no reference Ct; their −ΔCt is missing")
    return ref, f"−ΔCt = mean Ct({', '.join(refs)}) − marker Ct (reference markers)"


def _library_sizes(frame: pd.DataFrame, excluded: set, library_size: pd.Series | np.ndarray | None,
                   warnings: list[str]) -> np.ndarray:
    """Per-sample library sizes: the recorded ones, else the row sums of the columns present (warned)."""
    if library_size is None:
        lib = frame.drop(columns=[c for c in excluded if c in frame.columns]).to_numpy(dtype=np.float64)
        warnings.append("no library sizes recorded: used the sum of the columns present, which is not the "
                        "library size of a whole-transcriptome file")
        return np.nansum(lib, axis=1)
    if isinstance(library_size, pd.Series):
        return library_size.reindex(frame.index).to_numpy(np.float64)
    return pd.Series(library_size, index=frame.index).to_numpy(dtype=np.float64)


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
        nan = np.isnan(arr)
        has = (~nan).any(axis=0)
        med = np.zeros(arr.shape[1])
        if has.any():
            with np.errstate(all="ignore"):
                # np.median on complete data: the same value, without nanmedian's per-column loop
                med[has] = np.nanmedian(arr[:, has], axis=0) if nan.any() else np.median(arr, axis=0)
        self.medians_ = med
        self.empty_features_ = np.flatnonzero(~has)
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
        n = arr.shape[0]
        if not np.isnan(arr).any():
            mean = arr.mean(axis=0) if n else np.zeros(arr.shape[1])
            sd = np.sqrt(((arr - mean) ** 2).sum(axis=0) / (n - 1)) if n > 1 else np.zeros(arr.shape[1])
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nanmean(arr, axis=0)
                k = np.sum(~np.isnan(arr), axis=0)
                sd = np.sqrt(np.nansum((arr - mean) ** 2, axis=0) / np.maximum(k - 1, 1))
            mean = np.where(np.isnan(mean), 0.0, mean)
        const = ~(sd > 1e-12 * np.maximum(1.0, np.abs(mean)))
        self.mean_ = mean
        self.scale_ = np.where(const, 1.0, sd)
        self.constant_features_ = np.flatnonzero(const)
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
