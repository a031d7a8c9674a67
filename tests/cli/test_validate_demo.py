"""`biomark demo` and `biomark validate` as a user runs them (subprocesses, real exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NSCLC = ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "biomark", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    r = run("demo", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "hsa-miR-1246 significantly contradicts the literature" in r.stdout
    return out


def test_demo_writes_report_results_and_data(demo_dir):
    assert sorted(p.name for p in demo_dir.iterdir()) == [
        "clinical.csv", "expression.csv", "report.html", "results.json", "truth.json"]
    d = json.loads((demo_dir / "results.json").read_text())
    assert d["schema"] == "biomark.validation/1"
    assert d["direction"]["contradicting"] == ["hsa-miR-1246"]
    truth = json.loads((demo_dir / "truth.json").read_text())
    assert truth["against_spec"] == ["hsa-miR-1246"]
    html = (demo_dir / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "hsa-miR-1246" in html and "<script" not in html


def test_demo_is_reproducible(demo_dir, tmp_path):
    r = run("demo", "--out", tmp_path / "again", "--quiet")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    for name in ("expression.csv", "clinical.csv", "truth.json"):
        assert (tmp_path / "again" / name).read_bytes() == (demo_dir / name).read_bytes(), name
    # the recorded command line names the output directory; everything else is identical
    a = json.loads((demo_dir / "results.json").read_text())
    b = json.loads((tmp_path / "again" / "results.json").read_text())
    assert a["reproducibility"].pop("command") == f"biomark demo --out {demo_dir}"
    assert b["reproducibility"].pop("command") == f"biomark demo --out {tmp_path / 'again'}"
    assert a == b
    ha = (demo_dir / "report.html").read_text().replace(str(demo_dir), "DIR")
    hb = (tmp_path / "again" / "report.html").read_text().replace(str(tmp_path / "again"), "DIR")
    assert ha == hb


def test_validate_on_demo_files_reproduces_demo_numbers(demo_dir, tmp_path):
    # the demo used the scenario's seed (1246); the CSV round trip is exact
    r = run("validate", "--panel", NSCLC, "--expression", demo_dir / "expression.csv", "--clinical",
            demo_dir / "clinical.csv", "--outcome", "radioresistance", "--seed", "1246", "--n-jobs", "2",
            "--json", tmp_path / "r.json", "--report", tmp_path / "r.html")
    assert r.returncode == 0, r.stderr
    a = json.loads((demo_dir / "results.json").read_text())
    b = json.loads((tmp_path / "r.json").read_text())
    assert b["binary"]["roc"] == a["binary"]["roc"]
    assert b["binary"]["bootstrap"] == a["binary"]["bootstrap"]
    assert b["direction"]["effects"] == a["direction"]["effects"]
    assert set(b["reproducibility"]["inputs"]) == {str(demo_dir / "expression.csv"), str(demo_dir / "clinical.csv")}
    assert f"wrote {tmp_path / 'r.html'}" in r.stdout


def test_json_to_stdout_for_scripts(demo_dir):
    r = run("validate", "--panel", NSCLC, "--expression", demo_dir / "expression.csv", "--clinical",
            demo_dir / "clinical.csv", "--bootstrap", "0", "--permutations", "0", "--repeats", "1", "--json", "-")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)  # stdout is only the JSON
    assert d["settings"]["bootstrap"] == 0 and "bootstrap" not in d["binary"]
    assert "cross-validated AUC" in r.stderr  # the summary goes to stderr


def test_survival_with_covariate(tmp_path):
    r = run("synth", "--panel", "escc_mir339_radiotherapy", "--endpoint", "overall_survival", "--n", "150",
            "--seed", "4", "--out", tmp_path / "sim")
    assert r.returncode == 0, r.stderr
    clin = (tmp_path / "sim" / "clinical.csv").read_text().splitlines()
    header = clin[0].split(",")
    # add an age covariate column to the clinical file
    rows = [header + ["age"]] + [line.split(",") + [str(50 + i % 30)] for i, line in enumerate(clin[1:])]
    (tmp_path / "clin2.csv").write_text("\n".join(",".join(x) for x in rows) + "\n")
    r = run("validate", "--panel", "escc_mir339_radiotherapy", "--expression", tmp_path / "sim" / "expression.csv",
            "--clinical", tmp_path / "clin2.csv", "--time", "overall_survival_time", "--event",
            "overall_survival_event", "--covariate", "age", "--json", tmp_path / "s.json", "--quiet")
    assert r.returncode == 0, r.stderr
    s = json.loads((tmp_path / "s.json").read_text())["survival"]
    assert [t["term"] for t in s["cox_adjusted"]["terms"]] == ["panel_score_per_sd", "age"]
    assert s["cox"]["terms"][0]["hr"] > 1


def test_one_marker_panel_the_data_contradict_reports_auc_below_half(tmp_path):
    """Issue 13: `synth --against-spec hsa-miR-339-5p` then `validate --outcome radioresistance` ended in
    KeyError: 'slope' after a report showing AUC 0.500 (0.500-0.500), because the fixed rule's
    recalibration clamps its negative slope at 0 and the probabilities were all the prevalence. The
    rule's AUC in the literature's direction is the finding: the single marker's AUC is 0.351 on these
    data (pROC-style, direction '>' as the spec says 'down'), and the cross-validated panel AUC is the
    same ranking, so it must be about 0.35 with a CI below 0.5, in the JSON, the report and the summary."""
    r = run("synth", "--panel", "escc_mir339_radiotherapy", "--n", "200", "--seed", "1", "--against-spec",
            "hsa-miR-339-5p", "--out", tmp_path / "s", "--quiet")
    assert r.returncode == 0, r.stderr
    r = run("validate", "--panel", "escc_mir339_radiotherapy", "--expression", tmp_path / "s" / "expression.csv",
            "--clinical", tmp_path / "s" / "clinical.csv", "--outcome", "radioresistance", "--bootstrap", "20",
            "--permutations", "20", "--repeats", "2", "--report", tmp_path / "r.html", "--json", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    b = json.loads((tmp_path / "r.json").read_text())["binary"]
    assert b["single_markers"][0]["auc"] == pytest.approx(0.3512, abs=1e-9)
    assert b["roc"]["auc"] == pytest.approx(0.35, abs=0.01) and b["roc"]["ci_high"] < 0.5
    assert b["apparent"]["auc"] == pytest.approx(0.3512, abs=1e-9)  # one marker: the score is the marker
    assert "calibration" in b and "error" in b["calibration"]  # constant probabilities: said, not hidden
    assert "below 0.5 in the literature's direction" in r.stdout
    assert "calibration not assessed" in r.stdout
    html = (tmp_path / "r.html").read_text()
    assert "0.500–0.500" not in html and f"{b['roc']['auc']:.3f}" in html
