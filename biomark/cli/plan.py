"""``biomark plan``: pre-register the specs and every analysis setting before any outcome is read."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from biomark.atomic import write_text_atomic
from biomark.cli._common import SEED, check_output_path, echo_safe
from biomark.errors import BiomarkError
from biomark.panel.schema import Specimen
from biomark.vocabulary import METHODS, PENALTIES

#: planned setting -> the click parameter(s) of ``biomark validate`` that set it (no entry: not an option there)
VALIDATE_PARAMS: dict[str, tuple[str, ...]] = {
    "endpoint": ("endpoint",), "outcome": ("outcome",), "time": ("time_col",), "event": ("event_col",),
    "covariates": ("covariates",), "clinical_model": ("clinical_model",), "risk_cutoffs": ("risk_cutoffs",),
    "spline": ("spline",), "method": ("method",), "penalty": ("penalty",), "cv": ("folds", "repeats"),
    "bootstrap": ("bootstrap",), "bootstrap_method": ("bootstrap_method",), "permutations": ("permutations",),
    "times": ("times",), "horizons": ("horizon",), "groups": ("groups",), "seed": ("seed",),
    "harmonise": ("harmonise",), "cluster": ("cluster",), "strata": ("strata",), "weights": ("weights",),
    "rmst_tau": ("rmst_tau",), "alpha": (), "ci": (),
}
#: planned setting -> the click parameter(s) of ``biomark screen``
SCREEN_PARAMS: dict[str, tuple[str, ...]] = {
    "endpoint_map": ("endpoint_map",), "time": ("time_col",), "event": ("event_col",), "cancer": ("cancer",),
    "specimen": ("specimens",), "min_markers": ("min_markers",), "alpha": ("alpha",),
    "smallest_effect": ("smallest_effect",), "power_reps": ("power_reps",), "seed": ("seed",),
}


def fill_from_plan(plan: Any, api: dict[str, Any], params: Mapping[str, tuple[str, ...]]) -> None:
    """Options left out on the command line take the plan's values (``api``: the call's keyword arguments)."""
    ctx = click.get_current_context()
    given = {ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT}
    for key, names in params.items():
        if key not in plan.settings or any(ctx.get_parameter_source(n) in given for n in names):
            continue
        v = plan.settings[key]
        api[key] = tuple(v) if key == "cv" else v


def _floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a comma-separated list of numbers", param_hint=option) from None


def _columns(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _panel_files(folder: str | None) -> list[str]:
    if folder is None:
        return []
    d = Path(folder)
    if not d.is_dir():
        raise BiomarkError(f"--panels {folder}: not a directory; name a folder of panel spec YAML files")
    files = sorted(str(f) for f in [*d.glob("*.yaml"), *d.glob("*.yml")])
    if not files:
        raise BiomarkError(f"--panels {folder}: holds no .yaml spec; check with 'biomark panels check FILE'")
    return files


@click.command()
@click.option("--panel", "panel_names", multiple=True,
              help="Catalog id or spec YAML to plan (repeatable) [with neither --panel nor --panels: the whole catalog].")
@click.option("--panels", "panels_dir", type=click.Path(file_okay=False), help="Plan every spec in this folder.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Write the plan JSON here.")
@click.option("--endpoint", help="validate: endpoint id.")
@click.option("--outcome", help="validate: clinical column (name only) of the binary outcome.")
@click.option("--time", "time_col", help="Clinical column (name only) of the survival time.")
@click.option("--event", "event_col", help="Clinical column (name only) of the event indicator.")
@click.option("--covariate", "covariates", multiple=True, help="validate: covariate column (repeatable).")
@click.option("--clinical-model", metavar="COLS", help="validate: clinical model columns, e.g. stage,age.")
@click.option("--risk-cutoffs", metavar="P,P", help="validate: risk cut-offs of the categorical NRI.")
@click.option("--spline", metavar="COLS", help="validate: clinical-model columns as restricted cubic splines.")
@click.option("--method", type=click.Choice([m for m in METHODS if m != "boolean"]), help="validate: scoring method.")
@click.option("--penalty", type=click.Choice([*PENALTIES, "none"]), help="validate: penalty.")
@click.option("--cv", "folds", type=click.IntRange(2, 100), help="validate: cross-validation folds [5].")
@click.option("--repeats", type=click.IntRange(1, 1000), help="validate: cross-validation repeats [10].")
@click.option("--bootstrap", type=click.IntRange(0, 100000), help="validate: bootstrap resamples [200].")
@click.option("--bootstrap-method", type=click.Choice(["optimism", ".632+"]), help="validate [optimism].")
@click.option("--permutations", type=click.IntRange(0, 100000), help="validate: label permutations [200].")
@click.option("--times", help="validate: times of the time-dependent AUC.")
@click.option("--groups", metavar="RULE", help="validate: Kaplan-Meier groups (tertiles, median, cut-offs ...).")
@click.option("--horizon", metavar="T1,T2,...", help="validate: horizons of risk at the horizon.")
@click.option("--harmonise", type=click.Choice(["none", "standardise", "combat"]), help="validate [none].")
@click.option("--cluster", help="validate: clinical column of centres (internal-external CV).")
@click.option("--strata", metavar="COL", help="validate: strata column.")
@click.option("--weights", metavar="COL", help="validate: case-weight column.")
@click.option("--rmst-tau", "rmst_tau", type=float, metavar="T", help="validate: RMST horizon.")
@click.option("--endpoint-map", "endpoint_map", multiple=True, metavar="KIND_OR_ID=COLUMN", help="screen (repeatable).")
@click.option("--cancer", help="screen: cancer-type filter.")
@click.option("--specimen", "specimens", type=click.Choice(list(Specimen.__args__)), multiple=True,
              help="screen: specimen filter (repeatable).")
@click.option("--min-markers", type=click.IntRange(1, 1000), help="screen: least markers held.")
@click.option("--smallest-effect", help="screen: smallest effect of interest [auc=0.65,hr=1.5].")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="screen: FDR of the BH q values; validate: level of the direction test [0.05].")
@click.option("--power-reps", type=click.IntRange(20, 100000), help="screen: simulated cohorts per claim [200].")
@click.option("--seed", type=SEED, help="Root seed [0].")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def plan(panel_names, panels_dir, out, endpoint, outcome, time_col, event_col, covariates, clinical_model, risk_cutoffs,
         spline, method, penalty, folds, repeats, bootstrap, bootstrap_method, permutations, times, groups, horizon,
         harmonise, cluster, strata, weights, rmst_tau, endpoint_map, cancer, specimens, min_markers, smallest_effect,
         alpha, power_reps, seed, quiet) -> None:
    """Pre-register an analysis: hash the spec(s) and every setting, before any outcome is read.

    Takes no data file (column names only). Given this file as their plan, 'biomark validate' and
    'biomark screen' then refuse other settings or a changed spec, and their reports certify the plan.

    \b
    Example:
      biomark plan --panel escc_mir339_radiotherapy --outcome response --bootstrap 500 --seed 7 --out plan.json
    """
    from biomark.cli.screen import _endpoint_map
    from biomark.plan import defaults, make_plan

    check_output_path(out)
    names = [*panel_names, *_panel_files(panels_dir)]
    if not names:
        from biomark.panel.catalog import panel_ids

        names = panel_ids()
    given: dict[str, Any] = {
        "endpoint": endpoint, "outcome": outcome, "time": time_col, "event": event_col,
        "covariates": list(covariates) or None, "clinical_model": _columns(clinical_model),
        "risk_cutoffs": _floats(risk_cutoffs, "--risk-cutoffs"), "spline": _columns(spline), "method": method,
        "bootstrap": bootstrap, "bootstrap_method": bootstrap_method, "permutations": permutations,
        "times": _floats(times, "--times"), "horizons": _floats(horizon, "--horizon"), "groups": groups,
        "harmonise": harmonise, "cluster": cluster, "strata": strata, "weights": weights, "rmst_tau": rmst_tau,
        "endpoint_map": _endpoint_map(endpoint_map) or None, "cancer": cancer, "specimen": list(specimens) or None,
        "min_markers": min_markers, "smallest_effect": smallest_effect, "alpha": alpha, "power_reps": power_reps,
        "seed": seed}
    settings = {k: v for k, v in given.items() if v is not None}
    if penalty is not None:
        settings["penalty"] = None if penalty == "none" else penalty
    if folds is not None or repeats is not None:
        cv0 = defaults()["cv"]
        settings["cv"] = (folds or cv0[0], repeats or cv0[1])
    data = make_plan(names, settings)
    import json

    write_text_atomic(out, json.dumps(data, indent=2, sort_keys=True) + "\n")
    if not quiet:
        echo_safe(f"plan {data['plan_hash'][:12]} of {len(data['panels'])} panel(s), created {data['created']}")
        echo_safe(f"wrote {out}")
