"""Benchmark: bootstrap optimism of a Cox model on the markers, biomark against rms ``validate.cph``.

In one run, on the same simulated data (n samples, p markers, Weibull event times with about 30 %
random censoring; written to a CSV for R):

* biomark ``biomark.validation.survival.bootstrap`` with ``PanelModel(method="cox")``: B resamples,
  each a Cox fit (Efron) and Harrell's C and the calibration slope on the resample and on the
  original rows, on 2 cores (``n_jobs=2``, loky) and serially;
* R ``rms::validate(cph(Surv(time, event) ~ ., x = TRUE, y = TRUE), B = B)``, timed inside R with
  ``system.time`` (cph + validate; rms also computes R², D, U, Q and g, which biomark does not).

    python benchmarks/bench_validate_cph.py [--n 1000] [--p 8] [--B 500] [--repeats 3] [--no-r]

Modes run interleaved, one round per repeat; the table gives the best and median seconds and the
ratio of the best times. The corrected C of both is printed so that the work can be compared.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from biomark import stats  # noqa: E402
from biomark.model import PanelModel  # noqa: E402
from biomark.validation import survival as survival_mod  # noqa: E402
from biomark.validation.parallel import backend  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(rms))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); B <- as.integer(args[2])
set.seed(1)
tm <- system.time({
  fm <- as.formula(paste("Surv(time, event) ~", paste(grep("^m", names(d), value = TRUE), collapse = " + ")))
  f <- cph(fm, data = d, x = TRUE, y = TRUE)
  v <- validate(f, B = B)
})
cat(sprintf("%.4f %.6f\n", tm[["elapsed"]], (v["Dxy", "index.corrected"] + 1) / 2))
"""


def simulate(n: int, p: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    beta = np.linspace(0.5, -0.3, p) * (np.arange(p) < max(1, p - 2))  # the last two markers carry nothing
    u = rng.uniform(size=n)
    t = (-np.log(u) / (0.05 * np.exp(x @ beta))) ** (1 / 1.5)  # Weibull baseline, shape 1.5
    c = rng.exponential(np.quantile(t, 0.9) * 1.1, size=n)
    d = pd.DataFrame(x, columns=[f"m{j + 1:02d}" for j in range(p)])
    d["time"] = np.minimum(t, c)
    d["event"] = (t <= c).astype(int)
    return d


def run_biomark(d: pd.DataFrame, markers: list[str], B: int, n_jobs: int) -> tuple[float, float]:
    ty = np.column_stack([d["time"].to_numpy(float), d["event"].to_numpy(float)])
    est = PanelModel(method="cox", penalty=None)
    t0 = time.perf_counter()
    fitted = est.fit(d[markers], ty)
    c_app = stats.concordance(ty[:, 0], ty[:, 1], fitted.panel_score(d[markers])).c
    with backend(None):
        out = survival_mod.bootstrap(est, d[markers], ty, B=B, seed=1, n_jobs=n_jobs,
                                     apparent={"c": c_app, "slope": 1.0})
    return time.perf_counter() - t0, out["metrics"]["c"]["corrected"]


def run_r(csv: Path, B: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(R_SCRIPT)
    out = subprocess.run(["Rscript", fh.name, str(csv), str(B)], capture_output=True, text=True, check=True)
    sec, c = out.stdout.split()
    return float(sec), float(c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--p", type=int, default=8)
    ap.add_argument("--B", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    a = ap.parse_args()
    d = simulate(a.n, a.p)
    markers = [c for c in d.columns if c.startswith("m")]
    have_r = not a.no_r and shutil.which("Rscript") is not None
    tmp = Path(tempfile.mkdtemp())
    csv = tmp / "cph.csv"
    d.to_csv(csv, index=False)
    print(f"n = {a.n}, {a.p} markers, {int(d['event'].sum())} events, B = {a.B}")
    run_biomark(d, markers, 4, 2)  # warm the loky workers
    modes = {"biomark n_jobs=2": lambda: run_biomark(d, markers, a.B, 2),
             "biomark serial": lambda: run_biomark(d, markers, a.B, 1)}
    if have_r:
        modes["rms validate.cph"] = lambda: run_r(csv, a.B)
    times: dict[str, list[float]] = {k: [] for k in modes}
    cs: dict[str, float] = {}
    for _ in range(a.repeats):
        for k, f in modes.items():
            sec, c = f()
            times[k].append(sec)
            cs[k] = c
    print("| mode | best s | median s | corrected C |\n| --- | ---: | ---: | ---: |")
    for k in modes:
        print(f"| {k} | {min(times[k]):.2f} | {statistics.median(times[k]):.2f} | {cs[k]:.4f} |")
    if have_r:
        r = min(times["rms validate.cph"])
        for k in ("biomark n_jobs=2", "biomark serial"):
            print(f"{k} / rms: {min(times[k]) / r:.2f}x")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
