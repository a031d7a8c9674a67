"""``biomark screen``: every catalog claim the cohort can test, tested as published, with a verdict."""

from __future__ import annotations

import html
from pathlib import Path

import click

from biomark.atomic import write_text_atomic
from biomark.cli._cohort_options import cohort_options
from biomark.cli._common import SEED, NJobs, check_output_path, echo_safe
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


def render_report(result) -> str:
    """A plain, self-contained HTML table of the verdicts and the untestable panels (every string escaped)."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(c.verdict)}</td><td>{e(c.panel_id)}</td><td>{e(c.endpoint)}</td><td>{e(c.coverage)}</td>"
        f"<td>{e(c.statistic)} {c.estimate:.3f} [{c.ci_low:.3f}, {c.ci_high:.3f}]</td><td>{c.q:.3g}</td>"
        f"<td>{c.power:.2f}</td><td>{e(', '.join(c.evidence_levels))}{' (mechanistic only)' if c.mechanistic_only else ''}"
        f"</td><td>{e(c.specimen)} ({e(c.specimen_match)})</td><td>{e(c.sentence)}</td></tr>"
        for c in result.claims)
    skipped = "".join(f"<tr><td>{e(p)}</td><td>{e(r)}</td></tr>" for p, r in result.untestable)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>biomark screen</title></head><body>"
            f"<h1>Literature screen</h1><p>{e(result.summary().splitlines()[0])}</p>{_certified(result)}"
            "<table border='1'><tr><th>verdict</th><th>panel</th><th>endpoint</th><th>markers</th><th>effect</th>"
            "<th>q (BH)</th><th>power</th><th>evidence</th><th>specimen</th><th>sentence</th></tr>"
            f"{rows}</table><h2>Not testable</h2><table border='1'><tr><th>panel</th><th>why</th></tr>{skipped}"
            "</table></body></html>\n")


def _certified(result) -> str:
    """The pre-registration line of the report (empty without a plan)."""
    rec = result.settings.get("plan")
    return "" if not rec else (f"<p class='certified' id='plan'>Certified: {html.escape(rec['certification'])} "
                               f"(plan SHA-256 <code>{html.escape(rec['plan_hash'])}</code>)</p>")


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
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False),
              help="Pre-registration plan from 'biomark plan': refuse other settings or changed specs [specs: the plan's].")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), required=True, help="Write the results JSON here.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write an HTML verdict table here.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
@cohort_options
def screen(expression, clinical, panels_dir, cancer, specimens, min_markers, endpoint_map, time_col, event_col,
           smallest_effect, alpha, power_reps, seed, n_jobs, plan_path, json_path, report, quiet, cohort_opts,
           formats) -> None:
    """Test every catalog claim your cohort can test, as published, with a replication verdict.

    \b
    Example:
      biomark screen --expression expr.csv --clinical clinical.csv \\
          --endpoint-map radioresistance=response --time os_months --event os_status --json screen.json
    """
    import biomark.screen as S
    from biomark.io.public import read_any

    emap = _endpoint_map(endpoint_map)
    if bool(time_col) != bool(event_col):
        raise click.UsageError("give --time and --event together")
    inputs = [expression, clinical]
    for out in (json_path, report):
        if out:
            check_output_path(out, inputs)
    if report and Path(report).resolve() == Path(json_path).resolve():
        raise BiomarkError(f"{report}: --report and --json must name different files; choose one path each")
    smallest = S.parse_smallest_effect(smallest_effect)
    panels = _panels_from(panels_dir)
    api = dict(endpoint_map=emap, time=time_col, event=event_col, cancer=cancer, specimen=list(specimens) or None,
               min_markers=min_markers, alpha=alpha, smallest_effect=smallest, power_reps=power_reps, seed=seed)
    if plan_path:  # pre-registration (biomark.plan): left-out options take the plan's values
        from biomark.cli.plan import SCREEN_PARAMS, fill_from_plan
        from biomark.plan import check_screen, load_plan

        api["plan"] = load_plan(plan_path)
        fill_from_plan(api["plan"], api, SCREEN_PARAMS)
        check_screen(api["plan"], api, panels)  # before any file is read
    cohort = read_any(expression, clinical, **cohort_opts.read_kwargs(), **formats)
    result = S.screen(cohort, panels=panels, n_jobs=n_jobs, **api)
    text = result.to_json()
    page = render_report(result) if report else None
    write_text_atomic(json_path, text)
    if page is not None:
        write_text_atomic(report, page)
    if not quiet:
        echo_safe(result.summary())
        for p in (json_path, report):
            if p:
                echo_safe(f"wrote {p}")
