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
        return [rec(v) for v in value]
    if isinstance(value, np.ndarray):
        return [rec(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return rec(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value) or not inf_as_string:
            return None
        return "inf" if value > 0 else "-inf"
    return value


class Result:
    """Mixin for frozen dataclasses: ``to_dict()`` gives plain, JSON-serialisable data.

    Non-finite floats become ``None`` (nan) or the strings ``"inf"``/``"-inf"`` so that the
    output is strict JSON.
    """

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
