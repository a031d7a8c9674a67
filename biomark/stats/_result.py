"""Base class for frozen result dataclasses."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """Convert numpy scalars/arrays and nested dataclasses to JSON-ready Python values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


class Result:
    """Mixin for frozen dataclasses: ``to_dict()`` gives plain, JSON-serialisable data.

    Non-finite floats become ``None`` (nan) or the strings ``"inf"``/``"-inf"`` so that the
    output is strict JSON.
    """

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
