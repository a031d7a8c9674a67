"""``biomark fit --clinical-model`` and ``biomark score --clinical``: the combined clinical + panel model file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from biomark.cli._common import echo_safe
from biomark.errors import InputError


def _list(text: str | None, option: str) -> list[str]:
    items = [x.strip() for x in (text or "").split(",") if x.strip()]
    if text is not None and not items:
        raise click.BadParameter("name at least one clinical column, e.g. stage,age", param_hint=option)
    return items


def fit_combined_cli(panel: Any, method: str, ep: Any, expression: str, clinical: str | None, out_p: Path,
                     clinical_model: str | None, spline: str | None, horizon: str | None, *, cohort_opts: Any,
                     quiet: bool, as_json: bool, penalty: str, time_col: str | None, event_col: str | None,
                     **kw: Any) -> None:
    """Usage checks, the fit (:func:`biomark.fitting_clinical.fit_combined_files`), the file and the summary."""
    if clinical_model is None:
        raise click.UsageError(("--spline" if spline is not None else "--horizon") + " goes with --clinical-model")
    names = _list(clinical_model, "--clinical-model")
    splines = _list(spline, "--spline") if spline is not None else []
    if clinical is None:
        raise InputError("--clinical-model names clinical columns: give --clinical FILE with them and the outcome")
    if horizon is not None and ep.kind != "survival":
        raise click.UsageError("--horizon goes with a survival endpoint")
    if method == "cox" and ep.kind != "survival":
        raise InputError(f"--method cox needs a survival endpoint; endpoint '{ep.id}' is {ep.kind}")
    if ep.kind != "survival" and (time_col or event_col):
        raise click.UsageError("--time and --event go with a survival endpoint")
    hs = None
    if horizon is not None:
        try:
            hs = [float(h) for h in horizon.split(",") if h.strip()]
        except ValueError:
            raise click.BadParameter(f"{horizon!r}: give times as numbers, e.g. 12,36,60", param_hint="--horizon") from None
    from biomark.fitting_clinical import fit_combined_files
    from biomark.validation.pywarnings import capture, summarise

    with capture() as caught:
        run = fit_combined_files(panel, method, ep, expression, clinical, clinical_model=names, spline=splines,
                                 horizons=hs, time_col=time_col, event_col=event_col,
                                 penalty=None if penalty == "none" else penalty, **kw, **cohort_opts.read_kwargs())
    run.run.model.warnings_ = [*run.run.model.warnings_, *summarise(caught)]
    run.save(out_p)
    doc = run.summary(out_p)
    if as_json:
        click.echo(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False, default=str))
        return
    if quiet:
        return
    part = run.part
    model = "logistic" if part.kind == "binary" else "Cox"
    echo_safe(f"fitted {run.run.model.method_} for panel '{run.run.panel.id}' and two {model} models on {part.n} "
              f"samples ({part.n_events} events): clinical ({', '.join(names)}) and clinical + "
              + (f"panel markers ({', '.join(part.markers)})" if part.markers else "panel score"))
    for c in part.columns:
        if c.kind == "categorical":
            echo_safe(f"  {c.name}: levels {', '.join(c.levels)} (reference {c.levels[0]})")
        elif c.kind == "spline":
            echo_safe(f"  {c.name}: restricted cubic spline, knots {', '.join(f'{k:g}' for k in c.knots)}")
    if part.horizons:
        echo_safe(f"  risk stored at t = {', '.join(f'{h:g}' for h in part.horizons)}")
    for w in doc["warnings"]:
        echo_safe(f"  warning: {w}")
    echo_safe(f"wrote {out_p}")


def score_combined_cli(model_path: str | None, clinical: str | None, expression: str, out_p: Path, *, quiet: bool,
                       as_json: bool, threshold: float | None, **kw: Any) -> None:
    """``biomark score`` of a combined model: needs --model and --clinical."""
    from biomark.scoring_clinical import is_combined, score_combined

    if model_path is None:
        raise click.UsageError("--clinical goes with --model FILE written by 'biomark fit --clinical-model'")
    if not is_combined(model_path):
        raise InputError(f"{model_path}: was fitted without clinical columns, so --clinical has nothing to apply; "
                         "leave --clinical out, or fit with 'biomark fit --clinical-model COLS'")
    if threshold is not None:
        raise click.UsageError("--threshold does not apply to a combined clinical + panel model (it writes the "
                               "probability or the risk at each horizon, no risk group)")
    kw = {k: v for k, v in kw.items() if v is not None}
    s = score_combined(model_path, expression, clinical, out_p, **kw)
    if as_json:
        click.echo(json.dumps(s.to_dict(), indent=1, ensure_ascii=False, allow_nan=False, default=str))
        return
    if quiet:
        return
    echo_safe(f"scored {s.n_samples} sample(s) with {model_path} (clinical + panel, "
              f"{'logistic' if s.kind == 'binary' else 'Cox'}; clinical columns {', '.join(s.clinical_columns)}) "
              f"in {s.seconds:.2f} s")
    echo_safe(f"  columns: {', '.join(s.columns)}")
    for w in s.panel.warnings:
        echo_safe(f"  warning: {w}")
    echo_safe(f"wrote {s.output}")
