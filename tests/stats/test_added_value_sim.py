"""Simulation checks of the added-value statistics (issue 16): LR type I error and the bootstrap interval of ΔAUC.

200 data sets of n = 100 (clinical z, age; a panel score x = 0.5 z + noise), logistic outcome; B = 40 (null) or
100 resamples each (vectorised over resamples, a few seconds in all). Monte-Carlo SE of a proportion near 0.95 (or 0.05) over
200 data sets: sqrt(0.95 * 0.05 / 200) = 0.0154, so the 95 % MC interval is +-0.030.

What is asserted, and why not "the corrected ΔAUC's CI covers 0 in 93-97 %" (the issue's wording):
* no information in x: the LR test rejects at 5 % in 2-8 % of data sets (5 % +- 1.96 MC SE);
* no information in x: the interval covers 0 in at least 93 % (observed 99-99.5 %: conservative, because the
  true out-of-sample ΔAUC of the fitted models is below 0 and the apparent Δ of nested models is almost never
  negative; see biomark.stats.added_optimism.optimism_delta_auc);
* information in x: the interval covers each data set's true out-of-sample Δ (the two fitted models on an
  independent sample of 20,000) in 95 % +- 3 % (observed 96 % with B = 100; with B = 40 the percentile tails are
  too noisy and coverage fell to 91 %, misses mostly below: the interval's lower end is then too high).
"""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import nested_lr_test, optimism_delta_auc
from biomark.stats.added_optimism import batch_auc

R, N, B = 200, 100, 40
MC = 1.96 * np.sqrt(0.95 * 0.05 / R)


def _gen(rng: np.random.Generator, m: int, bx: float) -> tuple[np.ndarray, ...]:
    z, age = rng.normal(size=m), rng.normal(size=m)
    x = 0.5 * z + rng.normal(size=m)
    y = (rng.random(m) < 1.0 / (1.0 + np.exp(-(-0.5 + z + 0.3 * age + bx * x)))).astype(float)
    return z, age, x, y


@pytest.mark.slow
def test_no_added_information_lr_size_and_interval() -> None:
    rng = np.random.default_rng(20261202)
    reject, cover = 0, 0
    for r in range(R):
        z, age, x, y = _gen(rng, N, 0.0)
        reject += nested_lr_test({"z": z, "age": age}, {"x": x}, y=y).p < 0.05
        o = optimism_delta_auc(y, {"z": z, "age": age}, {"x": x}, B=B, seed=r)
        cover += o.ci_low <= 0.0 <= o.ci_high
    assert abs(reject / R - 0.05) <= MC, reject / R
    assert cover / R >= 0.93, cover / R


@pytest.mark.slow
def test_added_information_interval_covers_the_true_difference() -> None:
    rng = np.random.default_rng(7)
    z2, a2, x2, y2 = _gen(rng, 20_000, 0.5)
    cover = 0
    for r in range(R):
        z, age, x, y = _gen(rng, N, 0.5)
        o = optimism_delta_auc(y, {"z": z, "age": age}, {"x": x}, B=100, seed=r)  # tails need B >= 100
        t = nested_lr_test({"z": z, "age": age}, {"x": x}, y=y)
        b0, b1 = t.reduced.coef, t.full.coef
        auc = batch_auc(y2, np.column_stack([b0[0] + b0[1] * z2 + b0[2] * a2,
                                             b1[0] + b1[1] * z2 + b1[2] * a2 + b1[3] * x2]))
        cover += o.ci_low <= auc[1] - auc[0] <= o.ci_high
    assert abs(cover / R - 0.95) <= MC, cover / R
