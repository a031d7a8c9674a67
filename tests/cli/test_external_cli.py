"""`biomark validate` with validation cohorts, --update-model, --cluster and --harmonise (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import biomark
from biomark.model import PanelModel
from biomark.synthetic import simulate, write_cohort

ROOT = Path(__file__).resolve().parents[2]
PANEL = ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "biomark", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=300)


def test_update_model_written_and_scored(tmp_path: Path) -> None:
    panel = biomark.load_panel(PANEL)
    dirs = []
    for s in (1, 2):
        c, truth = simulate(panel, 120, seed=s, endpoint="radioresistance", effect=0.8, name=f"c{s}")
        d = tmp_path / f"c{s}"
        write_cohort(c, truth, d)
        dirs.append(d)
    clin = pd.read_csv(dirs[0] / "clinical.csv")
    clin["centre"] = np.where(np.arange(len(clin)) % 2, "A", "B")
    clin.to_csv(dirs[0] / "clinical.csv", index=False)
    out, model = tmp_path / "r.json", tmp_path / "updated.json"
    p = run("validate", "--panel", PANEL, "--expression", dirs[0] / "expression.csv", "--clinical",
            dirs[0] / "clinical.csv", "--validation-expression", dirs[1] / "expression.csv", "--validation-clinical",
            dirs[1] / "clinical.csv", "--method", "logistic", "--cv", "3", "--repeats", "1", "--bootstrap", "0",
            "--permutations", "0", "--cluster", "centre", "--update-model", model, "--json", out, "-q")
    assert p.returncode == 0, p.stderr
    d = json.loads(out.read_text())
    assert d["iecv"]["by"] == "centre" and [c["cluster"] for c in d["iecv"]["clusters"]] == ["A", "B"]
    chosen = d["external"]["cohorts"][0]["update"]["chosen"]
    assert d["external"]["update_on"].endswith(chosen.replace("_", " "))
    m = PanelModel.load(model)
    assert any("closed test" in w for w in m.warnings_)
    scores = tmp_path / "s.csv"
    p = run("score", "--model", model, "--expression", dirs[1] / "expression.csv", "--out", scores)
    assert p.returncode == 0, p.stderr
    v = biomark.read_cohort(dirs[1] / "expression.csv", panel=panel)
    want = m.predict_proba(v.levels(panel))[:, 1]
    np.testing.assert_allclose(pd.read_csv(scores)["probability"].to_numpy(), want, atol=1e-12)
    # the same path as --json and --update-model is refused before anything runs
    p = run("validate", "--panel", PANEL, "--expression", dirs[0] / "expression.csv", "--clinical",
            dirs[0] / "clinical.csv", "--validation-expression", dirs[1] / "expression.csv", "--validation-clinical",
            dirs[1] / "clinical.csv", "--update-model", out, "--json", out, "-q")
    assert p.returncode == 2 and p.stderr.startswith("error:") and "must name different files" in p.stderr
