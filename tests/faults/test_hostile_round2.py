"""Hostile inputs, round two (issue 15): model files as devices and FIFOs, spreadsheet formulas in
synthetic CSVs, bidi controls and long strings in the report, Python warnings kept off stderr.

The command-line cases (one ``error:`` line, exit 2, nothing written) are in tests/test_bad_inputs.py;
these check the library functions behind them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

from biomark.errors import ModelFileError, SpecError
from biomark.model import PanelModel
from biomark.model.checks import MAX_MODEL_STREAM_BYTES, parse_model_json
from biomark.panel import panel_from_data
from biomark.panel.catalog import parse_yaml
from biomark.panel.names import normalize
from biomark.scoring import read_model_conversion
from biomark.validation import pywarnings

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"


def test_model_from_dev_zero_stops_at_the_stream_limit():
    t0 = time.perf_counter()
    with pytest.raises(
        ModelFileError, match=f"more than {MAX_MODEL_STREAM_BYTES} bytes is too large for a model"
    ):
        PanelModel.load("/dev/zero")
    assert time.perf_counter() - t0 < 20  # 16 MB read, not the device's endless zeros
    assert read_model_conversion("/dev/zero") is None


def test_model_from_a_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="is empty"):
        PanelModel.load(fifo)


def test_score_refuses_a_fifo_model_without_reading_it(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    shutil.copy(BAD / "expression_ok.csv", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "biomark",
            "score",
            "--model",
            str(fifo),
            "--expression",
            "expression_ok.csv",
            "--out",
            "s.csv",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "not a regular file" in p.stderr
    assert not (tmp_path / "s.csv").exists()


def test_model_json_numbers_name_their_key_path():
    good = json.loads((BAD / "model_ok.json").read_text(encoding="utf-8"))
    with pytest.raises(
        ModelFileError, match=r"x.json: scaler.mean\[2\]: inf is not a finite number"
    ):
        text = json.dumps(good).replace(
            f'"mean": {json.dumps(good["scaler"]["mean"])}', '"mean": [0, 1, Infinity]'
        )
        parse_model_json(text.encode(), "x.json")
    with pytest.raises(ModelFileError, match="not a valid biomark model file"):
        parse_model_json(
            b'{"intercept": 1' + b"0" * 5000 + b"}", "x.json"
        )  # 5,000 digits: int() refuses


def test_yaml_refuses_every_explicit_tag_and_unhashable_keys():
    for text in (
        "a: !!binary aGVsbG8=",
        "a: !!str x",
        "a: !custom x",
        "a: !!python/name:os.system",
    ):
        with pytest.raises(SpecError, match="YAML tags are not allowed"):
            parse_yaml(text, "t.yaml")
    with pytest.raises(SpecError, match="line 1, column 3: a dict as a mapping key"):
        parse_yaml("? {a: 1}\n: x\n", "t.yaml")
    assert parse_yaml("a: '!!binary'\nb: 12345678901234567890\n") == {
        "a": "!!binary",
        "b": 12345678901234567890,
    }


def test_dose_levels_and_reference_numbers_are_bounded():
    import yaml

    data = yaml.safe_load((BAD / "panel_ok.yaml").read_text(encoding="utf-8"))
    data["endpoints"].append({"id": "dose", "kind": "dose", "levels": [0, 2, -1]})
    with pytest.raises(
        SpecError, match=r"endpoints\[2\].levels\[2\]: Input should be greater than or equal to 0"
    ):
        panel_from_data(data, "p.yaml")
    data["endpoints"].pop()
    data["evidence"][0]["reference"] = 10**30
    with pytest.raises(
        SpecError, match=r"evidence\[0\].reference: Input should be less than or equal to 1000000"
    ):
        panel_from_data(data, "p.yaml")


def _hostile_panel():
    import yaml

    data = yaml.safe_load((BAD / "panel_ok.yaml").read_text(encoding="utf-8"))
    data["markers"][0]["id"] = '=HYPERLINK("http://x","y")'
    data["markers"][0]["aliases"] = []
    data["evidence"][0]["markers"] = ['=HYPERLINK("http://x","y")']
    data["endpoints"][0]["positive_class"] = "@SUM(1+1)"
    data["endpoints"][0]["negative_class"] = "+cmd|' /C calc'!A0"
    return panel_from_data(data, "hostile.yaml")


def test_synth_csvs_neutralise_formulas_and_the_names_still_match(tmp_path):
    from biomark.synthetic import simulate, write_cohort

    panel = _hostile_panel()
    cohort, truth = simulate(panel, 20, seed=1, endpoint="radioresistance")
    write_cohort(cohort, truth, tmp_path / "sim")
    expr = (tmp_path / "sim" / "expression.csv").read_text(encoding="utf-8")
    header = expr.splitlines()[0]
    assert header.startswith("sample_id,\"'=HYPERLINK(")  # quoted (it has commas) and neutralised
    clin = (tmp_path / "sim" / "clinical.csv").read_text(encoding="utf-8")
    cells = [c for line in clin.splitlines()[1:] for c in line.split(",")]
    assert "'@SUM(1+1)" in cells and "@SUM(1+1)" not in cells
    assert not any(
        c.startswith(("=", "+", "@"))
        for line in (expr + clin).splitlines()
        for c in line.split(",")
    )
    # the neutralised header still names the marker (a user's spreadsheet export does the same)
    assert normalize('\'=HYPERLINK("http://x","y")') == normalize('=HYPERLINK("http://x","y")')


def test_report_isolates_bidi_controls_and_cuts_long_strings(tmp_path):
    import yaml

    import biomark
    from biomark.synthetic import simulate

    data = yaml.safe_load((BAD / "panel_ok.yaml").read_text(encoding="utf-8"))
    data["title"] = "\u202eevil title"
    data["markers"][1]["aliases"] = ["A" * 5000]
    panel = panel_from_data(data, "p.yaml")
    cohort, _ = simulate(panel, 40, seed=3, endpoint="radioresistance")
    res = biomark.validate(
        panel, cohort, endpoint="radioresistance", cv=(2, 1), bootstrap=0, permutations=0
    )
    res.to_html(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "\ufffdevil title" in html
    assert 'title="' + "A" * 5000 + '"' in html  # the full alias in the tooltip
    assert "A" * 300 + "…" in html and "A" * 301 + "…" not in html  # shown cut at 300 characters
    assert "unicode-bidi: isolate" in html and "overflow-wrap: anywhere" in html


def test_python_warnings_are_summarised_and_library_ones_dropped():
    with pywarnings.capture() as caught:
        for _ in range(3):
            warnings.warn("The max_iter was reached", ConvergenceWarning, stacklevel=1)
        warnings.warn("a parameter was renamed", FutureWarning, stacklevel=1)
    assert pywarnings.summarise(caught) == [
        "ConvergenceWarning (3 times): The max_iter was reached"
    ]


def test_figure_labels_replace_bidi_and_control_characters():
    # the SVG figures are drawn by matplotlib from label(); the HTML's finalize does not reach them
    from biomark.report._svg import label

    assert label("miR\u202e-21\x1b[2J") == "miR\ufffd-21\ufffd[2J"
    assert label("a\u2066b\u2069c\u200f") == "a\ufffdb\ufffdc\ufffd"
    assert label("x" * 100, maxlen=10) == "x" * 9 + "…"
    assert label("$5") == r"\$5"
