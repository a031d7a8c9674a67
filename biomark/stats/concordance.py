"""Concordance (C-index) for right-censored survival data: Harrell's C and Uno's C.

Both statistics and their standard errors follow ``survival::concordance`` (survival >= 3.0);
higher ``risk`` means shorter survival (R's ``reverse = TRUE``).

Standard error: the infinitesimal jackknife of ``survival::concordance``. With ``c_k, d_k, t_k`` the
(weighted) numbers of concordant, discordant and risk-tied pairs that observation k belongs to, ``N``
the total weight of comparable pairs and ``D = (C - D)/N`` Somers' d::

    dfbeta_k = (c_k - d_k)/N - D (c_k + d_k + t_k)/N,     var(C) = sum_k dfbeta_k^2 / 4

For Uno's C the censoring weights are treated as fixed, as R does. The pair counts are computed in
O(n log n) time with vectorised numpy (``biomark.stats._surv_count``); there is no O(n^2) step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._errors import StatsError
from ._result import Result
from ._surv_count import earlier_leq_total, pair_counts
from ._surv_utils import censoring_survival, check_survival

__all__ = ["ConcordanceResult", "concordance", "harrell_c"]


@dataclass(frozen=True, eq=False)
class ConcordanceResult(Result):
    """Concordance index and its infinitesimal-jackknife standard error.

    Attributes
    ----------
    c : float
        Concordance: P(risk_i > risk_j | T_i < T_j) over comparable pairs, ties in risk count 1/2.
    se : float
        Standard error (infinitesimal jackknife, as ``sqrt(concordance(...)$var)`` in R).
    method : str
        ``"harrell"`` or ``"uno"``.
    concordant, discordant, tied_risk, tied_time : float
        Pair counts (time-weighted for Uno's C); ``tied_time`` counts pairs of events at the same
        time, which are not comparable.
    n : int
        Number of observations.
    n_events : int
        Number of events.
    """

    c: float
    se: float
    method: str
    concordant: float
    discordant: float
    tied_risk: float
    tied_time: float
    n: int
    n_events: int


def concordance(
    time: Any,
    event: Any,
    risk: Any,
    *,
    method: Literal["harrell", "uno"] = "harrell",
    tau: float | None = None,
) -> ConcordanceResult:
    r"""Harrell's or Uno's concordance index with its standard error.

    A pair (i, j) is comparable when the shorter time ends in an event: ``T_i < T_j`` and
    ``event_i = 1``, or ``T_i = T_j`` with ``event_i = 1`` and ``event_j = 0`` (a censoring at
    the time of a death is taken to come after the death). Pairs of events at the same time are
    not comparable (``tied_time``). With pair weight ``w_i`` (the weight of the earlier event)::

        C = (sum_conc w + 0.5 sum_tied_risk w) / sum_comparable w

    * Harrell's C (``method="harrell"``): ``w_i = 1`` (R's ``timewt = "n"``).
    * Uno's C (``method="uno"``): ``w_i = 1 / G(T_i-)^2`` where ``G`` is the Kaplan-Meier
      estimate of the censoring distribution (R's ``timewt = "n/G2"``; Uno et al. 2011,
      Stat Med 30:1105).
    * ``tau`` truncates: pairs whose earlier event is after ``tau`` get weight 0 (R's ``ymax``), the
      C-index of Uno et al. restricted to ``(0, tau)``; without it nothing is truncated.

    Standard error: the infinitesimal jackknife of ``survival::concordance`` (module docstring).

    Parameters
    ----------
    time, event : array-like
        Follow-up times (> 0) and event indicators (1 = event, 0 = censored).
    risk : array-like
        Predicted risk; higher means shorter expected survival.
    method : {"harrell", "uno"}
    tau : float, optional
        Truncation time (``concordance(..., ymax = tau)``); at most the last follow-up time.

    Returns
    -------
    ConcordanceResult

    Raises
    ------
    StatsError
        Invalid input, fewer than one event, or no comparable pairs.

    References
    ----------
    Harrell FE et al. (1982) JAMA 247:2543. Uno H et al. (2011) Stat Med 30:1105.
    Therneau T, Atkinson E. "The concordance statistic", vignette of R package survival 3.5.

    Examples
    --------
    >>> r = concordance([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1], [0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5])
    >>> round(r.c, 4), r.method
    (0.8409, 'harrell')
    """
    t, e, x = check_survival(time, event, risk, "risk")
    return _concordance(t, e, x, method, tau)[0]


def harrell_c(time: Any, event: Any, risk: Any) -> float:
    """Harrell's C alone: ``concordance(time, event, risk).c`` bit for bit, without the standard error.

    For resampling loops that use only the index (bootstrap optimism). The same pair rules and
    the same sort; the pair counts are totals (:func:`~biomark.stats._surv_count.earlier_leq_total`)
    instead of per-observation counts. With weights 1 every count is an integer below 2**53, so the
    float sums of :func:`concordance` are exact and the two give the same bits.

    Examples
    --------
    >>> harrell_c([5, 8, 3, 9, 12, 2, 7, 4], [1, 1, 0, 1, 0, 1, 1, 1], [0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5])
    0.8409090909090908
    """
    t, e, x = check_survival(time, event, risk, "risk")
    order = np.lexsort((x, e, -t))  # as _roles: time descending, censored first, risk ascending
    ts, es, xs = t[order], e[order], x[order]
    vorder = np.argsort(xs, kind="stable")
    sx = xs[vorder]
    n = int(sx.shape[0])
    new_val = np.empty(n, dtype=bool)
    new_val[0] = True
    np.not_equal(sx[1:], sx[:-1], out=new_val[1:])
    val = np.empty(n, dtype=np.intp)
    val[vorder] = np.cumsum(new_val)
    ei = es.astype(np.int64)
    leq = earlier_leq_total(val, ei, vorder)
    # earlier elements with an equal value: the rank inside the value group, in (value, position) order
    grp_start = np.flatnonzero(new_val)
    rank_in = np.arange(n) - grp_start[np.cumsum(new_val) - 1]
    eq = int(np.dot(rank_in, ei[vorder]))
    before = int(np.dot(np.arange(n, dtype=np.int64), ei))
    conc, disc, tie = leq - eq, before - leq, eq
    # pairs of events at one time are not comparable (as _drop_tied_event_times, in totals)
    runs = _tied_event_runs(ts, es, val)
    if runs is not None:
        _, start_t, start_v, ar = runs
        t_first, v_first = _run_first(start_t), _run_first(start_v)
        conc -= int((v_first - t_first).sum())
        tie -= int((ar - v_first).sum())
    npair = conc + disc + tie
    if npair <= 0:
        raise StatsError("no comparable pairs: every event time is tied with all longer follow-up")
    somers_d = (float(conc) - float(disc)) / float(npair)
    return (somers_d + 1.0) / 2.0


def _influence(time: Any, event: Any, risk: Any) -> tuple[ConcordanceResult, np.ndarray]:
    """Harrell's C and its per-observation influence ``dfbeta`` in input order (``var = sum dfbeta^2 / 4``)."""
    t, e, x = check_survival(time, event, risk, "risk")
    return _concordance(t, e, x, "harrell", None)


def _check_tau(tau: float | None, t: np.ndarray) -> None:
    if tau is None:
        return
    if not (isinstance(tau, (int, float, np.floating, np.integer)) and np.isfinite(tau) and tau > 0):
        raise StatsError(f"tau must be a positive number, got {tau!r}")
    if tau > t.max():
        raise StatsError(f"tau = {tau:g} is beyond the last follow-up time {t.max():g}; choose tau <= {t.max():g}")


def _roles(t: np.ndarray, e: np.ndarray, x: np.ndarray, method: str,
           tau: float | None) -> tuple[dict[str, np.ndarray], float, np.ndarray]:
    """Each observation's weighted concordant/discordant/tied pair counts (in the sort order
    returned as the third value), and the total weight of pairs of events at one time."""
    if method not in ("harrell", "uno"):
        raise StatsError(f"method must be 'harrell' or 'uno', got {method!r}")
    _check_tau(tau, t)
    wt = _event_weights(t, e, method)
    if tau is not None:
        wt = np.where(t <= tau, wt, 0.0)
    # order: time descending, censored before events at tied times, risk ascending
    order = np.lexsort((x, e, -t))
    ts, es, xs = t[order], e[order], x[order]
    # dense ranks of the risk (as np.unique's inverse) from one stable sort, reused by pair_counts
    vorder = np.argsort(xs, kind="stable")
    sx = xs[vorder]
    step = np.empty(sx.shape[0], dtype=np.intp)
    step[0] = 0
    np.not_equal(sx[1:], sx[:-1], out=step[1:])
    val = np.empty(sx.shape[0], dtype=np.intp)
    val[vorder] = np.cumsum(step)
    w_event = wt[order]
    fast = es if tau is None else (es * (ts <= tau)).astype(es.dtype)
    cnt = pair_counts(val, fast if method == "harrell" else w_event, vorder)  # integer weights take the fast path
    # event role (the shorter time): partners are the earlier elements of the sequence;
    # partner role: later elements of the sequence that are events
    roles = {"conc_e": w_event * cnt["earlier_less"], "disc_e": w_event * cnt["earlier_greater"],
             "tie_e": w_event * cnt["earlier_eq"], "conc_m": cnt["later_greater"].copy(),
             "disc_m": cnt["later_less"].copy(), "tie_m": cnt["later_eq"].copy()}
    tied_time_total = _drop_tied_event_times(ts, es, val, w_event, roles)
    return roles, tied_time_total, order


def _concordance(t: np.ndarray, e: np.ndarray, x: np.ndarray, method: str,
                 tau: float | None) -> tuple[ConcordanceResult, np.ndarray]:
    """The C-index and the infinitesimal-jackknife dfbeta of every observation (input order)."""
    roles, tied, order = _roles(t, e, x, method, tau)
    res, dfbeta = _jackknife(roles, method, tied, int(t.shape[0]), int(e.sum()))
    out = np.empty_like(dfbeta)
    out[order] = dfbeta
    return res, out


def _event_weights(t: np.ndarray, e: np.ndarray, method: str) -> np.ndarray:
    """Pair weight of each observation as the earlier event: 1 (Harrell) or 1/G(T-)^2 (Uno)."""
    if method == "uno" and e.sum() >= 2:
        g_minus = censoring_survival(t, e)
        if (g_minus[e == 1] <= 0).any():  # pragma: no cover - G(t-) > 0 for every event time
            raise StatsError("censoring survival reaches 0 before an event time")
        return np.where(e == 1, 1.0 / np.where(g_minus > 0, g_minus, 1.0) ** 2, 0.0)
    return e.astype(np.float64)  # R falls back to timewt "n" when there are fewer than 2 events


def _drop_tied_event_times(ts: np.ndarray, es: np.ndarray, val: np.ndarray, w_event: np.ndarray,
                           roles: dict[str, np.ndarray]) -> float:
    """Remove pairs of events at the same time (not comparable) from ``roles``; their total weight.

    Within a time, events come after the censored observations and are sorted by risk, so the wrongly
    counted pairs are easy to enumerate: for event k, tied events with lower risk sit before it, with
    higher risk after.
    """
    runs = _tied_event_runs(ts, es, val)
    if runs is None:
        return 0.0
    ev_idx, start_t, start_v, ar = runs
    t_first, v_first = _run_first(start_t), _run_first(start_v)
    t_last = _run_last(start_t)
    v_last = _run_last(start_v)
    wk = w_event[ev_idx]
    roles["conc_e"][ev_idx] -= wk * (v_first - t_first)  # tied-time events with lower risk
    roles["tie_e"][ev_idx] -= wk * (ar - v_first)
    roles["conc_m"][ev_idx] -= wk * (t_last - v_last)  # with higher risk; weight is constant within a time
    roles["tie_m"][ev_idx] -= wk * (v_last - ar)
    return float(np.sum(wk * (t_last - ar)))


def _jackknife(roles: dict[str, np.ndarray], method: str, tied_time: float, n: int,
               n_events: int) -> tuple[ConcordanceResult, np.ndarray]:
    """C from the pair counts and its infinitesimal-jackknife SE (module docstring)."""
    concordant = float(roles["conc_e"].sum())
    discordant = float(roles["disc_e"].sum())
    tied_risk = float(roles["tie_e"].sum())
    npair = concordant + discordant + tied_risk
    if npair <= 0:
        raise StatsError("no comparable pairs: every event time is tied with all longer follow-up")
    somers_d = (concordant - discordant) / npair
    ck = roles["conc_e"] + roles["conc_m"]
    dk = roles["disc_e"] + roles["disc_m"]
    tk = roles["tie_e"] + roles["tie_m"]
    dfbeta = (ck - dk) / npair - somers_d * (ck + dk + tk) / npair
    return ConcordanceResult(
        c=(somers_d + 1.0) / 2.0, se=float(np.sqrt(float(np.sum(dfbeta**2)) / 4.0)), method=method,
        concordant=concordant, discordant=discordant, tied_risk=tied_risk, tied_time=tied_time,
        n=n, n_events=n_events,
    ), dfbeta


def _tied_event_runs(ts: np.ndarray, es: np.ndarray, val: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The events of the sorted data (``ev_idx``) and where their runs of one time (``start_t``) and of
    one time and risk value (``start_v``) start, with ``arange`` over the events; ``None`` without
    events. Events of a time are contiguous (censored first, then by risk), see _roles."""
    ev_idx = np.flatnonzero(es == 1)
    if not ev_idx.size:
        return None
    new_time = np.empty(ts.shape[0], dtype=bool)
    new_time[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new_time[1:])
    tgrp = np.cumsum(new_time)[ev_idx]  # time group of each event
    start_t = np.empty(ev_idx.size, dtype=bool)
    start_t[0] = True
    np.not_equal(tgrp[1:], tgrp[:-1], out=start_t[1:])
    start_v = start_t.copy()
    vv = val[ev_idx]
    start_v[1:] |= vv[1:] != vv[:-1]
    return ev_idx, start_t, start_v, np.arange(ev_idx.size)


def _run_first(start: np.ndarray) -> np.ndarray:
    """Index of the first element of each element's run (runs begin where ``start`` is True)."""
    return np.maximum.accumulate(np.where(start, np.arange(start.shape[0]), 0))


def _run_last(start: np.ndarray) -> np.ndarray:
    """Index of the last element of the run each element belongs to (runs begin where start)."""
    m = start.shape[0]
    end = np.empty(m, dtype=bool)
    end[-1] = True
    end[:-1] = start[1:]
    idx = np.where(end, np.arange(m), m)
    return np.minimum.accumulate(idx[::-1])[::-1]
