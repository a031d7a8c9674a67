"""biomark.screen_power: the power behind 'not replicated', simulated from the claim's spec (issue 19)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from biomark.panel.schema import BinaryEndpoint, SurvivalEndpoint
from biomark.screen_power import (
    METHOD,
    _design,
    calibrated_effect,
    claim_power,
    cohort_correlation,
    cox_wald_many,
    delong_many,
)
from biomark.stats import cox, roc_auc
from biomark.synthetic.endpoints import EndpointOptions, draw_endpoint

BIN = BinaryEndpoint(id="response", kind="binary", positive_class="yes")
SURV = SurvivalEndpoint(id="os", kind="survival")
SMALL = {"auc": 0.65, "hr": 1.5}


def _power(ep, n, cases, reps, seed=1, signs=None, values=None, **kw):
    signs = signs or {"A": 1}
    values = values or {m: np.random.default_rng(9 + i).normal(size=n) for i, m in enumerate(signs)}
    return claim_power(ep, signs, values, n=n, n_cases=cases, smallest=kw.pop("smallest", SMALL), alpha=0.05,
                       reps=reps, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("cases,controls,ref", [
    # tests/data/R/screen_power.Rout: pROC 1.18.0 power.roc.test(auc = 0.65, ncases, ncontrols, sig.level = 0.05)
    (30, 30, 0.5424485279), (60, 60, 0.8365058027), (40, 80, 0.7883632266)])
def test_one_marker_binormal_power_matches_proc_power_roc_test(cases, controls, ref):
    # one marker, binormal with AUC 0.65: the simulated DeLong test against pROC's Obuchowski-McClish power,
    # within 3 Monte-Carlo SEs (reps 4000: SE <= 0.008) plus 0.01 for the normal approximation of the formula
    r = _power(BIN, cases + controls, cases, 4000)
    assert abs(r.power - ref) < 3 * math.sqrt(ref * (1 - ref) / 4000) + 0.01
    assert r.reps == 4000 and abs(r.mc_se - math.sqrt(r.power * (1 - r.power) / 4000)) < 1e-12


def test_survival_power_matches_hsieh_lavori_under_heavy_censoring():
    # Hsieh & Lavori 2000: power = Phi(sqrt(D) log HR - z_.975) for a unit-variance covariate; accurate when the
    # risk sets stay representative (90 % censored). D = 60 events of n = 600: 0.8811500146 (screen_power.Rout)
    r = _power(SURV, 600, 60, 2000)
    assert abs(r.power - 0.8811500146) < 3 * math.sqrt(0.88 * 0.12 / 2000) + 0.01


def test_power_rises_with_n_and_is_the_size_at_no_effect():
    p = [_power(BIN, n, n // 2, 1000).power for n in (40, 80, 160)]
    assert p[0] + 0.1 < p[1] < p[2] - 0.05
    q = [_power(SURV, n, n // 2, 600).power for n in (40, 120, 300)]
    assert q[0] + 0.1 < q[1] < q[2]
    # AUC 0.5: the one-sided rejection rate of the two-sided 5 % test is 2.5 % (3 MC SEs + 0.005)
    z = _power(BIN, 120, 60, 4000, smallest={"auc": 0.5, "hr": 1.5})
    assert abs(z.power - 0.025) < 3 * math.sqrt(0.025 * 0.975 / 4000) + 0.005


def test_calibration_gives_the_score_the_target_effect_in_the_simulator_truth():
    # three markers, mixed signs, correlated: the simulator's own truth of the signed_z score equals the target
    rng = np.random.default_rng(3)
    base = rng.normal(size=(200, 1))
    vals = {m: (base[:, 0] * 0.6 + rng.normal(size=200)) for m in "ABC"}
    R = cohort_correlation(vals)
    s = np.array([1.0, -1.0, 1.0])
    e = calibrated_effect("binary", s, R, 0.65)
    d = draw_endpoint(_design(BIN, list("ABC"), s, R, 200, e), np.random.default_rng(0), EndpointOptions())
    assert abs(d.truth["true_auc_signed_z"] - 0.65) < 1e-12
    e = calibrated_effect("survival", s, R, 1.5)
    d = draw_endpoint(_design(SURV, list("ABC"), s, R, 200, e), np.random.default_rng(0), EndpointOptions())
    assert abs(d.truth["survival"]["linear_predictor_sd"] - math.log(1.5)) < 1e-12
    # a large simulated cohort reaches it: AUC of the score within 0.01 (n = 40,000, SE about 0.003)
    e = calibrated_effect("binary", s, R, 0.65)
    d = draw_endpoint(_design(BIN, list("ABC"), s, R, 40000, e), np.random.default_rng(1), EndpointOptions())
    y = (d.clinical["response"] == "yes").astype(int)
    assert abs(roc_auc(y, d.X @ s, direction="<").auc - 0.65) < 0.01


def test_vectorised_delong_and_cox_equal_the_reference_functions():
    rng = np.random.default_rng(4)
    cases, controls = rng.normal(0.4, 1, (6, 25)), rng.normal(0, 1, (6, 35))
    cases[0, :5] = controls[0, :5]  # ties across classes: mid-ranks, as pROC
    auc, se = delong_many(cases, controls)
    for r in range(6):
        ref = roc_auc(np.r_[np.ones(25), np.zeros(35)], np.r_[cases[r], controls[r]], direction="<")
        assert abs(auc[r] - ref.auc) < 1e-12 and abs(se[r] - ref.se) < 1e-12
    x = rng.normal(size=(6, 80))
    t = rng.exponential(np.exp(-0.5 * x))
    ev = (rng.random((6, 80)) < 0.7).astype(float)
    coef, se, ok = cox_wald_many(t, ev, x)
    for r in range(6):
        ref = cox(t[r], ev[r], {"x": x[r]})
        assert ok[r] and abs(coef[r] - ref.coef[0]) < 1e-7 and abs(se[r] - ref.se[0]) < 1e-7


def test_seeded_and_recorded():
    a, b = _power(BIN, 60, 30, 200, seed=5), _power(BIN, 60, 30, 200, seed=5)
    assert a == b
    assert "biomark.synthetic" in a.method and a.method == METHOD


def test_screen_uses_it_and_the_json_records_the_method():
    import pandas as pd

    from biomark.cohort import Cohort
    from biomark.panel.catalog import load_panel
    from biomark.screen import claim_seed, screen

    rng = np.random.default_rng(2)
    n = 80
    y = np.r_[np.ones(n // 2), np.zeros(n // 2)]
    ids = [f"s{i}" for i in range(n)]
    panel = load_panel("npc_circmyc_radioresistance")
    x = pd.DataFrame({m.id: rng.normal(size=n) for m in panel.markers}, index=ids)
    clin = pd.DataFrame({"resp": np.where(y == 1, "radioresistant", "radiosensitive")}, index=ids)
    res = screen(Cohort(x, clin), panels=[panel], endpoint_map={"radioresistance": "resp"}, power_reps=100, seed=3)
    [c] = res.claims
    assert res.to_dict()["settings"]["power_method"] == METHOD
    signs = {m: s for m, s in panel.signs("radioresistance").items() if s}
    ref = claim_power(panel.endpoint("radioresistance"), signs, {m: x[m].to_numpy() for m in signs}, n=n,
                      n_cases=n // 2, smallest=SMALL, alpha=0.05, reps=100,
                      rng=np.random.default_rng(claim_seed(3, panel.id, "radioresistance")))
    assert c.power == ref.power
