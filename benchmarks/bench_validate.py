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

Every mode is warmed first (loky and dask workers started and biomark imported in them); then the
modes run interleaved, one round per repeat, so that other load on the machine hits them alike.
The table gives best and median wall-clock seconds and ratios of the best times; dask/loky is also
given as the median of the per-round ratios. The loky and dask results must be identical (checked). ``--profile K`` runs K bootstrap
replicates serially under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import contextlib
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


def r_available(tmp: Path) -> Path | None:
    """Path of the R script when Rscript and rms are installed, else None."""
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "suppressMessages(library(rms))"], capture_output=True, text=True)
    if check.returncode != 0:
        return None
    script = tmp / "validate.R"
    script.write_text(R_SCRIPT)
    return script


def run_r_once(script: Path, csv: Path, B: int, seed: int) -> tuple[float, float, dict]:
    """(system.time elapsed inside R, whole Rscript process seconds, {index, version})."""
    t = time.perf_counter()
    res = subprocess.run(["Rscript", str(script), str(csv), str(B), str(seed)], capture_output=True, text=True,
                         check=True)
    outer = time.perf_counter() - t
    inner, info = float("nan"), {"index": {}, "version": ""}
    for line in res.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["ELAPSED"]:
            inner = float(parts[1])
        elif parts[:1] == ["INDEX"]:
            info["index"][parts[1]] = (float(parts[2]), float(parts[3]))
        elif parts[:1] == ["VERSION"]:
            info["version"] = " ".join(parts[1:])
    return inner, outer, info


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
        # inside validate()'s own backend context (loky with biomark's worker initializer): a bare
        # call would use joblib's default loky executor, and loky restarts its workers whenever the
        # executor's configuration changes, so alternating the modes restarted them every round
        with backend(None):
            return binary.bootstrap(est, X, y, B=B, seed=args.seed, n_jobs=n_jobs, method="optimism",
                                    apparent=apparent)

    def whole(**kw):
        return biomark.validate(panel, cohort, outcome="response", method="logistic", penalty=None, cv=(5, 1),
                                bootstrap=B, permutations=0, seed=args.seed, **kw)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    print(f"data: n = {args.n}, {len(MARKERS)} markers, prevalence {y.mean():.3f}; B = {B}; repeats = {R}")

    if args.profile:
        profile(est, X, y, args.profile)
    serial_t: list[float] = []
    if args.serial:
        t0 = time.perf_counter()
        boot(1)
        serial_t.append(time.perf_counter() - t0)

    # warm every mode (loky workers started, dask workers import biomark), then run the modes
    # interleaved, one round per repeat, so that a change in machine load hits all of them alike
    boot(args.jobs)  # warm: the loky workers start here and are reused by every loky mode
    whole(n_jobs=args.jobs)
    stack = contextlib.ExitStack()
    client = None
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        lc = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                              dashboard_address=None))
        client = stack.enter_context(Client(lc))
        with backend(client):
            binary.bootstrap(est, X, y, B=20, seed=0, n_jobs=args.jobs, method="optimism", apparent=apparent)

    def boot_dask():
        with backend(client):
            return boot(args.jobs)

    r_script = None
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    if not args.no_r:
        csv = tmp / "bench_validate.csv"
        pd.concat([X.reset_index(drop=True), pd.Series(y_int, name="y")], axis=1).to_csv(csv, index=False)
        r_script = r_available(tmp)
        if r_script is None:
            print("R with rms not found: ratios are against the scikit-learn loop")

    modes = [(f"biomark bootstrap(), loky n_jobs={args.jobs}", "boot_loky", lambda: boot(args.jobs)),
             (f"biomark validate(), loky n_jobs={args.jobs}", "val_loky", lambda: whole(n_jobs=args.jobs))]
    if client is not None:
        modes += [("biomark bootstrap(), dask LocalCluster 2 workers", "boot_dask", boot_dask),
                  ("biomark validate(), dask LocalCluster 2 workers", "val_dask",
                   lambda: whole(n_jobs=args.jobs, scheduler=client))]
    Xa = X.to_numpy()
    modes.append(("scikit-learn plain loop, serial", "sklearn", lambda: sklearn_loop(Xa, y, B, args.seed)))
    times: dict[str, list[float]] = {key: [] for _, key, _ in modes}
    outs: dict[str, object] = {}
    r_inner: list[float] = []
    r_outer: list[float] = []
    r_info: dict = {}
    with stack:
        for _ in range(R):
            for _, key, fn in modes:
                t = time.perf_counter()
                outs[key] = fn()
                times[key].append(time.perf_counter() - t)
            if r_script is not None:
                inner, outer, r_info = run_r_once(r_script, csv, B, args.seed)
                r_inner.append(inner)
                r_outer.append(outer)

    rows = [(name, times[key]) for name, key, _ in modes]
    if args.serial:
        rows.insert(0, ("biomark bootstrap(), n_jobs=1 (one run)", serial_t))
    if r_inner:
        rows.append((f"R {r_info['version']}: validate(lrm), system.time", r_inner))
        rows.append(("R: whole Rscript process", r_outer))
    t_sk = times["sklearn"]
    ref_name, ref = ("rms system.time", min(r_inner)) if r_inner else ("scikit-learn loop", min(t_sk))
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    print(f"\n| mode | best s | median s | best / {ref_name} | best / scikit-learn loop |")
    print("| --- | --- | --- | --- | --- |")
    for name, ts in rows:
        print(f"| {name} | {min(ts):.2f} | {statistics.median(ts):.2f} | {min(ts) / ref:.2f} | "
              f"{min(ts) / min(t_sk):.2f} |")
    r_boot, sk_opt = outs["boot_loky"], outs["sklearn"]
    if client is not None:
        tb, tv = times["boot_dask"], times["val_dask"]
        tl, tlv = times["boot_loky"], times["val_loky"]
        per_round_b = statistics.median(d / lo for d, lo in zip(tb, tl, strict=True))
        per_round_v = statistics.median(d / lo for d, lo in zip(tv, tlv, strict=True))
        print(f"\ndask / loky: bootstrap best {min(tb) / min(tl):.2f}, median of per-round ratios {per_round_b:.2f}; "
              f"validate best {min(tv) / min(tlv):.2f}, median of per-round ratios {per_round_v:.2f}")
        assert outs["boot_dask"]["metrics"] == r_boot["metrics"], "dask and loky bootstrap results differ"
        assert outs["val_dask"].to_dict()["binary"] == outs["val_loky"].to_dict()["binary"], \
            "dask and loky validate results differ"
        print("dask and loky results identical: yes")
    r_res = {"index": r_info.get("index", {})} if r_inner else None

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
