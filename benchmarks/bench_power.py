"""Benchmark: `biomark.synthetic.power` serial, joblib (loky) with 2 workers, and a 2-worker dask
LocalCluster through joblib's dask backend — in one run, printing times and ratios.

    python benchmarks/bench_power.py [--reps 500] [--n 50,100,200]

Also prints the cost of one replicate split into simulate() and the analysis. Results must be
identical in every mode (checked here too).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from biomark.panel.catalog import load_panel  # noqa: E402
from biomark.synthetic import evaluate_replicate, power, simulate  # noqa: E402

PANEL = "escc_mir339_radiotherapy"


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--n", default="50,100,200")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    ns = [int(v) for v in args.n.split(",")]
    panel = load_panel(PANEL)

    # per-replicate cost
    k = 300
    seeds = np.random.SeedSequence(0).spawn(k)
    t = time.perf_counter()
    sims = [simulate(panel, 100, seed=s) for s in seeds]
    t_sim = (time.perf_counter() - t) / k
    t = time.perf_counter()
    for c, tr in sims:
        evaluate_replicate(c, tr, panel)
    t_eval = (time.perf_counter() - t) / k
    sims_s = [simulate(panel, 100, seed=s, endpoint="overall_survival") for s in seeds]
    t = time.perf_counter()
    for c, tr in sims_s:
        evaluate_replicate(c, tr, panel)
    t_eval_s = (time.perf_counter() - t) / k
    print(f"one replicate, n = 100: simulate {t_sim * 1e3:.2f} ms, analysis binary {t_eval * 1e3:.2f} ms, "
          f"survival {t_eval_s * 1e3:.2f} ms")

    total = len(ns) * args.reps
    t1, r1 = best_of(lambda: power(PANEL, ns, reps=args.reps, seed=1, n_jobs=1), args.repeats)
    power(PANEL, ns[:1], reps=10, seed=1, n_jobs=2)  # start the loky workers (imports) before timing
    t2, r2 = best_of(lambda: power(PANEL, ns, reps=args.reps, seed=1, n_jobs=2), args.repeats)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as lc, Client(lc) as client:
        power(PANEL, ns[:1], reps=10, seed=1, scheduler=client)  # warm the workers
        td, rd = best_of(lambda: power(PANEL, ns, reps=args.reps, seed=1, scheduler=client), args.repeats)
    assert r1.to_dict() == r2.to_dict() == rd.to_dict(), "results differ between modes"
    print(f"power, {len(ns)} sample sizes x {args.reps} reps = {total} datasets (best of {args.repeats}):")
    print("| mode | seconds | datasets/s | ratio to serial |")
    print("| --- | --- | --- | --- |")
    for name, tt in (("serial (n_jobs=1)", t1), ("joblib loky, n_jobs=2", t2),
                     ("dask LocalCluster, 2 workers", td)):
        print(f"| {name} | {tt:.2f} | {total / tt:.0f} | {tt / t1:.2f} |")
    print(f"dask / loky = {td / t2:.2f}")


if __name__ == "__main__":
    main()
