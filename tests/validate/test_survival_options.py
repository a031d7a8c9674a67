"""validate(strata=, weights=, rmst_tau=) on a survival endpoint (issue 20): section ``survival.options``.

The statistics themselves are checked against R in tests/stats/test_survival_parity.py (survival 3.5.3,
survRM2 definitions; docs/statistics-parity.md). Here the wiring is checked: the section's numbers equal
the stats functions called directly on the same panel score, strata and weights (1e-12: the same
computation on the same floats, only summation order could differ), the score being the one the
survival section used (its unstratified Cox HR is reproduced first), and the split the one of its KM curves.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark import stats
from biomark.errors import InputError
from biomark.model import PanelModel
from biomark.synthetic import simulate
from biomark.validation import survival_options

EP = "overall_survival"
FAST = dict(endpoint=EP, cv=(3, 1), bootstrap=0, permutations=0, seed=2)
TOL = 1e-12


@pytest.fixture(scope="module")
def cohort():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    c, _ = simulate(panel, 160, seed=11, endpoint=EP)
    rng = np.random.default_rng(5)
    clin = c.clinical.copy()
    clin["centre"] = rng.choice(["north", "south", "east"], len(clin))
    clin["w"] = rng.uniform(0.2, 3.0, len(clin))
    return panel, replace(c, clinical=clin)


@pytest.fixture(scope="module")
def run(cohort):
    panel, c = cohort
    r = biomark.validate(panel, c, strata="centre", weights="w", rmst_tau=12.0, **FAST)
    return panel, c, r


def _score(panel, c):
    X = c.levels(panel)
    s = PanelModel(panel=panel, method="signed_z", endpoint=EP).fit(X).panel_score(X)
    clin = c.clinical.loc[X.index]
    return (s, clin[f"{EP}_time"].to_numpy(float), clin[f"{EP}_event"].to_numpy(float), clin)


def _none(v):
    return None if v != v else v


def test_options_equal_the_stats_functions_on_the_same_score(run):
    panel, c, r = run
    s, t, e, clin = _score(panel, c)
    z = (s - s.mean()) / np.std(s, ddof=1)
    # the score is the survival section's: its unstratified HR per SD is reproduced
    assert stats.cox(t, e, pd.DataFrame({"x": z})).hr[0] == pytest.approx(r["survival"]["cox"]["terms"][0]["hr"],
                                                                           abs=TOL)
    opt = r["survival"]["options"]
    sc = stats.cox_stratified(t, e, pd.DataFrame({"x": z}), clin["centre"].to_numpy())
    cs = stats.concordance_stratified(t, e, s, clin["centre"].to_numpy())
    st = opt["stratified"]
    assert st["column"] == "centre" and st["n_strata"] == 3
    for k in ("coef", "se", "p", "hr", "hr_ci_low", "hr_ci_high"):
        assert st[k] == pytest.approx(float(getattr(sc, k)[0]), abs=TOL), k
    assert (st["c"], st["c_se"]) == pytest.approx((cs.c, cs.se), abs=TOL)
    cw = stats.cox_weighted(t, e, pd.DataFrame({"x": z}), clin["w"].to_numpy(float))
    wt = opt["weighted"]
    assert (wt["coef"], wt["robust_se"], wt["naive_se"], wt["hr_ci_low"]) == pytest.approx(
        (cw.coef[0], cw.se[0], cw.naive_se[0], cw.hr_ci_low[0]), abs=TOL)
    assert wt["robust_se"] != pytest.approx(wt["naive_se"], rel=1e-3)  # the robust SE is the one reported
    high = (s > np.median(s)).astype(int)
    w = clin["w"].to_numpy(float)
    lw = stats.logrank(t, e, high, weights=w)  # weighted log-rank (R: coxph(weights=, ties="breslow") sctest)
    assert (wt["logrank"]["chisq"], wt["logrank"]["p"]) == pytest.approx((lw.chisq, lw.p), abs=TOL)
    lr = stats.logrank(t, e, high, weights=w, robust=True)
    assert (wt["logrank"]["robust_chisq"], wt["logrank"]["robust_p"]) == pytest.approx((lr.chisq, lr.p), abs=TOL)
    assert abs(wt["logrank"]["chisq"] - r["survival"]["logrank_median"]["chisq"]) > 1e-6  # not the unweighted one
    for g, k in zip(wt["km"], (0, 1), strict=True):
        m = high == k
        km = stats.kaplan_meier(t[m], e[m], weights=w[m], variance="robust")
        assert g["group"] == ("low", "high")[k] and g["n"] == int(m.sum())
        assert g["weight"] == pytest.approx(w[m].sum(), abs=TOL)
        assert (g["median"], g["median_lower"], g["median_upper"]) == (
            _none(km.median), _none(km.median_lower), _none(km.median_upper))
    high = (s > np.median(s)).astype(int)
    rm = stats.rmst(t, e, 12.0, group=high)
    got = opt["rmst"]
    assert [g["group"] for g in got["groups"]] == ["low", "high"]
    assert [g["n"] for g in got["groups"]] == [int((high == 0).sum()), int((high == 1).sum())]
    assert [g["rmst"] for g in got["groups"]] == pytest.approx(rm.rmst.tolist(), abs=TOL)
    assert [g["se"] for g in got["groups"]] == pytest.approx(rm.se.tolist(), abs=TOL)
    ct = got["contrast"]
    assert (ct["diff"], ct["diff_lower"], ct["ratio"], ct["ratio_upper"], ct["diff_p"]) == pytest.approx(
        (rm.diff[0], rm.diff_lower[0], rm.ratio[0], rm.ratio_upper[0], rm.diff_p[0]), abs=TOL)
    # the same split as the KM curves of the section: the high group's KM n
    assert r["survival"]["km"]["groups"]["high"]["n"] == got["groups"][1]["n"]
    assert r["settings"]["strata"] == "centre" and r["settings"]["rmst_tau"] == 12.0


def test_without_the_options_nothing_changes(cohort, run):
    panel, c = cohort
    r0 = biomark.validate(panel, c, **FAST).to_dict()
    assert "options" not in r0["survival"] and "strata" not in r0["settings"]
    r1 = run[2].to_dict()
    r1["survival"].pop("options")
    for k in ("strata", "weights", "rmst_tau"):
        r1["settings"].pop(k)
    assert r1["survival"] == r0["survival"]


def test_only_rmst(cohort):
    panel, c = cohort
    opt = biomark.validate(panel, c, rmst_tau=6, **FAST)["survival"]["options"]
    assert opt["stratified"] is None and opt["weighted"] is None and opt["rmst"]["tau"] == 6


def test_binary_endpoint_refuses_the_options():
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    c, _ = simulate(panel, 60, seed=1, endpoint="radioresistance")
    for kw, flag in (({"strata": "x"}, "--strata"), ({"weights": "x"}, "--weights"), ({"rmst_tau": 5}, "--rmst-tau")):
        with pytest.raises(InputError, match=f"^{flag} .*applies to a survival endpoint"):
            biomark.validate(panel, c, endpoint="radioresistance", cv=(3, 1), bootstrap=0, permutations=0, **kw)


def test_tau_beyond_follow_up_is_refused(cohort):
    panel, c = cohort
    with pytest.raises(InputError, match=r"--rmst-tau 1000 is beyond the follow-up in 'overall_survival_time'") as ei:
        biomark.validate(panel, c, rmst_tau=1000, **FAST)
    safe = float(str(ei.value).rsplit("<= ", 1)[1])
    assert biomark.validate(panel, c, rmst_tau=safe, **FAST)["survival"]["options"]["rmst"]["tau"] == safe


def test_ph_warning_offers_rmst_only_when_ph_rejects_and_no_tau():
    ph = {"global": {"chisq": 9.0, "df": 1, "p": 0.003}}
    (w,) = survival_options.ph_warning(ph, 0.05, None)
    assert "p = 0.003 < 0.05" in w and "--rmst-tau T" in w
    assert survival_options.ph_warning(ph, 0.05, 12.0) == []
    assert survival_options.ph_warning({"global": {"p": 0.2}}, 0.05, None) == []
    assert survival_options.ph_warning({"error": "no events"}, 0.05, None) == []


def test_ph_warning_reaches_the_result_on_non_proportional_hazards():
    """A score whose effect reverses over time: cox.zph rejects, the warning is in the result."""
    panel = biomark.load_panel("escc_mir339_radiotherapy")
    c, _ = simulate(panel, 300, seed=3, endpoint=EP)
    X = c.levels(panel)
    s = PanelModel(panel=panel, method="signed_z", endpoint=EP).fit(X).panel_score(X)
    rng = np.random.default_rng(1)
    # high score: early deaths only; low score: late deaths: crossing survival curves
    t = np.where(s > np.median(s), rng.uniform(0.5, 6, s.size), rng.uniform(4, 20, s.size))
    clin = c.clinical.copy()
    clin.loc[X.index, f"{EP}_time"] = t
    clin[f"{EP}_event"] = 1
    c = replace(c, clinical=clin)
    r = biomark.validate(panel, c, **FAST)
    assert r["survival"]["ph"]["global"]["p"] < 0.05
    assert any("--rmst-tau T" in w for w in r["warnings"])
    r2 = biomark.validate(panel, c, rmst_tau=5, **FAST)
    assert not any("--rmst-tau T" in w for w in r2["warnings"])


def test_report_shows_the_options_and_escapes_the_column_names(cohort):
    from biomark.report import render_html

    panel, c = cohort
    clin = c.clinical.rename(columns={"centre": "<i>site</i>"})
    r = biomark.validate(panel, replace(c, clinical=clin), strata="<i>site</i>", rmst_tau=12.0, **FAST)
    html = render_html(r)
    assert 'id="survival-options"' in html and "<i>site</i>" not in html and "&lt;i&gt;site&lt;/i&gt;" in html
    g = r["survival"]["options"]["rmst"]["groups"]
    assert f"{g[0]['rmst']:.2f}" in html and "Restricted mean survival time to 12" in html
    assert 'id="survival-options"' not in render_html(biomark.validate(panel, c, **FAST))


def test_report_shows_the_weighted_logrank_and_robust_km(cohort):
    from biomark.report import render_html

    panel, c = cohort
    r = biomark.validate(panel, c, weights="w", **FAST)
    html = render_html(r)
    lw = r["survival"]["options"]["weighted"]["logrank"]
    assert "Weighted log-rank, high vs low score" in html
    assert f"{lw['robust_chisq']:.2f}" in html and f"{lw['chisq']:.2f}" in html
    km = r["survival"]["options"]["weighted"]["km"]
    assert "infinitesimal-jackknife CI" in html and f"{km[0]['median']:.2f}" in html
