"""Public-cohort formats read locally: GEO series matrix and SOFT, probe annotation and collapse,
cBioPortal folders, TCGA/Xena barcodes, and ``biomark inspect`` (issue 14).

The end-to-end test validates tests/data/geo/rcc_panel.yaml (CP up, NNMT up, ALDOB down) on the
real GEO DataSet GDS507 (tests/data/geo/, copied from ../shared/real/geo) through the CLI and
checks the apparent AUC against pROC 1.18.0 (R 4.2.2) in tests/data/R/gds507_auc.Rout, computed
by tests/data/R/gds507_auc.R from the files with base R (no biomark, no GEOquery).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from biomark.errors import InputError
from biomark.io.public import detect_format, read_any

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "tests" / "data" / "geo"
GDS = GEO / "GDS507.soft.gz"
ANNOT = GEO / "GPL97.annot.gz"
PANEL = GEO / "rcc_panel.yaml"
MATRIX = GEO / "GSE781_excerpt_series_matrix.txt.gz"
FAMILY = GEO / "GSE781_excerpt_family.soft.gz"
PORTAL = ROOT / "tests" / "data" / "cbioportal" / "kirc_excerpt"
XENA = ROOT / "tests" / "data" / "xena"

# pROC 1.18.0 on R 4.2.2 (tests/data/R/gds507_auc.Rout). Both sides compute the AUC as the
# Mann-Whitney proportion of 72 case-control pairs (k/72 exactly); the tolerance 1e-12 only
# absorbs the last bits of the float division (one wrong pair would move it by 1/72 = 0.014).
R_PANEL_AUC = 0.944444444444444  # CP = log2(mean of its 2 probes): --collapse mean
R_PANEL_AUC_MAXMEAN = 0.930555555555556  # CP = 227253_at, the probe with the higher mean
R_LOG2 = {  # R's log2 values of the three markers for the first sample GSM11815 (same .Rout)
    "CP": 12.97545393094739, "NNMT": 9.42815076780649, "ALDOB": 8.59879692486382}


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env_path = str(ROOT)
    return subprocess.run([sys.executable, "-m", "biomark", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, timeout=120)


# --- the GDS507 end-to-end validation --------------------------------------------------------------

@pytest.mark.parametrize("collapse,expected", [("mean", R_PANEL_AUC), ("max-mean", R_PANEL_AUC_MAXMEAN)])
def test_gds507_validate_matches_proc(tmp_path, collapse, expected):
    out = tmp_path / "r.json"
    p = _cli("validate", "--panel", str(PANEL), "--expression", str(GDS), "--annotation", str(ANNOT),
             "--collapse", collapse, "--outcome", "disease state", "--bootstrap", "0", "--permutations", "0",
             "--repeats", "1", "--cv", "3", "-q", "--json", str(out), "--report", str(tmp_path / "r.html"))
    assert p.returncode == 0, p.stderr
    res = json.loads(out.read_text())
    html = (tmp_path / "r.html").read_text()  # the report's data-quality section lists the probes
    used = "227253_at, 228143_at" if collapse == "mean" else "227253_at"
    assert f"<tr><td>CP</td><td>227253_at, 228143_at</td><td>{used}</td></tr>" in html
    assert f"several probes per marker: {collapse}" in html
    assert res["binary"]["apparent"]["auc"] == pytest.approx(expected, abs=1e-12)
    ann = res["cohort"]["qc"]["annotation"]
    assert ann["probes"]["CP"] == ["227253_at", "228143_at"]
    assert ann["collapse"] == collapse
    assert res["cohort"]["n_analysed"] == 17
    assert any("combined by --collapse " + collapse in w for w in res["warnings"])


def test_gds507_values_are_the_files_through_the_assay_rule():
    c = read_any(GDS, panel=PANEL, annotation=ANNOT, collapse="mean")
    lv = c.levels()
    for m, v in R_LOG2.items():
        assert lv.loc["GSM11815", m] == pytest.approx(v, abs=1e-12)
    assert c.clinical["disease state"].value_counts().to_dict() == {"RCC": 9, "normal": 8}
    # individuals '001' and '1' are two patients: the code stays text
    assert c.clinical.loc["GSM12078", "individual"] == "001"
    assert c.clinical.loc["GSM12269", "individual"] == "1"
    assert c.qc["format"] == "GEO GDS"


def test_gds507_several_probes_refused_by_default():
    with pytest.raises(InputError, match=r"CP: 2 probes \(227253_at, 228143_at\).*--collapse"):
        read_any(GDS, panel=PANEL, annotation=ANNOT)


def test_gds_identifier_column_is_the_default_annotation():
    c = read_any(GDS, panel=PANEL, collapse="first")
    assert "IDENTIFIER" in c.qc["annotation"]["source"]
    assert c.qc["annotation"]["used"]["CP"] == ["227253_at"]


# --- series matrix and family SOFT ---------------------------------------------------------------

def test_series_matrix_header_lines_become_clinical_columns():
    assert detect_format(MATRIX) == "GEO series matrix"
    c = read_any(MATRIX, panel=PANEL, annotation=ANNOT, collapse="median")
    assert list(c.sample_ids) == ["GSM11815", "GSM11810", "GSM11832", "GSM11827"]
    assert {"title", "source_name_ch1", "disease state", "individual", "age"} <= set(c.clinical.columns)
    assert c.clinical["disease state"].tolist() == ["RCC", "normal", "RCC", "normal"]
    assert c.clinical["individual"].tolist() == ["035", "035", "023", "023"]
    assert c.expression.loc["GSM11815", "CP"] == pytest.approx((11988.4 + 4119.2) / 2)  # median of two = mean


def test_family_soft_platform_choice():
    with pytest.raises(InputError, match=r"2 platforms \(GPL97 \(2 samples\), GPL96 \(1 samples\)\).*--platform"):
        read_any(FAMILY, panel=PANEL)
    with pytest.raises(InputError, match="no sample on it; platforms in the file: GPL97, GPL96"):
        read_any(FAMILY, panel=PANEL, platform="GPL570")
    c = read_any(FAMILY, panel=PANEL, platform="GPL97", annotation_column="Gene Symbol", collapse="first")
    assert c.sample_ids == ["GSM11815", "GSM11810"]
    assert c.expression.loc["GSM11810", "ALDOB"] == pytest.approx(246.9)
    assert c.clinical.loc["GSM11815", "disease state"] == "RCC"
    assert "its platform table" in c.qc["annotation"]["source"]


def test_multi_gene_probe_never_assigned(tmp_path):
    spec = PANEL.read_text().replace("id: test_rcc_gds507", "id: t_vegfa").replace(
        "{id: ALDOB, type: mRNA, direction: {rcc_vs_normal: down}}",
        "{id: ALDOB, type: mRNA, direction: {rcc_vs_normal: down}}\n  - {id: VEGFA, type: mRNA, direction: "
        "{rcc_vs_normal: up}}")
    (tmp_path / "p.yaml").write_text(spec)
    c = read_any(FAMILY, panel=tmp_path / "p.yaml", platform="GPL97", annotation_column="Gene Symbol",
                 collapse="first")
    assert "VEGFA" in c.missing_markers and "VEGFA" not in c.expression.columns
    assert c.qc["annotation"]["multi_gene_left_out"] == {"VEGFA": ["230695_s_at"]}
    assert any("several genes including VEGFA" in w for w in c.warnings)
    only = spec.split("markers:")[0] + "markers:\n  - {id: VEGFA, type: mRNA, direction: {rcc_vs_normal: up}}\n" \
        + "evidence:" + spec.split("evidence:")[1]
    (tmp_path / "v.yaml").write_text(only)
    with pytest.raises(InputError, match="several genes.*VEGFA: 230695_s_at.*two-column --annotation"):
        read_any(FAMILY, panel=tmp_path / "v.yaml", platform="GPL97", annotation_column="Gene Symbol")


def test_two_column_csv_annotation(tmp_path):
    ann = tmp_path / "map.csv"
    ann.write_text("probe,gene\n227253_at,CP\n231559_at,NNMT\n241280_at,ALDOB\n")
    c = read_any(MATRIX, panel=PANEL, annotation=ann)
    assert c.qc["annotation"]["used"] == {"CP": ["227253_at"], "NNMT": ["231559_at"], "ALDOB": ["241280_at"]}
    assert c.expression.loc["GSM11827", "NNMT"] == pytest.approx(25.2)


def test_probe_ids_without_annotation_say_which_option():
    with pytest.raises(InputError, match="--annotation FILE"):
        read_any(MATRIX, panel=PANEL)


# --- cBioPortal and TCGA -------------------------------------------------------------------------

def test_cbioportal_folder_joins_patients_to_samples():
    c = read_any(PORTAL, panel=PANEL, assay="counts")
    assert c.qc["format"] == "cBioPortal study"
    assert c.sample_ids == ["TCGA-A3-3307-01", "TCGA-A3-3308-01", "TCGA-A3-3311-01", "TCGA-A3-3313-01"]
    cl = c.clinical
    assert cl.loc["TCGA-A3-3307-01", "OS_STATUS"] == "1:DECEASED"
    assert cl.loc["TCGA-A3-3308-01", "OS_MONTHS"] == pytest.approx(40.2)
    assert cl.loc["TCGA-A3-3311-01", "DFS_STATUS"] == "1:Recurred/Progressed"
    assert cl.loc["TCGA-A3-3313-01", "PATIENT_ID"] == "TCGA-A3-3313"
    # library size: every row of the file, the row without a symbol (kept under its Entrez id) included
    assert c.library_size["TCGA-A3-3308-01"] == pytest.approx(120.4 + 890.3 + 320.6 + 1.2)


def test_cbioportal_file_inside_folder_is_the_same_study():
    a = read_any(PORTAL, panel=PANEL, assay="counts")
    b = read_any(PORTAL / "data_mrna_seq_v2_rsem.txt", panel=PANEL, assay="counts")
    assert np.array_equal(a.expression.to_numpy(), b.expression.to_numpy())
    assert list(a.clinical.columns) == list(b.clinical.columns)


def test_tcga_barcodes_join_patients_and_tissue():
    c = read_any(XENA / "kirc_excerpt.tsv", XENA / "kirc_patients.tsv", panel=PANEL)
    cl = c.clinical
    assert cl["tissue"].tolist() == ["tumour", "normal", "tumour", "tumour", "normal"]
    assert cl.loc["TCGA-B0-5094-11A", "vital_status"] == "Dead"  # the patient's row, on both samples
    assert cl.loc["TCGA-B0-5096-11A", "age_at_initial_pathologic_diagnosis"] == 71
    assert any("TCGA-B0-5095 (2)" in w and "several tumour samples" in w for w in c.warnings)
    alone = read_any(XENA / "kirc_excerpt.tsv", panel=PANEL)  # no clinical file: the barcodes' own columns
    assert alone.clinical["sample_type_code"].tolist() == ["01", "11", "01", "01", "11"]


# --- inspect ---------------------------------------------------------------------------------------

def test_inspect_reports_format_matches_and_clinical_columns():
    p = _cli("inspect", str(GDS), "--panel", str(PANEL), "--annotation", str(ANNOT), "--collapse", "mean")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "format: GEO GDS" in out
    assert "samples as columns; 17 samples" in out
    assert "CP: probes 227253_at, 228143_at" in out
    assert "disease state: text, 2 value(s): RCC (9), normal (8); 0 missing" in out
    assert "individual: text" in out


def test_inspect_bad_input_is_one_error_line(tmp_path):
    p = _cli("inspect", str(FAMILY), "--panel", str(PANEL))
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1 and "--platform" in p.stderr


def test_mimat_accessions_in_a_plain_table_map_through_a_csv(tmp_path):
    expr = tmp_path / "mirna.tsv"
    expr.write_text("ID\tS1\tS2\tS3\nMIMAT0000764\t5.5\t6.25\t7\nMIMAT0004701\t1\t2\t3\nMIMAT0000062\t9\t9\t9\n")
    ann = tmp_path / "mimat.csv"
    ann.write_text("accession,name\nMIMAT0000764,hsa-miR-339-5p\nMIMAT0004701,hsa-miR-339-3p\n"
                   "MIMAT0000062,hsa-let-7a-5p\n")
    c = read_any(expr, panel="escc_mir339_radiotherapy", annotation=ann)
    assert c.expression["hsa-miR-339-5p"].tolist() == [5.5, 6.25, 7.0]  # the 5p accession, never the 3p one
    assert c.qc["annotation"]["used"]["hsa-miR-339-5p"] == ["MIMAT0000764"]
    assert c.qc["orientation"] == "columns"
    assert any("other arm of hsa-miR-339-5p" in w and "MIMAT0004701" in w for w in c.warnings)


def test_gds_subset_with_one_sample_in_two_groups_is_refused(tmp_path):
    text = GDS.read_bytes()
    import gzip

    soft = gzip.decompress(text).decode()
    soft = soft.replace("!subset_sample_id = GSM11810,GSM11827,", "!subset_sample_id = GSM11815,GSM11810,GSM11827,", 1)
    p = tmp_path / "GDS507_edited.soft"
    p.write_text(soft)
    with pytest.raises(InputError, match="sample GSM11815 is in two 'disease state' subsets"):
        read_any(p, panel=PANEL, annotation=ANNOT, collapse="mean")


def test_inspect_cbioportal_shows_codings_and_survival_columns():
    p = _cli("inspect", str(PORTAL), "--panel", str(PANEL), "--assay", "counts")
    assert p.returncode == 0, p.stderr
    assert "format: cBioPortal study" in p.stdout
    assert "OS_STATUS: text, 2 value(s): 1:DECEASED (2), 0:LIVING (2); 0 missing" in p.stdout
    assert "DFS_MONTHS: numeric, 3 value(s): 6.1 (1), 40.2 (1), 3.0 (1); 1 missing" in p.stdout
    assert "survival columns (cBioPortal): --time OS_MONTHS --event OS_STATUS" in p.stdout
    assert "data_mrna_seq_v2_rsem.txt (cBioPortal study table" in p.stdout  # the warning names the file


def test_a_folder_that_is_no_study_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a directory given as '--expression', but not a cBioPortal study folder"):
        read_any(tmp_path, panel=PANEL)


def test_gds_value_type_count_read_as_log2_is_warned():
    c = read_any(GDS, panel=PANEL, annotation=ANNOT, collapse="mean", assay="log2_expression")
    assert any("value_type 'count'" in w and "--assay intensity" in w for w in c.warnings)
    quiet = read_any(GDS, panel=PANEL, annotation=ANNOT, collapse="mean")  # the panel says intensity
    assert not any("value_type" in w for w in quiet.warnings)


def test_platform_outside_a_family_file_is_refused():
    with pytest.raises(InputError, match="--platform applies to GEO SOFT family files.*GEO GDS"):
        read_any(GDS, panel=PANEL, platform="GPL97")


def test_fit_reads_a_gds_and_score_refuses_it_clearly(tmp_path):
    m = tmp_path / "m.json"
    p = _cli("fit", "--panel", str(PANEL), "--expression", str(GDS), "--annotation", str(ANNOT), "--collapse",
             "mean", "--outcome", "disease state", "--out", str(m), "-q")
    assert p.returncode == 0, p.stderr
    doc = json.loads(m.read_text())
    assert doc["markers"] == ["CP", "NNMT", "ALDOB"]
    # the z-score fitted on the 17 samples: R's mean and sd of the same log2 values (gds507_auc.Rout, printed
    # to 15 decimals, so 1e-12)
    assert doc["scaler"]["mean"] == pytest.approx([10.125827698903352, 7.180605629460366, 8.415980291705822], abs=1e-12)
    assert doc["scaler"]["scale"] == pytest.approx([1.850621562745988, 1.931066014498583, 0.538454691303775], abs=1e-12)
    s = _cli("score", "--model", str(m), "--expression", str(GDS), "--out", str(tmp_path / "s.csv"))
    assert s.returncode == 2 and "streams CSV/TSV/Parquet tables only" in s.stderr
    assert not (tmp_path / "s.csv").exists()


def test_an_annotation_given_as_expression_says_which_option():
    with pytest.raises(InputError, match="is a platform table.*give it as --annotation"):
        read_any(ANNOT, panel=PANEL)
