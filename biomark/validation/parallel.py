"""Reproducible parallel map over tasks with joblib (loky or a dask cluster).

Every task gets its own seed from ``numpy.random.SeedSequence(seed).spawn``, so results are the same
for any ``n_jobs`` and any backend; results are returned in task order.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config
from joblib._parallel_backends import LokyBackend
from joblib.parallel import get_active_backend

from biomark._cpus import usable_cpus  # noqa: F401  (re-exported: validation.parallel.usable_cpus)


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


def mapper(n_jobs: int, progress: Callable[[int, int], None] | None = None) -> Callable[[Callable[..., Any], Sequence[tuple]], list[Any]]:
    """``mapper(fn, args)``: :func:`pmap` with these ``n_jobs``, for the statistics that take a map
    (e.g. :func:`biomark.stats.bootstrap_calibration`)."""
    return lambda fn, args: pmap(fn, args, n_jobs=n_jobs, progress=progress)


def _ignore_sigint() -> None:
    """Worker initializer: leave SIGINT to the parent process, and end with the parent.

    When the parent is killed (SIGKILL, as ``timeout -s KILL`` or an out-of-memory kill sends) loky's
    workers were orphaned and kept computing for minutes; on Linux ``PR_SET_PDEATHSIG`` has the kernel
    send them SIGTERM when the parent dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # outside a task (imports, loky's own machinery) a worker's warnings would reach the user's stderr;
    # inside one, pmap's _with_warnings records them and the parent re-raises them for the result
    warnings.simplefilter("ignore")
    _die_with_parent()


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        if os.getppid() == 1:  # the parent died before the call
            os._exit(1)


def resolve_n_jobs(n_jobs: int) -> int:
    """Workers to start: -1 is all usable CPUs; more than the usable CPUs is capped at them.

    More workers than CPUs never run faster and each costs ~100 MB (``n_jobs=100000`` started ~240
    processes on 2 cores). 0 and negatives other than -1 are refused.
    """
    from biomark.errors import BiomarkError

    n = int(n_jobs)
    cpus = usable_cpus()
    if n == -1:
        return cpus
    if n < 1:
        raise BiomarkError(f"n_jobs={n}: give a positive number of workers or -1 for all CPUs")
    return min(n, cpus)


class _Recorded:
    """``fn`` for a worker, returning ``(result, warnings)``: the Python warnings it raised (message and
    category) travel back beside the result, because a worker's stderr is not the user's and the warnings
    that matter belong in the result. It keeps ``fn``'s name, which joblib's dask backend shows in its keys."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)

    def __call__(self, *a: Any) -> tuple[Any, list[tuple[str, type[Warning]]]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = self.fn(*a)
        return res, [(str(w.message), w.category) for w in caught]


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
    if n_jobs != -1 and isinstance(get_active_backend()[0], LokyBackend):
        n_jobs = resolve_n_jobs(n_jobs)  # local processes only: a dask cluster has its own workers
    elif n_jobs == 0 or n_jobs < -1:
        n_jobs = resolve_n_jobs(n_jobs)  # refused
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
        task = _Recorded(fn)
        for res, caught in par(delayed(task)(*a) for a in args):
            for message, category in caught:  # re-raised here, where validate() records them for the result
                warnings.warn(message, category, stacklevel=2)
            out.append(res)
            if progress is not None and (len(out) % step == 0 or len(out) == total):
                progress(len(out), total)
    return out
