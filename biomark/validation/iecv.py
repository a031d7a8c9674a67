"""Internal-external cross-validation (Royston, Parmar & Sylvester 2004; Steyerberg & Harrell 2016; Debray 2017).

With several cohorts (each a cluster), or one cohort with a centre/batch column (``cluster=``), each
cluster is left out in turn: the model (with its preprocessing) is fitted on the other clusters and
evaluated on the held-out one, after the run's harmonisation of the held-out cluster onto the others.
Per cluster: AUC, calibration-in-the-large, calibration slope and O:E (binary; as in
:mod:`biomark.validation.transport`), Harrell's C and, for a Cox model, the calibration slope (survival).
Pooled by REML + HKSJ with a prediction interval (:func:`biomark.stats.random_effects`): the spread a new
centre should expect.

A cluster with fewer than :data:`MIN_CLUSTER` samples, one outcome class, or no events is skipped with a
warning (its estimates would be noise or undefined); so is one whose complement cannot be fitted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from biomark import stats
from biomark.errors import InputError
from biomark.validation import harmonise as harm
from biomark.validation import transport

MIN_CLUSTER = 10


def _clusters(plan: Any, levels: Callable[[Any, Any], pd.DataFrame]) -> tuple[str, list[tuple[str, Any, pd.DataFrame]]] | None:
    """(by, [(cluster name, outcome, X of the samples with an outcome)]) or None when there is nothing to do."""
    ep, kw, cohorts = plan.endpoint, plan.kw, plan.cohorts
    column = kw.get("cluster")

    def read(c: Any) -> tuple[Any, pd.DataFrame]:
        o = (c.outcome(kw["outcome"], positive_class=ep.positive_class,
                       candidates=(ep.id, "outcome", "response", "class", "group")) if ep.kind == "binary"
             else c.survival(kw["time"], kw["event"], endpoint_id=ep.id, competing=ep.competing))
        return o, levels(plan.panel, c)[o.present]

    if column is None:
        if len(cohorts) < 2:
            return None
        return "cohort", [(c.name, *read(c)) for c in cohorts]
    train = cohorts[0]
    if train.clinical is None or column not in train.clinical.columns:
        have = ", ".join(map(str, train.clinical.columns[:12])) if train.clinical is not None else "no clinical file"
        raise InputError(f"{transport.source(train)}: --cluster column '{column}' is not in the clinical data ({have}); name the "
                         "column that holds the centre or batch")
    o, X = read(train)
    lab = train.clinical.reindex(train.expression.index)[column][o.present]
    if lab.isna().any():
        raise InputError(f"{transport.source(train)}: --cluster column '{column}' is empty for {int(lab.isna().sum())} samples "
                         "with an outcome; fill it in or leave those samples out")
    levels_ = sorted(lab.astype(str).unique())
    if len(levels_) < 2:
        raise InputError(f"{transport.source(train)}: --cluster column '{column}' has one level only ('{levels_[0]}'); "
                         "internal-external cross-validation needs at least 2 centres or batches")
    out = []
    for lv in levels_:
        m = (lab.astype(str) == lv).to_numpy()
        out.append((lv, _subset(o, m), X[m]))
    return column, out


class _Sub:
    """An outcome restricted to some of its samples (the attributes transport and the fitters read)."""

    def __init__(self, o: Any, m: np.ndarray) -> None:
        for name in ("y", "time", "event"):
            if hasattr(o, name):
                setattr(self, name, np.asarray(getattr(o, name))[m])


def _subset(o: Any, m: np.ndarray) -> Any:
    return _Sub(o, m)


def _target(o: Any, kind: str) -> Any:
    return o.y if kind == "binary" else np.column_stack([o.time, o.event])


def _skip_reason(o: Any, kind: str, n: int) -> str | None:
    if n < MIN_CLUSTER:
        return f"fewer than {MIN_CLUSTER} samples ({n})"
    if kind == "binary" and np.unique(o.y).size < 2:
        return "one outcome class only"
    if kind == "survival" and np.sum(o.event) == 0:
        return "no events"
    return None


def _estimates(kind: str, o: Any, fitted: Any, X: pd.DataFrame, ci: float) -> dict[str, float | None]:
    if kind == "binary":
        row, _ = transport.binary_cohort("cluster", o.y, fitted, X, ci=ci, alpha=0.05, seed=0, curves=False)
    else:
        row = transport.survival_cohort("cluster", o.time, o.event, fitted, X)
    out: dict[str, float | None] = {}
    for metric, v in transport._estimates(row, kind).items():  # noqa: SLF001 - one definition of the metrics
        out[metric], out[f"{metric}_se"] = (None, None) if v is None else (float(v[0]), float(v[1]))
    return out


def iecv(plan: Any, ev: Any, levels: Callable[[Any, Any], pd.DataFrame]) -> dict[str, Any] | None:
    """The IECV section (per cluster, pooled), or None with one cohort and no ``cluster``."""
    kind = plan.endpoint.kind
    if kind not in ("binary", "survival"):
        return None
    found = _clusters(plan, levels)
    if found is None:
        return None
    by, clusters = found
    rows, ci = [], plan.kw["ci"]
    for k, (name, o, X) in enumerate(clusters):
        n = int(X.shape[0])
        row: dict[str, Any] = {"cluster": name, "n": n, "estimates": {},
                               "n_events": int(np.sum(o.y if kind == "binary" else o.event))}
        reason = _skip_reason(o, kind, n)
        if reason is None:
            rest = [c for j, c in enumerate(clusters) if j != k]
            Xr = pd.concat([c[2] for c in rest])
            yr = np.concatenate([_target(c[1], kind) for c in rest])
            try:
                est = clone(plan.estimator)  # a fixed survival rule is fitted without the outcome
                fitted = est.fit(Xr, yr) if kind == "binary" or plan.method == "cox" else est.fit(Xr)
                Xk = harm.harmonise(plan.kw["harmonise"], Xr.reindex(columns=fitted.markers_),
                                    [(name, X.reindex(columns=fitted.markers_))])[0]
                row["estimates"] = _estimates(kind, o, fitted, Xk, ci)
            except (stats.StatsError, InputError, ValueError) as err:
                reason = f"could not be evaluated ({err})"
        if reason is not None:
            row["skipped"] = reason
            ev.warnings.append(f"internal-external cross-validation: cluster '{name}' ({by}) skipped: {reason}")
        rows.append(row)
    pooled_rows = [_as_row(r, kind) for r in rows if "skipped" not in r]
    return {"by": by, "clusters": rows, "pooled": transport.pool_rows(pooled_rows, kind, ci) if pooled_rows else
            {m: {"error": "no cluster could be evaluated"} for m in (("auc", "oe", "slope", "citl") if kind == "binary"
                                                                    else ("c", "slope"))}}


def _as_row(r: dict[str, Any], kind: str) -> dict[str, Any]:
    """A cluster's estimates in the shape :func:`transport.pool_rows` reads."""
    e = r["estimates"]

    def pair(m: str) -> tuple[float, float] | None:
        return None if e.get(m) is None else (e[m], e[f"{m}_se"])

    if kind == "binary":
        a, oe, sl, ct = pair("auc"), pair("oe"), pair("slope"), pair("citl")
        return {"auc": {"auc": a[0], "se": a[1]} if a else {"error": ""},
                "calibration": {"oe": {"oe": oe[0], "se_log": oe[1]}} if oe else {"error": ""},
                "update": {"slope": sl[0], "slope_se": sl[1], "citl": ct[0], "citl_se": ct[1]} if sl and ct
                else {"error": ""}}
    c, sl = pair("c"), pair("slope")
    return {"harrell": {"c": c[0], "se": c[1]} if c else {"error": ""},
            "calibration_slope": {"slope": sl[0], "se": sl[1]} if sl else {"error": ""}}
