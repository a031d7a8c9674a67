"""Transportability checks, shown at the top of the report before any number is trusted.

* ``specimen`` / ``compartment``: a clinical column ``specimen`` (or ``sample_type``, ``tissue``) or
  ``compartment`` whose values differ from the spec's (a serum exosomal panel applied to tissue arrays).
* ``assay``: the cohort was read as another assay than the spec's.
* ``ct_as_log2``: values read as log2 expression whose range is that of raw qPCR Ct (5th percentile above
  12, median between 18 and 40, maximum at most 45; log2 intensities and log2 CPM sit well below): a Ct
  falls as expression rises, so every direction would be reversed.
* ``all_contradict``: every marker with a direction goes against the literature at once (at least 2, none
  agreeing, at least one significantly): one cause is more likely than many: raw Ct read as log2, or the
  outcome labels swapped (the positive class coded the other way).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SPECIMEN_COLS = ("specimen", "sample_type", "tissue")
_COMPARTMENT_COLS = ("compartment",)


def _norm(v: Any) -> str:
    return str(v).strip().lower().replace(" ", "_").replace("-", "_")


def _column_mismatch(c: Any, cols: tuple[str, ...], expected: str, what: str) -> list[dict[str, str]]:
    if c.clinical is None:
        return []
    by_lower = {str(k).lower(): k for k in c.clinical.columns}
    for name in cols:
        if name in by_lower:
            vals = c.clinical[by_lower[name]].dropna().map(_norm)
            other = sorted(set(vals) - {_norm(expected)})
            if other:
                n = int(vals.isin(other).sum())
                return [{"check": what, "message": f"{c.name}: the spec's {what} is '{expected}', but clinical column "
                         f"'{by_lower[name]}' says {', '.join(other[:4])} for {n} of {vals.size} samples: a panel "
                         "measured in another specimen may not transport"}]
    return []


def looks_like_ct(values: np.ndarray) -> bool:
    """Whether finite values have the range of raw qPCR Ct (see the module docstring)."""
    v = values[np.isfinite(values)]
    if v.size < 10:
        return False
    q5, med, mx = np.quantile(v, 0.05), np.median(v), v.max()
    return bool(q5 > 12 and 18 <= med <= 40 and mx <= 45)


def _ct_check(c: Any, markers: list[str]) -> list[dict[str, str]]:
    if c.assay != "log2_expression":
        return []
    cols = [m for m in markers if m in c.expression.columns]
    if not cols:
        return []
    vals = c.expression[cols].to_numpy(float).ravel()
    if not looks_like_ct(vals):
        return []
    med = float(np.nanmedian(vals))
    return [{"check": "ct_as_log2", "message": f"{c.name}: the values were read as log2 expression but look like raw "
             f"qPCR Ct (median {med:.1f}, all within 12-45); a Ct falls as expression rises, so every direction "
             "would be reversed: use a spec whose assay is qpcr_ct (with its reference markers), so that Ct values "
             "are turned into -ΔCt before any direction is judged"}]


def _all_contradict(direction: dict[str, Any], cts: bool, kind: str) -> list[dict[str, str]]:
    eff = [e for e in direction.get("effects") or [] if e.get("expected") and e.get("status") != "not_estimable"]
    if len(eff) < 2 or any(e.get("agrees") for e in eff) or not any(e.get("status") == "contradicting" for e in eff):
        return []
    cause = ("the values look like raw Ct read as log2 (see above)" if cts else
             "a raw Ct file read as log2 expression (Ct falls as expression rises), or "
             + ("swapped outcome labels (the positive class coded the other way)" if kind == "binary"
                else "an event indicator coded the other way (1 = censored)"))
    return [{"check": "all_contradict", "message": f"every one of the {len(eff)} markers with a direction goes against "
             f"the literature at once; one cause is likelier than {len(eff)} failed replications: {cause}"}]


def transport_checks(panel: Any, endpoint: Any, cohorts: list[Any], direction: dict[str, Any]) -> list[dict[str, str]]:
    """Every transportability problem found in the cohorts (empty list when none)."""
    out: list[dict[str, str]] = []
    markers = [m.id for m in panel.markers]
    for c in cohorts:
        out += _column_mismatch(c, _SPECIMEN_COLS, panel.specimen, "specimen")
        out += _column_mismatch(c, _COMPARTMENT_COLS, panel.compartment, "compartment")
        if c.assay != panel.assay:
            out.append({"check": "assay", "message": f"{c.name}: read as assay '{c.assay}' but the spec's assay is "
                        f"'{panel.assay}'; directions are judged on the converted levels"})
        out += _ct_check(c, markers)
    cts = any(o["check"] == "ct_as_log2" for o in out)
    return out + _all_contradict(direction, cts, endpoint.kind)
