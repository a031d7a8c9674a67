"""Power behind the screen's "not replicated" verdict, simulated from the claim's spec.

For one claim (a panel's markers in the cohort, their published signs ``s_j`` for the endpoint, and
the smallest effect of interest) :func:`claim_power` draws ``reps`` cohorts with
:mod:`biomark.synthetic`'s simulator (:func:`biomark.synthetic.endpoints.draw_endpoint`, the latent
step of :func:`biomark.synthetic.simulate`: multivariate normal markers with correlation ``R``,
binary case/control shift or Weibull-Cox survival with tuned censoring), at the cohort's own ``n``,
number of cases (binary) or censoring fraction (survival), and runs the claim's own test on each:

* binary: AUC of the ``signed_z`` score (cohort-standardised markers, signed, averaged) with
  higher = case, DeLong SE, two-sided z test against 0.5; a hit is AUC > 0.5 and p < ``alpha``;
* survival: Cox model of the standardised score, Wald test; a hit is HR > 1 and p < ``alpha``.

Calibration (analytic, no search). ``R`` is the cohort's own correlation of the claim's markers
(median-imputed, Pearson; the expression only, never the outcome), made positive definite. Every
marker gets the same absolute effect ``e`` in its published direction (``delta_j = e s_j``):

* binary: the score's AUC is ``Phi(w'delta / sqrt(2 w'R w))`` with ``w = s / k`` (the simulator's
  ``true_auc_signed_z``), so ``e = sqrt(2) Phi^-1(AUC) sqrt(s'R s) / k``;
* survival: the linear predictor ``e s'X`` is the score itself, whose SD is ``sqrt(s'R s) / k``,
  so the HR per SD of the score is ``exp(e sqrt(s'R s))`` and ``e = log(HR) / sqrt(s'R s)``.

Both are checked against the simulator's own truth (``true_auc_signed_z``, ``linear_predictor_sd``).

The tests are vectorised over the replicates: DeLong placements from mid-ranks (as
``pROC::ci.auc(method = "delong")``, equal to :func:`biomark.stats.roc_auc` to 1e-12 in the tests)
and a one-covariate Cox Newton-Raphson on Breslow risk sets (equal to Efron's when no times are
tied; a replicate with tied event times is refitted by :func:`biomark.stats.cox`). Power is the hit
rate with its Monte-Carlo SE ``sqrt(p (1 - p) / reps)``; at level ``alpha`` before the BH step, so
an upper bound for the screen's own rule. References: DeLong, DeLong & Clarke-Pearson 1988
(Biometrics 44:837); Bender, Augustin & Blettner 2005 (Stat Med 24:1713). A one-marker check against
``pROC::power.roc.test`` (Obuchowski & McClish 1997) and the Hsieh & Lavori 2000 formula is in
tests/test_screen_power.py (tests/data/R/screen_power.Rout).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from biomark.synthetic.endpoints import (
    _TIME_DEFAULTS,
    Design,
    EndpointOptions,
    _censoring_rate,
    draw_endpoint,
)

METHOD = ("simulated from the spec with biomark.synthetic (draw_endpoint: correlated normal markers, the cohort's "
          "own marker correlation, every marker shifted by the same effect in its published direction, calibrated "
          "analytically so the signed_z score has AUC = auc / HR per SD = hr of --smallest-effect); the cohort's n "
          "and cases (binary) or censoring fraction (survival, Weibull-Cox); the claim's own test (DeLong AUC > 0.5 "
          "/ Cox Wald HR > 1) at level alpha, before BH; one seed per claim")


@dataclass(frozen=True)
class ClaimPower:
    """Simulated power of one claim's test at the smallest effect of interest."""

    power: float
    mc_se: float
    reps: int
    target: float  # AUC (binary) or HR per SD (survival) of the score
    effect_per_marker: float  # e: mean shift in SD (binary) or log-HR per SD (survival)
    correlation: tuple[tuple[float, ...], ...]
    method: str = METHOD


def cohort_correlation(values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Pearson correlation of the markers (median-imputed), clipped to a positive-definite matrix."""
    cols = []
    for v in values.values():
        v = np.asarray(v, dtype=float).copy()
        bad = ~np.isfinite(v)
        if bad.all():
            v[:] = 0.0
        elif bad.any():
            v[bad] = np.median(v[~bad])
        cols.append(v)
    k = len(cols)
    if k < 2:
        return np.eye(max(k, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.corrcoef(np.vstack(cols))
    R = np.where(np.isfinite(R), R, 0.0)
    np.fill_diagonal(R, 1.0)
    w, V = np.linalg.eigh((R + R.T) / 2)
    R = (V * np.maximum(w, 1e-3)) @ V.T
    d = np.sqrt(np.diag(R))
    return R / np.outer(d, d)


def calibrated_effect(kind: str, signs: np.ndarray, R: np.ndarray, target: float) -> float:
    """The per-marker effect ``e`` giving the score the target AUC (binary) or HR per SD (survival).

    Examples
    --------
    >>> round(calibrated_effect("binary", np.array([1.0]), np.eye(1), 0.65), 6)  # sqrt(2) Phi^-1(0.65)
    0.544925
    """
    q = math.sqrt(float(signs @ R @ signs))
    if kind == "binary":
        return math.sqrt(2.0) * float(special.ndtri(target)) * q / signs.size
    return math.log(target) / q


def _design(endpoint: Any, markers: list[str], signs: np.ndarray, R: np.ndarray, n: int, e: float) -> Design:
    return Design(endpoint=endpoint, n=int(n), markers=markers, noise=[],
                  spec_sign={m: int(s) for m, s in zip(markers, signs, strict=True)}, against=[], unset=[],
                  delta=e * signs, R=R, L=np.linalg.cholesky(R))


def _signed_z(X: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """``signed_z`` per replicate: X is (reps, n, k)."""
    sd = X.std(axis=1, ddof=1, keepdims=True)
    Z = (X - X.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    return (Z * signs).mean(axis=2)


def delong_many(cases: np.ndarray, controls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUC and DeLong SE of each row (cases (reps, m), controls (reps, n)), from mid-ranks.

    ``V10_i = (rank of case i among all - its rank among cases) / n``, ``V01_j = 1 - (rank of control
    j among all - its rank among controls) / m``; ``AUC = mean V10``; ``var = s2(V10)/m + s2(V01)/n``
    (DeLong et al. 1988; Sun & Xu 2014).
    """
    m, n = cases.shape[1], controls.shape[1]
    both = np.concatenate([cases, controls], axis=1)
    r_all = sps.rankdata(both, axis=1)
    v10 = (r_all[:, :m] - sps.rankdata(cases, axis=1)) / n
    v01 = 1.0 - (r_all[:, m:] - sps.rankdata(controls, axis=1)) / m
    auc = v10.mean(axis=1)
    se = np.sqrt(v10.var(axis=1, ddof=1) / m + v01.var(axis=1, ddof=1) / n)
    return auc, se


def cox_wald_many(time: np.ndarray, event: np.ndarray, x: np.ndarray, *, iters: int = 50,
                  tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-covariate Cox fit of each row by Newton-Raphson on Breslow risk sets: ``(coef, se, converged)``.

    Score ``U(b) = sum_events (x_i - S1/S0)``, information ``I(b) = sum_events (S2/S0 - (S1/S0)^2)``
    with ``S_r = sum_{t_j >= t_i} x_j^r exp(b x_j)``; steps capped at 1; SE ``1 / sqrt(I(b))``.
    Equal to Efron's method (``survival::coxph``'s default) when no event times are tied.
    """
    order = np.argsort(-time, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ds = np.take_along_axis(event, order, axis=1).astype(float)
    b = np.zeros(x.shape[0])
    info = np.ones_like(b)
    done = np.zeros(b.shape, dtype=bool)
    for _ in range(iters):
        eta = b[:, None] * xs
        w = np.exp(eta - eta.max(axis=1, keepdims=True))
        s0, s1, s2 = (np.cumsum(w, axis=1), np.cumsum(w * xs, axis=1), np.cumsum(w * xs * xs, axis=1))
        mean = s1 / s0
        u = (ds * (xs - mean)).sum(axis=1)
        info = (ds * (s2 / s0 - mean * mean)).sum(axis=1)
        step = np.clip(np.where(info > 0, u / np.where(info > 0, info, 1.0), 0.0), -1.0, 1.0)
        b = np.where(done, b, b + step)
        done |= np.abs(step) < tol
        if done.all():
            break
    eta = b[:, None] * xs
    w = np.exp(eta - eta.max(axis=1, keepdims=True))
    s0, s1, s2 = (np.cumsum(w, axis=1), np.cumsum(w * xs, axis=1), np.cumsum(w * xs * xs, axis=1))
    info = (ds * (s2 / s0 - (s1 / s0) ** 2)).sum(axis=1)
    se = np.where(info > 0, 1.0 / np.sqrt(np.where(info > 0, info, 1.0)), np.inf)
    return b, se, done


def _tied(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Rows with a tie between an event time and any other time (Breslow and Efron then differ)."""
    st = np.sort(time, axis=1)
    dup = np.zeros(time.shape, dtype=bool)
    eq = st[:, 1:] == st[:, :-1]
    dup[:, 1:] |= eq
    dup[:, :-1] |= eq
    if not dup.any():
        return np.zeros(time.shape[0], dtype=bool)
    order = np.argsort(time, axis=1, kind="stable")
    ev = np.take_along_axis(event, order, axis=1).astype(bool)
    return (dup & ev).any(axis=1)


def _binary_hits(design: Design, opts: EndpointOptions, signs: np.ndarray, alpha: float, reps: int,
                 rng: np.random.Generator) -> np.ndarray:
    draws = [draw_endpoint(design, rng, opts) for _ in range(reps)]
    X = np.stack([d.X for d in draws])
    pos = np.stack([d.clinical[design.endpoint.id] == design.endpoint.positive_class for d in draws])
    s = _signed_z(X, signs)
    m = int(pos[0].sum())
    auc, se = delong_many(s[pos].reshape(reps, m), s[~pos].reshape(reps, -1))
    z = np.where(se > 0, np.abs(auc - 0.5) / np.where(se > 0, se, 1.0), np.where(auc == 0.5, 0.0, np.inf))
    return (auc > 0.5) & (2 * sps.norm.sf(z) < alpha)


def _survival_hits(design: Design, opts: EndpointOptions, signs: np.ndarray, alpha: float, reps: int,
                   rng: np.random.Generator) -> np.ndarray:
    from biomark.stats import cox

    ep = design.endpoint
    draws = [draw_endpoint(design, rng, opts) for _ in range(reps)]
    X = np.stack([d.X for d in draws])
    time = np.stack([d.clinical[f"{ep.id}_time"] for d in draws]).astype(float)
    event = np.stack([d.clinical[f"{ep.id}_event"] for d in draws]).astype(float)
    s = _signed_z(X, signs)
    sd = s.std(axis=1, ddof=1, keepdims=True)
    z = (s - s.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    coef, se, ok = cox_wald_many(time, event, z)
    p = 2 * sps.norm.sf(np.abs(coef) / se)
    hits = (coef > 0) & (p < alpha) & ok & (event.sum(axis=1) >= 2)
    for r in np.flatnonzero(_tied(time, event) | ~ok):  # Efron by the reference fit (ties), or a failed fit
        try:
            fit = cox(time[r], event[r], {"score": z[r]})
            hits[r] = bool(fit.coef[0] > 0 and fit.p[0] < alpha and event[r].sum() >= 2)
        except Exception:  # noqa: BLE001 - a degenerate replicate (monotone likelihood, ...) counts as not significant
            hits[r] = False
    return hits


def claim_power(endpoint: Any, signs: Mapping[str, int], values: Mapping[str, np.ndarray], *, n: int,
                n_cases: int, smallest: Mapping[str, float], alpha: float, reps: int,
                rng: np.random.Generator) -> ClaimPower:
    """Power of one claim's test at the smallest effect of interest, simulated from its spec.

    Parameters
    ----------
    endpoint
        The spec's endpoint (binary or survival; a survival endpoint's ``time_unit`` sets the
        simulator's time scale).
    signs, values
        Published sign and the cohort's values (rows analysed) of each marker tested.
    n, n_cases
        The cohort's analysed samples and its cases (binary) or events (survival).
    smallest
        ``{"auc": ..., "hr": ...}`` (``parse_smallest_effect``).
    alpha, reps, rng
        Level of the claim's test, replicates, the claim's own generator.

    Examples
    --------
    >>> from biomark.panel.schema import BinaryEndpoint
    >>> ep = BinaryEndpoint(id="response", kind="binary", positive_class="yes")
    >>> v = {"A": np.random.default_rng(0).normal(size=60)}
    >>> r = claim_power(ep, {"A": 1}, v, n=60, n_cases=30, smallest={"auc": 0.65, "hr": 1.5}, alpha=0.05,
    ...                 reps=50, rng=np.random.default_rng(1))
    >>> 0.2 < r.power < 0.9, r.reps
    (True, 50)
    """
    markers = [m for m, s in signs.items() if s]
    sv = np.array([float(signs[m]) for m in markers])
    R = cohort_correlation({m: values[m] for m in markers})
    kind = endpoint.kind
    target = float(smallest["auc"] if kind == "binary" else smallest["hr"])
    e = calibrated_effect(kind, sv, R, target)
    design = _design(endpoint, markers, sv, R, n, e)
    if kind == "binary":
        opts = EndpointOptions(prevalence=n_cases / n)
        hits = _binary_hits(design, opts, sv, alpha, reps, rng)
    else:
        censoring = min(max(1.0 - n_cases / n, 0.0), 0.98)
        median, follow_up = _TIME_DEFAULTS[endpoint.time_unit]
        lam = math.log(2.0) / median**1.5
        if censoring <= _censoring_rate(censoring, abs(math.log(target)), lam, 1.5, follow_up)[1]:
            follow_up = median * 1e6  # fewer censored than follow-up alone would give: random censoring only
        opts = EndpointOptions(censoring=censoring, follow_up=follow_up)
        hits = _survival_hits(design, opts, sv, alpha, reps, rng)
    p = float(hits.mean())
    return ClaimPower(power=p, mc_se=math.sqrt(p * (1 - p) / reps), reps=int(reps), target=target,
                      effect_per_marker=float(e), correlation=tuple(tuple(float(x) for x in row) for row in R))
