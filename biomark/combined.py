"""The clinical part of a combined clinical + panel model file (``biomark fit --clinical-model``).

A combined model file (``"format": "biomark.combinedmodel"``, version 2) holds two parts:

* ``panel_model``: the fitted :class:`~biomark.PanelModel` as its own JSON model document (the one ``biomark fit``
  writes without ``--clinical-model``), with its ``conversion`` record; ``biomark score`` applies it unchanged and
  its score is the term ``panel_score``.
* the clinical part, :class:`ClinicalPart`: each clinical column (``numeric``; ``categorical`` with its levels in
  sorted order, dummy-coded against the first, the reference; ``spline``: ``rms::rcs(x, 4)`` with the stored
  knots), and two models fitted on the same complete cases: the clinical model and the clinical + panel model.
  The clinical + panel model is the one ``validate --clinical-model`` fits in its ``added_value`` section: for a
  fitted method (``logistic``, ``cox``) the panel's markers are added beside the clinical columns, each as its own
  term, on the expression scale of the panel model's conversion (raw levels, not standardised; ``added_terms``
  names them); for a fixed rule its score is added as the one term ``panel_score``. Logistic (an intercept and one coefficient per design column, as ``glm``) for a binary
  endpoint; Cox for survival, with the Breslow baseline (Efron's ties) at the stored horizons so that the risk at
  ``t`` is ``1 - exp(-H0(t) exp(eta - center))`` exactly as :func:`biomark.stats.cox_risk_at` (and
  ``survfit(coxph, newdata)``) gives it on the training rows.

This module needs numpy and pandas only (no scikit-learn): ``biomark score`` uses it to apply a stored model.
Floats are written with ``repr`` (JSON), so a loaded model reproduces its predictions bit for bit.

Version 1 files (written before the markers were stored; their clinical + panel model always has the one term
``panel_score``, for fitted methods too) are still read and applied as written: their ``added_terms`` is taken to
be ``["panel_score"]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from biomark.errors import InputError, ModelFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "READ_VERSIONS", "ClinicalColumn", "ClinicalPart", "PartModel", "clinical_matrix"]

FORMAT = "biomark.combinedmodel"
FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)
PANEL_TERM = "panel_score"
_KINDS = ("numeric", "categorical", "spline")


@dataclass(frozen=True)
class ClinicalColumn:
    """One clinical column of the model: its kind, levels (categorical; the first is the reference) or knots."""

    name: str
    kind: str
    levels: tuple[str, ...] = ()
    knots: tuple[float, ...] = ()

    @property
    def terms(self) -> list[str]:
        """The design columns this clinical column gives (names as in the validation report)."""
        if self.kind == "numeric":
            return [self.name]
        if self.kind == "spline":
            return [self.name + "'" * j for j in range(len(self.knots) - 1)]
        return [f"{self.name}={lv}" for lv in self.levels[1:]]


@dataclass(frozen=True)
class PartModel:
    """One fitted model: its terms and coefficients; ``intercept`` (logistic) or the Cox baseline at ``horizons``."""

    terms: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float | None = None
    center: float | None = None
    cumhaz0: tuple[float, ...] = ()


@dataclass(frozen=True)
class ClinicalPart:
    """The clinical columns, the two fitted models and what they were fitted on.

    ``kind`` is ``"binary"`` (logistic) or ``"survival"`` (Cox; ``horizons`` are the times of the stored baseline).
    ``markers``: the panel markers that are terms of the clinical + panel model (a fitted method), in order; empty
    when the panel enters as its score (``panel_score``; a fixed rule, and every version 1 file).
    """

    kind: str
    columns: tuple[ClinicalColumn, ...]
    clinical: PartModel
    full: PartModel
    horizons: tuple[float, ...] = ()
    n: int = 0
    n_events: int = 0
    n_dropped: int = 0
    markers: tuple[str, ...] = ()

    @property
    def added_terms(self) -> list[str]:
        """The terms the clinical + panel model adds to the clinical model: the markers, or ``panel_score``."""
        return list(self.markers) or [PANEL_TERM]

    def linear_predictors(self, clin: pd.DataFrame, panel_score: np.ndarray, src: str,
                          levels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(clinical, clinical + panel) linear predictors of the rows of ``clin`` (aligned with ``panel_score``).

        ``levels``: with stored ``markers``, the ``(n, len(markers))`` marker levels of the same rows (converted as
        the panel model converts them); a missing level is an InputError naming the sample and the marker.

        Examples
        --------
        >>> part = ClinicalPart("binary", (ClinicalColumn("age", "numeric"),),
        ...                     PartModel(("age",), (0.1,), -5.0), PartModel(("age", "panel_score"), (0.1, 1.0), -5.0))
        >>> [v.tolist() for v in part.linear_predictors(pd.DataFrame({"age": [50.0]}), np.array([0.5]), "c.csv")]
        [[0.0], [0.5]]
        """
        Z, names = clinical_matrix(self.columns, clin, src)
        lp0 = _lp(self.clinical, Z, names)
        if self.markers:
            if levels is None:
                raise ValueError("this model's clinical + panel part has marker terms: pass their levels")
            X = np.asarray(levels, float).reshape(Z.shape[0], len(self.markers))
            bad = ~np.isfinite(X)
            if bad.any():
                i, j = (int(v[0]) for v in np.nonzero(bad))
                raise InputError(f"sample '{clin.index[i]}' has no value of marker '{self.markers[j]}' "
                                 f"({int(bad.any(axis=1).sum())} sample(s) in all); the clinical + panel model "
                                 "enters each marker as a term and was fitted on complete cases, so it does not "
                                 "impute: measure it or leave those samples out")
        else:
            X = np.asarray(panel_score, float)[:, None]
        return lp0, _lp(self.full, np.column_stack([Z, X]), [*names, *self.added_terms])

    def risks(self, part: PartModel, lp: np.ndarray) -> np.ndarray:
        """Survival: ``(n, K)`` risks ``1 - exp(-H0(t_k) exp(lp - center))`` at the stored horizons."""
        h0 = np.asarray(part.cumhaz0, float)
        return -np.expm1(-h0[None, :] * np.exp(lp - float(part.center))[:, None])

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (floats as is: json writes their ``repr``)."""
        return {"kind": self.kind, "horizons": list(self.horizons), "n": self.n, "n_events": self.n_events,
                "n_dropped": self.n_dropped, "added": "markers" if self.markers else "panel_score",
                "added_terms": self.added_terms,
                "columns": [{"name": c.name, "kind": c.kind, "levels": list(c.levels), "knots": list(c.knots),
                             "reference": c.levels[0] if c.kind == "categorical" else None} for c in self.columns],
                "clinical_model": _part_json(self.clinical), "full_model": _part_json(self.full)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], src: str, version: int = FORMAT_VERSION) -> ClinicalPart:
        """Read :meth:`to_json`'s data back, checking kinds, numbers and shapes (ModelFileError naming the key).

        ``version`` 1: no ``added_terms`` (the panel entered as ``panel_score``)."""
        try:
            kind = doc["kind"]
            if kind not in ("binary", "survival"):
                raise ModelFileError(f"{src}: clinical.kind must be 'binary' or 'survival', not {kind!r}")
            cols = tuple(_column(c, f"{src}: clinical.columns[{i}]") for i, c in enumerate(doc["columns"]))
            horizons = tuple(_num(h, f"{src}: clinical.horizons") for h in doc["horizons"])
            added = [PANEL_TERM] if version == 1 else [str(t) for t in doc["added_terms"]]
            if version != 1 and doc["added"] != ("panel_score" if added == [PANEL_TERM] else "markers"):
                raise ModelFileError(f"{src}: clinical.added ({doc['added']!r}) does not match clinical.added_terms "
                                     f"({', '.join(added)}); re-create the file with 'biomark fit --clinical-model'")
            part = cls(kind, cols, _part(doc["clinical_model"], f"{src}: clinical.clinical_model"),
                       _part(doc["full_model"], f"{src}: clinical.full_model"), horizons,
                       int(doc.get("n", 0)), int(doc.get("n_events", 0)), int(doc.get("n_dropped", 0)),
                       () if added == [PANEL_TERM] else tuple(added))
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise ModelFileError(f"{src}: malformed clinical part ({type(err).__name__}: {err}); re-create it "
                                 "with 'biomark fit --clinical-model'") from None
        part._check(src)
        return part

    def _check(self, src: str) -> None:
        names = [t for c in self.columns for t in c.terms]
        if (list(self.clinical.terms) != names or list(self.full.terms) != [*names, *self.added_terms]
                or len(set(self.full.terms)) != len(self.full.terms)):
            raise ModelFileError(f"{src}: the clinical model's terms do not match its columns; re-create the file")
        for what, m in (("clinical_model", self.clinical), ("full_model", self.full)):
            if len(m.coef) != len(m.terms):
                raise ModelFileError(f"{src}: clinical.{what} has {len(m.coef)} coefficients for {len(m.terms)} terms")
            if self.kind == "binary" and m.intercept is None:
                raise ModelFileError(f"{src}: clinical.{what} has no intercept")
            if self.kind == "survival" and (m.center is None or len(m.cumhaz0) != len(self.horizons)):
                raise ModelFileError(f"{src}: clinical.{what} needs 'center' and one baseline cumulative hazard per "
                                     "horizon")
        if self.kind == "survival" and not self.horizons:
            raise ModelFileError(f"{src}: a survival model needs at least one horizon")


def _lp(m: PartModel, X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    if list(names) != list(m.terms):  # _check guarantees it; a guard against a hand-built ClinicalPart
        raise ModelFileError("the design columns do not match the model's terms")
    b = np.asarray(m.coef, float)
    lp = np.zeros(X.shape[0]) if m.intercept is None else np.full(X.shape[0], float(m.intercept))
    for j in range(b.size):  # term by term: a row's value does not depend on the other rows (no BLAS)
        lp = lp + X[:, j] * b[j]
    return lp


def clinical_matrix(columns: Sequence[ClinicalColumn], clin: pd.DataFrame, src: str) -> tuple[np.ndarray, list[str]]:
    """The design of new samples: numeric as is, dummies of the stored levels, the spline basis at the stored knots.

    Raises InputError naming the column (absent from the file), the level (not seen in training), or the sample
    (missing or non-numeric value).

    Examples
    --------
    >>> cols = (ClinicalColumn("stage", "categorical", ("I", "II", "III")),)
    >>> X, names = clinical_matrix(cols, pd.DataFrame({"stage": ["III", "I"]}, index=["P1", "P2"]), "c.csv")
    >>> names, X.tolist()
    (['stage=II', 'stage=III'], [[0.0, 1.0], [0.0, 0.0]])
    """
    from biomark.stats.spline import rcs_basis  # numpy only

    blocks, names = [], []
    for c in columns:
        if c.name not in clin.columns:
            raise InputError(f"{src}: clinical-model column '{c.name}' is not in the clinical file (the model was "
                             f"fitted with {', '.join(x.name for x in columns)}); add the column or give the "
                             "clinical file the model was meant for")
        col = clin[c.name]
        miss = col.isna().to_numpy()
        if miss.any():
            sid = clin.index[int(np.flatnonzero(miss)[0])]
            raise InputError(f"{src}: sample '{sid}' has no value in clinical-model column '{c.name}' "
                             f"({int(miss.sum())} sample(s) in all); fill it in or leave those samples out")
        if c.kind == "categorical":
            s = col.astype(str).str.strip()
            unseen = sorted(set(s) - set(c.levels))
            if unseen:
                sid = clin.index[int(np.flatnonzero(s.to_numpy() == unseen[0])[0])]
                raise InputError(f"{src}: clinical-model column '{c.name}' has level '{unseen[0]}' (sample '{sid}') "
                                 f"that the model never saw in training; its levels are {', '.join(c.levels)}: "
                                 "recode it to one of them or leave those samples out")
            blocks.append(np.column_stack([(s == lv).to_numpy(float) for lv in c.levels[1:]]))
        else:
            num = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_numeric_dtype(col) else col
            bad = num.isna().to_numpy() | ~np.isfinite(num.to_numpy(float))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"{src}: clinical-model column '{c.name}' of sample '{clin.index[i]}' is "
                                 f"{col.iloc[i]!r}, not a finite number (the model uses it as a number)")
            x = num.to_numpy(float)
            blocks.append(x[:, None] if c.kind == "numeric" else rcs_basis(x, knots=c.knots).basis)
        names += c.terms
    X = np.column_stack(blocks) if blocks else np.zeros((len(clin), 0))
    return X, names


def _part_json(m: PartModel) -> dict[str, Any]:
    return {"terms": list(m.terms), "coef": list(m.coef), "intercept": m.intercept, "center": m.center,
            "cumhaz0": list(m.cumhaz0)}


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)) or abs(float(v)) > 1e12:
        raise ModelFileError(f"{where}: {v!r} is not a finite number; re-create the file")
    return float(v)


def _part(d: Mapping[str, Any], where: str) -> PartModel:
    return PartModel(tuple(str(t) for t in d["terms"]), tuple(_num(b, f"{where}.coef") for b in d["coef"]),
                     None if d.get("intercept") is None else _num(d["intercept"], f"{where}.intercept"),
                     None if d.get("center") is None else _num(d["center"], f"{where}.center"),
                     tuple(_num(h, f"{where}.cumhaz0") for h in d.get("cumhaz0") or ()))


def _column(d: Mapping[str, Any], where: str) -> ClinicalColumn:
    kind = d["kind"]
    if kind not in _KINDS:
        raise ModelFileError(f"{where}.kind must be one of {', '.join(_KINDS)}, not {kind!r}")
    c = ClinicalColumn(str(d["name"]), kind, tuple(str(v) for v in d.get("levels") or ()),
                       tuple(_num(k, f"{where}.knots") for k in d.get("knots") or ()))
    if kind == "categorical" and len(c.levels) < 2:
        raise ModelFileError(f"{where}: a categorical column needs at least two levels")
    if kind == "spline" and (len(c.knots) < 3 or list(c.knots) != sorted(set(c.knots))):
        raise ModelFileError(f"{where}: a spline needs at least 3 increasing knots")
    return c
