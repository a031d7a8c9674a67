"""Public-cohort files read locally: GEO (series matrix, SOFT), cBioPortal folders, TCGA/Xena matrices.

:func:`read_any` is :func:`biomark.read_cohort` for the files people download. A structured file
is turned into a plain features × samples text table (values as the file writes them, never
parsed here) in a private temporary folder, then read by the one reader's steps
(:func:`~biomark.io.layout.sniff_layout`, the chunk iterator, :func:`~biomark.io.cells.parse_cells`,
the assay rules), with messages naming the user's file. Feature ids are mapped to the panel's
names through an annotation (:mod:`biomark.io.annotation`); the file's own sample records become
the clinical table, joined as a clinical file is (:mod:`biomark.io.clinical`). Plain tables go to
:func:`biomark.read_cohort` unchanged; TCGA barcodes get the patient join of :mod:`biomark.io.tcga`.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.io.annotation import (
    Annotation,
    collapse_values,
    from_table,
    load_annotation,
    map_features,
)
from biomark.io.assay import reference_markers
from biomark.io.chunks import ChunkReader, read_columns
from biomark.io.clinical import join_clinical
from biomark.io.columns import select_features
from biomark.io.geo import (
    Parsed,
    head_lines,
    parse_family,
    parse_gds,
    read_series_matrix,
    read_soft,
)
from biomark.io.layout import file_stem, sha256, sniff_layout
from biomark.io.reader import _check_options, _load_panel, assemble, orient, parse_values

FORMATS = ("GEO series matrix", "GEO GDS", "GEO SOFT family", "cBioPortal study", "table")


def detect_format(path: Path) -> str:
    """One of :data:`FORMATS` (``"table"``: CSV/TSV/Parquet for :func:`biomark.read_cohort`)."""
    if path.is_dir():
        return "cBioPortal study"
    if not path.is_file():  # a device or FIFO: the table reader's own rules
        return "table"
    if (path.parent / "data_clinical_sample.txt").is_file() and path.name.startswith("data_"):
        return "cBioPortal study"
    head = head_lines(path, 60)
    first = next((h for h in head if h.startswith("^")), "")
    if not first and any(h.startswith(("!series_matrix_table_begin", "!Series_", "!Sample_")) for h in head):
        return "GEO series matrix"
    if first.upper().startswith(("^DATABASE", "^DATASET")) and any(h.upper().startswith("^DATASET") for h in head):
        return "GEO GDS"
    if first.upper().startswith(("^DATABASE", "^SERIES", "^PLATFORM", "^SAMPLE", "^ANNOTATION")):
        return "GEO SOFT family"
    return "table"


def parse_structured(path: Path, src: str, fmt: str, platform: str | None) -> Parsed:
    """The expression table and sample records of a structured file."""
    if fmt == "GEO series matrix":
        return read_series_matrix(path, src)
    if fmt == "cBioPortal study":
        from biomark.io.cbioportal import read_study

        return read_study(path, src)
    entities = read_soft(path, src)
    if fmt == "GEO GDS":
        return parse_gds(entities, src)
    return parse_family(entities, src, platform)


def read_any(expression: str | os.PathLike[str], clinical: str | os.PathLike[str] | None = None, *,
             panel: Any = None, annotation: str | os.PathLike[str] | None = None,
             annotation_column: str | None = None, collapse: str = "error", platform: str | None = None,
             **kw: Any) -> Cohort:
    """:func:`biomark.read_cohort` for every format biomark knows (``docs/cohorts.md``).

    Parameters
    ----------
    expression
        A CSV/TSV/Parquet table, a GEO series matrix, a GEO SOFT file (GDS or GSE family), a
        cBioPortal study folder (or a ``data_*.txt`` file inside one), or a TCGA/Xena matrix.
    clinical
        A clinical file. For GEO and cBioPortal it replaces the file's own sample records; for a
        TCGA matrix its rows may be patients (``TCGA-XX-YYYY``), joined to the sample barcodes.
    annotation, annotation_column
        Map feature ids to names (:func:`biomark.io.annotation.load_annotation`).
    collapse
        ``error`` (default), ``mean``, ``median``, ``max-mean`` or ``first``: several probes of one marker.
    platform
        GSE family SOFT with several platforms: the GPL id to read.
    **kw
        As :func:`biomark.read_cohort` (``assay``, ``samples_as``, ``id_column``, ...).
    """
    path, src = Path(expression), str(expression)
    fmt = detect_format(path) if path.exists() else "table"  # a missing file: read_cohort's message
    if fmt == "table":
        return _plain(path, clinical, panel, annotation, annotation_column, collapse, platform, kw)
    if kw.get("samples_as", "auto") == "rows":
        raise InputError(f"{src}: a {fmt} has samples as columns; leave --samples-as at auto or columns")
    if platform is not None and fmt != "GEO SOFT family":
        raise InputError(f"{src}: --platform applies to GEO SOFT family files (samples on several platforms); "
                         f"this is a {fmt}: leave it out")
    parsed = parse_structured(path, src, fmt, platform)
    ann = _annotation(parsed, annotation, annotation_column, src)
    with tempfile.TemporaryDirectory(prefix="biomark-") as tmp:
        cohort = _expression(parsed, Path(tmp), src, panel, ann, collapse, kw)
        notes = [*parsed.notes, *_scale_note(parsed, cohort.assay, src)]
        cohort = replace(cohort, sources={src: _digest(path)}, name=kw.get("name") or file_stem(path),
                         warnings=[*notes, *cohort.warnings], qc={**cohort.qc, "format": fmt})
        if clinical is not None:
            return _join_file(cohort, clinical, kw)
        if not parsed.clinical:
            return cohort
        clin_path = Path(tmp) / "clinical.tsv"
        write_clinical(parsed, clin_path)
        joined = join_clinical(cohort, clin_path, f"{src} (sample records)", "sample_id", strict_id=True)
    return replace(joined, sources=cohort.sources, clinical=_keep_codes(joined.clinical, parsed))


def _keep_codes(clin: pd.DataFrame, parsed: Parsed) -> pd.DataFrame:
    """A column with a value like '035' is a code, not a number: GDS507's individuals '001' and '1'
    are two patients, which type inference would make one."""
    out = clin.copy()
    for c, vals in parsed.clinical.items():
        if c in out.columns and any(re.match(r"^[+-]?0\d", v.strip()) for v in vals.values()):
            out[c] = pd.array([vals.get(str(i), None) or None for i in out.index], dtype=object)
    return out


def _scale_note(parsed: Parsed, assay: str, src: str) -> list[str]:
    """A GDS says whether its values are log-transformed; a panel read on the other scale is warned."""
    vt = parsed.value_type.strip().lower()
    if vt == "count" and assay == "log2_expression":
        return [f"{src}: the GDS says value_type 'count' (signals, not log-transformed) but the values are read as "
                "log2 expression; pass --assay intensity to take log2 of them"]
    if vt.startswith("transformed") and assay == "intensity":
        return [f"{src}: the GDS says value_type '{parsed.value_type}' (already transformed) but the values are read "
                "as intensities and log2-transformed again; pass --assay log2_expression if they are log2"]
    return []


def _plain(path: Path, clinical: Any, panel: Any, annotation: Any, annotation_column: Any, collapse: str,
           platform: Any, kw: dict[str, Any]) -> Cohort:
    import biomark.io.tcga as tcga

    src = str(path)
    if platform is not None:
        raise InputError(f"{src}: --platform applies to GEO SOFT family files only")
    import biomark

    if annotation is not None or annotation_column is not None:
        cohort = _annotated_table(path, panel, annotation, annotation_column, collapse, kw)
    else:
        if kw.get("samples_as", "auto") == "auto" and panel is None and path.is_file():
            lay = sniff_layout(path, src, sep=kw.get("sep"), decimal=kw.get("decimal"), id_column=kw.get("id_column"))
            if tcga.is_tcga(lay.names[1:]):  # barcodes in the header: samples are the columns
                kw = {**kw, "samples_as": "columns"}
        cohort = biomark.read_cohort(path, None, panel=panel, **kw)
    if tcga.is_tcga(cohort.sample_ids):
        return tcga.join_tcga(cohort, clinical, kw.get("clinical_id_column"))
    return cohort if clinical is None else _join_file(cohort, clinical, kw)


def _join_file(cohort: Cohort, clinical: Any, kw: dict[str, Any]) -> Cohort:
    cid = kw.get("clinical_id_column")
    return join_clinical(cohort, Path(clinical), str(clinical), cid or kw.get("id_column"), strict_id=cid is not None)


def _digest(path: Path) -> str:
    return "folder" if path.is_dir() else sha256(path)


def _annotation(parsed: Parsed, annotation: Any, column: str | None, src: str) -> Annotation | None:
    if annotation is not None:
        return load_annotation(Path(annotation), str(annotation), column)
    if parsed.platform_table is not None and column is not None:
        return from_table(parsed.platform_table, f"{src} (its platform table)", column)
    if column is not None:
        raise InputError(f"{src}: --annotation-column without --annotation: this file has no platform table; "
                         "give --annotation FILE")
    if parsed.own_names is not None:
        return Annotation(parsed.own_names, f"{src}, {parsed.own_names_label}")
    return None


def write_table(rows: Iterable[list[str]], header: list[str], out: Path) -> None:
    """Rows of text cells as a TSV (cells as written, a cell with a tab or quote quoted)."""
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def write_clinical(parsed: Parsed, out: Path) -> None:
    cols = list(parsed.clinical)
    rows = [[s, *(parsed.clinical[c].get(s, "") for c in cols)] for s in parsed.samples]
    write_table(rows, ["sample_id", *cols], out)


def _read_text(tmp: Path, src: str, panel: Any, kw: dict[str, Any]) -> Cohort:
    """read_cohort's steps on the temporary table, messages naming ``src``."""
    from biomark.io.assay import DEFAULT_CT_CUTOFF

    ct_cutoff = kw.get("ct_cutoff", DEFAULT_CT_CUTOFF)
    assay = _check_options(panel, kw.get("assay"), "columns", ct_cutoff, kw.get("spike_in"))
    lay = sniff_layout(tmp, src, sep="\t", decimal=kw.get("decimal"))
    whole = ChunkReader(lay, lay.others, assay, chunk_rows=1 << 20).run(read_columns)
    if whole.n == 0:
        raise InputError(f"{src}: the expression table has no rows")
    matrix = orient(lay, whole, panel, "columns")
    sel = select_features(matrix.features, panel, src=src, orientation="columns", assay=assay,
                          spike_in=kw.get("spike_in"), auto=False)
    values, no_ct = parse_values(matrix, sel, assay)
    return assemble(lay, matrix, sel, values, no_ct, assay=assay, panel=panel, ct_cutoff=float(ct_cutoff), name=None)


def _expression(parsed: Parsed, tmp: Path, src: str, panel_arg: Any, ann: Annotation | None, collapse: str,
                kw: dict[str, Any]) -> Cohort:
    panel = _load_panel(panel_arg)
    kw = {**kw, "assay": kw.get("assay") or (panel.assay if panel is not None else None)}
    t = parsed.table
    base = parsed.table_src or src
    where = f"{base} ({parsed.kind} table, line {t.line})" if t.line else base
    out = tmp / "expression.tsv"
    def rows() -> Iterator[list[str]]:
        return (r for r in t.iter_rows() if r and r[0].strip())

    if ann is None or panel is None:
        write_table(rows(), t.header, out)
        try:
            return _read_text(out, where, panel, kw)
        except InputError as err:
            if panel is not None and "none of the" in str(err):
                raise InputError(f"{err}; if these are probe ids or accessions, map them to names with "
                                 "--annotation FILE (a GEO platform .annot/SOFT file or a two-column CSV)") from None
            raise
    mapping = _mapping([r[0].strip() for r in rows()], ann, panel, src)
    wanted = {p for ps in mapping.probes.values() for p in ps}
    counts = kw["assay"] == "counts"
    write_table((r for r in rows() if counts or r[0].strip() in wanted), t.header, out)
    probes = _read_text(out, where, None, kw)
    notes: list[str] = []
    values, qc = collapse_values(probes.expression, mapping, collapse, src, notes.append)
    return _marker_cohort(probes, values, qc, panel, ann, mapping.how, notes, src)


def _mapping(features: list[str], ann: Annotation, panel: Any, src: str, hint: str = "") -> Any:
    mapping = map_features(features, ann, panel)
    if not mapping.probes and mapping.multi_gene:
        shown = "; ".join(f"{m}: {', '.join(p[:4])}" for m, p in mapping.multi_gene.items())
        raise InputError(f"{src}: the panel's markers are only on probes annotated to several genes ({shown}); "
                         "biomark does not assign such a probe to one gene: give a two-column --annotation "
                         "(probe id, marker) to choose")
    if not mapping.probes:
        raise InputError(f"{src}: none of the markers of panel '{panel.id}' is named by the annotation "
                         f"({ann.label}) for the file's features (like {', '.join(features[:3])}); check "
                         f"--annotation / --annotation-column{hint}")
    return mapping


def _annotated_table(path: Path, panel_arg: Any, annotation: Any, column: str | None, collapse: str,
                     kw: dict[str, Any]) -> Cohort:
    """A plain table whose feature names are probe ids or accessions, through an annotation."""
    import biomark

    src = str(path)
    if annotation is None:
        raise InputError(f"{src}: --annotation-column without --annotation: a plain table has no platform "
                         "table; give --annotation FILE")
    panel = _load_panel(panel_arg)
    if panel is None:
        raise InputError(f"{src}: --annotation needs a panel (the names to look for)")
    ann = load_annotation(Path(annotation), str(annotation), column)
    kw = {**kw, "assay": kw.get("assay") or panel.assay}
    if kw.get("samples_as", "auto") == "auto":  # the axis whose names the annotation knows
        lay = sniff_layout(path, src, sep=kw.get("sep"), decimal=kw.get("decimal"), id_column=kw.get("id_column"))
        kw["samples_as"] = "rows" if any(n in ann.names for n in lay.names[1:]) else "columns"
    probes = biomark.read_cohort(path, None, panel=None, **kw)
    mapping = _mapping(list(probes.expression.columns), ann, panel, src,
                       "" if kw.get("samples_as") == "columns" else " (samples as columns? pass --samples-as columns)")
    notes: list[str] = []
    values, qc = collapse_values(probes.expression, mapping, collapse, src, notes.append)
    return _marker_cohort(probes, values, qc, panel, ann, mapping.how, notes, src)


def _marker_cohort(probes: Cohort, values: pd.DataFrame, qc: dict[str, Any], panel: Any, ann: Annotation,
                   how: dict[str, str], notes: list[str], src: str) -> Cohort:
    ref_ids = {r.id for r in panel.reference_markers}
    order = [m.id for m in panel.markers] + [r.id for r in panel.reference_markers]
    cols = [m for m in order if m in values.columns]
    missing = [m for m in panel.marker_ids if m not in values.columns]
    warnings = [w for w in probes.warnings if "n_missing" not in w]
    warnings.append(f"{src}: feature ids named through {ann.label}")
    warnings += notes
    if missing:
        warnings.append(f"{src}: {len(missing)} of {len(panel.markers)} panel markers are not in the file "
                        f"(through the annotation): {', '.join(missing)}")
    if not [c for c in cols if c not in ref_ids]:
        raise InputError(f"{src}: the annotation names only reference markers of panel '{panel.id}'")
    qc_all = {k: v for k, v in probes.qc.items() if k not in ("n_missing",)}
    qc_all.update({"annotation": {"source": ann.label, **qc},
                   "matched": {m: {"marker": m, "how": how.get(m, ""), "probes": qc["used"].get(m, [])}
                               for m in cols}})
    lib = probes.library_size
    return replace(probes, expression=values[cols], panel_id=panel.id, missing_markers=missing,
                   reference_markers=reference_markers(panel, {c for c in cols if c in ref_ids}),
                   warnings=warnings, qc=qc_all, library_size=lib)
