"""biomark.stats.remeta against metafor 3.8.1 (R 4.2.2): rma(method = "REML", test = "knha") and predict().

Reference numbers from tests/data/R/external_meta.R (output in external_meta.Rout), run with metafor's
convergence threshold tightened to 1e-12; ours stops at steps below 1e-10, so tau^2 agrees to ~1e-10 and
every derived number to ~1e-9. Tolerance 1e-7: far below any difference that matters (a wrong df, a
truncated HKSJ factor or a DL instead of REML tau^2 all move the PI by > 1e-3).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logit

from biomark.stats import StatsError, pool_c_statistic, pool_oe, pool_slope, random_effects

AUC = np.array([0.62, 0.81, 0.70, 0.76, 0.66])
SE = np.array([0.04, 0.035, 0.05, 0.03, 0.045])
YA, VA = logit(AUC), (SE / (AUC * (1 - AUC))) ** 2
YB, VB = [0.95, 1.02, 0.98, 1.01], [0.02, 0.03, 0.025, 0.04]
YC, VC = np.log([0.8, 1.3, 1.1, 0.7, 1.6, 0.95]), [0.01, 0.02, 0.015, 0.03, 0.025, 0.012]

# label: (y, v, kwargs, (mu, se, ci_lb, ci_ub, pi_lb, pi_ub, tau2, I2, QE, QEp)) from external_meta.Rout
CASES = {
    "A REML/knha": (YA, VA, {}, (0.911778217111, 0.171770599515, 0.434866576871, 1.388689857350, -0.118434842626,
                                 1.941991276847, 0.108176466011, 0.738611806700, 15.487340548534, 0.003790185817)),
    "A REML/z": (YA, VA, {"test": "z"}, (0.911778217111, 0.172125810636, 0.574417827454, 1.249138606767,
                                         0.184201779849, 1.639354654372, 0.108176466011, 0.738611806700,
                                         15.487340548534, 0.003790185817)),
    "A DL/knha": (YA, VA, {"method": "DL"}, (0.911877851681, 0.171774350387, 0.434955797350, 1.388799906012,
                                             -0.124922806335, 1.948678509697, 0.109941590546, 0.741724540281,
                                             15.487340548534, 0.003790185817)),
    "B REML/knha": (YB, VB, {}, (0.983932584270, 0.016321167468, 0.931991345164, 1.035873823375, 0.931991345164,
                                 1.035873823375, 0.0, 0.0, 0.118539325843, 0.989523394472)),
    "C REML/knha": (YC, VC, {}, (0.029223513656, 0.121825665839, -0.283939330063, 0.342386357375, -0.704078541242,
                                 0.762525568554, 0.066535743217, 0.800791567430, 22.322497439796, 0.000454606379)),
}


@pytest.mark.parametrize("label", sorted(CASES))
def test_matches_metafor(label: str) -> None:
    y, v, kw, ref = CASES[label]
    r = random_effects(y, v, **kw)
    got = (r.mu, r.se, r.ci_low, r.ci_high, r.pi_low, r.pi_high, r.tau2, r.i2, r.q, r.q_p)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-7)


def test_scales_back_transform_metafor_numbers() -> None:
    r = pool_c_statistic(AUC, SE)  # case A on the logit scale
    assert r.scale == "logit"
    assert r.estimate == pytest.approx(1 / (1 + np.exp(-0.911778217111)), abs=1e-9)
    assert r.pi_low == pytest.approx(1 / (1 + np.exp(0.118434842626)), abs=1e-9)
    r = pool_oe([0.8, 1.3, 1.1, 0.7, 1.6, 0.95], np.sqrt(VC))  # case C on the log scale
    assert r.estimate == pytest.approx(np.exp(0.029223513656), abs=1e-9)
    assert r.pi_high == pytest.approx(np.exp(0.762525568554), abs=1e-9)
    r = pool_slope(YB, np.sqrt(VB))
    assert r.estimate == pytest.approx(0.983932584270, abs=1e-9)


def test_riley_k_minus_2_is_wider() -> None:
    a, b = random_effects(YC, VC), random_effects(YC, VC, pi_df="k-2")
    assert b.pi_high - b.pi_low > a.pi_high - a.pi_low
    assert a.ci_low == b.ci_low


@pytest.mark.parametrize("bad", [dict(estimates=[0.1], variances=[0.1]), dict(estimates=[0.1, 0.2], variances=[0.1, 0]),
                                 dict(estimates=[0.1, np.nan], variances=[0.1, 0.1])])
def test_refuses(bad) -> None:
    with pytest.raises(StatsError):
        random_effects(**bad)
