"""Risk at a horizon against R (issue 17): survfit(coxph, newdata), riskRegression Score, dcurves by hand.

Reference numbers: tests/data/R/horizon_score.R -> horizon_score.Rout (R 4.2.2, survival 3.5.3,
riskRegression 2022.11.28, prodlim 2019.11.13) on survival's pbc data (tests/data/horizon_pbc.csv,
used by no other test; follow-up in months, 126 distinct times for 312 rows, so ties matter).
Tolerances: 1e-9 relative where both sides compute the same closed form (agreement seen: ~1e-13);
the Cox coefficients come from our own Newton fit, which agrees with coxph to ~1e-10, and every
downstream number inherits that, hence 1e-8 for S(t|x) and the calibration numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats import (
    StatsError,
    brier_at,
    calibration_at,
    compare_time_auc,
    cox,
    cox_risk_at,
    net_benefit_at,
    time_dependent_auc,
)
from biomark.stats.horizon import check_horizons

DATA = Path(__file__).resolve().parents[1] / "data" / "horizon_pbc.csv"
FULL = ["age", "logbili", "albumin", "edema"]
TIMES = [12, 36, 60]
ROWS = [0, 1, 2, 49, 99, 311]


@pytest.fixture(scope="module")
def pbc():
    d = pd.read_csv(DATA)
    out = {"d": d}
    for name, cols, ties in (
        ("m1", FULL, "efron"),
        ("m2", ["age", "albumin"], "efron"),
        ("mb", FULL, "breslow"),
    ):
        f = cox(d.time, d.event, d[cols], ties=ties)
        out[name] = cox_risk_at(d.time, d.event, d[cols].to_numpy() @ f.coef, TIMES, ties=ties)
        out[name + "_coef"] = f.coef
    h = d.iloc[:150]
    fh = cox(h.time, h.event, h[FULL])
    out["mh"] = cox_risk_at(
        h.time, h.event, h[FULL].to_numpy() @ fh.coef, TIMES, lp_new=d[FULL].to_numpy() @ fh.coef
    )
    return out


def test_survival_matches_survfit_coxph(pbc):
    # survfit(f, newdata = d) at t = 12, 36, 60 for rows 1, 2, 3, 50, 100, 312 (R's 1-based)
    r_efron = [
        [0.218479676769271, 0.00199763083780961, 7.14298706343620e-07],
        [0.989418716342880, 0.95746068513736560, 9.05767318077873e-01],
        [0.934853744174759, 0.75935445657044331, 5.34317132990874e-01],
        [0.980096220720278, 0.92112752622383209, 8.29400157669343e-01],
        [0.948967962022201, 0.80730729044358740, 6.14254587934198e-01],
        [0.967281276305535, 0.87289439097890709, 7.33809053218920e-01],
    ]
    r_breslow = [
        [0.232951685085096, 0.00251826092528051, 1.22899945612610e-06],
        [0.989396171918294, 0.95715795565401973, 9.05217002440843e-01],
        [0.935876010902228, 0.76169619706631508, 5.38451639987919e-01],
        [0.980191339981718, 0.92110710955541319, 8.29533012266922e-01],
        [0.949501615341744, 0.80828704835405063, 6.16289274355816e-01],
        [0.967478002337397, 0.87301577407954001, 7.34296946503231e-01],
    ]
    r_half = [
        [0.207974187377549, 0.000959990406371527, 4.73970380822016e-07],
        [0.986941926544743, 0.943497933687195034, 8.85247557460834e-01],
        [0.915309706477643, 0.675994145468862051, 4.40161673212741e-01],
        [0.973793642681637, 0.889134491659725246, 7.81720221306516e-01],
        [0.935555553999600, 0.744708112443560055, 5.39165198517019e-01],
        [0.968481368284527, 0.867871451987754838, 7.43055550867602e-01],
    ]
    np.testing.assert_allclose(pbc["m1"].surv[ROWS], r_efron, rtol=1e-8)
    np.testing.assert_allclose(pbc["mb"].surv[ROWS], r_breslow, rtol=1e-8)
    np.testing.assert_allclose(
        pbc["mh"].surv[ROWS], r_half, rtol=1e-8
    )  # lp_new: fitted on rows 1-150
    # Efron and Breslow baselines differ by far more than the tolerance (0.218 vs 0.233 in row 1)
    assert abs(pbc["m1"].surv[0, 0] - pbc["mb"].surv[0, 0]) > 1e-2
    d = pbc["d"]
    new = np.array([[40, 0, 3.5, 0], [70, 2, 3, 1]]) @ pbc["m1_coef"]
    lp = d[FULL].to_numpy() @ pbc["m1_coef"]
    got = cox_risk_at(d.time, d.event, lp, TIMES, lp_new=new).surv
    np.testing.assert_allclose(
        got,
        [
            [0.990134478400822, 0.9602943200637682, 0.911882082517157522],
            [0.436355713936816, 0.0337454659611299, 0.000445735575964166],
        ],
        rtol=1e-8,
    )
    np.testing.assert_allclose(pbc["m1"].risk, 1 - pbc["m1"].surv, atol=1e-15)


def test_brier_ipa_match_score(pbc):
    d = pbc["d"]
    b1 = brier_at(d.time, d.event, pbc["m1"].risk, TIMES)
    b2 = brier_at(d.time, d.event, pbc["m2"].risk, TIMES)
    # Score(..., metrics = "brier", summary = "ipa", cens.model = "km", se.fit = TRUE)
    np.testing.assert_allclose(
        b1.brier_null, [0.0655407626561473, 0.1546406583681926, 0.2071244383471012], rtol=1e-9
    )
    np.testing.assert_allclose(
        b1.se_null, [0.01246969269637227, 0.01385804454260335, 0.01113760680712053], rtol=1e-7
    )
    np.testing.assert_allclose(
        b1.brier, [0.0430842379071508, 0.0978284292266757, 0.0999171596318230], rtol=1e-8
    )
    np.testing.assert_allclose(
        b1.se, [0.00871596515757938, 0.01194337922712121, 0.01102825985180432], rtol=1e-7
    )
    np.testing.assert_allclose(
        b1.ipa, [0.342634474164000, 0.367382224966021, 0.517598403987554], rtol=1e-8
    )
    np.testing.assert_allclose(
        b1.lower, [0.0260012601077892, 0.0744198360878143, 0.0783021675101375], rtol=1e-7
    )
    np.testing.assert_allclose(
        b2.brier, [0.0536016721023044, 0.1305351856344985, 0.1601841784753876], rtol=1e-8
    )
    np.testing.assert_allclose(
        b2.se, [0.01019043471654318, 0.01292466231946600, 0.01268164375823459], rtol=1e-7
    )
    np.testing.assert_allclose(
        b2.ipa, [0.182162826155686, 0.155880561994893, 0.226628302513731], rtol=1e-8
    )
    # riskRegression's IBS rule over (0, 12, 36, 60): (BS(12) 24 + BS(36) 24) / 60 at t = 60
    assert b1.ibs[2] == pytest.approx((b1.brier[0] * 24 + b1.brier[1] * 24) / 60, rel=1e-12)
    assert b1.ibs[0] == 0.0


def test_auc_se_and_paired_contrast_match_score(pbc):
    d = pbc["d"]
    a1 = time_dependent_auc(d.time, d.event, pbc["m1"].risk[:, 1], TIMES)
    a2 = time_dependent_auc(d.time, d.event, pbc["m2"].risk[:, 1], TIMES)
    np.testing.assert_allclose(
        a1.auc, [0.906426332288401, 0.890684538435405, 0.919344178605025], rtol=1e-9
    )
    np.testing.assert_allclose(
        a1.se, [0.0430593924023200, 0.0249429406670256, 0.0201948409781105], rtol=1e-7
    )
    np.testing.assert_allclose(
        a1.lower, [0.822031473983676, 0.841797273059516, 0.879763017614415], rtol=1e-7
    )
    np.testing.assert_allclose(
        a2.auc, [0.834326018808777, 0.779213398695233, 0.787747804811441], rtol=1e-9
    )
    np.testing.assert_allclose(
        a2.se, [0.0515127156911104, 0.0330473890831082, 0.0307160326716499], rtol=1e-7
    )
    c = compare_time_auc(d.time, d.event, pbc["m1"].risk[:, 1], pbc["m2"].risk[:, 1], TIMES)
    np.testing.assert_allclose(
        c.diff, [-0.0721003134796239, -0.1114711397401726, -0.1315963737935840], rtol=1e-8
    )
    np.testing.assert_allclose(
        c.se, [0.0287033561292344, 0.0270229432522355, 0.0257161333886439], rtol=1e-7
    )
    np.testing.assert_allclose(
        c.p, [1.20078923833205e-02, 3.70645423793930e-05, 3.09991259153356e-07], rtol=1e-6
    )
    # without the censoring term the SE would differ: the KM term matters here
    assert abs(a1.se[2] - a1.se[0]) > 1e-3


def test_calibration_at_matches_km_by_group(pbc):
    d = pbc["d"]
    m1, mh = pbc["m1"], pbc["mh"]
    c = calibration_at(d.time, d.event, m1.risk[:, 1], 36, groups=3, surv=m1.surv[:, 1])
    np.testing.assert_array_equal(c.group_n, [104, 104, 104])
    np.testing.assert_allclose(
        c.predicted, [0.029215159092, 0.083354036507, 0.444561707521], rtol=1e-8
    )
    np.testing.assert_allclose(
        c.observed, [0.019230769231, 0.049573433637, 0.506398404800], rtol=1e-9
    )
    # O/E at t: (1 - KM(t)) / mean predicted risk
    for k, (t, oe) in enumerate(
        zip(TIMES, [0.978674116714, 1.029543971861, 0.983165418026], strict=True)
    ):
        c = calibration_at(d.time, d.event, m1.risk[:, k], t, surv=m1.surv[:, k])
        assert c.oe == pytest.approx(oe, rel=1e-8)
        assert c.slope == pytest.approx(1.0, abs=1e-7)  # apparent: coxph gives 1.0000000000
        assert c.slope_se == pytest.approx(0.0720872663, rel=1e-7)
    for k, (t, oe) in enumerate(
        zip(TIMES, [0.8951024863, 0.8899561274, 0.8957409383], strict=True)
    ):
        c = calibration_at(d.time, d.event, mh.risk[:, k], t, groups=4, surv=mh.surv[:, k])
        assert c.oe == pytest.approx(oe, rel=1e-8)
        assert c.slope == pytest.approx(1.0334793132, rel=1e-8)
        assert c.slope_se == pytest.approx(0.0749941303, rel=1e-7)
    c = calibration_at(d.time, d.event, mh.risk[:, 1], 36, groups=4, surv=mh.surv[:, 1])
    np.testing.assert_allclose(
        c.predicted, [0.033826341070, 0.072462310516, 0.168330970524, 0.584734744053], rtol=1e-8
    )
    np.testing.assert_allclose(
        c.observed, [0.025641025641, 0.012820512821, 0.146746740505, 0.581947115385], rtol=1e-9
    )
    np.testing.assert_allclose(c.observed_lower, [0, 0, 0.062552204880, 0.455818594705], atol=1e-10)
    np.testing.assert_allclose(
        c.observed_upper,
        [0.060094578714, 0.037473604251, 0.223379553903, 0.678841995271],
        rtol=1e-9,
    )


def test_survival_decision_curve_matches_dcurves_formula(pbc):
    d = pbc["d"]
    nb = net_benefit_at(d.time, d.event, pbc["m1"].risk[:, 1], 36, [0.05, 0.1, 0.2, 0.3, 0.5, 0.8])
    np.testing.assert_allclose(
        nb.model,
        [
            0.161386684690,
            0.150187490254,
            0.120833777257,
            0.085705960706,
            0.048076923077,
            0.022435897436,
        ],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        nb.treat_all,
        [
            0.148628337840,
            0.101329912165,
            -0.011003848815,
            -0.155432970074,
            -0.617606158103,
            -3.044015395258,
        ],
        rtol=1e-9,
    )
    nbh = net_benefit_at(d.time, d.event, pbc["mh"].risk[:, 1], 36, [0.05, 0.1, 0.2, 0.3, 0.5])
    np.testing.assert_allclose(
        nbh.model,
        [0.155005668936, 0.147993290911, 0.128571615252, 0.094825967888, 0.051282051282],
        rtol=1e-8,
    )
    assert np.all(nb.treat_none == 0)


@pytest.mark.parametrize(
    ("horizons", "message"),
    [
        ([12, 200], "horizon 200 is at or beyond the last follow-up time"),
        ([-1, 12], "horizon -1 is not a positive number"),
        (["a"], "horizons must be numbers"),
        ([36, 12], "horizons must increase: 36 is followed by 12"),
        ([12, 12], "horizons must increase"),
    ],
)
def test_bad_horizons(horizons, message):
    with pytest.raises(StatsError, match=message):
        check_horizons(horizons, [5, 20, 40, 150])


def test_risk_one_needs_surv():
    with pytest.raises(StatsError, match="pass surv="):
        calibration_at([1, 2, 3, 4], [1, 0, 1, 0], [1.0, 0.5, 0.2, 0.1], 2.5, groups=2)


def test_pseudo_observations_and_smoothed_curve_match_prodlim_and_lowess(pbc):
    # tests/data/R/horizon_pseudo.R: 1 - prodlim::jackknife(...) and lowess(r36, pseudo, iter = 0)
    # (prodlim 2019.11.13, R 4.2.2); the pseudo-values are exact arithmetic (agreement ~1e-13)
    from biomark.stats import calibration_curve_at, pseudo_risk

    d = pbc["d"]
    p = pseudo_risk(d.time, d.event, 36)
    np.testing.assert_allclose(
        p[ROWS],
        [
            0.99999999999991473,
            -0.00248187229732366,
            1.03213394377823420,
            -0.00248187229732366,
            0.99999999999988631,
            0.06817235897423757,
        ],
        atol=1e-10,
    )
    assert p.mean() == pytest.approx(0.191196920948, rel=1e-10)  # = 1 - KM(36)
    c = calibration_curve_at(
        d.time, d.event, pbc["m1"].risk[:, 1], 36, grid=[0.05, 0.1, 0.2, 0.4, 0.6, 0.8]
    )
    np.testing.assert_allclose(
        c.observed,
        [
            0.0263286672290756,
            0.0642909621499728,
            0.3018642645581083,
            0.5023012390765589,
            0.5984909805671038,
            0.7423242651701237,
        ],
        rtol=1e-8,  # lowess through statsmodels (as stats.calibration); agreement ~1e-11
    )
