"""How the streaming scorer turns a chunk's raw marker columns into levels: the conversion a
model was fitted with (its ``conversion`` record), applied with
:func:`biomark.levels.assay_levels`, row by row.

Not imported by :mod:`biomark.io` itself (preprocess imports scikit-learn, which
:func:`biomark.read_cohort` does not need).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from biomark.errors import InputError
from biomark.io.assay import DEFAULT_CT_CUTOFF, reference_markers
from biomark.levels import ASSAY_RULES, assay_levels


@dataclass(frozen=True)
class Conversion:
    """How raw marker columns become levels, chunk by chunk (:func:`biomark.levels.assay_levels`)."""

    assay: str
    ct_cutoff: float
    reference: list[str]  # qPCR reference marker ids (mean Ct per sample)
    spike_in: str | None
    rule: str

    def levels(self, raw: dict[str, np.ndarray], markers: list[str], n: int,
               library_size: np.ndarray | None) -> list[np.ndarray]:
        """Converted columns in ``markers`` order (absent markers: NaN)."""
        nan = np.full(n, np.nan)
        if self.assay in ("log2_expression", "ihc_score"):
            return [raw.get(m, nan) for m in markers]
        present = [m for m in markers if m in raw]
        extra = [r for r in ([self.spike_in] if self.spike_in else self.reference) if r in raw and r not in present]
        frame = pd.DataFrame({c: raw[c] for c in present + extra}, copy=False)
        conv = assay_levels(frame, self.assay, markers=present, reference=self.reference if not self.spike_in else (),
                            spike_in=self.spike_in, library_size=library_size)
        return [conv[m].to_numpy(dtype=np.float64) if m in raw else nan for m in markers]


def conversion_for(assay: str, panel: Any, found: set[str], recorded: dict[str, Any] | None,
                   spike_in: str | None, ct_cutoff: float | None, src: str) -> Conversion:
    """The conversion of ``assay`` data: what the model file records (``recorded``), else the
    options given, else the panel's reference markers found (``found``) and a cutoff of 40.

    A spike-in or reference marker the record names that is not a column of the file is an
    error: the conversion must match the fit.
    """
    rec = recorded or {}
    cutoff = float(ct_cutoff if ct_cutoff is not None else rec.get("ct_cutoff") or DEFAULT_CT_CUTOFF)
    if assay != "qpcr_ct":
        return Conversion(assay, cutoff, [], None, ASSAY_RULES.get(assay, assay))
    spike = spike_in if spike_in is not None else rec.get("spike_in")
    if spike is not None:
        if spike not in found:
            raise InputError(f"{src}: the spike-in '{spike}' that −ΔCt is taken against is not a column of the file; "
                             "the model's conversion cannot be applied without it")
        return Conversion(assay, cutoff, [], spike, f"−ΔCt = Ct({spike}) − marker Ct (spike-in); Undetermined, "
                           f"empty and Ct > {cutoff:g} set to {cutoff:g}")
    refs_rec = rec.get("reference_markers")
    if refs_rec is not None:
        missing = [r for r in refs_rec if r not in found]
        if missing:
            raise InputError(f"{src}: reference marker(s) {', '.join(missing)} that the model's −ΔCt was computed "
                             "against are not columns of the file; add them (the conversion must match the fit)")
        refs = list(refs_rec)
    else:  # read_cohort's rule
        refs = reference_markers(panel, found)
    rule = f"−ΔCt = mean Ct({', '.join(refs)}) − marker Ct" if refs else \
        "−Ct (no reference markers or spike-in: values are NOT normalised)"
    return Conversion(assay, cutoff, refs, None, rule + f"; Undetermined, empty and Ct > {cutoff:g} set to {cutoff:g}")
