"""biomark's error hierarchy.

Every problem with a user's input raises a subclass of :class:`BiomarkError`. The command line turns
it into one line on stderr starting ``error:`` and exit status 2; anything else is a bug (exit 1).
``biomark.stats.StatsError`` (a statistic undefined for the user's data) is one of them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _stats_errors() -> object:
    """``biomark.stats._errors``, the dependency-free module that defines :class:`BiomarkError`.

    Importing it the usual way would first run ``biomark/stats/__init__.py``, which imports every
    statistic and scipy (measured: ``import biomark.errors`` 0.02 s -> 1.1 s, and ``biomark --help``
    with it). The module has no imports, so it is loaded from its file and registered under its
    package name; ``biomark.stats`` later finds it in ``sys.modules`` and uses the same classes.
    """
    name = "biomark.stats._errors"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "stats" / "_errors.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


BiomarkError = _stats_errors().BiomarkError  # type: ignore[attr-defined]


class SpecError(BiomarkError):
    """A panel spec (YAML) is malformed or inconsistent."""


class PanelNotFoundError(BiomarkError):
    """No panel of that name in the catalog."""


class MarkerResolutionError(BiomarkError):
    """A column name matches more than one panel marker (or an alias clash)."""


class InputError(BiomarkError):
    """An expression, clinical or model file cannot be used as given."""


class InputValueError(InputError, ValueError):
    """Bad data or a bad setting given to a scikit-learn-style estimator: a ValueError for scikit-learn's
    conventions, an InputError (one ``error:`` line) for the command line."""


class ModelFileError(BiomarkError):
    """A saved model cannot be loaded (wrong format, untrusted pickle, content hash mismatch)."""
