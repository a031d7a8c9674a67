"""``harrell_c`` (the index alone, for bootstrap loops) against ``concordance(...).c``, which is
checked against R survival 3.5.3 ``concordance`` in tests/stats (test_concordance*.py): the same
bits on random data sets with tied times, tied scores, few distinct scores and small n; and the
pair-count total against a brute-force O(n^2) count."""

from __future__ import annotations

import numpy as np
import pytest

from biomark.stats import StatsError, concordance
from biomark.stats._surv_count import earlier_leq_total
from biomark.stats.concordance import harrell_c


def test_harrell_c_is_concordance_c_bit_for_bit() -> None:
    rng = np.random.default_rng(2026)
    checked = 0
    for k in range(400):
        n = int(rng.integers(2, 40)) if k % 5 == 0 else int(rng.integers(40, 5000))
        t = rng.exponential(size=n)
        if k % 2:
            t = np.round(t * rng.integers(2, 20)) + 1.0  # tied times
        e = (rng.random(n) < rng.uniform(0.1, 0.95)).astype(float)
        e[0] = 1.0
        x = rng.normal(size=n) if k % 4 < 2 else rng.integers(0, int(rng.integers(1, 25)), n).astype(float)
        try:
            ref = concordance(t, e, x).c
        except StatsError:
            with pytest.raises(StatsError):
                harrell_c(t, e, x)
            continue
        assert harrell_c(t, e, x) == ref
        checked += 1
    assert checked > 350


def test_earlier_leq_total_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 300))
        v = rng.integers(0, int(rng.integers(1, 40)), n)
        w = rng.integers(0, 3, n)
        brute = sum(int(w[i]) * int(np.sum(v[:i] <= v[i])) for i in range(n))
        assert earlier_leq_total(v, w) == brute
