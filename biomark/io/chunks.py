"""The chunk iterator: a table file as a sequence of bounded chunks of pyarrow columns.

:class:`ChunkReader` is the one way biomark reads the rows of an expression file:
:func:`biomark.read_cohort` concatenates its chunks (:func:`read_columns`), the streaming scorer
converts and writes them one at a time, so memory stays bounded whatever the file size.

* CSV/TSV (optionally ``.gz``): a background thread reads the file after its header in slices of
  about ``chunk_rows × row length`` bytes cut at a line end (as pyarrow's own block splitting with
  ``newlines_in_values=False``); each slice is parsed by :func:`pyarrow.csv.read_csv` on a buffer,
  which splits it into blocks parsed on every core. Only the id column (as text) and the wanted
  columns are converted, as ``float64``; a column pyarrow cannot read as numbers is read again
  as text (:class:`NeedsText`, handled by :meth:`ChunkReader.run`) for the cell parser to explain.
* Parquet: :meth:`pyarrow.parquet.ParquetFile.iter_batches`.
"""

from __future__ import annotations

import contextlib
import gzip
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from biomark.errors import InputError
from biomark.io.cells import NA_TOKENS, UNDETERMINED_TOKENS
from biomark.io.layout import Layout, csv_error, row_too_long

DEFAULT_CHUNK_ROWS = 131_072
_MIN_BLOCK = 1 << 20
_MAX_BLOCK = 1 << 25
_MAX_ROW_BYTES = 1 << 22  # 4 MB: a longer row is not a row of samples
T = TypeVar("T")


@dataclass(frozen=True)
class Chunk:
    """Consecutive data rows: ``offset`` (0-based index of the first), the id column, and the
    wanted columns by their position in the header."""

    offset: int
    ids: pa.Array | pa.ChunkedArray
    columns: dict[int, pa.Array | pa.ChunkedArray]

    @property
    def n(self) -> int:
        return len(self.ids)


class NeedsText(Exception):
    """A CSV column holds a cell pyarrow cannot read as a number: read it again as text.

    ``column`` -1: a row was longer than a read block; read again with 4 MB blocks.
    """

    def __init__(self, column: int) -> None:
        super().__init__(column)
        self.column = column


def _case_variants(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        for v in (t, t.upper(), t.title(), t.capitalize()):
            if v not in out:
                out.append(v)
    return out


@dataclass
class ChunkReader:
    """Reads the id column and the ``wanted`` columns of a file in chunks of ≤ ``chunk_rows`` rows.

    ``text_columns`` are read as text (grown by :meth:`run` on :class:`NeedsText`). For qPCR
    data only empty cells and ``Undetermined`` are read as null by pyarrow (``NA`` must stay apart:
    it is missing, not "no amplification"); for other assays empty cells and the NA tokens.
    """

    layout: Layout
    wanted: list[int]
    assay: str
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    block_size: int | None = None
    text_columns: set[int] = field(default_factory=set)

    def run(self, work: Callable[[ChunkReader], T]) -> T:
        """``work(self)``, started again with one more text column each time it needs one."""
        for _ in range(len(self.layout.names) + 1):
            try:
                return work(self)
            except NeedsText as again:
                if again.column >= 0:
                    self.text_columns.add(again.column)
        raise InputError(f"{self.layout.src}: cannot be parsed")  # pragma: no cover - one retry per column

    def chunks(self) -> Iterator[Chunk]:
        """The chunks, in file order (parsing runs one slice ahead in a background thread)."""
        batches = self._csv_tables() if self.layout.fmt == "csv" else self._parquet_batches()
        offset = 0
        with contextlib.closing(prefetch(batches)) as parsed:  # closed (reader thread joined) on any exit
            for batch in parsed:
                n = batch.num_rows
                for start in range(0, n, self.chunk_rows):
                    part = batch.slice(start, self.chunk_rows) if n > self.chunk_rows else batch
                    # both readers return the id column first, then `wanted` in order
                    cols = {i: part.column(k + 1) for k, i in enumerate(self.wanted)}
                    yield Chunk(offset, part.column(0), cols)
                    offset += part.num_rows

    # --- CSV ---
    def _csv_options(self, block: int) -> tuple[Any, Any, Any]:
        lay = self.layout
        col_names = [f"c{i}" for i in range(len(lay.names))]  # own names: headers may repeat after stripping
        types: dict[str, Any] = {col_names[lay.id_idx]: pa.string()}
        for i in self.wanted:
            types[col_names[i]] = pa.string() if i in self.text_columns else pa.float64()
        if self.assay == "qpcr_ct":
            nulls = ["", *_case_variants(sorted(UNDETERMINED_TOKENS))]  # set to the Ct cutoff
        else:
            nulls = ["", *_case_variants(sorted(t for t in NA_TOKENS if t != "nan"))]
        return (
            pacsv.ReadOptions(block_size=block, use_threads=True, column_names=col_names),
            pacsv.ParseOptions(delimiter=lay.sep),
            pacsv.ConvertOptions(
                column_types=types, include_columns=[col_names[lay.id_idx]] + [col_names[i] for i in self.wanted],
                null_values=nulls, strings_can_be_null=False, quoted_strings_can_be_null=True,
                decimal_point=lay.decimal, true_values=["\x00true"], false_values=["\x00false"]),
        )

    def _segments(self, size: int) -> Iterator[bytes]:
        """The file after its header line, in pieces of about ``size`` bytes that end at a line end."""
        lay = self.layout
        try:
            with (gzip.open(lay.path, "rb") if lay.gz else open(lay.path, "rb")) as fh:
                fh.readline()  # the header, parsed by sniff_layout
                carry = b""
                while True:
                    buf = fh.read(size)
                    if not buf:
                        if carry.strip(b"\r\n\t ,;"):
                            yield carry
                        return
                    data = carry + buf if carry else buf
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        if len(data) > _MAX_ROW_BYTES:
                            raise row_too_long(lay.src)
                        carry = data
                        continue
                    carry = data[cut + 1:]
                    yield data[: cut + 1]
        except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{lay.src}: cannot read ({err}); check that the file is complete"
                             + (" and really gzip-compressed" if lay.gz else "")) from None

    def _csv_tables(self) -> Iterator[pa.Table]:
        """Parsed slices; read_csv on a bounded slice parses its blocks on every core."""
        bpr = max(self.layout.bytes_per_row, 8.0)
        seg = self.block_size or int(min(max(self.chunk_rows * bpr * 1.05, _MIN_BLOCK), _MAX_BLOCK))
        # read_csv splits a slice into blocks parsed in parallel; a block must hold whole rows
        block = self.block_size or max(min(seg // 4, _MAX_ROW_BYTES), 1 << 16, int(16 * bpr))
        ropt, popt, copt = self._csv_options(block)
        for data in self._segments(seg):
            try:
                tbl = pacsv.read_csv(pa.py_buffer(data), read_options=ropt, parse_options=popt, convert_options=copt)
            except pa.ArrowInvalid as err:
                raise self._csv_error(err, block, len(data)) from None
            if tbl.num_rows:
                yield tbl

    def _csv_error(self, err: Exception, block: int, size: int) -> Exception:
        msg = str(err)
        m = re.search(r"In CSV column #(\d+): .*conversion error", msg, re.S)
        if m:
            k = int(m.group(1))
            if k != self.layout.id_idx and k not in self.text_columns:
                return NeedsText(k)
        if "straddl" in msg and block < _MAX_ROW_BYTES and size > block:  # a long row in a small block
            self.block_size = _MAX_ROW_BYTES
            return NeedsText(-1)
        return csv_error(err, self.layout.path, self.layout.src, self.layout.sep or ",")

    # --- Parquet ---
    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        lay = self.layout
        cols = [lay.raw_names[lay.id_idx]] + [lay.raw_names[i] for i in self.wanted]
        try:
            yield from pq.ParquetFile(str(lay.path)).iter_batches(batch_size=self.chunk_rows, columns=cols,
                                                                  use_threads=True)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{lay.src}: cannot read Parquet data ({err})") from None


def read_columns(reader: ChunkReader) -> Chunk:
    """Every chunk of ``reader`` concatenated: one :class:`Chunk` for the whole file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from biomark.io.layout import sniff_layout
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("id,g1,g2\\nS1,1,x\\nS2,NA,y\\n")
    >>> whole = ChunkReader(sniff_layout(p), [1, 2], assay="log2_expression").run(read_columns)
    >>> whole.ids.to_pylist(), whole.columns[1].to_pylist(), whole.columns[2].to_pylist()
    (['S1', 'S2'], [1.0, None], ['x', 'y'])
    """
    parts = list(reader.chunks())
    if not parts:
        empty = pa.chunked_array([], type=pa.string())
        return Chunk(0, empty, {i: pa.chunked_array([], type=pa.float64()) for i in reader.wanted})
    ids = pa.chunked_array([c for p in parts for c in _chunks_of(p.ids)])
    cols = {i: pa.chunked_array([c for p in parts for c in _chunks_of(p.columns[i])]) for i in reader.wanted}
    return Chunk(0, ids, cols)


def _chunks_of(col: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(col.chunks) if isinstance(col, pa.ChunkedArray) else [col]


_RUNNING: set[threading.Event] = set()  # the stop events of the reader threads alive now


def _stop_readers() -> None:
    """Tell every reader thread to stop: run by threading's shutdown before it joins the threads.

    A consumer that ends by an exception (SIGTERM raised as :class:`~biomark.cli._common.Terminated`,
    Ctrl-C) may leave its generator suspended and referenced by the traceback, so its ``finally``
    never sets ``stop``; the reader then waited on a full queue forever and the process never exited
    (seen under load: ``biomark score`` hung after printing its SIGTERM line, 2 runs in 8).
    """
    for ev in list(_RUNNING):
        ev.set()


_register = getattr(threading, "_register_atexit", None)  # CPython >= 3.9: before non-daemon threads are joined
if _register is not None:
    _register(_stop_readers)


def prefetch(it: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run ``it`` in a background thread, ``depth`` items ahead (pyarrow parses without the GIL)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in it:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            put(("error", err))
        finally:
            _RUNNING.discard(stop)
            close = getattr(it, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()  # a generator holding the open file

    # not a daemon: a daemon thread caught inside pyarrow at interpreter exit aborts the process
    # (pthread_exit unwinding through C++ frames: "terminate called without an active exception")
    th = threading.Thread(target=work, name="biomark-reader", daemon=False)
    _RUNNING.add(stop)
    th.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "item":
                yield item
            elif kind == "end":
                return
            else:
                raise item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                q.get_nowait()
        th.join()  # the reader stops within one slice once `stop` is set
