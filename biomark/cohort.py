"""The Cohort: an expression matrix (samples x markers) with optional clinical data.

A Cohort is what :func:`biomark.read_cohort` returns and what :func:`biomark.synthetic.simulate`
makes. It holds values as measured (after name resolution and the read-time Ct rules), never
values transformed with statistics of the whole cohort: z-scoring, estimated references and
imputation happen inside :mod:`biomark.preprocess`, fitted on training rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from biomark.codings import binary_codes, competing_codes, event_codes, na_set, numeric_or_text
from biomark.errors import InputError


@dataclass(frozen=True)
class Cohort:
    """Expression and clinical data for one set of samples.

    Attributes
    ----------
    expression
        Samples as rows (index: sample ids as ``str``), markers as columns named by the panel's
        canonical marker ids (reference markers and a spike-in column included when present),
        ``float64``; ``NaN`` marks a missing value.
    clinical
        Clinical variables indexed by the same sample ids (rows in the same order), or ``None``.
    assay
        What the numbers are: ``qpcr_ct``, ``log2_expression``, ``counts``, ``intensity``,
        ``ihc_score``.
    panel_id
        The panel the marker names were resolved against (``None`` when none was given).
    missing_markers
        Panel markers absent from the expression file.
    warnings
        Human-readable warnings carried into validation results.
    qc
        Read-time quality facts: undetermined Ct counts per marker, sample ids present in only one
        file, how each column was matched, ...
    sources
        Input file path -> SHA-256 of its bytes.
    spike_in
        Name of the spike-in column for Ct normalisation, if the user named one.
    name
        A label for reports (file stem or "synthetic").
    reference_markers
        Columns of ``expression`` that are qPCR reference markers (canonical ids), for −ΔCt.
        When empty, :meth:`levels` uses the panel's reference markers found among the columns.
    library_size
        Counts only: per-sample library size (sum over *all* features of the file, not only the
        panel's markers), indexed like ``expression``. ``None``: :meth:`levels` falls back to the sum
        over the columns present and says so.
    ct_cutoff
        qPCR only: the Ct cutoff applied at read time (``Undetermined``/empty/above set to it).
    codings
        How the clinical outcome is coded (:func:`biomark.codings.codings_of`): ``event_value``,
        ``positive``, ``negative`` label tuples, ``time_unit``, ``na_values``; only what was given.

    Values are kept as measured; :meth:`levels` gives them on an expression scale where higher
    means more (−ΔCt, log2 CPM, log2 intensity), which is what directions are judged on and what
    :class:`biomark.PanelModel` takes.
    """

    expression: pd.DataFrame
    clinical: pd.DataFrame | None = None
    assay: str = "log2_expression"
    panel_id: str | None = None
    missing_markers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    qc: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    spike_in: str | None = None
    name: str = "cohort"
    reference_markers: list[str] = field(default_factory=list)
    library_size: pd.Series | None = None
    ct_cutoff: float | None = None
    codings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.expression.shape[0])

    @property
    def sample_ids(self) -> list[str]:
        return [str(i) for i in self.expression.index]

    @property
    def markers(self) -> list[str]:
        return [str(c) for c in self.expression.columns]

    def subset(self, rows: Any) -> Cohort:
        """The cohort restricted to some samples (positional indices or a boolean mask, or an Index of ids)."""
        expr = self.expression.iloc[rows] if not isinstance(rows, pd.Index) else self.expression.loc[rows]
        clin = None if self.clinical is None else self.clinical.loc[expr.index]
        lib = None if self.library_size is None else self.library_size.loc[expr.index]
        return replace(
            self, expression=expr, clinical=clin, missing_markers=list(self.missing_markers),
            warnings=list(self.warnings), qc=dict(self.qc), sources=dict(self.sources),
            reference_markers=list(self.reference_markers), library_size=lib,
        )

    def levels(self, panel: Any = None, *, markers: list[str] | None = None) -> pd.DataFrame:
        """Marker values on an expression scale where higher means more, one row per sample.

        A per-sample conversion that uses no statistic of other samples (so it is leakage-free
        whenever it is applied), chosen by :attr:`assay`:

        * ``qpcr_ct``: −ΔCt = (reference Ct) − (marker Ct), the reference being the spike-in column
          when one was named, else the mean Ct of the reference markers present in that sample
          (``NaN`` when none is); with neither, −Ct (a warning says the values are unnormalised).
          The reference markers are :attr:`reference_markers`, else the panel's endogenous
          reference markers among the columns, else its spike-in references
          (:func:`biomark.io.assay.reference_markers`, the rule of :func:`biomark.read_cohort`).
        * ``counts``: log2 CPM = log2((count + 0.5) / (library size + 1) × 10⁶), the prior of limma's
          ``voom`` (Law et al. 2014, Genome Biology 15:R29).
        * ``intensity``: log2(intensity).
        * ``log2_expression``, ``ihc_score``: unchanged.

        Reference and spike-in columns are not returned. ``markers`` (default: the panel's markers
        present, else every non-reference column) selects and orders the columns. The rule applied
        is in ``result.attrs["conversion"]`` and any caveat in ``result.attrs["warnings"]``.
        """
        # lazy: biomark.io imports this module (a cycle), preprocess imports scikit-learn (1-4 s measured)
        from biomark.io.assay import reference_markers
        from biomark.levels import assay_levels

        refs = list(self.reference_markers)
        if panel is not None and not refs:  # read_cohort's rule: endogenous references first
            refs = reference_markers(panel, set(self.expression.columns))
        excluded = set(refs) | ({self.spike_in} if self.spike_in else set())
        if markers is None:
            if panel is not None:
                markers = [m for m in panel.marker_ids if m in self.expression.columns]
            else:
                markers = [c for c in self.expression.columns if c not in excluded]
        return assay_levels(
            self.expression, self.assay, markers=markers, reference=refs, spike_in=self.spike_in,
            library_size=self.library_size,
        )

    # --- typed outcome accessors (used by biomark.validate and ``biomark fit``) -----------------

    def outcome(self, column: str | None = None, *, positive_class: str,
                candidates: Sequence[str] = ("outcome", "response", "class", "group")) -> BinaryOutcome:
        """The binary outcome as 0/1 (1 = ``positive_class``), resolved here and nowhere else.

        A column of 0/1 (or ``True``/``False``) is read as is; a column of two labels must contain
        ``positive_class``. ``codings["positive"]`` / ``codings["negative"]`` (``--positive CR,PR
        --negative SD,PD``) name the labels of each class; other labels are left out with a count.
        Samples with a missing cell are dropped (``present`` says which, ``dropped`` why).

        Examples
        --------
        >>> c = Cohort(pd.DataFrame({"m": [1.0, 2, 3, 4]}, index=list("abcd")),
        ...            pd.DataFrame({"r": ["yes", "no", None, "yes"]}, index=list("abcd")))
        >>> o = c.outcome("r", positive_class="yes")
        >>> o.y.tolist(), o.n_dropped
        ([1.0, 0.0, 1.0], 1)
        """
        s = self._clinical_column(column, candidates, "binary outcome")
        return _binary_outcome(s, positive_class, self._clinical_source(), self.codings.get("positive"),
                               self.codings.get("negative"), self.codings.get("na_values"))

    def survival(self, time: str | None = None, event: str | None = None, *,
                 endpoint_id: str = "", competing: str | None = None) -> SurvivalOutcome:
        """Survival time (> 0) and 0/1 event of the samples that have both.

        Default columns: ``{endpoint_id}_time``, ``time``, ``os_time``, ... and ``{endpoint_id}_event``,
        ``event``, ``status``, ...; R's 1/2 coding of events is refused with a message saying so.
        With ``competing`` (the endpoint's competing event) the event column is coded 0 (censored) / 1
        (event of interest) / 2 (competing event): ``status`` keeps the three codes and ``event`` is 1 for
        the event of interest only (a competing event counts as censored, the cause-specific view).

        Examples
        --------
        >>> c = Cohort(pd.DataFrame({"m": [1.0, 2, 3]}, index=list("abc")),
        ...            pd.DataFrame({"time": [5.0, 3, None], "event": [1, 0, 1]}, index=list("abc")))
        >>> s = c.survival()
        >>> s.time.tolist(), s.event.tolist(), s.n_dropped
        ([5.0, 3.0], [1.0, 0.0], 1)
        """
        t = self._clinical_column(time, [f"{endpoint_id}_time", "time", "os_time", "survival_time", "months",
                                          "days"], "survival time")
        e = self._clinical_column(event, [f"{endpoint_id}_event", "event", "status", "os_event", "death"],
                                  "event indicator")
        if competing is not None and self.codings.get("event_value") is not None:
            raise InputError(f"--event-value does not apply to endpoint '{endpoint_id}', which names a competing "
                             f"event ({competing}): code its event column 0 (censored), 1 (event), 2 (competing "
                             "event) and leave out --event-value")
        return _survival_outcome(t, e, self._clinical_source(), self.codings.get("event_value"),
                                 self.codings.get("na_values"), competing)

    def _clinical_source(self) -> str:
        """The clinical file's path for messages (the cohort's name when it was not read from files)."""
        srcs = list(self.sources or {})
        return srcs[1] if len(srcs) > 1 else self.name

    def _clinical_column(self, column: str | None, candidates: Sequence[str], what: str) -> pd.Series:
        clin = self.clinical
        if clin is None:
            raise InputError(f"{self.name}: a {what} is needed but no clinical file was given; pass --clinical FILE")
        cols = list(clin.columns)
        if column is None:
            column = next((c for c in candidates if c in cols), None)
            if column is None:
                raise InputError(f"{self._clinical_source()}: name the {what} column (clinical columns are: "
                                 f"{', '.join(map(str, cols))})")
        if column not in cols:
            raise InputError(f"{self._clinical_source()}: no column '{column}'; columns are: {', '.join(map(str, cols))}")
        return clin[column]


@dataclass(frozen=True)
class BinaryOutcome:
    """A binary outcome read from the clinical data.

    Attributes
    ----------
    y
        0/1 (1 = the positive class) for the samples that have a value.
    present
        Boolean mask over all samples of the cohort: which have a value.
    column
        The clinical column read.
    n_dropped
        Samples left out: missing cell, or a label neither positive nor negative.
    dropped
        Reason -> number of samples left out for it.
    """

    y: np.ndarray
    present: np.ndarray
    column: str
    n_dropped: int
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def full(self) -> np.ndarray:
        """``y`` spread over every sample of the cohort (``NaN`` where absent)."""
        out = np.full(self.present.size, np.nan)
        out[self.present] = self.y
        return out


@dataclass(frozen=True)
class SurvivalOutcome:
    """Survival data read from the clinical data.

    Attributes
    ----------
    time, event
        Time (> 0) and 0/1 event of the samples that have both.
    present
        Boolean mask over all samples of the cohort: which have both.
    time_column, event_column
        The clinical columns read.
    n_dropped
        Samples left out because the time or the event was missing.
    dropped
        Reason -> number of samples left out for it.
    status
        Competing-risks endpoints only: 0 censored / 1 event of interest / 2 competing event (``event`` is
        ``status == 1``); None otherwise.
    """

    time: np.ndarray
    event: np.ndarray
    present: np.ndarray
    time_column: str
    event_column: str
    n_dropped: int
    dropped: dict[str, int] = field(default_factory=dict)
    status: np.ndarray | None = None

    def restrict(self, keep: np.ndarray, reason: str) -> SurvivalOutcome:
        """Also leave out the samples where ``keep`` (over all samples) is False, counted under ``reason``."""
        gone = self.present & ~keep
        if not gone.any():
            return self
        present = self.present & keep
        sub = keep[self.present]
        dropped = {**self.dropped, reason: int(gone.sum())}
        return replace(self, time=self.time[sub], event=self.event[sub], present=present,
                       n_dropped=int((~present).sum()), dropped=dropped,
                       status=None if self.status is None else self.status[sub])


def _binary_outcome(s: pd.Series, pos: str, src: str, positive: Sequence[str] | None = None,
                    negative: Sequence[str] | None = None, na_values: Sequence[str] | None = None) -> BinaryOutcome:
    name = str(s.name)
    na = na_set(na_values)
    missing = np.array([_missing(v) or str(v).strip().casefold() in na for v in s], dtype=bool)
    vals = [_label(v) for v, m in zip(s, missing, strict=True) if not m]
    labels = sorted(set(vals))
    if positive is None and negative is None and set(labels) <= {"0", "1", "True", "False"}:
        y_full = np.full(missing.size, np.nan)
        y_full[~missing] = [1.0 if v in ("1", "True") else 0.0 for v in vals]
        left: dict[str, int] = {}
    else:
        y_full, left = binary_codes(s, src, positive or (pos,), negative,
                                    flag="--positive" if positive is None else "--positive (given)", na_values=na_values)
    present = ~np.isnan(y_full)
    y = y_full[present]
    if np.unique(y).size < 2:
        kept = sorted({v for v, p in zip(vals, present[~missing], strict=True) if p})
        raise InputError(f"{src}: column '{name}' has one class only ({kept[0] if kept else 'none'}); "
                         "a binary endpoint needs cases and controls")
    dropped = {f"no value in '{name}'": int(missing.sum())} if missing.any() else {}
    for lb, k in left.items():
        dropped[f"label '{lb}' in '{name}' is neither --positive nor --negative"] = k
    return BinaryOutcome(y=y, present=present, column=name, n_dropped=int((~present).sum()), dropped=dropped)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _label(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return str(v).strip()


def _survival_outcome(t: pd.Series, e: pd.Series, src: str, event_value: Sequence[str] | None = None,
                      na_values: Sequence[str] | None = None, competing: str | None = None) -> SurvivalOutcome:
    t = numeric_or_text(t, na_values)
    tn = pd.to_numeric(t, errors="coerce")
    bad_t = t.notna() & tn.isna()
    if bad_t.any():
        i = bad_t.to_numpy().nonzero()[0][0]
        raise InputError(f"{src}: column '{t.name}', sample '{t.index[i]}': time {t.iloc[i]!r} is not a number; "
                         f"write the time as a number (in the endpoint's unit) or leave the cell empty")
    status = competing_codes(e, src, competing, na_values) if competing is not None else None
    ev = event_codes(e, src, event_value, na_values) if status is None else np.where(status == 2, 0.0, status)
    tv = tn.to_numpy(float)
    present = ~np.isnan(tv) & ~np.isnan(ev)
    if (tv[present] <= 0).any():
        i = np.flatnonzero(present & (tv <= 0))[0]
        raise InputError(f"{src}: column '{t.name}', sample '{t.index[i]}': survival time {tv[i]:g} is not "
                         "positive; times must be > 0")
    if ev[present].sum() == 0:
        what = "has no event of interest (code 1)" if status is not None else "every sample is censored"
        raise InputError(f"{src}: column '{e.name}': {what}; survival analysis needs events")
    dropped = {}
    if np.isnan(tv).any():
        dropped[f"no time in '{t.name}'"] = int(np.isnan(tv).sum())
    if (np.isnan(ev) & ~np.isnan(tv)).any():
        dropped[f"no event in '{e.name}'"] = int((np.isnan(ev) & ~np.isnan(tv)).sum())
    return SurvivalOutcome(time=tv[present], event=ev[present], present=present, time_column=str(t.name),
                           event_column=str(e.name), n_dropped=int((~present).sum()), dropped=dropped,
                           status=None if status is None else status[present].astype(np.int8))
