"""biomark.synthetic.simulate, scenarios, the CSV writer and `biomark synth`.

Expected numbers are either exact consequences of the simulation model stated in
biomark/synthetic/simulate.py (e.g. true AUC = Phi(d / sqrt 2) for a normal shift d) or recovered
from large simulated samples within about 4 standard errors of the estimate.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from biomark.cli import cli
from biomark.cli._common import run_main
from biomark.errors import BiomarkError, SpecError
from biomark.panel.catalog import panel_from_data
from biomark.synthetic import (
    SimulationError,
    list_scenarios,
    load_scenario,
    simulate,
    write_cohort,
)
from biomark.synthetic.endpoints import _censoring_rate
from biomark.synthetic.scenario import scenario_from_data

ROOT = Path(__file__).resolve().parent.parent
SYN = ROOT / "synthetic"
ESCC = "escc_mir339_radiotherapy"
SCENARIOS = ["escc_mir339_overall_survival", "npc_circmyc_radioresistance",
             "nsclc_marker_against_spec", "hcc_ct_spike_in"]


def _toy(**over) -> object:
    """A three-marker panel: up, down and unset directions for a binary endpoint, risk/protective/unset
    for a survival endpoint, plus change and dose endpoints."""
    data = {
        "id": "toy", "title": "toy", "cancer_type": "x", "specimen": "serum", "compartment": "exosome",
        "assay": "log2_expression",
        "endpoints": [
            {"id": "resp", "kind": "binary", "positive_class": "resistant", "negative_class": "sensitive"},
            {"id": "os", "kind": "survival"},
            {"id": "rt", "kind": "change"},
            {"id": "gy", "kind": "dose", "levels": [0, 2, 4]},
        ],
        "markers": [
            {"id": "a", "type": "miRNA", "direction": {"resp": "up", "os": "risk", "rt": "up", "gy": "up"}},
            {"id": "b", "type": "miRNA", "direction": {"resp": "down", "os": "protective", "rt": "down",
                                                       "gy": "down"}},
            {"id": "c", "type": "miRNA", "direction": {"resp": None, "os": None}},
        ],
        "evidence": [{"seed": "002_d24a42885fe5c4b5.txt", "reference": 1, "sentence": "s",
                      "level": "patient_cohort"}],
    }
    data.update(over)
    return panel_from_data(data, "toy.yaml")


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_cohort_and_truth():
    a, ta = simulate(ESCC, 50, seed=7, n_noise_markers=2, missing_rate=0.1)
    b, tb = simulate(ESCC, 50, seed=7, n_noise_markers=2, missing_rate=0.1)
    pd.testing.assert_frame_equal(a.expression, b.expression)
    pd.testing.assert_frame_equal(a.clinical, b.clinical)
    assert ta.to_json() == tb.to_json()
    c, _ = simulate(ESCC, 50, seed=8, n_noise_markers=2, missing_rate=0.1)
    assert not a.expression.equals(c.expression)


@pytest.mark.parametrize("name", SCENARIOS)
def test_example_cohorts_regenerate_byte_identical(name, tmp_path):
    sc = load_scenario(SYN / f"{name}.yaml")
    cohort, truth = sc.run()
    write_cohort(cohort, truth, tmp_path / name)
    for f in ("expression.csv", "clinical.csv", "truth.json"):
        assert (tmp_path / name / f).read_bytes() == (SYN / "examples" / name / f).read_bytes(), f


def test_shipped_scenarios_are_listed_and_valid():
    names = {p.stem for p in list_scenarios()}
    assert set(SCENARIOS) <= names
    for p in list_scenarios():
        load_scenario(p).load_panel()


# --- truth: binary ---------------------------------------------------------------------------------


def test_binary_truth_single_marker_auc_is_phi_d_over_root2():
    # ESCC panel: miR-339-5p is 'down' in radioresistant patients; effect 0.5.
    cohort, truth = simulate(ESCC, 101, seed=1, prevalence=0.3)
    assert truth.endpoint == "radioresistance" and truth.endpoint_kind == "binary"
    assert truth.marker_effect == {"hsa-miR-339-5p": -0.5}
    assert truth.n_positive == round(101 * 0.3) == 30
    expected = stats.norm.cdf(0.5 / math.sqrt(2))  # 0.63816...
    assert truth.true_auc_marker["hsa-miR-339-5p"] == pytest.approx(expected, abs=1e-12)
    assert truth.true_auc_optimal == pytest.approx(expected, abs=1e-12)
    assert truth.true_auc_signed_z == pytest.approx(expected, abs=1e-12)
    labels = cohort.clinical["radioresistance"]
    assert (labels == "radioresistant").sum() == 30 and (labels == "radiosensitive").sum() == 71
    json.loads(truth.to_json())  # strict JSON


def test_binary_large_sample_recovers_effects_and_auc():
    from biomark.stats import roc_auc

    panel = _toy()
    n = 20000
    cohort, truth = simulate(panel, n, seed=3, effect={"a": 0.6, "b": 0.3, "c": 0.9},
                             correlation=0.3, n_noise_markers=1)
    x = cohort.expression
    y = (cohort.clinical["resp"] == "resistant").to_numpy()
    diff = x[y].mean() - x[~y].mean()
    # effect sizes: a up 0.6, b down 0.3; c has no direction -> no effect; noise -> none. SE ~ 0.014
    assert diff["a"] == pytest.approx(0.6, abs=0.06)
    assert diff["b"] == pytest.approx(-0.3, abs=0.06)
    assert diff["c"] == pytest.approx(0.0, abs=0.06)
    assert diff["noise_001"] == pytest.approx(0.0, abs=0.06)
    assert truth.unset_direction == ["c"] and truth.marker_effect["c"] == 0.0
    # within-class correlation of the panel markers is 0.3 (SE ~ 0.007); noise uncorrelated
    resid = x[~y]
    assert np.corrcoef(resid["a"], resid["c"])[0, 1] == pytest.approx(0.3, abs=0.03)
    assert np.corrcoef(resid["a"], resid["noise_001"])[0, 1] == pytest.approx(0.0, abs=0.03)
    # empirical AUC of marker a agrees with Phi(0.6/sqrt 2) = 0.6643 (DeLong SE ~ 0.004)
    auc = roc_auc(y.astype(int), x["a"].to_numpy(), direction="<").auc
    assert auc == pytest.approx(truth.true_auc_marker["a"], abs=0.015)
    # best linear score: Phi(sqrt(delta' R^-1 delta) / sqrt 2), computed independently here
    R = np.full((3, 3), 0.3) + 0.7 * np.eye(3)
    d = np.array([0.6, -0.3, 0.0])
    assert truth.true_auc_optimal == pytest.approx(stats.norm.cdf(math.sqrt(d @ np.linalg.solve(R, d) / 2)),
                                                   abs=1e-9)


def test_against_spec_flips_the_simulated_sign_only():
    panel = _toy()
    cohort, truth = simulate(panel, 4000, seed=5, against_spec=["a"], effect=0.8)
    assert truth.against_spec == ["a"]
    assert truth.spec_sign["a"] == 1 and truth.marker_effect["a"] == -0.8
    assert truth.true_auc_marker["a"] == pytest.approx(1 - stats.norm.cdf(0.8 / math.sqrt(2)))
    y = (cohort.clinical["resp"] == "resistant").to_numpy()
    x = cohort.expression["a"].to_numpy()
    assert x[y].mean() < x[~y].mean() - 0.6


def test_correlation_blocks():
    panel = _toy()
    cohort, truth = simulate(panel, 20000, seed=11, effect=0.0,
                             correlation=[{"markers": ["a", "b"], "rho": 0.6}])
    c = np.corrcoef(cohort.expression.to_numpy().T)
    assert c[0, 1] == pytest.approx(0.6, abs=0.03)
    assert c[0, 2] == pytest.approx(0.0, abs=0.03)
    assert truth.correlation == [{"markers": ["a", "b"], "rho": 0.6}]


# --- truth: survival -------------------------------------------------------------------------------


def test_survival_cox_recovers_log_hr_and_censoring_hits_target():
    from biomark.stats import cox

    panel = _toy()
    cohort, truth = simulate(panel, 20000, seed=2, endpoint="os", effect=0.5, censoring=0.4)
    clin = cohort.clinical
    assert truth.true_log_hr == {"a": 0.5, "b": -0.5, "c": 0.0}
    fit = cox(clin["os_time"].to_numpy(), clin["os_event"].to_numpy(),
              {m: cohort.expression[m].to_numpy() for m in ("a", "b", "c")})
    # Cox coefficients per SD (SE ~ 0.01 at 12,000 events)
    assert fit.coef[0] == pytest.approx(0.5, abs=0.04)
    assert fit.coef[1] == pytest.approx(-0.5, abs=0.04)
    assert fit.coef[2] == pytest.approx(0.0, abs=0.04)
    # censoring: target 0.4 of the population; SE of a sample fraction ~ 0.0035
    assert truth.survival["censoring_achieved"] == pytest.approx(0.4, abs=0.015)
    assert clin["os_time"].max() <= 60.0  # administrative censoring at follow_up (months)
    assert set(clin["os_event"].unique()) <= {0, 1}


def test_weibull_baseline_median_without_effect():
    # effect 0, administrative censoring only: P(T <= 24) = 0.5 exactly (baseline median 24 months)
    cohort, truth = simulate(ESCC, 20000, seed=4, endpoint="overall_survival", effect=0.0, censoring=None)
    clin = cohort.clinical
    early = ((clin["overall_survival_time"] <= 24) & (clin["overall_survival_event"] == 1)).mean()
    assert early == pytest.approx(0.5, abs=0.015)
    # P(T > 60) = 2^-((60/24)^1.5) = 0.0757: the administratively censored fraction
    assert 1 - clin["overall_survival_event"].mean() == pytest.approx(2 ** -(2.5 ** 1.5), abs=0.006)
    assert truth.survival["random_censoring_rate"] == 0.0


def test_censoring_rate_solver_matches_monte_carlo():
    lam = math.log(2) / 24 ** 1.5
    rate, min_cens = _censoring_rate(0.35, 0.8, lam, 1.5, 60.0)
    rng = np.random.default_rng(0)
    n = 400_000
    eta = rng.normal(0, 0.8, n)
    t = (-np.log(rng.random(n)) / (lam * np.exp(eta))) ** (1 / 1.5)
    c = np.minimum(rng.exponential(1 / rate, n), 60.0)
    assert np.mean(t > c) == pytest.approx(0.35, abs=0.004)  # MC SE 0.0008
    assert np.mean(t > 60.0) == pytest.approx(min_cens, abs=0.003)


def test_target_below_administrative_censoring_is_noted():
    _, truth = simulate(ESCC, 200, seed=1, endpoint="overall_survival", censoring=0.01, follow_up=30)
    assert truth.survival["random_censoring_rate"] == 0.0
    assert "below what administrative censoring" in truth.survival["note"]


# --- change and dose -------------------------------------------------------------------------------


def test_change_endpoint_pre_post_pairs():
    panel = _toy()
    cohort, truth = simulate(panel, 5000, seed=6, endpoint="rt", effect=0.4, pair_correlation=0.6)
    assert cohort.n_samples == 10000
    assert cohort.sample_ids[:2] == ["P0001_pre", "P0001_post"]
    clin = cohort.clinical
    assert list(clin["rt"][:2]) == ["pre", "post"] and clin["patient"].iloc[1] == "P0001"
    x = cohort.expression
    d = x.iloc[1::2].to_numpy() - x.iloc[0::2].to_numpy()
    # mean change a +0.4, b -0.4 (SE ~ 0.013); within-patient correlation 0.6
    assert d[:, 0].mean() == pytest.approx(0.4, abs=0.05)
    assert d[:, 1].mean() == pytest.approx(-0.4, abs=0.05)
    assert np.corrcoef(x.iloc[0::2]["c"], x.iloc[1::2]["c"])[0, 1] == pytest.approx(0.6, abs=0.03)
    assert truth.true_standardized_change["a"] == pytest.approx(0.4 / math.sqrt(0.8))


def test_dose_endpoint_levels_and_slope():
    panel = _toy()
    cohort, truth = simulate(panel, 6000, seed=9, endpoint="gy", effect=0.6)
    dose = cohort.clinical["gy"].to_numpy()
    assert sorted(set(dose)) == [0.0, 2.0, 4.0] and (dose == 2.0).sum() == 2000
    slope = np.polyfit(dose, cohort.expression["a"].to_numpy(), 1)[0]
    assert slope == pytest.approx(0.15, abs=0.02)  # 0.6 over a 4 Gy range
    assert truth.true_slope_per_unit["b"] == pytest.approx(-0.15)


# --- layers ----------------------------------------------------------------------------------------


def test_missing_rate_and_centres():
    cohort, truth = simulate(_toy(), 4000, seed=12, missing_rate=0.1, batches=3, batch_shift=0.5)
    frac = cohort.expression.isna().to_numpy().mean()
    assert frac == pytest.approx(0.1, abs=0.01)
    assert set(cohort.clinical["centre"]) == {"C1", "C2", "C3"}
    shifts = truth.batches["shifts"]
    # the recorded shift of centre C2 for marker a is what the data show, relative to C1
    x, ctr = cohort.expression["a"], cohort.clinical["centre"]
    obs = x[ctr == "C2"].mean() - x[ctr == "C1"].mean()
    assert obs == pytest.approx(shifts["C2"]["a"] - shifts["C1"]["a"], abs=0.12)


def test_qpcr_layer_undetermined_reference_and_spike_in(tmp_path):
    sc = load_scenario(SYN / "hcc_ct_spike_in.yaml")
    cohort, truth = sc.run(n=400)
    assert cohort.assay == "qpcr_ct" and cohort.spike_in == "cel-miR-39-3p"
    assert cohort.reference_markers == ["RNU6-1", "hsa-miR-16-5p"]
    expr = cohort.expression
    assert list(expr.columns) == ["hsa-miR-223-3p", "hsa-miR-26a-5p", "hsa-miR-26b-5p", "miR-12",
                                  "RNU6-1", "hsa-miR-16-5p", "cel-miR-39-3p"]
    n_undet = int((expr == 40.0).to_numpy().sum())
    assert n_undet > 0 and n_undet == sum(truth.assay_layer["undetermined"].values())
    assert expr[expr < 40.0].max().max() <= 33.0  # nothing between the LOD and the cutoff
    write_cohort(cohort, truth, tmp_path / "o")
    text = (tmp_path / "o" / "expression.csv").read_text()
    assert text.count("Undetermined") == n_undet
    cells = [c for line in text.splitlines()[1:] for c in line.split(",")[1:]]
    assert "40" not in cells  # the cutoff is never written as a number
    # −ΔCt against the spike-in: miR-223 'up' in resistant, miR-26a 'down'
    y = (cohort.clinical["doxorubicin_resistance"] == "resistant").to_numpy()
    dct = -(expr["hsa-miR-223-3p"] - expr["cel-miR-39-3p"]).to_numpy()
    assert dct[y].mean() - dct[~y].mean() == pytest.approx(0.7, abs=0.3)


def test_csv_round_trip_through_read_cohort(tmp_path):
    from biomark import read_cohort

    for kw in ({"assay": "qpcr_ct", "spike_in": "cel-miR-39", "missing_rate": 0.1, "ct_lod": 30.5},
               {"assay": "counts", "missing_rate": 0.05}, {"endpoint": "overall_survival"}):
        cohort, truth = simulate(ESCC, 60, seed=3, **kw)
        d = tmp_path / kw.get("assay", "surv")
        write_cohort(cohort, truth, d)
        back = read_cohort(d / "expression.csv", d / "clinical.csv", panel=ESCC if "spike_in" not in kw else None,
                           assay=cohort.assay, spike_in=cohort.spike_in)
        a = back.expression[cohort.expression.columns].to_numpy()
        np.testing.assert_array_equal(a, cohort.expression.to_numpy())  # NaN positions and values exact
        if cohort.library_size is not None:
            np.testing.assert_array_equal(back.library_size.to_numpy(), cohort.library_size.to_numpy())
        if cohort.assay == "qpcr_ct":
            assert back.qc["ct_set_to_cutoff"] == cohort.qc["ct_set_to_cutoff"]


def test_counts_layer_log2cpm_shift():
    cohort, truth = simulate(ESCC, 6000, seed=13, assay="counts", effect=0.8)
    lv = cohort.levels()
    y = (cohort.clinical["radioresistance"] == "radioresistant").to_numpy()
    x = lv["hsa-miR-339-5p"].to_numpy()
    # log2 CPM shift = -0.8 (down) up to NB noise and the 0.5 prior (counts are in the hundreds)
    assert x[y].mean() - x[~y].mean() == pytest.approx(-0.8, abs=0.08)
    assert (cohort.expression.to_numpy() == np.round(cohort.expression.to_numpy())).all()


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kw, needle", [
    ({"against_spec": ["nope"]}, "against_spec: unknown marker 'nope'"),
    ({"against_spec": ["c"]}, "marker 'c' has no direction for endpoint 'resp'"),
    ({"endpoint": "os_"}, "endpoint: panel 'toy' has no endpoint 'os_'"),
    ({"correlation": 1.5}, "correlation: 1.5 is not a valid"),
    ({"correlation": [{"markers": ["a", "zz"], "rho": 0.2}]}, "unknown marker 'zz'"),
    ({"prevalence": 0.0}, "prevalence"),
    ({"effect": -1.0}, "effect: -1.0"),
    ({"effect": {"q": 1.0}}, "effect: unknown marker 'q'"),
    ({"missing_rate": 1.0}, "missing_rate"),
])
def test_bad_arguments_raise_biomark_errors(kw, needle):
    with pytest.raises(SimulationError) as err:
        simulate(_toy(), 30, seed=0, **kw)
    assert needle in str(err.value)
    assert isinstance(err.value, BiomarkError)


def test_scenario_schema_is_strict():
    base = {"id": "x", "title": "t", "panel": ESCC}
    with pytest.raises(SpecError, match=r"s.yaml: simulate.efect: unknown key; allowed keys are: endpoint"):
        scenario_from_data({**base, "simulate": {"efect": 1}}, "s.yaml")
    with pytest.raises(SpecError, match=r"s.yaml: sede: unknown key"):
        scenario_from_data({**base, "sede": 1}, "s.yaml")
    with pytest.raises(SpecError, match=r"s.yaml: n: "):
        scenario_from_data({**base, "n": 1}, "s.yaml")
    sc = scenario_from_data({**base, "n": 20, "seed": 3, "simulate": {"effect": 0.2}}, "s.yaml")
    cohort, truth = sc.run()
    assert cohort.n_samples == 20 and truth.seed == 3 and cohort.name == "x"


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_synth_writes_three_files(tmp_path, capsys):
    out = tmp_path / "sim"
    code = run_main(cli, ["synth", "--panel", ESCC, "--n", "30", "--seed", "5", "--out", str(out),
                          "--endpoint", "overall_survival"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["clinical.csv", "expression.csv", "truth.json"]
    truth = json.loads((out / "truth.json").read_text())
    assert truth["seed"] == 5 and truth["n"] == 30 and truth["endpoint"] == "overall_survival"
    cohort, _ = simulate(ESCC, 30, seed=5, endpoint="overall_survival")
    assert (out / "clinical.csv").read_text().splitlines()[0] == \
        "sample_id,overall_survival_time,overall_survival_event"
    assert len((out / "expression.csv").read_text().splitlines()) == 31
    # scenario defaults (n, seed) and overrides
    code = run_main(cli, ["synth", "--scenario", str(SYN / "npc_circmyc_radioresistance.yaml"),
                          "--out", str(tmp_path / "npc"), "--quiet"])
    assert code == 0
    assert (tmp_path / "npc" / "truth.json").read_bytes() == \
        (SYN / "examples" / "npc_circmyc_radioresistance" / "truth.json").read_bytes()


@pytest.mark.parametrize("args, needle", [
    (["--panel", ESCC, "--out", "{tmp}/missing/sim"], "parent directory"),
    (["--out", "{tmp}/x"], "give exactly one of --panel NAME and --scenario FILE"),
    (["--panel", "escc_mir339", "--out", "{tmp}/x"], "unknown panel 'escc_mir339'"),
    (["--panel", ESCC, "--out", "{tmp}/x", "--against-spec", "hsa-miR-21"], "against_spec: unknown marker"),
    (["--scenario", "{tmp}/none.yaml", "--out", "{tmp}/x"], "none.yaml: no such file"),
])
def test_cli_synth_bad_input_exit_2(tmp_path, capsys, args, needle):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = run_main(cli, ["synth", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:") and needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists() and not (tmp_path / "missing").exists()
