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
