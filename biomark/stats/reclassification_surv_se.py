"""Bootstrap standard errors of the survival NRI and IDI at a horizon ``t`` (issue 16).

:func:`nri_idi_at_se` resamples the samples (time, event and the two models' predicted risks together; the models
are not refitted, as ``Hmisc::improveProb``'s SEs also hold the predictions fixed) ``B`` times with replacement from
a seeded generator, recomputes every statistic of :func:`biomark.stats.reclassification_surv.nri_idi_at` on each
resample, and reports the standard deviation of the ``B`` values (``ddof = 1``) as the SE, a Wald p
``2 Phi(-|est / SE|)`` and interval ``est -/+ z SE``. Resampling is the approach of Uno et al. (2013), whose
``survIDINRI`` perturbs the sample with exponential weights; the nonparametric bootstrap is the same idea with
multinomial weights (Efron & Tibshirani 1993, ch. 6). A resample without an event by ``t`` or without anyone
followed beyond it has no estimate: it is left out and counted (``n_failed``).

Each resample is a vector of multiplicities ``w_i`` (how often sample ``i`` was drawn), so the Kaplan-Meier
estimates and the censoring weights are computed with frequency weights, all resamples at once on the time-sorted
data (memory ``O(B n)``). With ``w = 1`` these are exactly the estimates of :func:`nri_idi_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result
from .reclassification_surv import _check_t, _inputs, nri_idi_at

__all__ = ["SurvivalReclassificationSE", "nri_idi_at_se", "weighted_nri_idi_at"]

_NAMES = ("nri", "nri_events", "nri_nonevents", "idi")


@dataclass(frozen=True)
class SurvivalReclassificationSE(Result):
    """Point estimates (as :func:`nri_idi_at`) with bootstrap SE, Wald p and interval of the NRI (total, events,
    non-events) and the IDI; ``B`` resamples, of which ``n_failed`` had no estimate; ``ci`` the interval level."""

    t: float
    n: int
    nri: float
    se_nri: float
    p_nri: float
    ci_nri: tuple[float, float]
    nri_events: float
    se_nri_events: float
    p_nri_events: float
    nri_nonevents: float
    se_nri_nonevents: float
    p_nri_nonevents: float
    idi: float
    se_idi: float
    p_idi: float
    ci_idi: tuple[float, float]
    B: int
    n_failed: int
    seed: int | None
    ci: float
    method: str


def _group_sums(W: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of the columns of ``W`` (time-sorted) within each distinct time: ``(B, K)``."""
    return np.add.reduceat(W, starts, axis=1)


def _km_at_w(W: np.ndarray, ev: np.ndarray, starts: np.ndarray, utimes: np.ndarray, t: float) -> np.ndarray:
    """Weighted Kaplan-Meier S(t) per row of ``W`` (1.0 for an empty group), as survfit with case weights."""
    d = _group_sums(W * ev, starts)
    n_risk = np.cumsum(_group_sums(W, starts)[:, ::-1], axis=1)[:, ::-1]
    keep = utimes <= t
    d, n_risk = d[:, keep], n_risk[:, keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(d > 0, 1.0 - d / np.where(n_risk > 0, n_risk, 1.0), 1.0)
    return np.prod(f, axis=1)


def weighted_nri_idi_at(time: Any, event: Any, risk_old: Any, risk_new: Any, t: float,
                        weights: Any) -> np.ndarray:
    r"""NRI (total, events, non-events) and IDI at ``t`` for each row of frequency ``weights``: ``(B, 4)``.

    The formulas of :func:`biomark.stats.reclassification_surv.nri_idi_at` with every sum weighted:
    ``P(up) = sum_up w / sum w``, Kaplan-Meier with ``d(u) = sum_{T_i = u, d_i = 1} w_i`` deaths among
    ``n(u) = sum_{T_i >= u} w_i`` at risk, the censoring KM likewise, and weighted IPCW means. A row whose estimate
    is undefined (no event by ``t``, nobody beyond it) gives NaN.

    Examples
    --------
    >>> time, event = [1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 0]
    >>> old, new = [.5, .4, .3, .3, .2, .1], [.6, .5, .2, .2, .1, .1]
    >>> np.round(weighted_nri_idi_at(time, event, old, new, 4.5, np.ones((1, 6))), 3).tolist()
    [[0.712, 0.15, 0.562, 0.07]]
    """
    tt, ee, a, b = _inputs(time, event, risk_old, risk_new)
    W = np.atleast_2d(np.asarray(weights, float))
    if W.shape[1] != tt.size or (W < 0).any() or not np.isfinite(W).all():
        raise StatsError("weights must be finite, non-negative and one column per sample")
    t = float(t)
    order = np.argsort(tt, kind="stable")
    tt, ee, a, b, W = tt[order], ee[order], a[order], b[order], W[:, order]
    utimes, starts = np.unique(tt, return_index=True)
    up, down = (b > a).astype(float), (b < a).astype(float)
    tot = W.sum(axis=1)
    pu, pd_ = (W * up).sum(axis=1) / tot, (W * down).sum(axis=1) / tot
    s_all = _km_at_w(W, ee, starts, utimes, t)
    su, sd = _km_at_w(W * up, ee, starts, utimes, t), _km_at_w(W * down, ee, starts, utimes, t)
    # censoring KM just before each distinct time (censorings at u are after the deaths at u, as in nri_idi_at)
    c = _group_sums(W * (1.0 - ee), starts)
    n_risk = np.cumsum(_group_sums(W, starts)[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(c > 0, 1.0 - c / np.where(n_risk > 0, n_risk, 1.0), 1.0)
    g_left = np.concatenate([np.ones((W.shape[0], 1)), np.cumprod(fac, axis=1)[:, :-1]], axis=1)  # G(u_k-)
    k_of = np.searchsorted(utimes, tt)
    k_t = int(np.searchsorted(utimes, t, side="left"))  # G(t-): censoring times < t
    g_t = np.cumprod(fac, axis=1)[:, k_t - 1] if k_t > 0 else np.ones(W.shape[0])
    case = ((tt <= t) & (ee == 1)).astype(float)
    ctrl = (tt > t).astype(float)
    dlt = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        wc = np.where(W * case > 0, W * case / g_left[:, k_of], 0.0)  # G can reach 0 after the last draw
        wn = np.where(W * ctrl > 0, W * ctrl / g_t[:, None], 0.0)
        idi_e = (wc * dlt).sum(axis=1) / wc.sum(axis=1)
        idi_ne = (wn * dlt).sum(axis=1) / wn.sum(axis=1)
        nri_e = ((1 - su) * pu - (1 - sd) * pd_) / (1 - s_all)
        nri_ne = (sd * pd_ - su * pu) / s_all
    out = np.column_stack([nri_e + nri_ne, nri_e, nri_ne, idi_e - idi_ne])
    bad = ((W * case).sum(axis=1) == 0) | ((W * ctrl).sum(axis=1) == 0)
    out[bad] = np.nan
    out[~np.isfinite(out).all(axis=1)] = np.nan
    return out


def nri_idi_at_se(time: Any, event: Any, risk_old: Any, risk_new: Any, t: float, *, B: int = 200, seed: int = 0,
                  ci: float = 0.95, indices: Any = None, batch: int = 50) -> SurvivalReclassificationSE:
    """NRI and IDI at ``t`` with bootstrap SEs (see the module docstring for the method and references).

    Parameters
    ----------
    time, event, risk_old, risk_new, t
        As :func:`biomark.stats.reclassification_surv.nri_idi_at`.
    B, seed
        Number of resamples and the seed of ``numpy.random.default_rng`` that draws them (``rng.integers(0, n,
        size=(B, n))``).
    ci
        Level of the Wald interval ``est -/+ z_{(1+ci)/2} SE``.
    indices
        Optional ``(B, n)`` 0-based row indices of the resamples (instead of ``B`` and ``seed``), e.g. to compare
        with another implementation on the same resamples.
    batch
        Resamples per vectorised batch (memory ``batch x n``; results do not depend on it).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> time = rng.exponential(5, 80).round(2) + 0.01
    >>> event = (rng.uniform(size=80) < 0.7).astype(int)
    >>> old = rng.uniform(0.1, 0.6, 80)
    >>> new = np.clip(old + rng.normal(0, 0.1, 80), 0, 1)
    >>> r = nri_idi_at_se(time, event, old, new, 3.0, B=50, seed=2)
    >>> r.B, r.se_nri > 0, r.n_failed
    (50, True, 0)
    """
    tt, ee, a, b = _inputs(time, event, risk_old, risk_new)
    t = float(t)
    _check_t(tt, ee, t)
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    n = tt.size
    if indices is None:
        if int(B) < 2:
            raise StatsError(f"B must be at least 2 resamples, got {B!r}")
        idx = np.random.default_rng(seed).integers(0, n, size=(int(B), n))
    else:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != n or idx.min() < 0 or idx.max() >= n:
            raise StatsError(f"indices must be a (B, {n}) array of row numbers 0..{n - 1}")
        seed = None
    est = nri_idi_at(tt, ee, a, b, t)
    vals = []
    for lo in range(0, idx.shape[0], batch):
        part = idx[lo:lo + batch]
        W = np.zeros((part.shape[0], n))
        np.add.at(W, (np.repeat(np.arange(part.shape[0]), n), part.ravel()), 1.0)
        vals.append(weighted_nri_idi_at(tt, ee, a, b, t, W))
    V = np.vstack(vals)
    ok = np.isfinite(V).all(axis=1)
    if ok.sum() < 2:
        raise StatsError(f"horizon {t:g}: fewer than 2 bootstrap resamples have an event by t and follow-up beyond it")
    se = V[ok].std(axis=0, ddof=1)
    z = float(_st.norm.ppf(0.5 + ci / 2))
    point = (est.nri, est.nri_events, est.nri_nonevents, est.idi)
    p = [float(2 * _st.norm.sf(abs(v / s))) if s > 0 else float("nan") for v, s in zip(point, se, strict=True)]
    return SurvivalReclassificationSE(
        t=t, n=n, nri=est.nri, se_nri=float(se[0]), p_nri=p[0], ci_nri=(est.nri - z * se[0], est.nri + z * se[0]),
        nri_events=est.nri_events, se_nri_events=float(se[1]), p_nri_events=p[1], nri_nonevents=est.nri_nonevents,
        se_nri_nonevents=float(se[2]), p_nri_nonevents=p[2], idi=est.idi, se_idi=float(se[3]), p_idi=p[3],
        ci_idi=(est.idi - z * se[3], est.idi + z * se[3]), B=int(idx.shape[0]), n_failed=int((~ok).sum()),
        seed=seed, ci=ci, method="nonparametric bootstrap of the samples (risks held fixed), SD of the B estimates; "
                               "Wald p and interval")
