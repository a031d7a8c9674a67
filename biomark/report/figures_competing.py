"""Competing-risks figure of the report: the cumulative incidence of the event of interest by score group.

Takes the typed section ``survival.competing`` (:mod:`biomark.validation.schema_competing`) and returns
one ``<svg>`` element (see :mod:`biomark.report.figures`); nothing here computes a statistic.
"""

from __future__ import annotations

import numpy as np

from biomark.report._svg import _SINGLE, COLORS, _arr, _fig, _same_len, _style, label, to_svg
from biomark.validation.schema_competing import CompetingSection


def cif_figure(sec: CompetingSection, time_unit: str = "") -> str:
    """Aalen-Johansen cumulative incidence step curves with pointwise CI bands, one per score group.

    Examples
    --------
    >>> from biomark.validation.schema_competing import CifCurve
    >>> c = CifCurve("low", 10, 3, 2, [1.0, 2.0], [0.1, 0.2], [0.01, 0.05], [0.4, 0.5])
    >>> s = CompetingSection("death", "recurrence", "median", 10, 3, 2, [c], None, None, "")
    >>> cif_figure(s).startswith("<svg")
    True
    """
    palette = {"low": COLORS["low"], "high": COLORS["high"]}
    styles = {"low": "-", "high": "--"}
    with _style():
        fig = _fig(6.0, 3.6)
        ax = fig.add_subplot()
        top = 0.05
        for j, g in enumerate(sec.cif):
            t, f = _arr(g.time), _arr(g.estimate)
            _same_len(f"cumulative incidence {g.group}", t, f)
            col = palette.get(g.group, _SINGLE[j % len(_SINGLE)])
            lo, hi = _arr(g.lower), _arr(g.upper)
            t, f = np.r_[0.0, t], np.r_[0.0, f]  # F(0) = 0
            if len(lo) == len(t) - 1 and len(hi) == len(t) - 1:
                lo, hi = np.r_[0.0, lo], np.r_[0.0, hi]
                ok = np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(t, np.where(ok, lo, f), np.where(ok, hi, f), step="post", color=col, alpha=0.12,
                                linewidth=0)
                top = max(top, float(np.nanmax(np.where(ok, hi, f))))
            top = max(top, float(np.nanmax(f)))
            ax.step(t, f, where="post", color=col, linewidth=1.8, linestyle=styles.get(g.group, "-"),
                    label=f"{label(g.group, 20)} score (n = {g.n}, {g.events} events, {g.competing_events} competing)")
        ax.set_ylim(0, min(1.0, top * 1.1 + 0.02))
        ax.set_ylabel(f"Cumulative incidence of {label(sec.event, 30)}")
        ax.set_xlabel(f"Time ({label(time_unit, 20)})" if time_unit else "Time")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", fontsize=7.5)
        ax.set_title(f"Cumulative incidence, competing event: {label(sec.competing, 40)}", fontsize=9)
        fig.tight_layout()
    return to_svg(fig, "fig-cif", "Cumulative incidence of the event of interest by score group (Aalen-Johansen)")
