"""Risks at the horizon in a survival validation cohort: O:E and Brier at t, IPA, AUC(t) (issue 18 with issue 17).

The absolute risk ``1 - S(t | x)`` of every validation row comes from the model fitted on the TRAINING
cohort only (:func:`biomark.validation.horizon.absolute_risk`): the training linear predictor and its
Breslow baseline hazard; for a fixed rule, the one-coefficient Cox recalibration ``lp = gamma x score``
fitted on the training rows. Nothing is refitted on the validation cohort. The numbers at each horizon
are the stats functions applied to those risks in the validation cohort:

* O:E at t = (1 - KM(t)) / mean(risk) with its CI (:func:`biomark.stats.calibration_at`),
  SE(log O:E) = SE(KM risk) / KM risk (the delta method behind that CI);
* Brier at t (IPCW) with its SE and the IPA = 1 - Brier / Brier(KM null) (:func:`biomark.stats.brier_at`);
* cumulative/dynamic AUC(t) with its SE and CI (:func:`biomark.stats.time_dependent_auc`).

A horizon a cohort cannot estimate (at or beyond its last follow-up, no event by then, no one still
at risk after it) is dropped for that cohort with a warning naming the cohort.

With ``oe_bootstrap=B`` (validate's option) the O:E CI also counts the training fit's uncertainty
(:func:`biomark.stats.oe_with_training_error`): the model is refitted on B bootstrap resamples of the
training rows (with its baseline hazard, or the fixed rule's recalibration), each predicts this cohort,
and Var(log O:E) = Var_KM(log O) + Var_boot(log E); the points gain ``oe_se_log_training``,
``oe_se_log_total``, ``oe_lower_total`` and ``oe_upper_total``. Pooling still uses the validation-only SE:
the training error is shared by every cohort validated against the same fit, not independent between them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from biomark import stats
from biomark.validation import horizon as horizon_mod

METRICS = {"oe": "O:E at {h} {u} (log scale)", "brier": "Brier at {h} {u}", "auc": "AUC({h} {u}) (logit scale)"}


def key(metric: str, h: float) -> str:
    """The pooled-metric key of ``metric`` ('oe', 'brier', 'auc') at horizon ``h``, e.g. ``oe_at_12``."""
    return f"{metric}_at_{h:g}"


def _point(time: np.ndarray, event: np.ndarray, risk: Any, k: int, h: float, auc: Any, brier: Any,
           ci: float) -> dict[str, Any]:
    r, s = risk.risk[:, k], risk.surv[:, k]
    cal = stats.calibration_at(time, event, r, h, groups=min(horizon_mod.N_GROUPS, max(2, int(event.sum()) // 5)),
                               ci=ci, surv=s)
    z = float(sps.norm.ppf(0.5 + ci / 2))
    se_log = float(np.log(cal.oe_upper / cal.oe_lower) / (2 * z)) if cal.oe > 0 and np.isfinite(cal.oe_upper) else None
    return {"time": h, "observed": cal.observed_all, "expected": cal.expected_all, "oe": cal.oe,
            "oe_lower": cal.oe_lower, "oe_upper": cal.oe_upper, "oe_se_log": se_log,
            "slope": cal.slope, "slope_se": cal.slope_se,
            "brier": float(brier.brier[k]), "brier_se": float(brier.se[k]), "brier_lower": float(brier.lower[k]),
            "brier_upper": float(brier.upper[k]), "brier_null": float(brier.brier_null[k]), "ipa": float(brier.ipa[k]),
            "auc": float(auc.auc[k]), "auc_se": float(auc.se[k]), "auc_lower": float(auc.lower[k]),
            "auc_upper": float(auc.upper[k]), "n_cases": int(auc.n_cases[k]), "n_controls": int(auc.n_controls[k])}


def boot_expected(train: dict[str, Any], boot: list[tuple[np.ndarray, ...]], kept: list[float]) -> np.ndarray:
    """Mean predicted risk of the validation rows at each horizon under each bootstrap refit (B' x H).

    ``boot``: per refit (training score, time, event of the resampled rows, the refit's score of the validation
    rows). A refit whose resample cannot predict a horizon (follow-up too short, no event) is left out.
    """
    out = []
    for s_b, t_b, e_b, new_b in boot:
        try:
            r_b = horizon_mod.absolute_risk(train["fitted_cox"], s_b, t_b, e_b, kept, score_new=new_b)[0]
        except stats.StatsError:
            continue
        out.append(r_b.risk.mean(axis=0))
    return np.array(out).reshape(len(out), len(kept))


def _with_training_error(points: list[dict[str, Any]], e_boot: np.ndarray, requested: int,
                         ci: float) -> dict[str, Any]:
    """Add the combined O:E CI to each point; the section's ``oe_bootstrap`` note."""
    ok = [k for k, p in enumerate(points) if p["oe_se_log"] is not None]
    note = {"requested": requested, "n_boot": int(e_boot.shape[0]),
            "method": "nonparametric bootstrap of the training fit (refitted on resampled training rows, baseline "
                      "hazard included): Var(log O:E) = Var_KM(log O) + Var_boot(log E)"}
    if not ok:
        return note
    try:
        r = stats.oe_with_training_error([points[k]["oe"] for k in ok], [points[k]["oe_se_log"] for k in ok],
                                         e_boot[:, ok], ci=ci)
    except stats.StatsError as err:
        return {**note, "error": str(err)}
    for j, k in enumerate(ok):
        points[k].update(oe_se_log_training=float(r.se_log_training[j]), oe_se_log_total=float(r.se_log[j]),
                         oe_lower_total=float(r.lower[j]), oe_upper_total=float(r.upper[j]))
    return note


def horizon_cohort(name: str, time: np.ndarray, event: np.ndarray, score_new: np.ndarray, train: dict[str, Any],
                   ci: float, boot: list[tuple[np.ndarray, ...]] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The ``horizon`` section of one validation cohort and its warnings (horizons dropped, named by cohort).

    ``train``: ``time``, ``event``, ``score`` (the training rows), ``fitted_cox`` (a fitted Cox panel model, or a
    fixed rule to recalibrate), ``horizons`` (the training cohort's) and ``unit``. ``boot`` (optional): the
    bootstrap refits of :func:`boot_expected`, for the O:E CI with the training fit's uncertainty.
    """
    hs = train.get("horizons") or []
    if not hs:
        return {"error": "the training cohort has no usable horizon (see its 'Risk at the horizon' section)"}, []
    time, event = np.asarray(time, float), np.asarray(event, int)
    kept, why = horizon_mod.usable(list(hs), time, event, train["unit"])
    warnings = [f"validation cohort '{name}': {w}" for w in why]
    if not kept:
        return {"error": f"cohort '{name}': no usable horizon: " + "; ".join(why)}, warnings
    risk, _, source, gamma = horizon_mod.absolute_risk(train["fitted_cox"], np.asarray(train["score"], float),
                                                       np.asarray(train["time"], float),
                                                       np.asarray(train["event"], int), kept, score_new=score_new)
    lp_new = np.asarray(score_new, float) * (1.0 if gamma is None else gamma)
    try:
        auc = stats.time_dependent_auc(time, event, lp_new, kept, ci=ci)
        brier = stats.brier_at(time, event, risk.risk, kept, ci=ci)
        points = [_point(time, event, risk, k, h, auc, brier, ci) for k, h in enumerate(kept)]
    except stats.StatsError as err:
        return {"error": f"cohort '{name}': {err}"}, warnings
    out = {"horizons": kept, "time_unit": train["unit"], "risk_source": source + " (fitted on the training cohort "
           "only; nothing refitted on this cohort)", "recalibration_coef": gamma, "dropped": warnings,
           "points": points}
    if boot:
        e_boot = boot_expected(train, boot, kept)
        out["oe_bootstrap"] = _with_training_error(points, e_boot, len(boot), ci)
        if out["oe_bootstrap"]["n_boot"] < len(boot):
            warnings.append(f"validation cohort '{name}': {len(boot) - out['oe_bootstrap']['n_boot']} of {len(boot)} "
                            "bootstrap refits of the training fit could not predict every horizon and were left out "
                            "of the O:E CI")
    return out, warnings


def estimates(row: dict[str, Any]) -> dict[str, tuple[float, float] | None]:
    """Per horizon metric key, (estimate, SE on its own scale) of one cohort row; absent horizons are left out."""
    hz = row.get("horizon")
    if not isinstance(hz, dict) or "error" in hz:
        return {}
    out: dict[str, tuple[float, float] | None] = {}
    for p in hz["points"]:
        h = p["time"]
        out[key("oe", h)] = (p["oe"], p["oe_se_log"]) if p["oe_se_log"] is not None and p["oe"] > 0 else None
        out[key("brier", h)] = (p["brier"], p["brier_se"]) if np.isfinite(p["brier_se"]) else None
        ok = np.isfinite(p["auc_se"]) and 0 < p["auc"] < 1
        out[key("auc", h)] = (p["auc"], p["auc_se"]) if ok else None
    return out


def label(k: str, unit: str) -> str:
    """The report label of a horizon metric key (``oe_at_12`` -> 'O:E at 12 months (log scale)')."""
    metric, h = k.split("_at_", 1)
    return METRICS[metric].format(h=h, u=unit)


def cohort_estimate(row: Any, metric: str) -> tuple[float, float, float] | None:
    """(estimate, CI low, CI high) of a horizon metric key in a typed cohort row, for the forest plots."""
    hz = getattr(row, "horizon", None)
    if hz is None or hasattr(hz, "reason") or "_at_" not in metric:
        return None
    m, h = metric.split("_at_", 1)
    for p in hz.points:
        if f"{p.time:g}" == h:
            return {"oe": (p.oe, p.oe_lower, p.oe_upper), "brier": (p.brier, p.brier_lower, p.brier_upper),
                    "auc": (p.auc, p.auc_lower, p.auc_upper)}.get(m)
    return None
