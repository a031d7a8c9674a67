"""Figures for the HTML report: matplotlib drawings returned as inline SVG strings.

Every function takes a piece of the result dict (``ValidationResult.to_dict()``, schema
"biomark.validation/1") and returns one ``<svg>`` element as text, ready to be placed inside an
HTML document. Nothing here computes a statistic; the functions only draw numbers they are given.

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

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

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
    "to_svg",
]

# Okabe-Ito, colour-blind safe. Status is never told by colour alone (marker shape and text too).
COLORS = {
    "panel": "#0072B2",
    "consistent": "#009E73",
    "contradicting": "#D55E00",
    "inconclusive": "#6b6b6b",
    "unspecified": "#9a9a9a",
    "not_estimable": "#9a9a9a",
    "low": "#0072B2",
    "high": "#D55E00",
    "neutral": "#555555",
    "expected": "#e3f2ea",
    "grid": "#e6e6e6",
}
_SINGLE = ["#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#F0E442", "#000000", "#999999", "#8c564b"]

_RC: dict[str, Any] = {
    "svg.hashsalt": "biomark-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.grid": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.4,
    "path.simplify": True,
    "text.usetex": False,
}

_TAG = re.compile(r"<[^>]*>")
_FORBIDDEN_TAG = re.compile(r"^<\s*/?\s*(script|foreignObject|iframe|object|embed|img|a)\b|\son[a-z]+\s*=|javascript:",
                            re.IGNORECASE)


class FigureError(ValueError):
    """A figure cannot be drawn from the data given (e.g. unequal array lengths)."""


def label(text: Any, maxlen: int = 42) -> str:
    """A user-supplied string made safe for matplotlib text: ``$`` escaped, long text shortened."""
    s = "" if text is None else str(text)
    s = s.replace("\n", " ").replace("\r", " ")
    if len(s) > maxlen:
        s = s[: maxlen - 1] + "…"
    return s.replace("\\", "\\\\").replace("$", r"\$")


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_RC):
        yield


def _fig(w: float, h: float, **kw: Any) -> Figure:
    fig = Figure(figsize=(w, h), **kw)
    fig.patch.set_alpha(0.0)
    return fig


def to_svg(fig: Figure, name: str, title: str = "") -> str:
    """Serialise ``fig`` to an SVG element for inline use (see the module docstring).

    ``name`` (``[a-z0-9-]``) prefixes every id; ``title`` becomes the accessible ``aria-label``.
    """
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ValueError(f"figure name must match [a-z][a-z0-9-]*, got {name!r}")
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    start = svg.find("<svg")
    if start < 0:
        raise FigureError("matplotlib produced no <svg> element")
    svg = svg[start:]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r"\s*<style type=\"text/css\">.*?</style>\s*", "", svg, flags=re.DOTALL)
    svg = svg.replace('<defs>\n </defs>\n', "")
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
    # font-family is set once by the report's CSS (with fallbacks); drop the long inline copies.
    svg = re.sub(r"font-family: [^;\"]*;? ?", "", svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = svg.replace('xlink:href="#', f'xlink:href="#{name}-').replace("url(#", f"url(#{name}-")
    svg = re.sub(r"\n\s*", "\n", svg).strip()
    aria = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    svg = svg.replace("<svg ", f'<svg class="fig" role="img" aria-label="{aria}" ', 1)
    if any(_FORBIDDEN_TAG.search(tag) for tag in _TAG.findall(svg)):
        raise FigureError(f"figure {name!r}: refusing SVG with active content")
    return svg


# --------------------------------------------------------------------------------------------- helpers


def _arr(x: Any) -> np.ndarray:
    """A float array with JSON nulls as nan."""
    if x is None:
        return np.array([], dtype=float)
    return np.array([np.nan if v is None else v for v in x], dtype=float)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _fmt(x: Any, d: int = 2) -> str:
    v = _num(x)
    return "—" if not math.isfinite(v) else f"{v:.{d}f}"


def _fmt_p(p: Any) -> str:
    v = _num(p)
    if not math.isfinite(v):
        return "—"
    if v < 0.001:
        return "<0.001"
    return f"{v:.3f}"


def _same_len(name: str, *arrays: np.ndarray) -> None:
    if len({len(a) for a in arrays}) > 1:
        raise FigureError(f"{name}: arrays of unequal length {[len(a) for a in arrays]}")


def _unit_axes(ax: Any) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.grid(True, color=COLORS["grid"], linewidth=0.6)
    ax.set_axisbelow(True)


# --------------------------------------------------------------------------------------------- binary


def roc_figure(roc: Mapping[str, Any], single_markers: Sequence[Mapping[str, Any]] | None = None) -> str:
    """ROC curve of the panel (out-of-fold predictions) with its DeLong CI in the legend, beside the
    ROC curves of the single markers (thin lines, AUC in the legend)."""
    with _style():
        fig = _fig(7.2, 3.6)
        axes = fig.subplots(1, 2)
        ax = axes[0]
        curve = roc.get("curve") or {}
        fpr, tpr = _arr(curve.get("fpr")), _arr(curve.get("tpr"))
        _same_len("roc curve", fpr, tpr)
        ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=0.9, linestyle="--")
        lab = (f"Panel  AUC {_fmt(roc.get('auc'), 3)}\n95% CI {_fmt(roc.get('ci_low'), 3)}–"
               f"{_fmt(roc.get('ci_high'), 3)} (DeLong)")
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
        labels.append(f"Panel {_fmt(roc.get('auc'), 2)}")
        for i, sm in enumerate(single_markers or []):
            c = sm.get("curve") or {}
            f, t = _arr(c.get("fpr")), _arr(c.get("tpr"))
            _same_len("single-marker curve", f, t)
            h = ax.plot(f, t, color=_SINGLE[i % len(_SINGLE)], linewidth=1.0, drawstyle="steps-post",
                        linestyle=["-", "--", ":", "-."][(i // len(_SINGLE)) % 4])
            handles.append(h[0])
            labels.append(f"{label(sm.get('marker'), 24)} {_fmt(sm.get('auc'), 2)}")
        if len(handles) <= 12:
            ax.legend(handles, labels, loc="lower right", fontsize=7, title="AUC", title_fontsize=7)
        ax.set_xlabel("1 − specificity")
        ax.set_title("Single markers")
        _unit_axes(ax)
        fig.tight_layout(w_pad=2.0)
    return to_svg(fig, "fig-roc", "ROC curves of the panel and of each single marker")


def calibration_figure(cal: Mapping[str, Any]) -> str:
    """Calibration plot: ideal diagonal, smoothed calibration curve with its CI band, grouped
    observed proportions with CIs, and a histogram of the predicted probabilities underneath."""
    with _style():
        fig = _fig(4.6, 5.0)
        gs = fig.add_gridspec(2, 1, height_ratios=[4, 1], hspace=0.08)
        ax = fig.add_subplot(gs[0])
        axh = fig.add_subplot(gs[1], sharex=ax)
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.9, label="Ideal")
        sm = cal.get("smooth") or {}
        x, y = _arr(sm.get("x")), _arr(sm.get("y"))
        if len(x) == 0:  # a curve without its grid cannot be placed; draw the rest
            y = x
        _same_len("calibration smooth", x, y)
        lo, hi = _arr(sm.get("lower")), _arr(sm.get("upper"))
        if len(lo) == len(x) and len(hi) == len(x) and len(x):
            ax.fill_between(x, lo, hi, color=COLORS["panel"], alpha=0.15, linewidth=0, label="95% CI (smooth)")
        if len(x):
            ax.plot(x, y, color=COLORS["panel"], linewidth=2.0, label="Smoothed (loess)")
        b = cal.get("binned") or {}
        bx, by = _arr(b.get("x")), _arr(b.get("y"))
        _same_len("calibration binned", bx, by)
        if len(bx):
            blo, bhi = _arr(b.get("lower")), _arr(b.get("upper"))
            if len(blo) == len(bx) and len(bhi) == len(bx):
                yerr = np.vstack([np.clip(by - blo, 0, None), np.clip(bhi - by, 0, None)])
                ax.errorbar(bx, by, yerr=yerr, fmt="o", color="#222222", markersize=4, capsize=2,
                            elinewidth=0.8, label=f"Grouped ({len(bx)} groups)")
            else:
                ax.plot(bx, by, "o", color="#222222", markersize=4, label=f"Grouped ({len(bx)} groups)")
        text = "\n".join([
            f"Intercept {_fmt(cal.get('intercept'), 3)}",
            f"Slope {_fmt(cal.get('slope'), 3)}",
            f"Brier {_fmt(cal.get('brier'), 3)}",
            f"HL χ² {_fmt(cal.get('hl_stat'), 2)}, p {_fmt_p(cal.get('hl_p'))}",
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
        pred = _arr(cal.get("predictions"))
        pred = pred[np.isfinite(pred)]
        if len(pred):
            axh.hist(np.clip(pred, 0, 1), bins=np.linspace(0, 1, 41), color="#888888", edgecolor="white",
                     linewidth=0.3)
        axh.set_xlabel("Predicted probability")
        axh.set_ylabel("n")
        axh.set_xlim(0, 1)
        fig.subplots_adjust(left=0.14, right=0.97, top=0.94, bottom=0.1)
    return to_svg(fig, "fig-calibration", "Calibration plot with histogram of predicted probabilities")


def decision_curve_figure(dc: Mapping[str, Any], prevalence: Any = None) -> str:
    """Net benefit of the model against treating everyone and no one, over threshold probabilities."""
    with _style():
        fig = _fig(4.8, 3.4)
        ax = fig.add_subplot()
        t = _arr(dc.get("thresholds"))
        m, a = _arr(dc.get("model")), _arr(dc.get("treat_all"))
        _same_len("decision curve", t, m)
        none = _arr(dc.get("treat_none")) if dc.get("treat_none") is not None else np.zeros_like(t)
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


def direction_forest_figure(direction: Mapping[str, Any], positive: str = "positive",
                            negative: str = "negative") -> str:
    """Forest plot of the observed effect of every marker with its CI.

    The half of each row where an estimate agreeing with the literature would lie is shaded green
    (the expected direction); the marker's status is told by colour, symbol and text at the right:
    consistent (green diamond), contradicting (vermillion cross, bold label), inconclusive (grey
    circle). Different measures (per endpoint kind) are never mixed in one plot: rows follow
    ``direction["effects"]`` and the x label names the measure of the first row."""
    effects = list(direction.get("effects") or [])
    k = max(1, len(effects))
    measures = [e.get("measure") for e in effects if e.get("measure")]
    measure = measures[0] if measures else ""
    xlabel = _MEASURE.get(measure, measure or "effect").format(pos=label(positive, 20), neg=label(negative, 20))
    est = np.array([_num(e.get("estimate")) for e in effects], dtype=float)
    lo = np.array([_num(e.get("ci_low")) for e in effects], dtype=float)
    hi = np.array([_num(e.get("ci_high")) for e in effects], dtype=float)
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
            sgn = _EXPECTED_SIGN.get(str(e.get("expected")))
            if sgn is not None:
                ax.fill_between([0, sgn * span], i - 0.42, i + 0.42, color=COLORS["expected"], linewidth=0,
                                zorder=0)
            status = str(e.get("status") or "inconclusive")
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
        ax.set_yticklabels([label(e.get("marker"), 26) for e in effects])
        for tl, e in zip(ax.get_yticklabels(), effects, strict=False):
            if e.get("status") == "contradicting":
                tl.set_color(COLORS["contradicting"])
                tl.set_fontweight("bold")
        # right-hand column: expected direction, q value, status
        for i, e in enumerate(effects):
            exp = e.get("expected") or "—"
            status = str(e.get("status") or "")
            txt = f"exp. {exp}   q {_fmt_p(e.get('p_adjusted'))}   {status.replace('_', ' ')}"
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


# --------------------------------------------------------------------------------------------- survival


def km_figure(km: Mapping[str, Any], time_unit: str = "", p_text: str = "") -> str:
    """Kaplan–Meier curves by risk group with log-transformed CI bands and a numbers-at-risk table."""
    groups = km.get("groups") or {}
    at_risk = km.get("at_risk") or {}
    names = [g for g in ("low", "high") if g in groups] + [g for g in groups if g not in ("low", "high")]
    with _style():
        fig = _fig(6.0, 4.4)
        gs = fig.add_gridspec(2, 1, height_ratios=[4, 1.05], hspace=0.45)
        ax = fig.add_subplot(gs[0])
        axr = fig.add_subplot(gs[1], sharex=ax)
        tmax = 0.0
        palette = {"low": COLORS["low"], "high": COLORS["high"]}
        styles = {"low": "-", "high": "--"}
        for j, g in enumerate(names):
            d = groups[g] or {}
            t, s = _arr(d.get("time")), _arr(d.get("surv"))
            _same_len(f"km {g}", t, s)
            if not len(t):
                continue
            tmax = max(tmax, float(np.nanmax(t)))
            col = palette.get(g, _SINGLE[j % len(_SINGLE)])
            lo, hi = _arr(d.get("lower")), _arr(d.get("upper"))
            if t[0] > 0:  # a KM curve starts at S(0) = 1; results may list event times only
                t, s = np.r_[0.0, t], np.r_[1.0, s]
                if len(lo) == len(t) - 1 and len(hi) == len(t) - 1:
                    lo, hi = np.r_[1.0, lo], np.r_[1.0, hi]
            if len(lo) == len(t) and len(hi) == len(t):
                ax.fill_between(t, lo, hi, step="post", color=col, alpha=0.12, linewidth=0)
            med = d.get("median")
            lab = f"{label(g, 20)} risk (n = {d.get('n', '?')}, median {_fmt(med, 1)})"
            ax.step(t, s, where="post", color=col, linewidth=1.8, linestyle=styles.get(g, "-"), label=lab)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("Survival probability")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower left")
        if p_text:
            ax.text(0.98, 0.97, label(p_text, 60), transform=ax.transAxes, ha="right", va="top", fontsize=8)
        ax.set_title("Kaplan–Meier by risk group")
        ax.tick_params(labelbottom=True)
        ax.set_xlabel(f"Time ({label(time_unit, 20)})" if time_unit else "Time")
        times = _arr(at_risk.get("times"))
        axr.set_xlim(0, max(tmax, float(np.nanmax(times)) if len(times) else 0.0) or 1.0)
        ax.set_xlim(axr.get_xlim())
        rows = [g for g in names if g in at_risk]
        axr.set_ylim(len(rows) - 0.5, -0.5)
        for i, g in enumerate(rows):
            vals = list(at_risk.get(g) or [])
            for tt, v in zip(times, vals, strict=False):
                if math.isfinite(tt):
                    axr.text(tt, i, "—" if v is None else str(v), ha="center", va="center", fontsize=8,
                             color=palette.get(g, "#333333"))
        axr.set_yticks(range(len(rows)))
        axr.set_yticklabels([label(g, 12) for g in rows], fontsize=8)
        axr.set_xticks(times[np.isfinite(times)] if len(times) else [])
        axr.tick_params(axis="both", length=0, labelbottom=False)
        axr.tick_params(axis="y", pad=14)
        for s in axr.spines.values():
            s.set_visible(False)
        axr.set_title("Number at risk", fontsize=8, fontweight="normal")
        fig.subplots_adjust(left=0.12, right=0.97, top=0.94, bottom=0.04)
    return to_svg(fig, "fig-km", "Kaplan–Meier survival curves by risk group with numbers at risk")


def hr_forest_figure(models: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """Forest plot of hazard ratios (log scale) with CIs: one block of rows per Cox model."""
    rows: list[tuple[str, float, float, float, str]] = []
    for title, cox in models:
        for t in (cox or {}).get("terms") or []:
            rows.append((str(t.get("term")), _num(t.get("hr")), _num(t.get("hr_ci_low")),
                         _num(t.get("hr_ci_high")), title))
    k = max(1, len(rows))
    vals = np.array([v for r in rows for v in r[1:4] if math.isfinite(v) and v > 0] or [0.5, 2.0])
    lo, hi = float(vals.min()), float(vals.max())
    lo, hi = min(lo, 0.8) / 1.15, max(hi, 1.25) * 1.15
    with _style():
        fig = _fig(6.4, 0.36 * k + 1.0)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.axvline(1.0, color="#333333", linewidth=0.9)
        prev = None
        for i, (_term, hr, lo_i, hi_i, title) in enumerate(rows):
            col = COLORS["panel"] if title == (rows[0][4] if rows else "") else "#333333"
            if prev is not None and title != prev:
                ax.axhline(i - 0.5, color="#cccccc", linewidth=0.6)
            prev = title
            if math.isfinite(lo_i) and math.isfinite(hi_i) and lo_i > 0:
                ax.plot([lo_i, hi_i], [i, i], color=col, linewidth=1.4)
            if math.isfinite(hr) and hr > 0:
                ax.plot([hr], [i], "s", color=col, markersize=5.5)
            ann = ax.annotate(f"{_fmt(hr)} ({_fmt(lo_i)}–{_fmt(hi_i)})", xy=(1.0, i),
                              xycoords=("axes fraction", "data"), xytext=(8, 0), textcoords="offset points",
                              va="center", fontsize=7.5)
            ann.set_in_layout(False)
        ax.set_xlim(lo, hi)
        ax.set_ylim(k - 0.5, -0.5)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([f"{label(r[0], 24)}  [{label(r[4], 12)}]" for r in rows], fontsize=8)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Hazard ratio (log scale)")
        from matplotlib.ticker import FuncFormatter, LogLocator
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(0.25, 0.5, 1.0, 2.0, 4.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        fig.tight_layout(rect=(0.0, 0.0, 0.80, 1.0), pad=0.6)
    return to_svg(fig, "fig-hr", "Forest plot of Cox hazard ratios")


def time_auc_figure(time_auc: Mapping[str, Any], time_unit: str = "") -> str:
    """Time-dependent AUC at the requested time points."""
    t, a = _arr(time_auc.get("times")), _arr(time_auc.get("auc"))
    _same_len("time-dependent AUC", t, a)
    with _style():
        fig = _fig(4.2, 2.8)
        ax = fig.add_subplot()
        ax.axhline(0.5, color="#999999", linestyle="--", linewidth=0.9)
        ax.plot(t, a, "o-", color=COLORS["panel"])
        ax.set_ylim(0.4, 1.0)
        ax.set_xlabel(f"Time ({label(time_unit, 20)})" if time_unit else "Time")
        ax.set_ylabel("AUC(t)")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.set_title("Time-dependent AUC")
        fig.tight_layout()
    return to_svg(fig, "fig-time-auc", "Time-dependent AUC")


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
