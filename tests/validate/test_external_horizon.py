"""External validation of a survival endpoint at the horizons (issue 18 with issue 17): O:E and Brier at t,
IPA and AUC(t) per validation cohort from the TRAINING fit, pooled by REML + HKSJ with a prediction interval."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import biomark
from biomark import stats
from biomark.synthetic import simulate
from biomark.validation import transport_horizon as th

PANEL = biomark.load_panel("escc_mir339_radiotherapy")
EP = "overall_survival"
MARKER = "hsa-miR-339-5p"


def _cohorts() -> list:
    return [simulate(PANEL, 150, seed=s, endpoint=EP, effect=0.6, name=f"s{s}")[0] for s in (1, 2, 3)]


@pytest.fixture(scope="module")
def fitted_three():
    cs = _cohorts()
    r = biomark.validate(PANEL, cs, endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=1)
    return cs, r


def _arrays(c):
    o = c.survival(None, None, endpoint_id=EP)
    return o.time, o.event, c.levels(PANEL)[MARKER].to_numpy(float)[o.present]


def test_per_cohort_horizon_numbers_are_the_stats_of_the_training_fit(fitted_three):
    """Recomputed by hand: a Cox model on the TRAINING markers (stats.cox), its Breslow risk for the
    validation rows (stats.cox_risk_at), then the stats functions in the validation cohort. Risks do
    not depend on how the linear predictor is centred or scaled, so this checks that the engine predicts
    from the training fit and nothing refitted on the validation cohort (a refit would move O:E)."""
    cs, r = fitted_three
    t0, e0, x0 = _arrays(cs[0])
    beta = float(stats.cox(t0, e0, {"m": x0}).coef[0])
    hs = r.data["survival"]["horizon"]["horizons"]
    ext = r.data["external"]
    for c, row in zip(cs[1:], ext["cohorts"], strict=True):
        t, e, x = _arrays(c)
        hz = row["horizon"]
        assert hz["horizons"] == hs and hz["recalibration_coef"] is None
        risk = stats.cox_risk_at(t0, e0, beta * x0, hs, lp_new=beta * x)
        auc = stats.time_dependent_auc(t, e, beta * x, hs)
        brier = stats.brier_at(t, e, risk.risk, hs)
        for k, p in enumerate(hz["points"]):
            cal = stats.calibration_at(t, e, risk.risk[:, k], hs[k], groups=min(10, max(2, int(e.sum()) // 5)),
                                       surv=risk.surv[:, k])
            # same formulas on the same data: only floating-point differences (rtol 1e-6 covers the
            # z-scoring of the marker inside the panel model)
            assert p["oe"] == pytest.approx(cal.oe, rel=1e-6)
            assert p["oe_lower"] == pytest.approx(cal.oe_lower, rel=1e-6)
            assert p["expected"] == pytest.approx(float(risk.risk[:, k].mean()), rel=1e-6)
            assert p["oe_se_log"] == pytest.approx(np.log(cal.oe_upper / cal.oe) / 1.959963984540054, rel=1e-6)
            assert p["brier"] == pytest.approx(brier.brier[k], rel=1e-6)
            assert p["ipa"] == pytest.approx(brier.ipa[k], rel=1e-5, abs=1e-9)
            assert p["auc"] == pytest.approx(auc.auc[k], rel=1e-9)
            assert p["auc_se"] == pytest.approx(auc.se[k], rel=1e-6)
    # pooled: stats.pool_oe / pool_c_statistic / pool_slope on the per-cohort numbers
    for k, h in enumerate(hs):
        pts = [row["horizon"]["points"][k] for row in ext["cohorts"]]
        oe = stats.pool_oe([p["oe"] for p in pts], [p["oe_se_log"] for p in pts])
        auc = stats.pool_c_statistic([p["auc"] for p in pts], [p["auc_se"] for p in pts])
        br = stats.pool_slope([p["brier"] for p in pts], [p["brier_se"] for p in pts])
        for name, ref in (("oe", oe), ("auc", auc), ("brier", br)):
            got = ext["pooled"][th.key(name, h)]
            assert got["k"] == 2 and got["method"] == "REML"
            assert got["estimate"] == pytest.approx(ref.estimate, rel=1e-12)
            assert got["pi_low"] == pytest.approx(ref.pi_low, rel=1e-12)


def test_validation_cohorts_do_not_change_the_training_numbers(fitted_three):
    cs, r = fitted_three
    alone = biomark.validate(PANEL, cs[0], endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=1)
    a, b = alone.data["survival"]["horizon"], r.data["survival"]["horizon"]
    assert a["horizons"] == b["horizons"]
    for pa, pb in zip(a["points"], b["points"], strict=True):
        for k in ("oe", "brier", "ipa", "auc", "auc_se", "slope"):
            assert pa[k] == pb[k]
    # and a validation cohort's predicted risks do not depend on the other validation cohort
    two = biomark.validate(PANEL, cs[:2], endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=1)
    assert two.data["external"]["cohorts"][0]["horizon"] == r.data["external"]["cohorts"][0]["horizon"]


def _sim(rng, n: int, base: float, beta: float = 0.7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential survival with hazard base * exp(beta x), uniform censoring on (0, 30)."""
    x = rng.standard_normal(n)
    t_ev = rng.exponential(1.0 / (base * np.exp(beta * x)))
    cens = rng.uniform(0, 30, n)
    return np.minimum(t_ev, cens), (t_ev <= cens).astype(int), x


@pytest.mark.slow
@pytest.mark.parametrize("fitted_cox", [True, False])
def test_oe_at_t_detects_a_shifted_baseline_hazard(fitted_cox):
    """Same model: O:E at t near 1 (median 1.02 and 0.98 at t = 5, 10). Baseline hazard doubled: risk at t is
    1 - S0(t)^2, median O:E 1.65 and 1.44 here. 20 datasets of 300 + 300; the model's lp (fitted_cox) or the raw
    marker recalibrated on the training rows."""
    rng = np.random.default_rng(20261202)
    same, shifted = [], []
    for _ in range(20):
        t0, e0, x0 = _sim(rng, 300, 0.05)
        score0 = float(stats.cox(t0, e0, {"x": x0}).coef[0]) * x0 if fitted_cox else x0
        scale = score0[0] / x0[0]
        train = {"time": t0, "event": e0, "score": score0, "fitted_cox": fitted_cox, "horizons": [5.0, 10.0],
                 "unit": "months"}
        for base, out in ((0.05, same), (0.10, shifted)):
            t, e, x = _sim(rng, 300, base)
            hz, w = th.horizon_cohort("v", t, e, scale * x, train, 0.95)
            assert w == []
            out.append([(p["oe"], p["oe_lower"], p["oe_upper"]) for p in hz["points"]])
    same, shifted = np.array(same), np.array(shifted)  # (20, 2 horizons, 3)
    assert np.all(np.abs(np.log(np.median(same[:, :, 0], axis=0))) < 0.1)
    covered = np.mean((same[:, :, 1] <= 1) & (same[:, :, 2] >= 1))
    # 0.825 here, below the nominal 95 %: the O:E CI holds the predictions fixed (KM sampling error of the
    # validation cohort only), while the baseline hazard and the coefficient were estimated on 300 training rows
    assert covered >= 0.7
    assert np.all(np.median(shifted[:, :, 0], axis=0) > 1.25)  # the same model stays below exp(0.1) = 1.105
    assert np.mean(shifted[:, :, 1] > 1) >= 0.9  # the CI excludes 1: miscalibration detected


def test_horizon_beyond_a_cohorts_follow_up_is_dropped_with_a_warning():
    """Bad input: a validation cohort followed up for less than every horizon is a documented skip: its
    horizon section is not assessed, a warning names it, the other cohort keeps its numbers."""
    cs = _cohorts()
    cl = cs[2].clinical.copy()
    cl["overall_survival_event"] = np.where(cl["overall_survival_time"] > 3.0, 0, cl["overall_survival_event"])
    cl["overall_survival_time"] = np.minimum(cl["overall_survival_time"], 3.0)
    short = replace(cs[2], clinical=cl, name="short")
    r = biomark.validate(PANEL, [cs[0], cs[1], short], endpoint=EP, method="cox", penalty=None, cv=(3, 1),
                         bootstrap=0, seed=1)
    hs = r.data["survival"]["horizon"]["horizons"]
    assert min(hs) > 3.0
    rows = r.data["external"]["cohorts"]
    assert "no usable horizon" in rows[1]["horizon"]["error"] and "'short'" in rows[1]["horizon"]["error"]
    assert len(rows[0]["horizon"]["points"]) == len(hs)
    warned = [w for w in r.data["warnings"] if "validation cohort 'short'" in w]
    assert len(warned) == len(hs) and all("was dropped" in w for w in warned)
    assert "needs at least 2 settings" in r.data["external"]["pooled"][th.key("oe", hs[0])]["error"]
    assert r.data["external"]["pooled"]["c"]["k"] == 2  # C is still pooled over both


def test_report_draws_a_forest_per_horizon_metric(fitted_three):
    from biomark.report import render_html

    _, r = fitted_three
    html = render_html(r, strict=True)
    hs = r.data["survival"]["horizon"]["horizons"]
    assert "Risks at the horizons, per validation cohort" in html
    for h in hs:
        for m in ("oe", "brier", "auc"):
            fig = f"ext-forest-{m}-at-{h:g}".replace(".", "-")
            assert f'id="{fig}-figure_1"' in html or f'id="{fig}"' in html, fig
