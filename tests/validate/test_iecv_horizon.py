"""Internal-external cross-validation with the external-cohort metrics (issue 18): survival O:E at t, Brier/IPA
and AUC(t) per held-out cluster from the model fitted on the OTHER clusters; binary val.prob set per cluster;
each pooled by REML + HKSJ with a prediction interval.

Consistency tests: one held-out cluster's numbers recomputed by hand (stats.cox on the other clusters' raw
marker, its Breslow risk for the held-out rows by stats.cox_risk_at, then the stats functions on the held-out
rows) to 1e-8. The panel model fits the Cox model on z-scored markers; risks do not depend on the centring or
scaling of the linear predictor, and both fits converge far below 1e-8, so only floating-point noise is left.
Mutation checks: the same recomputation with the model fitted on ALL rows (held-out included), or with the
baseline hazard from the held-out rows, is far outside the tolerance: a leak of the held-out rows into the fit
would fail these tests.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark import stats
from biomark.model import PanelModel
from biomark.synthetic import simulate
from biomark.validation import transport_horizon as th

PANEL = biomark.load_panel("escc_mir339_radiotherapy")
EP = "overall_survival"
MARKER = "hsa-miR-339-5p"
TOL = 1e-8


@pytest.fixture(scope="module")
def three():
    cs = [simulate(PANEL, 150, seed=s, endpoint=EP, effect=0.6, name=f"s{s}")[0] for s in (1, 2, 3)]
    r = biomark.validate(PANEL, cs, endpoint=EP, method="cox", penalty=None, cv=(3, 1), bootstrap=0, seed=1)
    return cs, r


def _arrays(c):
    o = c.survival(None, None, endpoint_id=EP)
    return o.time, o.event, c.levels(PANEL)[MARKER].to_numpy(float)[o.present]


def _by_hand(t0, e0, x0, t, e, x, hs, base=None):
    """Every horizon number of held-out rows (t, e, x) from a Cox fit on (t0, e0, x0).

    ``base``: (time, event, lp) rows the Breslow baseline hazard is taken from instead (a mutation)."""
    beta = float(stats.cox(t0, e0, {"m": x0}).coef[0])
    bt, be, blp = base if base is not None else (t0, e0, beta * x0)
    risk = stats.cox_risk_at(bt, be, blp, hs, lp_new=beta * x)
    auc = stats.time_dependent_auc(t, e, beta * x, hs)
    brier = stats.brier_at(t, e, risk.risk, hs)
    out = []
    for k, h in enumerate(hs):
        cal = stats.calibration_at(t, e, risk.risk[:, k], h, groups=min(10, max(2, int(e.sum()) // 5)),
                                   surv=risk.surv[:, k])
        out.append({"oe": cal.oe, "oe_lower": cal.oe_lower, "oe_upper": cal.oe_upper,
                    "oe_se_log": float(np.log(cal.oe_upper / cal.oe_lower) / (2 * 1.959963984540054)),
                    "expected": float(risk.risk[:, k].mean()), "brier": float(brier.brier[k]),
                    "brier_se": float(brier.se[k]), "ipa": float(brier.ipa[k]), "auc": float(auc.auc[k]),
                    "auc_se": float(auc.se[k])})
    return out


def _close(got: dict, ref: dict) -> bool:
    return all(abs(got[k] - ref[k]) <= TOL * max(1.0, abs(ref[k])) for k in ref)


def test_held_out_cluster_horizon_numbers_come_from_the_other_clusters_fit(three):
    cs, r = three
    iv = r.data["iecv"]
    hs = r.data["survival"]["horizon"]["horizons"]
    for j in range(3):  # each cluster in turn: fitted on the two others
        rest = [_arrays(c) for i, c in enumerate(cs) if i != j]
        t0, e0, x0 = (np.concatenate(a) for a in zip(*rest, strict=True))
        t, e, x = _arrays(cs[j])
        row = iv["clusters"][j]
        assert row["cluster"] == f"s{j + 1}" and "skipped" not in row
        hz = row["horizon"]
        assert hz["horizons"] == hs and hz["recalibration_coef"] is None
        assert "other clusters only" in hz["risk_source"]
        ref = _by_hand(t0, e0, x0, t, e, x, hs)
        for p, q in zip(hz["points"], ref, strict=True):
            assert _close(p, q), (j, p["time"], {k: (p[k], q[k]) for k in q})
            # the flat estimates (what is pooled) are the same numbers
            for m, se in (("oe", "oe_se_log"), ("brier", "brier_se"), ("auc", "auc_se")):
                assert row["estimates"][th.key(m, p["time"])] == p[m]
                assert row["estimates"][th.key(m, p["time"]) + "_se"] == p[se]
        if j == 0:
            # mutations: fitted on all rows (held-out included), or the baseline hazard of the held-out rows
            ta, ea, xa = (np.concatenate(a) for a in zip(*[_arrays(c) for c in cs], strict=True))
            leak = _by_hand(ta, ea, xa, t, e, x, hs)
            beta = float(stats.cox(t0, e0, {"m": x0}).coef[0])
            own_base = _by_hand(t0, e0, x0, t, e, x, hs, base=(t, e, beta * x))
            for bad in (leak, own_base):
                assert not all(_close(p, q) for p, q in zip(hz["points"], bad, strict=True))
                assert max(abs(p["oe"] - q["oe"]) for p, q in zip(hz["points"], bad, strict=True)) > 1e-3


def test_horizon_metrics_pooled_over_clusters_with_a_prediction_interval(three):
    _, r = three
    iv = r.data["iecv"]
    hs = r.data["survival"]["horizon"]["horizons"]
    for k, h in enumerate(hs):
        pts = [c["horizon"]["points"][k] for c in iv["clusters"]]
        refs = {"oe": stats.pool_oe([p["oe"] for p in pts], [p["oe_se_log"] for p in pts]),
                "auc": stats.pool_c_statistic([p["auc"] for p in pts], [p["auc_se"] for p in pts]),
                "brier": stats.pool_slope([p["brier"] for p in pts], [p["brier_se"] for p in pts])}
        for m, ref in refs.items():
            got = iv["pooled"][th.key(m, h)]
            assert got["k"] == 3 and got["method"] == "REML" and got["test"] == "knha"
            for f in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2"):
                assert got[f] == pytest.approx(getattr(ref, f), rel=1e-12, abs=1e-15), (m, h, f)
    assert r.sections.iecv.clusters[0].horizon.points[0].oe == iv["clusters"][0]["horizon"]["points"][0]["oe"]


def test_report_has_the_iecv_horizon_table_and_a_forest_per_metric(three):
    from biomark.report import render_html

    _, r = three
    html = render_html(r, strict=True)
    assert "Internal-external CV: risks at the horizons" in html
    for h in r.data["survival"]["horizon"]["horizons"]:
        for m in ("oe", "brier", "auc"):
            fig = f"iecv-forest-{m}-at-{h:g}".replace(".", "-")
            assert f'id="{fig}-figure_1"' in html or f'id="{fig}"' in html, fig


def test_fixed_rule_cluster_column_recalibrated_on_the_other_clusters():
    """--cluster with a fixed rule: the one-coefficient recalibration gamma is fitted on the other clusters."""
    c = simulate(PANEL, 240, seed=7, endpoint=EP, effect=0.6, name="one")[0]
    clin = c.clinical.copy()
    clin["centre"] = np.repeat(["A", "B", "C"], 80)
    c = replace(c, clinical=clin)
    r = biomark.validate(PANEL, c, endpoint=EP, cluster="centre", cv=(3, 1), bootstrap=0, seed=1)
    iv = r.data["iecv"]
    hs = r.data["survival"]["horizon"]["horizons"]
    o = c.survival(None, None, endpoint_id=EP)
    lab = clin.reindex(c.expression.index)["centre"].to_numpy()[o.present]
    X = c.levels(PANEL)[o.present]
    held = lab == "B"
    m = PanelModel(panel=PANEL, endpoint=EP).fit(X[~held])
    s0, s = m.panel_score(X[~held]), m.panel_score(X[held])
    gamma = float(stats.cox(o.time[~held], o.event[~held], {"s": s0}).coef[0])
    row = iv["clusters"][1]
    assert row["cluster"] == "B"
    assert row["horizon"]["recalibration_coef"] == pytest.approx(gamma, rel=1e-8)
    risk = stats.cox_risk_at(o.time[~held], o.event[~held], gamma * s0, hs, lp_new=gamma * s)
    for k, p in enumerate(row["horizon"]["points"]):
        assert p["expected"] == pytest.approx(float(risk.risk[:, k].mean()), rel=TOL)
    assert iv["pooled"][th.key("oe", hs[0])]["k"] == 3
    assert r.data["settings"]["cluster"] == "centre"


# ------------------------------------------------------------------------------------------- binary IECV


BPANEL = biomark.load_panel(biomark.__path__[0] + "/../synthetic/panels/synth_nsclc_exosomal_mirna_radioresistance.yaml")
BEP = "radioresistance"


def test_binary_iecv_has_the_val_prob_set_per_cluster_and_pooled():
    cs = [simulate(BPANEL, 150, seed=s, endpoint=BEP, effect=0.8, name=f"centre{s}")[0] for s in (1, 2, 3)]
    r = biomark.validate(BPANEL, cs, endpoint=BEP, method="logistic", cv=(3, 1), bootstrap=0, permutations=0, seed=1)
    iv = r.data["iecv"]

    def xy(c):
        o = c.outcome(None, positive_class="radioresistant", candidates=(BEP,))
        return c.levels(BPANEL)[o.present], o.y

    rows = []
    for j in range(3):
        rest = [xy(c) for i, c in enumerate(cs) if i != j]
        m = PanelModel(panel=BPANEL, method="logistic", endpoint=BEP, random_state=1)
        m.fit(pd.concat([a[0] for a in rest]), np.concatenate([a[1] for a in rest]))
        X, y = xy(cs[j])
        p = m.predict_proba(X)[:, 1]
        cal = stats.calibration(y, p)
        e = iv["clusters"][j]["estimates"]
        for k in ("intercept", "slope", "citl", "brier"):
            assert e[k] == pytest.approx(getattr(cal, k), abs=1e-7), (j, k)  # val.prob (rms 6.5.0) = stats.calibration
        assert e["brier"] == pytest.approx(float(np.mean((p - y) ** 2)), abs=1e-12)
        assert e["brier_se"] == pytest.approx(float(np.std((p - y) ** 2, ddof=1) / np.sqrt(y.size)), rel=1e-10)
        assert e["oe"] == pytest.approx(y.sum() / p.sum(), rel=1e-12)
        sec = iv["clusters"][j]["calibration"]
        for k in ("emax", "eavg", "e90"):
            assert sec[k] == pytest.approx(getattr(cal, k), abs=1e-9), (j, k)
        rows.append(e)
    for m, pool in (("intercept", stats.pool_slope), ("brier", stats.pool_slope), ("slope", stats.pool_slope),
                    ("citl", stats.pool_slope), ("oe", stats.pool_oe)):
        ref = pool([e[m] for e in rows], [e[f"{m}_se"] for e in rows])
        got = iv["pooled"][m]
        assert got["k"] == 3 and got["estimate"] == pytest.approx(ref.estimate, rel=1e-12)
        assert got["pi_low"] == pytest.approx(ref.pi_low, rel=1e-12)
