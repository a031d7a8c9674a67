"""biomark fit --clinical-model with a FITTED method (logistic, cox): the clinical + panel model adds the markers.

The model file's clinical + panel model is the one ``validate --clinical-model`` fits in its ``added_value``
section (biomark/validation/added.py): the clinical design plus each panel marker as its own term at its raw level.
References:

* validate itself on the same cohort and clinical columns: coefficients equal to 1e-10 (the same function on the same
  rows; seen: identical doubles);
* R: tests/data/R/combined_model.R, section "fitted methods" (R 4.2.2, survival 3.5.3, Hmisc 4.8.0), its .Rout lines
  ``joint ...``; data from combined_model_data.py (hcc_cd133_cd44_drug_resistance, binary, two training samples
  without one marker; hcc_ulk1_lc3b_prognosis, survival; n = 200 + 40 new). ``glm(y ~ stage + rcs(age, 4) + PROM1
  + CD44)``, ``coxph(Surv ~ stage + age + ULK1 + MAP1LC3B)``, ``survfit(coxph, newdata)``. Tolerances: coefficients
  1e-7 relative (Newton to 1e-10 or tighter both sides; seen ~1e-13); scored linear predictor, probability and
  risk_at of the new samples 1e-9 absolute (seen ~1e-14).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import biomark
from biomark.cli import cli

R = Path(__file__).resolve().parent / "data" / "R"
CASES = {"binary": ("hcc_cd133_cd44_drug_resistance", "drug_resistance", "logistic", ["--spline", "age"]),
         "survival": ("hcc_ulk1_lc3b_prognosis", "overall_survival", "cox", ["--horizon", "12,24"])}


def _rout() -> dict[str, list[str]]:
    keys = [f"joint {k} {w}" for k in ("binary", "survival") for w in (
        "n", "knots", "clinical coef", "full coef", "new lp_clinical", "new lp", "new prob", "new risk12",
        "new risk24", "new ids")]
    out = {}
    for line in (R / "combined_model.Rout").read_text().splitlines():
        for key in keys:
            if line.startswith(key + " "):
                out[key] = line[len(key):].split()
    return out


ROUT = _rout()


def _f(key: str) -> np.ndarray:
    return np.asarray([float(v) for v in ROUT[key]])


def _invoke(*args: str):
    return CliRunner().invoke(cli.get_command(click.Context(cli), args[0]), list(args[1:]), catch_exceptions=False)


def _process(*args: str) -> subprocess.CompletedProcess:
    """``python -m biomark ARGS`` as a user runs it (exit code and the error line of run_main)."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "biomark", *args], capture_output=True, text=True, env=env, cwd=root,
                          timeout=300)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("joint")
    for kind, (panel, ep, method, extra) in CASES.items():
        r = _invoke("fit", "--panel", panel, "--endpoint", ep, "--method", method,
                    "--expression", str(R / f"joint_{kind}_train_expr.csv"),
                    "--clinical", str(R / f"joint_{kind}_train_clin.csv"), "--clinical-model", "stage,age", *extra,
                    "--out", str(d / f"{kind}.json"))
        assert r.exit_code == 0, r.output
        assert "clinical + panel markers" in r.output
        r = _invoke("score", "--model", str(d / f"{kind}.json"), "--expression", str(R / f"joint_{kind}_new_expr.csv"),
                    "--clinical", str(R / f"joint_{kind}_new_clin.csv"), "--out", str(d / f"{kind}.csv"), "-q")
        assert r.exit_code == 0, r.output
    return d


@pytest.mark.parametrize("kind", ["binary", "survival"])
def test_saved_model_is_validates_added_value_model(fitted, kind) -> None:
    panel_id, ep, method, _ = CASES[kind]
    panel = biomark.load_panel(panel_id)
    cohort = biomark.read_cohort(R / f"joint_{kind}_train_expr.csv", R / f"joint_{kind}_train_clin.csv", panel=panel)
    r = biomark.validate(panel, cohort, endpoint=ep, method=method, penalty=None, cv=(2, 1), bootstrap=0,
                         permutations=0, clinical_model=["stage", "age"],
                         spline=["age"] if kind == "binary" else (), seed=1)
    a = r.data["added_value"]
    c = json.loads((fitted / f"{kind}.json").read_text())["clinical"]
    markers = list(cohort.levels(panel).columns)
    assert a["added_terms"] == markers == c["added_terms"] and c["added"] == "markers"
    assert (c["n"], c["n_events"], c["n_dropped"]) == (a["n"], a["n_events"], a["n_dropped"])
    for part, key in (("full_model", "full_model"), ("clinical_model", "clinical_model")):
        m = c[part]
        ours = [m["intercept"], *m["coef"]] if kind == "binary" else m["coef"]
        theirs = [t["coef"] for t in a[key]]
        assert len(ours) == len(theirs)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
        names = [t["term"] for t in a[key]]
        assert m["terms"] == (names[1:] if kind == "binary" else names)
    if kind == "binary":
        assert a["n_dropped"] == 2  # the two samples without a marker, in both


def test_binary_matches_glm_and_scores_new_samples(fitted) -> None:
    c = json.loads((fitted / "binary.json").read_text())["clinical"]
    assert c["n"] == int(ROUT["joint binary n"][0]) == 198
    np.testing.assert_allclose(c["columns"][1]["knots"], _f("joint binary knots"), rtol=1e-12)
    for part, key in (("clinical_model", "joint binary clinical coef"), ("full_model", "joint binary full coef")):
        m = c[part]
        np.testing.assert_allclose([m["intercept"], *m["coef"]], _f(key), rtol=1e-7)
    assert c["full_model"]["terms"] == ["stage=II", "stage=III", "age", "age'", "age''", "PROM1", "CD44"]
    s = pd.read_csv(fitted / "binary.csv")
    assert list(s.columns) == ["sample_id", "panel_score", "linear_predictor", "probability", "lp_clinical", "n_missing"]
    assert s.sample_id.tolist() == ROUT["joint binary new ids"]
    np.testing.assert_allclose(s.linear_predictor, _f("joint binary new lp"), atol=1e-9)
    np.testing.assert_allclose(s.probability, _f("joint binary new prob"), atol=1e-9)
    np.testing.assert_allclose(s.lp_clinical, _f("joint binary new lp_clinical"), atol=1e-9)


def test_survival_matches_coxph_survfit(fitted) -> None:
    c = json.loads((fitted / "survival.json").read_text())["clinical"]
    np.testing.assert_allclose(c["clinical_model"]["coef"], _f("joint survival clinical coef"), rtol=1e-7)
    np.testing.assert_allclose(c["full_model"]["coef"], _f("joint survival full coef"), rtol=1e-7)
    assert c["full_model"]["terms"] == ["stage=II", "stage=III", "age", "ULK1", "MAP1LC3B"]
    s = pd.read_csv(fitted / "survival.csv")
    assert list(s.columns) == ["sample_id", "panel_score", "linear_predictor", "risk_at_12", "risk_at_24",
                               "lp_clinical", "n_missing"]
    assert s.sample_id.tolist() == ROUT["joint survival new ids"]
    np.testing.assert_allclose(s.linear_predictor, _f("joint survival new lp"), atol=1e-9)
    np.testing.assert_allclose(s.lp_clinical, _f("joint survival new lp_clinical"), atol=1e-9)
    np.testing.assert_allclose(s.risk_at_12, _f("joint survival new risk12"), atol=1e-9)
    np.testing.assert_allclose(s.risk_at_24, _f("joint survival new risk24"), atol=1e-9)


@pytest.mark.parametrize("kind", ["binary", "survival"])
def test_round_trip_is_exact(fitted, kind) -> None:
    from biomark.fitting_clinical import load_combined

    doc = json.loads((fitted / f"{kind}.json").read_text())
    assert doc["format_version"] == 2
    model, _, part = load_combined(fitted / f"{kind}.json")
    assert part.to_json() == doc["clinical"]
    ex = pd.read_csv(R / f"joint_{kind}_new_expr.csv", index_col=0)
    cl = pd.read_csv(R / f"joint_{kind}_new_clin.csv", index_col=0)
    _, lp1 = part.linear_predictors(cl, model.panel_score(ex), "c", ex[list(part.markers)].to_numpy())
    s = pd.read_csv(fitted / f"{kind}.csv")
    assert np.array_equal(lp1, s.linear_predictor.to_numpy())


def test_missing_marker_in_a_new_sample_is_one_error(fitted, tmp_path) -> None:
    ex = pd.read_csv(R / "joint_binary_new_expr.csv")
    ex.loc[4, "CD44"] = np.nan
    ex.to_csv(tmp_path / "e.csv", index=False)
    r = _process("score", "--model", str(fitted / "binary.json"), "--expression", str(tmp_path / "e.csv"),
                 "--clinical", str(R / "joint_binary_new_clin.csv"), "--out", str(tmp_path / "s.csv"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and "sample 'S205' has no value of marker 'CD44'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "s.csv").exists()


def test_version_1_file_is_read_as_a_score_term_model(fitted, tmp_path) -> None:
    # a version 1 file (before the markers were stored): the clinical + panel model has the one term panel_score.
    # Built from a version 2 fixed-rule file by removing the version 2 fields: it must score identically.
    from biomark.scoring_clinical import read_combined

    r = _invoke("fit", "--panel", "escc_mir339_radiotherapy", "--endpoint", "radioresistance",
                "--expression", str(R / "combined_binary_train_expr.csv"),
                "--clinical", str(R / "combined_binary_train_clin.csv"), "--clinical-model", "stage,age",
                "--out", str(tmp_path / "v2.json"), "-q")
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "v2.json").read_text())
    assert doc["clinical"]["added"] == "panel_score" and doc["clinical"]["added_terms"] == ["panel_score"]
    doc["format_version"] = 1
    del doc["clinical"]["added"], doc["clinical"]["added_terms"]
    (tmp_path / "v1.json").write_text(json.dumps(doc))
    _, _, part = read_combined(tmp_path / "v1.json")
    assert part.markers == () and part.added_terms == ["panel_score"]
    out = {}
    for v in ("v1", "v2"):
        r = _invoke("score", "--model", str(tmp_path / f"{v}.json"), "--expression",
                    str(R / "combined_binary_new_expr.csv"), "--clinical", str(R / "combined_binary_new_clin.csv"),
                    "--out", str(tmp_path / f"{v}.csv"), "-q")
        assert r.exit_code == 0, r.output
        out[v] = pd.read_csv(tmp_path / f"{v}.csv")
    pd.testing.assert_frame_equal(out["v1"], out["v2"], check_exact=True)
    doc["format_version"] = 3
    (tmp_path / "v3.json").write_text(json.dumps(doc))
    r = _process("score", "--model", str(tmp_path / "v3.json"), "--expression", str(R / "combined_binary_new_expr.csv"),
                 "--clinical", str(R / "combined_binary_new_clin.csv"), "--out", str(tmp_path / "s.csv"))
    assert r.returncode == 2 and r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
    assert "version 3 is not supported (this biomark reads versions 1, 2)" in r.stderr


def test_edited_added_terms_are_refused(fitted, tmp_path) -> None:
    from biomark.errors import ModelFileError
    from biomark.scoring_clinical import read_combined

    doc = json.loads((fitted / "binary.json").read_text())
    doc["clinical"]["added_terms"] = ["CD44", "PROM1"]  # the coefficients are in the other order
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="terms do not match"):
        read_combined(tmp_path / "m.json")
    doc = json.loads((fitted / "binary.json").read_text())
    doc["clinical"]["added"] = "panel_score"
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="clinical.added"):
        read_combined(tmp_path / "m.json")
