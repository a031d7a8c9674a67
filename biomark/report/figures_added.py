"""Figures of the report's "Added value over the clinical model" section: the two models' ROC curves and decision
curves, drawn from the numbers of the ``added_value`` section only (nothing is computed here)."""

from __future__ import annotations

import numpy as np

from biomark.report._svg import (
    _SINGLE,
    COLORS,
    _arr,
    _fig,
    _fmt,
    _same_len,
    _style,
    _unit_axes,
    label,
    to_svg,
)
from biomark.validation.schema_added import AddedValueSection, NetBenefitDifference
from biomark.validation.schema_horizon import KmByScore

__all__ = ["added_decision_figure", "added_km_figure", "added_roc_figure"]

_CLIN = "#7f7f7f"


def added_roc_figure(a: AddedValueSection) -> str:
    """Apparent ROC curves of the clinical model and of the clinical + panel model, AUCs in the legend."""
    with _style():
        fig = _fig(4.4, 3.6)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=0.9, linestyle="--")
        d = a.discrimination
        for curve, colour, name, auc in ((a.roc_clinical, _CLIN, "Clinical", getattr(d, "clinical", None)),
                                         (a.roc_full, COLORS["panel"], "Clinical + panel", getattr(d, "full", None))):
            f, t = _arr(curve.fpr), _arr(curve.tpr)
            _same_len("ROC curve", f, t)
            ax.plot(f, t, color=colour, linewidth=2.0, drawstyle="steps-post", label=f"{name}  AUC {_fmt(auc, 3)}")
        ax.legend(loc="lower right", fontsize=8)
        ax.set_xlabel("1 − specificity")
        ax.set_ylabel("Sensitivity")
        ax.set_title("Apparent ROC curves")
        _unit_axes(ax)
        fig.tight_layout()
    return to_svg(fig, "fig-added-roc", "ROC curves of the clinical and the clinical + panel model")


def added_decision_figure(nb: NetBenefitDifference) -> str:
    """Net benefit of both models, treat-all and treat-none, and their difference (lower panel)."""
    with _style():
        fig = _fig(4.8, 4.4)
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
        t, c, f, all_ = _arr(nb.threshold), _arr(nb.clinical), _arr(nb.full), _arr(nb.treat_all)
        _same_len("decision curve", t, c)
        _same_len("decision curve", t, f)
        top.plot(t, all_, color="#999999", linewidth=1.0, label="Treat all")
        top.axhline(0, color="#222222", linewidth=0.9, linestyle=":", label="Treat none")
        top.plot(t, c, color=_CLIN, linewidth=1.8, label="Clinical")
        top.plot(t, f, color=COLORS["panel"], linewidth=2.0, label="Clinical + panel")
        hi = max(float(max(c.max(), f.max(), 0.0)), 0.05)
        top.set_ylim(-0.1 * hi - 0.01, hi * 1.15)
        top.set_ylabel("Net benefit")
        top.legend(loc="upper right", fontsize=7)
        top.set_title("Decision curves (apparent)")
        bottom.axhline(0, color="#222222", linewidth=0.8)
        bottom.plot(t, _arr(nb.diff), color=COLORS["panel"], linewidth=1.6)
        bottom.set_ylabel("Difference")
        bottom.set_xlabel("Threshold probability")
        fig.tight_layout()
    return to_svg(fig, "fig-added-decision", "Net benefit of both models and their difference")


def added_km_figure(k: KmByScore, model: str, fig_id: str, time_unit: str = "") -> str:
    """Kaplan-Meier curves (log CI bands) of the tertiles of one model's predicted risk (survival)."""
    with _style():
        fig = _fig(4.6, 3.6)
        ax = fig.add_subplot()
        for i, g in enumerate(k.groups):
            if not g.time:
                continue
            col = _SINGLE[i % len(_SINGLE)]
            t = np.r_[0.0, _arr(g.time)]
            s = np.r_[1.0, _arr(g.surv)]
            _same_len("km tertile", t, s)
            lo = np.r_[1.0, np.array([np.nan if v is None else float(v) for v in g.lower])]
            hi = np.r_[1.0, np.array([np.nan if v is None else float(v) for v in g.upper])]
            if lo.size == t.size and hi.size == t.size:
                ax.fill_between(t, lo, hi, step="post", color=col, alpha=0.12, linewidth=0)
            ax.step(t, s, where="post", color=col, linewidth=1.6,
                    label=f"{label(g.label, 30)} (n = {g.n}, {g.events} events)")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"Time ({label(time_unit, 20)})" if time_unit else "Time")
        ax.set_ylabel("Survival probability")
        ax.grid(True, color=COLORS["grid"], linewidth=0.6)
        ax.legend(fontsize=7, loc="lower left", frameon=False)
        ax.set_title(f"{model}: Kaplan–Meier by tertile of risk", fontsize=9)
        fig.tight_layout()
    return to_svg(fig, fig_id, f"Kaplan–Meier curves by tertile of the {model.lower()} model's risk")
