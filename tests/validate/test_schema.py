"""The typed result sections, their JSON Schema, and results.json (issue 13, typed results)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from biomark.validation.result import ValidationResult
from biomark.validation.schema import (
    NotAssessed,
    SchemaError,
    json_schema_text,
    parse,
    results_json_schema,
    shipped_json_schema,
    to_plain,
)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
SHIPPED = Path(__file__).resolve().parents[2] / "biomark" / "validation" / "results.schema.json"


def test_shipped_schema_is_the_generated_one():
    """Regenerate with ``python -c "from biomark.validation.schema import write_json_schema; write_json_schema()"``."""
    assert SHIPPED.read_text(encoding="utf-8") == json_schema_text()
    assert shipped_json_schema() == results_json_schema()
    jsonschema.Draft202012Validator.check_schema(results_json_schema())


@pytest.mark.parametrize("name", ["demo_results.json", "survival_results.json", "cox_results.json"])
def test_golden_results_validate_and_round_trip_key_for_key(name):
    d = json.loads((GOLDEN / name).read_text())
    jsonschema.validate(d, shipped_json_schema())
    typed = parse(d)
    assert to_plain(typed) == d
    assert ValidationResult(d).to_json() == json.dumps(d, indent=2, sort_keys=True) + "\n"


def test_not_assessed_is_explicit_and_written_as_error():
    d = json.loads((GOLDEN / "survival_results.json").read_text())
    d["survival"]["ph"] = {"error": "every event at one time: the test is undefined"}
    r = ValidationResult(d)
    assert r.sections.survival.ph == NotAssessed("every event at one time: the test is undefined")
    assert r.to_dict()["survival"]["ph"] == {"error": "every event at one time: the test is undefined"}
    jsonschema.validate(r.to_dict(), shipped_json_schema())


def test_a_missing_key_is_named_not_a_traceback_later():
    d = json.loads((GOLDEN / "demo_results.json").read_text())
    del d["binary"]["calibration"]["slope"]
    with pytest.raises(SchemaError, match=r"binary\.calibration"):
        parse(d)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(d, shipped_json_schema())


def test_summary_reads_the_typed_sections_and_says_what_was_not_assessed():
    d = json.loads((GOLDEN / "demo_results.json").read_text())
    d["binary"]["calibration"] = {"error": "all predicted probabilities are equal"}
    text = ValidationResult(d).summary()
    assert "calibration not assessed: all predicted probabilities are equal" in text
    assert "cross-validated AUC 0.514" in text


def test_a_dose_endpoint_result_has_no_performance_section_and_follows_the_schema():
    import numpy as np
    import pandas as pd

    import biomark
    from biomark.cohort import Cohort

    panel = biomark.load_panel("nsclc_mir29a_mir150_dose")
    rng = np.random.default_rng(0)
    ids = [f"S{i}" for i in range(40)]
    expr = pd.DataFrame(rng.normal(size=(40, len(panel.marker_ids))), index=ids, columns=panel.marker_ids)
    clin = pd.DataFrame({"dose": rng.uniform(0, 60, 40)}, index=ids)
    r = biomark.validate(panel, Cohort(expression=expr, clinical=clin, name="dose.csv"), endpoint="radiation_dose")
    d = json.loads(r.to_json())
    jsonschema.validate(d, shipped_json_schema())
    assert r.sections.binary is None and r.sections.survival is None and "binary" not in d
    assert [e.measure for e in r.sections.direction.effects] == ["spearman_rho"] * len(panel.marker_ids)
