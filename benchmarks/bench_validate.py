"""Benchmark: Harrell's bootstrap optimism validation of a plain logistic panel model.

B = 500 resamples, n = 2,000 samples, 10 markers (benchmarks/bench_validate_panel.yaml), in one run:

* biomark ``biomark.validation.binary.bootstrap`` (the bootstrap alone) and the whole
  ``biomark.validate(..., method="logistic", penalty=None, cv=(5, 1), permutations=0)`` call,
  on 2 cores with joblib's loky backend (``n_jobs=2``), and on a 2-worker dask LocalCluster
  (``scheduler=client``, processes, one thread per worker) through joblib's dask backend;
* R ``rms::validate(lrm(y ~ ., x=TRUE, y=TRUE), B=500)`` on the same data (CSV), timed inside R with
  ``system.time`` (lrm + validate) and as the whole ``Rscript`` process (start-up, library(rms),
  reading the CSV included);
* a plain serial loop of scikit-learn ``LogisticRegression(penalty=None)`` fits doing the same work
  per resample (fit on the resample, predict the resample and the original data, AUC), which is the
  reference when R is absent.

    python benchmarks/bench_validate.py [--B 500] [--n 2000] [--repeats 3] [--no-r] [--no-dask]
                                        [--serial] [--profile 100]

Every mode is warmed first (loky and dask workers started and biomark imported in them), then run
``--repeats`` times; the table gives best and median wall-clock seconds and ratios of the best
times. The loky and dask results must be identical (checked). ``--profile K`` runs K bootstrap
replicates serially under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
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

import biomark  # noqa: E402
from biomark.cohort import Cohort  # noqa: E402

PANEL = HERE / "bench_validate_panel.yaml"
MARKERS = [f"m{j:02d}" for j in range(1, 11)]
# true log-odds per SD (the last three markers carry no signal); intercept -0.3
BETA = np.array([0.5, -0.4, 0.3, -0.3, 0.2, -0.2, 0.15, 0.0, 0.0, 0.0])

R_SCRIPT = r"""
suppressMessages(library(rms))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
B <- as.integer(args[2])
set.seed(as.integer(args[3]))
tt <- system.time({fit <- lrm(y ~ ., data = d, x = TRUE, y = TRUE); v <- validate(fit, B = B)})
cat(sprintf("ELAPSED %.4f\n", tt[["elapsed"]]))
cat(sprintf("INDEX %s %.6f %.6f\n", rownames(v), v[, "index.orig"], v[, "index.corrected"]), sep = "")
cat(sprintf("VERSION rms %s R %s\n", packageVersion("rms"), getRversion()))
"""


def make_data(n: int, seed: int = 20240601) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Ten standard-normal markers (shifted to log2-expression-like levels), logistic outcome."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, BETA.size))
    y = (rng.random(n) < 1 / (1 + np.exp(0.3 - X @ BETA))).astype(int)
    ids = [f"S{i:05d}" for i in range(n)]
    expr = pd.DataFrame(X + 8.0, index=ids, columns=MARKERS)
    clin = pd.DataFrame({"response": np.where(y == 1, "radioresistant", "radiosensitive")}, index=ids)
    return expr, clin, y


def timed(fn, repeats: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def sklearn_loop(X: np.ndarray, y: np.ndarray, B: int, seed: int) -> float:
    """The same work per resample as biomark's bootstrap, written as a plain scikit-learn loop."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    n = y.size
    opt = []
    for _ in range(B):
        idx = rng.integers(0, n, n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr = LogisticRegression(penalty=None, solver="newton-cholesky", max_iter=1000).fit(X[idx], y[idx])
        a_boot = roc_auc_score(y[idx], lr.predict_proba(X[idx])[:, 1])
        a_orig = roc_auc_score(y, lr.predict_proba(X)[:, 1])
        opt.append(a_boot - a_orig)
    return float(np.mean(opt))


def run_r(csv: Path, B: int, seed: int, repeats: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "suppressMessages(library(rms))"], capture_output=True, text=True)
    if check.returncode != 0:
        return None
    script = csv.parent / "validate.R"
    script.write_text(R_SCRIPT)
    inner, outer, index, version = [], [], {}, ""
    for _ in range(repeats):
        t = time.perf_counter()
        res = subprocess.run(["Rscript", str(script), str(csv), str(B), str(seed)], capture_output=True, text=True,
                             check=True)
        outer.append(time.perf_counter() - t)
        for line in res.stdout.splitlines():
            parts = line.split()
            if parts[:1] == ["ELAPSED"]:
                inner.append(float(parts[1]))
            elif parts[:1] == ["INDEX"]:
                index[parts[1]] = (float(parts[2]), float(parts[3]))
            elif parts[:1] == ["VERSION"]:
                version = " ".join(parts[1:])
    return {"inner": inner, "outer": outer, "index": index, "version": version}


def profile(est, X: pd.DataFrame, y: np.ndarray, k: int) -> None:
    from biomark.validation import binary

    binary._boot_task(est, X, y, 0)
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    for s in range(k):
        binary._boot_task(est, X, y, s)
    pr.disable()
    wall = time.perf_counter() - t
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(30)
    print(f"\nprofile: {k} bootstrap replicates serially, {wall / k * 1e3:.1f} ms each under cProfile")
    print(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--B", type=int, default=500)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--serial", action="store_true", help="also time the bootstrap with n_jobs=1 (one run)")
    ap.add_argument("--profile", type=int, default=0, help="cProfile this many serial bootstrap replicates")
    args = ap.parse_args()
    B, R = args.B, args.repeats

    from sklearn.base import clone

    from biomark.validation import _model as make_model
    from biomark.validation import binary, metrics
    from biomark.validation.parallel import backend

    expr, clin, y_int = make_data(args.n)
    panel = biomark.load_panel(PANEL)
    cohort = Cohort(expression=expr, clinical=clin, name="bench_validate")
    ep = panel.endpoint("radioresistance")
    est = make_model(panel, ep, "logistic", None, args.seed, None)
    X = cohort.levels(panel)
    y = y_int.astype(float)
    fitted = clone(est).fit(X, y)
    p_app = fitted.predict_proba(X)[:, 1]
    apparent = {**metrics.all_metrics(y, p_app), "_p": p_app}

    def boot(n_jobs: int):
        return binary.bootstrap(est, X, y, B=B, seed=args.seed, n_jobs=n_jobs, method="optimism", apparent=apparent)

    def whole(**kw):
        return biomark.validate(panel, cohort, outcome="response", method="logistic", penalty=None, cv=(5, 1),
                                bootstrap=B, permutations=0, seed=args.seed, **kw)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    print(f"data: n = {args.n}, {len(MARKERS)} markers, prevalence {y.mean():.3f}; B = {B}; repeats = {R}")

    if args.profile:
        profile(est, X, y, args.profile)

    rows: list[tuple[str, list[float]]] = []
    if args.serial:
        t, _ = timed(lambda: boot(1), 1)
        rows.append(("biomark bootstrap(), n_jobs=1", t))

    boot(args.jobs) if B <= 50 else binary.bootstrap(est, X, y, B=20, seed=0, n_jobs=args.jobs, method="optimism",
                                                     apparent=apparent)  # start loky workers
    t_boot, r_boot = timed(lambda: boot(args.jobs), R)
    rows.append((f"biomark bootstrap(), loky n_jobs={args.jobs}", t_boot))
    t_val, v_loky = timed(lambda: whole(n_jobs=args.jobs), R)
    rows.append((f"biomark validate(), loky n_jobs={args.jobs}", t_val))

    dask_rows: list[tuple[str, list[float]]] = []
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
                Client(lc) as client:
            with backend(client):  # warm: workers import biomark and scikit-learn
                binary.bootstrap(est, X, y, B=20, seed=0, n_jobs=args.jobs, method="optimism", apparent=apparent)

            def boot_dask():
                with backend(client):
                    return boot(args.jobs)

            t_bd, r_bd = timed(boot_dask, R)
            t_vd, v_dask = timed(lambda: whole(n_jobs=args.jobs, scheduler=client), R)
        assert r_bd["metrics"] == r_boot["metrics"], "dask and loky bootstrap results differ"
        assert v_dask.to_dict()["binary"] == v_loky.to_dict()["binary"], "dask and loky validate results differ"
        dask_rows = [("biomark bootstrap(), dask LocalCluster 2 workers", t_bd),
                     ("biomark validate(), dask LocalCluster 2 workers", t_vd)]
        rows += dask_rows

    Xa = X.to_numpy()
    t_sk, sk_opt = timed(lambda: sklearn_loop(Xa, y, B, args.seed), R)
    rows.append(("scikit-learn plain loop, serial", t_sk))

    r_res = None
    if not args.no_r:
        with tempfile.TemporaryDirectory() as td:
            csv = Path(td) / "bench_validate.csv"
            pd.concat([X.reset_index(drop=True), pd.Series(y_int, name="y")], axis=1).to_csv(csv, index=False)
            r_res = run_r(csv, B, args.seed, R)
        if r_res is None:
            print("R with rms not found: ratios are against the scikit-learn loop")
        else:
            rows.append((f"R {r_res['version']}: validate(lrm), system.time", r_res["inner"]))
            rows.append(("R: whole Rscript process", r_res["outer"]))

    ref_name, ref = ("rms system.time", min(r_res["inner"])) if r_res else ("scikit-learn loop", min(t_sk))
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    print(f"\n| mode | best s | median s | best / {ref_name} | best / scikit-learn loop |")
    print("| --- | --- | --- | --- | --- |")
    for name, ts in rows:
        print(f"| {name} | {min(ts):.2f} | {statistics.median(ts):.2f} | {min(ts) / ref:.2f} | "
              f"{min(ts) / min(t_sk):.2f} |")
    if dask_rows:
        print(f"\ndask / loky (best): bootstrap {min(t_bd) / min(t_boot):.2f}, validate {min(t_vd) / min(t_val):.2f}")

    m = r_boot["metrics"]
    print("\nsanity (optimism-corrected; the resamples differ between programs, so expect Monte-Carlo noise):")
    print(f"biomark: AUC {m['auc']['corrected']:.4f}, slope {m['slope']['corrected']:.4f}, "
          f"intercept {m['intercept']['corrected']:.4f}, Brier {m['brier']['corrected']:.4f}; "
          f"scikit-learn loop AUC optimism {sk_opt:.4f} (biomark {m['auc']['optimism']:.4f})")
    if r_res:
        ix = r_res["index"]
        print(f"rms:     AUC {(ix['Dxy'][1] + 1) / 2:.4f}, slope {ix['Slope'][1]:.4f}, "
              f"intercept {ix['Intercept'][1]:.4f}, Brier {ix['B'][1]:.4f} "
              f"(apparent AUC {(ix['Dxy'][0] + 1) / 2:.4f} vs biomark {m['auc']['apparent']:.4f})")


if __name__ == "__main__":
    main()
