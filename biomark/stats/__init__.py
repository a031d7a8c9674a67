"""Pure statistical functions of biomark.

Every function takes arrays and returns a frozen dataclass with ``to_dict()``. This package
imports nothing else of biomark (see DESIGN.md: one direction, no back-edges).

Names are resolved lazily so that importing :mod:`biomark.stats` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # classification (roc.py, calibration.py, decision.py)
    "roc_auc": "roc",
    "roc_curve": "roc",
    "delong_test": "roc",
    "youden_threshold": "roc",
    "threshold_metrics": "roc",
    "calibration": "calibration",
    "calibration_curve": "calibration",
    "net_benefit": "decision",
    # survival (survival.py, concordance.py, cutpoint.py, timeauc.py)
    "cox": "survival",
    "logrank": "survival",
    "kaplan_meier": "survival",
    "ph_test": "survival",
    "concordance": "concordance",
    "optimal_cutpoint": "cutpoint",
    "time_dependent_auc": "timeauc",
    # errors
    "StatsError": "_errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'biomark.stats' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return __all__
