"""``biomark synth`` and ``biomark power``: thin shells over :mod:`biomark.synthetic`."""

from __future__ import annotations

import json
from typing import Any

import click

from biomark.atomic import write_text_atomic
from biomark.cli._common import SEED, NJobs, SchedulerAddress, check_output_path, echo_safe
from biomark.panel.catalog import load_panel
from biomark.vocabulary import ASSAYS

# biomark.synthetic (scipy, pandas, the simulator) is imported inside the commands: at the top it would
# add about 1.8 s to every `biomark` call, `biomark --help` included (measured: 0.26 s -> 2.1 s).

MAX_NOISE_MARKERS = 10_000  # as a scenario's n_noise_markers
MAX_PATIENTS = 1_000_000  # as a scenario's n

_GOAL_LABELS = {
    "auc_ci_above_half": "AUC CI > 0.5",
    "cox_significant": "Cox p < alpha",
    "change_significant": "change p < alpha",
    "trend_significant": "trend p < alpha",
    "directions_consistent": "directions agree",
    "all": "all goals",
}


def _resolve(panel: str | None, scenario: str | None) -> tuple[Any, Any]:
    """(panel, scenario or None) from the two mutually exclusive options."""
    from biomark.synthetic.scenario import load_scenario  # slow: see the note above _GOAL_LABELS

    if (panel is None) == (scenario is None):
        raise click.UsageError("give exactly one of --panel NAME and --scenario FILE")
    if scenario is not None:
        sc = load_scenario(scenario)
        return sc.load_panel(), sc
    return load_panel(panel), None


def _scenario_panel_file(sc: Any) -> str | None:
    """The spec file a scenario names (``panel: spec.yaml``), or None for a catalog id."""
    from pathlib import Path

    ref = sc.panel
    if not (ref.endswith((".yaml", ".yml")) or "/" in ref):
        return None
    base = Path(sc.source).parent if sc.source else Path(".")
    return str(Path(ref) if Path(ref).is_absolute() else base / ref)


def _kwargs(sc: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = sc.simulate.kwargs() if sc is not None else {}
    kw.update({k: v for k, v in overrides.items() if v not in (None, ())})
    return kw


@click.command("synth")
@click.option("--panel", metavar="NAME", help="Catalog panel id or spec file.")
@click.option("--scenario", metavar="FILE", help="Scenario YAML (synthetic/*.yaml); its n and seed are defaults.")
@click.option("--n", "n", type=int, metavar="N", help="Patients [scenario's n, else 100].")
@click.option("--seed", type=SEED, metavar="S", help="Random seed [scenario's seed, else 0].")
@click.option("--out", required=True, metavar="DIR",
              help="Output directory (created if missing; its parent must exist).")
@click.option("--endpoint", metavar="ID", help="Endpoint to simulate [first endpoint].")
@click.option("--effect", type=float, help="Standardised effect size for every marker [0.5].")
@click.option("--against-spec", "against_spec", multiple=True, metavar="MARKER",
              help="Simulate this marker against its spec direction (repeatable).")
@click.option("--noise-markers", "n_noise_markers", type=click.IntRange(0, MAX_NOISE_MARKERS), metavar="K",
              help=f"Extra markers with no effect (at most {MAX_NOISE_MARKERS}).")
@click.option("--prevalence", type=float, help="Fraction of cases (binary endpoints) [0.5].")
@click.option("--assay", type=click.Choice(ASSAYS), help="What the simulated numbers are [the panel's assay].")
@click.option("--force", is_flag=True, help="Replace expression.csv, clinical.csv, truth.json already in DIR.")
@click.option("--quiet", is_flag=True, help="Print nothing on success.")
def synth(panel: str | None, scenario: str | None, n: int | None, seed: int | None, out: str,
          endpoint: str | None, effect: float | None, against_spec: tuple[str, ...],
          n_noise_markers: int | None, prevalence: float | None, assay: str | None, force: bool,
          quiet: bool) -> None:
    """Simulate a cohort with known truth: DIR/expression.csv, DIR/clinical.csv, DIR/truth.json.

    \b
    Examples:
      biomark synth --panel escc_mir339_radiotherapy --n 200 --seed 1 --out sim/
      biomark synth --scenario synthetic/hcc_ct_spike_in.yaml --out sim_hcc/
    """
    from biomark.synthetic import (  # slow: see the note above _GOAL_LABELS
        check_out_dir,
        simulate,
        write_cohort,
    )
    from biomark.synthetic.output import refuse_existing

    pnl, sc = _resolve(panel, scenario)
    out_path = check_out_dir(out, label="--out ")
    refuse_existing(out_path, force=force)
    if n is not None and n < 2:
        raise click.BadParameter(f"{n} is too small; give at least 2 patients", param_hint="--n")
    if n is not None and n > MAX_PATIENTS:
        raise click.BadParameter(f"{n} is too many; give at most {MAX_PATIENTS} patients", param_hint="--n")
    if seed is not None and seed < 0:
        raise click.BadParameter(f"{seed} is negative; give a seed >= 0", param_hint="--seed")
    kw = _kwargs(sc, {"endpoint": endpoint, "effect": effect, "against_spec": list(against_spec) or None,
                      "n_noise_markers": n_noise_markers, "prevalence": prevalence, "assay": assay})
    nn = n if n is not None else (sc.n if sc is not None else 100)
    ss = seed if seed is not None else (sc.seed if sc is not None else 0)
    name = sc.id if sc is not None else "synthetic"
    cohort, truth = simulate(pnl, nn, seed=ss, name=name, **kw)
    paths = write_cohort(cohort, truth, out_path)
    if not quiet:
        echo_safe(
            f"wrote {', '.join(str(p) for p in paths)}: {cohort.n_samples} samples, "
            f"{cohort.expression.shape[1]} columns, endpoint '{truth.endpoint}' ({truth.endpoint_kind}), "
            f"seed {ss}"
        )


def _parse_ns(text: str) -> list[int]:
    try:
        ns = [int(t) for t in text.replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise click.BadParameter(
            f"'{text}' is not a comma-separated list of integers (e.g. 50,100,200)", param_hint="--n"
        ) from None
    if not ns:
        raise click.BadParameter("give at least one sample size, e.g. 50,100,200", param_hint="--n")
    bad = [v for v in ns if v < 4]
    if bad:
        raise click.BadParameter(f"{bad[0]} is too small; every n must be at least 4", param_hint="--n")
    return ns


def format_power(res: Any) -> str:
    """The console table of a :class:`~biomark.synthetic.PowerResult` (simulation beside Riley)."""
    lines = [
        f"panel {res.panel_id}, endpoint {res.endpoint} ({res.endpoint_kind}), effect {res.effect}, "
        f"{res.reps} replicates per n, seed {res.seed}",
    ]
    tv = res.true_value
    if res.endpoint_kind == "binary":
        lines.append(f"true AUC of the panel's signed_z score {tv['auc_signed_z']:.3f} "
                     f"(best linear score {tv['auc_optimal']:.3f})")
    elif "log_hr" in tv:
        hrs = ", ".join(f"{k} {v:+.3g}" for k, v in tv["log_hr"].items() if v)
        lines.append(f"true log-HR per SD: {hrs or 'none (no marker has an effect)'}")
    lines.append("")
    head = f"{'n':>6}  " + "  ".join(f"{_GOAL_LABELS[g]:>20}" for g in res.goals)
    lines.append(head)
    for r in res.rows:
        cells = "  ".join(f"{r.probability[g]:>11.3f} ± {r.mc_se[g]:.3f}" for g in res.goals)
        fail = f"   ({r.failures} failed)" if r.failures else ""
        lines.append(f"{r.n:>6}  {cells}{fail}")
    lines.append("(probability by simulation ± Monte-Carlo SE)")
    best = res.smallest_n("all", 0.8)
    lines.append(
        f"smallest simulated n with >= 80% probability of all goals: {best}" if best
        else "no simulated n reaches 80% probability of all goals; try larger n"
    )
    lines.append("")
    rl = res.riley
    if rl is None:
        lines.append(f"Riley et al. 2020 minimum sample size: not computed ({res.riley_note})")
    else:
        lines += [
            "Riley et al. 2020 minimum sample size (pmsampsize criteria, binary outcome):",
            f"  anticipated AUC {rl.auc:.3f}, prevalence {rl.prevalence:.3g}, {rl.parameters} candidate "
            f"parameter(s) -> R²_CS {rl.r2_cs:.4f} (Nagelkerke {rl.nagelkerke_r2:.3f}; Riley, Van Calster "
            "& Collins 2021)",
            f"  1. shrinkage >= {rl.shrinkage_target}:                n = {rl.n_shrinkage}",
            f"  2. optimism in Nagelkerke R² <= 0.05:   n = {rl.n_optimism}",
            f"  3. overall risk within ± 0.05:          n = {rl.n_intercept}",
            f"  minimum n = {rl.n_min} ({rl.events:.0f} events, {rl.events_per_parameter:.1f} per "
            f"parameter; binding: {rl.binding})",
            f"  note: {res.riley_note}",
        ]
    return "\n".join(lines)


@click.command("power")
@click.option("--panel", metavar="NAME", help="Catalog panel id or spec file.")
@click.option("--scenario", metavar="FILE", help="Scenario YAML whose simulate() settings to use.")
@click.option("--n", "n_text", default="50,100,200", show_default=True, metavar="N1,N2,...",
              help="Sample sizes (patients).")
@click.option("--effect", type=float, help="Standardised effect size [scenario's, else 0.5].")
@click.option("--reps", type=click.IntRange(min=1), default=200, show_default=True,
              help="Simulated datasets per sample size.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Root seed.")
@click.option("--endpoint", metavar="ID", help="Endpoint [first endpoint].")
@click.option("--prevalence", type=float, help="Fraction of cases (binary endpoints) [0.5].")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Significance level.")
@click.option("--n-jobs", "n_jobs", type=NJobs(), default=1, show_default=True,
              help="joblib workers (-1: all cores); results do not depend on it.")
@click.option("--scheduler", type=SchedulerAddress(), help="dask.distributed scheduler (tcp://host:8786).")
@click.option("--json", "json_out", metavar="FILE", help="Also write the result as JSON.")
def power(panel: str | None, scenario: str | None, n_text: str, effect: float | None, reps: int,
          seed: int, endpoint: str | None, prevalence: float | None, alpha: float, n_jobs: int,
          scheduler: str | None, json_out: str | None) -> None:
    """Probability that a validation reaches its goals, by simulation, for each n.

    Goals: binary endpoints, the DeLong 95% CI of the panel score's AUC above 0.5; survival,
    Cox p < alpha for the score; every marker's observed direction as the spec says; and all at
    once. Printed beside the analytic minimum n of Riley et al. 2020 (binary endpoints).

    \b
    Example:
      biomark power --panel escc_mir339_radiotherapy --n 50,100,200 --effect 0.5 --reps 200
    """
    from biomark.synthetic import power as run_power  # slow: see the note above _GOAL_LABELS

    ns = _parse_ns(n_text)
    if json_out is not None:
        check_output_path(json_out)
    pnl, sc = _resolve(panel, scenario)
    if json_out is not None and sc is not None:
        check_output_path(json_out, [_scenario_panel_file(sc)])  # the spec a scenario names is read too
    kw = _kwargs(sc, {"endpoint": endpoint, "prevalence": prevalence})
    if effect is not None:
        kw["effect"] = effect
    kw.setdefault("effect", 0.5)
    res = run_power(pnl, ns, reps=reps, seed=seed, alpha=alpha, n_jobs=n_jobs, scheduler=scheduler, **kw)
    echo_safe(format_power(res))
    if json_out is not None:
        write_text_atomic(json_out, json.dumps(res.to_dict(), indent=2, sort_keys=True) + "\n")
