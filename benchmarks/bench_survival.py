"""Time biomark's survival statistics against lifelines and scikit-survival; print ratios.

Not a test. Run: ``python benchmarks/bench_survival.py [--quick] [--only strata]`` (``--only strata``:
just the stratified-Cox and RMST rows against R, no lifelines/scikit-survival needed). Each timing is the best of
``--repeat`` runs (lifelines at n = 10^6 runs once: it takes ~15 s). Results are printed as a
markdown table; docs/perf/survival.md holds a measured copy.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from biomark.stats import concordance, cox, cox_stratified, rmst  # noqa: E402


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def surv_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential survival with ~30% random censoring and p normal covariates."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    beta = np.linspace(0.5, -0.3, p)
    t_event = rng.exponential(np.exp(-x @ beta))
    # censoring rate chosen so that about 30% of the observations are censored
    t_cens = rng.exponential(np.exp(-x @ beta).mean() * 2.3, size=n)
    time_ = np.minimum(t_event, t_cens)
    event = t_event <= t_cens
    return time_, event, x


def r_seconds(frame, body: str) -> float | None:
    """Elapsed seconds of ``body`` in R on ``frame`` (written to a temporary CSV, read outside the
    timing); None when Rscript is not installed."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        frame.to_csv(csv, index=False)
        code = (f"suppressMessages(library(survival)); d <- read.csv('{csv}'); "
                f"cat(system.time({{{body}}})[['elapsed']])")
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1])


def strata_rows(big: int, repeat: int) -> list[tuple[str, str, float, float]]:
    """Stratified Cox (10 strata, 3 covariates) and RMST of two groups at n = ``big``, against R."""
    import pandas as pd

    t, e, x = surv_data(big, 3, 4)
    t = np.round(t, 3) + 0.001
    g = np.random.default_rng(5).integers(0, 10, size=big)
    df = pd.DataFrame(x, columns=["x1", "x2", "x3"]).assign(time=t, event=e.astype(int), g=g)
    rows = []
    ours, _ = best_of(lambda: cox_stratified(t, e, x, g), repeat)
    theirs = r_seconds(df, "coxph(Surv(time, event) ~ x1 + x2 + x3 + strata(g), data = d)")
    if theirs is not None:
        rows.append((f"stratified Cox (Efron), n = {big:,}, 10 strata, 3 covariates", "R survival coxph", ours, theirs))
    arm = (x[:, 0] > 0).astype(int)
    tau = float(min(t[arm == 0].max(), t[arm == 1].max()) / 2)
    ours, _ = best_of(lambda: rmst(t, e, tau, group=arm), repeat)
    df["arm"] = arm
    theirs = r_seconds(df, f"print(survfit(Surv(time, event) ~ arm, data = d), rmean = {tau!r})")
    if theirs is not None:
        rows.append((f"RMST of 2 groups with SE, n = {big:,}", "R print(survfit, rmean = tau)", ours, theirs))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="n = 10^5 instead of 10^6 for lifelines")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=("strata",), default=None,
                    help="strata: only the stratified Cox and RMST rows against R")
    args = ap.parse_args()
    rows = []
    big = 100_000 if args.quick else 1_000_000
    if args.only == "strata":
        _print(strata_rows(big, args.repeat))
        return

    # Harrell's C vs lifelines at n = 10^6
    from lifelines.utils import concordance_index

    t, e, x = surv_data(big, 1, 1)
    risk = x[:, 0]
    ours, res = best_of(lambda: concordance(t, e, risk), args.repeat)
    theirs, c_ll = best_of(lambda: concordance_index(t, -risk, e), 1)
    assert abs(res.c - c_ll) < 1e-9, (res.c, c_ll)
    rows.append((f"Harrell's C + SE, n = {big:,}, {1 - e.mean():.0%} censored",
                 "lifelines.utils.concordance_index", ours, theirs))

    # Harrell's C vs scikit-survival at n = 10^5
    from sksurv.metrics import concordance_index_censored

    t, e, x = surv_data(100_000, 1, 2)
    risk = x[:, 0]
    ours, res = best_of(lambda: concordance(t, e, risk), args.repeat)
    theirs, c_sk = best_of(lambda: concordance_index_censored(e, t, risk), 1)
    assert abs(res.c - c_sk[0]) < 1e-9, (res.c, c_sk[0])
    rows.append(("Harrell's C + SE, n = 100,000", "sksurv concordance_index_censored", ours, theirs))

    # Cox (Efron) vs lifelines CoxPHFitter at n = 10^6, 3 covariates
    import pandas as pd
    from lifelines import CoxPHFitter

    t, e, x = surv_data(big, 3, 3)
    t = np.round(t, 3) + 0.001  # realistic ties (times recorded to 3 decimals)
    ours, fit = best_of(lambda: cox(t, e, x), args.repeat)
    df = pd.DataFrame(x, columns=["x1", "x2", "x3"]).assign(T=t, E=e.astype(int))
    cph = CoxPHFitter()
    theirs, _ = best_of(lambda: cph.fit(df, "T", "E"), 1)
    assert np.allclose(fit.coef, cph.params_.to_numpy(), atol=1e-6), (fit.coef, cph.params_)
    rows.append((f"Cox PH (Efron ties), n = {big:,}, 3 covariates", "lifelines CoxPHFitter",
                 ours, theirs))

    rows.extend(strata_rows(big, args.repeat))
    _print(rows)


def _print(rows: list) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print()
    print("| task | peer | biomark (s) | peer (s) | ratio biomark/peer |")
    print("| --- | --- | ---: | ---: | ---: |")
    for task, peer, a, b in rows:
        print(f"| {task} | {peer} | {a:.3f} | {b:.3f} | {a / b:.3f} |")


if __name__ == "__main__":
    main()
