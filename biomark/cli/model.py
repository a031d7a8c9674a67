"""``biomark fit`` and ``biomark score``: thin shells over :class:`biomark.PanelModel` and
:func:`biomark.scoring.score_file`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from biomark.cli._cohort_options import CohortOptions, cohort_options, expression_options
from biomark.cli._common import SEED, check_output_path, echo_safe
from biomark.cli._format_options import format_options
from biomark.errors import InputError
from biomark.vocabulary import METHODS, PENALTIES, SCORING_RULES

LINEAR_RULES = [r for r in SCORING_RULES if r != "boolean"]  # what score --method may name


def _echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False, default=str))


@click.command("fit")
@format_options
@click.option("--panel", "panel_name", required=True, metavar="NAME", help="Catalog panel id or spec file.")
@click.option("--expression", required=True, type=click.Path(),
              help="Expression file (CSV, TSV, Parquet; .gz ok; GEO series matrix or SOFT; a cBioPortal study folder).")
@click.option("--clinical", type=click.Path(dir_okay=False),
              help="Clinical file with the binary outcome (optional for signed_z, weights, boolean), or time and event "
                   "for --method cox.")
@click.option("--outcome", metavar="COL", help="Clinical column with the binary outcome [endpoint id, outcome, response, ...].")
@click.option("--endpoint", metavar="ID", help="Panel endpoint whose directions sign the score [the panel's scoring endpoint].")
@click.option("--time", "time_col", metavar="COL", help="cox: clinical column with the survival time [time, os_time, ...].")
@click.option("--event", "event_col", metavar="COL", help="cox: clinical column with the event (1) / censored (0) [event, status, ...].")
@click.option("--method", type=click.Choice(METHODS),
              help="Scoring rule [the panel's scoring.rule]; cox: a Cox model on the markers (survival endpoint).")
@click.option("--penalty", type=click.Choice([*PENALTIES, "none"]), default="l2", show_default=True,
              help="logistic or cox (l2 or none): penalty, its strength chosen by inner CV ('none': plain maximum likelihood).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the inner CV folds (logistic, cox).")
@click.option("--sep", metavar="CHAR", help="Field separator of the expression file [sniffed from its header].")
@click.option("--decimal", type=click.Choice([".", ","]), help="Decimal mark of the expression file [sniffed].")
@click.option("--spike-in", metavar="COL", help="qPCR: spike-in column for −ΔCt (instead of the reference markers).")
@click.option("--ct-cutoff", type=float, default=40.0, show_default=True,
              help="qPCR: Undetermined, empty and higher Ct set to this.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Model file to write (JSON).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout instead of text.")
@cohort_options
def fit(panel_name: str, expression: str, clinical: str | None, outcome: str | None, endpoint: str | None,
        time_col: str | None, event_col: str | None, method: str | None, penalty: str, seed: int,
        sep: str | None, decimal: str | None, spike_in: str | None, ct_cutoff: float, out: str, quiet: bool, as_json: bool,
        cohort_opts: CohortOptions, formats: dict) -> None:
    """Fit a panel's scoring rule on a cohort and write model.json.

    The model is fitted on the assay-converted levels (−ΔCt for qPCR Ct, log2 CPM for counts,
    log2 intensity), with training-median imputation and z-scores from these samples. With
    --clinical the binary outcome also calibrates probabilities (logistic needs it); without it
    the model gives scores and risk groups but no probability. --method cox fits a Cox model on
    the markers to a survival endpoint (--clinical with --time and --event); its score is the
    linear predictor, higher meaning higher risk.

    \b
    Examples:
      biomark fit --panel nsclc_mir96_radioresistance --expression expr.csv \\
          --clinical clinical.csv --outcome radioresistance --out model.json
      biomark fit --panel escc_mir339_radiotherapy --expression expr.csv --out model.json
    """
    # imported here, not at the top: biomark.fitting (io, model, validation, scikit-learn) takes ~1-2.7 s to
    # import, which `biomark --help` and every other command would pay
    from biomark.fitting import fit_files, resolve_fit

    out_p = check_output_path(out, [expression, clinical])
    panel, method, ep = resolve_fit(panel_name, method, endpoint)
    from biomark.io.public import detect_format
    from biomark.validation.pywarnings import capture, summarise

    embedded = Path(expression).exists() and detect_format(Path(expression)) != "table"  # GEO, cBioPortal: own samples
    _check_fit_usage(clinical or (expression if embedded else None), outcome, method, time_col, event_col, panel, ep)
    with capture() as caught:  # scikit-learn's ConvergenceWarnings go into the model's warnings, not on stderr
        run = fit_files(panel, method, ep, expression, clinical, outcome=outcome, time_col=time_col,
                        event_col=event_col, penalty=None if penalty == "none" else penalty, seed=seed,
                        spike_in=spike_in, ct_cutoff=ct_cutoff, sep=sep, decimal=decimal, formats=formats,
                        **cohort_opts.read_kwargs())
    run.model.warnings_ = [*run.model.warnings_, *summarise(caught)]
    run.save(out_p)
    doc = run.summary(out_p)
    if as_json:
        _echo_json(doc)
    elif not quiet:
        _echo_fit(run, doc, out_p)


def _check_fit_usage(clinical: str | None, outcome: str | None, method: str, time_col: str | None,
                     event_col: str | None, panel: Any, ep: Any) -> None:
    """Option combinations that cannot work (usage errors), in the order the user meets them."""
    from biomark.fitting import check_method_endpoint  # slow import (see fit)

    if clinical is None and outcome is not None:
        raise click.UsageError("--outcome needs --clinical FILE")
    if clinical is None and method == "logistic":
        raise click.UsageError("--method logistic fits coefficients to an outcome: give --clinical FILE (and --outcome COL)")
    if clinical is None and method == "cox":
        raise click.UsageError("--method cox fits coefficients to survival: give --clinical FILE (and --time, --event)")
    check_method_endpoint(panel, method, ep)
    if method != "cox" and (time_col or event_col):
        raise click.UsageError("--time and --event go with --method cox")


def _echo_fit(run: Any, doc: dict[str, Any], out_p: Path) -> None:
    model, ycol = run.model, run.outcome
    echo_safe(f"fitted {model.method_} for panel '{run.panel.id}', endpoint '{run.endpoint.id}', on {doc['n_samples']} "
               f"samples ({len(model.markers_)} marker(s): {', '.join(model.markers_)})")
    if run.dropped:
        echo_safe(f"  {run.dropped} sample(s) left out ({ycol}): reasons in the warnings below")
    if model.method_ == "cox":
        echo_safe(f"  Cox model on {int(model.n_events_)} events ({ycol}); the score is its linear predictor "
                   "(higher = higher risk), no probability")
    elif not run.labelled:
        echo_safe("  no outcome given: no probability calibration; 'biomark score' will write the score and a risk "
                   "group by the training mean score, without a probability column")
    elif run.probability:
        what = "logistic regression" if model.method_ == "logistic" else "logistic recalibration of the score"
        echo_safe(f"  probability of '{run.endpoint.positive_class}' ({ycol}): {what}")
    echo_safe(f"  conversion: {run.conversion['rule']}")
    for w in doc["warnings"]:
        echo_safe(f"  warning: {w}")
    echo_safe(f"wrote {out_p}")


@click.command("score")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="Model file written by 'biomark fit'.")
@click.option("--panel", "panel_name", metavar="NAME",
              help="Score with a panel's signed_z/weights rule instead, z-scored with the file's own means and SDs "
                   "(reads the file twice).")
@click.option("--method", type=click.Choice(LINEAR_RULES), help="With --panel: the rule [the panel's].")
@click.option("--endpoint", metavar="ID", help="With --panel: endpoint whose directions sign the score.")
@click.option("--expression", required=True, type=click.Path(dir_okay=False),
              help="Samples as rows: CSV, TSV (.gz ok) or Parquet.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Scores file: .csv, .tsv (.gz ok) or .parquet.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=None,
              help="Rows per chunk; memory grows with it, results do not change [131072].")
@click.option("--threshold", type=float, metavar="P",
              help="Risk group 'high' when probability > P [0.5]; on the score when the model has no probability.")
@click.option("--spike-in", metavar="COL", help="qPCR (with --panel): spike-in column for −ΔCt.")
@click.option("--ct-cutoff", type=float, help="qPCR (with --panel): Undetermined/empty/higher Ct set to this [40].")
@click.option("--sep", metavar="CHAR", help="Field separator of a text file [sniffed].")
@click.option("--decimal", type=click.Choice([".", ","]), help="Decimal mark of a text file [sniffed: ',' only with sep ';'].")
@click.option("--trust-model", is_flag=True,
              help="Allow a pickled (joblib) model: unpickling runs code from the file; only for files you trust.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout instead of text.")
@expression_options
def score(model_path: str | None, panel_name: str | None, method: str | None, endpoint: str | None, expression: str,
          out: str, chunk_rows: int | None, threshold: float | None, spike_in: str | None, ct_cutoff: float | None,
          sep: str | None, decimal: str | None, trust_model: bool, quiet: bool, as_json: bool,
          cohort_opts: CohortOptions) -> None:
    """Score every sample of a file with a fitted model (or a panel's rule), streaming in chunks.

    Writes one row per sample: sample_id, score, probability (when the model has one),
    risk_group (high/low) and n_missing (markers imputed with the training median). Marker
    columns are matched through the panel's aliases; the assay conversion is the one the model
    was fitted with. Sample ids that a spreadsheet would run as a formula (starting with = + - @)
    are written with a leading '. See docs/scoring.md.

    \b
    Examples:
      biomark score --model model.json --expression new_samples.csv --out scores.csv
      biomark score --panel escc_mir339_radiotherapy --expression big.parquet --out scores.parquet
    """
    if (model_path is None) == (panel_name is None):
        raise click.UsageError("give exactly one of --model FILE and --panel NAME")
    id_column, assay = cohort_opts.id_column, cohort_opts.assay
    if cohort_opts.samples_as == "columns":
        raise click.UsageError("biomark score streams one sample per row (--samples-as rows); transpose a file "
                               "with samples as columns first (biomark validate and fit read both layouts)")
    if model_path is not None and (method or endpoint):
        raise click.UsageError("--method and --endpoint go with --panel; a model file carries its own")
    if threshold is not None and threshold != threshold:
        raise click.BadParameter("must be a number", param_hint="--threshold")
    out_p = check_output_path(out, [expression, model_path])
    if not Path(expression).exists():
        raise InputError(f"{expression}: no such file; check the path")
    from biomark.io.public import detect_format

    fmt = detect_format(Path(expression))
    if fmt != "table":
        raise InputError(f"{expression}: a {fmt}; 'biomark score' streams CSV/TSV/Parquet tables only: score it with "
                         "'biomark validate' or 'biomark fit' (which read it), or export a samples x markers table")
    if model_path is not None:
        if not Path(model_path).exists():
            raise InputError(f"{model_path}: no such model file; check the path")
        if not Path(model_path).is_file():
            raise InputError(f"{model_path}: is not a regular file (a directory, device or pipe); give the model.json "
                             "written by 'biomark fit'")
        with open(model_path, "rb") as fh:
            head = fh.read(64).lstrip()
        if not head.startswith((b"{", b"\x80")):  # JSON, or a joblib pickle (protocol >= 2)
            raise InputError(f"{model_path}: is not a biomark model file (neither JSON nor a joblib pickle); give "
                             "the model.json written by 'biomark fit' (--model) — the expression file goes to "
                             "--expression")
    if panel_name is not None:
        from biomark.panel import load_panel

        panel_obj = load_panel(panel_name)  # an unknown panel fails before the heavy imports
    from biomark.scoring import DEFAULT_CHUNK_ROWS, read_model_conversion, score_file

    if model_path is not None:
        obj: Any = _load_model(model_path, trust_model, head)
        conversion = read_model_conversion(model_path)
        if conversion is None and obj.panel_ is not None and not quiet and not as_json:
            echo_safe(f"note: {model_path} records no conversion (not written by 'biomark fit'): using the panel's "
                       "assay and its reference markers found in the file", err=True)
    else:
        obj = panel_obj
        conversion = None
    summary = score_file(obj, expression, out_p, chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS, id_column=id_column,
                         threshold=threshold, method=method, endpoint=endpoint, assay=assay, spike_in=spike_in,
                         ct_cutoff=ct_cutoff, sep=sep, decimal=decimal, conversion=conversion)
    shifted = [w for w in summary.warnings if "training SDs" in w]
    if not quiet:
        for w in shifted:  # on stderr: it changes what every score means
            echo_safe(f"warning: {w}", err=True)
    if as_json:
        _echo_json(summary.to_dict())
        return
    if not quiet:
        _echo_score(summary, model_path if model_path is not None else
                    f"panel '{panel_name}' ({summary.method}, statistics from the file)", shifted)


def _load_model(model_path: str, trust: bool, head: bytes) -> Any:
    """A JSON model file is read and applied with NumPy only (:mod:`biomark.model.applied`: no
    scikit-learn import, ~0.6 s of start-up); a pickle (``--trust-model``) needs scikit-learn."""
    if head.startswith(b"{"):
        from biomark.model.applied import load_applied

        return load_applied(model_path)
    from biomark.model import PanelModel

    return PanelModel.load(model_path, trust=trust)


def _echo_score(s: Any, src: str, shifted: list[str]) -> None:
    """The text summary of a score run (the shift warnings went to stderr already)."""
    echo_safe(f"scored {s.n_samples} sample(s) with {src} in {s.seconds:.2f} s")
    echo_safe(f"  markers: {len(s.markers) - len(s.absent)} of {len(s.markers)} found; conversion: {s.conversion}")
    if s.n_missing_total:
        per = ", ".join(f"{m} {k}" for m, k in s.missing_by_marker.items())
        echo_safe(f"  imputed: {s.n_missing_total} value(s) in {s.n_samples_with_missing} sample(s) ({per})")
    else:
        echo_safe("  imputed: none")
    echo_safe(f"  risk group: {s.risk_rule}; high {s.n_high}, low {s.n_samples - s.n_high}")
    if not s.has_probability:
        why = "a Cox model gives a relative risk, not a probability" if s.method == "cox" else \
            "no outcome was used to fit the rule"
        echo_safe(f"  no probability column: {why}")
    if s.neutralised_ids:
        echo_safe(f"  {s.neutralised_ids} sample id(s) began with = + - @ (a spreadsheet formula) and were written "
                  "with a leading '")
    for w in s.warnings:
        if w not in shifted:
            echo_safe(f"  warning: {w}")
    echo_safe(f"wrote {s.output}")


__all__ = ["fit", "score"]
