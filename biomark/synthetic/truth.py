"""The truth of a simulated cohort: every assumption it was generated from, and what they imply."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from biomark._plain import to_plain
from biomark.errors import BiomarkError
from biomark.vocabulary import Assay, EndpointKind


class SimulationError(BiomarkError, ValueError):
    """An impossible or inconsistent simulation request (names the argument and what to do)."""


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
    endpoint_kind: EndpointKind
    assay: Assay
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
        return to_plain(self, nonfinite="null", digits=10)  # stable across platforms in the last ulp

    def to_json(self) -> str:
        """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"


def seed_record(seed: Any) -> Any:
    """How ``truth.json`` records the seed: the integer, or a SeedSequence's entropy and spawn key."""
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": int(seed.entropy) if seed.entropy is not None else None,
                "spawn_key": [int(k) for k in seed.spawn_key]}
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    raise SimulationError(f"seed: {seed!r} is not an integer; give a non-negative integer seed")
