"""A full validation report for each claim of a screen, written beside the screening report.

For every tested claim, :func:`biomark.validate` runs the panel on the cohort with the fixed literature
rule (``method="signed_z"``: as published, nothing fitted), modest resampling (by default 5-fold CV x 2
repeats, 50 optimism bootstraps, no permutations) and the claim's own seed (``Claim.seed``, from the
screen's root seed and the claim's panel and endpoint ids), so each report is reproducible on its own
and none depends on the order or the number of workers. Its HTML and JSON are returned as text (the
caller writes every file at the end, so an error leaves nothing half-written), named
``report_<panel>_<endpoint>.html`` / ``.json``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from biomark.errors import BiomarkError
from biomark.validation.schema_screen import Claim, ScreenResult

__all__ = ["CLAIM_REPORT_SETTINGS", "claim_report_name", "claim_reports"]

CLAIM_REPORT_SETTINGS: dict[str, Any] = {"method": "signed_z", "cv": (5, 2), "bootstrap": 50, "permutations": 0}


def claim_report_name(panel_id: str, endpoint: str, taken: set[str] | None = None) -> str:
    """``report_<panel>_<endpoint>.html``, with anything but ``[A-Za-z0-9_-]`` in the endpoint id replaced
    (a spec's endpoint id is free text) and a number appended when two claims would share a name.

    >>> claim_report_name("npc_x", "radio resistance/<b>")
    'report_npc_x_radio_resistance__b_.html'
    """
    stem = "report_" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{panel_id}_{endpoint}")[:120]
    name, k = f"{stem}.html", 2
    while taken is not None and name in taken:
        name, k = f"{stem}_{k}.html", k + 1
    if taken is not None:
        taken.add(name)
    return name


def _one(claim: Claim, panel: Any, cohort: Any, settings: Mapping[str, Any], n_jobs: int,
         scheduler: Any) -> Any:
    import biomark

    # the cohort's columns under the panel's marker ids (the screen matched aliases; validate reads ids)
    rename = {m.column: m.marker for m in claim.marker_effects if m.column != m.marker}
    if rename:
        cohort = dataclasses.replace(cohort, expression=cohort.expression.rename(columns=rename))
    kw: dict[str, Any] = dict(settings)
    if claim.kind == "survival":
        kw["time"], kw["event"] = claim.column.split(",")
    else:
        kw["outcome"] = claim.column
    return biomark.validate(panel, cohort, endpoint=claim.endpoint, seed=claim.seed, n_jobs=n_jobs,
                            scheduler=scheduler, **kw)


def claim_reports(result: ScreenResult, cohort: Any, panels: Sequence[Any], *,
                  settings: Mapping[str, Any] | None = None, n_jobs: int = 1,
                  scheduler: Any = None) -> tuple[ScreenResult, dict[str, str], list[str]]:
    """Validate each claim of ``result`` on ``cohort``; returns the result with ``Claim.report`` set, the
    files to write (name -> text: the HTML report and its results JSON) and warnings for claims whose
    validation could not run (their row then has no link)."""
    from biomark.report import render_html

    by_id = {p.id: p for p in panels}
    settings = {**CLAIM_REPORT_SETTINGS, **(settings or {})}
    files: dict[str, str] = {}
    warnings: list[str] = []
    taken: set[str] = set()
    claims = []
    for c in result.claims:
        name = claim_report_name(c.panel_id, c.endpoint, taken)
        try:
            res = _one(c, by_id[c.panel_id], cohort, settings, n_jobs, scheduler)
        except (BiomarkError, ValueError, ArithmeticError) as err:
            warnings.append(f"{c.panel_id}/{c.endpoint}: no validation report ({str(err).splitlines()[0]})")
            claims.append(c)
            continue
        files[name] = render_html(res)
        files[name[: -len(".html")] + ".json"] = res.to_json()
        claims.append(dataclasses.replace(c, report=name))
    settings_out = {**result.settings, "claim_reports": {k: list(v) if isinstance(v, tuple) else v
                                                         for k, v in settings.items()}}
    out = dataclasses.replace(result, claims=tuple(claims), settings=settings_out,
                              warnings=(*result.warnings, *warnings))
    return out, files, warnings
