"""biomark.stats.updating against R 4.2.2 glm and rms 6.5.0 (tests/data/R/external_update.R / .Rout).

glm ran with epsilon 1e-14; our Newton stops at steps below 1e-10, so coefficients agree to ~1e-10 and
log-likelihoods to ~1e-9. Tolerance 1e-7 (SEs 1e-7): a wrong offset, df or test order moves the LR
statistics by > 0.1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from biomark.stats import StatsError, calibration, logistic_fit, update_model

DATA = pd.read_csv(Path(__file__).parents[1] / "data" / "external_update.csv")

REF = {  # label: loglik (original, citl, recal, revision), citl, se, recal a b se_a se_b, revision, LR triple
    "all": dict(ll=(-172.1477368157, -147.8070339090, -146.3839917258, -145.5143635244),
                citl=(1.0113717605, 0.1471983873), recal=(0.8647733434, 0.7588889233, 0.1624962118, 0.1369016015),
                rev=(0.6412081699, 0.6461236019, -0.3863644178, 0.4827325738),
                lr=((53.2667465826, 7.493881976e-11), (4.5853407693, 0.2048032373), (1.7392564028, 0.4191073438))),
    "first80": dict(ll=(-49.1304003911, -39.4767186620, -38.7785520192, -38.4826593380),
                    citl=(1.1278740348, 0.2609184037), recal=(1.4106515867, 1.3728987918, 0.3843285315, 0.3396009044),
                    rev=(1.0119703764, 1.1547600488, -0.8703835592, 0.7666202285),
                    lr=((21.2954821063, 0.0002766855783), (1.9881186480, 0.5748763824), (0.5917853624, 0.7438672547))),
}


@pytest.mark.parametrize("label", sorted(REF))
def test_matches_glm(label: str) -> None:
    d = DATA if label == "all" else DATA.iloc[:80]
    ref = REF[label]
    u = update_model(d.y, d.lp, d[["x1", "x2", "x3"]].to_numpy())
    np.testing.assert_allclose([u.loglik[k] for k in ("original", "recalibration_in_the_large",
                                                       "logistic_recalibration", "re_estimation")], ref["ll"], atol=1e-7)
    np.testing.assert_allclose([u.citl, u.citl_se], ref["citl"], atol=1e-7)
    np.testing.assert_allclose([u.intercept, u.slope, u.intercept_se, u.slope_se], ref["recal"], atol=1e-7)
    np.testing.assert_allclose([u.revised_intercept, *u.revised_coef], ref["rev"], atol=1e-7)
    # closed test: revision vs original significant, revision vs citl not: stops at step 2
    assert [s.df for s in u.steps] == [4, 3]
    np.testing.assert_allclose([(s.lr, s.p) for s in u.steps], ref["lr"][:2], rtol=1e-7, atol=1e-12)
    assert u.chosen == "recalibration_in_the_large"


def test_recalibration_equals_val_prob() -> None:
    """val.prob (rms 6.5.0) Intercept/Slope are the logistic recalibration of update_model."""
    u = update_model(DATA.y, DATA.lp, DATA[["x1", "x2", "x3"]].to_numpy())
    c = calibration(DATA.y, expit(DATA.lp))
    assert u.intercept == pytest.approx(0.8647733417, abs=1e-7) and c.intercept == pytest.approx(u.intercept, abs=1e-7)
    assert u.slope == pytest.approx(0.7588889215, abs=1e-7) and c.slope == pytest.approx(u.slope, abs=1e-7)
    assert c.emax == pytest.approx(0.2762813750, abs=1e-6) and c.eavg == pytest.approx(0.1932265396, abs=1e-6)
    assert c.brier == pytest.approx(0.2437252961, abs=1e-9)


def test_keeps_the_original_when_it_fits() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    lp = X @ [0.8, -0.5, 0.3]
    y = (rng.random(300) < expit(lp)).astype(int)
    u = update_model(y, lp, X)
    assert u.chosen == "original" and len(u.steps) == 1


def test_picks_revision_when_a_coefficient_changes() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(600, 3))
    lp = X @ [0.8, -0.5, 0.3]
    y = (rng.random(600) < expit(X @ [0.8, 0.9, 0.3])).astype(int)  # marker 2 flipped
    assert update_model(y, lp, X).chosen == "re_estimation"


def test_separation_refused() -> None:
    x = np.array([-2.0, -1, 1, 2])
    with pytest.raises(StatsError, match="separated"):
        logistic_fit([0, 0, 1, 1], np.column_stack([np.ones(4), x]))
    with pytest.raises(StatsError, match="both classes"):
        update_model([1, 1, 1], [0.1, 0.2, 0.3], np.ones((3, 1)))
