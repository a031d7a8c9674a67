"""Profile penalised-likelihood intervals and tests of a Firth Cox fit (Heinze & Schemper 2001).

For coefficient j the profile ``pl_j(b) = max_{beta: beta_j = b} l*(beta)`` (the others maximised); the
interval is ``{b : 2 (l*(beta_hat) - pl_j(b)) <= chi2_1(ci)}`` and its limits are the two roots of that
equation (Brent's method between the estimate and a bracketing point); the penalised-likelihood ratio
test of ``beta_j = 0`` is ``2 (l*(beta_hat) - pl_j(0))`` on 1 df. As ``coxphf(..., pl = TRUE)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

Objective = Callable[[np.ndarray], float]  # the negative penalised log-likelihood (1e300 where undefined)


class Profile:
    """``neg_profile(j, b)`` = ``-pl_j(b)``, warm-started from the last maximiser of the same j."""

    def __init__(self, neg: Objective, beta_hat: np.ndarray, se: np.ndarray) -> None:
        self.neg, self.beta_hat, self.se = neg, np.asarray(beta_hat, float), np.asarray(se, float)
        self.p = self.beta_hat.shape[0]
        self._start: dict[int, np.ndarray] = {}

    def _full(self, j: int, b: float, rest: np.ndarray) -> np.ndarray:
        return np.insert(rest, j, b)

    def neg_profile(self, j: int, b: float) -> float:
        if self.p == 1:
            return self.neg(np.array([b]))
        others = np.delete(np.arange(self.p), j)
        start = self._start.get(j, self.beta_hat[others])

        def f(rest: np.ndarray) -> float:
            return self.neg(self._full(j, b, rest))

        if self.p == 2:
            s = float(self.se[others[0]])
            res = optimize.minimize_scalar(lambda r: f(np.array([r])), bracket=(start[0] - s, start[0] + s),
                                           method="brent", options={"xtol": 1e-12, "maxiter": 500})
            x, v = np.array([res.x]), float(res.fun)
        else:  # an error d in the maximiser moves pl_j by O(d^2): BFGS's finite-difference accuracy is enough
            res = optimize.minimize(f, start, method="BFGS", options={"gtol": 1e-9, "maxiter": 2000})
            x, v = res.x, float(res.fun)
        self._start[j] = x
        return v

    def limit(self, j: int, pen_hat: float, crit: float, side: int) -> float:
        """The root of ``2 (pen_hat - pl_j(b)) - crit`` on the ``side`` (-1 / +1) of the estimate; +/-inf
        if the profile stays above the criterion within 100 SEs (or the likelihood is undefined there)."""
        b0 = float(self.beta_hat[j])
        step = max(float(self.se[j]), 1e-3)

        def g(b: float) -> float:
            v = self.neg_profile(j, b)
            return 2.0 * (pen_hat + v) - crit if v < 1e299 else np.inf

        self._start.pop(j, None)
        lo, hi = b0, b0 + side * step
        for _ in range(60):
            if g(hi) > 0:
                break
            lo, hi = hi, b0 + side * (abs(hi - b0) * 1.6)
            if abs(hi - b0) > 100 * step:
                return side * np.inf
        else:  # pragma: no cover - bounded by the 100 SE check
            return side * np.inf
        self._start.pop(j, None)
        a, c = (lo, hi) if lo < hi else (hi, lo)
        return float(optimize.brentq(g, a, c, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=200))

    def plr(self, j: int, pen_hat: float) -> float:
        """Penalised likelihood-ratio statistic of ``beta_j = 0``."""
        self._start.pop(j, None)
        return max(0.0, 2.0 * (pen_hat + self.neg_profile(j, 0.0)))
