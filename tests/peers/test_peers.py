"""Cross-checks against Python peers that live in the second CI environment (lifelines pins pandas < 3).

lifelines 0.30 ``concordance_index`` and scikit-survival 0.28 ``cumulative_dynamic_auc`` on random data;
the main suite checks the same functions against R reference numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import concordance, time_dependent_auc

lifelines_utils = pytest.importorskip("lifelines.utils")
sksurv_metrics = pytest.importorskip("sksurv.metrics")
sksurv_util = pytest.importorskip("sksurv.util")


def _sim(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-0.7 * x))
    c = rng.exponential(1.5, size=n)
    return np.minimum(t, c), t <= c, x


def test_matches_lifelines_on_random_data():
    rng = np.random.default_rng(42)
    for n, digits in [(500, None), (800, 1), (5000, 2)]:
        t = rng.exponential(size=n)
        if digits is not None:  # create tied times and tied scores
            t = np.round(t, digits) + 0.05
        x = rng.normal(size=n)
        if digits is not None:
            x = np.round(x, 1)
        e = rng.random(n) > 0.3
        ours = concordance(t, e, x).c
        # lifelines: higher predicted value = longer survival, so pass -risk
        theirs = lifelines_utils.concordance_index(t, -x, e)
        assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("round_marker", [False, True])
def test_matches_scikit_survival(round_marker):
    time, event, x = _sim(3)
    if round_marker:
        x = np.round(x, 1)  # tied markers count 1/2 in both
    times = np.quantile(time[event], [0.2, 0.5, 0.8])
    y = sksurv_util.Surv.from_arrays(event, time)
    auc, mean_auc = sksurv_metrics.cumulative_dynamic_auc(y, y, x, times)
    res = time_dependent_auc(time, event, x, times)
    np.testing.assert_allclose(res.auc, auc, atol=1e-12)
    assert res.mean_auc == pytest.approx(mean_auc, abs=1e-12)
    assert res.auc.min() > 0.6  # the marker carries signal
