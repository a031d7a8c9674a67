"""Which rows and columns of an expression file are samples and markers.

The sample-id rules (never empty, unique, not differing only in case or spaces), the
orientation (samples as rows or as columns, ``"auto"``: the axis that carries the panel's
marker names), and the choice of the marker, reference and spike-in columns through the panel's
ids and aliases (:mod:`biomark.panel.names`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from biomark.errors import InputError
from biomark.io.assay import reference_markers
from biomark.io.layout import closest
from biomark.panel.names import match_name, name_matcher, normalize, panel_targets, resolve_markers


def check_ids(ids: list[str], src: str, where: Callable[[int], str]) -> None:
    """Refuse an empty sample id, a repeated one, and two that differ only in case or spaces.

    ``where(i)`` names the cell of id ``i`` (``"row 2, column 'id'"``).
    """
    seen: dict[str, int] = {}
    for i, s in enumerate(ids):
        if s.strip() == "":
            raise InputError(f"{src}: {where(i)}: empty sample id; give every sample an id")
        if s in seen:
            raise InputError(f"{src}: sample id '{s}' appears twice ({where(seen[s])} and {where(i)}); "
                             "sample ids must be unique: fix or remove the duplicate")
        seen[s] = i
    fold: dict[str, int] = {}
    for i, s in enumerate(ids):
        k = id_key(s)
        if k in fold:
            j = fold[k]
            raise InputError(f"{src}: sample ids '{ids[j]}' ({where(j)}) and '{s}' ({where(i)}) differ only in "
                             "case or spaces; biomark compares ids exactly: make them identical if they are one "
                             "sample, or clearly different if not")
        fold[k] = i


def id_key(s: str) -> str:
    """An id without spaces, case-folded: two ids with one key are a typo, never guessed."""
    return re.sub(r"\s+", "", s).casefold()


def detect_orientation(header_names: list[str], first_col: list[str], panel: Any, src: str) -> str:
    """``"columns"`` when the first column carries more of the panel's markers than the header."""
    if panel is None:
        return "rows"
    targets = panel_targets(panel, include_reference=True)
    in_header = len(resolve_markers(header_names, targets, source=src).columns) \
        if len(set(header_names)) == len(header_names) else _count_matches(header_names, targets)
    return "columns" if _count_matches(first_col, targets) > in_header else "rows"


def _count_matches(names: list[str], targets: Any) -> int:
    match = name_matcher(targets)
    return len({mid for mid in (match(n)[0] for n in set(names)) if mid is not None})


@dataclass
class Selection:
    """The feature columns (rows, for samples as columns) kept, under their canonical ids."""

    keep: list[tuple[int, str]]  # (feature index, output column), output order
    missing: list[str] = field(default_factory=list)  # panel markers not in the file
    reference_ids: list[str] = field(default_factory=list)  # qPCR references for −ΔCt
    spike_in: str | None = None
    qc: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def select_features(features: list[str], panel: Any, *, src: str, orientation: str, assay: str,
                    spike_in: str | None, auto: bool) -> Selection:
    """Match the feature names to the panel (or keep them all) and find the spike-in."""
    spike_pos, spike_col = find_spike_in(features, spike_in, panel, src, orientation) if spike_in else (None, None)
    if panel is None:
        sel = _keep_all(features, spike_pos, src, orientation)
    else:
        sel = _match_panel(features, panel, spike_pos, spike_col, src=src, orientation=orientation, assay=assay,
                           auto=auto, spike_in=spike_in)
    if spike_pos is not None:
        sel.keep.append((spike_pos, spike_col))
    sel.spike_in = spike_col
    return sel


def _where(orientation: str, i: int) -> str:
    return f"column {i + 2}" if orientation == "rows" else f"row {i + 2}"


def _repeated(src: str, name: str, idxs: list[int], orientation: str) -> InputError:
    return InputError(f"{src}: marker '{name}' appears {len(idxs)} times ("
                      + ", ".join(_where(orientation, i) for i in idxs) + "); keep one of them")


def _keep_all(features: list[str], spike_pos: int | None, src: str, orientation: str) -> Selection:
    keep = [(i, f.strip()) for i, f in enumerate(features) if i != spike_pos]
    seen: dict[str, list[int]] = {}
    for i, f in keep:
        seen.setdefault(f, []).append(i)
        if len(seen[f]) > 1:
            raise _repeated(src, f, [j for j, g in keep if g == f], orientation)
    return Selection(keep)


def find_spike_in(features: list[str], spike_in: str, panel: Any, src: str, orientation: str) -> tuple[int, str]:
    """Position and output name of the spike-in feature (matched through the panel's references)."""
    key = normalize(spike_in)
    hits = [i for i, f in enumerate(features) if normalize(f) == key]
    spike_ref: str | None = None
    if panel is not None and panel.reference_markers:
        ref_targets = [(r.id, list(r.aliases)) for r in panel.reference_markers]
        spike_ref, _ = match_name(spike_in, ref_targets)
        if spike_ref is not None and not hits:
            match = name_matcher(ref_targets)
            hits = [i for i, f in enumerate(features) if match(f)[0] == spike_ref]
    axis = "columns" if orientation == "rows" else "rows"
    if not hits:
        close = closest(spike_in, features)
        raise InputError(f"{src}: spike-in '{spike_in}' not found among the "
                         f"{'columns' if orientation == 'rows' else 'marker names in the first column'}"
                         + (f"; did you mean: {', '.join(close)}?" if close else ""))
    if len(hits) > 1:
        raise InputError(f"{src}: spike-in '{spike_in}' matches {len(hits)} {axis}: "
                         + ", ".join(_where(orientation, h) for h in hits))
    return hits[0], spike_ref if spike_ref is not None else features[hits[0]].strip()


def _match_panel(features: list[str], panel: Any, spike_pos: int | None, spike_col: str | None, *, src: str,
                 orientation: str, assay: str, auto: bool, spike_in: str | None) -> Selection:
    targets = panel_targets(panel, include_reference=True)
    by_name: dict[str, list[int]] = {}
    for i, f in enumerate(features):
        if i != spike_pos:
            by_name.setdefault(f, []).append(i)
    match = resolve_markers(list(by_name), targets, source=src)  # a repeated name is resolved once
    chosen: list[tuple[int, str]] = []
    for f, mid in match.columns.items():
        if len(by_name[f]) > 1:
            raise _repeated(src, f, by_name[f], orientation)
        chosen.append((by_name[f][0], mid))
    order = {mid: k for k, (mid, _) in enumerate(targets)}
    chosen.sort(key=lambda t: order[t[1]])
    ref_set = {r.id for r in panel.reference_markers}
    found = [mid for _, mid in chosen if mid not in ref_set]
    if not found:
        raise _no_marker(features, panel, src, orientation, auto)
    sel = Selection(chosen, missing=[m for m in panel.marker_ids if m not in found])
    sel.warnings.extend(match.warnings)
    if sel.missing:
        sel.warnings.append(f"{src}: {len(sel.missing)} of {len(panel.markers)} panel markers are not in the file: "
                            + ", ".join(sel.missing))
    refs_found = {mid for _, mid in chosen if mid in ref_set}
    sel.reference_ids = reference_markers(panel, refs_found)
    missing_refs = [r.id for r in panel.reference_markers if r.id not in refs_found and r.id != spike_col]
    if missing_refs and assay == "qpcr_ct" and spike_in is None:
        sel.warnings.append(f"{src}: reference marker(s) not in the file: {', '.join(missing_refs)}")
    sel.qc = {"matched": {f: {"marker": mid, "how": match.how.get(f, "")} for f, mid in match.columns.items()},
              "unmatched": match.unmatched[:200], "n_unmatched": len(match.unmatched)}
    return sel


def _no_marker(features: list[str], panel: Any, src: str, orientation: str, auto: bool) -> InputError:
    axis = "header" if orientation == "rows" else "first column"
    shown = ", ".join(repr(f) for f in features[:8]) + (" ..." if len(features) > 8 else "")
    return InputError(
        f"{src}: none of the {len(panel.markers)} markers of panel '{panel.id}' "
        f"({', '.join(panel.marker_ids[:8])}{' ...' if len(panel.markers) > 8 else ''}) "
        f"is in the {axis} (found: {shown}); rename the columns to the panel's marker ids or aliases"
        + ("" if not auto else ", or pass samples_as='rows'/'columns'")
    )
