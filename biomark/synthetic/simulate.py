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
The steps, in the order they draw random numbers, are :func:`biomark.synthetic.endpoints.draw_endpoint`
(latent values and outcome), :func:`biomark.synthetic.layers.add_centres`,
:func:`~biomark.synthetic.layers.draw_assay` and :func:`~biomark.synthetic.layers.add_missing`;
:class:`~biomark.synthetic.truth.Truth` records what they drew.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.panel.catalog import load_panel
from biomark.panel.schema import Endpoint, Panel
from biomark.synthetic.endpoints import (
    Design,
    EndpointDraw,
    EndpointOptions,
    draw_endpoint,
    sample_ids,
)
from biomark.synthetic.layers import (
    AssayDraw,
    AssayOptions,
    Centres,
    add_centres,
    add_missing,
    draw_assay,
    round6,
)
from biomark.synthetic.truth import SimulationError, Truth, seed_record
from biomark.vocabulary import ASSAYS, Assay

__all__ = ["SimulationError", "Truth", "simulate"]


def simulate(
    panel: Panel | str, n: int, *, seed: int | np.random.SeedSequence, endpoint: str | None = None,
    effect: float | Mapping[str, float] = 0.5, correlation: float | Sequence[Mapping[str, Any]] = 0.0,
    prevalence: float = 0.5, against_spec: Sequence[str] = (), n_noise_markers: int = 0,
    missing_rate: float = 0.0, batches: int = 1, batch_shift: float = 0.0, assay: Assay | None = None,
    censoring: float | None = 0.3, median_survival: float | None = None,
    follow_up: float | None = None, weibull_shape: float = 1.5, pair_correlation: float = 0.5,
    dose_levels: Sequence[float] | None = None, ct_lod: float = 37.0, ct_cutoff: float = 40.0,
    ct_technical_sd: float = 0.25, ct_input_sd: float = 0.5,
    ct_range: tuple[float, float] = (26.0, 32.0), spike_in: str | None = None,
    library_size: float = 2e6, library_size_cv: float = 0.5, nb_dispersion: float = 0.1,
    name: str = "synthetic",
) -> tuple[Cohort, Truth]:
    """Simulate a cohort for ``panel`` with known truth (the model is in the module docstring).

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.schema.Panel`, a catalog id or a spec file path.
    n, seed
        Patients (a change endpoint gives ``2 n`` samples); an integer or ``SeedSequence``, the only
        source of randomness.
    endpoint
        Endpoint id (default: ``panel.scoring.endpoint`` or the first endpoint).
    effect
        Standardised size for every marker with a direction, or a mapping marker id -> size (binary:
        mean difference in SD; survival: log-HR per SD; change: mean change in SD; dose: shift over
        the dose range in SD). Signs come from the spec, reversed for ``against_spec`` markers.
    correlation
        Compound symmetry among the panel markers, or blocks ``{"markers": [...], "rho": r}``.
    prevalence, censoring
        Fraction of cases (exactly ``round(n * prevalence)``); target population censoring fraction
        (``None``: administrative censoring only).
    n_noise_markers, missing_rate, batches, batch_shift, assay
        Markers with no effect (``noise_001``, ...); probability a marker cell is missing (MCAR);
        centres (column ``centre``) and the SD of their shifts; overrides ``panel.assay``.
    median_survival, follow_up, weibull_shape, pair_correlation, dose_levels
        Weibull baseline median and administrative follow-up (time unit of the endpoint; 24 and 60
        months by default) and shape; pre/post correlation; dose levels (default: the endpoint's).
    ct_lod, ct_cutoff, ct_technical_sd, ct_input_sd, ct_range, spike_in
        qPCR layer: a Ct above ``ct_lod`` is Undetermined, held as ``ct_cutoff``; spike-in column.
    library_size, library_size_cv, nb_dispersion, name
        Counts layer: median library size, its CV, NB dispersion; the Cohort's label.

    Returns
    -------
    (Cohort, Truth)

    Examples
    --------
    >>> cohort, truth = simulate("npc_circmyc_radioresistance", 100, seed=38, effect=0.8)
    >>> cohort.n_samples, round(truth.true_auc_marker["circMYC"], 3)
    (100, 0.714)
    """
    panel = load_panel(panel)
    seed_rec = seed_record(seed)
    assay = assay or panel.assay
    _check_size(n, len(panel.markers), n_noise_markers)
    design = _design(panel, n, endpoint, assay, effect=effect, against_spec=against_spec,
                     correlation=correlation, prevalence=prevalence, missing_rate=missing_rate,
                     n_noise_markers=n_noise_markers, batches=batches, batch_shift=batch_shift)
    rng = np.random.default_rng(seed)
    drawn = draw_endpoint(design, rng, EndpointOptions(
        prevalence=prevalence, censoring=censoring, median_survival=median_survival,
        follow_up=follow_up, weibull_shape=weibull_shape, pair_correlation=pair_correlation,
        dose_levels=dose_levels))
    centres = add_centres(rng, drawn.X, design.all_markers, batches=batches, batch_shift=batch_shift,
                          paired=design.endpoint.kind == "change")
    lab = draw_assay(rng, centres.X, design.all_markers, assay, panel, AssayOptions(
        ct_lod=ct_lod, ct_cutoff=ct_cutoff, ct_technical_sd=ct_technical_sd, ct_input_sd=ct_input_sd,
        ct_range=ct_range, spike_in=spike_in, library_size=library_size,
        library_size_cv=library_size_cv, nb_dispersion=nb_dispersion))
    add_missing(rng, lab, design.all_markers, assay, missing_rate, ct_cutoff)
    cohort = _cohort(panel, design, drawn, centres.labels, lab, assay, ct_cutoff, name)
    return cohort, _truth(panel, design, drawn, centres, lab, seed=seed_rec, assay=assay,
                          correlation=correlation, missing_rate=missing_rate)


# ----------------------------------------------------------------------------------------------
# checking and resolving the request

MAX_CELLS = 50_000_000  # patients x markers: ~0.4 GB in memory (several copies), ~0.5 GB of CSV


def _check_size(n: Any, k: int, n_noise: Any) -> None:
    """Refuse a cohort too large to hold (``n_noise_markers=100_000_000`` allocated 5 GB)."""
    if isinstance(n, (int, np.integer)) and isinstance(n_noise, (int, np.integer)) and n > 0 and n_noise >= 0:
        cells = int(n) * (k + int(n_noise))
        if cells > MAX_CELLS:
            raise SimulationError(f"n={n} patients times {k + int(n_noise)} markers (n_noise_markers={n_noise}) is "
                                  f"{cells} values, more than the limit of {MAX_CELLS}; lower n or n_noise_markers")


def _design(panel: Panel, n: Any, endpoint: str | None, assay: str, *,
            effect: float | Mapping[str, float], against_spec: Sequence[str],
            correlation: float | Sequence[Mapping[str, Any]], prevalence: float, missing_rate: float,
            n_noise_markers: int, batches: int, batch_shift: float) -> Design:
    """Check the request (in a fixed order, so the first problem is the one reported) and resolve
    markers, signed effects and the latent correlation."""
    n = _check_n(n)
    ep = _endpoint(panel, endpoint)
    if assay not in ASSAYS:
        raise SimulationError(f"assay: '{assay}' is not one of: {', '.join(ASSAYS)}")
    _check_rates(prevalence, missing_rate, n_noise_markers, batches, batch_shift)
    markers = panel.marker_ids
    spec_sign = panel.signs(ep.id)
    against = _against(against_spec, spec_sign, markers, ep.id)
    size = _sizes(effect, spec_sign, markers)
    sim_sign = {mk: (-spec_sign[mk] if mk in against else spec_sign[mk]) for mk in markers}
    noise = [f"noise_{i + 1:03d}" for i in range(int(n_noise_markers))]
    R = _correlation_matrix(correlation, markers, len(noise))
    return Design(
        endpoint=ep, n=n, markers=markers, noise=noise, spec_sign=spec_sign, against=against,
        unset=[mk for mk in markers if spec_sign[mk] == 0],
        delta=np.array([size[mk] * sim_sign[mk] for mk in markers]), R=R, L=np.linalg.cholesky(R),
    )


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SimulationError(f"n: {n!r} is not a usable sample size; give an integer of at least 2")
    if int(n) > 10_000_000:
        raise SimulationError(f"n: {int(n)} is too large for an in-memory simulation; use at most 10,000,000")
    return int(n)


def _endpoint(panel: Panel, endpoint: str | None) -> Endpoint:
    eid = endpoint if endpoint is not None else (panel.scoring.endpoint or panel.endpoints[0].id)
    try:
        return panel.endpoint(eid)
    except KeyError:
        raise SimulationError(
            f"endpoint: panel '{panel.id}' has no endpoint '{eid}'; endpoints are: "
            + ", ".join(panel.endpoint_ids)
        ) from None


def _check_rates(prevalence: float, missing_rate: float, n_noise_markers: int, batches: int,
                 batch_shift: float) -> None:
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


def _against(against_spec: Sequence[str], spec_sign: dict[str, int], markers: list[str],
             endpoint_id: str) -> list[str]:
    against = list(dict.fromkeys(against_spec))
    for mk in against:
        if mk not in spec_sign:
            raise SimulationError(
                f"against_spec: unknown marker '{mk}'; markers are: {', '.join(markers)}"
            )
        if spec_sign[mk] == 0:
            raise SimulationError(
                f"against_spec: marker '{mk}' has no direction for endpoint '{endpoint_id}', so it "
                "cannot go against it; set a direction in the spec or drop it from against_spec"
            )
    return against


def _sizes(effect: float | Mapping[str, float], spec_sign: dict[str, int],
           markers: list[str]) -> dict[str, float]:
    """The unsigned effect size of every panel marker."""
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
    return size


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


def _correlation_record(correlation: float | Sequence[Mapping[str, Any]]) -> Any:
    if isinstance(correlation, (int, float)):
        return float(correlation)
    return [{"markers": list(b["markers"]), "rho": float(b.get("rho", 0.0))} for b in correlation]


# ----------------------------------------------------------------------------------------------
# assembling the Cohort and the Truth


def _cohort(panel: Panel, design: Design, drawn: EndpointDraw, centre: np.ndarray | None,
            lab: AssayDraw, assay: str, ct_cutoff: float, name: str) -> Cohort:
    """The Cohort: values rounded to 6 significant digits, reference columns after the markers,
    the endpoint's clinical columns and then ``centre``."""
    index = pd.Index(sample_ids(design)[0], name="sample_id")
    expr = pd.DataFrame(round6(lab.values), index=index, columns=design.all_markers)
    for rid, col in lab.extra_cols.items():
        expr[rid] = round6(col)
    clinical = dict(drawn.clinical)
    if centre is not None:
        clinical["centre"] = centre
    library = lab.library
    return Cohort(
        expression=expr, clinical=pd.DataFrame(clinical, index=expr.index), assay=assay,
        panel_id=panel.id, missing_markers=[], warnings=[], qc=lab.qc, sources={},
        spike_in=lab.spike_name, name=name, reference_markers=lab.refs,
        library_size=None if library is None else pd.Series(library, index=expr.index, name="library_size"),
        ct_cutoff=float(ct_cutoff) if assay == "qpcr_ct" else None,
    )


def _truth(panel: Panel, design: Design, drawn: EndpointDraw, centres: Centres, lab: AssayDraw, *,
           seed: Any, assay: str, correlation: Any, missing_rate: float) -> Truth:
    columns = dict(drawn.columns)
    if centres.labels is not None:
        columns["centre"] = "centre"
    return Truth(
        seed=seed, panel_id=panel.id, panel_hash=panel.content_hash(), endpoint=design.endpoint.id,
        endpoint_kind=design.endpoint.kind, assay=assay, n=design.n, n_samples=drawn.X.shape[0],
        sample_ids_format=sample_ids(design)[1], markers=design.markers, noise_markers=design.noise,
        reference_markers=lab.refs, spike_in=lab.spike_name, spec_sign=dict(design.spec_sign),
        marker_effect={mk: float(v) for mk, v in zip(design.all_markers, design.delta_all, strict=True)},
        against_spec=design.against, unset_direction=design.unset,
        correlation=_correlation_record(correlation), columns=columns, batches=centres.info,
        missing_rate=float(missing_rate), assay_layer=lab.layer,
        assumptions=[*_assumptions(design), *drawn.assumptions, *centres.assumptions, *lab.assumptions],
        **drawn.truth,
    )


def _assumptions(design: Design) -> list[str]:
    out = [
        "The reviews give directions only; every effect size here is an assumption.",
        "Latent marker values are multivariate normal with unit variance (SD units).",
    ]
    if design.unset:
        out.append(f"Markers without a direction for '{design.endpoint.id}' get no effect: "
                   f"{', '.join(design.unset)}.")
    if design.against:
        out.append(f"Simulated against their spec direction: {', '.join(design.against)}.")
    return out
