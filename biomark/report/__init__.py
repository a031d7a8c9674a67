"""The HTML validation report: one self-contained file a reviewer can open.

``render_html(result)`` turns the result dict of :meth:`biomark.ValidationResult.to_dict`
(schema "biomark.validation/1", see docs/report.md) into a single HTML document:

* inline CSS and inline SVG figures drawn with matplotlib (:mod:`biomark.report.figures`);
* no JavaScript, nothing loaded from the network (a Content-Security-Policy of
  ``default-src 'none'`` makes the browser refuse any load or script even if one slipped in);
* every user-supplied string (marker names, sample IDs, file names, spec text) is escaped by
  jinja2's autoescape in HTML, and written as XML-escaped ``<text>`` inside the SVG;
* deterministic: the same dict gives the same bytes.

The report reads results; it computes no statistics. Sections whose data are absent from the
dict are left out, and the TRIPOD-style checklist says what was and was not assessed.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from biomark.atomic import atomic_write
from biomark.report import figures

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


def direction_verdict(direction: Mapping[str, Any] | None) -> dict[str, str]:
    """Summarise the direction-consistency counts as a headline (no statistics: counts only).

    Returns ``{"tone": "good"|"bad"|"neutral", "title": ..., "detail": ...}``.
    """
    if not direction:
        return {"tone": "neutral", "title": "Not assessed", "detail": "direction consistency was not computed"}
    n = int(direction.get("n_with_direction") or 0)
    agree = int(direction.get("n_agreeing") or 0)
    cons = int(direction.get("n_consistent") or 0)
    contra = int(direction.get("n_contradicting") or 0)
    alpha = direction.get("alpha")
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


def _headline(r: Mapping[str, Any]) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    b = r.get("binary")
    if isinstance(b, Mapping):
        roc = b.get("roc") or {}
        if roc:
            cards.append({"label": "AUC (out-of-fold)", "value": fmt_num(roc.get("auc")),
                          "sub": f"95% CI {fmt_ci(roc.get('ci_low'), roc.get('ci_high'))} (DeLong)"
                          if fmt_ci(roc.get("ci_low"), roc.get("ci_high")) else "CI not available"})
        auc_b = (((b.get("bootstrap") or {}).get("metrics") or {}).get("auc") or {})
        if auc_b:
            cards.append({"label": "Optimism-corrected AUC", "value": fmt_num(auc_b.get("corrected")),
                          "sub": f"apparent {fmt_num(auc_b.get('apparent'))}, optimism {fmt_num(auc_b.get('optimism'))}"})
        cal = b.get("calibration") or {}
        if cal:
            cards.append({"label": "Calibration slope", "value": fmt_num(cal.get("slope")),
                          "sub": f"intercept {fmt_num(cal.get('intercept'))}, Brier {fmt_num(cal.get('brier'))}"})
    s = r.get("survival")
    if isinstance(s, Mapping):
        h = s.get("harrell") or {}
        if h:
            cards.append({"label": "Harrell's C", "value": fmt_num(h.get("c")),
                          "sub": f"SE {fmt_num(h.get('se'))}"
                          + (f"; Uno {fmt_num((s.get('uno') or {}).get('c'))}" if s.get("uno") else "")})
        terms = ((s.get("cox") or {}).get("terms") or [])
        if terms:
            t = terms[0]
            cards.append({"label": "Hazard ratio per SD", "value": fmt_num(t.get("hr"), 2),
                          "sub": f"95% CI {fmt_ci(t.get('hr_ci_low'), t.get('hr_ci_high'), 2)}, p {fmt_p(t.get('p'))}"})
        if s.get("cv_harrell") and not _has_error(s["cv_harrell"]):
            cards.append({"label": "Cross-validated C", "value": fmt_num((s.get("cv_harrell") or {}).get("c")),
                          "sub": "Harrell, out-of-fold risk scores"})
    verdict = direction_verdict(r.get("direction"))
    cards.append({"label": "Direction vs literature", "value": verdict["title"], "sub": verdict["detail"],
                  "tone": verdict["tone"], "wide": True})
    return cards


def _figures(r: Mapping[str, Any], strict: bool) -> tuple[dict[str, Markup], dict[str, str]]:
    figs: dict[str, Markup] = {}
    errors: dict[str, str] = {}
    endpoint = r.get("endpoint") or {}
    pos = endpoint.get("positive_class") or "positive"
    neg = endpoint.get("negative_class") or "negative"

    def add(name: str, fn: Callable[[], str]) -> None:
        try:
            figs[name] = Markup(fn())  # noqa: S704 - SVG checked by figures.to_svg; text is XML-escaped
        except Exception as err:  # one bad section must not cost the reviewer the whole report
            if strict:
                raise
            errors[name] = f"{type(err).__name__}: {err}"

    qc = ((r.get("cohort") or {}).get("qc") or {})
    if qc.get("by_class"):
        add("distributions", lambda: figures.distributions_figure(qc["by_class"], order=[neg, pos]))
    corr = qc.get("correlation") or {}
    if corr.get("markers") and len(corr["markers"]) >= 2:
        add("correlation", lambda: figures.correlation_figure(corr))
    d = r.get("direction")
    if d and d.get("effects"):
        add("direction", lambda: figures.direction_forest_figure(d, pos, neg))
    b = r.get("binary")
    if isinstance(b, Mapping):
        if b.get("roc") and not _has_error(b["roc"]):
            singles = [m for m in b.get("single_markers") or [] if not _has_error(m)]
            add("roc", lambda: figures.roc_figure(b["roc"], singles))
        if b.get("calibration") and not _has_error(b["calibration"]):
            add("calibration", lambda: figures.calibration_figure(b["calibration"]))
        if b.get("decision_curve") and not _has_error(b["decision_curve"]):
            add("decision", lambda: figures.decision_curve_figure(b["decision_curve"], b.get("prevalence")))
        cv = b.get("cv") or {}
        if cv.get("auc_per_repeat"):
            auc_b = (((b.get("bootstrap") or {}).get("metrics") or {}).get("auc") or {})
            add("cv", lambda: figures.cv_figure(cv["auc_per_repeat"], auc_b.get("apparent"),
                                                auc_b.get("corrected"), "AUC"))
    s = r.get("survival")
    if isinstance(s, Mapping):
        unit = s.get("time_unit") or endpoint.get("time_unit") or ""
        if s.get("km") and not _has_error(s["km"]):
            split = str((s["km"] or {}).get("split") or "")
            lr = (s.get("logrank_median") if "median" in split else s.get("cutpoint")) or {}
            test = "log-rank" if "median" in split else "maxstat"
            p_text = f"{test} p = {fmt_p(lr.get('p'))}" if lr.get("p") is not None else ""
            add("km", lambda: figures.km_figure(s["km"], unit, p_text))
        models = [(name, s[key]) for key, name in (("cox", "unadjusted"), ("cox_adjusted", "adjusted"))
                  if s.get(key) and not _has_error(s[key])]
        if models:
            add("hr", lambda: figures.hr_forest_figure(models))
        ta = s.get("time_auc") or {}
        if ta.get("times") and not _has_error(ta):
            add("time_auc", lambda: figures.time_auc_figure(ta, unit))
    return figs, errors


def _normalise(result: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``result`` with known near-variants of the schema mapped onto it.

    Accepted besides the documented layout (so that the report never depends on which of two
    equivalent spellings the engine used):

    * ``binary.calibration`` with the flat fields of ``biomark.stats.calibration_curve``
      (``grid``, ``smooth`` as a list, ``smooth_low``/``smooth_high``, ``bin_predicted``,
      ``bin_observed``, ``bin_low``, ``bin_high``, ``bin_n``) instead of ``smooth``/``binned`` dicts;
    * ``binary.decision_curve.threshold`` for ``thresholds``;
    * ``cohort.by_class`` for ``cohort.qc.by_class``.

    Nothing is computed; values are only moved.
    """
    r = copy.deepcopy(dict(result))
    b = r.get("binary")
    if isinstance(b, dict):
        cal = b.get("calibration")
        if isinstance(cal, dict):
            if isinstance(cal.get("smooth"), list):
                cal["smooth"] = {"x": cal.get("grid") or [], "y": cal["smooth"],
                                 "lower": cal.get("smooth_low"), "upper": cal.get("smooth_high")}
            if "binned" not in cal and cal.get("bin_predicted") is not None:
                cal["binned"] = {"x": cal.get("bin_predicted"), "y": cal.get("bin_observed"),
                                 "lower": cal.get("bin_low"), "upper": cal.get("bin_high"), "n": cal.get("bin_n")}
        dc = b.get("decision_curve")
        if isinstance(dc, dict) and "thresholds" not in dc and "threshold" in dc:
            dc["thresholds"] = dc["threshold"]
    cohort = r.get("cohort")
    if isinstance(cohort, dict) and cohort.get("by_class"):
        qc = cohort.setdefault("qc", {}) or {}
        cohort["qc"] = qc
        qc.setdefault("by_class", cohort["by_class"])
    return r


def _has_error(x: Any) -> bool:
    return isinstance(x, Mapping) and "error" in x


_KIND_TITLE = {"binary": "binary outcome", "survival": "time to event", "change": "paired change",
               "dose": "dose response"}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("biomark.report", "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, p=fmt_p, ci=fmt_ci, pct=fmt_pct)
    env.globals.update(kind_title=_KIND_TITLE, finite=_finite)
    return env


_ENV: jinja2.Environment | None = None


def render_html(result: Mapping[str, Any], *, strict: bool = False) -> str:
    """Render a validation result dict as one self-contained HTML document.

    Parameters
    ----------
    result
        ``ValidationResult.to_dict()`` (schema "biomark.validation/1"); an object with a
        ``to_dict()`` method is accepted too.
    strict
        If True, a figure that cannot be drawn raises; by default the report is still written and
        the section shows what went wrong, so a reviewer never loses the whole report to one figure.

    Returns
    -------
    str
        The HTML text (UTF-8, no JavaScript, no network loads). Same input, same output.
    """
    global _ENV
    if hasattr(result, "to_dict") and not isinstance(result, Mapping):
        result = result.to_dict()
    if not isinstance(result, Mapping):
        raise ReportError(f"render_html needs the result dict of ValidationResult.to_dict(), got {type(result).__name__}")
    schema = result.get("schema")
    if schema is not None and not str(schema).startswith("biomark.validation/"):
        raise ReportError(f"not a biomark validation result (schema {schema!r})")
    if _ENV is None:
        _ENV = _env()
    result = _normalise(result)
    figs, fig_errors = _figures(result, strict)
    html = _ENV.get_template("report.html.j2").render(
        r=result,
        figs=figs,
        fig_errors=fig_errors,
        cards=_headline(result),
        verdict=direction_verdict(result.get("direction")),
        schema_ok=(schema == SUPPORTED_SCHEMA),
    )
    return html


def write_html(result: Mapping[str, Any], path: str | os.PathLike[str], *, strict: bool = False) -> None:
    """Render ``result`` and write it to ``path`` atomically (temporary file, then rename)."""
    html = render_html(result, strict=strict)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(html)
