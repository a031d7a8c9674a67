"""Base class for frozen result dataclasses."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def _plain(value: Any, *, inf_as_string: bool = True) -> Any:
    """Convert numpy scalars/arrays and nested dataclasses to JSON-ready Python values.

    nan becomes ``None``; ±inf becomes ``"inf"``/``"-inf"`` (or ``None`` with
    ``inf_as_string=False``), so the output is always strict JSON.
    """
    def rec(v: Any) -> Any:
        return _plain(v, inf_as_string=inf_as_string)

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: rec(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): rec(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if _numbers(value):
            return _finite_numbers(value, inf_as_string)
        return [rec(v) for v in value]
    if isinstance(value, np.ndarray):
        items = value.tolist()
        if isinstance(items, list) and _numbers(items):
            return _finite_numbers(items, inf_as_string)
        return [rec(v) for v in items] if isinstance(items, list) else rec(items)
    if isinstance(value, np.generic):
        return rec(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value) or not inf_as_string:
            return None
        return "inf" if value > 0 else "-inf"
    return value


def _numbers(values: Any) -> bool:
    """True for a sequence of plain Python floats and ints only (not bool): the fast path of :func:`_plain`."""
    return all(type(v) is float or type(v) is int for v in values)


def _finite_numbers(values: Any, inf_as_string: bool) -> list[Any]:
    # v - v is 0 for every finite number and nan for nan and +-inf
    return [v if v - v == 0 else _plain(v, inf_as_string=inf_as_string) for v in values]


class Result:
    """Mixin for frozen dataclasses: ``to_dict()`` gives plain, JSON-serialisable data.

    Non-finite floats become ``None`` (nan) or the strings ``"inf"``/``"-inf"`` so that the
    output is strict JSON.
    """

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
