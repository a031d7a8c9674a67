"""The Cohort: an expression matrix (samples x markers) with optional clinical data.

A Cohort is what :func:`biomark.read_cohort` returns and what :func:`biomark.synthetic.simulate`
makes. It holds values as measured (after name resolution and the read-time Ct rules), never
values transformed with statistics of the whole cohort: z-scoring, estimated references and
imputation happen inside :mod:`biomark.preprocess`, fitted on training rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd


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
        from biomark.preprocess import assay_levels

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
