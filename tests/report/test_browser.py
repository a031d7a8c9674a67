"""The report in a real browser: headless chromium driven over the DevTools pipe (tests/report/_cdp.py).

CI (.ci/run) installs Debian's chromium. Without a chromium this test FAILS when the environment
variable CI is set, and is skipped only on a developer machine (set BIOMARK_CHROMIUM to a binary to
use another one). One browser serves the whole module; the module takes a few seconds.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from biomark.report import render_html, write_html
from tests.report._cdp import Browser, find_chromium
from tests.report._fixtures import XSS_IMG, XSS_SCRIPT, binary_result, hostile, survival_result

pytestmark = pytest.mark.browser

SVG_SIZES = ("JSON.stringify([...document.querySelectorAll('svg')].map(e => {"
             "const r = e.getBoundingClientRect(); return [r.width, r.height]; }))")
NOMOGRAM = ("JSON.stringify([...document.querySelectorAll('svg[aria-label^=\"Nomogram\"]')].map(e => {"
            "const r = e.getBoundingClientRect(); return [r.width, r.height, e.querySelectorAll('text').length]; }))")
ACTIVE_ELEMENTS = "document.querySelectorAll('script, img, iframe, object, embed, image[href^=\"x\"]').length"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = find_chromium()
    if exe is None:
        msg = ("headless chromium not found (looked for $BIOMARK_CHROMIUM, chromium, chromium-browser, "
               "google-chrome; install it with `apt-get install -y chromium`)")
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {msg}", pytrace=False)
        pytest.skip(msg)
    with Browser(exe) as b:
        yield b


def _write(tmp_path: Path, name: str, result: dict) -> str:
    path = tmp_path / name
    write_html(result, path, strict=True)
    return path.resolve().as_uri()


def _check_png(data: bytes, width: int) -> tuple[int, int]:
    from PIL import Image  # pillow ships with matplotlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.width == width
    colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100  # text, figures, colours: not a blank page
    return img.size


# survival: 5 of "Risk at the horizon" (the nomogram one of them); binary: the nomogram beside calibration
@pytest.mark.parametrize("kind,n_figs", [("binary", 8), ("survival", 10)])
def test_report_renders_cleanly(browser: Browser, tmp_path: Path, kind: str, n_figs: int) -> None:
    result = binary_result() if kind == "binary" else survival_result()
    session = browser.open(_write(tmp_path, f"{kind}.html", result), width=1200)
    browser.drain(0.3)
    assert browser.problems(session) == []
    sizes = browser.evaluate(session, SVG_SIZES)
    import json

    sizes = json.loads(sizes)
    assert len(sizes) == n_figs
    assert all(w > 100 and h > 100 for w, h in sizes), sizes
    # the nomogram (issue 17): drawn, with an axis per predictor and the probability / S(t) axes
    nomo = json.loads(browser.evaluate(session, NOMOGRAM))
    assert len(nomo) == 1 and nomo[0][0] > 300 and nomo[0][1] > 150, nomo
    assert nomo[0][2] > 20  # tick labels (svg.fonttype none: real text)
    # nothing overflows the page sideways
    assert browser.evaluate(session, "document.documentElement.scrollWidth") <= 1200
    png = tmp_path / f"{kind}.png"
    data = browser.screenshot(session, png)
    w, h = _check_png(data, 1200)
    assert h > 3000  # the whole report, not just the first screen
    assert png.stat().st_size == len(data)


def test_hostile_names_run_no_script(browser: Browser, tmp_path: Path) -> None:
    for kind, result in (("binary", binary_result()), ("survival", survival_result())):
        session = browser.open(_write(tmp_path, f"hostile_{kind}.html", hostile(result)))
        browser.drain(0.5)  # give an onerror handler time to fire
        assert browser.problems(session) == []  # includes "dialog (alert)" if alert(1) ran
        assert browser.evaluate(session, ACTIVE_ELEMENTS) == 0
        assert browser.evaluate(session, "typeof window.__xss") == "undefined"
        text = browser.evaluate(session, "document.body.innerText")
        assert XSS_SCRIPT in text and XSS_IMG in text  # shown to the reader as text
        svg_text = browser.evaluate(session, "[...document.querySelectorAll('svg text')].map(t => t.textContent).join('|')")
        assert "<script>alert(1)</script>" in svg_text  # drawn as characters inside the figures
        browser.screenshot(session, tmp_path / f"hostile_{kind}.png")


def test_the_harness_would_notice_a_script(browser: Browser, tmp_path: Path) -> None:
    """Positive control: an injected script and an <img onerror> are detected by the checks above."""
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><title>t</title><p>x</p><script>window.__xss = 1; alert(1)</script>"
                    f"{XSS_IMG}", encoding="utf-8")
    session = browser.open(page.as_uri())
    browser.drain(0.5)
    problems = browser.problems(session)
    assert any(p.startswith("dialog (alert)") for p in problems), problems
    assert browser.evaluate(session, "window.__xss") == 1
    assert browser.evaluate(session, ACTIVE_ELEMENTS) >= 2


def test_content_security_policy_blocks_an_injected_script(browser: Browser, tmp_path: Path) -> None:
    """Defence in depth: even if a script got into the report, the report's CSP stops it (and we see it)."""
    html = render_html(survival_result(), strict=True).replace(
        "<body>", "<body><script>window.__xss = 1; alert(1)</script>", 1)
    page = tmp_path / "injected.html"
    page.write_text(html, encoding="utf-8")
    session = browser.open(page.as_uri())
    browser.drain(0.3)
    assert browser.evaluate(session, "typeof window.__xss") == "undefined"
    problems = browser.problems(session)
    assert not any(p.startswith("dialog") for p in problems)
    assert any("Content Security Policy" in p for p in problems), problems


def _added_value_results() -> dict[str, dict]:
    """Real validate() results with the "Added value over the clinical model" section, binary and survival."""
    import numpy as np

    import biomark
    from biomark.synthetic import simulate

    out = {}
    for kind, pid, ep in (("binary", "escc_mir339_radiotherapy", "radioresistance"),
                          ("survival", "hcc_pdl1_survival", "overall_survival")):
        panel = biomark.load_panel(pid)
        cohort, _ = simulate(panel, 150, seed=5, endpoint=ep)
        rng = np.random.default_rng(2)
        cohort.clinical["stage"] = rng.choice(["I", "II", "III"], len(cohort.clinical))
        cohort.clinical["age"] = rng.normal(60, 9, len(cohort.clinical)).round(1)
        r = biomark.validate(panel, cohort, endpoint=ep, cv=(2, 1), bootstrap=10, permutations=0, seed=3,
                             clinical_model=["stage", "age"], **({"risk_cutoffs": [0.3, 0.6]} if kind == "binary" else {}))
        out[kind] = r.data
    return out


def test_added_value_section_figures_are_drawn(browser: Browser, tmp_path: Path) -> None:
    """Every figure of the added-value section is in the page and drawn with a size: the two ROC curves and the
    decision curves (binary), the two KM-by-tertile panels (survival); the survival NRI/IDI table shows its SEs."""
    import json

    from biomark.report import _figures, _typed

    nomo = "Nomogram: points per predictor, total points, linear predictor and predicted risk"
    expected = {"binary": ["ROC curves of the clinical and the clinical + panel model",
                           "Net benefit of both models and their difference", nomo],
                "survival": ["Kaplan–Meier curves by tertile of the clinical model's risk",
                             "Kaplan–Meier curves by tertile of the clinical + panel model's risk", nomo]}
    for kind, result in _added_value_results().items():
        figs, errors = _figures(_typed(result)[0], True)
        assert errors == {}
        session = browser.open(_write(tmp_path, f"added_{kind}.html", result), width=1200)
        browser.drain(0.3)
        assert browser.problems(session) == []
        sizes = json.loads(browser.evaluate(session, SVG_SIZES))
        assert len(sizes) == len(figs)  # every figure the report made is in the page
        assert all(w > 100 and h > 100 for w, h in sizes), sizes
        js = ("JSON.stringify([...document.querySelectorAll('#added svg')].map(e => {"
              "const r = e.getBoundingClientRect(); return [e.getAttribute('aria-label'), r.width, r.height]; }))")
        section = json.loads(browser.evaluate(session, js))
        assert [f[0] for f in section] == expected[kind]  # the section's own figures, in order
        assert all(w > 100 and h > 100 for _, w, h in section), section
        text = browser.evaluate(session, "document.getElementById('added').innerText")
        if kind == "survival":
            assert "bootstrap resamples of the samples" in text and "(SE " in text
        browser.screenshot(session, tmp_path / f"added_{kind}.png")
# --- the screening report (issue 19) ---------------------------------------------------------------


def test_screen_report_renders_cleanly_and_hostile_names_stay_inert(browser: Browser, tmp_path: Path) -> None:
    import json

    from biomark.report.screen import write_screen_html
    from tests.report._screen_fixture import hostile_screen, screen_result

    result = screen_result()
    page = tmp_path / "screen.html"
    write_screen_html(result, page, strict=True)
    session = browser.open(page.resolve().as_uri(), width=1200)
    browser.drain(0.3)
    assert browser.problems(session) == []
    sizes = json.loads(browser.evaluate(session, SVG_SIZES))
    assert len(sizes) == 1 + len(result.claims)  # the volcano and one forest plot per claim
    assert all(w > 100 and h > 100 for w, h in sizes), sizes
    assert browser.evaluate(session, "document.documentElement.scrollWidth") <= 1200
    _check_png(browser.screenshot(session, tmp_path / "screen.png"), 1200)

    bad = tmp_path / "screen_hostile.html"
    write_screen_html(hostile_screen(result), bad, strict=True)
    session = browser.open(bad.resolve().as_uri())
    browser.drain(0.5)
    assert browser.problems(session) == []
    assert browser.evaluate(session, ACTIVE_ELEMENTS) == 0
    assert browser.evaluate(session, "typeof window.__xss") == "undefined"
    text = browser.evaluate(session, "document.body.innerText")
    assert XSS_SCRIPT in text and XSS_IMG in text
    svg_text = browser.evaluate(session, "[...document.querySelectorAll('svg text')].map(t => t.textContent).join('|')")
    assert "<script>alert(1)</script>" in svg_text  # drawn as characters inside the figures
