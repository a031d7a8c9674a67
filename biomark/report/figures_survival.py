"""Survival figures of the report: Kaplan–Meier by risk group, Cox HR forest plot, time-dependent AUC.

Each function takes a typed section of the result (:mod:`biomark.validation.schema`) and returns one
``<svg>`` element (see :mod:`biomark.report.figures`); nothing here computes a statistic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    label,
    to_svg,
)
from biomark.validation.schema import CoxModel, KaplanMeier, TimeAUC


def km_figure(km: KaplanMeier, time_unit: str = "", p_text: str = "") -> str:
    """Kaplan–Meier curves by risk group with log-transformed CI bands and a numbers-at-risk table."""
    groups = km.groups
    at_risk = km.at_risk
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
            d = groups[g]
            t, s = _arr(d.time), _arr(d.surv)
            _same_len(f"km {g}", t, s)
            if not len(t):
                continue
            tmax = max(tmax, float(np.nanmax(t)))
            col = palette.get(g, _SINGLE[j % len(_SINGLE)])
            lo, hi = _arr(d.lower), _arr(d.upper)
            if t[0] > 0:  # a KM curve starts at S(0) = 1; results may list event times only
                t, s = np.r_[0.0, t], np.r_[1.0, s]
                if len(lo) == len(t) - 1 and len(hi) == len(t) - 1:
                    lo, hi = np.r_[1.0, lo], np.r_[1.0, hi]
            if len(lo) == len(t) and len(hi) == len(t):
                ax.fill_between(t, lo, hi, step="post", color=col, alpha=0.12, linewidth=0)
            med = d.median
            lab = f"{label(g, 20)} risk (n = {d.n}, median {_fmt(med, 1)})"
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
        times = _arr(at_risk.times)
        axr.set_xlim(0, max(tmax, float(np.nanmax(times)) if len(times) else 0.0) or 1.0)
        ax.set_xlim(axr.get_xlim())
        rows = [g for g in names if hasattr(at_risk, g)]
        axr.set_ylim(len(rows) - 0.5, -0.5)
        for i, g in enumerate(rows):
            vals = list(getattr(at_risk, g, None) or [])
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


def hr_forest_figure(models: Sequence[tuple[str, CoxModel]]) -> str:
    """Forest plot of hazard ratios (log scale) with CIs: one block of rows per Cox model."""
    rows: list[tuple[str, float, float, float, str]] = []
    for title, cox in models:
        for t in cox.terms:
            rows.append((str(t.term), _num(t.hr), _num(t.hr_ci_low), _num(t.hr_ci_high), title))
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


def time_auc_figure(time_auc: TimeAUC, time_unit: str = "") -> str:
    """Time-dependent AUC at the requested time points."""
    t, a = _arr(time_auc.times), _arr(time_auc.auc)
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
