"""The nomogram figure (issue 17, item 6), drawn as ``rms``'s ``plot(nomogram)`` lays it out.

Rows from the top: Points (0-100), one axis per predictor (its ticks placed at their points), Total Points, the
linear predictor and the probability or S(t) axes (placed at the total points they correspond to). Nothing here
computes a statistic: every position comes from the typed :class:`NomogramSection`.
"""

from __future__ import annotations

import numpy as np

from biomark.report._svg import COLORS, FigureError, _fig, _style, label, to_svg
from biomark.validation.schema import NomogramSection

_CHAR = 0.95  # width of one tick-label character in points-scale units (6.5 pt text on a 5.5 in axis)


def _row(ax: object, y: float, xs: np.ndarray, texts: list[str], name: str, color: str = "#333333") -> None:
    """One axis: a line over the ticks, tick marks, labels above; where a non-monotone (spline) axis turns back,
    the labels of the returning part go below. A label that would overlap its neighbour is left out (the tick
    stays)."""
    ok = np.isfinite(xs)
    xs, texts = xs[ok], [t for t, k in zip(texts, ok, strict=True) if k]
    if xs.size == 0:
        return
    ax.plot([xs.min(), xs.max()], [y, y], color=color, linewidth=0.9, solid_capstyle="butt")
    steps = np.sign(np.diff(xs))
    first = steps[steps != 0][0] if np.any(steps != 0) else 1.0
    placed: dict[bool, list[tuple[float, int]]] = {False: [], True: []}
    for i, (x, t) in enumerate(zip(xs, texts, strict=True)):
        ax.plot([x, x], [y, y + 0.12], color=color, linewidth=0.8)
        below = i > 0 and steps[i - 1] == -first
        if any(abs(x - x0) < (len(t) + n0) / 2 * _CHAR + 0.6 for x0, n0 in placed[below]):
            continue
        placed[below].append((x, len(t)))
        ax.text(x, y - 0.16 if below else y + 0.18, t, ha="center", va="top" if below else "bottom",
                fontsize=6.5, color=color)
    ax.text(-3, y, name, ha="right", va="center", fontsize=7.5, color="#222222")


def nomogram_figure(nm: NomogramSection, name: str = "fig-nomogram") -> str:
    """The nomogram of ``nm``: points, one axis per predictor, total points, linear predictor, risk axes."""
    if not nm.predictors or not nm.total_points:
        raise FigureError("nomogram: no predictor axis or no total-points axis")
    width = float(nm.maxscale)
    tmax = float(max(nm.total_points))
    if tmax <= 0:
        raise FigureError("nomogram: total points axis is empty")
    k = width / tmax  # total points -> x
    rows = 3 + len(nm.predictors) + len(nm.functions)
    with _style():
        fig = _fig(7.2, 0.42 * rows + 0.5)
        ax = fig.add_axes((0.2, 0.02, 0.77, 0.96))
        y = 0.0
        pts = np.linspace(0, width, 11)
        _row(ax, y, pts, [f"{p:g}" for p in pts], "Points", COLORS["neutral"])
        for x in np.linspace(0, width, 11):  # light guides from the points scale
            ax.plot([x, x], [-(rows - 0.5), 0], color=COLORS["grid"], linewidth=0.5, zorder=0)
        for p in nm.predictors:
            y -= 1
            _row(ax, y, np.asarray(p.points, float), [label(s, 14) for s in p.labels], label(p.name, 28),
                 COLORS["panel"])
        y -= 1
        _row(ax, y, np.asarray(nm.total_points, float) * k, [f"{v:g}" for v in nm.total_points], "Total Points",
             COLORS["neutral"])
        y -= 1
        lp_x = np.asarray(nm.lp_points, float) * k
        inside = (lp_x >= -1e-9) & (lp_x <= width + 1e-9)
        _row(ax, y, lp_x[inside], [f"{v:g}" for v, i in zip(nm.lp_at, inside, strict=True) if i],
             "Linear Predictor", COLORS["neutral"])
        for f in nm.functions:
            y -= 1
            fx = np.asarray(f.points, float) * k
            order = np.argsort(fx)
            fx = fx[order]
            vals = [f"{f.values[i]:g}" for i in order]
            keep = (fx >= -1e-9) & (fx <= width + 1e-9)
            title = "Probability" if f.horizon is None else label(f.label, 20)
            _row(ax, y, fx[keep], [v for v, i in zip(vals, keep, strict=True) if i], title, COLORS["high"])
        ax.set_xlim(-1, width + 2)
        ax.set_ylim(y - 0.6, 0.7)
        ax.axis("off")
    return to_svg(fig, name, "Nomogram: points per predictor, total points, linear predictor and predicted risk")
