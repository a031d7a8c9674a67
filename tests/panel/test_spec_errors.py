"""Malformed panel specs: each gives one SpecError naming the file and the key path.

The messages are biomark's own contract (issue 2): ``<file>: <key path>: <what is wrong>``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from biomark.errors import SpecError
from biomark.panel import load_spec, panel_from_data

VALID: dict = {
    "id": "toy_panel",
    "title": "Toy panel",
    "cancer_type": "NSCLC",
    "specimen": "serum",
    "compartment": "exosome",
    "assay": "log2_expression",
    "endpoints": [
        {"id": "response", "kind": "binary", "positive_class": "radioresistant"},
        {"id": "overall_survival", "kind": "survival", "time_unit": "months"},
    ],
    "markers": [
        {"id": "hsa-miR-96", "type": "miRNA", "direction": {"response": "up", "overall_survival": "risk"}},
        {"id": "hsa-miR-378", "type": "miRNA", "aliases": ["miR-378a-3p"], "direction": {"response": "down"}},
        {"id": "HSPA1A", "type": "protein", "aliases": ["HSP70"], "direction": {"response": None}},
    ],
    "evidence": [
        {"seed": "002_d24a42885fe5c4b5.txt", "reference": 50, "sentence": "a sentence", "level": "patient_serum_or_plasma"}
    ],
}


def mutate(fn):
    d = copy.deepcopy(VALID)
    fn(d)
    return d


def test_valid_spec_loads():
    p = panel_from_data(VALID, "toy.yaml")
    assert p.marker_ids == ["hsa-miR-96", "hsa-miR-378", "HSPA1A"]
    assert p.signs("response") == {"hsa-miR-96": 1, "hsa-miR-378": -1, "HSPA1A": 0}
    assert p.signs("overall_survival") == {"hsa-miR-96": 1, "hsa-miR-378": 0, "HSPA1A": 0}


CASES = [
    ("unknown top-level key", lambda d: d.update(colour="red"),
     "toy.yaml: colour: unknown key 'colour'; allowed keys are: schema_version, id, title"),
    ("unknown marker key", lambda d: d["markers"][0].update(colour="red"),
     "toy.yaml: markers[0].colour: unknown key 'colour'; allowed keys are: id, type, aliases"),
    ("direction for unknown endpoint", lambda d: d["markers"][2]["direction"].update(os="risk"),
     "toy.yaml: markers[2].direction.os: unknown endpoint 'os'; endpoints are: response, overall_survival"),
    ("survival direction on binary endpoint", lambda d: d["markers"][0]["direction"].update(response="risk"),
     "toy.yaml: markers[0].direction.response: direction 'risk' does not fit a binary endpoint; use one of: up, down"),
    ("binary direction on survival endpoint", lambda d: d["markers"][0]["direction"].update(overall_survival="up"),
     "toy.yaml: markers[0].direction.overall_survival: direction 'up' does not fit a survival endpoint; use one of: risk, protective"),
    ("unknown direction word", lambda d: d["markers"][0]["direction"].update(response="higher"),
     "toy.yaml: markers[0].direction.response: 'higher' is not allowed; use one of: 'up', 'down', 'risk' or 'protective'"),
    ("empty marker list", lambda d: d.update(markers=[]), "toy.yaml: markers: must not be empty"),
    ("duplicate marker id", lambda d: d["markers"].append(copy.deepcopy(d["markers"][0])),
     "toy.yaml: markers[3].id: duplicate marker 'hsa-miR-96'"),
    ("alias clashing with another marker", lambda d: d["markers"][2]["aliases"].append("miR-96"),
     "toy.yaml: markers[2].aliases[1]: duplicate marker name 'miR-96' (already used by marker 'hsa-miR-96')"),
    ("wrong type for aliases", lambda d: d["markers"][1].update(aliases="miR-378a"),
     "toy.yaml: markers[1].aliases: Input should be a valid list"),
    ("wrong type for weight", lambda d: d["markers"][0].update(weight="heavy"),
     "toy.yaml: markers[0].weight: Input should be a valid number"),
    ("missing required key", lambda d: d.pop("specimen"), "toy.yaml: specimen: required key is missing"),
    ("unknown assay", lambda d: d.update(assay="rnaseq"),
     "toy.yaml: assay: 'rnaseq' is not allowed; use one of: 'qpcr_ct'"),
    ("unknown marker type", lambda d: d["markers"][0].update(type="microRNA"),
     "toy.yaml: markers[0].type: 'microRNA' is not allowed; use one of: 'miRNA'"),
    ("endpoint without kind", lambda d: d["endpoints"][0].pop("kind"),
     "toy.yaml: endpoints[0]: endpoint needs a 'kind': binary, survival, change or dose"),
    ("unknown endpoint kind", lambda d: d["endpoints"][0].update(kind="ordinal"),
     "toy.yaml: endpoints[0]: unknown endpoint kind 'ordinal'"),
    ("binary endpoint without positive class", lambda d: d["endpoints"][0].pop("positive_class"),
     "toy.yaml: endpoints[0].positive_class: required key is missing"),
    ("duplicate endpoint id", lambda d: d["endpoints"].append({"id": "response", "kind": "change"}),
     "toy.yaml: endpoints[2].id: duplicate endpoint id 'response'"),
    ("weights rule without weights", lambda d: d.update(scoring={"rule": "weights"}),
     "toy.yaml: markers[0].weight: the 'weights' scoring rule needs a weight for every marker"),
    ("boolean rule on unknown marker",
     lambda d: d.update(scoring={"rule": "boolean", "conditions": [{"marker": "AXL", "level": "high"}]}),
     "toy.yaml: scoring.conditions[0].marker: unknown marker 'AXL'"),
    ("boolean rule without conditions", lambda d: d.update(scoring={"rule": "boolean"}),
     "toy.yaml: scoring.conditions: the 'boolean' scoring rule needs at least one condition"),
    ("evidence without sentence", lambda d: d["evidence"][0].pop("sentence"),
     "toy.yaml: evidence[0].sentence: required key is missing"),
    ("evidence with unknown level", lambda d: d["evidence"][0].update(level="anecdote"),
     "toy.yaml: evidence[0].level: 'anecdote' is not allowed"),
    ("no evidence", lambda d: d.update(evidence=[]), "toy.yaml: evidence: must not be empty"),
    ("conflict on unknown marker", lambda d: d.update(conflicts=[{"marker": "miR-19b", "description": "x"}]),
     "toy.yaml: conflicts[0].marker: unknown marker 'miR-19b'"),
    ("bad panel id", lambda d: d.update(id="Toy Panel"),
     "toy.yaml: id: 'Toy Panel' must be lower-case letters, digits and underscores"),
    ("reference markers on a non-Ct assay", lambda d: d.update(reference_markers=[{"id": "RNU6"}]),
     "toy.yaml: reference_markers: reference markers only apply to assay qpcr_ct, not 'log2_expression'"),
]


@pytest.mark.parametrize("label, change, message", CASES, ids=[c[0] for c in CASES])
def test_malformed_spec_message(label, change, message):
    with pytest.raises(SpecError) as exc:
        panel_from_data(mutate(change), "toy.yaml")
    assert str(exc.value).startswith(message), str(exc.value)


def test_at_least_fifteen_malformed_cases():
    assert len(CASES) >= 15


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_aliases_are_refused(tmp_path):
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    with pytest.raises(SpecError, match=r"spec.yaml: line 2, column 8: YAML aliases \(\*name\) are not allowed"):
        load_spec(write(tmp_path, bomb))


def test_duplicate_yaml_key_is_refused(tmp_path):
    text = yaml.safe_dump(VALID, sort_keys=False) + "id: other\n"
    with pytest.raises(SpecError, match=r"duplicate key 'id'"):
        load_spec(write(tmp_path, text))


def test_yaml_syntax_error_names_line(tmp_path):
    with pytest.raises(SpecError, match=r"spec.yaml: line 3, column 1: expected .*fix the YAML syntax"):
        load_spec(write(tmp_path, "id: x\nmarkers: [a, b\n"))


def test_python_object_tag_is_not_constructed(tmp_path):
    text = "id: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(SpecError, match="could not determine a constructor"):
        load_spec(write(tmp_path, text))


def test_empty_and_non_mapping_files(tmp_path):
    with pytest.raises(SpecError, match="spec.yaml: the spec is empty"):
        load_spec(write(tmp_path, ""))
    with pytest.raises(SpecError, match=r"must be a mapping of keys \(got list\)"):
        load_spec(write(tmp_path, "- a\n- b\n"))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(tmp_path)


def test_too_large_spec(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("notes: '" + "x" * 1_100_000 + "'\n")
    with pytest.raises(SpecError, match="too large for a panel spec"):
        load_spec(p)


def test_bom_is_tolerated(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(VALID).encode())
    assert load_spec(p).id == "toy_panel"


def test_content_hash_ignores_formatting(tmp_path):
    a = load_spec(write(tmp_path, yaml.safe_dump(VALID, sort_keys=True), "a.yaml"))
    b = load_spec(write(tmp_path, yaml.safe_dump(VALID, sort_keys=False, indent=4), "b.yaml"))
    assert a.content_hash() == b.content_hash()
    c = panel_from_data(mutate(lambda d: d["markers"][0]["direction"].update(response="down")))
    assert c.content_hash() != a.content_hash()
