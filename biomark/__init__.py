"""biomark: score and validate cancer biomarker panels against the literature.

Public API (see DESIGN.md)::

    load_panel, list_panels      panel specs (biomark.panel)
    read_cohort, Cohort          expression + clinical files (biomark.io, biomark.cohort)
    PanelModel                   scikit-learn estimator (biomark.model)
    validate, ValidationResult   the validation engine (biomark.validation)
    biomark.stats                pure statistical functions
    biomark.synthetic            simulated cohorts with known truth
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "load_panel": "biomark.panel",
    "list_panels": "biomark.panel",
    "Panel": "biomark.panel",
    "Cohort": "biomark.cohort",
    "read_cohort": "biomark.io",
    "PanelModel": "biomark.model",
    "validate": "biomark.validation",
    "ValidationResult": "biomark.validation",
    "BiomarkError": "biomark.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if name in ("stats", "synthetic", "report", "preprocess", "model", "io", "panel", "cli", "validation"):
            return importlib.import_module(f"biomark.{name}")
        raise AttributeError(f"module 'biomark' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
