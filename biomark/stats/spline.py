"""Restricted cubic spline basis, as ``Hmisc::rcspline.eval`` (and ``rms::rcs``) with its default knots.

Linear beyond the outer knots (Stone & Koo 1985; Harrell 2015, Regression Modeling Strategies, section 2.4.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import StatsError
from ._result import Result

__all__ = ["RcsBasis", "rcs_basis"]


@dataclass(frozen=True, eq=False)
class RcsBasis(Result):
    """The spline's knots and its ``(n, k - 1)`` design: ``x`` itself then ``k - 2`` non-linear terms."""

    knots: tuple[float, ...]
    basis: np.ndarray = field(repr=False)


def _default_knots(x: np.ndarray, nk: int) -> np.ndarray:
    xu = np.unique(x)
    if xu.size - 2 <= nk:
        raise StatsError(f"a spline with {nk} knots needs more than {nk + 2} distinct values; there are {xu.size}")
    _, counts = np.unique(x, return_counts=True)
    f = counts / x.size
    if f[1:-1].max() < 0.05 and (f[0] >= 0.05 or f[-1] >= 0.05):
        raise StatsError("5 % or more of the values sit at the smallest or largest value: rms would move a knot "
                         "there; give the knots explicitly")
    outer = 0.025 if nk > 6 else (0.05 if nk > 3 else 0.1)
    knots = np.quantile(x, np.linspace(outer, 1 - outer, nk))  # R's type 7
    if np.unique(knots).size < nk:
        raise StatsError("the default spline knots are tied; give fewer knots or the knots explicitly")
    if x.size < 100:
        xs = np.sort(x)
        knots[0], knots[-1] = xs[4], xs[-5]
    return knots


def rcs_basis(x: Any, nk: int = 4, knots: Sequence[float] | None = None) -> RcsBasis:
    r"""Restricted cubic spline basis of ``x`` with ``nk`` knots, as ``rms::rcs(x, nk)`` / ``Hmisc::rcspline.eval``.

    Knots (when not given): quantiles (type 7) at ``seq(0.05, 0.95, length = nk)`` (0.1-0.9 for 3 knots, 0.025-0.975
    beyond 6); with fewer than 100 values the outer knots are the 5th smallest and 5th largest value. With knots
    :math:`t_1 < ... < t_k` and :math:`(u)_+ = max(u, 0)`, term ``j = 1..k-2`` is (``norm = 2``)

    .. math:: [(x - t_j)_+^3 - (x - t_{k-1})_+^3 \frac{t_k - t_j}{t_k - t_{k-1}}
              + (x - t_k)_+^3 \frac{t_{k-1} - t_j}{t_k - t_{k-1}}] / (t_k - t_1)^2

    The design is ``[x, term_1, ..., term_{k-2}]``.

    Examples
    --------
    >>> b = rcs_basis(np.arange(1.0, 201.0), nk=4)
    >>> [round(k, 2) for k in b.knots], b.basis.shape
    ([10.95, 70.65, 130.35, 190.05], (200, 3))
    """
    v = np.asarray(x, dtype=float)
    if v.ndim != 1 or not np.isfinite(v).all():
        raise StatsError("the spline needs a one-dimensional array of finite values (drop missing values first)")
    if knots is None:
        if nk < 3:
            raise StatsError(f"a restricted cubic spline needs at least 3 knots, not {nk}")
        t = _default_knots(v, nk)
    else:
        t = np.asarray(sorted(float(k) for k in knots))
        if t.size < 3 or np.unique(t).size != t.size:
            raise StatsError("give at least 3 distinct knots")
    k = t.size
    scale = (t[-1] - t[0]) ** 2
    cols = [v]
    for j in range(k - 2):
        term = (np.clip(v - t[j], 0, None) ** 3
                - np.clip(v - t[k - 2], 0, None) ** 3 * (t[k - 1] - t[j]) / (t[k - 1] - t[k - 2])
                + np.clip(v - t[k - 1], 0, None) ** 3 * (t[k - 2] - t[j]) / (t[k - 1] - t[k - 2]))
        cols.append(term / scale)
    return RcsBasis(knots=tuple(float(z) for z in t), basis=np.column_stack(cols))
