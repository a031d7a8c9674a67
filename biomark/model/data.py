"""Input adaptation for :class:`~biomark.PanelModel`: ``X`` as a float matrix in marker order, ``y`` as
0/1 labels of the positive class or as a (time, event) pair."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from biomark.cohort import Cohort

from ._base import ModelInputError, raw_ct_warning

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)


def frame_matrix(frame: pd.DataFrame) -> np.ndarray:
    """A DataFrame as a C-ordered float64 array (NaN allowed, inf rejected); all-float64 frames skip check_array."""
    if frame.shape[0] > 0 and frame.shape[1] > 0 and all(dt == np.float64 for dt in frame.dtypes):
        arr = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
        if np.isinf(arr).any():
            raise ModelInputError("Input X contains infinity or a value too large for dtype('float64').")
        return arr
    return check_array(frame, dtype=np.float64, ensure_all_finite="allow-nan", order="C")


def _raw_ct_warning(X: pd.DataFrame, ids: list[str], warn: list[str]) -> None:
    """Warn when a qPCR panel is fitted on values that look like raw Ct rather than −ΔCt."""
    raw_ct_warning(X.loc[:, [c for c in X.columns if c in ids]].to_numpy(dtype=np.float64, na_value=np.nan), warn)


def fit_matrix(est: Any, X: Any, panel: Any, warn: list[str]) -> tuple[np.ndarray, list[str]]:
    """The training levels and their marker names; sets ``n_features_in_`` (and ``feature_names_in_``).

    Without a panel ``X`` is any array-like (names from DataFrame columns, else ``x0, x1, ...``);
    with one, a DataFrame's columns are matched to the panel's markers (others ignored), an
    array's columns are the markers in panel order and a Cohort is converted by ``levels``.
    """
    if panel is None:
        arr = validate_data(est, X, reset=True, dtype=np.float64,
                            ensure_all_finite="allow-nan" if est.impute else True)
        names = getattr(est, "feature_names_in_", None)
        markers = [str(n) for n in names] if names is not None else [f"x{i}" for i in range(arr.shape[1])]
        return arr, markers
    ids = panel.marker_ids
    if isinstance(X, Cohort):
        X = X.levels(panel)
    elif isinstance(X, pd.DataFrame) and panel.assay == "qpcr_ct" and "conversion" not in X.attrs:
        _raw_ct_warning(X, ids, warn)
    if isinstance(X, pd.DataFrame):
        cols = [str(c) for c in X.columns]
        present = [m for m in ids if m in cols]
        if not present:
            raise ModelInputError(
                f"none of the markers of panel '{panel.id}' ({', '.join(ids[:6])}) is a column of X "
                f"(columns: {', '.join(cols[:6])}); pass Cohort.levels(panel) or rename the columns")
        missing = [m for m in ids if m not in cols]
        if missing:
            warn.append(f"{len(missing)} panel marker(s) not in the data, left out: {', '.join(missing)}")
        arr = frame_matrix(X if cols == present else X.loc[:, present])
        est.feature_names_in_ = np.asarray(present, dtype=object)
        est.n_features_in_ = len(present)
        return arr, present
    arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    if arr.shape[1] != len(ids):
        raise ModelInputError(f"X has {arr.shape[1]} columns but panel '{panel.id}' has {len(ids)} markers; "
                              f"give the columns in panel order ({', '.join(ids[:6])}) or pass a DataFrame")
    if hasattr(est, "feature_names_in_"):
        del est.feature_names_in_
    est.n_features_in_ = arr.shape[1]
    return arr, list(ids)


def score_matrix(est: Any, X: Any) -> np.ndarray:
    """X as float64 (n, n_markers) in ``markers_`` order; an ndarray in that order passes through."""
    check_is_fitted(est, "markers_")
    markers = est.markers_
    p = len(markers)
    if isinstance(X, Cohort):
        present = [m for m in markers if m in X.expression.columns]
        X = X.levels(est.panel_, markers=present) if present else X.expression
    if type(X) is np.ndarray and X.ndim == 2 and X.shape[1] == p and X.dtype == np.float64 and (
            est.panel_ is not None or not hasattr(est, "feature_names_in_")):
        # fast path (infinite values are caught when scoring); C order, so that every input
        # form gives the same floating-point operations and bit-identical scores
        return X if X.flags.c_contiguous else np.ascontiguousarray(X)
    if est.panel_ is not None and isinstance(X, pd.DataFrame):
        cols = set(map(str, X.columns))
        if not any(m in cols for m in markers):
            raise ModelInputError(f"none of the model's markers ({', '.join(markers[:6])}) is a column of X")
        if [str(c) for c in X.columns] == markers:
            return frame_matrix(X)
        frame = X.reindex(columns=markers)  # a missing marker: NaN, imputed by the training median
        return check_array(frame, dtype=np.float64, ensure_all_finite="allow-nan", order="C")
    if est.panel_ is not None:
        arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan", order="C")
        if arr.shape[1] != p:
            raise ModelInputError(f"X has {arr.shape[1]} features, but PanelModel is expecting {p} features "
                                  f"as input ({', '.join(markers[:6])})")
        return arr
    return validate_data(est, X, reset=False, dtype=np.float64, order="C",
                         ensure_all_finite="allow-nan" if est.impute else True)


def binary_target(est: Any, y: Any, panel: Any, n: int) -> np.ndarray:
    """0/1 labels of the positive class; sets ``classes_``, ``positive_class_`` and ``positive_index_``."""
    if panel is not None:
        kind = _endpoint(est, panel)
        if kind is not None and kind.kind != "binary":
            raise ModelInputError(f"endpoint '{est.endpoint_}' of panel '{panel.id}' is not binary; "
                                  "fit without y to get the panel score (use biomark.validate for survival)")
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = column_or_1d(y_arr, warn=True)
    if y_arr.ndim != 1 or y_arr.shape[0] != n:
        raise ModelInputError(f"y has shape {y_arr.shape} but X has {n} rows; give one label per row")
    if y_arr.dtype == object and pd.isna(pd.Series(y_arr)).any() or (
            y_arr.dtype.kind == "f" and np.isnan(y_arr).any()):
        raise ModelInputError("y has missing labels; drop those samples or label them")
    classes = np.unique(y_arr)
    if not (classes.size == 2 and y_arr.dtype.kind in "biuf"):  # two numeric labels are always binary
        check_classification_targets(y_arr)
    if classes.size != 2:
        if classes.size < 2:
            raise ModelInputError(f"y has only one class ({classes[0]!r}); PanelModel needs two classes")
        kind = type_of_target(y_arr)
        raise ModelInputError(f"y has {classes.size} classes ({kind}). Only binary classification is supported.")
    pos = _positive(est, classes, panel)
    est.classes_ = classes  # sorted, as scikit-learn's scorers expect
    est.positive_index_ = int(np.flatnonzero(classes == pos)[0])
    est.positive_class_ = pos
    return (y_arr == pos).astype(np.float64)


def _endpoint(est: Any, panel: Any) -> Any:
    try:
        return panel.endpoint(est.endpoint or panel.scoring.endpoint)
    except KeyError:
        return None


def _positive(est: Any, classes: np.ndarray, panel: Any) -> Any:
    """The positive label: ``positive_class``, else the endpoint's, else 1/True, else the last sorted."""
    listed = list(classes)
    if est.positive_class is not None:
        for c in listed:
            if c == est.positive_class or str(c) == str(est.positive_class):
                return c
        raise ModelInputError(f"positive_class={est.positive_class!r} is not a label of y "
                              f"({', '.join(map(repr, listed))})")
    if panel is not None:
        ep = panel.endpoint(est.endpoint or panel.scoring.endpoint)
        label = getattr(ep, "positive_class", None)
        for c in listed:
            if isinstance(c, str) and label is not None and c == label:
                return c
        negative = getattr(ep, "negative_class", None)
        for c in listed:
            if isinstance(c, str) and negative is not None and c == negative:
                return classes[0] if classes[1] == c else classes[1]
    for c in listed:
        if c is True or (not isinstance(c, str) and c == 1):
            return c
    return classes[1]


def survival_target(y: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(time, event) from a two-column array/DataFrame (time, event) or a structured array.

    A structured array (scikit-survival's ``Surv.from_arrays``) gives its boolean field as the
    event and its other field as the time; plain two-column input is read as (time, event).
    Times must be finite and > 0, events 0/1 (or booleans) with at least one event.
    """
    if y is None:
        raise ModelInputError("PanelModel with method 'cox' requires y: pass (time, event) as a two-column "
                              "array or a structured array with 'event' and 'time' fields")
    if isinstance(y, np.ndarray) and y.dtype.names is not None:
        names = list(y.dtype.names)
        if len(names) != 2:
            raise ModelInputError(f"a structured survival y needs two fields (event, time), not {names}")
        ev_name = next((f for f in names if y.dtype[f].kind == "b"), None) or next(
            (f for f in names if "event" in f.lower() or "status" in f.lower()), names[0])
        t_name = names[1] if ev_name == names[0] else names[0]
        time = np.asarray(y[t_name], dtype=np.float64)
        event = np.asarray(y[ev_name], dtype=np.float64)
    else:
        arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ModelInputError(f"method 'cox' needs y as (time, event): two columns, not shape {arr.shape}")
        time, event = arr[:, 0].copy(), arr[:, 1].copy()
    if time.shape[0] != n:
        raise ModelInputError(f"y has {time.shape[0]} rows but X has {n}; give one (time, event) per row")
    if not (np.all(np.isfinite(time)) and np.all(time > 0)):
        i = int(np.flatnonzero(~(np.isfinite(time) & (time > 0)))[0])
        raise ModelInputError(f"survival time in row {i} is {time[i]!r}; times must be finite and > 0")
    if not np.all((event == 0) | (event == 1)):
        i = int(np.flatnonzero((event != 0) & (event != 1))[0])
        raise ModelInputError(f"event in row {i} is {event[i]!r}; code events 1 (event) / 0 (censored)")
    if event.sum() == 0:
        raise ModelInputError("every sample is censored; a Cox model needs events")
    return time, event
