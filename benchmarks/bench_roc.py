"""Benchmark: biomark.stats.roc_auc (AUC + DeLong SE + CI) against its yardsticks.

Times, on the same data in one run (best of ``--repeats``):

* ``np.argsort(score)`` (default kind): the cost of one sort, the floor for any rank method;
* ``sklearn.metrics.roc_auc_score(y, score)``: AUC only, no variance;
* ``biomark.stats.roc_auc(y, score)``: AUC, DeLong SE, 95 % CI, direction "auto";
* ``biomark.stats.roc_auc(y, score, direction="<")``;
* the same on rounded scores (many ties).

and prints a markdown table of seconds and ratios. Goal (issue 3): roc_auc <= 4x argsort and
<= 1.5x sklearn at n = 1e6.

    python benchmarks/bench_roc.py [--n 1000000] [--repeats 7] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from biomark.stats import roc_auc  # noqa: E402


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(args.seed)
    n = args.n
    y = rng.random(n) < 0.3
    score = rng.normal(size=n) + 0.7 * y
    tied = np.round(score, 2)

    # warm up (imports, caches) and check agreement once
    res = roc_auc(y, score)
    assert abs(res.auc - roc_auc_score(y, score)) < 1e-12
    assert res.ci_low < res.auc < res.ci_high

    rows = [
        ("np.argsort(score)", best_of(lambda: np.argsort(score), args.repeats)),
        ("sklearn roc_auc_score (AUC only)", best_of(lambda: roc_auc_score(y, score), args.repeats)),
        ("biomark roc_auc (AUC+SE+CI, auto)", best_of(lambda: roc_auc(y, score), args.repeats)),
        ('biomark roc_auc (direction="<")', best_of(lambda: roc_auc(y, score, direction="<"), args.repeats)),
        ("np.argsort(tied score)", best_of(lambda: np.argsort(tied), args.repeats)),
        ("sklearn roc_auc_score, tied", best_of(lambda: roc_auc_score(y, tied), args.repeats)),
        ("biomark roc_auc, tied (auto)", best_of(lambda: roc_auc(y, tied), args.repeats)),
    ]
    t_sort, t_skl = rows[0][1], rows[1][1]
    t_sort_tied, t_skl_tied = rows[4][1], rows[5][1]

    print(f"n = {n:,}, best of {args.repeats}; numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cpu(s), {platform.machine()}")
    print()
    print("| what | seconds | x argsort | x sklearn |")
    print("| --- | ---: | ---: | ---: |")
    for i, (name, t) in enumerate(rows):
        base_sort, base_skl = (t_sort, t_skl) if i < 4 else (t_sort_tied, t_skl_tied)
        print(f"| {name} | {t:.4f} | {t / base_sort:.2f} | {t / base_skl:.2f} |")
    r_sort = rows[2][1] / t_sort
    r_skl = rows[2][1] / t_skl
    print()
    print(f"goal roc_auc <= 4x argsort: {'met' if r_sort <= 4 else 'NOT met'} ({r_sort:.2f}x); "
          f"<= 1.5x sklearn: {'met' if r_skl <= 1.5 else 'NOT met'} ({r_skl:.2f}x)")


if __name__ == "__main__":
    main()
