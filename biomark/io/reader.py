""":func:`read_cohort`: an expression file (and optionally a clinical file) into a Cohort.

``docs/cohorts.md`` is the user-facing description of the formats and rules. The reading is a
short sequence of named steps, each shared with the streaming scorer where it applies:
:func:`~biomark.io.layout.sniff_layout` (format, header), the chunk iterator
(:class:`~biomark.io.chunks.ChunkReader`, concatenated), :func:`orient` (which axis holds the
samples), :func:`~biomark.io.columns.select_features` (panel markers, references, spike-in),
:func:`~biomark.io.cells.parse_cells` (the cell rules), :func:`apply_assay_rules`
(:mod:`biomark.io.assay`) and the clinical join (:mod:`biomark.io.clinical`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from biomark.codings import codings_of
from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.io.assay import (
    DEFAULT_CT_CUTOFF,
    check_counts,
    check_intensity,
    check_library_size,
    ct_rule,
)
from biomark.io.cells import Where, parse_cells
from biomark.io.chunks import Chunk, ChunkReader, read_columns
from biomark.io.clinical import join_clinical
from biomark.io.columns import Selection, check_ids, detect_orientation, select_features
from biomark.io.layout import Layout, file_stem, sep_name, sha256, sniff_layout
from biomark.panel import Panel, load_panel
from biomark.vocabulary import ASSAYS

_WHOLE_FILE_CHUNK = 1 << 20  # rows per chunk when the chunks are concatenated anyway


def read_cohort(
    expression: str | os.PathLike[str],
    clinical: str | os.PathLike[str] | None = None,
    *,
    panel: Any = None,
    assay: str | None = None,
    samples_as: Literal["auto", "rows", "columns"] = "auto",
    id_column: str | None = None,
    clinical_id_column: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    ct_cutoff: float = DEFAULT_CT_CUTOFF,
    spike_in: str | None = None,
    name: str | None = None,
    na_values: Sequence[str] | None = None,
    event_value: str | Sequence[str] | None = None,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    time_unit: str | None = None,
) -> Cohort:
    """Read an expression file (and optionally a clinical file) into a :class:`Cohort`.

    Parameters
    ----------
    expression
        CSV/TSV/Parquet file, optionally ``.gz`` (CSV/TSV).
    clinical
        Optional CSV/TSV/Parquet file with one row per sample; joined on the sample id. Samples in
        only one of the two files are dropped and listed in ``cohort.qc["only_in_expression"]`` /
        ``cohort.qc["only_in_clinical"]`` (and in ``cohort.warnings``).
    panel
        A :class:`~biomark.panel.Panel`, a catalog id or a spec path. Columns are matched to the
        panel's markers and reference markers through their aliases and renamed to the canonical
        ids; other columns are dropped (listed in ``qc["unmatched"]``). Without a panel every
        feature column is kept under its own name.
    assay
        ``qpcr_ct``, ``log2_expression``, ``counts``, ``intensity`` or ``ihc_score``; default: the
        panel's assay, else ``log2_expression``.
    samples_as
        ``"rows"``: one sample per row, sample ids in the first column (or ``id_column``).
        ``"columns"``: one sample per column, marker names in the first column (or ``id_column``).
        ``"auto"``: the axis on which the panel's marker names are found (``"rows"`` without a panel).
    id_column
        Header of the sample-id column (samples as rows) or of the marker-name column (samples as
        columns); default the first column.
    clinical_id_column
        Header of the sample-id column of the clinical file; default ``id_column`` when the
        clinical file has it, else its first column.
    sep, decimal
        Field separator and decimal mark; sniffed when ``None``.
    ct_cutoff
        qPCR only: ``Undetermined``, empty cells and Ct values above this are set to it (default 40).
    spike_in
        qPCR only: the column (row) holding a spike-in control; −ΔCt is then taken against it
        instead of the panel's reference markers.
    name
        A label for reports; default the file's stem.
    na_values
        Clinical cells read as missing (default ``NA``, ``NaN``, ``N/A``, ``NULL``, ``.``, ``-`` and the
        empty cell; case-insensitive); see :mod:`biomark.codings`.
    event_value, positive, negative, time_unit
        How the clinical outcome is coded: the event label(s) of a survival event column, the
        positive and negative label(s) of a binary outcome (other labels are left out with a count),
        the unit of survival times (default the endpoint's). Kept in ``cohort.codings`` and used by
        :meth:`Cohort.outcome`, :meth:`Cohort.survival` and :func:`biomark.validate`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.csv"
    >>> _ = p.write_text("id,miR-339-5p,other\\nP1,1.5,7\\nP2,NA,8\\n")
    >>> c = read_cohort(p, panel="escc_mir339_radiotherapy")
    >>> c.markers, c.expression.iloc[:, 0].tolist()
    (['hsa-miR-339-5p'], [1.5, nan])
    """
    src = str(expression)
    panel_obj = _load_panel(panel)
    assay = _check_options(panel_obj, assay, samples_as, ct_cutoff, spike_in)
    lay = sniff_layout(Path(expression), src, sep=sep, decimal=decimal, id_column=id_column)
    whole = ChunkReader(lay, lay.others, assay, chunk_rows=_WHOLE_FILE_CHUNK).run(read_columns)
    if whole.n == 0:
        raise InputError(f"{src}: has a header but no data rows")
    matrix = orient(lay, whole, panel_obj, samples_as)
    sel = select_features(matrix.features, panel_obj, src=src, orientation=matrix.orientation, assay=assay,
                          spike_in=spike_in, auto=samples_as == "auto")
    values, no_ct = parse_values(matrix, sel, assay)
    cohort = assemble(lay, matrix, sel, values, no_ct, assay=assay, panel=panel_obj, ct_cutoff=float(ct_cutoff),
                      name=name)
    cohort = dataclasses.replace(cohort, codings=codings_of(na_values, event_value, positive, negative, time_unit))
    if clinical is None:
        return cohort
    return join_clinical(cohort, Path(clinical), str(clinical), clinical_id_column or id_column,
                         strict_id=clinical_id_column is not None, na_values=na_values)


def assemble(lay: Layout, matrix: Matrix, sel: Selection, values: np.ndarray, no_ct: np.ndarray, *, assay: str,
             panel: Any, ct_cutoff: float, name: str | None) -> Cohort:
    """The Cohort: the assay rules applied to the parsed values, with the read's qc and warnings."""
    src = lay.src
    qc: dict[str, Any] = {"format": lay.fmt, "separator": lay.sep, "decimal": lay.decimal, "utf8_bom": lay.bom,
                          "orientation": matrix.orientation, **sel.qc}
    warnings = [*lay.notes, *sel.warnings]
    values, library_size = apply_assay_rules(values, no_ct, matrix, sel, assay, ct_cutoff, qc, warnings)
    if lay.decimal == ",":
        warnings.append(f"{src}: numbers use decimal commas with '{sep_name(lay.sep)}' separators "
                        "(a European spreadsheet export); read '1,5' as 1.5")
    return Cohort(
        expression=pd.DataFrame(values, index=_index(matrix.sample_ids), columns=[c for _, c in sel.keep]),
        assay=assay, panel_id=panel.id if panel is not None else None, missing_markers=sel.missing,
        warnings=warnings, qc=qc, sources={src: sha256(lay.path)}, spike_in=sel.spike_in,
        name=name if name is not None else file_stem(lay.path), reference_markers=sel.reference_ids,
        library_size=library_size, ct_cutoff=ct_cutoff if assay == "qpcr_ct" else None,
    )


def _check_options(panel: Any, assay: str | None, samples_as: str, ct_cutoff: Any, spike_in: str | None) -> str:
    assay = assay if assay is not None else (panel.assay if panel is not None else "log2_expression")
    if assay not in ASSAYS:
        raise InputError(f"assay '{assay}' is not known; use one of: {', '.join(ASSAYS)}")
    if samples_as not in ("auto", "rows", "columns"):
        raise InputError(f"samples_as='{samples_as}' is not allowed; use 'auto', 'rows' or 'columns'")
    if not (isinstance(ct_cutoff, (int, float)) and math.isfinite(ct_cutoff) and ct_cutoff > 0):
        raise InputError(f"ct_cutoff={ct_cutoff!r} must be a positive finite number (default 40)")
    if spike_in is not None and assay != "qpcr_ct":
        raise InputError(f"spike_in='{spike_in}' only applies to qPCR Ct data (assay qpcr_ct), not '{assay}'")
    return assay


def _load_panel(panel: Any) -> Any:
    if panel is None:
        return None
    return panel if isinstance(panel, Panel) else load_panel(panel)


def _index(ids: list[str]) -> pd.Index:
    return pd.Index(ids, name="sample_id", dtype=object)


@dataclass(frozen=True)
class Matrix:
    """The file as samples × features, before any cell is parsed.

    ``features`` are the marker names (header cells for samples as rows, first-column cells for
    samples as columns); ``file_columns`` the header positions of the features (rows) or of the
    samples (columns).
    """

    layout: Layout
    whole: Chunk
    orientation: str
    sample_ids: list[str]
    features: list[str]
    file_columns: list[int]

    def column(self, pos: int) -> pa.ChunkedArray:
        return self.whole.columns[pos]

    def marker_where(self, fi: int) -> Where:
        """Names the cells of feature ``fi`` across the samples."""
        lay = self.layout
        if self.orientation == "rows":
            return Where.column(lay.src, lay.names[self.file_columns[fi]], self.sample_ids)
        return Where(lay.src, lambda s: lay.names[self.file_columns[s]], lambda s: fi + 2,
                     marker=lambda s: self.features[fi])

    def sample_where(self, s: int, rows: list[int]) -> Where:
        """Names the cells ``rows`` (feature indices) of sample column ``s`` (samples as columns)."""
        lay = self.layout
        return Where(self.layout.src, lambda r: lay.names[self.file_columns[s]], lambda r: rows[r] + 2,
                     marker=lambda r: self.features[rows[r]])


def orient(lay: Layout, whole: Chunk, panel: Any, samples_as: str) -> Matrix:
    """Settle which axis holds the samples and check the sample ids (and, for columns, the names)."""
    names, src = lay.names, lay.src
    first = _strings(whole.ids, src, names[lay.id_idx])
    others = lay.others
    orientation = samples_as
    if orientation == "auto":
        orientation = detect_orientation([names[i] for i in others], first, panel, src)
    if orientation == "rows":
        check_ids(first, src, lambda i: f"row {i + 2}, column '{names[lay.id_idx]}'")
        return Matrix(lay, whole, "rows", first, [names[i] for i in others], others)
    samples = [names[i] for i in others]
    check_ids(samples, src, lambda i: f"row 1, column {i + 2}")
    blanks = [i for i, f in enumerate(first) if f == ""]
    if blanks:
        raise InputError(f"{src}: row {blanks[0] + 2}, column '{names[lay.id_idx]}': empty marker name; "
                         "name every row (samples are columns in this file)")
    return Matrix(lay, whole, "columns", samples, first, others)


def _strings(col: pa.ChunkedArray, src: str, header: str) -> list[str]:
    if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
        raise InputError(f"{src}: column '{header}' is not UTF-8 text; save the file as UTF-8")
    # surrounding spaces in ids and names are never meaningful: ' P1 ' is 'P1'
    return ["" if v is None else str(v).strip() for v in col.to_pylist()]


def parse_values(matrix: Matrix, sel: Selection, assay: str) -> tuple[np.ndarray, np.ndarray]:
    """The kept features as a samples × features float64 matrix, and the qPCR no-Ct mask."""
    decimal = matrix.layout.decimal
    n = len(matrix.sample_ids)
    values = np.empty((n, len(sel.keep)), dtype=np.float64)
    no_ct = np.zeros(values.shape, dtype=bool)
    if matrix.orientation == "rows":
        for k, (fi, _) in enumerate(sel.keep):
            cells = parse_cells(matrix.column(matrix.file_columns[fi]), matrix.marker_where(fi), assay=assay,
                                decimal=decimal)
            values[:, k] = cells.values
            if cells.no_ct is not None:
                no_ct[:, k] = cells.no_ct
        return values, no_ct
    rows = [fi for fi, _ in sel.keep]
    take = pa.array(rows, type=pa.int64())
    for s in range(n):
        col = matrix.column(matrix.file_columns[s]).take(take)
        cells = parse_cells(col, matrix.sample_where(s, rows), assay=assay, decimal=decimal)
        values[s, :] = cells.values
        if cells.no_ct is not None:
            no_ct[s, :] = cells.no_ct
    return values, no_ct


def apply_assay_rules(values: np.ndarray, no_ct: np.ndarray, matrix: Matrix, sel: Selection, assay: str,
                      cutoff: float, qc: dict[str, Any], warnings: list[str]) -> tuple[np.ndarray, pd.Series | None]:
    """The read-time assay rules of :mod:`biomark.io.assay`, column by column; qc and warnings."""
    src = matrix.layout.src
    cols = [c for _, c in sel.keep]
    library_size = None
    if assay == "qpcr_ct":
        _ct_columns(values, no_ct, matrix, sel, cutoff, qc, warnings)
    elif assay == "counts":
        whole = [check_counts(values[:, k], matrix.marker_where(fi)) for k, (fi, _) in enumerate(sel.keep)]
        if not all(whole):
            warnings.append(f"{src}: some counts are not whole numbers (expected counts from an estimator?); "
                            "used as given for log2 CPM")
        library_size = pd.Series(library_sizes(matrix), index=_index(matrix.sample_ids), name="library_size")
        qc["library_size_rule"] = "column sums over all features in the file"
    elif assay == "intensity":
        top = max((check_intensity(values[:, k], matrix.marker_where(fi)) for k, (fi, _) in enumerate(sel.keep)),
                  default=-np.inf)
        if np.isfinite(top) and top < 32:
            warnings.append(f"{src}: all intensities are below 32, as if already log2-transformed; check the assay "
                            "(log2_expression if so)")
    isnan = np.isnan(values)
    qc["n_missing"] = {c: int(isnan[:, k].sum()) for k, c in enumerate(cols) if isnan[:, k].any()}
    return values, library_size


def _ct_columns(values: np.ndarray, no_ct: np.ndarray, matrix: Matrix, sel: Selection, cutoff: float,
                qc: dict[str, Any], warnings: list[str]) -> None:
    src = matrix.layout.src
    undet: dict[str, int] = {}
    above: dict[str, int] = {}
    per_marker: dict[str, int] = {}
    for k, (fi, c) in enumerate(sel.keep):
        ct = ct_rule(values[:, k], no_ct[:, k], cutoff, matrix.marker_where(fi))
        values[:, k] = ct.values
        undet[c], above[c] = int(ct.no_ct.sum()), int(ct.above.sum())
        per_marker[c] = int((ct.no_ct | ct.above).sum())
    total = sum(per_marker.values())
    qc.update({
        "ct_cutoff": cutoff, "ct_rule": f"Undetermined, empty and Ct > {cutoff:g} set to {cutoff:g}",
        "ct_set_to_cutoff": {c: n for c, n in per_marker.items() if n},
        "ct_undetermined": {c: n for c, n in undet.items() if n},
        "ct_above_cutoff": {c: n for c, n in above.items() if n}, "ct_set_to_cutoff_total": total,
    })
    if total:
        warnings.append(f"{src}: {total} Ct value(s) were Undetermined, empty or above {cutoff:g} and were set to "
                        f"{cutoff:g} (see qc['ct_set_to_cutoff'])")
    for r in sel.reference_ids + ([sel.spike_in] if sel.spike_in else []):
        if per_marker.get(r, 0):
            warnings.append(f"{src}: reference '{r}' is Undetermined or above the cutoff in {per_marker[r]} "
                            "sample(s); −ΔCt of those samples is unreliable")


def library_sizes(matrix: Matrix) -> np.ndarray:
    """Per sample, the sum of the counts of every feature of the file (missing counted as 0)."""
    src = matrix.layout.src
    n = len(matrix.sample_ids)
    total = np.zeros(n)
    try:
        if matrix.orientation == "rows":
            for fi, pos in enumerate(matrix.file_columns):
                where = matrix.marker_where(fi)
                arr = parse_cells(matrix.column(pos), where, assay="counts", decimal=matrix.layout.decimal).values
                check_counts(arr, where)
                total += np.nan_to_num(arr, nan=0.0)
        else:
            every = list(range(len(matrix.features)))
            for s, pos in enumerate(matrix.file_columns):
                where = matrix.sample_where(s, every)
                arr = parse_cells(matrix.column(pos), where, assay="counts", decimal=matrix.layout.decimal).values
                check_counts(arr, where)
                total[s] = np.nansum(arr)
    except InputError as err:
        if "library size" in str(err):
            raise
        raise InputError(f"{err} (for counts every column of the file is summed into the library size, so "
                         "every column must hold counts: move other columns to the clinical file)") from None
    check_library_size(total, src, lambda i: f"sample '{matrix.sample_ids[i]}'")
    return total
