"""biomark.vocabulary is the one spelling of assays, endpoint kinds, directions, scoring rules and methods.

The spec model, the click choices and the docs tables must list exactly its values: these tests fail
when a value is added in one place and not in the others.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import click
import pytest

from biomark import vocabulary as v
from biomark.cli import cli
from biomark.panel import schema
from biomark.synthetic import endpoints
from biomark.synthetic.power import GOALS
from biomark.synthetic.scenario import SimulateOptions

ROOT = Path(__file__).resolve().parents[2]
PANELS_MD = (ROOT / "docs" / "panels.md").read_text()
SYNTHETIC_MD = (ROOT / "docs" / "synthetic.md").read_text()


def _rows(text: str, header: str, first: str | None = None) -> list[list[str]]:
    """The body rows of the Markdown table whose header line starts with ``header`` (the first such
    table with a row whose first cell is ``first``, when given)."""
    lines = text.splitlines()
    for start in (i for i, line in enumerate(lines) if line.startswith(header)):
        rows = []
        for line in lines[start + 2:]:
            if not line.startswith("|"):
                break
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
        if first is None or any(r[0] == first for r in rows):
            return rows
    raise AssertionError(f"no table with header {header!r} and a row {first!r}")


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_tuples_are_the_literals_and_every_value_is_described():
    for lit, values, desc in [
        (v.Assay, v.ASSAYS, v.ASSAY_DESCRIPTIONS),
        (v.EndpointKind, v.ENDPOINT_KINDS, v.ENDPOINT_KIND_DESCRIPTIONS),
        (v.Direction, v.DIRECTIONS, v.DIRECTION_DESCRIPTIONS),
        (v.ScoringRule, v.SCORING_RULES, v.SCORING_RULE_DESCRIPTIONS),
        (v.Method, v.METHODS, v.METHOD_DESCRIPTIONS),
    ]:
        assert values == get_args(lit)
        assert list(desc) == list(values)
    assert set(v.SCORING_RULES) <= set(v.METHODS)
    assert v.FITTED_METHODS == ("logistic", "cox")
    assert set(v.BINARY_DIRECTIONS) | set(v.SURVIVAL_DIRECTIONS) == set(v.DIRECTIONS)
    assert {v.DIRECTION_SIGN[d] for d in v.DIRECTIONS} == {1, -1} and v.DIRECTION_SIGN[None] == 0


def test_spec_model_uses_the_vocabulary():
    fields = schema.Panel.model_fields
    assert fields["assay"].annotation is v.Assay
    assert schema.Scoring.model_fields["rule"].annotation is v.ScoringRule
    assert schema.SurvivalEndpoint.model_fields["time_unit"].annotation is v.TimeUnit
    kinds = [get_args(m.model_fields["kind"].annotation)[0]
             for m in (schema.BinaryEndpoint, schema.SurvivalEndpoint, schema.ChangeEndpoint,
                       schema.DoseEndpoint)]
    assert tuple(kinds) == v.ENDPOINT_KINDS
    assert get_args(SimulateOptions.model_fields["assay"].annotation)[0] is v.Assay


def test_synth_assay_choices_are_the_vocabulary():
    opt = next(p for p in cli.get_command(click.Context(cli), "synth").params if p.name == "assay")
    assert tuple(opt.type.choices) == v.ASSAYS


def test_panels_md_assay_table_is_generated_from_the_vocabulary():
    table = v.markdown_table(v.ASSAY_DESCRIPTIONS, ("assay", "the numbers are"))
    assert table in PANELS_MD
    top = {r[0]: r for r in _rows(PANELS_MD, "| key | type | required |")}
    assert _ticked(top["`assay`"][3]) == list(v.ASSAYS)


def test_panels_md_endpoint_direction_and_scoring_tables_list_the_vocabulary():
    kinds = [_ticked(r[0])[0] for r in _rows(PANELS_MD, "| kind | keys |")]
    assert kinds == list(v.ENDPOINT_KINDS)
    allowed = {_ticked(r[0])[0]: _ticked(r[1]) for r in _rows(PANELS_MD, "| endpoint kind | allowed |")}
    assert list(allowed) == list(v.ENDPOINT_KINDS)
    for kind, values in allowed.items():
        assert values == [*v.directions_for(kind), "null"], kind
    scoring = {r[0]: r for r in _rows(PANELS_MD, "| key | type | meaning |", "`rule`")}
    assert _ticked(scoring["`rule`"][1]) == list(v.SCORING_RULES)
    for rule in v.SCORING_RULES:
        assert f"- **`{rule}`**" in PANELS_MD


@pytest.mark.parametrize("text", [SYNTHETIC_MD], ids=["synthetic.md"])
def test_synthetic_md_assay_layer_table_lists_every_assay(text):
    assays = [_ticked(r[0])[0] for r in _rows(text, "| assay | reported value |")]
    assert sorted(assays) == sorted(v.ASSAYS)


def test_simulator_covers_every_endpoint_kind_and_time_unit():
    assert tuple(GOALS) == v.ENDPOINT_KINDS
    assert set(endpoints._TIME_DEFAULTS) == set(v.TIME_UNITS)
