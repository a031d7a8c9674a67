"""biomark fit --clinical-model / score --clinical: the combined clinical + panel model file (issue 16).

Reference: tests/data/R/combined_model.R (R 4.2.2, survival 3.5.3, Hmisc 4.8.0) and its .Rout, on the data of
combined_model_data.py (training n = 200, 40 new samples the fit never saw). The panel's signed_z score is computed
in R from the expression (sign * (x - mean) / sd of the training samples), so every number below is R's own.
Tolerances: coefficients 1e-7 relative (both sides Newton to 1e-10 or tighter; the differences seen are ~1e-13);
linear predictors and risks of new samples 1e-9 absolute (seen: ~1e-14).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from biomark.cli import cli

R = Path(__file__).resolve().parent / "data" / "R"
PANEL = "escc_mir339_radiotherapy"


def _rout() -> dict[str, list[str]]:
    out = {}
    for line in (R / "combined_model.Rout").read_text().splitlines():
        for key in ("binary knots", "binary clinical coef", "binary full coef", "binary new lp_clinical",
                    "binary new lp", "binary new ids", "survival clinical coef", "survival full coef",
                    "survival new risk12", "survival new risk24", "survival new lp", "survival new ids"):
            if line.startswith(key + " "):
                out[key] = line[len(key):].split()
    return out


ROUT = _rout()


def _f(key: str) -> np.ndarray:
    return np.asarray([float(v) for v in ROUT[key]])


def _invoke(*args: str) -> object:
    r = CliRunner().invoke(cli.get_command(click.Context(cli), args[0]), list(args[1:]), catch_exceptions=False)
    return r


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("combined")
    for kind, ep, extra in (("binary", "radioresistance", ["--spline", "age"]),
                            ("survival", "overall_survival", ["--horizon", "12,24"])):
        r = _invoke("fit", "--panel", PANEL, "--endpoint", ep, "--expression", str(R / f"combined_{kind}_train_expr.csv"),
                    "--clinical", str(R / f"combined_{kind}_train_clin.csv"), "--clinical-model", "stage,age", *extra,
                    "--out", str(d / f"{kind}.json"), "-q")
        assert r.exit_code == 0, r.output
        r = _invoke("score", "--model", str(d / f"{kind}.json"), "--expression", str(R / f"combined_{kind}_new_expr.csv"),
                    "--clinical", str(R / f"combined_{kind}_new_clin.csv"), "--out", str(d / f"{kind}.csv"), "-q")
        assert r.exit_code == 0, r.output
    return d


def test_binary_coefficients_match_glm(fitted) -> None:
    doc = json.loads((fitted / "binary.json").read_text())
    c = doc["clinical"]
    assert c["columns"][0] == {"name": "stage", "kind": "categorical", "levels": ["I", "II", "III"], "knots": [],
                               "reference": "I"}
    np.testing.assert_allclose(c["columns"][1]["knots"], _f("binary knots"), rtol=1e-12)
    for part, key in (("clinical_model", "binary clinical coef"), ("full_model", "binary full coef")):
        m = c[part]
        np.testing.assert_allclose([m["intercept"], *m["coef"]], _f(key), rtol=1e-7, atol=1e-10)
    assert c["full_model"]["terms"] == ["stage=II", "stage=III", "age", "age'", "age''", "panel_score"]


def test_binary_scores_of_new_samples_are_the_R_linear_predictor(fitted) -> None:
    s = pd.read_csv(fitted / "binary.csv")
    assert list(s.columns) == ["sample_id", "panel_score", "linear_predictor", "probability", "lp_clinical", "n_missing"]
    assert s.sample_id.tolist() == ROUT["binary new ids"]
    np.testing.assert_allclose(s.linear_predictor, _f("binary new lp"), atol=1e-9)
    np.testing.assert_allclose(s.lp_clinical, _f("binary new lp_clinical"), atol=1e-9)
    np.testing.assert_allclose(s.probability, 1 / (1 + np.exp(-_f("binary new lp"))), atol=1e-10)
    # by hand from R's coefficients: dummies, rcspline.eval's basis at R's knots, the training mean/SD score
    tr = pd.read_csv(R / "combined_binary_train_expr.csv")["hsa-miR-339-5p"]
    ex = pd.read_csv(R / "combined_binary_new_expr.csv")
    cl = pd.read_csv(R / "combined_binary_new_clin.csv")
    score = -(ex["hsa-miR-339-5p"] - tr.mean()) / tr.std(ddof=1)
    k = _f("binary knots")
    age = cl.age.to_numpy(float)

    def cube(u: np.ndarray) -> np.ndarray:
        return np.clip(u, 0, None) ** 3

    basis = [(cube(age - k[j]) - cube(age - k[2]) * (k[3] - k[j]) / (k[3] - k[2])
              + cube(age - k[3]) * (k[2] - k[j]) / (k[3] - k[2])) / (k[3] - k[0]) ** 2 for j in (0, 1)]
    X = np.column_stack([np.ones(len(cl)), cl.stage == "II", cl.stage == "III", age, *basis, score]).astype(float)
    np.testing.assert_allclose(s.linear_predictor, X @ _f("binary full coef"), atol=1e-9)
    np.testing.assert_allclose(s.panel_score, score, atol=1e-12)


def test_survival_coefficients_and_risks_match_coxph_survfit(fitted) -> None:
    doc = json.loads((fitted / "survival.json").read_text())
    c = doc["clinical"]
    assert c["horizons"] == [12.0, 24.0] and c["kind"] == "survival"
    np.testing.assert_allclose(c["clinical_model"]["coef"], _f("survival clinical coef"), rtol=1e-7)
    np.testing.assert_allclose(c["full_model"]["coef"], _f("survival full coef"), rtol=1e-7)
    s = pd.read_csv(fitted / "survival.csv")
    assert list(s.columns) == ["sample_id", "panel_score", "linear_predictor", "risk_at_12", "risk_at_24",
                               "lp_clinical", "n_missing"]
    assert s.sample_id.tolist() == ROUT["survival new ids"]
    np.testing.assert_allclose(s.linear_predictor, _f("survival new lp"), atol=1e-9)
    np.testing.assert_allclose(s.risk_at_12, _f("survival new risk12"), atol=1e-9)  # survfit(coxph, newdata)
    np.testing.assert_allclose(s.risk_at_24, _f("survival new risk24"), atol=1e-9)


def test_round_trip_is_exact(fitted, tmp_path) -> None:
    from biomark.fitting_clinical import load_combined

    for kind in ("binary", "survival"):
        doc = json.loads((fitted / f"{kind}.json").read_text())
        model, conv, part = load_combined(fitted / f"{kind}.json")
        assert part.to_json() == doc["clinical"]  # every double read back to the identical value
        assert conv == doc["panel_model"]["conversion"]
        ex = pd.read_csv(R / f"combined_{kind}_new_expr.csv", index_col=0)
        cl = pd.read_csv(R / f"combined_{kind}_new_clin.csv", index_col=0)
        lp0, lp1 = part.linear_predictors(cl, model.panel_score(ex), "c")
        s = pd.read_csv(fitted / f"{kind}.csv")
        assert np.array_equal(lp1, s.linear_predictor.to_numpy())  # the CSV holds the shortest repr: bit for bit


def test_python_api_gives_the_same_file(fitted, tmp_path) -> None:
    from biomark.fitting import resolve_fit
    from biomark.fitting_clinical import fit_combined_files

    panel, method, ep = resolve_fit(PANEL, None, "overall_survival")
    run = fit_combined_files(panel, method, ep, str(R / "combined_survival_train_expr.csv"),
                             str(R / "combined_survival_train_clin.csv"), clinical_model=["stage", "age"],
                             horizons=[12, 24])
    run.save(tmp_path / "m.json")
    a, b = json.loads((tmp_path / "m.json").read_text()), json.loads((fitted / "survival.json").read_text())
    assert a["clinical"] == b["clinical"]


def test_score_module_does_not_import_scikit_learn() -> None:
    import subprocess

    code = ("import sys, biomark.scoring_clinical, biomark.combined; "
            "print(any(m == 'sklearn' or m.startswith('sklearn.') or m == 'biomark.model.estimator' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


def test_edited_file_is_refused(fitted, tmp_path) -> None:
    from biomark.errors import ModelFileError
    from biomark.scoring_clinical import read_combined

    doc = json.loads((fitted / "binary.json").read_text())
    doc["clinical"]["full_model"]["coef"] = doc["clinical"]["full_model"]["coef"][:-1]
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="5 coefficients for 6 terms"):
        read_combined(tmp_path / "m.json")
    doc = json.loads((fitted / "binary.json").read_text())
    doc["format_version"] = 3
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="version 3 is not supported"):
        read_combined(tmp_path / "m.json")
