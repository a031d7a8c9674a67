"""Harrell's and Uno's C against R survival 3.5.3 ``concordance()``, lifelines and properties.

expected.json's survival numbers were computed by R on ``risk_score`` built in double precision
as ``0.02*age + 0.5*ph_ecog - 0.5*sex`` (94 distinct values); the CSV column is that score
rounded to 2 decimals (86 distinct values, more ties), so the tests rebuild the unrounded score
the same way (IEEE arithmetic gives identical doubles) and also check the rounded column against
numbers printed by R for it ("R extra", survival 3.5.3, options(digits = 15)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomark.stats import StatsError, concordance
from biomark.stats._surv_count import pair_counts


@pytest.fixture(scope="module")
def lung(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "lung.csv")


def _score(lung: pd.DataFrame) -> np.ndarray:
    return 0.02 * lung.age.to_numpy() + 0.5 * lung.ph_ecog.to_numpy() - 0.5 * lung.sex.to_numpy()


def test_harrell_matches_r(lung, expected):
    ref = expected["survival"][0]
    res = concordance(lung.time, lung.event, _score(lung))
    # expected.json: concordance(Surv ~ risk_score, reverse = TRUE)
    assert res.c == pytest.approx(ref["harrell_c"], abs=1e-9)
    assert res.se == pytest.approx(ref["harrell_c_se"], abs=1e-4)
    assert res.se == pytest.approx(ref["harrell_c_se"], abs=1e-9)
    # R extra: $count concordant 10803, discordant 6029, tied.x 168, tied.y 21 + tied.xy 1
    assert (res.concordant, res.discordant, res.tied_risk, res.tied_time) == (10803, 6029, 168, 22)


def test_uno_matches_r(lung, expected):
    ref = expected["survival"][0]
    res = concordance(lung.time, lung.event, _score(lung), method="uno")
    # expected.json: concordance(..., reverse = TRUE, timewt = "n/G2")
    assert res.c == pytest.approx(ref["uno_c"], abs=1e-9)
    # R extra: sqrt(fit$var) = 0.024773088173462
    assert res.se == pytest.approx(0.024773088173462, abs=1e-9)


def test_rounded_csv_score_matches_r(lung):
    # R extra: concordance(Surv(time, event) ~ risk_score, data = lung.csv, reverse = TRUE)
    h = concordance(lung.time, lung.event, lung.risk_score)
    assert h.c == pytest.approx(0.6405, abs=1e-12)
    assert h.se == pytest.approx(0.0261293909973234, abs=1e-9)
    assert (h.concordant, h.discordant, h.tied_risk) == (10795, 6018, 187)
    u = concordance(lung.time, lung.event, lung.risk_score, method="uno")
    assert u.c == pytest.approx(0.627555236329465, abs=1e-9)
    assert u.se == pytest.approx(0.0247624898982605, abs=1e-9)


# tied times, tied risks, censoring at a death time
TT = [5, 5, 5, 3, 3, 8, 8, 2, 9, 9, 4, 4, 6, 7, 7, 1]
EE = [1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1]
XX = [2, 1, 2, 3, 3, 1, 0, 3, 1, 1, 2, 2, 0, 1, 2, 3]


def test_ties_match_r():
    # R extra: concordance(Surv(tt, ee) ~ xx, reverse = TRUE) -> 0.8444444444444444, se 0.0417159744828501,
    # count 64 / 2 / 24 / tied.y 2 / tied.xy 1
    h = concordance(TT, EE, XX)
    assert h.c == pytest.approx(0.8444444444444444, abs=1e-12)
    assert h.se == pytest.approx(0.0417159744828501, abs=1e-12)
    assert (h.concordant, h.discordant, h.tied_risk, h.tied_time) == (64, 2, 24, 3)
    # R extra: same with timewt = "n/G2" -> 0.8216886412533789, se 0.0474243302797261
    u = concordance(TT, EE, XX, method="uno")
    assert u.c == pytest.approx(0.8216886412533789, abs=1e-12)
    assert u.se == pytest.approx(0.0474243302797261, abs=1e-12)
    assert u.concordant == pytest.approx(74.33796296296296, abs=1e-9)
    assert u.tied_time == pytest.approx(3.26003086419753 + 1.17361111111111, abs=1e-9)


def _brute_pair_counts(val, w):
    n = len(val)
    out = {k: np.zeros(n) for k in ("later_less", "later_eq", "later_greater",
                                     "earlier_less", "earlier_eq", "earlier_greater")}
    for i in range(n):
        for j in range(n):
            if j > i:
                key = "later_less" if val[j] < val[i] else "later_eq" if val[j] == val[i] else "later_greater"
                out[key][i] += w[j]
            elif j < i:
                key = "earlier_less" if val[j] < val[i] else "earlier_eq" if val[j] == val[i] else "earlier_greater"
                out[key][i] += 1
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 17, 33, 100])
@pytest.mark.parametrize("weights", ["int", "float"])
def test_pair_counts_brute_force(n, weights):
    rng = np.random.default_rng(n)
    val = rng.integers(0, max(1, n // 3), n)
    w = rng.integers(0, 2, n) if weights == "int" else rng.random(n)
    got = pair_counts(val, w)
    want = _brute_pair_counts(val, w)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], atol=1e-9, err_msg=k)


untied = st.integers(min_value=5, max_value=60).flatmap(
    lambda n: st.tuples(
        st.permutations(list(range(1, n + 1))),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.permutations(list(range(n))),
    )
)


@settings(max_examples=60, deadline=None)
@given(untied)
def test_negation_gives_one_minus_c(data):
    t, e, x = (np.asarray(v, dtype=float) for v in data)
    e[np.argmin(t)] = 1.0  # the shortest time is an event: at least n - 1 comparable pairs
    a = concordance(t, e, x)
    b = concordance(t, e, -x)
    assert a.c + b.c == pytest.approx(1.0, abs=1e-12)
    assert a.se == pytest.approx(b.se, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(untied, st.sampled_from(["harrell", "uno"]))
def test_invariant_to_monotone_transform(data, method):
    t, e, x = (np.asarray(v, dtype=float) for v in data)
    e[np.argmin(t)] = 1.0  # the shortest time is an event: at least n - 1 comparable pairs
    a = concordance(t, e, x, method=method)
    b = concordance(t, e, np.exp(x / 7.0) * 3 - 1, method=method)
    assert a.c == pytest.approx(b.c, abs=1e-12)
    assert a.se == pytest.approx(b.se, abs=1e-12)


def test_errors():
    with pytest.raises(StatsError, match="no events"):
        concordance([1, 2, 3], [0, 0, 0], [1, 2, 3])
    with pytest.raises(StatsError, match="risk contains 1 missing"):
        concordance([1, 2, 3], [1, 0, 1], [1, np.nan, 3])
    with pytest.raises(StatsError, match="risk has length 2"):
        concordance([1, 2, 3], [1, 0, 1], [1, 2])
    with pytest.raises(StatsError, match="method must be"):
        concordance([1, 2, 3], [1, 0, 1], [1, 2, 3], method="gonen")
    with pytest.raises(StatsError, match="no comparable pairs"):
        concordance([1, 1, 1], [1, 1, 1], [1, 2, 3])
    with pytest.raises(StatsError, match="strictly positive"):
        concordance([0, 1, 2], [1, 1, 1], [1, 2, 3])
