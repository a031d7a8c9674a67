"""Benchmark: a survival ``biomark validate`` CLI run at n = 300, B = 200 (the corrected-calibration bootstrap).

The cohort of tests/data/golden/make_golden.sh (``biomark synth --panel hcc_axl_lc3_prognosis --n 300 --seed 3``)
validated with ``--bootstrap 200`` (Harrell's C bootstrap and the rms-calibrate-style corrected calibration at
the default horizons), ``--permutations 0``, as the whole CLI process. Each source tree given is run with
``--n-jobs 1`` and ``--n-jobs 2``, interleaved over ``--repeats`` rounds (so load on a shared machine hits them
alike), and with ``--bootstrap 0`` as the floor. Prints best and median wall seconds and the ratio of best
times against the first tree. On a shared machine wall time is noisy (and 2 workers gain nothing when the cores
are busy); ``--cpu`` instead runs ``biomark.validate`` in one process per tree (n_jobs = 1) and reports the CPU
seconds (``time.process_time``) of the whole call and of the corrected-calibration bootstrap alone.

    python benchmarks/bench_horizon_boot.py --tree before=/work/main --tree after=. [--repeats 3] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(tree: str, args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
    t0 = time.perf_counter()
    # cwd outside every tree: ``python -m`` puts the working directory before PYTHONPATH on sys.path
    subprocess.run([sys.executable, "-m", "biomark", *args], check=True, env=env, capture_output=True,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - t0


_CPU = """
import sys, time
import biomark
assert biomark.__file__.startswith(sys.argv[1]), biomark.__file__
from biomark.synthetic import simulate
from biomark.validation import horizon as H
panel = biomark.load_panel("hcc_axl_lc3_prognosis")
cohort, _ = simulate(panel, 300, seed=3)
orig, spent = H.corrected_calibration, []
def timed(*a, **k):
    t0 = time.process_time(); out = orig(*a, **k); spent.append(time.process_time() - t0); return out
H.corrected_calibration = timed
t0 = time.process_time()
biomark.validate(panel, cohort, bootstrap=200, permutations=0, seed=5, n_jobs=1)
print(time.process_time() - t0, sum(spent))
"""


def _cpu(tree: str) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
    out = subprocess.run([sys.executable, "-c", _CPU, str(Path(tree).resolve())], check=True, env=env, capture_output=True, text=True,
                         cwd=tempfile.gettempdir())
    whole, stage = out.stdout.split()
    return float(whole), float(stage)


def main_cpu(trees: list[list[str]], repeats: int) -> None:
    res: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    for _ in range(repeats):
        for name, tree in trees:
            res[name].append(_cpu(tree))
    first = trees[0][0]
    w0, s0 = min(r[0] for r in res[first]), min(r[1] for r in res[first])
    print(f"{time.strftime('%Y-%m-%d')}, CPU seconds, best of {repeats} interleaved, load {os.getloadavg()[0]:.1f}")
    print("| tree | whole validate (B = 200) | corrected calibration | vs first tree |")
    print("| --- | ---: | ---: | ---: |")
    for name, _ in trees:
        w, st = min(r[0] for r in res[name]), min(r[1] for r in res[name])
        print(f"| {name} | {w:.2f} | {st:.2f} | {w / w0:.2f}x whole, {st / s0:.2f}x stage |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", action="append", required=True, help="name=path of a source tree")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu", action="store_true")
    a = ap.parse_args()
    trees = [t.split("=", 1) for t in a.tree]
    if a.cpu:
        main_cpu(trees, a.repeats)
        return
    with tempfile.TemporaryDirectory() as tmp:
        w = Path(tmp)
        _run(trees[0][1], ["synth", "--panel", "hcc_axl_lc3_prognosis", "--n", "300", "--seed", "3",
                           "--out", str(w / "surv"), "--quiet"])
        base = ["validate", "--panel", "hcc_axl_lc3_prognosis", "--expression", str(w / "surv/expression.csv"),
                "--clinical", str(w / "surv/clinical.csv"), "--time", "prognosis_after_hepatectomy_time",
                "--event", "prognosis_after_hepatectomy_event", "--permutations", "0", "--seed", "5", "--quiet"]
        modes = [(name, tree, b, j) for name, tree in trees for b, j in ((200, 1), (200, 2), (0, 1))]
        times: dict[tuple, list[float]] = {m: [] for m in modes}
        for r in range(a.repeats):
            for m in modes:
                name, tree, b, j = m
                out = w / f"{name}-{b}-{j}-{r}.json"
                times[m].append(_run(tree, [*base, "--bootstrap", str(b), "--n-jobs", str(j), "--json", str(out)]))
    ref = {(b, j): min(times[(trees[0][0], trees[0][1], b, j)]) for _, _, b, j in modes}
    print(f"{time.strftime('%Y-%m-%d')}, {a.repeats} interleaved rounds, load {os.getloadavg()[0]:.1f}")
    print("| tree | bootstrap | n_jobs | best s | median s | vs first tree |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in modes:
        name, _, b, j = m
        best = min(times[m])
        print(f"| {name} | {b} | {j} | {best:.2f} | {statistics.median(times[m]):.2f} | {best / ref[(b, j)]:.2f}x |")


if __name__ == "__main__":
    main()
