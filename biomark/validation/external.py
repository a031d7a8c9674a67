"""External validation: the model fitted on the first cohort applied to each of the others.

Two views of the same predictions:

* ``cohorts`` / ``meta`` (kept as they were): binary endpoints, the AUC (DeLong) of the fitted
  probabilities in every cohort, pooled on the logit scale; survival endpoints, the HR per SD of the panel
  score and Harrell's C in every cohort, the log-HR pooled (DerSimonian–Laird, :mod:`biomark.stats.meta`).
  For a fitted Cox model the calibration slope on new data is the coefficient of its linear predictor in a
  Cox model on the validation cohort (Van Houwelingen 2000); 1 = well calibrated.
* ``external`` (:mod:`biomark.validation.transport`): per validation cohort the full ``val.prob`` set, O:E,
  net benefit and the closed-test model update (binary), C with SE and calibration slope (survival); every
  metric pooled over the validation cohorts by REML + HKSJ with a prediction interval; the harmonisation
  used and its batch diagnostics. The model update fitted on all validation rows together is returned for
  ``--update-model``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from biomark import stats
from biomark.cohort import Cohort
from biomark.stats.meta import pool_auc, pool_log_hr
from biomark.validation import harmonise as harm
from biomark.validation import transport
from biomark.validation.survival import cox_section

_COX_KEYS = ("coef", "se", "hr", "hr_ci_low", "hr_ci_high", "p")
_AUC_KEYS = ("auc", "se", "ci_low", "ci_high")
UPDATE_ALPHA = 0.05  # level of each likelihood-ratio test of the closed testing procedure


@dataclass
class ExternalOutcome:
    """What the external stage produced: the legacy rows and pooled AUC/log-HR, the typed section, the update."""

    rows: list[dict[str, Any]]
    meta: dict[str, Any] | None
    section: dict[str, Any] | None
    updated_model: Any = None
    warnings: list[str] | None = None


def external(cohorts: Sequence[Cohort], levels: Callable[[Cohort], pd.DataFrame], ep: Any, fitted: Any,
             data: dict[str, Any], outcome: str | None, time: str | None, event: str | None,
             ci: float, *, train_X: pd.DataFrame | None = None, harmonise: str = "none",
             seed: int = 0, train_outcome: dict[str, np.ndarray] | None = None,
             oe_bootstrap: int = 0) -> ExternalOutcome:
    """Rows per cohort (the first is the training cohort), the pooled estimates and the typed section.

    ``train_outcome`` (survival): the training rows' ``time`` and ``event`` (aligned with ``train_X``), from
    which the absolute risks at the training horizons are predicted for each validation cohort;
    ``oe_bootstrap``: refits of the training fit for the O:E CI with its uncertainty (:func:`train_horizons`).
    """
    if ep.kind not in ("binary", "survival"):
        return ExternalOutcome([], None, None)
    vals = []  # (cohort, outcome, harmonised matrix)
    for c in cohorts[1:]:
        X = levels(c)
        transport.check_markers(c, X, fitted)
        o = (c.outcome(outcome, positive_class=ep.positive_class, candidates=_candidates(ep)) if ep.kind == "binary"
             else c.survival(time, event, endpoint_id=ep.id))
        vals.append((c, o, X[o.present]))
    ref = train_X if train_X is not None else levels(cohorts[0])
    ref = ref.reindex(columns=list(fitted.markers_))
    before = [x.reindex(columns=ref.columns) for _, _, x in vals]
    notes: list[str] = []
    after = harm.harmonise(harmonise, ref, [(c.name, x) for (c, _, _), x in zip(vals, before, strict=True)], notes)
    vals = [(c, o, x) for (c, o, _), x in zip(vals, after, strict=True)]
    hs = {"method": harmonise, "reference": cohorts[0].name, "assumption": harm.ASSUMPTION[harmonise]}
    names = [cohorts[0].name] + [c.name for c, _, _ in vals]
    hs["diagnostics"] = harm.diagnostics(names, [ref, *before], [ref, *after])
    if notes:
        hs["fallback"] = notes[0]
    if ep.kind == "binary":
        out = _binary(cohorts, vals, fitted, data["binary"], ci, seed, hs)
    else:
        train = train_horizons(fitted, data["survival"], train_X, train_outcome, boot=oe_bootstrap, seed=seed)
        out = _survival(cohorts, vals, fitted, data["survival"], ci, hs, train)
    out.warnings = notes + (out.warnings or [])
    return out


def train_horizons(fitted: Any, sv: dict[str, Any], train_X: pd.DataFrame | None,
                   o: dict[str, np.ndarray] | None, boot: int = 0, seed: int = 0) -> dict[str, Any] | None:
    """The training rows and horizons the validation cohorts' absolute risks come from (None: not available).

    ``boot`` > 0: also ``boot_models``, the model refitted (a clone of ``fitted``, preprocessing included) on
    ``boot`` bootstrap resamples of the training rows drawn from ``seed``, each with its resampled rows' score,
    time and event; a resample the model cannot be fitted on is left out (the section counts the refits used).
    """
    hz = sv.get("horizon")
    if o is None or train_X is None or not isinstance(hz, dict):
        return None
    if "error" in hz:  # every training horizon dropped: each validation cohort says so
        return {"horizons": [], "unit": sv.get("time_unit") or ""}
    out = {"time": np.asarray(o["time"], float), "event": np.asarray(o["event"], int),
           "score": np.asarray(fitted.panel_score(train_X), float),
           "fitted_cox": getattr(fitted, "method_", None) == "cox", "horizons": list(hz["horizons"]),
           "unit": hz.get("time_unit") or sv.get("time_unit") or ""}
    if boot:
        out["boot_models"] = _boot_models(fitted, train_X, out["time"], out["event"], boot, seed)
    return out


def _boot_models(fitted: Any, X: pd.DataFrame, time: np.ndarray, event: np.ndarray, B: int,
                 seed: int) -> list[tuple[Any, np.ndarray, np.ndarray, np.ndarray]]:
    """(refit, its score of the resampled rows, their time, their event) for B bootstrap resamples."""
    from sklearn.base import clone

    rng = np.random.default_rng([int(seed), 18, 1])  # one stream for the O:E bootstrap, apart from the others
    n, out = len(time), []
    for _ in range(B):
        i = rng.integers(0, n, n)
        Xb, tb, eb = X.iloc[i], time[i], event[i]
        try:
            m = clone(fitted)
            m = m.fit(Xb, np.column_stack([tb, eb])) if getattr(fitted, "method_", None) == "cox" else m.fit(Xb)
            out.append((m, np.asarray(m.panel_score(Xb), float), tb, eb))
        except (stats.StatsError, ValueError):
            continue
    return out


def _binary(cohorts, vals, fitted, b, ci, seed, hs) -> ExternalOutcome:
    r0 = b["roc"]
    rows = [{"name": cohorts[0].name, "role": "training (cross-validated)", "n": b["n"],
             "auc": {k: r0[k] for k in _AUC_KEYS}}]
    ext_rows, stacked = [], []
    for c, o, X in vals:
        p = fitted.predict_proba(X)[:, 1]
        r = stats.roc_auc(o.y, p, direction="<", ci=ci)
        rows.append({"name": c.name, "role": "validation", "n": int(o.present.sum()),
                     "auc": {k: getattr(r, k) for k in _AUC_KEYS}})
        row, _ = transport.binary_cohort(c.name, o.y, fitted, X, ci=ci, alpha=UPDATE_ALPHA, seed=seed)
        ext_rows.append(row)
        stacked.append((o.y, X))
    m = pool_auc([r["auc"]["auc"] for r in rows], [r["auc"]["se"] for r in rows], ci=ci)
    section = {"kind": "binary", "cohorts": ext_rows, "pooled": transport.pool_rows(ext_rows, "binary", ci),
               "harmonisation": hs}
    updated, on = _update(fitted, stacked, [c.name for c, _, _ in vals])
    section["update_on"] = on
    return ExternalOutcome(rows, {"auc": m.to_dict()}, section, updated)


def _update(fitted: Any, stacked: list[tuple[np.ndarray, pd.DataFrame]], names: list[str]) -> tuple[Any, str | None]:
    """The closed-test update on every validation row together, as a fitted model (None where impossible)."""
    if getattr(fitted, "method_", None) not in ("logistic", "signed_z", "weights"):
        return None, None
    from biomark.model.updated import apply_update

    y = np.concatenate([s[0] for s in stacked])
    parts = [transport.lp_and_x(fitted, X) for _, X in stacked]
    lp, z, markers = np.concatenate([p[0] for p in parts]), np.vstack([p[1] for p in parts]), parts[0][2]
    on = f"the {y.size} samples of {', '.join(names)}" + (" together" if len(names) > 1 else "")
    try:
        u = stats.update_model(y, lp, z, alpha=UPDATE_ALPHA)
    except stats.StatsError as err:
        return None, f"not updated: {err}"
    return apply_update(fitted, u, markers, note=on), f"{on}: {u.chosen.replace('_', ' ')}"


def _survival(cohorts, vals, fitted, sv, ci, hs, train=None) -> ExternalOutcome:
    t0 = sv["cox"]["terms"][0]
    is_cox = getattr(fitted, "method_", None) == "cox"
    rows = [{"name": cohorts[0].name, "role": "training (apparent)", "n": sv["n"],
             "cox": {k: t0[k] for k in _COX_KEYS}, "harrell": {k: sv["harrell"][k] for k in ("c", "se")},
             "calibration_slope": {"slope": sv["calibration_slope"], "se": None} if is_cox else None}]
    ext_rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for c, o, X in vals:
        s = fitted.panel_score(X)
        z = (s - s.mean()) / s.std(ddof=1)
        r = cox_section(stats.cox(o.time, o.event, pd.DataFrame({"panel_score_per_sd": z})))["terms"][0]
        h = stats.concordance(o.time, o.event, s, method="harrell")
        row = {"name": c.name, "role": "validation", "n": int(o.present.sum()),
               "cox": {k: r[k] for k in _COX_KEYS}, "harrell": {"c": h.c, "se": h.se}, "calibration_slope": None}
        if is_cox:
            cs = stats.cox(o.time, o.event, pd.DataFrame({"linear_predictor": s}))
            row["calibration_slope"] = {"slope": float(cs.coef[0]), "se": float(cs.se[0])}
        rows.append(row)
        ext_rows.append(transport.survival_cohort(c.name, o.time, o.event, fitted, X, train, ci, warnings))
    m = pool_log_hr([r["cox"]["coef"] for r in rows], [r["cox"]["se"] for r in rows], ci=ci)
    unit = train["unit"] if train is not None else ""
    section = {"kind": "survival", "cohorts": ext_rows, "pooled": transport.pool_rows(ext_rows, "survival", ci, unit),
               "harmonisation": hs}
    return ExternalOutcome(rows, {"log_hr": m.to_dict()}, section, warnings=warnings)


def _candidates(ep: Any) -> tuple[str, ...]:
    """Clinical columns tried, in order, when no outcome column is named."""
    return (ep.id, "outcome", "response", "class", "group")
