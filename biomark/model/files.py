"""Model files: JSON for the built-in methods, a joblib pickle for ``estimator=`` models.

The JSON (``"format": "biomark.panelmodel"``, version 1) holds the panel spec and its content
hash, the markers, the imputation medians, z-score means and SDs, coefficients, intercept,
recalibration, classes, every parameter, the versions of biomark, Python, NumPy, SciPy, pandas
and scikit-learn, and (when ``biomark fit`` wrote it) the ``conversion`` record of the assay
conversion the model was fitted on, which ``biomark score`` applies. Floats are written with
``repr``, which Python reads back to the identical double, so a loaded model reproduces its
predictions bit for bit. A pickle is opened only with ``trust=True``: unpickling runs code.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.utils.validation import check_is_fitted

from biomark._plain import versions
from biomark.atomic import atomic_write
from biomark.errors import ModelFileError
from biomark.panel.schema import drop_unset_competing

from . import applied
from ._base import FORMAT, FORMAT_VERSION

_MODEL_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn")  # what a model file records


def _spec(panel: Any) -> dict[str, Any]:
    """The spec as the model file records it (a survival endpoint's unset ``competing`` left out)."""
    d = panel.model_dump(mode="json")
    for e in d["endpoints"]:
        drop_unset_competing(e)
    return d


def save(model: Any, path: str | Path, conversion: Mapping[str, Any] | None = None) -> Path:
    """Write a fitted model atomically (temporary file, then rename); ``conversion`` is stored as given."""
    check_is_fitted(model, "markers_")
    p = Path(path)
    if model.method_ == "estimator":
        doc = {"format": FORMAT + ".joblib", "format_version": FORMAT_VERSION, "versions": versions(_MODEL_PACKAGES),
               "model": model}
        if conversion is not None:
            doc["conversion"] = dict(conversion)
        with atomic_write(p, "wb") as fh:
            joblib.dump(doc, fh)
        return p
    doc = to_json_dict(model)
    if conversion is not None:
        doc["conversion"] = _jsonable(dict(conversion))
    text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False)
    with atomic_write(p) as fh:
        fh.write(text + "\n")
    return p


def to_json_dict(model: Any) -> dict[str, Any]:
    """The fitted model as plain JSON data (without a ``conversion`` record)."""
    params = {k: _jsonable(v) for k, v in model.get_params(deep=False).items() if k not in ("panel", "estimator")}
    panel = model.panel_
    cal = model.calibration_
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "method": model.method_,
        "endpoint": model.endpoint_,
        "params": params,
        "panel": None if panel is None else {
            "id": panel.id, "content_hash": panel.content_hash(), "assay": panel.assay,
            "spec": _spec(panel),
        },
        "markers": list(model.markers_),
        "feature_names_in": None if not hasattr(model, "feature_names_in_") else [str(c) for c in model.feature_names_in_],
        "classes": None if not hasattr(model, "classes_") else _encode_classes(model.classes_),
        "positive_index": getattr(model, "positive_index_", None),
        "imputer": {"medians": _floats(model.medians_)},
        "scaler": {"mean": _floats(model.mean_), "scale": _floats(model.scale_)},
        "coef": _floats(model.coef_) if hasattr(model, "coef_") else None,
        "intercept": _float(model.intercept_) if hasattr(model, "intercept_") else None,
        "calibration": None if cal is None else {"intercept": _float(cal[0]), "slope": _float(cal[1])},
        "boolean": None if model.conditions_ is None else {
            "combine": model.combine_,
            "conditions": [{"marker": model.markers_[j], "level": lv, "cutoff": _float(c)}
                           for j, lv, c in model.conditions_]},
        "logistic": None if model.method_ != "logistic" else {"C": _float(model.C_), "l1_ratio": _float(model.l1_ratio_)},
        "cox": None if model.method_ != "cox" else {"C": _float(model.C_), "n_events": model.n_events_},
        "warnings": list(model.warnings_),
        "versions": versions(_MODEL_PACKAGES),
    }


def load(cls: type, path: str | Path, *, trust: bool = False, panel: Any = None) -> Any:
    """Read a model written by :func:`save` (see :meth:`PanelModel.load`); the JSON is read and checked
    by :func:`biomark.model.applied.fitted_state`, which ``biomark score`` uses without scikit-learn."""
    src = str(path)
    raw, doc = applied.read_document(path, trust=trust)
    if doc is None:
        return _load_joblib(cls, raw, src, panel)
    state = applied.fitted_state(doc, src, panel)
    model = cls(panel=state.panel, **state.params)
    for name, value in state.attrs.items():
        setattr(model, name, value)
    model._compile()
    return model


def _load_joblib(cls: type, raw: bytes, src: str, panel: Any) -> Any:
    try:
        obj = joblib.load(io.BytesIO(raw))
    except Exception as err:  # noqa: BLE001 - any unpickling failure is a bad file
        raise ModelFileError(f"{src}: cannot be unpickled ({type(err).__name__}: {err})") from None
    if not (isinstance(obj, dict) and obj.get("format") == FORMAT + ".joblib" and isinstance(obj.get("model"), cls)):
        raise ModelFileError(f"{src}: is a pickle but not a biomark model file")
    saved = obj.get("versions", {}).get("scikit-learn")
    if saved and saved != sklearn.__version__:
        warnings.warn(f"{src} was saved with scikit-learn {saved}, this is {sklearn.__version__}; "
                      "predictions may differ", UserWarning, stacklevel=4)
    model = obj["model"]
    applied.check_panel(model.panel_, panel, src)
    return model


def _float(x: Any) -> float | str:
    v = float(x)
    if math.isfinite(v):
        return v  # json writes repr(v): the shortest string that reads back to the same double
    return "inf" if v > 0 else ("-inf" if v < 0 else "nan")


def _floats(a: Any) -> list[float | str]:
    return [_float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    raise ModelFileError(f"parameter value {v!r} cannot be written to a JSON model file")


def _encode_classes(classes: np.ndarray) -> dict[str, Any]:
    vals = list(classes.tolist())
    if all(isinstance(v, bool) for v in vals):
        kind = "bool"
    elif all(isinstance(v, int) for v in vals):
        kind = "int"
    elif all(isinstance(v, float) for v in vals):
        kind = "float"
    else:
        kind, vals = "str", [str(v) for v in vals]
    return {"kind": kind, "values": vals, "dtype": str(classes.dtype)}
