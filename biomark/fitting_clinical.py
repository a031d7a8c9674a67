"""Fit a combined clinical + panel model on files: ``biomark fit --clinical-model`` as a library call.

:func:`fit_combined_files` reads the cohort, fits the panel's :class:`~biomark.PanelModel` as
:func:`biomark.fitting.fit_files` does, and on the samples with the outcome and every clinical-model column fits
two unpenalised models exactly as ``validate --clinical-model`` fits them in its ``added_value`` section
(:mod:`biomark.validation.added`; the same design, complete-case rows, collinearity check and
:func:`biomark.stats.added_value.nested_lr_test`): the clinical model (the columns, factors dummy-coded against their
first sorted level, ``--spline`` columns as ``rms::rcs(x, 4)``) and the clinical + panel model. For a fitted method
(``logistic``, ``cox``) that adds the panel's markers, each a term, as their levels on the conversion's expression
scale (raw, not standardised, as validate enters them; a sample with a missing marker is left out, no imputation);
for a fixed rule it adds the panel model's score, ``panel_score``. Logistic
(:func:`biomark.stats.added_value.logistic`, as ``glm``) for a binary endpoint, Cox
(:func:`biomark.stats.cox`, Efron ties, as ``coxph``) for survival, with the Breslow baseline of each Cox fit at the
horizons (:func:`biomark.stats.cox_risk_at`). :meth:`CombinedRun.save` writes one JSON file holding both parts
(:mod:`biomark.combined`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biomark.atomic import atomic_write
from biomark.combined import (
    FORMAT,
    FORMAT_VERSION,
    PANEL_TERM,
    ClinicalColumn,
    ClinicalPart,
    PartModel,
)
from biomark.errors import InputError
from biomark.fitting import FitRun, _check_binary
from biomark.io.public import read_any
from biomark.model import PanelModel
from biomark.panel import Panel
from biomark.validation import _check_codings as check_codings
from biomark.validation import _outcome_candidates as outcome_candidates

__all__ = ["CombinedRun", "fit_combined_files", "load_combined"]


@dataclass(frozen=True)
class CombinedRun:
    """The panel model's :class:`~biomark.fitting.FitRun` and the clinical part fitted beside it."""

    run: FitRun
    part: ClinicalPart
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The model file's JSON document (both parts)."""
        from biomark._plain import versions
        from biomark.model.files import _jsonable, to_json_dict

        panel_doc = to_json_dict(self.run.model)
        panel_doc["conversion"] = _jsonable(dict(self.run.conversion))
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "panel_model": panel_doc,
                "clinical": self.part.to_json(), "warnings": list(self.warnings),
                "versions": versions(("numpy", "scipy", "pandas"))}

    def save(self, path: str | Path) -> Path:
        """Write the combined model file atomically (JSON, floats by ``repr``: read back exactly)."""
        p = Path(path)
        text = json.dumps(self.to_json(), indent=1, allow_nan=False, ensure_ascii=False)
        with atomic_write(p) as fh:
            fh.write(text + "\n")
        return p

    def summary(self, path: str | Path) -> dict[str, Any]:
        """What ``biomark fit --clinical-model --json`` prints: the panel fit's summary and the clinical part."""
        doc = self.run.summary(path)
        doc["warnings"] = [*doc["warnings"], *self.warnings]
        doc["combined"] = self.part.to_json()
        return doc


def load_combined(path: str | Path) -> tuple[PanelModel, dict[str, Any] | None, ClinicalPart]:
    """(panel model, its conversion record, clinical part) of a file written by :meth:`CombinedRun.save`."""
    from biomark.scoring_clinical import read_combined

    return read_combined(path)


def _design(cohort: Any, names: Sequence[str], rows: np.ndarray, spline: Sequence[str]) -> tuple[pd.DataFrame, Any]:
    from biomark.validation.added import clinical_design

    Z, info = clinical_design(cohort, names, rows, spline)
    cols = []
    for n in names:
        kind = info["kinds"][n]
        if kind == "categorical":
            ref = info["reference_levels"][n]
            levels = (ref, *(c.split("=", 1)[1] for c in Z.columns if c.startswith(f"{n}=")))
            cols.append(ClinicalColumn(n, kind, tuple(levels)))
        else:
            cols.append(ClinicalColumn(n, kind, knots=tuple(info["knots"].get(n, ()))))
    return Z, (tuple(cols), info["notes"])


def fit_combined_files(panel: Panel, method: str, ep: Any, expression: str, clinical: str, *,
                       clinical_model: Sequence[str], spline: Sequence[str] = (),
                       horizons: Sequence[float] | None = None, outcome: str | None = None,
                       time_col: str | None = None, event_col: str | None = None, penalty: str | None = "l2",
                       seed: int = 0, id_column: str | None = None, assay: str | None = None,
                       spike_in: str | None = None, ct_cutoff: float = 40.0, formats: dict[str, Any] | None = None,
                       **read_kw: Any) -> CombinedRun:
    """Fit the panel model and the clinical / clinical + panel models; see the module docstring.

    Survival endpoints take time and event (``time_col``, ``event_col``); the panel model is fitted on them for
    ``method="cox"`` and without an outcome for a fixed rule. ``horizons`` (survival): the times at which the
    baseline is stored (default the 25th/50th/75th percentiles of follow-up, as ``validate``).

    Examples
    --------
    >>> from biomark.fitting import resolve_fit  # doctest: +SKIP
    >>> p, m, ep = resolve_fit("nsclc_mir96_radioresistance", "signed_z", None)  # doctest: +SKIP
    >>> run = fit_combined_files(p, m, ep, "expr.csv", "clin.csv", clinical_model=["stage", "age"])  # doctest: +SKIP
    >>> run.save("model.json")  # doctest: +SKIP
    """
    from biomark.stats import cox_risk_at
    from biomark.stats.added_value import logistic
    from biomark.stats.coxph import cox
    from biomark.stats.horizon import check_horizons as stats_check_horizons
    from biomark.validation.horizon import check_horizons, default_horizons

    names = [str(n) for n in clinical_model]
    if not names:
        raise InputError("--clinical-model needs at least one clinical column")
    cohort = read_any(expression, clinical, panel=panel, assay=assay, id_column=id_column, spike_in=spike_in,
                      ct_cutoff=ct_cutoff, **(formats or {}), **read_kw)
    levels = cohort.levels(panel)
    if levels.shape[1] == 0:
        raise InputError(f"{expression}: none of the markers of panel '{panel.id}' is in the expression data")
    check_codings(cohort.codings, ep, None)
    if ep.kind == "survival":
        so = cohort.survival(time_col, event_col, endpoint_id=ep.id)
        present, why, ycol = so.present, so.dropped, f"{so.time_column}, {so.event_column}"
        outc = {"time": np.asarray(so.time, float), "event": np.asarray(so.event, float)}
        y = np.column_stack([so.time, so.event]) if method == "cox" else None
    else:
        _check_binary(panel, ep)
        if method == "cox":
            raise InputError(f"--method cox needs a survival endpoint; endpoint '{ep.id}' is binary")
        bo = cohort.outcome(outcome, positive_class=ep.positive_class, candidates=outcome_candidates(ep))
        present, why, ycol = bo.present, bo.dropped, bo.column
        outc = {"y": bo.y.astype(int)}
        y = outc["y"]
    lv = levels.loc[present]
    model = PanelModel(panel=panel, method=method, endpoint=ep.id, penalty=penalty, random_state=seed).fit(lv, y)
    conversion = {"assay": cohort.assay, "reference_markers": list(cohort.reference_markers),
                  "spike_in": cohort.spike_in, "ct_cutoff": cohort.ct_cutoff, "rule": lv.attrs.get("conversion")}
    run = FitRun(model, panel, ep, int(lv.shape[0]), int((~present).sum()), ycol, ep.kind == "binary", conversion,
                 [*cohort.warnings, *model.warnings_, *(f"{k} sample(s) left out: {w}" for w, k in why.items())])
    Z, (columns, notes) = _design(cohort, names, present, spline)
    Z = Z.reset_index(drop=True)
    s = np.asarray(model.panel_score(lv), float)
    joint = method in ("logistic", "cox")  # validate adds the markers of a fitted method, the score of a fixed rule
    if joint and list(model.markers_) != list(lv.columns):  # pragma: no cover - PanelModel keeps every column
        raise InputError(f"{expression}: the panel model kept markers {list(model.markers_)} of {list(lv.columns)}")
    A = lv.reset_index(drop=True) if joint else pd.DataFrame({PANEL_TERM: s})
    ok = Z.notna().all(axis=1).to_numpy() & A.notna().all(axis=1).to_numpy()
    warnings = list(notes)
    if (~ok).sum():
        what = "the clinical-model columns or a marker" if joint else "the clinical-model columns"
        warnings.append(f"clinical model: {int((~ok).sum())} sample(s) without a value in {what} were left out of "
                        "both models (complete case)")
    Zc = Z[ok].reset_index(drop=True)
    for c in Zc.columns:
        if Zc[c].nunique() < 2:
            raise InputError(f"{cohort.name}: clinical-model column '{c.split('=')[0].rstrip(chr(39))}' is constant "
                             "in the complete cases: drop it from --clinical-model")
    Ac = A[ok].reset_index(drop=True)
    full = pd.concat([Zc, Ac], axis=1)
    from biomark.stats import StatsError
    from biomark.stats.added_value import nested_lr_test
    from biomark.validation.added import _check_collinear

    if joint:
        _check_collinear(Zc, Ac, names, "panel markers")
    try:
        if ep.kind == "binary":
            yy = outc["y"][ok]
            if joint:  # validate's own call: the coefficients of its added_value section, bit for bit
                tt = nested_lr_test(Zc, Ac, y=yy)
                f0, f1 = tt.reduced, tt.full
            else:
                f0, f1 = logistic(yy, Zc), logistic(yy, full)
            p0 = PartModel(tuple(f0.terms[1:]), tuple(map(float, f0.coef[1:])), float(f0.coef[0]))
            p1 = PartModel(tuple(f1.terms[1:]), tuple(map(float, f1.coef[1:])), float(f1.coef[0]))
            hs: tuple[float, ...] = ()
            n_events = int(yy.sum())
        else:
            t, e = outc["time"][ok], outc["event"][ok]
            hs = tuple(check_horizons(horizons) if horizons is not None else default_horizons(t))
            try:
                stats_check_horizons(hs, t)
            except StatsError as exc:
                raise InputError(f"--horizon: {exc}") from None
            if joint:
                tt = nested_lr_test(Zc, Ac, time=t, event=e, model="cox")
                f0, f1 = tt.reduced, tt.full
            else:
                f0, f1 = cox(t, e, Zc), cox(t, e, full)
            parts = []
            for f, X in ((f0, Zc), (f1, full)):
                lp = _lp(X.to_numpy(float), f.coef)
                r = cox_risk_at(t, e, lp, list(hs))
                parts.append(PartModel(tuple(f.terms), tuple(map(float, f.coef)), None, float(r.center),
                                       tuple(map(float, r.cumhaz0))))
            p0, p1 = parts
            n_events = int(e.sum())
    except StatsError as exc:
        raise InputError(f"the clinical model ({', '.join(names)}) cannot be fitted: {exc}") from None
    part = ClinicalPart(ep.kind, columns, p0, p1, hs, int(ok.sum()), n_events, int((~ok).sum()),
                        tuple(map(str, Ac.columns)) if joint else ())
    return CombinedRun(run, part, warnings)


def _lp(X: np.ndarray, coef: Any) -> np.ndarray:
    """X beta term by term, as :mod:`biomark.combined` computes it for new samples (identical doubles)."""
    b = np.asarray(coef, float)
    lp = np.zeros(X.shape[0])
    for j in range(b.size):
        lp = lp + X[:, j] * b[j]
    return lp
