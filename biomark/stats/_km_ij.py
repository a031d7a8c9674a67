"""Infinitesimal-jackknife (robust) variance of a weighted Kaplan-Meier curve, as R
``survfit(Surv(time, event) ~ 1, weights = w, robust = TRUE[, cluster = id])`` (survival 3.5.3).

The influence of observation i on ``log S(t)``, the derivative in its weight, is (Therneau &
Grambsch 2000, sec. 7.2; Lin & Wei 1989)::

    U_i(t) = sum_{t_k <= min(t, t_i)} D_k / (N_k (N_k - D_k))  -  delta_i 1(t_i <= t) / (N_{k_i} - D_{k_i})

with ``N_k``, ``D_k`` the weighted numbers at risk and of events at the k-th distinct time. The robust
variance of ``S(t)`` is ``S(t)^2 sum_c (sum_{i in c} w_i U_i(t))^2`` over clusters c (each row its own
cluster by default). Computed in O(n log n): before its own time a row contributes ``A(t) w_i`` to its
cluster (A the cumulative sum above), from it on the constant ``w_i g_i``, ``g_i = A(t_i) -
delta_i / (N_{k_i} - D_{k_i})``; the three running sums ``sum_c p_c^2``, ``sum_c p_c q_c``,
``sum_c q_c^2`` of the cluster totals change once per row (the first two summed from the end, where
they vanish, so that the tail keeps its digits: 3e-13 relative to the direct sum at n = 3000).
"""

from __future__ import annotations

import numpy as np


def robust_var_log(ts: np.ndarray, es: np.ndarray, ws: np.ndarray, cl: np.ndarray, first: np.ndarray,
                   n_risk: np.ndarray, n_event: np.ndarray) -> np.ndarray:
    """IJ variance of log S at each distinct time (rows sorted by time; ``first`` the first row of each
    distinct time; ``cl`` integer cluster codes). Entries where S has reached 0 are meaningless (nan)."""
    n, m = ts.shape[0], first.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        left = n_risk - n_event
        c = np.where((n_event > 0) & (left > 0), n_event / (n_risk * left), 0.0)  # S = 0 once left = 0
        b = np.where(left > 0, 1.0 / left, np.nan)
    a = np.cumsum(c)  # A(t_k)
    k_of = np.repeat(np.arange(m), np.diff(np.r_[first, n]))  # distinct-time index of each row
    g = a[k_of] - np.where(es > 0, np.nan_to_num(b[k_of], nan=0.0), 0.0)  # S = 0 from there on: unused
    # each row moves its cluster's total from p (at risk, weight w) to q (done, w g) at its own time
    order = np.lexsort((np.arange(n), cl))  # by cluster, then time position
    cls, wsrt, wg = cl[order], ws[order], (ws * g)[order]
    start = np.flatnonzero(np.r_[True, cls[1:] != cls[:-1]])
    grp = np.repeat(np.arange(start.shape[0]), np.diff(np.r_[start, n]))
    tot = np.bincount(grp, weights=wsrt)
    excl_w, excl_wg = np.cumsum(wsrt) - wsrt, np.cumsum(wg) - wg
    p0 = tot[grp] - (excl_w - excl_w[start][grp])  # the cluster's weight still at risk before this row
    q0 = excl_wg - excl_wg[start][grp]
    p1, q1 = p0 - wsrt, q0 + wg
    inc = np.empty((n, 3))
    inc[order] = np.column_stack([p1 * p1 - p0 * p0, p1 * q1 - p0 * q0, q1 * q1 - q0 * q0])
    last = np.r_[first[1:], n] - 1  # after every row of the k-th time has moved
    # sum_c p_c^2 and sum_c p_c q_c vanish as the risk set empties: summed from the end (the rows still
    # to move), not as a total minus a running sum, so that the tail keeps its digits
    tail = np.r_[np.cumsum(inc[::-1, :2], axis=0)[::-1], np.zeros((1, 2))]
    spp, spq = -tail[last + 1, 0], -tail[last + 1, 1]
    sqq = np.cumsum(inc[:, 2])[last]
    var = a * a * spp + 2.0 * a * spq + sqq
    return np.maximum(var, 0.0)
