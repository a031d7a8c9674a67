"""Simulated cohorts from a panel spec, with every assumption written into the truth.

The reviews behind the panels give directions, never effect sizes, so every number used here is an
assumption; :class:`Truth` records all of them next to the quantities they imply (true AUC, true
log hazard ratio, the censoring rate achieved) so that a validation run can be scored against them.

Model (the "latent scale")
--------------------------
For the ``k`` panel markers and ``m`` noise markers a latent vector ``Z`` is drawn
multivariate normal with unit variances and correlation ``R`` (compound symmetry with ``rho`` among
the panel markers, or blocks; noise markers are independent of everything). The endpoint then
acts on it:

* **binary** (case/control, ``round(n * prevalence)`` cases): ``X = Z + y * delta`` with
  ``delta_j = effect_j * s_j``, ``s_j`` the spec's sign (+1 up, -1 down, 0 unset), reversed for
  markers named in ``against_spec``. The true AUC of marker ``j`` in its spec direction is
  ``Phi(s_j delta_j / sqrt 2)``; of the best linear score ``Phi(sqrt(delta' R^-1 delta) / sqrt 2)``;
  of the spec's ``signed_z`` score with weights ``w`` it is ``Phi(w'delta / sqrt(2 w'Rw))``.
* **survival**: ``X = Z``; the hazard is ``h0(t) exp(beta'X)`` with ``beta_j = effect_j * s_j``
  (log hazard ratio per SD) and a Weibull baseline ``h0(t) = lam nu t^(nu-1)``, times drawn by
  inversion ``T = (-log U / (lam exp(beta'X)))^(1/nu)`` (Bender, Augustin & Blettner 2005,
  Stat Med 24:1713). ``lam`` puts the baseline median at ``median_survival``. Censoring is
  administrative at ``follow_up`` plus exponential random censoring whose rate is solved so that the
  *population* censoring fraction equals ``censoring`` (Gauss-Hermite over the normal linear
  predictor, Gauss-Legendre over event times; no data involved), then drawn independently.
* **change** (pre/post pairs): ``X_pre = Z``, ``X_post = r Z + sqrt(1 - r^2) Z' + delta``
  (``r = pair_correlation``), so ``delta_j`` is the mean change in SD units.
* **dose**: balanced dose levels; ``X = Z + delta (dose - min) / (max - min)``: ``delta_j`` is the
  shift from the lowest to the highest dose in SD units.

Centre (batch) effects add a per-centre, per-marker shift ``N(0, batch_shift^2)`` to every marker.
Then an **assay layer** turns the latent values into what a lab would report:

* ``log2_expression``: ``base_j + X`` (``base_j`` uniform on 4..12).
* ``intensity``: ``2^(base_j + X)`` (``base_j`` uniform on 8..14).
* ``counts``: negative binomial with mean ``L_i p_j 2^X`` and dispersion ``phi`` (variance
  ``mu + phi mu^2``), library sizes ``L_i`` log-normal; ``L_i`` goes into the clinical table as
  ``library_size``.
* ``qpcr_ct``: ``Ct = c_j - X + a_i + e`` with ``c_j`` uniform on ``ct_range``, a per-sample input
  offset ``a_i ~ N(0, ct_input_sd^2)`` shared by the sample's markers, reference markers and spike-in
  (this is what normalisation removes), technical noise ``e ~ N(0, ct_technical_sd^2)``. A Ct above
  ``ct_lod`` is "Undetermined": written as that string in the CSV and held in the Cohort as
  ``ct_cutoff`` (40, the reader's rule), counted per marker in ``cohort.qc["undetermined"]``.
* ``ihc_score``: ``clip(round(4 + 2 X), 0, 12)``.

Finally each marker cell is missing completely at random with probability ``missing_rate`` (NaN;
"NA" in the CSV), and every value is rounded to 6 significant digits so that the Cohort equals
what is read back from the CSV written by :func:`biomark.synthetic.write_cohort`.

Every random choice comes from ``numpy.random.default_rng(seed)`` in a fixed order.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from biomark.cohort import Cohort
from biomark.errors import BiomarkError
from biomark.panel.catalog import load_panel
from biomark.panel.schema import Panel

ASSAYS = ("log2_expression", "qpcr_ct", "counts", "intensity", "ihc_score")

# Default survival time scale per time unit: (baseline median, administrative follow-up).
_TIME_DEFAULTS = {
    "months": (24.0, 60.0),
    "years": (2.0, 5.0),
    "weeks": (104.0, 260.0),
    "days": (730.0, 1826.0),
}


class SimulationError(BiomarkError, ValueError):
    """An impossible or inconsistent simulation request (names the argument and what to do)."""


# ----------------------------------------------------------------------------------------------
# truth


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.10g}")  # stable across platforms in the last ulp
    return value


@dataclass(frozen=True)
class Truth:
    """Everything a simulated cohort was generated from, and what it implies.

    Effects are on the latent scale (marker SD units; log hazard ratio per SD for survival).
    ``marker_effect`` holds the *simulated* signed effect of every marker (0 for unset directions
    and noise markers); ``spec_sign`` the panel's expected sign; ``against_spec`` the markers whose
    simulated sign is the reverse of the spec's. ``true_auc_marker`` is each marker's AUC in its
    *spec* direction (below 0.5 for a marker simulated against its spec). Quantities that do not
    apply to the endpoint are ``None``.
    """

    seed: Any
    panel_id: str
    panel_hash: str
    endpoint: str
    endpoint_kind: str
    assay: str
    n: int
    n_samples: int
    sample_ids_format: str
    markers: list[str]
    noise_markers: list[str]
    reference_markers: list[str]
    spike_in: str | None
    spec_sign: dict[str, int]
    marker_effect: dict[str, float]
    against_spec: list[str]
    unset_direction: list[str]
    correlation: Any
    columns: dict[str, Any]
    # binary
    prevalence: float | None = None
    n_positive: int | None = None
    true_auc_marker: dict[str, float] | None = None
    true_auc_signed_z: float | None = None
    true_auc_optimal: float | None = None
    # survival
    true_log_hr: dict[str, float] | None = None
    true_log_hr_note: str | None = None
    survival: dict[str, Any] | None = None
    # change / dose
    pair_correlation: float | None = None
    true_standardized_change: dict[str, float] | None = None
    dose_levels: list[float] | None = None
    true_slope_per_unit: dict[str, float] | None = None
    # layers
    batches: dict[str, Any] = field(default_factory=dict)
    missing_rate: float = 0.0
    assay_layer: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    generator: str = "numpy.random.default_rng (PCG64)"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (floats rounded to 10 significant digits)."""
        return _plain(self)

    def to_json(self) -> str:
        """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"


# ----------------------------------------------------------------------------------------------
# helpers


def _seed_record(seed: Any) -> Any:
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy) if seed.entropy is not None else None,
                "spawn_key": [int(k) for k in seed.spawn_key]}
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    raise SimulationError(f"seed: {seed!r} is not an integer; give a non-negative integer seed")


def _round6(a: np.ndarray) -> np.ndarray:
    """Round to 6 significant digits exactly as ``'%.6g'`` prints; whole numbers below 1e15 (counts,
    library sizes) and NaN are kept as they are (:func:`biomark.synthetic.output.format_number`)."""
    a = np.asarray(a, dtype=float)
    if a.size == 0:
        return a
    flat = a.ravel()
    out = np.array([v if (v != v or (v == int(v) and abs(v) < 1e15)) else float(f"{v:.6g}")
                    for v in flat.tolist()])
    return out.reshape(a.shape)


def _correlation_matrix(
    correlation: float | Sequence[Mapping[str, Any]], markers: list[str], n_noise: int
) -> np.ndarray:
    k = len(markers)
    R = np.eye(k + n_noise)
    if isinstance(correlation, (int, float, np.floating)) and not isinstance(correlation, bool):
        rho = float(correlation)
        if k > 1 and not (-1.0 / (k - 1) < rho < 1.0):
            raise SimulationError(
                f"correlation: {rho} is not a valid compound-symmetry correlation for {k} markers; "
                f"use a value in ({-1.0 / (k - 1):.3g}, 1)"
            )
        R[:k, :k] = rho
        np.fill_diagonal(R, 1.0)
        return R
    index = {m: i for i, m in enumerate(markers)}
    used: set[str] = set()
    for b, block in enumerate(correlation):
        if not isinstance(block, Mapping) or set(block) - {"markers", "rho"} or "markers" not in block:
            raise SimulationError(
                f"correlation[{b}]: a block is a mapping with keys 'markers' (list of marker ids) and "
                "'rho' (a number)"
            )
        rho = float(block.get("rho", 0.0))
        ids = list(block["markers"])
        for mk in ids:
            if mk not in index:
                raise SimulationError(
                    f"correlation[{b}].markers: unknown marker '{mk}'; markers are: {', '.join(markers)}"
                )
            if mk in used:
                raise SimulationError(f"correlation[{b}].markers: marker '{mk}' is in two blocks")
            used.add(mk)
        pos = [index[mk] for mk in ids]
        for i in pos:
            for j in pos:
                if i != j:
                    R[i, j] = rho
    try:
        np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise SimulationError(
            "correlation: the block correlations do not form a valid (positive definite) "
            "correlation matrix; lower the rho values"
        ) from None
    return R


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


def _normal_cdf(x: float) -> float:
    return float(special.ndtr(x))


# ----------------------------------------------------------------------------------------------
# simulate


def simulate(
    panel: Panel | str,
    n: int,
    *,
    seed: int | np.random.SeedSequence,
    endpoint: str | None = None,
    effect: float | Mapping[str, float] = 0.5,
    correlation: float | Sequence[Mapping[str, Any]] = 0.0,
    prevalence: float = 0.5,
    against_spec: Sequence[str] = (),
    n_noise_markers: int = 0,
    missing_rate: float = 0.0,
    batches: int = 1,
    batch_shift: float = 0.0,
    assay: str | None = None,
    censoring: float | None = 0.3,
    median_survival: float | None = None,
    follow_up: float | None = None,
    weibull_shape: float = 1.5,
    pair_correlation: float = 0.5,
    dose_levels: Sequence[float] | None = None,
    ct_lod: float = 37.0,
    ct_cutoff: float = 40.0,
    ct_technical_sd: float = 0.25,
    ct_input_sd: float = 0.5,
    ct_range: tuple[float, float] = (26.0, 32.0),
    spike_in: str | None = None,
    library_size: float = 2e6,
    library_size_cv: float = 0.5,
    nb_dispersion: float = 0.1,
    name: str = "synthetic",
) -> tuple[Cohort, Truth]:
    """Simulate a cohort for ``panel`` with known truth.

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.schema.Panel`, a catalog id or a spec file path.
    n
        Number of patients (a change endpoint gives ``2 n`` samples, pre and post).
    seed
        Integer (or ``numpy.random.SeedSequence``); the only source of randomness.
    endpoint
        Endpoint id to simulate (default: ``panel.scoring.endpoint`` or the first endpoint).
    effect
        Standardised effect size, one number for every marker with a direction or a mapping
        marker id -> size (binary: mean difference in SD; survival: log-HR per SD; change: mean
        change in SD; dose: shift over the dose range in SD). Signs come from the spec.
    correlation
        Compound-symmetry correlation among the panel markers, or a list of blocks
        ``{"markers": [...], "rho": r}`` (markers in no block are uncorrelated).
    prevalence
        Fraction of cases (binary endpoints): exactly ``round(n * prevalence)`` cases.
    against_spec
        Marker ids simulated with the sign opposite to the spec's.
    n_noise_markers
        Extra markers with no effect, named ``noise_001``, ... (not in the panel).
    missing_rate
        Probability that a marker cell is missing (completely at random).
    batches, batch_shift
        Number of centres (column ``centre``) and the SD of their per-marker shifts.
    assay
        Overrides ``panel.assay``.
    censoring
        Target population censoring fraction (administrative + random); ``None`` for
        administrative censoring only.
    median_survival, follow_up, weibull_shape
        Baseline median, administrative censoring time (both in the endpoint's time unit; default
        24 and 60 months) and the Weibull shape ``nu``.
    pair_correlation
        Within-patient correlation of pre and post values (change endpoints).
    dose_levels
        Dose levels (dose endpoints; default: the endpoint's ``levels`` or 0, 2, 4, 6, 8).
    ct_lod, ct_cutoff, ct_technical_sd, ct_input_sd, ct_range
        qPCR layer: Ct above ``ct_lod`` is Undetermined and held as ``ct_cutoff``.
    spike_in
        Name of an exogenous spike-in column (qPCR); default: the panel's ``spike_in`` reference
        marker if it has one.
    library_size, library_size_cv, nb_dispersion
        Counts layer: median library size, its coefficient of variation, NB dispersion.
    name
        Cohort label.

    Returns
    -------
    (Cohort, Truth)
    """
    panel = load_panel(panel)
    seed_rec = _seed_record(seed)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SimulationError(f"n: {n!r} is not a usable sample size; give an integer of at least 2")
    n = int(n)
    if n > 10_000_000:
        raise SimulationError(f"n: {n} is too large for an in-memory simulation; use at most 10,000,000")
    eid = endpoint if endpoint is not None else (panel.scoring.endpoint or panel.endpoints[0].id)
    try:
        ep = panel.endpoint(eid)
    except KeyError:
        raise SimulationError(
            f"endpoint: panel '{panel.id}' has no endpoint '{eid}'; endpoints are: "
            + ", ".join(panel.endpoint_ids)
        ) from None
    kind = ep.kind
    assay = assay or panel.assay
    if assay not in ASSAYS:
        raise SimulationError(f"assay: '{assay}' is not one of: {', '.join(ASSAYS)}")
    for arg, val, lo, hi in (
        ("prevalence", prevalence, 0.0, 1.0),
        ("missing_rate", missing_rate, 0.0, 1.0),
    ):
        if not (lo <= float(val) <= hi) or (arg == "prevalence" and val in (0.0, 1.0)):
            raise SimulationError(f"{arg}: {val} is out of range; use a value in [{lo}, {hi}]"
                                  + (" (exclusive)" if arg == "prevalence" else ""))
    if missing_rate >= 1.0:
        raise SimulationError("missing_rate: 1 would leave no data; use a value below 1")
    if int(n_noise_markers) < 0 or int(batches) < 1:
        raise SimulationError("n_noise_markers must be >= 0 and batches >= 1")
    if batch_shift < 0:
        raise SimulationError(f"batch_shift: {batch_shift} is negative; give an SD >= 0")

    markers = panel.marker_ids
    spec_sign = panel.signs(ep.id)
    against = list(dict.fromkeys(against_spec))
    for mk in against:
        if mk not in spec_sign:
            raise SimulationError(
                f"against_spec: unknown marker '{mk}'; markers are: {', '.join(markers)}"
            )
        if spec_sign[mk] == 0:
            raise SimulationError(
                f"against_spec: marker '{mk}' has no direction for endpoint '{ep.id}', so it "
                "cannot go against it; set a direction in the spec or drop it from against_spec"
            )
    if isinstance(effect, Mapping):
        for mk in effect:
            if mk not in spec_sign:
                raise SimulationError(f"effect: unknown marker '{mk}'; markers are: {', '.join(markers)}")
        size = {mk: float(effect.get(mk, 0.0)) for mk in markers}
    else:
        size = {mk: float(effect) for mk in markers}
    for mk, v in size.items():
        if not math.isfinite(v) or v < 0:
            raise SimulationError(
                f"effect: {v} for '{mk}' is not a non-negative number; give the size, the spec gives the sign"
            )
    sim_sign = {mk: (-spec_sign[mk] if mk in against else spec_sign[mk]) for mk in markers}
    delta = np.array([size[mk] * sim_sign[mk] for mk in markers])
    unset = [mk for mk in markers if spec_sign[mk] == 0]

    n_noise = int(n_noise_markers)
    noise = [f"noise_{i + 1:03d}" for i in range(n_noise)]
    all_markers = markers + noise
    p = len(all_markers)
    delta_all = np.concatenate([delta, np.zeros(n_noise)])
    R = _correlation_matrix(correlation, markers, n_noise)
    L = np.linalg.cholesky(R)

    rng = np.random.default_rng(seed)
    assumptions = [
        "The reviews give directions only; every effect size here is an assumption.",
        "Latent marker values are multivariate normal with unit variance (SD units).",
    ]
    if unset:
        assumptions.append(
            f"Markers without a direction for '{ep.id}' get no effect: {', '.join(unset)}."
        )
    if against:
        assumptions.append(f"Simulated against their spec direction: {', '.join(against)}.")
    truth_kw: dict[str, Any] = {}
    clinical: dict[str, Any] = {}

    def draw_latent(m: int) -> np.ndarray:
        return rng.standard_normal((m, p)) @ L.T

    width = max(3, len(str(n)))
    if kind == "change":
        sample_ids = [f"P{i + 1:0{width}d}_{lab}" for i in range(n) for lab in (ep.pre, ep.post)]
        id_format = f"P{{patient:0{width}d}}_{{{ep.pre}|{ep.post}}}"
    else:
        sample_ids = [f"S{i + 1:0{width}d}" for i in range(n)]
        id_format = f"S{{i:0{width}d}}"
    columns: dict[str, Any] = {}

    # --- endpoint ----------------------------------------------------------------------------
    if kind == "binary":
        n_pos = int(round(n * prevalence))
        if n_pos < 1 or n_pos > n - 1:
            raise SimulationError(
                f"prevalence: {prevalence} with n = {n} gives {n_pos} cases; both classes need at "
                "least one sample (raise n or move prevalence away from 0 and 1)"
            )
        y = np.zeros(n, dtype=int)
        y[rng.permutation(n)[:n_pos]] = 1
        X = draw_latent(n) + y[:, None] * delta_all[None, :]
        neg_label = ep.negative_class or f"not_{ep.positive_class}"
        clinical[ep.id] = np.where(y == 1, ep.positive_class, neg_label)
        columns = {"outcome": ep.id, "positive_label": ep.positive_class, "negative_label": neg_label}
        # true AUCs on the latent scale
        auc_marker = {mk: _normal_cdf(spec_sign[mk] * delta[j] / math.sqrt(2.0)) if spec_sign[mk] else 0.5
                      for j, mk in enumerate(markers)}
        mahal = float(delta_all @ np.linalg.solve(R, delta_all))
        pos_share = n_pos / n
        sd_pop = np.sqrt(1.0 + pos_share * (1 - pos_share) * delta_all**2)
        w = np.array([spec_sign.get(mk, 0) for mk in all_markers], dtype=float) / sd_pop
        if np.any(w != 0):
            auc_sz = _normal_cdf(float(w @ delta_all) / math.sqrt(2.0 * float(w @ R @ w)))
        else:
            auc_sz = 0.5
        truth_kw.update(
            prevalence=float(prevalence), n_positive=n_pos, true_auc_marker=auc_marker,
            true_auc_signed_z=auc_sz, true_auc_optimal=_normal_cdf(math.sqrt(mahal) / math.sqrt(2.0)),
        )
        assumptions.append(
            "Binary: case/control design with exactly round(n * prevalence) cases; markers shifted by "
            "effect * sign in cases. True AUCs are on the latent scale, before centre, assay and "
            "missingness layers; signed_z weights use the population SDs."
        )
    elif kind == "survival":
        X = draw_latent(n)
        beta = delta_all
        lp = X @ beta
        unit = ep.time_unit
        med_default, fu_default = _TIME_DEFAULTS[unit]
        median = float(median_survival if median_survival is not None else med_default)
        tau = float(follow_up if follow_up is not None else fu_default)
        if median <= 0 or tau <= 0 or weibull_shape <= 0:
            raise SimulationError("median_survival, follow_up and weibull_shape must be positive")
        lam = math.log(2.0) / median**weibull_shape
        u = rng.random(n)
        t_event = (-np.log1p(-u) / (lam * np.exp(lp))) ** (1.0 / weibull_shape)
        lp_sd = math.sqrt(float(beta @ R @ beta))
        if censoring is None:
            rate, min_cens = 0.0, None
        else:
            if not (0.0 <= censoring < 1.0):
                raise SimulationError(f"censoring: {censoring} is out of range; use a fraction in [0, 1)")
            rate, min_cens = _censoring_rate(float(censoring), lp_sd, lam, weibull_shape, tau)
        c_random = rng.exponential(1.0 / rate, n) if rate > 0 else np.full(n, np.inf)
        cens_time = np.minimum(c_random, tau)
        time = np.minimum(t_event, cens_time)
        event = (t_event <= cens_time).astype(int)
        time = _round6(time)
        time = np.where(time <= 0, float("1e-6"), time)
        clinical[f"{ep.id}_time"] = time
        clinical[f"{ep.id}_event"] = event
        columns = {"time": f"{ep.id}_time", "event": f"{ep.id}_event", "time_unit": unit}
        note = None
        if min_cens is not None and censoring is not None and censoring < min_cens:
            note = (f"target censoring {censoring} is below what administrative censoring at "
                    f"{tau} already gives ({min_cens:.3f}); no random censoring added")
            assumptions.append(note)
        truth_kw.update(
            true_log_hr={mk: float(beta[j]) for j, mk in enumerate(all_markers)},
            true_log_hr_note=(
                "coefficients of the multivariable Cox model on the latent scale (log-HR per SD); "
                "a marker's univariate HR differs from its coefficient when other markers have "
                "effects (correlation, and non-collapsibility of the HR)"
                if p > 1 else "log hazard ratio per SD of the latent marker value"
            ),
            survival={
                "baseline": "Weibull", "weibull_shape": weibull_shape, "weibull_scale_lambda": lam,
                "median_survival_baseline": median, "follow_up": tau, "time_unit": unit,
                "censoring_target": censoring, "random_censoring_rate": rate,
                "censoring_min_admin_only": min_cens,
                "censoring_achieved": float(1.0 - event.mean()), "events": int(event.sum()),
                "linear_predictor_sd": lp_sd, "note": note,
            },
        )
        assumptions.append(
            "Survival: Cox model with Weibull baseline (Bender, Augustin & Blettner 2005); "
            "effect = log hazard ratio per SD; administrative censoring at follow_up plus "
            "exponential random censoring tuned to the target population censoring fraction."
        )
    elif kind == "change":
        r = float(pair_correlation)
        if not (-1.0 < r < 1.0):
            raise SimulationError(f"pair_correlation: {r} must lie strictly between -1 and 1")
        pre = draw_latent(n)
        post = r * pre + math.sqrt(1.0 - r * r) * draw_latent(n) + delta_all[None, :]
        X = np.empty((2 * n, p))
        X[0::2] = pre
        X[1::2] = post
        clinical["patient"] = np.repeat([f"P{i + 1:0{width}d}" for i in range(n)], 2)
        clinical[ep.id] = np.tile([ep.pre, ep.post], n)
        columns = {"patient": "patient", "timepoint": ep.id, "pre_label": ep.pre, "post_label": ep.post}
        truth_kw.update(
            pair_correlation=r,
            true_standardized_change={mk: float(delta_all[j] / math.sqrt(2.0 * (1.0 - r)))
                                      for j, mk in enumerate(all_markers)},
        )
        assumptions.append(
            "Change: pre/post pairs with within-patient correlation pair_correlation; effect = "
            "mean (post - pre) in SD units; true_standardized_change = effect / sqrt(2 (1 - r))."
        )
    elif kind == "dose":
        levels = [float(v) for v in (dose_levels if dose_levels is not None else (ep.levels or [0, 2, 4, 6, 8]))]
        if len(set(levels)) < 2:
            raise SimulationError("dose_levels: give at least two different dose levels")
        lo, hi = min(levels), max(levels)
        dose = rng.permutation(np.resize(np.array(levels), n))
        frac = (dose - lo) / (hi - lo)
        X = draw_latent(n) + frac[:, None] * delta_all[None, :]
        clinical[ep.id] = dose
        columns = {"dose": ep.id, "unit": ep.unit}
        truth_kw.update(
            dose_levels=levels,
            true_slope_per_unit={mk: float(delta_all[j] / (hi - lo)) for j, mk in enumerate(all_markers)},
        )
        assumptions.append(
            "Dose: balanced dose levels in random order; effect = shift from lowest to highest dose "
            "in SD units, linear in dose."
        )
    else:  # pragma: no cover - the schema allows no other kind
        raise SimulationError(f"endpoint kind '{kind}' is not supported")

    m_rows = X.shape[0]

    # --- centres -----------------------------------------------------------------------------
    batch_info: dict[str, Any] = {"n": int(batches), "shift_sd": float(batch_shift)}
    if batches > 1:
        if kind == "change":
            centre_pat = rng.integers(0, batches, n)
            centre = np.repeat(centre_pat, 2)
        else:
            centre = rng.integers(0, batches, m_rows)
        shifts = rng.normal(0.0, batch_shift, (batches, p)) if batch_shift > 0 else np.zeros((batches, p))
        X = X + shifts[centre]
        clinical["centre"] = np.array([f"C{c + 1}" for c in centre])
        columns["centre"] = "centre"
        batch_info["shifts"] = {f"C{b + 1}": dict(zip(all_markers, shifts[b].tolist(), strict=True))
                                for b in range(batches)}
        assumptions.append("Centres: every marker shifted by a per-centre N(0, batch_shift^2) amount.")

    # --- assay layer -------------------------------------------------------------------------
    layer: dict[str, Any] = {"assay": assay}
    qc: dict[str, Any] = {"synthetic": True}
    extra_cols: dict[str, np.ndarray] = {}
    library: np.ndarray | None = None
    refs: list[str] = []
    spike_name: str | None = None
    if assay == "log2_expression":
        base = rng.uniform(4.0, 12.0, p)
        values = base[None, :] + X
        layer["baseline_log2"] = dict(zip(all_markers, base.tolist(), strict=True))
    elif assay == "intensity":
        base = rng.uniform(8.0, 14.0, p)
        values = np.exp2(base[None, :] + X)
        layer["baseline_log2"] = dict(zip(all_markers, base.tolist(), strict=True))
    elif assay == "ihc_score":
        values = np.clip(np.round(4.0 + 2.0 * X), 0.0, 12.0)
        layer["rule"] = "clip(round(4 + 2 X), 0, 12)"
    elif assay == "counts":
        if library_size <= 0 or library_size_cv < 0 or nb_dispersion <= 0:
            raise SimulationError("library_size, nb_dispersion must be positive and library_size_cv >= 0")
        s2 = math.log1p(library_size_cv**2)
        lib = np.round(library_size * np.exp(rng.normal(0.0, math.sqrt(s2), m_rows)))
        prop = np.exp(rng.uniform(math.log(2e-5), math.log(5e-4), p))
        mu = lib[:, None] * prop[None, :] * np.exp2(X)
        size_nb = 1.0 / nb_dispersion
        values = rng.negative_binomial(size_nb, size_nb / (size_nb + mu)).astype(float)
        library = lib
        layer.update(library_size_median=library_size, library_size_cv=library_size_cv,
                     nb_dispersion=nb_dispersion, proportion=dict(zip(all_markers, prop.tolist(), strict=True)))
        qc["library_size_rule"] = ("simulated library sizes; the CSV carries them as the column sums "
                                   "(column 'other_features' holds the counts of every other feature)")
    else:  # qpcr_ct
        if not (ct_lod <= ct_cutoff):
            raise SimulationError(f"ct_lod ({ct_lod}) must not exceed ct_cutoff ({ct_cutoff})")
        c = rng.uniform(ct_range[0], ct_range[1], p)
        offset = rng.normal(0.0, ct_input_sd, m_rows)
        ct = c[None, :] - X + offset[:, None] + rng.normal(0.0, ct_technical_sd, (m_rows, p))
        refs = [r.id for r in panel.reference_markers if not r.spike_in]
        spikes = [r.id for r in panel.reference_markers if r.spike_in]
        spike_name = spike_in or (spikes[0] if spikes else None)
        ref_ct_mean = {}
        for rid in refs:
            cm = float(rng.uniform(20.0, 24.0))
            ref_ct_mean[rid] = cm
            extra_cols[rid] = cm + offset + rng.normal(0.0, ct_technical_sd, m_rows)
        if spike_name is not None:
            cm = float(rng.uniform(21.0, 23.0))
            ref_ct_mean[spike_name] = cm
            extra_cols[spike_name] = cm + offset + rng.normal(0.0, ct_technical_sd, m_rows)
        undetermined = ct > ct_lod
        values = np.where(undetermined, ct_cutoff, ct)
        for rid, col in extra_cols.items():
            und = col > ct_lod
            extra_cols[rid] = np.where(und, ct_cutoff, col)
        qc["undetermined"] = {mk: int(undetermined[:, j].sum()) for j, mk in enumerate(all_markers)}
        qc["undetermined"].update({rid: int((col == ct_cutoff).sum()) for rid, col in extra_cols.items()})
        qc["ct_cutoff"] = ct_cutoff
        qc["undetermined_rule"] = (f"Ct above the limit of detection {ct_lod} is Undetermined "
                                   f"('Undetermined' in the CSV) and set to the cutoff {ct_cutoff}")
        layer.update(ct_constant=dict(zip(all_markers, c.tolist(), strict=True)),
                     reference_ct_mean=ref_ct_mean, ct_lod=ct_lod, ct_cutoff=ct_cutoff,
                     ct_technical_sd=ct_technical_sd, ct_input_sd=ct_input_sd,
                     undetermined=dict(qc["undetermined"]),
                     rule="Ct = c_j - X + a_i + e; Ct > ct_lod -> 'Undetermined' (Cohort: ct_cutoff)")
        assumptions.append(
            "qPCR: Ct falls by one per doubling of expression (100% efficiency); a per-sample input "
            "offset shared by markers, reference markers and spike-in; Ct above the limit of "
            "detection is Undetermined."
        )

    # --- missingness -------------------------------------------------------------------------
    if missing_rate > 0:
        miss = rng.random(values.shape) < missing_rate
        values = np.where(miss, np.nan, values)
        if assay == "qpcr_ct":  # a missing well is not an undetermined one
            qc["undetermined"] = {mk: int(((values[:, j] == ct_cutoff)).sum()) for j, mk in enumerate(all_markers)} | {
                rid: int((col == ct_cutoff).sum()) for rid, col in extra_cols.items()}
            layer["undetermined"] = dict(qc["undetermined"])
        assumptions.append("Missing values: completely at random in marker cells (not references).")

    if assay == "qpcr_ct":  # the keys read_cohort uses for the same facts
        qc["ct_set_to_cutoff"] = {k: v for k, v in qc["undetermined"].items() if v}
        qc["ct_set_to_cutoff_total"] = int(sum(qc["undetermined"].values()))
    values = _round6(values)
    expr = pd.DataFrame(values, index=pd.Index(sample_ids, name="sample_id"), columns=all_markers)
    for rid, col in extra_cols.items():
        expr[rid] = _round6(col)
    clin = pd.DataFrame(clinical, index=expr.index)
    cohort = Cohort(
        expression=expr, clinical=clin, assay=assay, panel_id=panel.id, missing_markers=[],
        warnings=[], qc=qc, sources={}, spike_in=spike_name, name=name,
        reference_markers=refs,
        library_size=None if library is None else pd.Series(library, index=expr.index, name="library_size"),
        ct_cutoff=float(ct_cutoff) if assay == "qpcr_ct" else None,
    )
    truth = Truth(
        seed=seed_rec, panel_id=panel.id, panel_hash=panel.content_hash(), endpoint=ep.id,
        endpoint_kind=kind, assay=assay, n=n, n_samples=m_rows, sample_ids_format=id_format,
        markers=markers, noise_markers=noise, reference_markers=refs, spike_in=spike_name,
        spec_sign=dict(spec_sign), marker_effect={mk: float(delta_all[j]) for j, mk in enumerate(all_markers)},
        against_spec=against, unset_direction=unset,
        correlation=(float(correlation) if isinstance(correlation, (int, float)) else
                     [{"markers": list(b["markers"]), "rho": float(b.get("rho", 0.0))} for b in correlation]),
        columns=columns, batches=batch_info, missing_rate=float(missing_rate), assay_layer=layer,
        assumptions=assumptions, **truth_kw,
    )
    return cohort, truth
