"""Reading a JSON model file defensively: bounded bytes, bounded nesting, every number checked.

A model file is data a user may have been sent: ``1e400`` (read as inf), ``NaN`` or ``Infinity``
literals, a zero or negative scale, an intercept of 1e300 or a cut-off that is a text made
``biomark score`` write all-NaN (or all-"high") scores with exit 0. Every number is checked finite,
the fitted numbers are checked in range, and the message names the key path
(``model.json: scaler.scale[1]: ...``).
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from biomark.bounded import read_bounded
from biomark.errors import ModelFileError

MAX_MODEL_BYTES = 256_000_000  # a regular model file (a pickled estimator may be large)
MAX_MODEL_STREAM_BYTES = 16_000_000  # a FIFO or device given as the model
MAX_ABS_LEVEL = 1e12  # medians, means, scales and cut-offs, in the units of the data
MAX_ABS_COEF = 1e8  # coefficients, intercept, calibration: exp(1e8) already overflows


def read_model_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a model file, with a bound on the bytes actually read (``/dev/zero``, a FIFO)."""
    p = Path(path)
    if not os.path.lexists(p):
        raise ModelFileError(f"{p}: no such model file; check the path")
    try:
        special = not stat.S_ISREG(os.stat(p).st_mode)
    except OSError:
        special = False  # read_bounded names the problem
    limit = MAX_MODEL_STREAM_BYTES if special else MAX_MODEL_BYTES
    return read_bounded(p, limit, "a model", ModelFileError)


def parse_model_json(raw: bytes, src: str) -> Any:
    """Parse the JSON text of a model; a non-finite number anywhere is refused with its key path."""
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=float)
    except RecursionError:
        raise ModelFileError(
            f"{src}: JSON nested too deeply; not a biomark model file: re-create it with "
            "'biomark fit'"
        ) from None
    except (
        UnicodeDecodeError,
        ValueError,
    ) as err:  # JSONDecodeError, or an integer of 4,300+ digits
        raise ModelFileError(
            f"{src}: not a valid biomark model file ({err}); re-create it with "
            "'biomark fit' or PanelModel.save"
        ) from None
    for path, value in _numbers(doc, ""):
        if not math.isfinite(value):
            raise ModelFileError(
                f"{src}: {path or '(top level)'}: {_show(value)} is not a finite number; "
                "the file was edited or damaged: re-create it with 'biomark fit'"
            )
    return doc


def check_fitted_numbers(doc: dict[str, Any], src: str) -> None:
    """Range checks of the fitted numbers of a JSON model (``doc`` as parsed)."""
    _each(doc, src, ("imputer", "medians"), MAX_ABS_LEVEL)
    _each(doc, src, ("scaler", "mean"), MAX_ABS_LEVEL)
    _each(doc, src, ("scaler", "scale"), MAX_ABS_LEVEL, positive=True)
    if doc.get("coef") is not None:
        _each(doc, src, ("coef",), MAX_ABS_COEF)
        _number(doc.get("intercept"), src, "intercept", MAX_ABS_COEF)
    cal = doc.get("calibration")
    if cal is not None:
        _number(
            _get(cal, "intercept", src, "calibration"), src, "calibration.intercept", MAX_ABS_COEF
        )
        _number(_get(cal, "slope", src, "calibration"), src, "calibration.slope", MAX_ABS_COEF)
    b = doc.get("boolean")
    if b is not None:
        conds = _get(b, "conditions", src, "boolean")
        if not isinstance(conds, list):
            raise ModelFileError(
                f"{src}: boolean.conditions: not a list; re-create the model with 'biomark fit'"
            )
        for i, c in enumerate(conds):
            _number(
                _get(c, "cutoff", src, f"boolean.conditions[{i}]"),
                src,
                f"boolean.conditions[{i}].cutoff",
                MAX_ABS_LEVEL,
            )
    for name in ("logistic", "cox"):
        rec = doc.get(name)
        if rec is not None:
            c = _get(rec, "C", src, name)
            if c != "inf":  # an unpenalised fit is written as C = "inf"
                _number(c, src, f"{name}.C", math.inf, positive=True)


def _each(
    doc: dict[str, Any], src: str, keys: tuple[str, ...], bound: float, *, positive: bool = False
) -> None:
    node: Any = doc
    path = ".".join(keys)
    for k in keys:
        node = _get(node, k, src, path)
    if not isinstance(node, list):
        raise ModelFileError(
            f"{src}: {path}: not a list of numbers; re-create the model with 'biomark fit'"
        )
    for i, v in enumerate(node):
        _number(v, src, f"{path}[{i}]", bound, positive=positive)


def _get(node: Any, key: str, src: str, where: str) -> Any:
    if not isinstance(node, dict) or key not in node:
        raise ModelFileError(
            f"{src}: {where}: '{key}' is missing; re-create the model with 'biomark fit'"
        )
    return node[key]


def _number(v: Any, src: str, path: str, bound: float, *, positive: bool = False) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ModelFileError(
            f"{src}: {path}: {_show(v)} is not a number; re-create the model with 'biomark fit'"
        )
    try:
        x = float(v)
    except OverflowError:  # an integer of hundreds of digits
        x = math.inf
    if not math.isfinite(x) or abs(x) > bound:
        raise ModelFileError(
            f"{src}: {path}: {_show(v)} is out of range (at most {bound:g} in absolute value); "
            "the file was edited or damaged: re-create it with 'biomark fit'"
        )
    if positive and x <= 0:
        raise ModelFileError(
            f"{src}: {path}: {_show(v)} must be positive (a scale or penalty); "
            "re-create the model with 'biomark fit'"
        )


def _numbers(node: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every float of the parsed document with its key path (depth is bounded by the parser)."""
    stack: list[tuple[str, Any]] = [(path, node)]
    while stack:
        p, n = stack.pop()
        if isinstance(n, float):
            yield p, n
        elif isinstance(n, dict):
            stack.extend((f"{p}.{k}" if p else str(k), v) for k, v in n.items())
        elif isinstance(n, list):
            stack.extend((f"{p}[{i}]", v) for i, v in enumerate(n))


def _show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."
