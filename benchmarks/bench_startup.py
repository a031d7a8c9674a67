"""Benchmark: whole-process start-up of the commands users wait for (issue 21).

Each command runs as a fresh process, interleaved with the others, --repeats times; the table gives
the median wall time and the median CPU time (user + system of the child, from os.wait4) and the
ratio to the peer: a bare ``import numpy, pandas, pyarrow.csv`` (what any pyarrow-based reader of
these files pays; pyarrow imports pandas at its first ``pa.array``). The inputs are made in
--workdir from the shipped example ``synthetic/examples/nsclc_marker_against_spec``: its 150 rows
resampled to 1,000 for ``score``, and a logistic model fitted by ``biomark fit``.

Goals: ``biomark score`` of 1,000 rows (JSON model or a panel's rule) <= 0.4 s; ``biomark
--help`` <= 0.25 s; ``biomark validate`` on the shipped example <= 1.2 s.

    python benchmarks/bench_startup.py --repeats 7 --workdir /tmp/bench_startup
    python benchmarks/bench_startup.py --tree /path/to/other/checkout   # the same runs on other code
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "synthetic" / "examples" / "nsclc_marker_against_spec"
PANEL = ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml"


def make_inputs(d: Path, tree: Path) -> dict[str, Path]:
    import numpy as np

    d.mkdir(parents=True, exist_ok=True)
    lines = (EXAMPLE / "expression.csv").read_text().splitlines()
    head, rows = lines[0], lines[1:]
    pick = np.random.default_rng(0).integers(0, len(rows), 1000)
    body = [f"X{i}," + rows[j].split(",", 1)[1] for i, j in enumerate(pick)]
    expr = d / "e1000.csv"
    expr.write_text("\n".join([head, *body]) + "\n")
    model = d / "logistic.json"
    subprocess.run([sys.executable, "-m", "biomark", "fit", "--panel", str(PANEL), "--expression",
                    str(EXAMPLE / "expression.csv"), "--clinical", str(EXAMPLE / "clinical.csv"), "--outcome",
                    "radioresistance", "--method", "logistic", "--out", str(model), "-q"],
                   check=True, env=_env(tree), cwd=d)
    return {"expr": expr, "model": model}


def _env(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree))


def commands(io: dict[str, Path], d: Path) -> dict[str, list[str]]:
    py = [sys.executable]
    bm = [*py, "-m", "biomark"]
    return {
        "import numpy, pandas, pyarrow.csv (peer)": [*py, "-c", "import numpy, pandas, pyarrow.csv"],
        "biomark --help": [*bm, "--help"],
        "biomark score, JSON logistic model, 1,000 rows": [*bm, "score", "--model", str(io["model"]), "--expression",
                                                           str(io["expr"]), "--out", str(d / "s1.csv"), "-q"],
        "biomark score, panel rule (signed_z), 1,000 rows": [*bm, "score", "--panel", str(PANEL), "--expression",
                                                             str(io["expr"]), "--out", str(d / "s2.csv"), "-q"],
        "biomark validate, shipped example (150 rows, defaults)": [
            *bm, "validate", "--panel", str(PANEL), "--expression", str(EXAMPLE / "expression.csv"), "--clinical",
            str(EXAMPLE / "clinical.csv"), "--outcome", "radioresistance", "--json", str(d / "v.json"), "--seed",
            "1", "-q"],
    }


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    t = time.perf_counter()
    # cwd outside every tree: `python -m` puts the working directory first on sys.path
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, cwd=cwd)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_startup"))
    ap.add_argument("--tree", type=Path, action="append",
                    help="source tree to run (PYTHONPATH); repeat it to interleave several [this checkout]")
    args = ap.parse_args()
    trees = args.tree or [ROOT]
    io = make_inputs(args.workdir, trees[-1])
    cmds = commands(io, args.workdir)
    times = {(t, k): [] for t in trees for k in cmds}
    loads = []
    for _ in range(args.repeats):
        loads.append(os.getloadavg()[0])
        for name, cmd in cmds.items():
            for t in trees:
                times[t, name].append(run(cmd, _env(t), args.workdir))
    print(f"{args.repeats} interleaved repeats; load average {min(loads):.1f}-{max(loads):.1f}")
    print("| tree | command | median wall s | median CPU s | wall / peer | CPU / peer |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    peer_name = next(iter(cmds))
    for t in trees:
        peer = times[t, peer_name]
        for name in cmds:
            tc = times[t, name]
            w = statistics.median(x for x, _ in tc)
            c = statistics.median(y for _, y in tc)
            # median of the per-repeat ratios (each repeat's peer ran next to it)
            rw = statistics.median(x / p for (x, _), (p, _) in zip(tc, peer, strict=True))
            rc = statistics.median(y / q for (_, y), (_, q) in zip(tc, peer, strict=True))
            print(f"| {t} | {name} | {w:.3f} | {c:.3f} | {rw:.2f} | {rc:.2f} |")


if __name__ == "__main__":
    main()
