"""The competing-risks block of the report in headless chromium (issue 20): the cumulative-incidence figure
is drawn, no script runs from the competing event's name (it comes from the spec), nothing overflows.
Uses the browser of tests/report/test_browser.py and its survival fixture with a ``survival.competing``
section computed by :func:`biomark.validation.competing.section` on simulated 0/1/2 data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from biomark.report import write_html
from biomark.validation import competing
from biomark.validation.result import _clean
from tests.report._fixtures import XSS_SCRIPT, survival_result
from tests.report.test_browser import ACTIVE_ELEMENTS, SVG_SIZES, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def _result() -> dict:
    rng = np.random.default_rng(20)
    n = 150
    score = rng.normal(size=n)
    t1 = rng.exponential(30 * np.exp(-0.5 * score))
    t2, c = rng.exponential(45, n), rng.uniform(5, 80, n)
    time = np.round(np.minimum.reduce([t1, t2, c]), 2) + 0.01
    status = np.where(c < np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2))
    d = survival_result()
    d["survival"]["competing"] = _clean(competing.section(time, status, score, competing=XSS_SCRIPT,
                                                          event="recurrence", ci=0.95))
    return d


def test_competing_block_renders_and_escapes(browser, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "competing.html"
    write_html(_result(), path, strict=True)
    html = path.read_text(encoding="utf-8")
    assert 'id="competing"' in html and "Fine-Gray subdistribution hazard ratio" in html
    session = browser.open(path.resolve().as_uri(), width=1200)
    browser.drain(0.3)
    assert browser.problems(session) == []
    assert browser.evaluate(session, ACTIVE_ELEMENTS) == 0
    sizes = json.loads(browser.evaluate(session, SVG_SIZES))
    assert len(sizes) == 11, sizes  # the survival fixture's 10 (its nomogram included) and the cumulative incidence
    assert all(w > 100 and h > 100 for w, h in sizes), sizes
    assert browser.evaluate(session, "document.documentElement.scrollWidth") <= 1200
    text = browser.evaluate(session, "document.body.innerText")
    assert XSS_SCRIPT in text and "Cumulative incidence" in text
