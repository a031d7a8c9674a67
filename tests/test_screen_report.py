"""The screen's typed result and schema, its HTML report and claim reports, real files, workers and dask (issue 19)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from biomark.panel.catalog import list_panels, load_panel, load_spec
from biomark.report.screen import render_screen_html
from biomark.screen import screen
from biomark.validation.schema_screen import (
    UNTESTABLE_CATEGORIES,
    parse_screen,
    screen_json_schema,
    shipped_screen_json_schema,
)
from tests.report._screen_fixture import EP, PANELS, cohort, hostile_screen, screen_result

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "tests" / "data" / "geo"


@pytest.fixture(scope="module")
def result():
    return screen_result()


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biomark", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)


# --- the typed result ---------------------------------------------------------------------------

def test_shipped_schema_is_current():
    assert shipped_screen_json_schema() == screen_json_schema(), (
        "run: python -c 'from biomark.validation.schema_screen import write_screen_json_schema as w; w()'")


def test_json_follows_the_schema_and_reads_back(result):
    d = json.loads(result.to_json())
    jsonschema.validate(d, shipped_screen_json_schema())
    assert d["schema"] == "biomark.screen/1" and parse_screen(d) == result
    assert d["counts"] == {"replicated": 2, "contradicted": 1, "not replicated": 1, "inconclusive": 0}
    bad = dict(d, claims=[{**d["claims"][0], "verdict": 3}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, shipped_screen_json_schema())


def test_an_effect_not_estimable_is_null_in_the_json():
    import dataclasses

    from biomark.validation.schema_screen import MarkerEffect

    r = screen_result()
    nan = float("nan")
    c0 = dataclasses.replace(r.claims[0], marker_effects=(MarkerEffect("m", "m", nan, nan, nan, nan, nan, nan),))
    d = json.loads(dataclasses.replace(r, claims=(c0, *r.claims[1:])).to_json())  # strict JSON: no NaN token
    assert d["claims"][0]["marker_effects"][0]["estimate"] is None
    jsonschema.validate(d, shipped_screen_json_schema())
    assert parse_screen(d).claims[0].marker_effects[0].effect is None  # JSON null reads back as None
    assert "not estimable" in render_screen_html(d)


def test_effects_are_on_the_literatures_axis(result):
    by = {c.panel_id: c for c in result.claims}
    surv = by["hcc_lc3_recurrence"]
    assert surv.effect == pytest.approx(np.log(surv.estimate), abs=1e-12) and surv.effect > 0
    assert (surv.effect_low, surv.effect_high) == pytest.approx((np.log(surv.ci_low), np.log(surv.ci_high)))
    contra = by["escc_mir340_radioresistance"]
    assert contra.effect == pytest.approx(contra.estimate - 0.5) and contra.effect < 0
    # one marker: its own effect is the panel's (signed z of one marker = the marker, signed)
    [m] = contra.marker_effects
    assert (m.estimate, m.ci_low, m.ci_high) == pytest.approx((contra.estimate, contra.ci_low, contra.ci_high),
                                                              abs=1e-12)
    # cell-line evidence only: every sentence carrying escc_mir340's direction is in vitro work
    assert contra.cell_line_only and contra.evidence == "mechanistic_in_vitro"
    assert not by["npc_circmyc_radioresistance"].cell_line_only
    assert (contra.specimen, contra.compartment) == ("cell_line", "exosome")  # as the spec says


def test_seeds_are_per_claim_and_stable(result):
    again = screen(cohort(), panels=[load_panel(p) for p in PANELS[::-1]], endpoint_map={EP: "resp"}, time="rfs",
                   event="rec", power_reps=40, seed=5)
    assert again.to_json() == result.to_json()  # panel order does not matter
    assert len({c.seed for c in result.claims}) == len(result.claims)


def test_ledger_contradictions_of_the_tested_markers(tmp_path):
    src = (ROOT / "panels" / "npc_circmyc_radioresistance.yaml").read_text(encoding="utf-8")
    flipped = src.replace("id: npc_circmyc_radioresistance", "id: npc_circmyc_flipped").replace(
        "radioresistance: up ", "radioresistance: down ")
    (tmp_path / "f.yaml").write_text(flipped, encoding="utf-8")
    panels = [load_panel("npc_circmyc_radioresistance"), load_spec(tmp_path / "f.yaml")]
    r = screen(cohort(120), panels=panels, endpoint_map={EP: "resp"}, power_reps=20)
    [k] = r.contradictions
    assert (k.marker, k.axis, k.up, k.down) == ("circMYC", EP, ("npc_circmyc_radioresistance",),
                                                ("npc_circmyc_flipped",))
    assert set(k.claims) == {f"{p.id}/{EP}" for p in panels}
    assert "npc_circmyc_flipped" in render_screen_html(r)


# --- workers and dask ----------------------------------------------------------------------------

def test_json_is_identical_for_one_two_workers_and_dask(result):
    from dask.distributed import Client, LocalCluster

    two = screen_result(n_jobs=2)
    assert two.to_json() == result.to_json()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cl, \
            Client(cl) as client:
        on_dask = screen_result(scheduler=client)
    assert on_dask.to_json() == result.to_json()


# --- the HTML report -----------------------------------------------------------------------------

def test_report_shows_every_part(result):
    html = render_screen_html(result, strict=True)
    assert html == render_screen_html(result, strict=True)  # deterministic
    assert html.count("<svg") == 1 + len(result.claims)  # volcano + one forest per claim
    assert "binary endpoints" in html and "survival endpoints" in html  # two volcano panels, not one axis
    assert "cell-line evidence only" in html and "http://" not in html.replace("http://www.w3.org", "")
    rows = re.findall(r'<td class="n">(\d+)</td>\s*<td><span class="badge v-([a-z-]+)"', html)
    assert [v for _, v in rows] == [c.verdict.replace(" ", "-") for c in result.claims]  # ranked by q
    for c in result.claims:
        assert c.sentence.split()[0] in html


def test_report_escapes_every_user_string(result):
    html = render_screen_html(hostile_screen(result), strict=True)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "onerror=alert(1)&gt;" in html


# --- the command line: --out, claim reports, nothing testable -------------------------------------

@pytest.fixture
def files(tmp_path):
    c = cohort(120, 2)
    c.expression.rename_axis("sample").to_csv(tmp_path / "expr.csv")
    c.clinical.rename_axis("sample").to_csv(tmp_path / "clin.csv")
    return tmp_path


def test_out_writes_the_report_and_a_validation_report_per_claim(files):
    p = _cli("screen", "--expression", "expr.csv", "--clinical", "clin.csv", "--endpoint-map", f"{EP}=resp",
             "--time", "rfs", "--event", "rec", "--power-reps", "30", "--out", "scr", "-q", cwd=files)
    assert p.returncode == 0, p.stderr
    d = json.loads((files / "scr" / "screen.json").read_text())
    html = (files / "scr" / "screen.html").read_text()
    assert len(d["claims"]) == 4 and d["settings"]["claim_reports"]["method"] == "signed_z"
    for c in d["claims"]:
        name = f"report_{c['panel_id']}_{c['endpoint']}.html"
        assert c["report"] == name and f'href="{name}"' in html
        v = json.loads((files / "scr" / name.replace(".html", ".json")).read_text())
        assert v["settings"]["seed"] == c["seed"] and v["settings"]["method"] == "signed_z"
        # the fixed rule on all rows: validate's apparent statistic is the screen's, to rounding
        if c["kind"] == "binary":
            assert v["binary"]["apparent"]["auc"] == pytest.approx(c["estimate"], abs=1e-9)
        else:
            assert v["survival"]["harrell"]["c"] == pytest.approx(c["concordance"], abs=1e-9)
        assert (files / "scr" / name).read_text().startswith("<!DOCTYPE html>")
    q = _cli("screen", "--expression", "expr.csv", "--clinical", "clin.csv", "--endpoint-map", f"{EP}=resp",
             "--power-reps", "30", "--out", "scr2", "--no-claim-reports", "-q", cwd=files)
    assert q.returncode == 0, q.stderr
    assert sorted(x.name for x in (files / "scr2").iterdir()) == ["screen.html", "screen.json"]


def test_nothing_testable_is_a_warning_and_a_report(files):
    p = _cli("screen", "--expression", "expr.csv", "--clinical", "clin.csv", "--panels", str(ROOT / "panels"),
             "--endpoint-map", "unrelated_endpoint=resp", "--out", "o", "-q", cwd=files)
    assert p.returncode == 0, p.stderr
    [line] = p.stderr.splitlines()
    assert line.startswith("warning: no catalog claim is testable") and "--endpoint-map ID=COLUMN" in line
    d = json.loads((files / "o" / "screen.json").read_text())
    assert d["claims"] == [] and len(d["untestable"]) == len(list_panels())
    assert {u["panel_id"]: u["category"] for u in d["untestable"]}["npc_circmyc_radioresistance"] == \
        "endpoint not mapped"
    assert "Not testable (" in (files / "o" / "screen.html").read_text()


# --- real files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("--expression", str(GEO / "GDS507.soft.gz"), "--annotation", str(GEO / "GPL97.annot.gz"), "--collapse", "mean"),
    ("--expression", str(GEO / "GSE781_excerpt_series_matrix.txt.gz"), "--annotation", str(GEO / "GPL97.annot.gz"),
     "--collapse", "mean"),
    ("--expression", str(GEO / "GSE781_excerpt_family.soft.gz"), "--platform", "GPL97", "--annotation-column",
     "Gene Symbol", "--collapse", "first"),
], ids=["GDS507", "GSE781_matrix", "GSE781_family"])
def test_real_geo_files_run_end_to_end(tmp_path, args):
    p = _cli("screen", *args, "--endpoint-map", "binary=disease state", "--out", str(tmp_path / "o"), "-q")
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("warning: no catalog claim is testable")
    d = json.loads((tmp_path / "o" / "screen.json").read_text())
    assert len(d["untestable"]) == len(list_panels())  # every panel, each with a reason
    assert all(u["category"] in UNTESTABLE_CATEGORIES and u["reason"] for u in d["untestable"])
    html = (tmp_path / "o" / "screen.html").read_text()
    assert all(u["panel_id"] in html for u in d["untestable"])
    if "GDS507" in args[1]:
        why = {u["panel_id"]: u for u in d["untestable"]}
        # HG-U133B holds SQSTM1 (p62), DNAJB8, CD274 (PD-L1), DNM1L (DRP1), CD44, TIPRL, EVA1A
        assert why["hcc_p62_drug_resistance"]["category"] == "outcome column"  # RCC/normal is not resistance
        assert "'cisplatin_resistant' does not occur" in why["hcc_p62_drug_resistance"]["reason"]
        assert why["hcc_pdl1_survival"]["category"] == "endpoint not mapped"
        assert why["hcc_drp1_cisplatin_conflict"]["category"] == "no direction"  # text vs caption conflict
        assert why["hcc_cd133_cd44_drug_resistance"]["reason"].startswith("1 of 2 markers")
        assert why["npc_circmyc_radioresistance"]["category"] == "markers"


def test_one_real_geo_sample_runs_end_to_end(tmp_path):
    # GSM11805: one HG-U133A sample, probe ids with no annotation and no outcome: nothing to test, every
    # panel listed (no catalog marker is a probe id), exit 0 with the warning
    p = _cli("screen", "--expression", str(GEO / "GSM11805.txt.gz"), "--json", str(tmp_path / "s.json"), "-q")
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("warning: no catalog claim is testable") and "--annotation" in p.stderr
    d = json.loads((tmp_path / "s.json").read_text())
    assert d["claims"] == [] and {u["category"] for u in d["untestable"]} == {"markers"}
    assert len(d["untestable"]) == len(list_panels())


def test_gds507_cancer_filter(tmp_path):
    p = _cli("screen", "--expression", str(GEO / "GDS507.soft.gz"), "--annotation", str(GEO / "GPL97.annot.gz"),
             "--collapse", "mean", "--cancer", "renal", "--endpoint-map", "binary=disease state",
             "--json", str(tmp_path / "s.json"), "-q")
    assert p.returncode == 0, p.stderr
    d = json.loads((tmp_path / "s.json").read_text())
    cats = {u["panel_id"]: u["category"] for u in d["untestable"]}
    assert cats["rcc_dnajb8_radioresistance"] == "outcome column"
    assert sum(v == "cancer filter" for v in cats.values()) == len(list_panels()) - 1
