"""Python warnings raised while validating: the ones that matter become result warnings, the rest go.

scikit-learn's ``ConvergenceWarning`` (an L1/elastic-net fit on separable data reaches ``max_iter``),
statsmodels' convergence and separation warnings and numerical ``RuntimeWarning``\\ s printed
dozens of lines on stderr, even with ``-q``, and were missing from results.json and the report.
:func:`capture` records them during a validation; :func:`summarise` turns them into one line per
kind (with the count), for the result's ``warnings`` list. ``FutureWarning`` and deprecation
warnings are about library versions, not about the user's data, and are dropped.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

_DROPPED = (
    FutureWarning,
    DeprecationWarning,
    PendingDeprecationWarning,
    ImportWarning,
    ResourceWarning,
)


@contextlib.contextmanager
def capture() -> Iterator[list[warnings.WarningMessage]]:
    """Record every Python warning raised in the block (none reaches stderr)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def summarise(caught: list[warnings.WarningMessage]) -> list[str]:
    """One result warning per (kind, message): ``"scikit-learn ConvergenceWarning (12 fits): ..."``."""
    counts: dict[tuple[str, str, str], int] = {}
    for w in caught:
        if issubclass(w.category, _DROPPED):
            continue
        msg = " ".join(str(w.message).split())
        if len(msg) > 200:
            msg = msg[:197] + "..."
        key = (_library(w.filename), w.category.__name__, msg)
        counts[key] = counts.get(key, 0) + 1
    out = []
    for (lib, cat, msg), k in counts.items():
        times = f" ({k} times)" if k > 1 else ""
        out.append(f"{lib}{cat}{times}: {msg}")
    return out


def _library(filename: str) -> str:
    for name, label in (
        ("sklearn", "scikit-learn"),
        ("statsmodels", "statsmodels"),
        ("scipy", "SciPy"),
        ("numpy", "NumPy"),
        ("lifelines", "lifelines"),
    ):
        if f"/{name}/" in filename.replace("\\", "/"):
            return label + " "
    return ""
