"""Survival NRI and IDI at a horizon (and the existing survival net benefit) against the formulas written in R.

Reference: tests/data/R/added_value_survival.R/.Rout (survival 3.5.3 survfit for every Kaplan-Meier; survIDINRI and
dcurves are not installed, so the Pencina 2011 / Uno 2013 / Vickers 2008 formulas are written by hand there on
R's KM). Both sides are exact arithmetic on the same KM steps: tolerance 1e-8 (R prints 10 decimals).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats import StatsError, net_benefit_at, nri_idi_at

DATA = pd.read_csv(Path(__file__).parents[1] / "data" / "R" / "added_value_survival.csv")

R_RECLASS = {  # t: (nri, nri_events, nri_nonevents, idi, idi_events, idi_nonevents), from the .Rout
    0.5: (0.6747553243, 0.4106588443, 0.2640964800, 0.1446032976, 0.1140070508, 0.0305962468),
    1.0: (0.6340590407, 0.2721214561, 0.3619375846, 0.1385754079, 0.0896231206, 0.0489522874),
}
R_NB = {  # t: (nb_new at 0.1, 0.3, 0.5), (treat_all at 0.1, 0.3, 0.5)
    0.5: ((0.3159282608, 0.1759926480, 0.1076375607), (0.3127953267, 0.1164511344, -0.2369684119)),
    1.0: ((0.5129767901, 0.3456803316, 0.2113945817), (0.5114578281, 0.3718743504, 0.1206240905)),
}


@pytest.mark.parametrize("t", [0.5, 1.0])
def test_nri_idi_at_matches_r(t: float) -> None:
    r = nri_idi_at(DATA.time, DATA.event, DATA.risk_old, DATA.risk_new, t)
    got = (r.nri, r.nri_events, r.nri_nonevents, r.idi, r.idi_events, r.idi_nonevents)
    np.testing.assert_allclose(got, R_RECLASS[t], atol=1e-8)


@pytest.mark.parametrize("t", [0.5, 1.0])
def test_net_benefit_at_matches_r(t: float) -> None:
    nb = net_benefit_at(DATA.time, DATA.event, DATA.risk_new, t, [0.1, 0.3, 0.5])
    np.testing.assert_allclose(nb.model, R_NB[t][0], atol=1e-8)
    np.testing.assert_allclose(nb.treat_all, R_NB[t][1], atol=1e-8)


def test_censoring_matters() -> None:
    """The KM-weighted NRI differs from the naive one that calls every censored-before-t sample a non-event."""
    t = 1.0
    r = nri_idi_at(DATA.time, DATA.event, DATA.risk_old, DATA.risk_new, t)
    ev = (DATA.time <= t) & (DATA.event == 1)
    d = np.sign(DATA.risk_new - DATA.risk_old)
    naive = d[ev].mean() - d[~ev].mean()
    assert abs(r.nri - naive) > 0.02


def test_same_risks_give_zero() -> None:
    r = nri_idi_at(DATA.time, DATA.event, DATA.risk_old, DATA.risk_old, 1.0)
    assert r.nri == 0 and r.idi == 0


def test_bad_horizon() -> None:
    with pytest.raises(StatsError, match="horizon"):
        nri_idi_at(DATA.time, DATA.event, DATA.risk_old, DATA.risk_new, 100.0)
    with pytest.raises(StatsError, match=r"\[0, 1\]"):
        nri_idi_at(DATA.time, DATA.event, DATA.risk_old + 1, DATA.risk_new, 1.0)
