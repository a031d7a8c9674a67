"""Sample size by simulation, beside the analytic minimum of Riley et al. (2020).

:func:`power` simulates ``reps`` cohorts for every sample size with :func:`simulate` and, on each,
runs the checks a validation of the panel's *fixed* literature score must pass:

* the panel score: mean over the markers with a direction of ``sign_j * z_j``, each marker first put
  on its expression scale by :meth:`biomark.cohort.Cohort.levels` (qPCR: −ΔCt against the spike-in
  or the mean of the reference markers; counts: log2 CPM; intensity: log2), missing values replaced
  by the marker's median, then z-scored (the spec's ``signed_z`` rule; nothing is fitted, so there
  is no optimism to correct);
* binary: the DeLong 95 % CI of the AUC of that score (direction fixed by the spec,
  :func:`biomark.stats.roc_auc` with ``direction="<"``) lies above 0.5;
* survival: the Cox model of the score gives p < ``alpha`` with a hazard ratio > 1 (the score is
  signed so that higher means the spec's risk direction);
* change: a paired t-test on the score's post − pre difference gives p < ``alpha`` with a positive
  mean; dose: Spearman's rho of score and dose gives p < ``alpha`` and rho > 0;
* directions: every marker with a direction moves the way the spec says (observed sign only: mean
  difference of cases minus controls; sign of the Cox partial-likelihood score at beta = 0, which
  is the sign of the univariate Cox estimate; mean change; covariance with dose);
* all: every check above at once.

Each probability comes with its Monte-Carlo standard error ``sqrt(p (1 - p) / reps)``.

Reproducibility: the seed of replicate ``r`` at sample size number ``i`` is child ``i * reps + r`` of
``numpy.random.SeedSequence(seed).spawn(len(n) * reps)``, so results are identical for every
``n_jobs`` and for a dask cluster (joblib's dask backend).

The analytic comparison (binary endpoints) is Riley et al. 2020 (BMJ 368:m441; Riley et al. 2019
Stat Med 38:1276), the criteria of ``pmsampsize``: see :func:`riley_binary_sample_size`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config
from scipy import special
from scipy import stats as sps

from biomark.cohort import Cohort
from biomark.errors import BiomarkError, InputError
from biomark.panel.catalog import load_panel
from biomark.panel.schema import Panel
from biomark.stats import cox, roc_auc
from biomark.stats._result import Result
from biomark.synthetic.simulate import SimulationError, Truth, simulate

GOALS = {
    "binary": ("auc_ci_above_half", "directions_consistent", "all"),
    "survival": ("cox_significant", "directions_consistent", "all"),
    "change": ("change_significant", "directions_consistent", "all"),
    "dose": ("trend_significant", "directions_consistent", "all"),
}


# ----------------------------------------------------------------------------------------------
# Riley et al. 2020: minimum sample size for a binary-outcome prediction model


@dataclass(frozen=True)
class RileySampleSize(Result):
    """Minimum sample size for developing a binary-outcome model (Riley et al. 2020, pmsampsize)."""

    auc: float
    prevalence: float
    parameters: int
    r2_cs: float  # anticipated Cox-Snell R², from the AUC (see r2_cs_from_auc)
    max_r2_cs: float
    nagelkerke_r2: float
    shrinkage_target: float
    n_shrinkage: int  # criterion 1: expected uniform shrinkage >= target
    shrinkage_for_optimism: float
    n_optimism: int  # criterion 2: optimism in Nagelkerke R² <= delta
    n_intercept: int  # criterion 3: overall risk within ± margin
    n_min: int
    events: float
    events_per_parameter: float
    binding: str  # which criterion gives n_min
    formula: str


def r2_cs_from_auc(auc: float, prevalence: float, *, nodes: int = 120) -> float:
    """Cox–Snell R² implied by a C statistic, as Riley, Van Calster & Collins (2021) approximate it.

    Their approach (Stat Med 40:859; the ``cstatistic`` option of pmsampsize >= 1.1.0) assumes the
    linear predictor is normal with unit variance in events and non-events, means ``0`` and
    ``mu = sqrt(2) * Phi^-1(C)``, simulates a million patients and fits a logistic regression. In that
    model the logistic regression is exactly right, ``logit P(y=1 | LP) = log(phi/(1-phi)) - mu^2/2 +
    mu LP``, so the large-sample limit is computed here without simulation:

        l_full = phi E_1[log pi(LP)] + (1-phi) E_0[log(1 - pi(LP))]   (Gauss–Hermite quadrature)
        l_null = phi log phi + (1-phi) log(1-phi)
        R²_CS  = 1 - exp(-2 (l_full - l_null))        (= 1 - exp(-LR/n))

    pmsampsize's simulated value differs from this by Monte-Carlo error only (about 1e-3).
    """
    if not (0.5 <= auc < 1.0):
        raise SimulationError(f"auc: {auc} must lie in [0.5, 1) to anticipate an R²")
    if not (0.0 < prevalence < 1.0):
        raise SimulationError(f"prevalence: {prevalence} must lie strictly between 0 and 1")
    mu = math.sqrt(2.0) * float(special.ndtri(auc))
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    a = math.log(prevalence / (1 - prevalence)) - mu * mu / 2.0

    def log_pi(lp: np.ndarray) -> np.ndarray:  # log sigmoid, stable
        return -np.logaddexp(0.0, -(a + mu * lp))

    def log_1mpi(lp: np.ndarray) -> np.ndarray:
        return -np.logaddexp(0.0, a + mu * lp)

    l_full = prevalence * float(w @ log_pi(mu + x)) + (1 - prevalence) * float(w @ log_1mpi(x))
    l_null = prevalence * math.log(prevalence) + (1 - prevalence) * math.log(1 - prevalence)
    return float(-math.expm1(-2.0 * (l_full - l_null)))


def riley_binary_sample_size(
    auc: float,
    prevalence: float,
    parameters: int,
    *,
    shrinkage: float = 0.9,
    delta: float = 0.05,
    margin: float = 0.05,
    r2_cs: float | None = None,
) -> RileySampleSize:
    """Minimum n for a binary-outcome prediction model: the three criteria of Riley et al. 2020.

    With anticipated Cox–Snell ``R = R²_CS`` (from ``auc`` by :func:`r2_cs_from_auc` unless given),
    ``p`` candidate parameters, prevalence ``phi`` and ``max R²_CS = 1 - (phi^phi (1-phi)^(1-phi))^2``:

    1. shrinkage ``S >= 0.9``: ``n1 = p / ((S - 1) ln(1 - R/S))``;
    2. optimism in Nagelkerke's R² ``<= delta``: ``S2 = R / (R + delta max R²_CS)``,
       ``n2 = p / ((S2 - 1) ln(1 - R/S2))``;
    3. overall risk within ``± margin`` (95 %): ``n3 = (1.96 / margin)^2 phi (1 - phi)``.

    Each is rounded up; ``n_min = max(n1, n2, n3)`` (as ``pmsampsize(type = "b")``).
    """
    if parameters < 1:
        raise SimulationError(f"parameters: {parameters}; a model has at least one parameter")
    r2 = r2_cs_from_auc(auc, prevalence) if r2_cs is None else float(r2_cs)
    phi = prevalence
    l_null = phi * math.log(phi) + (1 - phi) * math.log(1 - phi)
    max_r2 = -math.expm1(2.0 * l_null)
    if not (1e-9 < r2 < max_r2):
        raise SimulationError(
            f"the anticipated R²_CS ({r2:.4g}) must lie in (0, {max_r2:.4g}) for prevalence {phi}; "
            "an AUC of 0.5 gives no information"
        )
    if shrinkage <= r2:
        raise SimulationError(f"shrinkage: {shrinkage} must exceed the anticipated R²_CS {r2:.4g}")

    def n_for(s: float) -> int:
        return int(math.ceil(parameters / ((s - 1.0) * math.log(1.0 - r2 / s))))

    n1 = n_for(shrinkage)
    s2 = r2 / (r2 + delta * max_r2)
    n2 = n_for(s2)
    n3 = int(math.ceil((1.96 / margin) ** 2 * phi * (1 - phi)))
    n_min = max(n1, n2, n3)
    if n_min == n1:
        binding = "shrinkage"
    elif n_min == n2:
        binding = "optimism"
    else:
        binding = "intercept"
    return RileySampleSize(
        auc=float(auc), prevalence=float(phi), parameters=int(parameters), r2_cs=r2, max_r2_cs=max_r2,
        nagelkerke_r2=r2 / max_r2, shrinkage_target=shrinkage, n_shrinkage=n1, shrinkage_for_optimism=s2,
        n_optimism=n2, n_intercept=n3, n_min=n_min, events=n_min * phi,
        events_per_parameter=n_min * phi / parameters, binding=binding,
        formula=(
            "R2cs from AUC: Riley, Van Calster & Collins 2021 normal linear-predictor model (exact "
            "large-sample limit); n1 = p/((S-1)ln(1-R2cs/S)), S=0.9; n2 = same with "
            "S=R2cs/(R2cs+0.05*maxR2cs); n3 = (1.96/0.05)^2 phi(1-phi); n = max (Riley et al. 2020, "
            "BMJ 368:m441; pmsampsize)"
        ),
    )


# ----------------------------------------------------------------------------------------------
# one replicate


def analysis_values(cohort: Cohort, truth: Truth, panel: Panel) -> dict[str, np.ndarray]:
    """Every panel marker on its expression scale (:meth:`Cohort.levels`: −ΔCt, log2 CPM, log2
    intensity), NaN where missing."""
    lv = cohort.levels(panel, markers=[m for m in panel.marker_ids if m in cohort.expression.columns])
    return {mk: lv[mk].to_numpy(dtype=float) for mk in lv.columns}


def panel_score(values: Mapping[str, np.ndarray], signs: Mapping[str, int]) -> np.ndarray:
    """``signed_z`` score: mean over markers with a sign of ``sign * z`` (median-imputed, SD ddof=1)."""
    cols = []
    for mk, s in signs.items():
        if s == 0 or mk not in values:
            continue
        v = np.asarray(values[mk], dtype=float).copy()
        bad = ~np.isfinite(v)
        if bad.all():
            continue
        if bad.any():
            v[bad] = np.median(v[~bad])
        sd = v.std(ddof=1)
        cols.append(s * (v - v.mean()) / sd if sd > 0 else np.zeros_like(v))
    if not cols:
        raise SimulationError("the panel has no marker with a direction for this endpoint; nothing to score")
    return np.mean(cols, axis=0)


def cox_score_sign(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> int:
    """Sign of the Cox partial-likelihood score at beta = 0 (Breslow risk sets).

    The log partial likelihood is concave, so the sign of its derivative at 0 is the sign of the
    maximum-likelihood estimate: ``U = sum_events (x_i - mean of x over {j: t_j >= t_i})``.
    """
    order = np.argsort(-time, kind="stable")
    t, e, xv = time[order], event[order], x[order]
    csum = np.cumsum(xv)
    cnt = np.arange(1, t.size + 1)
    # the risk set of position i includes every later position with the same time (ties)
    last = np.searchsorted(-t, -t, side="right") - 1
    mean_risk = csum[last] / cnt[last]
    u = float(np.sum((xv - mean_risk)[e == 1]))
    return 0 if u == 0 else (1 if u > 0 else -1)


def _cox_p_coef(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    res = cox(time, event, {"score": x})
    return float(np.asarray(res.coef).ravel()[0]), float(np.asarray(res.p).ravel()[0])


def evaluate_replicate(
    cohort: Cohort, truth: Truth, panel: Panel, *, alpha: float = 0.05, ci: float = 0.95
) -> dict[str, Any]:
    """The goal checks of one simulated cohort: ``{goal: bool, ..., "estimate": float}``."""
    ep = panel.endpoint(truth.endpoint)
    signs = panel.signs(ep.id)
    vals = analysis_values(cohort, truth, panel)
    score = panel_score(vals, signs)
    clin = cohort.clinical
    directed = [mk for mk, s in signs.items() if s != 0]
    out: dict[str, Any] = {}
    if ep.kind == "binary":
        y = (clin[ep.id].to_numpy() == ep.positive_class).astype(int)
        r = roc_auc(y, score, direction="<", ci=ci)
        out["auc_ci_above_half"] = bool(r.ci_low > 0.5)
        out["estimate"] = float(r.auc)
        obs = {}
        for mk in directed:
            v = vals[mk]
            ok = np.isfinite(v)
            obs[mk] = np.sign(v[ok & (y == 1)].mean() - v[ok & (y == 0)].mean())
    elif ep.kind == "survival":
        time = clin[truth.columns["time"]].to_numpy(float)
        event = clin[truth.columns["event"]].to_numpy(int)
        if event.sum() == 0:
            out["cox_significant"] = False
            out["estimate"] = float("nan")
        else:
            coef, p = _cox_p_coef(time, event, score)
            out["cox_significant"] = bool(p < alpha and coef > 0)
            out["estimate"] = coef
        obs = {}
        for mk in directed:
            v = vals[mk].copy()
            bad = ~np.isfinite(v)
            if bad.any():
                v[bad] = np.median(v[~bad])
            obs[mk] = cox_score_sign(time, event, v)
    elif ep.kind == "change":
        d = score[1::2] - score[0::2]
        t = sps.ttest_1samp(d, 0.0)
        out["change_significant"] = bool(t.pvalue < alpha and d.mean() > 0)
        out["estimate"] = float(d.mean())
        obs = {mk: np.sign(np.nanmean(vals[mk][1::2] - vals[mk][0::2])) for mk in directed}
    else:
        dose = clin[ep.id].to_numpy(float)
        rho = sps.spearmanr(score, dose)
        out["trend_significant"] = bool(rho.pvalue < alpha and rho.statistic > 0)
        out["estimate"] = float(rho.statistic)
        obs = {}
        for mk in directed:
            v = vals[mk]
            ok = np.isfinite(v)
            obs[mk] = np.sign(np.cov(v[ok], dose[ok])[0, 1])
    out["directions_consistent"] = bool(all(obs[mk] == signs[mk] for mk in directed))
    primary = GOALS[ep.kind][0]
    out["all"] = bool(out[primary] and out["directions_consistent"])
    return out


def _run_chunk(panel: Panel, n: int, seeds: list[np.random.SeedSequence], kwargs: dict[str, Any],
               alpha: float) -> list[dict[str, Any]]:
    rows = []
    for ss in seeds:
        cohort, truth = simulate(panel, n, seed=ss, **kwargs)
        try:
            rows.append(evaluate_replicate(cohort, truth, panel, alpha=alpha))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:  # e.g. a degenerate fit
            rows.append({"error": f"{type(err).__name__}: {err}"})
    return rows


# ----------------------------------------------------------------------------------------------
# power


@dataclass(frozen=True)
class PowerRow(Result):
    """Simulated probabilities of reaching each goal at one sample size."""

    n: int
    reps: int
    probability: dict[str, float]
    mc_se: dict[str, float]
    mean_estimate: float  # mean AUC / Cox coefficient / mean change / Spearman rho of the score
    failures: int  # replicates whose analysis failed (counted as not reaching any goal)


@dataclass(frozen=True)
class PowerResult(Result):
    """Result of :func:`power`; ``to_dict()`` gives JSON-ready data."""

    panel_id: str
    endpoint: str
    endpoint_kind: str
    effect: Any
    reps: int
    seed: int
    alpha: float
    goals: tuple[str, ...]
    rows: tuple[PowerRow, ...]
    true_value: dict[str, Any]  # true AUC of the score (binary) / true log-HRs (survival) ...
    riley: RileySampleSize | None
    riley_note: str
    settings: dict[str, Any] = field(default_factory=dict)

    def row(self, n: int) -> PowerRow:
        for r in self.rows:
            if r.n == n:
                return r
        raise InputError(f"n = {n} was not simulated; the simulated sizes are {[r.n for r in self.rows]}")

    def smallest_n(self, goal: str = "all", target: float = 0.8) -> int | None:
        """The smallest simulated n whose probability of ``goal`` reaches ``target`` (or None)."""
        for r in sorted(self.rows, key=lambda r: r.n):
            if r.probability[goal] >= target:
                return r.n
        return None


def _parse_ns(n: int | Sequence[int]) -> list[int]:
    ns = [n] if isinstance(n, (int, np.integer)) else list(n)
    if not ns:
        raise SimulationError("n: give at least one sample size")
    out = []
    for v in ns:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 4:
            raise SimulationError(f"n: {v!r} is not a usable sample size; give integers of at least 4")
        out.append(int(v))
    if len(set(out)) != len(out):
        raise SimulationError(f"n: {out} repeats a sample size")
    return out


def power(
    panel: Panel | str,
    n: int | Sequence[int] = (50, 100, 200),
    *,
    effect: float | Mapping[str, float] = 0.5,
    reps: int = 200,
    seed: int = 0,
    endpoint: str | None = None,
    alpha: float = 0.05,
    n_jobs: int = 1,
    scheduler: Any = None,
    chunk_size: int | None = None,
    **simulate_kwargs: Any,
) -> PowerResult:
    """Probability, by simulation, that a validation of ``panel`` reaches its goals at each ``n``.

    Parameters
    ----------
    panel
        Panel, catalog id or spec path.
    n
        Sample sizes (patients).
    effect, endpoint, **simulate_kwargs
        Passed to :func:`biomark.synthetic.simulate` (e.g. ``prevalence``, ``correlation``,
        ``against_spec``, ``censoring``).
    reps
        Replicates per sample size.
    seed
        Root seed; replicate seeds are spawned from ``SeedSequence(seed)``.
    alpha
        Significance level of the Cox / change / trend tests (the AUC CI is 1 - alpha).
    n_jobs
        joblib workers (results do not depend on it).
    scheduler
        A dask.distributed scheduler address (``"tcp://host:8786"``) or ``Client``: run through
        joblib's dask backend.

    Returns
    -------
    PowerResult
        One :class:`PowerRow` per ``n`` with probabilities and Monte-Carlo SEs, the true value of
        the simulated effect, and (binary endpoints) the Riley et al. 2020 minimum sample size.

    Examples
    --------
    >>> res = power("npc_circmyc_radioresistance", [30], reps=4, seed=1, effect=0.8)
    >>> res.goals, res.row(30).reps
    (('auc_ci_above_half', 'directions_consistent', 'all'), 4)
    """
    panel = load_panel(panel)
    ns = _parse_ns(n)
    _check_power_args(reps, alpha, seed)
    kwargs = dict(simulate_kwargs, effect=effect, endpoint=endpoint)
    # one small simulation for the truth and to surface argument errors before any parallel work
    _, truth0 = simulate(panel, max(ns), seed=int(seed), **kwargs)
    if not any(truth0.spec_sign[mk] for mk in truth0.markers):
        raise SimulationError(
            f"panel '{panel.id}' has no marker with a direction for endpoint '{truth0.endpoint}'; "
            "there is nothing to validate"
        )
    kwargs["endpoint"] = truth0.endpoint
    tasks = _tasks(ns, int(reps), int(seed), chunk_size)
    results = _execute(panel, tasks, kwargs, alpha, n_jobs, scheduler)
    per_n: list[list[dict[str, Any]]] = [[] for _ in ns]
    for (i, _, _), rows in zip(tasks, results, strict=True):
        per_n[i].extend(rows)
    goals = GOALS[truth0.endpoint_kind]
    true_value, riley, note = _true_value(truth0)
    return PowerResult(
        panel_id=panel.id, endpoint=truth0.endpoint, endpoint_kind=truth0.endpoint_kind,
        effect=dict(effect) if isinstance(effect, Mapping) else float(effect), reps=int(reps),
        seed=int(seed), alpha=float(alpha), goals=goals,
        rows=tuple(_power_row(nn, rows, goals, reps) for nn, rows in zip(ns, per_n, strict=True)),
        true_value=true_value, riley=riley, riley_note=note, settings=dict(simulate_kwargs),
    )


def _check_power_args(reps: Any, alpha: float, seed: Any) -> None:
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise SimulationError(f"reps: {reps!r}; give a positive integer number of replicates")
    if not (0.0 < alpha < 1.0):
        raise SimulationError(f"alpha: {alpha} must lie strictly between 0 and 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SimulationError(f"seed: {seed!r}; give a non-negative integer")


def _tasks(ns: list[int], reps: int, seed: int,
           chunk_size: int | None) -> list[tuple[int, int, list[np.random.SeedSequence]]]:
    """``(index of n, n, replicate seeds)`` chunks; replicate ``r`` at ``ns[i]`` gets child
    ``i * reps + r`` of ``SeedSequence(seed)``, whatever the chunking."""
    children = np.random.SeedSequence(seed).spawn(len(ns) * reps)
    size = chunk_size or max(1, min(25, math.ceil(reps / 4)))
    tasks = []
    for i, nn in enumerate(ns):
        block = children[i * reps:(i + 1) * reps]
        for start in range(0, reps, size):
            tasks.append((i, nn, block[start:start + size]))
    return tasks


def _power_row(n: int, rows: list[dict[str, Any]], goals: tuple[str, ...], reps: int) -> PowerRow:
    """Probability of each goal with its Monte-Carlo SE ``sqrt(p (1 - p) / reps)``."""
    prob, se = {}, {}
    for g in goals:
        hits = sum(1 for r in rows if r.get(g, False))
        p = hits / reps
        prob[g] = p
        se[g] = math.sqrt(p * (1 - p) / reps)
    est = [r["estimate"] for r in rows if "estimate" in r and math.isfinite(r["estimate"])]
    return PowerRow(
        n=n, reps=int(reps), probability=prob, mc_se=se,
        mean_estimate=float(np.mean(est)) if est else float("nan"),
        failures=sum(1 for r in rows if "error" in r),
    )


def _true_value(truth0: Truth) -> tuple[dict[str, Any], RileySampleSize | None, str]:
    """The true value of the simulated effect, and Riley's minimum n beside it (binary endpoints)."""
    if truth0.endpoint_kind != "binary":
        true_value = {"log_hr": truth0.true_log_hr, "standardized_change": truth0.true_standardized_change,
                      "slope_per_unit": truth0.true_slope_per_unit}
        true_value = {k: v for k, v in true_value.items() if v is not None}
        return true_value, None, "Riley et al. 2020 criteria are computed for binary endpoints only"
    true_value = {"auc_signed_z": truth0.true_auc_signed_z, "auc_optimal": truth0.true_auc_optimal,
                  "auc_marker": truth0.true_auc_marker}
    auc = float(truth0.true_auc_signed_z or 0.5)
    params = len(truth0.markers) + len(truth0.noise_markers)
    if auc <= 0.5:
        return true_value, None, ("the true AUC of the spec's score is not above 0.5; Riley's criteria "
                                  "need an informative model")
    riley = riley_binary_sample_size(auc, float(truth0.prevalence), params)
    note = (f"minimum n to DEVELOP a model with {params} candidate parameters whose AUC is "
            f"{auc:.3f} (the true AUC of the spec's score here); simulation answers a different "
            "question: validating the fixed literature score")
    return true_value, riley, note


def _execute(panel: Panel, tasks: list, kwargs: dict[str, Any], alpha: float, n_jobs: int,
             scheduler: Any) -> list[list[dict[str, Any]]]:
    calls = [delayed(_run_chunk)(panel, nn, seeds, kwargs, alpha) for _, nn, seeds in tasks]
    if scheduler is None:
        if n_jobs == 1:
            return [_run_chunk(panel, nn, seeds, kwargs, alpha) for _, nn, seeds in tasks]
        return Parallel(n_jobs=n_jobs)(calls)
    client, own = _dask_client(scheduler)
    try:
        with parallel_config(backend="dask"):
            return Parallel(n_jobs=-1)(calls)
    finally:
        if own:
            client.close()


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    try:  # an optional dependency (the 'dask' extra), so imported only when asked for
        from dask.distributed import Client
    except ImportError:
        raise BiomarkError(
            "--scheduler needs dask.distributed; install it with: pip install 'biomark[dask]'"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(str(scheduler), timeout="3s"), True
    except (OSError, TimeoutError) as err:
        raise BiomarkError(
            f"--scheduler {scheduler}: cannot connect to a dask scheduler ({err}); check the address"
        ) from None
