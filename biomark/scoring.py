"""Streaming scorer: apply a fitted :class:`~biomark.PanelModel` (or a panel's fixed rule) to a file.

:func:`score_file` reads a CSV, TSV or Parquet file (CSV/TSV optionally ``.gz``) in chunks and
writes one row per sample, in input order::

    sample_id, score, probability (only when the model has one), risk_group, n_missing

Memory stays bounded whatever the file size: the file is read by biomark's one chunk iterator
(:class:`biomark.io.ChunkReader`, the one :func:`biomark.read_cohort` concatenates); each chunk
is parsed with the same cell parser and assay rules (:mod:`biomark.io.cells`,
:mod:`biomark.io.assay`), scored and appended to the temporary file of
:func:`biomark.atomic.atomic_path`, renamed over the output only when every row was scored. An
error leaves no output behind; the input is only ever read.

Rules (``docs/scoring.md`` is the user-facing description):

* **Columns**: the header names are matched to the model's markers through the panel's ids and
  aliases (:func:`biomark.panel.names.resolve_markers`). Samples must be rows (one per line);
  the first column (or ``id_column``) holds the sample ids. A file whose first column carries
  the panel's markers (samples as columns, which :func:`biomark.read_cohort` reads) is refused
  with that reason.
* **Cells**: exactly as :func:`biomark.read_cohort` reads them (one parser): ``NA``/``nan``/empty
  cells are missing; qPCR ``Undetermined``, empty cells and Ct values above the cutoff are set to
  the cutoff; an infinite value or a text that is not an ASCII number is an error naming file,
  row, column and sample.
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
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biomark.atomic import atomic_path
from biomark.errors import BiomarkError, InputError
from biomark.io.assay import (
    check_counts,
    check_intensity,
    check_library_size,
    ct_rule,
)
from biomark.io.cells import Where, parse_cells
from biomark.io.chunks import DEFAULT_CHUNK_ROWS, Chunk, ChunkReader
from biomark.io.columns import detect_orientation
from biomark.io.conversion import Conversion, conversion_for
from biomark.io.layout import Layout, sniff_layout
from biomark.io.output import (
    FORMULA_PREFIXES,
    TableWriter,
    neutralise_formulas,
    output_format,
    prepare_ids,
)
from biomark.model import linear_score
from biomark.model.applied import AppliedModel, expit, fixed_rule_model
from biomark.panel import Panel, load_panel
from biomark.panel.names import panel_targets, resolve_markers
from biomark.scoring_stats import Moments, marker_shift, shift_warnings

OUTPUT_COLUMNS = ("sample_id", "score", "probability", "risk_group", "n_missing")


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
        Facts worth reading (absent markers, statistics from the file, markers shifted > 3 SD, ...).
    seconds
        Wall time.
    marker_shift_sd
        Model files only: marker -> (mean here − training mean) / training SD (one pass, non-missing values).
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
    marker_shift_sd: dict[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- the scorer (model side) -----------------------------------------------------------------


class _ModelScorer:
    """Scores chunks of levels (float64 columns in model order) with a fitted PanelModel."""

    def __init__(self, model: Any, threshold: float | None) -> None:
        self.model = model
        self.markers = list(model.markers_)
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

    def score(self, cols: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Score, probability (or ``None``) and number of imputed markers of ``n`` samples; the
        levels are finite or NaN (the cell parser refuses infinities)."""
        n_missing = np.zeros(n, dtype=np.int32)
        if self.linear:
            s = linear_score(cols, self.w, self.b)
            bad = np.flatnonzero(~np.isfinite(s))
            if bad.size:
                sub = [c[bad] for c in cols]
                filled = []
                for j, c in enumerate(sub):
                    m = np.isnan(c)
                    n_missing[bad] += m
                    filled.append(np.where(m, self.medians[j], c) if m.any() else c)
                s[bad] = linear_score(filled, self.w, self.b)
        else:
            arr = np.column_stack(cols) if cols else np.empty((n, 0))
            n_missing = np.isnan(arr).sum(axis=1).astype(np.int32)
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


# --- the plan: which columns are read and how ------------------------------------------------


@dataclasses.dataclass
class _Plan:
    """The file's layout, the columns read (by header position) and the conversion."""

    lay: Layout
    reader: ChunkReader
    name_of: dict[int, str]  # header position -> marker / reference id
    conv: Conversion
    col_of: dict[str, int]
    need: list[str]
    notes: list[str] = dataclasses.field(default_factory=list)  # uncertain name matches


def _match_columns(lay: Layout, panel: Any, marker_ids: list[str], spike_in: str | None,
                   notes: list[str]) -> dict[str, int]:
    """Marker / reference id -> header position, through the panel's names (or exact headers)."""
    headers = {i: lay.names[i] for i in lay.others}
    col_of: dict[str, int] = {}
    if panel is None:  # a model fitted on anonymous features: exact header names
        return {headers[i]: i for i in lay.others if headers[i] in marker_ids}
    match = resolve_markers(list(headers.values()), panel_targets(panel, include_reference=True), source=lay.src)
    notes.extend(match.warnings)
    by_name = {h: i for i, h in headers.items()}
    for name, mid in match.columns.items():
        col_of[mid] = by_name[name]
    if spike_in is not None and spike_in not in col_of:
        hits = [i for i in lay.others if headers[i] == spike_in]
        if hits:
            col_of[spike_in] = hits[0]
    return col_of


def _no_marker_error(lay: Layout, panel: Any, model: Any, marker_ids: list[str], assay: str) -> InputError:
    """Why no model marker is a column: a samples-as-columns file is named as such (the rule of
    read_cohort's ``samples_as='auto'``); else the columns found."""
    src, other = lay.src, lay.others
    if panel is not None:
        head = ChunkReader(lay, [], assay, chunk_rows=65_536)
        with contextlib.closing(head.chunks()) as chunks:
            first = next(chunks, None)
        ids = [] if first is None else [str(v).strip() for v in first.ids.to_pylist() if v is not None]
        if detect_orientation([lay.names[i] for i in other], ids, panel, src) == "columns":
            return InputError(f"{src}: the panel's markers are in the first column, not in the header: samples are "
                              "columns in this file; biomark score reads one sample per row: transpose the file "
                              "(biomark validate and fit read both layouts)")
    shown = ", ".join(repr(lay.names[i]) for i in other[:8]) + (" ..." if len(other) > 8 else "")
    return InputError(f"{src}: none of the {len(marker_ids)} markers of "
                      f"{'the model' if model is not None else 'panel ' + repr(panel.id)} "
                      f"({', '.join(marker_ids[:8])}{' ...' if len(marker_ids) > 8 else ''}) is a column "
                      f"(found: {shown}); rename the columns to the panel's marker ids or aliases "
                      "(biomark score reads one sample per row)")


def _plan(lay: Layout, panel: Any, model: Any, assay: str, rec: dict[str, Any], spike_in: str | None,
          ct_cutoff: float | None, chunk_rows: int, block_size: int | None) -> _Plan:
    marker_ids = list(model.markers_) if model is not None else list(panel.marker_ids)
    spike = spike_in if spike_in is not None else rec.get("spike_in")
    notes: list[str] = []
    col_of = _match_columns(lay, panel, marker_ids, spike, notes)
    found = [m for m in marker_ids if m in col_of]
    if not found:
        raise _no_marker_error(lay, panel, model, marker_ids, assay)
    conv = conversion_for(assay, panel, set(col_of), rec, spike_in, ct_cutoff, lay.src)
    need = found + [r for r in ([conv.spike_in] if conv.spike_in else conv.reference) if r not in found]
    wanted = sorted({col_of[m] for m in need} | (set(lay.others) if assay == "counts" else set()))
    reader = ChunkReader(lay, wanted, assay, chunk_rows=chunk_rows, block_size=block_size)
    return _Plan(lay, reader, {col_of[m]: m for m in need}, conv, col_of, need, notes)


def _chunk_levels(chunk: Chunk, plan: _Plan, markers: list[str]) -> list[np.ndarray]:
    """The chunk's levels in ``markers`` order: the cell parser and the assay rules of
    :func:`biomark.read_cohort`, then the per-sample conversion."""
    lay, conv = plan.lay, plan.conv
    raw: dict[str, np.ndarray] = {}
    lib = np.zeros(chunk.n) if conv.assay == "counts" else None
    for i, col in chunk.columns.items():
        where = Where.column(lay.src, lay.names[i], chunk.ids, chunk.offset)
        cells = parse_cells(col, where, assay=conv.assay, decimal=lay.decimal)
        values = cells.values
        if conv.assay == "qpcr_ct":
            values = ct_rule(values, cells.no_ct, conv.ct_cutoff, where).values
        elif conv.assay == "counts":
            check_counts(values, where)
            lib += np.nan_to_num(values, nan=0.0)
        elif conv.assay == "intensity":
            check_intensity(values, where)
        if i in plan.name_of:
            raw[plan.name_of[i]] = values
    if lib is not None:
        check_library_size(lib, lay.src, lambda r: f"row {chunk.offset + r + 2} (sample '{chunk.ids[r]}')")
    return conv.levels(raw, markers, chunk.n, lib)


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
    keep_levels: bool = False,
) -> ScoreSummary:
    """Score every sample (row) of ``expression`` and write ``out``, streaming in chunks.

    Parameters
    ----------
    model_or_panel
        A fitted :class:`~biomark.PanelModel` or a model file read by
        :func:`biomark.model.applied.load_applied` (NumPy only); or a :class:`~biomark.panel.Panel` / catalog id /
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
    keep_levels
        Also write each marker's converted level (before imputation) as column ``level:<marker>``
        (what a combined clinical + panel model with marker terms needs).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "e.csv").write_text("id,miR-339-5p\\nP1,1\\nP2,3\\nP3,NA\\n")
    >>> s = score_file("escc_mir339_radiotherapy", d / "e.csv", d / "s.csv")
    >>> s.n_samples, s.reference, s.n_missing_total
    (3, 'file', 1)
    """
    t0 = time.perf_counter()
    out_p = _check_options(chunk_rows, threshold, out)
    lay = sniff_layout(Path(expression), str(expression), sep=sep, decimal=decimal, id_column=id_column)
    model, panel, method = _model_or_panel(model_or_panel, method)
    rec = dict(conversion or {})
    assay = _assay(rec, panel, assay, spike_in, ct_cutoff)
    plan = _plan(lay, panel, model, assay, rec, spike_in, ct_cutoff, chunk_rows, block_size)
    warnings: list[str] = list(plan.notes)
    reference = "model" if model is not None else "file"
    if model is None:
        model = plan.reader.run(lambda _: _file_model(panel, method, endpoint, plan, warnings))
    scorer = _ModelScorer(model, threshold)
    tally = plan.reader.run(lambda _: _score_pass(scorer, plan, out_p, keep_levels))
    return _summary(plan, model, panel, scorer, tally, reference, warnings, out_p, time.perf_counter() - t0)


def _summary(plan: _Plan, model: Any, panel: Any, scorer: _ModelScorer, tally: _Tally, reference: str,
             warnings: list[str], out: Path, seconds: float) -> ScoreSummary:
    src, lay = plan.lay.src, plan.lay
    absent = [m for m in model.markers_ if m not in plan.col_of] if reference == "model" else []
    if absent:
        warnings.insert(0, f"{src}: model marker(s) not in the file, imputed with the training median for every "
                        "sample: " + ", ".join(absent))
    shift = marker_shift(model, model.markers_, tally.moments, set(plan.col_of)) if reference == "model" else {}
    warnings.extend(shift_warnings(shift, src))
    return ScoreSummary(
        output=str(out), source=src, n_samples=tally.n, n_chunks=tally.chunks, method=model.method_,
        panel_id=panel.id if panel is not None else None, endpoint=getattr(model, "endpoint_", None),
        reference=reference, markers=list(model.markers_),
        columns={lay.names[plan.col_of[m]]: m for m in plan.need}, absent=absent, n_missing_total=tally.missing,
        n_samples_with_missing=tally.samples_with_missing, missing_by_marker=tally.by_marker(scorer.markers),
        has_probability=scorer.has_probability, risk_rule=scorer.risk_rule, threshold=scorer.threshold,
        n_high=tally.high, assay=plan.conv.assay, conversion=plan.conv.rule, neutralised_ids=tally.neutralised,
        warnings=warnings, seconds=round(seconds, 3), marker_shift_sd=shift,
    )


def _check_options(chunk_rows: Any, threshold: float | None, out: str | os.PathLike[str]) -> Path:
    if not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise InputError(f"chunk_rows={chunk_rows!r} must be a positive whole number")
    if threshold is not None and not math.isfinite(float(threshold)):
        raise InputError(f"threshold={threshold!r} must be a finite number")
    output_format(Path(out))  # refuses .parquet.gz before reading anything
    return Path(out)


def _assay(rec: dict[str, Any], panel: Any, assay: str | None, spike_in: str | None, ct_cutoff: float | None) -> str:
    """The assay (given, else recorded in the model file, else the panel's); options that contradict
    the model file's conversion record are an error."""
    assay = assay if assay is not None else rec.get("assay") or (panel.assay if panel is not None else "log2_expression")
    for key, given in (("assay", assay), ("spike_in", spike_in), ("ct_cutoff", ct_cutoff)):
        if given is not None and rec.get(key) is not None and rec[key] != given:
            raise InputError(f"the model was fitted with {key} {rec[key]!r}, not {given!r}; the conversion must "
                             "match the fit (leave the option out)")
    return assay


def _model_or_panel(model_or_panel: Any, method: str | None) -> tuple[Any, Any, str | None]:
    """(fitted model or None, panel, method) from score_file's first argument."""
    if _is_model(model_or_panel):
        model = model_or_panel
        if not hasattr(model, "markers_"):
            raise BiomarkError("the model is not fitted; fit it (biomark fit) before scoring")
        if method is not None and method != model.method_:
            raise InputError(f"method '{method}' was given but the model uses '{model.method_}'")
        return model, model.panel_, method
    panel = model_or_panel if isinstance(model_or_panel, Panel) else load_panel(model_or_panel)
    method = method or panel.scoring.rule
    if method not in ("signed_z", "weights"):
        raise InputError(f"panel '{panel.id}' scores with '{method}', which needs a fitted model; run 'biomark fit' "
                         "and score with --model (only signed_z and weights can be applied without one)")
    return None, panel, method


def _is_model(obj: Any) -> bool:
    """A PanelModel (fitted or not) or a model file's :class:`~biomark.model.applied.AppliedModel`; the
    PanelModel class is looked up only if its module is loaded (a caller holding one has imported it)."""
    if isinstance(obj, AppliedModel):
        return True
    estimator = sys.modules.get("biomark.model.estimator")
    return estimator is not None and isinstance(obj, estimator.PanelModel)


@dataclasses.dataclass
class _Tally:
    """What the score pass counted."""

    n: int = 0
    chunks: int = 0
    missing: int = 0
    samples_with_missing: int = 0
    high: int = 0
    neutralised: int = 0
    missing_by: np.ndarray | None = None
    moments: Moments | None = None

    def by_marker(self, markers: list[str]) -> dict[str, int]:
        if self.missing_by is None:
            return {}
        return {markers[j]: int(v) for j, v in enumerate(self.missing_by) if v}


def _score_pass(scorer: _ModelScorer, plan: _Plan, out: Path, keep_levels: bool = False) -> _Tally:
    fields = [pa.field("sample_id", pa.string()), pa.field("score", pa.float64())]
    if scorer.has_probability:
        fields.append(pa.field("probability", pa.float64()))
    kept = [pa.field(f"level:{m}", pa.float64()) for m in scorer.markers] if keep_levels else []
    schema = pa.schema([*fields, pa.field("risk_group", pa.string()), pa.field("n_missing", pa.int32()), *kept])
    tally = _Tally(missing_by=np.zeros(len(scorer.markers), dtype=np.int64), moments=Moments(len(scorer.markers)))
    high_s, low_s = pa.scalar("high"), pa.scalar("low")
    lay = plan.lay
    with atomic_path(out) as tmp, TableWriter(tmp, out, schema) as writer, \
            contextlib.closing(plan.reader.chunks()) as chunks:
        for chunk in chunks:
            levels = _chunk_levels(chunk, plan, scorer.markers)
            safe_ids, k = prepare_ids(chunk.ids, Where.column(lay.src, lay.names[lay.id_idx], None, chunk.offset))
            score, prob, n_missing = scorer.score(levels, chunk.n)
            tally.moments.add(levels)
            if n_missing.any():
                idx = np.flatnonzero(n_missing)
                for j, c in enumerate(levels):
                    tally.missing_by[j] += int(np.isnan(c[idx]).sum())
                tally.missing += int(n_missing.sum())
                tally.samples_with_missing += int(idx.size)
            high = scorer.high(score, prob)
            tally.high += int(np.count_nonzero(high))
            tally.neutralised += k
            arrays = [safe_ids, pa.array(score), *([pa.array(prob)] if prob is not None else []),
                      pc.if_else(pa.array(high), high_s, low_s), pa.array(n_missing),
                      *([pa.array(c) for c in levels] if keep_levels else [])]
            writer.write(pa.Table.from_arrays(arrays, schema=schema))
            tally.n += chunk.n
            tally.chunks += 1
        if tally.n == 0:
            raise InputError(f"{lay.src}: has a header but no data rows")
    return tally


def _file_model(panel: Any, method: str | None, endpoint: str | None, plan: _Plan, warnings: list[str]) -> Any:
    """First pass: per-marker count, mean and SD of the levels; the rule fitted to exactly those."""
    src = plan.lay.src
    found = [m for m in panel.marker_ids if m in plan.col_of]
    with contextlib.closing(plan.reader.chunks()) as chunks:
        cnt, mean, m2 = _moments(chunks, plan, found)
    sd = np.where(cnt > 1, np.sqrt(m2 / np.maximum(cnt - 1, 1)), 0.0)
    # two rows with exactly this mean and SD (ddof=1): mean ± SD/√2; their median is the mean
    d = sd / math.sqrt(2.0)
    two = np.vstack([mean + d, mean - d])
    two[:, cnt == 0] = np.nan
    model = fixed_rule_model(panel, method, endpoint, two, found)  # = PanelModel(...).fit(two), without sklearn
    warnings.extend(f"{src}: {w}" for w in model.warnings_ if "not in the data" not in w)
    warnings.append(f"{src}: no model given: the {method} rule was applied with the file's own per-marker "
                    "means and SDs (first pass over the file); missing values were filled with the file mean")
    missing = [m for m in panel.marker_ids if m not in plan.col_of]
    if missing:
        warnings.append(f"{src}: panel marker(s) not in the file, left out of the score: " + ", ".join(missing))
    return model


def _moments(chunks: Iterator[Chunk], plan: _Plan, found: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-marker count, mean and sum of squared deviations of the non-missing levels, over all chunks."""
    mom = Moments(len(found))
    n_rows = 0
    for chunk in chunks:
        n_rows += chunk.n
        mom.add(_chunk_levels(chunk, plan, found))
    if n_rows == 0:
        raise InputError(f"{plan.lay.src}: has a header but no data rows")
    return mom.cnt, mom.mean, mom.m2


def read_model_conversion(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``conversion`` record that ``biomark fit`` stores in a JSON model file (``None`` if absent)."""
    from biomark.model.checks import read_model_bytes

    try:
        raw = read_model_bytes(path)  # bounded: a FIFO or /dev/zero given as the model
    except BiomarkError:
        return None
    if raw.lstrip()[:1] != b"{":
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    rec = doc.get("conversion") if isinstance(doc, dict) else None
    return rec if isinstance(rec, dict) else None


__all__ = ["DEFAULT_CHUNK_ROWS", "FORMULA_PREFIXES", "OUTPUT_COLUMNS", "ScoreSummary", "linear_score",
           "neutralise_formulas", "read_model_conversion", "score_file"]
