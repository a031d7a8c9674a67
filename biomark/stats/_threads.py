"""One BLAS thread for the small dense products inside iterative fits.

The Cox information's Gram products (``x' diag(w) x``, n x p times p x n with p <= ~50) gain nothing
from OpenBLAS's threads on this project's kind of machine (2 cores): at n = 2x10^5, p = 20 one fit
took 0.63 s wall with 2 threads and 0.64 s with 1, at 1.6x the CPU; with another process on the
other core the threaded product was up to 100x slower (issue: Cox with many covariates).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # scans the loaded libraries once (~4 ms); limit() then costs ~6 us


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS (and OpenMP) to one thread inside the block; restore the previous limits after."""
    with _controller().limit(limits=1):
        yield


def single_threaded(fn: F) -> F:
    """Decorator: run ``fn`` under :func:`one_blas_thread`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
