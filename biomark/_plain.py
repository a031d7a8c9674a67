"""Plain data for JSON files, and the library versions a file records: one helper each.

:func:`to_plain` turns results (frozen dataclasses, mappings, sequences, numpy arrays and scalars) into
the Python values :func:`json.dumps` writes as strict JSON; :func:`versions` says which biomark,
Python and libraries produced a file. ``biomark.stats`` keeps its own ``_plain`` (stats imports
nothing of biomark); ``to_plain(value, nonfinite="inf_string")`` gives the same values.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import math
import platform
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

import biomark

__all__ = ["DEFAULT_PACKAGES", "to_plain", "versions"]

NonFinite = Literal["null", "inf_string", "string"]
DEFAULT_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "statsmodels", "joblib")
_NONFINITE = {
    "null": {"nan": None, "inf": None, "-inf": None},
    "inf_string": {"nan": None, "inf": "inf", "-inf": "-inf"},
    "string": {"nan": "nan", "inf": "inf", "-inf": "-inf"},
}


def to_plain(value: Any, *, nonfinite: NonFinite = "null", digits: int | None = None,
             strict: bool = False) -> Any:
    """JSON-ready Python data: dicts with string keys, lists, str, int, float, bool and None.

    Dataclass instances become dicts of their fields, mappings dicts (keys as ``str``), tuples,
    lists and numpy arrays lists, numpy scalars Python scalars.

    Parameters
    ----------
    value
        What to convert (nested to any depth).
    nonfinite
        How NaN and ±inf are written: ``"null"`` all as ``None``; ``"inf_string"`` NaN as ``None``
        and ±inf as ``"inf"``/``"-inf"`` (as ``biomark.stats`` results); ``"string"`` all three as
        strings ``"nan"``, ``"inf"``, ``"-inf"``.
    digits
        Round every finite float to this many significant digits (``float(f"{x:.{digits}g}")``),
        so that a file is stable across platforms in the last ulp; ``None`` keeps floats as they are.
    strict
        Raise :class:`TypeError` for a leaf that is not None, str, bool, int or float (instead of
        passing it through).

    Examples
    --------
    >>> import numpy as np
    >>> to_plain({"a": np.array([1.0, np.nan]), 2: (np.int64(3), float("inf"))})
    {'a': [1.0, None], '2': [3, None]}
    >>> to_plain([1 / 3, -np.inf], nonfinite="inf_string", digits=4)
    [0.3333, '-inf']
    """
    if nonfinite not in _NONFINITE:
        raise ValueError(f"nonfinite: {nonfinite!r} is not one of: {', '.join(_NONFINITE)}")
    return _walk(value, _NONFINITE[nonfinite], digits, strict)


def _walk(value: Any, spell: dict[str, Any], digits: int | None, strict: bool) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {k: _walk(v, spell, digits, strict) for k, v in fields.items()}
    if isinstance(value, Mapping):
        return {str(k): _walk(v, spell, digits, strict) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_walk(v, spell, digits, strict) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return spell["nan"]
        if math.isinf(value):
            return spell["inf" if value > 0 else "-inf"]
        return value if digits is None else float(f"{value:.{digits}g}")
    if strict and not (value is None or isinstance(value, (str, int))):
        raise TypeError(f"{value!r} ({type(value).__name__}) has no plain JSON form")
    return value


def versions(packages: tuple[str, ...] = DEFAULT_PACKAGES) -> dict[str, str]:
    """Versions of biomark, Python and ``packages`` (installed distribution names).

    A package that is not installed is recorded as ``"not installed"``.

    Examples
    --------
    >>> v = versions(("numpy",))
    >>> sorted(v)
    ['biomark', 'numpy', 'python']
    """
    out = {"biomark": biomark.__version__, "python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
