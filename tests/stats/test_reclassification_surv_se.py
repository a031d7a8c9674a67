"""Bootstrap SEs of the survival NRI/IDI at t (biomark.stats.reclassification_surv_se) against R.

Reference: tests/data/R/added_value_survival_se.R (R 4.2.2, survival 3.5.3): the formulas written by hand with
survfit's Kaplan-Meier, recomputed on the same 100 resamples (added_value_survival_boot_idx.csv) and sd() of them.
Tolerance 1e-10 absolute: the same arithmetic on the same resamples (seen: < 1e-12).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats import StatsError
from biomark.stats.reclassification_surv import nri_idi_at
from biomark.stats.reclassification_surv_se import nri_idi_at_se, weighted_nri_idi_at

R = Path(__file__).resolve().parents[1] / "data" / "R"
DATA = pd.read_csv(R / "added_value_survival.csv")
IDX = np.loadtxt(R / "added_value_survival_boot_idx.csv", delimiter=",", dtype=int) - 1


def _rout() -> dict[float, dict[str, float]]:
    out = {}
    for line in (R / "added_value_survival_se.Rout").read_text().splitlines():
        if line.startswith("t="):
            kv = dict(re.findall(r"(\w+)=([-\d.]+)", line))
            out[float(kv.pop("t"))] = {k: float(v) for k, v in kv.items()}
    return out


@pytest.mark.parametrize("t", [0.5, 1.0])
def test_bootstrap_se_matches_R_on_the_same_resamples(t) -> None:
    ref = _rout()[t]
    r = nri_idi_at_se(DATA.time, DATA.event, DATA.risk_old, DATA.risk_new, t, indices=IDX)
    assert r.B == 100 and r.n_failed == 0 and r.seed is None
    assert r.nri == pytest.approx(ref["nri"], abs=1e-10) and r.idi == pytest.approx(ref["idi"], abs=1e-10)
    for k in ("se_nri", "se_nri_events", "se_nri_nonevents", "se_idi"):
        assert getattr(r, k) == pytest.approx(ref[k], abs=1e-10), k
    z = r.nri / r.se_nri
    assert r.ci_nri == pytest.approx((r.nri - 1.959963984540054 * r.se_nri, r.nri + 1.959963984540054 * r.se_nri))
    assert r.p_nri == pytest.approx(2 * __import__("scipy").stats.norm.sf(abs(z)), rel=1e-12)


def test_weights_are_duplication() -> None:
    """A resample as multiplicities gives exactly nri_idi_at on the duplicated rows (and w = 1 the estimate)."""
    d = DATA
    W = np.vstack([np.ones(len(d)), np.bincount(IDX[3], minlength=len(d))])
    got = weighted_nri_idi_at(d.time, d.event, d.risk_old, d.risk_new, 0.5, W)
    for row, ix in zip(got, [np.arange(len(d)), IDX[3]], strict=True):
        e = nri_idi_at(d.time.iloc[ix], d.event.iloc[ix], d.risk_old.iloc[ix], d.risk_new.iloc[ix], 0.5)
        np.testing.assert_allclose(row, [e.nri, e.nri_events, e.nri_nonevents, e.idi], atol=1e-14)


def test_seeded_and_batch_independent() -> None:
    d = DATA
    a = nri_idi_at_se(d.time, d.event, d.risk_old, d.risk_new, 1.0, B=60, seed=7)
    b = nri_idi_at_se(d.time, d.event, d.risk_old, d.risk_new, 1.0, B=60, seed=7, batch=7)
    c = nri_idi_at_se(d.time, d.event, d.risk_old, d.risk_new, 1.0, B=60, seed=8)
    assert a.se_nri == pytest.approx(b.se_nri, abs=1e-15) and a.se_idi == pytest.approx(b.se_idi, abs=1e-15)
    assert a.se_nri != c.se_nri


def test_bootstrap_se_is_close_to_the_monte_carlo_sd() -> None:
    """The SE estimates the sampling SD: over 200 simulated data sets of n = 300 the SD of the IDI and NRI are
    within 15 % of the mean bootstrap SE (B = 100; the MC error of an SD from 200 sets is ~5 %)."""
    rng = np.random.default_rng(11)
    est, ses = [], []
    for _ in range(200):
        n = 300
        x, z = rng.normal(size=n), rng.normal(size=n)
        tt, cc = rng.exponential(1 / np.exp(0.5 * x + 0.5 * z)), rng.exponential(2.0, n)
        time, event = np.minimum(tt, cc), (tt <= cc).astype(int)
        old, new = 1 - np.exp(-0.5 * np.exp(0.5 * x)), 1 - np.exp(-0.5 * np.exp(0.5 * x + 0.5 * z))
        r = nri_idi_at_se(time, event, old, new, 0.7, B=100, seed=int(rng.integers(1 << 30)))
        est.append([r.nri, r.idi])
        ses.append([r.se_nri, r.se_idi])
    sd, mse = np.std(est, axis=0, ddof=1), np.mean(ses, axis=0)
    np.testing.assert_allclose(mse, sd, rtol=0.15)  # seen: SE/SD 1.018 (NRI), 0.995 (IDI)
    print("bootstrap SE / Monte-Carlo SD (NRI, IDI):", mse / sd)


def test_bad_input() -> None:
    d = DATA
    with pytest.raises(StatsError, match="indices must be"):
        nri_idi_at_se(d.time, d.event, d.risk_old, d.risk_new, 1.0, indices=IDX[:, :10])
    with pytest.raises(StatsError, match="B must be at least 2"):
        nri_idi_at_se(d.time, d.event, d.risk_old, d.risk_new, 1.0, B=1)
