"""Cox partial likelihood with Efron or Breslow ties, vectorised (private engine).

The data are sorted by time once. Risk-set sums ``S0 = sum r_j``, ``S1 = sum r_j x_j`` and
``S2 = sum r_j x_j x_j'`` over ``{j : t_j >= t}`` (``r_j = exp(x_j' beta)``) are reverse
cumulative sums evaluated at the first index of each distinct event time; the sums over the
deaths at that time (``A0, A1, A2``) are grouped sums. With ``d`` deaths at a time, Efron's
approximation uses, for ``l = 0..d-1`` and ``f = l/d``::

    den_l = S0 - f A0,   m_l = (S1 - f A1) / den_l,   V_l = (S2 - f A2) / den_l - m_l m_l'

    loglik = sum_deaths x'beta - sum_l log den_l,   U = sum_deaths x - sum_l m_l,
    I = sum_l V_l                                          (Breslow: f = 0)

(Efron 1977, JASA 72:557; Therneau & Grambsch 2000, ch. 3). The cost of one evaluation is
O(n p^2) numpy work with no Python loop over observations: the information's
``sum_g (S2_g - f A2_g) / den`` terms are regrouped per observation into two weighted Gram matrices
``x' diag(w) x`` (BLAS), so no per-group ``p x p`` blocks are formed.
"""

from __future__ import annotations

import copy

import numpy as np


class CoxData:
    """Sorted, centred design for repeated evaluation of the partial likelihood."""

    def __init__(self, time: np.ndarray, event: np.ndarray, x: np.ndarray, efron: bool) -> None:
        order = np.argsort(time, kind="stable")
        self.order = order
        self.time = time[order]
        self.event = event[order].astype(bool)
        self.means = x.mean(axis=0)
        self.x = x[order] - self.means
        self.efron = efron
        n, p = self.x.shape
        self.n, self.p = n, p
        death_idx = np.flatnonzero(self.event)
        self.death_idx = death_idx
        dtimes = self.time[death_idx]
        new = np.empty(death_idx.size, dtype=bool)
        new[0] = True
        np.not_equal(dtimes[1:], dtimes[:-1], out=new[1:])
        self.dgrp = np.cumsum(new) - 1  # event-time group of each death
        self.n_groups = int(self.dgrp[-1]) + 1
        self.etimes = dtimes[new]
        # first index (in sorted order) of each distinct event time: start of its risk set
        self.first = np.searchsorted(self.time, self.etimes, side="left")
        self.d = np.bincount(self.dgrp).astype(np.float64)
        start = np.flatnonzero(new)
        rank_in_grp = np.arange(death_idx.size) - start[self.dgrp]
        self.f = rank_in_grp / self.d[self.dgrp] if efron else np.zeros(death_idx.size)
        self.xd = self.x[death_idx]
        self.xd_sum = self.xd.sum(axis=0)
        self.gstart = start  # first death of each event-time group (deaths are sorted by group)

    def with_x(self, x: np.ndarray) -> CoxData:
        """The same times and events (sort order, tie groups) with another design ``x`` (rows in input order)."""
        new = copy.copy(self)
        new.means = x.mean(axis=0)
        new.x = x[self.order] - new.means
        new.p = x.shape[1]
        new.xd = new.x[self.death_idx]
        new.xd_sum = new.xd.sum(axis=0)
        return new

    def _rev_at_first(self, v: np.ndarray) -> np.ndarray:
        """sum_{i >= first[g]} v_i for every event-time group g (v 1-D, or 2-D summed along rows)."""
        seg = np.add.reduceat(v, self.first, axis=0)
        return np.cumsum(seg[::-1], axis=0)[::-1]

    def _gram(self, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        """sum_g w_g sum_{i >= first_g} r_i x_i x_i' as x' diag(r H) x, H_i = sum_{g: first_g <= i} w_g."""
        acc = np.zeros(self.n)
        acc[self.first] = w  # distinct event times have distinct first indices
        wt = np.cumsum(acc) * r
        return (self.x * wt[:, None]).T @ self.x

    def _gram_deaths(self, rd: np.ndarray, w: np.ndarray) -> np.ndarray:
        """sum_g w_g sum_{deaths k at g} r_k x_k x_k'."""
        wt = rd * w[self.dgrp]
        return (self.xd * wt[:, None]).T @ self.xd

    def evaluate(self, beta: np.ndarray, *, gtime: np.ndarray | None = None) -> dict:
        """Log partial likelihood, score and information at ``beta``.

        With ``gtime`` (one value per event-time group) also return the score and information
        blocks of the extra covariates ``x * g(t)`` at ``gamma = 0`` (for cox.zph).
        """
        x = self.x
        eta = x @ beta
        c = float(eta.max())
        r = np.exp(eta - c)
        g = self.dgrp
        s0 = self._rev_at_first(r)
        rx = r[:, None] * x
        s1 = self._rev_at_first(rx)
        rd = r[self.death_idx]
        a0 = np.add.reduceat(rd, self.gstart)
        a1 = np.add.reduceat(rx[self.death_idx], self.gstart, axis=0)
        f = self.f
        den = s0[g] - f * a0[g]
        m = (s1[g] - f[:, None] * a1[g]) / den[:, None]
        loglik = float(eta[self.death_idx].sum() - c * self.death_idx.size - np.log(den).sum())
        score = self.xd_sum - m.sum(axis=0)
        h0 = np.bincount(g, weights=1.0 / den, minlength=self.n_groups)
        h1 = np.bincount(g, weights=f / den, minlength=self.n_groups)
        # sum_g h0_g S2_g = sum_i r_i H0_i x_i x_i' with H0_i = sum of h0_g over the groups whose
        # risk set contains i (first_g <= i): one weighted Gram matrix, no per-group p x p blocks;
        # likewise sum_g h1_g A2_g = sum over deaths k of h1_g(k) r_k x_k x_k'
        info = self._gram(r, h0) - self._gram_deaths(rd, h1) - m.T @ m
        out = {"loglik": loglik, "score": score, "info": info}
        if gtime is not None:
            gd = gtime[g]
            out["u_gamma"] = ((self.xd - m) * gd[:, None]).sum(axis=0)
            out["i_bg"] = (self._gram(r, h0 * gtime) - self._gram_deaths(rd, h1 * gtime)
                           - (m * gd[:, None]).T @ m)
            g2 = gtime**2
            out["i_gg"] = (self._gram(r, h0 * g2) - self._gram_deaths(rd, h1 * g2)
                           - (m * gd[:, None]).T @ (m * gd[:, None]))
        return out
