"""Matching the marker names in a user's file to a panel's markers.

Rules, applied to the canonical id and every alias of each marker:

1. :func:`normalize` removes differences of case, dash, underscore, dot and space (a separator
   between two digits is kept as one dash, so ``miR-339-5p`` never equals ``miR-3395p``), a species prefix
   (``hsa-``, ``mmu-``, ``rno-``) and the ``hsa_`` of circBase ids, so ``hsa-miR-339-5p``,
   ``miR-339-5P`` and ``mir_339_5p`` are one name, as are ``hsa_circ_0067835`` / ``circ-0067835`` and
   ``Beclin 1`` / ``Beclin1``. Gene symbols and protein names match through the aliases the spec
   lists (``BECN1`` / ``Beclin 1``, ``SQSTM1`` / ``p62``).
   A trailing parenthesised accession and surrounding white space are ignored, so
   ``hsa-miR-339-5p (MIMAT0000764)`` is ``hsa-miR-339-5p``.
2. An explicit arm never matches the other arm: ``miR-339-3p`` is never the panel's ``miR-339-5p``.
   A name with an arm matches a marker whose spec names no arm (``miR-339``) with a warning
   (the spec does not say which arm it meant).
3. A name without an arm (``miR-339``) matches a marker with one (``miR-339-5p``) only when the spec
   allows it (``allow_armless: true`` on the marker or the panel), and with a warning: the file does
   not say which arm was measured.
4. A precursor name (``hsa-mir-339``: lower-case "mir", no arm) never matches a mature marker: it is
   left unmatched with a warning saying to rename the column if the values are the mature miRNA
   (precursor and mature levels are different molecules). It matches only a spec name written as a
   precursor itself.
5. A name that fits more than one marker, or two columns that fit one marker, is an error listing the
   candidates: biomark never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from biomark.errors import MarkerResolutionError

_SPECIES = re.compile(r"^(hsa|mmu|rno|ptr|mml)[-_ .]+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_ .]+")
_DIGIT_SEP_DIGIT = re.compile(r"(?<=\d)[-_ .]+(?=\d)")
_ARM = re.compile(r"(?:(?<=\d)-|(?<=\d[a-z]))(3p|5p)$")  # 339-5p, 29a3p; never 3395p
_ACCESSION = re.compile(r"\s*\([^()]*\)\s*$")  # 'hsa-miR-339-5p (MIMAT0000764)'
_PRECURSOR = re.compile(r"^mir[-_ .]?\d")  # case-sensitive, after the species prefix: hsa-mir-339


class Target(tuple):
    """A ``(marker_id, aliases)`` pair that also says whether an armless name may match it.

    It unpacks as the pair (``for mid, aliases in targets``); ``allow_armless`` is read with
    ``getattr(t, "allow_armless", False)`` so plain tuples keep working.
    """

    allow_armless: bool

    def __new__(cls, marker_id: str, aliases: Sequence[str], allow_armless: bool = False) -> Target:
        t = super().__new__(cls, (marker_id, list(aliases)))
        t.allow_armless = bool(allow_armless)
        return t


def clean(name: str) -> str:
    """The name without a trailing parenthesised accession and surrounding white space."""
    s = str(name).strip()
    prev = None
    while prev != s:
        prev, s = s, _ACCESSION.sub("", s).strip()
    return s


def is_precursor(name: str) -> bool:
    """``hsa-mir-339`` (lower-case 'mir', no arm): a precursor (stem-loop) name, not a mature miRNA."""
    s = _SPECIES.sub("", clean(name))
    return bool(_PRECURSOR.match(s)) and _without_arm(normalize(s)) is None


def normalize(name: str) -> str:
    """Case-, separator- and species-prefix-insensitive key of a marker name."""
    s = clean(name)
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
    markers no input name matched; ``unmatched`` lists input names that fit no marker; ``how`` says
    how each matched: ``"exact"`` (id or alias; an armless alias of an armed id with a warning),
    ``"arm"`` (the name has an arm, the spec none) or ``"armless"`` (the name has no arm, the spec
    one, allowed by ``allow_armless``). ``warnings``:
    one sentence per uncertain match or refused precursor name, for results and the report.
    """

    columns: dict[str, str]
    missing: list[str]
    unmatched: list[str]
    how: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Index:
    exact: dict[str, set[str]]  # normalised spec name -> markers
    precursor: dict[str, set[str]]  # normalised spec names written as precursors -> markers
    armed: dict[str, set[str]]  # armless key of an armed spec name -> markers
    allowed: set[str]  # markers an armless name may match
    armed_markers: set[str]  # markers with an armed id or alias: an armed name of the other arm never fits


def _candidates(targets: Sequence[tuple[str, Sequence[str]]]) -> _Index:
    exact: dict[str, set[str]] = {}
    precursor: dict[str, set[str]] = {}
    armed: dict[str, set[str]] = {}
    allowed: set[str] = set()
    for t in targets:
        mid, aliases = t
        if getattr(t, "allow_armless", False):
            allowed.add(mid)
        for nm in [mid, *aliases]:
            k = normalize(nm)
            exact.setdefault(k, set()).add(mid)
            if is_precursor(nm):
                precursor.setdefault(k, set()).add(mid)
            a = _without_arm(k)
            if a is not None:
                armed.setdefault(a, set()).add(mid)
    armed_markers = {m for ms in armed.values() for m in ms}
    return _Index(exact, precursor, armed, allowed, armed_markers)


def match_name(name: str, targets: Sequence[tuple[str, Sequence[str]]]) -> tuple[str | None, str]:
    """Match one name against ``(marker_id, aliases)`` pairs.

    Returns ``(marker_id, how)`` or ``(None, "")``; raises :class:`MarkerResolutionError` when the
    name fits several markers.

    Examples
    --------
    >>> t = [("hsa-miR-339-5p", [])]
    >>> match_name("hsa-miR-339-5p (MIMAT0000764)", t), match_name("hsa-miR-339-3p", t)
    (('hsa-miR-339-5p', 'exact'), (None, ''))
    >>> match_name("miR-339", t), match_name("miR-339", [Target("hsa-miR-339-5p", [], allow_armless=True)])
    ((None, ''), ('hsa-miR-339-5p', 'armless'))
    >>> match_name("hsa-mir-339", t)
    (None, '')
    """
    mid, how, _ = _match(name, _candidates(targets))
    return (mid, how) if mid is not None else (None, "")


def name_matcher(targets: Sequence[tuple[str, Sequence[str]]]) -> Callable[[str], tuple[str | None, str]]:
    """:func:`match_name` with the index of ``targets`` built once, for matching many names.

    Examples
    --------
    >>> m = name_matcher([("hsa-miR-339-5p", [])])
    >>> [m(n)[0] for n in ("MIR339-5P", "hsa-miR-339-3p")]
    ['hsa-miR-339-5p', None]
    """
    ix = _candidates(targets)

    def match(name: str) -> tuple[str | None, str]:
        mid, how, _ = _match(name, ix)
        return (mid, how) if mid is not None else (None, "")

    return match


def other_arm_of(name: str, targets: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The marker whose other arm ``name`` is (``hsa-miR-339-3p`` for ``hsa-miR-339-5p``), else None.

    For messages only: such a name never matches (see :func:`match_name`).

    Examples
    --------
    >>> other_arm_of("hsa-miR-339-3p", [("hsa-miR-339-5p", [])])
    'hsa-miR-339-5p'
    """
    return _other_arm(name, _candidates(targets))


def other_arm_finder(targets: Sequence[tuple[str, Sequence[str]]]) -> Callable[[str], str | None]:
    """:func:`other_arm_of` with the index of ``targets`` built once, for many names.

    Examples
    --------
    >>> other_arm_finder([("hsa-miR-339-5p", [])])("hsa-miR-339-3p")
    'hsa-miR-339-5p'
    """
    ix = _candidates(targets)
    return lambda name: _other_arm(name, ix)


def _other_arm(name: str, ix: _Index) -> str | None:
    key = normalize(name)
    a = _without_arm(key)
    if a is None:
        return None
    if ix.exact.get(key):
        return None
    hits = sorted(ix.armed.get(a, set()))
    return hits[0] if len(hits) == 1 else None


def _one(name: str, hits: set[str] | None) -> str | None:
    if not hits:
        return None
    if len(hits) > 1:
        raise MarkerResolutionError(
            f"marker name '{name}' is ambiguous: it matches {', '.join(sorted(hits))}; "
            "rename the column to one of these ids"
        )
    return next(iter(hits))


def _match(name: str, ix: _Index) -> tuple[str | None, str, str]:
    """``(marker, how, warning)``; marker None when nothing may match (the warning says why, if anything)."""
    key = normalize(name)
    if is_precursor(name):
        mid = _one(name, ix.precursor.get(key))
        if mid is not None:
            return mid, "exact", ""
        mature = ix.exact.get(key) or ix.armed.get(key)
        if mature:
            return None, "", (f"'{name}' is a precursor (stem-loop) name (lower-case 'mir'), not the mature "
                              f"marker {', '.join(sorted(mature))}: not used; if its values are the mature miRNA, "
                              "rename it to the marker id")
        return None, "", ""
    a = _without_arm(key)
    mid = _one(name, ix.exact.get(key))
    if mid is not None:
        if a is None and key.startswith(("mir", "let")) and mid in ix.armed_markers:
            return mid, "exact", (f"'{name}' names no arm and was matched to {mid} through an armless alias of "
                                    "the panel spec: the file does not say which arm was measured")
        return mid, "exact", ""
    if a is not None:  # the name has an arm: only a marker with no armed name may match (never the other arm)
        mid = _one(name, (ix.exact.get(a) or set()) - ix.armed_markers)
        if mid is not None:
            return mid, "arm", (f"'{name}' matched marker {mid}, whose spec names no arm: check that the arm "
                                "measured is the one the literature meant")
        other = ix.armed.get(a)
        if other:
            return None, "", (f"'{name}' is the other arm of marker {', '.join(sorted(other))}: not used (an "
                              "explicit arm never stands for the other one)")
        return None, "", ""
    hits = ix.armed.get(key)
    if not hits:
        return None, "", ""
    ok = hits & ix.allowed
    if not ok:
        return None, "", (f"'{name}' names no arm and was not used for {', '.join(sorted(hits))}; rename it to "
                          "the arm measured, or set allow_armless: true in the panel spec")
    mid = _one(name, ok)
    return mid, "armless", (f"'{name}' names no arm and was matched to {mid} (allow_armless in the panel spec): "
                            "the file does not say which arm was measured")


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
        ``(marker_id, aliases)`` pairs (or :class:`Target`), e.g. from :func:`panel_targets`.
    source
        Used in error messages (a file name).
    """
    ix = _candidates(targets)
    columns: dict[str, str] = {}
    how: dict[str, str] = {}
    notes: dict[str, str] = {}
    unmatched: list[str] = []
    for nm in names:
        try:
            mid, h, note = _match(nm, ix)
        except MarkerResolutionError as err:
            raise MarkerResolutionError(f"{source}: {err}") from None
        if note:
            notes[nm] = note
        if mid is None:
            unmatched.append(nm)
            continue
        columns[nm] = mid
        how[nm] = h
    _one_per_marker(columns, how, notes, unmatched, source)
    found = set(columns.values())
    missing = [t[0] for t in targets if t[0] not in found]
    warnings = [f"{source}: {w}" for w in notes.values()]
    return MarkerMatch(columns=columns, missing=missing, unmatched=unmatched, how=how, warnings=warnings)


def _one_per_marker(columns: dict[str, str], how: dict[str, str], notes: dict[str, str], unmatched: list[str],
                    source: str) -> None:
    """An exact match beats an armless or armed one for the same marker; two of a kind are an error."""
    by_marker: dict[str, list[str]] = {}
    for nm, mid in columns.items():
        by_marker.setdefault(mid, []).append(nm)
    for mid, nms in by_marker.items():
        if len(nms) < 2:
            continue
        exact_only = [n for n in nms if how[n] == "exact"]
        if len(exact_only) == 1:  # 'miR-339-5p' beats an armless 'miR-339' for the same marker
            for n in nms:
                if n != exact_only[0]:
                    columns.pop(n)
                    how.pop(n)
                    notes.pop(n, None)
                    unmatched.append(n)
            continue
        raise MarkerResolutionError(
            f"{source}: {len(nms)} columns match marker '{mid}': "
            + ", ".join(repr(n) for n in nms) + "; keep one of them or rename the others"
        )


def panel_targets(panel, *, include_reference: bool = False) -> list[Target]:
    """``(marker_id, aliases)`` pairs of a panel (optionally with its reference markers)."""
    every = bool(getattr(panel, "allow_armless", False))
    out = [Target(m.id, m.aliases, every or bool(getattr(m, "allow_armless", False))) for m in panel.markers]
    if include_reference:
        out += [Target(r.id, r.aliases) for r in panel.reference_markers]
    return out
