"""``biomark panels list|show|check`` as a user runs them (in a subprocess: real exit codes, real stderr)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("biomark")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "biomark", *args]
    env = dict(os.environ)
    if not exe:
        env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_list_json_from_outside_the_source_tree_shows_every_catalog_file(tmp_path):
    # Run from an unrelated directory: the catalog must come from the installed package (wheel data).
    r = run("panels", "list", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    ids = {row["id"] for row in json.loads(r.stdout)}
    expected = {yaml.safe_load(p.read_text())["id"] for p in (ROOT / "panels").glob("*.yaml")}
    assert ids == expected
    assert "escc_mir339_radiotherapy" in ids


def test_list_table_has_header_and_count():
    r = run("panels", "list")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "cancer", "specimen"]
    n = len(list((ROOT / "panels").glob("*.yaml")))
    assert f"{n} panels." in r.stdout


def test_show_prints_directions_and_evidence():
    r = run("panels", "show", "escc_mir339_radiotherapy")
    assert r.returncode == 0, r.stderr
    assert "hsa-miR-339-5p (miRNA)" in r.stdout
    assert "radioresistance=down" in r.stdout and "overall_survival=protective" in r.stdout
    assert "[46] 002_d24a42885fe5c4b5.txt" in r.stdout


def test_unknown_panel_suggests_closest():
    r = run("panels", "show", "escc_mir339")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("error: unknown panel 'escc_mir339'; did you mean: escc_mir339_radiotherapy")
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_check_valid_and_invalid_spec(tmp_path):
    src = ROOT / "panels" / "escc_mir339_radiotherapy.yaml"
    good = tmp_path / "good.yaml"
    good.write_bytes(src.read_bytes())
    r = run("panels", "check", str(good))
    assert r.returncode == 0 and r.stdout.startswith(f"ok: {good}: panel 'escc_mir339_radiotherapy'")
    data = yaml.safe_load(src.read_text())
    data["markers"][0]["direction"]["os"] = "risk"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    before = bad.read_bytes()
    r = run("panels", "check", str(bad))
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"error: {bad}: markers[0].direction.os: unknown endpoint 'os'; "
        "endpoints are: radioresistance, overall_survival"
    )
    assert bad.read_bytes() == before


def test_check_lists_every_problem(tmp_path):
    data = yaml.safe_load((ROOT / "panels" / "escc_mir339_radiotherapy.yaml").read_text())
    data["colour"] = "red"
    data["assay"] = "rnaseq"
    bad = tmp_path / "two.yaml"
    bad.write_text(yaml.safe_dump(data))
    r = run("panels", "check", str(bad))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "(and 1 more problems listed above)" in lines[-1]
    assert any("colour: unknown key" in ln for ln in lines) and any("assay: 'rnaseq'" in ln for ln in lines)


def test_help_is_complete():
    r = run("--help")
    assert r.returncode == 0
    assert "panels" in r.stdout
    for sub in ("list", "show", "check"):
        h = run("panels", sub, "--help")
        assert h.returncode == 0 and "Usage: biomark panels " + sub in h.stdout


def test_usage_error_is_one_error_line():
    r = run("panels", "show")
    assert r.returncode == 2
    assert r.stderr.startswith("error: Missing argument 'NAME'.")
    assert len(r.stderr.strip().splitlines()) == 1
