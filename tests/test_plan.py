"""Pre-registration (issue 19): ``biomark plan``, ``validate --plan``, ``screen --plan``."""

from __future__ import annotations

import json
import shutil

import click
import numpy as np
import pandas as pd
import pytest

import biomark
from biomark.cli import cli
from biomark.cli._common import run_main
from biomark.errors import InputError
from biomark.panel.catalog import load_panel
from biomark.plan import canonical_hash, load_plan, make_plan
from biomark.synthetic import simulate, write_cohort

PANEL = "escc_mir339_radiotherapy"
EP = "radioresistance"
FAST = ["--cv", "3", "--repeats", "1", "--bootstrap", "0", "--permutations", "0"]


def _run(args):
    return run_main(cli, args)


@pytest.fixture
def work(tmp_path, monkeypatch):
    cohort, truth = simulate(load_panel(PANEL), 80, seed=3, endpoint=EP)
    write_cohort(cohort, truth, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _plan_file(work, *extra):
    assert _run(["plan", "--panel", PANEL, "--outcome", EP, *FAST, "--seed", "7", *extra, "--out", "plan.json",
                 "-q"]) == 0
    return json.loads((work / "plan.json").read_text())


def _validate(*extra):
    return _run(["validate", "--panel", PANEL, "--expression", "expression.csv", "--clinical", "clinical.csv",
                 "--json", "r.json", "--report", "r.html", "-q", *extra])


def test_plan_hashes_the_spec_and_every_setting(work):
    d = _plan_file(work)
    assert d["schema"] == "biomark.plan/1" and d["created"].endswith("Z") and d["biomark_version"]
    assert d["panels"] == [{"id": PANEL, "source": "catalog", "content_hash": load_panel(PANEL).content_hash()}]
    st = d["settings"]
    assert st["seed"] == 7 and st["cv"] == [3, 1] and st["bootstrap"] == 0 and st["outcome"] == EP
    assert st["method"] == "signed_z" and st["smallest_effect"] == {"auc": 0.65, "hr": 1.5}  # the defaults too
    body = {k: v for k, v in d.items() if k != "plan_hash"}
    import hashlib

    assert d["plan_hash"] == hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    opts = {o for p in cli.get_command(click.Context(cli), "plan").params for o in p.opts}
    assert not opts & {"--clinical", "--expression"}  # a plan reads no data file


def test_validate_follows_the_plan_and_certifies_it(work):
    d = _plan_file(work)
    assert _validate("--plan", "plan.json") == 0  # every analysis option left out: the plan's values
    r = json.loads((work / "r.json").read_text())
    assert r["settings"]["seed"] == 7 and r["settings"]["cv_folds"] == 3 and r["settings"]["bootstrap"] == 0
    want = f"analysis as pre-specified in plan {d['plan_hash'][:12]}, created {d['created']}"
    assert r["plan"] == {"plan_hash": d["plan_hash"], "created": d["created"], "biomark_version": d["biomark_version"],
                         "certification": want}
    page = (work / "r.html").read_text()
    assert want in page and d["plan_hash"] in page
    before = (work / "plan.json").read_bytes()
    assert _validate("--plan", "plan.json", "--seed", "7", *FAST) == 0  # the same values given: accepted
    assert (work / "plan.json").read_bytes() == before  # an input, never modified
    assert _validate("--json", "x.json") == 0 and "plan" not in json.loads((work / "x.json").read_text())


def _one_error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:"), err
    return err[0]


def test_validate_refuses_another_setting(work, capsys):
    _plan_file(work)
    capsys.readouterr()
    assert _validate("--plan", "plan.json", "--bootstrap", "20") == 2
    line = _one_error(capsys)
    assert "setting 'bootstrap' (--bootstrap) differs from the plan: planned 0, given 20" in line
    assert not (work / "r.json").exists() and not (work / "r.html").exists()
    assert _validate("--plan", "plan.json", "--method", "logistic") == 2
    assert "planned \"signed_z\", given \"logistic\"" in _one_error(capsys)


def test_validate_refuses_a_changed_spec_and_a_tampered_plan(work, capsys):
    spec = work / "spec.yaml"
    from biomark.panel.catalog import catalog_dir

    shutil.copyfile(next(catalog_dir().rglob(f"{PANEL}.yaml")), spec)
    assert _run(["plan", "--panel", str(spec), "--outcome", EP, *FAST, "--out", "plan.json", "-q"]) == 0
    assert _run(["validate", "--panel", str(spec), "--expression", "expression.csv", "--clinical", "clinical.csv",
                 "--plan", "plan.json", "--json", "r.json", "-q"]) == 0
    spec.write_text(spec.read_text().replace("title:", "title: edited", 1))
    capsys.readouterr()
    assert _run(["validate", "--panel", str(spec), "--expression", "expression.csv", "--clinical", "clinical.csv",
                 "--plan", "plan.json", "--json", "r2.json", "-q"]) == 2
    assert f"the spec of panel '{PANEL}' changed since the plan" in _one_error(capsys)
    d = json.loads((work / "plan.json").read_text())
    d["settings"]["bootstrap"] = 500  # edited after the plan was written: the hash no longer matches
    (work / "plan.json").write_text(json.dumps(d))
    assert _validate("--plan", "plan.json") == 2
    assert "plan_hash does not match the plan's content" in _one_error(capsys)
    assert not (work / "r2.json").exists()


def test_api_plan(work):
    panel = load_panel(PANEL)
    cohort, _ = simulate(panel, 80, seed=3, endpoint=EP)
    p = make_plan([PANEL], {"outcome": EP, "cv": (3, 1), "bootstrap": 0, "permutations": 0, "seed": 2})
    r = biomark.validate(panel, cohort, outcome=EP, cv=(3, 1), bootstrap=0, permutations=0, seed=2, plan=p)
    assert r.data["plan"]["plan_hash"] == p["plan_hash"]
    with pytest.raises(InputError, match="setting 'seed' .* planned 2, given 3"):
        biomark.validate(panel, cohort, outcome=EP, cv=(3, 1), bootstrap=0, permutations=0, seed=3, plan=p)
    with pytest.raises(InputError, match="panel 'npc_circmyc_radioresistance' is not in the plan"):
        biomark.validate("npc_circmyc_radioresistance", cohort, plan=p)
    bad = dict(p, created="2020-01-01T00:00:00Z")
    with pytest.raises(InputError, match="plan_hash does not match"):
        load_plan(bad)
    assert canonical_hash(p) == p["plan_hash"]


SCREEN_PANELS = ["npc_circmyc_radioresistance", "escc_mir340_radioresistance"]


@pytest.fixture
def screen_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    n = 80
    y = np.r_[np.ones(n // 2), np.zeros(n // 2)]
    cols = {}
    for pid in SCREEN_PANELS:
        p = load_panel(pid)
        for m in p.markers:
            cols[m.id] = rng.normal(size=n) + 0.8 * p.signs(EP).get(m.id, 0) * y
    ids = [f"s{i:03d}" for i in range(n)]
    pd.DataFrame(cols, index=ids).rename_axis("sample").to_csv(tmp_path / "expr.csv")
    pd.DataFrame({"resp": np.where(y == 1, "radioresistant", "radiosensitive")}, index=ids).rename_axis(
        "sample").to_csv(tmp_path / "clin.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_screen_follows_the_plan_and_refuses_another(screen_files, capsys):
    args = ["plan", *sum((["--panel", p] for p in SCREEN_PANELS), []), "--endpoint-map", f"{EP}=resp",
            "--power-reps", "50", "--alpha", "0.1", "--out", "plan.json", "-q"]
    assert _run(args) == 0
    d = json.loads((screen_files / "plan.json").read_text())
    base = ["screen", "--expression", "expr.csv", "--clinical", "clin.csv", "--plan", "plan.json", "-q"]
    assert _run([*base, "--json", "s.json", "--report", "s.html"]) == 0
    s = json.loads((screen_files / "s.json").read_text())
    assert {c["panel_id"] for c in s["claims"]} == set(SCREEN_PANELS)  # the plan's specs, not the catalog
    assert s["settings"]["alpha"] == 0.1 and s["settings"]["power_reps"] == 50
    want = f"analysis as pre-specified in plan {d['plan_hash'][:12]}, created {d['created']}"
    assert s["settings"]["plan"]["certification"] == want and want in (screen_files / "s.html").read_text()
    capsys.readouterr()
    assert _run([*base, "--alpha", "0.05", "--json", "t.json"]) == 2
    assert "setting 'alpha' (--alpha) differs from the plan: planned 0.1, given 0.05" in _one_error(capsys)
    assert _run([*base, "--smallest-effect", "auc=0.7", "--json", "t.json"]) == 2
    assert "setting 'smallest_effect'" in _one_error(capsys)
    assert not (screen_files / "t.json").exists()


def test_screen_api_checks_the_specs_given_against_the_plan(screen_files):
    from biomark.io.public import read_any
    from biomark.screen import screen

    cohort = read_any("expr.csv", "clin.csv")
    p = make_plan(SCREEN_PANELS, {"endpoint_map": {EP: "resp"}, "power_reps": 20})
    res = screen(cohort, endpoint_map={EP: "resp"}, power_reps=20, plan=p)
    assert res.settings["plan"]["plan_hash"] == p["plan_hash"] and len(res.claims) == 2
    with pytest.raises(InputError, match="planned panel 'npc_circmyc_radioresistance' is not among the specs given"):
        screen(cohort, panels=[load_panel(SCREEN_PANELS[1])], endpoint_map={EP: "resp"}, power_reps=20, plan=p)
    flipped = load_panel(SCREEN_PANELS[0])
    flipped = flipped.model_copy(update={"title": flipped.title + " (edited)"})
    with pytest.raises(InputError, match="changed since the plan"):
        screen(cohort, panels=[flipped, load_panel(SCREEN_PANELS[1])], endpoint_map={EP: "resp"}, power_reps=20,
               plan=p)


def test_the_plan_is_an_input_no_output_may_overwrite(work, capsys):
    _plan_file(work)
    before = (work / "plan.json").read_bytes()
    capsys.readouterr()
    assert _run(["validate", "--panel", PANEL, "--expression", "expression.csv", "--clinical", "clinical.csv",
                 "--plan", "plan.json", "--json", "plan.json", "-q"]) == 2
    assert "output path is the same as input file 'plan.json'" in _one_error(capsys)
    assert (work / "plan.json").read_bytes() == before
