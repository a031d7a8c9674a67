"""``biomark panels list|show|check``."""

from __future__ import annotations

import json
import textwrap

import click

from biomark.cli._common import echo_safe as _echo
from biomark.errors import BiomarkError, SpecError
from biomark.panel import all_spec_errors, list_panels, load_panel
from biomark.panel.schema import Panel


@click.group()
def panels() -> None:
    """The panel catalog: list, show and check panel specs."""


def _summary(p: Panel) -> dict:
    return {
        "id": p.id,
        "title": p.title,
        "cancer_type": p.cancer_type,
        "specimen": p.specimen,
        "compartment": p.compartment,
        "assay": p.assay,
        "endpoints": [f"{e.id}:{e.kind}" for e in p.endpoints],
        "markers": p.marker_ids,
        "n_evidence": len(p.evidence),
        "n_conflicts": len(p.conflicts),
    }


@panels.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table.")
def list_cmd(as_json: bool) -> None:
    """List every panel of the built-in catalog."""
    rows = [_summary(p) for p in list_panels()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    headers = ("id", "cancer", "specimen", "assay", "endpoints", "markers")
    table = [
        (r["id"], _clip(r["cancer_type"], 28), r["specimen"], r["assay"],
         ",".join(e.split(":")[0] for e in r["endpoints"]), _clip(", ".join(r["markers"]), 48))
        for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(headers)]
    _echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    _echo("  ".join("-" * w for w in widths))
    for t in table:
        _echo("  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip())
    _echo(f"\n{len(rows)} panels. 'biomark panels show ID' for markers, directions and evidence.")


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


@panels.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the whole validated spec as JSON.")
def show_cmd(name: str, as_json: bool) -> None:
    """Show one panel: markers, expected directions, evidence and conflicts.

    NAME is a catalog id (see 'biomark panels list') or the path of a spec file.
    """
    p = load_panel(name)
    if as_json:
        click.echo(json.dumps(p.model_dump(mode="json"), indent=2))
        return
    w = textwrap.TextWrapper(width=96, initial_indent="    ", subsequent_indent="    ")
    _echo(f"{p.id}: {p.title}")
    _echo(f"  cancer: {p.cancer_type}   specimen: {p.specimen}   compartment: {p.compartment}   assay: {p.assay}")
    _echo("  endpoints:")
    for e in p.endpoints:
        extra = ""
        if e.kind == "binary":
            extra = f" (positive class: {e.positive_class})"
        elif e.kind == "survival":
            extra = f" (event: {e.event}; time in {e.time_unit})"
        elif e.kind == "change":
            extra = f" ({e.pre} -> {e.post})"
        elif e.kind == "dose":
            extra = f" (dose in {e.unit})"
        _echo(f"    {e.id}: {e.kind}{extra}")
    _echo("  markers:")
    for m in p.markers:
        dirs = ", ".join(f"{k}={v if v is not None else 'unset'}" for k, v in m.direction.items()) or "no direction"
        alias = f" [aliases: {', '.join(m.aliases)}]" if m.aliases else ""
        _echo(f"    {m.id} ({m.type}){alias}: {dirs}")
    if p.reference_markers:
        _echo("  reference markers: " + ", ".join(r.id for r in p.reference_markers))
    sc = p.scoring
    rule = sc.rule
    if sc.rule == "boolean":
        rule += f" ({f' {sc.combine} '.join(f'{c.marker} {c.level}' for c in sc.conditions)})"
    _echo(f"  scoring: {rule}")
    _echo("  evidence:")
    for ev in p.evidence:
        _echo(f"    [{ev.reference}] {ev.seed} ({ev.level}{', ' + ev.location if ev.location else ''}):")
        _echo(w.fill(f'"{ev.sentence}"'))
    if p.conflicts:
        _echo("  conflicts:")
        for c in p.conflicts:
            _echo(w.fill(f"{c.marker}: {c.description}"))
    if p.notes:
        _echo("  notes:")
        _echo(w.fill(p.notes))


@panels.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def check_cmd(file: str) -> None:
    """Validate a panel spec file of your own: exit 0 when valid, else exit 2 with the problem."""
    problems = all_spec_errors(file)
    if problems:
        for extra in problems[1:]:
            _echo(f"  also: {extra}", err=True)
        raise SpecError(problems[0] + (f" (and {len(problems) - 1} more problems listed above)" if len(problems) > 1 else ""))
    p = load_panel(file)
    _echo(f"ok: {file}: panel '{p.id}' with {len(p.markers)} markers, {len(p.endpoints)} endpoints, "
               f"{len(p.evidence)} evidence entries")


@panels.command("ledger")
@click.argument("marker", required=False)
@click.option("--panels", "panels_dir", type=click.Path(file_okay=False),
              help="Add the specs in this folder to the catalog's.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table.")
def ledger_cmd(marker: str | None, panels_dir: str | None, as_json: bool) -> None:
    """Every direction claimed for each marker across specs; contradictions between specs flagged."""
    import json
    from dataclasses import asdict

    from biomark.cli.screen import _panels_from
    from biomark.panel.catalog import list_panels
    from biomark.panel.ledger import contradictions, ledger

    entries = ledger([*list_panels(), *(_panels_from(panels_dir) or [])], marker)
    if marker and not entries:
        raise BiomarkError(f"marker '{marker}': no spec claims a direction for it; see 'biomark panels list'")
    bad = contradictions(entries)
    if as_json:
        _echo(json.dumps({"entries": [asdict(e) for e in entries],
                              "contradictions": [asdict(c) for c in bad]}, indent=2))
        return
    for e in entries:
        d = e.direction or ("unset (conflict recorded)" if e.conflict else "unset")
        _echo(f"{e.marker:12s} {e.panel_id:38s} {e.endpoint} ({e.kind}): {d}  [{e.evidence_level}] "
                  f"{_clip(e.sentence, 90)}")
    for c in bad:
        _echo(f"CONTRADICTION {c.marker} on {c.axis}: up/risk in {', '.join(c.up)}; "
                  f"down/protective in {', '.join(c.down)}")
    if not bad:
        _echo("no contradictions between specs")
