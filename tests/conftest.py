"""Shared test fixtures. Reference data lives in tests/data (copied from the project's reference set)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def expected() -> dict:
    """Numbers computed with R 4.2, pROC 1.18.0, rms 6.5.0, survival 3.5.3 and maxstat (tests/data/REFERENCE.md)."""
    return json.loads((DATA / "expected.json").read_text())


# --- every results.json a test writes follows the shipped JSON Schema (issue 13) ------------------

_HAND_MADE: set[Path] = set()  # tmp_paths of tests marked hand_made_results


def pytest_configure(config):
    config.addinivalue_line("markers", "hand_made_results: the test writes a partial, hand-made result dict on "
                            "purpose (the report's lenient reading); its JSON files are not checked against the schema")


def _check_results_json(root: Path) -> list[str]:
    """Problems of every results JSON (``"schema": "biomark.validation/1"``) under ``root``."""
    import jsonschema

    from biomark.validation.schema import shipped_json_schema

    validator = jsonschema.Draft202012Validator(shipped_json_schema())
    problems = []
    for path in sorted(root.rglob("*.json")):
        if any(path.is_relative_to(h) for h in _HAND_MADE) or not path.is_file():
            continue  # hand-made on purpose, or a FIFO / device a fault test uses as an output
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(d, dict) and d.get("schema") == "biomark.validation/1":
            for err in validator.iter_errors(d):
                problems.append(f"{path}: {'/'.join(map(str, err.absolute_path))}: {err.message[:200]}")
    return problems


@pytest.fixture(autouse=True)
def _results_json_follow_the_schema(request):
    """After each test, validate the results.json files it wrote to its ``tmp_path``."""
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    if tmp is not None and request.node.get_closest_marker("hand_made_results"):
        _HAND_MADE.add(tmp)
    yield
    if tmp is not None:
        problems = _check_results_json(tmp)
        assert not problems, "results.json does not follow biomark/validation/results.schema.json:\n" + "\n".join(
            problems[:20])


@pytest.fixture(scope="session", autouse=True)
def _all_results_json_follow_the_schema(tmp_path_factory):
    """At the end of the session, validate every results.json under pytest's base temporary directory
    (module-scoped fixtures such as the demo run write there too)."""
    yield
    problems = _check_results_json(tmp_path_factory.getbasetemp())
    assert not problems, "results.json does not follow biomark/validation/results.schema.json:\n" + "\n".join(
        problems[:20])
