"""Added value over a clinical model: nested LR tests, dAUC (DeLong), optimism-corrected dAUC, dC, NRI/IDI.

Reference numbers: R 4.2.2 with pROC 1.18.0, Hmisc 4.8.0, survival 3.5.3 and stats 4.2.2, script
tests/data/R/added_value.R, output tests/data/R/added_value.Rout. The data (tests/data/R/added_value_data.csv,
n = 150, stage I/II/III, age, markers m1, m2, a fixed score 0.8 m1 - 0.3 m2, binary y, survival time/status)
were simulated by that script; the bootstrap resample indices (B = 50, 0-based) are in added_value_boot_idx.csv
so the R loop (glm twice + pROC::auc per resample) is replayed exactly.

Tolerances:
* glm coefficients and SEs: R's ``glm`` stops at a relative deviance change of 1e-8 and takes its SEs from the
  weights of the previous iterate; the script also refits with ``epsilon = 1e-15`` ("tight"), which we match to
  1e-8 relative. The default fit differs from the exact maximum by ~1e-7 in the coefficients and ~1e-4 in the SEs,
  so that is the tolerance against it (it guards the value, not R's stopping rule).
* log-likelihoods, LR statistics, Cox fits (coxph iterates to 1e-9 relative on the log-likelihood): 1e-8 relative.
* AUCs, DeLong, concordance, NRI, IDI, optimism: exact arithmetic on the same numbers; 1e-9 absolute.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats import (
    StatsError,
    categorical_nri,
    delong_test,
    delta_concordance,
    improve_prob,
    logistic,
    nested_lr_test,
    optimism_delta_auc,
)

R_DIR = Path(__file__).resolve().parents[1] / "data" / "R"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(R_DIR / "added_value_data.csv")


def _clinical(d: pd.DataFrame) -> pd.DataFrame:
    """stage dummy-coded against stage I (R's treatment contrasts), age numeric."""
    return pd.DataFrame({"stageII": (d.stage == "II").astype(float), "stageIII": (d.stage == "III").astype(float),
                         "age": d.age})


# --- binary: y ~ stage + age (+ score | + m1 + m2) --------------------------------------------------------------
BIN = {
    "score": dict(
        coef1=[-5.61037368155, 0.750937728641, 1.90429902402, 0.0701091949219, 0.81384719458],
        se1=[1.56654752533, 0.427891006861, 0.508377378867, 0.0234821432081, 0.277449199155],
        glm_coef1=[-5.61037359756, 0.750937720474, 1.90429900622, 0.0701091937773, 0.813847179807],
        glm_se1=[1.56646445225, 0.427876694241, 0.508357275322, 0.0234810431283, 0.277433293778],
        loglik1=-87.0365246989, lr=9.54253994641, df=1, lr_p=0.0020076372652, wald=8.60436431331,
        wald_p=0.00335358400123, auc1=0.74857248112, auc0=0.705010130779, dl_z=1.62788026153,
        dl_p=0.103550277515, dl_ci=(-0.00888661643384, 0.0960113171154),
        nri=0.512801620925, se_nri=0.159271280557, nri_ev=0.344262295082, se_nri_ev=0.120210435172,
        nri_ne=0.168539325843, se_nri_ne=0.104483453646, idi=0.0611385572386, se_idi=0.0194571891462,
        sens=0.0362755444871, spec=0.0248630127516, p_nri=0.00128336393877, p_idi=0.0016767822795,
        tab_e=[[0, 0, 0], [2, 6, 3], [0, 4, 46]], tab_n=[[0, 0, 0], [4, 31, 5], [0, 11, 38]],
        cat=(0.0631792226929, 0.0690082405577, -0.0491803278689, 0.0487755446243, 0.112359550562, 0.0488168363526)),
    "m1+m2": dict(
        coef1=[-5.68715588914, 0.655106967915, 2.00056583918, 0.072129075634, 0.67381925011, 0.0467435548202],
        se1=[1.57867465834, 0.4360264694, 0.517939303194, 0.0237879325627, 0.22401189126, 0.171607658156],
        glm_coef1=[-5.68715575658, 0.655106959788, 2.00056580181, 0.0721290738711, 0.673819240133, 0.0467435502997],
        glm_se1=[1.57856300447, 0.436002996073, 0.517908220382, 0.0237864294141, 0.223999244646, 0.171599985767],
        loglik1=-85.1874123197, lr=13.2407647048, df=2, lr_p=0.00133292120252, wald=11.5782930234,
        wald_p=0.00306059324246, auc1=0.762571375944, auc0=0.705010130779, dl_z=2.0825603,
        dl_p=0.037291321091, dl_ci=(0.00338851968439, 0.111733970645),
        nri=0.592374286241, se_nri=0.158595057874, nri_ev=0.311475409836, se_nri_ev=0.121667584558,
        nri_ne=0.280898876404, se_nri_ne=0.101731957859, idi=0.0815187533193, se_idi=0.0233499632174,
        sens=0.0483677952852, spec=0.033150958034, p_nri=0.000187612940969, p_idi=0.00048090535163,
        tab_e=[[0, 0, 0], [1, 7, 3], [0, 6, 44]], tab_n=[[0, 0, 0], [3, 33, 4], [0, 16, 33]],
        cat=(0.102965555351, 0.0721212169685, -0.0655737704918, 0.0511562227763, 0.168539325843, 0.050838084231)),
}
COEF0 = [-4.84139232251, 0.647991815241, 1.73725822877, 0.0597575811513]
SE0 = [1.50839095314, 0.412569451588, 0.483237199089, 0.0227468831573]
LOGLIK0 = -91.8077946721


def _added(d: pd.DataFrame, key: str) -> pd.DataFrame:
    return d[["score"]] if key == "score" else d[["m1", "m2"]]


@pytest.mark.parametrize("key", list(BIN))
def test_nested_logistic_matches_glm(data: pd.DataFrame, key: str) -> None:
    r = BIN[key]
    t = nested_lr_test(_clinical(data), _added(data, key), y=data.y)
    np.testing.assert_allclose(t.reduced.coef, COEF0, rtol=1e-6)
    np.testing.assert_allclose(t.reduced.se, SE0, rtol=2e-4)
    np.testing.assert_allclose(t.full.coef, r["coef1"], rtol=1e-8)
    np.testing.assert_allclose(t.full.se, r["se1"], rtol=1e-8)
    np.testing.assert_allclose(t.full.coef, r["glm_coef1"], rtol=1e-6)
    np.testing.assert_allclose(t.full.se, r["glm_se1"], rtol=2e-4)
    assert t.loglik_reduced == pytest.approx(LOGLIK0, rel=1e-10)
    assert t.loglik_full == pytest.approx(r["loglik1"], rel=1e-10)
    assert t.lr == pytest.approx(r["lr"], rel=1e-8) and t.df == r["df"]
    assert t.p == pytest.approx(r["lr_p"], rel=1e-7)
    # R's "tight" Wald still uses the previous iterate's weights: 1.2e-8 relative from ours for m1+m2, where
    # statsmodels' Logit (Newton, tol 1e-14) agrees with ours to 1e-15; hence 1e-7.
    assert t.wald == pytest.approx(r["wald"], rel=1e-7)
    assert t.wald_p == pytest.approx(r["wald_p"], rel=1e-6)
    assert t.full.terms == ("(Intercept)", "stageII", "stageIII", "age", *_added(data, key).columns)


@pytest.mark.parametrize("key", list(BIN))
def test_delta_auc_delong_matches_roc_test(data: pd.DataFrame, key: str) -> None:
    r = BIN[key]
    t = nested_lr_test(_clinical(data), _added(data, key), y=data.y)
    dl = delong_test(data.y, t.full.linear_predictor, t.reduced.linear_predictor)
    assert (dl.auc_a, dl.auc_b) == pytest.approx((r["auc1"], r["auc0"]), abs=1e-9)
    assert dl.z == pytest.approx(r["dl_z"], abs=1e-8) and dl.p == pytest.approx(r["dl_p"], abs=1e-9)
    assert (dl.ci_low, dl.ci_high) == pytest.approx(r["dl_ci"], abs=1e-9)


@pytest.mark.parametrize("key", list(BIN))
def test_improve_prob_matches_hmisc(data: pd.DataFrame, key: str) -> None:
    r = BIN[key]
    t = nested_lr_test(_clinical(data), _added(data, key), y=data.y)
    ip = improve_prob(data.y, t.reduced.prob, t.full.prob)
    got = (ip.nri, ip.se_nri, ip.nri_events, ip.se_nri_events, ip.nri_nonevents, ip.se_nri_nonevents, ip.idi,
           ip.se_idi, ip.improve_sens, ip.improve_spec, ip.p_nri, ip.p_idi)
    want = (r["nri"], r["se_nri"], r["nri_ev"], r["se_nri_ev"], r["nri_ne"], r["se_nri_ne"], r["idi"], r["se_idi"],
            r["sens"], r["spec"], r["p_nri"], r["p_idi"])
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)  # IDI from risks that match R to ~1e-8
    assert ip.nri == pytest.approx(ip.nri_events + ip.nri_nonevents)


@pytest.mark.parametrize("key", list(BIN))
def test_categorical_nri_matches_hmisc_on_categories(data: pd.DataFrame, key: str) -> None:
    r = BIN[key]
    t = nested_lr_test(_clinical(data), _added(data, key), y=data.y)
    c = categorical_nri(data.y, t.reduced.prob, t.full.prob, [0.1, 0.3])
    assert c.categories == ("<0.1", "0.1-<0.3", ">=0.3")
    assert c.table_events.tolist() == r["tab_e"] and c.table_nonevents.tolist() == r["tab_n"]
    got = (c.nri, c.se_nri, c.nri_events, c.se_nri_events, c.nri_nonevents, c.se_nri_nonevents)
    np.testing.assert_allclose(got, r["cat"], atol=1e-11)


def test_optimism_delta_auc_replays_the_r_bootstrap(data: pd.DataFrame) -> None:
    idx = np.loadtxt(R_DIR / "added_value_boot_idx.csv", delimiter=",", dtype=int)
    o = optimism_delta_auc(data.y, _clinical(data), data[["score"]], indices=idx)
    assert o.n_boot == 50 and o.n_failed == 0
    assert o.apparent == pytest.approx(0.0435623503408, abs=1e-10)
    assert o.optimism == pytest.approx(0.000319693566666, abs=1e-9)
    assert o.corrected == pytest.approx(0.0432426567741, abs=1e-9)
    assert (o.ci_low, o.ci_high) == pytest.approx((0.00273391313429, 0.0984359634154), abs=1e-9)  # quantile type 7


def test_optimism_delta_auc_seeded() -> None:
    rng = np.random.default_rng(3)
    z, x = rng.normal(size=120), rng.normal(size=120)
    y = (rng.random(120) < 1 / (1 + np.exp(-z))).astype(int)
    a = optimism_delta_auc(y, {"z": z}, {"x": x}, B=30, seed=5)
    b = optimism_delta_auc(y, {"z": z}, {"x": x}, B=30, seed=5)
    c = optimism_delta_auc(y, {"z": z}, {"x": x}, B=30, seed=6)
    assert a.corrected == b.corrected and a.corrected != c.corrected
    assert a.optimism > 0  # a noise term is always optimistic on average


# --- survival: coxph(Surv(time, status) ~ stage + age (+ score | + m1 + m2)) --------------------------------------
SURV = {
    "score": dict(coef1=[0.253013726263, 0.643788105665, 0.0217740523245, 0.60083977394],
                  se1=[0.221629976334, 0.246486785046, 0.0119025704627, 0.141651562806], loglik1=-479.071046025,
                  lr=18.4680830983, df=1, lr_p=1.72773618561e-05, wald=17.9917996953, wald_p=2.21858630085e-05,
                  c=(0.573262141904, 0.629017352911), var=(0.00091855999227, 0.000468931663597, 0.00084861403494),
                  dc=0.0557552110073, se_dc=0.0287977551211),
    "m1+m2": dict(coef1=[0.115053385942, 0.70666796034, 0.0236220997906, 0.531679268664, 0.052135297907],
                  se1=[0.226250276626, 0.246148638024, 0.0118075854715, 0.111985415175, 0.0852230025896],
                  loglik1=-474.241609183, lr=28.1269567815, df=2, lr_p=7.8038504567e-07, wald=28.0591675549,
                  wald_p=8.07289273558e-07, c=(0.573262141904, 0.652120340897),
                  var=(0.00091855999227, 0.000330950216847, 0.000679717032334), dc=0.0788581989937,
                  se_dc=0.0306002710921),
}


@pytest.mark.parametrize("key", list(SURV))
def test_nested_cox_and_delta_c_match_survival(data: pd.DataFrame, key: str) -> None:
    r = SURV[key]
    t = nested_lr_test(_clinical(data), _added(data, key), time=data.time, event=data.status, model="cox")
    np.testing.assert_allclose(t.reduced.coef, [0.156275286125, 0.532505365666, 0.0171236222729], rtol=1e-7)
    np.testing.assert_allclose(t.full.coef, r["coef1"], rtol=1e-7)
    np.testing.assert_allclose(t.full.se, r["se1"], rtol=1e-7)
    assert t.loglik_reduced == pytest.approx(-488.305087574, rel=1e-10)
    assert t.loglik_full == pytest.approx(r["loglik1"], rel=1e-10)
    assert t.lr == pytest.approx(r["lr"], rel=1e-8) and t.df == r["df"]
    assert t.p == pytest.approx(r["lr_p"], rel=1e-7)
    assert t.wald == pytest.approx(r["wald"], rel=1e-8) and t.wald_p == pytest.approx(r["wald_p"], rel=1e-7)
    d = delta_concordance(data.time, data.status, t.reduced.linear_predictor, t.full.linear_predictor)
    assert (d.c_a, d.c_b) == pytest.approx(r["c"], abs=1e-10)
    assert (d.se_a**2, d.cov, d.se_b**2) == pytest.approx(r["var"], abs=1e-12)
    assert d.diff == pytest.approx(r["dc"], abs=1e-10) and d.se == pytest.approx(r["se_dc"], abs=1e-10)
    assert d.ci_low < d.diff < d.ci_high


# --- bad input -----------------------------------------------------------------------------------------------------
def test_logistic_refuses_separation_and_constant_columns() -> None:
    with pytest.raises(StatsError, match="separated"):
        logistic([0, 0, 0, 1, 1, 1], {"x": [1, 2, 3, 4, 5, 6]})
    with pytest.raises(StatsError, match="constant"):
        logistic([0, 1, 0, 1], {"x": [1, 1, 1, 1]})
    with pytest.raises(StatsError, match="singular|collinear"):
        logistic([0, 1, 0, 1, 1, 0], {"a": [1, 2, 3, 4, 5, 7], "b": [2, 4, 6, 8, 10, 14]})


def test_nested_refuses_repeated_terms_and_bad_cutoffs() -> None:
    with pytest.raises(StatsError, match="repeat"):
        nested_lr_test({"a": [1, 2, 3, 4, 5, 6]}, {"a": [1, 2, 3, 4, 5, 6]}, y=[0, 1, 0, 1, 1, 0])
    with pytest.raises(StatsError, match="cut-offs"):
        categorical_nri([0, 1], [0.1, 0.2], [0.2, 0.3], [0.3, 0.1])
    with pytest.raises(StatsError, match=r"\[0, 1\]"):
        improve_prob([0, 1], [0.1, 1.2], [0.2, 0.3])


def test_optimism_delta_c_replays_the_r_bootstrap(data: pd.DataFrame) -> None:
    from biomark.stats import optimism_delta_c

    idx = np.loadtxt(R_DIR / "added_value_boot_idx.csv", delimiter=",", dtype=int)
    o = optimism_delta_c(data.time, data.status, _clinical(data), data[["score"]], indices=idx)
    assert o.n_boot == 50 and o.n_failed == 0
    assert o.apparent == pytest.approx(0.0557552110073, abs=1e-10)
    # Cox fits converge to ~1e-9 in both programs; a C difference moves only if a pair's order flips
    assert o.optimism == pytest.approx(-0.00791763627589, abs=1e-9)
    assert o.corrected == pytest.approx(0.0636728472832, abs=1e-9)
    assert (o.ci_low, o.ci_high) == pytest.approx((0.0185888814438, 0.115291117785), abs=1e-9)


def test_rcs_basis_matches_rcspline_eval(data: pd.DataFrame) -> None:
    # Hmisc 4.8.0 rcspline.eval(age, nk = 4): knots and basis rows; n < 100 moves the outer knots
    from biomark.stats import rcs_basis

    b = rcs_basis(data.age, 4)
    assert b.knots == pytest.approx((50.48, 59.815, 65.6, 76.21), abs=1e-12)
    np.testing.assert_allclose(b.basis[0], [76.3, 21.513532841, 3.90750885738], rtol=1e-10)
    np.testing.assert_allclose(b.basis[149], [65.9, 5.53816375454, 0.340268501212], rtol=1e-10)
    assert rcs_basis(data.age[:60], 4).knots == pytest.approx((53, 59.8, 64.37, 75.2), abs=1e-12)
    with pytest.raises(StatsError, match="distinct values"):
        rcs_basis(np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 10), 4)


def test_cv_delta_auc_replays_the_r_folds(data: pd.DataFrame) -> None:
    # R: 3 repeats of 5 stratified folds (ids in added_value_cv_folds.csv), glm per fold, pROC::auc of the pooled
    # out-of-fold linear predictors; exact arithmetic on fits converged to ~1e-8, hence 1e-9 on AUCs
    from biomark.stats import cv_delta_auc

    fid = np.loadtxt(R_DIR / "added_value_cv_folds.csv", delimiter=",", dtype=int)
    r = cv_delta_auc(data.y, _clinical(data), data[["score"]], fold_ids=fid)
    assert r.folds == 5 and r.repeats == 3
    np.testing.assert_allclose(r.diff_per_repeat, np.subtract([0.72702155093, 0.705102228771, 0.714127832013],
                                                              [0.686590532326, 0.655093018972, 0.662092466384]),
                               atol=1e-9)
    assert r.diff == pytest.approx(0.0474918646774, abs=1e-9)


def test_cv_delta_c_replays_the_r_folds(data: pd.DataFrame) -> None:
    # R: coxph per fold on the folds of added_value_cv_folds.csv, pooled uncentred x'b, concordance(reverse = TRUE)
    from biomark.stats import cv_delta_c

    fid = np.loadtxt(R_DIR / "added_value_cv_folds.csv", delimiter=",", dtype=int)
    r = cv_delta_c(data.time, data.status, _clinical(data), data[["score"]], fold_ids=fid)
    np.testing.assert_allclose(r.diff_per_repeat, np.subtract([0.569360303933, 0.592565971866, 0.565561145908],
                                                              [0.516018071671, 0.560735188418, 0.55113461341]),
                               atol=1e-9)
    assert r.diff == pytest.approx(0.0331998494027, abs=1e-9)
