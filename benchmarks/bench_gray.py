"""Benchmark: Gray's test (``biomark.stats.gray_test``) against R cmprsk ``cuminc(...)$Tests`` (issue 20).

Two groups, both causes and censoring, times to 2 decimals (ties), n = --n. R's time is
``system.time(cuminc(time, status, g))`` (it also estimates the curves, which cuminc cannot skip);
biomark's is the best of --repeats calls. Prints one docs/performance.md row.

    python benchmarks/bench_gray.py --n 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_survival import r_seconds  # noqa: E402

from biomark.stats import gray_test  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import pandas as pd

    rng = np.random.default_rng(1988)
    g = rng.integers(0, 2, args.n)
    t1, t2 = rng.exponential(np.where(g == 1, 8.0, 10.0)), rng.exponential(12.0, args.n)
    c = rng.uniform(1, 30, args.n)
    time_ = np.round(np.minimum.reduce([t1, t2, c]), 2) + 0.01
    status = np.where(c < np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2))
    best = np.inf
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        r = gray_test(time_, status, g)
        best = min(best, time.perf_counter() - t0)
    frame = pd.DataFrame({"time": time_, "status": status, "g": g})
    theirs = r_seconds(frame, "suppressMessages(library(cmprsk)); x <- cuminc(d$time, d$status, d$g)")
    load = os.getloadavg()[0]
    ratio = f"{best / theirs:.2f}×" if theirs else "—"
    print(f"n = {args.n}, load average {load:.2f}, stat {r.stat:.6g}")
    print(f"| Gray's test, n = {args.n:,}, 2 groups (`bench_gray.py`) | {best:.2f} s | R cmprsk `cuminc` "
          f"{theirs if theirs is None else f'{theirs:.2f} s'} | {ratio} | ≤ 0.5× | "
          f"{'yes' if theirs and best / theirs <= 0.5 else 'no'} |")


if __name__ == "__main__":
    main()
