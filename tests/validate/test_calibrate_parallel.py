"""The corrected-calibration bootstrap (rms ``calibrate``) runs through the engine's parallel map (issue 17).

Every resample has its own seed, so the results JSON must be identical for ``n_jobs`` 1 and 2 (only the
recorded ``n_jobs`` setting differs), and the chunked map must give the same numbers as one resample after
another (the loop it replaced, written out here).
"""

from __future__ import annotations

import json

import numpy as np

import biomark
from biomark import stats
from biomark.synthetic import simulate


def _without_n_jobs(d: dict) -> str:
    d["settings"].pop("n_jobs")
    d["reproducibility"]["settings"].pop("n_jobs")
    return json.dumps(d, sort_keys=True)


def test_survival_json_identical_for_n_jobs_1_and_2():
    panel = biomark.load_panel("hcc_axl_lc3_prognosis")
    cohort, _ = simulate(panel, 120, seed=3)
    out = [biomark.validate(panel, cohort, cv=(2, 1), bootstrap=12, permutations=0, horizons=[12, 24], seed=4,
                            n_jobs=j, method="cox").to_dict() for j in (1, 2)]
    assert out[0]["survival"]["horizon"]["points"][0]["corrected"]["B"] == 12
    assert _without_n_jobs(out[0]) == _without_n_jobs(out[1])


def test_binary_json_identical_for_n_jobs_1_and_2():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    cohort, _ = simulate(panel, 120, seed=5)
    out = [biomark.validate(panel, cohort, cv=(2, 1), bootstrap=12, permutations=0, seed=4, n_jobs=j,
                            method="logistic").to_dict() for j in (1, 2)]
    assert out[0]["binary"]["calibration"]["corrected"]["B"] == 12
    assert _without_n_jobs(out[0]) == _without_n_jobs(out[1])


def test_chunked_map_equals_one_resample_after_another():
    rng = np.random.default_rng(0)
    x = rng.normal(size=53)
    y = x + rng.normal(size=53)

    def predict(idx):
        b = np.polyfit(x[idx], y[idx], 1)
        return None if idx[1] % 7 == 0 else np.polyval(b, x)  # some resamples "fail"

    def measure(rows, p):
        r = y[rows] - p
        return np.array([r.mean(), np.nan if rows.size < 53 and rows[0] % 3 == 0 else r.var()])

    B, seed = 37, 9
    res = stats.bootstrap_calibration(53, predict, measure, B=B, seed=seed,
                                      mapper=lambda fn, args: [fn(*a) for a in reversed(args)][::-1])
    # the sequential loop the chunked map replaced
    tr_sum, te_sum, cnt, failed = np.zeros(2), np.zeros(2), np.zeros(2, int), 0
    for child in np.random.SeedSequence(seed).spawn(B):
        idx = np.random.default_rng(child).integers(0, 53, 53)
        p = predict(idx)
        if p is None:
            failed += 1
            continue
        tr, te = measure(idx, p[idx]), measure(np.arange(53), p)
        ok = np.isfinite(tr) & np.isfinite(te)
        tr_sum[ok] += tr[ok]
        te_sum[ok] += te[ok]
        cnt += ok
    assert 0 < failed < B and res.n_failed == failed
    np.testing.assert_array_equal(res.n, cnt)
    np.testing.assert_array_equal(res.optimism, tr_sum / cnt - te_sum / cnt)
