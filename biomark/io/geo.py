"""GEO files read locally: series matrix, SOFT (GDS and GSE family) and platform tables.

Parsed by hand, line by line, after NCBI's documented formats (SOFT: ``^ENTITY = id`` lines open
a record, ``!attribute = value`` lines describe it, ``#column = description`` lines describe its
table, which sits between ``!<entity>_table_begin`` and ``!<entity>_table_end``; a series matrix
holds the ``!Sample_*`` attributes as tab-separated rows with one cell per sample, then one
``ID_REF`` table between ``!series_matrix_table_begin`` and ``!series_matrix_table_end``).

Nothing here parses an expression value: the tables are kept as text and written by
:mod:`biomark.io.public` to a plain features × samples table that goes through the one reader
(:func:`biomark.read_cohort`, so :func:`biomark.io.cells.parse_cells` and the assay rules).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from biomark.errors import InputError

_ENTITY = re.compile(r"^\^(\w+)\s*(?:=\s*(.*))?$")


@dataclass
class Table:
    """A table as text: header cells and rows of cells, with the file line of its header.

    ``stream``, when set, yields the rows again from the file (a series matrix of hundreds of
    samples is not held in memory as Python strings); ``rows`` is then empty.
    """

    header: list[str]
    rows: list[list[str]]
    line: int
    stream: Callable[[], Iterator[list[str]]] | None = None

    def iter_rows(self) -> Iterator[list[str]]:
        return self.stream() if self.stream is not None else iter(self.rows)


@dataclass
class Entity:
    """One SOFT record (``^SAMPLE = GSM1`` ...): attributes (repeatable), column notes, table."""

    kind: str
    id: str
    attrs: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    table: Table | None = None

    def first(self, key: str, default: str = "") -> str:
        vals = self.attrs.get(key.lower())
        return vals[0] if vals else default


@dataclass
class Parsed:
    """What a GEO file holds, as biomark reads it: the expression table (feature ids in column 0,
    one column per sample), the clinical columns per sample, and the file's own feature names."""

    kind: str  # "GEO series matrix", "GEO GDS", "GEO SOFT family"
    table: Table
    samples: list[str]
    clinical: dict[str, dict[str, str]]  # column -> sample -> value
    own_names: dict[str, str] | None = None  # feature id -> name (GDS IDENTIFIER)
    own_names_label: str = ""
    platform_table: Table | None = None  # a family file's platform table (annotation source)
    notes: list[str] = field(default_factory=list)
    value_type: str = ""  # a GDS's !dataset_value_type ("count": not log-transformed; "transformed count")
    table_src: str = ""  # the file holding the table when it is not the one given (a cBioPortal folder's)


def open_text(path: Path, src: str) -> Iterator[str]:
    """The lines of a text file (``.gz`` by its magic bytes), without line ends."""
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        fh2 = gzip.open(path, "rt", encoding="utf-8", newline="") if gz else open(path, encoding="utf-8", newline="")
        with fh2 as fh:
            for line in fh:
                yield line.rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(f"{src}: is not UTF-8 text; GEO and cBioPortal files are UTF-8: download it again") from None
    except (OSError, EOFError) as err:
        raise InputError(f"{src}: cannot read ({err}); check that the file is complete") from None


def head_lines(path: Path, n: int = 40, limit: int = 1 << 16) -> list[str]:
    """Up to ``n`` first lines within the first ``limit`` bytes (format detection); [] when unreadable
    or not a regular file (a device or FIFO is left to the table reader's rules)."""
    try:
        if not path.is_file() or path.is_char_device() or path.is_fifo():
            return []
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            data = fh.read(limit)
    except (OSError, EOFError):
        return []
    return data.decode("utf-8", errors="replace").splitlines()[:n]


def _unquote(cell: str) -> str:
    c = cell.strip()
    if len(c) >= 2 and c[0] == '"' and c[-1] == '"':
        return c[1:-1].replace('""', '"')
    return c


# --- SOFT ---------------------------------------------------------------------------------------

def read_soft(path: Path, src: str) -> list[Entity]:
    """Every record of a SOFT file (GDS, GSE family, GPL or GSM), tables as text."""
    out: list[Entity] = []
    cur: Entity | None = None
    in_table = False
    rows: list[list[str]] = []
    header: list[str] | None = None
    hline = 0
    for n, line in enumerate(open_text(path, src), start=1):
        if in_table:
            if line.lower().endswith("_table_end") and line.startswith("!"):
                if cur is not None and header is not None:
                    cur.table = Table(header, rows, hline)
                in_table, rows, header = False, [], None
            elif header is None:
                header, hline = [_unquote(c) for c in line.split("\t")], n
            elif line:
                rows.append(line.split("\t"))
            continue
        m = _ENTITY.match(line)
        if m:
            cur = Entity(m.group(1).upper(), (m.group(2) or "").strip())
            out.append(cur)
        elif line.startswith("!") and line.lower().endswith("_table_begin"):
            in_table = True
        elif cur is not None and line.startswith(("!", "#")) and "=" in line:
            key, _, val = line[1:].partition("=")
            if line[0] == "!":
                cur.attrs.setdefault(key.strip().lower(), []).append(val.strip())
            else:
                cur.columns[key.strip()] = val.strip()
    if in_table:
        raise InputError(f"{src}: a table has no end line (!..._table_end); the file is cut: download it again")
    if not out:
        raise InputError(f"{src}: no SOFT record (a line '^DATASET = ...', '^SAMPLE = ...'); "
                         "is this a GEO SOFT file?")
    return out


def parse_gds(entities: list[Entity], src: str) -> Parsed:
    """A GDS file: its ``dataset_table`` (ID_REF, IDENTIFIER, one column per sample) and subsets."""
    sets = [e for e in entities if e.kind == "DATASET"]  # a GDS names its dataset twice: attributes, then table
    ds = next((e for e in sets if e.table is not None), sets[0])
    ds.columns = {k: v for e in sets if e.id == ds.id for k, v in e.columns.items()}
    if ds.table is None:
        raise InputError(f"{src}: dataset {ds.id} has no table (!dataset_table_begin); the file is cut or a "
                         "'brief' GDS download: download the full SOFT file")
    head = ds.table.header
    if not head or head[0] != "ID_REF":
        raise InputError(f"{src}: line {ds.table.line}: the dataset table does not start with ID_REF")
    ident = head.index("IDENTIFIER") if "IDENTIFIER" in head else None
    keep = [i for i in range(len(head)) if i != ident]
    samples = [head[i] for i in keep[1:]]
    rows = [[r[i] if i < len(r) else "" for i in keep] for r in ds.table.rows]
    own = ({r[0]: r[ident] for r in ds.table.rows if len(r) > ident} if ident is not None else None)
    clinical: dict[str, dict[str, str]] = {}
    for col, desc in ds.columns.items():  # "#GSM11815 = Value for GSM11815: C035 Renal ...; src: Trizol ..."
        m = re.match(r"Value for [^:]+:\s*(.*?)(?:;\s*src:\s*(.*))?$", desc)
        if col in samples and m:
            clinical.setdefault("title", {})[col] = m.group(1).strip()
            if m.group(2):
                clinical.setdefault("source_name", {})[col] = m.group(2).strip()
    _subsets(entities, samples, clinical, src)
    vtype = next((e.first("dataset_value_type") for e in sets if e.first("dataset_value_type")), "")
    return Parsed("GEO GDS", Table(["ID_REF", *samples], rows, ds.table.line), samples, clinical, own_names=own,
                  own_names_label=f"the IDENTIFIER column of {ds.id}", value_type=vtype)


def _subsets(entities: list[Entity], samples: list[str], clinical: dict[str, dict[str, str]], src: str) -> None:
    for sub in (e for e in entities if e.kind == "SUBSET"):
        kind, label = sub.first("subset_type"), sub.first("subset_description")
        col = clinical.setdefault(kind, {})
        for s in (x.strip() for x in sub.first("subset_sample_id").split(",") if x.strip()):
            if s in col and col[s] != label:
                raise InputError(f"{src}: subset {sub.id}: sample {s} is in two '{kind}' subsets ('{col[s]}' and "
                                 f"'{label}'); this GDS cannot give one '{kind}' per sample")
            col[s] = label


def parse_family(entities: list[Entity], src: str, platform: str | None) -> Parsed:
    """A GSE family SOFT file: the ``^SAMPLE`` records of one platform, joined on ID_REF."""
    samples = [e for e in entities if e.kind == "SAMPLE"]
    if not samples and any(e.kind in ("PLATFORM", "ANNOTATION") and e.table is not None for e in entities):
        raise InputError(f"{src}: is a platform table (probe annotation), not expression data; give it as "
                         "--annotation and the expression file as --expression")
    if not samples:
        raise InputError(f"{src}: no ^SAMPLE record; a GSE family SOFT file lists its samples (download the "
                         "'full' family file, not the 'brief' one)")
    by_plat: dict[str, list[Entity]] = {}
    for s in samples:
        by_plat.setdefault(s.first("sample_platform_id", "?"), []).append(s)
    if platform is None and len(by_plat) > 1:
        listed = ", ".join(f"{p} ({len(v)} samples)" for p, v in by_plat.items())
        raise InputError(f"{src}: samples on {len(by_plat)} platforms ({listed}); choose one with --platform GPLnnn")
    plat = platform if platform is not None else next(iter(by_plat))
    if plat not in by_plat:
        raise InputError(f"{src}: --platform {plat}: no sample on it; platforms in the file: "
                         + ", ".join(by_plat))
    chosen = by_plat[plat]
    table = _join_sample_tables(chosen, src)
    clinical: dict[str, dict[str, str]] = {}
    for s in chosen:
        clinical.setdefault("title", {})[s.id] = s.first("sample_title")
        clinical.setdefault("source_name_ch1", {})[s.id] = s.first("sample_source_name_ch1")
        for k, v in characteristics(s.attrs.get("sample_characteristics_ch1", [])):
            clinical.setdefault(k, {})[s.id] = v
    gpl = next((e for e in entities if e.kind == "PLATFORM" and e.id == plat), None)
    notes = [f"{src}: platform {plat} chosen ({len(chosen)} of {len(samples)} samples)"] if len(by_plat) > 1 else []
    return Parsed("GEO SOFT family", table, [s.id for s in chosen], clinical,
                  platform_table=gpl.table if gpl is not None else None, notes=notes)


def characteristics(cells: list[str]) -> list[tuple[str, str]]:
    """``"key: value"`` cells as (key, value); a cell without a key is ``characteristics_ch1``."""
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for c in cells:
        key, sep, val = c.partition(":")
        k, v = (key.strip(), val.strip()) if sep and key.strip() else ("characteristics_ch1", c.strip())
        seen[k] = seen.get(k, 0) + 1
        out.append((k if seen[k] == 1 else f"{k}.{seen[k]}", v))
    return out


def _join_sample_tables(samples: list[Entity], src: str) -> Table:
    order: list[str] = []
    cols: list[dict[str, str]] = []
    for s in samples:
        t = s.table
        if t is None or not t.header or t.header[0] != "ID_REF" or "VALUE" not in t.header:
            raise InputError(f"{src}: sample {s.id} has no ID_REF/VALUE table; download the 'full' family file")
        vi = t.header.index("VALUE")
        col = {r[0]: (r[vi] if vi < len(r) else "") for r in t.rows}
        if len(col) != len(t.rows):
            raise InputError(f"{src}: sample {s.id}: an ID_REF appears twice in its table (line {t.line} on)")
        if not order:
            order = [r[0] for r in t.rows]
        cols.append(col)
    known = set(order)
    for c in cols:
        extra = [k for k in c if k not in known]
        order += extra
        known.update(extra)
    rows = [[k, *(c.get(k, "") for c in cols)] for k in order]
    return Table(["ID_REF", *(s.id for s in samples)], rows, samples[0].table.line if samples[0].table else 0)


# --- series matrix --------------------------------------------------------------------------------

def read_series_matrix(path: Path, src: str) -> Parsed:
    """A ``GSEnnnn_series_matrix.txt(.gz)`` file: ``!Sample_*`` rows and the ``ID_REF`` table."""
    attrs: list[tuple[str, list[str], int]] = []
    header: list[str] | None = None
    state, hline = "head", 0
    for n, line in enumerate(open_text(path, src), start=1):
        if state == "head":
            if line.startswith("!series_matrix_table_begin"):
                state = "table"
            elif line.startswith("!Sample_"):
                cells = line.split("\t")
                attrs.append((cells[0][len("!Sample_"):], [_unquote(c) for c in cells[1:]], n))
        elif state == "table":
            if line.startswith("!series_matrix_table_end"):
                state = "done"
                break
            if header is None:
                header, hline = [_unquote(c) for c in line.split("\t")], n
    if state != "done" or header is None:
        raise InputError(f"{src}: no complete expression table (!series_matrix_table_begin ... _end); "
                         "the file is cut or not a GEO series matrix: download it again")
    samples = header[1:]
    return Parsed("GEO series matrix", Table(header, [], hline, stream=lambda: _matrix_rows(path, src, hline)),
                  samples, _matrix_clinical(attrs, samples, src))


def _matrix_rows(path: Path, src: str, hline: int) -> Iterator[list[str]]:
    for n, line in enumerate(open_text(path, src), start=1):
        if n <= hline or not line:
            continue
        if line.startswith("!series_matrix_table_end"):
            return
        cells = line.split("\t")
        cells[0] = _unquote(cells[0])
        yield cells


def _matrix_clinical(attrs: list[tuple[str, list[str], int]], samples: list[str], src: str) -> dict[str, dict[str, str]]:
    clinical: dict[str, dict[str, str]] = {}
    chars: dict[str, list[str]] = {s: [] for s in samples}
    for key, cells, n in attrs:
        if len(cells) != len(samples):
            raise InputError(f"{src}: line {n}: !Sample_{key} has {len(cells)} cells for {len(samples)} samples")
        if key in ("title", "source_name_ch1"):
            clinical[key] = dict(zip(samples, cells, strict=True))
        elif key == "characteristics_ch1":
            for s, c in zip(samples, cells, strict=True):
                if c:
                    chars[s].append(c)
    for s in samples:
        for k, v in characteristics(chars[s]):
            clinical.setdefault(k, {})[s] = v
    return clinical


def platform_table(path: Path, src: str) -> Table:
    """The ``!platform_table_begin`` table of a GPL SOFT or ``.annot`` file (or a family file)."""
    for e in read_soft(path, src):
        if e.kind in ("PLATFORM", "ANNOTATION") and e.table is not None:
            return e.table
    raise InputError(f"{src}: no platform table (!platform_table_begin); give a GPL .annot or SOFT file, "
                     "or a two-column CSV (probe id, name)")
