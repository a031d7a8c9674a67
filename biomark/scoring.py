"""Streaming scorer: apply a fitted :class:`~biomark.PanelModel` (or a panel's fixed rule) to a file.

:func:`score_file` reads a CSV, TSV or Parquet file (CSV/TSV optionally ``.gz``) in chunks and
writes one row per sample, in input order::

    sample_id, score, probability (only when the model has one), risk_group, n_missing

Memory stays bounded whatever the file size: CSV is read with pyarrow's streaming reader
(:func:`pyarrow.csv.open_csv`, one block at a time, read ahead by one background thread),
Parquet with :meth:`pyarrow.parquet.ParquetFile.iter_batches`; each chunk is converted, scored
and appended to a temporary file that is renamed over the output only when every row was
scored. An error leaves no output behind; the input is only ever read.

Rules (``docs/scoring.md`` is the user-facing description):

* **Columns**: the header names are matched to the model's markers through the panel's ids and
  aliases (:func:`biomark.panel.names.resolve_markers`). Samples must be rows (one per line);
  the first column (or ``id_column``) holds the sample ids.
* **Cells**: as :func:`biomark.read_cohort` reads them: ``NA``/``nan``/empty cells are missing;
  qPCR ``Undetermined``, empty cells and Ct values above the cutoff are set to the cutoff; an
  infinite value or a text that is not a number is an error naming file, row, column and sample.
* **Assay conversion**: the per-sample rule the model was fitted on
  (:func:`biomark.preprocess.assay_levels`: −ΔCt against the reference markers or spike-in
  recorded in the model file, log2 CPM with the library size summed over every feature column of
  the row, log2 intensity). Every rule uses the sample's own row only, so it applies chunk by
  chunk exactly as to the whole file.
* **Missing markers**: a missing level (a missing cell, a marker column absent from the file, a
  qPCR sample without a reference Ct) is filled with the model's training median, as
  :meth:`PanelModel.panel_score` does; ``n_missing`` counts, per sample, the markers filled.
* **Score**: for the linear rules (``signed_z``, ``weights``, ``logistic``)
  ``score = Σ_j x_j w_j + b`` with ``w = coef_ / scale_`` and ``b = intercept_ − mean_·w`` (the
  model's effective weights on the levels), summed marker by marker in model order by
  :func:`linear_score`, so that a sample's score does not depend on which other rows share its
  chunk (a BLAS matrix-vector product does not promise that). Other methods use
  :meth:`PanelModel.panel_score` on the chunk.
* **Probability**: logistic: ``expit(score)``; recalibrated fixed rules: ``expit(a + b·score)``;
  ``estimator=`` models: their ``predict_proba``. Absent when the model was fitted without an
  outcome.
* **Risk group**: ``high`` when ``probability > threshold`` (default 0.5, the cut-off of
  :meth:`PanelModel.predict`); for a model without probability, ``high`` when
  ``score > threshold`` with default the training mean of the score (the score of the average
  training profile: ``intercept_`` for the linear rules, 0 for ``signed_z``; 0.5 for
  ``boolean``, i.e. the rule holds); else ``low``.
* **Spreadsheet formula injection**: a sample id that begins with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is written with a leading single quote (OWASP, "CSV Injection").
* **Panel without a model** (:func:`score_file` given a panel): the ``signed_z``/``weights`` rule
  needs reference statistics. They are taken from the file itself in a first streaming pass:
  per-marker mean and SD (``ddof=1``) of the converted levels over the non-missing values
  (combined across chunks with Chan et al.'s pairwise update). Missing values are filled with
  that mean (a median would need a whole column in memory); markers absent from the file are
  left out of the score. The file is therefore read twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from scipy.special import expit

from biomark.errors import BiomarkError, InputError
from biomark.model import linear_score

DEFAULT_CHUNK_ROWS = 131_072
#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"
OUTPUT_COLUMNS = ("sample_id", "score", "probability", "risk_group", "n_missing")
_MIN_BLOCK = 1 << 20
_MAX_BLOCK = 1 << 25


# --- public results --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScoreSummary:
    """What :func:`score_file` did.

    Attributes
    ----------
    output, source
        Paths of the written scores and of the expression file.
    n_samples, n_chunks
        Rows scored and chunks processed (per pass).
    method, panel_id, endpoint
        The scoring rule, its panel and endpoint.
    reference
        ``"model"`` (statistics from the model file) or ``"file"`` (panel scored with the file's
        own means and SDs, two passes).
    markers
        The model's markers, in score order.
    columns
        Header name -> marker id for every matched column (reference markers included).
    absent
        Model markers with no column in the file (imputed for every sample).
    n_missing_total, n_samples_with_missing
        Imputed values in all, and samples with at least one.
    missing_by_marker
        Marker -> number of samples in which it was imputed (only markers with any).
    has_probability
        Whether a ``probability`` column was written.
    risk_rule, threshold
        How ``risk_group`` was assigned, and the cut-off.
    n_high
        Samples in the ``high`` group.
    assay, conversion
        The assay and the conversion applied (e.g. −ΔCt against which references).
    neutralised_ids
        Sample ids prefixed with ``'`` against spreadsheet formula injection.
    warnings
        Facts worth reading (absent markers, statistics from the file, ...).
    seconds
        Wall time.
    """

    output: str
    source: str
    n_samples: int
    n_chunks: int
    method: str
    panel_id: str | None
    endpoint: str | None
    reference: str
    markers: list[str]
    columns: dict[str, str]
    absent: list[str]
    n_missing_total: int
    n_samples_with_missing: int
    missing_by_marker: dict[str, int]
    has_probability: bool
    risk_rule: str
    threshold: float
    n_high: int
    assay: str
    conversion: str
    neutralised_ids: int
    warnings: list[str]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- small public helpers --------------------------------------------------------------------


def neutralise_formulas(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, int]:
    """Prefix ``'`` to every string that begins with ``=``, ``+``, ``-``, ``@``, tab or CR.

    Vectorised (one regex match over the column); returns the new array and how many cells were
    changed. This is the OWASP recommendation against CSV/formula injection: a spreadsheet shows
    ``'=1+1`` as the text ``=1+1`` instead of evaluating it.
    """
    mask = pc.match_substring_regex(ids, _FORMULA_RE)
    n = int(pc.sum(mask.cast(pa.int64())).as_py() or 0) if len(ids) else 0
    if n == 0:
        return ids, 0
    return pc.if_else(mask, pc.binary_join_element_wise("'", ids, ""), ids), n


# --- the scorer (model side) -----------------------------------------------------------------


class _ModelScorer:
    """Scores chunks of levels (float64 columns in model order) with a fitted PanelModel."""

    def __init__(self, model: Any, threshold: float | None) -> None:
        self.model = model
        self.markers = list(model.markers_)
        self.labels = [f"marker '{m}'" for m in self.markers]  # the caller names the file's columns
        self.medians = np.asarray(model.medians_, dtype=np.float64)
        self.method = model.method_
        self.linear = self.method in ("signed_z", "weights", "logistic", "cox") and getattr(model, "coef_", None) is not None
        if self.linear:
            # the model's effective weights on the imputed levels (as PanelModel._compile)
            w = model.coef_ / model.scale_
            self.w = np.ascontiguousarray(w)
            self.b = float(model.intercept_ - model.mean_ @ w)
        self.has_classes = hasattr(model, "classes_")
        self.calibration = getattr(model, "calibration_", None)
        est = getattr(model, "estimator_", None)
        self.has_probability = self.has_classes and (
            self.method == "logistic" or self.calibration is not None
            or (self.method == "estimator" and hasattr(est, "predict_proba")))
        if self.has_probability:
            self.threshold = 0.5 if threshold is None else float(threshold)
            self.risk_rule = (f"high when probability > {self.threshold:g}"
                              + (" (PanelModel.predict's cut-off)" if threshold is None else " (--threshold)"))
        else:
            if threshold is not None:
                self.threshold = float(threshold)
                self.risk_rule = f"high when score > {self.threshold:g} (--threshold; the model has no probability)"
            elif self.method == "boolean":
                self.threshold = 0.5
                self.risk_rule = "high when the boolean rule holds (score 1)"
            elif self.linear:
                self.threshold = float(model.intercept_)
                why = "a Cox model's linear predictor" if self.method == "cox" else "no outcome at fit"
                self.risk_rule = (f"high when score > {self.threshold:.6g}, the training mean of the score "
                                  f"({why}: no probability)")
            else:
                self.threshold = 0.0
                self.risk_rule = "high when score > 0 (decision function; the model has no probability)"

    def score(self, cols: list[np.ndarray], rows: _RowInfo) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        n = rows.n
        n_missing = np.zeros(n, dtype=np.int32)
        if self.linear:
            s = linear_score(cols, self.w, self.b)
            bad = np.flatnonzero(~np.isfinite(s))
            if bad.size:
                sub = [c[bad] for c in cols]
                _check_finite_rows(sub, bad, rows, self.labels)
                filled = []
                for j, c in enumerate(sub):
                    m = np.isnan(c)
                    n_missing[bad] += m
                    filled.append(np.where(m, self.medians[j], c) if m.any() else c)
                s[bad] = linear_score(filled, self.w, self.b)
        else:
            arr = np.column_stack(cols) if cols else np.empty((n, 0))
            nanm = np.isnan(arr)
            if nanm.any() or np.isinf(arr).any():
                rowsbad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
                _check_finite_rows([arr[rowsbad, j] for j in range(arr.shape[1])], rowsbad, rows, self.labels)
                n_missing = nanm.sum(axis=1).astype(np.int32)
            s = np.asarray(self.model.panel_score(np.ascontiguousarray(arr)), dtype=np.float64)
        prob = None
        if self.has_probability:
            if self.method == "logistic":
                prob = expit(s)
            elif self.calibration is not None:
                a, b = self.calibration
                prob = expit(a + b * s)
            else:
                arr = np.column_stack(cols)
                arr = np.where(np.isnan(arr), self.medians, arr)
                prob = np.asarray(self.model.predict_proba(arr)[:, self.model.positive_index_], dtype=np.float64)
        return s, prob, n_missing

    def high(self, score: np.ndarray, prob: np.ndarray | None) -> np.ndarray:
        return (prob > self.threshold) if prob is not None else (score > self.threshold)


@dataclasses.dataclass
class _RowInfo:
    """Where a chunk sits in the file (for error messages)."""

    src: str
    offset: int  # 0-based index of the chunk's first data row
    n: int
    ids: pa.Array | None
    id_header: str

    def row(self, r: int) -> int:
        return self.offset + int(r) + 2  # the header is row 1, as a spreadsheet shows it

    def sample(self, r: int) -> str:
        if self.ids is None:
            return "?"
        v = self.ids[int(r)].as_py()
        return "" if v is None else str(v)


def _check_finite_rows(sub: list[np.ndarray], rows_idx: np.ndarray, rows: _RowInfo, headers: list[str]) -> None:
    for j, c in enumerate(sub):
        inf = np.flatnonzero(np.isinf(c))
        if inf.size:
            r = int(rows_idx[inf[0]])
            raise InputError(f"{rows.src}: row {rows.row(r)}, {headers[j]} (sample '{rows.sample(r)}'): "
                             "infinite value; replace it by a finite number or leave the cell empty")


# --- reading ---------------------------------------------------------------------------------


class _Retry(Exception):
    """A CSV column needs the text parser (pyarrow could not read it as numbers)."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def _case_variants(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        for v in (t, t.upper(), t.title(), t.capitalize()):
            if v not in out:
                out.append(v)
    return out


@dataclasses.dataclass
class _Layout:
    """The file's format, header and which columns are read."""

    path: Path
    src: str
    fmt: str  # "csv" | "parquet"
    names: list[str]  # header names as written (stripped)
    raw_names: list[str]  # header names as pyarrow sees them (unstripped)
    id_idx: int
    sep: str | None
    decimal: str
    bytes_per_row: float


def _layout(path: Path, src: str, *, sep: str | None, decimal: str | None, id_column: str | None) -> _Layout:
    from biomark import io as bio

    bio._check_path(path, src)
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    base = suffixes[-2] if gz and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if base in (".xlsx", ".xls", ".xlsm", ".ods"):
        raise InputError(f"{src}: spreadsheet files are not read directly; save the sheet as CSV (UTF-8) "
                         "and pass that file")
    if base in (".parquet", ".pq"):
        if gz:
            raise InputError(f"{src}: a gzip-compressed Parquet file cannot be streamed (Parquet needs random "
                             "access and compresses its pages itself); gunzip it first")
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(str(path))
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{src}: not a readable Parquet file ({err})") from None
        raw = [str(n) for n in pf.schema_arrow.names]
        names = [n.strip() for n in raw]
        meta = pf.schema_arrow.pandas_metadata or {}
        idx_cols = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
        id_idx = bio._id_index(names, id_column, src) if id_column is not None else (
            names.index(idx_cols[0]) if idx_cols and idx_cols[0] in names else 0)
        bio._check_header(names, src)
        return _Layout(path, src, "parquet", names, raw, id_idx, None, ".", 0.0)
    head_info = bio.sniff_text(path, src, base, sep=sep, decimal=decimal)
    lines, sep, decimal, raw = head_info.lines, head_info.sep, head_info.decimal, head_info.header
    names = [h.strip() for h in raw]
    bio._check_header(names, src)
    if len(names) < 2:
        raise InputError(f"{src}: needs an id column and at least one marker column; found {len(names)} column(s) "
                         f"when split by {bio._sep_name(sep)}")
    id_idx = bio._id_index(names, id_column, src)
    complete = lines[1:-1] if len(lines) > 2 else lines[1:]
    per_row = (sum(len(ln) + 1 for ln in complete) / len(complete)) if complete else float(len(lines[0]) + 1)
    if gz:
        per_row *= 1.0  # block_size counts decompressed bytes
    return _Layout(path, src, "csv", names, raw, id_idx, sep, decimal, per_row)


class _Reader:
    """Yields ``(offset, ids, {column index: pyarrow array})`` chunks of at most ``chunk_rows`` rows."""

    def __init__(self, layout: _Layout, wanted: list[int], *, assay: str, chunk_rows: int,
                 text_columns: set[int], block_size: int | None = None) -> None:
        self.lay = layout
        self.wanted = wanted
        self.assay = assay
        self.chunk_rows = chunk_rows
        self.text_columns = text_columns
        self.block_size = block_size

    # --- CSV ---
    def _csv_options(self, block: int) -> tuple[Any, Any, Any]:
        from biomark.io import NA_TOKENS, UNDETERMINED_TOKENS

        lay = self.lay
        col_names = [f"c{i}" for i in range(len(lay.names))]  # own names: headers may repeat after stripping
        types: dict[str, Any] = {col_names[lay.id_idx]: pa.string()}
        for i in self.wanted:
            types[col_names[i]] = pa.string() if i in self.text_columns else pa.float64()
        if self.assay == "qpcr_ct":
            nulls = ["", *_case_variants(sorted(UNDETERMINED_TOKENS))]  # set to the Ct cutoff
        else:
            nulls = ["", *_case_variants(sorted(t for t in NA_TOKENS if t not in ("nan",)))]
        return (
            pacsv.ReadOptions(block_size=block, use_threads=True, column_names=col_names),
            pacsv.ParseOptions(delimiter=lay.sep),
            pacsv.ConvertOptions(
                column_types=types, include_columns=[col_names[lay.id_idx]] + [col_names[i] for i in self.wanted],
                null_values=nulls, strings_can_be_null=False, quoted_strings_can_be_null=True,
                decimal_point=lay.decimal, true_values=["\x00true"], false_values=["\x00false"]),
        )

    def _segments(self, size: int) -> Iterator[bytes]:
        """The file after its header line, in pieces of about ``size`` bytes that end at a line end.

        Like pyarrow's own block splitting (``newlines_in_values=False``), a line end is a row end.
        """
        import gzip

        lay = self.lay
        gz = lay.path.name.lower().endswith(".gz")
        try:
            with (gzip.open(lay.path, "rb") if gz else open(lay.path, "rb")) as fh:
                fh.readline()  # the header, parsed by _layout
                carry = b""
                while True:
                    buf = fh.read(size)
                    if not buf:
                        if carry.strip(b"\r\n\t ,;"):
                            yield carry
                        return
                    data = carry + buf if carry else buf
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        carry = data
                        continue
                    carry = data[cut + 1:]
                    yield data[: cut + 1]
        except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{lay.src}: cannot read ({err}); check that the file is complete"
                             + (" and really gzip-compressed" if gz else "")) from None

    def _csv_batches(self) -> Iterator[pa.Table]:
        """Parsed segments. pyarrow's streaming reader (open_csv) parses one block at a time on one
        core; read_csv on a bounded segment parses its blocks on every core, memory stays bounded
        by the segment size, and a background thread reads the next segment meanwhile."""
        seg = self.block_size or int(min(max(self.chunk_rows * max(self.lay.bytes_per_row, 8.0) * 1.05, _MIN_BLOCK),
                                         _MAX_BLOCK))
        # read_csv splits a segment into blocks parsed in parallel; a block must hold whole rows
        block = self.block_size or max(min(seg // 4, 4 << 20), 1 << 16, int(16 * self.lay.bytes_per_row))
        ropt, popt, copt = self._csv_options(block)
        for data in self._segments(seg):
            try:
                tbl = pacsv.read_csv(pa.py_buffer(data), read_options=ropt, parse_options=popt, convert_options=copt)
            except pa.ArrowInvalid as err:
                raise self._csv_error(err) from None
            if tbl.num_rows:
                yield tbl

    def _csv_error(self, err: Exception) -> Exception:
        from biomark import io as bio

        msg = str(err)
        m = re.search(r"In CSV column #(\d+): .*?(?:conversion error to \w+: invalid value '(.*)')?$", msg, re.S)
        if m and "conversion error" in msg:
            k = int(m.group(1))
            if k != self.lay.id_idx and k not in self.text_columns:
                return _Retry(str(k))
        if "Expected" in msg and "columns" in msg:
            return bio._csv_error(err, self.lay.path, self.lay.src, self.lay.sep or ",")
        return bio._csv_error(err, self.lay.path, self.lay.src, self.lay.sep or ",")

    # --- Parquet ---
    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(str(self.lay.path))
        cols = [self.lay.raw_names[self.lay.id_idx]] + [self.lay.raw_names[i] for i in self.wanted]
        try:
            yield from pf.iter_batches(batch_size=self.chunk_rows, columns=cols, use_threads=True)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{self.lay.src}: cannot read Parquet data ({err})") from None

    def chunks(self) -> Iterator[tuple[int, pa.Array, dict[int, pa.Array]]]:
        batches = self._csv_batches() if self.lay.fmt == "csv" else self._parquet_batches()
        offset = 0
        with contextlib.closing(_prefetch(batches)) as parsed:  # closed (reader thread joined) on any exit
            for batch in parsed:
                n = batch.num_rows
                for start in range(0, n, self.chunk_rows):
                    part = batch.slice(start, self.chunk_rows) if n > self.chunk_rows else batch
                    ids = part.column(0)  # both readers return the id column first, then `wanted` in order
                    cols = {i: part.column(k + 1) for k, i in enumerate(self.wanted)}
                    yield offset, ids, cols
                    offset += part.num_rows


def _to_numpy(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numpy view (or, with nulls or several chunks, a copy; float nulls become NaN)."""
    if isinstance(col, pa.ChunkedArray):
        if col.num_chunks == 1:
            col = col.chunk(0)
        else:
            return col.to_numpy()
    return col.to_numpy(zero_copy_only=False)


def _prefetch(it: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run ``it`` in a background thread, ``depth`` items ahead (pyarrow parses without the GIL)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in it:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            put(("error", err))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()  # a generator holding the open file

    # not a daemon: a daemon thread caught inside pyarrow at interpreter exit aborts the process
    # (pthread_exit unwinding through C++ frames: "terminate called without an active exception")
    th = threading.Thread(target=work, name="biomark-score-reader", daemon=False)
    th.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "item":
                yield item
            elif kind == "end":
                return
            else:
                raise item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                q.get_nowait()
        th.join()  # the reader stops within one segment once `stop` is set


# --- cells -> numbers ------------------------------------------------------------------------


class _Cells:
    """Turns a pyarrow column into float64 with the read-time rules of :func:`biomark.read_cohort`."""

    def __init__(self, src: str, assay: str, decimal: str, ct_cutoff: float) -> None:
        from biomark.io import NA_TOKENS, UNDETERMINED_TOKENS

        self.src = src
        self.assay = assay
        self.decimal = decimal
        self.cutoff = ct_cutoff
        self.na = pa.array(sorted(NA_TOKENS))
        self.undet = pa.array(sorted(UNDETERMINED_TOKENS))

    def convert(self, col: pa.Array | pa.ChunkedArray, header: str, rows: _RowInfo) -> np.ndarray:
        """float64 values; qPCR nulls (empty/Undetermined) are the cutoff, other nulls NaN."""
        typ = col.type
        if pa.types.is_floating(typ) or pa.types.is_integer(typ) or pa.types.is_decimal(typ) or pa.types.is_null(typ):
            if pa.types.is_null(typ):
                arr = np.full(len(col), self.cutoff if self.assay == "qpcr_ct" else np.nan)
                return arr
            if typ != pa.float64():
                col = col.cast(pa.float64())
            # nulls become NaN (one copy when there are nulls or several chunks; else zero-copy)
            arr = _to_numpy(col)
            if self.assay == "qpcr_ct" and col.null_count:
                arr = np.array(arr, dtype=np.float64, copy=True)
                arr[_to_numpy(col.is_null()).astype(bool, copy=False)] = self.cutoff
            return self._ct_rule(arr)
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            return self._ct_rule(self._text(col, header, rows))
        raise InputError(f"{self.src}: column '{header}' holds {typ} values, not numbers; expression values must "
                         "be numeric")

    def _ct_rule(self, arr: np.ndarray) -> np.ndarray:
        """qPCR: a Ct above the cutoff is set to the cutoff (read_cohort's rule)."""
        if self.assay == "qpcr_ct":
            above = arr > self.cutoff
            if above.any():
                arr = np.where(above, self.cutoff, arr)
        return arr


    def _text(self, col: pa.Array, header: str, rows: _RowInfo) -> np.ndarray:
        s = pc.utf8_trim_whitespace(col)
        low = pc.utf8_lower(s)
        blank = pc.fill_null(pc.equal(s, ""), True)
        na = pc.fill_null(pc.is_in(low, value_set=self.na), False)
        undet = pc.fill_null(pc.is_in(low, value_set=self.undet), False)
        if self.assay != "qpcr_ct" and pc.any(undet).as_py():
            self._fail(col, header, rows)
        if self.decimal == ",":
            s = pc.replace_substring(s, ",", ".")
        special = pc.or_(pc.or_(blank, na), undet)
        cleaned = pc.if_else(special, pa.scalar(None, pa.string()), s)
        try:
            arr = np.array(_to_numpy(cleaned.cast(pa.float64())), dtype=np.float64, copy=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            self._fail(col, header, rows)
            raise  # pragma: no cover - _fail always raises
        missing = na if self.assay == "qpcr_ct" else pc.or_(na, blank)
        arr[_to_numpy(missing).astype(bool, copy=False)] = np.nan
        if self.assay == "qpcr_ct":
            arr[_to_numpy(pc.or_(blank, undet)).astype(bool, copy=False)] = self.cutoff
        # a text cast accepts what read_cohort rejects only for infinities; those are checked later
        return arr

    def _fail(self, col: pa.Array, header: str, rows: _RowInfo) -> None:
        """Find the offending cell with read_cohort's own cell parser (its messages and hints)."""
        from biomark.io import _CellParser

        parser = _CellParser(self.src, self.assay, self.decimal)
        parser.column(col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col]), header=header, row_of=rows.row, sample_of=rows.sample)
        raise InputError(f"{self.src}: column '{header}' (rows {rows.row(0)}–{rows.row(rows.n - 1)}) holds "
                         "values that are not numbers; fix them or leave the cells empty")


# --- assay conversion ------------------------------------------------------------------------


@dataclasses.dataclass
class _Conversion:
    """How raw marker columns become levels, chunk by chunk."""

    assay: str
    ct_cutoff: float
    reference: list[str]  # qPCR reference marker ids (mean Ct per sample)
    spike_in: str | None
    rule: str

    def check_raw(self, raw: dict[str, np.ndarray], rows: _RowInfo, headers: dict[str, str]) -> None:
        """Per-cell checks read_cohort makes before converting (infinite, Ct ≤ 0, negative counts, ...)."""
        for mid, arr in raw.items():
            if arr.dtype != np.float64:
                continue
            if self.assay == "qpcr_ct":
                bad = np.flatnonzero(np.isinf(arr) | (arr <= 0))
                if bad.size:
                    r = int(bad[0])
                    if np.isinf(arr[r]):
                        self._inf(rows, r, headers[mid])
                    raise InputError(f"{rows.src}: row {rows.row(r)}, column '{headers[mid]}' (sample "
                                     f"'{rows.sample(r)}'): Ct {arr[r]:g} is not a cycle number (Ct values are "
                                     "positive); if these are already −ΔCt or log2 values, score with a model "
                                     "fitted with --assay log2_expression")
            elif self.assay == "counts":
                bad = np.flatnonzero(np.isinf(arr) | (arr < 0))
                if bad.size:
                    r = int(bad[0])
                    if np.isinf(arr[r]):
                        self._inf(rows, r, headers[mid])
                    raise InputError(f"{rows.src}: row {rows.row(r)}, column '{headers[mid]}' (sample "
                                     f"'{rows.sample(r)}'): count {arr[r]:g} is negative; counts are read numbers ≥ 0")
            elif self.assay == "intensity":
                bad = np.flatnonzero(np.isinf(arr) | (arr <= 0))
                if bad.size:
                    r = int(bad[0])
                    if np.isinf(arr[r]):
                        self._inf(rows, r, headers[mid])
                    raise InputError(f"{rows.src}: row {rows.row(r)}, column '{headers[mid]}' (sample "
                                     f"'{rows.sample(r)}'): intensity {arr[r]:g} is not positive and has no log2; "
                                     "replace non-positive values (e.g. by the detection limit)")

    @staticmethod
    def _inf(rows: _RowInfo, r: int, header: str) -> None:
        raise InputError(f"{rows.src}: row {rows.row(r)}, column '{header}' (sample '{rows.sample(r)}'): infinite "
                         "value; replace it by a finite number or leave the cell empty")

    def levels(self, raw: dict[str, np.ndarray], markers: list[str], n: int,
               library_size: np.ndarray | None) -> list[np.ndarray]:
        """Converted columns in ``markers`` order (absent markers: NaN)."""
        if self.assay in ("log2_expression", "ihc_score"):
            nan = None
            out = []
            for m in markers:
                a = raw.get(m)
                if a is None:
                    if nan is None:
                        nan = np.full(n, np.nan)
                    a = nan
                out.append(a)
            return out
        import pandas as pd

        from biomark.preprocess import assay_levels

        present = [m for m in markers if m in raw]
        extra = [r for r in ([self.spike_in] if self.spike_in else self.reference) if r in raw and r not in present]
        frame = pd.DataFrame({c: raw[c] for c in present + extra}, copy=False)
        conv = assay_levels(frame, self.assay, markers=present, reference=self.reference if not self.spike_in else (),
                            spike_in=self.spike_in, library_size=library_size)
        nan = np.full(n, np.nan)
        return [conv[m].to_numpy(dtype=np.float64) if m in raw else nan for m in markers]


def _conversion_for(assay: str, panel: Any, found: set[str], recorded: dict[str, Any] | None,
                    spike_in: str | None, ct_cutoff: float | None, src: str) -> _Conversion:
    from biomark.io import DEFAULT_CT_CUTOFF
    from biomark.preprocess import ASSAY_RULES

    rec = recorded or {}
    cutoff = float(ct_cutoff if ct_cutoff is not None else rec.get("ct_cutoff") or DEFAULT_CT_CUTOFF)
    if assay != "qpcr_ct":
        return _Conversion(assay, cutoff, [], None, ASSAY_RULES.get(assay, assay))
    spike = spike_in if spike_in is not None else rec.get("spike_in")
    if spike is not None:
        if spike not in found:
            raise InputError(f"{src}: the spike-in '{spike}' that −ΔCt is taken against is not a column of the file; "
                             "the model's conversion cannot be applied without it")
        return _Conversion(assay, cutoff, [], spike, f"−ΔCt = Ct({spike}) − marker Ct (spike-in); Undetermined, "
                           f"empty and Ct > {cutoff:g} set to {cutoff:g}")
    refs_rec = rec.get("reference_markers")
    if refs_rec is not None:
        missing = [r for r in refs_rec if r not in found]
        if missing:
            raise InputError(f"{src}: reference marker(s) {', '.join(missing)} that the model's −ΔCt was computed "
                             "against are not columns of the file; add them (the conversion must match the fit)")
        refs = list(refs_rec)
    else:  # read_cohort's rule: the endogenous references found, else every reference found
        all_refs = [r for r in panel.reference_markers if r.id in found] if panel is not None else []
        refs = [r.id for r in all_refs if not r.spike_in] or [r.id for r in all_refs]
    if refs:
        rule = f"−ΔCt = mean Ct({', '.join(refs)}) − marker Ct"
    else:
        rule = "−Ct (no reference markers or spike-in: values are NOT normalised)"
    return _Conversion(assay, cutoff, refs, None,
                       rule + f"; Undetermined, empty and Ct > {cutoff:g} set to {cutoff:g}")


# --- output ----------------------------------------------------------------------------------


class _Writer:
    """Writes result batches to a temporary file beside ``out``; :meth:`commit` renames it."""

    def __init__(self, out: Path, schema: pa.Schema) -> None:
        self.out = out
        self.schema = schema
        name = out.name.lower()
        gz = name.endswith(".gz")
        base = name[:-3] if gz else name
        self.fmt = "parquet" if base.endswith((".parquet", ".pq")) else "csv"
        if self.fmt == "parquet" and gz:
            raise InputError(f"{out}: write Parquet without .gz (Parquet compresses its pages itself)")
        self.delim = "\t" if base.endswith((".tsv", ".tab", ".txt")) else ","
        import tempfile

        directory = out.parent if str(out.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=str(directory))
        os.close(fd)
        self.tmp = Path(tmp)
        try:  # a signal or an error before the caller's try: the temporary file must still go
            self._open(tmp, gz, schema)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _open(self, tmp: str, gz: bool, schema: pa.Schema) -> None:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        self._sink = pa.OSFile(tmp, "wb")
        self._stream = pa.CompressedOutputStream(self._sink, "gzip") if gz else self._sink
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            self._w = pq.ParquetWriter(self._stream, schema)
        else:
            self._w = pacsv.CSVWriter(self._stream, schema, write_options=pacsv.WriteOptions(
                delimiter=self.delim, quoting_style="needed", batch_size=1 << 16))  # default 1024: 1.7x slower

    def write(self, table: pa.Table) -> None:
        self._w.write_table(table)

    def commit(self) -> None:
        self._w.close()
        if self._stream is not self._sink:
            self._stream.close()
        self._sink.close()
        os.replace(self.tmp, self.out)

    def abort(self) -> None:
        for obj in (self._w, self._stream, self._sink):
            with contextlib.suppress(Exception):
                obj.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


# --- the driver ------------------------------------------------------------------------------


def score_file(
    model_or_panel: Any,
    expression: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    id_column: str | None = None,
    threshold: float | None = None,
    method: str | None = None,
    endpoint: str | None = None,
    assay: str | None = None,
    spike_in: str | None = None,
    ct_cutoff: float | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    conversion: dict[str, Any] | None = None,
    block_size: int | None = None,
) -> ScoreSummary:
    """Score every sample (row) of ``expression`` and write ``out``, streaming in chunks.

    Parameters
    ----------
    model_or_panel
        A fitted :class:`~biomark.PanelModel`; or a :class:`~biomark.panel.Panel` / catalog id /
        spec path, scored with its ``signed_z`` or ``weights`` rule and the file's own statistics
        (two passes; see the module docstring).
    expression
        CSV/TSV (optionally ``.gz``) or Parquet, one sample per row.
    out
        ``.csv``, ``.tsv`` (optionally ``.gz``) or ``.parquet``; written atomically.
    chunk_rows
        Rows per chunk (memory is proportional to it; results do not depend on it).
    id_column
        Header of the sample-id column (default: the first column; for Parquet written by pandas,
        its index).
    threshold
        Risk-group cut-off on the probability (or on the score for models without one).
    method, endpoint
        Panel scoring only: ``signed_z`` or ``weights`` (default the panel's rule) and endpoint.
    assay, spike_in, ct_cutoff
        The conversion; default what ``conversion`` (the model file's record) says, else the
        panel's assay, its reference markers found in the file and a Ct cutoff of 40.
    sep, decimal
        Separator and decimal mark of a text file; sniffed when ``None``.
    conversion
        ``{"assay", "reference_markers", "spike_in", "ct_cutoff"}`` as ``biomark fit`` records it
        in the model file.
    block_size
        Bytes per CSV read block (default: sized from ``chunk_rows``).
    """
    t0 = time.perf_counter()
    from biomark.model import PanelModel

    if not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise InputError(f"chunk_rows={chunk_rows!r} must be a positive whole number")
    if threshold is not None and not math.isfinite(float(threshold)):
        raise InputError(f"threshold={threshold!r} must be a finite number")
    path = Path(expression)
    src = str(expression)
    out_p = Path(out)
    lay = _layout(path, src, sep=sep, decimal=decimal, id_column=id_column)

    if isinstance(model_or_panel, PanelModel):
        model = model_or_panel
        if not hasattr(model, "markers_"):
            raise BiomarkError("the model is not fitted; fit it (biomark fit) before scoring")
        panel = model.panel_
        reference = "model"
        if method is not None and method != model.method_:
            raise InputError(f"method '{method}' was given but the model uses '{model.method_}'")
    else:
        from biomark.panel import Panel, load_panel

        panel = model_or_panel if isinstance(model_or_panel, Panel) else load_panel(model_or_panel)
        model = None
        reference = "file"
        method = method or panel.scoring.rule
        if method not in ("signed_z", "weights"):
            raise InputError(f"panel '{panel.id}' scores with '{method}', which needs a fitted model; run 'biomark fit' "
                             "and score with --model (only signed_z and weights can be applied without one)")

    rec = dict(conversion or {})
    assay = assay if assay is not None else rec.get("assay") or (panel.assay if panel is not None else "log2_expression")
    for key, given in (("assay", assay), ("spike_in", spike_in), ("ct_cutoff", ct_cutoff)):
        if given is not None and rec.get(key) is not None and rec[key] != given:
            raise InputError(f"the model was fitted with {key} {rec[key]!r}, not {given!r}; the conversion must "
                             "match the fit (leave the option out)")

    # --- columns ---
    other = [i for i in range(len(lay.names)) if i != lay.id_idx]
    headers = {i: lay.names[i] for i in other}
    marker_ids = list(model.markers_) if model is not None else list(panel.marker_ids)
    col_of: dict[str, int] = {}
    if panel is not None:
        from biomark.panel.names import panel_targets, resolve_markers

        targets = panel_targets(panel, include_reference=True)
        match = resolve_markers([headers[i] for i in other], targets, source=src)
        by_name = {headers[i]: i for i in other}
        for name, mid in match.columns.items():
            col_of[mid] = by_name[name]
        if spike_in is not None or rec.get("spike_in"):
            sp = spike_in if spike_in is not None else rec["spike_in"]
            if sp not in col_of:
                hits = [i for i in other if headers[i] == sp]
                if hits:
                    col_of[sp] = hits[0]
    else:  # a model fitted on anonymous features: exact header names
        for i in other:
            if headers[i] in marker_ids:
                col_of[headers[i]] = i
    found_markers = [m for m in marker_ids if m in col_of]
    if not found_markers:
        shown = ", ".join(repr(headers[i]) for i in other[:8]) + (" ..." if len(other) > 8 else "")
        raise InputError(f"{src}: none of the {len(marker_ids)} markers of "
                         f"{'the model' if model is not None else 'panel ' + repr(panel.id)} "
                         f"({', '.join(marker_ids[:8])}{' ...' if len(marker_ids) > 8 else ''}) is a column "
                         f"(found: {shown}); rename the columns to the panel's marker ids or aliases "
                         "(biomark score reads one sample per row)")
    conv = _conversion_for(assay, panel, set(col_of), rec, spike_in, ct_cutoff, src)
    need = list(found_markers)
    for r in ([conv.spike_in] if conv.spike_in else conv.reference):
        if r not in need:
            need.append(r)
    wanted = sorted({col_of[m] for m in need} | (set(other) if assay == "counts" else set()))
    name_of = {col_of[m]: m for m in need}
    absent = [m for m in marker_ids if m not in col_of]
    warnings: list[str] = []
    cells = _Cells(src, assay, lay.decimal, conv.ct_cutoff)

    text_columns: set[int] = set()
    n_chunks = 0
    for _attempt in range(len(lay.names) + 1):
        try:
            if model is None:
                model, stats_warn = _file_model(panel, method, endpoint, lay, wanted, name_of, found_markers,
                                                conv, cells, chunk_rows, text_columns, block_size, headers)
                warnings.extend(stats_warn)
                absent = []  # left out of the score, not imputed
                warnings.append(f"{src}: no model given: the {method} rule was applied with the file's own per-marker "
                                "means and SDs (first pass over the file); missing values were filled with the "
                                "file mean")
                missing_from_panel = [m for m in panel.marker_ids if m not in col_of]
                if missing_from_panel:
                    warnings.append(f"{src}: panel marker(s) not in the file, left out of the score: "
                                    + ", ".join(missing_from_panel))
            scorer = _ModelScorer(model, threshold)
            scorer.labels = [_label(m, name_of, headers) for m in scorer.markers]
            result = _score_pass(scorer, lay, wanted, name_of, conv, cells, chunk_rows, text_columns, block_size,
                                 out_p, headers, assay)
            break
        except _Retry as r:
            text_columns.add(int(r.column))
            continue
    else:  # pragma: no cover - every column can be retried at most once
        raise InputError(f"{src}: cannot be parsed")
    n_samples, n_chunks, miss_total, miss_samples, miss_by, n_high, n_neutral = result
    if absent:
        warnings.insert(0, f"{src}: model marker(s) not in the file, imputed with the training median for every "
                        "sample: " + ", ".join(absent))
    if n_samples == 0:
        raise InputError(f"{src}: has a header but no data rows")
    return ScoreSummary(
        output=str(out_p), source=src, n_samples=n_samples, n_chunks=n_chunks, method=model.method_,
        panel_id=panel.id if panel is not None else None, endpoint=getattr(model, "endpoint_", None),
        reference=reference, markers=list(model.markers_),
        columns={headers[col_of[m]]: m for m in need}, absent=absent, n_missing_total=miss_total,
        n_samples_with_missing=miss_samples, missing_by_marker=miss_by, has_probability=scorer.has_probability,
        risk_rule=scorer.risk_rule, threshold=scorer.threshold, n_high=n_high, assay=assay,
        conversion=conv.rule, neutralised_ids=n_neutral, warnings=warnings,
        seconds=round(time.perf_counter() - t0, 3),
    )


def _label(marker: str, name_of: dict[int, str], headers: dict[int, str]) -> str:
    """How an error names a marker: by the file's column header (and the marker id when different)."""
    for i, m in name_of.items():
        if m == marker:
            h = headers[i]
            return f"column '{h}'" + ("" if h == m else f" (marker {m})")
    return f"marker '{marker}' (not in the file)"


def _chunk_levels(ids: pa.Array, cols: dict[int, pa.Array], offset: int, lay: _Layout, name_of: dict[int, str],
                  conv: _Conversion, cells: _Cells, headers: dict[int, str], markers: list[str],
                  assay: str) -> tuple[_RowInfo, list[np.ndarray]]:
    n = len(ids)
    rows = _RowInfo(lay.src, offset, n, ids, lay.names[lay.id_idx])
    raw: dict[str, np.ndarray] = {}
    mheaders: dict[str, str] = {}
    lib = None
    if assay == "counts":
        lib = np.zeros(n)
    for i, col in cols.items():
        arr = cells.convert(col, headers[i], rows)
        if i in name_of:
            raw[name_of[i]] = arr
            mheaders[name_of[i]] = headers[i]
        if lib is not None:
            if i not in name_of:
                conv.check_raw({headers[i]: arr}, rows, {headers[i]: headers[i]})
            lib += np.nan_to_num(arr, nan=0.0)
    conv.check_raw(raw, rows, mheaders)
    if lib is not None:
        zero = np.flatnonzero(lib <= 0)
        if zero.size:
            r = int(zero[0])
            raise InputError(f"{lay.src}: row {rows.row(r)} (sample '{rows.sample(r)}') has a library size of 0 "
                             "(all counts are 0 or missing); remove the sample")
    return rows, conv.levels(raw, markers, n, lib)


_WS_OR_NON_ASCII = np.zeros(256, dtype=bool)
_WS_OR_NON_ASCII[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_WS_OR_NON_ASCII[0x80:] = True  # a non-ASCII first/last byte may be Unicode whitespace: let pyarrow look
_FORMULA_BYTE = np.zeros(256, dtype=bool)
_FORMULA_BYTE[[ord(c) for c in FORMULA_PREFIXES]] = True


def _prepare_ids(ids: pa.Array | pa.ChunkedArray, rows: _RowInfo) -> tuple[pa.ChunkedArray, int]:
    """Sample ids as written: trimmed (as read_cohort), never empty, formula prefixes neutralised.

    The common case (ASCII ids without surrounding spaces or formula prefixes) is decided from
    the first and last byte of every id, read straight from the Arrow buffers with numpy.
    """
    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    if not pa.types.is_string(ids.type):
        ids = ids.cast(pa.string()) if not pa.types.is_large_string(ids.type) else ids
    out = []
    n_neutral = 0
    start = 0
    for chunk in ids.chunks:
        n = len(chunk)
        flags = _id_bytes(chunk) if pa.types.is_string(chunk.type) and chunk.null_count == 0 else None
        if flags is None or flags[0].any():  # something to trim (or unusual ids): pyarrow's Unicode trim
            chunk = pc.utf8_trim_whitespace(chunk)
            empty = _to_numpy(pc.fill_null(pc.equal(chunk, ""), True)).astype(bool, copy=False)
            flags = _id_bytes(chunk) if pa.types.is_string(chunk.type) and chunk.null_count == 0 else None
        else:
            empty = flags[1]
        if empty.any():
            r = start + int(np.flatnonzero(empty)[0])
            raise InputError(f"{rows.src}: row {rows.row(r)}, column '{rows.id_header}': empty sample id; give every "
                             "sample an id")
        if flags is None or flags[2].any():
            chunk, k = neutralise_formulas(chunk)
            n_neutral += k
        out.append(chunk)
        start += n
    return pa.chunked_array(out, type=pa.string() if not out else out[0].type), n_neutral


def _id_bytes(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(needs trimming, empty, starts like a formula) per id, from the offsets and data buffers."""
    bufs = chunk.buffers()
    n = len(chunk)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, bool)
    offs = np.frombuffer(bufs[1], dtype=np.int32)[chunk.offset: chunk.offset + n + 1]
    lengths = np.diff(offs)
    empty = lengths == 0
    if bufs[2] is None or bufs[2].size == 0:
        return np.zeros(n, bool), empty, np.zeros(n, bool)
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    first_idx = np.where(empty, 0, offs[:-1])
    last_idx = np.where(empty, 0, offs[1:] - 1)
    first = data[first_idx]
    last = data[last_idx]
    trim = (_WS_OR_NON_ASCII[first] | _WS_OR_NON_ASCII[last]) & ~empty
    formula = _FORMULA_BYTE[first] & ~empty
    return trim, empty, formula


def _score_pass(scorer: _ModelScorer, lay: _Layout, wanted: list[int], name_of: dict[int, str], conv: _Conversion,
                cells: _Cells, chunk_rows: int, text_columns: set[int], block_size: int | None, out: Path,
                headers: dict[int, str], assay: str) -> tuple[int, int, int, int, dict[str, int], int, int]:
    fields = [pa.field("sample_id", pa.string()), pa.field("score", pa.float64())]
    if scorer.has_probability:
        fields.append(pa.field("probability", pa.float64()))
    fields += [pa.field("risk_group", pa.string()), pa.field("n_missing", pa.int32())]
    schema = pa.schema(fields)
    reader = _Reader(lay, wanted, assay=assay, chunk_rows=chunk_rows, text_columns=text_columns,
                     block_size=block_size)
    markers = scorer.markers
    miss_by = np.zeros(len(markers), dtype=np.int64)
    n_total = n_chunks = miss_total = miss_samples = n_high = n_neutral = 0
    high_s, low_s = pa.scalar("high"), pa.scalar("low")
    writer = _Writer(out, schema)
    chunks = reader.chunks()
    try:
        for offset, ids, cols in chunks:
            rows, levels = _chunk_levels(ids, cols, offset, lay, name_of, conv, cells, headers, markers, assay)
            safe_ids, k = _prepare_ids(ids, rows)
            score, prob, n_missing = scorer.score(levels, rows)
            if n_missing.any():
                idx = np.flatnonzero(n_missing)
                for j, c in enumerate(levels):
                    miss_by[j] += int(np.isnan(c[idx]).sum())
                miss_total += int(n_missing.sum())
                miss_samples += int(idx.size)
            high = scorer.high(score, prob)
            n_high += int(np.count_nonzero(high))
            n_neutral += k
            arrays = [safe_ids, pa.array(score)]
            if prob is not None:
                arrays.append(pa.array(prob))
            arrays += [pc.if_else(pa.array(high), high_s, low_s), pa.array(n_missing)]
            writer.write(pa.Table.from_arrays(arrays, schema=schema))
            n_total += rows.n
            n_chunks += 1
        if n_total == 0:
            raise InputError(f"{lay.src}: has a header but no data rows")
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        chunks.close()
    by = {markers[j]: int(v) for j, v in enumerate(miss_by) if v}
    return n_total, n_chunks, miss_total, miss_samples, by, n_high, n_neutral


def _file_model(panel: Any, method: str, endpoint: str | None, lay: _Layout, wanted: list[int],
                name_of: dict[int, str], found: list[str], conv: _Conversion, cells: _Cells, chunk_rows: int,
                text_columns: set[int], block_size: int | None, headers: dict[int, str]) -> tuple[Any, list[str]]:
    """First pass: per-marker count, mean and SD of the levels; a PanelModel fitted to exactly those."""
    import pandas as pd

    from biomark.model import PanelModel

    reader = _Reader(lay, wanted, assay=conv.assay, chunk_rows=chunk_rows, text_columns=text_columns,
                     block_size=block_size)
    with contextlib.closing(reader.chunks()) as chunks:
        cnt, mean, m2 = _moments(chunks, lay, name_of, conv, cells, headers, found, len(found))
    sd = np.where(cnt > 1, np.sqrt(m2 / np.maximum(cnt - 1, 1)), 0.0)
    # two rows with exactly this mean and SD (ddof=1): mean ± SD/√2; their median is the mean
    d = sd / math.sqrt(2.0)
    two = np.vstack([mean + d, mean - d])
    two[:, cnt == 0] = np.nan
    frame = pd.DataFrame(two, columns=found)
    model = PanelModel(panel=panel, method=method, endpoint=endpoint).fit(frame)
    warn = [f"{lay.src}: {w}" for w in model.warnings_ if "not in the data" not in w]
    return model, warn


def _moments(chunks: Iterator[Any], lay: _Layout, name_of: dict[int, str], conv: _Conversion, cells: _Cells,
             headers: dict[int, str], found: list[str], p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-marker count, mean and sum of squared deviations of the non-missing levels, over all chunks."""
    cnt = np.zeros(p)
    mean = np.zeros(p)
    m2 = np.zeros(p)
    for offset, ids, cols in chunks:
        _, levels = _chunk_levels(ids, cols, offset, lay, name_of, conv, cells, headers, found, conv.assay)
        for j, c in enumerate(levels):
            if np.isinf(c).any():
                _check_finite_rows([c], np.arange(c.size), _RowInfo(lay.src, offset, c.size, ids, ""),
                                   [_label(found[j], name_of, headers)])
            v = c[~np.isnan(c)]
            nb = v.size
            if nb == 0:
                continue
            mb = float(v.mean())
            m2b = float(((v - mb) ** 2).sum())
            na = cnt[j]
            tot = na + nb
            delta = mb - mean[j]
            mean[j] += delta * nb / tot
            m2[j] += m2b + delta * delta * na * nb / tot  # Chan, Golub & LeVeque (1979)
            cnt[j] = tot
    return cnt, mean, m2


def read_model_conversion(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``conversion`` record that ``biomark fit`` stores in a JSON model file (``None`` if absent)."""
    import json

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError:
        return None
    if raw.lstrip()[:1] != b"{":
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    rec = doc.get("conversion") if isinstance(doc, dict) else None
    return rec if isinstance(rec, dict) else None


__all__ = ["DEFAULT_CHUNK_ROWS", "FORMULA_PREFIXES", "ScoreSummary", "linear_score", "neutralise_formulas",
           "read_model_conversion", "score_file"]
