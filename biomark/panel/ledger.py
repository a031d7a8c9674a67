"""The cross-review ledger: every direction claimed for each marker across specs, contradictions flagged.

A claim is (marker, endpoint, direction) of one spec. Claims are compared on a shared axis: a survival
endpoint's ``risk`` is +1 and ``protective`` -1 (all survival endpoints share the axis "survival"); a
binary endpoint whose id ends in ``sensitivity`` is put on the axis of the matching ``resistance`` id
with its sign reversed (``radiosensitivity: up`` is ``radioresistance: down``); other endpoints are
compared only with the same endpoint id. Two specs with opposite signs on one axis for one marker are a
contradiction; a direction left null with a recorded conflict is listed as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from biomark.panel.names import normalize


@dataclass(frozen=True)
class LedgerEntry:
    marker: str
    panel_id: str
    cancer_type: str
    endpoint: str
    kind: str
    direction: str | None
    axis: str
    sign: int  # on the axis; 0: unset
    evidence_level: str
    sentence: str
    conflict: bool = False  # the spec records a conflict for this marker (its direction is unset)


@dataclass(frozen=True)
class Contradiction:
    marker: str
    axis: str
    up: tuple[str, ...]  # panel ids claiming +1 on the axis
    down: tuple[str, ...]


def _axis(endpoint_id: str, kind: str, sign: int) -> tuple[str, int]:
    if kind == "survival":
        return "survival", sign
    if endpoint_id.endswith("sensitivity"):
        return endpoint_id[: -len("sensitivity")] + "resistance", -sign
    return endpoint_id, sign


def ledger(panels: Iterable, marker: str | None = None) -> list[LedgerEntry]:
    """Every (marker, endpoint) direction of ``panels``; ``marker`` (id or alias) selects one marker."""
    want = None if marker is None else normalize(marker)
    out: list[LedgerEntry] = []
    for p in panels:
        for m in p.markers:
            names = {normalize(m.id), *(normalize(a) for a in m.aliases)}
            if want is not None and want not in names:
                continue
            ev = next((e for e in p.evidence if not e.markers or m.id in e.markers), p.evidence[0])
            for ep in p.endpoints:
                if ep.id not in m.direction:
                    continue
                d = m.direction[ep.id]
                conflict = any(c.marker == m.id and c.endpoint in (None, ep.id) for c in p.conflicts)
                s = p.signs(ep.id).get(m.id, 0)
                axis, sign = _axis(ep.id, ep.kind, s)
                out.append(LedgerEntry(m.id, p.id, p.cancer_type, ep.id, ep.kind, d, axis, sign, ev.level,
                                       " ".join(ev.sentence.split()), conflict))
    return sorted(out, key=lambda e: (e.marker, e.axis, e.panel_id))


def contradictions(entries: Sequence[LedgerEntry]) -> list[Contradiction]:
    """Markers claimed in opposite directions on one axis by different specs."""
    groups: dict[tuple[str, str], list[LedgerEntry]] = {}
    for e in entries:
        groups.setdefault((e.marker, e.axis), []).append(e)
    out = []
    for (mk, axis), es in sorted(groups.items()):
        up = tuple(sorted({e.panel_id for e in es if e.sign > 0}))
        down = tuple(sorted({e.panel_id for e in es if e.sign < 0}))
        if up and down:
            out.append(Contradiction(mk, axis, up, down))
    return out
