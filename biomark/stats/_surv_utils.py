"""Input checks shared by the survival statistics (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import StatsError


def as_float_1d(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array; raise StatsError for nan/inf or a wrong shape."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        arr = np.squeeze(arr)
        if arr.ndim != 1:
            raise StatsError(f"{name} must be one-dimensional, got shape {np.shape(values)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StatsError(
            f"{name} contains {int(bad.sum())} missing or non-finite value(s) (first at position {i}); "
            "drop or impute them before calling"
        )
    return arr


def check_time_event(time: Any, event: Any, *, min_events: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Validate right-censored survival data.

    Returns ``(time, event)`` as float64 and int8 arrays. ``time`` must be finite and strictly
    positive; ``event`` must be 0/1 (or boolean); at least ``min_events`` events are required.
    """
    t = as_float_1d(time, "time")
    ev = np.asarray(event)
    if ev.dtype == bool:
        e = ev.astype(np.int8)
    else:
        ef = as_float_1d(ev, "event")
        if not np.isin(ef, (0.0, 1.0)).all():
            bad = np.unique(ef[~np.isin(ef, (0.0, 1.0))])[:5]
            raise StatsError(
                f"event must be coded 0 (censored) / 1 (event); found value(s) {bad.tolist()}"
            )
        e = ef.astype(np.int8)
    if e.ndim != 1:
        raise StatsError("event must be one-dimensional")
    if t.shape[0] != e.shape[0]:
        raise StatsError(f"time and event have different lengths ({t.shape[0]} vs {e.shape[0]})")
    if t.shape[0] == 0:
        raise StatsError("no observations")
    if (t <= 0).any():
        i = int(np.flatnonzero(t <= 0)[0])
        raise StatsError(
            f"time must be strictly positive; found {int((t <= 0).sum())} value(s) <= 0 "
            f"(first at position {i}: {t[i]!r})"
        )
    n_ev = int(e.sum())
    if n_ev < min_events:
        if n_ev == 0:
            raise StatsError("no events: every observation is censored, the statistic is undefined")
        raise StatsError(f"at least {min_events} events are needed, found {n_ev}")
    return t, e


def check_survival(time: Any, event: Any, values: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The one check of (time, event, score) inputs: :func:`check_time_event`, then ``values`` as
    finite floats of the same length, reported under ``name`` (``risk``, ``score``)."""
    t, e = check_time_event(time, event)
    x = as_float_1d(values, name)
    check_same_length(t.shape[0], x, name)
    return t, e, x


def check_same_length(n: int, arr: np.ndarray, name: str) -> None:
    if arr.shape[0] != n:
        raise StatsError(f"{name} has length {arr.shape[0]} but time has length {n}")


def censoring_survival(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Kaplan-Meier estimate of the censoring distribution, left limit ``G(t-)`` at each time.

    Censoring is the "event" here. At a tied time deaths are taken to precede censorings: the
    risk set for the censorings at ``t`` excludes the deaths at ``t``, and ``G(t-)`` used for a
    death at ``t`` excludes the censorings at ``t``. This is the convention of
    ``survival::concordance`` (its internal ``fastkm1``), which differs slightly from
    ``survfit(Surv(time, 1 - event) ~ 1)``.
    """
    order = np.argsort(time, kind="stable")
    ts = time[order]
    cs = (event[order] == 0).astype(np.float64)
    uniq, first = np.unique(ts, return_index=True)
    n = ts.shape[0]
    n_risk = n - first
    n_cens = np.add.reduceat(cs, first)
    n_dead = np.add.reduceat(1.0 - cs, first)
    at_risk = n_risk - n_dead
    factor = 1.0 - np.divide(n_cens, at_risk, out=np.zeros_like(n_cens), where=at_risk > 0)
    g_after = np.cumprod(factor)
    g_before = np.concatenate(([1.0], g_after[:-1]))
    idx = np.searchsorted(uniq, time)
    return g_before[idx]
