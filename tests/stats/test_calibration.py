"""Tests of biomark.stats.calibration against rms 6.5.0 (val.prob).

Reference numbers:
* tests/data/expected.json "calibration": R 4.2, rms 6.5.0 ``val.prob(p, y)`` and Hosmer-Lemeshow
  with groups cut at the deciles of p, df = groups - 2 (tests/data/REFERENCE.md).
* ROUNDED_*: R 4.2.2 / rms 6.5.0 on tests/data/calibration_public.csv (script tests/data/R/calibration_rounded.R,
  its output calibration_rounded.Rout)
  with p rounded (ties; with 1 digit three p are exactly 0 or 1, which val.prob drops from the
  logistic fits with a warning):
    p <- round(d$p, dig); v <- val.prob(p, d$y, pl = FALSE)
    v[c("C (ROC)", "Intercept", "Slope", "Emax", "Eavg", "E90", "S:z", "S:p", "Brier")]
    hl <- function(p, y, g) { br <- unique(quantile(p, seq(0, 1, length.out = g + 1)))
      grp <- cut(p, br, include.lowest = TRUE); o <- tapply(y, grp, sum); e <- tapply(p, grp, sum)
      n <- tapply(y, grp, length); k <- sum(!is.na(n)); s <- sum((o - e)^2 / (e * (1 - e / n)), na.rm = TRUE)
      c(s, 1 - pchisq(s, k - 2), k) }
    hl(p, d$y, 10); hl(p, d$y, 5)
The lowess in biomark is statsmodels' port of R's clowess with R's defaults (f = 2/3,
iter = 0, delta = 1 % of the range), so the E-statistics agree to ~1e-13 and are tested at 1e-6
like every other number (the 1e-3 allowance for lowess differences is not needed).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

import biomark.stats as bs
from biomark.stats import StatsError
from biomark.stats.calibration import calibration, calibration_curve

TOL = 1e-6


@pytest.fixture(scope="module")
def cal(data_dir):
    with open(data_dir / "calibration_public.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([int(r["y"]) for r in rows]), np.array([float(r["p"]) for r in rows])


def test_public_name_is_callable_whatever_the_import_order(cal):
    # DESIGN.md: biomark.stats.calibration(y, prob). This file imported the submodule first,
    # which binds the package attribute to the module; the module is callable, so the public
    # name still computes the statistic.
    from biomark.stats import calibration as public

    y, p = cal
    assert callable(public) and callable(bs.calibration)
    assert public(y, p) == calibration(y, p)
    assert bs.calibration(y, p, groups=5).hl_groups == 5
    assert bs.calibration_curve is calibration_curve


def test_matches_val_prob(cal, expected):
    y, p = cal
    ref = expected["calibration"][0]
    assert ref["name"] == "calibration_public"
    res = calibration(y, p)
    for key in (
        "brier", "intercept", "slope", "emax", "eavg", "e90", "spiegelhalter_z",
        "spiegelhalter_p", "c_index", "hl_stat", "hl_p",
    ):
        assert getattr(res, key) == pytest.approx(ref[key], abs=TOL), key
    assert res.hl_groups == ref["hl_groups"] == 10
    assert (res.n, res.n_events, res.n_extreme) == (600, 247, 0)
    # the exact AUC differs from val.prob's binned C (ROC) by ~1e-5 here
    assert res.auc == pytest.approx(ref["c_index"], abs=1e-4)
    assert abs(res.auc - ref["c_index"]) > 1e-6


def test_citl_is_the_offset_intercept(cal):
    # calibration-in-the-large: the score equation of y ~ a + offset(logit p) is sum(y - expit(a + L)) = 0
    y, p = cal
    res = calibration(y, p)
    lp = np.log(p / (1 - p)) + res.citl
    assert np.sum(y - 1 / (1 + np.exp(-lp))) == pytest.approx(0.0, abs=1e-8)
    # joint fit: both score equations vanish at (intercept, slope)
    lp2 = res.intercept + res.slope * np.log(p / (1 - p))
    r = y - 1 / (1 + np.exp(-lp2))
    assert np.sum(r) == pytest.approx(0.0, abs=1e-8)
    assert np.sum(r * np.log(p / (1 - p))) == pytest.approx(0.0, abs=1e-8)


ROUNDED_2 = {  # rms 6.5.0, p = round(p, 2)
    "c_index": 0.774001903866225, "intercept": -0.182482918095930, "slope": 1.251546999030031,
    "emax": 0.086644209314849, "eavg": 0.050625602276426, "e90": 0.070008649362915,
    "spiegelhalter_z": -2.323392445486866, "spiegelhalter_p": 0.020158079578352, "brier": 0.191461,
    "hl10": (25.087922538856077, 0.001502109651447, 10), "hl5": (11.034875172220028, 0.011538779359787, 5),
}
ROUNDED_1 = {  # rms 6.5.0, p = round(p, 1): 3 probabilities of exactly 0 or 1
    "c_index": 0.768263729645843, "intercept": -0.188320722967044, "slope": 1.201500003320090,
    "emax": 0.076985470222242, "eavg": 0.047438549632575, "e90": 0.065796832379596,
    "spiegelhalter_z": -2.018626797634019, "spiegelhalter_p": 0.043526023598318, "brier": 0.191733333333333,
    "hl10": (13.166311295500716, 0.021869111741549, 7), "hl5": (12.470621938572028, 0.005933197712709, 5),
}


@pytest.mark.parametrize(("digits", "ref"), [(2, ROUNDED_2), (1, ROUNDED_1)])
def test_ties_and_extremes_match_val_prob(cal, digits, ref):
    y, p = cal
    pr = np.round(p, digits)
    extreme = "drop" if digits == 1 else "error"
    res = calibration(y, pr, extreme=extreme)
    for key in ("c_index", "intercept", "slope", "emax", "eavg", "e90", "spiegelhalter_z", "spiegelhalter_p", "brier"):
        assert getattr(res, key) == pytest.approx(ref[key], abs=TOL), key
    assert (res.hl_stat, res.hl_p) == pytest.approx(ref["hl10"][:2], abs=TOL)
    assert res.hl_groups == ref["hl10"][2]  # duplicated deciles merged: 7 groups for 1 digit
    res5 = calibration(y, pr, groups=5, extreme=extreme)
    assert (res5.hl_stat, res5.hl_p) == pytest.approx(ref["hl5"][:2], abs=TOL)
    assert res5.hl_groups == 5
    assert res.n_extreme == (3 if digits == 1 else 0)


def test_perfectly_calibrated_simulation():
    # y ~ Bernoulli(p): intercept ~ 0, slope ~ 1, HL not significant on average; check loosely
    rng = np.random.default_rng(11)
    p = rng.uniform(0.05, 0.95, 20_000)
    y = rng.random(p.size) < p
    res = calibration(y, p)
    assert abs(res.intercept) < 0.1 and abs(res.slope - 1) < 0.1 and abs(res.citl) < 0.05
    assert res.eavg < 0.02 and abs(res.spiegelhalter_z) < 4
    assert res.brier == pytest.approx(np.mean((p - y) ** 2))


def test_result_is_frozen_and_serialisable(cal):
    y, p = cal
    res = calibration(y, p)
    with pytest.raises(AttributeError):
        res.slope = 1.0  # type: ignore[misc]
    d = res.to_dict()
    assert d["hl_groups"] == 10 and isinstance(d["slope"], float)


def test_label_outcome(cal):
    y, p = cal
    labels = np.where(y == 1, "event", "none")
    assert calibration(labels, p, positive="event") == calibration(y, p)
    assert calibration(y.astype(bool), p) == calibration(y, p)


# ---------------------------------------------------------------- curves


def test_calibration_curve_shapes_and_bins(cal):
    y, p = cal
    cur = calibration_curve(y, p, n_boot=50, seed=1)
    assert cur.grid.shape == cur.smooth.shape == cur.smooth_low.shape == cur.smooth_high.shape == (101,)
    assert cur.grid[0] == p.min() and cur.grid[-1] == p.max()
    assert np.all(cur.smooth_low <= cur.smooth_high)
    inside = (cur.smooth >= 0) & (cur.smooth <= 1)
    assert np.mean((cur.smooth_low[inside] <= cur.smooth[inside]) & (cur.smooth[inside] <= cur.smooth_high[inside])) > 0.9
    # bins are the HL deciles: 10 groups of 60 (from the HL check above / val.prob data)
    assert cur.bin_n.tolist() == [60] * 10
    assert cur.bin_events.sum() == 247
    np.testing.assert_allclose(cur.bin_observed, cur.bin_events / 60)
    assert np.all(np.diff(cur.bin_predicted) > 0)
    assert np.all((cur.bin_low <= cur.bin_observed) & (cur.bin_observed <= cur.bin_high))
    # Emax of val.prob is the max |p - smooth| at the data; on the grid it can only be close
    ref = calibration(y, p)
    on_grid = np.abs(cur.grid - cur.smooth)
    assert on_grid.max() == pytest.approx(ref.emax, abs=0.02)


def test_calibration_curve_seeded_and_no_bootstrap(cal):
    y, p = cal
    a = calibration_curve(y, p, n_boot=20, seed=3)
    b = calibration_curve(y, p, n_boot=20, seed=3)
    np.testing.assert_array_equal(a.smooth_low, b.smooth_low)
    c = calibration_curve(y, p, n_boot=0, groups=4, ci_method="clopper-pearson", n_points=11)
    assert c.smooth_low is None and c.smooth_high is None
    assert c.bin_n.tolist() == [150] * 4 and c.grid.size == 11
    np.testing.assert_allclose(c.smooth, a.smooth[::10])
    assert c.to_dict()["smooth_low"] is None


# ---------------------------------------------------------------- error paths


def test_errors(cal):
    y, p = cal
    with pytest.raises(StatsError, match=r"\[0, 1\]"):
        calibration(y, p * 2)
    with pytest.raises(StatsError, match="nan"):
        calibration(y, np.where(np.arange(p.size) == 3, np.nan, p))
    with pytest.raises(StatsError, match="all predicted probabilities are equal"):
        calibration(y, np.full(p.size, 0.4))
    with pytest.raises(StatsError, match="control"):
        calibration(np.ones_like(y), p)
    with pytest.raises(StatsError, match="exactly 0 or 1"):
        calibration(y, np.round(p, 1))
    with pytest.raises(StatsError, match="extreme"):
        calibration(y, p, extreme="clip")
    with pytest.raises(StatsError, match="groups"):
        calibration(y, p, groups=2)
    with pytest.raises(StatsError, match="groups"):
        calibration(y[:5], p[:5], groups=10)
    with pytest.raises(StatsError, match="length"):
        calibration(y, p[:-1])
    with pytest.raises(StatsError, match="separated"):
        calibration([0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], groups=3)
    with pytest.raises(StatsError, match="at least 3 groups"):
        calibration([0, 1, 0, 1, 1, 0, 0, 1], [0.2, 0.2, 0.2, 0.2, 0.7, 0.7, 0.7, 0.7], groups=4)
    with pytest.raises(StatsError, match="one outcome class remains"):
        calibration([0, 0, 1, 1], [0.0, 0.0, 0.3, 0.5], extreme="drop", groups=3)
    with pytest.raises(StatsError, match="remaining probabilities are equal"):
        calibration([0, 1, 0, 1], [0.0, 0.4, 0.4, 1.0], extreme="drop", groups=3)


def test_curve_errors(cal):
    y, p = cal
    for kwargs, match in [
        ({"n_points": 1}, "n_points"),
        ({"n_boot": -1}, "n_boot"),
        ({"ci_method": "jeffreys"}, "ci_method"),
        ({"frac": 0}, "frac"),
        ({"ci": 1.5}, "ci"),
        ({"groups": 0}, "groups"),
    ]:
        with pytest.raises(StatsError, match=match):
            calibration_curve(y, p, **kwargs)
    with pytest.raises(StatsError, match="equal"):
        calibration_curve(y, np.full(p.size, 0.3))


def test_c_index_bins_plogis_logit_p_as_rms(cal):
    # regression (issue 13): with p on the 1/5000 grid (4 decimals), floor(5000 p) and rms' floor(5000
    # plogis(qlogis(p))) put some p in different bins. rms 6.5.0 (tests/data/R/calibration_rounded.R):
    # val.prob(round(p, 4), y)["C (ROC)"] = 0.775211891135553; binning the raw p gave 0.7752176.
    y, p = cal
    res = calibration(y, np.round(p, 4))
    assert res.c_index == pytest.approx(0.775211891135553, abs=1e-12)
    assert calibration(y, np.round(p, 3)).c_index == pytest.approx(0.775171749377803, abs=1e-12)
