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
    "partial_auc": "roc_partial",
    "auc_bootstrap": "roc_partial",
    "sensitivity_at": "roc_partial",
    "specificity_at": "roc_partial",
    "delong_unpaired": "roc_compare",
    "smooth_roc": "roc_compare",
    "roc_power": "roc_compare",
    "roc_power_paired": "roc_compare",
    "calibration": "calibration",
    "calibration_curve": "calibration",
    "net_benefit": "decision",
    # survival (survival.py, concordance.py, cutpoint.py, timeauc.py)
    "cox": "survival",
    "logrank": "survival",
    "kaplan_meier": "survival",
    "cox_stratified": "cox_strata",
    "cox_robust": "cox_robust",
    "cox_firth": "cox_firth",
    "cox_weighted": "cox_weighted",
    "kaplan_meier_groups": "rmst",
    "cumulative_incidence": "competing",
    "fine_gray": "finegray",
    "gray_test": "gray",
    "rmst": "rmst",
    "ph_test": "survival",
    "concordance": "concordance",
    "concordance_compare": "concordance_compare",
    "concordance_stratified": "concordance_compare",
    "optimal_cutpoint": "cutpoint",
    "time_dependent_auc": "timeauc",
    "cox_ridge_cv": "ridge",
    "logistic_ridge": "logistic",
    "logistic_ridge_cv": "logistic",
    "LogisticRidgeCV": "logistic",
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
    "bootstrap_calibration": "calibrate_boot",
    "km_cuts": "calibrate_boot",
    "km_group_calibration": "calibrate_boot",
    "lowess_grid": "calibrate_boot",
    "lowess_calibration_error": "calibrate_boot",
    "nomogram": "nomogram",
    "NomogramTerm": "nomogram",
    # direction consistency and meta-analysis (direction.py, meta.py)
    "direction_consistency": "direction",
    "hedges_g": "direction",
    "dersimonian_laird": "meta",
    "pool_auc": "meta",
    "pool_log_hr": "meta",
    "random_effects": "remeta",
    "pool_c_statistic": "remeta",
    "pool_oe": "remeta",
    "pool_slope": "remeta",
    # model updating (updating.py)
    "logistic_fit": "updating",
    "update_model": "updating",
    # harmonisation (combat.py)
    "combat_reference": "combat",
    # O:E at t with the training fit's uncertainty (oe_training.py)
    "oe_with_training_error": "oe_training",
    # fast kernels for resampling loops (kernels.py)
    "auc_mann_whitney": "kernels",
    "brier_score": "kernels",
    "recalibration": "kernels",
    # added value over a clinical model (added_value.py, added_optimism.py, reclassification.py)
    "logistic": "added_value",
    "nested_lr_test": "added_value",
    "delta_concordance": "added_value",
    "optimism_delta_auc": "added_optimism",
    "optimism_delta_c": "added_optimism",
    "cv_delta_auc": "added_optimism",
    "cv_delta_c": "added_optimism",
    "improve_prob": "reclassification",
    "categorical_nri": "reclassification",
    "rcs_basis": "spline",
    "nri_idi_at": "reclassification_surv",
    "nri_idi_at_se": "reclassification_surv_se",
    # errors (BiomarkError is the root of biomark's hierarchy, re-exported by biomark.errors)
    "BiomarkError": "_errors",
    "MonotoneLikelihoodError": "_errors",
    "StatsError": "_errors",
}

__all__ = sorted(_EXPORTS)

for _name, _module in _EXPORTS.items():
    globals()[_name] = getattr(importlib.import_module(f"{__name__}.{_module}"), _name)
del _name, _module
