"""Error type raised by the statistics functions for input they cannot handle."""

from __future__ import annotations


class StatsError(ValueError):
    """Invalid input to a statistic (one class only, no events, constant covariate, ...).

    Subclasses ``ValueError`` so that callers outside biomark can catch it the usual way;
    biomark's own error hierarchy (``biomark.errors``) wraps it for the command line.
    """
