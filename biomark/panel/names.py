"""Matching the marker names in a user's file to a panel's markers.

Rules, applied to the canonical id and every alias of each marker:

1. :func:`normalize` removes differences of case, dash, underscore, dot and space (a separator
   between two digits is kept as one dash, so ``miR-339-5p`` never equals ``miR-3395p``), a species prefix
   (``hsa-``, ``mmu-``, ``rno-``) and the ``hsa_`` of circBase ids, so ``hsa-miR-339-5p``,
   ``miR-339-5P`` and ``mir_339_5p`` are one name, as are ``hsa_circ_0067835`` / ``circ-0067835`` and
   ``Beclin 1`` / ``Beclin1``. Gene symbols and protein names match through the aliases the spec
   lists (``BECN1`` / ``Beclin 1``, ``SQSTM1`` / ``p62``).
2. If no exact normalised match exists, a miRNA name without its arm suffix (``miR-339``) matches a
   marker with one (``miR-339-5p``), and vice versa, when exactly one marker fits.
3. A name that fits more than one marker, or two columns that fit one marker, is an error listing the
   candidates: biomark never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from biomark.errors import MarkerResolutionError

_SPECIES = re.compile(r"^(hsa|mmu|rno|ptr|mml)[-_ .]+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_ .]+")
_DIGIT_SEP_DIGIT = re.compile(r"(?<=\d)[-_ .]+(?=\d)")
_ARM = re.compile(r"(?:(?<=\d)-|(?<=\d[a-z]))(3p|5p)$")  # 339-5p, 29a3p; never 3395p


def normalize(name: str) -> str:
    """Case-, separator- and species-prefix-insensitive key of a marker name."""
    s = str(name).strip()
    if s[:1] == "'" and s[1:2] in ("=", "+", "-", "@"):  # a name neutralised against spreadsheet formulas
        s = s[1:]
    s = _SPECIES.sub("", s)
    s = _DIGIT_SEP_DIGIT.sub("\x00", s)  # keep the boundary in 339-5p (not 3395p)
    return _SEPARATORS.sub("", s).replace("\x00", "-").lower()


def _without_arm(key: str) -> str | None:
    """``mir3395p`` -> ``mir339`` (only for miRNA-like keys); None when there is no arm."""
    if not key.startswith(("mir", "let")):
        return None
    m = _ARM.search(key)
    if not m:
        return None
    return key[: m.start()].rstrip("-")


@dataclass(frozen=True)
class MarkerMatch:
    """Result of :func:`resolve_markers`.

    ``columns`` maps each matched input name to the canonical marker id; ``missing`` lists panel
    markers no input name matched; ``unmatched`` lists input names that fit no marker.
    """

    columns: dict[str, str]
    missing: list[str]
    unmatched: list[str]
    how: dict[str, str] = field(default_factory=dict)  # input name -> "exact" | "alias" | "arm"


def _candidates(targets: Sequence[tuple[str, Sequence[str]]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    exact: dict[str, set[str]] = {}
    armless: dict[str, set[str]] = {}
    for mid, aliases in targets:
        for nm in [mid, *aliases]:
            k = normalize(nm)
            exact.setdefault(k, set()).add(mid)
            a = _without_arm(k)
            armless.setdefault(a if a is not None else k, set()).add(mid)
    return exact, armless


def match_name(name: str, targets: Sequence[tuple[str, Sequence[str]]]) -> tuple[str | None, str]:
    """Match one name against ``(marker_id, aliases)`` pairs.

    Returns ``(marker_id, how)`` or ``(None, "")``; raises :class:`MarkerResolutionError` when the
    name fits several markers.
    """
    exact, armless = _candidates(targets)
    return _match(name, exact, armless)


def _match(name: str, exact: dict[str, set[str]], armless: dict[str, set[str]]) -> tuple[str | None, str]:
    key = normalize(name)
    hits = exact.get(key)
    how = "exact"
    if not hits:
        a = _without_arm(key)
        if a is not None:  # user's name has an arm; panel may carry the old armless name
            hits = exact.get(a)
        if not hits:
            hits = armless.get(a if a is not None else key)
        how = "arm"
    if not hits:
        return None, ""
    if len(hits) > 1:
        raise MarkerResolutionError(
            f"marker name '{name}' is ambiguous: it matches {', '.join(sorted(hits))}; "
            "rename the column to one of these ids"
        )
    return next(iter(hits)), how


def resolve_markers(
    names: Iterable[str],
    targets: Sequence[tuple[str, Sequence[str]]],
    *,
    source: str = "input",
) -> MarkerMatch:
    """Map input column/row names to marker ids.

    Parameters
    ----------
    names
        Names as they appear in the user's file.
    targets
        ``(marker_id, aliases)`` pairs, e.g. from :func:`panel_targets`.
    source
        Used in error messages (a file name).
    """
    exact, armless = _candidates(targets)
    columns: dict[str, str] = {}
    how: dict[str, str] = {}
    unmatched: list[str] = []
    for nm in names:
        try:
            mid, h = _match(nm, exact, armless)
        except MarkerResolutionError as err:
            raise MarkerResolutionError(f"{source}: {err}") from None
        if mid is None:
            unmatched.append(nm)
            continue
        columns[nm] = mid
        how[nm] = h
    by_marker: dict[str, list[str]] = {}
    for nm, mid in columns.items():
        by_marker.setdefault(mid, []).append(nm)
    for mid, nms in by_marker.items():
        if len(nms) > 1:
            exact_only = [n for n in nms if how[n] == "exact"]
            if len(exact_only) == 1:  # 'miR-339-5p' beats an armless 'miR-339' for the same marker
                for n in nms:
                    if n != exact_only[0]:
                        columns.pop(n)
                        unmatched.append(n)
                continue
            raise MarkerResolutionError(
                f"{source}: {len(nms)} columns match marker '{mid}': "
                + ", ".join(repr(n) for n in nms) + "; keep one of them or rename the others"
            )
    found = set(columns.values())
    missing = [mid for mid, _ in targets if mid not in found]
    return MarkerMatch(columns=columns, missing=missing, unmatched=unmatched, how=how)


def panel_targets(panel, *, include_reference: bool = False) -> list[tuple[str, list[str]]]:
    """``(marker_id, aliases)`` pairs of a panel (optionally with its reference markers)."""
    out = [(m.id, list(m.aliases)) for m in panel.markers]
    if include_reference:
        out += [(r.id, list(r.aliases)) for r in panel.reference_markers]
    return out
