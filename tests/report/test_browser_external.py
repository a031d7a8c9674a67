"""The external-validation part of the report in headless chromium (issue 18): every figure drawn, no script
runs from cohort names, nothing overflows. Uses the browser of tests/report/test_browser.py."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import biomark
from biomark.report import write_html
from biomark.synthetic import simulate
from tests.report._fixtures import XSS_IMG, XSS_SCRIPT
from tests.report.test_browser import ACTIVE_ELEMENTS, SVG_SIZES, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_external_section_renders_and_escapes(browser, tmp_path: Path) -> None:  # noqa: F811
    panel = biomark.load_panel(ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml")
    names = ["train", XSS_SCRIPT, XSS_IMG]
    cs = [simulate(panel, 120, seed=s, endpoint="radioresistance", effect=0.8, name=n)[0]
          for s, n in zip((1, 2, 3), names, strict=True)]
    cs[2] = replace(cs[2], expression=cs[2].expression * 1.5 + 2)
    r = biomark.validate(panel, cs, endpoint="radioresistance", method="logistic", harmonise="combat", cv=(3, 1),
                         bootstrap=0, permutations=0, seed=1)
    path = tmp_path / "external.html"
    write_html(r, path, strict=True)
    html = path.read_text(encoding="utf-8")
    assert 'id="external"' in html and "Internal-external cross-validation" in html
    session = browser.open(path.resolve().as_uri(), width=1200)
    browser.drain(0.5)
    assert browser.problems(session) == []
    assert browser.evaluate(session, ACTIVE_ELEMENTS) == 0
    sizes = json.loads(browser.evaluate(session, SVG_SIZES))
    # direction, correlation, distributions, ROC, calibration, decision, 2 cohort calibrations,
    # 4 external forests, the batch PCA, 4 IECV forests (CV figure only with repeats > 1)
    assert len(sizes) >= 17, sizes
    assert all(w > 100 and h > 100 for w, h in sizes), sizes
    assert browser.evaluate(session, "document.documentElement.scrollWidth") <= 1200
    text = browser.evaluate(session, "document.body.innerText")
    assert XSS_SCRIPT in text and XSS_IMG in text
