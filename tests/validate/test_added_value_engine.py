"""validate(clinical_model=...): the added_value section (issue 16), binary and survival, fixed rule and fitted panel.

The statistics themselves are checked against R in tests/stats/test_added_value.py; here the engine is checked to
feed them the right rows and design: the section's numbers equal R's on the same data (the R reference data set of
tests/data/R/added_value.R, as a Cohort whose "expression" is its markers m1, m2) and the bad-input rules.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark.errors import InputError
from biomark.synthetic import simulate

R_DIR = Path(__file__).resolve().parents[1] / "data" / "R"


@pytest.fixture(scope="module")
def binary_cohort():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    cohort, _ = simulate(panel, 150, seed=1, endpoint="radioresistance")
    rng = np.random.default_rng(3)
    n = len(cohort.clinical)
    cohort.clinical["stage"] = rng.choice(["I", "II", "III"], n)
    cohort.clinical["age"] = rng.normal(60, 9, n).round(1)
    return panel, cohort


def _run(panel, cohort, **kw):
    base = dict(endpoint="radioresistance", cv=(2, 1), bootstrap=20, permutations=0, seed=4)
    base.update(kw)
    return biomark.validate(panel, cohort, **base)


def test_binary_section_matches_the_stats_on_the_same_rows(binary_cohort) -> None:
    panel, cohort = binary_cohort
    r = _run(panel, cohort, clinical_model=["stage", "age"], risk_cutoffs=[0.2, 0.5])
    a = r.data["added_value"]
    assert a["reference_levels"] == {"stage": "I"} and a["added_terms"] == ["panel_score"]
    assert [t["term"] for t in a["clinical_model"]] == ["(Intercept)", "stage=II", "stage=III", "age"]
    # the same fit by statsmodels (independent code) on the rows and the score the section used
    import statsmodels.api as sm

    fitted = biomark.model.PanelModel(panel=panel, method="signed_z", endpoint="radioresistance")
    X = cohort.levels(panel)
    o = cohort.outcome(None, positive_class=panel.endpoint("radioresistance").positive_class,
                       candidates=("radioresistance",))
    Xo = X[o.present]
    score = fitted.fit(Xo, o.y).panel_score(Xo)
    clin = cohort.clinical[o.present]
    D = np.column_stack([np.ones(len(score)), clin.stage == "II", clin.stage == "III", clin.age, score]).astype(float)
    f1 = sm.Logit(np.asarray(o.y, float), D).fit(disp=0, tol=1e-12, method="newton")
    f0 = sm.Logit(np.asarray(o.y, float), D[:, :4]).fit(disp=0, tol=1e-12, method="newton")
    assert a["loglik_full"] == pytest.approx(f1.llf, rel=1e-9)
    assert a["lr_test"]["lr"] == pytest.approx(2 * (f1.llf - f0.llf), rel=1e-7)
    np.testing.assert_allclose([t["coef"] for t in a["full_model"]], f1.params, rtol=1e-6)
    assert a["categorical"]["categories"] == ["<0.2", "0.2-<0.5", ">=0.5"]
    assert sum(map(sum, a["categorical"]["table_events"])) == a["n_events"]
    assert a["corrected"]["B"] == 20 and "corrected" in a["corrected"]
    assert len(a["net_benefit"]["diff"]) == len(a["net_benefit"]["threshold"])
    assert "likelihood-ratio" in a["verdict"]


def test_no_clinical_model_no_section(binary_cohort) -> None:
    panel, cohort = binary_cohort
    r = _run(panel, cohort, bootstrap=0)
    assert "added_value" not in r.data and "clinical_model" not in r.data["settings"]


def test_binary_covariate_is_the_clinical_model(binary_cohort) -> None:
    panel, cohort = binary_cohort
    r = _run(panel, cohort, covariates=["age"], bootstrap=0)
    assert r.data["added_value"]["clinical_columns"] == ["age"]
    assert r.data["added_value"]["corrected"] == {"error": "bootstrap was 0"}


def test_survival_fitted_panel_markers_added() -> None:
    panel = biomark.load_panel("hcc_pdl1_survival")
    cohort, _ = simulate(panel, 150, seed=4, endpoint="overall_survival")
    rng = np.random.default_rng(1)
    cohort.clinical["grade"] = rng.choice(["G1", "G2"], len(cohort.clinical))
    cohort.clinical["age"] = rng.normal(60, 9, len(cohort.clinical))
    r = biomark.validate(panel, cohort, endpoint="overall_survival", method="cox", penalty=None, cv=(2, 1),
                         bootstrap=10, permutations=0, clinical_model=["grade", "age"], seed=2)
    a = r.data["added_value"]
    assert a["kind"] == "survival" and a["discrimination"]["measure"] == "c"
    assert a["added_terms"] == list(cohort.levels(panel).columns)
    assert a["lr_test"]["df"] == len(a["added_terms"])
    assert "at each horizon t" in a["reclassification"]["error"]
    assert [h["t"] for h in a["at_horizon"]] == r.data["survival"]["horizon"]["horizons"]  # the horizon section's
    assert a["corrected"]["B"] == 10
    assert a["cv"]["folds"] == 2 and len(a["cv"]["diff_per_repeat"]) == 1
    # bootstrap SEs of the NRI/IDI at t: the stats function on the section's own risks, same B and seed
    from biomark.stats import cox, cox_risk_at, nri_idi_at_se

    h = a["at_horizon"][0]
    o = cohort.survival(None, None, endpoint_id="overall_survival")
    Z = pd.DataFrame({"grade=G2": (cohort.clinical["grade"] == "G2").astype(float), "age": cohort.clinical["age"]})
    Z = Z[o.present].reset_index(drop=True)
    M = cohort.levels(panel)[o.present].reset_index(drop=True)
    risks = []
    for X in (Z, pd.concat([Z, M], axis=1)):
        f = cox(o.time, o.event, X)
        risks.append(cox_risk_at(o.time, o.event, X.to_numpy(float) @ f.coef, [h["t"]]).risk[:, 0])
    ref = nri_idi_at_se(o.time, o.event, risks[0], risks[1], h["t"], B=10, seed=2)
    assert h["se"]["B"] == 10 and h["se"]["method"].startswith("nonparametric bootstrap")
    assert h["se"]["se_nri"] == pytest.approx(ref.se_nri, rel=1e-6) and h["se"]["se_idi"] == pytest.approx(ref.se_idi,
                                                                                                          rel=1e-6)
    assert h["se"]["ci_idi_low"] < h["idi"] < h["se"]["ci_idi_high"]
    k = a["km_tertiles"]
    for part in ("clinical", "full"):
        assert [g["label"] for g in k[part]["groups"]] == ["risk low", "risk middle", "risk high"]
        assert sum(g["n"] for g in k[part]["groups"]) == a["n"] and min(g["n"] for g in k[part]["groups"]) >= 49


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c.clinical.__setitem__("age", 55.0), "'age' is constant"),
    (lambda c: c.clinical.__setitem__("age", np.nan), "'age' is missing for every sample"),
    (lambda c: c.clinical.__setitem__("stage", ["IV"] + ["I", "II"] * ((len(c.clinical) - 1) // 2)
                                      + ["I"] * ((len(c.clinical) - 1) % 2)), "IV with one sample"),
    (lambda c: None, "not in the clinical file"),
])
def test_bad_clinical_columns_are_one_error_naming_the_column(binary_cohort, change, message) -> None:
    panel, cohort0 = binary_cohort
    cohort = _copy(cohort0)
    change(cohort)
    names = ["stage", "age"] if "not in" not in message else ["stage", "nodes"]
    with pytest.raises(InputError, match=message):
        _run(panel, cohort, clinical_model=names, bootstrap=0)


def test_clinical_column_collinear_with_the_score(binary_cohort) -> None:
    panel, cohort0 = binary_cohort
    cohort = _copy(cohort0)
    X = cohort.levels(panel)
    cohort.clinical["copy"] = -X.iloc[:, 0].to_numpy() * 2.0 + 1.0  # the signed z score is linear in the marker
    with pytest.raises(InputError, match="'copy' is collinear with the panel score"):
        _run(panel, cohort, clinical_model=["copy", "age"], bootstrap=0)


def _copy(cohort):
    import copy

    c = copy.copy(cohort)
    object.__setattr__(c, "clinical", cohort.clinical.copy())
    return c


def test_cli_clinical_model(tmp_path: Path, capsys) -> None:
    import json

    from biomark.cli import main

    def run(argv):
        with pytest.raises(SystemExit) as e:
            main(argv)
        return e.value.code

    out = tmp_path / "s"
    assert run(["synth", "--panel", "escc_mir339_radiotherapy", "--n", "120", "--seed", "2", "--out", str(out),
                "--quiet"]) == 0
    clin = pd.read_csv(out / "clinical.csv")
    clin["age"] = np.random.default_rng(0).normal(60, 9, len(clin)).round(1)
    clin.to_csv(out / "clin2.csv", index=False)
    args = ["validate", "--panel", "escc_mir339_radiotherapy", "--expression", str(out / "expression.csv"),
            "--clinical", str(out / "clin2.csv"), "--bootstrap", "0", "--permutations", "0", "--repeats", "1",
            "--json", str(tmp_path / "r.json"), "--quiet"]
    assert run([*args, "--clinical-model", "age", "--risk-cutoffs", "0.2,0.5"]) == 0
    d = json.loads((tmp_path / "r.json").read_text())
    assert d["added_value"]["clinical_columns"] == ["age"] and d["settings"]["risk_cutoffs"] == [0.2, 0.5]
    capsys.readouterr()
    assert run([*args, "--clinical-model", "age", "--risk-cutoffs", "0.5,0.2"]) == 2
    assert "--risk-cutoffs" in capsys.readouterr().err
    assert run([*args, "--clinical-model", "age,stage"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "'stage'" in err and len(err.strip().splitlines()) == 1


def test_report_section_escapes_column_names(binary_cohort, tmp_path: Path) -> None:
    panel, cohort0 = binary_cohort
    cohort = _copy(cohort0)
    cohort.clinical["<b>grade</b>"] = np.where(np.arange(len(cohort.clinical)) % 3 == 0, "high", "low")
    r = _run(panel, cohort, clinical_model=["<b>grade</b>", "age"], risk_cutoffs=[0.3])
    r.to_html(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "Added value over the clinical model" in html and 'href="#added"' in html
    assert "<b>grade</b>" not in html and "&lt;b&gt;grade&lt;/b&gt;" in html
    assert "Categorical NRI for risk cut-offs 0.3" in html and "can reward a" in html
    assert html.count("<svg") >= 2 and "fig-added-roc" in html and "fig-added-decision" in html
    assert "could not be drawn" not in html


# --- the engine on the R reference data: fitted panel (markers m1, m2 added), stage a factor -------------------
@pytest.fixture(scope="module")
def r_cohort(tmp_path_factory):
    d = pd.read_csv(R_DIR / "added_value_data.csv")
    tmp = tmp_path_factory.mktemp("rdata")
    ids = [f"P{i:03d}" for i in range(len(d))]
    pd.DataFrame({"sample_id": ids, "MKA": d.m1, "MKB": d.m2}).to_csv(tmp / "expr.csv", index=False)
    pd.DataFrame({"sample_id": ids, "response": d.y, "stage": d.stage, "age": d.age, "time": d.time,
                  "status": d.status}).to_csv(tmp / "clin.csv", index=False)
    panel = biomark.load_panel(R_DIR.parent / "added_value_panel.yaml")
    return panel, biomark.read_cohort(tmp / "expr.csv", tmp / "clin.csv", panel=panel)


def test_engine_binary_fitted_panel_matches_r(r_cohort) -> None:
    # R: glm(y ~ stage + age + m1 + m2, binomial); numbers from tests/data/R/added_value.Rout ("m1 m2")
    panel, cohort = r_cohort
    r = biomark.validate(panel, cohort, endpoint="response", outcome="response", method="logistic", penalty=None,
                         cv=(2, 1), bootstrap=0, permutations=0, clinical_model=["stage", "age"],
                         risk_cutoffs=[0.1, 0.3])
    a = r.data["added_value"]
    assert a["n"] == 150 and a["reference_levels"] == {"stage": "I"}
    np.testing.assert_allclose([t["coef"] for t in a["full_model"]],
                               [-5.68715588914, 0.655106967915, 2.00056583918, 0.072129075634, 0.67381925011,
                                0.0467435548202], rtol=1e-7)  # the tight glm fit (see the stats test)
    assert a["lr_test"]["lr"] == pytest.approx(13.2407647048, rel=1e-8) and a["lr_test"]["df"] == 2
    dd = a["discrimination"]
    assert (dd["full"], dd["clinical"]) == pytest.approx((0.762571375944, 0.705010130779), abs=1e-9)
    assert (dd["ci_low"], dd["ci_high"]) == pytest.approx((0.00338851968439, 0.111733970645), abs=1e-9)
    assert a["reclassification"]["nri"] == pytest.approx(0.592374286241, abs=1e-9)
    assert a["reclassification"]["idi"] == pytest.approx(0.0815187533193, abs=1e-8)
    assert a["categorical"]["table_events"] == [[0, 0, 0], [1, 7, 3], [0, 6, 44]]


def test_engine_survival_fitted_panel_matches_r(r_cohort) -> None:
    # R: coxph(Surv(time, status) ~ stage + age + m1 + m2); concordance(fit0, fit1)
    panel, cohort = r_cohort
    r = biomark.validate(panel, cohort, endpoint="os", time="time", event="status", method="cox", penalty=None,
                         cv=(2, 1), bootstrap=0, permutations=0, clinical_model=["stage", "age"])
    a = r.data["added_value"]
    np.testing.assert_allclose([t["coef"] for t in a["full_model"]],
                               [0.115053385942, 0.70666796034, 0.0236220997906, 0.531679268664, 0.052135297907],
                               rtol=1e-7)
    assert a["lr_test"]["lr"] == pytest.approx(28.1269567815, rel=1e-8)
    dd = a["discrimination"]
    assert (dd["clinical"], dd["full"]) == pytest.approx((0.573262141904, 0.652120340897), abs=1e-10)
    assert dd["se"] == pytest.approx(0.0306002710921, abs=1e-10)


def test_engine_survival_at_horizon_matches_r(r_cohort, tmp_path: Path) -> None:
    # R: survfit(coxph(...), newdata) risks at t of both models, then the KM-weighted NRI / IPCW IDI / net benefit
    # written by hand on survival 3.5.3 KM (tests/data/R/added_value_survival.Rout, "engine" lines). The Cox fits
    # converge to ~1e-9 in the coefficients, so the risks agree to ~1e-9: tolerance 1e-7.
    panel, cohort = r_cohort
    r = biomark.validate(panel, cohort, endpoint="os", time="time", event="status", method="cox", penalty=None,
                         cv=(2, 1), bootstrap=0, permutations=0, clinical_model=["stage", "age"], horizons=[5, 10])
    h5, h10 = r.data["added_value"]["at_horizon"]
    assert (h5["t"], h10["t"]) == (5, 10)
    assert h5["se"] == {"error": "bootstrap was 0"}
    np.testing.assert_allclose([h5["nri"], h5["nri_events"], h5["nri_nonevents"], h5["idi"]],
                               [0.4750923845, 0.1336405934, 0.3414517912, 0.1085011709], atol=1e-7)
    np.testing.assert_allclose([h10["nri"], h10["nri_events"], h10["nri_nonevents"], h10["idi"]],
                               [0.7886739460, 0.3245178233, 0.4641561227, 0.0941162263], atol=1e-7)
    nb = h5["net_benefit"]
    got = [nb["diff"][nb["threshold"].index(p)] for p in (0.1, 0.2, 0.3)]
    np.testing.assert_allclose(got, [0.0, 0.0, 0.0145938215], atol=1e-7)
    from biomark.validation.schema import parse
    parse(r.data)  # the section fits the schema
    r.to_html(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "Net benefit by t = 5" in html and "Kaplan-Meier-weighted" in html and "at each horizon t" not in html


def test_engine_fixed_rule_matches_r(r_cohort) -> None:
    # signed_z of MKA, MKB (both up / risk) is affine in m1/sd(m1) + m2/sd(m2): R's "fixed rule" lines
    panel, cohort = r_cohort
    kw = dict(cv=(2, 1), bootstrap=0, permutations=0, clinical_model=["stage", "age"])
    a = biomark.validate(panel, cohort, endpoint="response", outcome="response", **kw).data["added_value"]
    assert a["added_terms"] == ["panel_score"]
    assert a["lr_test"]["lr"] == pytest.approx(10.2479142572, rel=1e-8)
    assert a["discrimination"]["full"] == pytest.approx(0.747098913244, abs=1e-9)
    assert (a["reclassification"]["nri"], a["reclassification"]["idi"]) == pytest.approx(
        (0.383496039786, 0.0637505529262), abs=1e-8)
    s = biomark.validate(panel, cohort, endpoint="os", time="time", event="status", **kw).data["added_value"]
    assert s["lr_test"]["lr"] == pytest.approx(20.9726459198, rel=1e-8)
    assert s["discrimination"]["full"] == pytest.approx(0.645240784475, abs=1e-10)
    assert s["discrimination"]["se"] == pytest.approx(0.0294185278533, abs=1e-10)


def test_engine_spline_matches_rms_rcs(r_cohort) -> None:
    # R: glm(y ~ stage + rcs(age, 4)) and + m1 + m2 (tight fits), tests/data/R/added_value.Rout "spline"
    panel, cohort = r_cohort
    a = biomark.validate(panel, cohort, endpoint="response", outcome="response", method="logistic", penalty=None,
                         cv=(2, 1), bootstrap=0, permutations=0, clinical_model=["stage", "age"],
                         spline=["age"]).data["added_value"]
    assert [t["term"] for t in a["clinical_model"]] == ["(Intercept)", "stage=II", "stage=III", "age", "age'", "age''"]
    assert a["spline_knots"] == {"age": pytest.approx([50.48, 59.815, 65.6, 76.21], abs=1e-12)}
    np.testing.assert_allclose([t["coef"] for t in a["clinical_model"]],
                               [-22.5581161784, 0.730482698113, 1.87982242582, 0.382998372327, -0.855609784801,
                                2.8654046299], rtol=1e-7)
    assert a["loglik_clinical"] == pytest.approx(-88.0141463631, rel=1e-10)
    assert a["lr_test"]["lr"] == pytest.approx(14.5543364818, rel=1e-8)
    with pytest.raises(InputError, match="--spline stage: the column is not numeric"):
        biomark.validate(panel, cohort, endpoint="response", outcome="response", bootstrap=0, permutations=0,
                         cv=(2, 1), clinical_model=["stage", "age"], spline=["stage"])


def test_separation_in_the_models_is_not_assessed_not_fatal(binary_cohort, tmp_path: Path) -> None:
    panel, cohort0 = binary_cohort
    cohort = _copy(cohort0)
    o = cohort.outcome(None, positive_class=panel.endpoint("radioresistance").positive_class,
                       candidates=("radioresistance",))
    sep = np.full(len(cohort.clinical), np.nan)
    sep[o.present] = np.where(o.y == 1, 2.0, 1.0) + np.linspace(0, 0.5, int(o.present.sum()))  # separates y
    cohort.clinical["sep"] = sep
    r = _run(panel, cohort, clinical_model=["sep"], bootstrap=0)
    assert "separated" in r.data["added_value"]["error"]
    assert any("not assessed" in w for w in r.data["warnings"])
    r.to_html(tmp_path / "r.html")
    assert "Not assessed: added value" in (tmp_path / "r.html").read_text()


def test_estimator_score_is_not_assessed(binary_cohort) -> None:
    # an estimator's in-sample score is fitted to y: a nested LR test of it would be anticonservative (LR 149 for a
    # random forest on a one-marker panel), so the section says why it is not assessed
    from sklearn.linear_model import LogisticRegression

    panel, cohort = binary_cohort
    r = _run(panel, cohort, clinical_model=["age"], bootstrap=0, estimator=LogisticRegression())
    assert "estimator's score is fitted" in r.data["added_value"]["error"]


def test_engine_cv_difference(binary_cohort, tmp_path: Path) -> None:
    panel, cohort = binary_cohort
    r = _run(panel, cohort, clinical_model=["stage", "age"], cv=(3, 2), bootstrap=0)
    c = r.data["added_value"]["cv"]
    assert c["folds"] == 3 and c["repeats"] == 2 and len(c["diff_per_repeat"]) == 2
    assert c["diff"] == pytest.approx(np.mean(c["diff_per_repeat"]))
    r.to_html(tmp_path / "r.html")
    assert "Cross-validated (3-fold, 2 repeats)" in (tmp_path / "r.html").read_text()


def test_integer_coded_column_is_linear_with_a_warning(binary_cohort) -> None:
    panel, cohort0 = binary_cohort
    cohort = _copy(cohort0)
    cohort.clinical["grade"] = np.arange(len(cohort.clinical)) % 3 + 1
    r = _run(panel, cohort, clinical_model=["grade"], bootstrap=0)
    assert [t["term"] for t in r.data["added_value"]["clinical_model"]] == ["(Intercept)", "grade"]
    assert any("'grade' has 3 whole-number values" in w for w in r.data["warnings"])


def test_direction_table_gains_the_adjusted_direction(r_cohort, tmp_path: Path) -> None:
    # the same numbers as the added-value section's directions (R-checked there), beside the direction table
    panel, cohort = r_cohort
    r = biomark.validate(panel, cohort, endpoint="response", outcome="response", cv=(2, 1), bootstrap=0,
                         permutations=0, clinical_model=["stage", "age"])
    adj = r.data["direction"]["adjusted"]
    assert adj["clinical_columns"] == ["stage", "age"] and adj["n"] == 150 and adj["model"].startswith("logistic")
    assert adj["markers"][0]["adjusted_coef"] == r.data["added_value"]["directions"][0]["adjusted_coef"]
    assert [m["marker"] for m in adj["markers"]] == [e["marker"] for e in r.data["direction"]["effects"]]
    # the data were simulated with +0.7 m1 on the logit (added_value.R); MKA's expected direction is "up"
    assert adj["markers"][0]["adjusted_coef"] > 0.3 and adj["markers"][0]["agrees_expected"] is True
    from biomark.validation.schema import parse
    assert parse(r.data).direction.adjusted.markers[0].marker == "MKA"
    r.to_html(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "Adjusted coef" in html and "complete cases of the added-value section" in html
    plain = biomark.validate(panel, cohort, endpoint="response", outcome="response", cv=(2, 1), bootstrap=0,
                             permutations=0)
    assert "adjusted" not in plain.data["direction"]


def test_survival_covariate_alias_refusal_leaves_the_hr_standing(r_cohort, monkeypatch) -> None:
    # --covariate names the clinical model only as an alias for survival: a refusal of the added-value section
    # becomes a not-assessed section with a warning, the adjusted Cox HR stands; --clinical-model keeps the error
    import biomark.validation.added as added_mod
    from biomark.errors import InputError

    def refuse(*a, **k):
        raise InputError("clinical-model column 'age' is refused")

    monkeypatch.setattr(added_mod, "evaluate_added", refuse)
    panel, cohort = r_cohort
    kw = dict(endpoint="os", time="time", event="status", cv=(2, 1), bootstrap=0, permutations=0)
    r = biomark.validate(panel, cohort, covariates=["age"], **kw)
    assert r.data["added_value"]["error"].startswith("added value over the --covariate columns not assessed")
    assert [t["term"] for t in r.data["survival"]["cox_adjusted"]["terms"]][-1] == "age"
    assert any("not assessed" in w for w in r.data["warnings"])
    with pytest.raises(InputError, match="'age' is refused"):
        biomark.validate(panel, cohort, clinical_model=["age"], **kw)
