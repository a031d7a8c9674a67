"""Input handling and the one-sort engine shared by the binary-outcome statistics (private).

Used by :mod:`.roc`, :mod:`.thresholds`, :mod:`.calibration` and :mod:`.decision`: the outcome as a
case mask, score checks, pROC's direction rule, the pooled sort with tie groups, pROC's candidate
thresholds and the binomial intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import special  # not scipy.stats: 0.7 s to import, for one beta quantile

from ._errors import StatsError

Direction = Literal["<", ">"]


def _outcome(y: Any, positive: Any = None) -> np.ndarray:
    """Return the outcome as a boolean array (True = case).

    * ``positive`` given: ``y == positive`` are the cases; ``y`` must hold exactly two distinct
      labels and ``positive`` must be one of them.
    * ``positive`` not given: ``y`` must be boolean (True = case) or numeric with values in
      {0, 1} (1 = case). Anything else (strings, {1, 2}, ...) needs ``positive=``.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise StatsError(f"y must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise StatsError("y is empty")
    if positive is not None:
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise StatsError("y contains missing values (nan); drop them first")
        if arr.dtype.kind == "O" and any(v is None for v in arr):
            raise StatsError("y contains missing values (None); drop them first")
        labels = np.unique(arr)
        if positive not in set(labels.tolist()):
            raise StatsError(f"positive={positive!r} is not one of the labels in y: {labels.tolist()}")
        if labels.size > 2:
            raise StatsError(
                f"y must hold exactly two labels, found {labels.size}: {labels.tolist()[:10]}"
            )
        return arr == positive
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind in "iu":
        bad = (arr != 0) & (arr != 1)
    elif arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise StatsError("y contains missing values (nan); drop them first")
        bad = (arr != 0) & (arr != 1)
    else:
        raise StatsError(
            f"y has labels of type {arr.dtype}; pass positive=<label of the cases> "
            "or give y as 0/1 or booleans"
        )
    if bad.any():
        vals = np.unique(arr[bad])[:5].tolist()
        raise StatsError(
            f"y must be 0/1 or booleans (1/True = case), found {vals}; "
            "pass positive=<label of the cases> for other labels"
        )
    return arr == 1


def _score(score: Any, n: int, name: str = "score") -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional, got shape {s.shape}")
    if s.size != n:
        raise StatsError(f"{name} has length {s.size} but y has length {n}")
    if np.isnan(s).any():
        raise StatsError(f"{name} contains {int(np.isnan(s).sum())} missing values (nan); drop them first")
    return s


def _counts(pos: np.ndarray, *, minimum: int = 1) -> tuple[int, int]:
    n_pos = int(np.count_nonzero(pos))
    n_neg = int(pos.size - n_pos)
    if n_pos < minimum or n_neg < minimum:
        raise StatsError(
            f"need at least {minimum} case(s) and {minimum} control(s), "
            f"got {n_pos} case(s) and {n_neg} control(s)"
        )
    return n_pos, n_neg


def _level(ci: float) -> float:
    if not (isinstance(ci, (int, float)) and 0.0 < float(ci) < 1.0):
        raise StatsError(f"ci must be a confidence level strictly between 0 and 1, got {ci!r}")
    return float(ci)


def _check_direction(direction: Any, allow_auto: bool = True) -> str:
    allowed = ("<", ">", "auto") if allow_auto else ("<", ">")
    if direction not in allowed:
        raise StatsError(f"direction must be one of {allowed}, got {direction!r}")
    return str(direction)


def _auto_direction(pos: np.ndarray, s: np.ndarray) -> Direction:
    """pROC's rule: ``"<"`` if median(controls) <= median(cases), else ``">"``."""
    return "<" if np.median(s[~pos]) <= np.median(s[pos]) else ">"


def _resolve(pos: np.ndarray, s: np.ndarray, direction: str) -> Direction:
    direction = _check_direction(direction)
    if direction == "auto":
        return _auto_direction(pos, s)
    return direction  # type: ignore[return-value]



@dataclass(frozen=True)
class _Sorted:
    """Pooled scores sorted once, with the tie groups and cumulative class counts."""

    values: np.ndarray  # distinct sorted scores (length G)
    pos_through: np.ndarray  # cases with score <= values[g] (int64, length G)
    neg_through: np.ndarray  # controls with score <= values[g]
    order: np.ndarray  # argsort of the pooled scores
    sorted_pos: np.ndarray  # case flags in sorted order
    group: np.ndarray | None  # group index of each sorted element (None if no ties)
    n_pos: int
    n_neg: int


def _median_sorted(v: np.ndarray) -> float:
    """Median of an already sorted array (R's ``median``: mean of the two middle values)."""
    h = v.size // 2
    return float(v[h]) if v.size % 2 else float((v[h - 1] + v[h]) / 2.0)


def _sort(pos: np.ndarray, s: np.ndarray, direction: str) -> tuple[_Sorted, Direction]:
    """Sort the pooled scores once and build the tie groups on the oriented scale.

    ``direction="auto"`` is resolved here from the sorted cases and controls (pROC's median
    rule) so that no second pass is needed; ``">"`` reverses the sorted arrays and negates
    the values (the oriented scale is ``-score``).
    """
    n_pos = int(np.count_nonzero(pos))
    n_neg = pos.size - n_pos
    order = np.argsort(s)
    ss = s[order]
    sp = pos[order]
    if direction == "auto":
        d: Direction = "<" if _median_sorted(ss[~sp]) <= _median_sorted(ss[sp]) else ">"
    else:
        d = direction  # type: ignore[assignment]
    if d == ">":
        order = order[::-1]
        ss = -ss[::-1]
        sp = sp[::-1]
    new = ss[1:] != ss[:-1]
    cpos = np.cumsum(sp, dtype=np.int64)
    if new.all():
        idx = np.arange(1, pos.size + 1, dtype=np.int64)
        return _Sorted(ss, cpos, idx - cpos, order, sp, None, n_pos, n_neg), d
    ends = np.flatnonzero(np.append(new, True))  # last index of each tie group
    pos_through = cpos[ends]
    neg_through = ends + 1 - pos_through
    group = np.empty(pos.size, dtype=np.int64)
    group[0] = 0
    np.cumsum(new, out=group[1:])
    return _Sorted(ss[ends], pos_through, neg_through, order, sp, group, n_pos, n_neg), d


def _normal_ci(est: float, se: float, level: float) -> tuple[float, float]:
    zq = float(special.ndtri(0.5 + level / 2.0))
    return est - zq * se, est + zq * se


def _midpoints(u: np.ndarray) -> np.ndarray:
    """pROC's candidate thresholds on the oriented scale: -inf, midpoints of consecutive
    distinct values, +inf. If rounding puts a midpoint on the lower value it is moved to the
    upper one, so that ``score >= t`` still separates the two groups."""
    lo = np.concatenate(([-np.inf], u))
    hi = np.concatenate((u, [np.inf]))
    with np.errstate(over="ignore", invalid="ignore"):
        t = (lo + hi) / 2.0
        big = ~(np.abs(t) <= 1e100)
        t[big] = lo[big] / 2.0 + hi[big] / 2.0
    t[0], t[-1] = -np.inf, np.inf
    inner = t[1:-1]
    bump = inner == u[:-1]
    inner[bump] = u[1:][bump]
    return t


def _coords(pos: np.ndarray, s: np.ndarray, d: Direction) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Thresholds (on the original scale) and the counts of true positives and true
    negatives at each, for direction ``d``."""
    st, _ = _sort(pos, s, d)
    t = _midpoints(st.values)
    pos_before = np.concatenate(([0], st.pos_through))  # cases below threshold j
    neg_before = np.concatenate(([0], st.neg_through))
    tp = st.n_pos - pos_before
    tn = neg_before
    if d == ">":
        t = -t
    return t, tp, tn, st.n_pos, st.n_neg


def _wilson(k: np.ndarray | int, n: np.ndarray | int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (Wilson 1927)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = float(special.ndtri(0.5 + level / 2.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1.0 + z * z / n
        centre = (phat + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(phat * (1.0 - phat) / n + z * z / (4.0 * n * n)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    return lo, hi


def _clopper_pearson(k: np.ndarray | int, n: np.ndarray | int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson 1934) interval from beta quantiles."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    a = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, special.betaincinv(k, n - k + 1, a), 0.0)
        hi = np.where(k < n, special.betaincinv(k + 1, n - k, 1.0 - a), 1.0)
    return lo, hi


_INTERVALS = {"wilson": _wilson, "clopper-pearson": _clopper_pearson}


def _interval(method: str) -> Any:
    try:
        return _INTERVALS[method]
    except KeyError:
        raise StatsError(f"ci_method must be one of {sorted(_INTERVALS)}, got {method!r}") from None

