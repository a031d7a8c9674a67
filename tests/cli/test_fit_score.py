"""`biomark fit` and `biomark score`, run as subprocesses (`python -m biomark`).

Expected numbers come from the library itself on the same data: `read_cohort` + `Cohort.levels`
+ `PanelModel` (the non-streaming path) are the reference the streaming scorer must reproduce.
Scores are compared exactly where both sides use the same arithmetic (the scorer's row-wise
`linear_score` on the model's effective weights) and to 1e-12 against `PanelModel.panel_score`,
whose BLAS matrix-vector product sums in a different order (see docs/scoring.md).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.special import expit

import biomark
from biomark.model import PanelModel
from biomark.scoring import linear_score, neutralise_formulas, score_file

ROOT = Path(__file__).resolve().parents[2]
NSCLC = ROOT / "synthetic" / "examples" / "nsclc_marker_against_spec"
NSCLC_PANEL = ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml"
HCC = ROOT / "synthetic" / "examples" / "hcc_ct_spike_in"
HCC_PANEL = ROOT / "synthetic" / "panels" / "synth_hcc_doxorubicin_ct.yaml"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "biomark", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def run_many(*calls: tuple) -> list[subprocess.CompletedProcess]:
    """Independent CLI calls side by side (the suite stays fast on 2 cores)."""
    with ThreadPoolExecutor(max_workers=2) as ex:
        return list(ex.map(lambda a: run(*a), calls))


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def read_scores(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"sample_id": str, "risk_group": str}, keep_default_na=False,
                       float_precision="round_trip")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_reference(model: PanelModel, levels: pd.DataFrame) -> np.ndarray:
    """The score the scorer promises, computed here from the model's public attributes, row by row."""
    X = levels.reindex(columns=model.markers_).to_numpy(dtype=np.float64)
    X = np.where(np.isnan(X), model.medians_, X)
    w = model.coef_ / model.scale_
    b = float(model.intercept_ - model.mean_ @ w)
    return linear_score([X[:, j] for j in range(X.shape[1])], w, b)


@pytest.fixture(scope="module")
def nsclc_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three models fitted by the CLI, and the simulated file scored by each with default options
    (``<kind>`` -> model file, ``<kind>_scores`` -> scores.csv)."""
    d = tmp_path_factory.mktemp("models")
    common = ("--panel", NSCLC_PANEL, "--expression", NSCLC / "expression.csv")
    r1, r2, r3 = run_many(
        ("fit", *common, "--clinical", NSCLC / "clinical.csv", "--out", d / "signed.json"),
        ("fit", *common, "--clinical", NSCLC / "clinical.csv", "--outcome", "radioresistance", "--method",
         "logistic", "--penalty", "none", "--out", d / "logistic.json", "--json"),
        ("fit", *common, "--out", d / "nooutcome.json"),
    )
    ok(r1), ok(r2), ok(r3)
    assert "no probability calibration" in r3.stdout  # fitted without an outcome: says so
    doc = json.loads(r2.stdout)
    assert doc["method"] == "logistic" and doc["probability"] is True and doc["n_samples"] == 150
    paths = {"signed": d / "signed.json", "logistic": d / "logistic.json", "nooutcome": d / "nooutcome.json"}
    kinds = list(paths)
    for k in kinds:
        paths[f"{k}_scores"] = d / f"{k}_scores.csv"
    for r in run_many(*[("score", "--model", paths[k], "--expression", NSCLC / "expression.csv",
                         "--out", paths[f"{k}_scores"], "-q") for k in kinds]):
        ok(r)
    return paths


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["signed", "logistic", "nooutcome"])
def test_fit_then_score_reproduces_panelmodel(nsclc_models: dict[str, Path], tmp_path: Path, kind: str) -> None:
    got = read_scores(nsclc_models[f"{kind}_scores"])

    panel = biomark.load_panel(NSCLC_PANEL)
    cohort = biomark.read_cohort(NSCLC / "expression.csv", NSCLC / "clinical.csv" if kind != "nooutcome" else None,
                                 panel=panel)
    levels = cohort.levels(panel)
    model = PanelModel.load(nsclc_models[kind])
    # the model file holds what fitting in-process gives (same data, same seed)
    y = (cohort.clinical["radioresistance"] == "radioresistant").astype(int).to_numpy() if kind != "nooutcome" else None
    params = {"method": "logistic", "penalty": None} if kind == "logistic" else {}
    refit = PanelModel(panel=panel, endpoint="radioresistance", random_state=0, **params).fit(levels, y)
    np.testing.assert_array_equal(refit.coef_, model.coef_)

    assert list(got["sample_id"]) == cohort.sample_ids
    # exact: the scorer's arithmetic, row by row, on the model's own parameters
    np.testing.assert_array_equal(got["score"].to_numpy(), row_reference(model, levels))
    # PanelModel's BLAS path sums in another order: equal to 1e-12
    np.testing.assert_allclose(got["score"].to_numpy(), model.panel_score(levels), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got["n_missing"].to_numpy(), model.n_imputed(levels))
    assert got["n_missing"].sum() == 14  # 2 % missing cells in the simulated file (counted by read_cohort too)
    assert int(np.isnan(levels.to_numpy()).sum()) == 14
    if kind == "nooutcome":
        assert "probability" not in got.columns
        # no probability: high when the score is above the training mean of the score (0 for signed_z)
        assert model.intercept_ == 0.0
        np.testing.assert_array_equal(got["risk_group"] == "high", got["score"] > 0.0)
    else:
        proba = model.predict_proba(levels)[:, model.positive_index_]
        np.testing.assert_allclose(got["probability"].to_numpy(), proba, rtol=0, atol=1e-12)
        a, b = (None, None) if model.calibration_ is None else model.calibration_
        exact = expit(row_reference(model, levels)) if kind == "logistic" else expit(a + b * row_reference(model, levels))
        np.testing.assert_array_equal(got["probability"].to_numpy(), exact)
        pred = model.predict(levels)
        np.testing.assert_array_equal(got["risk_group"] == "high", pred == model.positive_class_)


def test_chunk_size_does_not_change_output(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    outs = {k: tmp_path / f"s{k}.csv" for k in (1, 7)}
    res = run_many(*[("score", "--model", nsclc_models["logistic"], "--expression", NSCLC / "expression.csv",
                      "--out", o, "--chunk-rows", k, "--json") for k, o in outs.items()])
    for r in res:
        ok(r)
    chunks = [json.loads(r.stdout)["n_chunks"] for r in res]
    assert chunks == [150, 22]  # 150 rows: ceil(150 / 7) = 22
    blobs = {k: o.read_bytes() for k, o in outs.items()}
    blobs[1_000_000] = nsclc_models["logistic_scores"].read_bytes()  # default chunk: all 150 rows in one
    assert blobs[1] == blobs[7] == blobs[1_000_000]
    # several CSV read blocks as well (the library call lets the block size be tiny)
    lib = tmp_path / "lib.csv"
    s = score_file(PanelModel.load(nsclc_models["logistic"]), NSCLC / "expression.csv", lib, chunk_rows=5,
                   block_size=400)
    assert s.n_chunks >= 30 and lib.read_bytes() == blobs[1]


def test_parquet_gzip_aliases_and_output_formats(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str})
    gz = tmp_path / "expr.csv.gz"
    with gzip.open(gz, "wt") as fh:
        expr.to_csv(fh, index=False)
    parquet = tmp_path / "expr.parquet"
    expr.to_parquet(parquet, index=False)
    # the panel's aliases and other spellings in the header, columns reversed, tab-separated
    aliased = expr.rename(columns={"hsa-miR-96-5p": "miR-96", "hsa-miR-208a-3p": "MIR_208A",
                                   "hsa-miR-1246": "MIR-1246", "HSPA1A": "HSP70"})
    cols = ["sample_id", *reversed([c for c in aliased.columns if c != "sample_id"])]
    tsv = tmp_path / "aliased.tsv"
    aliased[cols].to_csv(tsv, sep="\t", index=False)
    outs = {"gz": tmp_path / "from_gz.parquet", "parquet": tmp_path / "from_pq.tsv.gz",
            "tsv": tmp_path / "from_tsv.csv"}
    srcs = {"gz": gz, "parquet": parquet, "tsv": tsv}
    res = run_many(*[("score", "--model", nsclc_models["signed"], "--expression", srcs[k], "--out", outs[k], "--json")
                     for k in outs])
    for r in res:
        ok(r)
    ref_path = nsclc_models["signed_scores"]  # the same model on the plain CSV
    ref = read_scores(ref_path)
    from_gz = pq.read_table(outs["gz"]).to_pandas()  # csv.gz in, Parquet out
    from_pq = pd.read_csv(outs["parquet"], sep="\t", dtype={"sample_id": str}, float_precision="round_trip")
    assert outs["tsv"].read_bytes() == ref_path.read_bytes()
    assert list(from_gz.columns) == ["sample_id", "score", "probability", "risk_group", "n_missing"]
    for other in (from_gz, from_pq):
        assert list(other["sample_id"]) == list(ref["sample_id"])
        for c in ("score", "probability", "n_missing"):
            np.testing.assert_array_equal(other[c].to_numpy(), ref[c].to_numpy())
        assert list(other["risk_group"]) == list(ref["risk_group"])
    cols_doc = json.loads(res[2].stdout)["columns"]
    assert cols_doc["miR-96"] == "hsa-miR-96-5p" and cols_doc["HSP70"] == "HSPA1A"
    assert cols_doc["MIR_208A"] == "hsa-miR-208a-3p" and cols_doc["MIR-1246"] == "hsa-miR-1246"


# --- missing markers -------------------------------------------------------------------------


def test_missing_marker_column_is_imputed_and_counted(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str})
    src = tmp_path / "no_hspa1a.csv"
    expr.drop(columns=["HSPA1A"]).to_csv(src, index=False)
    out = tmp_path / "s.csv"
    r = ok(run("score", "--model", nsclc_models["signed"], "--expression", src, "--out", out, "--json"))
    doc = json.loads(r.stdout)
    assert doc["absent"] == ["HSPA1A"]
    # 150 samples lack HSPA1A, plus the 14 - 3 missing cells of the other markers
    assert doc["missing_by_marker"]["HSPA1A"] == 150 and doc["n_missing_total"] == 150 + 11
    got = read_scores(out)
    model = PanelModel.load(nsclc_models["signed"])
    panel = biomark.load_panel(NSCLC_PANEL)
    levels = biomark.read_cohort(src, panel=panel).levels(panel).reindex(columns=model.markers_)
    assert levels["HSPA1A"].isna().all()
    np.testing.assert_array_equal(got["n_missing"].to_numpy(), model.n_imputed(levels))
    assert (got["n_missing"] >= 1).all()
    np.testing.assert_array_equal(got["score"].to_numpy(), row_reference(model, levels))
    np.testing.assert_allclose(got["score"].to_numpy(), model.panel_score(levels), rtol=0, atol=1e-12)


# --- formula injection -----------------------------------------------------------------------


def test_formula_injection_is_neutralised(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str}).head(8)
    hostile = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"a,b\")",
               "safe-id", "S-7", "\t=tabbed"]
    expr["sample_id"] = hostile
    src = tmp_path / "hostile.csv"
    expr.to_csv(src, index=False)
    before = sha(src)
    out = tmp_path / "s.csv"
    r = ok(run("score", "--model", nsclc_models["signed"], "--expression", src, "--out", out, "--json"))
    assert json.loads(r.stdout)["neutralised_ids"] == 6
    with open(out, newline="", encoding="utf-8") as fh:
        ids = [row["sample_id"] for row in csv.DictReader(fh)]
    # leading tab/space trimmed as read_cohort does; what then starts with = + - @ gets a quote
    assert ids == ["'=1+1", "'+SUM(A1:A2)", "'-2+3", "'@cmd|' /C calc'!A0", "'=HYPERLINK(\"http://x\",\"a,b\")",
                   "safe-id", "S-7", "'=tabbed"]
    assert all(not i.startswith(("=", "+", "-", "@", "\t", "\r")) for i in ids)
    assert sha(src) == before


def test_neutralise_formulas_unit() -> None:
    arr = pa.array(["=a", "+b", "-c", "@d", "\te", "\rf", "g=", "", "h"])
    out, n = neutralise_formulas(arr)
    assert n == 6
    assert out.to_pylist() == ["'=a", "'+b", "'-c", "'@d", "'\te", "'\rf", "g=", "", "h"]


# --- qPCR ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spike", [False, True])
def test_qpcr_ct_with_undetermined_matches_read_cohort(tmp_path: Path, spike: bool) -> None:
    # the example file has 14 "Undetermined" wells; add an empty well, an NA, a Ct above the cutoff
    # and lower-case 'undetermined' so that every read-time rule is exercised
    lines = (HCC / "expression.csv").read_text().splitlines()
    assert sum(ln.count("Undetermined") for ln in lines) == 14  # in 12 rows
    cells = [ln.split(",") for ln in lines]
    cells[3][1] = ""          # empty -> Ct cutoff
    cells[4][2] = "NA"        # missing -> imputed
    cells[5][3] = "45.5"      # above cutoff -> 40
    cells[6][1] = "undetermined"
    cells[7][5] = "NA"        # a reference marker missing: −ΔCt uses the other reference
    src = tmp_path / "ct.csv"
    src.write_text("\n".join(",".join(c) for c in cells) + "\n")
    before = sha(src)
    model_p, out = tmp_path / "m.json", tmp_path / "s.csv"
    extra = ("--spike-in", "cel-miR-39-3p") if spike else ()
    ok(run("fit", "--panel", HCC_PANEL, "--expression", src, "--clinical", HCC / "clinical.csv", *extra,
           "--out", model_p, "-q"))
    conv = json.loads(model_p.read_text())["conversion"]
    assert conv["assay"] == "qpcr_ct" and conv["ct_cutoff"] == 40.0
    assert conv["spike_in"] == ("cel-miR-39-3p" if spike else None)
    # the endogenous references are recorded either way; with a spike-in named, −ΔCt is taken against it
    assert conv["reference_markers"] == ["RNU6-1", "hsa-miR-16-5p"]
    r = ok(run("score", "--model", model_p, "--expression", src, "--out", out, "--chunk-rows", 7, "--json"))
    got = read_scores(out)
    cohort = biomark.read_cohort(src, HCC / "clinical.csv", panel=HCC_PANEL,
                                 spike_in="cel-miR-39-3p" if spike else None)
    model = PanelModel.load(model_p)
    ref = model.score_cohort(cohort)
    levels = cohort.levels(model.panel_).reindex(columns=model.markers_)
    assert list(got["sample_id"]) == cohort.sample_ids
    np.testing.assert_array_equal(got["score"].to_numpy(), row_reference(model, levels))
    np.testing.assert_allclose(got["score"].to_numpy(), ref["score"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["probability"].to_numpy(), ref["probability"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got["n_missing"].to_numpy(), ref["n_imputed"].to_numpy())
    doc = json.loads(r.stdout)
    # NA in a marker: 1 imputed; NA in a reference: only when no spike-in (−ΔCt still from the other reference)
    assert doc["n_missing_total"] == int(ref["n_imputed"].sum()) == 1
    assert sha(src) == before


# --- panel without a model --------------------------------------------------------------------


def test_panel_rule_uses_the_files_own_statistics(tmp_path: Path) -> None:
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str})
    markers = ["hsa-miR-96-5p", "hsa-miR-208a-3p", "hsa-miR-1246", "HSPA1A", "hsa-miR-150-5p"]
    full = expr.dropna(subset=markers)  # complete rows: mean imputation and median imputation coincide
    src = tmp_path / "complete.csv"
    full.to_csv(src, index=False)
    out = tmp_path / "s.csv"
    r = ok(run("score", "--panel", NSCLC_PANEL, "--expression", src, "--out", out, "--chunk-rows", 11, "--json"))
    doc = json.loads(r.stdout)
    assert doc["reference"] == "file" and doc["has_probability"] is False
    got = read_scores(out)
    panel = biomark.load_panel(NSCLC_PANEL)
    levels = biomark.read_cohort(src, panel=panel).levels(panel)
    in_memory = PanelModel(panel=panel).fit(levels)  # means and SDs of the whole file, in memory
    np.testing.assert_allclose(got["score"].to_numpy(), in_memory.panel_score(levels), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got["risk_group"] == "high", got["score"] > 0)


# --- bad input -------------------------------------------------------------------------------


def _assert_refused(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


def test_bad_inputs_exit_2_with_one_error_line_and_no_output(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str})
    bad_cell = tmp_path / "bad_cell.csv"
    e2 = expr.astype(object)
    e2.loc[41, "hsa-miR-1246"] = "high"  # data row 42 -> spreadsheet row 43
    e2.to_csv(bad_cell, index=False)
    late_bad = tmp_path / "late_bad.csv"  # the bad cell is in the 3rd chunk: earlier chunks were written already
    e3 = expr.astype(object)
    e3.loc[140, "HSPA1A"] = "1,5"
    e3.to_csv(late_bad, index=False)
    no_markers = tmp_path / "no_markers.csv"
    expr.rename(columns={c: f"gene{i}" for i, c in enumerate(expr.columns) if c != "sample_id"}).to_csv(
        no_markers, index=False)
    inf_cell = tmp_path / "inf.csv"
    e4 = expr.astype(object)
    e4.loc[9, "hsa-miR-96-5p"] = "inf"
    e4.to_csv(inf_cell, index=False)
    inputs = [bad_cell, late_bad, no_markers, inf_cell]
    hashes = {p: sha(p) for p in inputs}
    model = nsclc_models["signed"]
    outs = {k: tmp_path / "out" / f"{k}.csv" for k in ("missing", "nomark", "cell", "late", "inf", "panel", "fit")}
    (tmp_path / "out").mkdir()
    res = run_many(
        ("score", "--model", model, "--expression", tmp_path / "nope.csv", "--out", outs["missing"]),
        ("score", "--model", model, "--expression", no_markers, "--out", outs["nomark"]),
        ("score", "--model", model, "--expression", bad_cell, "--out", outs["cell"]),
        ("score", "--model", model, "--expression", late_bad, "--out", outs["late"], "--chunk-rows", 50),
        ("score", "--model", model, "--expression", inf_cell, "--out", outs["inf"]),
        ("score", "--model", model, "--expression", bad_cell, "--out", tmp_path / "no_such_dir" / "s.csv"),
        ("score", "--model", model, "--expression", bad_cell, "--out", bad_cell),
        ("score", "--panel", "no_such_panel_xyz", "--expression", no_markers, "--out", outs["panel"]),
        ("fit", "--panel", NSCLC_PANEL, "--expression", bad_cell, "--out", outs["fit"]),
    )
    _assert_refused(res[0], "nope.csv", "no such file")
    _assert_refused(res[1], "no_markers.csv", "none of the 5 markers", "gene1")
    _assert_refused(res[2], "bad_cell.csv", "row 43", "'hsa-miR-1246'", "'high' is not a number")
    _assert_refused(res[3], "late_bad.csv", "row 142", "'HSPA1A'", "decimal comma")
    _assert_refused(res[4], "inf.csv", "row 11", "'hsa-miR-96-5p'", "infinite")
    _assert_refused(res[5], "no_such_dir", "does not exist")
    _assert_refused(res[6], "same as input")
    _assert_refused(res[7], "no_such_panel_xyz")
    _assert_refused(res[8], "bad_cell.csv", "row 43", "'hsa-miR-1246'")
    assert list((tmp_path / "out").iterdir()) == []  # no output, no temporary file left behind
    assert not (tmp_path / "no_such_dir").exists()
    for p, h in hashes.items():
        assert sha(p) == h  # inputs never modified


def test_usage_errors(nsclc_models: dict[str, Path], tmp_path: Path) -> None:
    res = run_many(
        ("score", "--expression", NSCLC / "expression.csv", "--out", tmp_path / "s.csv"),
        ("fit", "--panel", NSCLC_PANEL, "--expression", NSCLC / "expression.csv", "--method", "logistic",
         "--out", tmp_path / "m.json"),
    )
    _assert_refused(res[0], "--model", "--panel")
    _assert_refused(res[1], "--clinical")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("assay", ["counts", "intensity"])
def test_counts_and_intensity_convert_as_read_cohort(tmp_path: Path, assay: str) -> None:
    # counts: log2 CPM with the library size over every column of the row (an extra gene column
    # that is no marker counts too); intensity: log2. Reference: read_cohort + score_cohort.
    expr = pd.read_csv(NSCLC / "expression.csv", dtype={"sample_id": str}).set_index("sample_id")
    raw = np.round(2.0 ** expr * 10) if assay == "counts" else 2.0 ** expr * 3.7
    raw["GAPDH_other"] = 5000.0
    src = tmp_path / f"{assay}.csv"
    raw.to_csv(src)
    panel = biomark.load_panel(NSCLC_PANEL)
    cohort = biomark.read_cohort(src, NSCLC / "clinical.csv", panel=panel, assay=assay)
    y = (cohort.clinical["radioresistance"] == "radioresistant").astype(int).to_numpy()
    model = PanelModel(panel=panel).fit(cohort.levels(panel), y)
    out = tmp_path / "s.csv"
    summary = score_file(model, src, out, chunk_rows=13, conversion={"assay": assay})
    got = read_scores(out)
    ref = model.score_cohort(cohort)
    levels = cohort.levels(panel).reindex(columns=model.markers_)
    np.testing.assert_array_equal(got["score"].to_numpy(), row_reference(model, levels))
    np.testing.assert_allclose(got["score"].to_numpy(), ref["score"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got["n_missing"].to_numpy(), ref["n_imputed"].to_numpy())
    assert summary.assay == assay and summary.n_chunks == 12  # ceil(150 / 13)
