"""Kaplan-Meier curve with Greenwood variance and a log, log-log or plain CI, optionally with case
weights, as R ``survival::survfit`` (3.5.3)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._compat import renamed
from ._errors import StatsError
from ._km_ij import robust_var_log
from ._result import Result
from ._surv_utils import as_float_1d, check_time_event

__all__ = ["KaplanMeierCurve", "KaplanMeierPoint", "kaplan_meier"]


@dataclass(frozen=True, eq=False)
class KaplanMeierPoint(Result):
    """Survival estimate and CI read off a Kaplan-Meier curve at given times."""

    time: np.ndarray
    surv: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    std_err: np.ndarray
    n_risk: np.ndarray


@dataclass(frozen=True, eq=False)
class KaplanMeierCurve(Result):
    """Kaplan-Meier survival curve (``survfit(Surv(time, event) ~ 1)``).

    Arrays are indexed by the distinct observed times (events and censorings). ``std_err`` is
    the standard error of ``surv`` (Greenwood, as ``summary.survfit`` prints it, or the
    infinitesimal jackknife when ``variance == "robust"``);
    ``lower``/``upper`` are the log-transformed CI ``surv * exp(-/+ z * std_err / surv)``
    (R's default ``conf.type = "log"``), capped at 1; they are nan where ``surv`` is 0, as
    in R. ``median`` is nan when the curve never falls to 0.5 (R prints NA);
    ``median_lower``/``median_upper`` are the times where the lower/upper CI curves cross 0.5.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ci: float
    median: float
    median_lower: float
    median_upper: float
    n: int
    n_events: int
    conf_type: str = "log"
    variance: str = "greenwood"

    def _index(self, times: Any, extend: bool) -> tuple[np.ndarray, np.ndarray]:
        tq = as_float_1d(np.atleast_1d(times), "times")
        if not extend and (tq > self.time[-1]).any():
            raise StatsError(
                f"time(s) {tq[tq > self.time[-1]].tolist()} are beyond the last follow-up "
                f"time {self.time[-1]!r}; pass extend=True to carry the last value forward"
            )
        return tq, np.searchsorted(self.time, tq, side="right") - 1

    def at(self, times: Any, *, extend: bool = False) -> KaplanMeierPoint:
        """Curve values at ``times`` (right-continuous step function, as ``summary.survfit``).

        Before the first observed time the survival is 1 with CI (1, 1). Times after the last
        follow-up raise StatsError unless ``extend=True`` (R's ``extend`` argument).
        """
        tq, idx = self._index(times, extend)
        before = idx < 0
        j = np.maximum(idx, 0)
        surv = np.where(before, 1.0, self.surv[j])
        lower = np.where(before, 1.0, self.lower[j])
        upper = np.where(before, 1.0, self.upper[j])
        se = np.where(before, 0.0, self.std_err[j])
        return KaplanMeierPoint(time=tq, surv=surv, lower=lower, upper=upper, std_err=se,
                                n_risk=self.n_at_risk(tq))

    def n_at_risk(self, times: Any) -> np.ndarray:
        """Number still under observation (time >= t) at each of ``times``."""
        tq = as_float_1d(np.atleast_1d(times), "times")
        idx = np.searchsorted(self.time, tq, side="left")
        out = np.zeros(tq.shape[0], dtype=self.n_risk.dtype)
        inside = idx < self.time.shape[0]
        out[inside] = self.n_risk[idx[inside]]
        return out


def _quantile_time(time: np.ndarray, curve: np.ndarray, p: float) -> float:
    """First time the step curve is <= p; if it equals p on a flat stretch, the midpoint of
    that stretch (the convention of R's quantile.survfit)."""
    tol = math.sqrt(np.finfo(float).eps)
    ok = np.isfinite(curve)
    hit = np.flatnonzero(ok & (curve <= p + tol))
    if hit.size == 0:
        return math.nan
    i = int(hit[0])
    if abs(curve[i] - p) < tol:
        below = np.flatnonzero(ok & (curve < p - tol))
        if below.size == 0:
            return float(time[i])
        return float((time[i] + time[int(below[0])]) / 2.0)
    return float(time[i])


_CONF_TYPES = ("log", "log-log", "plain")


def _bands(surv: np.ndarray, se_log: np.ndarray, z: float, conf_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI of S from the standard error of log S, as survfit's ``conf.type``."""
    pos = surv > 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if conf_type == "log":
            lower = np.where(pos, surv * np.exp(-z * se_log), np.nan)
            upper = np.where(pos, np.minimum(1.0, surv * np.exp(z * se_log)), np.nan)
        elif conf_type == "plain":
            lower = np.where(pos, np.maximum(0.0, surv - z * surv * se_log), np.nan)
            upper = np.where(pos, np.minimum(1.0, surv + z * surv * se_log), np.nan)
        else:  # log-log: symmetric on log(-log S); undefined where S is 0 or 1
            xx = np.where(pos & (surv < 1), surv, np.nan)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - z * se_log / np.log(xx)))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + z * se_log / np.log(xx)))
            one = surv >= 1
            lower, upper = np.where(one, 1.0, lower), np.where(one, 1.0, upper)
    return lower, upper


def _weights(weights: Any, n: int) -> np.ndarray:
    w = as_float_1d(weights, "weights")
    if w.shape[0] != n:
        raise StatsError(f"weights has length {w.shape[0]} but time has length {n}")
    if (w < 0).any():
        i = int(np.flatnonzero(w < 0)[0])
        raise StatsError(f"weights must be >= 0; found {int((w < 0).sum())} negative value(s) (first at position {i})")
    return w


def _clusters(cluster: Any, n: int) -> np.ndarray:
    arr = np.asarray(cluster)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatsError(f"cluster must be 1-D with length {n}, got shape {arr.shape}")
    if (arr.dtype.kind == "f" and not np.isfinite(arr).all()) or (
            arr.dtype == object and any(v is None or (isinstance(v, float) and math.isnan(v)) for v in arr)):
        raise StatsError("cluster contains missing values; give every row a cluster id")
    return np.unique(arr, return_inverse=True)[1].reshape(-1)


_VARIANCES = ("greenwood", "robust")


@renamed(conf_level="ci")
def kaplan_meier(time: Any, event: Any, *, ci: float = 0.95, conf_type: str = "log",
                 weights: Any = None, variance: str = "greenwood", cluster: Any = None) -> KaplanMeierCurve:
    r"""Kaplan-Meier estimate with Greenwood variance and a log, log-log or plain CI.

    ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)``; Greenwood
    ``var(log S) = sum_{t_i <= t} d_i / (n_i (n_i - d_i))``. The CI (``conf_type``, as
    ``survfit(conf.type = )``): ``"log"`` (default) ``S exp(-/+ z se)`` capped at 1;
    ``"log-log"`` ``S^exp(+/- z se / log S)`` (symmetric on log(-log S); at S = 1 the interval is
    [1, 1]); ``"plain"`` ``S -/+ z S se`` clipped to [0, 1]; ``se = sqrt(var(log S))``.
    Median survival and its CI (the times where the lower and upper curves cross 0.5) as
    ``print(survfit(...))``. With case ``weights`` (finite, >= 0) ``n_i`` and ``d_i`` are sums of
    weights, as ``survfit(..., weights = w, robust = FALSE)``; the count fields are then float sums
    of weights. ``variance="robust"`` gives the infinitesimal-jackknife (IJ) variance instead of
    Greenwood's, R's default for non-integer weights (``survfit(..., weights = w, robust = TRUE)``),
    optionally summed within ``cluster`` (``cluster = id``: repeated samples of one patient):
    ``var S(t) = S(t)^2 sum_c (sum_{i in c} w_i U_i(t))^2`` with ``U_i`` the derivative of log S(t)
    in the weight of row i (:mod:`._km_ij`); the CI then uses ``se(log S) = std_err / S``, as survfit.

    Parameters
    ----------
    time, event : array-like
        Follow-up times (> 0) and 0/1 event indicators.
    ci : float
        Confidence level. conf_type : {"log", "log-log", "plain"}. weights : array-like, optional.
    variance : {"greenwood", "robust"}
        Greenwood's variance (default) or the infinitesimal jackknife (``robust = TRUE``).
    cluster : array-like, optional
        Cluster ids for the robust variance (needs ``variance="robust"``).

    Returns
    -------
    KaplanMeierCurve

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481; Kalbfleisch JD, Prentice RL (2002). The Statistical
    Analysis of Failure Time Data, 2nd ed., sec. 1.4 (log-log interval).
    R: ``survival::survfit(Surv(time, event) ~ 1, conf.type = , weights = )``.

    Examples
    --------
    >>> km = kaplan_meier([2, 2, 3, 4, 5], [1, 1, 0, 1, 0])
    >>> km.surv.round(4).tolist(), km.median
    ([0.6, 0.6, 0.3, 0.3], 4.0)
    >>> km.at([2.5]).surv.tolist()
    [0.6]
    >>> rob = kaplan_meier([2, 2, 3, 4, 5], [1, 1, 0, 1, 0], weights=[1, 2, 1, 1, 1], variance="robust")
    >>> rob.std_err.round(4).tolist()
    [0.2357, 0.2357, 0.2125, 0.2125]
    """
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    if conf_type not in _CONF_TYPES:
        raise StatsError(f"conf_type must be one of {_CONF_TYPES}, got {conf_type!r}")
    if variance not in _VARIANCES:
        raise StatsError(f"variance must be one of {_VARIANCES}, got {variance!r}")
    if cluster is not None and variance != "robust":
        raise StatsError("cluster= is used by the robust variance only; pass variance='robust' with it")
    t, e = check_time_event(time, event, min_events=0)
    n = t.shape[0]
    w = np.ones(n) if weights is None else _weights(weights, n)
    cl = (np.arange(n) if cluster is None else _clusters(cluster, n)) if variance == "robust" else None
    order = np.argsort(t, kind="stable")
    ts, es, ws = t[order], e[order].astype(np.float64), w[order]
    uniq, first = np.unique(ts, return_index=True)
    n_risk = np.cumsum(ws[::-1])[::-1][first]
    n_event = np.add.reduceat(es * ws, first)
    n_cens = np.add.reduceat((1.0 - es) * ws, first)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(n_risk > 0, 1.0 - n_event / n_risk, 1.0))
        inc = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se_log = np.sqrt(np.cumsum(inc))
    if cl is not None:
        se_log = np.sqrt(robust_var_log(ts, es, ws, cl[order], first, n_risk, n_event))
    z = _st.norm.ppf(0.5 + ci / 2.0)
    lower, upper = _bands(surv, se_log, z, conf_type)
    with np.errstate(invalid="ignore"):
        std_err = np.where(surv > 0, surv * se_log, np.nan)
    as_count = (lambda a: a.astype(np.int64)) if weights is None else (lambda a: a)
    return KaplanMeierCurve(
        time=uniq,
        n_risk=as_count(n_risk),
        n_event=as_count(n_event),
        n_censor=as_count(n_cens),
        surv=surv,
        std_err=std_err,
        lower=lower,
        upper=upper,
        ci=ci,
        median=_quantile_time(uniq, surv, 0.5),
        median_lower=_quantile_time(uniq, lower, 0.5),
        median_upper=_quantile_time(uniq, upper, 0.5),
        n=int(n),
        n_events=int(e.sum()),
        conf_type=conf_type,
        variance=variance,
    )
