"""A float column's NaN (pyarrow reads the text 'NaN' as a float) is a missing cell, not an infinite one.

Regression: the one-reader refactor refused ``expr_nan_cells.csv`` ("infinite value 'nan'") whenever the
CSV reader typed the column as float instead of text; ±inf is still refused.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from biomark.errors import InputError
from biomark.io.cells import Where, parse_cells


def _where() -> Where:
    return Where(src="x.csv", header=lambda r: "HSPA1A", row=lambda r: r + 2, sample=lambda r: f"S{r + 1:02d}")


def test_float_nan_is_missing():
    cells = parse_cells(pa.array([1.5, float("nan"), 2.0]), _where(), assay="log2_expression", decimal=".")
    assert np.isnan(cells.values[1]) and cells.values[0] == 1.5 and cells.values[2] == 2.0


@pytest.mark.parametrize("bad", [float("inf"), float("-inf")])
def test_float_inf_is_refused(bad):
    with pytest.raises(InputError, match="infinite value"):
        parse_cells(pa.array([1.5, bad]), _where(), assay="log2_expression", decimal=".")
