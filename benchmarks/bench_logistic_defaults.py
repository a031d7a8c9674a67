"""Benchmark: whole-process `biomark validate --method logistic` with default settings (issue 21).

Defaults: 5 x 10 repeated CV with the ridge penalty tuned by nested CV, B = 200 bootstrap, the
sequential permutation test (up to 200 permutations, Besag & Clifford 1991). Simulated data in
--workdir (never in the repository): a --markers-marker panel, 10 markers informative (shift 0.25
SD, in the direction of the spec), the rest noise, prevalence 0.4.
Prints the wall time of the command and how many permutations ran. Goals: <= 60 s at n = 5,000 x
50 markers and <= 15 s at n = 200 x 3 markers, on 2 cores.

    python benchmarks/bench_logistic_defaults.py --n 5000 --markers 50 --workdir /tmp/bench_logistic
    python benchmarks/bench_logistic_defaults.py --n 200 --markers 3 --workdir /tmp/bench_logistic_200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_inputs(d: Path, n: int, p: int, seed: int) -> Path:
    import numpy as np
    import pandas as pd

    names = [f"m{j:02d}" for j in range(p)]
    lines = ["id: bench_logistic", "title: Benchmark panel for validate --method logistic defaults",
             "cancer_type: NSCLC", "specimen: serum", "compartment: exosome", "assay: log2_expression",
             "endpoints:", "  - id: radioresistance", "    kind: binary", "    positive_class: radioresistant",
             "    negative_class: radiosensitive", "markers:"]
    lines += [f"  - {{id: {m}, type: miRNA, direction: {{radioresistance: {'up' if j % 2 == 0 else 'down'}}}}}"
              for j, m in enumerate(names)]
    lines += ["scoring:", "  rule: signed_z", "evidence:", "  - seed: none (benchmark data)", "    reference: 0",
              "    sentence: simulated data for the logistic-defaults benchmark", "    level: patient_cohort"]
    spec = d / "panel.yaml"
    spec.write_text("\n".join(lines) + "\n")
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    X = rng.normal(8.0, 1.0, (n, p))
    for j in range(min(10, p)):
        X[:, j] += (0.25 if j % 2 == 0 else -0.25) * y
    ids = [f"S{i:05d}" for i in range(n)]
    pd.DataFrame(np.round(X, 5), columns=names).assign(sample_id=ids)[["sample_id", *names]].to_csv(
        d / "expression.csv", index=False)
    pd.DataFrame({"sample_id": ids, "radioresistance": np.where(y, "radioresistant", "radiosensitive")}).to_csv(
        d / "clinical.csv", index=False)
    return spec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--markers", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_logistic"))
    args = ap.parse_args()
    d = args.workdir
    d.mkdir(parents=True, exist_ok=True)
    spec = make_inputs(d, args.n, args.markers, args.seed)
    out = d / "results.json"
    out.unlink(missing_ok=True)  # the previous run's
    cmd = [sys.executable, "-m", "biomark", "validate", "--panel", str(spec), "--expression", str(d / "expression.csv"),
           "--clinical", str(d / "clinical.csv"), "--outcome", "radioresistance", "--method", "logistic",
           "--json", str(out), "--seed", "1", "--n-jobs", str(args.jobs), "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    load = os.getloadavg()
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    wall = time.perf_counter() - t
    doc = json.loads(out.read_text())
    perm = _find(doc, "permutation")
    print(f"n = {args.n}, {args.markers} markers, {args.jobs} jobs, load average before {load[0]:.2f}")
    print("| what | wall s | permutations run / max | goal | met |")
    print("| --- | ---: | ---: | --- | --- |")
    ran = f"{perm.get('n')} / {perm.get('n_max')}" if isinstance(perm, dict) else "—"
    goal = 15.0 if args.n <= 200 else 60.0  # issue 21: <= 15 s at n = 200, <= 60 s at n = 5,000 x 50
    print(f"| validate --method logistic, defaults | {wall:.1f} | {ran} | <= {goal:.0f} s | "
          f"{'yes' if wall <= goal else 'no'} |")


def _find(doc: object, key: str) -> object:
    if isinstance(doc, dict):
        if key in doc and isinstance(doc[key], dict):
            return doc[key]
        for v in doc.values():
            hit = _find(v, key)
            if hit is not None:
                return hit
    elif isinstance(doc, list):
        for v in doc:
            hit = _find(v, key)
            if hit is not None:
                return hit
    return None


if __name__ == "__main__":
    main()
