"""Pure statistical functions of biomark.

Every function takes arrays and returns a frozen dataclass with ``to_dict()``. This package
imports nothing else of biomark (see DESIGN.md: one direction, no back-edges).

The functions are imported eagerly: several share their module's name (``calibration``,
``concordance``), and binding the function after the submodule import keeps
``biomark.stats.calibration`` the function however the submodules are imported later.
"""

from __future__ import annotations

import importlib

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
    "cox_ridge_cv": "ridge",
    # risk at a time horizon (horizon.py, brier.py, horizon_calibration.py, timeauc.py)
    "cox_risk_at": "horizon",
    "check_horizons": "horizon",
    "brier_at": "brier",
    "calibration_at": "horizon_calibration",
    "net_benefit_at": "horizon_calibration",
    "risk_groups": "horizon_calibration",
    "pseudo_risk": "horizon_calibration",
    "calibration_curve_at": "horizon_calibration",
    "compare_time_auc": "timeauc",
    # direction consistency and meta-analysis (direction.py, meta.py)
    "direction_consistency": "direction",
    "hedges_g": "direction",
    "dersimonian_laird": "meta",
    "pool_auc": "meta",
    "pool_log_hr": "meta",
    # fast kernels for resampling loops (kernels.py)
    "auc_mann_whitney": "kernels",
    "brier_score": "kernels",
    "recalibration": "kernels",
    # errors (BiomarkError is the root of biomark's hierarchy, re-exported by biomark.errors)
    "BiomarkError": "_errors",
    "MonotoneLikelihoodError": "_errors",
    "StatsError": "_errors",
}

__all__ = sorted(_EXPORTS)

for _name, _module in _EXPORTS.items():
    globals()[_name] = getattr(importlib.import_module(f"{__name__}.{_module}"), _name)
del _name, _module
