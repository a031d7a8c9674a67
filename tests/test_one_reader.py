"""read_cohort and score_file read with one set of rules: the same file is accepted or refused the
same way, with the same message, by both paths (issue 13, "One reader").

Before the refactor the two paths had their own copies: read_cohort accepted Arabic-Indic and
full-width digits (Python's ``float`` reads them) that score refused with a vaguer message, and
score refused a samples-as-columns file as "none of the markers is a column".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from biomark.errors import InputError
from biomark.io import read_cohort
from biomark.scoring import score_file

ESCC = "escc_mir339_radiotherapy"  # one marker: hsa-miR-339-5p (alias miR-339-5p)

CELLS = ["1.5", " 2 ", "+.5", "5.", "1e3", "NA", "nan", "n/A", "-", "", "Undetermined", "inf", "-Infinity", "1e999",
         "#DIV/0!", "1,5", "12%", "<5", "high", "١٢", "１２", "0x10", "1_000"]


def _outcome(call) -> tuple[str, str]:
    try:
        call()
    except InputError as err:
        return "refused", str(err)
    return "accepted", ""


def _both(tmp_path: Path, text: str, **kw) -> tuple[tuple[str, str], tuple[str, str]]:
    f = tmp_path / "e.csv"
    f.write_text(text, encoding="utf-8")
    validate = _outcome(lambda: read_cohort(f, panel=ESCC, **kw))
    score = _outcome(lambda: score_file(ESCC, f, tmp_path / "s.csv", **kw))
    return validate, score


@pytest.mark.parametrize("cell", CELLS)
def test_a_cell_is_read_alike_by_validate_and_score(tmp_path: Path, cell: str) -> None:
    rows = "".join(f"P{i},{v}\n" for i, v in enumerate([1, 2, cell, 3, 4]))
    validate, score = _both(tmp_path, "id,miR-339-5p,other\n" + rows.replace("\n", ",7\n"))
    assert validate == score, (cell, validate, score)


@pytest.mark.parametrize("cell", ["١٢", "１２"])
def test_unicode_digits_are_not_numbers(tmp_path: Path, cell: str) -> None:
    validate, score = _both(tmp_path, f"id,miR-339-5p\nP1,1\nP2,{cell}\n")
    assert validate[0] == "refused"
    assert f"row 3, column 'miR-339-5p' (sample 'P2'): '{cell}' is not a number" in validate[1]
    assert score == validate


@pytest.mark.parametrize("assay,cell", [("qpcr_ct", "0"), ("qpcr_ct", "Undetermined"), ("qpcr_ct", "NA"),
                                        ("counts", "-3"), ("counts", "2.5"), ("intensity", "0")])
def test_assay_rules_are_one(tmp_path: Path, assay: str, cell: str) -> None:
    validate, score = _both(tmp_path, f"id,miR-339-5p,g\nP1,30,5\nP2,{cell},6\nP3,31,7\n", assay=assay)
    assert validate == score, (validate, score)


def test_counts_library_size_rule_is_one(tmp_path: Path) -> None:
    validate, score = _both(tmp_path, "id,miR-339-5p,g\nP1,3,5\nP2,0,-1\n", assay="counts")
    assert validate[0] == "refused" and "row 3, column 'g' (sample 'P2'): count -1 is negative" in validate[1]
    assert score == validate


def test_samples_as_columns_are_found_by_both(tmp_path: Path) -> None:
    # read_cohort reads a samples-as-columns file; the streaming scorer reads one sample per row and
    # says why it refuses, by the same orientation rule (samples_as="auto")
    f = tmp_path / "cols.csv"
    f.write_text("marker,P1,P2,P3\nmiR-339-5p,1.5,2.25,-0.5\nother_gene,7,8,9\n")
    assert read_cohort(f, panel=ESCC).qc["orientation"] == "columns"
    with pytest.raises(InputError, match="samples are columns in this file; biomark score reads one sample per row"):
        score_file(ESCC, f, tmp_path / "s.csv")


def test_file_level_refusals_are_one(tmp_path: Path) -> None:
    (tmp_path / "utf16.csv").write_bytes("id,miR-339-5p\nP1,1\n".encode("utf-16"))
    (tmp_path / "one.csv").write_text("id\nP1\n")
    (tmp_path / "dup.csv").write_text("id,miR-339-5p,miR-339-5p\nP1,1,2\n")
    (tmp_path / "ragged.csv").write_text("id,miR-339-5p\nP1,1\nP2,2,3\n")
    (tmp_path / "hdr.csv").write_text("id,miR-339-5p\n")
    for name in ("utf16.csv", "one.csv", "dup.csv", "ragged.csv", "hdr.csv"):
        f = tmp_path / name
        validate = _outcome(lambda f=f: read_cohort(f, panel=ESCC))
        score = _outcome(lambda f=f: score_file(ESCC, f, tmp_path / "s.csv"))
        assert validate[0] == "refused" and validate == score, (name, validate, score)


def test_parquet_is_read_alike(tmp_path: Path) -> None:
    import gzip

    import pandas as pd

    df = pd.DataFrame({"id": ["P1", "P2", "P3"], "miR-339-5p": ["1", "high", "2"]})
    df.to_parquet(tmp_path / "text.parquet", index=False)
    (tmp_path / "e.parquet.gz").write_bytes(gzip.compress((tmp_path / "text.parquet").read_bytes()))
    for name, words in (("text.parquet", "row 3, column 'miR-339-5p' (sample 'P2'): 'high' is not a number"),
                        ("e.parquet.gz", "gzip-compressed Parquet")):
        f = tmp_path / name
        validate = _outcome(lambda f=f: read_cohort(f, panel=ESCC))
        score = _outcome(lambda f=f: score_file(ESCC, f, tmp_path / "s.csv"))
        assert validate[0] == "refused" and words in validate[1] and validate == score, (name, validate, score)
