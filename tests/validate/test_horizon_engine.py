"""validate(horizons=...): the engine's "Risk at the horizon" section (issue 17).

The statistics themselves are checked against R in tests/stats/test_horizon.py; here the engine's
wiring: the absolute risk of a fixed rule comes from a one-coefficient Cox recalibration of its score
on the training rows, the section's numbers are those of the stats functions on that risk, bad
horizons are refused before any work, and a horizon past follow-up is dropped with a warning.
"""

from __future__ import annotations

import numpy as np
import pytest

import biomark
from biomark import stats
from biomark.errors import InputError
from biomark.synthetic import simulate
from biomark.validation.horizon import default_horizons


@pytest.fixture(scope="module")
def run():
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 200, seed=3)
    r = biomark.validate(
        panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, horizons=[12, 24, 500]
    )
    return panel, cohort, r


def test_section_matches_the_stats_functions(run):
    _, _, r = run
    d = r.data if isinstance(r.data, dict) else r.to_dict()
    h = d["survival"]["horizon"]
    assert h["horizons"] == [12.0, 24.0]
    assert any(
        "horizon 500 months was dropped" in w and "last follow-up" in w for w in d["warnings"]
    )
    assert "recalibrated by a one-coefficient Cox regression" in h["risk_source"]
    p = h["points"][0]
    # O/E is observed over mean predicted; the observed is the cohort's 1 - KM(12)
    assert p["oe"] == pytest.approx(p["observed"] / p["expected"], rel=1e-12)
    assert 0 < p["brier"] < p["brier_null"] < 0.25 + 1e-9
    assert p["ipa"] == pytest.approx(1 - p["brier"] / p["brier_null"], rel=1e-12)
    assert p["auc_lower"] < p["auc"] < p["auc_upper"]
    assert sum(g["n"] for g in p["groups"]) == d["survival"]["n"]
    # a one-coefficient recalibration on the same rows is calibrated in the slope by construction
    assert p["slope"] == pytest.approx(1.0, abs=1e-6)


def test_recalibration_is_a_one_coefficient_cox_fit_and_gives_its_breslow_risk():
    from biomark.validation.horizon import section

    rng = np.random.default_rng(7)
    score = rng.normal(size=300)
    t_ev = rng.exponential(1 / (0.04 * np.exp(0.8 * score)))
    t_c = rng.uniform(10, 50, size=300)
    time, event = np.minimum(t_ev, t_c), (t_ev <= t_c).astype(int)
    h, dropped = section(False, score, time, event, [6, 12], "months", 0.95)
    gamma = stats.cox(time, event, {"s": score}).coef[0]
    assert dropped == []
    assert h["recalibration_coef"] == pytest.approx(gamma, rel=1e-12)
    risk = stats.cox_risk_at(time, event, gamma * score, [6, 12]).risk
    assert h["points"][1]["mean_risk"] == pytest.approx(risk[:, 1].mean(), rel=1e-12)
    # a fitted Cox model's linear predictor is used as it is (no recalibration)
    h2, _ = section(True, gamma * score, time, event, [6, 12], "months", 0.95)
    assert h2["recalibration_coef"] is None
    assert h2["points"][1]["mean_risk"] == pytest.approx(h["points"][1]["mean_risk"], rel=1e-12)


def test_default_horizons_are_rounded_follow_up_quartiles():
    t = np.array([3.3, 7.0, 9.84, 12.2, 18.1, 25.0, 33.4, 47.0, 60.0])
    q = np.percentile(t, [25, 50, 75])  # 9.84, 18.1, 33.4
    assert default_horizons(t) == [9.8, 18.0, 33.0]
    assert np.allclose(q, [9.84, 18.1, 33.4])


@pytest.mark.parametrize(
    ("horizons", "words"),
    [
        ([-1, 12], "horizon -1 is not a positive time"),
        ([36, 12], "horizons must increase: 36 is followed by 12"),
        (["x"], "horizons must be numbers"),
    ],
)
def test_bad_horizons_are_refused_before_any_work(horizons, words):
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 60, seed=1)
    with pytest.raises(InputError, match=words):
        biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, horizons=horizons)


def test_km_by_groups_of_the_score_are_labelled_by_the_score():
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 150, seed=2)
    r = biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, groups="quartiles")
    k = r.to_dict()["survival"]["horizon"]["km_groups"] if hasattr(r, "to_dict") else None
    if k is None:
        import json

        k = json.loads(r.to_json())["survival"]["horizon"]["km_groups"]
    assert [g["label"] for g in k["groups"]] == [
        "score Q1 (lowest)",
        "score Q2",
        "score Q3",
        "score Q4 (highest)",
    ]
    assert sum(g["n"] for g in k["groups"]) == 150
    assert not any("risk" in g["label"] for g in k["groups"])
    with pytest.raises(InputError, match="increasing"):
        biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, groups="0.5,0.2")
    with pytest.raises(InputError, match="tertiles, quartiles, median, optimal"):
        biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, groups="thirds")


def test_horizons_for_a_binary_endpoint_are_refused():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    cohort, _ = simulate(panel, 60, seed=1, endpoint="radioresistance")
    with pytest.raises(InputError, match="apply to a survival endpoint"):
        biomark.validate(
            panel,
            cohort,
            endpoint="radioresistance",
            cv=(2, 1),
            bootstrap=0,
            permutations=0,
            horizons=[12],
        )


def test_absolute_risk_for_new_rows_uses_the_training_recalibration():
    from biomark.validation.horizon import absolute_risk

    rng = np.random.default_rng(11)
    score = rng.normal(size=200)
    t_ev = rng.exponential(1 / (0.05 * np.exp(0.6 * score)))
    t_c = rng.uniform(5, 40, size=200)
    time, event = np.minimum(t_ev, t_c), (t_ev <= t_c).astype(int)
    risk, lp, _, gamma = absolute_risk(
        False, score, time, event, [10.0], score_new=np.array([-1.0, 0.0, 2.0])
    )
    same = stats.cox_risk_at(
        time, event, gamma * score, [10.0], lp_new=gamma * np.array([-1.0, 0.0, 2.0])
    )
    np.testing.assert_allclose(risk.risk, same.risk, rtol=1e-14)
    assert (
        risk.risk[0, 0] < risk.risk[1, 0] < risk.risk[2, 0]
    )  # gamma > 0: a higher score is a higher risk
    np.testing.assert_allclose(lp, gamma * score)
