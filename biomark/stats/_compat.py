"""Keyword names renamed by issue 13's one API vocabulary, accepted for one release (private)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Accept the old keyword ``old`` for ``new`` with a DeprecationWarning (removed in the next release).

    Examples
    --------
    >>> @renamed(conf_level="ci")
    ... def f(*, ci=0.95):
    ...     return ci
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     f(conf_level=0.9)
    0.9
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old!r} and its new name {new!r}")
                    warnings.warn(f"{func.__name__}(): {old!r} is now called {new!r}; the old name goes in "
                                  "the next release", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
