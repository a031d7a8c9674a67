"""The malformed-input catalog: every mistake gets one clear ``error:`` line, exit 2, and loses nothing.

Each case runs the real command line (``biomark ...`` in a subprocess) in a fresh directory holding
copies of its input files (``in/``) and an empty output directory (``out/``), and asserts:

* the exit status (2 for bad input; 0 for the few inputs biomark reads on purpose, see below),
* exactly one line on stderr, starting ``error:``, containing the key words of the problem and
  of the fix, and no traceback,
* no file left behind: ``out/`` is still empty and ``in/`` holds the same files (no temp files),
* every input file byte-identical afterwards (SHA-256 before and after).

Inputs that are read on purpose (a UTF-8 BOM, ``;`` with decimal commas, mixed line endings, NA
cells, a constant or an empty marker, perfect separation, a spec with a BOM) must succeed, print
nothing on stderr with ``-q`` (no Python warnings) and say what they did in results.json.

The input files are in tests/bad_inputs/ (written by tests/bad_inputs/make_inputs.py); the 100 MB
single line and the over-limit spec are generated into tmp_path. The subprocesses run four at a
time (they spend most of their time importing); the ~90 subprocesses take about a minute of wall time
on two idle cores (1.5 min of CPU), so the tests that run them are marked slow. docs/errors.md lists every case and its message:
``BIOMARK_WRITE_ERRORS_DOC=1 python3 -m pytest tests/test_bad_inputs.py`` rewrites its table.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_inputs"
DOC = ROOT / "docs" / "errors.md"

OK_EXPR = "expression_ok.csv"
OK_CLIN = "clinical_ok.csv"
PANEL = "panel_ok.yaml"
FAST = ("--bootstrap", "0", "--permutations", "0", "--repeats", "1", "-q")
OUTS = ("--json", "../out/results.json", "--report", "../out/report.html")


@dataclass(frozen=True)
class Case:
    id: str
    group: str  # spec | expression | clinical | arguments
    problem: str  # what is wrong, for docs/errors.md
    argv: tuple[str, ...]
    inputs: tuple[str, ...]
    words: tuple[str, ...] = ()  # must all appear in the error line (case-sensitive)
    status: int = 2
    setup: Callable[[Path], None] | None = None  # writes generated inputs into in/
    check: Callable[[Path], None] | None = None  # success cases: inspect out/
    note: str = ""
    generated: tuple[str, ...] = field(default=())


def validate_args(expr: str = OK_EXPR, clin: str | None = OK_CLIN, *extra: str, panel: str = PANEL,
                  survival: bool = False, outs: tuple[str, ...] = OUTS) -> tuple[str, ...]:
    a = ["validate", "--panel", panel, "--expression", expr]
    if clin is not None:
        a += ["--clinical", clin]
    a += ["--time", "os_months", "--event", "death"] if survival else ["--outcome", "radioresistance"]
    return (*a, *FAST, *extra, *outs)


JSON_ONLY = ("--json", "../out/results.json")  # cases that succeed: the report costs 1.5 s each


def expr_case(cid: str, problem: str, words: tuple[str, ...], *, outs: tuple[str, ...] = OUTS, file: str | None = None,
              extra: tuple[str, ...] = (), **kw) -> Case:
    f = file or f"{cid}.csv"
    inputs = kw.pop("inputs", (f, OK_CLIN, PANEL))
    return Case(cid, "expression", problem, validate_args(f, OK_CLIN, *extra, outs=outs), inputs, words, **kw)


def clin_case(cid: str, problem: str, words: tuple[str, ...], *, survival: bool = False,
              outs: tuple[str, ...] = OUTS, **kw) -> Case:
    f = f"{cid}.csv"
    return Case(cid, "clinical", problem, validate_args(OK_EXPR, f, survival=survival, outs=outs),
                (OK_EXPR, f, PANEL), words, **kw)


def spec_case(cid: str, problem: str, words: tuple[str, ...], *, via: str = "check", file: str | None = None,
              **kw) -> Case:
    f = file or f"{cid}.yaml"
    argv = ("panels", "check", f) if via == "check" else validate_args(panel=f, outs=kw.pop("outs", OUTS))
    inputs = kw.pop("inputs", (f,) if via == "check" else (f, OK_EXPR, OK_CLIN))
    return Case(cid, "spec", problem, argv, inputs, words, **kw)


def arg_case(cid: str, problem: str, argv: tuple[str, ...], words: tuple[str, ...], **kw) -> Case:
    kw.setdefault("inputs", (OK_EXPR, OK_CLIN, PANEL))
    return Case(cid, "arguments", problem, argv, words=words, **kw)


# --- cohorts (issue 14): generated inputs and checks ------------------------------------------


def _clin_dod(d: Path) -> None:
    clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
    clin["death"] = np.where(clin["death"] == 1, "DOD", "NED")
    clin.to_csv(d / "clin_dod.csv", index=False)


def _check_events_read(out: Path) -> None:
    r = json.loads((out / "results.json").read_text())
    clin = pd.read_csv(BAD / OK_CLIN)
    assert r["survival"]["events"] == int(clin["death"].sum())


def _clin_recist(d: Path) -> None:
    clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
    pos = clin["radioresistance"] == "radioresistant"
    lab = np.where(pos, "CR", "PD").astype(object)
    lab[1::5] = np.where(pos[1::5], "PR", "SD")
    lab[::8] = "NE"
    clin["radioresistance"] = lab
    clin.to_csv(d / "clin_recist.csv", index=False)


def _check_covariate_is_clinical_model(out: Path) -> None:
    r = json.loads((out / "results.json").read_text())  # never silently dropped (issue 14): used (issue 16)
    assert r["settings"]["clinical_model"] == ["os_months"]
    assert "added_value" in r


def _check_ne_dropped(out: Path) -> None:
    r = json.loads((out / "results.json").read_text())
    n_ne = len(range(0, 40, 8))
    assert r["cohort"]["qc"]["dropped"] == {"label 'NE' in 'radioresistance' is neither --positive nor --negative": n_ne}
    assert r["cohort"]["n_analysed"] == 40 - n_ne


def _expr_other_arm(d: Path) -> None:
    expr = pd.read_csv(d / OK_EXPR, dtype={"sample_id": str})
    expr.rename(columns={"hsa-miR-96-5p": "hsa-miR-96-3p"}).to_csv(d / "expr_other_arm.csv", index=False)


def _check_other_arm(out: Path) -> None:
    r = json.loads((out / "results.json").read_text())
    assert "hsa-miR-96-5p" in r["cohort"]["missing_markers"]
    assert "hsa-miR-96-3p" not in r["cohort"]["qc"]["matched"]


# --- generated inputs ---------------------------------------------------------------------------


def _single_line_100mb(d: Path) -> None:
    """A 100 MB 'CSV' with no line break: a header of 100 MB (e.g. a file whose \\r line ends were lost)."""
    cols = ",".join(f"m{i}" for i in range(12_000_000))[:100_000_000]
    (d / "expr_single_line_100mb.csv").write_text("sample_id," + cols, encoding="ascii")


def _single_cell_100mb(d: Path) -> None:
    (d / "expr_single_cell_100mb.csv").write_text(
        "sample_id,hsa-miR-96-5p\nS01," + "1" * 100_000_000 + "\n", encoding="ascii")


def _wide_header(d: Path) -> None:
    """3 markers + 30 000 other columns (a genome-wide export): the header is ~270 KB, and byte 65 536 -- the
    end of the block read to sniff the separator -- falls just after a comma (once read as an empty name)."""
    ok = (BAD / OK_EXPR).read_text(encoding="utf-8").splitlines()
    names = [f"g{i:05d}" for i in range(30_000)]
    head = ok[0] + "," + ",".join(names)
    cut = head[:65_536]
    pad = 65_536 - (cut.rfind(",") + 1)  # lengthen the first extra name so that a comma ends the block
    names[0] = names[0] + "x" * (len(names[0]) + 1 + pad) if pad else names[0]
    head = ok[0] + "," + ",".join(names)
    assert head[65_535] == ","
    rows = [r + ",1.0" * len(names) for r in ok[1:]]
    (d / "expr_wide_header.csv").write_text("\n".join([head, *rows]) + "\n", encoding="ascii")


def _check_wide(out: Path) -> None:
    assert _results(out)["binary"]["roc"]["auc"] == pytest.approx(0.8475, abs=1e-9)  # as expression_ok.csv


def _spec_too_large(d: Path) -> None:
    ok = (BAD / PANEL).read_text(encoding="utf-8")
    pad = "".join(f"# padding line {i:07d} " + "x" * 80 + "\n" for i in range(11_000))
    (d / "spec_too_large.yaml").write_text(ok + pad, encoding="utf-8")


# --- checks of the cases that succeed -----------------------------------------------------------


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def _warned(*words: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        text = " ".join(_results(out)["warnings"])
        for w in words:
            assert w in text, f"{w!r} not in warnings: {text}"
    return check


def _check_bom(out: Path) -> None:
    d = _results(out)
    assert d["cohort"]["n_samples"] == 40 and d["cohort"]["markers_used"] == ["hsa-miR-96-5p", "hsa-miR-1246", "HSPA1A"]
    assert any("byte-order mark" in w for w in d["warnings"])


def _check_same_as_ok(out: Path) -> None:
    # mixed \n and \r\n: every row read, same AUC as the clean file (0.8475, from expression_ok.csv)
    d = _results(out)
    assert d["cohort"]["n_samples"] == 40
    assert d["binary"]["roc"]["auc"] == pytest.approx(0.8475, abs=1e-9)


def _check_decimal_comma(out: Path) -> None:
    d = _results(out)
    assert d["binary"]["roc"]["auc"] == pytest.approx(0.8475, abs=1e-9)  # same numbers as expression_ok.csv
    assert any("decimal commas" in w for w in d["warnings"])


def _check_na_cells(out: Path) -> None:
    d = _results(out)
    assert d["cohort"]["qc"]["missing_per_marker"]["HSPA1A"] == 2
    assert any("imputed" in w and "HSPA1A" in w for w in d["warnings"])


def _effect(d: dict, marker: str) -> dict:
    return next(e for e in d["direction"]["effects"] if e["marker"] == marker)


def _check_constant(out: Path) -> None:
    d = _results(out)
    assert _effect(d, "HSPA1A")["status"] == "not_estimable"
    assert any("HSPA1A" in w and "constant" in w for w in d["warnings"])


def _check_all_missing(out: Path) -> None:
    d = _results(out)
    assert _effect(d, "HSPA1A")["status"] == "not_estimable"
    assert any("HSPA1A" in w and "no value" in w for w in d["warnings"])


def _check_separation(out: Path) -> None:
    d = _results(out)
    assert any("separates the classes perfectly" in w and "hsa-miR-96-5p" in w for w in d["warnings"])
    assert d["binary"]["single_markers"] is not None


def _check_spec_bom(out: Path) -> None:
    assert _results(out)["panel"]["id"] == "badinput_base_panel"


# --- faults, round two (issue 15): generated variants of the good inputs -------------------------

MODEL = "model_ok.json"  # biomark fit --method logistic on panel_ok.yaml, expression_ok.csv, clinical_ok.csv
MODEL_BOOL = "model_boolean_ok.json"  # biomark fit on panel_boolean_ok.yaml (rule boolean), expression_ok.csv


def _variant(src: str, name: str, edit: Callable[[str], str]) -> Callable[[Path], None]:
    """A setup writing ``name``: the text of tests/bad_inputs/``src`` changed by ``edit``."""
    def setup(d: Path) -> None:
        text = (BAD / src).read_text(encoding="utf-8")
        new = edit(text)
        assert new != text, f"{name}: the edit changed nothing"
        (d / name).write_text(new, encoding="utf-8")
    return setup


def _spec_weights(first: str) -> Callable[[str], str]:
    """The spec with the 'weights' rule, the first marker's weight ``first`` and the others 1."""
    def edit(t: str) -> str:
        t = t.replace("scoring:\n  rule: signed_z", "scoring:\n  rule: weights")
        t = t.replace("    aliases: [miR-96]\n", f"    aliases: [miR-96]\n    weight: {first}\n")
        t = t.replace("    aliases: [miR-1246]\n", "    aliases: [miR-1246]\n    weight: 1\n")
        return t.replace("    aliases: [HSP70]\n", "    aliases: [HSP70]\n    weight: 1\n")
    return edit


def _json_edit(fn: Callable[[dict], None]) -> Callable[[str], str]:
    def edit(t: str) -> str:
        d = json.loads(t)
        fn(d)
        return json.dumps(d, indent=1)
    return edit


def _set(path: tuple, value: object) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return fn


def _deep_json(d: Path) -> None:
    (d / "model_deep.json").write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="ascii")


def _user_data_in(*names: str) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        for n in names:
            (d / n).write_text("the user's own data\n", encoding="utf-8")
    return setup


def _gzip_bomb(d: Path) -> None:
    """A 64 KB .gz inflating to 64 MB with no line break after the header and one sample id."""
    import gzip

    with gzip.open(d / "expr_gzip_bomb.csv.gz", "wb", compresslevel=9) as fh:
        fh.write((BAD / OK_EXPR).read_bytes().splitlines(keepends=True)[0] + b"S99,")
        block = b"1" * (1 << 20)
        for _ in range(64):
            fh.write(block)


def _clin_covariates(d: Path) -> None:
    lines = (BAD / OK_CLIN).read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    ev = head.index("death")
    out = [lines[0] + ",constant,event_copy"]
    out += [f"{r},1.5,{r.split(',')[ev]}" for r in lines[1:]]
    (d / "clin_covariates.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def _clin_added2(d: Path) -> None:
    """clinical_ok.csv with a numeric 'age' (no information) and a 'grade' whose level G3 has one sample."""
    lines = (BAD / OK_CLIN).read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",age,grade"]
    out += [f"{r},{40 + (i * 37) % 41},{'G3' if i == 0 else ('G1' if i % 2 else 'G2')}" for i, r in enumerate(lines[1:])]
    (d / "clin_added2.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def _combined_model(variant: str) -> Callable[[Path], None]:
    """A combined clinical + panel model (fit --clinical-model grade,age) and a clinical file for the new samples:
    ``ok`` (as fitted), ``no_grade`` (the column dropped) or ``g9`` (a level the fit never saw)."""
    def setup(d: Path) -> None:
        lines = (BAD / OK_CLIN).read_text(encoding="utf-8").splitlines()
        rows = [f"{r},{50 + (i * 13) % 29},{'G1' if (i // 2) % 2 else 'G2'}" for i, r in enumerate(lines[1:])]
        (d / "clin_comb.csv").write_text("\n".join([lines[0] + ",age,grade", *rows]) + "\n", encoding="utf-8")
        cmd, env = _cmd()
        subprocess.run([*cmd, "fit", "--panel", PANEL, "--expression", OK_EXPR, "--clinical", "clin_comb.csv",
                        "--outcome", "radioresistance", "--clinical-model", "grade,age", "--out", "model_comb.json",
                        "-q"], cwd=d, env=env, check=True, capture_output=True, timeout=300)
        if variant == "no_grade":
            new = [",".join(r.split(",")[:-1]) for r in [lines[0] + ",age,grade", *rows]]
        elif variant == "g9":
            new = [lines[0] + ",age,grade", *rows[:3], rows[3].rsplit(",", 1)[0] + ",G9", *rows[4:]]
        else:
            return
        (d / "clin_new.csv").write_text("\n".join(new) + "\n", encoding="utf-8")
    return setup


_COMBINED = ("score", "--model", "model_comb.json", "--expression", OK_EXPR, "--out", "../out/scores.csv")


def _joint_model(d: Path) -> None:
    """A combined model of a FITTED method (fit --method logistic --clinical-model grade,age: the markers are terms)
    and expr_new.csv, the expression with sample S04's HSPA1A missing."""
    _combined_model("ok")(d)
    cmd, env = _cmd()
    subprocess.run([*cmd, "fit", "--panel", PANEL, "--expression", OK_EXPR, "--clinical", "clin_comb.csv",
                    "--outcome", "radioresistance", "--method", "logistic", "--clinical-model", "grade,age",
                    "--out", "model_joint.json", "-q"], cwd=d, env=env, check=True, capture_output=True, timeout=300)
    lines = (d / OK_EXPR).read_text(encoding="utf-8").splitlines()
    cells = lines[4].split(",")
    cells[3] = "NA"
    lines[4] = ",".join(cells)
    (d / "expr_new.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _check_survival_covariate_alias(out: Path) -> None:
    r = _results(out)
    assert r["settings"]["clinical_model"] == ["age"] and r["added_value"]["kind"] == "survival"
    assert [t["term"] for t in r["survival"]["cox_adjusted"]["terms"]][-1] == "age"  # the HR is still adjusted
    assert isinstance(r["added_value"]["at_horizon"], list) and r["direction"]["adjusted"]["clinical_columns"] == ["age"]


def _plan_setup(*, edit_spec: bool = False, tamper: bool = False) -> Callable[[Path], None]:
    """in/plan.json planning panel_ok.yaml with the FAST settings (issue 19); optionally the spec edited
    afterwards (as panel_edited.yaml) or the plan's content changed without its hash."""
    def setup(d: Path) -> None:
        from biomark.plan import make_plan

        data = make_plan([str(d / PANEL)], {"outcome": "radioresistance", "bootstrap": 0, "permutations": 0,
                                            "cv": (5, 1), "endpoint_map": {"radioresistance": "radioresistance"}})
        if tamper:
            data["settings"]["bootstrap"] = 500
        (d / "plan.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        if edit_spec:
            text = (d / PANEL).read_text(encoding="utf-8")
            (d / "panel_edited.yaml").write_text(text.replace("title: Test panel", "title: Edited test panel", 1),
                                                 encoding="utf-8")
    return setup


def _check_folds(k: int, what: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        d = _results(out)
        assert d["settings"]["cv_folds"] == k
        assert any(f"used {k} folds" in w and what in w for w in d["warnings"]), d["warnings"]
    return check


def _check_convergence(out: Path) -> None:
    d = _results(out)
    assert any("ConvergenceWarning" in w for w in d["warnings"]), d["warnings"]


_SCORE = ("score", "--expression", OK_EXPR, "--out", "../out/scores.csv")

# --- public-cohort formats (issue 14: GEO, annotation, cBioPortal) ---------------------------------

_GEO_PANEL = """id: bad_geo_panel
title: bad-input panel for GEO files
cancer_type: RCC
specimen: tissue
compartment: tissue
assay: intensity
endpoints:
  - {id: rcc_vs_normal, kind: binary, positive_class: RCC, negative_class: normal}
markers:
  - {id: CP, type: mRNA, direction: {rcc_vs_normal: up}}
  - {id: VEGFA, type: mRNA, direction: {rcc_vs_normal: up}}
evidence:
  - {seed: none (test data), reference: 0, sentence: bad-input test panel, level: patient_cohort}
"""


def _gds_text(table_end: bool = True) -> str:
    rows = [("227253_at", "CP", "900", "100", "800", "120"), ("228143_at", "CP", "500", "200", "700", "90"),
            ("230695_s_at", "MRPS18A///VEGFA", "50", "40", "60", "30")]
    body = "\n".join("\t".join(r) for r in rows)
    return ("^DATASET = GDS0\n!dataset_platform = GPL97\n^SUBSET = GDS0_1\n!subset_description = RCC\n"
            "!subset_sample_id = GSM1,GSM3\n!subset_type = disease state\n^SUBSET = GDS0_2\n"
            "!subset_description = normal\n!subset_sample_id = GSM2,GSM4\n!subset_type = disease state\n"
            "^DATASET = GDS0\n!dataset_table_begin\nID_REF\tIDENTIFIER\tGSM1\tGSM2\tGSM3\tGSM4\n" + body + "\n"
            + ("!dataset_table_end\n" if table_end else ""))


def _geo_setup(name: str, text: str) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        (d / "geo_panel.yaml").write_text(_GEO_PANEL, encoding="utf-8")
        (d / name).write_text(text, encoding="utf-8")
    return setup


def _family_setup(d: Path) -> None:
    def sample(gsm: str, gpl: str) -> str:
        return (f"^SAMPLE = {gsm}\n!Sample_platform_id = {gpl}\n!Sample_characteristics_ch1 = disease state: RCC\n"
                "!sample_table_begin\nID_REF\tVALUE\n227253_at\t5\n!sample_table_end\n")
    (d / "geo_panel.yaml").write_text(_GEO_PANEL, encoding="utf-8")
    (d / "GSE0_family.soft").write_text("^DATABASE = GeoMiame\n^SERIES = GSE0\n" + sample("GSM1", "GPL96")
                                        + sample("GSM2", "GPL97"), encoding="utf-8")


def _portal_setup(d: Path) -> None:
    study = d / "study"
    study.mkdir()
    (study / "data_clinical_sample.txt").write_text("#a\tb\n#a\tb\n#STRING\tSTRING\n#1\t1\n"
                                                     "PATIENT_ID\tSAMPLE_ID\nP1\tS1\n", encoding="utf-8")
    for f in ("data_mrna_seq_v2_rsem.txt", "data_mirna.txt"):
        (study / f).write_text("Hugo_Symbol\tS1\nCP\t5\n", encoding="utf-8")
    (d / "geo_panel.yaml").write_text(_GEO_PANEL, encoding="utf-8")


def _geo_args(expr: str, *extra: str) -> tuple[str, ...]:
    return ("validate", "--panel", "geo_panel.yaml", "--expression", expr, "--outcome", "disease state", *FAST,
            *extra, *OUTS)


def _geo_case(cid: str, problem: str, argv: tuple[str, ...], words: tuple[str, ...],
              setup: Callable[[Path], None]) -> Case:
    return Case(cid, "expression", problem, argv, (), words, setup=setup)


CASES_PUBLIC_FORMATS = [
    _geo_case("geo_several_probes", "GEO GDS: a marker with two probes and no --collapse",
              _geo_args("GDS0.soft"), ("CP: 2 probes (227253_at, 228143_at)", "--collapse mean|median|max-mean|first"),
              _geo_setup("GDS0.soft", _gds_text())),
    _geo_case("geo_multi_gene_probe_only", "GEO GDS: the only probe of the marker is annotated 'A///B'",
              _geo_args("GDS0.soft", "--collapse", "mean", "--annotation", "map.csv"),
              ("several genes", "VEGFA: 230695_s_at", "two-column --annotation"),
              lambda d: (_geo_setup("GDS0.soft", _gds_text())(d),
                         (d / "map.csv").write_text("ID,Gene symbol\n230695_s_at,MRPS18A///VEGFA\n"))),
    _geo_case("geo_table_cut", "GEO SOFT: the table has no end line (a cut download)",
              _geo_args("GDS0.soft"), ("no end line", "download it again"),
              _geo_setup("GDS0.soft", _gds_text(table_end=False))),
    _geo_case("geo_family_two_platforms", "GEO family SOFT: samples on two platforms, no --platform",
              _geo_args("GSE0_family.soft"), ("2 platforms (GPL96 (1 samples), GPL97 (1 samples))", "--platform GPLnnn"),
              _family_setup),
    _geo_case("geo_annotation_column_unknown", "--annotation-column names no column of the annotation",
              _geo_args("GDS0.soft", "--annotation", "map.csv", "--annotation-column", "Symbol"),
              ("--annotation-column 'Symbol' is not a column", "ID, Gene symbol"),
              lambda d: (_geo_setup("GDS0.soft", _gds_text())(d),
                         (d / "map.csv").write_text("ID,Gene symbol\n227253_at,CP\n"))),
    _geo_case("score_geo_file", "score given a GEO SOFT file (it streams plain tables only)",
              ("score", "--panel", "geo_panel.yaml", "--expression", "GDS0.soft", "--out", "../out/s.csv"),
              ("a GEO GDS", "streams CSV/TSV/Parquet tables only", "'biomark fit'"), _geo_setup("GDS0.soft", _gds_text())),
    _geo_case("cbioportal_two_expression_files", "cBioPortal folder with two expression files",
              _geo_args("study"), ("several expression files", "--expression study/data_mrna_seq_v2_rsem.txt"),
              _portal_setup),
]


# --- parity options (issue 20): generated clinical files -------------------------------------------


def _clin_parity(name: str, **edit: object) -> Callable[[Path], None]:
    """clinical_ok.csv plus a stratum column (centre A/B alternating) and a weight column (w = 1), row 3 edited."""
    def setup(d: Path) -> None:
        clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
        clin["centre"] = np.where(np.arange(len(clin)) % 2 == 0, "A", "B").astype(object)
        clin["w"] = np.ones(len(clin)).astype(object)
        for col, val in edit.items():
            clin.loc[3, col] = val
        clin.to_csv(d / name, index=False)
    return setup


def _clin_w_zero_events(d: Path) -> None:
    """clinical_ok.csv with a weight column w: 0 for every sample with an event (death), 1 otherwise."""
    clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
    clin["w"] = np.where(clin["death"] == 1, 0.0, 1.0)
    clin.to_csv(d / "clin_w_zero_events.csv", index=False)


def _check_w_zero_events(out: Path) -> None:
    wt = _results(out)["survival"]["options"]["weighted"]
    assert "error" in wt and "event" in wt["error"], wt  # every event has weight 0: no weighted fit


def _check_parity(out: Path) -> None:
    opt = _results(out)["survival"]["options"]
    assert opt["stratified"]["n_strata"] == 2 and opt["weighted"]["column"] == "w"
    assert [g["group"] for g in opt["rmst"]["groups"]] == ["low", "high"]


# --- competing risks (issue 20): a spec naming a competing event, clinical files coded 0/1/2 --------------
COMPETING_SPEC = "panel_competing.yaml"


def _competing_setup(codes: dict[int, int], *, spec: str = "survival") -> Callable[[Path], None]:
    """panel_ok.yaml with ``competing:`` on its survival (or binary) endpoint, and clinical_ok.csv with the
    'death' code of the rows in ``codes`` replaced (row -> code)."""
    def setup(d: Path) -> None:
        text = (BAD / PANEL).read_text(encoding="utf-8")
        anchor = "    event: death\n" if spec == "survival" else "    negative_class: radiosensitive\n"
        assert text.count(anchor) == 1
        (d / COMPETING_SPEC).write_text(text.replace(anchor, anchor + "    competing: death without recurrence\n"),
                                        encoding="utf-8")
        clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
        for row, code in codes.items():
            clin.loc[row, "death"] = code
        clin.to_csv(d / "clin_competing.csv", index=False)
    return setup


def _competing_rows() -> dict[int, int]:
    """Every third event of clinical_ok.csv becomes a competing event (2)."""
    clin = pd.read_csv(BAD / OK_CLIN)
    return {int(i): 2 for i in np.flatnonzero(clin["death"].to_numpy() == 1)[::3]}


def _check_competing(out: Path) -> None:
    r = _results(out)
    sec = r["survival"]["competing"]
    assert sec["competing"] == "death without recurrence" and sec["competing_events"] == len(_competing_rows())
    assert [g["group"] for g in sec["cif"]] == ["low", "high"] and sec["fine_gray"]["n_competing"] > 0
    assert r["endpoint"]["competing"] == "death without recurrence"


def _competing_args(*extra: str, outs: tuple[str, ...] = OUTS) -> tuple[str, ...]:
    return validate_args(OK_EXPR, "clin_competing.csv", *extra, panel=COMPETING_SPEC, survival=True, outs=outs)


CASES: list[Case] = [
    # --- panel specs ------------------------------------------------------------------------------
    spec_case("spec_empty", "empty spec file", ("spec_empty.yaml", "the spec is empty", "docs/panels.md")),
    spec_case("spec_comment_only", "spec with only a comment", ("the spec is empty",)),
    spec_case("spec_list", "a YAML list instead of a mapping", ("must be a mapping of keys", "got list")),
    spec_case("spec_alias_bomb", "YAML alias bomb (billion laughs)", ("line 2", "aliases", "not allowed", "write the value out")),
    spec_case("spec_alias_bomb_validate", "YAML alias bomb, given to validate", ("aliases", "not allowed"),
              via="validate", file="spec_alias_bomb.yaml"),
    spec_case("spec_duplicate_key", "the same key twice", ("line 7", "duplicate key 'title'")),
    spec_case("spec_syntax_error", "unclosed bracket", ("line 21", "fix the YAML syntax")),
    spec_case("spec_tab_indent", "a tab used for indentation", ("line 12", "'\\t'", "fix the YAML syntax")),
    spec_case("spec_unknown_key", "misspelt key", ("unknown key 'specimens'", "allowed keys are")),
    spec_case("spec_direction_unknown_endpoint", "direction for an endpoint that does not exist",
              ("markers[0].direction.os", "unknown endpoint 'os'", "endpoints are: radioresistance")),
    spec_case("spec_bad_direction_value", "direction 'higher' instead of up/down",
              ("'higher' is not allowed", "'up', 'down'")),
    spec_case("spec_python_tag", "a !!python tag (code execution attempt)", ("line 1", "tags", "not allowed")),
    spec_case("spec_not_utf8", "spec saved as Latin-1", ("not UTF-8", "save the spec as UTF-8")),
    spec_case("spec_no_markers", "empty marker list", ("markers", "must not be empty")),
    Case("spec_too_large", "spec", "spec over the 1 MB limit (generated)", ("panels", "check", "spec_too_large.yaml"),
         (), ("too large", "limit 1000000"), setup=_spec_too_large, generated=("spec_too_large.yaml",)),
    arg_case("spec_missing_file", "spec path that does not exist", validate_args(panel="no_such_panel.yaml"),
             ("no_such_panel.yaml", "no such file", "check the path")),
    arg_case("unknown_panel_name", "catalog id misspelt", validate_args(panel="escc_mir339"),
             ("unknown panel 'escc_mir339'", "did you mean: escc_mir339_radiotherapy")),
    spec_case("spec_bom", "spec with a UTF-8 BOM: read", (), via="validate", outs=JSON_ONLY, status=0, check=_check_spec_bom),

    # --- expression files ------------------------------------------------------------------------
    expr_case("expr_empty", "empty file (0 bytes)", ("expr_empty.csv", "is empty")),
    expr_case("expr_header_only", "header but no rows", ("has a header but no data rows",)),
    expr_case("expr_blank_first_line", "blank line above the header", ("first line is empty", "row 1")),
    expr_case("expr_non_numeric", "text in a value cell", ("row 6", "'HSPA1A'", "'high' is not a number", "replace it")),
    expr_case("expr_inf", "-inf in a cell", ("row 5", "infinite value '-inf'", "finite number")),
    expr_case("expr_duplicate_ids", "a sample id twice", ("sample id 'S03' appears twice", "row 4", "row 10", "unique")),
    expr_case("expr_ids_differ_in_case", "ids S03 and s03", ("'S03'", "'s03'", "differ only in case", "make them identical")),
    expr_case("expr_ids_differ_in_spaces", "ids 'S03' and ' S03 '", ("sample id 'S03' appears twice",)),
    expr_case("expr_duplicate_marker", "a marker column twice", ("both named 'hsa-miR-96-5p'", "keep one")),
    expr_case("expr_duplicate_marker_alias", "a marker under its id and its alias",
              ("2 columns match marker 'hsa-miR-96-5p'", "'miR-96'", "keep one")),
    expr_case("expr_no_panel_markers", "no column is a panel marker", ("none of the 3 markers", "rename the columns")),
    expr_case("expr_ragged_row", "a row with an extra field", ("row 7 has 5 fields", "header has 4")),
    expr_case("expr_utf16", "Excel 'Unicode text' (UTF-16)", ("UTF-16", "save it as CSV UTF-8")),
    expr_case("expr_latin1_id", "Latin-1 character in an id", ("row 6", "not UTF-8", "CSV UTF-8")),
    expr_case("expr_binary", "binary garbage named .csv", ("not UTF-8",)),
    expr_case("expr_empty_id", "a row without sample id", ("row 8", "empty sample id", "give every sample an id")),
    expr_case("expr_fewer_than_10", "8 samples", ("only 8 samples", "at least 10")),
    Case("expr_spreadsheet", "expression", "an .xlsx workbook", validate_args("expr_spreadsheet.xlsx"),
         ("expr_spreadsheet.xlsx", OK_CLIN, PANEL), ("spreadsheet files are not read directly", "save the sheet as CSV")),
    arg_case("expr_missing_file", "expression path that does not exist", validate_args("nothere.csv"),
             ("nothere.csv", "no such file")),
    arg_case("expr_is_directory", "a directory given as expression file", validate_args("../out"),
             ("'--expression'", "is a directory")),
    Case("expr_single_line_100mb", "expression", "one line of 100 MB, no line break (generated)",
         validate_args("expr_single_line_100mb.csv"), (OK_CLIN, PANEL),
         ("expr_single_line_100mb.csv", "row 1 is longer than 16 MB with no line break", "one row per line"),
         setup=_single_line_100mb, generated=("expr_single_line_100mb.csv",)),
    Case("expr_single_cell_100mb", "expression", "a cell of 100 MB (generated)",
         validate_args("expr_single_cell_100mb.csv"), (OK_CLIN, PANEL),
         ("expr_single_cell_100mb.csv", "a row is longer than 4 MB", "every row is on its own line"),
         setup=_single_cell_100mb, generated=("expr_single_cell_100mb.csv",)),
    Case("expr_wide_header", "expression", "30 000 columns, header of 270 KB cut by the sniffer after a comma: read",
         validate_args("expr_wide_header.csv", outs=JSON_ONLY), (OK_CLIN, PANEL), status=0, setup=_wide_header,
         check=_check_wide, generated=("expr_wide_header.csv",)),
    expr_case("expr_bom", "UTF-8 BOM (Excel 'CSV UTF-8'): read", (), status=0, check=_check_bom),
    expr_case("expr_semicolon_decimal_comma", "';' separator, decimal commas: read, with a warning", (), outs=JSON_ONLY, status=0,
              check=_check_decimal_comma),
    expr_case("expr_mixed_line_endings", "\\n and \\r\\n mixed: read", (), outs=JSON_ONLY, status=0, check=_check_same_as_ok),
    expr_case("expr_nan_cells", "NaN and NA cells: missing, imputed by the training median", (), outs=JSON_ONLY, status=0,
              check=_check_na_cells),
    expr_case("expr_constant_marker", "a marker constant in every sample: run continues, marker not estimable",
              (), outs=JSON_ONLY, status=0, check=_check_constant),
    expr_case("expr_all_missing_marker", "a marker with no value: run continues without it", (), outs=JSON_ONLY, status=0,
              check=_check_all_missing),

    Case("expr_all_missing_marker_survival", "expression", "a marker with no value, survival endpoint: run continues",
         validate_args("expr_all_missing_marker.csv", survival=True, outs=JSON_ONLY),
         ("expr_all_missing_marker.csv", OK_CLIN, PANEL), status=0, check=_check_all_missing),
    Case("expr_constant_marker_survival", "expression", "a constant marker, survival endpoint: run continues",
         validate_args("expr_constant_marker.csv", survival=True, outs=JSON_ONLY),
         ("expr_constant_marker.csv", OK_CLIN, PANEL), status=0, check=_check_constant),

    # --- clinical files ----------------------------------------------------------------------------
    clin_case("clin_no_shared_ids", "no id shared with the expression file",
              ("no sample id is in both files", "'P001'", "check the id columns")),
    clin_case("clin_ids_differ_in_case", "ids s01 vs S01", ("differ only in case", "identical in both files")),
    clin_case("clin_duplicate_ids", "a sample twice", ("sample id 'S01' appears twice",)),
    clin_case("clin_one_class", "binary outcome with one class", ("clin_one_class.csv", "one class only", "cases and controls")),
    clin_case("clin_three_labels", "binary outcome with three labels", ("3 labels", "needs two")),
    clin_case("clin_positive_class_absent", "labels yes/no, spec says radioresistant",
              ("positive class 'radioresistant' does not occur", "yes", "recode")),
    clin_case("clin_two_in_smaller_class", "only 2 cases", ("only 2 samples in the smaller class", "at least 3")),
    clin_case("clin_negative_time", "a negative survival time", ("clin_negative_time.csv", "'S05'", "-3", "must be > 0"),
              survival=True),
    clin_case("clin_events_coded_1_2", "events coded 1/2 as R's survival::lung",
              ("coded 1/2", "survival::lung", "recode it to 0 = censored, 1 = event"), survival=True),
    clin_case("clin_all_censored", "every sample censored", ("every sample is censored", "needs events"), survival=True),
    clin_case("clin_event_code_9", "an event code 9", ("0 (censored) or 1 (event)", "found 0, 1, 9"), survival=True),
    clin_case("clin_non_numeric_time", "text in the time column",
              ("'about 3 years' is not a number", "write the time as a number"), survival=True),
    Case("clin_empty", "clinical", "empty clinical file", validate_args(OK_EXPR, "expr_empty.csv"),
         (OK_EXPR, "expr_empty.csv", PANEL), ("expr_empty.csv", "is empty")),
    arg_case("clin_outcome_column_missing", "--outcome names no column",
             validate_args(OK_EXPR, OK_CLIN, "--outcome", "response_status"),
             ("no column 'response_status'", "columns are: radioresistance")),
    arg_case("clin_not_given", "survival analysis without a clinical file", validate_args(OK_EXPR, None, survival=True),
             ("no clinical file was given", "--clinical FILE")),
    clin_case("clin_perfect_separation", "one marker separates the classes: run continues with a warning", (),
              outs=JSON_ONLY, status=0, check=_check_separation),

    # --- command-line arguments and outputs ---------------------------------------------------------
    arg_case("out_missing_directory", "--json in a directory that does not exist",
             validate_args(outs=("--json", "../out/nodir/results.json")), ("directory '../out/nodir' does not exist", "create it")),
    arg_case("out_equals_expression", "--json is the expression file", validate_args(outs=("--json", OK_EXPR)),
             ("same as input file 'expression_ok.csv'", "choose another output path")),
    arg_case("out_equals_clinical", "--report is the clinical file", validate_args(outs=("--report", OK_CLIN)),
             ("same as input file 'clinical_ok.csv'",)),
    arg_case("out_report_equals_json", "--report and --json the same file",
             validate_args(outs=("--json", "../out/r.out", "--report", "../out/r.out")), ("must name different files", "one path each")),
    arg_case("out_none", "neither --report nor --json", validate_args(outs=()), ("give --report FILE and/or --json FILE",)),
    arg_case("arg_cv_1", "--cv 1", validate_args("expression_ok.csv", OK_CLIN, "--cv", "1"),
             ("'--cv'", "2<=x<=100", "biomark validate --help")),
    arg_case("arg_times_text", "--times with words", validate_args(OK_EXPR, OK_CLIN, "--times", "a,b", survival=True),
             ("'a,b' is not a comma-separated list of numbers",)),
    arg_case("arg_unknown_option", "misspelt option", validate_args(OK_EXPR, OK_CLIN, "--bootstrapp", "3"),
             ("No such option '--bootstrapp'", "--bootstrap")),
    arg_case("arg_sep_wrong", "--sep that the file does not use", validate_args(OK_EXPR, OK_CLIN, "--sep", "|"),
             ("found 1 column(s) when split by '|'",)),
    expr_case("expr_semicolon_decimal_comma_explicit", "';' and decimal commas named with --sep ';' --decimal ,: read",
              (), outs=JSON_ONLY, status=0, check=_check_decimal_comma, file="expr_semicolon_decimal_comma.csv",
              extra=("--sep", ";", "--decimal", ",")),
    arg_case("arg_unknown_endpoint", "--endpoint that the panel lacks", validate_args(OK_EXPR, OK_CLIN, "--endpoint", "os"),
             ("has no endpoint 'os'", "endpoints are: radioresistance, overall_survival")),
    arg_case("arg_covariate_missing", "--covariate names no column",
             validate_args(OK_EXPR, OK_CLIN, "--covariate", "age", survival=True), ("no column 'age'", "columns are")),
    arg_case("arg_validation_unpaired", "--validation-expression without --validation-clinical",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR),
             ("one --validation-clinical for each --validation-expression",)),
    arg_case("arg_method_cox_binary", "--method cox for a binary endpoint",
             validate_args(OK_EXPR, OK_CLIN, "--method", "cox"),
             ("method 'cox' fits a survival model", "endpoint 'radioresistance' is binary", "--method logistic")),
    arg_case("arg_method_logistic_survival", "--method logistic for a survival endpoint",
             validate_args(OK_EXPR, OK_CLIN, "--method", "logistic", survival=True),
             ("fits a classifier", "is survival", "weights or cox")),
    arg_case("fit_cox_without_clinical", "fit --method cox without a clinical file",
             ("fit", "--panel", PANEL, "--expression", OK_EXPR, "--endpoint", "overall_survival", "--method", "cox",
              "--out", "../out/model.json"), ("--method cox", "give --clinical FILE")),
    arg_case("fit_cox_binary_endpoint", "fit --method cox for a binary endpoint",
             ("fit", "--panel", PANEL, "--expression", OK_EXPR, "--clinical", OK_CLIN, "--endpoint", "radioresistance",
              "--method", "cox", "--out", "../out/model.json"),
             ("needs a survival endpoint", "pass --endpoint overall_survival")),
    arg_case("fit_out_missing_directory", "fit --out in a missing directory",
             ("fit", "--panel", PANEL, "--expression", OK_EXPR, "--out", "../out/no/model.json"), ("does not exist",)),
    arg_case("fit_out_equals_input", "fit --out is the expression file",
             ("fit", "--panel", PANEL, "--expression", OK_EXPR, "--out", OK_EXPR), ("same as input file",)),
    arg_case("score_no_model", "score without --model or --panel",
             ("score", "--expression", OK_EXPR, "--out", "../out/scores.csv"), ("exactly one of --model FILE and --panel NAME",)),
    arg_case("score_model_is_csv", "score --model given a CSV file",
             ("score", "--model", OK_CLIN, "--expression", OK_EXPR, "--out", "../out/scores.csv"),
             ("clinical_ok.csv", "not a biomark model file", "biomark fit")),
    arg_case("score_unknown_panel", "score --panel misspelt",
             ("score", "--panel", "escc_mir339", "--expression", OK_EXPR, "--out", "../out/scores.csv"),
             ("unknown panel 'escc_mir339'", "did you mean")),
    arg_case("synth_n_1", "synth --n 1", ("synth", "--panel", PANEL, "--n", "1", "--out", "../out/sim"),
             ("--n", "give at least 2 patients")),
    arg_case("synth_out_parent_missing", "synth --out under a missing directory",
             ("synth", "--panel", PANEL, "--n", "20", "--out", "../out/a/b"), ("parent directory '../out/a' does not exist",)),
    arg_case("power_n_text", "power --n abc", ("power", "--panel", PANEL, "--n", "abc"),
             ("'abc' is not a comma-separated list of integers",)),
    arg_case("demo_out_parent_missing", "demo --out under a missing directory", ("demo", "--out", "../out/a/b"),
             ("parent directory '../out/a' does not exist",)),
    # --- faults, round two (issue 15) ----------------------------------------------------------------
    spec_case("spec_int_5000_digits", "an integer of 5,000 digits", ("line 6", "5000 digits", "too long"),
              setup=_variant(PANEL, "spec_int_5000_digits.yaml", lambda t: t.replace("title: Test", "notes: " + "9" * 5000 + "\ntitle: Test")),
              inputs=()),
    spec_case("spec_unhashable_key", "a list as a mapping key (? [a, b])", ("line 1", "list as a mapping key", "plain names"),
              setup=_variant(PANEL, "spec_unhashable_key.yaml", lambda t: "? [a, b]\n: 1\n" + t), inputs=()),
    spec_case("spec_binary_tag", "a !!binary tag", ("!!binary", "tags are not allowed"),
              setup=_variant(PANEL, "spec_binary_tag.yaml", lambda t: t.replace("title: Test panel", "title: !!binary VGVzdA==\nnotes: Test panel")),
              inputs=()),
    spec_case("spec_weight_inf", "a weight of .inf", ("markers[0].weight", "finite number"),
              setup=_variant(PANEL, "spec_weight_inf.yaml", _spec_weights(".inf")), inputs=()),
    spec_case("spec_weight_nan", "a weight of .nan", ("markers[0].weight", "finite number"),
              setup=_variant(PANEL, "spec_weight_nan.yaml", _spec_weights(".nan")), inputs=()),
    spec_case("spec_weight_1e400", "a weight of 1e400 (read as inf)", ("markers[0].weight", "finite number"),
              setup=_variant(PANEL, "spec_weight_1e400.yaml", _spec_weights("1e400")), inputs=()),
    spec_case("spec_weight_out_of_range", "a weight of 1e300", ("markers[0].weight", "less than or equal to 1000000"),
              setup=_variant(PANEL, "spec_weight_out_of_range.yaml", _spec_weights("1.0e+300")), inputs=()),
    spec_case("spec_cutoff_inf", "a boolean condition's cutoff of -.inf", ("scoring.conditions[0].cutoff", "finite number"),
              setup=_variant("panel_boolean_ok.yaml", "spec_cutoff_inf.yaml", lambda t: t.replace("cutoff: 8.0", "cutoff: -.inf")),
              inputs=()),
    spec_case("spec_same_classes", "positive_class equal to negative_class", ("endpoints[0].negative_class", "also the positive_class"),
              setup=_variant(PANEL, "spec_same_classes.yaml", lambda t: t.replace("negative_class: radiosensitive", "negative_class: Radioresistant")),
              inputs=()),
    arg_case("model_1e400", "model JSON with an intercept of 1e400", ("score", "--model", "model_1e400.json", *_SCORE[1:]),
             ("model_1e400.json: intercept", "not a finite number", "biomark fit"), inputs=(OK_EXPR,),
             setup=_variant(MODEL, "model_1e400.json", lambda t: re.sub(r'"intercept": [-0-9.e]+', '"intercept": 1e400', t))),
    arg_case("model_nan_coef", "model JSON with a NaN coefficient", ("score", "--model", "model_nan_coef.json", *_SCORE[1:]),
             ("coef[0]", "not a finite number"), inputs=(OK_EXPR,),
             setup=_variant(MODEL, "model_nan_coef.json", lambda t: re.sub(r'("coef": \[\s*)[-0-9.e]+', r"\1NaN", t))),
    arg_case("model_zero_scale", "model JSON with a zero scale", ("score", "--model", "model_zero_scale.json", *_SCORE[1:]),
             ("scaler.scale[1]", "must be positive"), inputs=(OK_EXPR,),
             setup=_variant(MODEL, "model_zero_scale.json", _json_edit(lambda d: d["scaler"]["scale"].__setitem__(1, 0)))),
    arg_case("model_huge_intercept", "model JSON with an intercept of 1e300",
             ("score", "--model", "model_huge_intercept.json", *_SCORE[1:]), ("intercept", "out of range", "1e+08"),
             inputs=(OK_EXPR,), setup=_variant(MODEL, "model_huge_intercept.json", _json_edit(_set(("intercept",), 1e300)))),
    arg_case("model_cutoff_text", "boolean model JSON whose cut-off is a text",
             ("score", "--model", "model_cutoff_text.json", *_SCORE[1:]), ("boolean.conditions[0].cutoff", "'abc' is not a number"),
             inputs=(OK_EXPR,),
             setup=_variant(MODEL_BOOL, "model_cutoff_text.json", _json_edit(lambda d: d["boolean"]["conditions"][0].__setitem__("cutoff", "abc")))),
    arg_case("model_deep_nesting", "model JSON nested 100,000 deep", ("score", "--model", "model_deep.json", *_SCORE[1:]),
             ("model_deep.json", "nested too deeply"), inputs=(OK_EXPR,), setup=_deep_json,
             generated=("model_deep.json",)),  # removed after the run: conftest's json.loads of tmp files recurses
    arg_case("model_dev_zero", "score --model /dev/zero", ("score", "--model", "/dev/zero", *_SCORE[1:]),
             ("/dev/zero", "not a regular file"), inputs=(OK_EXPR,)),
    arg_case("out_equals_panel", "validate --json is the panel spec", validate_args(outs=("--json", PANEL)),
             ("same as input file 'panel_ok.yaml'",)),
    arg_case("fit_out_equals_panel", "fit --out is the panel spec",
             ("fit", "--panel", PANEL, "--expression", OK_EXPR, "--out", PANEL), ("same as input file 'panel_ok.yaml'",)),
    arg_case("score_out_equals_panel", "score --out is the panel spec",
             ("score", "--panel", PANEL, "--expression", OK_EXPR, "--out", PANEL), ("same as input file 'panel_ok.yaml'",)),
    arg_case("score_out_equals_model", "score --out is the model file",
             ("score", "--model", MODEL, "--expression", OK_EXPR, "--out", MODEL), ("same as input file 'model_ok.json'",),
             inputs=(MODEL, OK_EXPR)),
    arg_case("power_json_equals_panel", "power --json is the panel spec",
             ("power", "--panel", PANEL, "--n", "20", "--reps", "1", "--json", PANEL), ("same as input file 'panel_ok.yaml'",)),
    arg_case("synth_existing_files", "synth --out . beside the user's expression.csv",
             ("synth", "--panel", PANEL, "--n", "20", "--out", "."), ("expression.csv", "already exist", "--force"),
             setup=_user_data_in("expression.csv")),
    arg_case("demo_existing_files", "demo --out . beside the user's results.json",
             ("demo", "--out", "."), ("results.json", "already exist", "--force"), setup=_user_data_in("results.json")),
    arg_case("synth_noise_markers_limit", "synth --noise-markers 100000000",
             ("synth", "--panel", PANEL, "--noise-markers", "100000000", "--out", "../out/sim"),
             ("'--noise-markers'", "0<=x<=10000")),
    arg_case("synth_too_many_values", "synth --n 1000000 --noise-markers 9000 (9 billion values)",
             ("synth", "--panel", PANEL, "--n", "1000000", "--noise-markers", "9000", "--out", "../out/sim"),
             ("more than the limit of 50000000", "n_noise_markers")),
    expr_case("expr_gzip_bomb", "a 64 KB .gz inflating to 64 MB without a line break (generated)",
              ("expr_gzip_bomb.csv.gz", "longer than"), file="expr_gzip_bomb.csv.gz", inputs=(OK_CLIN, PANEL),
              setup=_gzip_bomb, generated=("expr_gzip_bomb.csv.gz",)),
    arg_case("score_gzip_bomb", "score on a .gz inflating to 64 MB without a line break (generated)",
             ("score", "--panel", PANEL, "--expression", "expr_gzip_bomb.csv.gz", "--out", "../out/scores.csv"),
             ("expr_gzip_bomb.csv.gz", "longer than 4 MB"), inputs=(PANEL,), setup=_gzip_bomb,
             generated=("expr_gzip_bomb.csv.gz",)),
    arg_case("arg_cv_above_smaller_class", "--cv 30 with 20 samples in the smaller class: capped, said",
             validate_args(OK_EXPR, OK_CLIN, "--cv", "30", outs=JSON_ONLY), (), status=0,
             check=_check_folds(20, "smaller class")),
    arg_case("arg_cv_above_events", "--cv 30 with 24 events (survival): capped the same way, said",
             validate_args(OK_EXPR, OK_CLIN, "--cv", "30", survival=True, outs=JSON_ONLY), (), status=0,
             check=_check_folds(24, "events")),
    arg_case("covariate_constant", "a constant Cox covariate",
             validate_args(OK_EXPR, "clin_covariates.csv", "--covariate", "constant", survival=True),
             ("covariate 'constant' is constant", "every value is 1.5", "drop it"), inputs=(OK_EXPR, PANEL),
             setup=_clin_covariates),
    arg_case("covariate_separates_events", "a Cox covariate equal to the event (monotone likelihood)",
             validate_args(OK_EXPR, "clin_covariates.csv", "--covariate", "event_copy", survival=True),
             ("monotone likelihood", "event_copy"), inputs=(OK_EXPR, PANEL), setup=_clin_covariates),
    arg_case("quiet_convergence_warning", "-q run whose L1 fits do not converge: nothing on stderr, warning in results",
             validate_args(OK_EXPR, "clin_perfect_separation.csv", "--method", "logistic", "--penalty", "l1",
                           outs=JSON_ONLY), (), status=0, check=_check_convergence,
             inputs=(OK_EXPR, "clin_perfect_separation.csv", PANEL)),

    # --- cohorts (issue 14: codings and silent mis-matches) -----------------------------------------
    Case("clin_event_words_unknown", "clinical", "event column DOD/NED: not a known coding",
         validate_args(OK_EXPR, "clin_dod.csv", survival=True), (OK_EXPR, OK_CLIN, PANEL),
         ("clin_dod.csv", "column 'death'", "'DOD', 'NED'", "--event-value"), setup=_clin_dod),
    Case("clin_event_value", "clinical", "event column DOD/NED with --event-value DOD: runs",
         validate_args(OK_EXPR, "clin_dod.csv", "--event-value", "DOD", survival=True, outs=JSON_ONLY),
         (OK_EXPR, OK_CLIN, PANEL), status=0, setup=_clin_dod, check=_check_events_read),
    Case("clin_response_labels", "clinical", "CR/PR/SD/PD/NE with --positive CR,PR --negative SD,PD: NE dropped",
         validate_args(OK_EXPR, "clin_recist.csv", "--positive", "CR,PR", "--negative", "SD,PD", outs=JSON_ONLY),
         (OK_EXPR, OK_CLIN, PANEL), status=0, setup=_clin_recist, check=_check_ne_dropped),
    Case("clin_response_no_negative", "clinical", "CR/PR/SD/PD/NE with --positive only",
         validate_args(OK_EXPR, "clin_recist.csv", "--positive", "CR,PR"), (OK_EXPR, OK_CLIN, PANEL),
         ("column 'radioresistance' has 5 labels", "--negative LABEL[,LABEL]"), setup=_clin_recist),
    Case("arg_covariate_binary", "clinical", "--covariate with a binary endpoint: the clinical model of the added-value section",
         validate_args(OK_EXPR, OK_CLIN, "--covariate", "os_months", outs=JSON_ONLY), (OK_EXPR, OK_CLIN, PANEL),
         status=0, check=_check_covariate_is_clinical_model),
    Case("expr_other_arm", "expression", "hsa-miR-96-3p where the panel has hsa-miR-96-5p: not used",
         validate_args("expr_other_arm.csv", OK_CLIN, outs=JSON_ONLY), (OK_EXPR, OK_CLIN, PANEL), status=0,
         setup=_expr_other_arm, check=_check_other_arm),
    arg_case("score_samples_as_columns", "score --samples-as columns",
             ("score", "--panel", PANEL, "--expression", OK_EXPR, "--samples-as", "columns", "--out",
              "../out/scores.csv"), ("one sample per row", "transpose")),
    arg_case("arg_time_unit_unknown", "--time-unit fortnights",
             validate_args(OK_EXPR, OK_CLIN, "--time-unit", "fortnights", survival=True),
             ("fortnights", "days", "months")),

    # --- public-cohort formats (issue 14: GEO, annotation, cBioPortal) ---
    *CASES_PUBLIC_FORMATS,

    # --- added value over a clinical model (issue 16) ---
    # clin_added_*.csv: clinical_ok.csv plus stage (I/II/III by row) and age, each with one mistake
    arg_case("clinical_model_constant", "--clinical-model column with one value",
             validate_args(OK_EXPR, "clin_added_constant_age.csv", "--clinical-model", "stage,age"),
             ("clinical-model column 'age' is constant", "drop it from --clinical-model"),
             inputs=(OK_EXPR, "clin_added_constant_age.csv", PANEL)),
    arg_case("clinical_model_all_missing", "--clinical-model column missing for every sample",
             validate_args(OK_EXPR, "clin_added_age_missing.csv", "--clinical-model", "stage,age"),
             ("'age' is missing for every sample",), inputs=(OK_EXPR, "clin_added_age_missing.csv", PANEL)),
    arg_case("clinical_model_level_one_sample", "--clinical-model factor with a level of one sample",
             validate_args(OK_EXPR, "clin_added_stage_single.csv", "--clinical-model", "stage,age"),
             ("'stage' has level(s) IV with one sample", "merge the level"),
             inputs=(OK_EXPR, "clin_added_stage_single.csv", PANEL)),
    arg_case("clinical_model_unknown_column", "--clinical-model names no column",
             validate_args(OK_EXPR, "clin_added_constant_age.csv", "--clinical-model", "stage,grade"),
             ("'grade' is not in the clinical file", "columns are"),
             inputs=(OK_EXPR, "clin_added_constant_age.csv", PANEL)),
    arg_case("risk_cutoffs_decreasing", "--risk-cutoffs not increasing",
             validate_args(OK_EXPR, OK_CLIN, "--clinical-model", "os_months", "--risk-cutoffs", "0.3,0.1"),
             ("--risk-cutoffs", "increasing")),
    # --- risk at the horizon (issue 17) ---
    arg_case("horizon_text", "--horizon with words", validate_args(OK_EXPR, OK_CLIN, "--horizon", "a,b", survival=True),
             ("'a,b' is not a comma-separated list of numbers", "--horizon")),
    arg_case("horizon_negative", "--horizon with a negative time",
             validate_args(OK_EXPR, OK_CLIN, "--horizon=-1,12", survival=True), ("horizon -1 is not a positive time",)),
    arg_case("horizon_not_increasing", "--horizon not increasing",
             validate_args(OK_EXPR, OK_CLIN, "--horizon", "36,12", survival=True),
             ("horizons must increase: 36 is followed by 12",)),
    arg_case("horizon_beyond_follow_up", "--horizon beyond the last follow-up: that horizon dropped with a warning",
             validate_args(OK_EXPR, OK_CLIN, "--horizon", "12,9999", survival=True, outs=JSON_ONLY), (), status=0,
             check=_warned("horizon 9999", "was dropped", "beyond the last follow-up")),

    # --- external validation (issue 18) ---
    arg_case("ext_missing_marker", "a validation cohort lacks a marker the model needs",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", "expr_ext_missing_marker.csv",
                           "--validation-clinical", OK_CLIN),
             ("expr_ext_missing_marker.csv", "the model needs marker(s) HSPA1A", "markers every cohort has"),
             inputs=(OK_EXPR, OK_CLIN, PANEL, "expr_ext_missing_marker.csv")),
    arg_case("ext_one_class", "a validation cohort with one outcome class",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical",
                           "clin_ext_one_class.csv"),
             ("clin_ext_one_class.csv", "does not occur", "labels are: radiosensitive"),
             inputs=(OK_EXPR, OK_CLIN, PANEL, "clin_ext_one_class.csv")),
    arg_case("cluster_one_level", "--cluster column with one level",
             validate_args(OK_EXPR, "clin_cluster_one_level.csv", "--cluster", "centre"),
             ("--cluster column 'centre' has one level only ('A')", "at least 2 centres"),
             inputs=(OK_EXPR, "clin_cluster_one_level.csv", PANEL)),
    arg_case("cluster_missing_column", "--cluster names no column",
             validate_args(OK_EXPR, OK_CLIN, "--cluster", "centre"),
             ("--cluster column 'centre' is not in the clinical data", "name the column")),
    arg_case("cluster_small", "a cluster with fewer than 10 samples: skipped with a warning",
             validate_args(OK_EXPR, "clin_cluster_small.csv", "--cluster", "centre", outs=JSON_ONLY), (),
             inputs=(OK_EXPR, "clin_cluster_small.csv", PANEL), status=0,
             check=lambda out: None if any("cluster 'C' (centre) skipped: fewer than 10 samples (6)" in w
                                           for w in _results(out)["warnings"]) else pytest.fail("no skip warning")),
    arg_case("update_model_with_harmonise", "--update-model with --harmonise combat",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical", OK_CLIN,
                           "--harmonise", "combat", "--update-model", "../out/model.json"),
             ("--update-model with --harmonise combat", "use --harmonise none")),
    arg_case("groups_not_increasing", "--groups cut-offs not increasing",
             validate_args(OK_EXPR, OK_CLIN, "--groups", "0.5,0.2", survival=True),
             ("group cut-offs must be finite and increasing",)),
    # --- parity options (issue 20) ---
    arg_case("parity_weights_negative", "--weights column with a negative weight",
             validate_args(OK_EXPR, "clin_parity_neg.csv", "--weights", "w", survival=True),
             ("--weights column 'w'", "1 negative value(s)", "must be >= 0"),
             setup=_clin_parity("clin_parity_neg.csv", w=-1.0)),
    arg_case("parity_weights_nonfinite", "--weights column with an empty cell (inf is refused by the reader)",
             validate_args(OK_EXPR, "clin_parity_na.csv", "--weights", "w", survival=True),
             ("--weights column 'w'", "1 missing, non-numeric or non-finite value(s)", "finite number >= 0"),
             setup=_clin_parity("clin_parity_na.csv", w="")),
    arg_case("parity_weights_inf", "--weights column with inf",
             validate_args(OK_EXPR, "clin_parity_inf.csv", "--weights", "w", survival=True),
             ("column 'w'", "infinite value", "finite number"), setup=_clin_parity("clin_parity_inf.csv", w="inf")),
    arg_case("parity_weights_missing_column", "--weights names no column",
             validate_args(OK_EXPR, OK_CLIN, "--weights", "w", survival=True),
             ("--weights names clinical column 'w'", "columns are")),
    arg_case("parity_strata_single", "--strata column with a stratum of one subject",
             validate_args(OK_EXPR, "clin_parity_single.csv", "--strata", "centre", survival=True),
             ("--strata column 'centre'", "['Z']", "single analysed subject", "merge it"),
             setup=_clin_parity("clin_parity_single.csv", centre="Z")),
    arg_case("parity_strata_missing_column", "--strata names no column",
             validate_args(OK_EXPR, OK_CLIN, "--strata", "centre", survival=True),
             ("--strata names clinical column 'centre'", "columns are")),
    arg_case("parity_rmst_tau_beyond", "--rmst-tau beyond the follow-up of a score group",
             validate_args(OK_EXPR, OK_CLIN, "--rmst-tau", "9999", survival=True),
             ("--rmst-tau 9999 is beyond the follow-up in 'os_months'", "choose --rmst-tau <=")),
    arg_case("parity_binary_refused", "--strata with a binary endpoint",
             validate_args(OK_EXPR, OK_CLIN, "--strata", "centre"),
             ("--strata (strata=) applies to a survival endpoint", "leave out --strata")),
    arg_case("parity_options_run", "--strata, --weights and --rmst-tau on a survival endpoint: runs",
             validate_args(OK_EXPR, "clin_parity_ok.csv", "--strata", "centre", "--weights", "w", "--rmst-tau", "12",
                           survival=True, outs=JSON_ONLY), (), status=0,
             setup=_clin_parity("clin_parity_ok.csv"), check=_check_parity),
    # --- external validation at the horizons (issue 18, survival) ---
    arg_case("ext_followup_short", "a survival validation cohort followed up for less than every horizon: "
             "its horizons skipped with a warning",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical",
                           "clin_ext_short.csv", survival=True, outs=JSON_ONLY), (),
             status=0, setup=lambda d: _clin_short(d), generated=("clin_ext_short.csv",),
             check=_warned("validation cohort '", "was dropped", "last follow-up time")),

    # --- screen (issue 19) ---
    arg_case("screen_unknown_column", "screen: --endpoint-map names a column the clinical file lacks",
             ("screen", "--expression", OK_EXPR, "--clinical", OK_CLIN, "--panels", ".", "--endpoint-map",
              "radioresistance=nope", "--json", "../out/screen.json"),
             ("clinical column 'nope'", "its columns are")),
    arg_case("screen_map_syntax", "screen: --endpoint-map without '='",
             ("screen", "--expression", OK_EXPR, "--clinical", OK_CLIN, "--endpoint-map", "radioresistance",
              "--json", "../out/screen.json"),
             ("is not KIND_OR_ID=COLUMN", "--endpoint-map")),
    # --- added value, round two (issue 16) ---
    arg_case("added2_survival_covariate_alias", "--covariate with a survival endpoint: adjusts the HR and names the "
             "clinical model of the added-value section (NRI/IDI at the horizons, adjusted directions)",
             validate_args(OK_EXPR, "clin_added2.csv", "--covariate", "age", survival=True, outs=JSON_ONLY), (),
             status=0, setup=_clin_added2, generated=("clin_added2.csv",), check=_check_survival_covariate_alias),
    arg_case("added2_survival_singleton_level", "--clinical-model (survival) with a level held by one sample",
             validate_args(OK_EXPR, "clin_added2.csv", "--clinical-model", "grade", survival=True),
             ("clinical-model column 'grade'", "G3", "one sample", "merge the level"),
             setup=_clin_added2, generated=("clin_added2.csv",)),
    # --- pre-registration (issue 19): biomark plan, validate/screen --plan ---
    arg_case("plan_setting_differs", "validate --plan with a setting other than the plan's (--seed 3)",
             validate_args(OK_EXPR, OK_CLIN, "--plan", "plan.json", "--seed", "3"),
             ("setting 'seed' (--seed) differs from the plan", "planned 0, given 3", "leave out --seed",
              "biomark plan"), setup=_plan_setup()),
    arg_case("plan_spec_changed", "validate --plan with the panel spec edited after the plan",
             validate_args(OK_EXPR, OK_CLIN, "--plan", "plan.json", panel="panel_edited.yaml"),
             ("spec of panel 'badinput_base_panel' changed since the plan", "write a new plan"),
             setup=_plan_setup(edit_spec=True)),
    arg_case("plan_tampered", "validate --plan with a plan whose content was edited after 'biomark plan' wrote it",
             validate_args(OK_EXPR, OK_CLIN, "--plan", "plan.json"),
             ("plan.json: plan_hash does not match", "write a new plan with 'biomark plan'"),
             setup=_plan_setup(tamper=True)),
    arg_case("plan_missing", "validate --plan naming a file that does not exist",
             validate_args(OK_EXPR, OK_CLIN, "--plan", "no_plan.json"),
             ("--plan no_plan.json: no such file", "biomark plan --out")),
    arg_case("screen_plan_setting_differs", "screen --plan with another --alpha than the plan's",
             ("screen", "--expression", OK_EXPR, "--clinical", OK_CLIN, "--plan", "plan.json", "--alpha", "0.1",
              "--endpoint-map", "radioresistance=radioresistance", "--json", "../out/screen.json"),
             ("setting 'alpha' (--alpha) differs from the plan", "planned 0.05, given 0.1"), setup=_plan_setup()),
    arg_case("plan_output_is_input", "biomark plan --out naming the spec it plans",
             ("plan", "--panel", PANEL, "--out", PANEL), ("output path is the same as input file",)),
    # --- external validation, remaining items (issue 18: O:E bootstrap, one-marker ComBat, IECV horizons) ---
    arg_case("oe_bootstrap_one", "--oe-bootstrap with a single refit",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical", OK_CLIN,
                           "--oe-bootstrap", "1", survival=True),
             ("--oe-bootstrap must be 0 (off) or a whole number of refits >= 2",)),
    arg_case("oe_bootstrap_binary", "--oe-bootstrap with a binary endpoint",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical", OK_CLIN,
                           "--oe-bootstrap", "20"),
             ("--oe-bootstrap applies to the O:E at a horizon of a survival endpoint", "leave it out")),
    arg_case("oe_bootstrap_no_validation", "--oe-bootstrap without a validation cohort or --cluster",
             validate_args(OK_EXPR, OK_CLIN, "--oe-bootstrap", "20", survival=True),
             ("--oe-bootstrap needs a cohort to validate on", "--validation-expression", "--cluster COLUMN")),
    arg_case("combat_one_marker", "--harmonise combat with a one-marker panel: location/scale without empirical "
             "Bayes shrinkage, with a warning",
             validate_args(OK_EXPR, OK_CLIN, "--validation-expression", OK_EXPR, "--validation-clinical", OK_CLIN,
                           "--harmonise", "combat", panel="panel_one_marker.yaml", outs=JSON_ONLY), (),
             status=0, setup=lambda d: _panel_one_marker(d),
             generated=("panel_one_marker.yaml",), check=_warned("ComBat with one marker", "without shrinkage")),
    arg_case("iecv_cluster_followup_short", "--cluster with a survival endpoint whose held-out centre is followed up "
             "for less than every horizon: its horizons skipped with a warning",
             validate_args(OK_EXPR, "clin_cluster_short.csv", "--cluster", "centre", survival=True, outs=JSON_ONLY),
             (), status=0, setup=lambda d: _clin_cluster_short(d), generated=("clin_cluster_short.csv",),
             check=_warned("internal-external cross-validation, centre 'B' held out: horizon", "was dropped")),
    # --- issue 20, weighted log-rank and robust KM (branch i20opt) ---
    arg_case("i20opt_weights_zero_for_events", "--weights zero for every sample with an event: runs; the weighted "
             "section (Cox, log-rank, KM) is reported as not assessed, saying why",
             validate_args(OK_EXPR, "clin_w_zero_events.csv", "--weights", "w", survival=True, outs=JSON_ONLY), (),
             status=0, setup=_clin_w_zero_events, generated=("clin_w_zero_events.csv",),
             check=_check_w_zero_events),
    # --- combined clinical + panel model file (issue 16, fit --clinical-model / score --clinical) ---
    arg_case("combined_score_no_clinical", "score with a combined clinical + panel model but no --clinical",
             _COMBINED, ("is a combined clinical + panel model", "grade, age", "give --clinical FILE"),
             setup=_combined_model("ok")),
    arg_case("combined_score_missing_column", "score --clinical: a clinical-model column is not in the file",
             (*_COMBINED, "--clinical", "clin_new.csv"),
             ("clin_new.csv", "clinical-model column 'grade' is not in the clinical file", "add the column"),
             setup=_combined_model("no_grade")),
    arg_case("combined_score_unseen_level", "score --clinical: a factor level the model never saw",
             (*_COMBINED, "--clinical", "clin_new.csv"),
             ("clinical-model column 'grade' has level 'G9'", "never saw", "G1, G2", "recode it"),
             setup=_combined_model("g9")),
    # --- screen report and outputs (issue 19, i19report) ---
    arg_case("screen_out_is_a_file", "screen: --out names a file, not a folder",
             ("screen", "--expression", OK_EXPR, "--clinical", OK_CLIN, "--panels", ".", "--endpoint-map",
              "radioresistance=radioresistance", "--out", OK_CLIN),
             ("is a file", "--out")),
    arg_case("screen_no_output", "screen: neither --out nor --json",
             ("screen", "--expression", OK_EXPR, "--clinical", OK_CLIN, "--endpoint-map",
              "radioresistance=radioresistance"),
             ("--out DIR", "--json FILE")),
    # --- competing risks (issue 20) ---
    arg_case("competing_ok", "a spec naming a competing event, the event column coded 0/1/2: cumulative incidence "
             "by score group and the Fine-Gray sHR in survival.competing", _competing_args(outs=JSON_ONLY), (),
             status=0, setup=_competing_setup(_competing_rows()), generated=(COMPETING_SPEC, "clin_competing.csv"),
             check=_check_competing),
    arg_case("competing_code_3", "a competing-risks endpoint whose event column has a code 3",
             _competing_args(), ("clin_competing.csv: column 'death' must be coded 0 (censored), 1 (event of interest) "
                                 "or 2 (competing event: death without recurrence)", "found codes 0, 1, 2, 3",
                                 "recode the cell '3'"),
             setup=_competing_setup({**_competing_rows(), 5: 3}), generated=(COMPETING_SPEC, "clin_competing.csv")),
    arg_case("competing_code_2_without_spec", "an event column coded 0/1/2 but no competing event in the spec",
             validate_args(OK_EXPR, "clin_competing.csv", survival=True),
             ("column 'death' must be 0 (censored) or 1 (event); found 0, 1, 2",
              "name it in the panel spec's survival endpoint (competing: ...)"),
             setup=_competing_setup(_competing_rows()), generated=(COMPETING_SPEC, "clin_competing.csv")),
    arg_case("competing_event_value", "--event-value with a competing-risks endpoint (its codes are fixed: 0/1/2)",
             _competing_args("--event-value", "1"), ("--event-value does not apply", "competing event",
                                                     "leave out --event-value"),
             setup=_competing_setup(_competing_rows()), generated=(COMPETING_SPEC, "clin_competing.csv")),
    arg_case("competing_on_binary_endpoint", "'competing:' on a binary endpoint of the spec",
             ("panels", "check", COMPETING_SPEC), ("endpoints[0]", "competing"),
             setup=_competing_setup({}, spec="binary"), generated=(COMPETING_SPEC, "clin_competing.csv")),
    # --- combined model of a fitted method: the markers are terms (branch joint) ---
    arg_case("combined_joint_missing_marker", "score --clinical with a --method logistic combined model (markers "
             "are terms): a new sample without a value of a marker",
             ("score", "--model", "model_joint.json", "--expression", "expr_new.csv", "--clinical", "clin_comb.csv",
              "--out", "../out/scores.csv"),
             ("expr_new.csv", "sample 'S04' has no value of marker 'HSPA1A'", "does not impute",
              "leave those samples out"),
             setup=_joint_model),
]


def _panel_one_marker(d: Path) -> None:
    """panel_ok.yaml reduced to its first marker (and that marker's evidence)."""
    import yaml

    spec = yaml.safe_load((BAD / PANEL).read_text(encoding="utf-8"))
    spec["id"] = "badinput_one_marker_panel"
    spec["markers"] = spec["markers"][:1]
    keep = spec["markers"][0]["id"]
    spec["evidence"] = [e for e in spec["evidence"] if e["markers"] == [keep]]
    (d / "panel_one_marker.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def _clin_cluster_short(d: Path) -> None:
    """clinical_ok.csv with a 'centre' column: half the samples in A, half in B, B followed up for 2 months."""
    clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
    b = np.arange(len(clin)) % 2 == 1
    clin["centre"] = np.where(b, "B", "A")
    clin.loc[b, "death"] = np.where(clin.loc[b, "os_months"] > 2, 0, clin.loc[b, "death"])
    clin.loc[b, "os_months"] = np.minimum(clin.loc[b, "os_months"], 2.0)
    clin.to_csv(d / "clin_cluster_short.csv", index=False)


def _clin_short(d: Path) -> None:
    """The good clinical file followed up for 2 months only (censored at 2 unless the event came first)."""
    clin = pd.read_csv(d / OK_CLIN, dtype={"sample_id": str})
    clin["death"] = np.where(clin["os_months"] > 2, 0, clin["death"])
    clin["os_months"] = np.minimum(clin["os_months"], 2.0)
    clin.to_csv(d / "clin_ext_short.csv", index=False)


# --- running -----------------------------------------------------------------------------------


def _cmd() -> tuple[list[str], dict[str, str]]:
    exe = shutil.which("biomark")
    env = dict(os.environ)
    if exe:
        return [exe], env
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return [sys.executable, "-m", "biomark"], env


def _sha(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _snapshot(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): _sha(p) if p.is_file() else "dir" for p in sorted(d.rglob("*"))}


@dataclass
class Run:
    case: Case
    proc: subprocess.CompletedProcess
    before: dict[str, str]
    after: dict[str, str]
    out_after: dict[str, str]
    out: Path
    check_error: str | None = None


def _run_case(case: Case, base: Path, index: int) -> Run:
    work = base / f"{index:02d}_{case.id}"
    (work / "in").mkdir(parents=True)
    (work / "out").mkdir()
    for f in case.inputs:
        shutil.copyfile(BAD / f, work / "in" / f)
    if case.setup is not None:
        case.setup(work / "in")
    before = _snapshot(work / "in")
    cmd, env = _cmd()
    proc = subprocess.run([*cmd, *case.argv], cwd=work / "in", env=env, capture_output=True, text=True, timeout=300)
    run = Run(case, proc, before, _snapshot(work / "in"), _snapshot(work / "out"), work / "out")
    if case.check is not None and proc.returncode == 0:
        try:
            case.check(work / "out")
        except AssertionError as err:
            run.check_error = str(err)
    for g in case.generated:  # 100 MB files: do not keep them around
        (work / "in" / g).unlink(missing_ok=True)
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    base = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {_key(c, i): pool.submit(_run_case, c, base, i) for i, c in enumerate(CASES)}
        return {k: f.result() for k, f in futures.items()}


def _key(case: Case, index: int) -> str:
    return f"{index:02d}_{case.id}"


def test_catalog_is_large_and_small():
    assert len(CASES) >= 40
    assert len({_key(c, i) for i, c in enumerate(CASES)}) == len(CASES)
    size = sum(p.stat().st_size for p in BAD.iterdir())
    assert size < 1_000_000, f"tests/bad_inputs is {size} bytes; keep it under 1 MB"
    for c in CASES:
        for f in c.inputs:
            assert (BAD / f).is_file(), f"{c.id}: {f} missing from tests/bad_inputs"


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.id for c in CASES])
def test_case(runs, index):
    case = CASES[index]
    r = runs[_key(case, index)]
    err = r.proc.stderr
    assert "Traceback" not in err, err
    assert r.proc.returncode == case.status, f"exit {r.proc.returncode}\nstdout: {r.proc.stdout}\nstderr: {err}"
    # inputs untouched, and no stray (temporary) file beside them
    assert r.after == r.before
    if case.status == 2:
        lines = err.splitlines()
        assert len(lines) == 1, f"expected one stderr line, got:\n{err}"
        assert lines[0].startswith("error: ")
        for w in case.words:
            assert w in lines[0], f"{w!r} not in: {lines[0]}"
        assert r.out_after == {}, f"files left behind: {r.out_after}"
    else:
        assert err == "", f"stderr should be empty with -q:\n{err}"
        assert r.check_error is None, r.check_error
        want = ["results.json"] + (["report.html"] if "--report" in case.argv else [])
        assert sorted(r.out_after) == sorted(want)


@pytest.mark.slow
def test_committed_inputs_unchanged_by_the_runs(runs):
    # the runs work on copies; the committed files must equal what make_inputs.py writes (regenerable)
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_inputs", BAD / "make_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ids, x, labels, time, event = mod.base()
    assert (BAD / OK_EXPR).read_text(encoding="utf-8") == mod.expression_text(ids, x)
    assert (BAD / OK_CLIN).read_text(encoding="utf-8") == mod.clinical_text(ids, labels, time, event)


# --- docs/errors.md ------------------------------------------------------------------------------

_BEGIN = "<!-- cases: generated by tests/test_bad_inputs.py (BIOMARK_WRITE_ERRORS_DOC=1); do not edit by hand -->"
_END = "<!-- end of cases -->"


def _doc_table(runs: dict[str, Run]) -> str:
    rows = ["| # | case | group | input | exit | message (stderr) or behaviour |", "| --- | --- | --- | --- | --- | --- |"]
    for i, c in enumerate(CASES):
        r = runs[_key(c, i)]
        if c.status == 2:
            text = re.sub(r"shows all \d+ panels", "shows all N panels", r.proc.stderr.strip())  # the catalog grows
            msg = "`" + text.replace("|", "\\|").replace("`", "'") + "`"
        else:
            msg = "succeeds: " + c.problem.split(": ", 1)[-1]
        if c.note:
            msg += f" — *known issue: {c.note}*"
        rows.append(f"| {i + 1} | `{c.id}` | {c.group} | {c.problem} | {r.proc.returncode} | {msg} |")
    return "\n".join(rows)


@pytest.mark.slow
def test_errors_doc_lists_every_case_with_its_message(runs):
    table = _doc_table(runs)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if os.environ.get("BIOMARK_WRITE_ERRORS_DOC") == "1":
        assert _BEGIN in text and _END in text, "docs/errors.md needs the begin/end markers"
        head, rest = text.split(_BEGIN, 1)
        tail = rest.split(_END, 1)[1]
        DOC.write_text(head + _BEGIN + "\n\n" + table + "\n\n" + _END + tail, encoding="utf-8")
        text = DOC.read_text(encoding="utf-8")
    section = text.split(_BEGIN, 1)[1].split(_END, 1)[0] if _BEGIN in text else ""
    for c in CASES:
        assert f"| `{c.id}` |" in section, f"docs/errors.md does not list {c.id}"
    assert section.strip() == table.strip(), "docs/errors.md is out of date: rerun with BIOMARK_WRITE_ERRORS_DOC=1"


@pytest.mark.slow
def test_messages_name_no_absolute_temp_path(runs):
    # messages are for users: relative paths stay relative (the runs use paths relative to in/)
    for i, c in enumerate(CASES):
        err = runs[_key(c, i)].proc.stderr
        assert not re.search(r"/tmp/|pytest-of", err), err
