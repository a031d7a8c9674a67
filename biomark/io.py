"""Reading expression and clinical files into a :class:`~biomark.cohort.Cohort`.

``docs/cohorts.md`` is the user-facing description of the formats and rules; in short:

* CSV, TSV (also ``.txt``/``.tab``) and Parquet, optionally gzip-compressed (``.gz``), read with
  pyarrow. The separator is sniffed from the header line unless ``sep`` is given; a file separated
  by ``;`` whose numbers use decimal commas (a European spreadsheet export) is read as such and the
  cohort says so in its warnings.
* Samples as rows (first column: sample ids, header: marker names) or as columns (first column:
  marker names, header: sample ids). ``samples_as="auto"`` picks the axis that carries the panel's
  marker names.
* Marker names are matched through the panel's ids and aliases (:mod:`biomark.panel.names`).
* Values are kept as measured. The only read-time rule is the qPCR one: ``Undetermined``, empty
  cells and Ct values above ``ct_cutoff`` are set to the cutoff and counted per marker. The
  per-sample conversion to an expression scale (−ΔCt, log2 CPM, log2 intensity) is
  :meth:`Cohort.levels`, which uses no cross-sample statistic.
* Every problem is an :class:`~biomark.errors.InputError` (or another
  :class:`~biomark.errors.BiomarkError`) whose message names the file, the row as a spreadsheet
  shows it (the header is row 1) and the column header, and says what to do.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.panel.names import normalize, panel_targets, resolve_markers

ASSAYS = ("qpcr_ct", "log2_expression", "counts", "intensity", "ihc_score")
DEFAULT_CT_CUTOFF = 40.0

#: Cell texts read as a missing value (imputed later by the training median).
NA_TOKENS = frozenset({"na", "nan", "n/a", "#n/a", "null", "none", "missing", "-", "."})
#: Cell texts that mean "no amplification" in qPCR exports (set to the Ct cutoff).
UNDETERMINED_TOKENS = frozenset({"undetermined", "undet", "undet.", "no ct", "noct", "no_ct", "n.d.", "nd"})
_INF_TOKENS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "#num!", "#div/0!"})
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_MAX_LISTED = 10


# --- public entry point ----------------------------------------------------------------------


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
) -> Cohort:
    """Read an expression file (and optionally a clinical file) into a :class:`Cohort`.

    Parameters
    ----------
    expression
        CSV/TSV/Parquet file, optionally ``.gz``.
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
    """
    path = Path(expression)
    src = str(expression)
    panel_obj = _load_panel(panel)
    assay = assay if assay is not None else (panel_obj.assay if panel_obj is not None else "log2_expression")
    if assay not in ASSAYS:
        raise InputError(f"assay '{assay}' is not known; use one of: {', '.join(ASSAYS)}")
    if samples_as not in ("auto", "rows", "columns"):
        raise InputError(f"samples_as='{samples_as}' is not allowed; use 'auto', 'rows' or 'columns'")
    if not (isinstance(ct_cutoff, (int, float)) and math.isfinite(ct_cutoff) and ct_cutoff > 0):
        raise InputError(f"ct_cutoff={ct_cutoff!r} must be a positive finite number (default 40)")
    if spike_in is not None and assay != "qpcr_ct":
        raise InputError(f"spike_in='{spike_in}' only applies to qPCR Ct data (assay qpcr_ct), not '{assay}'")

    table = _read_table(path, src, sep=sep, decimal=decimal, id_column=id_column)
    warnings: list[str] = list(table.notes)
    qc: dict[str, Any] = {"format": table.fmt, "separator": table.sep, "decimal": table.decimal,
                          "utf8_bom": table.bom}

    names = table.names
    if not names or len(names) < 2:
        raise InputError(f"{src}: needs an id column and at least one more column; found {len(names)} column(s)"
                         + ("" if table.sep is None else f" when split by {_sep_name(table.sep)}; pass sep= if the separator is different"))
    id_idx = _id_index(names, id_column, src)
    if table.n_rows == 0:
        raise InputError(f"{src}: has a header but no data rows")

    targets = panel_targets(panel_obj, include_reference=True) if panel_obj is not None else None
    other_names = [n for i, n in enumerate(names) if i != id_idx]
    first_col = table.column_strings(id_idx)

    orientation = samples_as
    if orientation == "auto":
        orientation = _detect_orientation(other_names, first_col, targets, src)
    qc["orientation"] = orientation

    # --- the raw matrix: feature names, sample ids, cell accessors ----------------------------
    if orientation == "rows":
        sample_ids = first_col
        _check_ids(sample_ids, src, table, id_name=names[id_idx], axis="rows")
        feature_names = other_names
        feature_pos = [i for i in range(len(names)) if i != id_idx]
    else:
        sample_ids = other_names
        _check_ids(sample_ids, src, table, id_name=None, axis="columns")
        feature_names = first_col
        feature_pos = list(range(len(first_col)))
        blanks = [i for i, f in enumerate(feature_names) if f.strip() == ""]
        if blanks:
            raise InputError(f"{src}: row {blanks[0] + 2}, column '{names[id_idx]}': empty marker name; "
                             "name every row (samples are columns in this file)")

    # --- resolve marker names -------------------------------------------------------------------
    spike_col: str | None = None
    spike_pos: int | None = None
    if spike_in is not None:
        key = normalize(spike_in)
        hits = [i for i, f in enumerate(feature_names) if normalize(f) == key]
        spike_ref: str | None = None
        if panel_obj is not None and panel_obj.reference_markers:
            from biomark.panel.names import match_name

            ref_targets = [(r.id, list(r.aliases)) for r in panel_obj.reference_markers]
            spike_ref, _ = match_name(spike_in, ref_targets)
            if spike_ref is not None and not hits:
                hits = [i for i, f in enumerate(feature_names) if match_name(f, ref_targets)[0] == spike_ref]
        if not hits:
            close = _closest(spike_in, feature_names)
            raise InputError(f"{src}: spike-in '{spike_in}' not found among the "
                             f"{'columns' if orientation == 'rows' else 'marker names in the first column'}"
                             + (f"; did you mean: {', '.join(close)}?" if close else ""))
        if len(hits) > 1:
            raise InputError(f"{src}: spike-in '{spike_in}' matches {len(hits)} "
                             f"{'columns' if orientation == 'rows' else 'rows'}: "
                             + ", ".join(_where(orientation, h, feature_names) for h in hits))
        spike_pos = hits[0]
        spike_col = spike_ref if spike_ref is not None else feature_names[spike_pos].strip()

    reference_ids: list[str] = []
    if targets is not None:
        candidates = [(i, f) for i, f in enumerate(feature_names) if i != spike_pos]
        match = resolve_markers([f for _, f in candidates], targets, source=src) if _unique_names(candidates) \
            else _resolve_with_duplicates(candidates, targets, src, orientation)
        chosen: list[tuple[int, str]] = []  # (feature index, canonical id)
        by_name: dict[str, list[int]] = {}
        for i, f in candidates:
            by_name.setdefault(f, []).append(i)
        for f, mid in match.columns.items():
            idxs = by_name[f]
            if len(idxs) > 1:
                raise InputError(f"{src}: marker '{f}' appears {len(idxs)} times ("
                                 + ", ".join(_where(orientation, i, feature_names) for i in idxs)
                                 + "); keep one of them")
            chosen.append((idxs[0], mid))
        order = {mid: k for k, (mid, _) in enumerate(targets)}
        chosen.sort(key=lambda t: order[t[1]])
        ref_set = {r.id for r in panel_obj.reference_markers}
        panel_found = [mid for _, mid in chosen if mid not in ref_set]
        missing = [m for m in panel_obj.marker_ids if m not in panel_found]
        if not panel_found:
            axis = "header" if orientation == "rows" else "first column"
            shown = ", ".join(repr(f) for f in feature_names[:8]) + (" ..." if len(feature_names) > 8 else "")
            raise InputError(
                f"{src}: none of the {len(panel_obj.markers)} markers of panel '{panel_obj.id}' "
                f"({', '.join(panel_obj.marker_ids[:8])}{' ...' if len(panel_obj.markers) > 8 else ''}) "
                f"is in the {axis} (found: {shown}); rename the columns to the panel's marker ids or aliases"
                + ("" if samples_as != "auto" else ", or pass samples_as='rows'/'columns'")
            )
        if missing:
            warnings.append(f"{src}: {len(missing)} of {len(panel_obj.markers)} panel markers are not in the file: "
                            + ", ".join(missing))
        refs_found = [mid for _, mid in chosen if mid in ref_set]
        spike_flag = {r.id: r.spike_in for r in panel_obj.reference_markers}
        # the mean of the (endogenous) reference markers; spike-in references only when no other is present
        reference_ids = [m for m in refs_found if not spike_flag[m]] or refs_found
        missing_refs = [r.id for r in panel_obj.reference_markers if r.id not in refs_found and r.id != spike_col]
        if missing_refs and assay == "qpcr_ct" and spike_in is None:
            warnings.append(f"{src}: reference marker(s) not in the file: {', '.join(missing_refs)}")
        qc["matched"] = {f: {"marker": mid, "how": match.how.get(f, "")} for f, mid in match.columns.items()}
        qc["unmatched"] = match.unmatched[:200]
        qc["n_unmatched"] = len(match.unmatched)
        keep = chosen
    else:
        missing = []
        keep = [(i, f.strip()) for i, f in enumerate(feature_names) if i != spike_pos]
        dup = _first_duplicate([f for _, f in keep])
        if dup is not None:
            idxs = [i for i, f in keep if f == dup]
            raise InputError(f"{src}: marker '{dup}' appears {len(idxs)} times ("
                             + ", ".join(_where(orientation, i, feature_names) for i in idxs)
                             + "); keep one of them")
    if spike_pos is not None:
        keep = [*keep, (spike_pos, spike_col)]

    # --- values -------------------------------------------------------------------------------
    n_samples = len(sample_ids)
    out_cols = [mid for _, mid in keep]
    values = np.empty((n_samples, len(keep)), dtype=np.float64)
    blank_masks: list[np.ndarray] = []
    parser = _CellParser(src, assay, table.decimal)
    if orientation == "rows":
        for k, (fi, _) in enumerate(keep):
            col_pos = feature_pos[fi]
            arr, blank = parser.column(table.column(col_pos), header=names[col_pos],
                                       row_of=lambda r: r + 2, sample_of=lambda r: sample_ids[r])
            values[:, k] = arr
            blank_masks.append(blank)
    else:
        rows = [fi for fi, _ in keep]
        sample_pos = [i for i in range(len(names)) if i != id_idx]
        for s in range(n_samples):
            col_pos = sample_pos[s]
            arr, blank = parser.column(table.column(col_pos), header=names[col_pos], rows=rows,
                                       row_of=lambda r: rows[r] + 2, sample_of=lambda r, s=s: sample_ids[s],
                                       marker_of=lambda r: feature_names[rows[r]])
            values[s, :] = arr
            blank_masks.append(blank)
    blank_mat = (np.column_stack(blank_masks) if orientation == "rows" else np.vstack(blank_masks)) \
        if blank_masks else np.zeros(values.shape, dtype=bool)
    undet_mat = parser.undetermined_matrix(values.shape, orientation, keep)

    library_size: pd.Series | None = None
    if assay == "qpcr_ct":
        values, ct_qc = _apply_ct_rule(values, blank_mat | undet_mat, out_cols, ct_cutoff, src, sample_ids,
                                       orientation, keep, feature_names, names, id_idx)
        qc.update(ct_qc)
        if ct_qc["ct_set_to_cutoff_total"]:
            warnings.append(
                f"{src}: {ct_qc['ct_set_to_cutoff_total']} Ct value(s) were Undetermined, empty or above "
                f"{ct_cutoff:g} and were set to {ct_cutoff:g} (see qc['ct_set_to_cutoff'])")
        for r in reference_ids + ([spike_col] if spike_col else []):
            n_bad = ct_qc["ct_set_to_cutoff"].get(r, 0)
            if n_bad:
                warnings.append(f"{src}: reference '{r}' is Undetermined or above the cutoff in {n_bad} sample(s); "
                                "−ΔCt of those samples is unreliable")
    else:
        values[blank_mat] = np.nan
        if assay == "counts":
            _check_counts(values, out_cols, src, sample_ids, warnings)
            library_size = _library_size(table, parser, orientation, id_idx, names, feature_pos, sample_ids,
                                         values, src)
            qc["library_size_rule"] = "column sums over all features in the file"
        elif assay == "intensity":
            _check_intensity(values, out_cols, src, sample_ids, warnings)
    qc["n_missing"] = {c: int(np.isnan(values[:, k]).sum()) for k, c in enumerate(out_cols)
                       if np.isnan(values[:, k]).any()}
    if parser.decimal_comma_used:
        warnings.append(f"{src}: numbers use decimal commas with '{_sep_name(table.sep)}' separators "
                        "(a European spreadsheet export); read '1,5' as 1.5")

    expr = pd.DataFrame(values, index=pd.Index(sample_ids, name="sample_id", dtype=object), columns=out_cols)
    sources = {src: _sha256(path)}

    clin_df: pd.DataFrame | None = None
    if clinical is not None:
        expr, clin_df, jq, jw = _join_clinical(expr, Path(clinical), str(clinical),
                                               clinical_id_column or id_column, src,
                                               strict_id=clinical_id_column is not None)
        if library_size is not None:
            library_size = library_size.loc[expr.index]
        qc.update(jq)
        warnings.extend(jw)
        sources[str(clinical)] = _sha256(Path(clinical))

    return Cohort(
        expression=expr, clinical=clin_df, assay=assay,
        panel_id=panel_obj.id if panel_obj is not None else None,
        missing_markers=missing, warnings=warnings, qc=qc, sources=sources, spike_in=spike_col,
        name=name if name is not None else _stem(path),
        reference_markers=reference_ids, library_size=library_size, ct_cutoff=float(ct_cutoff) if assay == "qpcr_ct" else None,
    )


# --- file reading ------------------------------------------------------------------------------


class _Table:
    """A read file: column names, columns as pyarrow arrays, and how it was read."""

    def __init__(self, names: list[str], columns: list[pa.ChunkedArray], *, fmt: str, sep: str | None,
                 decimal: str, bom: bool, notes: list[str], row_base: int) -> None:
        self.names = names
        self._columns = columns
        self.fmt = fmt
        self.sep = sep
        self.decimal = decimal
        self.bom = bom
        self.notes = notes
        self.row_base = row_base  # spreadsheet row of data row 0
        self.n_rows = len(columns[0]) if columns else 0

    def column(self, i: int) -> pa.ChunkedArray:
        return self._columns[i]

    def column_strings(self, i: int) -> list[str]:
        col = self._columns[i]
        if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
            raise InputError(f"column '{self.names[i]}' is not UTF-8 text; save the file as UTF-8")
        # surrounding spaces in ids and names are never meaningful: ' P1 ' is 'P1'
        return ["" if v is None else str(v).strip() for v in col.to_pylist()]


@dataclass(frozen=True)
class TextHead:
    """What :func:`sniff_text` learned from the head of a text table."""

    lines: list[str]  # decoded lines of the head (the last may be cut)
    sep: str
    decimal: str
    header: list[str]  # row 1 split by ``sep`` (cells as written)
    bom: bool  # the file starts with a UTF-8 byte-order mark


def sniff_text(path: Path, src: str, base: str, *, sep: str | None, decimal: str | None) -> TextHead:
    """Read the head of a delimited text file and settle its encoding, separator and decimal mark.

    Shared by :func:`read_cohort` and the streaming scorer so that both refuse the same files with
    the same messages: UTF-16, a Parquet file named .csv, a byte that is not UTF-8, an empty first
    line, a first row longer than the header limit, a separator equal to the decimal mark.
    """
    head = _head_bytes(path, src)
    complete = len(head) < _HEAD_BYTES  # the whole file was read
    if not complete and b"\n" not in head and b"\r" not in head:  # row 1 is longer than the block
        head = _head_bytes(path, src, _MAX_HEADER_BYTES)
        complete = len(head) < _MAX_HEADER_BYTES
        if not complete and b"\n" not in head and b"\r" not in head:
            raise InputError(f"{src}: row 1 is longer than {_MAX_HEADER_BYTES >> 20} MB with no line break; "
                             "this is not a table of samples: check that the file is CSV/TSV text with one row "
                             "per line")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{src}: is UTF-16 text (Excel's 'Unicode text'); save it as CSV UTF-8")
    if head.startswith(b"PAR1"):
        raise InputError(f"{src}: is a Parquet file; give it a .parquet extension")
    bom = head.startswith(b"\xef\xbb\xbf")
    text = head[3:] if bom else head
    try:
        head_text = text.decode("utf-8")
    except UnicodeDecodeError as err:
        if complete or err.start < len(text) - 4:  # not just a character cut at the end of the sniffed block
            line = text[: err.start].count(b"\n") + 1
            raise InputError(f"{src}: row {line}: byte {text[err.start]:#04x} is not UTF-8; save the file as "
                             "CSV UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')") from None
        head_text = text[: err.start].decode("utf-8")
    lines = head_text.splitlines()
    if lines and not lines[0].strip():
        raise InputError(f"{src}: the first line is empty; the header (column names) must be on row 1")
    if not lines:
        raise InputError(f"{src}: is empty")
    header_line = lines[0]
    if sep is None:
        sep = _sniff_sep(header_line, base)
    if len(sep) != 1:
        raise InputError(f"sep={sep!r} must be a single character")
    if decimal is None:
        decimal = "."
        if sep == ";" and any(_has_decimal_comma(ln, sep) for ln in lines[1:50]):
            decimal = ","
    if decimal not in (".", ","):
        raise InputError(f"decimal={decimal!r} must be '.' or ','")
    if decimal == sep:
        raise InputError(f"decimal mark and separator are both {decimal!r}; pass sep=';' for decimal commas")
    header = next(csv.reader([header_line], delimiter=sep))
    return TextHead(lines=lines, sep=sep, decimal=decimal, header=header, bom=bom)


def _read_table(path: Path, src: str, *, sep: str | None, decimal: str | None, id_column: str | None) -> _Table:
    _check_path(path, src)
    suffixes = [s.lower() for s in path.suffixes]
    base = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if base in (".xlsx", ".xls", ".xlsm", ".ods"):
        raise InputError(f"{src}: spreadsheet files are not read directly; save the sheet as CSV (UTF-8) "
                         "and pass that file")
    if base in _PARQUET_SUFFIXES:
        return _read_parquet(path, src)
    head_info = sniff_text(path, src, base, sep=sep, decimal=decimal)
    sep, decimal, header, bom = head_info.sep, head_info.decimal, head_info.header, head_info.bom
    notes: list[str] = []
    _check_header([h.strip() for h in header], src)
    raw_id = header[0] if id_column is None else next((h for h in header if h.strip() == id_column), id_column)
    column_types = {raw_id: pa.string()}
    try:
        tbl = pacsv.read_csv(
            str(path),
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
                decimal_point=decimal, column_types=column_types,
                true_values=["\x00true"], false_values=["\x00false"],  # never infer booleans
            ),
        )
    except pa.ArrowInvalid as err:
        raise _csv_error(err, path, src, sep) from None
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise InputError(f"{src}: cannot read ({err}); check that the file is complete") from None
    try:
        names = [str(n).strip() for n in tbl.column_names]
    except UnicodeDecodeError:
        raise InputError(f"{src}: row 1 (the header) is not UTF-8 text; save the file as CSV UTF-8") from None
    if bom:
        names[0] = names[0].lstrip("\ufeff").strip()
        notes.append(f"{src}: starts with a UTF-8 byte-order mark (Excel 'CSV UTF-8'); ignored it")
    cols = [tbl.column(i) for i in range(tbl.num_columns)]
    for i, c in enumerate(cols):
        if pa.types.is_binary(c.type) or pa.types.is_large_binary(c.type):
            raise InputError(f"{src}: column '{names[i]}' is not UTF-8 text; save the file as CSV UTF-8")
    return _Table(names, cols, fmt="csv", sep=sep, decimal=decimal, bom=bom, notes=notes, row_base=2)


def _read_parquet(path: Path, src: str) -> _Table:
    import pyarrow.parquet as pq

    try:
        tbl = pq.read_table(str(path))
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{src}: not a readable Parquet file ({err})") from None
    meta = tbl.schema.pandas_metadata or {}
    index_cols = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
    names = [str(n).strip() for n in tbl.column_names]
    cols = [tbl.column(i) for i in range(tbl.num_columns)]
    if index_cols and index_cols[0] in names:  # a pandas index written by to_parquet: make it the id column
        k = names.index(index_cols[0])
        names.insert(0, names.pop(k))
        cols.insert(0, cols.pop(k))
        if names[0].startswith("__index_level_"):
            names[0] = "sample_id"
    _check_header(names, src)
    return _Table(names, cols, fmt="parquet", sep=None, decimal=".", bom=False, notes=[], row_base=2)


def _check_path(path: Path, src: str) -> None:
    if not path.exists():
        raise InputError(f"{src}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{src}: is a directory; give the expression file itself")
    if path.stat().st_size == 0:
        raise InputError(f"{src}: is empty (0 bytes)")


_HEAD_BYTES = 1 << 16
_MAX_HEADER_BYTES = 1 << 24  # 16 MB: a header of ~1 million marker names


def _head_bytes(path: Path, src: str, n: int = _HEAD_BYTES) -> bytes:
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        with open(path, "rb") as fh:
            return fh.read(n)
    except (OSError, EOFError) as err:
        raise InputError(f"{src}: cannot read ({err}); check that the file is complete and, for .gz, "
                         "really gzip-compressed") from None


def _sniff_sep(header_line: str, base: str) -> str:
    counts = {s: header_line.count(s) for s in (",", "\t", ";")}
    best = max(counts.values())
    if best == 0:
        return "\t" if base in (".tsv", ".tab") else ","
    tied = [s for s, c in counts.items() if c == best]
    if len(tied) == 1:
        return tied[0]
    pref = "\t" if base in (".tsv", ".tab", ".txt") else ","
    return pref if pref in tied else tied[0]


def _has_decimal_comma(line: str, sep: str) -> bool:
    return any(_DECIMAL_COMMA.match(c.strip()) for c in line.split(sep)[1:])


def _check_header(header: Sequence[str], src: str) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        h = str(h).lstrip("\ufeff")
        if i > 0 and h.strip() == "":
            raise InputError(f"{src}: row 1, column {i + 1}: empty column name; give every column a header")
        if h in seen:
            raise InputError(f"{src}: row 1: columns {seen[h] + 1} and {i + 1} are both named '{h}'; "
                             "duplicated columns are not allowed: keep one or rename it")
        seen[h] = i


def _csv_error(err: Exception, path: Path, src: str, sep: str) -> InputError:
    msg = str(err)
    m = re.search(r"Expected (\d+) columns, got (\d+): (.*)", msg, re.S)
    if m:
        bad = m.group(3).strip()
        row = _find_line(path, bad)
        where = f"row {row}" if row else "a row"
        return InputError(
            f"{src}: {where} has {m.group(2)} fields but the header has {m.group(1)} "
            f"(separator {_sep_name(sep)}); fix that row, quote cells that contain the separator, or pass sep="
        )
    if "straddl" in msg:  # pyarrow: a single row does not fit in one read block
        return InputError(f"{src}: a row is longer than 4 MB; this is not a table of samples: check the separator "
                          "and that every row is on its own line")
    if "UTF8" in msg or "utf-8" in msg.lower():
        return InputError(f"{src}: not UTF-8 text; save the file as CSV UTF-8")
    return InputError(f"{src}: cannot parse as {_sep_name(sep)}-separated text ({msg.splitlines()[0]})")


def _find_line(path: Path, content: str) -> int | None:
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            for i, line in enumerate(fh, start=1):
                if line.rstrip("\r\n") == content or line.strip() == content:
                    return i
    except OSError:
        return None
    return None


def _sep_name(sep: str | None) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon", None: "none"}.get(sep, repr(sep))


def _stem(path: Path) -> str:
    name = path.name
    for suf in (".gz", ".csv", ".tsv", ".txt", ".tab", ".parquet", ".pq"):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
    return name or "cohort"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_panel(panel: Any) -> Any:
    if panel is None:
        return None
    from biomark.panel import Panel, load_panel

    return panel if isinstance(panel, Panel) else load_panel(panel)


# --- layout ----------------------------------------------------------------------------------


def _id_index(names: list[str], id_column: str | None, src: str) -> int:
    if id_column is None:
        return 0
    if id_column in names:
        return names.index(id_column)
    close = _closest(id_column, names)
    raise InputError(f"{src}: no column named '{id_column}' (id_column)"
                     + (f"; did you mean: {', '.join(close)}?" if close else f"; columns are: {', '.join(names[:10])}"))


def _detect_orientation(header_names: list[str], first_col: list[str], targets: Any, src: str) -> str:
    if targets is None:
        return "rows"
    in_header = len(resolve_markers(header_names, targets, source=src).columns) if _unique(header_names) \
        else _count_matches(header_names, targets, src)
    in_rows = _count_matches(first_col, targets, src)
    if in_rows > in_header:
        return "columns"
    return "rows"


def _count_matches(names: list[str], targets: Any, src: str) -> int:
    from biomark.panel.names import match_name

    found = set()
    for n in set(names):
        mid, _ = match_name(n, targets)
        if mid is not None:
            found.add(mid)
    return len(found)


def _unique(names: list[str]) -> bool:
    return len(set(names)) == len(names)


def _unique_names(cands: list[tuple[int, str]]) -> bool:
    return _unique([f for _, f in cands])


def _resolve_with_duplicates(cands: list[tuple[int, str]], targets: Any, src: str, orientation: str) -> Any:
    """Resolve names when some repeat (samples-as-columns files often repeat gene symbols)."""
    uniq = list(dict.fromkeys(f for _, f in cands))
    return resolve_markers(uniq, targets, source=src)


def _first_duplicate(names: list[str]) -> str | None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def _where(orientation: str, i: int, feature_names: list[str]) -> str:
    return f"column {i + 2}" if orientation == "rows" else f"row {i + 2}"


def _closest(name: str, names: Sequence[str], n: int = 3) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, [str(x) for x in names], n=n, cutoff=0.6)


def _check_ids(ids: list[str], src: str, table: _Table, *, id_name: str | None, axis: str) -> None:
    where = (lambda i: f"row {i + 2}, column '{id_name}'") if axis == "rows" else (lambda i: f"row 1, column {i + 2}")
    seen: dict[str, int] = {}
    for i, s in enumerate(ids):
        if s.strip() == "":
            raise InputError(f"{src}: {where(i)}: empty sample id; give every sample an id")
        if s in seen:
            raise InputError(f"{src}: sample id '{s}' appears twice ({where(seen[s])} and {where(i)}); "
                             "sample ids must be unique: fix or remove the duplicate")
        seen[s] = i
    fold: dict[str, int] = {}
    for i, s in enumerate(ids):
        k = _id_key(s)
        if k in fold:
            j = fold[k]
            raise InputError(f"{src}: sample ids '{ids[j]}' ({where(j)}) and '{s}' ({where(i)}) differ only in "
                             "case or spaces; biomark compares ids exactly: make them identical if they are one "
                             "sample, or clearly different if not")
        fold[k] = i


def _id_key(s: str) -> str:
    return re.sub(r"\s+", "", s).casefold()


# --- cell parsing ------------------------------------------------------------------------------


class _CellParser:
    """Turns a pyarrow column into float64 with a mask of empty cells; errors name the cell."""

    def __init__(self, src: str, assay: str, decimal: str) -> None:
        self.src = src
        self.assay = assay
        self.decimal = decimal
        self.decimal_comma_used = decimal == ","
        self._undet: list[tuple[int, np.ndarray]] = []  # per parsed column: mask of Undetermined cells
        self._count = 0

    def column(self, col: pa.ChunkedArray, *, header: str, row_of: Any, sample_of: Any,
               rows: list[int] | None = None, marker_of: Any = None, record: bool = True) -> tuple[np.ndarray, np.ndarray]:
        typ = col.type
        n = len(col) if rows is None else len(rows)
        undet = np.zeros(n, dtype=bool)
        if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_null(typ) or pa.types.is_decimal(typ):
            if rows is not None:
                col = col.take(pa.array(rows, type=pa.int64()))
            arr = col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False) if not pa.types.is_null(typ) \
                else np.full(n, np.nan)
            blank = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            arr = np.where(blank, np.nan, arr)
            bad = ~np.isfinite(arr) & ~blank
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                self._infinite(header, row_of(r), sample_of(r), marker_of(r) if marker_of else None, arr[r])
        elif pa.types.is_string(typ) or pa.types.is_large_string(typ):
            if rows is not None:
                col = col.take(pa.array(rows, type=pa.int64()))
            cells = col.to_pylist()
            arr = np.empty(n, dtype=np.float64)
            blank = np.zeros(n, dtype=bool)
            for r, c in enumerate(cells):
                arr[r], kind = self._parse(c, header, row_of(r), sample_of(r), marker_of(r) if marker_of else None)
                if kind == "blank":
                    blank[r] = True
                elif kind == "undetermined":
                    undet[r] = True
        else:
            raise InputError(f"{self.src}: column '{header}' holds {typ} values, not numbers; "
                             "expression values must be numeric")
        if record:
            self._undet.append((self._count, undet))
            self._count += 1
        return arr, blank

    def _parse(self, cell: Any, header: str, row: int, sample: str, marker: str | None) -> tuple[float, str]:
        if cell is None:
            return math.nan, "blank"
        s = str(cell).strip()
        if s == "":
            return math.nan, "blank"
        low = s.lower()
        if low in NA_TOKENS:
            return math.nan, "missing"
        if low in UNDETERMINED_TOKENS:
            if self.assay == "qpcr_ct":
                return math.nan, "undetermined"
            raise InputError(self._at(header, row, sample, marker)
                             + f"'{s}' is not a number; it looks like qPCR output: pass assay='qpcr_ct' "
                             "(CLI --assay qpcr_ct) if these are Ct values")
        if low in _INF_TOKENS:
            self._infinite(header, row, sample, marker, s)
        t = s.replace(",", ".") if self.decimal == "," else s
        if _NUMBER.match(t):
            v = float(t)
            if not math.isfinite(v):
                self._infinite(header, row, sample, marker, s)
            return v, "value"
        hint = "replace it by a number, or leave the cell empty / write NA for a missing value"
        if self.decimal == "." and _DECIMAL_COMMA.match(s):
            hint = ("it uses a decimal comma; export the file with decimal points, or pass decimal=',' "
                    "with sep=';' (CLI --decimal , --sep ';')")
        elif re.match(r"^[<>]\s*\d", s):
            hint = "a censored value ('<LOD', '>40') is not a number; write the limit itself or leave the cell empty"
        elif s.endswith("%"):
            hint = "remove the % sign"
        raise InputError(self._at(header, row, sample, marker) + f"'{s}' is not a number; {hint}")

    def _at(self, header: str, row: int, sample: str, marker: str | None) -> str:
        if marker is None:
            return f"{self.src}: row {row}, column '{header}' (sample '{sample}'): "
        return f"{self.src}: row {row} (marker '{marker}'), column '{header}': "

    def _infinite(self, header: str, row: int, sample: str, marker: str | None, value: Any) -> None:
        raise InputError(self._at(header, row, sample, marker)
                         + f"infinite value '{value}'; replace it by a finite number or leave the cell empty "
                         "(a log of 0 gives -inf: check how the values were transformed)")

    def undetermined_matrix(self, shape: tuple[int, int], orientation: str, keep: list) -> np.ndarray:
        masks = [m for _, m in self._undet]
        if not masks:
            return np.zeros(shape, dtype=bool)
        return np.column_stack(masks) if orientation == "rows" else np.vstack(masks)


# --- assay rules -----------------------------------------------------------------------------


def _apply_ct_rule(values: np.ndarray, set_mask: np.ndarray, cols: list[str], cutoff: float, src: str,
                   sample_ids: list[str], orientation: str, keep: list, feature_names: list[str],
                   names: list[str], id_idx: int) -> tuple[np.ndarray, dict[str, Any]]:
    finite = values[np.isfinite(values)]
    if finite.size and (finite <= 0).any():
        k = np.argwhere(np.isfinite(values) & (values <= 0))[0]
        raise InputError(f"{src}: sample '{sample_ids[k[0]]}', marker '{cols[k[1]]}': Ct {values[k[0], k[1]]:g} "
                         "is not a cycle number (Ct values are positive); if these are already −ΔCt or log2 "
                         "values pass assay='log2_expression'")
    above = np.isfinite(values) & (values > cutoff)
    undetermined = set_mask
    values = values.copy()
    values[above | undetermined] = cutoff
    per_marker = {c: int((above[:, k] | undetermined[:, k]).sum()) for k, c in enumerate(cols)}
    qc = {
        "ct_cutoff": cutoff,
        "ct_rule": f"Undetermined, empty and Ct > {cutoff:g} set to {cutoff:g}",
        "ct_set_to_cutoff": {c: n for c, n in per_marker.items() if n},
        "ct_undetermined": {c: int(undetermined[:, k].sum()) for k, c in enumerate(cols) if undetermined[:, k].any()},
        "ct_above_cutoff": {c: int(above[:, k].sum()) for k, c in enumerate(cols) if above[:, k].any()},
        "ct_set_to_cutoff_total": int(sum(per_marker.values())),
    }
    return values, qc


def _check_counts(values: np.ndarray, cols: list[str], src: str, sample_ids: list[str], warnings: list[str]) -> None:
    neg = np.isfinite(values) & (values < 0)
    if neg.any():
        i, k = np.argwhere(neg)[0]
        raise InputError(f"{src}: sample '{sample_ids[i]}', marker '{cols[k]}': count {values[i, k]:g} is negative; "
                         "counts are read numbers ≥ 0 (if the values are already log-transformed pass "
                         "assay='log2_expression')")
    fin = values[np.isfinite(values)]
    if fin.size and np.any(fin != np.round(fin)):
        warnings.append(f"{src}: some counts are not whole numbers (expected counts from an estimator?); "
                        "used as given for log2 CPM")


def _check_intensity(values: np.ndarray, cols: list[str], src: str, sample_ids: list[str], warnings: list[str]) -> None:
    bad = np.isfinite(values) & (values <= 0)
    if bad.any():
        i, k = np.argwhere(bad)[0]
        raise InputError(f"{src}: sample '{sample_ids[i]}', marker '{cols[k]}': intensity {values[i, k]:g} is not "
                         "positive and has no log2; if the values are already log2 pass assay='log2_expression', "
                         "else replace non-positive values (e.g. by the detection limit)")
    fin = values[np.isfinite(values)]
    if fin.size and fin.max() < 32:
        warnings.append(f"{src}: all intensities are below 32, as if already log2-transformed; check the assay "
                        "(log2_expression if so)")


def _library_size(table: _Table, parser: _CellParser, orientation: str, id_idx: int, names: list[str],
                  feature_pos: list[int], sample_ids: list[str], values: np.ndarray, src: str) -> pd.Series:
    """Sum of the counts of every feature in the file, per sample (NaN counted as 0)."""
    try:
        return _library_size_unchecked(table, parser, orientation, id_idx, names, feature_pos, sample_ids, src)
    except InputError as err:
        if "library size" in str(err):
            raise
        raise InputError(f"{err} (for counts every column of the file is summed into the library size, so "
                         "every column must hold counts: move other columns to the clinical file)") from None


def _library_size_unchecked(table: _Table, parser: _CellParser, orientation: str, id_idx: int, names: list[str],
                            feature_pos: list[int], sample_ids: list[str], src: str) -> pd.Series:
    if orientation == "rows":
        total = np.zeros(len(sample_ids))
        for pos in feature_pos:
            arr, _ = parser.column(table.column(pos), header=names[pos], row_of=lambda r: r + 2,
                                   sample_of=lambda r: sample_ids[r], record=False)
            total += np.nan_to_num(arr, nan=0.0)
            _neg_count(arr, src, names[pos], sample_ids)
    else:
        first = table.column_strings(id_idx)
        total = np.zeros(len(sample_ids))
        for s, pos in enumerate([i for i in range(len(names)) if i != id_idx]):
            arr, _ = parser.column(table.column(pos), header=names[pos], row_of=lambda r: r + 2,
                                   sample_of=lambda r, s=s: sample_ids[s], marker_of=lambda r: first[r], record=False)
            total[s] = np.nansum(arr)
    zero = np.flatnonzero(total <= 0)
    if zero.size:
        raise InputError(f"{src}: sample '{sample_ids[zero[0]]}' has a library size of 0 (all counts are 0 or "
                         "missing); remove the sample")
    return pd.Series(total, index=pd.Index(sample_ids, name="sample_id", dtype=object), name="library_size")


def _neg_count(arr: np.ndarray, src: str, header: str, sample_ids: list[str]) -> None:
    neg = np.flatnonzero(np.isfinite(arr) & (arr < 0))
    if neg.size:
        r = int(neg[0])
        raise InputError(f"{src}: row {r + 2}, column '{header}' (sample '{sample_ids[r]}'): count {arr[r]:g} is "
                         "negative; the library size sums every count of the file, so every column must hold counts")


# --- clinical ----------------------------------------------------------------------------------


def read_clinical(path: str | os.PathLike[str], *, id_column: str | None = None, sep: str | None = None,
                  decimal: str | None = None, strict_id: bool = True) -> pd.DataFrame:
    """Read a clinical file: one row per sample, indexed by the sample id (``str``)."""
    p = Path(path)
    src = str(path)
    table = _read_table(p, src, sep=sep, decimal=decimal, id_column=id_column)
    names = table.names
    if id_column is not None and id_column not in names and not strict_id:
        id_idx = 0  # the expression file's id column name is only a default for the clinical file
    else:
        id_idx = _id_index(names, id_column, src)
    ids = table.column_strings(id_idx)
    _check_ids(ids, src, table, id_name=names[id_idx], axis="rows")
    data: dict[str, Any] = {}
    for i, n in enumerate(names):
        if i == id_idx:
            continue
        col = table.column(i)
        if pa.types.is_floating(col.type):
            arr = col.to_numpy(zero_copy_only=False).astype(np.float64)
            bad = np.flatnonzero(np.isinf(arr))
            if bad.size:
                r = int(bad[0])
                raise InputError(f"{src}: row {r + 2}, column '{n}' (sample '{ids[r]}'): infinite value; "
                                 "replace it by a finite number or leave the cell empty")
            data[n] = arr
        elif pa.types.is_integer(col.type) and col.null_count == 0:
            data[n] = col.to_numpy(zero_copy_only=False)
        elif pa.types.is_integer(col.type):
            data[n] = col.to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            vals = col.to_pylist()
            data[n] = pd.array([None if v is None else v for v in vals], dtype=object)
    df = pd.DataFrame(data, index=pd.Index(ids, name="sample_id", dtype=object))
    return df


def _join_clinical(expr: pd.DataFrame, path: Path, src: str, id_column: str | None, expr_src: str,
                   *, strict_id: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], list[str]]:
    clin = read_clinical(path, id_column=id_column, strict_id=strict_id)
    e_ids = [str(i) for i in expr.index]
    c_ids = [str(i) for i in clin.index]
    c_set = set(c_ids)
    e_set = set(e_ids)
    only_e = [i for i in e_ids if i not in c_set]
    only_c = [i for i in c_ids if i not in e_set]
    # ids that would match but for case or spaces: almost always a typo, never guessed
    if only_e and only_c:
        fold_c = {_id_key(i): i for i in only_c}
        pairs = [(i, fold_c[_id_key(i)]) for i in only_e if _id_key(i) in fold_c]
        if pairs:
            shown = ", ".join(f"'{a}' vs '{b}'" for a, b in pairs[:3])
            raise InputError(f"{expr_src} and {src}: {len(pairs)} sample id(s) differ only in case or spaces "
                             f"({shown}{' ...' if len(pairs) > 3 else ''}); biomark matches ids exactly: "
                             "make them identical in both files")
    both = [i for i in e_ids if i in c_set]
    if not both:
        raise InputError(f"{expr_src} and {src}: no sample id is in both files (expression ids like "
                         f"{', '.join(repr(i) for i in e_ids[:3])}; clinical ids like "
                         f"{', '.join(repr(i) for i in c_ids[:3])}); check the id columns "
                         "(id_column / clinical_id_column)")
    warnings: list[str] = []
    if only_e:
        warnings.append(f"{len(only_e)} sample(s) of {expr_src} are not in {src} and were left out: "
                        + _list(only_e))
    if only_c:
        warnings.append(f"{len(only_c)} sample(s) of {src} are not in {expr_src} and were left out: "
                        + _list(only_c))
    qc = {"only_in_expression": only_e, "only_in_clinical": only_c, "n_joined": len(both)}
    expr2 = expr.loc[both]
    clin2 = clin.loc[both]
    return expr2, clin2, qc, warnings


def _list(ids: list[str]) -> str:
    return ", ".join(ids[:_MAX_LISTED]) + (f" ... (+{len(ids) - _MAX_LISTED})" if len(ids) > _MAX_LISTED else "")


__all__ = ["ASSAYS", "DEFAULT_CT_CUTOFF", "NA_TOKENS", "UNDETERMINED_TOKENS", "read_clinical", "read_cohort"]
