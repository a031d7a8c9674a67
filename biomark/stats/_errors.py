"""The root of biomark's error hierarchy and the statistics' error (no imports: see biomark/errors.py).

``BiomarkError`` is defined here, inside ``stats``, so that ``StatsError`` can subclass it while
``biomark.stats`` imports nothing else of biomark; ``biomark.errors`` re-exports it as
``biomark.errors.BiomarkError`` and defines the other subclasses.
"""

from __future__ import annotations


class BiomarkError(Exception):
    """Base class for every error caused by the user's input (files, specs, arguments, data).

    The message names the file, row, column or key and says what to do about it. The command line
    turns it into one line on stderr starting ``error:`` and exit status 2.
    """


class StatsError(BiomarkError, ValueError):
    """A statistic is undefined for the data given (one class only, no events, constant covariate, ...).

    A :class:`BiomarkError`, so the command line reports it as one ``error:`` line with exit
    status 2, and a ``ValueError``, so callers outside biomark can catch it the usual way.
    """


class MonotoneLikelihoodError(StatsError):
    """A Cox partial likelihood keeps increasing as one coefficient goes to +/- infinity.

    ``term`` is the index of the first diverging covariate and ``sign`` the direction (+1 or -1) its
    coefficient runs off to; no finite hazard ratio exists.
    """

    def __init__(self, message: str, *, term: int, sign: int) -> None:
        super().__init__(message)
        self.term = term
        self.sign = sign
