"""The panel spec model (pydantic v2).

A panel spec is one YAML file: markers with a literature direction per endpoint, the specimen and assay
they are measured in, a scoring rule, and the evidence (seed review, reference number, quoted sentence)
each direction rests on. ``docs/panels.md`` is the user-facing reference with a commented example.

Structural rules (unknown keys, types, enumerations) are enforced by the pydantic models, whose
enumerations of assays, directions, scoring rules and time units come from :mod:`biomark.vocabulary`
(each endpoint model's ``kind`` is one of ``vocabulary.ENDPOINT_KINDS``, checked by a test); rules that
span several keys (a direction for an endpoint the panel does not have, duplicate markers, weights
for the ``weights`` rule, ...) are checked by :func:`semantic_errors`, which returns key paths so the
message can say exactly where the problem is.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from biomark.panel.names import normalize
from biomark.vocabulary import (
    DIRECTION_SIGN,
    Assay,
    Direction,
    ScoringRule,
    TimeUnit,
    directions_for,
)

Specimen = Literal[
    "serum", "plasma", "whole_blood", "body_fluids", "urine", "saliva", "tissue", "cell_line",
    "xenograft", "other",
]
Compartment = Literal["exosome", "circulating", "tissue", "cellular"]
MarkerType = Literal["miRNA", "circRNA", "lncRNA", "mRNA", "protein", "piRNA", "other"]
EvidenceLevel = Literal[
    "patient_cohort", "patient_serum_or_plasma", "mechanistic_in_vitro", "mechanistic_in_vivo",
]


class _Strict(BaseModel):
    # allow_inf_nan=False: a weight of .inf or .nan (or 1e400, read as inf) is refused with its key path
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


# Bounds on the numbers of a spec (finite is checked by the config above). Generous for real panels; a
# value beyond them is a typo or a hostile file and would make every score inf or 0.
MAX_ABS_WEIGHT = 1e6
MAX_ABS_CUTOFF = 1e12
MAX_DOSE = 1e6
Weight = Annotated[float, Field(ge=-MAX_ABS_WEIGHT, le=MAX_ABS_WEIGHT)]
Cutoff = Annotated[float, Field(ge=-MAX_ABS_CUTOFF, le=MAX_ABS_CUTOFF)]


class BinaryEndpoint(_Strict):
    """Case/control endpoint. ``direction: up`` means higher in ``positive_class``."""

    id: str = Field(min_length=1)
    kind: Literal["binary"]
    description: str | None = None
    positive_class: str = Field(min_length=1)
    negative_class: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)  # label -> what it means


class SurvivalEndpoint(_Strict):
    """Time-to-event endpoint. ``risk``: higher level, shorter survival (HR > 1)."""

    id: str = Field(min_length=1)
    kind: Literal["survival"]
    description: str | None = None
    event: str = "death"  # what an event is (death, progression, recurrence)
    time_unit: TimeUnit = "months"
    # the competing event, e.g. "death without recurrence": the event column is then 0 censored / 1 event / 2 competing
    competing: str | None = Field(default=None, min_length=1)


class ChangeEndpoint(_Strict):
    """Change over treatment: ``up`` means post − pre > 0 (level rises after treatment)."""

    id: str = Field(min_length=1)
    kind: Literal["change"]
    description: str | None = None
    pre: str = "pre"
    post: str = "post"


class DoseEndpoint(_Strict):
    """Dose trend: ``up`` means the level rises with dose."""

    id: str = Field(min_length=1)
    kind: Literal["dose"]
    description: str | None = None
    unit: str = "Gy"
    levels: list[Annotated[float, Field(ge=0, le=MAX_DOSE)]] = Field(default_factory=list)


Endpoint = Annotated[
    BinaryEndpoint | SurvivalEndpoint | ChangeEndpoint | DoseEndpoint, Field(discriminator="kind")
]


class Marker(_Strict):
    """One panel marker: canonical id, type, aliases, expected direction per endpoint id.

    A direction of ``null`` means the literature does not settle it (see ``conflicts``).
    """

    id: str = Field(min_length=1)
    type: MarkerType
    aliases: list[str] = Field(default_factory=list)
    direction: dict[str, Direction | None] = Field(default_factory=dict)
    weight: Weight | None = None  # published weight, used by the "weights" scoring rule
    role: str | None = None  # e.g. "promotes radioresistance"
    note: str | None = None
    allow_armless: bool = False  # a file's armless miRNA name (miR-339) may match this armed id, with a warning


class ReferenceMarker(_Strict):
    """A reference (housekeeping) marker or spike-in used to normalise qPCR Ct values."""

    id: str = Field(min_length=1)
    type: MarkerType = "other"
    aliases: list[str] = Field(default_factory=list)
    spike_in: bool = False


class Condition(_Strict):
    marker: str
    level: Literal["high", "low"]
    cutoff: Cutoff | None = None  # None: the training-set median


class Scoring(_Strict):
    """How a score is made from the markers.

    ``signed_z`` (default): mean of per-marker z-scores, each multiplied by the sign of its expected
    direction. ``weights``: sum of published weights times the (preprocessed) levels. ``boolean``:
    1 when the conditions hold (``all`` or ``any``), else 0, e.g. "Axl high and LC3 low".
    """

    rule: ScoringRule = "signed_z"
    endpoint: str | None = None  # which endpoint's directions sign the score (default: first)
    combine: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(default_factory=list)


class Evidence(_Strict):
    seed: str = Field(min_length=1)  # seed file name, e.g. 002_d24a42885fe5c4b5.txt
    reference: Annotated[int, Field(ge=0, le=10**6)] | str  # the review's reference number, e.g. 46
    sentence: str = Field(min_length=1)  # quoted exactly as in the seed
    level: EvidenceLevel
    markers: list[str] = Field(default_factory=list)
    location: str | None = None  # e.g. "Table 2", "text"


class Conflict(_Strict):
    marker: str
    endpoint: str | None = None
    description: str = Field(min_length=1)
    sentences: list[str] = Field(default_factory=list)


class Panel(_Strict):
    """A validated panel spec."""

    schema_version: Literal[1] = 1
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_]*$")
    title: str = Field(min_length=1)
    cancer_type: str = Field(min_length=1)
    specimen: Specimen
    compartment: Compartment
    assay: Assay
    endpoints: list[Endpoint] = Field(min_length=1)
    markers: list[Marker] = Field(min_length=1)
    reference_markers: list[ReferenceMarker] = Field(default_factory=list)
    scoring: Scoring = Field(default_factory=Scoring)
    evidence: list[Evidence] = Field(min_length=1)
    conflicts: list[Conflict] = Field(default_factory=list)
    notes: str | None = None
    allow_armless: bool = False  # every marker: see Marker.allow_armless

    # --- convenience -------------------------------------------------------------------------
    @property
    def marker_ids(self) -> list[str]:
        return [m.id for m in self.markers]

    @property
    def endpoint_ids(self) -> list[str]:
        return [e.id for e in self.endpoints]

    def endpoint(self, endpoint_id: str | None = None) -> Endpoint:
        """The endpoint of that id, or the first one."""
        if endpoint_id is None:
            return self.endpoints[0]
        for e in self.endpoints:
            if e.id == endpoint_id:
                return e
        raise KeyError(endpoint_id)

    def marker(self, marker_id: str) -> Marker:
        for m in self.markers:
            if m.id == marker_id:
                return m
        raise KeyError(marker_id)

    def directions(self, endpoint_id: str | None = None) -> dict[str, str | None]:
        """Expected direction of every marker for one endpoint (``None`` where unset)."""
        eid = self.endpoint(endpoint_id).id
        return {m.id: m.direction.get(eid) for m in self.markers}

    def signs(self, endpoint_id: str | None = None) -> dict[str, int]:
        """+1 for ``up``/``risk``, −1 for ``down``/``protective``, 0 where unset."""
        return {k: DIRECTION_SIGN[v] for k, v in self.directions(endpoint_id).items()}

    def spec_dict(self) -> dict[str, Any]:
        """``model_dump(mode="json")`` without ``allow_armless: false`` and a survival endpoint's
        ``competing: null`` (both added later: a spec without them keeps its content hash and its results JSON)."""
        d = self.model_dump(mode="json")
        _drop_false(d, "allow_armless")
        for m in d["markers"]:
            _drop_false(m, "allow_armless")
        for e in d["endpoints"]:
            drop_unset_competing(e)
        return d

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the spec (stable across YAML formatting)."""
        blob = json.dumps(self.spec_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def drop_unset_competing(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Remove ``competing: None`` from a dumped survival endpoint (in place; returned for chaining), so that
    every record written before the key existed (content hash, results JSON, model file) stays the same.

    Examples
    --------
    >>> drop_unset_competing({"kind": "survival", "id": "os", "competing": None})
    {'kind': 'survival', 'id': 'os'}
    """
    if endpoint.get("kind") == "survival" and endpoint.get("competing", 0) is None:
        endpoint.pop("competing")
    return endpoint


def _drop_false(d: dict[str, Any], key: str) -> None:
    if d.get(key) is False:
        d.pop(key)


def semantic_errors(panel: Panel) -> list[tuple[str, str]]:
    """Rules that span several keys. Returns ``(key_path, message)`` pairs, empty when valid."""
    errors: list[tuple[str, str]] = []
    endpoint_kinds: dict[str, str] = {}
    for i, e in enumerate(panel.endpoints):
        if e.id in endpoint_kinds:
            errors.append((f"endpoints[{i}].id", f"duplicate endpoint id '{e.id}'"))
        endpoint_kinds[e.id] = e.kind
    eps = ", ".join(endpoint_kinds)
    for i, e in enumerate(panel.endpoints):
        if isinstance(e, BinaryEndpoint) and e.negative_class is not None \
                and e.negative_class.casefold() == e.positive_class.casefold():
            errors.append((f"endpoints[{i}].negative_class",
                           f"'{e.negative_class}' is also the positive_class; name the two classes differently"))

    seen: dict[str, str] = {}
    for i, m in enumerate(panel.markers):
        for j, name in enumerate([m.id, *m.aliases]):
            key = _dup_key(name)
            where = f"markers[{i}].id" if j == 0 else f"markers[{i}].aliases[{j - 1}]"
            if key in seen and seen[key] != m.id:
                errors.append((where, f"duplicate marker name '{name}' (already used by marker '{seen[key]}')"))
            elif key in seen and j > 0:
                pass  # an alias repeating its own marker's id is harmless
            elif key in seen:
                errors.append((where, f"duplicate marker '{name}'"))
            seen.setdefault(key, m.id)
        for ep, d in m.direction.items():
            path = f"markers[{i}].direction.{ep}"
            if ep not in endpoint_kinds:
                errors.append((path, f"unknown endpoint '{ep}'; endpoints are: {eps}"))
                continue
            kind = endpoint_kinds[ep]
            allowed = directions_for(kind)
            if d is not None and d not in allowed:
                errors.append(
                    (path, f"direction '{d}' does not fit a {kind} endpoint; use one of: "
                     + ", ".join(allowed) + " (or null when the literature does not settle it)")
                )
    for i, r in enumerate(panel.reference_markers):
        for name in [r.id, *r.aliases]:
            key = _dup_key(name)
            if key in seen:
                errors.append((f"reference_markers[{i}].id",
                               f"reference marker '{name}' is also a marker of the panel"))
    if panel.reference_markers and panel.assay != "qpcr_ct":
        errors.append(("reference_markers", f"reference markers only apply to assay qpcr_ct, not '{panel.assay}'"))

    sc = panel.scoring
    if sc.endpoint is not None and sc.endpoint not in endpoint_kinds:
        errors.append(("scoring.endpoint", f"unknown endpoint '{sc.endpoint}'; endpoints are: {eps}"))
    if sc.rule == "weights":
        for i, m in enumerate(panel.markers):
            if m.weight is None:
                errors.append((f"markers[{i}].weight", "the 'weights' scoring rule needs a weight for every marker"))
    if sc.rule == "boolean":
        if not sc.conditions:
            errors.append(("scoring.conditions", "the 'boolean' scoring rule needs at least one condition"))
        ids = set(panel.marker_ids)
        for i, c in enumerate(sc.conditions):
            if c.marker not in ids:
                errors.append((f"scoring.conditions[{i}].marker",
                               f"unknown marker '{c.marker}'; markers are: {', '.join(panel.marker_ids)}"))
    elif sc.conditions:
        errors.append(("scoring.conditions", f"conditions only apply to the 'boolean' rule, not '{sc.rule}'"))

    ids = set(panel.marker_ids)
    for i, ev in enumerate(panel.evidence):
        for j, mk in enumerate(ev.markers):
            if mk not in ids:
                errors.append((f"evidence[{i}].markers[{j}]", f"unknown marker '{mk}'"))
    for i, c in enumerate(panel.conflicts):
        if c.marker not in ids:
            errors.append((f"conflicts[{i}].marker", f"unknown marker '{c.marker}'"))
        if c.endpoint is not None and c.endpoint not in endpoint_kinds:
            errors.append((f"conflicts[{i}].endpoint", f"unknown endpoint '{c.endpoint}'; endpoints are: {eps}"))
    return errors


def _dup_key(name: str) -> str:
    return normalize(name)


def field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def json_schema() -> dict[str, Any]:
    """The JSON schema of a panel spec (for editors and docs)."""
    return Panel.model_json_schema()
