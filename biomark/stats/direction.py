"""Direction consistency: does each marker move the way the literature says?

For every marker and endpoint the observed effect is estimated on the marker's own scale (after the
assay conversion, e.g. −ΔCt for qPCR Ct) and compared with the spec's expected sign:

* binary endpoint: Hedges' g (standardised mean difference, positive class minus negative class) with
  the large-sample CI of Hedges & Olkin (1985), ``SE² = (n1+n2)/(n1 n2) + g²/(2(n1+n2))``, and the
  two-sided Mann–Whitney p (``scipy.stats.mannwhitneyu``, asymptotic with tie and continuity
  correction, as R's ``wilcox.test(exact = FALSE)``);
* survival endpoint: univariate Cox log-HR per SD of the marker with its Wald CI and p;
* change endpoint: mean paired difference post − pre with its t CI and the Wilcoxon signed-rank p;
* dose endpoint: Spearman's rho with dose, Fisher-z CI, and its p.

p-values across markers are adjusted by Benjamini–Hochberg (``statsmodels.stats.multitest``). A
marker is ``consistent`` when the observed sign agrees with the spec and the adjusted p < alpha,
``contradicting`` when the sign is opposite and the adjusted p < alpha, ``inconclusive`` otherwise,
and ``unspecified`` when the spec leaves its direction unset. The panel summary adds a one-sided
exact sign test (``scipy.stats.binomtest``, alternative "greater") of the number of markers whose
observed sign agrees among those with a direction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ._errors import StatsError
from ._result import Result
from .coxph import cox

_SIGN = {"up": 1, "risk": 1, "down": -1, "protective": -1}


@dataclass(frozen=True)
class MarkerEffect(Result):
    """The observed effect of one marker on one endpoint, against its expected direction."""

    marker: str
    endpoint: str
    kind: str  # binary | survival | change | dose
    measure: str  # hedges_g | log_hr_per_sd | mean_paired_difference | spearman_rho
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float
    n: int
    expected: str | None  # up/down/risk/protective or None
    observed_sign: int  # +1, -1 or 0
    agrees: bool | None  # observed sign == expected sign (None when no expectation)
    status: str  # consistent | contradicting | inconclusive | unspecified | not_estimable
    note: str = ""


@dataclass(frozen=True)
class DirectionSummary(Result):
    endpoint: str
    effects: tuple[MarkerEffect, ...]
    n_with_direction: int
    n_agreeing: int
    n_consistent: int
    n_contradicting: int
    n_inconclusive: int
    sign_test_p: float | None  # one-sided: P(>= n_agreeing agreements | p = 1/2)
    alpha: float
    contradicting: tuple[str, ...]  # markers that significantly contradict the literature


def hedges_g(x_pos, x_neg, *, ci: float = 0.95) -> tuple[float, float, float, float]:
    """Hedges' g (positive minus negative), its SE and CI (Hedges & Olkin 1985, eq. 5.15).

    Examples
    --------
    >>> g, se, lo, hi = hedges_g([2.1, 2.5, 3.0, 2.8], [1.0, 1.4, 1.9, 1.2])
    >>> round(g, 3), round(se, 3)
    (2.739, 0.984)
    """
    a = np.asarray(x_pos, float)
    b = np.asarray(x_neg, float)
    n1, n2 = a.size, b.size
    if n1 < 2 or n2 < 2:
        raise StatsError("each class needs at least 2 samples for a standardised mean difference")
    sp2 = ((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2)
    if not sp2 > 0:
        raise StatsError("the marker is constant within both classes; no standardised difference")
    d = (a.mean() - b.mean()) / np.sqrt(sp2)
    j = 1 - 3 / (4 * (n1 + n2) - 9)  # small-sample correction
    g = j * d
    se = np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    zc = sps.norm.ppf(0.5 + ci / 2)
    return float(g), float(se), float(g - zc * se), float(g + zc * se)


def _sign(x: float) -> int:
    return 0 if not np.isfinite(x) or x == 0 else (1 if x > 0 else -1)


def _binary(values: np.ndarray, y: np.ndarray, ci: float) -> tuple[str, float, float, float, float, int]:
    ok = np.isfinite(values)
    v, yy = values[ok], y[ok]
    g, _se, lo, hi = hedges_g(v[yy == 1], v[yy == 0], ci=ci)
    p = float(sps.mannwhitneyu(v[yy == 1], v[yy == 0], alternative="two-sided", method="asymptotic").pvalue)
    return "hedges_g", g, lo, hi, p, int(ok.sum())


def _survival(values, time, event, ci):
    ok = np.isfinite(values) & np.isfinite(time) & np.isfinite(event)
    v = values[ok]
    if v.size < 3:
        raise StatsError(f"{v.size} sample(s) with a value; a hazard ratio needs at least 3")
    sd = v.std(ddof=1)
    if not sd > 0:
        raise StatsError("the marker is constant; no hazard ratio")
    r = cox(time[ok], event[ok], {"marker": (v - v.mean()) / sd})
    coef, se, p = float(r.coef[0]), float(r.se[0]), float(r.p[0])
    zc = sps.norm.ppf(0.5 + ci / 2)
    return "log_hr_per_sd", coef, coef - zc * se, coef + zc * se, p, int(ok.sum())


def _change(pre, post, ci):
    ok = np.isfinite(pre) & np.isfinite(post)
    d = post[ok] - pre[ok]
    n = d.size
    if n < 3:
        raise StatsError("a change endpoint needs at least 3 complete pre/post pairs")
    m = d.mean()
    s = d.std(ddof=1)
    if not s > 0:
        raise StatsError("every paired difference is identical; no interval")
    tc = sps.t.ppf(0.5 + ci / 2, n - 1)
    p = float(sps.wilcoxon(d, alternative="two-sided", method="approx", correction=True).pvalue) if np.any(d != 0) else 1.0
    return "mean_paired_difference", float(m), float(m - tc * s / np.sqrt(n)), float(m + tc * s / np.sqrt(n)), p, n


def _dose(values, dose, ci):
    ok = np.isfinite(values) & np.isfinite(dose)
    n = int(ok.sum())
    if n < 4:
        raise StatsError("a dose endpoint needs at least 4 samples")
    res = sps.spearmanr(values[ok], dose[ok])
    rho = float(res.statistic)
    if not np.isfinite(rho):
        raise StatsError("the marker or the dose is constant; no correlation")
    zc = sps.norm.ppf(0.5 + ci / 2)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    se = 1 / np.sqrt(n - 3)
    return "spearman_rho", rho, float(np.tanh(z - zc * se)), float(np.tanh(z + zc * se)), float(res.pvalue), n


def direction_consistency(
    markers: Mapping[str, np.ndarray],
    expected: Mapping[str, str | None],
    *,
    endpoint: str,
    kind: str,
    y: Sequence | np.ndarray | None = None,
    time: Sequence | np.ndarray | None = None,
    event: Sequence | np.ndarray | None = None,
    post: Mapping[str, np.ndarray] | None = None,
    dose: Sequence | np.ndarray | None = None,
    alpha: float = 0.05,
    ci: float = 0.95,
) -> DirectionSummary:
    """Observed effect of every marker against its expected direction for one endpoint.

    Parameters
    ----------
    markers
        Marker id -> values (for ``change`` endpoints: the *pre* values).
    expected
        Marker id -> ``up``/``down``/``risk``/``protective`` or ``None``.
    kind
        ``binary`` (needs ``y`` as 0/1 with 1 the positive class), ``survival`` (``time``, ``event``),
        ``change`` (``post``: marker id -> post values paired with ``markers``), ``dose`` (``dose``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> markers = {"up_marker": rng.normal(size=60) + y, "down_marker": rng.normal(size=60) + y}
    >>> res = direction_consistency(markers, {"up_marker": "up", "down_marker": "down"},
    ...                             endpoint="response", kind="binary", y=y)
    >>> [(e.marker, e.status) for e in res.effects], res.contradicting
    ([('up_marker', 'consistent'), ('down_marker', 'contradicting')], ('down_marker',))
    """
    if kind not in ("binary", "survival", "change", "dose"):
        raise StatsError(f"unknown endpoint kind {kind!r}")
    yy = _binary_outcome(y) if kind == "binary" else None
    rows: list[dict] = []
    for mk, v in ((k, np.asarray(v, dtype=float)) for k, v in markers.items()):
        exp = expected.get(mk)
        try:
            measure, e, lo, hi, p, n = _effect(kind, mk, v, yy, time, event, post, dose, ci)
            rows.append(dict(marker=mk, measure=measure, estimate=e, ci_low=lo, ci_high=hi, p=p, n=n,
                             expected=exp, note=""))
        except StatsError as err:
            rows.append(dict(marker=mk, measure="", estimate=float("nan"), ci_low=float("nan"),
                             ci_high=float("nan"), p=float("nan"), n=int(np.isfinite(v).sum()),
                             expected=exp, note=str(err)))
    adj = _bh(np.array([r["p"] for r in rows], dtype=float))
    effects = [_judge(r, float(q), endpoint, kind, alpha) for r, q in zip(rows, adj, strict=True)]
    with_dir = [e for e in effects if e.expected is not None and e.agrees is not None]
    n_agree = sum(1 for e in with_dir if e.agrees)
    sign_p = float(sps.binomtest(n_agree, len(with_dir), 0.5, alternative="greater").pvalue) if with_dir else None
    return DirectionSummary(
        endpoint=endpoint,
        effects=tuple(effects),
        n_with_direction=len(with_dir),
        n_agreeing=n_agree,
        n_consistent=sum(e.status == "consistent" for e in effects),
        n_contradicting=sum(e.status == "contradicting" for e in effects),
        n_inconclusive=sum(e.status == "inconclusive" for e in effects),
        sign_test_p=sign_p,
        alpha=alpha,
        contradicting=tuple(e.marker for e in effects if e.status == "contradicting"),
    )


def _binary_outcome(y: Sequence | np.ndarray | None) -> np.ndarray:
    if y is None:
        raise StatsError("a binary endpoint needs y")
    yy = np.asarray(y, dtype=float)
    if set(np.unique(yy[np.isfinite(yy)])) - {0.0, 1.0}:
        raise StatsError("y must be coded 0/1 (1 = positive class)")
    return yy


def _effect(kind: str, mk: str, v: np.ndarray, yy: np.ndarray | None, time: Any, event: Any,
            post: Mapping[str, np.ndarray] | None, dose: Any, ci: float) -> tuple[str, float, float, float, float, int]:
    """(measure, estimate, ci_low, ci_high, p, n) of one marker for an endpoint of ``kind``."""
    if kind == "binary":
        assert yy is not None
        return _binary(v, yy, ci)
    if kind == "survival":
        if time is None or event is None:
            raise StatsError("a survival endpoint needs time and event")
        return _survival(v, np.asarray(time, float), np.asarray(event, float), ci)
    if kind == "change":
        if post is None or mk not in post:
            raise StatsError(f"no post-treatment values for marker {mk}")
        return _change(v, np.asarray(post[mk], float), ci)
    if dose is None:
        raise StatsError("a dose endpoint needs dose")
    return _dose(v, np.asarray(dose, float), ci)


def _bh(ps: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values of the finite ``ps`` (nan stays nan)."""
    # imported here: statsmodels.stats.multitest takes ~2 s to import (measured, -X importtime), which
    # `import biomark.stats` should not pay
    from statsmodels.stats.multitest import multipletests

    adj = np.full_like(ps, np.nan)
    ok = np.isfinite(ps)
    if ok.any():
        adj[ok] = multipletests(ps[ok], method="fdr_bh")[1]
    return adj


def _judge(r: dict, q: float, endpoint: str, kind: str, alpha: float) -> MarkerEffect:
    """The marker's status: consistent/contradicting (BH-adjusted p < alpha), inconclusive, ..."""
    s = _sign(r["estimate"])
    exp = r["expected"]
    agrees = None if exp is None or s == 0 else (s == _SIGN[exp])
    if not np.isfinite(r["estimate"]):
        status = "not_estimable"
    elif exp is None:
        status = "unspecified"
    elif q < alpha:
        status = "consistent" if agrees else "contradicting"
    else:
        status = "inconclusive"
    return MarkerEffect(
        marker=r["marker"], endpoint=endpoint, kind=kind, measure=r["measure"], estimate=r["estimate"],
        ci_low=r["ci_low"], ci_high=r["ci_high"], p=r["p"], p_adjusted=q, n=r["n"], expected=exp,
        observed_sign=s, agrees=agrees, status=status, note=r["note"],
    )


def coefficient_signs(coefs: Mapping[str, float], expected: Mapping[str, str | None]) -> dict[str, bool | None]:
    """Whether each fitted coefficient's sign agrees with the spec (None: no expectation or zero).

    Examples
    --------
    >>> coefficient_signs({"a": 0.7, "b": 0.2, "c": -0.1}, {"a": "up", "b": "down", "c": None})
    {'a': True, 'b': False, 'c': None}
    """
    out: dict[str, bool | None] = {}
    for mk, c in coefs.items():
        exp = expected.get(mk)
        s = _sign(float(c))
        out[mk] = None if exp is None or s == 0 else (s == _SIGN[exp])
    return out
