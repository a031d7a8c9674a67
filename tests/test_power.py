"""biomark.synthetic.power, the Riley et al. 2020 minimum sample size, and `biomark power`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from biomark.cli import cli
from biomark.cli._common import run_main
from biomark.synthetic import (
    SimulationError,
    load_scenario,
    power,
    r2_cs_from_auc,
    riley_binary_sample_size,
)
from biomark.synthetic.power import cox_score_sign

ROOT = Path(__file__).resolve().parent.parent
SYN = ROOT / "synthetic"
ESCC = "escc_mir339_radiotherapy"


# --- Riley et al. 2020 -----------------------------------------------------------------------------


def test_riley_criteria_reproduce_the_published_example():
    # pmsampsize's documented binary example and Riley et al. 2020 (BMJ 368:m441): R2_CS 0.288,
    # 24 candidate parameters, prevalence 0.174 -> criterion 1: 623, criterion 2: 662,
    # criterion 3: 221; minimum 662 participants, 115 events, EPP 4.8.
    r = riley_binary_sample_size(0.75, 0.174, 24, r2_cs=0.288)
    assert (r.n_shrinkage, r.n_optimism, r.n_intercept) == (623, 662, 221)
    assert r.n_min == 662 and r.binding == "optimism"
    assert round(r.events) == 115 and round(r.events_per_parameter, 1) == 4.8
    # max R2_CS = 1 - (phi^phi (1-phi)^(1-phi))^2
    phi = 0.174
    assert r.max_r2_cs == pytest.approx(1 - (phi**phi * (1 - phi) ** (1 - phi)) ** 2, rel=1e-12)


@pytest.mark.parametrize("auc, prev, r_value", [
    # R 4.2.2, rms 6.5.0: Riley, Van Calster & Collins (2021) simulation written from the paper:
    # set.seed(123456); n = 1e6; y = events first; lp ~ N(sqrt(2) qnorm(C), 1) in events, N(0, 1)
    # otherwise; fit <- lrm(y ~ lp); 1 - exp(-fit$stats["Model L.R."] / n). Monte-Carlo error ~1e-3.
    (0.8, 0.3, 0.228356),
    (0.638163, 0.5, 0.059395),
    (0.7, 0.1, 0.046457),
])
def test_r2_cs_from_auc_matches_the_simulation_of_riley_2021(auc, prev, r_value):
    assert r2_cs_from_auc(auc, prev) == pytest.approx(r_value, abs=0.002)


def test_r2_cs_from_auc_edges():
    assert r2_cs_from_auc(0.5, 0.3) == pytest.approx(0.0, abs=1e-12)
    assert r2_cs_from_auc(0.9, 0.5) > r2_cs_from_auc(0.8, 0.5) > r2_cs_from_auc(0.7, 0.5)
    with pytest.raises(SimulationError, match="auc"):
        r2_cs_from_auc(1.0, 0.5)
    with pytest.raises(SimulationError, match="R²_CS"):
        riley_binary_sample_size(0.5, 0.5, 3)


# --- helpers ---------------------------------------------------------------------------------------


def test_cox_score_sign_agrees_with_the_fitted_coefficient():
    from biomark.stats import cox

    rng = np.random.default_rng(1)
    agree = 0
    for _ in range(40):
        n = 40
        x = rng.normal(size=n)
        t = rng.exponential(1.0, n) * np.exp(-0.1 * x)
        e = (rng.random(n) < 0.7).astype(int)
        coef = float(cox(t, e, {"x": x}).coef[0])
        agree += cox_score_sign(t, e, x) == np.sign(coef)
    assert agree == 40  # concave partial likelihood: sign of U(0) = sign of the MLE (no ties here)


# --- power -----------------------------------------------------------------------------------------


def test_power_binary_matches_a_normal_approximation():
    res = power(ESCC, [40, 120], effect=0.5, reps=300, seed=11)
    assert res.endpoint == "radioresistance" and res.goals == ("auc_ci_above_half", "directions_consistent", "all")
    auc = stats.norm.cdf(0.5 / math.sqrt(2))
    assert res.true_value["auc_signed_z"] == pytest.approx(auc)
    for row in res.rows:
        n1 = n0 = row.n // 2
        # Hanley & McNeil (1982) SE of the AUC; power = P(AUC_hat - 1.96 SE > 0.5)
        q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
        se = math.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0))
        approx = stats.norm.cdf((auc - 0.5) / se - 1.96)
        p = row.probability["auc_ci_above_half"]
        assert p == pytest.approx(approx, abs=0.08), (row.n, p, approx)
        assert row.mc_se["auc_ci_above_half"] == pytest.approx(math.sqrt(p * (1 - p) / 300))
        # one marker: the observed direction agrees with the spec when the sample mean difference
        # has the right sign: P = Phi(0.5 / sqrt(4/n))
        pd_ = stats.norm.cdf(0.5 / math.sqrt(4 / row.n))
        assert row.probability["directions_consistent"] == pytest.approx(pd_, abs=0.05)
        assert row.probability["all"] <= min(row.probability["auc_ci_above_half"],
                                             row.probability["directions_consistent"])
        assert row.mean_estimate == pytest.approx(auc, abs=0.02)
        assert row.failures == 0
    assert res.rows[1].probability["auc_ci_above_half"] > res.rows[0].probability["auc_ci_above_half"]
    # Riley: one parameter, AUC 0.638, prevalence 0.5 -> criterion 3 binds: (1.96/0.05)^2 / 4 = 384.16
    assert res.riley.n_intercept == 385 and res.riley.n_min == 385
    d = res.to_dict()
    json.dumps(d)
    assert d["rows"][0]["n"] == 40


def test_power_is_identical_for_any_n_jobs():
    a = power(ESCC, [30, 60], reps=40, seed=5, n_jobs=1, chunk_size=7)
    b = power(ESCC, [30, 60], reps=40, seed=5, n_jobs=2, chunk_size=3)
    assert a.to_dict() == b.to_dict()
    c = power(ESCC, [30, 60], reps=40, seed=6)
    assert c.to_dict() != a.to_dict()


def test_power_on_a_dask_cluster_equals_local():
    from dask.distributed import Client, LocalCluster

    local = power(ESCC, [30], reps=30, seed=3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, \
            Client(lc) as client:
        remote = power(ESCC, [30], reps=30, seed=3, scheduler=client)
    assert remote.to_dict() == local.to_dict()


def test_power_survival_goal_uses_cox():
    res = power(ESCC, [80], endpoint="overall_survival", effect=0.5, reps=60, seed=2)
    assert res.goals == ("cox_significant", "directions_consistent", "all")
    row = res.rows[0]
    # log-HR -0.5 per SD, ~56 events: Wald power ~ Phi(0.5 sqrt(56) - 1.96) ~ 0.93 (Schoenfeld)
    assert row.probability["cox_significant"] > 0.75
    assert row.probability["directions_consistent"] > 0.9
    assert row.mean_estimate > 0  # the score is signed: higher score = the spec's risk direction
    assert res.riley is None and "binary" in res.riley_note
    assert res.true_value["log_hr"] == {"hsa-miR-339-5p": -0.5}


def test_power_sees_a_marker_that_goes_against_its_spec():
    sc = load_scenario(SYN / "nsclc_marker_against_spec.yaml")
    kw = sc.simulate.kwargs()
    res = power(sc.load_panel(), [150], reps=40, seed=1, **{k: v for k, v in kw.items() if k != "missing_rate"})
    # miR-1246 (effect 0.7) is simulated down although the spec says up: with 75 per class its sample
    # mean difference is positive with probability Phi(-0.7 / sqrt(4/150)) ~ 1e-5
    assert res.rows[0].probability["directions_consistent"] == 0.0
    assert res.rows[0].probability["all"] == 0.0


def test_power_change_and_dose_endpoints():
    from biomark.panel.catalog import panel_from_data

    panel = panel_from_data({
        "id": "toy", "title": "t", "cancer_type": "x", "specimen": "serum", "compartment": "exosome",
        "assay": "log2_expression",
        "endpoints": [{"id": "rt", "kind": "change"}, {"id": "gy", "kind": "dose", "levels": [0, 2, 4]}],
        "markers": [{"id": "a", "type": "miRNA", "direction": {"rt": "down", "gy": "up"}}],
        "evidence": [{"seed": "s", "reference": 1, "sentence": "s", "level": "patient_cohort"}],
    })
    ch = power(panel, [40], endpoint="rt", effect=0.6, reps=40, seed=1)
    assert ch.goals[0] == "change_significant" and ch.rows[0].probability["change_significant"] > 0.8
    do = power(panel, [60], endpoint="gy", effect=0.0, reps=60, seed=1)
    assert do.rows[0].probability["trend_significant"] < 0.1  # no effect: ~alpha/2 one-sided


@pytest.mark.parametrize("kw, needle", [
    ({"n": [3]}, "n: 3"), ({"n": []}, "at least one"), ({"reps": 0}, "reps"),
    ({"n": [20, 20]}, "repeats"), ({"alpha": 1.5}, "alpha"),
])
def test_power_bad_arguments(kw, needle):
    args = {"n": [20], "reps": 2, **kw}
    with pytest.raises(SimulationError, match=needle):
        power(ESCC, **args)


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_power_prints_simulation_and_riley(tmp_path, capsys):
    out = tmp_path / "power.json"
    code = run_main(cli, ["power", "--panel", ESCC, "--n", "40,80", "--reps", "30", "--seed", "1",
                          "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "AUC CI > 0.5" in text and "Monte-Carlo SE" in text
    assert "3. overall risk within ± 0.05:          n = 385" in text
    data = json.loads(out.read_text())
    assert [r["n"] for r in data["rows"]] == [40, 80] and data["riley"]["n_min"] == 385
    again = power(ESCC, [40, 80], reps=30, seed=1)
    assert data["rows"][0]["probability"] == again.rows[0].probability


@pytest.mark.parametrize("args, needle", [
    (["--panel", ESCC, "--n", "50,abc"], "is not a comma-separated list of integers"),
    (["--panel", ESCC, "--n", "2"], "every n must be at least 4"),
    (["--panel", ESCC, "--reps", "0"], "--reps"),
    (["--n", "50"], "give exactly one of --panel NAME and --scenario FILE"),
    (["--panel", ESCC, "--json", "/nonexistent_dir/p.json"], "does not exist"),
    (["--panel", ESCC, "--scheduler", "tcp://127.0.0.1:1", "--reps", "2", "--n", "10"], "cannot connect"),
])
def test_cli_power_bad_input_exit_2(capsys, args, needle):
    code = run_main(cli, ["power", *args])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and needle in err
