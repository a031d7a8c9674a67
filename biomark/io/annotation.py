"""Feature annotation: probe ids and accessions mapped to names a panel can match, and the collapse
of several probes of one marker.

An annotation is a GEO platform table or ``.annot`` file (its ``!platform_table_begin`` table), a
SOFT file's own platform table, a GDS's IDENTIFIER column, or a two-column CSV/TSV (feature id,
name). A ``///``-separated name (a probe of several genes) is never assigned to one of them: such a
probe is left out with a warning. Several probes of one marker are refused unless ``collapse``
says how to combine them (``mean``, ``median``, ``max-mean``: the probe with the highest mean
across samples, ``first``: the first in file order), computed on the values as the file holds them
(before the assay's log2 conversion).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biomark.errors import InputError
from biomark.io.geo import Table, head_lines, open_text, platform_table
from biomark.panel.names import name_matcher, other_arm_finder, panel_targets

COLLAPSE = ("error", "mean", "median", "max-mean", "first")
# the name columns GEO platform and .annot tables use, in the order they are preferred
NAME_COLUMNS = ("Gene symbol", "Gene Symbol", "GENE_SYMBOL", "Symbol", "miRNA_ID", "miRNA_ID_LIST", "ORF",
                "SPOT_ID")
_EMPTY = {"", "---", "--", "NA", "null"}


@dataclass(frozen=True)
class Annotation:
    """Feature id → name, with where the names came from (``label``)."""

    names: dict[str, str]
    label: str
    notes: list[str] = field(default_factory=list)


def load_annotation(path: Path, src: str, column: str | None) -> Annotation:
    """Read an annotation file: a platform table (GPL SOFT, ``.annot``, family SOFT) or a CSV/TSV."""
    try:
        regular = path.is_file() and not path.is_char_device() and not path.is_fifo()
    except OSError:
        regular = False
    if not regular:
        raise InputError(f"{src}: not a regular file; give --annotation a GEO platform .annot/SOFT file or a CSV")
    head = head_lines(path, 5)
    if any(h.startswith(("^", "!")) for h in head):
        return from_table(platform_table(path, src), src, column)
    return _from_csv(path, src, column)


def from_table(t: Table, src: str, column: str | None) -> Annotation:
    """The names of a platform table: ``column`` or the first of :data:`NAME_COLUMNS` present."""
    head = t.header
    if not head or head[0] != "ID":
        raise InputError(f"{src}: line {t.line}: the platform table does not start with an ID column")
    col = _choose(head, column, src)
    k = head.index(col)
    names = {r[0].strip(): (r[k].strip() if k < len(r) else "") for r in t.rows}
    return Annotation(names, f"{src}, column '{col}'")


def _choose(head: list[str], column: str | None, src: str) -> str:
    if column is not None:
        if column not in head:
            raise InputError(f"{src}: --annotation-column '{column}' is not a column; columns: "
                             + ", ".join(head[1:30]))
        return column
    found = [c for c in NAME_COLUMNS if c in head]
    if not found:
        raise InputError(f"{src}: no column of names ({', '.join(NAME_COLUMNS)}); choose one with "
                         f"--annotation-column (columns: {', '.join(head[1:30])})")
    return found[0]


def _from_csv(path: Path, src: str, column: str | None) -> Annotation:
    lines = [ln for ln in open_text(path, src) if ln.strip()]
    if not lines:
        raise InputError(f"{src}: empty annotation file; give a platform table or a CSV with two columns "
                         "(feature id, name)")
    sep = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else ";")
    rows = list(csv.reader(lines, delimiter=sep))
    head = [c.strip() for c in rows[0]]
    if len(head) < 2:
        raise InputError(f"{src}: row 1: one column; the annotation needs two (feature id, name)")
    k = head.index(column) if column in head else 1
    if column is not None and column not in head:
        raise InputError(f"{src}: --annotation-column '{column}' is not a column; columns: {', '.join(head)}")
    names: dict[str, str] = {}
    for i, r in enumerate(rows[1:], start=2):
        if not r:
            continue
        fid = r[0].strip()
        if fid in names:
            raise InputError(f"{src}: row {i}: feature id '{fid}' appears twice; give one name per feature id")
        names[fid] = r[k].strip() if k < len(r) else ""
    return Annotation(names, f"{src}, column '{head[k]}'")


@dataclass
class Mapping:
    """Which file features stand for which panel marker (ids as the panel spells them)."""

    probes: dict[str, list[str]]  # marker id -> feature ids, file order
    how: dict[str, str]  # marker id -> how its name matched
    multi_gene: dict[str, list[str]]  # marker id -> '///' probes left out
    n_unannotated: int
    other_arm: dict[str, list[str]] = field(default_factory=dict)  # marker id -> probes of its other arm


def map_features(features: list[str], ann: Annotation, panel: Any) -> Mapping:
    """The file's features that the annotation names as the panel's markers (and references)."""
    targets = panel_targets(panel, include_reference=True)
    probes: dict[str, list[str]] = {}
    how: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    cache: dict[str, tuple[str | None, str]] = {}
    match, other_arm_of = name_matcher(targets), other_arm_finder(targets)
    missing = 0
    for f in features:
        name = ann.names.get(f)
        if name is None or name in _EMPTY:
            missing += 1
            continue
        parts = [p.strip() for p in name.split("///") if p.strip()]
        for part in parts:
            if part not in cache:
                cache[part] = match(part)
            mid, h = cache[part]
            if mid is None:  # hsa-miR-339-3p for a panel's 5p marker: never matched, reported
                twin = other_arm_of(part)
                if twin is not None:
                    other.setdefault(twin, []).append(f"{f} ({part})")
                continue
            if len(parts) > 1:
                multi.setdefault(mid, []).append(f)
                continue
            probes.setdefault(mid, []).append(f)
            how.setdefault(mid, f"annotation ({h})" if h else "annotation")
    return Mapping(probes, how, multi, missing, other)


def collapse_values(values: pd.DataFrame, mapping: Mapping, rule: str, src: str,
                    say: Callable[[str], None]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One column per marker: its probe, or its probes combined by ``rule``; qc of what was done."""
    if rule not in COLLAPSE:
        raise InputError(f"--collapse {rule}: not a rule; use one of {', '.join(COLLAPSE)}")
    several = {m: p for m, p in mapping.probes.items() if len(p) > 1}
    if several and rule == "error":
        shown = "; ".join(f"{m}: {len(p)} probes ({', '.join(p[:6])}{' ...' if len(p) > 6 else ''})"
                          for m, p in several.items())
        raise InputError(f"{src}: {len(several)} marker(s) have several probes ({shown}); choose how to combine "
                         "them with --collapse mean|median|max-mean|first, or give an --annotation that names one "
                         "probe per marker")
    out: dict[str, np.ndarray] = {}
    chosen: dict[str, list[str]] = {}
    for m, p in mapping.probes.items():
        block = values[p].to_numpy(dtype=np.float64)
        if len(p) == 1 or rule == "first":
            out[m], chosen[m] = block[:, 0], [p[0]]
        elif rule == "max-mean":
            with np.errstate(all="ignore"):
                means = np.nanmean(block, axis=0)
            k = int(np.nanargmax(means)) if np.isfinite(means).any() else 0
            out[m], chosen[m] = block[:, k], [p[k]]
        else:
            with np.errstate(all="ignore"), _quiet():
                out[m] = np.nanmean(block, axis=1) if rule == "mean" else np.nanmedian(block, axis=1)
            chosen[m] = list(p)
    for m, p in mapping.multi_gene.items():
        say(f"{src}: {len(p)} probe(s) annotated to several genes including {m} were left out "
            f"({', '.join(p[:6])}); give a two-column --annotation to assign one explicitly")
    for m, p in mapping.other_arm.items():
        say(f"{src}: {len(p)} feature(s) annotated to the other arm of {m} were not used ({', '.join(p[:4])})")
    if several:
        say(f"{src}: {len(several)} marker(s) had several probes, combined by --collapse {rule}: "
            + "; ".join(f"{m} ({len(p)})" for m, p in several.items()))
    qc = {"probes": {m: list(p) for m, p in mapping.probes.items()}, "used": chosen,
          "collapse": rule if several else "none needed", "multi_gene_left_out": mapping.multi_gene,
          "other_arm_left_out": mapping.other_arm,
          "n_features_without_name": mapping.n_unannotated}
    return pd.DataFrame(out, index=values.index), qc


class _quiet:
    """Silence numpy's all-NaN-slice RuntimeWarning (a sample missing every probe is NaN)."""

    def __enter__(self) -> None:
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._w.__exit__(*exc)
