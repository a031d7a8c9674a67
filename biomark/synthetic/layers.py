"""The layers :func:`biomark.synthetic.simulate` puts over the latent values: centres, assay, missingness.

Each step takes the caller's random generator and draws from it in a fixed order; the formulas are
in :mod:`biomark.synthetic.simulate`. :func:`round6` rounds every value to 6 significant digits, as
the CSV writer prints it, so that a Cohort equals what is read back from its files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from biomark.panel.schema import Panel
from biomark.synthetic.truth import SimulationError
from biomark.vocabulary import Assay


def round6(a: np.ndarray) -> np.ndarray:
    """Round to 6 significant digits exactly as ``'%.6g'`` prints; whole numbers below 1e15 (counts,
    library sizes) and NaN are kept as they are (:func:`biomark.synthetic.output.format_number`)."""
    a = np.asarray(a, dtype=float)
    if a.size == 0:
        return a
    flat = a.ravel()
    out = np.array([v if (v != v or (v == int(v) and abs(v) < 1e15)) else float(f"{v:.6g}")
                    for v in flat.tolist()])
    return out.reshape(a.shape)


def _by_marker(markers: list[str], values: np.ndarray) -> dict[str, float]:
    return dict(zip(markers, values.tolist(), strict=True))


# --- centres ------------------------------------------------------------------------------------


@dataclass
class Centres:
    """Per-sample centre labels (``None`` with one centre), the shifted latent values, the record."""

    X: np.ndarray
    labels: np.ndarray | None
    info: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)


def add_centres(rng: np.random.Generator, X: np.ndarray, markers: list[str], *, batches: int,
                batch_shift: float, paired: bool) -> Centres:
    """Assign samples to ``batches`` centres (both samples of a pair to one) and shift every marker
    by a per-centre ``N(0, batch_shift^2)`` amount."""
    info: dict[str, Any] = {"n": int(batches), "shift_sd": float(batch_shift)}
    if batches <= 1:
        return Centres(X, None, info)
    p = X.shape[1]
    if paired:
        centre = np.repeat(rng.integers(0, batches, X.shape[0] // 2), 2)
    else:
        centre = rng.integers(0, batches, X.shape[0])
    shifts = rng.normal(0.0, batch_shift, (batches, p)) if batch_shift > 0 else np.zeros((batches, p))
    info["shifts"] = {f"C{b + 1}": _by_marker(markers, shifts[b]) for b in range(batches)}
    return Centres(X + shifts[centre], np.array([f"C{c + 1}" for c in centre]), info,
                   ["Centres: every marker shifted by a per-centre N(0, batch_shift^2) amount."])


# --- assay layer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssayOptions:
    """The assay arguments of :func:`~biomark.synthetic.simulate` (same names, same meaning)."""

    ct_lod: float = 37.0
    ct_cutoff: float = 40.0
    ct_technical_sd: float = 0.25
    ct_input_sd: float = 0.5
    ct_range: tuple[float, float] = (26.0, 32.0)
    spike_in: str | None = None
    library_size: float = 2e6
    library_size_cv: float = 0.5
    nb_dispersion: float = 0.1


@dataclass
class AssayDraw:
    """What a lab would report: marker values, reference/spike-in columns, QC facts, the record."""

    values: np.ndarray
    layer: dict[str, Any]
    qc: dict[str, Any] = field(default_factory=lambda: {"synthetic": True})
    extra_cols: dict[str, np.ndarray] = field(default_factory=dict)
    library: np.ndarray | None = None
    refs: list[str] = field(default_factory=list)
    spike_name: str | None = None
    assumptions: list[str] = field(default_factory=list)


def draw_assay(rng: np.random.Generator, X: np.ndarray, markers: list[str], assay: Assay,
               panel: Panel, opts: AssayOptions) -> AssayDraw:
    """Turn latent values into the assay's reported values (log2, intensity, IHC, counts, Ct)."""
    layer: dict[str, Any] = {"assay": assay}
    if assay == "log2_expression":
        base = rng.uniform(4.0, 12.0, X.shape[1])
        layer["baseline_log2"] = _by_marker(markers, base)
        return AssayDraw(base[None, :] + X, layer)
    if assay == "intensity":
        base = rng.uniform(8.0, 14.0, X.shape[1])
        layer["baseline_log2"] = _by_marker(markers, base)
        return AssayDraw(np.exp2(base[None, :] + X), layer)
    if assay == "ihc_score":
        layer["rule"] = "clip(round(4 + 2 X), 0, 12)"
        return AssayDraw(np.clip(np.round(4.0 + 2.0 * X), 0.0, 12.0), layer)
    if assay == "counts":
        return _counts(rng, X, markers, layer, opts)
    return _qpcr(rng, X, markers, layer, panel, opts)


def _counts(rng: np.random.Generator, X: np.ndarray, markers: list[str], layer: dict[str, Any],
            opts: AssayOptions) -> AssayDraw:
    if opts.library_size <= 0 or opts.library_size_cv < 0 or opts.nb_dispersion <= 0:
        raise SimulationError("library_size, nb_dispersion must be positive and library_size_cv >= 0")
    m_rows, p = X.shape
    s2 = math.log1p(opts.library_size_cv**2)
    lib = np.round(opts.library_size * np.exp(rng.normal(0.0, math.sqrt(s2), m_rows)))
    prop = np.exp(rng.uniform(math.log(2e-5), math.log(5e-4), p))
    mu = lib[:, None] * prop[None, :] * np.exp2(X)
    size_nb = 1.0 / opts.nb_dispersion
    values = rng.negative_binomial(size_nb, size_nb / (size_nb + mu)).astype(float)
    layer.update(library_size_median=opts.library_size, library_size_cv=opts.library_size_cv,
                 nb_dispersion=opts.nb_dispersion, proportion=_by_marker(markers, prop))
    out = AssayDraw(values, layer, library=lib)
    out.qc["library_size_rule"] = ("simulated library sizes; the CSV carries them as the column sums "
                                   "(column 'other_features' holds the counts of every other feature)")
    return out


def _qpcr(rng: np.random.Generator, X: np.ndarray, markers: list[str], layer: dict[str, Any],
          panel: Panel, opts: AssayOptions) -> AssayDraw:
    ct_lod, ct_cutoff, sd = opts.ct_lod, opts.ct_cutoff, opts.ct_technical_sd
    if not (ct_lod <= ct_cutoff):
        raise SimulationError(f"ct_lod ({ct_lod}) must not exceed ct_cutoff ({ct_cutoff})")
    m_rows, p = X.shape
    c = rng.uniform(opts.ct_range[0], opts.ct_range[1], p)
    offset = rng.normal(0.0, opts.ct_input_sd, m_rows)
    ct = c[None, :] - X + offset[:, None] + rng.normal(0.0, sd, (m_rows, p))
    refs = [r.id for r in panel.reference_markers if not r.spike_in]
    spikes = [r.id for r in panel.reference_markers if r.spike_in]
    spike_name = opts.spike_in or (spikes[0] if spikes else None)
    ref_ct_mean: dict[str, float] = {}
    extra: dict[str, np.ndarray] = {}
    for rid, (lo, hi) in [*((r, (20.0, 24.0)) for r in refs),
                          *([(spike_name, (21.0, 23.0))] if spike_name is not None else [])]:
        ref_ct_mean[rid] = float(rng.uniform(lo, hi))
        extra[rid] = ref_ct_mean[rid] + offset + rng.normal(0.0, sd, m_rows)
    undetermined = ct > ct_lod
    extra = {rid: np.where(col > ct_lod, ct_cutoff, col) for rid, col in extra.items()}
    out = AssayDraw(np.where(undetermined, ct_cutoff, ct), layer, extra_cols=extra, refs=refs,
                    spike_name=spike_name)
    out.qc["undetermined"] = {mk: int(undetermined[:, j].sum()) for j, mk in enumerate(markers)}
    out.qc["undetermined"].update({rid: int((col == ct_cutoff).sum()) for rid, col in extra.items()})
    out.qc["ct_cutoff"] = ct_cutoff
    out.qc["undetermined_rule"] = (f"Ct above the limit of detection {ct_lod} is Undetermined "
                                   f"('Undetermined' in the CSV) and set to the cutoff {ct_cutoff}")
    layer.update(ct_constant=_by_marker(markers, c), reference_ct_mean=ref_ct_mean, ct_lod=ct_lod,
                 ct_cutoff=ct_cutoff, ct_technical_sd=sd, ct_input_sd=opts.ct_input_sd,
                 undetermined=dict(out.qc["undetermined"]),
                 rule="Ct = c_j - X + a_i + e; Ct > ct_lod -> 'Undetermined' (Cohort: ct_cutoff)")
    out.assumptions.append(
        "qPCR: Ct falls by one per doubling of expression (100% efficiency); a per-sample input "
        "offset shared by markers, reference markers and spike-in; Ct above the limit of "
        "detection is Undetermined."
    )
    return out


# --- missingness --------------------------------------------------------------------------------


def add_missing(rng: np.random.Generator, draw: AssayDraw, markers: list[str], assay: Assay,
                missing_rate: float, ct_cutoff: float) -> None:
    """Blank marker cells completely at random (in place), then record the Ct facts the reader
    reports (``ct_set_to_cutoff``)."""
    if missing_rate > 0:
        miss = rng.random(draw.values.shape) < missing_rate
        draw.values = np.where(miss, np.nan, draw.values)
        if assay == "qpcr_ct":  # a missing well is not an undetermined one
            und = {mk: int((draw.values[:, j] == ct_cutoff).sum()) for j, mk in enumerate(markers)}
            und |= {rid: int((col == ct_cutoff).sum()) for rid, col in draw.extra_cols.items()}
            draw.qc["undetermined"] = und
            draw.layer["undetermined"] = dict(und)
        draw.assumptions.append("Missing values: completely at random in marker cells (not references).")
    if assay == "qpcr_ct":  # the keys read_cohort uses for the same facts
        und = draw.qc["undetermined"]
        draw.qc["ct_set_to_cutoff"] = {k: v for k, v in und.items() if v}
        draw.qc["ct_set_to_cutoff_total"] = int(sum(und.values()))
