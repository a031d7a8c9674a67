"""The numpydoc Examples of every biomark.stats module run as doctests (docs/api.md lists the functions).

Run here rather than through pytest's ``--doctest-modules`` so that no other package's modules become
subject to it. Every public function of biomark.stats must have an Examples section.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import biomark.stats

MODULES = sorted(f"biomark.stats.{m.name}" for m in pkgutil.iter_modules(biomark.stats.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_stats_function_has_examples() -> None:
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            public = not attr.startswith("_") and not name.rsplit(".", 1)[1].startswith("_")
            if public and inspect.isfunction(obj) and obj.__module__ == name and "Examples" not in (obj.__doc__ or ""):
                missing.append(f"{name}.{attr}")
    assert not missing, missing
    assert len(MODULES) >= 15
