"""Benchmark: Cox regression (Efron ties) with many covariates, biomark against R's coxph, in one run.

n = 10^6 rows, p = 1, 5, 10, 20 standard-normal covariates, times rounded to whole units (heavy ties),
70 % events. For each p the two programs run interleaved ``--repeats`` times on the same CSV; R's time
is ``system.time(coxph(Surv(t, e) ~ ., ties = "efron"))`` inside one R process (reading the CSV not
included), biomark's is ``biomark.stats.cox`` in this process. Coefficients are compared (max abs diff).

    python benchmarks/bench_cox_p.py [--n 1000000] [--ps 1,5,10,20] [--repeats 2]

Prints one markdown row per p: best seconds of each and the ratio biomark / R (goal <= 0.5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from biomark.stats import cox  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[2])
best <- Inf
for (i in seq_len(reps)) {
  tt <- system.time(f <- coxph(Surv(t, e) ~ ., data = d, ties = "efron"))[["elapsed"]]
  best <- min(best, tt)
}
cat(sprintf("%.6f\n", best))
cat(sprintf("%.15g\n", coef(f)))
"""


def data(n: int, p: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    lp = x[:, : min(p, 3)] @ np.array([0.3, -0.2, 0.1])[: min(p, 3)]
    t = np.round(rng.exponential(np.exp(-lp)) * 100) + 1
    e = (rng.random(n) < 0.7).astype(int)
    return t, e, x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--ps", default="1,5,10,20")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rscript = shutil.which("Rscript")
    print(f"n = {args.n}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; R: {rscript or 'absent'}")
    print("\n| p | biomark best s | R coxph best s | biomark / R | max abs coef diff |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "cox.R"
        script.write_text(R_SCRIPT)
        for p in (int(v) for v in args.ps.split(",")):
            t, e, x = data(args.n, p)
            ours, fit = float("inf"), None
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                fit = cox(t, e, x)
                ours = min(ours, time.perf_counter() - t0)
            r_best, diff = float("nan"), float("nan")
            if rscript:
                csv = Path(tmp) / "d.csv"
                header = ",".join(["t", "e", *[f"x{j}" for j in range(p)]])
                np.savetxt(csv, np.column_stack([t, e, x]), delimiter=",", header=header, comments="", fmt="%.17g")
                out = subprocess.run([rscript, str(script), str(csv), str(args.repeats)], capture_output=True,
                                     text=True, check=True).stdout.split()
                r_best = float(out[0])
                diff = float(np.max(np.abs(np.asarray(out[1:], float) - np.asarray(fit.coef))))
            print(f"| {p} | {ours:.2f} | {r_best:.2f} | {ours / r_best:.2f} | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
