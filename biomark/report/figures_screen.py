"""Figures of the screening report: the volcano of all claims and one mini forest plot per claim.

Both draw numbers of :class:`biomark.validation.schema_screen.ScreenResult` and compute nothing. The
effect axis is the literature's direction: AUC - 0.5 for a binary endpoint, log HR per SD for a survival
one (> 0 agrees with the published direction); binary and survival claims are never mixed on one axis.
The guarantees of :func:`biomark.report._svg.to_svg` hold (deterministic, self-contained, text escaped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from biomark.report._svg import _fig, _num, _style, label, to_svg

# Okabe-Ito; the verdict is also told by the marker's shape and the legend's text
VERDICT_STYLE = {
    "replicated": ("#009E73", "D"),
    "contradicted": ("#D55E00", "X"),
    "not replicated": ("#0072B2", "s"),
    "inconclusive": ("#8a8a8a", "o"),
}
AXIS_LABEL = {"binary": "AUC − 0.5 (literature's direction)", "survival": "log HR per SD (literature's direction)"}
Q_FLOOR = 1e-16  # -log10 q is drawn at most at 16 (a q of 0 is below double precision)


def _nlq(q: float | None) -> float:
    q = _num(q)
    return -math.log10(max(q, Q_FLOOR)) if math.isfinite(q) else float("nan")


def volcano_figure(claims: Sequence[Any], alpha: float = 0.05, n_labels: int = 8) -> str:
    """Effect in the literature's direction (x) against -log10 BH q (y), one point per claim, by verdict.

    One panel per endpoint kind present (binary: AUC - 0.5; survival: log HR per SD), sharing the y
    axis; the dashed line is q = ``alpha``. The ``n_labels`` claims with the smallest q are labelled.
    """
    kinds = [k for k in ("binary", "survival") if any(c.kind == k for c in claims)] or ["binary"]
    ranked = sorted(claims, key=lambda c: (c.q, c.panel_id, c.endpoint))[:n_labels]
    top = {(c.panel_id, c.endpoint) for c in ranked}
    ys = [_nlq(c.q) for c in claims]
    ymax = max([v for v in ys if math.isfinite(v)] + [_nlq(alpha)]) * 1.15 + 0.2
    with _style():
        fig = _fig(4.4 * len(kinds) + 0.6, 3.9)
        axes = fig.subplots(1, len(kinds), sharey=True, squeeze=False)[0]
        for ax, kind in zip(axes, kinds, strict=True):
            sub = [c for c in claims if c.kind == kind]
            xs = np.array([_num(c.effect) for c in sub], dtype=float)
            fin = np.abs(xs[np.isfinite(xs)])
            span = (float(fin.max()) if fin.size else 0.0) * 1.25 or (0.5 if kind == "binary" else 1.0)
            ax.set_xlim(-span, span)
            ax.set_ylim(0, ymax)
            ax.axvspan(0, span, color="#e3f2ea", zorder=0, linewidth=0)
            ax.axvline(0, color="#333333", linewidth=0.8, zorder=1)
            ax.axhline(_nlq(alpha), color="#555555", linewidth=0.8, linestyle="--", zorder=1)
            for verdict, (col, mk) in VERDICT_STYLE.items():
                pts = [(_num(c.effect), _nlq(c.q)) for c in sub if c.verdict == verdict and math.isfinite(_num(c.effect))]
                if pts:
                    x, y = zip(*pts, strict=True)
                    ax.plot(x, y, linestyle="none", marker=mk, color=col, markersize=6.5, alpha=0.9, zorder=3,
                            label=f"{verdict} ({len(pts)})", markeredgecolor="white", markeredgewidth=0.5)
            for c in sub:
                if (c.panel_id, c.endpoint) in top and math.isfinite(_num(c.effect)):
                    left = _num(c.effect) > 0  # text towards the middle, so it stays inside the axes
                    ann = ax.annotate(label(c.panel_id, 28), (c.effect, _nlq(c.q)), xytext=(-4 if left else 4, 3),
                                      textcoords="offset points", fontsize=6.5, color="#333333",
                                      ha="right" if left else "left")
                    ann.set_in_layout(False)
            ax.set_xlabel(AXIS_LABEL[kind])
            ax.set_title("binary endpoints" if kind == "binary" else "survival endpoints")
            if sub:
                ax.legend(loc="best", fontsize=7, handletextpad=0.3)
            else:
                ax.text(0, ymax / 2, "no claim", ha="center", va="center", color="#666666")
        axes[0].set_ylabel("−log10 q (Benjamini-Hochberg)")
        axes[0].text(1.0, _nlq(alpha), f" q = {alpha:g}", transform=axes[0].get_yaxis_transform(), fontsize=7,
                     va="bottom", ha="right", color="#555555")
        fig.tight_layout(pad=0.6)
    return to_svg(fig, "fig-volcano", "Volcano plot: effect in the literature's direction against -log10 q")


def claim_forest_figure(claim: Any, index: int) -> str:
    """Per-marker effects of one claim (each marker alone, in its published direction, with 95 % CI) and the
    panel score's effect at the bottom; the half where the literature's direction lies is shaded."""
    rows = [(m.marker, _num(m.effect), _num(m.effect_low), _num(m.effect_high), False) for m in claim.marker_effects]
    rows.append(("panel score", _num(claim.effect), _num(claim.effect_low), _num(claim.effect_high), True))
    vals = np.array([v for r in rows for v in r[1:4]], dtype=float)
    vals = vals[np.isfinite(vals)]
    span = float(np.max(np.abs(vals))) * 1.15 if vals.size else 0.5
    span = span if span > 0 else 0.5
    col, mk = VERDICT_STYLE.get(claim.verdict, ("#555555", "o"))
    k = len(rows)
    with _style():
        fig = _fig(5.2, 0.3 * k + 0.95)
        ax = fig.add_subplot()
        ax.set_xlim(-span, span)
        ax.set_ylim(k - 0.5, -0.5)
        ax.axvspan(0, span, color="#e3f2ea", zorder=0, linewidth=0)
        ax.axvline(0, color="#333333", linewidth=0.8, zorder=1)
        for i, (_, est, lo, hi, is_score) in enumerate(rows):
            c = col if is_score else "#444444"
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot([lo, hi], [i, i], color=c, linewidth=2.0 if is_score else 1.2, zorder=2)
            if math.isfinite(est):
                ax.plot([est], [i], marker=mk if is_score else "o", color=c, markersize=6 if is_score else 4.5,
                        zorder=3, linestyle="none")
            else:
                ax.text(0, i, "not estimable", ha="center", va="center", fontsize=7, color="#666666")
        ax.set_yticks(range(k))
        ax.set_yticklabels([label(r[0], 24) for r in rows])
        ax.get_yticklabels()[-1].set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(AXIS_LABEL.get(claim.kind, "effect"), fontsize=8)
        fig.tight_layout(pad=0.5)
    return to_svg(fig, f"fig-forest-{index}", f"Forest plot of claim {index + 1}: per-marker effects with 95% CI")
