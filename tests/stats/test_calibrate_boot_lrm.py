"""lowess_grid / lowess_calibration_error / bootstrap_calibration against rms::calibrate(lrm, B = 2000).

Reference: tests/data/R/horizon_calibrate_lrm.R -> .Rout (rms 6.5-0, R 4.2) on MASS::birthwt
(low ~ age + lwt + smoke + ptl + ht + ui), written to horizon_calibrate_birthwt.csv (no other test reads it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats.calibrate_boot import (
    bootstrap_calibration,
    lowess_calibration_error,
    lowess_grid,
)

HERE = Path(__file__).resolve().parents[1] / "data" / "R"
# max MC SE of R's optimism at B = 2000 is 0.0018 (.Rout); ours the same: the difference has
# SE <= sqrt(2) * 0.0018 = 0.0026; tolerance 4 SE.
MC_TOL = 0.0105


def _r_table() -> np.ndarray:
    """predy, calibrated.orig, calibrated.corrected, optimism: the 50 rows printed in the .Rout."""
    txt = (HERE / "horizon_calibrate_lrm.Rout").read_text()
    rows = re.findall(r"^\s*\[\s*\d+,\]\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\d+\s*$", txt, re.M)
    assert len(rows) == 50
    return np.array(rows, float)


def _data():
    d = pd.read_csv(HERE / "horizon_calibrate_birthwt.csv")
    X = np.column_stack([np.ones(len(d)), d[["age", "lwt", "smoke", "ptl", "ht", "ui"]].to_numpy(float)])
    return d["low"].to_numpy(float), X


def _logit_fit(y: np.ndarray, X: np.ndarray) -> np.ndarray | None:
    """Newton-Raphson MLE; None when it does not converge (a separated resample, which rms drops too)."""
    b = np.zeros(X.shape[1])
    with np.errstate(over="ignore"):
        for _ in range(30):
            p = 1 / (1 + np.exp(-X @ b))
            try:
                step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
            except np.linalg.LinAlgError:
                return None
            b += step
            if np.abs(step).max() < 1e-9:
                return b
    return None


def _run(B: int, seed: int):
    y, X = _data()
    p0 = 1 / (1 + np.exp(-X @ _logit_fit(y, X)))
    grid = lowess_grid(p0)

    def predict(idx):
        b = _logit_fit(y[idx], X[idx])
        return None if b is None else 1 / (1 + np.exp(-X @ b))

    return grid, bootstrap_calibration(y.size, predict, lambda rows, p: lowess_calibration_error(y[rows], p, grid),
                                       B=B, seed=seed)


def test_grid_and_apparent_curve_match_rms():
    r = _r_table()
    grid, res = _run(B=3, seed=1)
    np.testing.assert_allclose(grid, r[:, 0], atol=1e-7)  # same MLE, printed to 8 digits
    np.testing.assert_allclose(res.apparent + grid, r[:, 1], atol=1e-6)  # lowess iter = 0, delta = 1% of range


@pytest.mark.slow
def test_corrected_curve_matches_rms_within_mc_error():
    r = _r_table()
    grid, res = _run(B=2000, seed=2)
    corrected = res.apparent + grid - res.optimism
    np.testing.assert_allclose(res.optimism, r[:, 3], atol=MC_TOL)
    np.testing.assert_allclose(corrected, r[:, 2], atol=MC_TOL)
    assert np.abs(r[:, 3]).max() > 5 * MC_TOL  # the correction is far larger than the tolerance at the ends
