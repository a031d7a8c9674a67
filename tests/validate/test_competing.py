"""A survival endpoint that names a competing event (issue 20): the spec key, the 0/1/2 event column and
the ``survival.competing`` section of validate.

The statistics are checked against R elsewhere (tests/stats/test_survival_parity.py:
``cumulative_incidence`` against cmprsk 2.2.11 ``cuminc``/``timepoints``, ``fine_gray`` against survival
3.5.3 ``finegray`` + ``coxph``). Here the wiring is checked: the section's numbers equal the stats
functions called directly on the same panel score and 0/1/2 status (1e-12: the same computation on the
same floats), the groups are those of the KM curves (score above its median), and everything else in
the survival section is the cause-specific analysis (a competing event counted as censored).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark import stats
from biomark.errors import InputError, SpecError
from biomark.model import PanelModel
from biomark.panel import panel_from_data
from biomark.synthetic import simulate

EP = "overall_survival"
FAST = dict(endpoint=EP, cv=(3, 1), bootstrap=0, permutations=0, seed=2)
TOL = 1e-12
COMPETING = "death without recurrence"


def _with_competing(panel, competing=COMPETING):
    d = panel.model_dump(mode="json")
    for e in d["endpoints"]:
        if e["id"] == EP:
            e["competing"] = competing
    return panel_from_data(d)


@pytest.fixture(scope="module")
def cohort():
    base = biomark.load_panel("escc_mir339_radiotherapy")
    c, _ = simulate(base, 160, seed=11, endpoint=EP)
    clin = c.clinical.copy()
    ev = clin[f"{EP}_event"].to_numpy(int)
    rng = np.random.default_rng(7)
    clin[f"{EP}_event"] = np.where((ev == 1) & (rng.uniform(size=ev.size) < 0.35), 2, ev)
    return base, _with_competing(base), replace(c, clinical=clin)


@pytest.fixture(scope="module")
def run(cohort):
    _, panel, c = cohort
    return panel, c, biomark.validate(panel, c, **FAST)


def test_spec_key_is_optional_and_leaves_every_hash_unchanged(cohort):
    base, panel, _ = cohort
    assert base.endpoint(EP).competing is None and "competing" not in str(base.spec_dict())
    assert panel.endpoint(EP).competing == COMPETING
    assert panel.content_hash() != base.content_hash()
    again = panel_from_data({**base.model_dump(mode="json")})  # a round trip without the key
    assert again.content_hash() == base.content_hash()
    # the hash of a spec without the key is the one computed before the key existed (sha256 of its JSON)
    import hashlib
    import json
    d = base.model_dump(mode="json")
    for e in d["endpoints"]:
        e.pop("competing", None)
        if e["kind"] == "survival":
            assert set(e) == {"id", "kind", "description", "event", "time_unit"}
    d.pop("allow_armless", None) if d.get("allow_armless") is False else None
    for m in d["markers"]:
        m.pop("allow_armless", None) if m.get("allow_armless") is False else None
    blob = json.dumps(d, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(blob.encode()).hexdigest() == base.content_hash()


def test_competing_on_a_binary_endpoint_is_a_spec_error(cohort):
    d = cohort[0].model_dump(mode="json")
    d["endpoints"][0]["competing"] = COMPETING
    assert d["endpoints"][0]["kind"] == "binary"
    with pytest.raises(SpecError, match=r"endpoints\[0\].*competing"):
        panel_from_data(d)


def _score(panel, c):
    X = c.levels(panel)
    s = PanelModel(panel=panel, method="signed_z", endpoint=EP).fit(X).panel_score(X)
    clin = c.clinical.loc[X.index]
    return s, clin[f"{EP}_time"].to_numpy(float), clin[f"{EP}_event"].to_numpy(int)


def test_section_equals_the_stats_functions_on_the_same_score(run):
    panel, c, r = run
    s, t, st = _score(panel, c)
    sv = r["survival"]
    # the rest of the survival section is cause-specific: a competing event is censored
    z = (s - s.mean()) / np.std(s, ddof=1)
    cs = stats.cox(t, (st == 1).astype(float), pd.DataFrame({"x": z}))
    assert cs.hr[0] == pytest.approx(sv["cox"]["terms"][0]["hr"], abs=TOL)
    assert sv["events"] == int((st == 1).sum())
    sec = sv["competing"]
    assert (sec["competing"], sec["events"], sec["competing_events"], sec["n"]) == (
        COMPETING, int((st == 1).sum()), int((st == 2).sum()), t.size)
    assert sec["competing_events"] > 10  # the recoding took
    high = (s > np.median(s)).astype(int)
    cif = stats.cumulative_incidence(t, st, group=high, cause=1)
    assert [g["group"] for g in sec["cif"]] == ["low", "high"]
    assert [g["n"] for g in sec["cif"]] == [int((high == 0).sum()), int((high == 1).sum())]
    for i, g in enumerate(sec["cif"]):
        assert g["time"] == pytest.approx(cif.times[i].tolist(), abs=TOL)
        assert g["estimate"] == pytest.approx(cif.estimate[i].tolist(), abs=TOL)
        at = cif.at(cif.times[i])
        lo = [None if not np.isfinite(v) else v for v in at["lower"][i]]
        assert [v is None for v in g["lower"]] == [v is None for v in lo]
        assert [v for v in g["lower"] if v is not None] == pytest.approx([v for v in lo if v is not None], abs=TOL)
        assert g["events"] == int(((high == i) & (st == 1)).sum())
    grid = np.quantile(t, [0.25, 0.5, 0.75])
    at = cif.at(grid)
    pts = sec["cif_at"]
    assert [p["time"] for p in pts[:3]] == pytest.approx(grid.tolist(), abs=TOL)
    assert [p["estimate"] for p in pts] == pytest.approx(at["estimate"].ravel().tolist(), abs=TOL)
    assert [p["se"] for p in pts] == pytest.approx(np.sqrt(at["variance"]).ravel().tolist(), abs=TOL)
    gray = stats.gray_test(t, st, high)
    assert (sec["gray"]["df"], sec["gray"]["groups"], sec["gray"]["rho"]) == (1, ["low", "high"], 0.0)
    for k in ("stat", "p"):
        assert sec["gray"][k] == pytest.approx(getattr(gray, k), abs=TOL), k
    assert sec["gray"]["score"] == pytest.approx(gray.score.tolist(), abs=TOL)
    fg = stats.fine_gray(t, st, {"x": z})
    got = sec["fine_gray"]
    for k in ("coef", "se", "p", "shr", "shr_ci_low", "shr_ci_high"):
        assert got[k] == pytest.approx(float(getattr(fg, k)[0]), abs=TOL), k
    assert got["n_competing"] == int((st == 2).sum())
    # the subdistribution and the cause-specific HR are different quantities
    assert abs(got["coef"] - cs.coef[0]) > 1e-3
    assert "censored" in sec["note"] and "cause-specific" in sec["note"]


def test_results_follow_the_shipped_schema(run):
    import jsonschema

    from biomark.validation.schema import shipped_json_schema

    d = run[2].to_dict()
    assert d["endpoint"]["competing"] == COMPETING
    jsonschema.validate(d, shipped_json_schema())
    broken = {**d, "survival": {**d["survival"], "competing": {**d["survival"]["competing"], "cif": 3}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, shipped_json_schema())


def test_without_competing_nothing_changes(cohort):
    base, _, c = cohort
    clin = c.clinical.copy()
    clin[f"{EP}_event"] = (clin[f"{EP}_event"] == 1).astype(int)
    r = biomark.validate(base, replace(c, clinical=clin), **FAST)
    assert "competing" not in r["survival"] and "competing" not in r["endpoint"]


def test_code_2_without_competing_and_code_3_with_it_are_refused(cohort):
    base, panel, c = cohort
    with pytest.raises(InputError, match=r"must be 0 \(censored\) or 1 \(event\); found 0, 1, 2.*competing: \.\.\."):
        biomark.validate(base, c, **FAST)
    clin = c.clinical.copy()
    clin.iloc[3, clin.columns.get_loc(f"{EP}_event")] = 3
    with pytest.raises(InputError, match=r"'overall_survival_event' must be coded 0 \(censored\), 1 \(event of "
                                         r"interest\) or 2 \(competing event: death without recurrence\).*found "
                                         r"codes 0, 1, 2, 3; recode the cell '3'"):
        biomark.validate(panel, replace(c, clinical=clin), **FAST)


def test_report_shows_the_section(run, tmp_path):
    _, _, r = run
    html = r.to_html(tmp_path / "r.html") or (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="competing"' in html and "Fine-Gray" in html and COMPETING in html
    g = r["survival"]["competing"]["gray"]
    assert f"χ² = {g['stat']:.3f} on 1 df, p = {g['p']:.3f}" in html.split('id="gray-test"')[1][:300]
    assert "(ρ = 0;" in html
    assert html.count("id=\"fig-cif-figure_1\"") == 1 and "Cumulative incidence" in html


def test_a_group_without_an_event_of_interest_is_not_assessed_not_a_crash():
    from biomark.validation import competing

    t, s, x = np.r_[np.arange(1.0, 11.0), np.arange(1.5, 11.0)], np.array([2, 0] * 10), np.linspace(-1, 1, 20)
    s[[11, 13, 15]] = 1  # events of interest only in the high group, while the low group is followed
    sec = competing.section(t, s, x, competing=COMPETING, event="recurrence", ci=0.95)
    low = [p for p in sec["cif_at"] if p["group"] == "low"]
    assert low[0]["estimate"] == 0.0 and low[0]["se"] == 0.0  # the low curve stays at 0 (was an IndexError)
    gray = stats.gray_test(t, s, (x > np.median(x)).astype(int))
    assert sec["gray"]["stat"] == pytest.approx(gray.stat, abs=TOL)
    s[:] = np.array([2, 0] * 10)  # no event of interest at all
    sec = competing.section(t, s, x, competing=COMPETING, event="recurrence", ci=0.95)
    assert sec["gray"] == {"error": "Gray's test needs at least one event of cause 1; there is none"}
