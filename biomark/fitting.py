"""Fit a panel's model on files: the steps behind ``biomark fit``, as a library call.

:func:`resolve_fit` names the panel, method and endpoint (and checks that they go together);
:func:`fit_files` reads the cohort, takes the outcome the method needs, fits
:class:`~biomark.PanelModel` and returns a :class:`FitRun` that knows what to record
(:meth:`FitRun.save` writes the model file with its assay ``conversion`` record) and what to
report (:meth:`FitRun.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biomark.errors import InputError
from biomark.io.public import read_any
from biomark.model import PanelModel
from biomark.panel import Panel, load_panel
from biomark.validation import _check_codings as check_codings
from biomark.validation import _outcome_candidates as outcome_candidates


@dataclass(frozen=True)
class FitRun:
    """A model fitted by :func:`fit_files` and the facts about its fit.

    ``outcome`` names the clinical column(s) used (``None`` without an outcome), ``dropped``
    the samples left out for a missing outcome, ``labelled`` whether binary labels were used,
    ``conversion`` the assay-conversion record ``biomark score`` applies to new files.
    """

    model: PanelModel
    panel: Panel
    endpoint: Any
    n_samples: int
    dropped: int
    outcome: str | None
    labelled: bool
    conversion: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def probability(self) -> bool:
        """Whether the model gives a probability of the positive class."""
        return self.labelled and (self.model.method_ == "logistic" or self.model.calibration_ is not None)

    def save(self, path: str | Path) -> Path:
        """Write the model file (atomically) with its ``conversion`` record."""
        return self.model.save(path, conversion=self.conversion)

    def summary(self, path: str | Path) -> dict[str, Any]:
        """The plain-data summary that ``biomark fit --json`` prints."""
        m = self.model
        coef = getattr(m, "coef_", None)
        return {
            "model": str(path), "panel": self.panel.id, "endpoint": self.endpoint.id, "method": m.method_,
            "n_samples": self.n_samples, "samples_without_outcome_dropped": self.dropped,
            "outcome": self.outcome, "positive_class": self.endpoint.positive_class if self.labelled else None,
            "markers": list(m.markers_), "missing_markers": [x for x in self.panel.marker_ids if x not in m.markers_],
            "conversion": self.conversion, "probability": self.probability,
            "coef_per_sd": None if coef is None else [float(c) for c in np.ravel(coef)],
            "warnings": list(self.warnings),
        }


def resolve_fit(panel: str | Path | Panel, method: str | None, endpoint: str | None) -> tuple[Panel, str, Any]:
    """The panel, the method (default the panel's ``scoring.rule``) and the endpoint object."""
    panel = panel if isinstance(panel, Panel) else load_panel(panel)
    method = method or panel.scoring.rule
    ep_id = endpoint or panel.scoring.endpoint
    try:
        ep = panel.endpoint(ep_id)
    except KeyError:
        raise InputError(f"panel '{panel.id}' has no endpoint '{ep_id}'; endpoints are: "
                         + ", ".join(panel.endpoint_ids)) from None
    return panel, method, ep


def check_method_endpoint(panel: Panel, method: str, ep: Any) -> None:
    """A Cox model needs a survival endpoint."""
    if method == "cox" and ep.kind != "survival":
        surv = [e.id for e in panel.endpoints if e.kind == "survival"]
        raise InputError(f"--method cox needs a survival endpoint; endpoint '{ep.id}' of panel '{panel.id}' is {ep.kind}: "
                         + (f"pass --endpoint {surv[0]}" if surv else "this panel has none; use --method logistic"))


def fit_files(panel: Panel, method: str, ep: Any, expression: str, clinical: str | None = None, *,
              outcome: str | None = None, time_col: str | None = None, event_col: str | None = None,
              penalty: str | None = "l2", seed: int = 0, id_column: str | None = None, assay: str | None = None,
              spike_in: str | None = None, ct_cutoff: float = 40.0, formats: dict[str, Any] | None = None,
              **read_kw: Any) -> FitRun:
    """Read the cohort, take its outcome (binary labels, or time and event for ``cox``) and fit.

    Samples without an outcome are left out (``FitRun.dropped``). Without ``clinical`` the
    fixed rules are fitted on the levels alone (a score, no probability). ``read_kw``: further
    keywords of :func:`biomark.read_cohort` (``samples_as``, ``clinical_id_column``, ``na_values``,
    ``event_value``, ``positive``, ``negative``, ``time_unit``).
    """
    cohort = read_any(expression, clinical, panel=panel, assay=assay, id_column=id_column, spike_in=spike_in,
                      ct_cutoff=ct_cutoff, **(formats or {}), **read_kw)
    levels = cohort.levels(panel)
    if levels.shape[1] == 0:
        raise InputError(f"{expression}: none of the markers of panel '{panel.id}' is in the expression data")
    y, ycol, present, why = None, None, None, {}
    if method == "cox" or clinical is not None or (cohort.clinical is not None and outcome is not None):
        check_codings(cohort.codings, ep, None)  # a coding for another endpoint kind is refused, not ignored
    if method == "cox":
        so = cohort.survival(time_col, event_col, endpoint_id=ep.id, competing=getattr(ep, "competing", None))
        present, why = so.present, so.dropped
        y, ycol = np.column_stack([so.time, so.event]), f"{so.time_column}, {so.event_column}"
    elif clinical is not None or (cohort.clinical is not None and outcome is not None):  # a GEO file's own
        _check_binary(panel, ep)
        bo = cohort.outcome(outcome, positive_class=ep.positive_class, candidates=outcome_candidates(ep))
        present, why, ycol = bo.present, bo.dropped, bo.column
        y = bo.y.astype(int)
    if present is not None:
        levels = levels.loc[present]
    model = PanelModel(panel=panel, method=method, endpoint=ep.id, penalty=penalty, random_state=seed).fit(levels, y)
    conversion = {"assay": cohort.assay, "reference_markers": list(cohort.reference_markers),
                  "spike_in": cohort.spike_in, "ct_cutoff": cohort.ct_cutoff,
                  "rule": levels.attrs.get("conversion")}
    return FitRun(model, panel, ep, int(levels.shape[0]), 0 if present is None else int((~present).sum()), ycol,
                  y is not None and method != "cox", conversion,
                  [*cohort.warnings, *model.warnings_, *(f"{k} sample(s) left out: {w}" for w, k in why.items())])


def _check_binary(panel: Panel, ep: Any) -> None:
    if ep.kind != "binary":
        binary = [e.id for e in panel.endpoints if e.kind == "binary"]
        raise InputError(f"endpoint '{ep.id}' of panel '{panel.id}' is {ep.kind}, not binary; "
                         + (f"pass --endpoint {binary[0]}" if binary else "this panel has no binary endpoint: "
                            "fit without --clinical for the panel score")
                         + " (survival panels are assessed with 'biomark validate')")


def __getattr__(name: str) -> Any:
    """``fit_combined_files`` (``biomark fit --clinical-model``) lives in :mod:`biomark.fitting_clinical`."""
    if name == "fit_combined_files":
        from biomark.fitting_clinical import fit_combined_files

        return fit_combined_files
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FitRun", "check_method_endpoint", "fit_files", "resolve_fit"]
