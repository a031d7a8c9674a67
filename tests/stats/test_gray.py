"""Gray's K-sample test against R 4.2.2 cmprsk 2.2.11 ``cuminc(time, status, group, strata, rho)$Tests``.

Reference script tests/data/R/parity_gray.R, output parity_gray.Rout, data parity_gray_{a,b,c,d}.csv (D was
simulated after the implementation matched A-C: data it had not seen). Tolerance 1e-10 relative on the
statistic and the p-value (seen: 6e-13); the tiny cases are exact fractions.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import biomark.stats as bs
from biomark.stats import StatsError

ROUT = "parity_gray.Rout"
LINE = re.compile(r"^([ABCD]) rho (\S+) +(strata)? ?cause (\d) stat (\S+) pv (\S+) df (\d+)")


def _cases(data_dir):
    text = (data_dir / "R" / ROUT).read_text().splitlines()
    return [m.groups() for m in map(LINE.match, text) if m]


def test_every_cuminc_test_is_reproduced(data_dir):
    cases = _cases(data_dir)
    assert len(cases) == 24 + 12
    frames = {k: pd.read_csv(data_dir / "R" / f"parity_gray_{k.lower()}.csv") for k in "ABCD"}
    for name, rho, strata, cause, stat, pv, df in cases:
        d = frames[name]
        r = bs.gray_test(d.time, d.status, d.g, cause=int(cause), rho=float(rho),
                         strata=d.strata if strata else None)
        assert r.stat == pytest.approx(float(stat), rel=1e-10), (name, rho, strata, cause)
        assert r.p == pytest.approx(float(pv), rel=1e-10), (name, rho, strata, cause)
        assert r.df == int(df)
        assert r.n_strata == (d.strata.nunique() if strata else 1)


def test_tiny_cases_and_rho_grid(data_dir):
    text = (data_dir / "R" / ROUT).read_text().splitlines()
    n = 0
    for line in text:
        m = re.match(r"^tiny (\d+) time (.*) status (.*) group (.*) stat (.*)$", line)
        if m:
            t, s, g = ([float(x) for x in m[2].split()], [int(x) for x in m[3].split()], m[4].split())
            for cause, ref in zip((1, 2), map(float, m[5].split()), strict=False):
                assert bs.gray_test(t, s, g, cause=cause).stat == pytest.approx(ref, rel=1e-12)
                n += 1
        m = re.match(r"^tiny 3 rho (\S+) stat (\S+)", line)
        if m:
            r = bs.gray_test([1, 2, 3, 4, 5, 6], [1, 0, 1, 0, 1, 1], list("ababba"), rho=float(m[1]))
            assert r.stat == pytest.approx(float(m[2]), rel=1e-12)
            n += 1
    assert n == 8 + 15


def test_it_is_not_the_log_rank_variance():
    # cuminc(1:3, c(1, 1, 0), c("a", "a", "b")): V = 77/162, the log-rank variance would be 17/36
    r = bs.gray_test([1, 2, 3], [1, 1, 0], ["a", "a", "b"])
    assert r.score[0] == pytest.approx(5 / 6, abs=1e-15)
    assert r.variance[0, 0] == pytest.approx(77 / 162, abs=1e-15)
    assert r.variance.sum(axis=1) == pytest.approx([0, 0], abs=1e-15)
    assert abs(r.variance[0, 0] - 17 / 36) > 1e-3


def test_group_order_and_labels_do_not_change_the_statistic(data_dir):
    d = pd.read_csv(data_dir / "R" / "parity_gray_d.csv")
    base = bs.gray_test(d.time, d.status, d.g)
    relabel = d.g.map({"g1": "z", "g2": "b", "g3": "a", "g4": "m"})
    perm = np.random.default_rng(0).permutation(len(d))
    other = bs.gray_test(d.time.to_numpy()[perm], d.status.to_numpy()[perm], relabel.to_numpy()[perm])
    assert other.stat == pytest.approx(base.stat, rel=1e-12)


@pytest.mark.parametrize("kw, msg", [
    ({"status": [0, 1, 3, 1]}, r"coded 0 \(censored\), 1"),
    ({"group": ["a"] * 4}, "at least two groups"),
    ({"status": [0, 2, 2, 0]}, "at least one event of cause 1"),
    ({"rho": float("nan")}, "rho must be a finite number"),
    ({"cause": 3}, "cause must be 1 or 2"),
])
def test_bad_input_is_refused(kw, msg):
    args = {"time": [1, 2, 3, 4], "status": [1, 0, 1, 2], "group": ["a", "b", "a", "b"]} | kw
    extra = {k: args.pop(k) for k in ("rho", "cause") if k in args}
    with pytest.raises(StatsError, match=msg):
        bs.gray_test(args["time"], args["status"], args["group"], **extra)
