"""How clinical cells are read: one missing-value rule, event codings, binary labels.

One rule for every clinical column (outcome, time, event, covariates): a cell that is empty or one of
:data:`NA_VALUES` (compared case-insensitively after stripping spaces) is missing; a column whose
non-missing cells are all numbers is numeric. Event columns accept the codings real files use
(:data:`EVENT_WORDS`, :data:`CENSORED_WORDS`, cBioPortal's ``1:DECEASED`` / ``0:LIVING`` and any other
``1:...`` / ``0:...`` label, which cBioPortal's file format defines as event / censored); anything else is
refused with a message naming the column and ``--event-value``. This module imports nothing of biomark
but its errors.

Examples
--------
>>> import pandas as pd
>>> event_codes(pd.Series(["1:DECEASED", "0:LIVING", "NA"], name="OS_STATUS"), "clin.tsv").tolist()
[1.0, 0.0, nan]
>>> numeric_or_text(pd.Series(["0", "1", "NA", "2"]), NA_VALUES).tolist()
[0.0, 1.0, nan, 2.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from biomark.errors import InputError

NA_VALUES: tuple[str, ...] = ("", "NA", "NaN", "N/A", "NULL", ".", "-")
EVENT_WORDS = frozenset({"1", "1.0", "true", "yes", "dead", "deceased", "died", "event", "recurred", "progressed",
                         "recurrence", "progression", "relapse", "relapsed"})
CENSORED_WORDS = frozenset({"0", "0.0", "false", "no", "alive", "living", "censored", "diseasefree",
                            "disease free", "disease-free", "no recurrence", "no progression"})


def parse_labels(text: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``"CR,PR"`` (or a sequence) -> ``("CR", "PR")``; ``None`` stays ``None``.

    Examples
    --------
    >>> parse_labels("CR, PR")
    ('CR', 'PR')
    """
    if text is None:
        return None
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in str(t).split(",")]
    out = tuple(p.strip() for p in parts if p.strip())
    if not out:
        raise InputError(f"{text!r}: give one or more labels separated by commas")
    return out


def codings_of(na_values: Iterable[str] | None = None, event_value: str | Sequence[str] | None = None,
               positive: str | Sequence[str] | None = None, negative: str | Sequence[str] | None = None,
               time_unit: str | None = None) -> dict[str, Any]:
    """The ``Cohort.codings`` record (only what was given), labels split on commas.

    Examples
    --------
    >>> codings_of(positive="CR,PR", negative="SD,PD")
    {'positive': ('CR', 'PR'), 'negative': ('SD', 'PD')}
    """
    out: dict[str, Any] = {}
    if na_values is not None:
        out["na_values"] = tuple(str(v) for v in na_values)
    for key, val in (("event_value", event_value), ("positive", positive), ("negative", negative)):
        labels = parse_labels(val)
        if labels is not None:
            out[key] = labels
    if time_unit is not None:
        from biomark.vocabulary import TIME_UNITS

        if time_unit not in TIME_UNITS:
            raise InputError(f"time unit {time_unit!r}: use one of {', '.join(TIME_UNITS)} (--time-unit)")
        out["time_unit"] = time_unit
    return out


def na_set(na_values: Iterable[str] | None) -> frozenset[str]:
    """The missing-value tokens, folded for comparison (the empty cell is always missing)."""
    vals = NA_VALUES if na_values is None else tuple(na_values)
    return frozenset({"", *(str(v).strip().casefold() for v in vals)})


def _is_na(v: Any, na: frozenset[str]) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    return str(v).strip().casefold() in na


def numeric_or_text(s: pd.Series, na_values: Iterable[str] | None = None, decimal: str = ".") -> pd.Series:
    """A text column with missing tokens as missing; numeric (float64) when every other cell is a number."""
    na = na_set(na_values)
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s
    vals = [None if _is_na(v, na) else (v.strip() if isinstance(v, str) else v) for v in s]
    present = [v for v in vals if v is not None]
    if present:
        txt = [str(v).replace(decimal, ".") if decimal != "." else str(v) for v in present]
        num = pd.to_numeric(pd.Series(txt, dtype=object), errors="coerce")
        if num.notna().all() and np.isfinite(num.to_numpy(float)).all():
            out = np.full(len(vals), np.nan)
            out[[i for i, v in enumerate(vals) if v is not None]] = num.to_numpy(float)
            return pd.Series(out, index=s.index, name=s.name)
    return pd.Series(pd.array(vals, dtype=object), index=s.index, name=s.name)


def event_codes(e: pd.Series, src: str, event_value: Sequence[str] | None = None,
                na_values: Iterable[str] | None = None) -> np.ndarray:
    """The event column as 1.0 (event), 0.0 (censored) or NaN (missing).

    With ``event_value`` those labels are events and every other non-missing label is censored;
    without it the codings of :data:`EVENT_WORDS` / :data:`CENSORED_WORDS` and cBioPortal's ``1:``/``0:``
    prefixes are read, a numeric 1/2 coding is refused (R's survival::lung) and any other label is an
    error naming the column and ``--event-value``.
    """
    name = str(e.name)
    vals = e.to_numpy(dtype=object)
    out = np.full(vals.size, np.nan)
    na = na_set(na_values)
    present = np.array([not _is_na(v, na) for v in vals], dtype=bool)
    text = [_fold(v) for v in vals[present]]
    if event_value is not None:
        ev = {_fold(x) for x in event_value}
        found = set(text)
        if not ev & found:
            raise InputError(f"{src}: column '{name}': no cell is {', '.join(repr(x) for x in event_value)} "
                             f"(--event-value); labels are: {', '.join(sorted(map(str, set(vals[present]))))[:300]}")
        out[present] = [1.0 if t in ev else 0.0 for t in text]
        return out
    codes = [_code(t) for t in text]
    unknown = sorted({str(v).strip() for v, c in zip(vals[present], codes, strict=True) if c is None})
    if unknown:
        nums = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce")
        if set(text) <= {"1", "2", "1.0", "2.0"}:
            raise InputError(f"{src}: column '{name}' is coded 1/2 as in R's survival::lung (2 = event); recode "
                             "it to 0 = censored, 1 = event, or pass --event-value 2")
        if nums.notna().all():
            found = set(nums.tolist())
            hint = ("; if 2 is a competing event (e.g. death without recurrence), name it in the panel spec's "
                    "survival endpoint (competing: ...)" if 2.0 in found and found <= {0.0, 1.0, 2.0} else "")
            raise InputError(f"{src}: column '{name}' must be 0 (censored) or 1 (event); found "
                             + ", ".join(f"{c:g}" for c in sorted(found))
                             + "; recode it, or pass --event-value LABEL[,LABEL] naming the event codes" + hint)
        raise InputError(f"{src}: column '{name}': cannot tell events from censored samples in label(s) "
                         f"{', '.join(repr(u) for u in unknown[:6])}{' ...' if len(unknown) > 6 else ''}; "
                         "pass --event-value LABEL[,LABEL] naming the event labels (every other label is censored)")
    out[present] = codes
    return out


def competing_codes(e: pd.Series, src: str, competing: str, na_values: Iterable[str] | None = None) -> np.ndarray:
    """The event column of a competing-risks endpoint as 0.0 (censored), 1.0 (event of interest), 2.0
    (the competing event ``competing``) or NaN (missing); any other cell is an error naming the column
    and the codes found.

    Examples
    --------
    >>> competing_codes(pd.Series([0, 1, 2, None], name="status"), "clin.csv", "death").tolist()
    [0.0, 1.0, 2.0, nan]
    """
    name = str(e.name)
    vals = e.to_numpy(dtype=object)
    out = np.full(vals.size, np.nan)
    na = na_set(na_values)
    present = np.array([not _is_na(v, na) for v in vals], dtype=bool)
    text = [_fold(v) for v in vals[present]]
    codes = {"0": 0.0, "1": 1.0, "2": 2.0, "0.0": 0.0, "1.0": 1.0, "2.0": 2.0}
    bad = sorted({str(v).strip() for v, t in zip(vals[present], text, strict=True) if t not in codes})
    if bad:
        found = sorted({str(v).strip() for v in vals[present]}, key=lambda x: (len(x), x))
        raise InputError(f"{src}: column '{name}' must be coded 0 (censored), 1 (event of interest) or 2 "
                         f"(competing event: {competing}) for a competing-risks endpoint; found codes "
                         f"{', '.join(found[:12])}{' ...' if len(found) > 12 else ''}; recode the "
                         f"{'cell' if len(bad) == 1 else 'cells'} {', '.join(repr(b) for b in bad[:6])}")
    out[present] = [codes[t] for t in text]
    return out


def _fold(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip().casefold()


def _code(t: str) -> float | None:
    if t in EVENT_WORDS:
        return 1.0
    if t in CENSORED_WORDS:
        return 0.0
    if t.startswith("1:"):  # cBioPortal: 1:DECEASED, 1:Recurred/Progressed, 1:PROGRESSION
        return 1.0
    if t.startswith("0:"):  # 0:LIVING, 0:DiseaseFree, 0:CENSORED
        return 0.0
    return None


def binary_codes(s: pd.Series, src: str, positive: Sequence[str], negative: Sequence[str] | None,
                 flag: str = "--positive", na_values: Iterable[str] | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """1.0 / 0.0 / NaN per sample and the counts of labels left out (neither positive nor negative).

    ``positive`` labels are 1; ``negative`` labels are 0, or, when ``negative`` is None, the one other
    label (more than one other label is an error asking for ``--negative``).
    """
    name = str(s.name)
    vals = s.to_numpy(dtype=object)
    na = na_set(na_values)
    present = np.array([not _is_na(v, na) for v in vals], dtype=bool)
    text = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip() for v in vals[present]]
    labels = sorted(set(text))
    pos = set(positive)
    if not pos & set(labels):
        raise InputError(f"{src}: column '{name}': the positive class {', '.join(repr(p) for p in positive)} does "
                         f"not occur; labels are: {', '.join(labels[:12])}; pass {flag} LABEL[,LABEL] (or recode the "
                         "column)")
    if negative is None:
        others = [lb for lb in labels if lb not in pos]
        if len(others) > 1:
            raise InputError(f"{src}: column '{name}' has {len(labels)} labels ({', '.join(labels[:8])}); a binary "
                             "endpoint needs two: pass --positive LABEL[,LABEL] and --negative LABEL[,LABEL] "
                             "(other labels are then left out with a count)")
        neg = set(others)
    else:
        neg = set(negative)
        both = pos & neg
        if both:
            raise InputError(f"label(s) {', '.join(sorted(both))} are in both --positive and --negative")
    out = np.full(vals.size, np.nan)
    idx = np.flatnonzero(present)
    left: dict[str, int] = {}
    for i, t in zip(idx, text, strict=True):
        if t in pos:
            out[i] = 1.0
        elif t in neg:
            out[i] = 0.0
        else:
            left[t] = left.get(t, 0) + 1
    return out, left
