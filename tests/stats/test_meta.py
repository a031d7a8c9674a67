"""DerSimonian–Laird random effects against R metafor 3.8-1 on the BCG vaccine trials (dat.bcg).

Reference: ``rma(yi, vi, data = escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg),
method = "DL")`` gave b = -0.714117222073, se = 0.178742089535, tau2 = 0.308760262862,
QE = 152.233008082373, I2 = 92.117346854562 %, CI (-1.064445280084, -0.363789164062).
"""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import StatsError
from biomark.stats.meta import dersimonian_laird, pool_auc, pool_log_hr

# dat.bcg: tpos, tneg, cpos, cneg (Colditz et al. 1994)
BCG = np.array([
    [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
    [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
    [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
    [27, 16886, 29, 17825],
], dtype=float)


def bcg_yi_vi():
    a, b, c, d = BCG.T
    yi = np.log((a / (a + b)) / (c / (c + d)))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return yi, vi


def test_matches_metafor_dl_on_bcg():
    yi, vi = bcg_yi_vi()
    r = dersimonian_laird(yi, vi)
    assert r.estimate == pytest.approx(-0.714117222073, abs=1e-9)
    assert r.se == pytest.approx(0.178742089535, abs=1e-9)
    assert r.tau2 == pytest.approx(0.308760262862, abs=1e-9)
    assert r.q == pytest.approx(152.233008082373, abs=1e-7)
    assert 100 * r.i2 == pytest.approx(92.117346854562, abs=1e-7)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.064445280084, -0.363789164062), abs=1e-9)
    assert r.k == 13 and r.q_df == 12


def test_log_scale_back_transforms():
    yi, vi = bcg_yi_vi()
    r = pool_log_hr(yi, np.sqrt(vi))
    assert r.estimate == pytest.approx(np.exp(-0.714117222073), rel=1e-9)
    assert r.ci_low == pytest.approx(np.exp(-1.064445280084), rel=1e-9)


def test_homogeneous_studies_give_zero_tau2():
    r = dersimonian_laird([0.5, 0.5, 0.5], [0.1, 0.2, 0.3])
    assert r.tau2 == 0.0 and r.i2 == 0.0 and r.estimate == pytest.approx(0.5)


def test_pool_auc_on_logit_scale():
    r = pool_auc([0.7, 0.75, 0.8], [0.04, 0.05, 0.03])
    assert 0.7 < r.estimate < 0.8 and r.ci_low < r.estimate < r.ci_high and r.scale == "logit"


@pytest.mark.parametrize("est, var, msg", [
    ([0.1], [0.1], "at least 2 cohorts"),
    ([0.1, 0.2], [0.1, 0.0], "variances must be positive"),
    ([0.1, np.nan], [0.1, 0.1], "finite"),
])
def test_errors(est, var, msg):
    with pytest.raises(StatsError, match=msg):
        dersimonian_laird(est, var)
