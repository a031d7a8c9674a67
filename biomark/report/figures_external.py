"""SVG figures of external validation: per-cohort calibration, a forest plot per pooled metric, the batch PCA.

Each function reads the typed sections of :mod:`biomark.validation.schema_external` only and returns the
SVG text of :func:`biomark.report._svg.to_svg` (deterministic, self-contained, labels escaped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from biomark.report._svg import (
    _SINGLE,
    COLORS,
    _arr,
    _fig,
    _fmt,
    _num,
    _same_len,
    _style,
    _unit_axes,
    label,
    to_svg,
)
from biomark.validation.transport_horizon import cohort_estimate as horizon_estimate

_Z = 1.959963984540054
# the reference line of each metric (no effect, or perfect calibration)
_NULL = {"auc": 0.5, "c": 0.5, "oe": 1.0, "slope": 1.0, "citl": 0.0, "intercept": 0.0}


def _ok(x: Any) -> bool:
    return x is not None and not hasattr(x, "reason")


def cohort_estimate(row: Any, metric: str) -> tuple[float, float, float] | None:
    """(estimate, CI low, CI high) of ``metric`` in one cohort row (binary or survival), or None."""
    if metric == "auc" and _ok(getattr(row, "auc", None)):
        return row.auc.auc, row.auc.ci_low, row.auc.ci_high
    if metric == "oe" and _ok(getattr(row, "calibration", None)):
        o = row.calibration.oe
        return o.oe, o.ci_low, o.ci_high
    upd = getattr(row, "update", None)
    if metric in ("slope", "citl", "intercept") and _ok(upd):
        est, se = {"slope": (upd.slope, upd.slope_se), "citl": (upd.citl, upd.citl_se),
                   "intercept": (upd.intercept, upd.intercept_se)}[metric]
        return est, est - _Z * se, est + _Z * se
    cal = getattr(row, "calibration", None)
    if metric == "brier" and _ok(cal) and getattr(cal, "brier_se", None) is not None:
        return cal.brier, cal.brier - _Z * cal.brier_se, cal.brier + _Z * cal.brier_se
    cs = getattr(row, "calibration_slope", None)
    if metric == "slope" and _ok(cs) and cs.se is not None:
        return cs.slope, cs.slope - _Z * cs.se, cs.slope + _Z * cs.se
    h = getattr(row, "harrell", None)
    if metric == "c" and _ok(h):
        return h.c, h.c - _Z * h.se, h.c + _Z * h.se
    return horizon_estimate(row, metric)


def forest_figure(name: str, title: str, rows: Sequence[tuple[str, float, float, float]], pooled: Any,
                  null: float | None, log: bool = False) -> str:
    """Forest plot: one CI per setting, the pooled estimate (diamond) with its CI and prediction interval."""
    with _style():
        k = len(rows)
        height = 1.3 + 0.32 * (k + 2)
        fig = _fig(5.6, height)
        ax = fig.add_subplot(1, 1, 1)
        ys = np.arange(k, 0, -1, dtype=float)
        for y, (_lab, est, lo, hi) in zip(ys, rows, strict=True):
            ax.plot([lo, hi], [y, y], color="#333333", linewidth=1.1)
            ax.plot([est], [y], "s", color=COLORS["panel"], markersize=5)
        labels = [label(r[0], 28) for r in rows]
        ticks = list(ys)
        if _ok(pooled):
            yp = 0.0
            e, lo, hi = pooled.estimate, pooled.ci_low, pooled.ci_high
            ax.fill([lo, e, hi, e], [yp, yp + 0.25, yp, yp - 0.25], color=COLORS["panel"], alpha=0.85)
            ax.plot([pooled.pi_low, pooled.pi_high], [yp, yp], color=COLORS["panel"], linewidth=1.0, linestyle=":")
            labels.append(f"Pooled (REML, HKSJ; k={pooled.k})")
            ticks.append(yp)
            ax.text(1.0, -0.45 / (height - 1.0) - 0.12, f"pooled {_fmt(e, 3)} ({_fmt(lo, 3)} to {_fmt(hi, 3)}); prediction interval "
                    f"{_fmt(pooled.pi_low, 3)} to {_fmt(pooled.pi_high, 3)}; I² {_fmt(100 * _num(pooled.i2), 0)}%",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7)
        if null is not None:  # no reference line for the Brier score
            ax.axvline(null, color="#999999", linestyle="--", linewidth=0.8)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels)
        if log:
            ax.set_xscale("log")
        ax.set_ylim(-0.8, k + 0.8)
        ax.grid(True, axis="x", color=COLORS["grid"], linewidth=0.6)
        ax.set_title(label(title, 60))
        fig.subplots_adjust(left=0.36, right=0.97, top=1 - 0.35 / height, bottom=0.75 / height)
        return to_svg(fig, name, "Forest plot of one metric across settings")


def cohort_calibration_figure(name: str, cohort: str, cal: Any) -> str:
    """Calibration plot of one validation cohort: smoothed curve with its band, grouped proportions."""
    with _style():
        fig = _fig(3.4, 3.5)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.9)
        sm = cal.smooth
        if sm is not None and sm.x:
            x, y = _arr(sm.x), _arr(sm.y)
            _same_len("calibration smooth", x, y)
            lo, hi = _arr(sm.lower), _arr(sm.upper)
            if len(lo) == len(x) == len(hi):
                ax.fill_between(x, lo, hi, color=COLORS["panel"], alpha=0.15, linewidth=0)
            ax.plot(x, y, color=COLORS["panel"], linewidth=1.8)
        b = cal.binned
        if b is not None and b.x:
            bx, by = _arr(b.x), _arr(b.y)
            _same_len("calibration binned", bx, by)
            ax.plot(bx, by, "o", color="#222222", markersize=3.5)
        oe = cal.oe
        ax.text(0.03, 0.97, "\n".join([f"CITL {_fmt(cal.citl, 2)}", f"Slope {_fmt(cal.slope, 2)}",
                                       f"O:E {_fmt(oe.oe, 2)}", f"Eavg {_fmt(cal.eavg, 3)}"]),
                transform=ax.transAxes, va="top", ha="left", fontsize=7,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#cccccc"})
        _unit_axes(ax)
        ax.set_xlabel("Predicted probability")
        ax.set_ylabel("Observed proportion")
        ax.set_title(label(cohort, 30))
        fig.subplots_adjust(left=0.18, right=0.97, top=0.9, bottom=0.14)
        return to_svg(fig, name, "Calibration in one validation cohort")  # user text stays out of attributes


def pca_figure(diag: Any) -> str:
    """PC1 vs PC2 of every sample, coloured (and shaped) by batch, before and after harmonisation."""
    markers = "os^Dv<>p"
    with _style():
        fig = _fig(6.4, 3.2)
        for j, (pts, title) in enumerate(((diag.pca_before, "Before"), (diag.pca_after, "After"))):
            ax = fig.add_subplot(1, 2, j + 1)
            x, y = _arr(pts.x), _arr(pts.y)
            _same_len("pca", x, y, np.asarray(pts.batch))
            batch = np.asarray(pts.batch)
            for i, b in enumerate(diag.batches):
                m = batch == b
                ax.scatter(x[m], y[m], s=9, alpha=0.7, color=_SINGLE[i % len(_SINGLE)], marker=markers[i % 8],
                           label=label(b, 24), linewidths=0)
            ex = [100 * _num(e) for e in pts.explained]
            ax.set_xlabel(f"PC1 ({_fmt(ex[0], 0)}%)" if ex and math.isfinite(ex[0]) else "PC1")
            ax.set_ylabel(f"PC2 ({_fmt(ex[1], 0)}%)" if len(ex) > 1 and math.isfinite(ex[1]) else "PC2")
            ax.set_title(title)
            ax.grid(True, color=COLORS["grid"], linewidth=0.6)
            if j == 1:
                ax.legend(loc="best", fontsize=7)
        fig.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.16, wspace=0.3)
        return to_svg(fig, "batch-pca", "PCA of the markers coloured by batch, before and after harmonisation")


def external_figures(r: Any, add: Any) -> None:
    """Register every external-validation figure with the report's ``add(name, fn)``."""
    ext, iv = getattr(r, "external", None), getattr(r, "iecv", None)
    if ext is not None:
        for i, row in enumerate(ext.cohorts or []):
            cal = getattr(row, "calibration", None)
            if _ok(cal):
                add(f"ext-cal-{i}", lambda i=i, row=row, cal=cal: cohort_calibration_figure(f"ext-cal-{i}", row.name, cal))
        _forests("ext", [(row.name, row) for row in ext.cohorts or []], ext.pooled or {}, add)
        diag = ext.harmonisation.diagnostics if ext.harmonisation is not None else None
        if _ok(diag):
            add("batch-pca", lambda: pca_figure(diag))
    if iv is not None:
        rows = [(c.cluster, _Est(c.estimates, getattr(c, "horizon", None))) for c in iv.clusters or [] if not c.skipped]
        _forests("iecv", rows, iv.pooled or {}, add)


class _Est:
    """An IECV cluster's estimates read like a cohort row by :func:`cohort_estimate`.

    A horizon metric (``oe_at_12``) is read from the cluster's ``horizon`` section (its own CI, as for a
    validation cohort); the others from the estimate and SE (O:E on the log scale).
    """

    def __init__(self, e: dict[str, Any], horizon: Any = None) -> None:
        self.e, self.horizon = e, horizon

    def get(self, m: str) -> tuple[float, float, float] | None:
        if "_at_" in m:
            return horizon_estimate(self, m)
        est, se = self.e.get(m), self.e.get(f"{m}_se")
        if est is None or se is None:
            return None
        if m == "oe":
            return est, est * math.exp(-_Z * se), est * math.exp(_Z * se)
        return est, est - _Z * se, est + _Z * se


def _forests(prefix: str, rows: list[tuple[str, Any]], pooled: dict[str, Any], add: Any) -> None:
    for metric, p in pooled.items():
        pts = []
        for name, row in rows:
            v = row.get(metric) if isinstance(row, _Est) else cohort_estimate(row, metric)
            if v is not None and all(math.isfinite(_num(t)) for t in v):
                pts.append((name, *v))
        if not pts:
            continue
        title = (p.label if _ok(p) else metric) + (" — IECV" if prefix == "iecv" else "")
        base = metric.split("_at_")[0]  # a horizon metric (oe_at_12) is drawn like its base metric
        null = None if base == "brier" else _NULL.get(base, 0.0)
        fig = f"{prefix}-forest-{metric}".replace("_", "-").replace(".", "-")  # a figure name is [a-z0-9-]
        add(fig, lambda fig=fig, pts=pts, p=p, title=title, null=null, base=base:
            forest_figure(fig, title, pts, p, null, log=base == "oe"))
