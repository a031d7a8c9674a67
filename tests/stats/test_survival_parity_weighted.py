"""Case-weighted log-rank and the robust (infinitesimal-jackknife) SE of a weighted Kaplan-Meier curve
against R 4.2.2 / survival 3.5.3 (issue 20).

Reference script tests/data/R/parity_weighted.R, output parity_weighted.Rout, its numbers copied into
parity_weighted.json; data tests/data/R/parity_survival.csv (3 groups of 50 on a half-unit time grid,
case weights w) with the cluster ids and a 2-level stratum from parity_weighted_ids.csv. survdiff has no
weights: the weighted log-rank is checked against the score test of the weighted Breslow Cox model with
one indicator per group, summary(coxph(..., weights = w, ties = "breslow"))$sctest. Deterministic
arithmetic, R prints 15 significant digits: tolerance 1e-12 (relative 1e-12 on the chi-squares).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import biomark.stats as bs
from biomark.stats import StatsError

EXACT = 1e-12


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "R" / "parity_weighted.json").read_text())


@pytest.fixture(scope="module")
def d(data_dir):
    return pd.concat([pd.read_csv(data_dir / "R" / "parity_survival.csv"),
                      pd.read_csv(data_dir / "R" / "parity_weighted_ids.csv")], axis=1)


def test_weighted_logrank_two_groups_is_coxph_score_test(d, ref):
    ab = d[d.g != "c"]
    r = bs.logrank(ab.time, ab.event, ab.g, weights=ab.w)
    chisq, df, p = ref["sctest"]["2 groups a,b weighted"]
    assert r.chisq == pytest.approx(chisq, rel=EXACT) and r.df == df and r.p == pytest.approx(p, rel=1e-10)
    # the weights matter: the unweighted statistic differs by far more than the tolerance
    assert abs(bs.logrank(ab.time, ab.event, ab.g, weights=np.ones(len(ab))).chisq - chisq) > 0.5
    assert r.observed.sum() == pytest.approx(float((ab.w * ab.event).sum()), rel=EXACT)


@pytest.mark.parametrize(("key", "kw"), [("3 groups weighted", {}), ("3 groups weighted, strata s", {"strata": "s"}),
                                         ("3 groups trend (scores 1,2,3) weighted", {"trend": True})])
def test_weighted_logrank_k_groups_strata_trend(d, ref, key, kw):
    if "strata" in kw:
        kw = {"strata": d[kw["strata"]]}
    r = bs.logrank(d.time, d.event, d.g, weights=d.w, **kw)
    chisq, df, p = ref["sctest"][key]
    assert r.chisq == pytest.approx(chisq, rel=EXACT) and r.df == df and r.p == pytest.approx(p, rel=1e-9)


def test_unit_weights_is_the_breslow_score_test_not_survdiff(d, ref):
    ab = d[d.g != "c"]
    r = bs.logrank(ab.time, ab.event, ab.g, weights=np.ones(len(ab)))
    assert r.chisq == pytest.approx(ref["sctest"]["2 groups a,b unweighted"][0], rel=EXACT)
    plain = bs.logrank(ab.time, ab.event, ab.g)  # survdiff: with the hypergeometric tie factor
    assert plain.chisq == pytest.approx(ref["sctest"]["survdiff a,b unweighted (differs by the tie correction)"][0],
                                        rel=EXACT)
    # without ties the two coincide
    t = ab.time.to_numpy() + np.arange(len(ab)) * 1e-4
    assert bs.logrank(t, ab.event, ab.g, weights=np.ones(len(ab))).chisq == pytest.approx(
        bs.logrank(t, ab.event, ab.g).chisq, rel=1e-12)


def test_weighted_logrank_refuses_rho(d):
    with pytest.raises(StatsError, match="rho must be 0 with case weights"):
        bs.logrank(d.time, d.event, d.g, weights=d.w, rho=1)


@pytest.mark.parametrize("cluster", ["none", "id"])
def test_robust_km_matches_survfit_robust(d, ref, cluster):
    b = d[d.g == "b"]
    r = ref["km"][cluster]
    km = bs.kaplan_meier(b.time, b.event, weights=b.w, variance="robust",
                         cluster=None if cluster == "none" else b.id)
    assert km.variance == "robust"
    np.testing.assert_allclose(km.time, r["time"], atol=0)
    np.testing.assert_allclose(km.surv, r["surv"], atol=EXACT)
    np.testing.assert_allclose(km.std_err, r["std.err"], atol=EXACT)
    np.testing.assert_allclose(km.lower, r["lower"], atol=EXACT)
    np.testing.assert_allclose(km.upper, r["upper"], atol=EXACT)
    assert (km.median, km.median_lower, km.median_upper) == tuple(ref["km_median"][cluster])
    # Greenwood's SE is a different number (the check would fail if robust were ignored)
    gw = bs.kaplan_meier(b.time, b.event, weights=b.w)
    assert np.max(np.abs(gw.std_err - km.std_err)) > 1e-3


def test_robust_km_unit_weights(d, ref):
    b = d[d.g == "b"]
    km = bs.kaplan_meier(b.time, b.event, variance="robust")
    np.testing.assert_allclose(km.std_err, ref["km_unit_robust_std_err"], atol=EXACT)


def test_robust_km_one_row_clusters_equal_no_cluster(d):
    b = d[d.g == "a"]
    a = bs.kaplan_meier(b.time, b.event, weights=b.w, variance="robust")
    c = bs.kaplan_meier(b.time, b.event, weights=b.w, variance="robust", cluster=np.arange(len(b))[::-1])
    np.testing.assert_allclose(a.std_err, c.std_err, rtol=1e-13, atol=0)


def test_robust_km_bad_arguments(d):
    with pytest.raises(StatsError, match="pass variance='robust'"):
        bs.kaplan_meier(d.time, d.event, cluster=d.id)
    with pytest.raises(StatsError, match="variance must be one of"):
        bs.kaplan_meier(d.time, d.event, variance="jackknife")
    with pytest.raises(StatsError, match="cluster contains missing"):
        bs.kaplan_meier(d.time, d.event, variance="robust", cluster=np.r_[np.nan, d.id.to_numpy()[1:]])


@pytest.mark.parametrize(("key", "kw", "rows"), [
    ("2 groups a,b weighted, robust score test", {}, "ab"),
    ("3 groups weighted, robust", {}, "all"),
    ("3 groups weighted, robust, cluster id", {"cluster": True}, "all"),
    ("3 groups trend weighted, robust", {"trend": True}, "all"),
])
def test_robust_weighted_logrank_is_coxph_robscore(d, ref, key, kw, rows):
    x = d[d.g != "c"] if rows == "ab" else d
    if kw.get("cluster"):
        kw = {"cluster": x.id}
    r = bs.logrank(x.time, x.event, x.g, weights=x.w, robust=True, **kw)
    chisq, df, p = ref["sctest"][key]
    assert r.chisq == pytest.approx(chisq, rel=EXACT) and r.df == df and r.p == pytest.approx(p, rel=1e-9)


def test_robust_weighted_logrank_is_scale_free_the_model_based_is_not(d, ref):
    ab = d[d.g != "c"]
    doubled = ref["sctest"]["2 groups a,b weighted, weights doubled (sctest scales with the weights, robscore does not)"]
    assert bs.logrank(ab.time, ab.event, ab.g, weights=2 * ab.w).chisq == pytest.approx(doubled[0], rel=EXACT)
    assert bs.logrank(ab.time, ab.event, ab.g, weights=2 * ab.w, robust=True).chisq == pytest.approx(doubled[1],
                                                                                                    rel=EXACT)


def test_robust_logrank_bad_arguments(d):
    with pytest.raises(StatsError, match="pass robust=True"):
        bs.logrank(d.time, d.event, d.g, weights=d.w, cluster=d.id)
    with pytest.raises(StatsError, match="not available with strata"):
        bs.logrank(d.time, d.event, d.g, weights=d.w, robust=True, strata=d.s)


def test_zero_weights_drop_out(d, ref):
    # R's coxph refuses weights of 0, so its reference is the fit without those rows; survfit accepts them
    ab = d[d.g != "c"].copy()
    ab.loc[ab.index[::5], "w"] = 0.0
    m = bs.logrank(ab.time, ab.event, ab.g, weights=ab.w)
    r = bs.logrank(ab.time, ab.event, ab.g, weights=ab.w, robust=True)
    assert m.chisq == pytest.approx(ref["sctest"]["2 groups a,b zero weights"][0], rel=EXACT)
    assert r.chisq == pytest.approx(ref["sctest"]["2 groups a,b zero weights, robust"][0], rel=EXACT)
    b = ab[ab.g == "b"]
    km = bs.kaplan_meier(b.time, b.event, weights=b.w, variance="robust")
    np.testing.assert_allclose(km.time, ref["km_zero_weights_time"], atol=0)
    np.testing.assert_allclose(km.std_err, ref["km_zero_weights_std_err"], atol=EXACT)


def test_weighted_logrank_refuses_weightless_events_and_groups(d):
    ab = d[d.g != "c"]
    with pytest.raises(StatsError, match="every event has weight 0"):
        bs.logrank(ab.time, ab.event, ab.g, weights=1.0 - ab.event)
    with pytest.raises(StatsError, match=r"group\(s\) \['b'\] have total weight 0"):
        bs.logrank(ab.time, ab.event, ab.g, weights=(ab.g == "a").astype(float))


@pytest.mark.parametrize(("seed", "n", "n_clusters"), [(3, 3000, 700), (5, 2000, 50)])
def test_robust_km_running_sums_equal_the_direct_ij_sum(seed, n, n_clusters):
    # the O(n log n) running sums of _km_ij against the definition written out as an n x T matrix:
    # U_i(t) = A(min(t, t_i)) - delta_i 1(t_i <= t) / (N_k_i - D_k_i), var S = S^2 sum_c (sum_i w_i U_i)^2
    rng = np.random.default_rng(seed)
    t = np.round(rng.exponential(size=n), 2) + 0.01
    e = (rng.random(n) < 0.6).astype(float)
    w = rng.uniform(0, 2, n)
    cl = rng.integers(0, n_clusters, n)
    km = bs.kaplan_meier(t, e, weights=w, variance="robust", cluster=cl)
    u = km.time
    nr = np.array([w[t >= x].sum() for x in u])
    ne = np.array([(w * e)[t == x].sum() for x in u])
    left = nr - ne
    a = np.cumsum(np.where((ne > 0) & (left > 0), ne / (nr * np.where(left > 0, left, 1)), 0))
    b = np.where(left > 0, 1 / np.where(left > 0, left, 1), 0)
    ki = np.searchsorted(u, t)
    big_u = a[np.minimum(np.arange(len(u))[None, :], ki[:, None])] - (e[:, None] * (t[:, None] <= u[None, :])) * b[ki][:, None]
    tot = np.zeros((n_clusters, len(u)))
    np.add.at(tot, cl, w[:, None] * big_u)
    se = km.surv * np.sqrt((tot ** 2).sum(axis=0))
    ok = km.surv > 0
    np.testing.assert_allclose(km.std_err[ok], se[ok], rtol=1e-11)
