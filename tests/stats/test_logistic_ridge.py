"""Ridge logistic regression with C chosen by inner CV (biomark.stats.logistic).

Reference: scikit-learn 1.9.1 ``LogisticRegressionCV(Cs, cv=folds, scoring="neg_log_loss")``, which
defines what PanelModel(method="logistic", penalty="l2") fitted before this module existed, run here
with a tight tolerance (lbfgs ``tol=1e-10``). Its solver stops at that tolerance and ours at the
optimum, so coefficients agree to ~1e-7 (seen: 6e-8 at most); the tolerance 1e-6 is far below the
differences between neighbouring grid points (the coefficients move by > 1e-2 from one C to the next),
so a wrong objective, a penalised intercept or a different choice of C would fail. With more than 10
columns the path keeps the Gram of a Newton step while the steps contract (a chord iteration); the same
comparison covers it, and a direct one against exact Newton fits per fold checks its stopping rule.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from biomark.stats import StatsError
from biomark.stats.logistic import logistic_ridge, logistic_ridge_cv


@pytest.mark.parametrize("trial", range(6))
def test_matches_scikit_learn_logistic_regression_cv(trial):
    # trials 4-5 have more than 10 columns, where the path reuses the Hessian between Newton steps
    rng = np.random.default_rng(100 + trial)
    n, p = [150, 190, 230, 270, 600, 1500][trial], [2, 3, 4, 5, 15, 40][trial]
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
    # lbfgs at tol=1e-10 still leaves 1.5e-7 in the held-out score at p = 40 (seen before the chord path too)
    np.testing.assert_allclose(ours.cv_score, np.ravel(ref.scores_.sum(axis=0)), rtol=0,
                               atol=1e-7 if p < 40 else 5e-7)


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


@pytest.mark.parametrize(("p", "lockstep"), [(4, True), (4, False), (30, False)])
def test_path_equals_exact_newton_fits_per_fold(p, lockstep, monkeypatch):
    """Each fold's fit along the path equals an exact Newton fit (logistic_ridge, tol 1e-13) at that C.

    p = 4: all (fold, C) problems solved in lockstep from zero, or (too many rows for that, forced here)
    fold by fold with exact Newton steps; p = 30: the chord path.

    The chord steps share the fixed point of Newton's method and stop by the same rule (a step below
    1e-10, or a predicted decrease inside the rounding of the objective), so an inner fit is within a
    quarter of its last step of the optimum: seen 1e-9 in the held-out score. A stopping rule that
    trusted a stale Hessian too early would leave the score ~1e-4 away (the first chord steps are
    1e-2-1e-1); the refit on all rows is an exact Newton fit.
    """
    import importlib

    if not lockstep:
        monkeypatch.setattr(importlib.import_module("biomark.stats.logistic"), "_LOCKSTEP_MAX_CELLS", 0)
    rng = np.random.default_rng(7)
    n = 2000
    x = rng.normal(size=(n, p))
    y = (x[:, :3].sum(axis=1) * 0.3 + rng.normal(size=n) > 0.3).astype(float)
    Cs = np.logspace(-4, 4, 10)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=3).split(x, y))
    ours = logistic_ridge_cv(x, y, Cs, folds)
    total = np.zeros(Cs.size)
    for tr, te in folds:
        for j, C in enumerate(Cs):
            theta, _ = logistic_ridge(x[tr], y[tr], float(C), tol=1e-13)
            eta = x[te] @ theta[:-1] + theta[-1]
            total[j] += -np.mean(np.logaddexp(0.0, eta) - y[te] * eta)
    np.testing.assert_allclose(ours.cv_score, total, rtol=0, atol=1e-8)
    best = int(np.argmax(total))
    theta, _ = logistic_ridge(x, y, float(Cs[best]), tol=1e-13)
    np.testing.assert_allclose(ours.coef, theta[:-1], rtol=0, atol=1e-8)
