"""External validation: the model fitted on the first cohort applied to each of the others.

Binary endpoints: the AUC (DeLong) of the fitted probabilities in every cohort, pooled on the logit
scale; survival endpoints: the HR per SD of the panel score and Harrell's C in every cohort, the
log-HR pooled (DerSimonian–Laird random effects, :mod:`biomark.stats.meta`). For a fitted Cox model
the calibration slope on new data is the coefficient of its linear predictor in a Cox model on the
validation cohort (Van Houwelingen 2000); 1 = well calibrated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from biomark import stats
from biomark.cohort import Cohort
from biomark.stats.meta import pool_auc, pool_log_hr
from biomark.validation.survival import cox_section

_COX_KEYS = ("coef", "se", "hr", "hr_ci_low", "hr_ci_high", "p")
_AUC_KEYS = ("auc", "se", "ci_low", "ci_high")


def external(cohorts: Sequence[Cohort], levels: Callable[[Cohort], pd.DataFrame], ep: Any, fitted: Any,
             data: dict[str, Any], outcome: str | None, time: str | None, event: str | None,
             ci: float) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows per cohort (the first is the training cohort) and the pooled estimate."""
    if ep.kind == "binary":
        return _binary(cohorts, levels, ep, fitted, data["binary"], outcome, ci)
    if ep.kind == "survival":
        return _survival(cohorts, levels, ep, fitted, data["survival"], time, event, ci)
    return [], None


def _binary(cohorts, levels, ep, fitted, b, outcome, ci):
    r0 = b["roc"]
    rows = [{"name": cohorts[0].name, "role": "training (cross-validated)", "n": b["n"],
             "auc": {k: r0[k] for k in _AUC_KEYS}}]
    for c in cohorts[1:]:
        o = c.outcome(outcome, positive_class=ep.positive_class, candidates=_candidates(ep))
        p = fitted.predict_proba(levels(c)[o.present])[:, 1]
        r = stats.roc_auc(o.y, p, direction="<", ci=ci)
        rows.append({"name": c.name, "role": "validation", "n": int(o.present.sum()),
                     "auc": {k: getattr(r, k) for k in _AUC_KEYS}})
    m = pool_auc([r["auc"]["auc"] for r in rows], [r["auc"]["se"] for r in rows], ci=ci)
    return rows, {"auc": m.to_dict()}


def _survival(cohorts, levels, ep, fitted, sv, time, event, ci):
    t0 = sv["cox"]["terms"][0]
    is_cox = getattr(fitted, "method_", None) == "cox"
    rows = [{"name": cohorts[0].name, "role": "training (apparent)", "n": sv["n"],
             "cox": {k: t0[k] for k in _COX_KEYS}, "harrell": {k: sv["harrell"][k] for k in ("c", "se")},
             "calibration_slope": {"slope": sv["calibration_slope"], "se": None} if is_cox else None}]
    for c in cohorts[1:]:
        o = c.survival(time, event, endpoint_id=ep.id)
        s = fitted.panel_score(levels(c)[o.present])
        z = (s - s.mean()) / s.std(ddof=1)
        r = cox_section(stats.cox(o.time, o.event, pd.DataFrame({"panel_score_per_sd": z})))["terms"][0]
        h = stats.concordance(o.time, o.event, s, method="harrell")
        row = {"name": c.name, "role": "validation", "n": int(o.present.sum()),
               "cox": {k: r[k] for k in _COX_KEYS}, "harrell": {"c": h.c, "se": h.se}, "calibration_slope": None}
        if is_cox:
            cs = stats.cox(o.time, o.event, pd.DataFrame({"linear_predictor": s}))
            row["calibration_slope"] = {"slope": float(cs.coef[0]), "se": float(cs.se[0])}
        rows.append(row)
    m = pool_log_hr([r["cox"]["coef"] for r in rows], [r["cox"]["se"] for r in rows], ci=ci)
    return rows, {"log_hr": m.to_dict()}


def _candidates(ep: Any) -> tuple[str, ...]:
    """Clinical columns tried, in order, when no outcome column is named."""
    return (ep.id, "outcome", "response", "class", "group")
