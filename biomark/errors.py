"""biomark's error hierarchy.

Every problem with a user's input raises a subclass of :class:`BiomarkError`. The command line turns
it into one line on stderr starting ``error:`` and exit status 2; anything else is a bug (exit 1).
"""

from __future__ import annotations


class BiomarkError(Exception):
    """Base class for every error caused by the user's input (files, specs, arguments).

    The message names the file, row, column or key and says what to do about it.
    """


class SpecError(BiomarkError):
    """A panel spec (YAML) is malformed or inconsistent."""


class PanelNotFoundError(BiomarkError):
    """No panel of that name in the catalog."""


class MarkerResolutionError(BiomarkError):
    """A column name matches more than one panel marker (or an alias clash)."""


class InputError(BiomarkError):
    """An expression, clinical or model file cannot be used as given."""


class ModelFileError(BiomarkError):
    """A saved model cannot be loaded (wrong format, untrusted pickle, content hash mismatch)."""
