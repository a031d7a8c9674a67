"""time_dependent_auc against hand computation (scikit-survival's check: tests/peers/)."""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import StatsError, time_dependent_auc


def test_hand_computed_ipcw():
    # times 1(event) 2(censored) 3(event) 4(event) 5(censored); marker 4, 1, 3, 2, 0
    # censoring KM G(t-): 1 until 2, then 1 - 1/4 = 0.75 (4 at risk at t = 2)
    # AUC(3.5): cases {t=1: w 1, m 4}, {t=3: w 1/0.75, m 3}; controls {t=4: m 2, t=5: m 0}
    # both cases beat both controls -> 1.0; AUC(1.5): case m 4 vs controls m 1, 3, 2, 0 -> 1.0
    res = time_dependent_auc([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], [4, 1, 3, 2, 0], [1.5, 3.5])
    np.testing.assert_allclose(res.auc, [1.0, 1.0])
    np.testing.assert_array_equal(res.n_cases, [1, 2])
    np.testing.assert_array_equal(res.n_controls, [4, 2])
    # make the t = 3 case lose to the t = 4 control: AUC(3.5) = (1*2 + (1/0.75)*1) / ((1 + 1/0.75) * 2)
    res2 = time_dependent_auc([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], [4, 1, 1.5, 2, 0], [3.5])
    w = 1 / 0.75
    assert res2.auc[0] == pytest.approx((2 + w) / ((1 + w) * 2))
    assert res2.mean_auc == res2.auc[0]


def test_errors():
    with pytest.raises(StatsError, match="no events at or before time 0.5"):
        time_dependent_auc([1, 2, 3], [1, 1, 0], [1, 2, 3], [0.5])
    with pytest.raises(StatsError, match="nobody is still under observation after time 3"):
        time_dependent_auc([1, 2, 3], [1, 1, 0], [1, 2, 3], [3])
    with pytest.raises(StatsError, match="risk has length 2"):
        time_dependent_auc([1, 2, 3], [1, 1, 0], [1, 2], [1.5])
    with pytest.raises(StatsError, match="times is empty"):
        time_dependent_auc([1, 2, 3], [1, 1, 0], [1, 2, 3], [])
