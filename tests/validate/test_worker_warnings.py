"""Warnings raised inside loky workers reach the result's warnings, as they do in one process (issue 15)."""

from __future__ import annotations

import warnings

from sklearn.exceptions import ConvergenceWarning

from biomark.validation import pywarnings
from biomark.validation.parallel import backend, pmap


def _task(i: int) -> int:
    if i % 2 == 0:
        warnings.warn("The max_iter was reached", ConvergenceWarning, stacklevel=1)
    warnings.warn("renamed", FutureWarning, stacklevel=1)
    return i * i


def test_worker_warnings_are_recorded_in_the_parent_for_any_n_jobs():
    lines = {}
    for n_jobs in (1, 2):
        with pywarnings.capture() as caught, backend(None):
            out = pmap(_task, [(i,) for i in range(6)], n_jobs=n_jobs)
        assert out == [i * i for i in range(6)]
        lines[n_jobs] = pywarnings.summarise(caught)
    assert lines[1] == lines[2] == ["ConvergenceWarning (3 times): The max_iter was reached"]
