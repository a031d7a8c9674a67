"""Benchmark: Harrell's C + SE at n = 10^6 for continuous and tied (20-level) scores.

In one run, interleaved per repeat, CPU time (``time.process_time``) of ``biomark.stats.concordance``,
of one ``np.argsort`` of the scores (same process), and of ``lifelines.utils.concordance_index`` in
a subprocess of a separate interpreter (lifelines pins pandas < 3, so it lives in its own venv:
``python -m venv /tmp/ll && /tmp/ll/bin/pip install lifelines numpy``). Times are rounded to 3
decimals (tied times); 40 % censored.

    python benchmarks/bench_concordance_ties.py [--repeats 3] [--lifelines-python /tmp/ll/bin/python]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from biomark.stats.concordance import concordance  # noqa: E402

CHILD = """
import sys, time, numpy as np
from lifelines.utils import concordance_index
d = np.load(sys.argv[1]); x = d[sys.argv[2]]
c = time.process_time(); v = concordance_index(d["t"], -x, d["e"]); print(time.process_time() - c, v)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lifelines-python", default="/tmp/ll/bin/python")
    a = ap.parse_args()
    n = 10**6
    rng = np.random.default_rng(1)
    t = rng.exponential(1, n).round(3) + 0.001
    e = (rng.random(n) < 0.6).astype(np.int8)
    cont = rng.normal(size=n) - t
    tied = np.round(np.clip(cont, -5, 5) * 2) / 2
    tmp = Path(tempfile.mkdtemp())
    np.savez(tmp / "d.npz", t=t, e=e, cont=cont, tied=tied)
    (tmp / "child.py").write_text(CHILD)
    res: dict[str, list[tuple[float, float, float]]] = {"continuous": [], "tied (20 levels)": []}
    for _ in range(a.repeats):
        for name, key, x in (("continuous", "cont", cont), ("tied (20 levels)", "tied", tied)):
            c0 = time.process_time()
            np.argsort(x)
            arg = time.process_time() - c0
            c0 = time.process_time()
            ours = concordance(t, e, x)
            mine = time.process_time() - c0
            out = subprocess.run([a.lifelines_python, str(tmp / "child.py"), str(tmp / "d.npz"), key],
                                 capture_output=True, text=True, check=True).stdout.split()
            if abs(float(out[1]) - ours.c) > 1e-9:
                raise SystemExit(f"C differs: ours {ours.c!r}, lifelines {out[1]}")
            res[name].append((mine, arg, float(out[0])))
    print("| scores | biomark CPU s | argsort CPU s | lifelines CPU s | x argsort | x lifelines |")
    for name, v in res.items():
        m = np.array(v)
        med = np.median(m, axis=0)
        print(f"| {name} | {med[0]:.3f} | {med[1]:.3f} | {med[2]:.3f} | {np.median(m[:, 0] / m[:, 1]):.1f} "
              f"| {np.median(m[:, 0] / m[:, 2]):.3f} |")


if __name__ == "__main__":
    main()
