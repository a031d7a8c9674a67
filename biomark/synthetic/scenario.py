"""Scenario files: a named, reproducible call of :func:`biomark.synthetic.simulate`.

A scenario is a YAML file (read with the catalog's strict loader: no aliases, no duplicate keys)::

    scenario_version: 1
    id: escc_mir339_os                       # lower-case id
    title: ESCC serum exosomal miR-339-5p and overall survival
    description: why this scenario exists (optional)
    panel: escc_mir339_radiotherapy          # a catalog id, or a spec file relative to this file
    n: 120                                   # patients in the example cohort
    seed: 339                                # the example cohort's seed
    simulate:                                # keyword arguments of simulate(); all optional
      endpoint: overall_survival
      effect: 0.5
      censoring: 0.3

Unknown keys are errors (pydantic ``extra="forbid"``), at the top level and under ``simulate``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biomark.cohort import Cohort
from biomark.errors import SpecError
from biomark.panel.catalog import load_panel, read_yaml
from biomark.panel.schema import Panel
from biomark.synthetic.simulate import Truth, simulate
from biomark.vocabulary import Assay


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


class CorrelationBlock(_Strict):
    markers: list[str] = Field(min_length=1)
    rho: float = Field(ge=-1.0, lt=1.0)


class SimulateOptions(_Strict):
    """Keyword arguments of :func:`~biomark.synthetic.simulate` (same names, same defaults)."""

    endpoint: str | None = None
    effect: float | dict[str, float] = 0.5
    correlation: float | list[CorrelationBlock] = 0.0
    prevalence: float = Field(0.5, gt=0.0, lt=1.0)
    against_spec: list[str] = Field(default_factory=list)
    n_noise_markers: int = Field(0, ge=0, le=10_000)
    missing_rate: float = Field(0.0, ge=0.0, lt=1.0)
    batches: int = Field(1, ge=1, le=1000)
    batch_shift: float = Field(0.0, ge=0.0)
    assay: Assay | None = None
    censoring: float | None = Field(0.3, ge=0.0, lt=1.0)
    median_survival: float | None = Field(None, gt=0.0)
    follow_up: float | None = Field(None, gt=0.0)
    weibull_shape: float = Field(1.5, gt=0.0)
    pair_correlation: float = Field(0.5, gt=-1.0, lt=1.0)
    dose_levels: list[float] | None = None
    ct_lod: float = 37.0
    ct_cutoff: float = 40.0
    ct_technical_sd: float = Field(0.25, ge=0.0)
    ct_input_sd: float = Field(0.5, ge=0.0)
    ct_range: tuple[float, float] = (26.0, 32.0)
    spike_in: str | None = None
    library_size: float = Field(2e6, gt=0.0)
    library_size_cv: float = Field(0.5, ge=0.0)
    nb_dispersion: float = Field(0.1, gt=0.0)

    def kwargs(self) -> dict[str, Any]:
        out = self.model_dump()
        if isinstance(self.correlation, list):
            out["correlation"] = [b.model_dump() for b in self.correlation]
        return out


class Scenario(_Strict):
    """A validated scenario file."""

    scenario_version: Literal[1] = 1
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_]*$")
    title: str = Field(min_length=1)
    description: str | None = None
    panel: str = Field(min_length=1)
    n: int = Field(100, ge=2, le=1_000_000)
    seed: int = Field(0, ge=0)
    simulate: SimulateOptions = Field(default_factory=SimulateOptions)
    source: str | None = Field(None, exclude=True)  # path of the file it was read from

    def load_panel(self) -> Panel:
        """The scenario's panel: a catalog id, or a spec path relative to the scenario file."""
        ref = self.panel
        if ref.endswith((".yaml", ".yml")) or "/" in ref:
            base = Path(self.source).parent if self.source else Path(".")
            path = Path(ref) if Path(ref).is_absolute() else base / ref
            return load_panel(str(path))
        return load_panel(ref)

    def run(self, *, n: int | None = None, seed: int | None = None, **overrides: Any) -> tuple[Cohort, Truth]:
        """Simulate the scenario (``n``, ``seed`` and simulate() arguments may be overridden)."""
        kw = self.simulate.kwargs()
        kw.update(overrides)
        return simulate(self.load_panel(), self.n if n is None else n,
                        seed=self.seed if seed is None else seed, name=self.id, **kw)


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        owner = SimulateOptions if err["loc"][:1] == ("simulate",) else Scenario
        allowed = ", ".join(k for k in owner.model_fields if k != "source")
        return f"{loc}: unknown key; allowed keys are: {allowed}"
    if err["type"] == "missing":
        return f"{loc}: required key is missing"
    return f"{loc}: {err['msg']} (got {err.get('input')!r})"


def scenario_from_data(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a scenario must be a mapping of keys; see docs/synthetic.md")
    if "source" in data:
        raise SpecError(f"{source}: source: unknown key; allowed keys are: "
                        + ", ".join(k for k in Scenario.model_fields if k != "source"))
    try:
        sc = Scenario.model_validate({**data, "source": source})
    except ValidationError as exc:
        errs = exc.errors()
        more = f" (and {len(errs) - 1} more problems)" if len(errs) > 1 else ""
        raise SpecError(f"{source}: {_describe(errs[0])}{more}") from None
    return sc


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario YAML file; raise :class:`~biomark.errors.SpecError` naming the key."""
    return scenario_from_data(read_yaml(path), str(path))


def scenario_dir() -> Path:
    """The shipped scenario directory (``synthetic/`` of a checkout, or inside the wheel)."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "_data" / "synthetic"
    if installed.is_dir():
        return installed
    return here.parent / "synthetic"


def list_scenarios() -> list[Path]:
    """Scenario files shipped with biomark, sorted by name."""
    d = scenario_dir()
    return sorted(d.glob("*.yaml")) if d.is_dir() else []
