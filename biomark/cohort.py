"""The Cohort: an expression matrix (samples x markers) with optional clinical data.

A Cohort is what :func:`biomark.read_cohort` returns and what :func:`biomark.synthetic.simulate`
makes. It holds values as measured (after name resolution and the read-time Ct rules), never
values transformed with statistics of the whole cohort: z-scoring, estimated references and
imputation happen inside :mod:`biomark.preprocess`, fitted on training rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
        """The cohort restricted to some samples (positional indices or a boolean mask)."""
        expr = self.expression.iloc[rows] if not isinstance(rows, pd.Index) else self.expression.loc[rows]
        clin = None if self.clinical is None else self.clinical.loc[expr.index]
        return Cohort(
            expression=expr, clinical=clin, assay=self.assay, panel_id=self.panel_id,
            missing_markers=list(self.missing_markers), warnings=list(self.warnings), qc=dict(self.qc),
            sources=dict(self.sources), spike_in=self.spike_in, name=self.name,
        )
