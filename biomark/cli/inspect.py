"""``biomark inspect``: what biomark would read from a file, before ``validate``."""

from __future__ import annotations

from typing import Any

import click

from biomark.cli._common import term_safe
from biomark.cli._format_options import format_options

_SHOWN_VALUES = 6


@click.command("inspect")
@format_options
@click.argument("file", type=click.Path())
@click.option("--clinical", type=click.Path(dir_okay=False), help="Clinical file joined on sample id.")
@click.option("--panel", "panel_name", help="Catalog id or spec path: show how each marker is found.")
@click.option("--assay", type=click.Choice(["qpcr_ct", "log2_expression", "counts", "intensity", "ihc_score"]),
              help="Assay of the values [the panel's, else log2_expression].")
@click.option("--samples-as", type=click.Choice(["auto", "rows", "columns"]), default="auto", show_default=True)
@click.option("--id-column", help="Header of the sample-id (or marker-name) column [first column].")
@click.option("--clinical-id-column", help="Header of the clinical file's sample-id column.")
def inspect(file, clinical, panel_name, assay, samples_as, id_column, clinical_id_column, formats) -> None:
    """Show what biomark reads from FILE: format, orientation, the panel's markers, clinical columns.

    \b
    Example:
      biomark inspect GDS507.soft.gz --panel my_panel.yaml --annotation GPL97.annot.gz
    """
    import biomark
    from biomark.io.public import read_any

    panel = biomark.load_panel(panel_name) if panel_name else None
    kw: dict[str, Any] = {"assay": assay, "samples_as": samples_as, "id_column": id_column}
    if clinical_id_column:
        kw["clinical_id_column"] = clinical_id_column
    cohort = read_any(file, clinical, panel=panel, **formats, **kw)
    for line in describe(cohort, panel):
        click.echo(term_safe(line))


def describe(cohort: Any, panel: Any) -> list[str]:
    """The lines ``biomark inspect`` prints for a read cohort."""
    qc = cohort.qc
    out = [f"format: {qc.get('format', 'table')}",
           f"orientation: samples as {qc.get('orientation', 'rows')}; {cohort.n_samples} samples, "
           f"{len(cohort.markers)} feature(s) kept; assay {cohort.assay}"]
    ann = qc.get("annotation")
    if ann:
        out.append(f"annotation: {ann['source']}; several probes: {ann['collapse']}")
    if panel is not None:
        out.append(f"panel {panel.id}: {len(panel.markers) - len(cohort.missing_markers)} of {len(panel.markers)} "
                   "markers found")
        matched = {v.get("marker"): (f, v) for f, v in qc.get("matched", {}).items()}
        for m in [*panel.marker_ids, *(r.id for r in panel.reference_markers)]:
            if m in matched:
                f, v = matched[m]
                probes = v.get("probes")
                src = f"probes {', '.join(probes)}" if probes else f"'{f}'"
                out.append(f"  {m}: {src} ({v.get('how') or 'exact'})")
            elif m in panel.marker_ids:
                out.append(f"  {m}: not found")
    clin = cohort.clinical
    if clin is not None:
        out.append(f"clinical: {len(clin.columns)} column(s), {len(clin)} sample(s) joined")
        out += [f"  {line}" for line in (_column(clin[c], c) for c in clin.columns)]
        from biomark.io.cbioportal import SURVIVAL_COLUMNS

        for t, e in SURVIVAL_COLUMNS.items():
            if t in clin.columns and e in clin.columns:
                out.append(f"survival columns (cBioPortal): --time {t} --event {e}")
    out += [f"warning: {w}" for w in cohort.warnings]
    return out


def _column(s: Any, name: str) -> str:
    import pandas as pd

    from biomark.io.cells import NA_TOKENS

    text = s.astype(object).map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    missing = text.isna() | text.str.casefold().isin({t.casefold() for t in NA_TOKENS} | {""})
    kept = text[~missing]
    numeric = (len(kept) > 0 and bool(pd.to_numeric(kept, errors="coerce").notna().all())
               and not kept.str.match(r"^[+-]?0\d").any())  # '035' is a code
    counts = kept.value_counts()
    if numeric and len(counts) > _SHOWN_VALUES:
        vals = pd.to_numeric(kept)
        desc = f"numeric, {vals.min():g} to {vals.max():g}"
    else:
        kind = "numeric" if numeric else "text"
        shown = ", ".join(f"{k} ({n})" for k, n in counts.head(_SHOWN_VALUES).items())
        desc = f"{kind}, {len(counts)} value(s): {shown}{' ...' if len(counts) > _SHOWN_VALUES else ''}"
    return f"{name}: {desc}; {int(missing.sum())} missing"
