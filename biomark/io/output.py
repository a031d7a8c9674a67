"""Writing tables of results: sample ids made safe for spreadsheets, and a streamed, atomic writer.

:class:`TableWriter` writes pyarrow tables one after another to CSV, TSV (optionally ``.gz``) or
Parquet, into the temporary file of :func:`biomark.atomic.atomic_path`, so the output appears
only when every row was written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from biomark.errors import InputError
from biomark.io.cells import Where, to_numpy

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"
_WS_OR_NON_ASCII = np.zeros(256, dtype=bool)
_WS_OR_NON_ASCII[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_WS_OR_NON_ASCII[0x80:] = True  # a non-ASCII first/last byte may be Unicode whitespace: let pyarrow look
_FORMULA_BYTE = np.zeros(256, dtype=bool)
_FORMULA_BYTE[[ord(c) for c in FORMULA_PREFIXES]] = True


def neutralise_formulas(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, int]:
    """Prefix ``'`` to every string that begins with ``=``, ``+``, ``-``, ``@``, tab or CR.

    Vectorised (one regex match over the column); returns the new array and how many cells were
    changed. This is the OWASP recommendation against CSV/formula injection: a spreadsheet shows
    ``'=1+1`` as the text ``=1+1`` instead of evaluating it.

    Examples
    --------
    >>> import pyarrow as pa
    >>> safe, n = neutralise_formulas(pa.array(["P1", "=1+1"]))
    >>> safe.to_pylist(), n
    (['P1', "'=1+1"], 1)
    """
    mask = pc.match_substring_regex(ids, _FORMULA_RE)
    n = int(pc.sum(mask.cast(pa.int64())).as_py() or 0) if len(ids) else 0
    if n == 0:
        return ids, 0
    return pc.if_else(mask, pc.binary_join_element_wise("'", ids, ""), ids), n


def prepare_ids(ids: pa.Array | pa.ChunkedArray, where: Where) -> tuple[pa.ChunkedArray, int]:
    """Sample ids as written: trimmed (as read_cohort), never empty, formula prefixes neutralised.

    The common case (ASCII ids without surrounding spaces or formula prefixes) is decided from
    the first and last byte of every id, read straight from the Arrow buffers with numpy.
    """
    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
        ids = ids.cast(pa.string())
    out = []
    n_neutral = start = 0
    for chunk in ids.chunks:
        flags = _id_bytes(chunk) if pa.types.is_string(chunk.type) and chunk.null_count == 0 else None
        if flags is None or flags[0].any():  # something to trim (or unusual ids): pyarrow's Unicode trim
            chunk = pc.utf8_trim_whitespace(chunk)
            empty = to_numpy(pc.fill_null(pc.equal(chunk, ""), True)).astype(bool, copy=False)
            flags = _id_bytes(chunk) if pa.types.is_string(chunk.type) and chunk.null_count == 0 else None
        else:
            empty = flags[1]
        if empty.any():
            r = start + int(np.flatnonzero(empty)[0])
            raise InputError(f"{where.src}: row {where.row(r)}, column '{where.header(r)}': empty sample id; give "
                             "every sample an id")
        if flags is None or flags[2].any():
            chunk, k = neutralise_formulas(chunk)
            n_neutral += k
        out.append(chunk)
        start += len(chunk)
    return pa.chunked_array(out, type=pa.string() if not out else out[0].type), n_neutral


def _id_bytes(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(needs trimming, empty, starts like a formula) per id, from the offsets and data buffers."""
    bufs = chunk.buffers()
    n = len(chunk)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, bool)
    offs = np.frombuffer(bufs[1], dtype=np.int32)[chunk.offset: chunk.offset + n + 1]
    empty = np.diff(offs) == 0
    if bufs[2] is None or bufs[2].size == 0:
        return np.zeros(n, bool), empty, np.zeros(n, bool)
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    first = data[np.where(empty, 0, offs[:-1])]
    last = data[np.where(empty, 0, offs[1:] - 1)]
    trim = (_WS_OR_NON_ASCII[first] | _WS_OR_NON_ASCII[last]) & ~empty
    return trim, empty, _FORMULA_BYTE[first] & ~empty


def output_format(out: Path) -> tuple[str, str, bool]:
    """``(format, delimiter, gzip)`` of an output path: ``.parquet``/``.pq``, ``.tsv``/``.tab``/``.txt``
    (tab), else CSV; ``.gz`` compresses text (Parquet compresses its pages itself)."""
    name = out.name.lower()
    gz = name.endswith(".gz")
    base = name[:-3] if gz else name
    fmt = "parquet" if base.endswith((".parquet", ".pq")) else "csv"
    if fmt == "parquet" and gz:
        raise InputError(f"{out}: write Parquet without .gz (Parquet compresses its pages itself)")
    return fmt, "\t" if base.endswith((".tsv", ".tab", ".txt")) else ",", gz


class TableWriter:
    """Streams pyarrow tables of one schema to ``path`` in the format ``out``'s name asks for.

    ``path`` is normally the temporary file of :func:`biomark.atomic.atomic_path` for ``out``;
    use it as a context manager so that every stream is closed before the rename.
    """

    def __init__(self, path: Path, out: Path, schema: pa.Schema) -> None:
        fmt, delim, gz = output_format(out)
        self._sink = pa.OSFile(str(path), "wb")
        self._stream = pa.CompressedOutputStream(self._sink, "gzip") if gz else self._sink
        if fmt == "parquet":
            self._w = pq.ParquetWriter(self._stream, schema)
        else:
            self._w = pacsv.CSVWriter(self._stream, schema, write_options=pacsv.WriteOptions(
                delimiter=delim, quoting_style="needed", batch_size=1 << 16))  # default 1024: 1.7x slower

    def write(self, table: pa.Table) -> None:
        self._w.write_table(table)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self._w.close()
            if self._stream is not self._sink:
                self._stream.close()
            self._sink.close()
            return
        for obj in (self._w, self._stream, self._sink):
            with contextlib.suppress(Exception):
                obj.close()
