"""Writing a simulated cohort as the files a user would bring: expression.csv, clinical.csv, truth.json.

The CSVs are deterministic byte for byte: numbers printed with ``'%.6g'``, whole numbers as
integers (the simulator already rounds to 6 significant digits, so the files hold exactly the
Cohort's values), missing cells as
``NA``, ``\\n`` line endings, the sample id in the first column (``sample_id``). In a ``qpcr_ct``
cohort every cell equal to the cutoff (``cohort.qc["ct_cutoff"]``) is written as the literal
string ``Undetermined``, as qPCR instruments export it, so that reading the files back exercises
the reader's Ct rules. Every file is written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from biomark.atomic import write_text_atomic
from biomark.cohort import Cohort
from biomark.errors import BiomarkError
from biomark.synthetic.simulate import Truth

FILES = ("expression.csv", "clinical.csv", "truth.json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # as biomark.io.output.FORMULA_PREFIXES (score's sample ids)


def refuse_existing(out_dir: str | os.PathLike[str], names: tuple[str, ...] = FILES, *, force: bool = False,
                    label: str = "--out ") -> None:
    """Refuse to write over files the user already has in ``out_dir`` (``synth --out .`` beside their
    expression.csv replaced it silently), unless ``force``."""
    out = Path(out_dir)
    there = [n for n in names if (out / n).exists()]
    if there and not force:
        raise BiomarkError(f"{label}{out}: {', '.join(there)} already exist(s); give --force to replace, or choose "
                           "another --out")


def _fmt_column(col: pd.Series, undetermined_at: float | None = None) -> list[str]:
    if pd.api.types.is_bool_dtype(col):
        return ["1" if v else "0" for v in col]
    if pd.api.types.is_integer_dtype(col):
        return [str(int(v)) for v in col]
    if pd.api.types.is_float_dtype(col):
        out = []
        for v in col.to_numpy(dtype=float).tolist():
            if v != v:
                out.append("NA")
            elif undetermined_at is not None and v == undetermined_at:
                out.append("Undetermined")
            else:
                out.append(format_number(v))
        return out
    return [_quote(str(v)) for v in col]


def format_number(v: float) -> str:
    """``'%d'`` for whole numbers below 1e15 (counts stay exact), else ``'%.6g'``."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def _quote(s: str) -> str:
    if s.startswith(_FORMULA_START):  # a spreadsheet would run '=HYPERLINK(...)' from a spec's label or id
        s = "'" + s
    if any(ch in s for ch in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def frame_to_csv(frame: pd.DataFrame, undetermined_at: float | None = None) -> str:
    """CSV text of ``frame`` with its index as the first column ``sample_id`` (deterministic)."""
    cols = [[_quote(str(i)) for i in frame.index]]
    cols += [_fmt_column(frame[c], undetermined_at) for c in frame.columns]
    header = ",".join(["sample_id", *(_quote(str(c)) for c in frame.columns)])
    lines = [header]
    lines += [",".join(row) for row in zip(*cols, strict=True)]
    return "\n".join(lines) + "\n"


def expression_csv(cohort: Cohort) -> str:
    """The expression file. Counts with known library sizes get a last column ``other_features``
    (library size minus the counts written) so that row sums are the library sizes, as in a full
    count matrix, and the reader recovers them."""
    undetermined_at = None
    frame = cohort.expression
    if cohort.assay == "qpcr_ct":
        undetermined_at = float(cohort.ct_cutoff if cohort.ct_cutoff is not None
                                else cohort.qc.get("ct_cutoff", 40.0))
    if cohort.assay == "counts" and cohort.library_size is not None:
        rest = cohort.library_size.to_numpy(float) - np.nansum(frame.to_numpy(float), axis=1)
        if np.any(rest < 0):
            raise BiomarkError("library sizes smaller than the counts written; cannot write a count matrix")
        frame = frame.assign(other_features=rest)
    return frame_to_csv(frame, undetermined_at)


def clinical_csv(cohort: Cohort) -> str:
    clin = cohort.clinical if cohort.clinical is not None else pd.DataFrame(index=cohort.expression.index)
    return frame_to_csv(clin)


def write_cohort(cohort: Cohort, truth: Truth, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``expression.csv``, ``clinical.csv`` and ``truth.json`` into ``out_dir``.

    ``out_dir`` is created when missing, but its parent must exist (a typo in a path should not
    silently create a tree of directories). Each file is written to a temporary name and renamed.
    Returns the three paths.
    """
    out = check_out_dir(out_dir)
    if not out.exists():
        try:
            out.mkdir()
        except OSError as err:
            raise BiomarkError(f"{out}: cannot create the directory ({err.strerror})") from None
    texts = {
        "expression.csv": expression_csv(cohort),
        "clinical.csv": clinical_csv(cohort),
        "truth.json": truth.to_json(),
    }
    paths = []
    for name, text in texts.items():
        path = out / name
        write_text_atomic(path, text)
        paths.append(path)
    return paths


def check_out_dir(out_dir: str | os.PathLike[str], *, label: str = "") -> Path:
    """The output directory, refused (before any work) when it is a file or its parent is missing.

    ``label`` prefixes the messages (the command line passes ``"--out "``).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BiomarkError(f"{label}{out}: exists and is not a directory; give a directory for --out")
    parent = out.parent if str(out.parent) else Path(".")
    if not out.exists() and not parent.is_dir():
        raise BiomarkError(
            f"{label}{out}: parent directory '{parent}' does not exist; create it or choose another --out"
        )
    return out


def read_written(out_dir: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read back the two CSVs with pandas (``Undetermined`` kept as a string; for tests and docs)."""
    out = Path(out_dir)
    expr = pd.read_csv(out / "expression.csv", index_col=0, keep_default_na=False, na_values=["NA"],
                       dtype=str)
    clin = pd.read_csv(out / "clinical.csv", index_col=0, keep_default_na=False, na_values=["NA"])
    expr.index = expr.index.astype(str)
    return expr, clin


def as_float(expr: pd.DataFrame, undetermined_value: float = np.nan) -> pd.DataFrame:
    """Numbers of a frame read by :func:`read_written`, ``Undetermined`` replaced by a value."""
    return expr.replace("Undetermined", str(undetermined_value)).astype(float)
