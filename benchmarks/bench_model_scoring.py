"""Scoring speed of PanelModel on ndarray chunks, as ``biomark score`` streams them.

Prints, for a 20-marker panel and chunks of 10^6 rows, the time of ``PanelModel.panel_score`` on a
C-ordered float64 chunk against the bare NumPy product ``X @ w + b`` (the floor) and against
scikit-learn's ``LogisticRegression.decision_function`` on the same chunk, with and without 1 %
missing values (imputed by the training median). Ratios < 1 mean biomark is faster.

    python benchmarks/bench_model_scoring.py
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from biomark.model import PanelModel


def best_of(fn, reps: int = 7) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    n, p = 1_000_000, 20
    X = rng.normal(size=(n, p))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    train = slice(0, 5000)
    model = PanelModel(method="logistic", penalty=None).fit(X[train], y[train])
    sk = LogisticRegression().fit(X[train], y[train])
    w, b = model._w, model._b
    Xnan = X.copy()
    Xnan[rng.random(X.shape) < 0.01 / p * 5] = np.nan  # about 5 % of rows with one missing value
    floor = best_of(lambda: X @ w + b)
    ours = best_of(lambda: model.panel_score(X))
    ours_nan = best_of(lambda: model.panel_score(Xnan))
    skl = best_of(lambda: sk.decision_function(X))
    rows = [
        ("numpy X @ w + b (floor)", floor),
        ("PanelModel.panel_score", ours),
        ("PanelModel.panel_score, 5 % rows with a NaN", ours_nan),
        ("sklearn LogisticRegression.decision_function", skl),
    ]
    print(f"{n:,} rows x {p} markers, best of 7")
    print("| path | seconds | ratio to numpy floor | ratio to sklearn |")
    print("| --- | --- | --- | --- |")
    for name, t in rows:
        print(f"| {name} | {t:.4f} | {t / floor:.2f} | {t / skl:.2f} |")


if __name__ == "__main__":
    main()
