"""Survival options of issue 20 against R 4.2.2 / survival 3.5.3.

Reference script tests/data/R/parity_survival.R, output parity_survival.Rout, data it simulated
tests/data/R/parity_survival.csv (3 groups of 50, times on a half-unit grid: many ties; case
weights w). survRM2 is not installed here: its rmst1/rmst2 definitions are written out in the R
script and agree with print(survfit, rmean = 10) to the 12 digits printed. Everything is
deterministic arithmetic, checked to 1e-12 (R prints 15 digits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biomark.stats as bs
from biomark.stats import StatsError

EXACT = 1e-12


@pytest.fixture(scope="module")
def d(data_dir):
    return pd.read_csv(data_dir / "R" / "parity_survival.csv")


# survfit(Surv(time, event) ~ 1, data = d[d$g == "a", ], conf.type = ct): first 4 lower/upper, median CI
KM_CI = {
    "log": ([0.941952943531431, 0.876425217420831, 0.794383328805488, 0.720135401479284],
            [1.0, 1.0, 0.974844224342501, 0.933713296997721], (7.5, 5.0, 11.5)),
    "log-log": ([0.866385567072691, 0.825402929550830, 0.752242353228084, 0.682621421755000],
                [0.997158316160728, 0.980245193959685, 0.944217041442811, 0.901995037528026], (7.5, 5.0, 9.5)),
    "plain": ([0.941194692918209, 0.874173215559751, 0.789926912846811, 0.713510627578668],
              [1.0, 1.0, 0.970073087153189, 0.926489372421332], (7.5, 5.0, 9.5)),
}


@pytest.mark.parametrize("conf_type", sorted(KM_CI))
def test_km_conf_types_match_survfit(d, conf_type):
    a = d[d.g == "a"]
    km = bs.kaplan_meier(a.time, a.event, conf_type=conf_type)
    lower, upper, med = KM_CI[conf_type]
    np.testing.assert_allclose(km.lower[:4], lower, atol=EXACT)
    np.testing.assert_allclose(km.upper[:4], upper, atol=EXACT)
    assert (km.median, km.median_lower, km.median_upper) == med
    assert km.conf_type == conf_type


def test_km_per_group_matches_survfit_table(d):
    kg = bs.kaplan_meier_groups(d.time, d.event, d.g)
    assert kg.groups == ("a", "b", "c")
    table = [(c.n, c.n_events, c.median, c.median_lower, c.median_upper) for c in kg.curves]
    assert table == [(50, 34, 7.5, 5.0, 11.5), (50, 41, 4.5, 3.0, 7.5), (50, 45, 2.0, 1.5, 3.5)]


def test_weighted_km_matches_survfit_greenwood(d):
    # survfit(Surv(time, event) ~ 1, data = d[d$g == "b", ], weights = w, robust = FALSE)
    b = d[d.g == "b"]
    km = bs.kaplan_meier(b.time, b.event, weights=b.w)
    np.testing.assert_allclose(km.surv[:4], [0.954848719937936, 0.867183863460047, 0.820325833979829,
                                             0.779829325058185], atol=EXACT)
    np.testing.assert_allclose((km.std_err / km.surv)[:3], [0.027086711848424, 0.048748175579123,
                                                           0.058295920418453], atol=EXACT)
    assert km.surv[-1] == pytest.approx(0.024631433212028, abs=EXACT)


@pytest.mark.parametrize(("rho", "chisq", "obs", "exp"), [
    (0, 22.366075005367183, [34, 41, 45], [52.189390134009670, 41.426922726327497, 26.383687139662829]),
    (1, 21.207261118158733, [16.897811878759644, 23.561386226227160, 32.019793019774980],
     [28.569675563981338, 25.253079622624835, 18.656235938155625]),
    (0.5, 22.065366901539637, [22.740097836792259, 30.088022310315221, 37.235618510612454],
     [36.837358596125199, 31.420666338571074, 21.805713723023668]),
])
def test_logrank_g_rho_matches_survdiff(d, rho, chisq, obs, exp):
    r = bs.logrank(d.time, d.event, d.g, rho=rho)
    assert r.chisq == pytest.approx(chisq, abs=1e-10)
    np.testing.assert_allclose(r.observed, obs, atol=1e-10)
    np.testing.assert_allclose(r.expected, exp, atol=1e-10)


def test_peto_peto_two_groups(d):
    m = d.g != "c"
    assert bs.logrank(d.time[m], d.event[m], d.g[m], rho=1).chisq == pytest.approx(3.513329188613568, abs=1e-10)


def test_rmst_matches_survfit_rmean_and_survrm2(d):
    r = bs.rmst(d.time, d.event, 10, group=d.g)
    np.testing.assert_allclose(r.rmst, [6.477000119474313, 5.215410235323886, 3.39961904762], atol=1e-11)
    np.testing.assert_allclose(r.se, [0.500586299493220, 0.498440999753887, 0.425890600242], atol=1e-11)
    # survRM2 rmst2 definitions, b vs a
    assert (r.diff[0], r.diff_lower[0], r.diff_upper[0], r.diff_p[0]) == pytest.approx(
        (-1.261589884150426, -2.646148831088367, 0.122969062787514, 0.074116981724263), abs=EXACT)
    assert (r.ratio[0], r.ratio_lower[0], r.ratio_upper[0], r.ratio_p[0]) == pytest.approx(
        (0.805220030742748, 0.632838443855048, 1.024557379857699, 0.077971497396009), abs=EXACT)


def test_rmst_tau_beyond_follow_up_is_refused(d):
    # the largest follow-up times are 22.5, 19.5 and 14.5 (group c)
    with pytest.raises(StatsError, match=r"beyond the follow-up of group 'c'.*tau <= 14.5"):
        bs.rmst(d.time, d.event, 15, group=d.g)
    with pytest.raises(StatsError, match="tau must be a positive"):
        bs.rmst(d.time, d.event, -1)


@pytest.mark.parametrize("w", [-1.0, np.nan, np.inf])
def test_bad_weights_are_refused(d, w):
    weights = np.ones(len(d))
    weights[3] = w
    with pytest.raises(StatsError, match="weights"):
        bs.kaplan_meier(d.time, d.event, weights=weights)


def test_bad_rho_and_conf_type_are_refused(d):
    with pytest.raises(StatsError, match="rho must be"):
        bs.logrank(d.time, d.event, d.g, rho=-1)
    with pytest.raises(StatsError, match="conf_type must be"):
        bs.kaplan_meier(d.time, d.event, conf_type="arcsin")


@pytest.mark.parametrize(("ties", "coef", "se", "loglik", "score", "wald"), [
    ("efron", [0.089598485482387, -0.012406974148792], [0.102579511458956, 0.191119309775902],
     [-363.476937867953438, -363.097174266179934], 0.764062202042333, 0.763512805060159),
    ("breslow", [0.087955659045616, -0.018384908418811], [0.102671518933214, 0.191205519372490],
     [-368.420848412901819, -368.055970290797632], 0.734418955806545, 0.733915575774941),
])
def test_stratified_cox_matches_coxph(data_dir, ties, coef, se, loglik, score, wald):
    # coxph(Surv(time, event) ~ x1 + x2 + strata(g), ties = ties); data parity_survival_cox.csv
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    fit = bs.cox_stratified(c.time, c.event, c[["x1", "x2"]], c.g, ties=ties)
    np.testing.assert_allclose(fit.coef, coef, atol=1e-9)  # Newton converged to 1e-12 in loglik
    np.testing.assert_allclose(fit.se, se, atol=1e-9)
    assert (fit.loglik_null, fit.loglik) == pytest.approx(loglik, abs=1e-9)
    assert (fit.score, fit.wald) == pytest.approx((score, wald), abs=1e-9)
    # not the unstratified fit: the strata matter here
    assert abs(bs.cox(c.time, c.event, c[["x1", "x2"]], ties=ties).coef[0] - fit.coef[0]) > 0.01


def test_stratum_with_one_subject_is_refused(data_dir):
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    g = c.g.to_numpy().copy()
    g[0] = "lonely"
    with pytest.raises(StatsError, match=r"strata \['lonely'\] have a single subject"):
        bs.cox_stratified(c.time, c.event, c[["x1"]], g)


@pytest.mark.parametrize(("transform", "chisq"), [
    ("km", [0.757357010677564, 1.149564491399616, 1.633617031770980]),
    ("identity", [2.259834617201293, 1.566820346301651, 3.091695568318527]),
    ("rank", [0.665655969612511, 1.055741864110962, 1.489758563025085]),
    ("log", [0.398830314355199, 1.133803532616911, 1.361229808817276]),
])
def test_ph_test_transforms_match_cox_zph(data_dir, transform, chisq):
    # cox.zph(coxph(Surv(time, event) ~ x1 + x2), transform = transform)$table[, "chisq"]; the Cox
    # fit converges to ~1e-12 in loglik, so the statistics agree to ~1e-10
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    r = bs.ph_test(c.time, c.event, c[["x1", "x2"]], transform=transform)
    np.testing.assert_allclose([*r.chisq, r.global_chisq], chisq, atol=1e-9)
    assert r.transform == transform


def test_ph_test_unknown_transform_is_refused(data_dir):
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    with pytest.raises(StatsError, match="transform must be one of"):
        bs.ph_test(c.time, c.event, c[["x1"]], transform="sqrt")


# concordance(coxph(~ x1), coxph(~ x2), timewt = tw[, ymax = 10]); coef(x1) > 0 and coef(x2) < 0,
# so R's linear predictors rank like x1 and -x2
CONC = [
    ("harrell", None, [0.544901475180360, 0.520566383116184], [0.001011511281626, -0.000115440731749, 0.000701042567398]),
    ("harrell", 10, [0.543426338074042, 0.521387471501466], [0.001017401058191, -0.000117486736600, 0.000713124387504]),
    ("uno", None, [0.551374520642943, 0.515937153292809], [0.000939443637950, -0.000135491287338, 0.000612095854448]),
    ("uno", 10, [0.545332807704632, 0.519009722352660], [0.000945778013778, -0.000132467695722, 0.000643659232964]),
]


@pytest.mark.parametrize(("method", "tau", "c", "var"), CONC)
def test_concordance_tau_and_paired_comparison_match_survival(data_dir, method, tau, c, var):
    d = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    one = bs.concordance(d.time, d.event, d.x1, method=method, tau=tau)
    assert one.c == pytest.approx(c[0], abs=EXACT)
    assert one.se == pytest.approx(np.sqrt(var[0]), abs=EXACT)
    r = bs.concordance_compare(d.time, d.event, d.x1, -d.x2, method=method, tau=tau)
    assert (r.c_a, r.c_b) == pytest.approx(c, abs=EXACT)
    np.testing.assert_allclose(r.vcov.ravel(), [var[0], var[1], var[1], var[2]], atol=1e-14)
    assert r.se == pytest.approx(np.sqrt(var[0] + var[2] - 2 * var[1]), abs=EXACT)


def test_concordance_tau_beyond_follow_up_is_refused(data_dir):
    d = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    with pytest.raises(StatsError, match="beyond the last follow-up time 22.5"):
        bs.concordance(d.time, d.event, d.x1, tau=30)


@pytest.mark.parametrize(("ties", "robust", "naive", "clustered", "rscore"), [
    ("efron", [0.097325343915613, 0.179930312632568], [0.092044491936822, 0.187164943016308],
     [0.099035591935883, 0.182452467477676], 3.565432229100946),
    ("breslow", [0.093606776769756, 0.173156875478730], [0.092457357248675, 0.187268242166774],
     [0.095312529474601, 0.175647726228320], 3.700360261774283),
])
def test_robust_and_clustered_se_match_coxph(data_dir, ties, robust, naive, clustered, rscore):
    # coxph(Surv(time, event) ~ x1 + x2, robust = TRUE) and coxph(..., cluster = id), id = rep(1:75, each = 2)
    d = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    r = bs.cox_robust(d.time, d.event, d[["x1", "x2"]], ties=ties)
    np.testing.assert_allclose(r.se, robust, atol=1e-9)  # Newton converges to ~1e-12 in loglik
    np.testing.assert_allclose(r.naive_se, naive, atol=1e-9)
    c = bs.cox_robust(d.time, d.event, d[["x1", "x2"]], ties=ties, cluster=np.repeat(np.arange(75), 2))
    np.testing.assert_allclose(c.se, clustered, atol=1e-9)
    assert c.robust_score == pytest.approx(rscore, abs=1e-9)
    assert c.n_clusters == 75 and r.n_clusters == 150


# cmprsk 2.2.11: timepoints(cuminc(time, status, g), c(2, 5, 10)); data parity_competing.csv
CIF = {
    1: ([[0.14, 0.287263082437276, 0.497028264208909], [0.16, 0.393557692307692, 0.625244496457490],
         [0.30, 0.423333333333333, 0.603682539682540]],
        [[0.002461630637531733, 0.00438513822008397, 0.00685166110180772],
         [0.002736462615633449, 0.00511181723628083, 0.00569800993614869],
         [0.004266498748187913, 0.00497693606654783, 0.00589157774455334]]),
    2: ([[0.04, 0.111241577060932, 0.174423860727087], [0.10, 0.14, 0.192167889676113],
         [0.22, 0.302222222222222, 0.364952380952381]],
        [[0.000783999722337915, 0.00230219466856015, 0.00394678436525641],
         [0.001836085884889558, 0.00245517362807991, 0.00351853859204152],
         [0.003467762679885781, 0.00428508566755320, 0.00584822632228255]]),
}


@pytest.mark.parametrize("cause", [1, 2])
def test_cumulative_incidence_matches_cuminc(data_dir, cause):
    c = pd.read_csv(data_dir / "R" / "parity_competing.csv")
    r = bs.cumulative_incidence(c.time, c.status, group=c.g, cause=cause)
    assert r.groups == ("a", "b", "c")
    at = r.at([2, 5, 10])
    est, var = CIF[cause]
    np.testing.assert_allclose(at["estimate"], est, atol=EXACT)
    np.testing.assert_allclose(at["variance"], var, atol=1e-15)
    assert np.all((at["lower"] < at["estimate"]) & (at["estimate"] < at["upper"]))


def test_competing_status_not_0_1_2_is_refused(data_dir):
    c = pd.read_csv(data_dir / "R" / "parity_competing.csv")
    status = c.status.to_numpy().copy()
    status[4] = 3
    with pytest.raises(StatsError, match=r"coded 0 \(censored\), 1 \(event of interest\), 2 .*found value\(s\) \[3.0\]"):
        bs.cumulative_incidence(c.time, status)


@pytest.mark.parametrize(("ties", "coef", "pen", "se", "pen0"), [
    ("breslow", [5.402724004226, -0.271081375920], -58.110250262485, [1.562444933280, 0.208107096009], -86.576886980584),
    ("efron", [5.481150214834, -0.288976705532], -57.405190283343, [1.562212772459, 0.208334148129], -86.505238781450),
])
def test_firth_cox_matches_hand_written_r(data_dir, ties, coef, pen, se, pen0):
    # tests/data/R/parity_firth.R: l(b) + 0.5 log det I(b) from survival 3.5.3's coxph(init = b,
    # iter.max = 0), maximised by optim. Both sides are numerical optimisers of the same flat
    # objective: the penalised log-likelihoods agree to 1e-12, the coefficients to ~3e-7, so 1e-5.
    d = pd.read_csv(data_dir / "R" / "parity_firth.csv")
    with pytest.raises(bs.MonotoneLikelihoodError):
        bs.cox(d.time, d.event, d[["x", "z"]])  # the ordinary fit diverges (R: coef 22.1 and rising)
    r = bs.cox_firth(d.time, d.event, d[["x", "z"]], ties=ties)
    np.testing.assert_allclose(r.coef, coef, atol=1e-5)
    np.testing.assert_allclose(r.se, se, atol=1e-5)
    assert r.loglik_penalised == pytest.approx(pen, abs=1e-9)
    assert r.loglik_penalised_null == pytest.approx(pen0, abs=1e-9)


# tests/data/R/parity_firth.R, second part: profile penalised-likelihood limits (uniroot, tol 1e-12) and the
# per-coefficient penalised likelihood-ratio tests, as coxphf(pl = TRUE) defines them (Heinze & Schemper 2001).
# The profile is a maximum over the other coefficients, insensitive to small errors in the maximiser, and the
# roots are found to 1e-12 on both sides: limits and PLR agree to ~5e-13, tested to 1e-6 (the stated tolerance).
FIRTH_PROFILE = {
    "breslow": ([3.270820483026, -0.673231063183], [10.286151901392, 0.143101877531],
                [56.623698729318, 1.669247901872], [5.277199386876e-14, 1.963593020854e-01]),
    "efron": ([3.348743575923, -0.691224314261], [10.362664977276, 0.126190118397],
              [57.883524887367, 1.886154827447], [2.781066259519e-14, 1.696362572256e-01]),
}


@pytest.mark.parametrize("ties", sorted(FIRTH_PROFILE))
def test_firth_profile_limits_and_plr_match_hand_written_r(data_dir, ties):
    d = pd.read_csv(data_dir / "R" / "parity_firth.csv")
    lo, hi, plr, plr_p = FIRTH_PROFILE[ties]
    r = bs.cox_firth(d.time, d.event, d[["x", "z"]], ties=ties)
    assert r.ci_method == "profile"
    np.testing.assert_allclose(r.coef_ci_low, lo, atol=1e-6)
    np.testing.assert_allclose(r.coef_ci_high, hi, atol=1e-6)
    np.testing.assert_allclose(np.log(r.hr_ci_low), lo, atol=1e-6)
    np.testing.assert_allclose(r.plr, plr, atol=1e-6)
    np.testing.assert_allclose(r.plr_p, plr_p, rtol=1e-5)
    w = bs.cox_firth(d.time, d.event, d[["x", "z"]], ties=ties, ci_method="wald")
    # the Wald interval of x is symmetric and far from the profile one (the check would see a mix-up)
    np.testing.assert_allclose(w.coef_ci_high - w.coef, w.coef - w.coef_ci_low, rtol=1e-12)
    assert abs(w.coef_ci_high[0] - hi[0]) > 1.0
    np.testing.assert_allclose(w.plr, plr, atol=1e-6)


def test_firth_profile_three_and_one_covariates_match_hand_written_r(data_dir):
    # parity_firth.R, third and fourth parts (Breslow): u = round(cos(row number), 2); the R side maximises
    # over two coefficients by optim (reltol 1e-15) and finds roots to 1e-10: agreement ~6e-13, tested 1e-6
    d = pd.read_csv(data_dir / "R" / "parity_firth.csv")
    d["u"] = np.round(np.cos(np.arange(1, len(d) + 1)), 2)
    r = bs.cox_firth(d.time, d.event, d[["x", "z", "u"]])
    assert r.loglik_penalised == pytest.approx(-56.260243079009, abs=1e-9)
    np.testing.assert_allclose(r.coef_ci_low, [3.403261155756, -0.703236002278, -0.241035802663], atol=1e-6)
    np.testing.assert_allclose(r.coef_ci_high, [10.489085449532, 0.147702394639, 1.132466132196], atol=1e-6)
    np.testing.assert_allclose(r.plr, [57.872213773828, 1.695488424920, 1.581606575983], atol=1e-6)
    one = bs.cox_firth(d.time, d.event, d[["x"]])
    assert one.coef[0] == pytest.approx(5.272486177056, abs=1e-5)
    np.testing.assert_allclose([one.coef_ci_low[0], one.coef_ci_high[0], one.plr[0]],
                               [3.175232079966, 10.145579128570, 55.198235538965], atol=1e-6)


def test_firth_bad_ci_method(data_dir):
    d = pd.read_csv(data_dir / "R" / "parity_firth.csv")
    with pytest.raises(StatsError, match="ci_method must be 'profile' or 'wald'"):
        bs.cox_firth(d.time, d.event, d[["x"]], ci_method="score")


@pytest.mark.parametrize(("ties", "coef", "naive", "robust", "loglik"), [
    ("efron", [0.143584260288899, -0.075691719939977], [0.080494533651921, 0.166754290907083],
     [0.103423191457347, 0.185627532903416], -651.960554201407604),
    ("breslow", [0.141104634586397, -0.075989592773154], [0.080894463307730, 0.166865862605617],
     [0.099477142916101, 0.179100543396869], -657.978922061296544),
])
def test_weighted_cox_matches_coxph(data_dir, ties, coef, naive, robust, loglik):
    # coxph(Surv(time, event) ~ x1 + x2, weights = w, ties = ties): $naive.var and $var (robust,
    # R's default for non-integer weights); w from parity_survival.csv (same rows)
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    w = pd.read_csv(data_dir / "R" / "parity_survival.csv").w
    r = bs.cox_weighted(c.time, c.event, c[["x1", "x2"]], w, ties=ties)
    np.testing.assert_allclose(r.coef, coef, atol=1e-9)
    np.testing.assert_allclose(r.naive_se, naive, atol=1e-9)
    np.testing.assert_allclose(r.se, robust, atol=1e-9)
    from biomark.stats.cox_weighted import _WeightedCoxData
    data = _WeightedCoxData(c.time.to_numpy(float), c.event.to_numpy(), c[["x1", "x2"]].to_numpy(float),
                            ties == "efron", w.to_numpy(float))
    assert data.evaluate(r.coef)["loglik"] == pytest.approx(loglik, abs=1e-9)
    # unit weights give the unweighted robust fit exactly
    one = bs.cox_weighted(c.time, c.event, c[["x1", "x2"]], np.ones(len(c)), ties=ties)
    np.testing.assert_allclose(one.se, bs.cox_robust(c.time, c.event, c[["x1", "x2"]], ties=ties).se, atol=1e-14)


@pytest.mark.parametrize("bad", [-1.0, 0.0, np.nan, np.inf])
def test_cox_weights_not_positive_finite_are_refused(data_dir, bad):
    c = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    w = np.ones(len(c))
    w[2] = bad
    with pytest.raises(StatsError, match="weights"):
        bs.cox_weighted(c.time, c.event, c[["x1"]], w)


@pytest.mark.parametrize(("ties", "coef", "se", "loglik"), [
    ("breslow", [0.067468079946538, -0.083929724699696], [0.110022686440616, 0.220799503739806],
     [-380.027386036183998, -379.793833017288591]),
    ("efron", [0.069608662401982, -0.083924117876916], [0.109897919936582, 0.220772927358126],
     [-378.296339906665196, -378.051297978738376]),
])
def test_fine_gray_matches_finegray_coxph(data_dir, ties, coef, se, loglik):
    # fg <- finegray(Surv(time, status) ~ ., etype = "event"); coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2,
    # weights = fgwt, data = fg, ties = ties): coef, sqrt(diag(naive.var)), loglik
    cov = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    cr = pd.read_csv(data_dir / "R" / "parity_competing.csv")
    r = bs.fine_gray(cr.time, cr.status, cov[["x1", "x2"]], ties=ties)
    np.testing.assert_allclose(r.coef, coef, atol=1e-9)
    np.testing.assert_allclose(r.se, se, atol=1e-9)
    assert (r.loglik_null, r.loglik) == pytest.approx(loglik, abs=1e-9)
    # not the cause-specific Cox model: treating competing events as censored gives another answer
    cs = bs.cox(cr.time, (cr.status == 1).astype(int), cov[["x1", "x2"]], ties=ties)
    assert abs(cs.coef[0] - r.coef[0]) > 1e-3


@pytest.mark.parametrize(("method", "c", "var", "counts"), [
    ("harrell", 0.508874748827863, 0.001173534512974, (1519, 1466, 1)),
    ("uno", 0.524668406736222, 0.001170691333219, (1829.084430489294846, 1657.040784216309930, 1)),
])
def test_stratified_concordance_matches_survival(data_dir, method, c, var, counts):
    # concordance(Surv(time, event) ~ x1 + strata(g), reverse = TRUE, timewt = "n" / "n/G2")
    d = pd.read_csv(data_dir / "R" / "parity_survival_cox.csv")
    r = bs.concordance_stratified(d.time, d.event, d.x1, d.g, method=method)
    assert r.c == pytest.approx(c, abs=EXACT)
    assert r.se**2 == pytest.approx(var, abs=1e-15)
    assert (r.concordant, r.discordant, r.tied_risk) == pytest.approx(counts, abs=1e-9)
    assert abs(bs.concordance(d.time, d.event, d.x1, method=method).c - r.c) > 1e-3  # strata matter here
