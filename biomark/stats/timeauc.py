"""Cumulative/dynamic time-dependent AUC with inverse-probability-of-censoring weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._compat import renamed
from ._errors import StatsError
from ._ipcw import CensoringKM
from ._result import Result
from ._surv_utils import as_float_1d, check_same_length, check_survival
from .km import kaplan_meier

__all__ = ["TimeAUCComparison", "TimeAUCResult", "compare_time_auc", "time_dependent_auc"]


@dataclass(frozen=True, eq=False)
class TimeAUCResult(Result):
    """AUC(t) at each requested time.

    Attributes
    ----------
    times, auc : numpy.ndarray
        Evaluation times and the cumulative/dynamic AUC at each.
    n_cases, n_controls : numpy.ndarray
        Events up to ``t`` (cases) and observations still event-free after ``t`` (controls).
    mean_auc : float
        AUC(t) averaged over the Kaplan-Meier event distribution on the requested times,
        ``sum_k AUC(t_k) (S(t_{k-1}) - S(t_k)) / (1 - S(t_K))`` with ``S(t_0) = 1`` (the
        summary of scikit-survival's ``cumulative_dynamic_auc``); equal to ``auc[0]`` for a
        single time.
    se, lower, upper : numpy.ndarray
        Standard error of AUC(t) from its iid representation (with the term for estimating the
        censoring weights) and the Wald interval clipped to [0, 1], as riskRegression's ``Score``.
    ci : float
        Level of the intervals.
    """

    times: np.ndarray
    auc: np.ndarray
    n_cases: np.ndarray
    n_controls: np.ndarray
    mean_auc: float
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ci: float


@dataclass(frozen=True, eq=False)
class TimeAUCComparison(Result):
    """Paired comparison of two scores' AUC(t) on the same rows.

    ``diff = auc2 - auc1`` at each time, its standard error from the difference of the two
    influence functions, the Wald interval and two-sided p-value of ``diff = 0``.
    """

    times: np.ndarray
    auc1: np.ndarray
    auc2: np.ndarray
    diff: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p: np.ndarray
    ci: float


def _auc_iid(
    km: CensoringKM, g_minus: np.ndarray, t: np.ndarray, e: np.ndarray, mk: np.ndarray, tk: float
) -> tuple[float, np.ndarray, int, int]:
    """AUC(tk), its influence function (per observation), and the numbers of cases and controls.

    With case weights ``a_i = 1(T_i <= t, delta_i = 1) / G(T_i-)``, controls ``b_j = 1(T_j > t)``,
    ``P_i = sum_j b_j H(m_i, m_j)``, ``Q_j = sum_i a_i H(m_i, m_j)`` (``H`` = 1, 1/2, 0 for >, =, <)
    and ``D = A B / n^2``: ``IF_k = [a_k (P_k - AUC B) + b_k (Q_k - AUC A)] / (n D)`` minus
    ``sum_i a_i (P_i - AUC B) psi_k(T_i-) / (n^2 D)`` for the estimated ``G`` (``1/G(t)`` cancels).
    """
    n = t.shape[0]
    case = (t <= tk) & (e == 1)
    ctrl = t > tk
    n_case, n_ctrl = int(case.sum()), int(ctrl.sum())
    if n_case == 0:
        raise StatsError(
            f"no events at or before time {float(tk):g}: AUC({float(tk):g}) is undefined"
        )
    if n_ctrl == 0:
        raise StatsError(
            f"nobody is still under observation after time {float(tk):g}: AUC({float(tk):g}) is undefined"
        )
    a = np.where(case, 1.0 / g_minus, 0.0)
    ctrl_m = np.sort(mk[ctrl])
    less = np.searchsorted(ctrl_m, mk, side="left")
    leq = np.searchsorted(ctrl_m, mk, side="right")
    p_all = less + 0.5 * (leq - less)  # controls below each marker value
    case_m = mk[case]
    order = np.argsort(case_m)
    cm, cw = case_m[order], a[case][order]
    cum = np.concatenate(([0.0], np.cumsum(cw)))
    above = cum[-1] - cum[np.searchsorted(cm, mk, side="right")]
    tie = cum[np.searchsorted(cm, mk, side="right")] - cum[np.searchsorted(cm, mk, side="left")]
    q_all = above + 0.5 * tie  # case weight above each marker value
    w_case = a[case]
    big_a, big_b = float(w_case.sum()), float(n_ctrl)
    auc = float(
        np.sum(w_case * p_all[case]) / (w_case.sum() * n_ctrl)
    )  # the summation order of before
    d = big_a * big_b / n**2
    w = a * (p_all - auc * big_b)
    infl = (w + np.where(ctrl, q_all - auc * big_a, 0.0)) / (n * d) - km.term(w, 0.0, tk) / (
        n**2 * d
    )
    return auc, infl, n_case, n_ctrl


@renamed(marker="risk")
def time_dependent_auc(
    time: Any, event: Any, risk: Any, times: Any, *, ci: float = 0.95
) -> TimeAUCResult:
    r"""Cumulative/dynamic AUC(t) with IPCW (Uno et al. 2007; Blanche et al. 2013).

    Cases at ``t`` are the subjects with an event at or before ``t``, controls those still
    under observation after ``t``; a case ``i`` is weighted by ``1 / G(T_i-)`` where ``G`` is
    the Kaplan-Meier estimate of the censoring distribution (controls all carry ``1/G(t)``,
    which cancels)::

        AUC(t) = sum_i sum_j  d_i 1(T_i <= t) 1(T_j > t) [1(m_i > m_j) + 0.5 1(m_i = m_j)] / G(T_i-)
                 -------------------------------------------------------------------------
                 (sum_i d_i 1(T_i <= t) / G(T_i-)) * #{j : T_j > t}

    Higher ``risk`` (was ``marker``) means a shorter time to the event. Each time costs O(n log n) (sorted controls and
    ``searchsorted``). At tied times deaths are taken to precede censorings when estimating
    ``G`` (as for Uno's C in :func:`biomark.stats.concordance`); for untied data the result
    equals scikit-survival's ``cumulative_dynamic_auc`` fitted and evaluated on the same data.

    The standard error is ``sd(IF) / sqrt(n)`` of the iid representation of Blanche et al. (2013),
    including the term from estimating ``G`` by Kaplan-Meier, as riskRegression's ``Score(...,
    metrics = "auc", cens.model = "km")`` computes it (2022.11.28); the interval is Wald, clipped to
    [0, 1]. :func:`compare_time_auc` compares two scores on the same rows.

    References
    ----------
    Uno H, Cai T, Tian L, Wei LJ (2007) JASA 102:527. Blanche P, Dartigues JF,
    Jacqmin-Gadda H (2013) Stat Med 32:5381. Hung H, Chiang CT (2010) Can J Stat 38:8.

    Examples
    --------
    >>> r = time_dependent_auc([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], [4, 1, 3, 2, 0], [1.5, 3.5])
    >>> r.auc.round(4).tolist(), r.n_cases.tolist()
    ([1.0, 1.0], [1, 2])
    """
    t, e, mk = check_survival(time, event, risk, "risk")
    tq = _times(times)
    km = CensoringKM(t, e)
    g_minus = km.before()
    k_n = tq.shape[0]
    aucs, se = np.empty(k_n), np.empty(k_n)
    n_cases = np.empty(k_n, dtype=np.int64)
    n_ctrl = np.empty(k_n, dtype=np.int64)
    for k, tk in enumerate(tq):
        aucs[k], infl, n_cases[k], n_ctrl[k] = _auc_iid(km, g_minus, t, e, mk, tk)
        se[k] = float(np.std(infl, ddof=1) / np.sqrt(t.shape[0]))
    z = float(_st.norm.ppf(0.5 + ci / 2))
    if tq.shape[0] == 1:
        mean_auc = float(aucs[0])
    else:
        s = kaplan_meier(t, e).at(tq, extend=True).surv
        dsurv = -np.diff(np.concatenate(([1.0], s)))
        denom = 1.0 - s[-1]
        mean_auc = float(np.sum(aucs * dsurv) / denom) if denom > 0 else float("nan")
    return TimeAUCResult(
        times=tq,
        auc=aucs,
        n_cases=n_cases,
        n_controls=n_ctrl,
        mean_auc=mean_auc,
        se=se,
        lower=np.maximum(0.0, aucs - z * se),
        upper=np.minimum(1.0, aucs + z * se),
        ci=ci,
    )


def _times(times: Any) -> np.ndarray:
    tq = as_float_1d(np.atleast_1d(times), "times")
    if tq.size == 0:
        raise StatsError("times is empty")
    return tq


def compare_time_auc(
    time: Any, event: Any, risk1: Any, risk2: Any, times: Any, *, ci: float = 0.95
) -> TimeAUCComparison:
    r"""Paired comparison of AUC(t) of two scores on the same rows: ``auc2 - auc1`` with SE and p-value.

    The standard error is ``sd(IF_2 - IF_1) / sqrt(n)`` from the iid representations of the two
    AUC(t) estimates (see :func:`time_dependent_auc`), which share the censoring weights; the test
    is the Wald ``z = diff / se``. R: the ``contrasts`` table of riskRegression's ``Score(...,
    metrics = "auc")`` (``delta.AUC`` of a model against the reference); timeROC's ``compare``.

    References
    ----------
    Blanche P, Dartigues JF, Jacqmin-Gadda H (2013) Stat Med 32:5381.

    Examples
    --------
    >>> c = compare_time_auc([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 1, 0, 1, 0],
    ...                      [5, 4, 1, 3, 2, 0, 1, 0], [3, 1, 2, 4, 0, 5, 2, 1], [4.5])
    >>> round(float(c.auc1[0]), 3), round(float(c.auc2[0]), 3)
    (1.0, 0.633)
    """
    t, e, m1 = check_survival(time, event, risk1, "risk1")
    m2 = as_float_1d(risk2, "risk2")
    check_same_length(t.shape[0], m2, "risk2")
    tq = _times(times)
    km = CensoringKM(t, e)
    g_minus = km.before()
    cols = {k: np.empty(tq.size) for k in ("auc1", "auc2", "se")}
    n = t.shape[0]
    for k, tk in enumerate(tq):
        cols["auc1"][k], if1, _, _ = _auc_iid(km, g_minus, t, e, m1, tk)
        cols["auc2"][k], if2, _, _ = _auc_iid(km, g_minus, t, e, m2, tk)
        cols["se"][k] = float(np.std(if2 - if1, ddof=1) / np.sqrt(n))
    diff = cols["auc2"] - cols["auc1"]
    z = float(_st.norm.ppf(0.5 + ci / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2.0 * _st.norm.sf(np.abs(diff / cols["se"]))
    return TimeAUCComparison(
        times=tq,
        auc1=cols["auc1"],
        auc2=cols["auc2"],
        diff=diff,
        se=cols["se"],
        lower=diff - z * cols["se"],
        upper=diff + z * cols["se"],
        p=p,
        ci=ci,
    )
