"""ROC options of issue 20 against R 4.2.2 / pROC 1.18.0.

Reference script tests/data/R/parity_roc.R, output parity_roc.Rout; the data it simulated are
tests/data/R/parity_roc_a.csv (60 controls, 40 cases, two scores with ties) and parity_roc_b.csv
(an independent cohort). Deterministic quantities are checked to 1e-12 (pROC prints 15 digits;
the arithmetic is the same up to rounding). Bootstrap intervals cannot match digit for digit (R's
and numpy's random streams differ): pROC's were run with boot.n = 20000, ours with 4000, and the
tolerance 0.03 is about 4 Monte-Carlo SEs of the difference of two percentile estimates (the
2.5% quantile of 4000 replicates of an AUC with SE 0.05 has an MC SE of about 0.005; for a
quantile of a sensitivity from 40 cases, on a grid of 1/40 = 0.025, one grid step).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biomark.stats as bs
from biomark.stats import StatsError

EXACT = 1e-12
MC = 0.03


@pytest.fixture(scope="module")
def a(data_dir):
    return pd.read_csv(data_dir / "R" / "parity_roc_a.csv")


@pytest.fixture(scope="module")
def b(data_dir):
    return pd.read_csv(data_dir / "R" / "parity_roc_b.csv")


# pROC::auc(r1, partial.auc = rg, partial.auc.focus = focus[, partial.auc.correct = TRUE])
PAUC = [
    ((1, 0.8), "specificity", 0.081458333333333, 0.670717592592593),
    ((1, 0.8), "sensitivity", 0.066041666666667, 0.627893518518518),
    ((0.9, 0.6), "specificity", 0.188333333333333, 0.751851851851852),
    ((0.9, 0.6), "sensitivity", 0.191666666666667, 0.759259259259259),
    ((0.95, 0.93), "specificity", 0.007100000000000, 0.656914893617021),
    ((0.95, 0.93), "sensitivity", 0.004266666666667, 0.581560283687943),
]


@pytest.mark.parametrize(("bounds", "focus", "raw", "corrected"), PAUC)
def test_partial_auc_matches_proc(a, bounds, focus, raw, corrected):
    r = bs.partial_auc(a.y, a.s1, bounds, focus=focus)
    assert r.pauc == pytest.approx(raw, abs=EXACT)
    assert r.corrected == pytest.approx(corrected, abs=EXACT)


def test_partial_auc_full_range_is_the_auc(a):
    r = bs.partial_auc(a.y, a.s1, (0, 1))
    assert r.pauc == pytest.approx(bs.roc_auc(a.y, a.s1, direction="<").auc, abs=1e-14)
    assert r.corrected == pytest.approx(r.pauc, abs=1e-14)  # McClish with min 0.5, max 1


def test_auc_bootstrap_within_mc_error_of_proc(a):
    # set.seed(1); ci.auc(r1, method = "bootstrap", boot.n = 20000)
    r = bs.auc_bootstrap(a.y, a.s1, n_boot=4000, seed=1)
    assert r.estimate == pytest.approx(0.768333333333333, abs=EXACT)
    assert (r.ci_low, r.median, r.ci_high) == pytest.approx((0.669166666666667, 0.77, 0.859375), abs=MC)
    assert bs.auc_bootstrap(a.y, a.s1, n_boot=200, seed=5).to_dict() == bs.auc_bootstrap(a.y, a.s1, n_boot=200, seed=5).to_dict()


def test_pauc_bootstrap_within_mc_error_of_proc(a):
    # set.seed(2); ci.auc(r1, method = "bootstrap", boot.n = 20000, reuse.auc = FALSE,
    #                     partial.auc = c(1, 0.8), partial.auc.correct = TRUE)
    r = bs.auc_bootstrap(a.y, a.s1, bounds=(0.8, 1.0), n_boot=4000, seed=2)
    assert r.estimate == pytest.approx(0.670717592592593, abs=EXACT)
    assert (r.ci_low, r.median, r.ci_high) == pytest.approx((0.586805555555556, 0.676215277777778, 0.772569444444444), abs=MC)


def test_sensitivity_at_specificity_matches_proc(a):
    # coords(r1, x = c(0.8, 0.9, 0.95), input = "specificity", ret = "sensitivity"); set.seed(3); ci.se(...)
    r = bs.sensitivity_at(a.y, a.s1, [0.8, 0.9, 0.95], n_boot=4000, seed=3)
    np.testing.assert_allclose(r.estimate, [0.575, 0.375, 0.35], atol=EXACT)
    np.testing.assert_allclose(r.lower[:2], [0.350, 0.225], atol=MC)
    np.testing.assert_allclose(r.median[:2], [0.583333333333, 0.4], atol=MC)
    np.testing.assert_allclose(r.upper[:2], [0.8, 0.625], atol=MC)


def test_specificity_at_sensitivity_matches_proc(a):
    # coords(r1, x = c(0.5, 0.8, 0.9), input = "sensitivity", ret = "specificity"); set.seed(4); ci.sp(...)
    r = bs.specificity_at(a.y, a.s1, [0.5, 0.8, 0.9], n_boot=4000, seed=4)
    np.testing.assert_allclose(r.estimate, [0.841666666666667, 0.6, 0.333333333333333], atol=EXACT)
    np.testing.assert_allclose(r.lower[:2], [0.716666666667, 0.316666666667], atol=MC)
    np.testing.assert_allclose(r.median[:2], [0.841666666667, 0.608333333333], atol=MC)
    np.testing.assert_allclose(r.upper[:2], [0.966666666667, 0.8], atol=MC)


def test_unpaired_delong_matches_proc(a, b):
    # roc.test(r1, rb, method = "delong", paired = FALSE)
    t = bs.delong_unpaired(a.y, a.s1, b.y, b.s)
    assert (t.auc_a, t.auc_b) == pytest.approx((0.768333333333333, 0.712888888888889), abs=EXACT)
    assert t.statistic == pytest.approx(0.759288113797488, abs=EXACT)
    assert t.df == pytest.approx(190.850963277488404, abs=1e-9)
    assert t.p == pytest.approx(0.448617014759453, abs=EXACT)
    assert t.p_normal == pytest.approx(0.447680226255963, abs=EXACT)


def test_smooth_binormal_matches_proc(a):
    # sm <- smooth(r1, method = "binormal"); coef(sm$model); auc(sm); sm$sensitivities[...]
    sm = bs.smooth_roc(a.y, a.s1, direction="<")
    assert (sm.intercept, sm.slope) == pytest.approx((1.193145712230848, -1.295284112506558), abs=EXACT)
    assert sm.auc == pytest.approx(0.767040270973137, abs=EXACT)
    assert sm.sensitivities.size == 514
    idx = np.array([1, 100, 256, 400, 512]) - 1
    np.testing.assert_allclose(sm.sensitivities[idx], [1, 0.808219178082192, 0.502935420743640, 0.221135029354207,
                                                       0.001956947162427], atol=EXACT)
    np.testing.assert_allclose(sm.specificities[idx], [0, 0.525712552498426, 0.881717233132501, 0.985679664917737,
                                                       0.999999588989997], atol=1e-11)


def test_power_one_auc_matches_proc():
    assert bs.roc_power(auc=0.8, n_cases=30, n_controls=45).power == pytest.approx(0.998042954644757, abs=EXACT)
    r = bs.roc_power(auc=0.75, power=0.9, kappa=1.5)
    assert (r.n_cases, r.n_controls) == pytest.approx((21.117496056023210, 31.676244084034813), abs=1e-9)
    s = bs.roc_power(auc=0.7, n_cases=50, n_controls=50, power=0.8, sig_level=None)
    assert s.sig_level == pytest.approx(0.006000917343573, abs=EXACT)
    # pROC's uniroot stops at its default tol (0.650174...); with tol = 1e-13 R gives this root
    assert bs.roc_power(n_cases=50, n_controls=60, power=0.8).auc == pytest.approx(0.650144604462379, abs=1e-9)


def test_power_two_paired_aucs_matches_proc():
    p = bs.roc_power_paired(1.2, 1, 0.8, 1, rn=0.4, ra=0.6, n_cases=60, n_controls=60)
    assert p.power == pytest.approx(0.451824521990197, abs=EXACT)
    n = bs.roc_power_paired(1.2, 1, 0.8, 1, rn=0.4, ra=0.6, power=0.8, kappa=2)
    assert n.n_cases == pytest.approx(119.107051888082310, abs=1e-9)


@pytest.mark.parametrize("bounds", [(0.8, 1.2), (-0.1, 0.5), (0.5, 0.5), ("a", 1)])
def test_partial_auc_range_outside_unit_interval_is_refused(a, bounds):
    with pytest.raises(StatsError, match="bounds must be"):
        bs.partial_auc(a.y, a.s1, bounds)


@pytest.mark.parametrize("values", [[0.0], [1.0], [1.5], [math.nan]])
def test_fixed_specificity_outside_open_unit_interval_is_refused(a, values):
    with pytest.raises(StatsError, match="strictly between 0 and 1"):
        bs.sensitivity_at(a.y, a.s1, values, n_boot=10)


def test_power_needs_exactly_one_unknown():
    with pytest.raises(StatsError, match="give all but one"):
        bs.roc_power(auc=0.7, n_cases=10, power=0.8)
