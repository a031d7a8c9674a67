"""Figures of "Risk at the horizon" (issue 17): calibration at each t, AUC(t) with CIs, survival decision curve.

Each function takes the typed :class:`~biomark.validation.schema.HorizonSection` and returns one ``<svg>``
element; nothing here computes a statistic.
"""

from __future__ import annotations

import numpy as np

from biomark.report._svg import _SINGLE, COLORS, _fig, _fmt, _style, _unit_axes, label, to_svg
from biomark.validation.schema import HorizonSection


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def horizon_calibration_figure(h: HorizonSection) -> str:
    """Observed (KM per group of predicted risk, with CI) against mean predicted risk, one panel per horizon."""
    k = len(h.points)
    with _style():
        fig = _fig(2.7 * k + 0.4, 3.1)
        for i, p in enumerate(h.points):
            ax = fig.add_subplot(1, k, i + 1)
            _unit_axes(ax)
            ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.9)
            pred = np.array([g.predicted for g in p.groups])
            obs = np.array([g.observed for g in p.groups])
            lo = np.array([_nan(g.lower) for g in p.groups])
            hi = np.array([_nan(g.upper) for g in p.groups])
            ax.errorbar(
                pred,
                obs,
                yerr=[np.clip(obs - lo, 0, None), np.clip(hi - obs, 0, None)],
                fmt="o",
                color=COLORS["panel"],
                markersize=4,
                linewidth=1,
                capsize=2,
            )
            if p.smooth is not None:
                sm = [_nan(v) for v in p.smooth.observed]
                ax.plot(p.smooth.predicted, sm, color=COLORS["panel"], linewidth=1.2, alpha=0.8)
            c = p.corrected
            if c is not None:  # rms calibrate(cph, u = t, B): bootstrap-corrected observed risk per group
                ax.plot(c.predicted, [_nan(v) for v in c.observed_corrected], "x", color=COLORS["high"],
                        markersize=5, label=f"bootstrap-corrected (B = {c.B})")
                ax.legend(fontsize=6.5, loc="upper left", frameon=False)
            ax.set_title(f"t = {p.time:g} {label(h.time_unit, 12)}  O/E {_fmt(p.oe)}", fontsize=8.5)
            ax.set_xlabel("Predicted risk by t", fontsize=8)
            if i == 0:
                ax.set_ylabel("Observed risk (1 − KM)", fontsize=8)
        fig.tight_layout()
    return to_svg(fig, "fig-horizon-calibration", "Calibration of predicted risk at each horizon")


def horizon_auc_figure(h: HorizonSection) -> str:
    """AUC(t) at each horizon with its confidence interval."""
    t = np.array([p.time for p in h.points])
    a = np.array([p.auc for p in h.points])
    lo = np.array([_nan(p.auc_lower) for p in h.points])
    hi = np.array([_nan(p.auc_upper) for p in h.points])
    with _style():
        fig = _fig(4.2, 2.8)
        ax = fig.add_subplot()
        ax.axhline(0.5, color="#999999", linestyle="--", linewidth=0.9)
        ax.errorbar(
            t,
            a,
            yerr=[np.clip(a - lo, 0, None), np.clip(hi - a, 0, None)],
            fmt="o-",
            color=COLORS["panel"],
            capsize=3,
        )
        ax.set_ylim(0.3, 1.0)
        ax.set_xlabel(f"Horizon ({label(h.time_unit, 20)})" if h.time_unit else "Horizon")
        ax.set_ylabel("AUC(t)")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        fig.tight_layout()
    return to_svg(fig, "fig-horizon-auc", "Time-dependent AUC with confidence intervals")


def horizon_decision_figure(h: HorizonSection) -> str:
    """Net benefit at each horizon against threshold risk, with treat-all (dotted) and treat-none."""
    with _style():
        fig = _fig(5.0, 3.2)
        ax = fig.add_subplot()
        ax.axhline(0.0, color="#333333", linewidth=0.9, label="treat none")
        top = 0.0
        for i, p in enumerate(h.points):
            d = p.decision
            col = _SINGLE[i % len(_SINGLE)]
            ax.plot(
                d.threshold,
                d.model,
                color=col,
                linewidth=1.6,
                label=f"score, t = {p.time:g}",
            )
            ax.plot(
                d.threshold,
                d.treat_all,
                color=col,
                linewidth=0.9,
                linestyle=":",
                label=f"treat all, t = {p.time:g}",
            )
            top = max(top, float(np.nanmax(d.model + d.treat_all)))
        ax.set_ylim(-0.05 * max(top, 0.05), max(top, 0.05) * 1.1)
        ax.set_xlabel("Threshold risk by t")
        ax.set_ylabel("Net benefit")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
    return to_svg(fig, "fig-horizon-decision", "Survival decision curve at each horizon")


def km_by_score_figure(h: HorizonSection) -> str:
    """Kaplan-Meier curves (log CI bands) of the groups of the panel score, labelled by what each group is."""
    k = h.km_groups
    with _style():
        fig = _fig(6.0, 3.6)
        ax = fig.add_subplot()
        for i, g in enumerate(k.groups):
            if not g.time:
                continue
            col = _SINGLE[i % len(_SINGLE)]
            t = np.r_[0.0, np.asarray(g.time, float)]
            s = np.r_[1.0, np.asarray(g.surv, float)]
            lo = np.r_[1.0, np.array([_nan(v) for v in g.lower])]
            hi = np.r_[1.0, np.array([_nan(v) for v in g.upper])]
            ax.fill_between(t, lo, hi, step="post", color=col, alpha=0.12, linewidth=0)
            ax.step(
                t,
                s,
                where="post",
                color=col,
                linewidth=1.6,
                label=f"{label(g.label, 40)} (n = {g.n})",
            )
        for p in h.points:
            ax.axvline(p.time, color="#bbbbbb", linewidth=0.7, linestyle=":")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"Time ({label(h.time_unit, 20)})" if h.time_unit else "Time")
        ax.set_ylabel("Survival probability")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.legend(fontsize=7.5, loc="lower left", frameon=False)
        ax.set_title(f"Kaplan–Meier by {label(k.rule, 30)} of the panel score", fontsize=9)
        fig.tight_layout()
    return to_svg(fig, "fig-km-by-score", "Kaplan–Meier curves by groups of the panel score")
