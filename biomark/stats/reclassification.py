"""Reclassification: continuous and categorical net reclassification improvement (NRI) and the IDI.

Pencina, D'Agostino & Vasan (2008) Stat Med 27:157; Pencina, D'Agostino & Steyerberg (2011) Stat Med 30:11.
The continuous NRI and the IDI are computed exactly as ``Hmisc::improveProb`` (Hmisc 4.8.0), including its
standard errors. Known caveat: the NRI can reward a miscalibrated new model (Pepe et al. 2015, Stat Med 34:110;
Kerr et al. 2014, Epidemiology 25:114); report it beside the likelihood-ratio test, not instead of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result

__all__ = ["CategoricalNRI", "ImproveProb", "categorical_nri", "improve_prob"]


@dataclass(frozen=True)
class ImproveProb(Result):
    """Continuous NRI and IDI of a new model's risks over an old model's, as ``Hmisc::improveProb``.

    ``nri = nri_events + nri_nonevents``; each with ``se_*``, ``z_*`` and two-sided ``p_*``; ``pup_ev`` etc.
    are the proportions of events/non-events whose risk went up/down; ``idi`` the integrated discrimination
    improvement (difference of discrimination slopes) with ``se_idi``; ``improve_sens`` / ``improve_spec``
    the mean risk change among events / minus that among non-events; intervals at level ``ci``.
    """

    n: int
    n_events: int
    n_nonevents: int
    pup_ev: float
    pdown_ev: float
    pup_ne: float
    pdown_ne: float
    nri: float
    se_nri: float
    z_nri: float
    p_nri: float
    nri_events: float
    se_nri_events: float
    z_nri_events: float
    p_nri_events: float
    nri_nonevents: float
    se_nri_nonevents: float
    z_nri_nonevents: float
    p_nri_nonevents: float
    improve_sens: float
    improve_spec: float
    idi: float
    se_idi: float
    z_idi: float
    p_idi: float
    nri_ci: tuple[float, float]
    idi_ci: tuple[float, float]
    ci: float


def _inputs(y: Any, p_old: Any, p_new: Any, bounded: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yy = np.asarray(y, dtype=float)
    a = np.asarray(p_old, dtype=float)
    b = np.asarray(p_new, dtype=float)
    if yy.ndim != 1 or a.shape != yy.shape or b.shape != yy.shape:
        raise StatsError(f"y, p_old and p_new must be 1-D of one length; got {yy.shape}, {a.shape}, {b.shape}")
    if np.isnan(yy).any() or np.isnan(a).any() or np.isnan(b).any():
        raise StatsError("y, p_old and p_new must have no missing values; drop incomplete samples first")
    if not np.isin(yy, (0.0, 1.0)).all() or yy.min() == yy.max():
        raise StatsError("y must hold 0 (non-event) and 1 (event), both present")
    if bounded and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) > 1):
        raise StatsError("p_old and p_new must be predicted risks in [0, 1]")
    return yy == 1, a, b


def _nri_parts(d: np.ndarray, ev: np.ndarray) -> dict[str, float]:
    """NRI for events and non-events and their SEs from the signs of the change ``d`` (Hmisc formulas)."""
    na, nb = float(ev.sum()), float((~ev).sum())
    up_ev, dn_ev = float((d[ev] > 0).sum()), float((d[ev] < 0).sum())
    up_ne, dn_ne = float((d[~ev] > 0).sum()), float((d[~ev] < 0).sum())
    v_ev = (up_ev + dn_ev) / na**2 - (up_ev - dn_ev) ** 2 / na**3
    v_ne = (dn_ne + up_ne) / nb**2 - (dn_ne - up_ne) ** 2 / nb**3
    return {"pup_ev": up_ev / na, "pdown_ev": dn_ev / na, "pup_ne": up_ne / nb, "pdown_ne": dn_ne / nb,
            "nri_events": (up_ev - dn_ev) / na, "se_nri_events": float(np.sqrt(v_ev)),
            "nri_nonevents": (dn_ne - up_ne) / nb, "se_nri_nonevents": float(np.sqrt(v_ne)),
            "se_nri": float(np.sqrt(v_ev + v_ne))}


def _zp(est: float, se: float) -> tuple[float, float]:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.float64(est) / np.float64(se))
    return z, float(2.0 * _st.norm.sf(abs(z))) if np.isfinite(z) else float("nan")


def improve_prob(y: Any, p_old: Any, p_new: Any, *, ci: float = 0.95) -> ImproveProb:
    r"""Continuous (category-free) NRI and IDI of ``p_new`` over ``p_old``, as ``Hmisc::improveProb(p_old, p_new, y)``.

    With ``d = p_new - p_old``, ``u_e, w_e`` the numbers of events with ``d > 0`` / ``d < 0`` among ``n_e``
    events (``u_n, w_n`` among ``n_n`` non-events)::

        NRI_e = (u_e - w_e)/n_e,   var = (u_e + w_e)/n_e^2 - (u_e - w_e)^2/n_e^3
        NRI_n = (w_n - u_n)/n_n,   var likewise;   NRI = NRI_e + NRI_n,  var = var_e + var_n
        IDI   = mean(d | event) - mean(d | non-event),  var = s^2(d|event)/n_e + s^2(d|non-event)/n_n

    p-values two-sided normal, intervals ``est -/+ z se`` as ``print.improveProb``.

    Examples
    --------
    >>> r = improve_prob([0, 0, 1, 1, 0, 1], [0.2, 0.4, 0.3, 0.6, 0.5, 0.7], [0.1, 0.5, 0.5, 0.8, 0.3, 0.6])
    >>> round(r.nri, 4), round(r.idi, 4)
    (0.6667, 0.1667)
    """
    if not 0 < ci < 1:
        raise StatsError(f"ci must be in (0, 1), got {ci!r}")
    ev, a, b = _inputs(y, p_old, p_new, bounded=True)
    d = b - a
    parts = _nri_parts(d, ev)
    nri = parts["nri_events"] + parts["nri_nonevents"]
    na, nb = int(ev.sum()), int((~ev).sum())
    idi = float(d[ev].mean() - d[~ev].mean())
    se_idi = float(np.sqrt(d[ev].var(ddof=1) / na + d[~ev].var(ddof=1) / nb))
    q = float(_st.norm.ppf(0.5 + ci / 2.0))
    z_nri, p_nri = _zp(nri, parts["se_nri"])
    z_e, p_e = _zp(parts["nri_events"], parts["se_nri_events"])
    z_n, p_n = _zp(parts["nri_nonevents"], parts["se_nri_nonevents"])
    z_idi, p_idi = _zp(idi, se_idi)
    return ImproveProb(
        n=int(ev.size), n_events=na, n_nonevents=nb, nri=nri, z_nri=z_nri, p_nri=p_nri, z_nri_events=z_e,
        p_nri_events=p_e, z_nri_nonevents=z_n, p_nri_nonevents=p_n, **parts,
        improve_sens=float(d[ev].sum() / na), improve_spec=float(-d[~ev].sum() / nb), idi=idi, se_idi=se_idi,
        z_idi=z_idi, p_idi=p_idi, nri_ci=(nri - q * parts["se_nri"], nri + q * parts["se_nri"]),
        idi_ci=(idi - q * se_idi, idi + q * se_idi), ci=ci)


@dataclass(frozen=True, eq=False)
class CategoricalNRI(Result):
    """Categorical NRI over risk categories, with the reclassification tables.

    ``categories`` are the labels (``"<0.1"``, ``"0.1-<0.3"``, ``">=0.3"``); ``table_events`` and
    ``table_nonevents`` are ``k x k`` counts (rows: old model's category, columns: new model's);
    NRI parts, SEs and p as in :class:`ImproveProb` with "up" meaning a higher category.
    """

    cutoffs: tuple[float, ...]
    categories: tuple[str, ...]
    table_events: np.ndarray = field(repr=False)
    table_nonevents: np.ndarray = field(repr=False)
    nri: float = 0.0
    se_nri: float = 0.0
    p_nri: float = 1.0
    nri_events: float = 0.0
    se_nri_events: float = 0.0
    p_nri_events: float = 1.0
    nri_nonevents: float = 0.0
    se_nri_nonevents: float = 0.0
    p_nri_nonevents: float = 1.0
    n_events: int = 0
    n_nonevents: int = 0


def _labels(cuts: Sequence[float]) -> tuple[str, ...]:
    inner = [f"{lo:g}-<{hi:g}" for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)]
    return (f"<{cuts[0]:g}", *inner, f">={cuts[-1]:g}")


def categorical_nri(y: Any, p_old: Any, p_new: Any, cutoffs: Sequence[float]) -> CategoricalNRI:
    r"""Categorical NRI of ``p_new`` over ``p_old`` for risk cut-offs (Pencina et al. 2008).

    A risk ``p`` falls in category ``k = #{c in cutoffs : p >= c}`` (intervals closed on the left, as
    ``cut(p, c(-Inf, cutoffs, Inf), right = FALSE)``). A sample moves up when its category under ``p_new``
    is higher; NRI and SEs are those of :func:`improve_prob` on the category numbers (Pencina's McNemar-type
    variance), so R's ``Hmisc::improveProb(k_old / K, k_new / K, y)`` gives the same numbers.

    Examples
    --------
    >>> r = categorical_nri([0, 0, 1, 1, 0, 1], [0.2, 0.4, 0.05, 0.6, 0.5, 0.25], [0.1, 0.5, 0.15, 0.8, 0.2, 0.35], [0.1, 0.3])
    >>> r.categories, round(r.nri, 4)
    (('<0.1', '0.1-<0.3', '>=0.3'), 1.0)
    """
    cuts = tuple(float(c) for c in cutoffs)
    if not cuts or any(not 0 < c < 1 for c in cuts) or any(b <= a for a, b in zip(cuts[:-1], cuts[1:], strict=False)):
        raise StatsError(f"risk cut-offs must be increasing and strictly between 0 and 1, got {list(cutoffs)}")
    ev, a, b = _inputs(y, p_old, p_new, bounded=True)
    edges = np.asarray(cuts)
    ka = np.searchsorted(edges, a, side="right")
    kb = np.searchsorted(edges, b, side="right")
    k = len(cuts) + 1
    tab_e = np.zeros((k, k), dtype=np.int64)
    tab_n = np.zeros((k, k), dtype=np.int64)
    np.add.at(tab_e, (ka[ev], kb[ev]), 1)
    np.add.at(tab_n, (ka[~ev], kb[~ev]), 1)
    parts = _nri_parts((kb - ka).astype(float), ev)
    nri = parts["nri_events"] + parts["nri_nonevents"]
    return CategoricalNRI(
        cutoffs=cuts, categories=_labels(cuts), table_events=tab_e, table_nonevents=tab_n, nri=nri,
        se_nri=parts["se_nri"], p_nri=_zp(nri, parts["se_nri"])[1], nri_events=parts["nri_events"],
        se_nri_events=parts["se_nri_events"], p_nri_events=_zp(parts["nri_events"], parts["se_nri_events"])[1],
        nri_nonevents=parts["nri_nonevents"], se_nri_nonevents=parts["se_nri_nonevents"],
        p_nri_nonevents=_zp(parts["nri_nonevents"], parts["se_nri_nonevents"])[1],
        n_events=int(ev.sum()), n_nonevents=int((~ev).sum()))
