"""Kaplan-Meier censoring weights and their influence functions (private; Brier score, AUC(t)).

The censoring distribution ``G`` is the reverse Kaplan-Meier estimate with deaths taken to precede
censorings at a tied time (the risk set of the censorings at ``u`` is ``#{T > u} + C(u)``): the
convention of ``prodlim(..., reverse = TRUE)`` that riskRegression's ``Score`` weights with, and of
``survival::concordance``. The influence function of ``log G(s)`` for observation ``k`` is the
Nelson-Aalen linearisation, with the ordinary risk set ``Y(u) = #{T >= u}`` as riskRegression
computes it (the two conventions differ only at tied death/censoring times)::

    psi_k(s) = -[ 1(T_k <= s, delta_k = 0) n / Y(T_k) - sum_{u <= s, k at risk at u} n dN_c(u) / Y(u)^2 ]

(Gill 1980; Blanche et al. 2013, Stat Med 32:5381, appendix), evaluated at left limits ``T_i-`` for
the cases' weights ``1 / G(T_i-)`` and at the horizon for the controls' ``1 / G(t)``.
"""

from __future__ import annotations

import numpy as np


class CensoringKM:
    """Reverse KM ``G`` of (time, event) and the pieces of its influence function."""

    def __init__(self, t: np.ndarray, e: np.ndarray) -> None:
        self.t, self.e, self.n = t, e, t.shape[0]
        u, inv = np.unique(t, return_inverse=True)
        cens = np.bincount(inv, weights=(e == 0).astype(float), minlength=u.size)
        dead = np.bincount(inv, weights=(e == 1).astype(float), minlength=u.size)
        n_ge = self.n - np.concatenate(([0], np.cumsum(cens + dead)[:-1]))
        y = n_ge - dead
        haz = np.divide(cens, y, out=np.zeros(u.size), where=y > 0)
        self.u, self.inv, self.y = u, inv, y
        self.g = np.cumprod(1.0 - haz)  # G(u_j), right-continuous
        # the influence function uses the ordinary risk set #{T >= u} (ties included), as riskRegression
        # (2022.11.28) linearises it; its standard errors are matched to 1e-9 that way
        lam = self.n * cens / n_ge**2
        self.cum_le = np.cumsum(lam)
        self.cum_lt = self.cum_le - lam
        # jump of observation k's own censoring, and its at-risk bound (k is at risk at u <= T_k)
        self.jump = np.where(e == 0, self.n / n_ge[inv], 0.0)
        self.bound = self.cum_le[inv]

    def at(self, s: float) -> float:
        """G(s)."""
        j = int(np.searchsorted(self.u, s, side="right")) - 1
        return 1.0 if j < 0 else float(self.g[j])

    def before(self) -> np.ndarray:
        """G(T_i-) for every observation."""
        return np.concatenate(([1.0], self.g))[self.inv]

    def term(self, w_case: np.ndarray, w_ctrl: float, s: float) -> np.ndarray:
        """For each k: ``sum_i w_case_i psi_k(T_i-) + w_ctrl psi_k(s)`` (``w_case`` zero off the cases)."""
        t = self.t
        order = np.argsort(t, kind="stable")
        ts, ws = t[order], w_case[order]
        lt_i = self.cum_lt[self.inv][order]
        cum_w = np.concatenate(([0.0], np.cumsum(ws)))
        cum_wl = np.concatenate(([0.0], np.cumsum(ws * lt_i)))
        le = np.searchsorted(ts, t, side="right")  # number with T_i <= T_k
        w_gt = cum_w[-1] - cum_w[le]
        out = -self.jump * w_gt + cum_wl[le] + w_gt * self.bound
        if w_ctrl:
            j = int(np.searchsorted(self.u, s, side="right")) - 1
            cum_s = self.cum_le[j] if j >= 0 else 0.0
            lam_s = np.where(t <= s, self.bound, cum_s)
            out = out + w_ctrl * (-self.jump * (t <= s) + lam_s)
        return out
