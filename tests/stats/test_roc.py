"""Tests of biomark.stats.roc against pROC 1.18.0 and against properties of the AUC.

Reference numbers:
* tests/data/expected.json "roc" / "paired_delong": R 4.2, pROC 1.18.0 (see tests/data/REFERENCE.md).
* SMALL_*: R 4.2.2 / pROC 1.18.0, script tests/data/R/proc_small.R (output proc_small.Rout):
    y <- SMALL_Y; s <- SMALL_S; s2 <- SMALL_S2
    r <- roc(y, s, levels = c(0, 1), direction = "auto")      # picks ">"
    auc(r); sqrt(var(r)); ci.auc(r)
    coords(r, "best", best.method = "youden"); r$thresholds; r$sensitivities; r$specificities
    r1 <- roc(y, s, levels = c(0, 1), direction = ">"); r2 <- roc(y, s2, levels = c(0, 1), direction = "<")
    roc.test(r1, r2, method = "delong", paired = TRUE)         # statistic, p.value, conf.int
    ci.auc(r2, conf.level = 0.9); sqrt(var(r2))
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import biomark.stats as bs
from biomark.stats import StatsError
from biomark.stats.roc import (
    delong_test,
    roc_auc,
    roc_curve,
    threshold_metrics,
    youden_threshold,
)

TOL = 1e-6


@pytest.fixture(scope="module")
def asah(data_dir):
    with open(data_dir / "asah.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "outcome": np.array([r["outcome"] for r in rows]),
        "s100b": np.array([float(r["s100b"]) for r in rows]),
        "ndka": np.array([float(r["ndka"]) for r in rows]),
        "wfns": np.array([float(r["wfns"]) for r in rows]),
    }


# ---------------------------------------------------------------- pROC reference values


def test_public_names_are_the_functions():
    # DESIGN.md contract: biomark.stats.roc_auc etc. are callables
    assert bs.roc_auc is roc_auc
    assert bs.delong_test is delong_test
    assert bs.youden_threshold is youden_threshold
    assert bs.roc_curve is roc_curve
    assert bs.threshold_metrics is threshold_metrics


def test_roc_matches_proc(asah, expected):
    assert len(expected["roc"]) == 3
    for ref in expected["roc"]:
        marker = ref["name"].removeprefix("asah_")
        res = roc_auc(asah["outcome"], asah[marker], positive="Poor")
        assert res.direction == ref["direction"]
        assert res.n_pos == 41 and res.n_neg == 72  # aSAH: 41 Poor, 72 Good
        for key in ("auc", "se", "ci_low", "ci_high"):
            assert getattr(res, key) == pytest.approx(ref[key], abs=TOL), (marker, key)
        yt = youden_threshold(asah["outcome"], asah[marker], positive="Poor")
        assert yt.threshold == pytest.approx(ref["youden_threshold"], abs=TOL)
        assert yt.sensitivity == pytest.approx(ref["youden_sensitivity"], abs=TOL)
        assert yt.specificity == pytest.approx(ref["youden_specificity"], abs=TOL)
        assert yt.direction == ref["direction"]


def test_paired_delong_matches_proc(asah, expected):
    ref = expected["paired_delong"][0]
    assert ref["name"] == "asah_s100b_vs_wfns"
    res = delong_test(asah["outcome"], asah["s100b"], asah["wfns"], positive="Poor")
    assert res.auc_a == pytest.approx(ref["auc_a"], abs=TOL)
    assert res.auc_b == pytest.approx(ref["auc_b"], abs=TOL)
    assert res.diff == pytest.approx(ref["auc_a"] - ref["auc_b"], abs=TOL)
    assert res.z == pytest.approx(ref["z"], abs=TOL)
    assert res.p == pytest.approx(ref["p"], abs=TOL)
    assert res.ci_low == pytest.approx(ref["diff_ci_low"], abs=TOL)
    assert res.ci_high == pytest.approx(ref["diff_ci_high"], abs=TOL)
    assert (res.direction_a, res.direction_b) == ("<", "<")


SMALL_Y = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0]
SMALL_S = [5, 3, 4, 4, 2, 6, 5, 7, 1, 2, 2, 3, 4, 1, 3, 2, 5, 6, 3, 4]
SMALL_S2 = [1, 2, 2, 3, 1, 5, 5, 7, 6, 2, 8, 3, 4, 9, 3, 2, 5, 6, 3, 4]


def test_auto_direction_with_ties_matches_proc():
    res = roc_auc(SMALL_Y, SMALL_S)
    # pROC: direction ">", AUC 0.803030303030303, se 0.107220687790255, CI 0.592881616563790 - 1 (clipped)
    assert res.direction == ">"
    assert res.auc == pytest.approx(0.803030303030303, abs=TOL)
    assert res.se == pytest.approx(0.107220687790255, abs=TOL)
    assert res.ci_low == pytest.approx(0.592881616563790, abs=TOL)
    assert res.ci_high == 1.0


def test_youden_and_curve_with_direction_gt_match_proc():
    yt = youden_threshold(SMALL_Y, SMALL_S)
    # pROC coords(r, "best"): threshold 3.5, specificity 0.727272727272727, sensitivity 0.777777777777778
    assert yt.threshold == pytest.approx(3.5, abs=TOL)
    assert yt.specificity == pytest.approx(0.727272727272727, abs=TOL)
    assert yt.sensitivity == pytest.approx(0.777777777777778, abs=TOL)
    assert yt.direction == ">" and yt.n_optimal == 1
    cur = roc_curve(SMALL_Y, SMALL_S)
    # pROC r$thresholds, r$sensitivities, r$specificities
    np.testing.assert_allclose(cur.thresholds, [np.inf, 6.5, 5.5, 4.5, 3.5, 2.5, 1.5, -np.inf])
    np.testing.assert_allclose(
        cur.sensitivities,
        [1, 1, 0.888888888888889, 0.888888888888889, 0.777777777777778, 0.555555555555556, 0.222222222222222, 0],
        atol=TOL,
    )
    np.testing.assert_allclose(
        cur.specificities,
        [0, 0.0909090909090909, 0.181818181818182, 0.454545454545455, 0.727272727272727, 0.909090909090909, 1, 1],
        atol=TOL,
    )
    assert cur.auc == pytest.approx(0.803030303030303, abs=TOL)
    np.testing.assert_allclose(cur.fpr, 1 - cur.specificities)


def test_paired_delong_mixed_directions_and_ci_level_match_proc():
    res = delong_test(SMALL_Y, SMALL_S, SMALL_S2, direction=(">", "<"))
    # pROC roc.test: AUCs 0.803030303030303 / 0.651515151515151, z 0.793412057428315,
    # p 0.427537788087089, CI of the difference -0.222772379536968 .. 0.525802682567271
    assert res.auc_a == pytest.approx(0.803030303030303, abs=TOL)
    assert res.auc_b == pytest.approx(0.651515151515151, abs=TOL)
    assert res.z == pytest.approx(0.793412057428315, abs=TOL)
    assert res.p == pytest.approx(0.427537788087089, abs=TOL)
    assert res.ci_low == pytest.approx(-0.222772379536968, abs=TOL)
    assert res.ci_high == pytest.approx(0.525802682567271, abs=TOL)
    r2 = roc_auc(SMALL_Y, SMALL_S2, direction="<", ci=0.9)
    # pROC ci.auc(r2, conf.level = 0.9): 0.439458155782751 0.651515151515151 0.863572147247552
    assert r2.se == pytest.approx(0.128921499310198, abs=TOL)
    assert r2.ci_low == pytest.approx(0.439458155782751, abs=TOL)
    assert r2.ci_high == pytest.approx(0.863572147247552, abs=TOL)


def test_proc_threshold_for_asah_s100b_curve(asah):
    cur = roc_curve(asah["outcome"], asah["s100b"], positive="Poor")
    # direction "<": thresholds rise from -inf to +inf, sensitivity falls 1 -> 0
    assert cur.thresholds[0] == -np.inf and cur.thresholds[-1] == np.inf
    assert np.all(np.diff(cur.thresholds) > 0)
    assert cur.sensitivities[0] == 1 and cur.sensitivities[-1] == 0
    assert cur.auc == pytest.approx(0.731368563685637, abs=TOL)  # expected.json roc[0].auc
    # 0.205 (expected.json Youden threshold) is one of the curve's thresholds
    assert np.min(np.abs(cur.thresholds - 0.205)) < 1e-12


# ---------------------------------------------------------------- outcome encodings and direction


def test_outcome_encodings_agree(asah):
    poor = asah["outcome"] == "Poor"
    ref = roc_auc(poor, asah["s100b"])
    for y in (poor.astype(int), poor.astype(float), poor.astype(np.int8)):
        assert roc_auc(y, asah["s100b"]).to_dict() == ref.to_dict()
    assert roc_auc(asah["outcome"], asah["s100b"], positive="Poor").to_dict() == ref.to_dict()
    # naming the other label as positive swaps cases and controls: auto direction flips, AUC same
    flipped = roc_auc(asah["outcome"], asah["s100b"], positive="Good")
    assert flipped.direction == ">" and flipped.auc == pytest.approx(ref.auc, abs=1e-12)
    assert (flipped.n_pos, flipped.n_neg) == (72, 41)


def test_explicit_direction_is_never_flipped(asah):
    res = roc_auc(asah["outcome"], asah["s100b"], direction=">", positive="Poor")
    assert res.direction == ">"
    assert res.auc == pytest.approx(1 - 0.731368563685637, abs=TOL)  # below 0.5, kept
    assert res.se == pytest.approx(0.0516592920699891, abs=TOL)  # same SE as "<" (expected.json)


def test_to_dict_is_plain(asah):
    d = roc_auc(asah["outcome"], asah["wfns"], positive="Poor").to_dict()
    assert set(d) >= {"auc", "se", "ci_low", "ci_high", "direction", "n_pos", "n_neg"}
    assert isinstance(d["auc"], float) and isinstance(d["n_pos"], int)
    c = roc_curve(asah["outcome"], asah["wfns"], positive="Poor").to_dict()
    assert c["thresholds"][0] == "-inf" and isinstance(c["sensitivities"], list)


def test_perfect_separation_gives_zero_width_ci():
    res = roc_auc([0, 0, 0, 1, 1, 1], [1, 2, 3, 4, 5, 6])
    # all placements equal 1 -> DeLong variance 0 (pROC gives the CI 1-1 with a warning)
    assert res.auc == 1.0 and res.se == 0.0 and res.ci_low == res.ci_high == 1.0


# ---------------------------------------------------------------- thresholds


def test_threshold_metrics_at_youden_threshold(asah):
    m = threshold_metrics(asah["outcome"], asah["s100b"], 0.205, positive="Poor")
    # counts: sens 26/41 = 0.634146 and spec 58/72 = 0.805556 as pROC's best coords (expected.json)
    assert (m.tp, m.fn, m.tn, m.fp) == (26, 15, 58, 14)
    assert m.sensitivity == pytest.approx(0.634146341463415, abs=TOL)
    assert m.specificity == pytest.approx(0.805555555555556, abs=TOL)
    assert m.ppv == pytest.approx(26 / 40) and m.npv == pytest.approx(58 / 73)
    # Wilson 95% interval of 26/41 by the closed form (Wilson 1927), computed by hand here
    z = 1.959963984540054
    n, ph = 41, 26 / 41
    centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert m.sensitivity_ci_low == pytest.approx(centre - half, abs=1e-12)
    assert m.sensitivity_ci_high == pytest.approx(centre + half, abs=1e-12)


def test_threshold_metrics_clopper_pearson(asah):
    from scipy.stats import binomtest

    m = threshold_metrics(asah["outcome"], asah["s100b"], 0.205, positive="Poor", ci_method="clopper-pearson")
    # scipy's exact interval for 26/41 and 58/72 as the independent reference
    ci_sens = binomtest(26, 41).proportion_ci(method="exact")
    ci_spec = binomtest(58, 72).proportion_ci(method="exact")
    assert m.sensitivity_ci_low == pytest.approx(ci_sens.low, abs=1e-10)
    assert m.sensitivity_ci_high == pytest.approx(ci_sens.high, abs=1e-10)
    assert m.specificity_ci_low == pytest.approx(ci_spec.low, abs=1e-10)
    assert m.specificity_ci_high == pytest.approx(ci_spec.high, abs=1e-10)
    assert m.method == "clopper-pearson"


def test_threshold_metrics_direction_gt_and_empty_calls():
    m = threshold_metrics(SMALL_Y, SMALL_S, 3.5, direction=">")
    # ">" calls score <= 3.5 positive: matches pROC's best coords on SMALL (sens 7/9, spec 8/11)
    assert (m.tp, m.fn, m.tn, m.fp) == (7, 2, 8, 3)
    # nobody called positive: PPV has no denominator -> nan (documented), NPV defined
    none = threshold_metrics(SMALL_Y, SMALL_S, 100.0)
    assert none.tp == 0 and none.fp == 0
    assert math.isnan(none.ppv) and math.isnan(none.ppv_ci_low) and math.isnan(none.ppv_ci_high)
    assert none.npv == pytest.approx(11 / 20)
    assert none.to_dict()["ppv"] is None


def test_youden_bootstrap_ci_is_seeded_and_brackets(asah):
    a = youden_threshold(asah["outcome"], asah["s100b"], positive="Poor", ci_method="bootstrap", n_boot=300, seed=7)
    b = youden_threshold(asah["outcome"], asah["s100b"], positive="Poor", ci_method="bootstrap", n_boot=300, seed=7)
    assert a == b
    assert a.threshold_ci_low <= a.threshold <= a.threshold_ci_high
    assert a.sensitivity_ci_low <= a.sensitivity <= a.sensitivity_ci_high
    assert a.specificity_ci_low <= a.specificity <= a.specificity_ci_high
    w = youden_threshold(asah["outcome"], asah["s100b"], positive="Poor")
    assert w.threshold_ci_low is None and w.ci_method == "wilson"
    # re-choosing the threshold makes the bootstrap interval of sensitivity wider than Wilson's
    assert a.sensitivity_ci_high - a.sensitivity_ci_low > w.sensitivity_ci_high - w.sensitivity_ci_low


def test_youden_reports_ties():
    # cases {2, 4}, controls {1, 3}: J = 0.5 at t = 1.5 (sens 1, spec 1/2) and at t = 3.5
    # (sens 1/2, spec 1); pROC's coords(..., "best") lists both; we return the first along the
    # curve (highest sensitivity) and say that there were two
    yt = youden_threshold([0, 1, 0, 1], [1, 2, 3, 4], direction="<")
    assert yt.n_optimal == 2
    assert (yt.threshold, yt.sensitivity, yt.specificity) == (1.5, 1.0, 0.5)
    assert yt.youden == pytest.approx(0.5)


# ---------------------------------------------------------------- large n, bootstrap agreement


def _boot_auc(pos_sorted: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Stratified bootstrap AUCs for tie-free data already sorted by score, without re-sorting:
    each replicate draws multinomial counts for cases and controls; AUC_b = sum over cases of
    count_i * (resampled controls below case i) / (m * n)."""
    case_pos = np.flatnonzero(pos_sorted)
    ctrl_pos = np.flatnonzero(~pos_sorted)
    m, k = case_pos.size, ctrl_pos.size
    # controls strictly below sorted position of each case = index among controls
    ctrl_below_idx = np.searchsorted(ctrl_pos, case_pos)
    out = np.empty(n_boot)
    for b in range(n_boot):
        wc = np.bincount(rng.integers(0, m, m), minlength=m)
        wn = np.bincount(rng.integers(0, k, k), minlength=k)
        cum = np.concatenate(([0], np.cumsum(wn)))
        out[b] = np.dot(wc, cum[ctrl_below_idx]) / (float(m) * float(k))
    return out


def test_large_n_ci_brackets_and_se_matches_bootstrap():
    # n = 2e5: pROC once overflowed here (CI 1-1). 2,000 stratified bootstrap replicates (no
    # re-sorting, ~1 s): the Monte-Carlo relative error of a bootstrap SD is about
    # 1/sqrt(2 * 1999) = 1.6 %, so the 5 % tolerance is ~3 MC standard errors on top of an
    # O(1/n) difference between the two estimators (seeded, so deterministic).
    rng = np.random.default_rng(20240501)
    n = 200_000
    y = rng.random(n) < 0.3
    s = rng.normal(size=n) + 0.8 * y
    res = roc_auc(y, s, direction="<")
    assert res.ci_low < res.auc < res.ci_high
    assert 0 < res.ci_high - res.auc < 0.01
    pos_sorted = y[np.argsort(s)]
    boots = _boot_auc(pos_sorted, 2000, rng)
    assert boots.mean() == pytest.approx(res.auc, abs=4 * res.se / np.sqrt(2000))
    assert res.se == pytest.approx(boots.std(ddof=1), rel=0.05)


def test_huge_counts_do_not_overflow():
    # n_pos * n_neg = 2.5e11 > 2^31: everything is float64 / int64; compare to sklearn's AUC
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = np.repeat([True, False], 500_000)
    s = np.round(rng.normal(size=y.size) + 0.5 * y, 2)  # many ties
    res = roc_auc(y, s, direction="<")
    assert res.auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert 0 < res.se < 1e-3 and res.ci_low < res.auc < res.ci_high


# ---------------------------------------------------------------- hypothesis properties

labels = st.lists(st.booleans(), min_size=4, max_size=60).filter(lambda v: sum(v) >= 2 and len(v) - sum(v) >= 2)


@st.composite
def labelled_scores(draw):
    y = draw(labels)
    s = draw(st.lists(st.integers(-40, 40), min_size=len(y), max_size=len(y)))
    return np.array(y), np.array(s, dtype=float)


@settings(max_examples=150, deadline=None)
@given(labelled_scores(), st.sampled_from(["affine", "cube", "exp", "rank"]))
def test_auc_invariant_under_increasing_transforms(data, kind):
    y, s = data
    t = {
        "affine": lambda v: 3.0 * v - 7.0,
        "cube": lambda v: v**3,
        "exp": lambda v: np.exp(v / 8.0),
        "rank": lambda v: np.unique(v, return_inverse=True)[1].astype(float),
    }[kind](s)
    a = roc_auc(y, s, direction="<")
    b = roc_auc(y, t, direction="<")
    assert b.auc == pytest.approx(a.auc, abs=1e-12)
    assert b.se == pytest.approx(a.se, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(labelled_scores(), st.sampled_from(["<", ">"]))
def test_negating_score_complements_auc(data, direction):
    y, s = data
    a = roc_auc(y, s, direction=direction)
    b = roc_auc(y, -s, direction=direction)
    assert a.auc == pytest.approx(1.0 - b.auc, abs=1e-12)
    assert a.se == pytest.approx(b.se, abs=1e-12)
    assert a.direction == b.direction == direction


@settings(max_examples=100, deadline=None)
@given(labelled_scores())
def test_auc_matches_pairwise_definition_and_sklearn(data):
    from sklearn.metrics import roc_auc_score

    y, s = data
    cases, controls = s[y], s[~y]
    diff = cases[:, None] - controls[None, :]
    brute = float(np.mean((diff > 0) + 0.5 * (diff == 0)))
    res = roc_auc(y, s, direction="<")
    assert res.auc == pytest.approx(brute, abs=1e-12)
    assert res.auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    # auto picks pROC's median rule
    auto = roc_auc(y, s)
    assert auto.direction == ("<" if np.median(controls) <= np.median(cases) else ">")


def _delong_se_brute(y: np.ndarray, s: np.ndarray) -> float:
    """DeLong (1988) variance straight from the definition (O(m n) kernel)."""
    cases, controls = s[y], s[~y]
    k = (cases[:, None] > controls[None, :]) + 0.5 * (cases[:, None] == controls[None, :])
    v10, v01 = k.mean(axis=1), k.mean(axis=0)
    return float(np.sqrt(v10.var(ddof=1) / cases.size + v01.var(ddof=1) / controls.size))


@settings(max_examples=100, deadline=None)
@given(labelled_scores())
def test_se_matches_definition(data):
    y, s = data
    assert roc_auc(y, s, direction="<").se == pytest.approx(_delong_se_brute(y, s), abs=1e-12)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    m=st.integers(120, 250),
    k=st.integers(120, 250),
    shift=st.floats(0.0, 1.2),
    tied=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_delong_se_close_to_bootstrap(m, k, shift, tied, seed):
    # 2,000 stratified bootstrap replicates via the O(m k) kernel: MC relative error of the
    # bootstrap SD ~ 1/sqrt(2 * 1999) = 1.6 %; with m, k >= 120 and AUC <= ~0.8 the estimators
    # themselves differ by < ~3 %, so 10 % is a > 3-sigma margin (derandomized, not flaky).
    rng = np.random.default_rng(seed)
    cases = rng.normal(shift, 1.0, m)
    controls = rng.normal(0.0, 1.0, k)
    if tied:
        cases, controls = np.round(cases * 2) / 2, np.round(controls * 2) / 2
    y = np.concatenate((np.ones(m, bool), np.zeros(k, bool)))
    s = np.concatenate((cases, controls))
    res = roc_auc(y, s, direction="<")
    kern = (cases[:, None] > controls[None, :]) + 0.5 * (cases[:, None] == controls[None, :])
    wc = rng.multinomial(m, np.full(m, 1.0 / m), size=2000).astype(float)
    wn = rng.multinomial(k, np.full(k, 1.0 / k), size=2000).astype(float)
    boots = np.einsum("bi,ij,bj->b", wc, kern, wn) / (m * k)
    assert res.se == pytest.approx(boots.std(ddof=1), rel=0.10)


# ---------------------------------------------------------------- error paths


@pytest.mark.parametrize(
    ("y", "score", "kwargs", "match"),
    [
        ([[0, 1], [1, 0]], [1, 2], {}, "one-dimensional"),
        ([], [], {}, "empty"),
        ([0, 1, np.nan, 1], [1, 2, 3, 4], {}, "missing"),
        (["a", "b", "a", "b"], [1, 2, 3, 4], {}, "positive="),
        ([1, 2, 1, 2], [1, 2, 3, 4], {}, "0/1"),
        (["a", "b", "a", "b"], [1, 2, 3, 4], {"positive": "c"}, "not one of the labels"),
        (["a", "b", "c", "b"], [1, 2, 3, 4], {"positive": "b"}, "exactly two labels"),
        ([0.0, 1.0, float("nan"), 1.0], [1, 2, 3, 4], {"positive": 1.0}, "missing"),
        (np.array(["a", None, "b", "a"], dtype=object), [1, 2, 3, 4], {"positive": "a"}, "None"),
        ([0, 1, 0, 1], [1, 2, np.nan, 4], {}, "nan"),
        ([0, 1, 0, 1], [1, 2, 3], {}, "length"),
        ([0, 1, 0, 1], [[1, 2], [3, 4]], {}, "one-dimensional"),
        ([1, 1, 1, 1], [1, 2, 3, 4], {}, "0 control"),
        ([0, 1, 0, 0], [1, 2, 3, 4], {}, "at least 2 case"),
        ([0, 1, 0, 1], [1, 2, 3, 4], {"direction": "up"}, "direction"),
        ([0, 1, 0, 1], [1, 2, 3, 4], {"ci": 1.0}, "ci must be"),
        ([0, 1, 0, 1], [1, 2, 3, 4], {"ci": 0}, "ci must be"),
        ([0, 1, 0, 1], [1, 2, 3, 4], {"ci": "95%"}, "ci must be"),
    ],
)
def test_roc_auc_errors(y, score, kwargs, match):
    with pytest.raises(StatsError, match=match):
        roc_auc(y, score, **kwargs)


def test_stats_error_is_value_error():
    with pytest.raises(ValueError):
        roc_auc([1, 1, 1], [1, 2, 3])


def test_delong_errors():
    with pytest.raises(StatsError, match="variance of the AUC difference is zero"):
        delong_test(SMALL_Y, SMALL_S, SMALL_S)
    with pytest.raises(StatsError, match="variance of the AUC difference is zero"):
        # a monotone transform ranks every pair the same way
        delong_test(SMALL_Y, SMALL_S, np.exp(SMALL_S))
    with pytest.raises(StatsError, match="pair of strings"):
        delong_test(SMALL_Y, SMALL_S, SMALL_S2, direction=("<", "<", "<"))
    with pytest.raises(StatsError, match="direction"):
        delong_test(SMALL_Y, SMALL_S, SMALL_S2, direction=("<", "down"))
    with pytest.raises(StatsError, match="score_b has length"):
        delong_test(SMALL_Y, SMALL_S, SMALL_S2[:-1])
    with pytest.raises(StatsError, match="at least 2"):
        delong_test([0, 0, 1], [1, 2, 3], [3, 1, 2])


def test_threshold_and_curve_errors():
    with pytest.raises(StatsError, match="method"):
        threshold_metrics(SMALL_Y, SMALL_S, 3.5, method="exact")
    with pytest.raises(StatsError, match="threshold is nan"):
        threshold_metrics(SMALL_Y, SMALL_S, float("nan"))
    with pytest.raises(StatsError, match="case"):
        threshold_metrics([0, 0, 0], [1, 2, 3], 2)
    with pytest.raises(StatsError, match="ci_method"):
        youden_threshold(SMALL_Y, SMALL_S, ci_method="delong")
    with pytest.raises(StatsError, match="n_boot"):
        youden_threshold(SMALL_Y, SMALL_S, ci_method="bootstrap", n_boot=5)
    with pytest.raises(StatsError, match="control"):
        roc_curve([1, 1], [1, 2])
    with pytest.raises(StatsError, match="direction"):
        roc_curve(SMALL_Y, SMALL_S, direction="increasing")
