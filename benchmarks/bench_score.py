"""Benchmark: `biomark score` streaming a large CSV vs `pyarrow.csv.read_csv` of the same file.

Not a test: prints a table and ratios. Goals (issue 8): peak RSS of `biomark score` ≤ 1 GB and
throughput ≥ 0.7× that of `pyarrow.csv.read_csv` (which holds the whole table in memory).

    python benchmarks/bench_score.py --rows 1000000 --workdir /tmp/bench_score
    python benchmarks/bench_score.py --rows 10000000 --workdir /tmp/bench_score   # ~1.7 GB CSV

The data file (sample ids and 20 markers, log2-like values rounded to 4 decimals, 0.1 % empty
cells) is generated in --workdir, never in the repository, with pyarrow.csv.CSVWriter in chunks.
A logistic PanelModel on the 20 markers is fitted on the first 20 000 rows and saved as JSON.

Both sides run as subprocesses, alternately, best of --repeats; the peak RSS of each child comes
from os.wait4. For `biomark score` the time is the whole command (interpreter start, imports,
model load, reading, scoring, writing scores.csv) and, separately, the scorer's own time
(``seconds`` of its --json summary); for read_csv it is the call itself, timed inside the child,
plus the whole child process.
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
N_MARKERS = 20


def generate(path: Path, n: int, seed: int = 0) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"m{j:02d}" for j in range(N_MARKERS)]
    schema = pa.schema([("sample_id", pa.string())] + [(m, pa.float64()) for m in names])
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".partial")
    chunk = 500_000
    with pacsv.CSVWriter(str(tmp), schema, write_options=pacsv.WriteOptions(quoting_style="none")) as w:
        for s in range(0, n, chunk):
            k = min(chunk, n - s)
            ids = pa.array(np.char.add("P", np.arange(s, s + k).astype(str)))
            latent = rng.normal(size=k)
            cols = [ids]
            for _ in names:
                v = np.round(8.0 + 0.5 * latent + rng.normal(0.0, 1.5, k), 4)
                mask = rng.random(k) < 0.001
                cols.append(pa.array(v, mask=mask))
            w.write_batch(pa.record_batch(cols, schema=schema))
    os.replace(tmp, path)


def fit_model(data: Path, model_path: Path) -> None:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from biomark.model import PanelModel

    df = pd.read_csv(data, nrows=20_000, index_col=0)
    rng = np.random.default_rng(1)
    lin = df.fillna(df.median()).to_numpy() @ rng.normal(0, 0.3, df.shape[1])
    y = (rng.random(len(df)) < 1 / (1 + np.exp(-(lin - lin.mean())))).astype(int)
    PanelModel(method="logistic", penalty=None).fit(df, y).save(model_path)


def run_child_rusage(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """(wall s, CPU s (user + sys), peak RSS MB, stdout) of one child, from os.wait4 (ru_maxrss is KiB)."""
    t = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=devnull, env=env, text=True)
        out = p.stdout.read() if p.stdout else ""
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out


READ_CSV = """
import sys, time, json
import pyarrow.csv as pacsv
t = time.perf_counter()
tbl = pacsv.read_csv(sys.argv[1])
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": tbl.num_rows}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_score"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk-rows", type=int, default=None)
    ap.add_argument("--out", default="scores.csv", help="output file name inside --workdir")
    ap.add_argument("--keep", action="store_true", help="keep the generated data for the next run")
    args = ap.parse_args()

    wd = args.workdir
    if wd.resolve().is_relative_to(ROOT):
        raise SystemExit("--workdir must be outside the repository (the data file is large)")
    wd.mkdir(parents=True, exist_ok=True)
    data = wd / f"expr_{args.rows}.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {data} ({data.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.1f} s")
    size_gb = data.stat().st_size / 1e9
    model = wd / "model.json"
    if not model.exists():
        fit_model(data, model)
    out = wd / args.out

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    score_cmd = [sys.executable, "-m", "biomark", "score", "--model", str(model), "--expression", str(data),
                 "--out", str(out), "--json"]
    if args.chunk_rows:
        score_cmd += ["--chunk-rows", str(args.chunk_rows)]
    read_cmd = [sys.executable, "-c", READ_CSV, str(data)]

    rows: dict[str, list[tuple[float, float, float, float]]] = {"score": [], "read_csv": []}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeats):  # alternate, so that both see the same machine load and page cache
        wall, cpu, rss, text = run_child_rusage(read_cmd, env)
        rows["read_csv"].append((json.loads(text)["seconds"], wall, cpu, rss))
        wall, cpu, rss, text = run_child_rusage(score_cmd, env)
        doc = json.loads(text)
        assert doc["n_samples"] == args.rows, doc["n_samples"]
        rows["score"].append((doc["seconds"], wall, cpu, rss))
    load_after = os.getloadavg()[0]

    best = {k: (min(v[0] for v in vals), min(v[1] for v in vals), min(v[2] for v in vals), max(v[3] for v in vals))
            for k, vals in rows.items()}
    rc_in, rc_wall, rc_cpu, rc_rss = best["read_csv"]
    sc_in, sc_wall, sc_cpu, sc_rss = best["score"]
    mb = size_gb * 1e3
    print(f"\nfile: {data.name}, {args.rows:,} rows x {N_MARKERS} markers, {size_gb:.2f} GB; "
          f"best of {args.repeats}; {os.cpu_count()} cores; load average {load_before:.1f} before, "
          f"{load_after:.1f} after")
    print("| run | time (s) | whole process (s) | process CPU (s) | MB/s | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| pyarrow.csv.read_csv | {rc_in:.2f} | {rc_wall:.2f} | {rc_cpu:.1f} | {mb / rc_in:.0f} | {rc_rss:.0f} |")
    print(f"| biomark score | {sc_in:.2f} | {sc_wall:.2f} | {sc_cpu:.1f} | {mb / sc_in:.0f} | {sc_rss:.0f} |")
    print(f"\nthroughput ratio score/read_csv: {rc_in / sc_in:.2f} (scorer time), {rc_in / sc_wall:.2f} "
          f"(whole command incl. interpreter start and imports), {rc_wall / sc_wall:.2f} (both whole processes); "
          f"CPU-time ratio {rc_cpu / sc_cpu:.2f}; goal >= 0.7")
    print(f"peak RSS of biomark score: {sc_rss:.0f} MB (goal <= 1024); read_csv: {rc_rss:.0f} MB")
    print("all runs (time, whole process, CPU, RSS):", json.dumps(rows))
    if not args.keep:
        data.unlink()
        model.unlink()
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
