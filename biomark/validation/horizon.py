"""Risk at the horizon for a survival endpoint (issue 17): absolute risk, calibration, Brier/IPA, AUC(t), net benefit.

The absolute risk ``1 - S(t | x)`` comes from a Cox model through the Breslow baseline hazard
(:func:`biomark.stats.cox_risk_at`). A fitted Cox panel model gives it directly; a fixed literature
rule has no baseline hazard, so its score is recalibrated by a one-coefficient Cox regression fitted
on the training rows, ``lp = gamma * score`` (said in the report). The numbers here are apparent
(the model evaluated on the rows it was fitted on).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from biomark import stats
from biomark.errors import InputError
from biomark.validation.parallel import mapper

THRESHOLDS = np.round(np.arange(0.02, 0.61, 0.02), 2)
N_GROUPS = 10


def _nice(x: float) -> float:
    """``x`` rounded to two significant digits (12.3 -> 12, 1234 -> 1200, 0.456 -> 0.46)."""
    if x <= 0:
        return x
    digits = 1 - int(math.floor(math.log10(x)))
    return float(round(x, digits))


def default_horizons(time: np.ndarray) -> list[float]:
    """The 25th, 50th and 75th percentiles of follow-up, rounded to two significant digits, distinct."""
    out: list[float] = []
    for q in (25, 50, 75):
        h = _nice(float(np.percentile(time, q)))
        if h > 0 and (not out or h > out[-1]):
            out.append(h)
    return out


def check_horizons(horizons: Any) -> list[float]:
    """Horizons given by the user as positive, increasing numbers; an InputError saying which is not."""
    try:
        hs = [float(h) for h in horizons]
    except (TypeError, ValueError):
        raise InputError(
            f"horizons must be numbers (in the endpoint's time unit), got {horizons!r}"
        ) from None
    if not hs:
        raise InputError("give at least one horizon, e.g. --horizon 12,36,60")
    for h in hs:
        if not math.isfinite(h) or h <= 0:
            raise InputError(
                f"horizon {h:g} is not a positive time; horizons are times after baseline, e.g. 12,36,60"
            )
    for a, b in zip(hs, hs[1:], strict=False):
        if b <= a:
            raise InputError(
                f"horizons must increase: {a:g} is followed by {b:g}; give them in order, e.g. 12,36,60"
            )
    return hs


def usable(
    hs: list[float], time: np.ndarray, event: np.ndarray, unit: str
) -> tuple[list[float], list[str]]:
    """Keep the horizons at which something can be estimated; a warning for each one dropped, and why."""
    kept, warnings = [], []
    last = float(time.max())
    for h in hs:
        if h >= last:
            why = f"it is at or beyond the last follow-up time ({last:g} {unit}): no one is at risk after it"
        elif not np.any((time <= h) & (event == 1)):
            why = "no event happens by then"
        elif not np.any(time > h):
            why = "no one is still under observation after it"
        else:
            kept.append(h)
            continue
        warnings.append(f"horizon {h:g} {unit} was dropped: {why}")
    return kept, warnings


def _linear_predictor(
    fitted_cox: bool, score: np.ndarray, time: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, str, float | None]:
    if fitted_cox:
        return score, "the fitted Cox panel model (Breslow baseline hazard, Efron ties)", None
    gamma = float(stats.cox(time, event, {"panel_score": score}).coef[0])
    return (
        gamma * score,
        "the fixed rule's score recalibrated by a one-coefficient Cox regression on the training "
        "rows (lp = gamma x score), with its Breslow baseline hazard",
        gamma,
    )


def absolute_risk(
    fitted_cox: bool,
    score: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    horizons: list[float],
    score_new: np.ndarray | None = None,
) -> tuple[Any, np.ndarray, str, float | None]:
    """Predicted risk by each horizon for the rows of ``score_new`` (default: the training rows).

    A fitted Cox panel model's linear predictor ``score`` is used as it is; a fixed rule's score is
    recalibrated by a one-coefficient Cox regression on the training rows (``time``, ``event``). Returns
    the :class:`biomark.stats.horizon.HorizonRisk`, the training linear predictor, a sentence saying where
    the risk comes from, and the recalibration coefficient (None for a fitted Cox model). Refit it on the
    training rows of every resample for resampled estimates.
    """
    lp, source, gamma = _linear_predictor(fitted_cox, score, time, event)
    lp_new = None
    if score_new is not None:
        lp_new = np.asarray(score_new, float) * (1.0 if gamma is None else gamma)
    return stats.cox_risk_at(time, event, lp, horizons, lp_new=lp_new), lp, source, gamma


def _point(
    time: np.ndarray, event: np.ndarray, risk: Any, k: int, h: float, auc: Any, brier: Any
) -> dict[str, Any]:
    """All numbers at one horizon."""
    r, s = risk.risk[:, k], risk.surv[:, k]
    cal = stats.calibration_at(
        time, event, r, h, groups=min(N_GROUPS, max(2, int(event.sum()) // 5)), surv=s
    )
    dc = stats.net_benefit_at(time, event, r, h, THRESHOLDS)
    smooth = stats.calibration_curve_at(
        time, event, r, h, grid=np.linspace(float(r.min()), float(r.max()), 40)
    )
    groups = [
        {
            "n": int(cal.group_n[j]),
            "predicted": float(cal.predicted[j]),
            "observed": float(cal.observed[j]),
            "lower": float(cal.observed_lower[j]),
            "upper": float(cal.observed_upper[j]),
        }
        for j in range(cal.group_n.size)
    ]
    return {
        "time": h,
        "brier": float(brier.brier[k]),
        "brier_se": float(brier.se[k]),
        "brier_null": float(brier.brier_null[k]),
        "ipa": float(brier.ipa[k]),
        "ibs": float(brier.ibs[k]),
        "auc": float(auc.auc[k]),
        "auc_se": float(auc.se[k]),
        "auc_lower": float(auc.lower[k]),
        "auc_upper": float(auc.upper[k]),
        "n_cases": int(auc.n_cases[k]),
        "n_controls": int(auc.n_controls[k]),
        "observed": cal.observed_all,
        "expected": cal.expected_all,
        "oe": cal.oe,
        "oe_lower": cal.oe_lower,
        "oe_upper": cal.oe_upper,
        "slope": cal.slope,
        "slope_se": cal.slope_se,
        "mean_risk": float(r.mean()),
        "groups": groups,
        "smooth": {
            "predicted": smooth.grid.tolist(),
            "observed": smooth.observed.tolist(),
            "method": "lowess (f = 2/3) of jackknife pseudo-observations of 1 - KM(t)",
        },
        "decision": {
            "threshold": dc.threshold.tolist(),
            "model": dc.model.tolist(),
            "treat_all": dc.treat_all.tolist(),
            "n_treated": dc.n_treated.tolist(),
        },
    }


def section(
    fitted_cox: bool,
    score: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    horizons: list[float] | None,
    unit: str,
    ci: float,
    groups: str | list[float] | None = None,
    refit: Callable[[np.ndarray], np.ndarray | None] | None = None,
    B: int = 0,
    seed: int = 0,
    n_jobs: int = 1,
) -> tuple[dict[str, Any], list[str]]:
    """The ``horizon`` section and the warnings for dropped horizons (``groups``: KM by groups of the score).

    ``refit(idx)``: the panel score of every row from the whole model refitted on the rows ``idx``; with
    ``B > 0`` it gives the bootstrap-corrected calibration at each horizon (:func:`corrected_calibration`),
    its resamples run by :func:`biomark.validation.parallel.pmap` with ``n_jobs`` (same numbers for any).
    """
    given = horizons is not None
    hs = check_horizons(horizons) if given else default_horizons(time)
    kept, warnings = usable(hs, time, event, unit)
    if not kept:
        return {"error": "no usable horizon: " + "; ".join(warnings)}, warnings
    risk, lp, source, gamma = absolute_risk(fitted_cox, score, time, event, kept)
    auc = stats.time_dependent_auc(time, event, lp, kept, ci=ci)
    brier = stats.brier_at(time, event, risk.risk, kept, ci=ci)
    points = [_point(time, event, risk, k, h, auc, brier) for k, h in enumerate(kept)]
    if refit is not None and B > 0:
        for p, corr in zip(points, corrected_calibration(fitted_cox, refit, risk.surv, time, event, kept,
                                                          B=B, seed=seed, n_jobs=n_jobs), strict=True):
            p["corrected"] = corr
    return {
        "horizons": kept,
        "time_unit": unit,
        "chosen": "given"
        if given
        else "default: the 25th, 50th and 75th percentiles of follow-up, rounded",
        "risk_source": source,
        "recalibration_coef": gamma,
        "groups_by": "deciles of predicted risk (fewer with few events)",
        "estimate": "apparent",
        "dropped": warnings,
        "points": points,
        "km_groups": km_groups(groups, score, time, event) if groups is not None else None,
    }, warnings


# ------------------------------------------------------------------ bootstrap-corrected calibration at t


def n_corrected_groups(event: np.ndarray) -> int:
    """Groups of predicted risk for the corrected calibration: 10, fewer with few events (5 per group)."""
    return min(N_GROUPS, max(2, int(event.sum()) // 5))


def corrected_calibration(
    fitted_cox: bool,
    refit: Callable[[np.ndarray], np.ndarray | None],
    surv: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    horizons: list[float],
    *,
    B: int,
    seed: int,
    groups: int | None = None,
    n_jobs: int = 1,
) -> list[dict[str, Any]]:
    """Observed vs predicted risk by groups at each horizon, apparent and bootstrap-corrected.

    As ``rms::calibrate(cph, cmethod = "KM", u = t, m = n / g, B)``: groups cut on the apparent predicted
    survival at ``t`` (:func:`biomark.stats.km_cuts`); in each resample the whole model (and a fixed
    rule's Cox recalibration) is refitted, and the optimism of ``KM(t) - mean predicted S(t)`` per group is
    its value on the resample minus its value on the original rows. Corrected observed risk is
    ``1 - (KM(t) - optimism)``. The IPCW Brier score and IPA at ``t`` (:func:`biomark.stats.brier_at`) are
    corrected from the same resamples (Harrell's optimism; the censoring weights are re-estimated on the
    rows each index is computed on). ``groups``: default :func:`n_corrected_groups`. The resamples run
    through :func:`biomark.validation.parallel.pmap` with ``n_jobs`` workers (one seed per resample: the
    same numbers for any ``n_jobs``).
    """
    n, g = time.size, groups or n_corrected_groups(event)
    cuts = [stats.km_cuts(surv[:, k], g) for k in range(len(horizons))]
    sizes = [c.size - 1 for c in cuts]

    def predict(idx: np.ndarray) -> np.ndarray | None:
        try:
            s = refit(idx)
            if s is None:
                return None
            risk, *_ = absolute_risk(fitted_cox, s[idx], time[idx], event[idx], horizons, score_new=s)
            return risk.surv
        except Exception:  # noqa: BLE001 - a resample the model cannot fit counts as failed
            return None

    H = len(horizons)

    def measure(rows: np.ndarray, s: np.ndarray) -> np.ndarray:
        if event[rows].sum() < 5:  # as rms: no calibration from fewer than 5 events
            return np.full(sum(sizes) + 2 * H, np.nan)
        try:  # Brier and IPA at each horizon, then the calibration groups
            b = stats.brier_at(time[rows], event[rows], 1.0 - s, horizons)
            acc = np.r_[b.brier, b.ipa]
        except stats.StatsError:
            acc = np.full(2 * H, np.nan)
        return np.concatenate([acc, *[stats.km_group_calibration(time[rows], event[rows], s[:, k], h, cuts[k])[2]
                                      for k, h in enumerate(horizons)]])

    res = stats.bootstrap_calibration(n, predict, measure, B=B, seed=seed, mapper=mapper(n_jobs))
    out, start = [], 2 * H
    for k, h in enumerate(horizons):
        pred, km, _ = stats.km_group_calibration(time, event, surv[:, k], h, cuts[k])
        sl = slice(start, start + sizes[k])
        start += sizes[k]
        keep = np.flatnonzero(np.isfinite(pred))[::-1]  # increasing predicted risk, as "groups"
        opt = res.optimism[sl]
        out.append({
            "method": f"rms::calibrate(cph, cmethod = 'KM', u = {h:g}, B = {B}): groups of predicted survival, "
                      "Kaplan-Meier per group, Harrell's bootstrap optimism",
            "B": B,
            "n_failed": res.n_failed,
            "predicted": (1.0 - pred[keep]).tolist(),
            "observed": (1.0 - km[keep]).tolist(),
            "optimism": (-opt[keep]).tolist(),
            "observed_corrected": (1.0 - (km - opt)[keep]).tolist(),
            "n_resamples": res.n[sl][keep].tolist(),
            "brier_apparent": float(res.apparent[k]),
            "brier_optimism": float(res.optimism[k]),
            "brier_corrected": float(res.corrected[k]),
            "ipa_apparent": float(res.apparent[H + k]),
            "ipa_optimism": float(res.optimism[H + k]),
            "ipa_corrected": float(res.corrected[H + k]),
        })
    return out


# ------------------------------------------------------------------ Kaplan-Meier by groups of the panel score

GROUP_RULES = ("tertiles", "quartiles", "median", "optimal")


def parse_groups(spec: str) -> str | list[float]:
    """``tertiles|quartiles|median|optimal`` or increasing cut-offs on the panel score ("0.2,0.5")."""
    s = str(spec).strip().lower()
    if s in GROUP_RULES:
        return s
    try:
        cuts = [float(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            f"groups must be one of {', '.join(GROUP_RULES)} or increasing cut-offs of the panel score "
            f"such as 0.2,0.5; got {spec!r}"
        ) from None
    if (
        not cuts
        or any(not math.isfinite(c) for c in cuts)
        or any(b <= a for a, b in zip(cuts, cuts[1:], strict=False))
    ):
        raise InputError(
            f"group cut-offs must be finite and increasing, e.g. 0.2,0.5; got {spec!r}"
        )
    return cuts


def _cuts(
    rule: str | list[float], score: np.ndarray, time: np.ndarray, event: np.ndarray
) -> tuple[list[float], list[str]]:
    """Cut-points on the score (a row is in group j when cuts[j-1] < score <= cuts[j]) and the group labels."""
    if rule == "tertiles":
        return list(np.quantile(score, [1 / 3, 2 / 3])), ["score low", "score middle", "score high"]
    if rule == "quartiles":
        return list(np.quantile(score, [0.25, 0.5, 0.75])), [
            "score Q1 (lowest)",
            "score Q2",
            "score Q3",
            "score Q4 (highest)",
        ]
    if rule == "median":
        return [float(np.median(score))], ["score at or below the median", "score above the median"]
    if rule == "optimal":
        c = float(stats.optimal_cutpoint(time, event, score).cutpoint)
        return [c], [f"score <= {c:.3g} (maxstat cut-point)", f"score > {c:.3g}"]
    cuts = list(rule)
    edges = [f"{c:g}" for c in cuts]
    labels = [f"score <= {edges[0]}"] + [
        f"score {a}-{b}" for a, b in zip(edges, edges[1:], strict=False)
    ]
    return cuts, [*labels, f"score > {edges[-1]}"]


def km_groups(
    rule: str | list[float],
    score: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    max_points: int = 300,
) -> dict[str, Any]:
    """Kaplan-Meier curve (log CI) of each group of the panel score, labelled by what the group is."""
    cuts, labels = _cuts(rule, score, time, event)
    g = np.searchsorted(np.asarray(cuts, float), score, side="left")
    out = []
    for j, lab in enumerate(labels):
        sel = g == j
        if not sel.any():
            out.append(
                {
                    "label": lab,
                    "n": 0,
                    "events": 0,
                    "time": [],
                    "surv": [],
                    "lower": [],
                    "upper": [],
                }
            )
            continue
        km = stats.kaplan_meier(time[sel], event[sel])
        keep = np.arange(km.time.size)
        if keep.size > max_points:
            keep = np.unique(
                np.r_[np.linspace(0, keep.size - 1, max_points).astype(int), keep.size - 1]
            )
        out.append(
            {
                "label": lab,
                "n": int(sel.sum()),
                "events": int(event[sel].sum()),
                **{
                    k: np.asarray(getattr(km, k), float)[keep].tolist()
                    for k in ("time", "surv", "lower", "upper")
                },
            }
        )
    rule_text = rule if isinstance(rule, str) else "cut-offs " + ",".join(f"{c:g}" for c in rule)
    return {"rule": rule_text, "cuts": [float(c) for c in cuts], "groups": out}
