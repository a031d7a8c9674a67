"""The peers environment must have the peers: there a missing import is a failure, not a skip."""

from __future__ import annotations

import importlib
import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("BIOMARK_PEERS") != "1":
        return
    for name in ("lifelines", "sksurv"):
        try:
            importlib.import_module(name)
        except ImportError as exc:  # pragma: no cover - only when the peers env is broken
            raise pytest.UsageError(f"BIOMARK_PEERS=1 but {name} does not import: {exc}") from exc
