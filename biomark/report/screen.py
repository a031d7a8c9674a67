"""The screening report: one self-contained HTML page of a :class:`~biomark.validation.schema_screen.ScreenResult`.

A ranked table of the claims with verdicts, q, effect with CI, power, evidence level (cell-line-only
marked), specimen match and the quoted sentence; a volcano plot; one mini forest plot per claim linking to
its full validation report (when written beside it: ``Claim.report``); the ledger's contradictions for
the markers involved; the untestable panels with a reason each; the settings. As the validation report
(:mod:`biomark.report`): inline CSS and SVG, no JavaScript, a Content-Security-Policy of
``default-src 'none'``, every user string escaped, deterministic.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from biomark.atomic import atomic_write
from biomark.validation.schema_screen import ScreenResult, parse_screen

__all__ = ["render_screen_html", "write_screen_html"]


def _typed(result: Any) -> ScreenResult:
    if isinstance(result, ScreenResult):
        return result
    from biomark.report import ReportError

    if not isinstance(result, dict) or not str(result.get("schema", "")).startswith("biomark.screen/"):
        raise ReportError("render_screen_html needs a ScreenResult or the dict of its to_dict() "
                          "(schema biomark.screen/1)")
    return parse_screen(result, strict=False)


def _figures(r: ScreenResult, strict: bool) -> tuple[dict[str, Markup], dict[str, str]]:
    from biomark.report import figures_screen as fs

    figs: dict[str, Markup] = {}
    errors: dict[str, str] = {}

    def add(name: str, fn: Callable[[], str]) -> None:
        try:
            figs[name] = Markup(fn())  # noqa: S704 - SVG checked by to_svg; its text is XML-escaped
        except Exception as err:  # one bad figure must not cost the reader the page
            if strict:
                raise
            errors[name] = f"{type(err).__name__}: {err}"

    alpha = float(r.settings.get("alpha", 0.05))
    if r.claims:
        add("volcano", lambda: fs.volcano_figure(r.claims, alpha))
    for i, c in enumerate(r.claims):
        add(f"forest-{i}", lambda c=c, i=i: fs.claim_forest_figure(c, i))
    return figs, errors


def render_screen_html(result: ScreenResult | dict[str, Any], *, strict: bool = False) -> str:
    """The screening report of ``result`` (a :class:`ScreenResult` or the dict of screen.json) as HTML text.

    ``strict``: a figure that cannot be drawn raises (default: the page says so in its place).
    Same input, same bytes.
    """
    from biomark.report import _env

    r = _typed(result)
    env = _env()
    env.filters["js"] = lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
    figs, errors = _figures(r, strict)
    by_category = dict(sorted(Counter(u.category for u in r.untestable).items()))
    return env.get_template("screen.html.j2").render(r=r, figs=figs, fig_errors=errors, counts=r.counts,
                                                      by_category=by_category)


def write_screen_html(result: ScreenResult | dict[str, Any], path: str | os.PathLike[str], *,
                      strict: bool = False) -> None:
    """Render ``result`` and write it to ``path`` atomically."""
    page = render_screen_html(result, strict=strict)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(page)
