"""The endpoint step of :func:`biomark.synthetic.simulate`: latent marker values and the outcome.

:class:`Design` is the resolved request (markers, their simulated effects, the latent correlation);
:func:`draw_endpoint` draws the latent matrix ``X`` and the clinical columns for one endpoint kind
(binary, survival, change, dose; the formulas are in :mod:`biomark.synthetic.simulate`), together
with the truth they imply. Random numbers are drawn from the caller's generator in a fixed order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special

from biomark.panel.schema import Endpoint
from biomark.synthetic.layers import round6
from biomark.synthetic.truth import SimulationError

# Default survival time scale per time unit: (baseline median, administrative follow-up).
_TIME_DEFAULTS = {
    "months": (24.0, 60.0),
    "years": (2.0, 5.0),
    "weeks": (104.0, 260.0),
    "days": (730.0, 1826.0),
}


@dataclass(frozen=True)
class Design:
    """A resolved simulation request: the markers, their simulated effects, the latent correlation.

    ``delta`` holds the signed effects of the panel markers; noise markers have none. ``L`` is the
    Cholesky factor of the correlation ``R`` of panel and noise markers.
    """

    endpoint: Endpoint
    n: int
    markers: list[str]
    noise: list[str]
    spec_sign: dict[str, int]
    against: list[str]
    unset: list[str]
    delta: np.ndarray
    R: np.ndarray
    L: np.ndarray

    @property
    def all_markers(self) -> list[str]:
        return self.markers + self.noise

    @property
    def p(self) -> int:
        return len(self.markers) + len(self.noise)

    @property
    def delta_all(self) -> np.ndarray:
        return np.concatenate([self.delta, np.zeros(len(self.noise))])

    @property
    def width(self) -> int:
        """Digits of the zero-padded sample numbers."""
        return max(3, len(str(self.n)))

    def draw_latent(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` rows of ``N(0, R)`` latent marker values."""
        return rng.standard_normal((m, self.p)) @ self.L.T


@dataclass(frozen=True)
class EndpointOptions:
    """The endpoint arguments of :func:`~biomark.synthetic.simulate` (same names, same meaning)."""

    prevalence: float = 0.5
    censoring: float | None = 0.3
    median_survival: float | None = None
    follow_up: float | None = None
    weibull_shape: float = 1.5
    pair_correlation: float = 0.5
    dose_levels: Sequence[float] | None = None


@dataclass
class EndpointDraw:
    """Latent values ``X`` (samples x markers), clinical columns, and what they imply."""

    X: np.ndarray
    clinical: dict[str, Any]
    columns: dict[str, Any]
    truth: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)


def draw_endpoint(design: Design, rng: np.random.Generator, opts: EndpointOptions) -> EndpointDraw:
    """Draw the latent values and the outcome of ``design.endpoint`` (its ``kind`` picks the model)."""
    draw: Callable[[Design, np.random.Generator, EndpointOptions], EndpointDraw] | None = {
        "binary": _binary, "survival": _survival, "change": _change, "dose": _dose,
    }.get(design.endpoint.kind)
    if draw is None:  # pragma: no cover - the schema allows no other kind
        raise SimulationError(f"endpoint kind '{design.endpoint.kind}' is not supported")
    return draw(design, rng, opts)


def sample_ids(design: Design) -> tuple[list[str], str]:
    """Sample ids (``S001``, ...; ``P001_pre``, ``P001_post``, ... for a change endpoint) and their format."""
    ep, width = design.endpoint, design.width
    if ep.kind == "change":
        ids = [f"P{i + 1:0{width}d}_{lab}" for i in range(design.n) for lab in (ep.pre, ep.post)]
        return ids, f"P{{patient:0{width}d}}_{{{ep.pre}|{ep.post}}}"
    return [f"S{i + 1:0{width}d}" for i in range(design.n)], f"S{{i:0{width}d}}"


def _normal_cdf(x: float) -> float:
    return float(special.ndtr(x))


def _binary(design: Design, rng: np.random.Generator, opts: EndpointOptions) -> EndpointDraw:
    ep, n, prevalence = design.endpoint, design.n, opts.prevalence
    n_pos = int(round(n * prevalence))
    if n_pos < 1 or n_pos > n - 1:
        raise SimulationError(
            f"prevalence: {prevalence} with n = {n} gives {n_pos} cases; both classes need at "
            "least one sample (raise n or move prevalence away from 0 and 1)"
        )
    delta_all = design.delta_all
    y = np.zeros(n, dtype=int)
    y[rng.permutation(n)[:n_pos]] = 1
    X = design.draw_latent(rng, n) + y[:, None] * delta_all[None, :]
    neg_label = ep.negative_class or f"not_{ep.positive_class}"
    clinical = {ep.id: np.where(y == 1, ep.positive_class, neg_label)}
    columns = {"outcome": ep.id, "positive_label": ep.positive_class, "negative_label": neg_label}
    truth = dict(prevalence=float(prevalence), n_positive=n_pos,
                 **_true_aucs(design, n_pos / n))
    return EndpointDraw(X, clinical, columns, truth, [
        "Binary: case/control design with exactly round(n * prevalence) cases; markers shifted by "
        "effect * sign in cases. True AUCs are on the latent scale, before centre, assay and "
        "missingness layers; signed_z weights use the population SDs."
    ])


def _true_aucs(design: Design, pos_share: float) -> dict[str, Any]:
    """True AUCs on the latent scale: per marker in its spec direction, of the spec's signed_z
    score (population SDs as weights) and of the best linear score (Mahalanobis distance)."""
    delta, delta_all, R, spec_sign = design.delta, design.delta_all, design.R, design.spec_sign
    auc_marker = {mk: _normal_cdf(spec_sign[mk] * delta[j] / math.sqrt(2.0)) if spec_sign[mk] else 0.5
                  for j, mk in enumerate(design.markers)}
    mahal = float(delta_all @ np.linalg.solve(R, delta_all))
    sd_pop = np.sqrt(1.0 + pos_share * (1 - pos_share) * delta_all**2)
    w = np.array([spec_sign.get(mk, 0) for mk in design.all_markers], dtype=float) / sd_pop
    if np.any(w != 0):
        auc_sz = _normal_cdf(float(w @ delta_all) / math.sqrt(2.0 * float(w @ R @ w)))
    else:
        auc_sz = 0.5
    return dict(true_auc_marker=auc_marker, true_auc_signed_z=auc_sz,
                true_auc_optimal=_normal_cdf(math.sqrt(mahal) / math.sqrt(2.0)))


def _survival(design: Design, rng: np.random.Generator, opts: EndpointOptions) -> EndpointDraw:
    ep, n, shape, censoring = design.endpoint, design.n, opts.weibull_shape, opts.censoring
    X = design.draw_latent(rng, n)
    beta = design.delta_all
    lp = X @ beta
    unit = ep.time_unit
    med_default, fu_default = _TIME_DEFAULTS[unit]
    median = float(opts.median_survival if opts.median_survival is not None else med_default)
    tau = float(opts.follow_up if opts.follow_up is not None else fu_default)
    if median <= 0 or tau <= 0 or shape <= 0:
        raise SimulationError("median_survival, follow_up and weibull_shape must be positive")
    lam = math.log(2.0) / median**shape
    u = rng.random(n)
    t_event = (-np.log1p(-u) / (lam * np.exp(lp))) ** (1.0 / shape)
    lp_sd = math.sqrt(float(beta @ design.R @ beta))
    if censoring is None:
        rate, min_cens = 0.0, None
    else:
        if not (0.0 <= censoring < 1.0):
            raise SimulationError(f"censoring: {censoring} is out of range; use a fraction in [0, 1)")
        rate, min_cens = _censoring_rate(float(censoring), lp_sd, lam, shape, tau)
    c_random = rng.exponential(1.0 / rate, n) if rate > 0 else np.full(n, np.inf)
    cens_time = np.minimum(c_random, tau)
    time = np.minimum(t_event, cens_time)
    event = (t_event <= cens_time).astype(int)
    time = round6(time)
    time = np.where(time <= 0, float("1e-6"), time)
    clinical = {f"{ep.id}_time": time, f"{ep.id}_event": event}
    columns = {"time": f"{ep.id}_time", "event": f"{ep.id}_event", "time_unit": unit}
    out = EndpointDraw(X, clinical, columns, {})
    note = None
    if min_cens is not None and censoring is not None and censoring < min_cens:
        note = (f"target censoring {censoring} is below what administrative censoring at "
                f"{tau} already gives ({min_cens:.3f}); no random censoring added")
        out.assumptions.append(note)
    out.truth = _survival_truth(design, beta, {
        "baseline": "Weibull", "weibull_shape": shape, "weibull_scale_lambda": lam,
        "median_survival_baseline": median, "follow_up": tau, "time_unit": unit,
        "censoring_target": censoring, "random_censoring_rate": rate,
        "censoring_min_admin_only": min_cens,
        "censoring_achieved": float(1.0 - event.mean()), "events": int(event.sum()),
        "linear_predictor_sd": lp_sd, "note": note,
    })
    out.assumptions.append(
        "Survival: Cox model with Weibull baseline (Bender, Augustin & Blettner 2005); "
        "effect = log hazard ratio per SD; administrative censoring at follow_up plus "
        "exponential random censoring tuned to the target population censoring fraction."
    )
    return out


def _survival_truth(design: Design, beta: np.ndarray, survival: dict[str, Any]) -> dict[str, Any]:
    return dict(
        true_log_hr={mk: float(beta[j]) for j, mk in enumerate(design.all_markers)},
        true_log_hr_note=(
            "coefficients of the multivariable Cox model on the latent scale (log-HR per SD); "
            "a marker's univariate HR differs from its coefficient when other markers have "
            "effects (correlation, and non-collapsibility of the HR)"
            if design.p > 1 else "log hazard ratio per SD of the latent marker value"
        ),
        survival=survival,
    )


def _change(design: Design, rng: np.random.Generator, opts: EndpointOptions) -> EndpointDraw:
    ep, n, width = design.endpoint, design.n, design.width
    r = float(opts.pair_correlation)
    if not (-1.0 < r < 1.0):
        raise SimulationError(f"pair_correlation: {r} must lie strictly between -1 and 1")
    delta_all = design.delta_all
    pre = design.draw_latent(rng, n)
    post = r * pre + math.sqrt(1.0 - r * r) * design.draw_latent(rng, n) + delta_all[None, :]
    X = np.empty((2 * n, design.p))
    X[0::2] = pre
    X[1::2] = post
    clinical = {"patient": np.repeat([f"P{i + 1:0{width}d}" for i in range(n)], 2),
                ep.id: np.tile([ep.pre, ep.post], n)}
    columns = {"patient": "patient", "timepoint": ep.id, "pre_label": ep.pre, "post_label": ep.post}
    truth = dict(
        pair_correlation=r,
        true_standardized_change={mk: float(delta_all[j] / math.sqrt(2.0 * (1.0 - r)))
                                  for j, mk in enumerate(design.all_markers)},
    )
    return EndpointDraw(X, clinical, columns, truth, [
        "Change: pre/post pairs with within-patient correlation pair_correlation; effect = "
        "mean (post - pre) in SD units; true_standardized_change = effect / sqrt(2 (1 - r))."
    ])


def _dose(design: Design, rng: np.random.Generator, opts: EndpointOptions) -> EndpointDraw:
    ep, n = design.endpoint, design.n
    given = opts.dose_levels if opts.dose_levels is not None else (ep.levels or [0, 2, 4, 6, 8])
    levels = [float(v) for v in given]
    if len(set(levels)) < 2:
        raise SimulationError("dose_levels: give at least two different dose levels")
    lo, hi = min(levels), max(levels)
    dose = rng.permutation(np.resize(np.array(levels), n))
    frac = (dose - lo) / (hi - lo)
    delta_all = design.delta_all
    X = design.draw_latent(rng, n) + frac[:, None] * delta_all[None, :]
    truth = dict(
        dose_levels=levels,
        true_slope_per_unit={mk: float(delta_all[j] / (hi - lo)) for j, mk in enumerate(design.all_markers)},
    )
    return EndpointDraw(X, {ep.id: dose}, {"dose": ep.id, "unit": ep.unit}, truth, [
        "Dose: balanced dose levels in random order; effect = shift from lowest to highest dose "
        "in SD units, linear in dose."
    ])


@functools.lru_cache(maxsize=256)
def _censoring_rate(
    target: float, lp_sd: float, lam: float, shape: float, follow_up: float
) -> tuple[float, float]:
    """Exponential censoring rate ``r`` giving population censoring fraction ``target``.

    P(event) = E_eta[ int_0^{F(tau|eta)} exp(-r t(v|eta)) dv ] with ``F(t|eta) = 1 -
    exp(-lam e^eta t^nu)`` and ``t(v|eta) = F^-1(v)``; eta ~ N(0, lp_sd^2) (probabilists'
    Gauss-Hermite, 40 nodes) and v by 64-node Gauss-Legendre. Returns ``(rate, minimum censoring
    fraction reachable with administrative censoring alone)``.
    """
    xh, wh = np.polynomial.hermite_e.hermegauss(40)
    wh = wh / wh.sum()
    eta = lp_sd * xh
    cum = lam * np.exp(eta)  # cumulative hazard scale per eta
    f_tau = -np.expm1(-cum * follow_up**shape)  # F(tau | eta)
    xl, wl = np.polynomial.legendre.leggauss(64)
    # v nodes on [0, F(tau|eta)] for every eta: shape (40, 64)
    v = 0.5 * f_tau[:, None] * (xl[None, :] + 1.0)
    t = (-np.log1p(-v) / cum[:, None]) ** (1.0 / shape)
    half = 0.5 * f_tau[:, None]

    def p_event(rate: float) -> float:
        inner = (half * wl[None, :] * np.exp(-rate * t)).sum(axis=1)
        return float((wh * inner).sum())

    min_cens = 1.0 - p_event(0.0)
    if target <= min_cens:
        return 0.0, min_cens
    hi = 1.0 / follow_up
    while 1.0 - p_event(hi) < target:
        hi *= 2.0
        if hi > 1e12:
            raise SimulationError(f"censoring: a censoring fraction of {target} cannot be reached")
    rate = optimize.brentq(lambda r: (1.0 - p_event(r)) - target, 0.0, hi, xtol=1e-12, rtol=1e-10)
    return float(rate), min_cens
