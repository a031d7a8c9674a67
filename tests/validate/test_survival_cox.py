"""A fitted Cox model on a panel's markers (PanelModel(method="cox")) and its validation (issues 5, 6).

References: the coefficients are R survival 3.5.3 ``coxph(Surv(time, event) ~ age + sex + ph_ecog)``
on tests/data/lung.csv (expected.json); the bootstrap-corrected C and calibration slope are
rms::validate.cph (numbers in the test's docstring).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import biomark
from biomark.cli import cli as main
from biomark.errors import InputError
from biomark.model import ModelInputError, PanelModel
from biomark.synthetic import simulate
from biomark.validation import survival as survival_mod

TERMS = ["age", "sex", "ph_ecog"]


@pytest.fixture(scope="module")
def lung(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "lung.csv")


def test_cox_coefficients_match_coxph(lung, expected):
    ref = expected["survival"][0]
    X = lung[TERMS]
    m = PanelModel(method="cox", penalty=None).fit(X, np.column_stack([lung.time, lung.event]))
    # coef_ is per SD of each (z-scored) marker; coef_ / scale_ is per unit, as coxph reports
    np.testing.assert_allclose(m.coef_ / m.scale_, ref["cox_coef"], rtol=0, atol=1e-6)
    assert m.intercept_ == 0.0 and m.n_events_ == int(lung.event.sum())
    # the score is the linear predictor, centred on the training mean (coxph's predict(type = "lp"))
    lp = (X.to_numpy() - X.to_numpy().mean(axis=0)) @ np.asarray(ref["cox_coef"])
    np.testing.assert_allclose(m.panel_score(X), lp, atol=1e-6)


def test_cox_accepts_a_scikit_survival_structured_target(lung):
    y = np.empty(len(lung), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = lung.event.astype(bool), lung.time
    a = PanelModel(method="cox", penalty=None).fit(lung[TERMS], y)
    b = PanelModel(method="cox", penalty=None).fit(lung[TERMS], lung[["time", "event"]])
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_cox_model_file_round_trip_is_exact(lung, tmp_path):
    m = PanelModel(method="cox", random_state=0).fit(lung[TERMS], np.column_stack([lung.time, lung.event]))
    m2 = PanelModel.load(m.save(tmp_path / "cox.json"))
    assert m2.method_ == "cox" and m2.C_ == m.C_ and m2.n_events_ == m.n_events_
    np.testing.assert_array_equal(m2.panel_score(lung[TERMS]), m.panel_score(lung[TERMS]))
    # a risk model has no class probability: predict_proba is absent (available_if), and says why
    assert not hasattr(m2, "predict_proba") and not hasattr(m, "predict_proba")
    with pytest.raises(AttributeError) as err:
        m2.predict_proba(lung[TERMS])
    assert "risk score" in str(err.value.__cause__)


@pytest.mark.parametrize(("y", "match"), [
    (None, "requires y"),
    ("one_column", "two columns"),
    ("negative_time", "times must be finite and > 0"),
    ("events_1_2", "code events 1"),
    ("all_censored", "needs events"),
])
def test_cox_target_errors(lung, y, match):
    t, e = lung.time.to_numpy(float), lung.event.to_numpy(float)
    ys = {None: None, "one_column": t, "negative_time": np.column_stack([-t, e]),
          "events_1_2": np.column_stack([t, e + 1]), "all_censored": np.column_stack([t, e * 0])}
    with pytest.raises(ModelInputError, match=match):
        PanelModel(method="cox").fit(lung[TERMS], ys[y])


def test_cox_monotone_likelihood_is_a_clear_error():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    time = np.argsort(np.argsort(-x)) + 1.0  # the larger x, the earlier the event: perfect separation
    with pytest.raises(ModelInputError, match="monotone likelihood"):
        PanelModel(method="cox", penalty=None).fit(pd.DataFrame({"m": x, "n": rng.normal(size=60)}),
                                     np.column_stack([time, np.ones(60)]))


def test_bootstrap_optimism_matches_rms_validate_cph(lung):
    """Reference: R 4.2.2, rms 6.5.0, survival 3.5.3, on tests/data/lung.csv (n = 213, 151 events):
    ``f <- cph(Surv(time, event) ~ age + sex + ph_ecog, x = TRUE, y = TRUE); set.seed(s);
    validate(f, B = 2000)`` for s = 1..10. Dxy apparent 0.2838235294 (C = (Dxy + 1) / 2 =
    0.6419117647, equal to ``survival::concordance(Surv(time, event) ~ predict(f), reverse =
    TRUE)``); mean over the ten seeds of the corrected Dxy 0.2660487768 (C 0.6330243884; SD of one
    run 0.0009 in C) and of the corrected Slope 0.9389878611 (single runs 0.925 to 0.951, SD
    0.0086). The bootstrap is random in both programs: the corrected values are compared with the
    ten-seed mean within 0.005 (C) and 0.02 (slope); the apparent C is deterministic (1e-6).
    """
    ty = np.column_stack([lung.time.to_numpy(float), lung.event.to_numpy(float)])
    est = PanelModel(method="cox", penalty=None)
    fitted = est.fit(lung[TERMS], ty)
    c_app = biomark.stats.concordance(ty[:, 0], ty[:, 1], fitted.panel_score(lung[TERMS])).c
    out = survival_mod.bootstrap(est, lung[TERMS], ty, B=2000, seed=1, n_jobs=2,
                                 apparent={"c": c_app, "slope": 1.0})
    m = out["metrics"]
    assert c_app == pytest.approx((0.2838235294 + 1) / 2, abs=1e-6)
    assert m["c"]["corrected"] == pytest.approx(0.6330243884, abs=0.005)
    assert m["slope"]["corrected"] == pytest.approx(0.9389878611, abs=0.02)
    assert out["n_failed"] == 0 and m["c"]["optimism"] > 0 and m["slope"]["optimism"] > 0


@pytest.fixture(scope="module")
def panel_path(data_dir):
    return data_dir / "cox_panel.yaml"


@pytest.fixture(scope="module")
def cpanel(panel_path):
    return biomark.load_panel(panel_path)


def _surv_endpoint(panel):
    return "overall_survival"


def test_validate_cox_cross_validates_and_checks_coefficient_signs(cpanel):
    ep = _surv_endpoint(cpanel)
    spec = {m: d for m, d in cpanel.directions(ep).items() if d is not None}
    against = sorted(spec)[0]
    cohort, _ = simulate(cpanel, 500, seed=4, endpoint=ep, effect=0.6, against_spec=[against])
    r = biomark.validate(cpanel, cohort, endpoint=ep, method="cox", penalty=None, cv=(5, 3), bootstrap=60, seed=2)
    s = r["survival"]
    # cross-validated C is out of fold: not above the apparent one by more than noise
    assert 0.55 < s["cv_harrell"]["c"] <= s["harrell"]["c"] + 0.005
    assert s["cv_harrell"]["repeats"] == 3 and s["cv_uno"]["folds"] == 5
    assert s["cv_harrell"]["min"] <= s["cv_harrell"]["c"] <= s["cv_harrell"]["max"]
    b = s["bootstrap"]["metrics"]
    assert b["slope"]["apparent"] == 1.0 and b["c"]["corrected"] < b["c"]["apparent"]
    signs = r["direction"]["coefficient_signs"]
    assert signs[against] is False and all(signs[m] is True for m in spec if m != against)
    assert any(f"fitted coefficient of {against}" in w for w in r["cohort"]["warnings"])
    assert [c["marker"] for c in s["coefficients"]] == list(r["direction"]["coefficient_signs"])


def test_validate_cox_on_noise_shows_optimism():
    """Markers without effect: apparent C is optimistic, the corrected C and slope say so."""
    panel = biomark.load_panel("hcc_ulk1_lc3b_prognosis")  # directions not given: only a fitted model can score it
    cohort, _ = simulate(panel, 120, seed=8, endpoint="overall_survival", effect=0.0)
    r = biomark.validate(panel, cohort, method="cox", penalty=None, cv=(5, 2), bootstrap=100, seed=1)
    b = r["survival"]["bootstrap"]["metrics"]
    assert b["c"]["optimism"] > 0.005 and b["slope"]["corrected"] < 0.8
    assert r["survival"]["cv_harrell"]["c"] < r["survival"]["harrell"]["c"]


def test_validate_cox_identical_json_for_n_jobs_1_and_2(cpanel):
    ep = _surv_endpoint(cpanel)
    cohort, _ = simulate(cpanel, 200, seed=1, endpoint=ep)
    a, b = (biomark.validate(cpanel, cohort, endpoint=ep, method="cox", cv=(3, 2), bootstrap=20, seed=5, n_jobs=j)
            .to_dict() for j in (1, 2))
    for d in (a, b):
        d["settings"].pop("n_jobs")
        d["reproducibility"]["settings"].pop("n_jobs")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_method_and_endpoint_kinds_must_agree(cpanel):
    binary = biomark.load_panel("synthetic/panels/synth_nsclc_exosomal_mirna_radioresistance.yaml")
    cohort, _ = simulate(binary, 80, seed=1, endpoint="radioresistance")
    with pytest.raises(InputError, match="method 'cox' fits a survival model"):
        biomark.validate(binary, cohort, endpoint="radioresistance", method="cox")
    ep = _surv_endpoint(cpanel)
    cohort, _ = simulate(cpanel, 80, seed=1, endpoint=ep)
    with pytest.raises(InputError, match="signed_z .*, weights or cox"):
        biomark.validate(cpanel, cohort, endpoint=ep, method="logistic")


def test_cli_fit_cox_then_score(cpanel, panel_path, tmp_path):
    ep = _surv_endpoint(cpanel)
    cohort, _ = simulate(cpanel, 150, seed=3, endpoint=ep)
    expr, clin = tmp_path / "expression.csv", tmp_path / "clinical.csv"
    cohort.expression.rename_axis("sample_id").to_csv(expr)
    cohort.clinical.rename_axis("sample_id").to_csv(clin)
    tcol = next(c for c in cohort.clinical.columns if c.endswith("time"))
    ecol = next(c for c in cohort.clinical.columns if c.endswith("event"))
    model = tmp_path / "model.json"
    run = CliRunner().invoke(main, ["fit", "--panel", str(panel_path), "--expression", str(expr), "--clinical",
                                    str(clin), "--endpoint", ep, "--method", "cox", "--penalty", "none", "--time", tcol, "--event", ecol,
                                    "--out", str(model), "--json"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.output)
    assert doc["method"] == "cox" and doc["probability"] is False
    fitted = PanelModel(panel=cpanel, method="cox", penalty=None, endpoint=ep).fit(
        cohort.levels(cpanel), cohort.clinical[[tcol, ecol]].to_numpy(float))
    np.testing.assert_allclose(doc["coef_per_sd"], fitted.coef_, atol=1e-12)
    out = tmp_path / "scores.csv"
    run = CliRunner().invoke(main, ["score", "--model", str(model), "--expression", str(expr), "--out", str(out)])
    assert run.exit_code == 0, run.output
    scores = pd.read_csv(out)
    assert "probability" not in scores.columns
    np.testing.assert_allclose(scores["score"], fitted.panel_score(cohort.levels(cpanel)), atol=1e-9)
    assert set(scores["risk_group"]) == {"high", "low"}


def test_external_cohorts_get_c_and_the_calibration_slope_of_the_fitted_model(cpanel):
    cohorts = [simulate(cpanel, 200, seed=s, endpoint="overall_survival", name=f"centre{s}")[0] for s in (1, 2, 3)]
    r = biomark.validate(cpanel, cohorts, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=1)
    rows = r["cohorts"]
    assert [c["role"] for c in rows] == ["training (apparent)", "validation", "validation"]
    assert rows[0]["calibration_slope"]["slope"] == 1.0
    fitted = PanelModel(panel=cpanel, method="cox", penalty=None, endpoint="overall_survival").fit(
        cohorts[0].levels(cpanel), cohorts[0].clinical[["overall_survival_time", "overall_survival_event"]])
    for c, row in zip(cohorts[1:], rows[1:], strict=True):
        t, e = c.clinical["overall_survival_time"].to_numpy(), c.clinical["overall_survival_event"].to_numpy()
        lp = fitted.panel_score(c.levels(cpanel))
        # the slope is the coefficient of the training model's linear predictor in a Cox fit on the new cohort
        assert row["calibration_slope"]["slope"] == pytest.approx(biomark.stats.cox(t, e, lp).coef[0], abs=1e-9)
        assert row["harrell"]["c"] == pytest.approx(biomark.stats.concordance(t, e, lp).c, abs=1e-12)
        assert 0.5 < row["calibration_slope"]["slope"] < 1.5 and row["harrell"]["c"] > 0.6
    html = biomark.report.render_html(r.to_dict(), strict=True)
    sec = html[html.index('<section id="cohorts">'):]
    assert "Calibration slope" in sec and f"{rows[1]['calibration_slope']['slope']:.3f}" in sec
    assert "HR per SD (pooled as log-HR)" in sec


def test_ridge_cox_matches_survival_ridge(lung):
    """R 4.2.2, survival 3.5.3, on z-scored age, sex, ph_ecog of tests/data/lung.csv (SD with n − 1):
    ``coxph(Surv(time, event) ~ ridge(z_age, z_sex, z_ecog, theta = th, scale = FALSE))``, printed
    to 12 decimals by tests/data/R/ridge_coxph.R. biomark reaches them to 4e-10 (R stops at its own
    convergence tolerance), checked to 1e-9."""
    from biomark.stats.survival import cox_ridge

    X = lung[TERMS].to_numpy(float)
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    ref = {1: [0.123556514161, -0.279157580935, 0.325146712371],
           10: [0.119241667837, -0.260802979078, 0.305740652722],
           100: [0.086931992928, -0.159257978356, 0.191789395727]}
    for theta, coef in ref.items():
        np.testing.assert_allclose(cox_ridge(lung.time, lung.event, Z, theta), coef, rtol=0, atol=1e-9)
    # PanelModel's ridge is the same fit on its own z-scores: with one grid value there is nothing to choose
    m = PanelModel(method="cox", Cs=[1 / 10]).fit(lung[TERMS], lung[["time", "event"]])
    np.testing.assert_allclose(m.coef_, ref[10], rtol=0, atol=1e-9)
    assert m.C_ == pytest.approx(0.1)


def _loglik(time, event, x, beta):
    """Log partial likelihood, its gradient and Hessian by a direct sum over the events, with risk
    sets as a 0/1 matrix: ``l = sum_i [x_i'b - log sum_{t_j >= t_i} exp(x_j'b)]`` (no tied times,
    so Efron = Breslow = the exact likelihood)."""
    eta = x @ beta
    r = np.exp(eta)
    dead = np.flatnonzero(event == 1)
    risk = (time[None, :] >= time[dead, None]).astype(float)  # (events, n)
    w = risk * r[None, :] / (risk @ r)[:, None]  # each event's risk-set weights, rows sum to 1
    mean = w @ x
    hess = mean.T @ mean - x.T @ (w.sum(axis=0)[:, None] * x)
    return float(np.sum(eta[dead] - np.log(risk @ r))), np.sum(x[dead] - mean, axis=0), hess


def _ridge_fit(time, event, x, lam):
    """argmax of l - lam/2 ||b||^2 by plain Newton steps on the direct likelihood above (no step
    halving: the penalised objective is strictly concave and smooth; biomark's engine is not used)."""
    b = np.zeros(x.shape[1])
    for _ in range(100):
        _, g, hess = _loglik(time, event, x, b)
        step = np.linalg.solve(lam * np.eye(b.size) - hess, g - lam * b)
        b = b + step
        if np.abs(step).max() < 1e-13:
            return b
    raise AssertionError("Newton did not converge")


def _check_cv_partial_likelihood(X, y, ridge):
    """Recompute the cross-validated partial likelihood of Verweij & van Houwelingen (1993),
    ``CVPL(lam) = sum_k [l(b_-k) - l_-k(b_-k)]``, for every lambda of the grid, with the likelihood
    and the penalised fits above (independent of biomark's Cox engine), on the model's inner folds
    (5-fold StratifiedKFold by event, shuffled with random_state=0, as documented)."""
    from sklearn.model_selection import StratifiedKFold

    time, event = y[:, 0], y[:, 1].astype(int)
    assert np.unique(time).size == time.size  # no ties: the direct likelihood is the exact one
    Z = ((X - X.mean()) / X.std(ddof=1)).to_numpy()
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(Z, event))
    cvpl = {}
    for C in np.logspace(-4, 4, 10):
        lam, total = 1.0 / C, 0.0
        for tr, _ in folds:
            b = _ridge_fit(time[tr], event[tr], Z[tr], lam)
            total += _loglik(time, event, Z, b)[0] - _loglik(time[tr], event[tr], Z[tr], b)[0]
        cvpl[C] = total
    got = ridge.cv_partial_loglik_
    np.testing.assert_allclose(sorted(got), sorted(cvpl), rtol=1e-12)
    np.testing.assert_allclose([got[c] for c in sorted(got)], [cvpl[c] for c in sorted(cvpl)], rtol=0, atol=1e-9)
    best = max(cvpl, key=cvpl.get)
    assert ridge.C_ == pytest.approx(best, rel=1e-12)
    np.testing.assert_allclose(ridge.coef_, _ridge_fit(time, event, Z, 1.0 / best), rtol=0, atol=1e-9)


def test_ridge_penalty_is_chosen_by_cross_validated_partial_likelihood():
    rng = np.random.default_rng(3)
    n = 150
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"m{j}" for j in range(6)])
    t_noise = rng.exponential(size=n)
    strong = rng.exponential(size=n) * np.exp(-1.2 * X["m0"].to_numpy())
    fits = {}
    for name, t in (("noise", t_noise), ("signal", strong)):
        y = np.column_stack([t, rng.uniform(size=n) < 0.8])
        ridge = PanelModel(method="cox", random_state=0).fit(X, y)
        plain = PanelModel(method="cox", penalty=None).fit(X, y)
        _check_cv_partial_likelihood(X, y, ridge)
        assert np.linalg.norm(ridge.coef_) <= np.linalg.norm(plain.coef_) + 1e-12
        fits[name] = (ridge, plain)
    noise_ridge, noise_plain = fits["noise"]
    sig_ridge, sig_plain = fits["signal"]
    # pure noise: heavy shrinkage; a strong marker: little
    assert np.linalg.norm(noise_ridge.coef_) < 0.5 * np.linalg.norm(noise_plain.coef_)
    assert sig_ridge.coef_[0] > 0.8 * sig_plain.coef_[0] > 0.5
    with pytest.raises(ModelInputError, match="penalty 'l2' .* or None"):
        PanelModel(method="cox", penalty="l1").fit(X, np.column_stack([t_noise, np.ones(n)]))
