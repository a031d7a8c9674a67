"""Unit tests of the HTML report (biomark.report), rendered from the hand-built dicts in _fixtures.py.

What is checked: every section is present for its endpoint and absent otherwise, the headline numbers
are the ones in the dict, the document loads nothing and runs nothing, every figure is a sized inline
SVG, ids are unique, hostile names are escaped everywhere (HTML and SVG), output is deterministic,
absent sections say "not assessed", and writing is atomic.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from biomark.report import (
    ReportError,
    direction_verdict,
    fmt_ci,
    fmt_num,
    fmt_p,
    render_html,
    write_html,
)
from biomark.report import figures as F
from biomark.validation.result import ValidationResult
from biomark.validation.schema import SchemaError, parse
from tests.report._fixtures import (
    MARKERS,
    PAYLOADS,
    XSS_IMG,
    XSS_SCRIPT,
    binary_result,
    hostile,
    survival_result,
)

ROOT = Path(__file__).resolve().parents[2]


class _Tags(HTMLParser):
    """Collects every start tag with its attributes, the way a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def _section_ids(html: str) -> set[str]:
    return set(re.findall(r'<section id="([a-z_-]+)"', html))


BINARY_FIGS = 8  # direction, distributions, correlation, roc, calibration, nomogram, decision, cv
SURVIVAL_FIGS = 10  # direction, correlation, km, hr, time_auc, and the 5 of "Risk at the horizon" (nomogram included)


@pytest.fixture(scope="module")
def binary_html() -> str:
    return render_html(binary_result(), strict=True)


@pytest.fixture(scope="module")
def survival_html() -> str:
    return render_html(survival_result(), strict=True)


@pytest.fixture(scope="module")
def hostile_htmls() -> dict[str, str]:
    return {"binary": render_html(hostile(binary_result()), strict=True),
            "survival": render_html(hostile(survival_result()), strict=True)}


# ------------------------------------------------------------------------------------------ sections


def test_binary_sections_present(binary_html: str) -> None:
    ids = _section_ids(binary_html)
    assert {"summary", "direction", "panel", "qc", "discrimination", "calibration", "decision", "thresholds",
            "internal", "warnings", "tripod", "reproducibility"} <= ids
    assert "survival" not in ids
    assert "cohorts" not in ids  # no "cohorts"/"meta" keys in the fixture
    assert binary_html.startswith("<!DOCTYPE html>")


def test_survival_sections_present(survival_html: str) -> None:
    ids = _section_ids(survival_html)
    assert {"summary", "direction", "panel", "qc", "survival", "internal", "tripod", "reproducibility"} <= ids
    assert not ids & {"discrimination", "calibration", "decision", "thresholds"}
    for text in ("Harrell's C", "Uno's C", "Proportional-hazards check", "Number at risk", "Adjusted for age, stage"):
        assert text in survival_html, text


def test_flags_come_first_and_contradiction_is_highlighted(binary_html: str) -> None:
    flag = "marker hsa-miR-96-5p significantly contradicts the literature"
    assert binary_html.index(flag) < binary_html.index('<section id="direction">')
    assert '<div class="flags" role="alert">' in binary_html
    # the contradicting marker's table row carries the highlight class, the others do not
    rows = re.findall(r'<tr class="(\w+)">\s*<td>([^<]+)', binary_html)
    status = {m: s for s, m in rows}
    assert status["hsa-miR-96-5p"] == "contradicting"
    assert status["hsa-miR-339-5p"] == "consistent"
    assert status["hsa-miR-19b-3p"] == "inconclusive"
    assert "Contradicts the literature (1 of 5)" in binary_html


def test_no_flags_box_says_so(survival_html: str) -> None:
    assert '<div class="flags ok"><h2>No flags</h2>' in survival_html
    # survival fixture: all 4 markers with a direction agree in sign, 3 significant -> "Agrees in sign"
    assert "Agrees in sign (4 of 4)" in survival_html


def test_headline_numbers_come_from_the_dict(binary_html: str) -> None:
    # values written in _fixtures.binary_result(): roc auc 0.8123 [0.7502, 0.8744], corrected 0.8143, slope 0.9105
    summary = binary_html[binary_html.index('<section id="summary"'):binary_html.index('<section id="direction"')]
    assert "0.812" in summary and "95% CI 0.750–0.874 (DeLong)" in summary
    assert "0.814" in summary  # optimism-corrected AUC
    assert "0.910" in summary  # calibration slope
    assert "intercept -0.041, Brier 0.180" in summary


def test_provenance_sentences_seed_reference_and_conflicts(binary_html: str) -> None:
    d = binary_result()
    for ev in d["panel"]["evidence"]:
        assert ev["sentence"] in binary_html
        assert f"reference [{ev['reference']}]" in binary_html
    assert "002_d24a42885fe5c4b5.txt" in binary_html
    assert "Conflicts in the source" in binary_html
    assert "Table 2 lists exosomal miR-19b as promoting radiosensitivity" in binary_html


def test_qc_lists_missing_markers_ids_and_undetermined(binary_html: str) -> None:
    qc = binary_html[binary_html.index('<section id="qc">'):binary_html.index('<section id="discrimination">')]
    assert "hsa-miR-1290" in qc  # missing marker
    assert "ESCC-0192, ESCC-0207" in qc and "ESCC-0311" in qc
    assert "Ct undetermined" in qc
    assert "183 read, 180 analysed" in qc


def test_tripod_and_reproducibility(binary_html: str) -> None:
    tripod = binary_html[binary_html.index('<section id="tripod">'):binary_html.index('<section id="reproducibility">')]
    assert tripod.count('<span class="badge yes">yes</span>') == 6
    assert tripod.count('<span class="badge no">no</span>') == 2
    repro = binary_html[binary_html.index('<section id="reproducibility">'):]
    assert "biomark validate --panel escc_exosome_radiotherapy" in repro
    assert "3b1f" + "0" * 56 + "a1c2" in repro  # input hash
    assert "scikit-learn" in repro and "1.4.2" in repro


# ------------------------------------------------------------------------------------------ self-containment


@pytest.mark.parametrize("which", ["binary", "survival"])
def test_nothing_loaded_nothing_run(which: str, binary_html: str, survival_html: str) -> None:
    html = binary_html if which == "binary" else survival_html
    low = html.lower()
    assert "<script" not in low
    assert "http://" not in low and "https://" not in low  # not even namespace URLs
    assert "@import" not in low and "@font-face" not in low
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "src", tag
            if name in ("href", "xlink:href", "action", "formaction", "poster", "data"):
                assert (value or "").startswith("#"), (tag, name, value)
    # every url(...) in styles points inside the document
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", html))
    # defence in depth: the browser is told to refuse scripts and loads
    assert "default-src 'none'" in html


@pytest.mark.parametrize("which,n_figs", [("binary", BINARY_FIGS), ("survival", SURVIVAL_FIGS)])
def test_every_svg_is_sized_and_ids_are_unique(which: str, n_figs: int, binary_html: str, survival_html: str) -> None:
    html = binary_html if which == "binary" else survival_html
    parsed = _parse(html)
    svgs = [dict(a) for t, a in parsed.tags if t == "svg"]
    assert len(svgs) == n_figs
    for a in svgs:
        vb = [float(x) for x in a["viewbox"].split()]
        assert len(vb) == 4 and vb[2] > 50 and vb[3] > 50
        assert float(a["width"].removesuffix("pt")) > 50 and float(a["height"].removesuffix("pt")) > 50
        assert a.get("role") == "img" and a.get("aria-label")
    ids = [v for _, attrs in parsed.tags for k, v in attrs if k == "id"]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
    # every internal reference resolves
    refs = re.findall(r'(?:xlink:href="#|url\(#)([^")]+)', html)
    assert refs and set(refs) <= set(ids)


# ------------------------------------------------------------------------------------------ escaping


@pytest.mark.parametrize("which", ["binary", "survival"])
def test_hostile_strings_never_appear_raw(which: str, hostile_htmls: dict[str, str]) -> None:
    html = hostile_htmls[which]
    for payload in PAYLOADS:
        assert payload not in html
    low = html.lower()
    assert "<script" not in low and "<img" not in low
    parsed = _parse(html)
    assert not [t for t, _ in parsed.tags if t in ("script", "img", "iframe", "object", "embed")]
    assert not [(t, k) for t, attrs in parsed.tags for k, _ in attrs if k.startswith("on")]
    # ... and they are shown, as text, in HTML and inside the SVG figures
    text = "".join(parsed.text)
    assert XSS_SCRIPT in text and XSS_IMG in text
    svg_text = "".join(re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg_text
    assert "&gt;&lt;img src=x onerror=" in svg_text  # names are shortened in figures


def test_hostile_names_reach_every_user_field(hostile_htmls: dict[str, str]) -> None:
    """The hostile fixture really puts payloads where the report prints them (or the test above is vacuous)."""
    html = hostile_htmls["binary"]
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_img = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert f"<h1>Panel {escaped_script} {escaped_img}</h1>" in html  # panel title
    assert f"<td>{escaped_script}#0" in html  # marker name in a table cell
    assert f"2: {escaped_script}, {escaped_img}" in html  # sample IDs only in expression
    assert f"<td>data/{escaped_img}.csv</td>" in html  # input file name
    assert f"<span>cohort {escaped_img}</span>" in html  # cohort name


def test_dollar_in_a_name_is_not_mathtext() -> None:
    d = survival_result()
    d["direction"]["effects"][0]["marker"] = "miR-$x^2$"
    html = render_html(d, strict=True)
    assert ">miR-$x^2$</text>" in html


def test_to_svg_refuses_active_content() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    ax = fig.add_subplot()
    (line,) = ax.plot([0, 1], [0, 1])
    line.set_url("javascript:alert(1)")  # matplotlib writes <a xlink:href="javascript:...">
    with pytest.raises(F.FigureError, match="active content"):
        F.to_svg(fig, "fig-test")


def test_label_escapes_dollar_and_shortens() -> None:
    assert F.label("a$b") == r"a\$b"
    assert F.label("x" * 50, maxlen=10) == "x" * 9 + "…"
    assert F.label(None) == ""


# ------------------------------------------------------------------------------------------ determinism


def test_render_twice_is_identical(binary_html: str) -> None:
    assert render_html(binary_result(), strict=True) == binary_html


@pytest.mark.hand_made_results
def test_render_in_a_fresh_process_is_identical(survival_html: str, tmp_path: Path) -> None:
    """Same bytes from another interpreter with a different hash seed (no dates, counters or salts leak)."""
    src = tmp_path / "result.json"
    src.write_text(json.dumps(survival_result()))
    out = tmp_path / "r.html"
    code = ("import json, sys; from biomark.report import write_html; "
            "write_html(json.loads(open(sys.argv[1]).read()), sys.argv[2], strict=True)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(src), str(out)], check=True, env=env, timeout=120)
    assert out.read_text(encoding="utf-8") == survival_html


# ------------------------------------------------------------------------------------------ absent data


def test_minimal_result_says_not_assessed() -> None:
    d = {"schema": "biomark.validation/1", "biomark_version": "0.1.0",
         "panel": {"id": "p", "title": "Minimal", "markers": []},
         "endpoint": {"id": "resp", "kind": "binary"}}
    html = render_html(d, strict=True)
    assert "<svg" not in html
    ids = _section_ids(html)
    assert {"summary", "direction", "panel", "qc", "internal", "tripod", "reproducibility"} <= ids
    assert not ids & {"discrimination", "survival", "cohorts"}
    assert html.count('<span class="na">not assessed</span>') >= 2
    assert "no checklist in the result" in html


def test_cohorts_and_meta_sections_when_present() -> None:
    d = survival_result()
    d["cohorts"] = [{"name": "train", "role": "training", "n": 120,
                     "auc": {"auc": 0.83, "ci_low": 0.76, "ci_high": 0.9}, "cox": None},
                    {"name": "GSE-val", "role": "validation", "n": 60,
                     "auc": {"auc": 0.74, "ci_low": 0.61, "ci_high": 0.87}, "cox": None}]
    d["meta"] = {"auc": {"estimate": 0.801, "ci_low": 0.712, "ci_high": 0.89, "i2": 0.21, "tau2": 0.0012,
                         "q_p": 0.26, "k": 2}}
    html = render_html(d, strict=True)
    sec = html[html.index('<section id="cohorts">'):]
    assert "GSE-val" in sec and "0.740" in sec and "0.610–0.870" in sec
    assert "0.801" in sec and "21.0%" in sec


def test_unknown_schema_and_non_dict_are_refused() -> None:
    with pytest.raises(ReportError, match="schema"):
        render_html({"schema": "something/else"})
    with pytest.raises(ReportError, match="to_dict"):
        render_html([1, 2, 3])  # type: ignore[arg-type]


def test_object_with_to_dict_is_accepted() -> None:
    class R:
        def to_dict(self) -> dict:
            return survival_result()

    assert render_html(R(), strict=True) == render_html(survival_result(), strict=True)  # type: ignore[arg-type]


def test_broken_figure_data_is_reported_not_fatal() -> None:
    d = binary_result()
    d["binary"]["roc"]["curve"]["tpr"] = d["binary"]["roc"]["curve"]["tpr"][:-3]
    html = render_html(d)
    assert "This figure could not be drawn: FigureError: roc curve: arrays of unequal length" in html
    assert html.count("<svg") == BINARY_FIGS - 1
    with pytest.raises(F.FigureError):
        render_html(d, strict=True)


# ------------------------------------------------------------------------------------------ writing


def test_write_html_atomic(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_html(survival_result(), target, strict=True)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = target.read_bytes()
    bad = survival_result()
    bad["survival"]["km"]["groups"]["low"]["surv"] = [1.0]
    with pytest.raises(F.FigureError):
        write_html(bad, target, strict=True)
    assert target.read_bytes() == before  # the old report is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left


def test_templates_ship_inside_the_package() -> None:
    tpl = resources.files("biomark.report") / "templates"
    assert (tpl / "report.html.j2").is_file() and (tpl / "report.css").is_file()


# ------------------------------------------------------------------------------------------ helpers


def test_formatters() -> None:
    assert fmt_p(0.0004) == "<0.001" and fmt_p(0.04321) == "0.043" and fmt_p(None) == "—"
    assert fmt_ci(0.75, 0.874) == "0.750–0.874"
    assert fmt_ci(-0.5, 0.1, 2) == "-0.50 to 0.10"  # an en dash next to a minus sign is unreadable
    assert fmt_ci(None, 1.0) == ""
    assert fmt_ci(-0.0001, 0.2) == "0.000–0.200"  # no "-0.000"
    assert fmt_num(-1.6e-8) == "0.000" and fmt_num(-0.5) == "-0.500" and fmt_num(1200) == "1\u2009200"


def test_near_variants_of_the_layout_are_refused_not_guessed() -> None:
    """The report's ``_normalise`` is gone (issue 13): a result has one layout, the typed sections of
    biomark.validation.schema; the strict reader names a key it does not know instead of mapping it."""
    d = json.loads((Path(__file__).resolve().parents[1] / "data" / "golden" / "demo_results.json").read_text())
    parse(d)  # the engine's own output reads strictly
    dc = d["binary"]["decision_curve"]
    dc["thresholds"] = dc.pop("threshold")
    with pytest.raises(SchemaError, match="thresholds"):
        parse(d)
    with pytest.raises(SchemaError, match="thresholds"):
        ValidationResult(d)


def test_km_split_at_the_median_and_curves_from_time_zero() -> None:
    d = survival_result()
    km = d["survival"]["km"]
    km["split"] = "median of the panel score"
    for g in km["groups"].values():  # event times only, as biomark.stats.kaplan_meier lists them
        for k in ("time", "surv", "lower", "upper"):
            g[k] = g[k][1:]
    html = render_html(d, strict=True)
    assert "split: median of the panel score" in html
    assert ">log-rank p = 0.002</text>" in html  # logrank_median.p = 0.0017 in the fixture
    km_svg = html[html.index('aria-label="Kaplan'):]
    assert ">maxstat p" not in km_svg[:km_svg.index("</svg>")]


def test_error_entries_say_not_assessed() -> None:
    d = binary_result()
    d["binary"]["decision_curve"] = {"error": "all predictions identical"}
    d["binary"]["single_markers"][1] = {"marker": "hsa-miR-21-5p", "error": "constant marker"}
    html = render_html(d, strict=True)
    assert "Not assessed: all predictions identical" in html
    assert "not assessed: constant marker" in html
    assert html.count("<svg") == BINARY_FIGS - 1  # no decision curve figure


@pytest.mark.parametrize("counts,tone,title", [
    (dict(n_with_direction=5, n_agreeing=4, n_consistent=3, n_contradicting=1), "bad", "Contradicts the literature (1 of 5)"),
    (dict(n_with_direction=4, n_agreeing=4, n_consistent=4, n_contradicting=0), "good", "Consistent (4 of 4)"),
    (dict(n_with_direction=4, n_agreeing=4, n_consistent=1, n_contradicting=0), "good", "Agrees in sign (4 of 4)"),
    (dict(n_with_direction=4, n_agreeing=2, n_consistent=1, n_contradicting=0), "neutral", "Mixed (2 of 4 agree in sign)"),
    (dict(n_with_direction=0, n_agreeing=0, n_consistent=0, n_contradicting=0), "neutral", "No expected directions"),
])
def test_direction_verdict(counts: dict, tone: str, title: str) -> None:
    v = direction_verdict({**counts, "alpha": 0.05})
    assert (v["tone"], v["title"]) == (tone, title)


def test_fixture_markers_are_all_in_the_report(binary_html: str) -> None:
    for m in MARKERS:
        assert binary_html.count(m) >= 4, m  # direction table, panel table, QC table, figures
