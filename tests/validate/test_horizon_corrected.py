"""Bootstrap-corrected calibration at a horizon in the engine (issue 17, item 2).

The section's ``corrected`` groups against rms 6.5-0 ``calibrate(cph, cmethod = "KM", u = 365,
m = 23, B = 2000)`` on survival::lung (tests/data/R/horizon_calibrate.R, second block of
horizon_calibrate.Rout), and its presence/reproducibility in ``biomark.validate(bootstrap=B)``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark import stats
from biomark.stats.coxph import cox_coef
from biomark.synthetic import simulate
from biomark.validation import horizon as horizon_mod

DATA = Path(__file__).resolve().parents[1] / "data" / "R" / "horizon_calibrate_lung.csv"
# rms 6.5-0, 9 groups (m = 23), in increasing predicted survival
R_PRED_SURV = [0.27035288, 0.33731080, 0.38444788, 0.41109807, 0.43488369, 0.46041963, 0.48402415,
               0.51828971, 0.56999871]
R_KM = [0.31304348, 0.20979021, 0.35711806, 0.25252525, 0.68455882, 0.44549576, 0.57894737,
        0.49523810, 0.55140665]
R_KM_CORRECTED = [0.34896631, 0.22356335, 0.36164677, 0.25727237, 0.68715775, 0.44682647,
                  0.56897064, 0.47969133, 0.51391499]
# MC SE of R's mean optimism at B = 2000 is at most 0.0044 per group (.Rout); ours the same, so the
# difference has SE <= sqrt(2) * 0.0044 = 0.0062: tolerance 4 SE.
MC_TOL = 0.025


@pytest.mark.slow
def test_section_corrected_groups_match_rms_calibrate():
    d = pd.read_csv(DATA)
    T, E = d.time.to_numpy(float), d.event.to_numpy(int)
    X = d[["age", "ph_karno", "wt_loss"]].to_numpy(float)
    lp = X @ cox_coef(T, E, X)
    surv = horizon_mod.absolute_risk(True, lp, T, E, [365.0])[0].surv
    (c,) = horizon_mod.corrected_calibration(True, lambda idx: X @ cox_coef(T[idx], E[idx], X[idx]), surv,
                                             T, E, [365.0], B=2000, seed=11, groups=9)
    # ours are in increasing predicted risk, i.e. decreasing predicted survival
    np.testing.assert_allclose(1 - np.array(c["predicted"])[::-1], R_PRED_SURV, atol=1e-4)  # cph's S(u|x) differs ~3e-5
    np.testing.assert_allclose(1 - np.array(c["observed"])[::-1], R_KM, atol=1e-7)
    corrected = 1 - np.array(c["observed_corrected"])[::-1]
    np.testing.assert_allclose(corrected, R_KM_CORRECTED, atol=MC_TOL)
    # the correction is larger than the tolerance in the outer groups
    assert min(abs(R_KM_CORRECTED[0] - R_KM[0]), abs(R_KM_CORRECTED[-1] - R_KM[-1])) > MC_TOL
    assert np.abs(corrected - np.array(R_KM))[[0, -1]].min() > MC_TOL


def test_validate_with_bootstrap_adds_corrected_calibration_independent_of_n_jobs():
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 150, seed=3)

    def run(n_jobs):
        r = biomark.validate(panel, cohort, cv=(2, 1), bootstrap=8, permutations=0, horizons=[12, 24],
                             seed=4, n_jobs=n_jobs)
        return r.to_dict()["survival"]["horizon"]["points"]

    one, two = run(1), run(2)
    for p, q in zip(one, two, strict=True):
        c = p["corrected"]
        assert c["B"] == 8 and c == q["corrected"]
        assert len(c["predicted"]) == len(c["observed_corrected"]) >= 2
        assert c["predicted"] == sorted(c["predicted"])
        obs, opt, cor = (np.array(c[k], float) for k in ("observed", "optimism", "observed_corrected"))
        np.testing.assert_allclose(cor, obs - opt)


def test_no_bootstrap_no_corrected_section():
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 120, seed=3)
    r = biomark.validate(panel, cohort, cv=(2, 1), bootstrap=0, permutations=0, horizons=[12])
    assert r.to_dict()["survival"]["horizon"]["points"][0].get("corrected") is None



def test_binary_corrected_curve_wiring_against_rms_apparent_curve():
    """validation.binary.corrected_curve with an unpenalised logistic model on birthwt: its apparent curve
    is rms 6.5-0 calibrate(lrm)'s calibrated.orig (tests/data/R/horizon_calibrate_lrm.Rout, to 1e-5: the
    sklearn MLE converges to ~1e-6); the corrected curve (B = 30) is apparent - optimism; the R check of
    the corrected values at B = 2000 is in tests/stats/test_calibrate_boot_lrm.py."""
    from sklearn.linear_model import LogisticRegression

    from biomark.validation.binary import corrected_curve

    here = DATA.parent
    d = pd.read_csv(here / "horizon_calibrate_birthwt.csv")
    X, y = d[["age", "lwt", "smoke", "ptl", "ht", "ui"]], d["low"].to_numpy(int)
    est = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=200)
    p_app = est.fit(X, y).predict_proba(X)[:, 1]
    out = corrected_curve(est, X, y, p_app, B=30, seed=1)
    rows = re.findall(r"^\s*\[\s*\d+,\]\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\d+\s*$",
                      (here / "horizon_calibrate_lrm.Rout").read_text(), re.M)
    r = np.array(rows, float)
    np.testing.assert_allclose(out["x"], r[:, 0], atol=1e-5)
    np.testing.assert_allclose(out["apparent"], r[:, 1], atol=1e-5)
    assert out["B"] == 30 and len(out["corrected"]) == 50
    # the corrected curve is flatter than the apparent one at the ends, as rms finds
    assert out["corrected"][0] > out["apparent"][0] and out["corrected"][-1] < out["apparent"][-1]


def test_optimism_corrected_brier_is_closer_to_new_data_than_apparent():
    """An overfitted Cox model (8 markers, 1 real, 100 rows): the apparent Brier at t is too good and the
    IPA too high; Harrell's corrected values move towards those of the same model on 20000 new rows."""
    rng = np.random.default_rng(5)

    def draw(n):
        X = rng.normal(size=(n, 8))
        t = rng.exponential(np.exp(-0.7 * X[:, 0]) * 10)
        c = rng.uniform(0, 25, n)
        return X, np.minimum(t, c), (t <= c).astype(int)

    X, T, E = draw(100)
    Xn, Tn, En = draw(20000)
    beta = cox_coef(T, E, X)
    surv = horizon_mod.absolute_risk(True, X @ beta, T, E, [6.0])[0].surv
    (c,) = horizon_mod.corrected_calibration(True, lambda idx: X @ cox_coef(T[idx], E[idx], X[idx]), surv,
                                             T, E, [6.0], B=60, seed=2)
    new_risk = horizon_mod.absolute_risk(True, X @ beta, T, E, [6.0], score_new=Xn @ beta)[0].risk
    new = stats.brier_at(Tn, En, new_risk, [6.0])
    assert c["brier_optimism"] < 0 and c["ipa_optimism"] > 0  # apparent Brier too low, IPA too high
    assert abs(c["brier_corrected"] - new.brier[0]) < abs(c["brier_apparent"] - new.brier[0])
    assert abs(c["ipa_corrected"] - new.ipa[0]) < abs(c["ipa_apparent"] - new.ipa[0])
    np.testing.assert_allclose(c["brier_corrected"], c["brier_apparent"] - c["brier_optimism"])


def test_fitted_model_curve_shares_the_optimism_bootstrap_refits_exactly():
    """For a model fitted to the outcome the corrected curve takes the optimism bootstrap's resamples
    (one refit each, not two): replayed here resample by resample (the same seeds, rows and refits,
    lowess at the same grid), its optimism is rms's mean(training - test) over those resamples to 1e-12.
    A curve that drew its own resamples would differ by its Monte-Carlo error (~1e-2 at B = 20)."""
    from biomark.model import PanelModel
    from biomark.validation import binary
    from biomark.validation.parallel import task_seeds

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(160, 4)), columns=list("abcd"))
    y = (X["a"].to_numpy() + rng.normal(size=160) > 0.3).astype(float)
    est = PanelModel(method="logistic", Cs=4, inner_cv=3, random_state=0)
    p_app = binary.clone(est).fit(X, y).predict_proba(X)[:, 1]
    grid = stats.lowess_grid(p_app)
    app = binary.metrics.all_metrics(y, p_app)
    boot = binary.bootstrap(est, X, y, B=20, seed=9, n_jobs=1, method="optimism", apparent={**app, "_p": p_app},
                            cal_grid=grid)
    reps = boot.pop("_calibration_replicates")
    out = binary.corrected_curve(est, X, y, p_app, B=20, seed=9, replicates=reps)
    train, test = [], []
    for s in task_seeds(9, 20, stream=2):
        idx = np.random.default_rng(s).integers(0, y.size, y.size)
        p = binary.clone(est).fit(X.iloc[idx], y[idx]).predict_proba(X)[:, 1]
        train.append(stats.lowess_calibration_error(y[idx], p[idx], grid))
        test.append(stats.lowess_calibration_error(y, p, grid))
    tr, te = np.array(train), np.array(test)
    ok = np.isfinite(tr) & np.isfinite(te)
    optimism = np.where(ok, tr, 0).sum(0) / ok.sum(0) - np.where(ok, te, 0).sum(0) / ok.sum(0)
    apparent = stats.lowess_calibration_error(y, p_app, grid)
    np.testing.assert_allclose(out["corrected"], apparent + grid - optimism, rtol=0, atol=1e-12)
    assert "optimism bootstrap" in out["method"]
    own = binary.corrected_curve(est, X, y, p_app, B=20, seed=9)  # its own resamples: a different draw
    assert np.max(np.abs(np.subtract(own["corrected"], out["corrected"]))) > 1e-4
