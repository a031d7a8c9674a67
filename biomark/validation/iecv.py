"""Internal-external cross-validation (Royston, Parmar & Sylvester 2004; Steyerberg & Harrell 2016; Debray 2017).

With several cohorts (each a cluster), or one cohort with a centre/batch column (``cluster=``), each
cluster is left out in turn: the model (with its preprocessing) is fitted on the other clusters and
evaluated on the held-out one, after the run's harmonisation of the held-out cluster onto the others.
Per cluster, exactly as for an external cohort (:mod:`biomark.validation.transport`):

* binary: AUC (DeLong), the ``rms::val.prob`` set (calibration intercept and slope of the logistic
  recalibration with their SEs, calibration-in-the-large, O:E with SE(log), Brier with its SE, Emax/Eavg/E90;
  the ``calibration`` section of the cluster, without curves);
* survival: Harrell's C, for a Cox model the calibration slope, and at each horizon of the run
  (:mod:`biomark.validation.transport_horizon`) O:E at t with its CI, Brier/IPA and AUC(t) with SEs (the
  cluster's ``horizon`` section). The absolute risks come from the model and Breslow baseline hazard
  fitted on the OTHER clusters only (:func:`biomark.validation.external.train_horizons` on their rows);
  nothing is refitted on the held-out rows.

Each metric is pooled by REML + HKSJ with a prediction interval (:func:`biomark.stats.random_effects`):
the spread a new centre should expect; horizon metrics over the clusters that kept that horizon.

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
             else c.survival(kw["time"], kw["event"], endpoint_id=ep.id))
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


def _estimates(kind: str, name: str, o: Any, fitted: Any, X: pd.DataFrame, ci: float,
               train: dict[str, Any] | None = None,
               warnings: list[str] | None = None) -> tuple[dict[str, float | None], dict[str, Any]]:
    """The flat estimates (with ``<metric>_se``) of one held-out cluster and its sections (calibration/horizon).

    ``train``: the other clusters' rows for the risks at the horizons (survival), as built by
    :func:`biomark.validation.external.train_horizons` from the model fitted on them.
    """
    if kind == "binary":
        row, _ = transport.binary_cohort(name, o.y, fitted, X, ci=ci, alpha=0.05, seed=0, curves=False)
        sections = {"calibration": row["calibration"]}
    else:
        row = transport.survival_cohort(name, o.time, o.event, fitted, X, train, ci, warnings)
        hz = row["horizon"]
        if isinstance(hz, dict) and "risk_source" in hz:
            hz["risk_source"] = hz["risk_source"].replace("(fitted on the training cohort only; nothing refitted on "
                                                          "this cohort)", "(fitted on the other clusters only; "
                                                          "nothing refitted on the held-out one)")
        sections = {"horizon": hz}
    out: dict[str, float | None] = {}
    for metric, v in transport._estimates(row, kind).items():  # noqa: SLF001 - one definition of the metrics
        out[metric], out[f"{metric}_se"] = (None, None) if v is None else (float(v[0]), float(v[1]))
    return out, sections


def _train(plan: Any, ev: Any, fitted: Any, Xr: pd.DataFrame, rest: list[tuple[str, Any, pd.DataFrame]]) -> Any:
    """The other clusters' rows and the run's horizons, for the held-out cluster's risks (survival only)."""
    if plan.endpoint.kind != "survival":
        return None
    from biomark.validation.external import train_horizons

    o = {"time": np.concatenate([c[1].time for c in rest]), "event": np.concatenate([c[1].event for c in rest])}
    return train_horizons(fitted, ev.section, Xr, o, boot=plan.kw["oe_bootstrap"], seed=plan.kw["seed"])


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
                                    [(name, X.reindex(columns=fitted.markers_))], ev.warnings)[0]
                notes: list[str] = []
                row["estimates"], sections = _estimates(kind, name, o, fitted, Xk, ci,
                                                        _train(plan, ev, fitted, Xr, rest), notes)
                row.update(sections)
                ev.warnings.extend(f"internal-external cross-validation, {by} '{name}' held out: "
                                   + w.removeprefix(f"validation cohort '{name}': ") for w in notes)
            except (stats.StatsError, InputError, ValueError) as err:
                reason = f"could not be evaluated ({err})"
        if reason is not None:
            row["skipped"] = reason
            ev.warnings.append(f"internal-external cross-validation: cluster '{name}' ({by}) skipped: {reason}")
        rows.append(row)
    pooled_rows = [_as_row(r, kind) for r in rows if "skipped" not in r]
    unit = ""
    if kind == "survival":
        hz = ev.section.get("horizon")
        unit = (hz.get("time_unit") if isinstance(hz, dict) else None) or ev.section.get("time_unit") or ""
    return {"by": by, "clusters": rows, "pooled": transport.pool_rows(pooled_rows, kind, ci, unit) if pooled_rows else
            {m: {"error": "no cluster could be evaluated"}
             for m in (("auc", "oe", "slope", "citl", "intercept", "brier") if kind == "binary" else ("c", "slope"))}}


def _as_row(r: dict[str, Any], kind: str) -> dict[str, Any]:
    """A cluster's estimates in the shape :func:`transport.pool_rows` reads."""
    e = r["estimates"]

    def pair(m: str) -> tuple[float, float] | None:
        return None if e.get(m) is None else (e[m], e[f"{m}_se"])

    if kind == "binary":
        a, oe, sl, ct, ic, br = (pair(m) for m in ("auc", "oe", "slope", "citl", "intercept", "brier"))
        cal: dict[str, Any] = {"oe": {"oe": oe[0], "se_log": oe[1]}} if oe else {"error": ""}
        if oe and br:
            cal.update(brier=br[0], brier_se=br[1])
        return {"auc": {"auc": a[0], "se": a[1]} if a else {"error": ""}, "calibration": cal,
                "update": {"slope": sl[0], "slope_se": sl[1], "citl": ct[0], "citl_se": ct[1], "intercept": ic[0],
                           "intercept_se": ic[1]} if sl and ct and ic else {"error": ""}}
    c, sl = pair("c"), pair("slope")
    return {"harrell": {"c": c[0], "se": c[1]} if c else {"error": ""},
            "calibration_slope": {"slope": sl[0], "se": sl[1]} if sl else {"error": ""},
            "horizon": r.get("horizon") or {"error": ""}}
