"""``biomark validate`` and ``biomark demo``."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

import click

from biomark.atomic import write_text_atomic
from biomark.cli._cohort_options import cohort_options
from biomark.cli._common import SEED, NJobs, SchedulerAddress, check_output_path, echo_safe
from biomark.cli._format_options import format_options
from biomark.cli._progress import ProgressBar
from biomark.errors import BiomarkError
from biomark.vocabulary import METHODS, PENALTIES


def _write_outputs(result, report: str | None, json_path: str | None) -> None:
    """Render everything in memory first, then write each file atomically."""
    text = result.to_json()
    html = None
    if report:
        from biomark.report import render_html

        html = render_html(result)
    if json_path and json_path != "-":
        write_text_atomic(json_path, text)
    if html is not None:
        write_text_atomic(report, html)
    if json_path == "-":
        echo_safe(text, nl=False)


def _dropped(result, quiet: bool) -> None:
    """Samples left out (per reason) and the time unit, on stderr: they change what the numbers mean."""
    if quiet:
        return
    for why, k in (result.data["cohort"]["qc"].get("dropped") or {}).items():
        echo_safe(f"warning: {k} sample(s) left out: {why}", err=True)
    for w in result.data["warnings"]:
        if w.startswith("median follow-up"):
            echo_safe(f"warning: {w}", err=True)


def _summary(result, quiet: bool, to_stderr: bool) -> None:
    if quiet:
        return
    echo_safe(result.summary(), err=to_stderr)


@click.command()
@format_options
@click.option("--panel", "panel_name", required=True, help="Catalog id or path of a panel spec YAML.")
@click.option("--expression", required=True, type=click.Path(),
              help="Expression file (CSV, TSV, Parquet; .gz ok; GEO series matrix or SOFT; a cBioPortal study folder).")
@click.option("--clinical", type=click.Path(dir_okay=False), help="Clinical file joined on sample id.")
@click.option("--endpoint", help="Endpoint id of the panel (default: chosen from --outcome / --time).")
@click.option("--outcome", help="Clinical column with the binary outcome.")
@click.option("--time", "time_col", help="Clinical column with the survival time.")
@click.option("--event", "event_col", help="Clinical column with the event indicator (0/1).")
@click.option("--covariate", "covariates", multiple=True,
              help="Clinical column to adjust the Cox model for (repeatable); without --clinical-model also the clinical model.")
@click.option("--clinical-model", metavar="COLS",
              help="Comma-separated clinical columns (e.g. stage,age): does the panel add to this clinical model?")
@click.option("--risk-cutoffs", metavar="P,P", help="Risk cut-offs for the categorical NRI (e.g. 0.1,0.3).")
@click.option("--spline", metavar="COLS", help="Clinical-model numeric columns as restricted cubic splines (4 knots, as rms::rcs).")
@click.option("--method", type=click.Choice([m for m in METHODS if m != "boolean"]), default="signed_z", show_default=True,
              help="signed_z: the literature's rule; logistic (binary) or cox (survival): coefficients fitted.")
@click.option("--penalty", type=click.Choice([*PENALTIES, "none"]), default="l2", show_default=True,
              help="Penalty of the logistic or cox method, its strength chosen by inner CV (none: plain fit; cox: l2 or none).")
@click.option("--cv", "folds", type=click.IntRange(2, 100), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--repeats", type=click.IntRange(1, 1000), default=10, show_default=True, help="Cross-validation repeats.")
@click.option("--bootstrap", type=click.IntRange(0, 100000), default=200, show_default=True, help="Bootstrap resamples (0: skip).")
@click.option("--bootstrap-method", type=click.Choice(["optimism", ".632+"]), default="optimism", show_default=True)
@click.option("--permutations", type=click.IntRange(0, 100000), default=200, show_default=True,
              help="Label permutations for the p-value of the CV AUC (0: skip).")
@click.option("--times", help="Comma-separated times for time-dependent AUC (survival).")
@click.option("--groups", "groups", metavar="RULE",
              help="Survival: Kaplan-Meier by groups of the panel score in 'Risk at the horizon': tertiles, "
                   "quartiles, median, optimal, or cut-offs of the score such as 0.2,0.5.")
@click.option("--horizon", "horizon", metavar="T1,T2,...",
              help="Survival: increasing times (endpoint's time unit) for risk at the horizon: calibration, "
                   "Brier/IPA, AUC(t), net benefit; the same horizons in every validation cohort "
                   "[25th/50th/75th percentile of follow-up, rounded].")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed for every random choice (0 or more).")
@click.option("--n-jobs", type=NJobs(), default=1, show_default=True, help="Parallel workers (-1: all cores; capped at the usable CPUs).")
@click.option("--scheduler", type=SchedulerAddress(), help="dask.distributed scheduler address to run resampling on a cluster.")
@click.option("--sep", metavar="CHAR", help="Field separator of the expression file [sniffed from its header].")
@click.option("--decimal", type=click.Choice([".", ","]), help="Decimal mark of the expression file [',' when ';'-separated with decimal commas].")
@click.option("--spike-in", help="qPCR: column (or row) holding a spike-in control for -ΔCt.")
@click.option("--ct-cutoff", type=float, default=40.0, show_default=True, help="qPCR: Undetermined/blank/above set to this Ct.")
@click.option("--validation-expression", multiple=True, type=click.Path(dir_okay=False),
              help="Expression file of an external validation cohort (repeatable; pair with --validation-clinical).")
@click.option("--validation-clinical", multiple=True, type=click.Path(dir_okay=False),
              help="Clinical file of an external validation cohort (same order as --validation-expression).")
@click.option("--harmonise", type=click.Choice(["none", "standardise", "combat"]), default="none", show_default=True,
              help="Validation cohorts onto the training scale: each z-scored on itself, or reference-batch ComBat "
                   "(training cohort frozen as reference).")
@click.option("--cluster", help="Clinical column of centres/batches: internal-external cross-validation (leave one out).")
@click.option("--oe-bootstrap", "oe_bootstrap", type=int, default=0, show_default=True, metavar="B",
              help="Survival, external or --cluster: O:E-at-t CI also counting the training fit's uncertainty "
                   "(B bootstrap refits of the training fit; 0: validation sampling error only).")
@click.option("--strata", "strata", metavar="COL",
              help="Survival: clinical column of strata (e.g. centre): stratified Cox HR and C of the panel score.")
@click.option("--weights", "weights", metavar="COL",
              help="Survival: clinical column of case weights (>= 0): weighted Cox HR with robust SE.")
@click.option("--rmst-tau", "rmst_tau", type=float, metavar="T",
              help="Survival: restricted mean survival time to T per score group (median split), difference and ratio.")
@click.option("--update-model", "update_model", type=click.Path(dir_okay=False),
              help="Write the model updated on the validation cohorts (closed test: recalibration or re-estimation).")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False),
              help="Pre-registration plan from 'biomark plan': refuse other settings or a changed spec; options left "
                   "out take the plan's values.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write results JSON here ('-' prints it to stdout for scripts).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars and no summary.")
@cohort_options
def validate(panel_name, expression, clinical, endpoint, outcome, time_col, event_col, covariates, clinical_model,
             risk_cutoffs, spline, method, penalty,
             folds, repeats, bootstrap, bootstrap_method, permutations, times, groups, horizon, seed, n_jobs, scheduler,
             sep, decimal, spike_in, ct_cutoff, validation_expression, validation_clinical, harmonise, cluster,
             update_model, plan_path, report, json_path, quiet, strata, weights, rmst_tau, cohort_opts,
             formats, oe_bootstrap) -> None:
    """Validate a panel on your cohort: discrimination, calibration, survival, direction consistency.

    \b
    Example:
      biomark validate --panel escc_mir339_radiotherapy --expression expr.csv \\
          --clinical clinical.csv --outcome response --report report.html --json results.json
    """
    import biomark

    if not report and not json_path:
        raise click.UsageError("give --report FILE and/or --json FILE (or --json - for stdout)")
    inputs = [expression, clinical, *validation_expression, *validation_clinical]
    for out in (report, json_path, update_model):
        if out and out != "-":
            check_output_path(out, inputs)
    outs = [o for o in (report, json_path, update_model) if o and o != "-"]
    if len(set(outs)) < len(outs):
        raise BiomarkError(f"{outs[0]}: --report, --json and --update-model must name different files; choose "
                           "one path each")
    if update_model and not validation_expression:
        raise click.UsageError("--update-model updates the model on external cohorts: give --validation-expression "
                               "and --validation-clinical")
    if update_model and harmonise != "none":
        raise click.UsageError(f"--update-model with --harmonise {harmonise}: the update would be fitted on harmonised "
                               "values, which 'biomark score' does not reproduce on new files; use --harmonise none")
    if len(validation_expression) != len(validation_clinical):
        raise click.UsageError("give one --validation-clinical for each --validation-expression")
    tlist = None
    if times:
        try:
            tlist = [float(x) for x in times.split(",") if x.strip()]
        except ValueError:
            raise click.BadParameter(f"'{times}' is not a comma-separated list of numbers", param_hint="--times") from None
    from biomark.io.public import read_any

    clin_cols, cutoffs = _added_options(clinical_model, risk_cutoffs)
    hlist = None
    if horizon:
        try:
            hlist = [float(x) for x in horizon.split(",") if x.strip()]
        except ValueError:
            raise click.BadParameter(f"'{horizon}' is not a comma-separated list of numbers, e.g. 12,36,60",
                                     param_hint="--horizon") from None
    panel = biomark.load_panel(panel_name)
    api = dict(endpoint=endpoint, outcome=outcome, time=time_col, event=event_col, covariates=covariates,
               clinical_model=clin_cols, risk_cutoffs=cutoffs,
               spline=[c.strip() for c in (spline or "").split(",") if c.strip()], method=method,
               penalty=None if penalty == "none" else penalty, cv=(folds, repeats), bootstrap=bootstrap,
               bootstrap_method=bootstrap_method, permutations=permutations, times=tlist, horizons=hlist, groups=groups,
               seed=seed, harmonise=harmonise, cluster=cluster, strata=strata, weights=weights, rmst_tau=rmst_tau,
               oe_bootstrap=oe_bootstrap)
    if plan_path:  # pre-registration: checked (hash, spec) before any file is read; left-out options from the plan
        from biomark.cli.plan import VALIDATE_PARAMS, fill_from_plan
        from biomark.plan import check_panels, load_plan

        api["plan"] = load_plan(plan_path)
        check_panels(api["plan"], [panel])
        fill_from_plan(api["plan"], api, VALIDATE_PARAMS)
    kw = dict(panel=panel, spike_in=spike_in, ct_cutoff=ct_cutoff, sep=sep, decimal=decimal, **cohort_opts.read_kwargs())
    cohorts = [read_any(expression, clinical, **kw, **formats)]
    for ve, vc in zip(validation_expression, validation_clinical, strict=True):
        cohorts.append(read_any(ve, vc, **kw, **formats))
    if len({c.name for c in cohorts}) < len(cohorts):  # files of one name in several directories: name by path
        cohorts = [replace(c, name=p) for c, p in zip(cohorts, [expression, *validation_expression], strict=True)]
    bar = ProgressBar(enabled=False if quiet else None)
    try:
        result = biomark.validate(
            panel, cohorts if len(cohorts) > 1 else cohorts[0], **api, n_jobs=n_jobs, scheduler=scheduler, progress=bar,
            command=shlex.join(["biomark", *sys.argv[1:]]) if sys.argv and Path(sys.argv[0]).name == "biomark" else None,
        )
    finally:
        bar.close()
    if update_model and result.updated_model is None:
        raise BiomarkError(f"--update-model {update_model}: no updated model: updating needs a binary endpoint and "
                           "method signed_z, weights or logistic, with both classes in the validation cohorts")
    _write_outputs(result, report, json_path)
    if update_model:
        c0 = cohorts[0]
        result.updated_model.save(update_model, conversion={
            "assay": c0.assay, "reference_markers": list(c0.reference_markers), "spike_in": c0.spike_in,
            "ct_cutoff": c0.ct_cutoff, "rule": c0.levels(panel).attrs.get("conversion")})
    _summary(result, quiet, to_stderr=json_path == "-")
    _dropped(result, quiet)
    if not quiet:
        for p in (report, json_path, update_model):
            if p and p != "-":
                echo_safe(f"wrote {p}", err=json_path == "-")


def _added_options(clinical_model: str | None, risk_cutoffs: str | None) -> tuple[list[str], list[float] | None]:
    """--clinical-model and --risk-cutoffs as lists (a usage error names the option)."""
    cols = [c.strip() for c in (clinical_model or "").split(",") if c.strip()]
    if clinical_model is not None and not cols:
        raise click.BadParameter("name at least one clinical column, e.g. stage,age", param_hint="--clinical-model")
    if risk_cutoffs is None:
        return cols, None
    if not cols:
        raise click.UsageError("--risk-cutoffs needs --clinical-model (it reclassifies clinical vs clinical + panel)")
    try:
        cuts = [float(x) for x in risk_cutoffs.split(",") if x.strip()]
    except ValueError:
        cuts = []
    if not cuts or any(not 0 < c < 1 for c in cuts) or cuts != sorted(set(cuts)):
        raise click.BadParameter(f"'{risk_cutoffs}' is not an increasing list of risks between 0 and 1",
                                 param_hint="--risk-cutoffs")
    return cols, cuts


DEMO_SCENARIO = "nsclc_marker_against_spec"


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory for report.html, results.json and the data.")
@click.option("--scenario", default=None,
              help=f"Scenario YAML to simulate (default: the built-in '{DEMO_SCENARIO}': a four-marker NSCLC panel in "
                   "which one marker is simulated against its spec).")
@click.option("--n", "n", type=click.IntRange(20, 100000), default=None, help="Simulated patients [scenario's n].")
@click.option("--seed", type=SEED, default=None, help="Seed [scenario's seed].")
@click.option("--n-jobs", type=NJobs(), default=2, show_default=True, help="Parallel workers (-1: all cores).")
@click.option("--force", is_flag=True, help="Replace the files already in DIR.")
@click.option("--quiet", "-q", is_flag=True)
def demo(out, scenario, n, seed, n_jobs, force, quiet) -> None:
    """Simulate a cohort, validate its panel, and write DIR/report.html and DIR/results.json.

    No input needed: the quickest way to see what biomark does. The simulated data
    (DIR/expression.csv, DIR/clinical.csv, DIR/truth.json) are written too, so that
    'biomark validate' can be tried on them.
    """
    import biomark
    from biomark.synthetic import write_cohort
    from biomark.synthetic.output import FILES, refuse_existing
    from biomark.synthetic.scenario import load_scenario, scenario_dir

    outdir = Path(out)
    if outdir.exists() and not outdir.is_dir():
        raise BiomarkError(f"--out {outdir}: exists and is not a directory; choose another --out")
    parent = outdir.parent if str(outdir.parent) else Path(".")
    if not parent.is_dir():
        raise BiomarkError(f"--out {outdir}: parent directory '{parent}' does not exist; create it first")
    refuse_existing(outdir, (*FILES, "report.html", "results.json"), force=force)
    sc = load_scenario(scenario or scenario_dir() / f"{DEMO_SCENARIO}.yaml")
    panel = sc.load_panel()
    cohort, truth = sc.run(n=n, seed=seed)
    ep = truth.endpoint
    seed_used = seed if seed is not None else sc.seed
    bar = ProgressBar(enabled=False if quiet else None)
    try:
        result = biomark.validate(panel, cohort, endpoint=ep, seed=seed_used, n_jobs=n_jobs, progress=bar,
                                  command=f"biomark demo --out {out}" + (f" --seed {seed}" if seed is not None else ""))
    finally:
        bar.close()
    outdir.mkdir(exist_ok=True)
    write_cohort(cohort, truth, outdir)
    _write_outputs(result, str(outdir / "report.html"), str(outdir / "results.json"))
    if not quiet:
        echo_safe(result.summary())
        against = list(getattr(truth, "against_spec", []) or [])
        if against:
            echo_safe(f"  (the scenario simulates {', '.join(against)} against its spec: the flag above is the point)")
        echo_safe(f"wrote {outdir / 'report.html'}, {outdir / 'results.json'} and the simulated data in {outdir}/")
