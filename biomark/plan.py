"""Pre-registration: a plan that fixes the specs and every analysis setting before any outcome is read.

``biomark plan`` writes a plan (schema ``biomark.plan/1``): the content hash of each panel spec
(:meth:`biomark.panel.Panel.content_hash`, SHA-256 of the spec's canonical JSON), every analysis
setting of ``validate`` and ``screen`` (the ones given and the defaults of the rest), the creation
time (UTC, ISO 8601), the biomark version, and ``plan_hash``: SHA-256 of the canonical JSON
(``sort_keys``, no spaces) of everything else in the file. The plan takes no data file: column names
only, so it can be written before the outcomes exist.

``validate(..., plan=)`` and ``screen(..., plan=)`` refuse to run (one :class:`InputError`) when the
plan's hash does not match its content (an edited plan), when a spec's hash changed, or when a
setting differs from the plan's (naming the first, with the planned and the given value); when all
match, the result records :func:`record` (the plan's hash and date) and the report certifies
"analysis as pre-specified in plan <hash>, created <date>". On the command line, options left out
with ``--plan`` take the plan's values (:func:`planned`).

Examples
--------
>>> p = make_plan(["escc_mir339_radiotherapy"], {"bootstrap": 500}, created="2026-01-01T00:00:00Z")
>>> p["settings"]["bootstrap"], p["settings"]["cv"], len(p["plan_hash"])
(500, [5, 10], 64)
>>> check_settings(load_plan(p), {"bootstrap": 500, "seed": 0}, VALIDATE_KEYS)
>>> check_settings(load_plan(p), {"bootstrap": 200}, VALIDATE_KEYS)
Traceback (most recent call last):
...
biomark.errors.InputError: plan: setting 'bootstrap' (--bootstrap) differs from the plan: planned 500, given 200; \
leave out --bootstrap to use the plan's value, or write a new plan with 'biomark plan'
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from biomark.errors import BiomarkError, InputError

SCHEMA = "biomark.plan/1"


def _str(v: Any) -> Any:
    return None if v is None else str(v)


def _strs(v: Any) -> list[str]:
    return [str(x) for x in (v or [])]


def _floats(v: Any) -> list[float] | None:
    return None if v is None else [float(x) for x in v]


def _float_opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _int_opt(v: Any) -> int | None:
    return None if v is None else int(v)


def _cv(v: Any) -> list[int]:
    return [int(v), 1] if isinstance(v, int) else [int(v[0]), int(v[1])]


def _smallest(v: Any) -> dict[str, float]:
    from biomark.screen import parse_smallest_effect

    return parse_smallest_effect(v)


def _emap(v: Any) -> dict[str, str]:
    return {str(k): str(c) for k, c in sorted(dict(v or {}).items())}


#: validate's settings held by a plan, with the function that puts a value in its canonical form
VALIDATE_KEYS: dict[str, Callable[[Any], Any]] = {
    "endpoint": _str, "outcome": _str, "time": _str, "event": _str, "covariates": _strs,
    "clinical_model": _strs, "risk_cutoffs": _floats, "spline": _strs, "method": _str, "penalty": _str,
    "cv": _cv, "bootstrap": int, "bootstrap_method": _str, "permutations": int, "times": _floats,
    "horizons": _floats, "groups": _str, "alpha": float, "ci": float, "seed": int, "harmonise": _str,
    "cluster": _str, "strata": _str, "weights": _str, "rmst_tau": _float_opt,
}
#: screen's settings held by a plan
SCREEN_KEYS: dict[str, Callable[[Any], Any]] = {
    "endpoint_map": _emap, "time": _str, "event": _str, "cancer": _str, "specimen": _strs,
    "min_markers": _int_opt, "alpha": float, "smallest_effect": _smallest, "power_reps": int, "seed": int,
}
ALL_KEYS = {**VALIDATE_KEYS, **SCREEN_KEYS}
#: the command-line option of each setting (for the error line)
OPTIONS = {"cv": "--cv/--repeats", "horizons": "--horizon", "clinical_model": "--clinical-model",
           "covariates": "--covariate", "specimen": "--specimen", "endpoint_map": "--endpoint-map",
           "alpha": "--alpha", "ci": "ci"}


def option_of(key: str) -> str:
    """The option that sets ``key`` (``bootstrap`` -> ``--bootstrap``)."""
    return OPTIONS.get(key, "--" + key.replace("_", "-"))


def defaults() -> dict[str, Any]:
    """Every planned setting at the default of :func:`biomark.validate` / :func:`biomark.screen.screen`."""
    from biomark.screen import screen
    from biomark.validation import validate

    out: dict[str, Any] = {}
    for fn, keys in ((screen, SCREEN_KEYS), (validate, VALIDATE_KEYS)):
        params = inspect.signature(fn).parameters
        for k, norm in keys.items():
            out[k] = norm(params[k].default)
    return out


def canonical_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of ``data`` without its ``plan_hash``."""
    body = {k: v for k, v in data.items() if k != "plan_hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _panel_entry(name: Any) -> dict[str, str]:
    from biomark.panel.catalog import load_panel, panel_ids
    from biomark.panel.schema import Panel

    panel = load_panel(name)
    if isinstance(name, Panel):
        same = panel.id in panel_ids() and load_panel(panel.id).content_hash() == panel.content_hash()
        source = "catalog" if same else "object"
    elif not os.path.exists(str(name)) and str(name) in panel_ids():
        source = "catalog"
    else:
        source = str(Path(name).resolve())
    return {"id": panel.id, "source": source, "content_hash": panel.content_hash()}


def make_plan(panels: Sequence[Any], settings: Mapping[str, Any], *, created: str | None = None) -> dict[str, Any]:
    """The plan of ``panels`` (catalog ids, spec paths or Panels) and ``settings`` (others at their defaults).

    Raises :class:`InputError` for a setting no command has, or one that names a panel twice.
    """
    from biomark import __version__

    unknown = sorted(set(settings) - set(ALL_KEYS))
    if unknown:
        raise InputError(f"plan: no analysis setting is called '{unknown[0]}'; settings are: {', '.join(ALL_KEYS)}")
    entries = [_panel_entry(p) for p in panels]
    ids = [e["id"] for e in entries]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup is not None:
        raise InputError(f"plan: panel '{dup}' is named twice (by --panel and/or --panels); name it once")
    full = defaults()
    full.update({k: ALL_KEYS[k](v) for k, v in settings.items()})
    when = created or datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    data: dict[str, Any] = {"schema": SCHEMA, "created": when, "biomark_version": __version__,
                            "panels": sorted(entries, key=lambda e: e["id"]), "settings": full}
    data["plan_hash"] = canonical_hash(data)
    return data


@dataclass(frozen=True)
class Plan:
    """A plan read and checked (its hash matches its content)."""

    data: dict[str, Any]
    source: str

    @property
    def hash(self) -> str:
        return str(self.data["plan_hash"])

    @property
    def created(self) -> str:
        return str(self.data["created"])

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.data["settings"])

    @property
    def panels(self) -> list[dict[str, str]]:
        return list(self.data["panels"])


def load_plan(plan: Plan | Mapping[str, Any] | str | os.PathLike[str]) -> Plan:
    """Read a plan (a path, its dict, or a :class:`Plan`) and check its schema and ``plan_hash``."""
    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, Mapping):
        data, src = dict(plan), "plan"
    else:
        src = str(plan)
        try:
            data = json.loads(Path(src).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"--plan {src}: no such file; write one with 'biomark plan --out {src}'") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(f"--plan {src}: not a readable plan JSON ({type(err).__name__}); write one with "
                             "'biomark plan'") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("settings"), dict) \
            or not isinstance(data.get("panels"), list) or not isinstance(data.get("plan_hash"), str):
        raise InputError(f"{src}: not a biomark plan (schema {SCHEMA} with panels, settings and plan_hash); "
                         "write one with 'biomark plan'")
    if canonical_hash(data) != data["plan_hash"]:
        raise InputError(f"{src}: plan_hash does not match the plan's content (the file was changed after "
                         "'biomark plan' wrote it); write a new plan with 'biomark plan'")
    return Plan(data, src)


def check_settings(plan: Plan, given: Mapping[str, Any], keys: Mapping[str, Callable[[Any], Any]]) -> None:
    """Refuse the first setting of ``keys`` whose ``given`` value differs from the plan's (in ``keys``' order)."""
    planned = plan.settings
    for k, norm in keys.items():
        if k not in given or k not in planned:
            continue
        try:
            g = norm(given[k])
        except (TypeError, ValueError, IndexError, BiomarkError):
            g = given[k]
        if json.dumps(g, sort_keys=True) != json.dumps(planned[k], sort_keys=True):
            opt = option_of(k)
            raise InputError(f"{plan.source}: setting '{k}' ({opt}) differs from the plan: planned "
                             f"{_show(planned[k])}, given {_show(g)}; leave out {opt} to use the plan's value, "
                             "or write a new plan with 'biomark plan'")


def _show(v: Any) -> str:
    return json.dumps(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else repr(v)


def check_panels(plan: Plan, panels: Sequence[Any], *, every: bool = False) -> None:
    """Each panel must be in the plan with the same content hash (``every``: and no planned panel missing)."""
    planned = {e["id"]: e["content_hash"] for e in plan.panels}
    seen = set()
    for p in panels:
        seen.add(p.id)
        if p.id not in planned:
            raise InputError(f"{plan.source}: panel '{p.id}' is not in the plan (it plans "
                             f"{', '.join(sorted(planned)) or 'no panel'}); write a new plan with 'biomark plan'")
        if p.content_hash() != planned[p.id]:
            raise InputError(f"{plan.source}: the spec of panel '{p.id}' changed since the plan (content hash "
                             f"planned {planned[p.id][:12]}, now {p.content_hash()[:12]}); use the planned spec "
                             "or write a new plan with 'biomark plan'")
    missing = sorted(set(planned) - seen) if every else []
    if missing:
        raise InputError(f"{plan.source}: planned panel '{missing[0]}' is not among the specs given; screen the "
                         "planned specs (leave out --panels to use the plan's) or write a new plan")


def planned_panels(plan: Plan) -> list[Any]:
    """The plan's panels, loaded from their sources (catalog id or spec path) and checked against their hashes."""
    from biomark.panel.catalog import load_panel

    out = []
    for e in plan.panels:
        src = e["id"] if e["source"] in ("catalog", "object") else e["source"]
        try:
            out.append(load_panel(src))
        except BiomarkError as err:
            raise InputError(f"{plan.source}: planned panel '{e['id']}' cannot be loaded from {src}: "
                             f"{str(err).splitlines()[0]}") from None
    check_panels(plan, out)
    return out


def planned(plan: Plan, key: str) -> Any:
    """The plan's value of one setting (what an option left out on the command line takes)."""
    return plan.settings[key]


def record(plan: Plan) -> dict[str, str]:
    """What a result records of the plan it followed, with the report's certification sentence."""
    return {"plan_hash": plan.hash, "created": plan.created, "biomark_version": str(plan.data["biomark_version"]),
            "certification": f"analysis as pre-specified in plan {plan.hash[:12]}, created {plan.created}"}


def check_validate(plan: Any, args: Mapping[str, Any]) -> dict[str, str]:
    """``validate(..., plan=)``: the spec and every planned validate setting must match; the record."""
    from biomark.panel.catalog import load_panel

    p = load_plan(plan)
    check_panels(p, [load_panel(args["panel"])])
    check_settings(p, args, VALIDATE_KEYS)
    return record(p)


def check_screen(plan: Any, kwargs: Mapping[str, Any], panels: Sequence[Any] | None) -> tuple[dict[str, str], list]:
    """``screen(..., plan=)``: the specs (default: the plan's) and every planned screen setting must match."""
    p = load_plan(plan)
    if panels is None:
        panels = planned_panels(p)
    else:
        check_panels(p, panels, every=True)
    check_settings(p, kwargs, SCREEN_KEYS)
    return record(p), list(panels)
