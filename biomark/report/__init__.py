"""The HTML validation report: one self-contained file a reviewer can open.

``render_html(result)`` turns a validation result (a :class:`biomark.ValidationResult`, its typed
sections, or its dict read by :func:`biomark.validation.schema.parse`; schema "biomark.validation/1",
see docs/report.md) into a single HTML document:

* inline CSS and inline SVG figures drawn with matplotlib (:mod:`biomark.report.figures`);
* no JavaScript, nothing loaded from the network (a Content-Security-Policy of
  ``default-src 'none'`` makes the browser refuse any load or script even if one slipped in);
* every user-supplied string (marker names, sample IDs, file names, spec text) is escaped by
  jinja2's autoescape in HTML, and written as XML-escaped ``<text>`` inside the SVG;
* deterministic: the same dict gives the same bytes.

The report reads the typed sections; it computes no statistics. A section that is ``NotAssessed``
says so with its reason, sections absent from a partial dict are left out, and the TRIPOD-style
checklist says what was and was not assessed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from biomark.atomic import atomic_write
from biomark.report import figures, figures_external, figures_horizon, figures_nomogram
from biomark.validation.schema import (
    BinarySection,
    Direction,
    MarkerNotAssessed,
    NotAssessed,
    SchemaError,
    SurvivalSection,
    ValidationData,
    parse,
    to_plain,
)

__all__ = ["ReportError", "render_html", "write_html"]

SUPPORTED_SCHEMA = "biomark.validation/1"


class ReportError(ValueError):
    """The object given is not a validation result the report can read."""


# ------------------------------------------------------------------------------------------- formatting


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def fmt_num(x: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals; ``—`` for null/nan; integers stay integers."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}".replace(",", "\u2009")
    if not _finite(x):
        return "—"
    out = f"{x:.{digits}f}"
    return out[1:] if out.startswith("-") and not out.strip("-0.") else out  # no "-0.000"


def fmt_p(p: Any) -> str:
    """A p value: three decimals, ``<0.001`` below that, ``—`` when absent."""
    if not _finite(p):
        return "—"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def fmt_ci(lo: Any, hi: Any, digits: int = 3) -> str:
    if not (_finite(lo) and _finite(hi)):
        return ""
    a, b = fmt_num(float(lo), digits), fmt_num(float(hi), digits)
    sep = " to " if a.startswith("-") or b.startswith("-") else "–"
    return f"{a}{sep}{b}"


def fmt_pct(x: Any, digits: int = 1) -> str:
    if not _finite(x):
        return "—"
    return f"{100 * x:.{digits}f}%"


# ------------------------------------------------------------------------------------------- view model


def direction_verdict(direction: Direction | Mapping[str, Any] | None) -> dict[str, str]:
    """Summarise the direction-consistency counts as a headline (no statistics: counts only).

    ``direction``: the typed section, or its counts as a mapping.
    Returns ``{"tone": "good"|"bad"|"neutral", "title": ..., "detail": ...}``.
    """
    if not direction:
        return {"tone": "neutral", "title": "Not assessed", "detail": "direction consistency was not computed"}
    get = direction.get if isinstance(direction, Mapping) else (lambda k: getattr(direction, k, None))
    n = int(get("n_with_direction") or 0)
    agree = int(get("n_agreeing") or 0)
    cons = int(get("n_consistent") or 0)
    contra = int(get("n_contradicting") or 0)
    alpha = get("alpha")
    q = f"q < {alpha:g}" if _finite(alpha) else "significant"
    if n == 0:
        return {"tone": "neutral", "title": "No expected directions",
                "detail": "no marker of the panel states a direction for this endpoint"}
    if contra > 0:
        return {"tone": "bad", "title": f"Contradicts the literature ({contra} of {n})",
                "detail": f"{contra} marker{'s' if contra != 1 else ''} significantly in the opposite direction "
                          f"({q}); {agree} of {n} agree in sign"}
    if cons == n:
        return {"tone": "good", "title": f"Consistent ({cons} of {n})",
                "detail": f"every marker with an expected direction agrees, {q}"}
    if agree == n:
        return {"tone": "good", "title": f"Agrees in sign ({agree} of {n})",
                "detail": f"{cons} of {n} significant ({q}); none contradicts"}
    return {"tone": "neutral", "title": f"Mixed ({agree} of {n} agree in sign)",
            "detail": f"{cons} consistent ({q}), none significantly contradicts"}


def _headline(r: ValidationData) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    if r.binary is not None:
        cards += _binary_cards(r.binary)
    if r.survival is not None:
        cards += _survival_cards(r.survival)
    verdict = direction_verdict(r.direction)
    cards.append({"label": "Direction vs literature", "value": verdict["title"], "sub": verdict["detail"],
                  "tone": verdict["tone"], "wide": True})
    return cards


def _binary_cards(b: BinarySection) -> list[dict[str, Any]]:
    cards = []
    if b.roc is not None:
        ci = fmt_ci(b.roc.ci_low, b.roc.ci_high)
        cards.append({"label": "AUC (out-of-fold)", "value": fmt_num(b.roc.auc),
                      "sub": f"95% CI {ci} (DeLong)" if ci else "CI not available"})
    auc_b = (b.bootstrap.metrics or {}).get("auc") if b.bootstrap is not None else None
    if auc_b is not None:
        cards.append({"label": "Optimism-corrected AUC", "value": fmt_num(auc_b.corrected),
                      "sub": f"apparent {fmt_num(auc_b.apparent)}, optimism {fmt_num(auc_b.optimism)}"})
    cal = b.calibration
    if isinstance(cal, NotAssessed):
        cards.append({"label": "Calibration slope", "value": "not assessed", "sub": cal.reason})
    elif cal is not None:
        cards.append({"label": "Calibration slope", "value": fmt_num(cal.slope),
                      "sub": f"intercept {fmt_num(cal.intercept)}, Brier {fmt_num(cal.brier)}"})
    return cards


def _survival_cards(s: SurvivalSection) -> list[dict[str, Any]]:
    cards = []
    if s.harrell is not None:
        cards.append({"label": "Harrell's C", "value": fmt_num(s.harrell.c), "sub": f"SE {fmt_num(s.harrell.se)}"
                      + (f"; Uno {fmt_num(s.uno.c)}" if s.uno is not None else "")})
    if s.cox is not None and s.cox.terms:
        t = s.cox.terms[0]
        cards.append({"label": "Hazard ratio per SD", "value": fmt_num(t.hr, 2),
                      "sub": f"95% CI {fmt_ci(t.hr_ci_low, t.hr_ci_high, 2)}, p {fmt_p(t.p)}"})
    if s.cv_harrell is not None and not isinstance(s.cv_harrell, NotAssessed):
        cards.append({"label": "Cross-validated C", "value": fmt_num(s.cv_harrell.c),
                      "sub": "Harrell, out-of-fold risk scores"})
    return cards


def _figures(r: ValidationData, strict: bool) -> tuple[dict[str, Markup], dict[str, str]]:
    figs: dict[str, Markup] = {}
    errors: dict[str, str] = {}
    ep = r.endpoint or {}
    pos, neg = ep.get("positive_class") or "positive", ep.get("negative_class") or "negative"

    def add(name: str, fn: Callable[[], str]) -> None:
        try:
            figs[name] = Markup(fn())  # noqa: S704 - SVG checked by figures.to_svg; text is XML-escaped
        except Exception as err:  # one bad section must not cost the reviewer the whole report
            if strict:
                raise
            errors[name] = f"{type(err).__name__}: {err}"

    if r.cohort is not None:
        if r.cohort.by_class:
            add("distributions", lambda: figures.distributions_figure(r.cohort.by_class, order=[neg, pos]))
        corr = (r.cohort.qc or {}).get("correlation") or {}
        if len(corr.get("markers") or []) >= 2:
            add("correlation", lambda: figures.correlation_figure(corr))
    if r.direction is not None and r.direction.effects:
        add("direction", lambda: figures.direction_forest_figure(r.direction, pos, neg))
    if r.binary is not None:
        _binary_figures(r.binary, add)
    if r.survival is not None:
        _survival_figures(r.survival, ep.get("time_unit") or "", add)
    figures_external.external_figures(r, add)
    if _assessed(r.added_value):
        from biomark.report import figures_added

        a = r.added_value
        if a.roc_clinical is not None and a.roc_full is not None:
            add("added_roc", lambda: figures_added.added_roc_figure(a))
        if _assessed(a.net_benefit):
            add("added_decision", lambda: figures_added.added_decision_figure(a.net_benefit))
        if a.km_tertiles is not None:
            unit = ep.get("time_unit") or ""
            add("added_km_clinical", lambda: figures_added.added_km_figure(a.km_tertiles.clinical, "Clinical",
                                                                           "fig-added-km-clinical", unit))
            add("added_km_full", lambda: figures_added.added_km_figure(a.km_tertiles.full, "Clinical + panel",
                                                                       "fig-added-km-full", unit))
        if _assessed(a.nomogram):
            add("added_nomogram", lambda: figures_nomogram.nomogram_figure(a.nomogram, "fig-added-nomogram"))
    return figs, errors


def _assessed(x: Any) -> bool:
    """Present in the result and not a :class:`NotAssessed`."""
    return x is not None and not _not_assessed(x)


def _binary_figures(b: BinarySection, add: Callable[[str, Callable[[], str]], None]) -> None:
    if b.roc is not None:
        singles = [m for m in b.single_markers or [] if _assessed(m)]
        add("roc", lambda: figures.roc_figure(b.roc, singles))
    if _assessed(b.calibration):
        add("calibration", lambda: figures.calibration_figure(b.calibration))
    if _assessed(b.decision_curve):
        add("decision", lambda: figures.decision_curve_figure(b.decision_curve, b.prevalence))
    if _assessed(b.nomogram):
        add("nomogram", lambda: figures_nomogram.nomogram_figure(b.nomogram))
    if b.cv is not None and b.cv.auc_per_repeat:
        auc_b = (b.bootstrap.metrics or {}).get("auc") if b.bootstrap is not None else None
        add("cv", lambda: figures.cv_figure(b.cv.auc_per_repeat, auc_b.apparent if auc_b else None,
                                            auc_b.corrected if auc_b else None, "AUC"))


def _survival_figures(s: SurvivalSection, unit: str, add: Callable[[str, Callable[[], str]], None]) -> None:
    unit = s.time_unit or unit
    if s.km is not None:
        median = "median" in (s.km.split or "")
        test = s.logrank_median if median else s.cutpoint
        p = test.p if _assessed(test) else None
        p_text = f"{'log-rank' if median else 'maxstat'} p = {fmt_p(p)}" if p is not None else ""
        add("km", lambda: figures.km_figure(s.km, unit, p_text))
    models = [(name, m) for name, m in (("unadjusted", s.cox), ("adjusted", s.cox_adjusted)) if _assessed(m)]
    if models:
        add("hr", lambda: figures.hr_forest_figure(models))
    if _assessed(s.time_auc) and s.time_auc.times:
        add("time_auc", lambda: figures.time_auc_figure(s.time_auc, unit))
    if _assessed(s.horizon) and s.horizon.points:
        add("horizon_calibration", lambda: figures_horizon.horizon_calibration_figure(s.horizon))
        add("horizon_auc", lambda: figures_horizon.horizon_auc_figure(s.horizon))
        add("horizon_decision", lambda: figures_horizon.horizon_decision_figure(s.horizon))
        if s.horizon.km_groups is not None:
            add("km_by_score", lambda: figures_horizon.km_by_score_figure(s.horizon))
        if _assessed(s.horizon.nomogram):
            add("nomogram", lambda: figures_nomogram.nomogram_figure(s.horizon.nomogram))
    if s.competing is not None and not _not_assessed(s.competing.cif):
        from biomark.report import figures_competing
        add("cif", lambda: figures_competing.cif_figure(s.competing, unit))


def _not_assessed(x: Any) -> bool:
    return isinstance(x, NotAssessed | MarkerNotAssessed)


_KIND_TITLE = {"binary": "binary outcome", "survival": "time to event", "change": "paired change",
               "dose": "dose response"}


# bidirectional embeddings, overrides, isolates and marks: in a user string (a title, an alias) they
# reorder the displayed text ("\u202eevil" shows as "live"); shown as U+FFFD instead
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LONG_TEXT = 1000  # a longer string (no sentence of biomark's is) is cut to SHOWN_TEXT characters
SHOWN_TEXT = 300  # ... with the full text in the tooltip (title attribute); CSS wraps the rest


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` of the report: bidi controls replaced, a long string cut with its full text in a
    tooltip (a 5,000-character alias made the markers table 37,000 px wide). Markup (figures) is left as is."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    text = _BIDI.sub("\ufffd", value)
    if len(text) <= LONG_TEXT:
        return text
    return Markup('<span class="long" title="{}">{}…</span>').format(text, text[:SHOWN_TEXT])


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        finalize=_finalize,
        loader=jinja2.PackageLoader("biomark.report", "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, p=fmt_p, ci=fmt_ci, pct=fmt_pct)
    env.filters.update(plain=to_plain)
    env.tests.update(not_assessed=_not_assessed, horizon_metric=lambda k: "_at_" in str(k))  # oe_at_12: per horizon
    env.globals.update(kind_title=_KIND_TITLE, finite=_finite)
    return env


_ENV: jinja2.Environment | None = None


def _typed(result: Any) -> tuple[ValidationData, bool]:
    """The typed sections of a result, and whether it declares the supported schema.

    A :class:`~biomark.ValidationResult` or its sections are used as they are; a dict (results.json, or
    one made by hand) is read leniently: a key it lacks is shown as not assessed, an unknown one ignored.
    """
    if isinstance(result, ValidationData):
        return result, True
    if isinstance(getattr(result, "sections", None), ValidationData):
        return result.sections, True
    if hasattr(result, "to_dict") and not isinstance(result, Mapping):
        result = result.to_dict()
    if not isinstance(result, Mapping):
        raise ReportError(f"render_html needs a ValidationResult or the dict of ValidationResult.to_dict(), got "
                          f"{type(result).__name__}")
    schema = result.get("schema")
    if schema is not None and not str(schema).startswith("biomark.validation/"):
        raise ReportError(f"not a biomark validation result (schema {schema!r})")
    try:
        return parse(dict(result), strict=False), schema == SUPPORTED_SCHEMA
    except SchemaError as err:
        raise ReportError(f"the result does not follow {SUPPORTED_SCHEMA}: {err}") from None


def render_html(result: Any, *, strict: bool = False) -> str:
    """Render a validation result as one self-contained HTML document.

    Parameters
    ----------
    result
        A :class:`~biomark.ValidationResult`, its typed sections, or its dict (results.json, schema
        "biomark.validation/1", read strictly by :func:`biomark.validation.schema.parse`).
    strict
        If True, a figure that cannot be drawn raises; by default the report is still written and
        the section shows what went wrong, so a reviewer never loses the whole report to one figure.

    Returns
    -------
    str
        The HTML text (UTF-8, no JavaScript, no network loads). Same input, same output.
    """
    global _ENV
    r, schema_ok = _typed(result)
    if _ENV is None:
        _ENV = _env()
    figs, fig_errors = _figures(r, strict)
    return _ENV.get_template("report.html.j2").render(
        r=r, figs=figs, fig_errors=fig_errors, cards=_headline(r), verdict=direction_verdict(r.direction),
        schema_ok=schema_ok)


def write_html(result: Any, path: str | os.PathLike[str], *, strict: bool = False) -> None:
    """Render ``result`` and write it to ``path`` atomically (temporary file, then rename)."""
    html = render_html(result, strict=strict)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(html)
