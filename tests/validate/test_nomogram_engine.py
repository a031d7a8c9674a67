"""The nomogram sections of validate() (issue 17, item 6): the points read off the JSON give back the model.

For every sample, adding up its points from the section's axes (linear: points at the first tick plus
``points_per_unit`` x distance; factor: the level's points; spline: scale x (effect - min) with the knots) and
mapping the total through ``lp = lp_at_zero + total / scale`` must give the model's own prediction: the fitted
probability (binary) or S(t | x) of :func:`biomark.stats.cox_risk_at` (survival), to 1e-9. The formula itself
is checked against rms::nomogram in tests/stats/test_nomogram.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark import stats
from biomark.synthetic import simulate


def _linear_points(p: dict, x: np.ndarray) -> np.ndarray:
    at, pts = np.array(p["at"], float), np.array(p["points"], float)
    return pts[0] + p["points_per_unit"] * (x - at[0])


def _totals(nm: dict, levels: pd.DataFrame) -> np.ndarray:
    return sum(_linear_points(p, levels[p["name"]].to_numpy(float)) for p in nm["predictors"])


def _lp(nm: dict, total: np.ndarray) -> np.ndarray:
    return nm["lp_at_zero"] + total / nm["scale"]


@pytest.mark.parametrize("method", ["logistic", "signed_z"])
def test_binary_points_give_back_the_predicted_probability(method):
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    cohort, _ = simulate(panel, 160, seed=5)
    r = biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, seed=4, method=method,
                         penalty=None)
    nm = r.to_dict()["binary"]["nomogram"]
    X = cohort.levels(panel)
    o = cohort.outcome(None, positive_class=panel.endpoint("radioresistance").positive_class,
                       candidates=("radioresistance",))
    X = X[o.present]
    kw = {"penalty": None} if method == "logistic" else {}
    fitted = biomark.model.PanelModel(panel=panel, method=method, endpoint="radioresistance", **kw).fit(X, o.y)
    p = 1 / (1 + np.exp(-_lp(nm, _totals(nm, X))))
    np.testing.assert_allclose(p, fitted.predict_proba(X)[:, 1], rtol=1e-9)
    assert max(max(q["points"]) for q in nm["predictors"]) == pytest.approx(100.0)
    # the table: total points -> lp -> probability; the probability axis' ticks at their points
    t = nm["table"]
    np.testing.assert_allclose(t["lp"], _lp(nm, np.array(t["points"])), rtol=1e-12)
    np.testing.assert_allclose(np.array(t["risk"])[:, 0], 1 / (1 + np.exp(-np.array(t["lp"]))), rtol=1e-12)
    (f,) = nm["functions"]
    np.testing.assert_allclose(1 / (1 + np.exp(-_lp(nm, np.array(f["points"])))), f["values"], rtol=1e-9)
    assert ("recalibrated" in nm["model"]) == (method == "signed_z")


@pytest.mark.parametrize("method", ["cox", "signed_z"])
def test_survival_points_give_back_the_linear_predictor_and_s_of_t(method):
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 150, seed=3)
    r = biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, seed=4, method=method,
                         horizons=[12, 24], penalty=None)
    h = r.to_dict()["survival"]["horizon"]
    nm = h["nomogram"]
    assert [f["label"] for f in nm["functions"]] == ["S(12)", "S(24)"]
    X = cohort.levels(panel)
    time = cohort.clinical["prognosis_after_hepatectomy_time"].to_numpy(float)
    event = cohort.clinical["prognosis_after_hepatectomy_event"].to_numpy(int)
    kw = {"penalty": None} if method == "cox" else {}
    m = biomark.model.PanelModel(panel=panel, method=method, **kw)
    m = m.fit(X, np.column_stack([time, event])) if method == "cox" else m.fit(X)
    lp_model = m.panel_score(X) * (1.0 if method == "cox" else h["recalibration_coef"])
    np.testing.assert_allclose(_lp(nm, _totals(nm, X)), lp_model, rtol=1e-9, atol=1e-12)
    for k, f in enumerate(nm["functions"]):  # each S(t) tick sits at the points whose lp gives that S(t)
        s = stats.cox_risk_at(time, event, lp_model, [f["horizon"]], lp_new=_lp(nm, np.array(f["points"]))).surv
        np.testing.assert_allclose(s[:, 0], f["values"], rtol=1e-9)
        assert f["horizon"] == [12, 24][k]
    if method == "signed_z":
        assert f"{h['recalibration_coef']:.4g}" in nm["model"]


def test_added_value_nomogram_has_factor_spline_and_panel_axes():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    cohort, _ = simulate(panel, 150, seed=1, endpoint="radioresistance")
    rng = np.random.default_rng(3)
    n = len(cohort.clinical)
    cohort.clinical["stage"] = rng.choice(["I", "II", "III"], n)
    cohort.clinical["age"] = rng.normal(60, 9, n).round(1)
    r = biomark.validate(panel, cohort, endpoint="radioresistance", cv=(2, 1), bootstrap=0, permutations=0, seed=4,
                         clinical_model=["stage", "age"], spline=["age"])
    a = r.to_dict()["added_value"]
    nm = a["nomogram"]
    kinds = {p["name"]: p for p in nm["predictors"]}
    assert [kinds[k]["kind"] for k in ("stage", "age", "panel_score")] == ["factor", "spline", "linear"]
    coef = {t["term"]: t["coef"] for t in a["full_model"]}
    st = kinds["stage"]
    eff = np.array([0.0, coef["stage=II"], coef["stage=III"]])
    assert st["labels"] == ["I", "II", "III"]
    np.testing.assert_allclose(st["points"], nm["scale"] * (eff - eff.min()), rtol=1e-12, atol=1e-12)
    ag = kinds["age"]
    basis = stats.rcs_basis(np.array(ag["at"], float), knots=a["spline_knots"]["age"]).basis
    eff = basis @ np.array([coef["age"], coef["age'"], coef["age''"]])
    np.testing.assert_allclose(ag["points"], nm["scale"] * (eff - eff.min()), rtol=1e-9, atol=1e-9)
    assert np.any(np.diff(ag["points"]) < 0) and np.any(np.diff(ag["points"]) > 0)  # non-monotone here
    assert kinds["panel_score"]["points_per_unit"] == pytest.approx(nm["scale"] * coef["panel_score"], rel=1e-12)
