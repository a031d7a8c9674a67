"""The resampling kernels against the reference statistics (statsmodels GLM 0.14+, roc_auc == pROC)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from biomark.stats import auc_mann_whitney, brier_score, recalibration, roc_auc


@pytest.mark.parametrize("seed", range(5))
def test_recalibration_equals_unpenalised_glm(seed):
    rng = np.random.default_rng(seed)
    n = 300
    p = 1 / (1 + np.exp(-rng.normal(0, 1.5, n)))
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.7 * np.log(p / (1 - p)))))).astype(float)
    ours = recalibration(y, p)
    x = sm.add_constant(np.log(p / (1 - p)))
    ref = sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-14).params
    assert ours.converged
    assert ours.intercept == pytest.approx(ref[0], abs=1e-9)
    assert ours.slope == pytest.approx(ref[1], abs=1e-9)


def test_recalibration_separation_is_not_converged():
    r = recalibration(np.array([0.0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert not r.converged and np.isnan(r.slope)


def test_auc_and_brier_equal_reference():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.normal(size=500) + 0.5 * y, 1)  # ties
    assert auc_mann_whitney(y, s) == pytest.approx(roc_auc(y, s, direction="<").auc, abs=1e-14)
    p = rng.random(500)
    assert brier_score(y, p) == pytest.approx(float(np.sum((p - y) ** 2) / 500), abs=1e-15)


def test_recalibration_kernel_equals_calibrations_glm_but_not_bit_for_bit():
    # issue 13 asked calibration() to use this kernel where it gives the same numbers. It agrees with
    # statsmodels' GLM (calibration's engine) to ~1e-13, but not to the last bit: on the demo cohort the
    # intercept moves from -0.0017330360630037796 to ...8021 and citl in the 15th digit, which would move
    # the golden results.json without a bug fix. So calibration keeps the GLM and this test holds the two
    # engines together.
    from scipy import special

    from biomark.stats import calibration

    rng = np.random.default_rng(5)
    p = rng.uniform(0.02, 0.98, 400)
    y = (rng.random(400) < special.expit(0.3 + 1.4 * special.logit(p))).astype(float)
    res, kern = calibration(y, p), recalibration(y, p)
    assert kern.converged
    assert (kern.intercept, kern.slope) == pytest.approx((res.intercept, res.slope), abs=1e-9)
