"""read_cohort: formats, orientation, aliases, assays, clinical join and every input error.

Every file is written by the test into tmp_path; expected numbers are computed by hand in comments.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark.errors import BiomarkError, InputError, MarkerResolutionError
from biomark.io import read_cohort
from biomark.panel import load_panel

ESCC = "escc_mir339_radiotherapy"  # one marker: hsa-miR-339-5p (aliases miR-339-5p, miR-339)

CT_PANEL = """\
schema_version: 1
id: test_ct_panel
title: Test qPCR panel
cancer_type: test
specimen: serum
compartment: exosome
assay: qpcr_ct
endpoints:
  - id: response
    kind: binary
    positive_class: resistant
    negative_class: sensitive
markers:
  - id: hsa-miR-21-5p
    type: miRNA
    aliases: [miR-21]
    direction: {response: up}
  - id: hsa-miR-339-5p
    type: miRNA
    aliases: [miR-339-5p]
    direction: {response: down}
reference_markers:
  - id: RNU6B
    aliases: [U6]
  - id: RNU48
  - id: cel-miR-39-3p
    aliases: [cel-miR-39]
    spike_in: true
evidence:
  - seed: test.txt
    reference: 1
    sentence: a test sentence
    level: patient_cohort
"""


@pytest.fixture()
def ct_panel(tmp_path: Path):
    p = tmp_path / "ct_panel.yaml"
    p.write_text(CT_PANEL)
    return load_panel(p)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


ROWS = "sample,hsa-miR-339-5p,other_gene\nP1,1.5,7\nP2,2.25,8\nP3,-0.5,9\n"
COLS = "marker,P1,P2,P3\nmiR-339-5P,1.5,2.25,-0.5\nother_gene,7,8,9\n"


# --- formats and orientation -------------------------------------------------------------------


def test_rows_and_columns_give_the_same_cohort(tmp_path):
    a = read_cohort(write(tmp_path / "rows.csv", ROWS), panel=ESCC)
    b = read_cohort(write(tmp_path / "cols.csv", COLS), panel=ESCC)
    assert a.qc["orientation"] == "rows" and b.qc["orientation"] == "columns"
    pd.testing.assert_frame_equal(a.expression, b.expression)
    assert a.markers == ["hsa-miR-339-5p"]
    assert a.sample_ids == ["P1", "P2", "P3"]
    assert a.expression["hsa-miR-339-5p"].tolist() == [1.5, 2.25, -0.5]
    assert a.missing_markers == [] and a.panel_id == ESCC


def test_orientation_can_be_forced(tmp_path):
    # forcing rows on a samples-as-columns file: the header (P1, P2, P3) has no panel marker
    with pytest.raises(InputError, match="none of the 1 markers of panel"):
        read_cohort(write(tmp_path / "cols.csv", COLS), panel=ESCC, samples_as="rows")
    c = read_cohort(tmp_path / "cols.csv", panel=ESCC, samples_as="columns")
    assert c.sample_ids == ["P1", "P2", "P3"]


def test_aliases_match_case_and_species_prefix(tmp_path):
    for header in ("hsa-miR-339-5p", "miR-339-5P", "MIR_339_5P", "miR-339"):
        c = read_cohort(write(tmp_path / "a.csv", f"id,{header}\nS1,1\nS2,2\n"), panel=ESCC)
        assert c.markers == ["hsa-miR-339-5p"], header
    assert c.qc["matched"]["miR-339"]["how"] == "exact"  # miR-339 is listed as an alias in the spec


def test_two_columns_for_one_marker_is_an_error(tmp_path):
    f = write(tmp_path / "a.csv", "id,hsa-miR-339-5p,miR-339-5P\nS1,1,2\n")
    with pytest.raises(MarkerResolutionError, match="2 columns match marker 'hsa-miR-339-5p'"):
        read_cohort(f, panel=ESCC)


def test_tsv_gzip_and_parquet_read_alike(tmp_path):
    ref = read_cohort(write(tmp_path / "rows.csv", ROWS), panel=ESCC)
    write(tmp_path / "rows.tsv", ROWS.replace(",", "\t"))
    with gzip.open(tmp_path / "rows.csv.gz", "wt") as fh:
        fh.write(ROWS)
    df = pd.DataFrame({"sample": ["P1", "P2", "P3"], "hsa-miR-339-5p": [1.5, 2.25, -0.5], "other_gene": [7, 8, 9]})
    df.to_parquet(tmp_path / "rows.parquet", index=False)
    df.set_index("sample").to_parquet(tmp_path / "indexed.parquet")  # the id stored as the pandas index
    for name in ("rows.tsv", "rows.csv.gz", "rows.parquet", "indexed.parquet"):
        c = read_cohort(tmp_path / name, panel=ESCC)
        pd.testing.assert_frame_equal(c.expression, ref.expression, check_names=False)
    assert read_cohort(tmp_path / "rows.tsv", panel=ESCC).qc["separator"] == "\t"


def test_ids_keep_leading_zeros_and_sources_are_hashed(tmp_path):
    f = write(tmp_path / "a.csv", "id,miR-339-5p\n001,1\n002,2\n")
    c = read_cohort(f, panel=ESCC)
    assert c.sample_ids == ["001", "002"]
    import hashlib

    assert c.sources[str(f)] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert c.name == "a"


def test_without_panel_every_column_is_kept(tmp_path):
    c = read_cohort(write(tmp_path / "a.csv", "id,g1,g2\nS1,1,2\nS2,3,4\n"))
    assert c.markers == ["g1", "g2"] and c.panel_id is None


def test_utf8_bom_is_noted_and_ignored(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + ROWS.encode())
    c = read_cohort(f, panel=ESCC)
    assert c.qc["utf8_bom"] is True and c.sample_ids == ["P1", "P2", "P3"]
    assert any("byte-order mark" in w for w in c.warnings)


def test_semicolons_with_decimal_commas_are_read_and_said(tmp_path):
    f = write(tmp_path / "eu.csv", "id;miR-339-5p\nS1;1,5\nS2;-2,25\n")
    c = read_cohort(f, panel=ESCC)
    assert c.expression.iloc[:, 0].tolist() == [1.5, -2.25]
    assert c.qc["separator"] == ";" and c.qc["decimal"] == ","
    assert any("decimal commas" in w for w in c.warnings)


def test_some_markers_missing_is_a_warning(tmp_path, ct_panel):
    f = write(tmp_path / "a.csv", "id,miR-21,U6\nS1,25,20\nS2,26,21\n")
    c = read_cohort(f, panel=ct_panel)
    assert c.missing_markers == ["hsa-miR-339-5p"]
    assert any("1 of 2 panel markers are not in the file: hsa-miR-339-5p" in w for w in c.warnings)


# --- qPCR Ct -----------------------------------------------------------------------------------


def test_ct_undetermined_blank_and_above_cutoff_set_to_cutoff(tmp_path, ct_panel):
    f = write(tmp_path / "ct.csv",
              "sample,miR-21,miR-339-5p,U6,RNU48\n"
              "S1,30.5,Undetermined,20,22\n"
              "S2,,28,21,23\n"
              "S3,41.2,27,19,NA\n")
    c = read_cohort(f, panel=ct_panel)
    e = c.expression
    assert c.assay == "qpcr_ct" and c.ct_cutoff == 40.0
    assert e.loc["S1", "hsa-miR-339-5p"] == 40.0  # Undetermined -> cutoff
    assert e.loc["S2", "hsa-miR-21-5p"] == 40.0  # blank -> cutoff
    assert e.loc["S3", "hsa-miR-21-5p"] == 40.0  # 41.2 > 40 -> cutoff
    assert math.isnan(e.loc["S3", "RNU48"])  # NA is a missing value, not Undetermined
    assert c.qc["ct_set_to_cutoff"] == {"hsa-miR-21-5p": 2, "hsa-miR-339-5p": 1}
    assert c.qc["ct_undetermined"] == {"hsa-miR-21-5p": 1, "hsa-miR-339-5p": 1}
    assert c.qc["ct_above_cutoff"] == {"hsa-miR-21-5p": 1}
    assert c.reference_markers == ["RNU6B", "RNU48"]
    lv = c.levels(ct_panel)
    # −ΔCt = mean(reference Ct) − marker Ct: S1 (20+22)/2 − 30.5 = −9.5; S3 uses U6 only: 19 − 40 = −21
    assert lv.loc["S1", "hsa-miR-21-5p"] == pytest.approx(-9.5)
    assert lv.loc["S2", "hsa-miR-339-5p"] == pytest.approx(22.0 - 28.0)
    assert lv.loc["S3", "hsa-miR-21-5p"] == pytest.approx(19.0 - 40.0)
    assert list(lv.columns) == ["hsa-miR-21-5p", "hsa-miR-339-5p"]  # references are not returned
    assert "mean Ct(RNU6B, RNU48)" in lv.attrs["conversion"]


def test_ct_cutoff_is_a_parameter(tmp_path, ct_panel):
    f = write(tmp_path / "ct.csv", "sample,miR-21,U6\nS1,36,20\nS2,Undetermined,21\n")
    c = read_cohort(f, panel=ct_panel, ct_cutoff=35)
    assert c.expression["hsa-miR-21-5p"].tolist() == [35.0, 35.0]
    assert "set to 35" in c.qc["ct_rule"]


def test_ct_with_a_named_spike_in(tmp_path, ct_panel):
    f = write(tmp_path / "ct.csv", "sample,miR-21,miR-339-5p,cel-miR-39\nS1,30,32,18\nS2,29,Undetermined,17.5\n")
    c = read_cohort(f, panel=ct_panel, spike_in="cel-miR-39")
    assert c.spike_in == "cel-miR-39-3p"  # matched through the panel's reference aliases
    lv = c.levels(ct_panel)
    assert lv.loc["S1", "hsa-miR-21-5p"] == pytest.approx(18 - 30)
    assert lv.loc["S2", "hsa-miR-339-5p"] == pytest.approx(17.5 - 40)
    assert "spike-in" in lv.attrs["conversion"]
    # a spike-in that is not a panel reference, named as it is in the file
    f2 = write(tmp_path / "ct2.csv", "sample,miR-21,ath-miR-159a\nS1,30,20\nS2,31,22\n")
    c2 = read_cohort(f2, panel=ct_panel, spike_in="ath-miR-159a")
    assert c2.spike_in == "ath-miR-159a"
    assert c2.levels(ct_panel)["hsa-miR-21-5p"].tolist() == [-10.0, -9.0]


def test_ct_direction_is_reversed_by_conversion(tmp_path, ct_panel):
    # a marker with a LOWER Ct is MORE expressed: its −ΔCt must be higher
    f = write(tmp_path / "ct.csv", "sample,miR-21,U6\nlow_ct,25,20\nhigh_ct,35,20\n")
    lv = read_cohort(f, panel=ct_panel).levels(ct_panel)
    assert lv.loc["low_ct", "hsa-miR-21-5p"] > lv.loc["high_ct", "hsa-miR-21-5p"]


def test_spike_in_not_found_is_an_error(tmp_path, ct_panel):
    f = write(tmp_path / "ct.csv", "sample,miR-21,U6\nS1,30,20\n")
    with pytest.raises(InputError, match="spike-in 'cel-miR-54' not found"):
        read_cohort(f, panel=ct_panel, spike_in="cel-miR-54")


def test_negative_ct_is_an_error(tmp_path, ct_panel):
    f = write(tmp_path / "ct.csv", "sample,miR-21,U6\nS1,-3.2,20\n")
    with pytest.raises(InputError, match=r"Ct -3\.2 is not a cycle number.*log2_expression"):
        read_cohort(f, panel=ct_panel)


# --- counts and intensities --------------------------------------------------------------------


def test_counts_to_log2cpm_with_library_size_over_all_features(tmp_path):
    f = write(tmp_path / "counts.csv", "gene,S1,S2\nmiR-339-5p,10,0\ngeneA,990,499\ngeneB,0,500\n")
    c = read_cohort(f, panel=ESCC, assay="counts")
    assert c.qc["orientation"] == "columns"
    assert c.library_size.tolist() == [1000.0, 999.0]  # all three rows, not only the panel marker
    lv = c.levels()
    # log2((10 + 0.5) / (1000 + 1) * 1e6) and log2((0 + 0.5) / (999 + 1) * 1e6)
    assert lv.loc["S1", "hsa-miR-339-5p"] == pytest.approx(math.log2(10.5 / 1001 * 1e6), abs=1e-12)
    assert lv.loc["S2", "hsa-miR-339-5p"] == pytest.approx(math.log2(0.5 / 1000 * 1e6), abs=1e-12)
    assert "0.5" in lv.attrs["conversion"]


def test_counts_library_size_survives_clinical_join(tmp_path):
    f = write(tmp_path / "counts.csv", "id,miR-339-5p,g\nS1,1,9\nS2,2,8\nS3,3,7\n")
    cl = write(tmp_path / "clin.csv", "id,y\nS3,a\nS1,b\n")
    c = read_cohort(f, cl, panel=ESCC, assay="counts")
    assert c.sample_ids == ["S1", "S3"] and c.library_size.tolist() == [10.0, 10.0]


def test_negative_counts_are_an_error(tmp_path):
    f = write(tmp_path / "counts.csv", "id,miR-339-5p,g\nS1,1,9\nS2,2,-8\n")
    with pytest.raises(InputError, match=r"row 3, column 'g' \(sample 'S2'\): count -8 is negative"):
        read_cohort(f, panel=ESCC, assay="counts")


def test_intensity_to_log2(tmp_path):
    f = write(tmp_path / "i.csv", "id,miR-339-5p\nS1,1024\nS2,96\n")
    c = read_cohort(f, panel=ESCC, assay="intensity")
    assert c.levels()["hsa-miR-339-5p"].tolist() == [10.0, math.log2(96)]
    with pytest.raises(InputError, match="intensity 0 is not positive"):
        read_cohort(write(tmp_path / "j.csv", "id,miR-339-5p\nS1,0\n"), panel=ESCC, assay="intensity")


# --- clinical join -----------------------------------------------------------------------------


def test_clinical_with_extra_and_missing_ids(tmp_path):
    e = write(tmp_path / "e.csv", "id,miR-339-5p\nP1,1\nP2,2\nP3,3\nP4,4\n")
    cl = write(tmp_path / "c.csv", "patient,response,os_months\nP4,radioresistant,10.5\nP2,radiosensitive,30\n"
                                   "P9,radioresistant,4\n")
    c = read_cohort(e, cl, panel=ESCC)
    assert c.sample_ids == ["P2", "P4"]  # expression order kept
    assert c.clinical.index.tolist() == ["P2", "P4"]
    assert c.clinical["response"].tolist() == ["radiosensitive", "radioresistant"]
    assert c.clinical["os_months"].tolist() == [30.0, 10.5]
    assert c.qc["only_in_expression"] == ["P1", "P3"] and c.qc["only_in_clinical"] == ["P9"]
    assert any("2 sample(s) of" in w and "P1, P3" in w for w in c.warnings)
    assert len(c.sources) == 2


def test_clinical_ids_differing_in_case_or_spaces_are_an_error(tmp_path):
    e = write(tmp_path / "e.csv", "id,miR-339-5p\nP1,1\nP2,2\n")
    cl = write(tmp_path / "c.csv", "id,y\np1,a\nP 2,b\n")
    with pytest.raises(InputError, match=r"differ only in case or spaces \('P1' vs 'p1', 'P2' vs 'P 2'\)"):
        read_cohort(e, cl, panel=ESCC)


def test_surrounding_spaces_in_ids_and_names_are_ignored(tmp_path):
    e = write(tmp_path / "e.csv", "id , miR-339-5p \n P1 ,1\n007 ,2\n")
    cl = write(tmp_path / "c.csv", "id,y\nP1,a\n 007,b\n")
    c = read_cohort(e, cl, panel=ESCC, id_column="id")
    assert c.sample_ids == ["P1", "007"] and c.clinical["y"].tolist() == ["a", "b"]


def test_clinical_without_common_ids_is_an_error(tmp_path):
    e = write(tmp_path / "e.csv", "id,miR-339-5p\nP1,1\n")
    cl = write(tmp_path / "c.csv", "id,y\nQ1,a\n")
    with pytest.raises(InputError, match="no sample id is in both files"):
        read_cohort(e, cl, panel=ESCC)


def test_clinical_duplicate_id_is_an_error(tmp_path):
    e = write(tmp_path / "e.csv", "id,miR-339-5p\nP1,1\n")
    cl = write(tmp_path / "c.csv", "id,y\nP1,a\nP1,b\n")
    with pytest.raises(InputError, match=r"c\.csv: sample id 'P1' appears twice \(row 2, column 'id' and row 3"):
        read_cohort(e, cl, panel=ESCC)


# --- errors name the file, row and column ------------------------------------------------------


def test_non_numeric_cell_names_row_and_column(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,1\nP2,2\nP3,high\n")
    with pytest.raises(InputError) as err:
        read_cohort(f, panel=ESCC)
    msg = str(err.value)
    assert msg.startswith(f"{f}: row 4, column 'miR-339-5p' (sample 'P3'): 'high' is not a number")


def test_non_numeric_cell_in_transposed_file(tmp_path):
    f = write(tmp_path / "bad.csv", "marker,P1,P2\nmiR-339-5p,1,oops\n")
    with pytest.raises(InputError, match=r"row 2 \(marker 'miR-339-5p'\), column 'P2': 'oops' is not a number"):
        read_cohort(f, panel=ESCC)


def test_decimal_comma_in_comma_file_gets_a_hint(tmp_path):
    f = write(tmp_path / "bad.csv", 'id,miR-339-5p\nP1,"1,5"\n')
    with pytest.raises(InputError, match="uses a decimal comma"):
        read_cohort(f, panel=ESCC)


def test_undetermined_outside_qpcr_gets_a_hint(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,Undetermined\n")
    with pytest.raises(InputError, match="pass assay='qpcr_ct'"):
        read_cohort(f, panel=ESCC)


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999"])
def test_infinite_value_is_an_error(tmp_path, cell):
    f = write(tmp_path / "bad.csv", f"id,miR-339-5p\nP1,1\nP2,{cell}\n")
    with pytest.raises(InputError, match=r"row 3, column 'miR-339-5p' \(sample 'P2'\): infinite value"):
        read_cohort(f, panel=ESCC)


def test_duplicated_sample_id(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,1\nP2,2\nP1,3\n")
    with pytest.raises(InputError, match=r"sample id 'P1' appears twice \(row 2, column 'id' and row 4, column 'id'\)"):
        read_cohort(f, panel=ESCC)


def test_sample_ids_differing_only_in_case_within_a_file(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,1\np1,2\n")
    with pytest.raises(InputError, match="differ only in case or spaces"):
        read_cohort(f, panel=ESCC)


def test_duplicated_marker_column(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p,miR-339-5p\nP1,1,2\n")
    with pytest.raises(InputError, match=r"row 1: columns 2 and 3 are both named 'miR-339-5p'"):
        read_cohort(f, panel=ESCC)


def test_duplicated_marker_row_in_transposed_file(tmp_path):
    f = write(tmp_path / "bad.csv", "marker,P1,P2\nmiR-339-5p,1,2\nmiR-339-5p,3,4\n")
    with pytest.raises(InputError, match=r"marker 'miR-339-5p' appears 2 times \(row 2, row 3\)"):
        read_cohort(f, panel=ESCC)


def test_no_panel_marker_is_an_error(tmp_path):
    f = write(tmp_path / "bad.csv", "id,geneA,geneB\nP1,1,2\n")
    with pytest.raises(InputError, match="none of the 1 markers of panel 'escc_mir339_radiotherapy'"):
        read_cohort(f, panel=ESCC)


def test_ragged_row_is_an_error_with_its_row(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,1\nP2,2,3\n")
    with pytest.raises(InputError, match="row 3 has 3 fields but the header has 2"):
        read_cohort(f, panel=ESCC)


def test_file_level_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_cohort(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is empty"):
        read_cohort(write(tmp_path / "empty.csv", ""))
    with pytest.raises(InputError, match="no data rows"):
        read_cohort(write(tmp_path / "hdr.csv", "id,miR-339-5p\n"), panel=ESCC)
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="save the sheet as CSV"):
        read_cohort(tmp_path / "x.xlsx")
    (tmp_path / "latin.csv").write_bytes("id,miR-339-5p\nJosé,1\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_cohort(tmp_path / "latin.csv", panel=ESCC)
    with pytest.raises(InputError, match="no column named 'sample_no'"):
        read_cohort(write(tmp_path / "a.csv", ROWS), panel=ESCC, id_column="sample_no")
    with pytest.raises(InputError, match="assay 'rnaseq' is not known"):
        read_cohort(tmp_path / "a.csv", assay="rnaseq")


def test_every_error_is_a_biomark_error(tmp_path):
    f = write(tmp_path / "bad.csv", "id,miR-339-5p\nP1,x\n")
    with pytest.raises(BiomarkError):
        read_cohort(f, panel=ESCC)


def test_lazy_export():
    assert biomark.read_cohort is read_cohort


def test_cohort_subset_keeps_library_size(tmp_path):
    f = write(tmp_path / "counts.csv", "id,miR-339-5p,g\nS1,1,9\nS2,2,8\nS3,3,7\n")
    c = read_cohort(f, panel=ESCC, assay="counts")
    sub = c.subset(np.array([2, 0]))
    assert sub.sample_ids == ["S3", "S1"] and sub.library_size.tolist() == [10.0, 10.0]
    assert sub.assay == "counts" and sub.panel_id == ESCC


def test_clinical_id_column(tmp_path):
    e = write(tmp_path / "e.csv", "id,miR-339-5p\nP1,1\nP2,2\n")
    cl = write(tmp_path / "c.csv", "age,patient\n60,P2\n70,P1\n")
    c = read_cohort(e, cl, panel=ESCC, clinical_id_column="patient")
    assert c.clinical["age"].tolist() == [70, 60]
    with pytest.raises(InputError, match="no column named 'pid'"):
        read_cohort(e, cl, panel=ESCC, clinical_id_column="pid")


def test_counts_with_a_text_column_explain_the_library_size(tmp_path):
    f = write(tmp_path / "counts.csv", "id,miR-339-5p,group\nS1,1,case\nS2,2,control\n")
    with pytest.raises(InputError, match=r"'case' is not a number.*summed into the library size"):
        read_cohort(f, panel=ESCC, assay="counts")
    # the same column is simply ignored for log2 values
    assert read_cohort(f, panel=ESCC).qc["unmatched"] == ["group"]
