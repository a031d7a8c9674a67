"""Assay conversions and the imputation / z-score kernels, with NumPy and pandas only.

The per-sample conversions (−ΔCt, log2 CPM, log2) and the two fitted statistics that every
:class:`~biomark.PanelModel` learns (training medians; training means and SDs) live here, apart
from the scikit-learn transformers of :mod:`biomark.preprocess` that wrap them, so that
``biomark score`` can apply a model file without importing scikit-learn (0.5-0.7 s of start-up).
:mod:`biomark.preprocess` re-exports every name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from biomark.errors import InputError

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


# --- fitted statistics (the kernels of MedianImputer and ZScore) ------------------------------


def fit_medians(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column training medians of a float64 array (NaN skipped) and the columns with no value.

    ``numpy.nanmedian`` of each column (``numpy.median`` when nothing is missing: the same
    value without nanmedian's per-column loop); a column with no observed value gets 0.

    Examples
    --------
    >>> med, empty = fit_medians(np.array([[1.0, np.nan], [np.nan, np.nan], [3.0, np.nan]]))
    >>> med.tolist(), empty.tolist()
    ([2.0, 0.0], [1])
    """
    nan = np.isnan(arr)
    has = (~nan).any(axis=0)
    med = np.zeros(arr.shape[1])
    if has.any():
        with np.errstate(all="ignore"):
            med[has] = np.nanmedian(arr[:, has], axis=0) if nan.any() else np.median(arr, axis=0)
    return med, np.flatnonzero(~has)


def fit_zscore(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean, scale and constant columns of a float64 array: ``z = (x − mean) / scale``.

    The SD uses ``ddof=1`` (as R's ``scale``) over the observed values; a column whose SD is
    ≤ 1e-12 × max(1, |mean|) keeps scale 1 and is listed as constant.

    Examples
    --------
    >>> mean, scale, const = fit_zscore(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> mean.tolist(), scale.tolist(), const.tolist()
    ([2.0, 5.0], [1.4142135623730951, 1.0], [1])
    """
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
    return mean, np.where(const, 1.0, sd), np.flatnonzero(const)
