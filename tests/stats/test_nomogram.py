"""biomark.stats.nomogram against rms 6.5-0 ``nomogram`` (R 4.2.2; tests/data/R/nomogram.R, nomogram.Rout).

Binary: ``lrm(y ~ glu + bmi + ped + rcs(age, 4) + bpcat)`` on MASS::Pima.tr (a linear, a spline and a factor
term); survival: ``cph(Surv(time, status) ~ karno + age + celltype)`` on survival::veteran with S(90) and S(180)
through ``Survival(fit)``. Neither data set is used by another test. rms's tick positions (R's ``pretty``) are
cosmetic, so its axis values are given to ours and the points function is compared at them.

Tolerances: points, scale and the linear predictor at 0 points 1e-6 relative (the two fits agree to ~1e-9);
total points -> probability / S(t) 1e-7 relative (S(t) through biomark's Breslow baseline with Efron ties,
against rms ``Survival(cph)``, which equals ``survfit(coxph)`` held at cph's coefficients to 1e-15; cph's
coefficients themselves are converged less tightly than coxph's, ~5e-5 relative, so the Cox nomogram is
checked on cph's coefficients and our fit separately against coxph's to 1e-6); rms places
the probability/S(t) ticks by inverting on a 1000-point grid of the linear predictor (``approx``), biomark
exactly: 0.01 points.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from biomark import stats
from biomark.stats.coxph import cox_coef
from biomark.stats.logistic import logistic_ridge
from biomark.stats.nomogram import NomogramTerm, nice_ticks, nomogram
from biomark.stats.spline import rcs_basis

R = Path(__file__).resolve().parents[1] / "data" / "R"

# ---- rms 6.5-0, lrm on Pima.tr
LRM_COEF = [-9.3911112804927779, 0.0323333026724426, 0.0731854480261114, 1.8386013484237456, 0.0118395879528343,
            1.8687972441341769, -3.2585413717050726, 0.2884031680431103, -0.0899918250321713]
LRM_SC, LRM_INTERCEPT = 19.3299152372913, -6.85319751917889
LRM_AXES = {
    "glu": (list(range(40, 201, 20)), [0.0, 12.5, 25.0, 37.5, 50.0, 62.5, 75.0, 87.5, 100.0]),
    "bmi": (list(range(15, 51, 5)), [0.0, 7.0733425347396, 14.1466850694792, 21.2200276042188, 28.2933701389584,
                                     35.3667126736980, 42.4400552084376, 49.5133977431772]),
    "ped": ([round(0.2 * k, 1) for k in range(13)],
            [0.0, 7.10800164404009, 14.21600328808019, 21.32400493212028, 28.43200657616038, 35.54000822020047,
             42.64800986424056, 49.75601150828066, 56.86401315232075, 63.97201479636085, 71.08001644040094,
             78.18801808444104, 85.29601972848113]),
    "age": (list(range(20, 66, 5)), [0.0, 2.92323226392269, 16.49350700673403, 31.42175081060109, 39.51757522105838,
                                     41.85169468694515, 40.11375875212400, 35.99341696045698, 31.12248243352885,
                                     26.23213918389693]),
}
LRM_BPCAT = (("high", "low", "mid"), [1.73953434992102, 7.31434314236062, 0.0])
LRM_LP_AT = list(range(-5, 6))
LRM_LP_POINTS = [35.8221509636864, 55.1520662009777, 74.4819814382689, 93.8118966755602, 113.1418119128515,
                 132.4717271501428, 151.8016423874341, 171.1315576247254, 190.4614728620166, 209.7913880993079,
                 229.1213033365992]
LRM_PROB_TICKS = {0.1: 89.9995601952117, 0.2: 105.6747693774528, 0.3: 116.0934831459358, 0.4: 124.6341198209549,
                  0.5: 132.4717271501428, 0.6: 140.3093344793307, 0.7: 148.8499711543497, 0.8: 159.2686849228328,
                  0.9: 174.9438941050739}
LRM_MAP = ([0, 50, 100, 150, 200], [0.00105495935865413, 0.01383621112276476, 0.15711280409503328,
                                    0.71234389819651378, 0.97050109354344893])

# ---- rms 6.5-0, cph on veteran (centre -2.85073793275603)
CPH_COEF = [-0.03201556686420336, -0.00603377334231188, -0.84999733134104949, -0.44778373447298647,
            -1.17191027456882102]
CPH_SC, CPH_INTERCEPT = 34.7053393064686, -2.03559976232964
CPH_KARNO = (list(range(10, 101, 10)), [100 - 100 / 9 * k for k in range(10)])
CPH_AGE = (list(range(30, 86, 5)), [11.51722831287924, 10.47020755716294, 9.42318680144665, 8.37616604573036,
                                    7.32914529001406, 6.28212453429777, 5.23510377858147, 4.18808302286518,
                                    3.14106226714888, 2.09404151143259, 1.04702075571629, 0.0])
CPH_CELL = (("adeno", "large", "smallcell", "squamous"), [40.6715437156477, 11.1720979218638, 25.1310572748451, 0.0])
CPH_LP_AT = [-2.0 + 0.5 * k for k in range(10)]
CPH_LP_POINTS = [1.23550183087984, 18.58817148411415, 35.94084113734846, 53.29351079058277, 70.64618044381709,
                 87.99885009705139, 105.35151975028570, 122.70418940352002, 140.05685905675432, 157.40952870998862]
CPH_S90_TICKS = {0.1: 107.7358026167622, 0.2: 95.3061284248487, 0.3: 85.2325921563020, 0.4: 75.7563355546193,
                 0.5: 66.0703606275429, 0.6: 55.4778194200585, 0.7: 43.0115067501788, 0.8: 26.7343844776295}
CPH_S180_TICKS = {0.1: 77.7159714041205, 0.2: 65.2863067518922, 0.3: 55.2127668840620, 0.4: 45.7365108382784,
                  0.5: 36.0505348862503, 0.6: 25.4579905411723, 0.7: 12.9916859462748}
CPH_TOTALS = [0, 50, 100, 150]
COXPH_COEF = [-0.03201554046770399, -0.00603404240715831, -0.84999273847395374, -0.44777759168667830,
              -1.17190659378044870]  # coxph, converged (cph stops earlier: ~5e-5 relative)
# S(t) at the totals: survfit(coxph held at cph's coefficients) and rms Survival(cph) agree to 1e-15
CPH_SURV = [[0.901870132826257498, 0.782469901142332], [0.646463216662151119, 0.354849525921742],
            [0.158417348372135225, 1.25760061175139e-02], [0.000417103707913748, 9.39998293758364e-09]]


def _pima():
    d = pd.read_csv(R / "nomogram_pima.csv")
    sp = rcs_basis(d.age.to_numpy(float), nk=4)
    X = np.column_stack([d[["glu", "bmi", "ped"]].to_numpy(float), sp.basis,
                         (d.bpcat == "low").to_numpy(float), (d.bpcat == "mid").to_numpy(float)])
    theta, _ = logistic_ridge(X, d.y.to_numpy(float), math.inf)
    coef, b0 = theta[:-1], float(theta[-1])
    return d, sp.knots, coef, b0, X @ coef + b0


def _lrm_terms(knots, coef, d=None):
    return [NomogramTerm(v, "linear", (coef[i],), ticks=LRM_AXES[v][0] if d is None else None,
                         values=None if d is None else d[v].to_numpy(float))
            for i, v in enumerate(("glu", "bmi", "ped"))] + [
        NomogramTerm("age", "spline", tuple(coef[3:6]), knots=knots, ticks=LRM_AXES["age"][0]),
        NomogramTerm("bpcat", "factor", tuple(coef[6:8]), levels=("high", "low", "mid"))]


def test_lrm_fit_is_rms_fit():
    _, knots, coef, b0, _ = _pima()
    np.testing.assert_allclose(knots, [21.0, 25.0, 33.0, 57.05], rtol=1e-12)  # rms: f$Design$parms$age
    np.testing.assert_allclose(np.r_[b0, coef], LRM_COEF, rtol=1e-6)


def test_lrm_points_scale_and_probability_match_rms_nomogram():
    _, knots, coef, b0, lp = _pima()
    nm = nomogram(_lrm_terms(knots, coef), b0, lp, lp_ticks=LRM_LP_AT)
    assert math.isclose(nm.scale, LRM_SC, rel_tol=1e-6)
    assert math.isclose(nm.lp_at_zero, LRM_INTERCEPT, rel_tol=1e-6)
    for ax in nm.axes:
        want = LRM_BPCAT[1] if ax.name == "bpcat" else LRM_AXES[ax.name][1]
        np.testing.assert_allclose(ax.points, want, rtol=1e-6, atol=1e-6, err_msg=ax.name)
    # points per unit of a linear term: scale * beta (rms: 100 points over glu 40-200 is 0.625 per mg/dl)
    glu = nm.axes[0]
    assert math.isclose(glu.points_per_unit, 100 / 160, rel_tol=1e-6)
    # the spline's points are non-monotone in age, as rms's
    assert np.argmax(nm.axes[3].points) == 5 and nm.axes[3].points[-1] < nm.axes[3].points[5]
    assert nm.axes[4].labels == LRM_BPCAT[0]
    np.testing.assert_allclose(nm.lp_points, LRM_LP_POINTS, rtol=1e-6)
    np.testing.assert_allclose(nm.risk(LRM_MAP[0]), LRM_MAP[1], rtol=1e-6)
    (f,) = nm.functions
    for v, pts in LRM_PROB_TICKS.items():
        k = int(np.flatnonzero(np.isclose(f.values, v))[0])
        assert abs(f.points[k] - pts) < 0.01, v  # rms inverts on a grid; ours is exact
    # the table: total points -> lp -> probability
    np.testing.assert_allclose(nm.table_lp, LRM_INTERCEPT + nm.table_points / LRM_SC, rtol=1e-6)
    np.testing.assert_allclose(nm.table_risk[:, 0], 1 / (1 + np.exp(-nm.table_lp)), rtol=1e-12)


def test_default_ticks_span_the_data_and_give_the_same_points_function():
    d, knots, coef, b0, lp = _pima()
    nm = nomogram(_lrm_terms(knots, coef, d), b0, lp)
    glu = nm.axes[0]
    assert glu.at[0] <= d.glu.min() and glu.at[-1] >= d.glu.max()
    # same span as rms here (40-200), so the same linear points function
    assert math.isclose(glu.points_per_unit, LRM_SC * coef[0], rel_tol=1e-6)
    assert nm.total_points[0] == 0 and nm.total_points[-1] >= nm.scale * (nm.lp_at.max() - nm.lp_at_zero) - 1e-9


def _veteran():
    v = pd.read_csv(R / "nomogram_veteran.csv")
    X = np.column_stack([v[["karno", "age"]].to_numpy(float)] +
                        [(v.celltype == c).to_numpy(float) for c in ("large", "smallcell", "squamous")])
    return v.time.to_numpy(float), v.status.to_numpy(int), X


def test_cph_points_and_survival_match_rms_nomogram():
    T, E, X = _veteran()
    np.testing.assert_allclose(cox_coef(T, E, X), COXPH_COEF, rtol=1e-6)
    beta = np.array(CPH_COEF)  # the nomogram of rms's fit: its coefficients
    center = float(np.mean(X @ beta))  # cph's $center: its linear predictor is X beta - center
    lp = X @ beta - center
    h0 = -np.log(stats.cox_risk_at(T, E, lp, [90, 180], lp_new=[0.0]).surv[0])
    terms = [NomogramTerm("karno", "linear", (beta[0],), ticks=CPH_KARNO[0]),
             NomogramTerm("age", "linear", (beta[1],), ticks=CPH_AGE[0]),
             NomogramTerm("celltype", "factor", tuple(beta[2:]), levels=CPH_CELL[0])]
    nm = nomogram(terms, -center, lp, outcome="survival", baseline_cumhaz=h0, horizons=[90, 180], lp_ticks=CPH_LP_AT)
    assert math.isclose(nm.scale, CPH_SC, rel_tol=1e-6)
    assert math.isclose(nm.lp_at_zero, CPH_INTERCEPT, rel_tol=1e-6)
    for ax, (_, want) in zip(nm.axes, (CPH_KARNO, CPH_AGE, CPH_CELL), strict=True):
        np.testing.assert_allclose(ax.points, want, rtol=1e-6, atol=1e-6, err_msg=ax.name)
    assert math.isclose(nm.axes[0].points_per_unit, -100 / 90, rel_tol=1e-6)  # karno: 100 points over 10-100
    np.testing.assert_allclose(nm.lp_points, CPH_LP_POINTS, rtol=1e-6)
    np.testing.assert_allclose(nm.risk(CPH_TOTALS), CPH_SURV, rtol=1e-7)
    for f, ticks in zip(nm.functions, (CPH_S90_TICKS, CPH_S180_TICKS), strict=True):
        for v, pts in ticks.items():
            k = int(np.flatnonzero(np.isclose(f.values, v))[0])
            assert abs(f.points[k] - pts) < 0.01, (f.label, v)
    assert [f.label for f in nm.functions] == ["S(90)", "S(180)"]


def test_nice_ticks_cover_and_are_round():
    t = nice_ticks(0.078, 2.42)
    assert t[0] <= 0.078 and t[-1] >= 2.42 and 5 <= t.size <= 14
    np.testing.assert_allclose(np.diff(t), np.diff(t)[0])
    assert nice_ticks(3.0, 3.0).tolist() == [3.0]
