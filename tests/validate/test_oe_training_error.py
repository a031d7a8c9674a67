"""O:E at t with the training fit's uncertainty (issue 18): Var(log O:E) = Var_KM(log O) + Var_boot(log E).

Without the training term the 95 % CI of O:E covered 1 in about 83 % of data sets under the same model
(tests/validate/test_external_horizon.py): it held the predictions fixed although the coefficient and the
baseline hazard were estimated on the training rows. The coverage simulation below refits the training fit on
bootstrap resamples (stats.cox + the Breslow baseline by stats.cox_risk_at, through
transport_horizon.horizon_cohort) and checks that the combined CI covers 1 within Monte-Carlo error of 95 %.
"""

from __future__ import annotations

import numpy as np
import pytest

import biomark
from biomark import stats
from biomark.errors import InputError
from biomark.model import PanelModel
from biomark.synthetic import simulate
from biomark.validation import transport_horizon as th

HS = [5.0, 10.0]


def _sim(rng, n: int, base: float = 0.05, beta: float = 0.7):
    """Exponential survival with hazard base * exp(beta x), uniform censoring on (0, 30)."""
    x = rng.standard_normal(n)
    t_ev = rng.exponential(1.0 / (base * np.exp(beta * x)))
    cens = rng.uniform(0, 30, n)
    return np.minimum(t_ev, cens), (t_ev <= cens).astype(int), x


def _one(rng, n: int, B: int, fitted_cox: bool = True):
    """One training + validation pair: the horizon section with the bootstrap of the training fit."""
    t0, e0, x0 = _sim(rng, n)
    t, e, x = _sim(rng, n)

    def fit(tt, ee, xx):  # the training fit: a Cox model (its lp), or the fixed rule x (recalibrated inside)
        return float(stats.cox(tt, ee, xx[:, None]).coef[0]) if fitted_cox else 1.0

    b0 = fit(t0, e0, x0)
    train = {"time": t0, "event": e0, "score": b0 * x0, "fitted_cox": fitted_cox, "horizons": HS, "unit": "months"}
    boot = []
    for _ in range(B):
        i = rng.integers(0, n, n)
        bb = fit(t0[i], e0[i], x0[i])
        boot.append((bb * x0[i], t0[i], e0[i], bb * x))
    return th.horizon_cohort("v", t, e, b0 * x, train, 0.95, boot=boot)


def test_combined_ci_adds_the_bootstrap_variance_of_log_e():
    rng = np.random.default_rng(5)
    hz, w = _one(rng, 200, 30)
    assert w == [] and hz["oe_bootstrap"]["n_boot"] == 30
    for p in hz["points"]:
        se_t, se_v, se = p["oe_se_log_training"], p["oe_se_log"], p["oe_se_log_total"]
        assert se == pytest.approx(np.hypot(se_v, se_t), rel=1e-12) and se_t > 0.02
        assert p["oe_lower_total"] == pytest.approx(p["oe"] * np.exp(-1.959963984540054 * se), rel=1e-12)
        assert p["oe_lower_total"] < p["oe_lower"] < p["oe"] < p["oe_upper"] < p["oe_upper_total"]


def test_stats_function_by_hand_and_refusals():
    eb = np.array([[0.20, 0.40], [0.22, 0.43], [0.18, 0.41]])
    r = stats.oe_with_training_error([0.9, 1.1], [0.1, 0.05], eb)
    sd = np.log(eb).std(axis=0, ddof=1)
    np.testing.assert_allclose(r.se_log, np.sqrt(np.array([0.1, 0.05]) ** 2 + sd**2), rtol=1e-14)
    np.testing.assert_allclose(r.upper, np.array([0.9, 1.1]) * np.exp(1.959963984540054 * r.se_log), rtol=1e-12)
    with pytest.raises(stats.StatsError, match="at least 2 refits"):
        stats.oe_with_training_error([1.0], [0.1], [[0.2]])
    with pytest.raises(stats.StatsError, match="mean risk of 0"):
        stats.oe_with_training_error([1.0], [0.1], [[0.2], [0.0]])


@pytest.mark.slow
def test_coverage_of_one_under_the_same_model_is_nominal():
    """200 data sets, 200 training + 200 validation rows, B = 40 refits, horizons 5 and 10 (about 30 s).

    A fixed rule's path is the same computation here (its one-coefficient recalibration on x is this Cox fit)."""
    rng = np.random.default_rng(20261218)
    n_sets = 200
    cov_v, cov_t = np.zeros((n_sets, 2)), np.zeros((n_sets, 2))
    for k in range(n_sets):
        hz, _ = _one(rng, 200, 40)
        for j, p in enumerate(hz["points"]):
            cov_v[k, j] = p["oe_lower"] <= 1 <= p["oe_upper"]
            cov_t[k, j] = p["oe_lower_total"] <= 1 <= p["oe_upper_total"]
    mc = np.sqrt(0.95 * 0.05 / n_sets)  # Monte-Carlo SE of a coverage of 95 % (per horizon)
    print(f"coverage validation-only {cov_v.mean(axis=0)}, with the training fit {cov_t.mean(axis=0)} (MC SE {mc:.3f})")
    assert np.all(np.abs(cov_t.mean(axis=0) - 0.95) <= 2.6 * mc)  # within MC error of nominal, each horizon
    assert np.all(cov_v.mean(axis=0) < 0.95 - 2 * mc)  # the validation-only CI undercovers (as before)


PANEL = biomark.load_panel("escc_mir339_radiotherapy")
EP = "overall_survival"


def test_validate_oe_bootstrap_refits_the_training_model_on_resampled_rows():
    """Through validate: the engine's training SE of log E recomputed by hand (the same resamples, drawn from
    default_rng([seed, 18, 1]), a PanelModel refitted on each, stats.cox_risk_at for the validation rows)."""
    cs = [simulate(PANEL, 120, seed=s, endpoint=EP, effect=0.6, name=f"s{s}")[0] for s in (1, 2)]
    B = 15
    r = biomark.validate(PANEL, cs, endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=4,
                         oe_bootstrap=B)
    assert r.data["settings"]["oe_bootstrap"] == B
    hz = r.data["external"]["cohorts"][0]["horizon"]
    assert hz["oe_bootstrap"]["n_boot"] == B and hz["oe_bootstrap"]["requested"] == B
    hs = hz["horizons"]
    o0, o1 = (c.survival(None, None, endpoint_id=EP) for c in cs)
    X0, X1 = cs[0].levels(PANEL)[o0.present], cs[1].levels(PANEL)[o1.present]
    rng = np.random.default_rng([4, 18, 1])
    logs = []
    for _ in range(B):
        i = rng.integers(0, len(o0.time), len(o0.time))
        m = PanelModel(panel=PANEL, method="cox", penalty=None, endpoint=EP, random_state=4)
        m.fit(X0.iloc[i], np.column_stack([o0.time[i], o0.event[i]]))
        risk = stats.cox_risk_at(o0.time[i], o0.event[i], m.panel_score(X0.iloc[i]), hs, lp_new=m.panel_score(X1))
        logs.append(np.log(risk.risk.mean(axis=0)))
    se_t = np.std(logs, axis=0, ddof=1)
    for k, p in enumerate(hz["points"]):
        assert p["oe_se_log_training"] == pytest.approx(se_t[k], rel=1e-8)
        assert p["oe_se_log_total"] == pytest.approx(np.hypot(p["oe_se_log"], se_t[k]), rel=1e-8)
    # the pooled O:E keeps the validation-only SE; without the option nothing changes
    r0 = biomark.validate(PANEL, cs, endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=4)
    p0 = r0.data["external"]["cohorts"][0]["horizon"]["points"][0]
    assert "oe_lower_total" not in p0 and "oe_bootstrap" not in r0.data["settings"]
    assert p0["oe_lower"] == hz["points"][0]["oe_lower"]
    # IECV: each held-out cohort's refits are of the other cohort's rows
    assert r.data["iecv"]["clusters"][0]["horizon"]["oe_bootstrap"]["n_boot"] == B
    assert r.sections.external.cohorts[0].horizon.points[0].oe_lower_total == hz["points"][0]["oe_lower_total"]


@pytest.mark.parametrize(("b", "kw", "match"), [
    (1, {}, "whole number of refits >= 2"),
    (-5, {}, "whole number of refits >= 2"),
    (20, {"single": True}, "needs a cohort to validate on"),
])
def test_oe_bootstrap_refused(b, kw, match):
    cs = [simulate(PANEL, 60, seed=s, endpoint=EP, effect=0.6, name=f"s{s}")[0] for s in (1, 2)]
    with pytest.raises(InputError, match=match):
        biomark.validate(PANEL, cs[0] if kw.get("single") else cs, endpoint=EP, cv=(3, 1), bootstrap=0,
                         oe_bootstrap=b)
