"""``biomark screen``: every catalog claim the cohort can test, tested as published, with a verdict."""

from __future__ import annotations

from pathlib import Path

import click

from biomark.atomic import write_text_atomic
from biomark.cli._cohort_options import cohort_options
from biomark.cli._common import SEED, NJobs, SchedulerAddress, check_output_path, echo_safe
from biomark.cli._format_options import format_options
from biomark.errors import BiomarkError
from biomark.panel.schema import Specimen

SPECIMENS = list(Specimen.__args__)


def _endpoint_map(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        key, sep, col = it.partition("=")
        if not sep or not key.strip() or not col.strip():
            raise click.BadParameter(f"'{it}' is not KIND_OR_ID=COLUMN, e.g. radioresistance=response",
                                     param_hint="--endpoint-map")
        out[key.strip()] = col.strip()
    return out


def _panels_from(folder: str | None) -> list | None:
    if folder is None:
        return None
    from biomark.panel.catalog import load_spec

    d = Path(folder)
    if not d.is_dir():
        raise BiomarkError(f"--panels {folder}: not a directory; name a folder of panel spec YAML files")
    files = sorted([*d.glob("*.yaml"), *d.glob("*.yml")])
    if not files:
        raise BiomarkError(f"--panels {folder}: holds no .yaml spec; check with 'biomark panels check FILE'")
    return [load_spec(f) for f in files]


def _outputs(out_dir: str | None, json_path: str | None, report: str | None,
             inputs: list[str | None]) -> tuple[Path | None, Path | None, Path | None]:
    """The JSON and HTML paths and the folder of the claim reports, checked before any work."""
    if out_dir is None and json_path is None:
        raise click.UsageError("give --out DIR (writes DIR/screen.json and DIR/screen.html) or --json FILE")
    folder = None
    if out_dir is not None:
        from biomark.synthetic.output import check_out_dir

        folder = check_out_dir(out_dir, label="--out ")
        json_path = json_path or str(folder / "screen.json")
        report = report or str(folder / "screen.html")
    for out in (json_path, report):
        if out and (folder is None or Path(out).parent != folder or folder.exists()):
            check_output_path(out, inputs)
    if report and json_path and Path(report).resolve() == Path(json_path).resolve():
        raise BiomarkError(f"{report}: --report and --json must name different files; choose one path each")
    return (Path(json_path) if json_path else None, Path(report) if report else None,
            folder if folder is not None else (Path(report).parent if report else None))


@click.command()
@format_options
@click.option("--expression", required=True, type=click.Path(), help="Expression file (every format validate reads).")
@click.option("--clinical", type=click.Path(dir_okay=False), help="Clinical file joined on sample id.")
@click.option("--panels", "panels_dir", type=click.Path(file_okay=False),
              help="Screen the specs in this folder instead of the catalog.")
@click.option("--cancer", help="Only panels whose cancer type contains this text (case-insensitive).")
@click.option("--specimen", "specimens", type=click.Choice(SPECIMENS), multiple=True,
              help="Only panels of this specimen (repeatable); the verdict table shows the match.")
@click.option("--min-markers", type=click.IntRange(1, 1000),
              help="Test a panel when the cohort holds at least this many of its markers [all of them].")
@click.option("--endpoint-map", "endpoint_map", multiple=True, metavar="KIND_OR_ID=COLUMN",
              help="Clinical column of an endpoint id (e.g. radioresistance=response) or of every binary endpoint "
                   "(binary=response); repeatable.")
@click.option("--time", "time_col", help="Clinical column with the survival time (tests every survival endpoint).")
@click.option("--event", "event_col", help="Clinical column with the event indicator.")
@click.option("--smallest-effect", default="auc=0.65,hr=1.5", show_default=True,
              help="Smallest effect of interest for the power behind 'not replicated'.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="False discovery rate of the Benjamini-Hochberg q values.")
@click.option("--power-reps", type=click.IntRange(20, 100000), default=200, show_default=True,
              help="Simulated datasets per claim for its power.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Root seed; each claim gets its own.")
@click.option("--n-jobs", type=NJobs(), default=1, show_default=True, help="Parallel workers (results do not depend on it).")
@click.option("--scheduler", type=SchedulerAddress(),
              help="dask.distributed scheduler address: run the claims (and their reports' resampling) on a cluster.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False),
              help="Pre-registration plan from 'biomark plan': refuse other settings or changed specs [specs: the plan's].")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Write DIR/screen.json, DIR/screen.html and each claim's validation report (created if missing).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the results JSON here.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write the screening report (HTML) here.")
@click.option("--claim-reports/--no-claim-reports", default=True, show_default=True,
              help="Beside the HTML report, a full validation report (report_<panel>_<endpoint>.html/.json) per "
                   "claim, linked from it: signed_z as published, 5x2 CV, 50 bootstraps, the claim's seed.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
@cohort_options
def screen(expression, clinical, panels_dir, cancer, specimens, min_markers, endpoint_map, time_col, event_col,
           smallest_effect, alpha, power_reps, seed, n_jobs, scheduler, plan_path, out_dir, json_path, report,
           claim_reports, quiet, cohort_opts, formats) -> None:
    """Test every catalog claim your cohort can test, as published, with a replication verdict.

    \b
    Example:
      biomark screen --expression expr.csv --clinical clinical.csv \\
          --endpoint-map radioresistance=response --time os_months --event os_status --out screen/
    """
    import biomark.screen as S

    emap = _endpoint_map(endpoint_map)
    if bool(time_col) != bool(event_col):
        raise click.UsageError("give --time and --event together")
    json_out, html_out, folder = _outputs(out_dir, json_path, report, [expression, clinical])
    smallest = S.parse_smallest_effect(smallest_effect)
    panels = _panels_from(panels_dir)
    api = dict(endpoint_map=emap, time=time_col, event=event_col, cancer=cancer, specimen=list(specimens) or None,
               min_markers=min_markers, alpha=alpha, smallest_effect=smallest, power_reps=power_reps, seed=seed)
    if plan_path:  # pre-registration (biomark.plan): left-out options take the plan's values
        from biomark.cli.plan import SCREEN_PARAMS, fill_from_plan
        from biomark.plan import check_screen, load_plan

        api["plan"] = load_plan(plan_path)
        fill_from_plan(api["plan"], api, SCREEN_PARAMS)
        _, planned = check_screen(api["plan"], api, panels)  # before any file is read
        panels = panels if panels is not None else planned
    cohort = S.read_for_screen(expression, clinical, panels, **cohort_opts.read_kwargs(), **formats)
    result = S.screen(cohort, panels=panels, n_jobs=n_jobs, scheduler=scheduler, **api)
    files: dict[Path, str] = {}
    if html_out is not None and claim_reports and result.claims:
        from biomark.panel.catalog import list_panels
        from biomark.screen_reports import claim_reports as run_reports

        result, extra, _ = run_reports(result, cohort, panels if panels is not None else list_panels(),
                                       n_jobs=n_jobs, scheduler=scheduler)
        files.update({folder / name: text for name, text in extra.items()})
    if json_out is not None:
        files[json_out] = result.to_json()
    if html_out is not None:
        from biomark.report.screen import render_screen_html

        files[html_out] = render_screen_html(result)
    if out_dir is not None:
        Path(out_dir).mkdir(exist_ok=True)
    for path, text in files.items():  # everything computed first: an error above leaves nothing behind
        check_output_path(path, [expression, clinical])
        write_text_atomic(path, text)
    for w in result.warnings:
        echo_safe(f"warning: {w}", err=True)
    if not quiet:
        echo_safe(result.summary())
        for p in (json_out, html_out):
            if p is not None:
                echo_safe(f"wrote {p}")
        n_rep = sum(c.report is not None for c in result.claims)
        if n_rep:
            echo_safe(f"wrote {n_rep} claim report(s) in {folder}")
