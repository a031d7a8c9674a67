"""The assay rules applied at read time, one copy for every reader.

* **qPCR Ct** (:func:`ct_rule`): a Ct is a cycle number, so a value ≤ 0 is an error; blank and
  ``Undetermined`` cells and values above the cutoff (default 40) are set to the cutoff.
* **Counts** (:func:`check_counts`, :func:`check_library_size`): a count is ≥ 0; the library size
  of a sample, the sum of every count of the file, must be > 0.
* **Intensities** (:func:`check_intensity`): > 0 (they are log2-transformed).
* **Reference markers** (:func:`reference_markers`): −ΔCt is taken against the mean of the
  panel's endogenous reference markers present; spike-in references only when no endogenous one
  is present.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from biomark.errors import InputError
from biomark.io.cells import Where

#: Ct values above this are set to it at read time, as are blank and Undetermined cells.
DEFAULT_CT_CUTOFF = 40.0


@dataclass(frozen=True)
class CtColumn:
    """One Ct column after :func:`ct_rule`: the values, and which cells were set to the cutoff."""

    values: np.ndarray
    no_ct: np.ndarray  # blank or Undetermined
    above: np.ndarray  # a Ct above the cutoff


def ct_rule(values: np.ndarray, no_ct: np.ndarray | None, cutoff: float, where: Where) -> CtColumn:
    """Set blank/Undetermined cells (``no_ct``) and Ct values above ``cutoff`` to ``cutoff``.

    Raises :class:`~biomark.errors.InputError` for a Ct ≤ 0 (not a cycle number).

    Examples
    --------
    >>> import numpy as np
    >>> w = Where.column("f.csv", "miR-21", ["S1", "S2", "S3"])
    >>> ct_rule(np.array([30.5, np.nan, 41.2]), np.array([False, True, False]), 40.0, w).values.tolist()
    [30.5, 40.0, 40.0]
    """
    with np.errstate(invalid="ignore"):
        _refuse_first(values, values <= 0, where, lambda v: f"Ct {v:g} is not a cycle number (Ct values are "
                      "positive); if these are already −ΔCt or log2 values use assay log2_expression (CLI --assay "
                      "log2_expression)")
        above = values > cutoff
    no_ct = np.zeros(values.shape, dtype=bool) if no_ct is None else no_ct
    if above.any() or no_ct.any():
        values = np.where(above | no_ct, cutoff, values)
    return CtColumn(values, no_ct, above)


def _refuse_first(values: np.ndarray, bad: np.ndarray, where: Where, message: Callable[[float], str]) -> None:
    """Raise for the first cell in ``bad``: its place (``where``) and ``message(value)``."""
    idx = np.flatnonzero(bad)
    if idx.size:
        r = int(idx[0])
        raise InputError(where.at(r) + message(float(values[r])))


def check_counts(values: np.ndarray, where: Where) -> bool:
    """Refuse a negative count; return whether every count is a whole number.

    Examples
    --------
    >>> import numpy as np
    >>> check_counts(np.array([3.0, 0.0, np.nan]), Where.column("f.csv", "g", None))
    True
    """
    with np.errstate(invalid="ignore"):
        _refuse_first(values, values < 0, where, lambda v: f"count {v:g} is negative; counts are read numbers ≥ 0 "
                      "(every column of the file is summed into the library size; if the values are already "
                      "log-transformed use assay log2_expression)")
    fin = values[np.isfinite(values)]
    return bool(np.all(fin == np.round(fin)))


def check_library_size(total: np.ndarray, src: str, sample_at: Callable[[int], str]) -> None:
    """Refuse a sample whose library size (the sum of its counts, missing as 0) is 0.

    ``sample_at(i)`` names sample ``i`` (``"sample 'S1' (row 2)"``).
    """
    zero = np.flatnonzero(total <= 0)
    if zero.size:
        raise InputError(f"{src}: {sample_at(int(zero[0]))} has a library size of 0 (all counts are 0 or "
                         "missing); remove the sample")


def check_intensity(values: np.ndarray, where: Where) -> float:
    """Refuse an intensity ≤ 0 (it has no log2); return the largest intensity (``-inf`` if none).

    Examples
    --------
    >>> import numpy as np
    >>> check_intensity(np.array([1024.0, 96.0]), Where.column("f.csv", "g", None))
    1024.0
    """
    with np.errstate(invalid="ignore"):
        _refuse_first(values, values <= 0, where, lambda v: f"intensity {v:g} is not positive and has no log2; if "
                      "the values are already log2 use assay log2_expression, else replace non-positive values "
                      "(e.g. by the detection limit)")
    fin = values[np.isfinite(values)]
    return float(fin.max()) if fin.size else -np.inf


def reference_markers(panel: Any, found: Collection[str]) -> list[str]:
    """The reference markers −ΔCt is taken against: the panel's endogenous references in ``found``
    (panel order), else its spike-in references in ``found``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> panel = NS(reference_markers=[NS(id="U6", spike_in=False), NS(id="cel-39", spike_in=True)])
    >>> reference_markers(panel, {"U6", "cel-39"}), reference_markers(panel, {"cel-39"})
    (['U6'], ['cel-39'])
    """
    if panel is None:
        return []
    present = [r for r in panel.reference_markers if r.id in found]
    return [r.id for r in present if not r.spike_in] or [r.id for r in present]
