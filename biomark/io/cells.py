"""The cell parser: a column of an expression file as float64, vectorised with pyarrow compute.

One rule for every reader (:func:`biomark.read_cohort` and the streaming scorer):

* a number is ASCII: ``[+-]digits[.digits][e[+-]digits]`` (with ``,`` for ``.`` when the decimal
  mark is a comma); Unicode digits (Arabic-Indic, full-width, ...) are not numbers;
* an empty cell is *blank*; ``NA``, ``NaN``, ``n/a``, ``#N/A``, ``null``, ``-``, ... (any case) are
  *missing*: both are ``NaN``, except that in qPCR data a blank cell, like ``Undetermined``,
  means "no amplification" and goes to the Ct cutoff (:func:`biomark.io.assay.ct_rule`);
* ``Undetermined`` outside qPCR data, infinities (``inf``, ``1e999``, ``#DIV/0!``) and any other
  text are errors naming the file, the row as a spreadsheet shows it, the column and the sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biomark.errors import InputError

#: Cell texts read as a missing value (imputed later by the training median).
NA_TOKENS = frozenset({"na", "nan", "n/a", "#n/a", "null", "none", "missing", "-", "."})
#: Cell texts that mean "no amplification" in qPCR exports (set to the Ct cutoff).
UNDETERMINED_TOKENS = frozenset({"undetermined", "undet", "undet.", "no ct", "noct", "no_ct", "n.d.", "nd"})
_INF_TOKENS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "#num!", "#div/0!"})
#: An ASCII decimal number (RE2 syntax for pyarrow; ``[0-9]``, never ``\d``, which is Unicode in Python).
NUMBER_PATTERN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?$")
_NA = pa.array(sorted(NA_TOKENS))
_UNDET = pa.array(sorted(UNDETERMINED_TOKENS))


@dataclass(frozen=True)
class Where:
    """How a message names cell ``r`` of a run of cells: file, spreadsheet row, column, sample.

    ``row(r)`` is the row as a spreadsheet shows it (the header is row 1), ``header(r)`` the
    column's header. Samples as rows name the sample (``sample(r)``); samples as columns name the
    marker of the row (``marker(r)``).
    """

    src: str
    header: Callable[[int], str]
    row: Callable[[int], int]
    sample: Callable[[int], str] | None = None
    marker: Callable[[int], str] | None = None

    @classmethod
    def column(cls, src: str, header: str, ids: Sequence[str] | pa.Array | pa.ChunkedArray | None,
               offset: int = 0) -> Where:
        """Cells of one column of a samples-as-rows file whose rows start at data row ``offset``."""
        return cls(src, lambda r: header, lambda r: offset + int(r) + 2, lambda r: _sample(ids, r))

    def at(self, r: int) -> str:
        """``"FILE: row N, column 'H' (sample 'S'): "`` (or ``row N (marker 'M'), column 'H'``)."""
        if self.marker is not None:
            return f"{self.src}: row {self.row(r)} (marker '{self.marker(r)}'), column '{self.header(r)}': "
        sample = "?" if self.sample is None else self.sample(r)
        return f"{self.src}: row {self.row(r)}, column '{self.header(r)}' (sample '{sample}'): "


def _sample(ids: Sequence[str] | pa.Array | pa.ChunkedArray | None, r: int) -> str:
    if ids is None:
        return "?"
    v = ids[int(r)]
    v = v.as_py() if isinstance(v, pa.Scalar) else v
    return "" if v is None else str(v).strip()


@dataclass(frozen=True)
class Cells:
    """A parsed column: ``values`` (``NaN`` for blank, missing and Undetermined cells) and, for
    qPCR data only, ``no_ct``: the blank and Undetermined cells (``None`` when there are none)."""

    values: np.ndarray
    no_ct: np.ndarray | None


def to_numpy(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numpy view of a column (a copy with nulls or several chunks; float nulls become NaN)."""
    if isinstance(col, pa.ChunkedArray):
        if col.num_chunks != 1:
            return col.to_numpy()
        col = col.chunk(0)
    return col.to_numpy(zero_copy_only=False)


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(to_numpy(pc.fill_null(arr, False)), dtype=bool)


def parse_cells(col: pa.Array | pa.ChunkedArray, where: Where, *, assay: str, decimal: str = ".") -> Cells:
    """Parse one column of expression values (the rules in the module docstring).

    Parameters
    ----------
    col
        A numeric (as pyarrow parsed it) or text column.
    where
        Names the cells in error messages.
    assay
        ``qpcr_ct`` keeps blank and Undetermined cells apart (``Cells.no_ct``); any other assay
        refuses ``Undetermined``.
    decimal
        ``","`` when numbers are written with a decimal comma.

    Examples
    --------
    >>> import pyarrow as pa
    >>> w = Where.column("f.csv", "g1", ["S1", "S2", "S3", "S4"])
    >>> parse_cells(pa.array(["1.5", " NA", "", "2e1"]), w, assay="log2_expression").values.tolist()
    [1.5, nan, nan, 20.0]
    >>> parse_cells(pa.array(["١٢"]), w, assay="log2_expression")
    Traceback (most recent call last):
    ...
    biomark.errors.InputError: f.csv: row 2, column 'g1' (sample 'S1'): '١٢' is not a number; replace it by a \
number, or leave the cell empty / write NA for a missing value
    """
    typ = col.type
    if pa.types.is_null(typ):
        n = len(col)
        return Cells(np.full(n, np.nan), np.ones(n, dtype=bool) if assay == "qpcr_ct" else None)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return _numeric(col, where, assay)
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return _text(col, where, assay, decimal)
    raise InputError(f"{where.src}: column '{where.header(0)}' holds {typ} values, not numbers; "
                     "expression values must be numeric")


def _numeric(col: pa.Array | pa.ChunkedArray, where: Where, assay: str) -> Cells:
    if col.type != pa.float64():
        col = col.cast(pa.float64())
    values = to_numpy(col)  # zero-copy without nulls
    blank = np.asarray(to_numpy(col.is_null()), dtype=bool) if col.null_count else None
    finite = np.isfinite(values)
    if not finite.all():
        inf = np.isinf(values) if blank is None else np.isinf(values) & ~blank
        if inf.any():
            r = int(np.flatnonzero(inf)[0])
            raise _infinite(where, r, values[r])
        # a NaN that the CSV parser read as a float ('NaN', 'nan') stays NaN: a missing cell, as NA
        # written as text is (and, as NA, not a qPCR 'no Ct' well)
    return Cells(values, blank if assay == "qpcr_ct" else None)


def _text(col: pa.Array | pa.ChunkedArray, where: Where, assay: str, decimal: str) -> Cells:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    s = pc.utf8_trim_whitespace(col)
    low = pc.utf8_lower(s)
    blank = _mask(pc.fill_null(pc.equal(s, ""), True))
    na = _mask(pc.is_in(low, value_set=_NA))
    undet = _mask(pc.is_in(low, value_set=_UNDET))
    t = pc.replace_substring(s, ",", ".") if decimal == "," else s
    number = _mask(pc.match_substring_regex(t, NUMBER_PATTERN))
    special = blank | na | undet
    bad = ~special & ~number
    if assay != "qpcr_ct":
        bad |= undet
    values = np.array(to_numpy(pc.cast(pc.if_else(pa.array(number & ~bad), t, pa.scalar(None, pa.string())),
                                       pa.float64())), dtype=np.float64, copy=True)
    bad |= number & ~np.isfinite(values)  # 1e999
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise _explain(str(s[r].as_py()), where, r, assay, decimal)
    values[special] = np.nan
    no_ct = (blank | undet) if assay == "qpcr_ct" else None
    return Cells(values, no_ct if no_ct is not None and no_ct.any() else None)


def _explain(cell: str, where: Where, r: int, assay: str, decimal: str) -> InputError:
    """The error for one cell that is not a number, with the most likely fix."""
    low = cell.lower()
    if low in UNDETERMINED_TOKENS and assay != "qpcr_ct":
        return InputError(where.at(r) + f"'{cell}' is not a number; it looks like qPCR output: pass "
                          "assay='qpcr_ct' (CLI --assay qpcr_ct) if these are Ct values")
    t = cell.replace(",", ".") if decimal == "," else cell
    if low in _INF_TOKENS or re.match(NUMBER_PATTERN, t):
        return _infinite(where, r, cell)
    hint = "replace it by a number, or leave the cell empty / write NA for a missing value"
    if decimal == "." and _DECIMAL_COMMA.match(cell):
        hint = ("it uses a decimal comma; export the file with decimal points, or pass decimal=',' "
                "with sep=';' (CLI --decimal , --sep ';')")
    elif re.match(r"^[<>]\s*[0-9]", cell):
        hint = "a censored value ('<LOD', '>40') is not a number; write the limit itself or leave the cell empty"
    elif cell.endswith("%"):
        hint = "remove the % sign"
    return InputError(where.at(r) + f"'{cell}' is not a number; {hint}")


def _infinite(where: Where, r: int, value: Any) -> InputError:
    return InputError(where.at(r) + f"infinite value '{value}'; replace it by a finite number or leave the cell "
                      "empty (a log of 0 gives -inf: check how the values were transformed)")
