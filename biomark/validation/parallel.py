"""Reproducible parallel map over tasks with joblib (loky or a dask cluster).

Every task gets its own seed from ``numpy.random.SeedSequence(seed).spawn``, so results are the same
for any ``n_jobs`` and any backend; results are returned in task order.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config


def task_seeds(seed: int, n: int, stream: int) -> list[int]:
    """``n`` independent 32-bit seeds for one named stream of a run."""
    ss = np.random.SeedSequence([int(seed), int(stream)])
    return [int(c.generate_state(1)[0]) for c in ss.spawn(n)]


@contextlib.contextmanager
def backend(scheduler: Any = None) -> Iterator[None]:
    """joblib backend context: loky by default; dask when given a scheduler address or a Client."""
    if scheduler is None:
        # loky workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent alone
        # should handle it (stop, clean up, one 'error: interrupted' line) without a traceback per worker
        with parallel_config(backend="loky", initializer=_ignore_sigint):
            yield
        return
    from biomark.errors import BiomarkError

    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise BiomarkError("a dask scheduler was given but dask.distributed is not installed; "
                           "install it with: pip install 'biomark[dask]'") from None
    if isinstance(scheduler, Client):
        with parallel_config(backend="dask"):
            yield
        return
    try:
        client = Client(str(scheduler), timeout=10)
    except OSError as err:
        raise BiomarkError(f"cannot reach the dask scheduler at {scheduler}: {err}") from None
    try:
        with parallel_config(backend="dask"):
            yield
    finally:
        client.close()


def stage_progress(progress: Callable[[str, int, int], None] | None, label: str) -> Callable[[int, int], None] | None:
    """``progress(label, done, total)`` as the ``(done, total)`` callback :func:`pmap` takes."""
    if progress is None:
        return None
    return lambda done, total: progress(label, done, total)


def _ignore_sigint() -> None:
    """Worker initializer: leave SIGINT to the parent process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pmap(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    *,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 0,
) -> list[Any]:
    """``[fn(*a) for a in args]``, in parallel when ``n_jobs != 1``; ``progress(done, total)`` after each batch."""
    total = len(args)
    if total == 0:
        return []
    if n_jobs == 1:
        out = []
        for i, a in enumerate(args):
            out.append(fn(*a))
            if progress is not None:
                progress(i + 1, total)
        return out
    step = batch or max(1, total // 20)
    out: list[Any] = []
    # one Parallel call for all tasks (no barrier every `step` tasks: on a dask cluster each call
    # re-scatters the data and waits for its slowest task); results stream back in task order
    with Parallel(n_jobs=n_jobs, return_as="generator") as par:
        for res in par(delayed(fn)(*a) for a in args):
            out.append(res)
            if progress is not None and (len(out) % step == 0 or len(out) == total):
                progress(len(out), total)
    return out
