"""Apply a JSON model file, or a panel's fixed rule, with NumPy only (no scikit-learn, no SciPy).

``biomark score`` only applies a fitted model: it needs the model's medians, means, SDs,
coefficients and rule, not the estimator that fitted them. :class:`AppliedModel` holds exactly
the fitted state a JSON model file stores (:mod:`biomark.model.files` writes it) and scores with
the same functions as :class:`~biomark.PanelModel` (:func:`~biomark.model._base.matrix_score`,
:func:`~biomark.model.rules.boolean_score`), so its scores are the same bits; the model file is
read and checked by the same code (:func:`read_document`, :func:`fitted_state`), which
:meth:`PanelModel.load` also uses. Importing scikit-learn (through ``sklearn.base``, which pulls
``scipy.stats``) cost 0.5-0.7 s of a 1.2 s ``biomark score`` of 1,000 rows.

:func:`fixed_rule_model` is the same for a panel scored without a model file: the ``signed_z`` or
``weights`` rule fitted, as :meth:`PanelModel.fit` does, on rows given by the caller.

:func:`expit` is ``1 / (1 + exp(-x))`` with the C library's ``exp``, which is what
``scipy.special.expit`` computes: the same bits (NumPy's SIMD ``exp`` differs from it in the last
bit for about 2 % of values), without importing SciPy for a small file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from biomark.errors import BiomarkError, ModelFileError
from biomark.levels import fit_medians, fit_zscore

from . import rules
from ._base import (
    FORMAT,
    FORMAT_VERSION,
    LINEAR_METHODS,
    METHODS,
    PARAMS,
    ModelInputError,
    Training,
    matrix_score,
    raw_ct_warning,
)
from .checks import check_fitted_numbers, parse_model_json, read_model_bytes

#: Above this many values :func:`expit` uses SciPy's ufunc (its import, ~0.15 s, is then small
#: against the work); below it, the C library's ``exp`` element by element. Both give the same bits.
EXPIT_SCIPY_FROM = 65_536


def expit(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))``, bit for bit ``scipy.special.expit`` (see the module docstring).

    Examples
    --------
    >>> expit(np.array([0.0, 800.0, -800.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size >= EXPIT_SCIPY_FROM:
        from scipy.special import expit as scipy_expit

        return scipy_expit(x)
    e = np.fromiter(map(_exp_or_inf, (-x).ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)
    return 1.0 / (1.0 + e)


def _exp_or_inf(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:  # C's exp overflows to +inf; Python's math.exp raises instead
        return math.inf


@dataclass(frozen=True)
class FittedState:
    """A JSON model file's content: the panel, the constructor parameters and the fitted attributes."""

    panel: Any
    params: dict[str, Any]
    attrs: dict[str, Any]


class AppliedModel:
    """The fitted state of a :class:`~biomark.PanelModel` (the attributes a JSON model file holds),
    able to score but not to fit.

    Attributes are those of a fitted PanelModel (``markers_``, ``method_``, ``medians_``,
    ``mean_``, ``scale_``, ``coef_``, ``intercept_``, ``calibration_``, ``classes_``, ...), present
    under the same conditions; ``params`` holds the constructor parameters.
    """

    estimator_ = None

    def __init__(self, params: Mapping[str, Any], attrs: Mapping[str, Any]) -> None:
        self.params = dict(params)
        self.__dict__.update(attrs)
        self._w, self._b = None, 0.0
        if hasattr(self, "coef_") and self.method_ in LINEAR_METHODS:  # as PanelModel._compile
            w = self.coef_ / self.scale_
            self._w, self._b = np.ascontiguousarray(w), float(self.intercept_ - self.mean_ @ w)

    def panel_score(self, arr: np.ndarray) -> np.ndarray:
        """The panel score of a float64 array whose columns are ``markers_`` (NaN: imputed with the
        training median), as :meth:`PanelModel.panel_score` computes it."""
        if self._w is not None:
            score = matrix_score(arr, self._w, self._b)
            bad = np.flatnonzero(~np.isfinite(score))
            if bad.size:
                score[bad] = matrix_score(self._fill(arr[bad], bad), self._w, self._b)
            return score
        return rules.boolean_score(self._fill(arr, None), self.conditions_, self.combine_)

    def _fill(self, arr: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Training medians in place of NaN (:func:`fill_medians`, as :meth:`PanelModel._fill`)."""
        return fill_medians(arr, rows, self.medians_, self.markers_, bool(self.params.get("impute", True)))


def fill_medians(arr: np.ndarray, rows: np.ndarray | None, medians: np.ndarray, markers: Any,
                 impute: bool) -> np.ndarray:
    """Training medians in place of NaN; an infinite value is an error naming row (``rows[r]`` when
    given, else ``r``; 0-based) and marker; NaN with ``impute=False`` is an error."""
    inf = np.isinf(arr)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        row = int(rows[r]) if rows is not None else int(r)
        raise ModelInputError(f"infinite value in row {row} (0-based), marker '{markers[c]}'; "
                              "replace it by a finite number or leave it missing")
    nan = np.isnan(arr)
    if nan.any() and not impute:
        raise ModelInputError("X has missing values and the model was fitted with impute=False")
    return np.where(nan, medians, arr) if nan.any() else arr


def read_document(path: str | Path, *, trust: bool = False) -> tuple[bytes, Any]:
    """The bytes of a model file and its parsed JSON (``None`` for a pickle, allowed only with ``trust``)."""
    src = str(path)
    raw = read_model_bytes(Path(path))
    if not raw.strip():
        raise ModelFileError(f"{src}: is empty; give the model file written by 'biomark fit' or PanelModel.save")
    if raw.lstrip()[:1] != b"{":
        if not trust:
            raise ModelFileError(
                f"{src}: is not a JSON model but a pickle (joblib) holding a scikit-learn estimator; "
                "unpickling runs arbitrary code from the file, so biomark loads it only when you pass "
                "trust=True (CLI: --trust-model) for a file you made yourself or whose author you trust")
        return raw, None
    return raw, parse_model_json(raw, src)


def load_applied(path: str | Path, *, panel: Any = None) -> AppliedModel:
    """Read a JSON model file (as :meth:`PanelModel.load`, with the same checks and messages) into an
    :class:`AppliedModel`; a pickle is refused (it needs scikit-learn: use PanelModel.load with trust)."""
    _, doc = read_document(path)
    state = fitted_state(doc, str(path), panel)
    return AppliedModel(state.params, state.attrs)


def fitted_state(doc: Any, src: str, panel: Any) -> FittedState:
    """Check a parsed JSON model file and return its state; any fault is a :class:`ModelFileError`."""
    try:
        return _fitted_state(doc, src, panel)
    except ModelFileError:
        raise
    except BiomarkError as err:
        raise ModelFileError(f"{src}: {err}") from None
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ModelFileError(f"{src}: malformed model file ({type(err).__name__}: {err}); re-create it") from None


def _fitted_state(doc: Any, src: str, panel: Any) -> FittedState:
    from biomark.panel import panel_from_data

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{src}: not a biomark model file (no \"format\": \"{FORMAT}\")")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{src}: model format version {doc.get('format_version')!r} is not supported by "
                             f"this biomark (reads version {FORMAT_VERSION}); re-fit the model")
    check_fitted_numbers(doc, src)
    spec_panel = None
    if doc.get("panel"):
        spec_panel = panel_from_data(doc["panel"]["spec"], f"{src}: panel.spec")
        if spec_panel.content_hash() != doc["panel"]["content_hash"]:
            raise ModelFileError(f"{src}: the panel spec inside the file does not match its content hash; "
                                 "the file was edited: re-create it")
    check_panel(spec_panel, panel, src)
    params = dict(doc["params"])
    for key in params:  # both readers (PanelModel.load and load_applied) come through here
        if key not in PARAMS or key == "panel":
            raise ModelFileError(f"{src}: params: unknown parameter '{key}' (a PanelModel takes "
                                 f"{', '.join(k for k in PARAMS if k != 'panel')}); the file was edited or written "
                                 "by another program: re-create it with 'biomark fit'")
    a: dict[str, Any] = {"method_": doc["method"], "endpoint_": doc["endpoint"], "panel_": spec_panel}
    a["markers_"] = [str(m) for m in doc["markers"]]
    a["n_features_in_"] = len(a["markers_"])
    if doc.get("feature_names_in") is not None:
        a["feature_names_in_"] = np.asarray(doc["feature_names_in"], dtype=object)
    if doc.get("classes") is not None:
        a["classes_"] = decode_classes(doc["classes"])
        a["positive_index_"] = int(doc["positive_index"])
        a["positive_class_"] = a["classes_"][a["positive_index_"]]
    a["medians_"] = _array(doc["imputer"]["medians"])
    a["mean_"] = _array(doc["scaler"]["mean"])
    a["scale_"] = _array(doc["scaler"]["scale"])
    if doc.get("coef") is not None:
        a["coef_"] = _array(doc["coef"])
        a["intercept_"] = float(doc["intercept"])
    cal = doc.get("calibration")
    a["calibration_"] = None if cal is None else (float(cal["intercept"]), float(cal["slope"]))
    _read_method_records(a, doc)
    a["estimator_"] = None
    a["warnings_"] = list(doc.get("warnings", []))
    a["conversion_"] = doc.get("conversion")
    _check_shapes(a, src)
    return FittedState(spec_panel, params, a)


def _read_method_records(a: dict[str, Any], doc: Mapping[str, Any]) -> None:
    b = doc.get("boolean")
    a["conditions_"] = None
    if b is not None:
        a["conditions_"] = [(a["markers_"].index(c["marker"]), c["level"], float(c["cutoff"]))
                            for c in b["conditions"]]
        a["combine_"] = b["combine"]
    cx = doc.get("cox")
    if cx is not None:
        a["C_"] = float(cx["C"])
        a["n_events_"] = int(cx["n_events"])
    lg = doc.get("logistic")
    if lg is not None:
        a["C_"] = float(lg["C"])
        a["l1_ratio_"] = float(lg["l1_ratio"])


def _check_shapes(a: Mapping[str, Any], src: str) -> None:
    p = len(a["markers_"])
    for name in ("medians_", "mean_", "scale_"):
        if a[name].shape != (p,):
            raise ModelFileError(f"{src}: '{name[:-1]}' has {a[name].size} values for {p} markers")
    if a["method_"] not in METHODS:
        raise ModelFileError(f"{src}: unknown method '{a['method_']}'")
    if a["method_"] in LINEAR_METHODS and ("coef_" not in a or a["coef_"].shape != (p,)):
        raise ModelFileError(f"{src}: coefficients missing or of the wrong length")


def check_panel(saved: Any, given: Any, src: str) -> None:
    """A panel given to the loader must hash as the one the model was fitted on."""
    if given is None:
        return
    from biomark.panel import Panel, load_panel

    given = given if isinstance(given, Panel) else load_panel(given)
    if saved is None:
        raise ModelFileError(f"{src}: the model was fitted without a panel, but panel '{given.id}' was given")
    if saved.content_hash() != given.content_hash():
        raise ModelFileError(f"{src}: the model was fitted on panel '{saved.id}' with content hash "
                             f"{saved.content_hash()[:12]}…, but panel '{given.id}' now hashes to "
                             f"{given.content_hash()[:12]}…: the spec changed; re-fit the model")


def _array(values: Any) -> np.ndarray:
    return np.asarray([float(v) for v in values], dtype=np.float64)


def decode_classes(d: Mapping[str, Any]) -> np.ndarray:
    """The ``classes_`` array from its JSON record (as :mod:`biomark.model.files` writes it)."""
    kind = d["kind"]
    vals = d["values"]
    if kind == "str":
        return np.asarray(vals, dtype=d.get("dtype") if str(d.get("dtype", "")).startswith("<U") else object)
    conv = {"bool": bool, "int": int, "float": float}[kind]
    return np.asarray([conv(v) for v in vals], dtype=d.get("dtype"))


# --- a panel's fixed rule without a model file -------------------------------------------------


class _RuleFit:
    """The parameters and attributes :func:`rules.fit_signed_z` / :func:`rules.fit_weights` read and set."""

    directions = None
    weights = None
    weights_on = "levels"


def fixed_rule_model(panel: Any, method: str, endpoint: str | None, levels: np.ndarray,
                     markers: list[str]) -> AppliedModel:
    """The ``signed_z`` or ``weights`` rule of ``panel`` fitted on the rows ``levels`` (columns
    ``markers``, the panel's markers in panel order), as ``PanelModel(panel=panel, method=method,
    endpoint=endpoint).fit(levels)`` fits it: the same medians, means, SDs, coefficients and
    warnings (``warnings_``), bit for bit; ``tests/test_score_light.py`` compares the two."""
    if method not in ("signed_z", "weights"):
        raise ModelInputError(f"method '{method}' needs a fitted model")
    eid = endpoint or panel.scoring.endpoint
    try:
        eid = panel.endpoint(eid).id
    except KeyError:
        raise ModelInputError(f"panel '{panel.id}' has no endpoint '{eid}'; endpoints are: "
                              f"{', '.join(panel.endpoint_ids)}") from None
    warn: list[str] = []  # PanelModel.fit's, without its "not in the data" line for absent markers
    if panel.assay == "qpcr_ct":
        raw_ct_warning(levels, warn)
    medians, empty = fit_medians(levels)
    nan = np.isnan(levels)
    filled = np.where(nan, medians, levels) if nan.any() else levels
    mean, scale, const = fit_zscore(filled)
    usable = np.ones(levels.shape[1], dtype=bool)
    usable[empty] = False
    warn.extend(f"marker '{markers[j]}' has no observed value in the training rows: weight 0" for j in empty)
    warn.extend(f"marker '{markers[j]}' is constant in the training rows (z-score 0)" for j in const if usable[j])
    usable[const] = False
    est = _RuleFit()
    est.endpoint_, est.mean_, est.scale_ = eid, mean, scale
    tr = Training(levels, (filled - mean) / scale, markers, medians, usable, panel, warnings=warn)
    (rules.fit_signed_z if method == "signed_z" else rules.fit_weights)(est, tr)
    attrs = {"method_": method, "endpoint_": eid, "panel_": panel, "markers_": list(markers),
             "n_features_in_": len(markers), "medians_": medians, "mean_": mean, "scale_": scale,
             "coef_": est.coef_, "intercept_": est.intercept_, "calibration_": None, "conditions_": None,
             "warnings_": warn}
    return AppliedModel({"panel": panel, "method": method, "endpoint": endpoint}, attrs)
