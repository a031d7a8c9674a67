"""optimal_cutpoint against R maxstat 0.7-25 (maxstat.test, smethod = "LogRank", pmethod = "Lau92")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from biomark.stats import StatsError, optimal_cutpoint
from biomark.stats.cutpoint import logrank_scores


@pytest.fixture(scope="module")
def lung(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "lung.csv")


def test_matches_maxstat_on_lung(lung, expected):
    ref = expected["survival"][0]
    # expected.json: maxstat.test(Surv ~ risk_score, smethod = "LogRank", pmethod = "Lau92",
    # minprop = 0.1, maxprop = 0.9); risk_score rebuilt in double precision as R had it
    rs = 0.02 * lung.age.to_numpy() + 0.5 * lung.ph_ecog.to_numpy() - 0.5 * lung.sex.to_numpy()
    res = optimal_cutpoint(lung.time, lung.event, rs, minprop=0.1)
    assert res.cutpoint == pytest.approx(ref["maxstat_cutpoint"], abs=1e-9)
    assert res.statistic == pytest.approx(ref["maxstat_stat"], abs=1e-6)
    assert res.p == pytest.approx(ref["maxstat_p_lau92"], abs=1e-4)
    assert res.p == pytest.approx(ref["maxstat_p_lau92"], rel=1e-6)
    # the naive p-value ignores the search and is far smaller
    assert res.p_naive == pytest.approx(2 * st.norm.sf(ref["maxstat_stat"]), rel=1e-9)
    assert res.p_naive < res.p / 50
    assert res.n_low + res.n_high == 213
    assert res.n_low == int(np.sum(rs <= res.cutpoint))
    # the same cut-point for the CSV's rounded score (R extra: maxstat.test(... ~ risk_score) on the CSV)
    res2 = optimal_cutpoint(lung.time, lung.event, lung.risk_score)
    assert res2.cutpoint == pytest.approx(0.94) and res2.statistic == pytest.approx(4.97990714731317, abs=1e-6)


@pytest.mark.parametrize(("minprop", "maxprop", "p"), [(0.1, 0.9, 0.264119059243805), (0.25, 0.75, 0.154495723928417),
                                                        (0.25, 0.9, 0.209307391586111)])
def test_matches_maxstat_on_age(lung, minprop, maxprop, p):
    # R (tests/data/R/maxstat.R, output in maxstat.Rout): maxstat.test(Surv(time, event) ~ age, smethod = "LogRank",
    #    pmethod = "Lau92", minprop = mp, maxprop = xp) -> cutpoint 64, M 2.333973545249093
    res = optimal_cutpoint(lung.time, lung.event, lung.age, minprop=minprop, maxprop=maxprop)
    assert res.cutpoint == 64
    assert res.statistic == pytest.approx(2.333973545249093, abs=1e-9)
    assert res.p == pytest.approx(p, abs=1e-9)


def test_maxprop_defaults_to_maxstats_not_one_minus_minprop(lung):
    # regression (issue 13): maxprop was 1 - minprop; maxstat's default is 0.9 whatever minprop is.
    # R (tests/data/R/maxstat.R): maxstat.test(Surv(time, event) ~ age, ..., minprop = 0.25) -> p 0.209307391586111
    res = optimal_cutpoint(lung.time, lung.event, lung.age, minprop=0.25)
    assert (res.minprop, res.maxprop) == (0.25, 0.9)
    assert res.p == pytest.approx(0.209307391586111, abs=1e-9)


def test_logrank_scores_hand_computed():
    # R extra: exactRankTests::cscores(Surv(c(1, 2, 2, 3), c(1, 1, 0, 1)), type = "LogRank")
    # -> 0.75 0.25 -0.75 -0.75 (tied times share the largest rank, irank = 1 3 3 4, so the
    # increment at t = 2 is 1 / (4 - 3 + 1))
    a = logrank_scores(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 1.0]))
    np.testing.assert_allclose(a, [0.75, 0.25, -0.75, -0.75])
    assert a.sum() == pytest.approx(-0.5)  # not centred when times are tied (as in R)


def test_small_statistic_gives_p_one():
    rng = np.random.default_rng(1)
    t = rng.exponential(size=200)
    e = np.ones(200)
    x = np.arange(200.0)
    res = optimal_cutpoint(t, e, x)
    if res.statistic < 1:
        assert res.p == 1.0
    assert 0 < res.p <= 1.0
    assert len(res.candidates) == len(res.statistics) == 161  # m = 20..180


def test_errors():
    with pytest.raises(StatsError, match="minprop < maxprop"):
        optimal_cutpoint([1, 2, 3, 4], [1, 1, 0, 1], [1, 2, 3, 4], minprop=0.6, maxprop=0.5)
    with pytest.raises(StatsError, match="minprop < maxprop"):
        optimal_cutpoint([1, 2, 3, 4], [1, 1, 0, 1], [1, 2, 3, 4], minprop=0.95)
    with pytest.raises(StatsError, match="no cut-point"):
        optimal_cutpoint(np.arange(1.0, 11), np.ones(10), [1] + [2] * 9, minprop=0.2)
    with pytest.raises(StatsError, match="no events"):
        optimal_cutpoint([1, 2, 3], [0, 0, 0], [1, 2, 3])
    with pytest.raises(StatsError, match="score contains 1 missing"):
        optimal_cutpoint([1, 2, 3], [1, 0, 1], [1, np.nan, 3])
