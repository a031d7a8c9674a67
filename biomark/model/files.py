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
from biomark.errors import BiomarkError, ModelFileError
from biomark.panel import Panel, load_panel, panel_from_data
from biomark.panel.schema import drop_unset_competing

from ._base import LINEAR_METHODS, METHODS
from .checks import check_fitted_numbers, parse_model_json, read_model_bytes

FORMAT = "biomark.panelmodel"
FORMAT_VERSION = 1

_MODEL_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn")  # what a model file records


def _spec(panel: Panel) -> dict[str, Any]:
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
    """Read a model written by :func:`save` (see :meth:`PanelModel.load`)."""
    p = Path(path)
    src = str(path)
    raw = read_model_bytes(p)
    if not raw.strip():
        raise ModelFileError(f"{src}: is empty; give the model file written by 'biomark fit' or PanelModel.save")
    if raw.lstrip()[:1] != b"{":
        if not trust:
            raise ModelFileError(
                f"{src}: is not a JSON model but a pickle (joblib) holding a scikit-learn estimator; "
                "unpickling runs arbitrary code from the file, so biomark loads it only when you pass "
                "trust=True (CLI: --trust-model) for a file you made yourself or whose author you trust")
        return _load_joblib(cls, raw, src, panel)
    doc = parse_model_json(raw, src)
    try:
        model = _from_json_dict(cls, doc, src, panel)
    except ModelFileError:
        raise
    except BiomarkError as err:
        raise ModelFileError(f"{src}: {err}") from None
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ModelFileError(f"{src}: malformed model file ({type(err).__name__}: {err}); re-create it") from None
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
    _check_panel(model.panel_, panel, src)
    return model


def _from_json_dict(cls: type, doc: Any, src: str, panel: Any) -> Any:
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
    _check_panel(spec_panel, panel, src)
    model = cls(panel=spec_panel, **dict(doc["params"]))
    model.method_ = doc["method"]
    model.endpoint_ = doc["endpoint"]
    model.panel_ = spec_panel
    model.markers_ = [str(m) for m in doc["markers"]]
    model.n_features_in_ = len(model.markers_)
    if doc.get("feature_names_in") is not None:
        model.feature_names_in_ = np.asarray(doc["feature_names_in"], dtype=object)
    if doc.get("classes") is not None:
        model.classes_ = _decode_classes(doc["classes"])
        model.positive_index_ = int(doc["positive_index"])
        model.positive_class_ = model.classes_[model.positive_index_]
    model.medians_ = _array(doc["imputer"]["medians"])
    model.mean_ = _array(doc["scaler"]["mean"])
    model.scale_ = _array(doc["scaler"]["scale"])
    if doc.get("coef") is not None:
        model.coef_ = _array(doc["coef"])
        model.intercept_ = float(doc["intercept"])
    cal = doc.get("calibration")
    model.calibration_ = None if cal is None else (float(cal["intercept"]), float(cal["slope"]))
    _read_method_records(model, doc)
    model.estimator_ = None
    model.warnings_ = list(doc.get("warnings", []))
    model.conversion_ = doc.get("conversion")
    _check_shapes(model, src)
    return model


def _read_method_records(model: Any, doc: Mapping[str, Any]) -> None:
    b = doc.get("boolean")
    model.conditions_ = None
    if b is not None:
        model.conditions_ = [(model.markers_.index(c["marker"]), c["level"], float(c["cutoff"]))
                             for c in b["conditions"]]
        model.combine_ = b["combine"]
    cx = doc.get("cox")
    if cx is not None:
        model.C_ = float(cx["C"])
        model.n_events_ = int(cx["n_events"])
    lg = doc.get("logistic")
    if lg is not None:
        model.C_ = float(lg["C"])
        model.l1_ratio_ = float(lg["l1_ratio"])


def _check_shapes(model: Any, src: str) -> None:
    p = len(model.markers_)
    for name in ("medians_", "mean_", "scale_"):
        if getattr(model, name).shape != (p,):
            raise ModelFileError(f"{src}: '{name[:-1]}' has {getattr(model, name).size} values for {p} markers")
    if model.method_ not in METHODS:
        raise ModelFileError(f"{src}: unknown method '{model.method_}'")
    if model.method_ in LINEAR_METHODS and (not hasattr(model, "coef_") or model.coef_.shape != (p,)):
        raise ModelFileError(f"{src}: coefficients missing or of the wrong length")


def _check_panel(saved: Any, given: Any, src: str) -> None:
    if given is None:
        return
    given = given if isinstance(given, Panel) else load_panel(given)
    if saved is None:
        raise ModelFileError(f"{src}: the model was fitted without a panel, but panel '{given.id}' was given")
    if saved.content_hash() != given.content_hash():
        raise ModelFileError(f"{src}: the model was fitted on panel '{saved.id}' with content hash "
                             f"{saved.content_hash()[:12]}…, but panel '{given.id}' now hashes to "
                             f"{given.content_hash()[:12]}…: the spec changed; re-fit the model")


def _float(x: Any) -> float | str:
    v = float(x)
    if math.isfinite(v):
        return v  # json writes repr(v): the shortest string that reads back to the same double
    return "inf" if v > 0 else ("-inf" if v < 0 else "nan")


def _floats(a: Any) -> list[float | str]:
    return [_float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _array(values: Any) -> np.ndarray:
    return np.asarray([float(v) for v in values], dtype=np.float64)


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


def _decode_classes(d: Mapping[str, Any]) -> np.ndarray:
    kind = d["kind"]
    vals = d["values"]
    if kind == "str":
        return np.asarray(vals, dtype=d.get("dtype") if str(d.get("dtype", "")).startswith("<U") else object)
    conv = {"bool": bool, "int": int, "float": float}[kind]
    return np.asarray([conv(v) for v in vals], dtype=d.get("dtype"))
