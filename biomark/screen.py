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

import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from biomark.errors import BiomarkError, InputError
from biomark.screen_power import METHOD as POWER_METHOD
from biomark.validation.schema_screen import (
    VERDICTS,
    Claim,
    LedgerConflict,
    MarkerEffect,
    ScreenResult,
    Untestable,
)

__all__ = ["VERDICTS", "Claim", "MarkerEffect", "ScreenResult", "Untestable", "bh_q", "claim_seed",
           "parse_smallest_effect", "read_for_screen", "screen", "union_panel"]
SCREENED_KINDS = ("binary", "survival")
MECHANISTIC = ("mechanistic_in_vitro", "mechanistic_in_vivo")


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


# --- the claim's AUC test (its power: biomark.screen_power) ---------------------------------------


def _auc_p(y: np.ndarray, s: np.ndarray) -> tuple[Any, float]:
    from biomark.stats import roc_auc

    r = roc_auc(y, s, direction="<")
    p = 1.0 if r.se == 0 and r.auc == 0.5 else (0.0 if r.se == 0 else 2 * sps.norm.sf(abs(r.auc - 0.5) / r.se))
    return r, float(p)


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


def _why_not(panel: Any, cancer: str | None, specimen: Sequence[str] | None) -> Untestable | None:
    if cancer and cancer.lower() not in panel.cancer_type.lower():
        return Untestable(panel.id, "cancer filter",
                          f"cancer type '{panel.cancer_type}' does not match --cancer '{cancer}'")
    if specimen and panel.specimen not in specimen:
        return Untestable(panel.id, "specimen filter",
                          f"specimen '{panel.specimen}' is not among --specimen {','.join(specimen)}")
    return None


_ENDPOINT_PRIORITY = ("endpoint not mapped", "no direction", "endpoint kind")


def _plans(panels: Sequence[Any], levels: Any, endpoint_map: Mapping[str, str], time: str | None,
           event: str | None, cancer: str | None, specimen: Sequence[str] | None,
           min_markers: int | None) -> tuple[list[_Plan], list[Untestable]]:
    plans: list[_Plan] = []
    skipped: list[Untestable] = []
    cols = [str(c) for c in levels.columns]
    for panel in panels:
        why = _why_not(panel, cancer, specimen)
        if why:
            skipped.append(why)
            continue
        found = _match(panel, cols)
        need = len(panel.markers) if min_markers is None else min(min_markers, len(panel.markers))
        if not found:
            skipped.append(Untestable(panel.id, "markers", f"none of its {len(panel.markers)} marker(s) is in the cohort"))
            continue
        if len(found) < max(need, 1):
            skipped.append(Untestable(panel.id, "markers", f"{len(found)} of {len(panel.markers)} markers in the "
                                      f"cohort (needs {max(need, 1)}; lower --min-markers to test fewer)"))
            continue
        reasons: list[tuple[str, str]] = []
        for ep in panel.endpoints:
            if ep.kind not in SCREENED_KINDS:
                reasons.append(("endpoint kind", f"{ep.id}: {ep.kind} endpoints are not screened (use validate)"))
                continue
            col = _endpoint_column(ep, endpoint_map, time, event)
            if col is None:
                reasons.append(("endpoint not mapped", f"{ep.id} ({ep.kind}) not mapped: " + (
                    "give --time COL --event COL" if ep.kind == "survival" else f"give --endpoint-map {ep.id}=COLUMN")))
                continue
            signs = {mk: s for mk, s in panel.signs(ep.id).items() if s and mk in found}
            if not signs:
                reasons.append(("no direction", f"{ep.id}: no marker in the cohort has a published direction "
                                                "(conflict or unset)"))
                continue
            plans.append(_Plan(panel, ep, col, {mk: found[mk] for mk in signs}, signs))
        if reasons and not any(p.panel is panel for p in plans):
            cat = next(c for c in _ENDPOINT_PRIORITY if any(r[0] == c for r in reasons))
            skipped.append(Untestable(panel.id, cat, "; ".join(r for _, r in reasons)))
    return plans, skipped


def _inputs(cohort: Any, levels: Any, plan: _Plan) -> dict[str, Any]:
    """The claim's arrays, read in the parent (a worker gets these, not the whole cohort)."""
    if plan.endpoint.kind == "binary":
        o = cohort.outcome(plan.column, positive_class=plan.endpoint.positive_class)
        rows = np.flatnonzero(np.asarray(o.present, dtype=bool))
        out: Any = np.asarray(o.y, dtype=float)
    else:
        t, e = plan.column.split(",")
        s = cohort.survival(t, e, endpoint_id=plan.endpoint.id, competing=getattr(plan.endpoint, "competing", None))
        rows = np.flatnonzero(np.asarray(s.present, dtype=bool))
        out = (np.asarray(s.time, dtype=float), np.asarray(s.event, dtype=float))
    values = {mk: levels[col].to_numpy(dtype=float)[rows] for mk, col in plan.columns.items()}
    return {"values": values, "outcome": out}


def _signed(v: np.ndarray, sign: int) -> np.ndarray:
    return sign * np.where(np.isfinite(v), v, np.nanmedian(v))


def _hr_per_sd(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float]:
    """HR per SD of ``x`` (Cox, Wald CI) and its p: ``(hr, low, high, p)``."""
    from biomark.stats import cox

    z = (x - x.mean()) / x.std(ddof=1)
    fit = cox(time, event, {"x": z})
    return float(np.exp(fit.coef[0])), float(fit.hr_ci_low[0]), float(fit.hr_ci_high[0]), float(fit.p[0])


def _marker_effect(plan: _Plan, mk: str, est: float, lo: float, hi: float, log: bool) -> MarkerEffect:
    f = (lambda x: float(np.log(x)) if x > 0 else float("nan")) if log else (lambda x: x - 0.5)
    return MarkerEffect(mk, plan.columns[mk], est, lo, hi, f(est), f(lo), f(hi))


def _test(plan: _Plan, data: Mapping[str, Any], smallest: Mapping[str, float], alpha: float, reps: int,
          seed: int) -> dict[str, Any]:
    from biomark.screen_power import claim_power
    from biomark.stats import concordance
    from biomark.synthetic.power import panel_score

    rng = np.random.default_rng(claim_seed(seed, plan.panel.id, plan.endpoint.id))
    values, out = data["values"], data["outcome"]
    score = panel_score(values, plan.signs)
    checks: dict[str, bool] = {}
    effects: list[MarkerEffect] = []
    if plan.endpoint.kind == "binary":
        y = out
        r, p = _auc_p(y, score)
        for mk, v in values.items():
            rm = _auc_p(y, _signed(v, plan.signs[mk]))[0]
            checks[mk] = bool(rm.auc > 0.5)
            effects.append(_marker_effect(plan, mk, float(rm.auc), float(rm.ci_low), float(rm.ci_high), log=False))
        n_pos = int(y.sum())
        est, lo, hi = float(r.auc), float(r.ci_low), float(r.ci_high)
        return dict(n=int(y.size), n_cases=n_pos, statistic="auc", estimate=est, ci_low=lo, ci_high=hi,
                    effect=est - 0.5, effect_low=lo - 0.5, effect_high=hi - 0.5, concordance=None, p=p,
                    right_direction=bool(r.auc > 0.5), marker_checks=checks, marker_effects=tuple(effects),
                    power=claim_power(plan.endpoint, plan.signs, values, n=int(y.size), n_cases=n_pos,
                                      smallest=smallest, alpha=alpha, reps=reps, rng=rng).power)
    time, event = out
    hr, lo, hi, p = _hr_per_sd(time, event, score)
    c = concordance(time, event, score)
    for mk, v in values.items():
        vv = _signed(v, plan.signs[mk])
        checks[mk] = bool(concordance(time, event, vv).c > 0.5)
        try:
            effects.append(_marker_effect(plan, mk, *_hr_per_sd(time, event, vv)[:3], log=True))
        except (BiomarkError, ValueError, ArithmeticError):  # a constant marker: no HR of its own
            effects.append(_marker_effect(plan, mk, float("nan"), float("nan"), float("nan"), log=True))
    return dict(n=int(time.size), n_cases=int(event.sum()), statistic="hr_per_sd", estimate=hr, ci_low=lo,
                ci_high=hi, effect=float(np.log(hr)), effect_low=float(np.log(lo)), effect_high=float(np.log(hi)),
                concordance=float(c.c), p=p, right_direction=bool(hr > 1), marker_checks=checks,
                marker_effects=tuple(effects),
                power=claim_power(plan.endpoint, plan.signs, values, n=int(time.size), n_cases=int(event.sum()),
                                  smallest=smallest, alpha=alpha, reps=reps, rng=rng).power)


def _verdict(right: bool, q: float, power: float, alpha: float) -> str:
    if q < alpha:
        return "replicated" if right else "contradicted"
    return "not replicated" if power >= 0.8 else "inconclusive"


_HINTS = {"markers": "lower --min-markers, or name probe ids with --annotation",
          "endpoint not mapped": "map endpoints with --endpoint-map ID=COLUMN or --time/--event",
          "outcome column": "name the column's labels with --positive/--negative",
          "cancer filter": "widen --cancer", "specimen filter": "widen --specimen"}
_STRENGTH = ("patient_cohort", "patient_serum_or_plasma", "mechanistic_in_vivo", "mechanistic_in_vitro")


def _claim(plan: _Plan, res: dict[str, Any], q: float, alpha: float, specimen: Sequence[str] | None,
           seed: int) -> Claim:
    panel = plan.panel
    levels = tuple(dict.fromkeys(ev.level for ev in panel.evidence))
    carrying = [ev for ev in panel.evidence if not ev.markers or set(ev.markers) & set(plan.signs)] or panel.evidence
    direction_levels = tuple(dict.fromkeys(ev.level for ev in carrying))
    match = "not stated (give --specimen)" if not specimen else (
        "match" if panel.specimen in specimen else "mismatch")
    ss = claim_seed(seed, panel.id, plan.endpoint.id)
    return Claim(panel_id=panel.id, endpoint=plan.endpoint.id, kind=plan.endpoint.kind, column=plan.column,
                 markers=tuple(plan.columns), coverage=f"{len(plan.columns)}/{len(panel.markers)}", q=float(q),
                 verdict=_verdict(res["right_direction"], q, res["power"], alpha),
                 evidence_levels=levels, direction_levels=direction_levels,
                 evidence=min(direction_levels, key=lambda lv: _STRENGTH.index(lv) if lv in _STRENGTH else 9),
                 mechanistic_only=all(lv in MECHANISTIC for lv in direction_levels),
                 cell_line_only=all(lv == "mechanistic_in_vitro" for lv in direction_levels),
                 specimen=panel.specimen, compartment=panel.compartment, specimen_match=match,
                 cancer_type=panel.cancer_type,
                 sentence=" ".join(carrying[0].sentence.split()), seed=int(ss.generate_state(1)[0]), **res)


def _conflicts(panels: Sequence[Any], claims: Sequence[Claim]) -> tuple[LedgerConflict, ...]:
    """The ledger's contradictions (across the catalog and the specs screened) for the markers of the tested claims."""
    from biomark.panel.catalog import list_panels
    from biomark.panel.ledger import contradictions, ledger

    every = {p.id: p for p in [*list_panels(), *panels]}.values()  # the catalog and the user's specs
    held: dict[str, list[str]] = {}
    for c in claims:
        for mk in c.markers:
            held.setdefault(mk, []).append(f"{c.panel_id}/{c.endpoint}")
    return tuple(LedgerConflict(k.marker, k.axis, k.up, k.down, tuple(held[k.marker]))
                 for k in contradictions(ledger(every)) if k.marker in held)


def screen(cohort: Any, *, panels: Sequence[Any] | None = None, endpoint_map: Mapping[str, str] | None = None,
           time: str | None = None, event: str | None = None, cancer: str | None = None,
           specimen: Sequence[str] | None = None, min_markers: int | None = None, alpha: float = 0.05,
           smallest_effect: str | Mapping[str, float] | None = None, power_reps: int = 200, seed: int = 0,
           n_jobs: int = 1, scheduler: Any = None, plan: Any = None) -> ScreenResult:
    """Test every claim of ``panels`` (default: the catalog) that ``cohort`` can test, as published.

    ``endpoint_map`` maps endpoint ids or kinds (``binary``) to clinical columns; ``time`` and ``event``
    name the survival columns (every survival endpoint is tested with them). See the module docstring
    for the statistics and the verdicts. The claims run through :func:`biomark.validation.parallel.pmap`
    in :func:`~biomark.validation.parallel.backend` (loky, or dask when ``scheduler`` is an address or a
    ``Client``: as validate's bootstraps), one seed per claim, so the result does not depend on
    ``n_jobs`` or the backend. When no claim is testable the result has no claims, every panel in
    ``untestable`` and a warning. ``plan`` (a ``biomark plan`` file, dict or :class:`biomark.plan.Plan`):
    the specs (default: the plan's) and every planned setting must match it, else
    :class:`~biomark.errors.InputError`; ``settings["plan"]`` then records it. Raises
    :class:`~biomark.errors.InputError` when a mapped column is not in the clinical table.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from biomark.cohort import Cohort
    >>> from biomark.panel.catalog import load_panel
    >>> rng = np.random.default_rng(0); y = np.r_[np.ones(60), np.zeros(60)]
    >>> x = pd.DataFrame({"LC3B": rng.normal(size=120) + 0.8 * y})
    >>> resp = pd.DataFrame({"resp": np.where(y == 1, "oxaliplatin_resistant", "sensitive")})
    >>> res = screen(Cohort(x, resp), panels=[load_panel("hcc_lc3_oxaliplatin")],
    ...              endpoint_map={"binary": "resp"}, power_reps=20)
    >>> [(c.panel_id, c.verdict) for c in res.claims]
    [('hcc_lc3_oxaliplatin', 'replicated')]
    """
    from biomark.panel.catalog import list_panels
    from biomark.validation.parallel import backend, pmap

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
    args, ready = [], []
    for pl in plans:
        data = _safe(_inputs, cohort, levels, pl)
        if isinstance(data, str):
            skipped.append(Untestable(pl.panel.id, "outcome column", f"{pl.endpoint.id}: {data}"))
        else:
            ready.append(pl)
            args.append((pl, data, smallest, alpha, power_reps, seed))
    workers = -1 if scheduler is not None and n_jobs == 1 else n_jobs  # a cluster: use it
    with backend(scheduler):
        results = pmap(_safe_test, args, n_jobs=workers)
    ok = [(pl, r) for pl, r in zip(ready, results, strict=True) if isinstance(r, dict)]
    skipped += [Untestable(pl.panel.id, "not computable", f"{pl.endpoint.id}: {r}")
                for pl, r in zip(ready, results, strict=True) if isinstance(r, str)]
    q = bh_q([r["p"] for _, r in ok])
    claims = sorted((_claim(pl, r, qi, alpha, specimen, seed) for (pl, r), qi in zip(ok, q, strict=True)),
                    key=lambda c: (c.q, c.panel_id, c.endpoint))
    warnings_: list[str] = []
    if not claims:
        cats = Counter(u.category for u in skipped)
        todo = [hint for cat, hint in _HINTS.items() if cat in cats]
        warnings_.append(f"no catalog claim is testable in this cohort ({len(panels)} panel(s) looked at; "
                         + ", ".join(f"{cat}: {n}" for cat, n in sorted(cats.items()))
                         + (f"); to test more: {'; '.join(todo)}" if todo else ")"))
    settings = {"alpha": alpha, "smallest_effect": smallest, "power_reps": power_reps, "seed": seed,
                "min_markers": min_markers, "cancer": cancer, "specimen": list(specimen or []),
                "endpoint_map": endpoint_map, "time": time, "event": event, "rule": "signed_z (fixed, not fitted)",
                "power_note": "power of the claim's own test at level alpha (before BH): an upper bound",
                "power_method": POWER_METHOD, "n_panels": len(panels)}
    if prereg is not None:
        settings["plan"] = prereg
    return ScreenResult(tuple(claims), tuple(sorted(skipped, key=lambda u: (u.panel_id, u.reason))), settings,
                        _conflicts(panels, claims), tuple(warnings_))


def _safe(fn: Any, *args: Any) -> Any:
    """``fn(*args)``, or the one-line reason it could not be computed."""
    try:
        return fn(*args)
    except BiomarkError as err:
        return str(err).splitlines()[0]
    except (ValueError, ArithmeticError) as err:  # stats refusing degenerate data (too few cases, ...)
        return f"not computable: {err}"


def _safe_test(plan: _Plan, data: Mapping[str, Any], smallest: Mapping[str, float], alpha: float, reps: int,
               seed: int) -> dict[str, Any] | str:
    """The claim's test, or the one-line reason it could not be computed."""
    return _safe(_test, plan, data, smallest, alpha, reps, seed)


def union_panel(panels: Sequence[Any] | None = None) -> Any:
    """One panel object holding every marker of ``panels`` (default: the catalog), unvalidated, with no assay.

    For reading a probe-level file through an annotation (``read_any(..., annotation=, panel=)`` looks up
    the panel's marker names): the screen needs every marker any panel might test. Only the reader uses it.
    """
    from biomark.panel.catalog import list_panels

    panels = list(panels) if panels is not None else list_panels()
    seen: dict[str, Any] = {}
    for p in panels:
        for m in p.markers:
            seen.setdefault(m.id, m)
    base = panels[0]
    return base.model_construct(**{**dict(base), "id": "screen_markers", "markers": list(seen.values()),
                                   "reference_markers": [], "assay": None})


def read_for_screen(expression: Any, clinical: Any = None, panels: Sequence[Any] | None = None,
                    **kw: Any) -> Any:
    """:func:`biomark.io.public.read_any` for a screen: with an annotation (``annotation=`` or
    ``annotation_column=``) the probes are looked up for every marker of ``panels`` (:func:`union_panel`);
    a file on which the annotation names none of them is read as it is (every panel is then untestable
    for its markers, which the screen reports) instead of stopping."""
    from biomark.io.public import read_any

    if not (kw.get("annotation") or kw.get("annotation_column")):
        return read_any(expression, clinical, **kw)
    union = union_panel(panels)
    try:
        return read_any(expression, clinical, panel=union, **kw)
    except InputError as err:
        if f"markers of panel '{union.id}'" not in str(err):
            raise
    return read_any(expression, clinical, **kw)


def _check_columns(cohort: Any, columns: Sequence[str]) -> None:
    clin = cohort.clinical
    have = [] if clin is None else [str(c) for c in clin.columns]
    for col in columns:
        if col not in have:
            raise InputError(f"clinical column '{col}' (from --endpoint-map / --time / --event) is not in the "
                             f"clinical file; its columns are: {', '.join(have[:20]) or '(no clinical file)'}")
