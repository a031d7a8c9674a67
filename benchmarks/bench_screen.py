"""Benchmark: `biomark.screen` with 50 claims x n = 1,000 x B = 200 power replicates, 2 workers: joblib's
loky backend against a 2-worker dask LocalCluster (processes, one thread each), in one run (issue 19).

50 one-marker binary specs (copies of npc_circmyc_radioresistance with marker M00..M49; half simulated as
published with a 0.3 SD shift, half null) on one cohort of 1,000 samples; every claim's power is simulated
with B = ``--reps`` datasets. Each mode is warmed first (workers started, biomark imported in them), then
the modes are timed interleaved (``--repeats`` rounds, default 1: one paired run); the JSON must be
identical in every mode (one seed per claim).

    python benchmarks/bench_screen.py [--claims 50] [--n 1000] [--reps 200] [--repeats 1] [--no-serial]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.panel.catalog import panel_from_data, read_yaml
from biomark.screen import screen

ROOT = Path(__file__).resolve().parents[1]
EP = "radioresistance"


def panels(k: int) -> list:
    base = read_yaml(ROOT / "panels" / "npc_circmyc_radioresistance.yaml")
    out = []
    for i in range(k):
        d = copy.deepcopy(base)
        d["id"] = f"bench_{i:02d}"
        old = d["markers"][0]["id"]
        d["markers"][0].update(id=f"M{i:02d}", aliases=[])
        for ev in d.get("evidence", []):
            if ev.get("markers"):
                ev["markers"] = [f"M{i:02d}" if m == old else m for m in ev["markers"]]
        d["conflicts"] = []
        out.append(panel_from_data(d, f"bench_{i:02d}"))
    return out


def cohort(k: int, n: int, seed: int = 0) -> Cohort:
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(n // 2), np.zeros(n - n // 2)]
    x = {f"M{i:02d}": rng.normal(size=n) + (0.3 * y if i % 2 == 0 else 0) for i in range(k)}
    ids = [f"s{i:04d}" for i in range(n)]
    clin = pd.DataFrame({"resp": np.where(y == 1, "radioresistant", "radiosensitive")}, index=ids)
    return Cohort(pd.DataFrame(x, index=ids), clin)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=50)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--no-serial", action="store_true")
    a = ap.parse_args()
    pnl, coh = panels(a.claims), cohort(a.claims, a.n)

    def run(**kw):
        return screen(coh, panels=pnl, endpoint_map={EP: "resp"}, power_reps=a.reps, seed=1, **kw)

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as lc, Client(lc) as client:
        modes = {"loky, n_jobs=2": dict(n_jobs=2), "dask LocalCluster, 2 workers": dict(scheduler=client)}
        if not a.no_serial:
            modes = {"serial": dict(n_jobs=1), **modes}
        for kw in modes.values():  # warm: workers started, imports done
            screen(coh, panels=pnl[:2], endpoint_map={EP: "resp"}, power_reps=10, seed=1, **kw)
        times: dict[str, list[float]] = {m: [] for m in modes}
        texts: dict[str, str] = {}
        for _ in range(a.repeats):
            for m, kw in modes.items():
                t = time.perf_counter()
                texts[m] = run(**kw).to_json()
                times[m].append(time.perf_counter() - t)
    assert len(set(texts.values())) == 1, "the JSON differs between modes"
    claims = len(json.loads(texts["loky, n_jobs=2"])["claims"])
    print(f"screen: {claims} claims tested of {a.claims} specs, n = {a.n}, B = {a.reps} power replicates per claim, "
          f"{a.repeats} paired round(s); JSON identical in every mode")
    print("| mode | best s | median s |")
    print("| --- | ---: | ---: |")
    for m, ts in times.items():
        print(f"| {m} | {min(ts):.2f} | {statistics.median(ts):.2f} |")
    loky, dask = times["loky, n_jobs=2"], times["dask LocalCluster, 2 workers"]
    print(f"dask / loky = {min(dask) / min(loky):.2f} (best), "
          f"{statistics.median(d / k for d, k in zip(dask, loky, strict=True)):.2f} (median per round)")


if __name__ == "__main__":
    main()
