"""Every CLI command, every option, a family of malformed values: exit 0 or 2, never a traceback (issue 15).

Each example takes a command's small valid invocation and replaces the value of one option with a hostile
one (empty, negative, huge, non-finite, non-ASCII digits, terminal escapes, a device, a directory, ...).
The command runs in this process through the same boundary as the console script (``run_main``): an
exception escaping it is a traceback a user would see. A 0 exit is allowed (some values are valid); a
non-zero exit must be 2 (130/143 are for signals) with one ``error:`` line on stderr that has no raw
control character.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biomark.cli import cli
from biomark.cli._common import run_main

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"

INPUTS = ("expression_ok.csv", "clinical_ok.csv", "panel_ok.yaml")
HOSTILE = ["", " ", "-1", "0", "-0", "1e400", "nan", "inf", "-inf", "99999999999999999999999", "2.5",
           "\x1b[2J\x1b]0;x\x07", "\u202eabc", "٣", "１", "a,b,,", ",", "/dev/zero", "/", ".", "..",
           "NONEXISTENT", "tcp://", "x" * 300, "1;2", "-2", "3", "100000"]

_BASE = {
    "validate": ["--panel", "panel_ok.yaml", "--expression", "expression_ok.csv", "--clinical", "clinical_ok.csv",
                 "--outcome", "radioresistance", "--bootstrap", "0", "--permutations", "0", "--repeats", "1",
                 "--seed", "1", "-q", "--json", "out/r.json"],
    "fit": ["--panel", "panel_ok.yaml", "--expression", "expression_ok.csv", "--clinical", "clinical_ok.csv",
            "--outcome", "radioresistance", "--out", "out/m.json", "--quiet"],
    "score": ["--panel", "panel_ok.yaml", "--expression", "expression_ok.csv", "--out", "out/s.csv"],
    "synth": ["--panel", "panel_ok.yaml", "--n", "30", "--seed", "1", "--out", "out/sim", "--quiet"],
    "power": ["--panel", "panel_ok.yaml", "--n", "30", "--reps", "2"],
}


def _options(command: str) -> list[str]:
    cmd = cli.get_command(click.Context(cli), command)
    names = []
    for p in cmd.params:
        if p.param_type_name == "option" and not p.is_flag and p.name not in ("help",):
            names.append(max(p.opts, key=len))
    return names


CASES = [(c, o) for c in _BASE for o in _options(c) if o not in ("--scheduler",)]
CASES += [(c, "--scheduler") for c in ("validate", "power") if "--scheduler" in _options(c)]


def _argv(command: str, option: str, value: str) -> list[str]:
    base = list(_BASE[command])
    if option in base:
        base[base.index(option) + 1] = value
    else:
        base += [option, value]
    return [command, *base]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    for f in INPUTS:
        shutil.copyfile(BAD / f, d / f)
    return d


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run_main(cli, argv)
    return code, err.getvalue()


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), value=st.sampled_from(HOSTILE))
def test_malformed_option_values(workdir, monkeypatch, case, value):
    command, option = case
    monkeypatch.chdir(workdir)
    out = workdir / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    before = {name: (workdir / name).read_bytes() for name in INPUTS}
    code, err = _run(_argv(command, option, value))
    assert code in (0, 2), (command, option, value, code, err)
    if code == 2:
        lines = [ln for ln in err.splitlines() if not ln.startswith("warning:")]
        assert len(lines) == 1 and lines[0].startswith("error: "), (command, option, value, err)
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in lines[0]), lines[0]
        assert "\u202e" not in lines[0]
    assert {name: (workdir / name).read_bytes() for name in before} == before  # inputs intact
