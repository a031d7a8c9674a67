"""The screen's result as typed, frozen sections: the schema ``biomark.screen/1`` (screen.json).

``biomark screen`` writes its own JSON (screen.json), not a results.json, so its JSON Schema is a
separate file, ``screen.schema.json`` beside this module; :func:`screen_json_schema` generates it from
:class:`ScreenResult`'s type hints with the same machinery as results.schema.json
(:mod:`biomark.validation._typed`), and tests/test_screen_report.py checks that the shipped file is
current. Rewrite it after changing a class here with
``python -c "from biomark.validation.schema_screen import write_screen_json_schema as w; w()"``.

The module is imported at the end of :mod:`biomark.validation.schema` (the project's rule for schema
sections) but depends on nothing there.

Examples
--------
>>> u = Untestable("crc_x", "markers", "none of its 2 marker(s) is in the cohort")
>>> to_plain(u)["category"]
'markers'
>>> parse_screen({"schema": SCREEN_SCHEMA, "claims": [], "untestable": [to_plain(u)], "contradictions": [],
...               "settings": {}, "counts": {}, "warnings": []}).untestable[0].panel_id
'crc_x'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from biomark.atomic import write_text_atomic
from biomark.validation._typed import from_plain, json_schema, to_plain

__all__ = ["SCREEN_SCHEMA", "UNTESTABLE_CATEGORIES", "Claim", "LedgerConflict", "MarkerEffect", "ScreenResult",
           "Untestable", "parse_screen", "screen_json_schema", "write_screen_json_schema"]

SCREEN_SCHEMA = "biomark.screen/1"
VERDICTS = ("replicated", "contradicted", "not replicated", "inconclusive")
# why a panel was not tested, in a word (the reason says the rest):
UNTESTABLE_CATEGORIES = ("cancer filter", "specimen filter", "markers", "endpoint not mapped",
                         "endpoint kind", "no direction", "outcome column", "not computable")


@dataclass(frozen=True)
class MarkerEffect:
    """One marker alone, in its published direction: AUC (binary) or HR per SD (survival) with its 95 % CI.

    ``effect`` is the same on the volcano's scale: AUC - 0.5, or log HR; > 0 agrees with the literature.
    """

    marker: str
    column: str
    estimate: float
    ci_low: float
    ci_high: float
    effect: float
    effect_low: float
    effect_high: float


@dataclass(frozen=True)
class Claim:
    """One tested claim: a panel's published direction for one endpoint, in this cohort.

    ``statistic`` is ``auc`` (AUC with higher score = the positive class, DeLong CI) or ``hr_per_sd``
    (Cox HR per SD of the score, Wald CI); ``effect`` is AUC - 0.5 or log HR (> 0: the literature's
    direction). ``evidence`` is the strongest level of the sentences that carry the tested markers'
    directions (``direction_levels``); ``cell_line_only`` when every one of those is in vitro work.
    ``seed`` is the claim's own seed (power simulation and its validation report); ``report`` the file
    name of its full validation report, when one was written.
    """

    panel_id: str
    endpoint: str
    kind: str
    column: str
    markers: tuple[str, ...]
    coverage: str  # "2/3"
    n: int
    n_cases: int  # binary: positives; survival: events
    statistic: str  # "auc" or "hr_per_sd"
    estimate: float
    ci_low: float
    ci_high: float
    effect: float
    effect_low: float
    effect_high: float
    concordance: float | None
    p: float
    q: float
    right_direction: bool
    power: float
    verdict: str
    marker_checks: dict[str, bool]
    marker_effects: tuple[MarkerEffect, ...]
    evidence_levels: tuple[str, ...]
    direction_levels: tuple[str, ...]
    evidence: str
    mechanistic_only: bool
    cell_line_only: bool
    specimen: str
    compartment: str
    specimen_match: str
    cancer_type: str
    sentence: str
    seed: int
    report: str | None = None


@dataclass(frozen=True)
class Untestable:
    """A panel the screen could not test: the category (one of :data:`UNTESTABLE_CATEGORIES`) and why."""

    panel_id: str
    category: str
    reason: str


@dataclass(frozen=True)
class LedgerConflict:
    """Specs claiming opposite directions for a marker of a tested claim (:mod:`biomark.panel.ledger`)."""

    marker: str
    axis: str
    up: tuple[str, ...]
    down: tuple[str, ...]
    claims: tuple[str, ...]  # "panel/endpoint" of the tested claims holding the marker


@dataclass(frozen=True)
class ScreenResult:
    """Claims tested (ranked by q), panels not testable with a reason, contradictions, settings, counts."""

    claims: tuple[Claim, ...]
    untestable: tuple[Untestable, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    contradictions: tuple[LedgerConflict, ...] = ()
    warnings: tuple[str, ...] = ()
    schema: str = SCREEN_SCHEMA

    @property
    def counts(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.claims) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        """Plain, strict-JSON data: a float that is not finite (an effect not estimable) is ``None``."""
        from biomark.stats._result import _plain

        d = _plain(to_plain(self), inf_as_string=False)
        d["counts"] = self.counts
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def summary(self) -> str:
        head = (f"screen: {len(self.claims)} claim(s) tested, {len(self.untestable)} panel(s) untestable; "
                + ", ".join(f"{k} {v}" for k, v in self.counts.items()))
        rows = [f"  {c.verdict:15s} {c.panel_id} [{c.endpoint}] {c.statistic}={c.estimate:.3f} q={c.q:.3g} "
                f"power={c.power:.2f}" + (" (cell-line evidence only)" if c.cell_line_only else
                                          " (mechanistic evidence only)" if c.mechanistic_only else "")
                for c in self.claims]
        return "\n".join([head, *rows])


def parse_screen(data: dict[str, Any], *, strict: bool = True) -> ScreenResult:
    """screen.json (plain data) read back into :class:`ScreenResult` (``counts`` is derived, so dropped)."""
    d = {k: v for k, v in data.items() if k != "counts"}
    return from_plain(ScreenResult, d, strict=strict)


def screen_json_schema() -> dict[str, Any]:
    """The JSON Schema of screen.json, generated from :class:`ScreenResult` (plus its ``counts``)."""
    s = json_schema(ScreenResult, schema_id=SCREEN_SCHEMA, title="biomark screen result")
    root = s["$defs"]["ScreenResult"]
    root["properties"]["counts"] = {"type": "object", "additionalProperties": {"type": "integer"}}
    root["properties"] = dict(sorted(root["properties"].items()))
    root["required"] = sorted({*root["required"], "counts"})
    return s


def shipped_screen_json_schema() -> dict[str, Any]:
    return json.loads(resources.files("biomark.validation").joinpath("screen.schema.json").read_text("utf-8"))


def screen_json_schema_text() -> str:
    return json.dumps(screen_json_schema(), indent=1, ensure_ascii=False) + "\n"


def write_screen_json_schema() -> None:
    """Rewrite the shipped screen.schema.json (run after changing a class of this module)."""
    write_text_atomic(str(resources.files("biomark.validation").joinpath("screen.schema.json")),
                      screen_json_schema_text())
