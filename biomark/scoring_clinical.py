"""Apply a combined clinical + panel model file (``biomark fit --clinical-model``) to new samples.

:func:`score_combined` scores the panel part with :func:`biomark.scoring.score_file` (same column matching,
conversion, imputation; into a temporary Parquet file), reads the clinical file (:func:`biomark.io.read_clinical`),
matches its samples by id, builds the clinical design from the stored columns (:func:`biomark.combined.clinical_matrix`:
dummies of the stored levels, the spline basis at the stored knots) and writes one row per sample, in the
expression file's order::

    sample_id, panel_score, linear_predictor, probability (binary) | risk_at_<t> (survival, per stored horizon),
    lp_clinical, n_missing

``linear_predictor`` is the clinical + panel model's ``b0 + sum_j b_j z_j + sum_m b_m x_m`` for a fitted method
(``x_m`` the markers' converted levels, which ``score_file(keep_levels=True)`` passes on; a missing one is refused:
the model was fitted on complete cases and does not impute) or ``b0 + sum_j b_j z_j + b_s panel_score`` for a fixed
rule (no ``b0`` for Cox); ``probability = expit(linear_predictor)``;
``risk_at_<t> = 1 - exp(-H0(t) exp(linear_predictor - center))`` with the stored Breslow baseline. A clinical column
absent from the file, a factor level the model never saw, a missing or non-numeric clinical value and a sample
without a clinical row are refused (one error line naming column, level or sample).

Imports numpy, pandas and pyarrow only at import time (no scikit-learn): the panel model is loaded when a file is
scored.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from biomark.atomic import atomic_path
from biomark.combined import FORMAT, READ_VERSIONS, ClinicalPart
from biomark.errors import InputError, ModelFileError

__all__ = ["CombinedScoreSummary", "is_combined", "read_combined", "score_combined"]


def is_combined(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a combined model file (its JSON ``format``; False for anything unreadable)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and f'"format": "{FORMAT}"'.encode() in head


def read_combined(path: str | os.PathLike[str], *, applied: bool = False
                  ) -> tuple[Any, dict[str, Any] | None, ClinicalPart]:
    """(panel model, its conversion record, clinical part) of a combined model file; ModelFileError if bad.

    The panel model is a :class:`~biomark.PanelModel` (``applied=False``) or, for scoring without
    scikit-learn, a :class:`biomark.model.applied.AppliedModel` holding the same fitted state."""
    from biomark.model.applied import AppliedModel, fitted_state
    from biomark.model.checks import parse_model_json, read_model_bytes

    src = str(path)
    doc = parse_model_json(read_model_bytes(Path(path)), src)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{src}: not a combined clinical + panel model (no \"format\": \"{FORMAT}\")")
    version = doc.get("format_version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        raise ModelFileError(f"{src}: combined model format version {version!r} is not supported (this biomark "
                             f"reads versions {', '.join(map(str, READ_VERSIONS))}); re-fit with "
                             "'biomark fit --clinical-model'")
    if not isinstance(doc.get("panel_model"), dict) or not isinstance(doc.get("clinical"), dict):
        raise ModelFileError(f"{src}: a combined model needs 'panel_model' and 'clinical'; re-create the file")
    state = fitted_state(doc["panel_model"], f"{src}: panel_model", None)  # NumPy only: no scikit-learn
    if applied:
        model: Any = AppliedModel(state.params, state.attrs)
    else:
        from biomark.model import PanelModel

        model = PanelModel(panel=state.panel, **state.params)
        for name, value in state.attrs.items():
            setattr(model, name, value)
        model._compile()
    conv = doc["panel_model"].get("conversion")
    return model, conv if isinstance(conv, dict) else None, ClinicalPart.from_json(doc["clinical"], src, int(version))


@dataclasses.dataclass(frozen=True)
class CombinedScoreSummary:
    """What :func:`score_combined` did: the panel part's :class:`~biomark.scoring.ScoreSummary` and the rest."""

    panel: Any
    output: str
    kind: str
    clinical_columns: list[str]
    columns: list[str]
    horizons: list[float]
    n_samples: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        d = self.panel.to_dict()
        d.update({"output": self.output, "combined": True, "kind": self.kind,
                  "clinical_columns": self.clinical_columns, "output_columns": self.columns,
                  "horizons": self.horizons, "seconds": self.seconds})
        return d


def _unneutralise(ids: list[str]) -> list[str]:
    from biomark.io.output import FORMULA_PREFIXES

    return [s[1:] if len(s) > 1 and s[0] == "'" and s[1] in FORMULA_PREFIXES else s for s in ids]


def score_combined(model_path: str | os.PathLike[str], expression: str | os.PathLike[str],
                   clinical: str | os.PathLike[str] | None, out: str | os.PathLike[str], *,
                   clinical_id_column: str | None = None, **score_kw: Any) -> CombinedScoreSummary:
    """Score ``expression`` with the combined model in ``model_path`` and the clinical file; write ``out``.

    ``score_kw`` go to :func:`biomark.scoring.score_file` for the panel part (``id_column``, ``chunk_rows``,
    ``sep``, ``decimal``, ...). See the module docstring for the output.

    Examples
    --------
    >>> s = score_combined("model.json", "expr.csv", "clin.csv", "scores.csv")  # doctest: +SKIP
    >>> s.columns[:3]  # doctest: +SKIP
    ['sample_id', 'panel_score', 'linear_predictor']
    """
    from biomark.io.clinical import read_clinical
    from biomark.scoring import score_file

    t0 = time.perf_counter()
    src = str(model_path)
    model, conversion, part = read_combined(model_path, applied=True)
    names = [c.name for c in part.columns]
    if clinical is None:
        raise InputError(f"{src}: is a combined clinical + panel model (clinical columns {', '.join(names)}): give "
                         "--clinical FILE with those columns for the samples")
    clin = read_clinical(clinical, id_column=clinical_id_column, strict_id=clinical_id_column is not None)
    score_kw.pop("conversion", None)
    score_kw.pop("threshold", None)
    with tempfile.TemporaryDirectory(prefix="biomark-score-") as tmp:
        summary = score_file(model, expression, Path(tmp) / "panel.parquet", conversion=conversion,
                             keep_levels=bool(part.markers), **score_kw)
        tab = pq.read_table(Path(tmp) / "panel.parquet")
    ids_out = tab.column("sample_id").to_pylist()
    ids = _unneutralise(ids_out)
    index = {s: i for i, s in enumerate(clin.index)}
    missing = [s for s in ids if s not in index]
    if missing:
        raise InputError(f"{clinical}: has no row for sample '{missing[0]}' of {expression} ({len(missing)} sample(s) "
                         "in all); add them to the clinical file or leave them out of the expression file")
    sub = clin.iloc[[index[s] for s in ids]]
    sub.index = pd.Index(ids, dtype=object)
    s = tab.column("score").to_numpy(zero_copy_only=False).astype(float)
    levels = None
    if part.markers:  # the converted levels score_file kept, by marker name
        levels = np.column_stack([tab.column(f"level:{m}").to_numpy(zero_copy_only=False).astype(float)
                                  for m in part.markers])
        bad = np.isnan(levels)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise InputError(f"{expression}: sample '{ids[i]}' has no value of marker '{part.markers[j]}' "
                             f"({int(bad.any(axis=1).sum())} sample(s) in all); the clinical + panel model enters "
                             "each marker as a term and was fitted on complete cases, so it does not impute: "
                             "measure it or leave those samples out")
    lp0, lp1 = part.linear_predictors(sub, s, str(clinical), levels)
    cols: dict[str, Any] = {"sample_id": pa.array(ids_out, pa.string()), "panel_score": pa.array(s),
                            "linear_predictor": pa.array(lp1)}
    if part.kind == "binary":
        cols["probability"] = pa.array(1.0 / (1.0 + np.exp(-lp1)))
    else:
        risk = part.risks(part.full, lp1)
        for k, h in enumerate(part.horizons):
            cols[f"risk_at_{h:g}"] = pa.array(risk[:, k])
    cols["lp_clinical"] = pa.array(lp0)
    cols["n_missing"] = tab.column("n_missing")
    table = pa.table(cols)
    from biomark.io.output import TableWriter

    out_p = Path(out)
    with atomic_path(out_p) as tmpf, TableWriter(tmpf, out_p, table.schema) as writer:
        writer.write(table)
    return CombinedScoreSummary(summary, str(out_p), part.kind, names, list(cols), list(part.horizons), len(ids),
                                round(time.perf_counter() - t0, 3))

