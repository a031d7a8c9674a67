"""External validation that transports: every number a reviewer asks for, per validation cohort, and pooled.

The model fitted on the training cohort is applied unchanged to each validation cohort (after the chosen
harmonisation, :mod:`biomark.validation.harmonise`).

* Binary: AUC with its DeLong CI; the ``rms::val.prob`` set (calibration intercept and slope,
  calibration-in-the-large, Brier, Emax/Eavg/E90, Spiegelhalter, the lowess and grouped curves) with the SEs
  of the logistic recalibration (:func:`biomark.stats.update_model`), the Brier score's SE (:func:`brier_se`); O:E = Σy / Σp with SE(log O:E) =
  √((1 − O/n)/O) (Debray et al. 2017); net benefit; the three model updates and the closed test's choice
  (Vergouwe et al. 2017).
* Survival: Harrell's C with its SE; for a fitted Cox model the calibration slope (the coefficient of its
  linear predictor in a Cox model on the cohort, Van Houwelingen 2000); risks at each horizon (O:E and
  Brier at t, AUC(t)) from the training fit (:mod:`biomark.validation.transport_horizon`).
* Pooled over the validation cohorts by REML with the Hartung–Knapp–Sidik–Jonkman adjustment and a
  prediction interval (:func:`biomark.stats.random_effects`): AUC and C on the logit scale, O:E on the log
  scale, calibration slope and calibration-in-the-large as they are (Debray 2017; Snell 2018); at each
  horizon O:E on the log scale, AUC(t) on the logit scale, Brier as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from biomark import stats
from biomark.errors import InputError
from biomark.model.data import score_matrix
from biomark.validation import transport_horizon as th

HORIZON = ("risks at a horizon need the training rows' times and events (external(train_outcome=...)) and the "
           "training cohort's horizons (its 'Risk at the horizon' section)")
_EPS = 1e-12
_GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)
METRIC_LABELS = {"auc": "AUC (logit scale)", "oe": "O:E (log scale)", "slope": "calibration slope",
                 "citl": "calibration-in-the-large", "c": "Harrell's C (logit scale)",
                 "intercept": "calibration intercept (logistic recalibration)", "brier": "Brier score"}


def _na(reason: str) -> dict[str, str]:
    return {"error": reason}


def lp_and_x(fitted: Any, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The fitted model's linear predictor (logit of its probability) and the z-scored markers it uses.

    The z-scores use the training cohort's medians, means and SDs stored in the model: nothing is
    re-estimated on the validation data.
    """
    p = np.clip(fitted.predict_proba(X)[:, 1], _EPS, 1 - _EPS)
    arr = fitted._fill(score_matrix(fitted, X), None)  # noqa: SLF001 - the model's own training medians
    z = (arr - fitted.mean_) / fitted.scale_
    coef = np.asarray(getattr(fitted, "coef_", np.ones(z.shape[1])), dtype=float).ravel()
    keep = coef != 0 if coef.size == z.shape[1] else np.ones(z.shape[1], bool)
    return special.logit(p), z[:, keep], [m for m, k in zip(fitted.markers_, keep, strict=True) if k]


def oe_ratio(y: np.ndarray, p: np.ndarray, ci: float) -> dict[str, Any]:
    """O:E with its CI on the log scale, SE(log O:E) = √((1 − O/n)/O) (Debray et al. 2017, BMJ 356:i6460)."""
    o, e, n = float(y.sum()), float(p.sum()), y.size
    if o == 0:
        raise stats.StatsError("no events: O:E is 0 and its log is undefined")
    se = float(np.sqrt((1 - o / n) / o))
    z = sps.norm.ppf(0.5 + ci / 2)
    oe = o / e
    return {"oe": oe, "ci_low": oe * np.exp(-z * se), "ci_high": oe * np.exp(z * se), "se_log": se,
            "observed": int(o), "expected": e}


def brier_se(y: np.ndarray, p: np.ndarray) -> float:
    """SE of the Brier score as the mean of ``(p - y)^2``: the sample SD (n − 1) of the squared errors over √n.

    The Brier score is a mean of independent terms given the predictions (Bradley, Schwartz & Hashino 2008,
    Weather and Forecasting 23:992); used to pool it across settings as it is.
    """
    e = (np.asarray(p, float) - np.asarray(y, float)) ** 2
    return float(np.std(e, ddof=1) / np.sqrt(e.size))


def _calibration(y: np.ndarray, p: np.ndarray, upd: Any, ci: float, seed: int, curves: bool = True) -> dict[str, Any]:
    try:
        cal = stats.calibration(y, p, extreme="drop").to_dict()
    except stats.StatsError as err:
        return _na(str(err))
    cal["citl_se"] = upd.citl_se if upd is not None else None
    cal["slope_se"] = upd.slope_se if upd is not None else None
    cal["brier_se"] = brier_se(y, p)
    cal["oe"] = oe_ratio(y, p, ci)
    if not curves:
        return cal
    try:
        cc = stats.calibration_curve(y, p, seed=seed, n_boot=100)
        cal["smooth"] = {"x": cc.grid, "y": cc.smooth, "lower": cc.smooth_low, "upper": cc.smooth_high,
                         "band": f"bootstrap percentile ({cc.n_boot} resamples)"}
        cal["binned"] = {"x": cc.bin_predicted, "y": cc.bin_observed, "lower": cc.bin_low, "upper": cc.bin_high,
                         "n": cc.bin_n}
    except stats.StatsError as err:
        cal["curve_error"] = str(err)
    return cal


def update_section(u: Any, markers: list[str]) -> dict[str, Any]:
    """The plain :class:`~biomark.validation.schema_external.ModelUpdateSection` of an update."""
    d = u.to_dict()
    d["revised_coef"] = dict(zip(markers, (float(c) for c in u.revised_coef), strict=True))
    return d


def binary_cohort(name: str, y: np.ndarray, fitted: Any, X: pd.DataFrame, *, ci: float, alpha: float,
                  seed: int, curves: bool = True) -> tuple[dict[str, Any], Any]:
    """One validation cohort of a binary endpoint (see the module docstring); also the raw update.

    ``curves=False`` skips the calibration curves and the decision curve (internal-external CV uses the
    scalar metrics only).
    """
    n, n1 = int(y.size), int(y.sum())
    row: dict[str, Any] = {"name": name, "role": "validation", "n": n, "n_events": n1, "prevalence": n1 / n}
    if n1 == 0 or n1 == n:
        reason = f"cohort '{name}' has one outcome class only ({n1} events in {n}): nothing to discriminate"
        row.update(auc=_na(reason), calibration=_na(reason), net_benefit=_na(reason), update=_na(reason))
        return row, None
    p = fitted.predict_proba(X)[:, 1]
    r = stats.roc_auc(y, p, direction="<", ci=ci)
    row["auc"] = {k: getattr(r, k) for k in ("auc", "se", "ci_low", "ci_high")}
    upd = None
    try:
        lp, z, markers = lp_and_x(fitted, X)
        upd = stats.update_model(y, lp, z, alpha=alpha)
        row["update"] = update_section(upd, markers)
    except stats.StatsError as err:
        row["update"] = _na(str(err))
    row["calibration"] = _calibration(y, p, upd, ci, seed, curves)
    if not curves:
        return row, upd
    try:
        row["net_benefit"] = stats.net_benefit(y, p, _GRID).to_dict()
    except stats.StatsError as err:
        row["net_benefit"] = _na(str(err))
    return row, upd


def survival_cohort(name: str, time: np.ndarray, event: np.ndarray, fitted: Any, X: pd.DataFrame,
                    train: dict[str, Any] | None = None, ci: float = 0.95,
                    warnings: list[str] | None = None) -> dict[str, Any]:
    """One validation cohort of a survival endpoint: Harrell's C, the calibration slope, the numbers at each horizon.

    ``train`` (see :func:`biomark.validation.transport_horizon.horizon_cohort`): the training rows the absolute
    risks come from; without it the horizon section is not assessed. Dropped horizons are appended to ``warnings``.
    """
    n, d = int(time.size), int(event.sum())
    row: dict[str, Any] = {"name": name, "role": "validation", "n": n, "n_events": d, "horizon": _na(HORIZON)}
    if d == 0:
        reason = f"cohort '{name}' has no events: C, the calibration slope and the risks at a horizon are undefined"
        row.update(harrell=_na(reason), calibration_slope=_na(reason), horizon=_na(reason))
        return row
    s = fitted.panel_score(X)
    if train is not None:
        boot = [(s_b, t_b, e_b, np.asarray(m.panel_score(X), float)) for m, s_b, t_b, e_b in train.get("boot_models", ())]
        row["horizon"], w = th.horizon_cohort(name, time, event, s, train, ci, boot=boot or None)
        if warnings is not None:
            warnings.extend(w)
    h = stats.concordance(time, event, s, method="harrell")
    row["harrell"] = {"c": h.c, "se": h.se}
    if getattr(fitted, "method_", None) != "cox":
        row["calibration_slope"] = _na("a fixed rule's score has no scale to calibrate; fit --method cox for a "
                                       "calibration slope")
        return row
    try:
        cs = stats.cox(time, event, pd.DataFrame({"linear_predictor": s}))
        row["calibration_slope"] = {"slope": float(cs.coef[0]), "se": float(cs.se[0])}
    except stats.StatsError as err:
        row["calibration_slope"] = _na(str(err))
    return row


def _estimates(row: dict[str, Any], kind: str) -> dict[str, tuple[float, float] | None]:
    """Per metric (estimate, SE on its own scale) of one cohort row, or None where not assessed."""
    def ok(x: Any) -> bool:
        return isinstance(x, dict) and "error" not in x

    if kind == "binary":
        cal, upd = row.get("calibration"), row.get("update")
        return {"auc": (row["auc"]["auc"], row["auc"]["se"]) if ok(row.get("auc")) else None,
                "oe": (cal["oe"]["oe"], cal["oe"]["se_log"]) if ok(cal) else None,
                "slope": (upd["slope"], upd["slope_se"]) if ok(upd) else None,
                "citl": (upd["citl"], upd["citl_se"]) if ok(upd) else None,
                "intercept": (upd["intercept"], upd["intercept_se"]) if ok(upd) else None,
                "brier": (cal["brier"], cal["brier_se"]) if ok(cal) and cal.get("brier_se") is not None else None}
    cs = row.get("calibration_slope")
    return {"c": (row["harrell"]["c"], row["harrell"]["se"]) if ok(row.get("harrell")) else None,
            "slope": (cs["slope"], cs["se"]) if ok(cs) else None, **th.estimates(row)}


_POOLERS: dict[str, Callable[..., Any]] = {
    "auc": stats.pool_c_statistic, "c": stats.pool_c_statistic, "oe": stats.pool_oe, "slope": stats.pool_slope,
    "citl": stats.pool_slope, "brier": stats.pool_slope, "intercept": stats.pool_slope}


def pool_rows(rows: list[dict[str, Any]], kind: str, ci: float, unit: str = "") -> dict[str, Any]:
    """Each metric pooled over the rows (REML + HKSJ + prediction interval), or why not.

    Horizon metrics (keys ``oe_at_<t>``, ``brier_at_<t>``, ``auc_at_<t>``) are pooled over the cohorts
    that kept that horizon, in the order of the horizons.
    """
    per = [_estimates(r, kind) for r in rows]
    metrics = list(dict.fromkeys(m for e in per for m in e))
    out: dict[str, Any] = {}
    for metric in metrics:
        lab = th.label(metric, unit) if "_at_" in metric else METRIC_LABELS[metric]
        vals = [e[metric] for e in per if e.get(metric) is not None]
        if len(vals) < 2:
            out[metric] = _na(f"needs at least 2 settings with {lab} assessed (has {len(vals)})")
            continue
        est, se = (np.array(v) for v in zip(*vals, strict=True))
        pool = _POOLERS[metric.split("_at_")[0]] if "_at_" in metric else _POOLERS[metric]
        try:
            res = pool(est, se, ci=ci)
        except stats.StatsError as err:
            out[metric] = _na(str(err))
            continue
        out[metric] = {"metric": metric, "label": lab, **res.to_dict()}
    return out


def source(c: Any) -> str:
    """The expression file a cohort was read from (its name when it was built in memory)."""
    return next(iter(c.sources), c.name) if getattr(c, "sources", None) else c.name


def check_markers(c: Any, X: pd.DataFrame, fitted: Any) -> None:
    """Refuse a validation cohort that lacks a marker the model needs (imputing a whole marker would be silent)."""
    absent = [m for m in fitted.markers_ if m not in X.columns or X[m].isna().all()]
    if absent:
        raise InputError(f"{source(c)}: the model needs marker(s) {', '.join(absent)}, which this validation cohort does "
                         "not measure; measure them, or fit the model on the markers every cohort has "
                         "(a spec listing only those)")
