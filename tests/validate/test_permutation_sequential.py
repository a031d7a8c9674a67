"""The permutation test of a fitted model stops once its p-value cannot fall to alpha, or is settled below it.

Besag & Clifford (1991, Biometrika 78:301-304): with h = ceil(alpha (N + 1)) exceedances after L
permutations, p = h / L is a valid p-value, and a test that would go on to N could only give
p >= (h + 1) / (N + 1) > alpha. The stopping point is checked here against an independent replay of
the same permutations (the same seeds, one by one), and the result must not depend on n_jobs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

from biomark.model import PanelModel
from biomark.validation import binary, metrics
from biomark.validation.parallel import task_seeds


def _data(signal: float, n: int = 90, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = (signal * X["a"].to_numpy() + rng.normal(size=n) > 0).astype(float)
    return X, y


EST = PanelModel(method="logistic", Cs=3, inner_cv=3, random_state=0)


def test_a_null_model_stops_early_where_an_independent_replay_says():
    X, y = _data(0.0)
    out = binary.permutation_p(EST, X, y, folds=3, n_perm=200, seed=1, n_jobs=1, alpha=0.05)
    assert out["stopped_early"] and out["n"] < 200 and out["n_max"] == 200
    h = math.ceil(0.05 * 201)  # 11
    # replay: the same folds and seeds, one permutation at a time, counting exceedances
    fl = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=1).split(np.zeros(y.size), y))
    oof = np.empty(y.size)
    for tr, te in fl:
        oof[te] = binary._fit_predict(EST, X, y, tr, te)
    observed = metrics.auc(y, oof)
    assert out["observed_auc"] == pytest.approx(observed, abs=1e-12)
    null = np.array([binary._perm_task(EST, X, y, fl, s) for s in task_seeds(1, 200, stream=3)])
    exceed = np.cumsum(null >= observed)
    stop = next(L for L in range(20, 201, 20) if exceed[L - 1] >= h)  # checks at the ends of batches of 20
    assert out["n"] == stop
    assert out["p"] == pytest.approx(h / stop, abs=1e-15)
    assert out["p"] > 0.05


def test_a_strong_model_runs_every_permutation_and_n_jobs_does_not_matter():
    X, y = _data(2.0)
    one = binary.permutation_p(EST, X, y, folds=3, n_perm=40, seed=2, n_jobs=1)
    two = binary.permutation_p(EST, X, y, folds=3, n_perm=40, seed=2, n_jobs=2)
    assert not one["stopped_early"] and one["n"] == 40
    assert one["p"] == pytest.approx(1 / 41)
    assert one == two



def test_a_strong_model_stops_below_alpha_once_the_exact_binomial_bound_says_so():
    """No null AUC reaches the observed one: with 200 permutations checked every 20 at total risk 0.01
    (level 0.001 per check), the one-sided Clopper-Pearson bound with 0 exceedances in L is
    1 - 0.001 ** (1 / L): 0.0559 at L = 120, 0.0481 at L = 140, so the test stops after 140 with
    p = 1 / 141 (the formula, not the code's beta quantile)."""
    X, y = _data(2.0)
    out = binary.permutation_p(EST, X, y, folds=3, n_perm=200, seed=2, n_jobs=1)
    bound = {L: 1 - 0.001 ** (1 / L) for L in (120, 140)}
    assert bound[120] > 0.05 > bound[140]
    assert out["stopped_early"] and out["n"] == 140 and out["n_max"] == 200
    assert out["p"] == pytest.approx(1 / 141, abs=1e-15)
    assert out["stopped"].startswith("below alpha")
    assert binary._upper_bound(0, 140, 0.001) == pytest.approx(bound[140], rel=1e-12)
    # R 4.2.2: binom.test(3, 50)$conf.int[2] = 0.16548194660 (the two-sided 95 % interval's upper end)
    assert binary._upper_bound(3, 50, 0.025) == pytest.approx(0.16548194660, abs=1e-10)
