"""Cox, log-rank, Kaplan-Meier and cox.zph against R survival 3.5.3 on the NCCTG lung data.

Reference numbers: tests/data/expected.json ("survival", see tests/data/REFERENCE.md) and, where
marked "R extra", values printed by R 4.2 / survival 3.5.3 with ``options(digits = 15)`` on
tests/data/lung.csv (the R call is given next to each number).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from biomark.stats import StatsError, cox, kaplan_meier, logrank, ph_test

TERMS = ["age", "sex", "ph_ecog"]


@pytest.fixture(scope="module")
def lung(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "lung.csv")


@pytest.fixture(scope="module")
def ref(expected) -> dict:
    return expected["survival"][0]


# ------------------------------------------------------------------------------------ cox


def test_cox_matches_coxph_efron(lung, ref):
    # R: coxph(Surv(time, event) ~ age + sex + ph_ecog, ties = "efron")  (expected.json)
    fit = cox(lung.time, lung.event, lung[TERMS])
    assert fit.terms == tuple(ref["cox_terms"])
    np.testing.assert_allclose(fit.coef, ref["cox_coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.se, ref["cox_se"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.hr_ci_low, ref["cox_hr_ci_low"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.hr_ci_high, ref["cox_hr_ci_high"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.p, ref["cox_wald_p"], rtol=1e-6, atol=1e-12)
    assert fit.loglik == pytest.approx(ref["cox_loglik"], abs=1e-6)
    assert fit.lrt == pytest.approx(ref["cox_lrt"], abs=1e-6)
    # R extra: summary(fit)$logtest / $waldtest / $sctest
    assert fit.lrt_p == pytest.approx(2.10384699899343e-06, rel=1e-6)
    assert fit.wald == pytest.approx(28.57, abs=0.005)  # R rounds the printed Wald test
    assert fit.wald_p == pytest.approx(2.75353482287893e-06, rel=1e-3)
    assert fit.score == pytest.approx(29.1303133742, abs=1e-6)
    assert fit.score_p == pytest.approx(2.10258106639237e-06, rel=1e-6)
    assert fit.n == 213 and fit.n_events == 151


def test_cox_breslow_matches_r(lung):
    # R extra: coxph(Surv(time, event) ~ age + sex + ph_ecog, ties = "breslow")
    fit = cox(lung.time, lung.event, lung[TERMS], ties="breslow")
    np.testing.assert_allclose(
        fit.coef, [0.0134499902869384, -0.5713696665441117, 0.4556798515784211], atol=1e-6
    )
    np.testing.assert_allclose(
        fit.se, [0.00973715264191015, 0.17482801977468235, 0.11878935037856976], atol=1e-6
    )
    assert fit.loglik_null == pytest.approx(-675.212679467984, abs=1e-6)
    assert fit.loglik == pytest.approx(-660.693269884276, abs=1e-6)


def test_cox_single_score_per_unit_and_per_sd(lung):
    # R extra: rs <- 0.02*age + 0.5*ph_ecog - 0.5*sex; coxph(Surv(time, event) ~ rs)
    rs = 0.02 * lung.age.to_numpy() + 0.5 * lung.ph_ecog.to_numpy() - 0.5 * lung.sex.to_numpy()
    fit = cox(lung.time, lung.event, {"risk_score": rs})
    assert fit.coef[0] == pytest.approx(0.920990559586607, abs=1e-6)
    assert fit.se[0] == pytest.approx(0.174071271815332, abs=1e-6)
    sd = np.std(rs, ddof=1)
    assert fit.hr_per_sd[0] == pytest.approx(np.exp(0.920990559586607 * sd), rel=1e-6)
    assert fit.hr_per_sd_ci_low[0] == pytest.approx(
        np.exp((fit.coef[0] - 1.959963984540054 * fit.se[0]) * sd), rel=1e-9
    )
    t = fit.term("risk_score")
    assert t["hr"] == pytest.approx(np.exp(fit.coef[0]))
    with pytest.raises(StatsError, match="no term 'age'"):
        fit.term("age")


def test_cox_input_forms_agree(lung):
    a = cox(lung.time, lung.event, lung[TERMS])
    b = cox(lung.time.to_numpy(), lung.event.to_numpy(), lung[TERMS].to_numpy())
    c = cox(lung.time, lung.event.astype(bool), {k: lung[k].to_numpy() for k in TERMS})
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-12)
    np.testing.assert_allclose(a.coef, c.coef, atol=1e-12)
    assert b.terms == ("x1", "x2", "x3")
    single = cox(lung.time, lung.event, lung.age)
    assert single.terms == ("age",)
    json.dumps(a.to_dict())  # plain JSON
    assert list(a.summary_frame().index) == TERMS


def test_cox_matches_statsmodels_phreg_with_ties():
    # cross-check: statsmodels PHReg (Efron) on data with many tied times
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 2))
    t = np.round(rng.exponential(np.exp(-x @ np.array([0.5, -0.3]))), 1) + 0.1
    e = rng.random(400) < 0.7
    ref = PHReg(t, x, status=e.astype(float), ties="efron").fit()
    fit = cox(t, e, x)
    np.testing.assert_allclose(fit.coef, ref.params, atol=1e-8)
    np.testing.assert_allclose(fit.se, ref.bse, atol=1e-8)
    ref_b = PHReg(t, x, status=e.astype(float), ties="breslow").fit()
    fit_b = cox(t, e, x, ties="breslow")
    np.testing.assert_allclose(fit_b.coef, ref_b.params, atol=1e-8)


def test_cox_monotone_likelihood_is_an_error():
    # every death in group 0 happens before any death in group 1: beta -> -inf
    rng = np.random.default_rng(0)
    g = np.r_[np.zeros(30), np.ones(30)]
    t = np.r_[rng.uniform(1, 2, 30), rng.uniform(3, 4, 30)]
    with pytest.raises(StatsError, match=r"monotone likelihood for covariate 'g'.*-infinity"):
        cox(t, np.ones(60), {"g": g})
    # all events in one group (group 0 fully censored): beta -> +inf
    e = g.astype(int)
    with pytest.raises(StatsError, match=r"monotone likelihood.*\+infinity"):
        cox(rng.uniform(1, 5, 60), e, {"g": g})
    # one overlap makes the estimate finite
    t2 = t.copy()
    t2[0] = 3.5
    fit = cox(t2, np.ones(60), {"g": g})
    assert np.isfinite(fit.coef[0]) and fit.coef[0] < -1


def test_monotone_likelihood_is_an_exception_or_converged_false_never_a_negative_count():
    # issue 13: cox raises MonotoneLikelihoodError (naming the term and the sign); the engine reports
    # converged=False and the diverging term; every count of iterations is >= 0
    from biomark.stats import MonotoneLikelihoodError
    from biomark.stats._surv_cox import CoxData
    from biomark.stats.coxph import newton

    rng = np.random.default_rng(0)
    g = np.r_[np.zeros(30), np.ones(30)]
    t = np.r_[rng.uniform(1, 2, 30), rng.uniform(3, 4, 30)]
    with pytest.raises(MonotoneLikelihoodError) as info:
        cox(t, np.ones(60), {"g": g})
    assert (info.value.term, info.value.sign) == (0, -1)
    with np.errstate(all="ignore"):
        res = newton(CoxData(t, np.ones(60, dtype=np.int8), g.reshape(-1, 1), efron=True))
    assert res.converged is False and res.monotone == 0 and res.iterations >= 0
    t2 = t.copy()
    t2[0] = 3.5
    fit = cox(t2, np.ones(60), {"g": g})
    assert fit.converged is True and fit.iterations > 0


def test_old_keyword_names_work_for_one_release_with_a_warning(lung):
    x = lung[["age"]]
    with pytest.warns(DeprecationWarning, match="'conf_level' is now called 'ci'"):
        old = cox(lung.time, lung.event, x, conf_level=0.9)
    assert old.hr_ci_low == pytest.approx(cox(lung.time, lung.event, x, ci=0.9).hr_ci_low)
    with pytest.warns(DeprecationWarning):
        assert kaplan_meier(lung.time, lung.event, conf_level=0.9).ci == 0.9


def test_ph_test_with_every_event_at_one_time_says_why_it_is_undefined():
    # regression (issue 13): numpy's LinAlgError leaked; g(t) is constant over one event time
    t = np.array([5.0, 5, 5, 7, 8, 9])
    e = np.array([1, 1, 1, 0, 0, 0])
    with pytest.raises(StatsError, match="every event is at one time"):
        ph_test(t, e, np.array([1.0, 2, 3, 4, 5, 7]))


def test_cox_monotone_likelihood_of_a_continuous_covariate_beside_another():
    """A continuous covariate ordering the event times exactly, next to a noise covariate: on the way to
    infinity a risk set's weights underflow and the information turns NaN; that must still be reported as
    a monotone likelihood naming the covariate, not as a failure to converge."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    t = np.argsort(np.argsort(-x)) + 1.0  # the larger x, the earlier the event
    with pytest.raises(StatsError, match=r"monotone likelihood for covariate 'x'.*\+infinity"):
        cox(t, np.ones(60), {"x": x, "noise": rng.normal(size=60)})


def test_cox_coef_is_the_coefficients_of_cox(lung):
    from biomark.stats.survival import cox_coef

    x = lung[["age", "sex", "ph_ecog"]]
    np.testing.assert_array_equal(cox_coef(lung.time, lung.event, x.to_numpy()), cox(lung.time, lung.event, x).coef)
    with pytest.raises(StatsError, match="'sex' is constant"):
        cox_coef(lung.time, lung.event, np.column_stack([lung.age, np.ones(len(lung))]), ["age", "sex"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(time=[1, 2, 3], event=[0, 0, 0], covariates=[1.0, 2.0, 3.0]), "no events"),
        (dict(time=[1, 0, 3], event=[1, 1, 0], covariates=[1.0, 2.0, 3.0]), "strictly positive"),
        (dict(time=[1, -2, 3], event=[1, 1, 0], covariates=[1.0, 2.0, 3.0]), "strictly positive"),
        (dict(time=[1, np.nan, 3], event=[1, 1, 0], covariates=[1.0, 2.0, 3.0]), "time contains 1 missing"),
        (dict(time=[1, 2, 3], event=[1, 1, 0], covariates=[1.0, np.nan, 3.0]), "covariate 'x' contains 1 missing"),
        (dict(time=[1, 2, 3], event=[1, 1, 0], covariates={"k": [2.0, 2.0, 2.0]}), "covariate 'k' is constant"),
        (dict(time=[1, 2, 3], event=[1, 2, 0], covariates=[1.0, 2.0, 3.0]), "coded 0"),
        (dict(time=[1, 2, 3], event=[1, 1], covariates=[1.0, 2.0, 3.0]), "different lengths"),
        (dict(time=[1, 2, 3], event=[1, 1, 0], covariates=[1.0, 2.0]), "has length 2"),
        (dict(time=[1, 2, 3, 4], event=[1, 1, 0, 1],
              covariates={"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8]}), "collinear"),
    ],
)
def test_cox_errors(kwargs, message):
    with pytest.raises(StatsError, match=message):
        cox(**kwargs)


def test_cox_bad_options():
    with pytest.raises(StatsError, match="ties must be"):
        cox([1, 2, 3], [1, 1, 0], [1.0, 2, 3], ties="exact")
    with pytest.raises(StatsError, match="ci must be"):
        cox([1, 2, 3], [1, 1, 0], [1.0, 2, 3], ci=1.5)


# ------------------------------------------------------------------------------------ zph


def test_ph_test_matches_cox_zph(lung, ref):
    z = ph_test(lung.time, lung.event, lung[TERMS])
    # expected.json: cox.zph(fit) global p
    assert z.global_p == pytest.approx(ref["zph_global_p"], abs=1e-4)
    assert z.global_p == pytest.approx(ref["zph_global_p"], abs=1e-8)
    # R extra: cox.zph(fit)$table
    np.testing.assert_allclose(
        z.chisq, [0.44907189672307, 2.32049791714879, 2.00578457590506], rtol=1e-7
    )
    np.testing.assert_allclose(
        z.p, [0.502776025606602, 0.127679150524464, 0.156700201737393], atol=1e-7
    )
    assert z.global_chisq == pytest.approx(4.56317648520009, rel=1e-7)
    assert z.global_df == 3 and list(z.df) == [1, 1, 1]


def test_ph_test_detects_non_proportional_hazards():
    # hazard ratio 3 before t = 1, 1/3 after: strongly non-proportional
    rng = np.random.default_rng(11)
    n = 1000
    g = rng.integers(0, 2, n).astype(float)
    early = rng.exponential(np.where(g == 1, 1 / 3, 1.0))
    late = 1.0 + rng.exponential(np.where(g == 1, 3.0, 1.0))
    t = np.where(early < 1.0, early, late)
    z = ph_test(t, np.ones(n), {"g": g})
    assert z.p[0] < 1e-6


# ------------------------------------------------------------------------------------ log-rank


def test_logrank_matches_survdiff(lung, ref):
    # expected.json: survdiff(Surv(time, event) ~ sex)
    res = logrank(lung.time, lung.event, lung[ref["logrank_group"]])
    assert res.chisq == pytest.approx(ref["logrank_chisq"], abs=1e-6)
    assert res.p == pytest.approx(ref["logrank_p"], abs=1e-9)
    assert res.df == 1
    assert res.groups == (1, 2)
    np.testing.assert_array_equal(res.observed, [102, 49])
    assert res.expected.sum() == pytest.approx(151)


def test_logrank_k_groups_and_strata(lung):
    # R extra: survdiff(Surv(time, event) ~ ph_ecog)
    res = logrank(lung.time, lung.event, lung.ph_ecog)
    assert res.chisq == pytest.approx(20.5383610588404, abs=1e-6)
    assert res.df == 3
    np.testing.assert_allclose(
        res.expected,
        [50.665288702821002, 77.037636120262661, 23.139961935413698, 0.157113241502668],
        atol=1e-9,
    )
    # R extra: survdiff(Surv(time, event) ~ sex + strata(ph_ecog))
    st = logrank(lung.time, lung.event, lung.sex, strata=lung.ph_ecog)
    assert st.chisq == pytest.approx(10.7967278529049, abs=1e-6)
    assert st.expected[0] == pytest.approx(22.4135488896691 + 38.0275646592714 + 21.0559297870631 + 1)
    assert st.n_strata == 4


def test_logrank_trend():
    rng = np.random.default_rng(5)
    n = 300
    grp = rng.integers(0, 3, n)
    t = rng.exponential(1.0 / (1.0 + 0.6 * grp))
    e = rng.random(n) < 0.8
    # with two groups the trend test is the ordinary log-rank test (identity)
    two = grp < 2
    a = logrank(t[two], e[two], grp[two])
    b = logrank(t[two], e[two], grp[two], trend=True)
    assert b.chisq == pytest.approx(a.chisq, rel=1e-12)
    tr = logrank(t, e, grp, trend=True)
    # trend statistic (s'(O-E))^2 / s'Vs from the returned O, E, V with scores 0, 1, 2
    s = np.array([0.0, 1.0, 2.0])
    assert tr.chisq == pytest.approx((s @ (tr.observed - tr.expected)) ** 2 / (s @ tr.variance @ s))
    assert tr.df == 1 and tr.p < 0.001
    # scores are shift invariant; string groups use 1..k
    tr2 = logrank(t, e, np.array(["a", "b", "c"])[grp], trend=True)
    assert tr2.chisq == pytest.approx(tr.chisq, rel=1e-12)


def test_logrank_errors():
    with pytest.raises(StatsError, match="at least 2 groups"):
        logrank([1, 2, 3], [1, 1, 0], [1, 1, 1])
    with pytest.raises(StatsError, match="no events"):
        logrank([1, 2, 3], [0, 0, 0], [1, 2, 1])
    with pytest.raises(StatsError, match="group must be 1-D with length 3"):
        logrank([1, 2, 3], [1, 1, 0], [1, 2])
    with pytest.raises(StatsError, match="group contains missing"):
        logrank([1, 2, 3], [1, 1, 0], [1.0, np.nan, 2.0])
    with pytest.raises(StatsError, match="one value per group"):
        logrank([1, 2, 3], [1, 1, 0], [1, 2, 1], trend=True, scores=[1, 2, 3])


# ------------------------------------------------------------------------------------ KM


def test_kaplan_meier_matches_summary_survfit(lung, ref):
    km = kaplan_meier(lung.time, lung.event)
    # expected.json: summary(survfit(Surv(time, event) ~ 1), times = c(180, 365, 730))
    pt = km.at(ref["km_times"])
    np.testing.assert_allclose(pt.surv, ref["km_surv"], atol=1e-6)
    np.testing.assert_allclose(pt.lower, ref["km_lower"], atol=1e-6)
    np.testing.assert_allclose(pt.upper, ref["km_upper"], atol=1e-6)
    # R extra: print(survfit(...)) median 337, 0.95LCL 288, 0.95UCL 371
    assert (km.median, km.median_lower, km.median_upper) == (337.0, 288.0, 371.0)


def test_kaplan_meier_subgroup_std_err_and_median(lung):
    m = lung.sex == 2
    km = kaplan_meier(lung.time[m], lung.event[m])
    # R extra: summary(survfit(Surv(time, event) ~ 1, data = lung[sex == 2, ]), times = c(100, 200, 400))
    pt = km.at([100, 200, 400])
    np.testing.assert_allclose(pt.surv, [0.918457462466883, 0.821105940808270, 0.537432414178638], atol=1e-9)
    np.testing.assert_allclose(pt.std_err, [0.0295391969033054, 0.0419377387710202, 0.0616783180446197], atol=1e-9)
    # R extra: median 433, 0.95LCL 351, 0.95UCL 641
    assert (km.median, km.median_lower, km.median_upper) == (433.0, 351.0, 641.0)


def test_kaplan_meier_step_function_and_risk_sets():
    # hand-computed: 2 deaths at t=2 (5 at risk), censored at 3, 1 death at 4 (2 at risk)
    km = kaplan_meier([2, 2, 3, 4, 5], [1, 1, 0, 1, 0])
    np.testing.assert_allclose(km.surv, [0.6, 0.6, 0.3, 0.3])
    pt = km.at([1, 2, 3.9, 4])
    np.testing.assert_allclose(pt.surv, [1.0, 0.6, 0.6, 0.3])  # right-continuous
    assert pt.lower[0] == 1.0 and pt.upper[0] == 1.0
    np.testing.assert_array_equal(km.n_at_risk([0.5, 2, 2.5, 5, 6]), [5, 5, 3, 1, 0])
    assert km.median == 4.0
    with pytest.raises(StatsError, match="beyond the last follow-up"):
        km.at([6])
    assert km.at([6], extend=True).surv[0] == pytest.approx(0.3)


def test_kaplan_meier_median_on_flat_half_and_not_reached():
    # S drops to exactly 0.5 at t=2 and stays until t=4: R's median is the midpoint 3
    km = kaplan_meier([1, 2, 4, 5], [1, 1, 1, 0])
    assert km.median == 3.0
    # never below 0.5: median not reached (nan, R prints NA)
    km2 = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert np.isnan(km2.median)
    # all dead: S = 0 at the end, CI undefined (nan) as in R
    km3 = kaplan_meier([1, 2], [1, 1])
    assert km3.surv[-1] == 0.0 and np.isnan(km3.lower[-1])
    assert km3.to_dict()["lower"][-1] is None


def test_kaplan_meier_errors():
    with pytest.raises(StatsError, match="strictly positive"):
        kaplan_meier([0, 1], [1, 1])
    with pytest.raises(StatsError, match="ci must be"):
        kaplan_meier([1, 2], [1, 1], ci=0)
