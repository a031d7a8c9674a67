"""Direction consistency (biomark.stats.direction).

R 4.2 references (computed once, stored here):
  wilcox.test(pos, neg, exact=FALSE, correct=TRUE)$p.value            = 0.017672276387
  wilcox.test(post, pre, paired=TRUE, exact=FALSE, correct=TRUE)      = 0.012772494550
  t.test(post, pre, paired=TRUE): estimate -0.677777777778, CI (-1.005652719680, -0.349902835876)
  cor.test(post, dose, method="spearman", exact=FALSE): rho -0.221294628636, p 0.567176842359
Hedges' g is checked against its closed form (Hedges & Olkin 1985) computed by hand below.
"""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import StatsError
from biomark.stats.direction import coefficient_signs, direction_consistency, hedges_g

POS = np.array([2.1, 3.4, 2.9, 4.2, 3.8, 3.1, 4.5, 2.7])
NEG = np.array([1.9, 2.2, 2.8, 1.5, 2.4, 3.0, 2.0])
PRE = np.array([5.1, 4.8, 6.2, 5.5, 4.9, 5.8, 6.0, 5.2, 4.7])
POST = np.array([4.2, 4.9, 5.1, 4.6, 4.1, 5.5, 4.8, 4.9, 4.0])
DOSE = np.array([0, 0, 2, 2, 4, 4, 6, 6, 8], dtype=float)


def test_hedges_g_closed_form():
    n1, n2 = len(POS), len(NEG)
    sp = np.sqrt(((n1 - 1) * POS.var(ddof=1) + (n2 - 1) * NEG.var(ddof=1)) / (n1 + n2 - 2))
    g_expected = (1 - 3 / (4 * (n1 + n2) - 9)) * (POS.mean() - NEG.mean()) / sp
    g, se, lo, hi = hedges_g(POS, NEG)
    assert g == pytest.approx(g_expected, rel=1e-12)
    assert se == pytest.approx(np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2))), rel=1e-12)
    assert (hi - lo) / 2 == pytest.approx(1.959963984540054 * se, rel=1e-9)


def test_binary_effects_and_statuses():
    y = np.r_[np.ones(len(POS)), np.zeros(len(NEG))]
    x = np.r_[POS, NEG]
    noise = np.random.default_rng(0).permutation(np.linspace(0, 1, len(x)))
    res = direction_consistency(
        {"a": x, "b": -x, "c": noise, "d": x},
        {"a": "up", "b": "up", "c": "down", "d": None},
        endpoint="response", kind="binary", y=y,
    )
    eff = {e.marker: e for e in res.effects}
    assert eff["a"].p == pytest.approx(0.017672276387, abs=1e-10)  # R wilcox.test
    # BH over the four p-values: a, b, d share p = 0.01767; c is larger
    assert eff["a"].p_adjusted == pytest.approx(0.017672276387 * 4 / 3, rel=1e-9)
    assert eff["a"].status == "consistent" and eff["a"].agrees is True
    assert eff["b"].status == "contradicting" and eff["b"].agrees is False
    assert eff["d"].status == "unspecified" and eff["d"].agrees is None
    assert eff["c"].status == "inconclusive"
    assert res.contradicting == ("b",)
    assert res.n_with_direction == 3 and res.n_consistent == 1 and res.n_contradicting == 1


def test_change_endpoint_matches_r():
    res = direction_consistency({"m": PRE}, {"m": "down"}, endpoint="rt", kind="change", post={"m": POST})
    e = res.effects[0]
    assert e.measure == "mean_paired_difference"
    assert (e.estimate, e.ci_low, e.ci_high) == pytest.approx((-0.677777777778, -1.005652719680, -0.349902835876), abs=1e-10)
    assert e.p == pytest.approx(0.012772494550, abs=1e-10)
    assert e.status == "consistent"


def test_dose_endpoint_matches_r():
    res = direction_consistency({"m": POST}, {"m": "up"}, endpoint="dose", kind="dose", dose=DOSE)
    e = res.effects[0]
    assert e.estimate == pytest.approx(-0.221294628636, abs=1e-10)
    assert e.p == pytest.approx(0.567176842359, abs=1e-9)
    assert e.status == "inconclusive" and e.agrees is False


def test_sign_test_counts_agreement():
    rng = np.random.default_rng(1)
    y = np.r_[np.ones(40), np.zeros(40)]
    markers = {f"m{i}": rng.normal(size=80) + 0.8 * y for i in range(6)}
    res = direction_consistency(markers, {k: "up" for k in markers}, endpoint="e", kind="binary", y=y)
    assert res.n_agreeing == 6
    assert res.sign_test_p == pytest.approx(0.5**6, rel=1e-12)


def test_constant_marker_is_not_estimable_not_nan_silently():
    y = np.r_[np.ones(5), np.zeros(5)]
    res = direction_consistency({"k": np.ones(10)}, {"k": "up"}, endpoint="e", kind="binary", y=y)
    e = res.effects[0]
    assert e.status == "not_estimable" and "constant" in e.note


def test_bad_y_is_an_error():
    with pytest.raises(StatsError, match="0/1"):
        direction_consistency({"a": np.arange(4.0)}, {"a": "up"}, endpoint="e", kind="binary", y=[0, 1, 2, 1])


def test_coefficient_signs():
    assert coefficient_signs({"a": 0.3, "b": 0.2, "c": 0.0, "d": -1}, {"a": "up", "b": "down", "c": "up", "d": None}) == {
        "a": True, "b": False, "c": None, "d": None}
