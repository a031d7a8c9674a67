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
