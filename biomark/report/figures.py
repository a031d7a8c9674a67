"""Figures for the HTML report: matplotlib drawings returned as inline SVG strings.

Every function takes a typed section of the result (:mod:`biomark.validation.schema`, schema
"biomark.validation/1") and returns one ``<svg>`` element as text, ready to be placed inside an
HTML document (the survival figures live in :mod:`biomark.report.figures_survival`, the SVG
plumbing in :mod:`biomark.report._svg`). Nothing here computes a statistic; the functions only draw numbers they are given.

Guarantees of :func:`to_svg` (used by every figure):

* **Deterministic.** ``svg.hashsalt`` is fixed and the SVG metadata (date, creator) is dropped, so
  the same input gives byte-identical output. Jitter uses a seeded generator.
* **Self-contained.** No XML declaration, DOCTYPE, metadata block or namespace URLs; text is real
  ``<text>`` (``svg.fonttype = "none"``), which matplotlib writes XML-escaped, so a marker called
  ``<script>`` is drawn as those characters and never becomes markup. :func:`to_svg` checks this
  and refuses SVG that contains ``<script``, ``<foreignObject`` or an ``on...=`` attribute.
* **No clashing ids.** Every ``id`` (and every reference to it) is prefixed with the figure's
  name, so many figures can live in one HTML document.
* **No global state.** Figures are built with :class:`matplotlib.figure.Figure` (no pyplot, the
  caller's backend is left alone) inside :func:`matplotlib.rc_context`.

User-supplied strings pass through :func:`label`, which escapes ``$`` (so that a name is never
parsed as mathtext) and shortens very long names; the full names are in the HTML tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from biomark.report._svg import (
    _SINGLE,
    COLORS,
    FigureError,
    _arr,
    _fig,
    _fmt,
    _fmt_p,
    _num,
    _same_len,
    _style,
    _unit_axes,
    label,
    to_svg,
)
from biomark.report.figures_survival import hr_forest_figure, km_figure, time_auc_figure
from biomark.stats.decision import DecisionCurve
from biomark.validation.schema import CalibrationSection, Direction, Roc, SingleMarker

__all__ = [
    "COLORS",
    "calibration_figure",
    "correlation_figure",
    "decision_curve_figure",
    "direction_forest_figure",
    "distributions_figure",
    "hr_forest_figure",
    "km_figure",
    "label",
    "roc_figure",
    "time_auc_figure",
    "cv_figure",
    "FigureError",
    "to_svg",
]


# --------------------------------------------------------------------------------------------- binary


def roc_figure(roc: Roc, single_markers: Sequence[SingleMarker] | None = None) -> str:
    """ROC curve of the panel (out-of-fold predictions) with its DeLong CI in the legend, beside the
    ROC curves of the single markers (thin lines, AUC in the legend)."""
    with _style():
        fig = _fig(7.2, 3.6)
        axes = fig.subplots(1, 2)
        ax = axes[0]
        fpr, tpr = _arr(roc.curve.fpr), _arr(roc.curve.tpr)
        _same_len("roc curve", fpr, tpr)
        ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=0.9, linestyle="--")
        lab = (f"Panel  AUC {_fmt(roc.auc, 3)}\n95% CI {_fmt(roc.ci_low, 3)}–"
               f"{_fmt(roc.ci_high, 3)} (DeLong)")
        h = ax.plot(fpr, tpr, color=COLORS["panel"], linewidth=2.2, drawstyle="steps-post")
        ax.fill_between(fpr, tpr, 0, step="post", color=COLORS["panel"], alpha=0.07, linewidth=0)
        ax.legend(h, [lab], loc="lower right")
        ax.set_xlabel("1 − specificity (false positive rate)")
        ax.set_ylabel("Sensitivity (true positive rate)")
        ax.set_title("Panel (out-of-fold)")
        _unit_axes(ax)

        ax = axes[1]
        ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=0.9, linestyle="--")
        handles, labels = [], []
        h = ax.plot(fpr, tpr, color=COLORS["panel"], linewidth=2.0, drawstyle="steps-post")
        handles.append(h[0])
        labels.append(f"Panel {_fmt(roc.auc, 2)}")
        for i, sm in enumerate(single_markers or []):
            f, t = _arr(sm.curve.fpr), _arr(sm.curve.tpr)
            _same_len("single-marker curve", f, t)
            h = ax.plot(f, t, color=_SINGLE[i % len(_SINGLE)], linewidth=1.0, drawstyle="steps-post",
                        linestyle=["-", "--", ":", "-."][(i // len(_SINGLE)) % 4])
            handles.append(h[0])
            labels.append(f"{label(sm.marker, 24)} {_fmt(sm.auc, 2)}")
        if len(handles) <= 12:
            ax.legend(handles, labels, loc="lower right", fontsize=7, title="AUC", title_fontsize=7)
        ax.set_xlabel("1 − specificity")
        ax.set_title("Single markers")
        _unit_axes(ax)
        fig.tight_layout(w_pad=2.0)
    return to_svg(fig, "fig-roc", "ROC curves of the panel and of each single marker")


def calibration_figure(cal: CalibrationSection) -> str:
    """Calibration plot: ideal diagonal, smoothed calibration curve with its CI band, grouped
    observed proportions with CIs, and a histogram of the predicted probabilities underneath."""
    with _style():
        fig = _fig(4.6, 5.0)
        gs = fig.add_gridspec(2, 1, height_ratios=[4, 1], hspace=0.08)
        ax = fig.add_subplot(gs[0])
        axh = fig.add_subplot(gs[1], sharex=ax)
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.9, label="Ideal")
        sm = cal.smooth
        x, y = (_arr(sm.x), _arr(sm.y)) if sm is not None else (_arr(None), _arr(None))
        if len(x) == 0:  # a curve without its grid cannot be placed; draw the rest
            y = x
        _same_len("calibration smooth", x, y)
        lo, hi = (_arr(sm.lower), _arr(sm.upper)) if sm is not None else (x, x)
        if len(lo) == len(x) and len(hi) == len(x) and len(x):
            ax.fill_between(x, lo, hi, color=COLORS["panel"], alpha=0.15, linewidth=0, label="95% CI (smooth)")
        if len(x):
            ax.plot(x, y, color=COLORS["panel"], linewidth=2.0, label="Smoothed (loess)")
        cc = getattr(cal, "corrected", None)  # rms calibrate(lrm, B), apparent probabilities
        if cc is not None and len(cc.x) == len(cc.corrected):
            ax.plot(_arr(cc.x), [np.nan if v is None else v for v in cc.corrected], color=COLORS["high"],
                    linewidth=1.4, linestyle="-.", label=f"Bootstrap-corrected (B = {cc.B})")
        b = cal.binned
        bx, by = (_arr(b.x), _arr(b.y)) if b is not None else (_arr(None), _arr(None))
        _same_len("calibration binned", bx, by)
        if len(bx):
            blo, bhi = _arr(b.lower), _arr(b.upper)
            if len(blo) == len(bx) and len(bhi) == len(bx):
                yerr = np.vstack([np.clip(by - blo, 0, None), np.clip(bhi - by, 0, None)])
                ax.errorbar(bx, by, yerr=yerr, fmt="o", color="#222222", markersize=4, capsize=2,
                            elinewidth=0.8, label=f"Grouped ({len(bx)} groups)")
            else:
                ax.plot(bx, by, "o", color="#222222", markersize=4, label=f"Grouped ({len(bx)} groups)")
        text = "\n".join([
            f"Intercept {_fmt(cal.intercept, 3)}",
            f"Slope {_fmt(cal.slope, 3)}",
            f"Brier {_fmt(cal.brier, 3)}",
            f"HL χ² {_fmt(cal.hl_stat, 2)}, p {_fmt_p(cal.hl_p)}",
        ])
        ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize=8,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#cccccc"})
        ax.legend(loc="lower right")
        ax.set_ylabel("Observed proportion")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(labelbottom=False)
        ax.set_title("Calibration (out-of-fold)")
        pred = _arr(cal.predictions)
        pred = pred[np.isfinite(pred)]
        if len(pred):
            axh.hist(np.clip(pred, 0, 1), bins=np.linspace(0, 1, 41), color="#888888", edgecolor="white",
                     linewidth=0.3)
        axh.set_xlabel("Predicted probability")
        axh.set_ylabel("n")
        axh.set_xlim(0, 1)
        fig.subplots_adjust(left=0.14, right=0.97, top=0.94, bottom=0.1)
    return to_svg(fig, "fig-calibration", "Calibration plot with histogram of predicted probabilities")


def decision_curve_figure(dc: DecisionCurve, prevalence: Any = None) -> str:
    """Net benefit of the model against treating everyone and no one, over threshold probabilities."""
    with _style():
        fig = _fig(4.8, 3.4)
        ax = fig.add_subplot()
        t = _arr(dc.threshold)
        m, a = _arr(dc.model), _arr(dc.treat_all)
        _same_len("decision curve", t, m)
        none = _arr(dc.treat_none) if dc.treat_none is not None else np.zeros_like(t)
        if len(a) == len(t):
            ax.plot(t, a, color="#999999", linewidth=1.1, label="Treat all")
        if len(none) == len(t):
            ax.plot(t, none, color="#222222", linewidth=0.9, linestyle=":", label="Treat none")
        ax.plot(t, m, color=COLORS["panel"], linewidth=2.0, label="Panel model")
        top = np.nanmax(np.r_[m, a, 0.0]) if len(t) else 0.1
        prev = _num(prevalence)
        if math.isfinite(prev):
            top = max(top, prev)
        top = top if math.isfinite(top) and top > 0 else 0.1
        ax.set_ylim(-0.1 * top - 0.01, top * 1.12)
        ax.set_xlim(0, float(np.nanmax(t)) if len(t) else 1)
        ax.set_xlabel("Threshold probability")
        ax.set_ylabel("Net benefit")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper right")
        ax.set_title("Decision curve")
        fig.tight_layout()
    return to_svg(fig, "fig-decision", "Decision curve: net benefit against threshold probability")


def distributions_figure(by_class: Mapping[str, Mapping[str, Sequence[Any]]], order: Sequence[str] = ()) -> str:
    """Small multiples, one per marker: box plot with jittered points for each class.

    ``order`` lists the class labels left to right (others follow in their given order)."""
    markers = list(by_class)
    ncol = min(4, max(1, len(markers)))
    nrow = math.ceil(len(markers) / ncol) if markers else 1
    rng = np.random.default_rng(0)
    with _style():
        fig = _fig(1.85 * ncol + 0.4, 1.9 * nrow + 0.3)
        axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
        for ax, mk in zip(axes, markers, strict=False):
            groups = by_class[mk] or {}
            labs = [g for g in order if g in groups] + [g for g in groups if g not in order]
            data = [_arr(groups[g]) for g in labs]
            data = [d[np.isfinite(d)] for d in data]
            colors = [COLORS["low"], COLORS["high"]] + _SINGLE
            for j, d in enumerate(data):
                if len(d) == 0:
                    continue
                ax.boxplot([d], positions=[j], widths=0.55, showfliers=False, patch_artist=True,
                           boxprops={"facecolor": "white", "edgecolor": "#333333", "linewidth": 0.8},
                           medianprops={"color": colors[j % len(colors)], "linewidth": 1.6},
                           whiskerprops={"linewidth": 0.8}, capprops={"linewidth": 0.8})
                show = d if len(d) <= 150 else d[np.sort(rng.choice(len(d), 150, replace=False))]
                ax.scatter(j + rng.uniform(-0.18, 0.18, len(show)), show, s=3, color=colors[j % len(colors)],
                           alpha=0.45, linewidths=0, zorder=3)
            ax.set_xticks(range(len(labs)))
            ax.set_xticklabels([label(g, 14) for g in labs], fontsize=7)
            ax.set_title(label(mk, 22), fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        for ax in axes[len(markers):]:
            ax.set_visible(False)
        fig.tight_layout(h_pad=0.8, w_pad=0.8)
    return to_svg(fig, "fig-distributions", "Distribution of each marker by outcome class")


def correlation_figure(corr: Mapping[str, Any]) -> str:
    """Heat map of the Spearman correlation matrix between markers (diverging scale, −1 to 1)."""
    names = [str(m) for m in corr.get("markers") or []]
    mat = np.array([_arr(r) for r in corr.get("matrix") or []], dtype=float).reshape(len(names), -1)
    if mat.shape != (len(names), len(names)):
        raise FigureError(f"correlation matrix is {mat.shape}, expected {len(names)}×{len(names)}")
    k = len(names)
    size = min(7.0, max(3.2, 0.42 * k + 2.0))
    with _style():
        fig = _fig(size + 0.9, size)
        ax = fig.add_subplot()
        # vector cells (pcolormesh) and a stepped colour bar (< 50 levels, so matplotlib keeps it
        # vector too): crisp at any zoom and no embedded raster images
        from matplotlib.colors import BoundaryNorm
        norm = BoundaryNorm(np.linspace(-1, 1, 21), ncolors=256)
        im = ax.pcolormesh(np.arange(k + 1) - 0.5, np.arange(k + 1) - 0.5, np.ma.masked_invalid(mat),
                           cmap="RdBu_r", norm=norm, edgecolors="white", linewidth=0.5)
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_ylim(k - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_xticks(range(k))
        ax.set_yticks(range(k))
        ax.set_xticklabels([label(n, 18) for n in names], rotation=45, ha="right", fontsize=7)
        ax.set_yticklabels([label(n, 18) for n in names], fontsize=7)
        if k <= 14:
            for i in range(k):
                for j in range(k):
                    v = mat[i, j]
                    if math.isfinite(v):
                        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                                color="white" if abs(v) > 0.6 else "#222222")
        for s in ax.spines.values():
            s.set_visible(False)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, ticks=[-1, -0.5, 0, 0.5, 1])
        cb.set_label("Spearman ρ")
        cb.ax.tick_params(labelsize=7)
        ax.set_title("Marker correlation")
        fig.tight_layout()
    return to_svg(fig, "fig-correlation", "Heat map of Spearman correlations between markers")


# --------------------------------------------------------------------------------------------- direction

_MEASURE = {
    "hedges_g": "Hedges' g ({pos} − {neg})",
    "log_hr_per_sd": "log hazard ratio per SD",
    "mean_paired_difference": "mean paired difference (after − before)",
    "spearman_rho": "Spearman ρ with dose",
}
_EXPECTED_SIGN = {"up": 1, "risk": 1, "down": -1, "protective": -1}
_STATUS_MARK = {"consistent": "D", "contradicting": "X", "inconclusive": "o", "unspecified": "o",
                "not_estimable": "o"}


def direction_forest_figure(direction: Direction, positive: str = "positive",
                            negative: str = "negative") -> str:
    """Forest plot of the observed effect of every marker with its CI.

    The half of each row where an estimate agreeing with the literature would lie is shaded green
    (the expected direction); the marker's status is told by colour, symbol and text at the right:
    consistent (green diamond), contradicting (vermillion cross, bold label), inconclusive (grey
    circle). Different measures (per endpoint kind) are never mixed in one plot: rows follow
    ``direction["effects"]`` and the x label names the measure of the first row."""
    effects = list(direction.effects)
    k = max(1, len(effects))
    measures = [e.measure for e in effects if e.measure]
    measure = measures[0] if measures else ""
    xlabel = _MEASURE.get(measure, measure or "effect").format(pos=label(positive, 20), neg=label(negative, 20))
    est = np.array([_num(e.estimate) for e in effects], dtype=float)
    lo = np.array([_num(e.ci_low) for e in effects], dtype=float)
    hi = np.array([_num(e.ci_high) for e in effects], dtype=float)
    finite = np.r_[est, lo, hi]
    finite = finite[np.isfinite(finite)]
    span = float(np.max(np.abs(finite))) * 1.15 if len(finite) else 1.0
    span = span if span > 0 else 1.0
    with _style():
        fig = _fig(7.4, 0.42 * k + 1.15)
        ax = fig.add_subplot()
        ax.set_xlim(-span, span)
        ax.set_ylim(k - 0.5, -0.5)
        for i, e in enumerate(effects):
            sgn = _EXPECTED_SIGN.get(str(e.expected))
            if sgn is not None:
                ax.fill_between([0, sgn * span], i - 0.42, i + 0.42, color=COLORS["expected"], linewidth=0,
                                zorder=0)
            status = str(e.status or "inconclusive")
            col = COLORS.get(status, COLORS["inconclusive"])
            if math.isfinite(lo[i]) and math.isfinite(hi[i]):
                ax.plot([lo[i], hi[i]], [i, i], color=col, linewidth=2.0 if status == "contradicting" else 1.3,
                        solid_capstyle="butt", zorder=2)
            if math.isfinite(est[i]):
                mk = _STATUS_MARK.get(status, "o")
                ax.plot([est[i]], [i], marker=mk, markersize=7.5 if mk == "X" else 6, color=col,
                        markerfacecolor=col if status != "inconclusive" else "white", markeredgewidth=1.3,
                        zorder=3, linestyle="none")
            else:
                ax.text(0, i, "not estimable", ha="center", va="center", fontsize=7, color="#666666")
        ax.axvline(0, color="#333333", linewidth=0.9, zorder=1)
        ax.set_yticks(range(len(effects)))
        ax.set_yticklabels([label(e.marker, 26) for e in effects])
        for tl, e in zip(ax.get_yticklabels(), effects, strict=False):
            if e.status == "contradicting":
                tl.set_color(COLORS["contradicting"])
                tl.set_fontweight("bold")
        # right-hand column: expected direction, q value, status
        for i, e in enumerate(effects):
            exp = e.expected or "—"
            status = str(e.status or "")
            txt = f"exp. {exp}   q {_fmt_p(e.p_adjusted)}   {status.replace('_', ' ')}"
            ann = ax.annotate(txt, xy=(1.0, i), xycoords=("axes fraction", "data"), xytext=(8, 0),
                              textcoords="offset points", va="center", fontsize=7.5,
                              color=COLORS.get(status, "#333333") if status == "contradicting" else "#333333",
                              fontweight="bold" if status == "contradicting" else "normal")
            ann.set_in_layout(False)
        ax.set_xlabel(xlabel)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.text(0.0, 1.0, "◀ lower", transform=ax.transAxes, ha="left", va="bottom", fontsize=7, color="#555555")
        ax.text(1.0, 1.0, "higher ▶", transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555555")
        # labels on the left are measured by tight_layout; the status column needs the right 30 %
        fig.tight_layout(rect=(0.0, 0.0, 0.70, 1.0), pad=0.6)
    return to_svg(fig, "fig-direction", "Forest plot of observed marker effects against the expected direction")


def cv_figure(values: Sequence[Any], apparent: Any = None, corrected: Any = None, what: str = "AUC") -> str:
    """Strip plot of the cross-validated metric per repeat, with the apparent and
    optimism-corrected values as reference lines."""
    v = _arr(values)
    v = v[np.isfinite(v)]
    rng = np.random.default_rng(1)
    with _style():
        fig = _fig(4.8, 1.7)
        ax = fig.add_subplot()
        ax.scatter(v, rng.uniform(-0.15, 0.15, len(v)), s=16, color=COLORS["panel"], alpha=0.8, linewidths=0,
                   label="CV, per repeat")
        for val, txt, ls in ((apparent, "apparent", ":"), (corrected, "optimism-corrected", "--")):
            x = _num(val)
            if math.isfinite(x):
                ax.axvline(x, color="#333333", linestyle=ls, linewidth=1.0, label=txt)
        ax.set_ylim(-0.5, 0.5)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(what)
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
        fig.subplots_adjust(left=0.05, right=0.62, bottom=0.32, top=0.95)
    return to_svg(fig, "fig-cv", f"Cross-validated {what} per repeat")
