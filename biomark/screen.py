"""Screen the literature: every catalog claim a cohort can test, tested as published, with a verdict.

For each panel whose markers the cohort holds (all, or at least ``min_markers``) and whose endpoint the
user mapped to a clinical column, the panel's fixed literature rule (``signed_z``: the mean of the
cohort-standardised markers, each signed by its published direction; nothing is fitted, so there is no
optimism) is tested:

* binary endpoint: AUC in the literature's direction (higher score = ``positive_class``) with DeLong's
  SE and Wald CI (``biomark.stats.roc_auc``, as ``pROC::ci.auc(method = "delong")``), two-sided p from
  the DeLong z against 0.5;
* survival endpoint: Cox HR per SD of the score (Wald p, ``biomark.stats.cox``, as
  ``survival::coxph``) and Harrell's C (``biomark.stats.concordance``).

Benjamini-Hochberg q values are taken across all claims tested. Verdict per claim: *replicated* (right
direction, q < alpha), *contradicted* (wrong direction, q < alpha), *not replicated* (power >= 80 % to
detect the smallest effect of interest at this cohort's n and prevalence / event fraction, and not
replicated), *inconclusive* (less power than that). Power is simulated from the claim's spec with
:mod:`biomark.synthetic` (the markers, their published directions, the cohort's marker correlation,
calibrated so the score reaches the smallest effect; the cohort's n and cases or censoring) and the
claim's own test at the per-claim level ``alpha``: see :mod:`biomark.screen_power` (BH is not applied
inside the simulation, so the power is an upper bound for the screen's decision rule). Each claim has its
own seed, spawned from ``seed`` and the claim's name, so results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from biomark.errors import BiomarkError, InputError
from biomark.screen_power import METHOD as POWER_METHOD

VERDICTS = ("replicated", "contradicted", "not replicated", "inconclusive")
SCREENED_KINDS = ("binary", "survival")
MECHANISTIC = ("mechanistic_in_vitro", "mechanistic_in_vivo")


@dataclass(frozen=True)
class Claim:
    """One tested claim: a panel's published direction for one endpoint, in this cohort."""

    panel_id: str
    endpoint: str
    kind: str
    column: str
    markers: tuple[str, ...]
    coverage: str  # "2/3"
    n: int
    n_cases: int  # binary: positives; survival: events
    statistic: str  # "auc" or "hr_per_sd"
    estimate: float
    ci_low: float
    ci_high: float
    concordance: float | None
    p: float
    q: float
    right_direction: bool
    power: float
    verdict: str
    marker_checks: dict[str, bool]
    evidence_levels: tuple[str, ...]
    mechanistic_only: bool
    specimen: str
    specimen_match: str
    cancer_type: str
    sentence: str


@dataclass(frozen=True)
class ScreenResult:
    """Claims tested (ranked by q), panels not testable with a reason, and the settings."""

    claims: tuple[Claim, ...]
    untestable: tuple[tuple[str, str], ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"claims": [asdict(c) for c in self.claims],
                "untestable": [{"panel_id": p, "reason": r} for p, r in self.untestable],
                "settings": self.settings,
                "counts": {v: sum(c.verdict == v for c in self.claims) for v in VERDICTS}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=True) + "\n"

    def summary(self) -> str:
        counts = self.to_dict()["counts"]
        head = (f"screen: {len(self.claims)} claim(s) tested, {len(self.untestable)} panel(s) untestable; "
                + ", ".join(f"{k} {v}" for k, v in counts.items()))
        rows = [f"  {c.verdict:15s} {c.panel_id} [{c.endpoint}] {c.statistic}={c.estimate:.3f} q={c.q:.3g} "
                f"power={c.power:.2f}" + (" (mechanistic evidence only)" if c.mechanistic_only else "")
                for c in self.claims]
        return "\n".join([head, *rows])


def bh_q(p: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p values, as R's ``p.adjust(p, method = "BH")``."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def claim_seed(seed: int, panel_id: str, endpoint: str) -> np.random.SeedSequence:
    """The claim's own seed: from the root seed and the claim's name (independent of order and workers)."""
    return np.random.SeedSequence([int(seed), zlib.crc32(f"{panel_id}/{endpoint}".encode())])


def parse_smallest_effect(text: str | Mapping[str, float] | None) -> dict[str, float]:
    """``"auc=0.65,hr=1.5"`` -> ``{"auc": 0.65, "hr": 1.5}`` (defaults for what is not named)."""
    out = {"auc": 0.65, "hr": 1.5}
    if text is None:
        return out
    items = text.items() if isinstance(text, Mapping) else (
        tuple(part.split("=", 1)) if "=" in part else (part, "") for part in str(text).split(",") if part.strip())
    for k, v in items:
        k = str(k).strip().lower()
        try:
            val = float(v)
        except (TypeError, ValueError):
            val = float("nan")
        if k not in out or not np.isfinite(val):
            raise InputError(f"--smallest-effect '{text}': write auc=A,hr=H with numbers, e.g. auc=0.65,hr=1.5")
        if (k == "auc" and not 0.5 < val < 1) or (k == "hr" and not val > 1):
            raise InputError(f"--smallest-effect {k}={v}: auc must be in (0.5, 1) and hr above 1")
        out[k] = val
    return out


# --- power by simulation ------------------------------------------------------------------------


def _auc_p(y: np.ndarray, s: np.ndarray) -> tuple[Any, float]:
    from biomark.stats import roc_auc

    r = roc_auc(y, s, direction="<")
    p = 1.0 if r.se == 0 and r.auc == 0.5 else (0.0 if r.se == 0 else 2 * sps.norm.sf(abs(r.auc - 0.5) / r.se))
    return r, float(p)


def power_binary(n_pos: int, n_neg: int, auc: float, *, alpha: float, reps: int,
                 rng: np.random.Generator) -> float:
    """Probability that the AUC test is significant in the right direction when the true AUC is ``auc``."""
    d = np.sqrt(2.0) * sps.norm.ppf(auc)  # binormal, equal variances: AUC = Phi(d / sqrt 2)
    y = np.r_[np.ones(n_pos), np.zeros(n_neg)]
    hits = 0
    for _ in range(reps):
        s = np.r_[rng.normal(d, 1.0, n_pos), rng.normal(0.0, 1.0, n_neg)]
        r, p = _auc_p(y, s)
        hits += bool(r.auc > 0.5 and p < alpha)
    return hits / reps


def power_survival(n: int, event_fraction: float, hr: float, *, alpha: float, reps: int,
                   rng: np.random.Generator) -> float:
    """Probability that the Cox test is significant in the right direction when the true HR per SD is ``hr``."""
    from biomark.synthetic.power import _cox_p_coef

    f = min(max(event_fraction, 0.02), 1.0)
    rate_c = (1.0 - f) / f  # exponential censoring: P(event) = 1 / (1 + rate_c) at beta = 0
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=n)
        t = rng.exponential(1.0 / np.exp(np.log(hr) * x))
        c = rng.exponential(1.0 / rate_c, n) if rate_c > 0 else np.full(n, np.inf)
        event = (t <= c).astype(float)
        if event.sum() < 2:
            continue
        try:
            coef, p = _cox_p_coef(np.minimum(t, c), event, x)
        except Exception:  # noqa: BLE001 - a degenerate replicate counts as not significant
            continue
        hits += bool(coef > 0 and p < alpha)
    return hits / reps




# --- selecting and testing the claims ------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    panel: Any
    endpoint: Any
    column: str
    columns: dict[str, str]  # marker id -> cohort column
    signs: dict[str, int]


def _levels(cohort: Any) -> Any:
    try:
        return cohort.levels(None)
    except BiomarkError:
        return cohort.expression


def _match(panel: Any, columns: Sequence[str]) -> dict[str, str]:
    from biomark.panel.names import panel_targets, resolve_markers

    try:
        m = resolve_markers(columns, panel_targets(panel), source="expression")
    except BiomarkError:
        return {}
    return {mid: col for col, mid in m.columns.items()}


def _endpoint_column(ep: Any, endpoint_map: Mapping[str, str], time: str | None, event: str | None) -> str | None:
    if ep.kind == "survival":
        return f"{time},{event}" if time and event else None
    return endpoint_map.get(ep.id) or endpoint_map.get(ep.kind)


def _why_not(panel: Any, cancer: str | None, specimen: Sequence[str] | None) -> str | None:
    if cancer and cancer.lower() not in panel.cancer_type.lower():
        return f"cancer type '{panel.cancer_type}' does not match --cancer '{cancer}'"
    if specimen and panel.specimen not in specimen:
        return f"specimen '{panel.specimen}' is not among --specimen {','.join(specimen)}"
    return None


def _plans(panels: Sequence[Any], levels: Any, endpoint_map: Mapping[str, str], time: str | None,
           event: str | None, cancer: str | None, specimen: Sequence[str] | None,
           min_markers: int | None) -> tuple[list[_Plan], list[tuple[str, str]]]:
    plans: list[_Plan] = []
    skipped: list[tuple[str, str]] = []
    cols = [str(c) for c in levels.columns]
    for panel in panels:
        why = _why_not(panel, cancer, specimen)
        if why:
            skipped.append((panel.id, why))
            continue
        found = _match(panel, cols)
        need = len(panel.markers) if min_markers is None else min(min_markers, len(panel.markers))
        if not found:
            skipped.append((panel.id, f"none of its {len(panel.markers)} marker(s) is in the cohort"))
            continue
        if len(found) < max(need, 1):
            skipped.append((panel.id, f"markers: {len(found)} of {len(panel.markers)} in the cohort "
                                      f"(needs {max(need, 1)}; lower --min-markers to test fewer)"))
            continue
        reasons = []
        for ep in panel.endpoints:
            if ep.kind not in SCREENED_KINDS:
                reasons.append(f"{ep.id}: {ep.kind} endpoints are not screened")
                continue
            col = _endpoint_column(ep, endpoint_map, time, event)
            if col is None:
                reasons.append(f"{ep.id} ({ep.kind}) not mapped: " + (
                    "give --time COL --event COL" if ep.kind == "survival" else f"give --endpoint-map {ep.id}=COLUMN"))
                continue
            signs = {mk: s for mk, s in panel.signs(ep.id).items() if s and mk in found}
            if not signs:
                reasons.append(f"{ep.id}: no marker in the cohort has a published direction (conflict or unset)")
                continue
            plans.append(_Plan(panel, ep, col, {mk: found[mk] for mk in signs}, signs))
        if reasons and not any(p.panel is panel for p in plans):
            skipped.append((panel.id, "; ".join(reasons)))
    return plans, skipped


def _score(levels: Any, plan: _Plan, rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from biomark.synthetic.power import panel_score

    values = {mk: levels[col].to_numpy(dtype=float)[rows] for mk, col in plan.columns.items()}
    return panel_score(values, plan.signs), values


def _outcome(cohort: Any, plan: _Plan) -> tuple[np.ndarray, Any]:
    """Rows of the cohort with the outcome, and the outcome (y, or (time, event))."""
    if plan.endpoint.kind == "binary":
        o = cohort.outcome(plan.column, positive_class=plan.endpoint.positive_class)
        return np.flatnonzero(np.asarray(o.present, dtype=bool)), np.asarray(o.y, dtype=float)
    t, e = plan.column.split(",")
    s = cohort.survival(t, e, endpoint_id=plan.endpoint.id)
    return np.flatnonzero(np.asarray(s.present, dtype=bool)), (np.asarray(s.time, dtype=float),
                                                              np.asarray(s.event, dtype=float))


def _test(cohort: Any, levels: Any, plan: _Plan, smallest: Mapping[str, float], alpha: float, reps: int,
          seed: int) -> dict[str, Any]:
    from biomark.screen_power import claim_power
    from biomark.stats import concordance, cox

    rng = np.random.default_rng(claim_seed(seed, plan.panel.id, plan.endpoint.id))
    rows, out = _outcome(cohort, plan)
    score, values = _score(levels, plan, rows)
    checks: dict[str, bool] = {}
    if plan.endpoint.kind == "binary":
        y = out
        r, p = _auc_p(y, score)
        for mk, v in values.items():
            checks[mk] = bool(_auc_p(y, plan.signs[mk] * np.where(np.isfinite(v), v, np.nanmedian(v)))[0].auc > 0.5)
        n_pos = int(y.sum())
        return dict(n=int(y.size), n_cases=n_pos, statistic="auc", estimate=float(r.auc), ci_low=float(r.ci_low),
                    ci_high=float(r.ci_high), concordance=None, p=p, right_direction=bool(r.auc > 0.5),
                    marker_checks=checks,
                    power=claim_power(plan.endpoint, plan.signs, values, n=int(y.size), n_cases=n_pos,
                                      smallest=smallest, alpha=alpha, reps=reps, rng=rng).power)
    time, event = out
    z = (score - score.mean()) / score.std(ddof=1)
    fit = cox(time, event, {"score": z})
    hr = float(np.exp(fit.coef[0]))
    c = concordance(time, event, score)
    for mk, v in values.items():
        vv = plan.signs[mk] * np.where(np.isfinite(v), v, np.nanmedian(v))
        checks[mk] = bool(concordance(time, event, vv).c > 0.5)
    return dict(n=int(time.size), n_cases=int(event.sum()), statistic="hr_per_sd", estimate=hr,
                ci_low=float(fit.hr_ci_low[0]), ci_high=float(fit.hr_ci_high[0]), concordance=float(c.c),
                p=float(fit.p[0]), right_direction=bool(hr > 1), marker_checks=checks,
                power=claim_power(plan.endpoint, plan.signs, values, n=int(time.size), n_cases=int(event.sum()),
                                  smallest=smallest, alpha=alpha, reps=reps, rng=rng).power)


def _verdict(right: bool, q: float, power: float, alpha: float) -> str:
    if q < alpha:
        return "replicated" if right else "contradicted"
    return "not replicated" if power >= 0.8 else "inconclusive"


def _claim(plan: _Plan, res: dict[str, Any], q: float, alpha: float, specimen: Sequence[str] | None) -> Claim:
    panel = plan.panel
    levels = tuple(dict.fromkeys(ev.level for ev in panel.evidence))
    carrying = [ev for ev in panel.evidence if not ev.markers or set(ev.markers) & set(plan.signs)] or panel.evidence
    match = "not stated (give --specimen)" if not specimen else (
        "match" if panel.specimen in specimen else "mismatch")
    return Claim(panel_id=panel.id, endpoint=plan.endpoint.id, kind=plan.endpoint.kind, column=plan.column,
                 markers=tuple(plan.columns), coverage=f"{len(plan.columns)}/{len(panel.markers)}", q=float(q),
                 verdict=_verdict(res["right_direction"], q, res["power"], alpha),
                 evidence_levels=levels, mechanistic_only=all(lv in MECHANISTIC for lv in levels),
                 specimen=panel.specimen, specimen_match=match, cancer_type=panel.cancer_type,
                 sentence=" ".join(carrying[0].sentence.split()), **res)


def screen(cohort: Any, *, panels: Sequence[Any] | None = None, endpoint_map: Mapping[str, str] | None = None,
           time: str | None = None, event: str | None = None, cancer: str | None = None,
           specimen: Sequence[str] | None = None, min_markers: int | None = None, alpha: float = 0.05,
           smallest_effect: str | Mapping[str, float] | None = None, power_reps: int = 200, seed: int = 0,
           n_jobs: int = 1, plan: Any = None) -> ScreenResult:
    """Test every claim of ``panels`` (default: the catalog) that ``cohort`` can test, as published.

    ``endpoint_map`` maps endpoint ids or kinds (``binary``) to clinical columns; ``time`` and ``event``
    name the survival columns (every survival endpoint is tested with them). See the module docstring
    for the statistics and the verdicts. ``plan`` (a ``biomark plan`` file, dict or
    :class:`biomark.plan.Plan`): the specs (default: the plan's) and every planned setting must match it,
    else :class:`~biomark.errors.InputError`; ``settings["plan"]`` then records it. Raises :class:`~biomark.errors.InputError` when a mapped column
    is not in the clinical table or when no claim is testable.
    """
    from joblib import Parallel, delayed

    from biomark.panel.catalog import list_panels

    endpoint_map = dict(endpoint_map or {})
    prereg = None
    if plan is not None:  # pre-registration (biomark.plan): refuse before any outcome is read
        from biomark.plan import check_screen

        prereg, panels = check_screen(plan, dict(
            endpoint_map=endpoint_map, time=time, event=event, cancer=cancer, specimen=specimen,
            min_markers=min_markers, alpha=alpha, smallest_effect=smallest_effect, power_reps=power_reps,
            seed=seed), panels)
    smallest = parse_smallest_effect(smallest_effect)
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha}: choose a level between 0 and 1, e.g. 0.05")
    _check_columns(cohort, [*endpoint_map.values(), *(c for c in (time, event) if c)])
    panels = list(panels) if panels is not None else list_panels()
    levels = _levels(cohort)
    plans, skipped = _plans(panels, levels, endpoint_map, time, event, cancer, specimen, min_markers)
    results = Parallel(n_jobs=n_jobs)(delayed(_safe_test)(cohort, levels, pl, smallest, alpha, power_reps, seed)
                                      for pl in plans)
    ok = [(pl, r) for pl, r in zip(plans, results, strict=True) if isinstance(r, dict)]
    skipped += [(pl.panel.id, f"{pl.endpoint.id}: {r}") for pl, r in zip(plans, results, strict=True)
                if isinstance(r, str)]
    if not ok:
        why = "; ".join(f"{p}: {r}" for p, r in skipped[:3])
        raise InputError(f"no catalog claim is testable in this cohort ({len(skipped)} panel(s) looked at; "
                         f"{why}{' ...' if len(skipped) > 3 else ''}); map endpoints with --endpoint-map ID=COLUMN "
                         "or --time/--event, or lower --min-markers")
    q = bh_q([r["p"] for _, r in ok])
    claims = sorted((_claim(pl, r, qi, alpha, specimen) for (pl, r), qi in zip(ok, q, strict=True)),
                    key=lambda c: (c.q, c.panel_id, c.endpoint))
    settings = {"alpha": alpha, "smallest_effect": smallest, "power_reps": power_reps, "seed": seed,
                "min_markers": min_markers, "cancer": cancer, "specimen": list(specimen or []),
                "endpoint_map": endpoint_map, "time": time, "event": event, "rule": "signed_z (fixed, not fitted)",
                "power_note": "power of the claim's own test at level alpha (before BH): an upper bound",
                "power_method": POWER_METHOD}
    if prereg is not None:
        settings["plan"] = prereg
    return ScreenResult(tuple(claims), tuple(sorted(skipped)), settings)


def _safe_test(cohort: Any, levels: Any, plan: _Plan, smallest: Mapping[str, float], alpha: float, reps: int,
               seed: int) -> dict[str, Any] | str:
    """The claim's test, or the one-line reason it could not be computed."""
    try:
        return _test(cohort, levels, plan, smallest, alpha, reps, seed)
    except BiomarkError as err:
        return str(err).splitlines()[0]
    except (ValueError, ArithmeticError) as err:  # stats refusing degenerate data (too few cases, ...)
        return f"not computable: {err}"


def _check_columns(cohort: Any, columns: Sequence[str]) -> None:
    clin = cohort.clinical
    have = [] if clin is None else [str(c) for c in clin.columns]
    for col in columns:
        if col not in have:
            raise InputError(f"clinical column '{col}' (from --endpoint-map / --time / --event) is not in the "
                             f"clinical file; its columns are: {', '.join(have[:20]) or '(no clinical file)'}")
