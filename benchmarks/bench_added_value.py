"""The whole added-value analysis at n = 2,000, B = 200: biomark's stats against a hand-written R equivalent.

biomark: nested_lr_test (two logistic fits, LR and Wald), delong_test of the two linear predictors,
improve_prob (continuous NRI, IDI), categorical_nri (0.1, 0.3) and optimism_delta_auc (both models refitted in
200 resamples, vectorised). R (benchmarks/bench_added_value.R, run by this script when Rscript is on the PATH):
``lrm`` twice + ``lrtest``, ``pROC::roc.test(paired = TRUE)``, ``Hmisc::improveProb`` and a bootstrap loop of
two ``lrm`` fits with ``pROC::auc``. Same data (written to a temporary CSV), same B. Ratio < 1: biomark faster.
The issue's goal is <= 0.5x R; record the ratio in docs/performance.md after a run on an idle machine.

    python benchmarks/bench_added_value.py [--n 2000] [--B 200]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from biomark.stats import (
    categorical_nri,
    delong_test,
    improve_prob,
    nested_lr_test,
    optimism_delta_auc,
)

HERE = Path(__file__).resolve().parent


def data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stage = rng.choice(["I", "II", "III"], n, p=[0.4, 0.35, 0.25])
    age = rng.normal(62, 9, n)
    score = rng.normal(size=n)
    lp = -1 + 0.6 * (stage == "II") + 1.2 * (stage == "III") + 0.03 * (age - 62) + 0.5 * score
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    return pd.DataFrame({"y": y, "stage": stage, "age": age, "score": score})


def biomark_run(d: pd.DataFrame, B: int) -> float:
    t0 = time.perf_counter()
    Z = pd.DataFrame({"stageII": (d.stage == "II").astype(float), "stageIII": (d.stage == "III").astype(float),
                      "age": d.age})
    t = nested_lr_test(Z, d[["score"]], y=d.y)
    delong_test(d.y, t.full.linear_predictor, t.reduced.linear_predictor)
    improve_prob(d.y, t.reduced.prob, t.full.prob)
    categorical_nri(d.y, t.reduced.prob, t.full.prob, [0.1, 0.3])
    optimism_delta_auc(d.y, Z, d[["score"]], B=B, seed=1)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--B", type=int, default=200)
    a = ap.parse_args()
    d = data(a.n)
    ours = min(biomark_run(d, a.B) for _ in range(3))
    print(f"biomark: {ours:.3f} s (n = {a.n}, B = {a.B}, best of 3)")
    if shutil.which("Rscript") is None:
        print("Rscript not found: R side skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        d.to_csv(csv, index=False)
        out = subprocess.run(["Rscript", str(HERE / "bench_added_value.R"), str(csv), str(a.B)], capture_output=True,
                             text=True, check=True).stdout
    r_time = float(out.strip().splitlines()[-1])
    print(f"R: {r_time:.3f} s; ratio biomark / R = {ours / r_time:.3f}")


if __name__ == "__main__":
    main()
