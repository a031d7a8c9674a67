"""Clinical files: one row per sample, read with pyarrow's type inference, joined on the sample id."""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from biomark.codings import na_set, numeric_or_text
from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.io.columns import check_ids, id_key
from biomark.io.layout import Layout, csv_error, id_index, sha256, sniff_layout

_MAX_LISTED = 10


def read_clinical(path: str | os.PathLike[str], *, id_column: str | None = None, sep: str | None = None,
                  decimal: str | None = None, strict_id: bool = True,
                  na_values: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a clinical file: one row per sample, indexed by the sample id (``str``).

    Columns keep the types pyarrow infers (numbers as ``float64``/``int64``, anything else as
    Python objects); an infinite number is an error naming row, column and sample. With
    ``strict_id=False`` an ``id_column`` the file lacks falls back to the first column (the
    expression file's id column name is only a default for the clinical file). Every column follows
    one missing-value rule (:mod:`biomark.codings`): an empty cell or one of ``na_values`` (default
    ``NA``, ``NaN``, ``N/A``, ``NULL``, ``.``, ``-``; case-insensitive) is missing, and a column whose
    other cells are all numbers is numeric (``float64``), so ``ECOG`` 0/1/2/NA stays a number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("id,y,age\\nP1,a,60\\nP2,b,70\\n")
    >>> read_clinical(p)["age"].tolist()
    [60, 70]
    >>> _ = p.write_text("id,ecog\\nP1,0\\nP2,NA\\nP3,2\\n")
    >>> read_clinical(p)["ecog"].tolist()
    [0.0, nan, 2.0]
    """
    src = str(path)
    lay = sniff_layout(Path(path), src, sep=sep, decimal=decimal)
    names = lay.names
    if id_column is None or (id_column not in names and not strict_id):
        id_idx = lay.id_idx
    else:
        id_idx = id_index(names, id_column, src)
    table = _read_whole(lay, id_idx)
    col = table.column(id_idx)
    if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
        raise InputError(f"column '{names[id_idx]}' is not UTF-8 text; save the file as UTF-8")
    ids = ["" if v is None else str(v).strip() for v in col.to_pylist()]
    check_ids(ids, src, lambda i: f"row {i + 2}, column '{names[id_idx]}'")
    na = na_set(na_values)
    data = {n: _values(table.column(i), src, n, ids, na) for i, n in enumerate(names) if i != id_idx}
    index = pd.Index(ids, name="sample_id", dtype=object)
    frame = pd.DataFrame(data, index=index)
    for n in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[n].dtype):
            frame[n] = numeric_or_text(frame[n], na, lay.decimal or ".")
    return frame


def _numeric_na(na: frozenset[str]) -> list[float]:
    """Missing-value tokens that are numbers (``-99``): cells pyarrow read as numbers."""
    out = []
    for t in na:
        try:
            out.append(float(t))
        except ValueError:
            pass
    return [v for v in out if np.isfinite(v)]


def _values(col: pa.ChunkedArray, src: str, name: str, ids: list[str], na: frozenset[str] = frozenset()) -> Any:
    num_na = _numeric_na(na) if (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)) else []
    if num_na:
        arr = col.to_numpy(zero_copy_only=False).astype(np.float64)
        arr[np.isin(arr, num_na)] = np.nan
        col = pa.chunked_array([pa.array(arr, from_pandas=True)])
    if pa.types.is_floating(col.type):
        arr = col.to_numpy(zero_copy_only=False).astype(np.float64)
        bad = np.flatnonzero(np.isinf(arr))
        if bad.size:
            r = int(bad[0])
            raise InputError(f"{src}: row {r + 2}, column '{name}' (sample '{ids[r]}'): infinite value; "
                             "replace it by a finite number or leave the cell empty")
        return arr
    if pa.types.is_integer(col.type):
        arr = col.to_numpy(zero_copy_only=False)
        return arr if col.null_count == 0 else arr.astype(np.float64)
    return pd.array(col.to_pylist(), dtype=object)


def _read_whole(lay: Layout, id_idx: int) -> pa.Table:
    """The whole table, types inferred (the id column as text); columns in header order."""
    if lay.fmt == "parquet":
        try:
            tbl = pq.read_table(str(lay.path))
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{lay.src}: not a readable Parquet file ({err})") from None
        return tbl
    try:
        tbl = pacsv.read_csv(
            str(lay.path),
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=lay.sep),
            convert_options=pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
                decimal_point=lay.decimal, column_types={lay.raw_names[id_idx]: pa.string()},
                true_values=["\x00true"], false_values=["\x00false"],  # never infer booleans
            ),
        )
    except pa.ArrowInvalid as err:
        raise csv_error(err, lay.path, lay.src, lay.sep or ",") from None
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise InputError(f"{lay.src}: cannot read ({err}); check that the file is complete") from None
    for i, c in enumerate(tbl.columns):
        if pa.types.is_binary(c.type) or pa.types.is_large_binary(c.type):
            raise InputError(f"{lay.src}: column '{lay.names[i]}' is not UTF-8 text; save the file as CSV UTF-8")
    return tbl


def join_clinical(cohort: Cohort, path: Path, src: str, id_column: str | None, *, strict_id: bool,
                  na_values: Sequence[str] | None = None) -> Cohort:
    """The cohort restricted to the samples in both files (expression order), with the clinical
    data; samples in only one file are listed in ``qc`` and ``warnings``."""
    expr_src = next(iter(cohort.sources))
    clin = read_clinical(path, id_column=id_column, strict_id=strict_id, na_values=na_values)
    e_ids = [str(i) for i in cohort.expression.index]
    c_ids = [str(i) for i in clin.index]
    c_set, e_set = set(c_ids), set(e_ids)
    only_e = [i for i in e_ids if i not in c_set]
    only_c = [i for i in c_ids if i not in e_set]
    _refuse_near_ids(only_e, only_c, expr_src, src)
    both = [i for i in e_ids if i in c_set]
    if not both:
        raise InputError(f"{expr_src} and {src}: no sample id is in both files (expression ids like "
                         f"{', '.join(repr(i) for i in e_ids[:3])}; clinical ids like "
                         f"{', '.join(repr(i) for i in c_ids[:3])}); check the id columns "
                         "(id_column / clinical_id_column)")
    warnings = list(cohort.warnings)
    if only_e:
        warnings.append(f"{len(only_e)} sample(s) of {expr_src} are not in {src} and were left out: " + _list(only_e))
    if only_c:
        warnings.append(f"{len(only_c)} sample(s) of {src} are not in {expr_src} and were left out: " + _list(only_c))
    qc = {**cohort.qc, "only_in_expression": only_e, "only_in_clinical": only_c, "n_joined": len(both)}
    lib = None if cohort.library_size is None else cohort.library_size.loc[both]
    return replace(cohort, expression=cohort.expression.loc[both], clinical=clin.loc[both], warnings=warnings,
                   qc=qc, library_size=lib, sources={**cohort.sources, src: sha256(path)})


def _refuse_near_ids(only_e: list[str], only_c: list[str], expr_src: str, src: str) -> None:
    """ids that would match but for case or spaces: almost always a typo, never guessed."""
    if not (only_e and only_c):
        return
    fold_c = {id_key(i): i for i in only_c}
    pairs = [(i, fold_c[id_key(i)]) for i in only_e if id_key(i) in fold_c]
    if pairs:
        shown = ", ".join(f"'{a}' vs '{b}'" for a, b in pairs[:3])
        raise InputError(f"{expr_src} and {src}: {len(pairs)} sample id(s) differ only in case or spaces "
                         f"({shown}{' ...' if len(pairs) > 3 else ''}); biomark matches ids exactly: "
                         "make them identical in both files")


def _list(ids: list[str]) -> str:
    return ", ".join(ids[:_MAX_LISTED]) + (f" ... (+{len(ids) - _MAX_LISTED})" if len(ids) > _MAX_LISTED else "")
