"""Paired-change and dose-response endpoints: no model to validate, only the markers' directions.

A ``change`` endpoint pairs each subject's ``pre`` and ``post`` samples (clinical columns ``subject``
and ``timepoint``); a ``dose`` endpoint reads the clinical column ``dose``. Both return the arrays
:func:`biomark.stats.direction.direction_consistency` needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.errors import InputError


def direction_inputs(cohort: Cohort, X: pd.DataFrame, ep: Any) -> tuple[dict[str, Any], int]:
    """Keyword arguments of ``direction_consistency`` for a change or dose endpoint, and the n analysed.

    The marker arrays are under ``markers`` (for a change endpoint: the *pre* values, with ``post``
    paired by subject).
    """
    clin = cohort.clinical
    if clin is None:
        raise InputError(f"{cohort.name}: a {ep.kind} endpoint needs a clinical file")
    if ep.kind == "dose":
        if "dose" not in clin.columns:
            raise InputError(f"{cohort.name}: a dose endpoint needs a clinical column 'dose'")
        d = pd.to_numeric(clin["dose"], errors="coerce").to_numpy(float)
        return {"markers": {m: X[m].to_numpy(float) for m in X.columns}, "kind": "dose", "dose": d}, \
            int(np.isfinite(d).sum())
    for col in ("subject", "timepoint"):
        if col not in clin.columns:
            raise InputError(f"{cohort.name}: a change endpoint needs clinical columns 'subject' and 'timepoint' "
                             f"(values '{ep.pre}' and '{ep.post}')")
    tp = clin["timepoint"].astype(str)
    pre = X[(tp == ep.pre).to_numpy()].set_axis(clin.loc[tp == ep.pre, "subject"].astype(str))
    post = X[(tp == ep.post).to_numpy()].set_axis(clin.loc[tp == ep.post, "subject"].astype(str))
    common = pre.index.intersection(post.index)
    if common.size < 3:
        raise InputError(f"{cohort.name}: fewer than 3 subjects have both '{ep.pre}' and '{ep.post}' samples")
    pre, post = pre.loc[common], post.loc[common]
    return {"markers": {m: pre[m].to_numpy(float) for m in X.columns}, "kind": "change",
            "post": {m: post[m].to_numpy(float) for m in X.columns}}, int(common.size)
