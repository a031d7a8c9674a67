"""Ridge logistic regression with C chosen by inner CV (biomark.stats.logistic).

Reference: scikit-learn 1.9.1 ``LogisticRegressionCV(Cs, cv=folds, scoring="neg_log_loss")``, which
defines what PanelModel(method="logistic", penalty="l2") fitted before this module existed, run here
with a tight tolerance (lbfgs ``tol=1e-10``). Its solver stops at that tolerance and ours at the
optimum, so coefficients agree to ~1e-7 (seen: 6e-8 at most); the tolerance 1e-6 is far below the
differences between neighbouring grid points (the coefficients move by > 1e-2 from one C to the next),
so a wrong objective, a penalised intercept or a different choice of C would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from biomark.stats import StatsError
from biomark.stats.logistic import logistic_ridge, logistic_ridge_cv


@pytest.mark.parametrize("trial", range(4))
def test_matches_scikit_learn_logistic_regression_cv(trial):
    rng = np.random.default_rng(100 + trial)
    n, p = 150 + 40 * trial, 2 + trial
    x = rng.normal(size=(n, p)) * rng.uniform(0.5, 3, p)
    y = (x @ rng.normal(size=p) * 0.4 + rng.normal(size=n) > 0.5).astype(int)
    Cs = np.logspace(-4, 4, 10)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=trial).split(x, y))
    ours = logistic_ridge_cv(x, y, Cs, folds)
    ref = LogisticRegressionCV(Cs=Cs, cv=folds, scoring="neg_log_loss", tol=1e-10, max_iter=10000,
                               l1_ratios=[0.0], use_legacy_attributes=False).fit(x, y)
    assert ours.C == float(np.ravel(ref.C_)[0])
    np.testing.assert_allclose(ours.coef, ref.coef_[0], rtol=0, atol=1e-6)
    assert ours.intercept == pytest.approx(float(ref.intercept_[0]), abs=1e-6)
    np.testing.assert_allclose(ours.cv_score, np.ravel(ref.scores_.sum(axis=0)), rtol=0, atol=1e-7)


@pytest.mark.parametrize("C", [1e-4, 0.1, 10.0, 1e4])
def test_one_fit_matches_newton_cholesky(C):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(80, 3))
    y = (x[:, 0] - x[:, 2] + rng.normal(size=80) > 0).astype(int)
    theta, _ = logistic_ridge(x, y, C)
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x, y)
    np.testing.assert_allclose(theta[:-1], ref.coef_[0], rtol=1e-7, atol=1e-9)
    assert theta[-1] == pytest.approx(float(ref.intercept_[0]), rel=1e-7, abs=1e-9)


def test_separable_data_stay_finite_under_a_penalty():
    x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    theta, _ = logistic_ridge(x, y, 1e4)
    assert np.all(np.isfinite(theta)) and theta[0] > 5  # large, as the data separate


def test_bad_grid_is_refused():
    with pytest.raises(StatsError, match="positive"):
        logistic_ridge_cv(np.zeros((4, 1)), np.array([0, 1, 0, 1]), [0.0, 1.0], [])
