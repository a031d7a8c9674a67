"""Fixtures for the report tests: hand-built result dicts (see _fixtures.py)."""

from __future__ import annotations

import pytest

from tests.report._fixtures import binary_result, hostile, survival_result


@pytest.fixture()
def binary_dict() -> dict:
    return binary_result()


@pytest.fixture()
def survival_dict() -> dict:
    return survival_result()


@pytest.fixture(params=["binary", "survival"])
def any_dict(request: pytest.FixtureRequest) -> dict:
    return binary_result() if request.param == "binary" else survival_result()


@pytest.fixture(params=["binary", "survival"])
def hostile_dict(request: pytest.FixtureRequest) -> dict:
    return hostile(binary_result() if request.param == "binary" else survival_result())
