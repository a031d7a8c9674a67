"""The competing-risks part of ``validate`` (issue 20): present when the survival endpoint of the spec
names a competing event (``competing: death without recurrence``) and the event column is coded
0 (censored) / 1 (event of interest) / 2 (competing event).

* The Aalen-Johansen cumulative incidence of the event of interest in the groups of the survival
  section's Kaplan-Meier curves (the panel score split at its median), with pointwise log(-log) CIs
  (:func:`biomark.stats.cumulative_incidence`, R ``cmprsk::cuminc`` / ``timepoints``).
* Gray's test that the cumulative incidence is the same in the two groups (rho = 0;
  :func:`biomark.stats.gray_test`, R ``cmprsk::cuminc(...)$Tests``).
* The Fine-Gray subdistribution HR of the panel score per SD with its Wald CI
  (:func:`biomark.stats.fine_gray`, R ``coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights = fgwt,
  data = finegray(...))``).

Everything else in the survival section (Cox HR, log-rank, KM, C) counts a competing event as censored:
the cause-specific view, which the section's ``note`` says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from biomark import stats
from biomark.validation.survival_options import median_groups

NOTE = ("The Cox HR, log-rank test, Kaplan-Meier curves and C index of this section treat a competing event as "
        "censored: they describe the cause-specific hazard of the event of interest. The cumulative incidence "
        "and the Fine-Gray subdistribution HR below count a competing event as removing the subject from risk "
        "of the event for good, so they describe the probability of the event by time t.")
_NAMES = {0: "low", 1: "high"}
MAX_POINTS = 500


def _curves(cif: stats.CumulativeIncidence, high: np.ndarray, status: np.ndarray) -> list[dict[str, Any]]:
    out = []
    for i, g in enumerate(cif.groups):
        t = np.asarray(cif.times[i], float)
        keep = np.arange(t.size)
        if t.size > MAX_POINTS:
            keep = np.unique(np.r_[np.linspace(0, t.size - 1, MAX_POINTS).astype(int), t.size - 1])
        at = cif.at(t[keep]) if keep.size else {k: np.zeros((len(cif.groups), 0)) for k in ("estimate", "lower",
                                                                                            "upper")}
        mask = high == g
        out.append({"group": _NAMES[int(g)], "n": int(mask.sum()), "events": int((status[mask] == 1).sum()),
                    "competing_events": int((status[mask] == 2).sum()), "time": t[keep].tolist(),
                    "estimate": at["estimate"][i].tolist(), "lower": at["lower"][i].tolist(),
                    "upper": at["upper"][i].tolist()})
    return out


def _at(cif: stats.CumulativeIncidence, times: np.ndarray) -> list[dict[str, Any]]:
    at = cif.at(times)
    return [{"group": _NAMES[int(g)], "time": float(t), "estimate": float(at["estimate"][i, j]),
             "se": float(np.sqrt(at["variance"][i, j])), "lower": float(at["lower"][i, j]),
             "upper": float(at["upper"][i, j])}
            for i, g in enumerate(cif.groups) for j, t in enumerate(times)]


def _fine_gray(time: np.ndarray, status: np.ndarray, z: np.ndarray, ci: float) -> dict[str, Any]:
    try:
        fg = stats.fine_gray(time, status, {"panel_score_per_sd": z}, ci=ci)
    except stats.StatsError as err:
        return {"error": str(err)}
    keys = ("coef", "se", "z", "p", "shr", "shr_ci_low", "shr_ci_high")
    return {"term": fg.terms[0], **{k: float(getattr(fg, k)[0]) for k in keys}, "per": "sd", "n": fg.n,
            "n_events": fg.n_events, "n_competing": fg.n_competing, "ties": fg.ties}


def _gray(time: np.ndarray, status: np.ndarray, high: np.ndarray) -> dict[str, Any]:
    try:
        g = stats.gray_test(time, status, high, cause=1)
    except stats.StatsError as err:
        return {"error": str(err)}
    return {"stat": g.stat, "df": g.df, "p": g.p, "rho": g.rho, "groups": [_NAMES[int(v)] for v in g.groups],
            "score": [float(v) for v in g.score]}


def section(time: np.ndarray, status: np.ndarray, score: np.ndarray, *, competing: str, event: str,
            ci: float) -> dict[str, Any]:
    """The ``survival.competing`` section of a competing-risks endpoint.

    Parameters
    ----------
    time, status, score : ndarray
        Follow-up time, 0/1/2 status and panel score of the analysed rows.
    competing, event : str
        The spec's names of the competing event and of the event of interest.
    ci : float
        Level of the intervals.

    Returns
    -------
    dict
        ``competing``, ``event``, ``split``, counts, ``cif`` (a curve per score group), ``cif_at`` (the
        incidence at the quartiles of follow-up), ``gray`` (Gray's test of the two groups), ``fine_gray`` (or ``{"error": ...}``) and ``note``.

    Examples
    --------
    >>> t = np.arange(1.0, 21.0); s = np.array([1, 2, 0, 1] * 5); x = np.linspace(-1, 1, 20)
    >>> sec = section(t, s, x, competing="death", event="recurrence", ci=0.95)
    >>> [c["group"] for c in sec["cif"]], sec["competing_events"]
    (['low', 'high'], 5)
    """
    time, status, score = np.asarray(time, float), np.asarray(status, int), np.asarray(score, float)
    high = median_groups(score)
    sd = float(np.std(score, ddof=1)) if score.size > 1 else 0.0
    z = (score - score.mean()) / sd if sd > 0 else score * 0  # per SD, as the survival section's Cox HR
    out: dict[str, Any] = {"competing": competing, "event": event, "split": "median of the panel score",
                           "n": int(time.size), "events": int((status == 1).sum()),
                           "competing_events": int((status == 2).sum())}
    try:
        cif = stats.cumulative_incidence(time, status, group=high, cause=1, ci=ci)
        grid = np.quantile(time, [0.25, 0.5, 0.75])
        out["cif"], out["cif_at"] = _curves(cif, high, status), _at(cif, grid)
    except stats.StatsError as err:
        out["cif"], out["cif_at"] = {"error": str(err)}, None
    out["gray"] = _gray(time, status, high)
    out["fine_gray"] = _fine_gray(time, status, z, ci)
    out["note"] = NOTE
    return out
