"""The layout sniffer: what a file is (format, encoding, separator, decimal mark, header, id column).

One function, :func:`sniff_layout`, settles everything about a file that can be known before its
rows are parsed, for :func:`biomark.read_cohort` and the streaming scorer alike, so that both
refuse the same files with the same messages: a missing or empty file, a spreadsheet, UTF-16, a
Parquet file named .csv, a byte that is not UTF-8, an empty first line, a first row longer than
16 MB, a separator equal to the decimal mark, an empty or repeated column name, too few columns.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from biomark.errors import InputError

_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods")
_HEAD_BYTES = 1 << 16
_MAX_HEADER_BYTES = 1 << 24  # 16 MB: a header of ~1 million marker names
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class TextHead:
    """What :func:`sniff_text` learned from the head of a text table."""

    lines: list[str]  # decoded lines of the head (the last may be cut)
    sep: str
    decimal: str
    header: list[str]  # row 1 split by ``sep`` (cells as written)
    bom: bool  # the file starts with a UTF-8 byte-order mark


@dataclass(frozen=True)
class Layout:
    """A file's format and header, as :func:`sniff_layout` found them.

    Attributes
    ----------
    path, src
        The file, and how messages name it (the path as the user gave it).
    fmt
        ``"csv"`` (any delimited text, optionally gzip-compressed) or ``"parquet"``.
    names
        Column names (surrounding spaces removed); ``names[id_idx]`` is the id column.
    raw_names
        Column names as the file stores them (Parquet column selection needs these).
    id_idx
        Position of the id column (sample ids, or marker names for samples-as-columns files).
    sep, decimal, bom
        Text only: field separator, decimal mark, whether a UTF-8 byte-order mark was skipped.
    bytes_per_row
        Text only: mean bytes per data row in the sniffed head (sizes the read blocks).
    notes
        Facts worth a warning (a byte-order mark was ignored).
    """

    path: Path
    src: str
    fmt: str
    names: list[str]
    raw_names: list[str]
    id_idx: int
    sep: str | None = None
    decimal: str = "."
    bom: bool = False
    bytes_per_row: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def gz(self) -> bool:
        return self.path.name.lower().endswith(".gz")

    @property
    def others(self) -> list[int]:
        """Positions of every column but the id column."""
        return [i for i in range(len(self.names)) if i != self.id_idx]


def sniff_layout(path: str | Path, src: str | None = None, *, sep: str | None = None, decimal: str | None = None,
                 id_column: str | None = None) -> Layout:
    """Settle a table file's format, encoding, separator, decimal mark, header and id column.

    Parameters
    ----------
    path
        CSV/TSV/TXT/TAB (optionally ``.gz``) or Parquet.
    src
        How error messages name the file (default ``str(path)``).
    sep, decimal
        Field separator and decimal mark of a text file; sniffed from its head when ``None``.
    id_column
        Header of the id column; default the first column (for Parquet written by pandas, its
        index).

    Returns
    -------
    Layout

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("id;g1;g2\\nS1;1,5;2\\n")
    >>> lay = sniff_layout(p)
    >>> lay.names, lay.sep, lay.decimal
    (['id', 'g1', 'g2'], ';', ',')
    """
    path = Path(path)
    src = str(path) if src is None else src
    check_path(path, src)
    base = _base_suffix(path)
    if base in _SPREADSHEET_SUFFIXES:
        raise InputError(f"{src}: spreadsheet files are not read directly; save the sheet as CSV (UTF-8) "
                         "and pass that file")
    if base in _PARQUET_SUFFIXES:
        return _parquet_layout(path, src, id_column)
    lay = _text_layout(path, src, base, sep=sep, decimal=decimal)
    if len(lay.names) < 2:
        raise InputError(f"{src}: needs an id column and at least one more column; found {len(lay.names)} column(s)"
                         f" when split by {sep_name(lay.sep)}; pass sep= if the separator is different")
    return replace(lay, id_idx=id_index(lay.names, id_column, src))


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _parquet_layout(path: Path, src: str, id_column: str | None) -> Layout:
    if path.name.lower().endswith(".gz"):
        raise InputError(f"{src}: a gzip-compressed Parquet file cannot be read (Parquet needs random access and "
                         "compresses its pages itself); gunzip it first")
    try:
        schema = pq.ParquetFile(str(path)).schema_arrow
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{src}: not a readable Parquet file ({err})") from None
    raw = [str(n) for n in schema.names]
    names = [n.strip() for n in raw]
    index_cols = [c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)]
    if id_column is not None:
        id_idx = id_index(names, id_column, src)
    else:  # a pandas index written by to_parquet is the id column
        id_idx = names.index(index_cols[0]) if index_cols and index_cols[0] in names else 0
    if names[id_idx].startswith("__index_level_"):
        names[id_idx] = "sample_id"
    check_header(names, src)
    if len(names) < 2:
        raise InputError(f"{src}: needs an id column and at least one more column; found {len(names)} column(s)")
    return Layout(path, src, "parquet", names, raw, id_idx)


def _text_layout(path: Path, src: str, base: str, *, sep: str | None, decimal: str | None) -> Layout:
    head = sniff_text(path, src, base, sep=sep, decimal=decimal)
    names = [h.strip() for h in head.header]
    if head.bom:
        names[0] = names[0].lstrip("\ufeff").strip()
    check_header(names, src)
    lines = head.lines
    complete = lines[1:-1] if len(lines) > 2 else lines[1:]
    per_row = (sum(len(ln) + 1 for ln in complete) / len(complete)) if complete else float(len(lines[0]) + 1)
    notes = [f"{src}: starts with a UTF-8 byte-order mark (Excel 'CSV UTF-8'); ignored it"] if head.bom else []
    return Layout(path, src, "csv", names, list(head.header), 0, head.sep, head.decimal, head.bom, per_row, notes)


def sniff_text(path: Path, src: str, base: str, *, sep: str | None, decimal: str | None) -> TextHead:
    """Read the head of a delimited text file and settle its encoding, separator and decimal mark.

    Refuses UTF-16, a Parquet file named .csv, a byte that is not UTF-8, an empty first line, a
    first row longer than 16 MB and a separator equal to the decimal mark. The separator is the
    most frequent of ``,``, tab and ``;`` in row 1 (ties: tab for .tsv/.tab/.txt, else comma); the
    decimal mark is ``,`` when the separator is ``;`` and a data row of the head holds a number
    written with a decimal comma.
    """
    head = _head_bytes(path, src)
    complete = len(head) < _HEAD_BYTES  # the whole file was read
    if not complete and b"\n" not in head and b"\r" not in head:  # row 1 is longer than the block
        head = _head_bytes(path, src, _MAX_HEADER_BYTES)
        complete = len(head) < _MAX_HEADER_BYTES
        if not complete and b"\n" not in head and b"\r" not in head:
            raise InputError(f"{src}: row 1 is longer than {_MAX_HEADER_BYTES >> 20} MB with no line break; "
                             "this is not a table of samples: check that the file is CSV/TSV text with one row "
                             "per line")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{src}: is UTF-16 text (Excel's 'Unicode text'); save it as CSV UTF-8")
    if head.startswith(b"PAR1"):
        raise InputError(f"{src}: is a Parquet file; give it a .parquet extension")
    bom = head.startswith(b"\xef\xbb\xbf")
    text = head[3:] if bom else head
    try:
        head_text = text.decode("utf-8")
    except UnicodeDecodeError as err:
        if complete or err.start < len(text) - 4:  # not just a character cut at the end of the sniffed block
            line = text[: err.start].count(b"\n") + 1
            raise InputError(f"{src}: row {line}: byte {text[err.start]:#04x} is not UTF-8; save the file as "
                             "CSV UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')") from None
        head_text = text[: err.start].decode("utf-8")
    lines = head_text.splitlines()
    if lines and not lines[0].strip():
        raise InputError(f"{src}: the first line is empty; the header (column names) must be on row 1")
    if not lines:
        raise InputError(f"{src}: is empty")
    sep, decimal = _separator_and_decimal(lines, base, sep, decimal)
    header = next(csv.reader([lines[0]], delimiter=sep))
    return TextHead(lines=lines, sep=sep, decimal=decimal, header=header, bom=bom)


def _separator_and_decimal(lines: list[str], base: str, sep: str | None, decimal: str | None) -> tuple[str, str]:
    if sep is None:
        sep = _sniff_sep(lines[0], base)
    if len(sep) != 1:
        raise InputError(f"sep={sep!r} must be a single character")
    if decimal is None:
        decimal = "."
        if sep == ";" and any(_has_decimal_comma(ln, sep) for ln in lines[1:50]):
            decimal = ","
    if decimal not in (".", ","):
        raise InputError(f"decimal={decimal!r} must be '.' or ','")
    if decimal == sep:
        raise InputError(f"decimal mark and separator are both {decimal!r}; pass sep=';' for decimal commas")
    return sep, decimal


def check_path(path: Path, src: str) -> None:
    """Refuse a path that does not exist, is a directory or is empty."""
    if not path.exists():
        raise InputError(f"{src}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{src}: is a directory; give the expression file itself")
    if path.stat().st_size == 0:
        raise InputError(f"{src}: is empty (0 bytes)")


def _head_bytes(path: Path, src: str, n: int = _HEAD_BYTES) -> bytes:
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        with open(path, "rb") as fh:
            return fh.read(n)
    except (OSError, EOFError) as err:
        raise InputError(f"{src}: cannot read ({err}); check that the file is complete and, for .gz, "
                         "really gzip-compressed") from None


def _sniff_sep(header_line: str, base: str) -> str:
    counts = {s: header_line.count(s) for s in (",", "\t", ";")}
    best = max(counts.values())
    if best == 0:
        return "\t" if base in (".tsv", ".tab") else ","
    tied = [s for s, c in counts.items() if c == best]
    if len(tied) == 1:
        return tied[0]
    pref = "\t" if base in (".tsv", ".tab", ".txt") else ","
    return pref if pref in tied else tied[0]


def _has_decimal_comma(line: str, sep: str) -> bool:
    return any(_DECIMAL_COMMA.match(c.strip()) for c in line.split(sep)[1:])


def check_header(header: Sequence[str], src: str) -> None:
    """Refuse an empty column name (but the first) and a name used twice."""
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        h = str(h).lstrip("\ufeff")
        if i > 0 and h.strip() == "":
            raise InputError(f"{src}: row 1, column {i + 1}: empty column name; give every column a header")
        if h in seen:
            raise InputError(f"{src}: row 1: columns {seen[h] + 1} and {i + 1} are both named '{h}'; "
                             "duplicated columns are not allowed: keep one or rename it")
        seen[h] = i


def id_index(names: list[str], id_column: str | None, src: str) -> int:
    """Position of ``id_column`` (default the first column); a name not found says what is close."""
    if id_column is None:
        return 0
    if id_column in names:
        return names.index(id_column)
    close = closest(id_column, names)
    raise InputError(f"{src}: no column named '{id_column}' (id_column)"
                     + (f"; did you mean: {', '.join(close)}?" if close else f"; columns are: {', '.join(names[:10])}"))


def closest(name: str, names: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` names close to ``name`` (difflib ratio ≥ 0.6), for "did you mean" hints."""
    return difflib.get_close_matches(name, [str(x) for x in names], n=n, cutoff=0.6)


def csv_error(err: Exception, path: Path, src: str, sep: str) -> InputError:
    """pyarrow's parse error as a message that names the row and says what to do."""
    msg = str(err)
    m = re.search(r"Expected (\d+) columns, got (\d+): (.*)", msg, re.S)
    if m:
        row = _find_line(path, m.group(3).strip())
        where = f"row {row}" if row else "a row"
        return InputError(
            f"{src}: {where} has {m.group(2)} fields but the header has {m.group(1)} "
            f"(separator {sep_name(sep)}); fix that row, quote cells that contain the separator, or pass sep="
        )
    if "straddl" in msg:  # pyarrow: a single row does not fit in one read block
        return row_too_long(src)
    if "UTF8" in msg or "utf-8" in msg.lower():
        return InputError(f"{src}: not UTF-8 text; save the file as CSV UTF-8")
    return InputError(f"{src}: cannot parse as {sep_name(sep)}-separated text ({msg.splitlines()[0]})")


def row_too_long(src: str) -> InputError:
    """The error for a data row longer than a read block (4 MB)."""
    return InputError(f"{src}: a row is longer than 4 MB; this is not a table of samples: check the separator "
                      "and that every row is on its own line")


def _find_line(path: Path, content: str) -> int | None:
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            for i, line in enumerate(fh, start=1):
                if line.rstrip("\r\n") == content or line.strip() == content:
                    return i
    except OSError:
        return None
    return None


def sep_name(sep: str | None) -> str:
    """``comma``, ``tab``, ``semicolon`` or the character quoted."""
    return {",": "comma", "\t": "tab", ";": "semicolon", None: "none"}.get(sep, repr(sep))


def file_stem(path: Path) -> str:
    """The file name without its table and compression suffixes (a cohort's default name)."""
    name = path.name
    for suf in (".gz", *_CSV_SUFFIXES, *_PARQUET_SUFFIXES):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
    return name or "cohort"


def sha256(path: Path) -> str:
    """SHA-256 of the file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
