"""Tests of biomark.stats.decision (net benefit / decision curves).

Reference numbers were computed once with the Python dcurves package 1.1.7 (PyPI; not a test
dependency) on tests/data/calibration_public.csv:

    dcurves.dca(data=d, outcome="y", modelnames=["p"])          # default thresholds 0, 0.01, ..., 0.99
    r[r.model == "p"].net_benefit, r[r.model == "all"].net_benefit  at the rows in DCURVES_IDX

and with p rounded to 2 decimals (so that some p equal a threshold exactly; 42 do):

    dcurves.dca(data=d.assign(p=d.p.round(2)), outcome="y", modelnames=["p"],
                thresholds=[0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75])
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

import biomark.stats as bs
from biomark.stats import StatsError
from biomark.stats.decision import net_benefit

DCURVES_IDX = [0, 5, 10, 20, 30, 50, 70, 90, 99]
DCURVES_MODEL = [
    0.4116666666666667, 0.38087719298245615, 0.3468518518518518, 0.27875000000000005,
    0.2209523809523809, 0.11833333333333335, 0.04666666666666668, 0.005, 0.0,
]
DCURVES_ALL = [
    0.4116666666666667, 0.38070175438596493, 0.3462962962962963, 0.26458333333333334,
    0.1595238095238095, -0.1766666666666667, -0.961111111111111, -4.883333333333335,
    -57.833333333333286,
]
ROUNDED_T = [0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75]
ROUNDED_MODEL = [
    0.4116666666666667, 0.3477777777777778, 0.255, 0.15722222222222224, 0.11499999999999999,
    0.09833333333333334, 0.03166666666666667,
]
ROUNDED_ALL = [
    0.4116666666666667, 0.3462962962962963, 0.21555555555555556, 0.019444444444444375,
    -0.1766666666666667, -0.47083333333333327, -1.3533333333333335,
]


@pytest.fixture(scope="module")
def cal(data_dir):
    with open(data_dir / "calibration_public.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([int(r["y"]) for r in rows]), np.array([float(r["p"]) for r in rows])


def test_public_name():
    assert bs.net_benefit is net_benefit


def test_matches_dcurves_default_grid(cal):
    y, p = cal
    dc = net_benefit(y, p)
    np.testing.assert_allclose(dc.threshold, np.arange(100) / 100)
    np.testing.assert_allclose(dc.model[DCURVES_IDX], DCURVES_MODEL, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dc.treat_all[DCURVES_IDX], DCURVES_ALL, rtol=0, atol=1e-9)
    assert np.all(dc.treat_none == 0)
    assert dc.prevalence == pytest.approx(247 / 600) and dc.n == 600


def test_matches_dcurves_with_ties_at_threshold(cal):
    y, p = cal
    pr = np.round(p, 2)
    dc = net_benefit(y, pr, ROUNDED_T)
    np.testing.assert_allclose(dc.model, ROUNDED_MODEL, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dc.treat_all, ROUNDED_ALL, rtol=0, atol=1e-12)


def test_definition_by_hand(cal):
    y, p = cal
    t = np.array([0.15, 0.33, 0.62])
    dc = net_benefit(y, p, t)
    for i, ti in enumerate(t):
        treated = p >= ti
        tp = np.sum(treated & (y == 1)) / y.size
        fp = np.sum(treated & (y == 0)) / y.size
        assert dc.model[i] == pytest.approx(tp - fp * ti / (1 - ti), abs=1e-15)
        assert dc.tp_rate[i] == pytest.approx(tp) and dc.fp_rate[i] == pytest.approx(fp)
    rows = dc.rows()
    assert rows[1]["threshold"] == 0.33 and rows[1]["treat_none"] == 0.0
    assert set(dc.to_dict()) >= {"threshold", "model", "treat_all", "treat_none"}


def test_limits():
    # at t = 0 the model treats everyone: equals treat-all = prevalence; a perfect model has
    # net benefit = prevalence at every threshold
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.8, 0.9, 0.3, 0.7])
    dc = net_benefit(y, p, [0.0, 0.5, 0.75])
    assert dc.model[0] == dc.treat_all[0] == 0.5
    assert dc.model[1] == 0.5
    assert dc.model[2] == pytest.approx(2 / 6)  # 0.7 < 0.75: one case untreated, no false positive
    scalar = net_benefit(y, p, 0.5)
    assert scalar.threshold.shape == (1,)


@pytest.mark.parametrize(
    ("y", "p", "t", "match"),
    [
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [1.0], r"\[0, 1\)"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [-0.1], r"\[0, 1\)"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [np.nan], r"\[0, 1\)"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [], "non-empty"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 1.4], [0.1], r"\[0, 1\]"),
        ([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4], [0.1], "nan"),
        ([0, 1, 0, 1], [0.1, 0.3, 0.4], [0.1], "length"),
        ([1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1], "control"),
        (["a", "b", "a", "b"], [0.1, 0.2, 0.3, 0.4], [0.1], "positive="),
    ],
)
def test_errors(y, p, t, match):
    with pytest.raises(StatsError, match=match):
        net_benefit(y, p, t)
