"""Every option an error message (or help text) of biomark suggests exists on the command that shows it.

Issue 14: ``validate`` recommended ``--id-column`` and ``--clinical-id-column``, which it did not accept.
The test reads biomark's source with :mod:`ast`, collects each ``--option`` inside a string literal (f-string
parts included; option declarations themselves are skipped) and checks it against the options of the
commands that can show that string: the command whose function (or helper) holds it in a CLI module, or,
for library modules, every command that runs that code (``COMMANDS_OF``).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from biomark.cli import cli

ROOT = Path(__file__).resolve().parents[2] / "biomark"
OPT = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
NAMED = re.compile(r"\bbiomark (validate|fit|score|demo|synth|power)\b")

READ_EXPRESSION = ("validate", "fit", "score")
READ_CLINICAL = ("validate", "fit")
#: library module (path relative to biomark/, prefix) -> the commands that run its code
COMMANDS_OF = {
    "cohort.py": READ_CLINICAL, "codings.py": READ_CLINICAL, "io/clinical.py": READ_CLINICAL,
    "io/": READ_EXPRESSION,
    # the public-cohort readers (GEO, cBioPortal, annotation): validate and fit; score streams plain tables only
    # and refuses these files with its own message
    "io/annotation.py": READ_CLINICAL, "io/geo.py": READ_CLINICAL, "io/cbioportal.py": READ_CLINICAL,
    "io/tcga.py": READ_CLINICAL, "io/public.py": READ_CLINICAL, "validation/": ("validate",), "fitting.py": ("fit",), "scoring.py": ("score",),
    "model/files.py": ("score",), "synthetic/power.py": ("power",), "synthetic/output.py": ("synth",),
    # public-cohort readers (GEO, cBioPortal, TCGA, annotation): validate and fit (and inspect); score refuses them
    **{f"io/{m}.py": READ_CLINICAL for m in ("annotation", "geo", "cbioportal", "tcga", "public")},
}
#: CLI helper functions -> the command they serve
HELPERS = {"_check_fit_usage": "fit", "_echo_fit": "fit", "_write_outputs": "validate", "_summary": "validate",
           "_dropped": "validate"}


def _commands() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}

    def walk(cmd: click.Command, name: str) -> None:
        out[name] = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")} | {"--help"}
        if isinstance(cmd, click.Group):  # list_commands/get_command: the top group loads its commands lazily
            ctx = click.Context(cmd)
            for sub_name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, sub_name), f"{name} {sub_name}".strip())

    walk(cli, "")
    return out


COMMANDS = _commands()


def _strings(node: ast.AST) -> list[str]:
    """String literals under ``node``, leaving out option declarations (a literal that is only an option)."""
    return [s.value for s in ast.walk(node) if isinstance(s, ast.Constant) and isinstance(s.value, str)
            and not OPT.fullmatch(s.value.strip())]


def _suggestions() -> list[tuple[str, str, tuple[str, ...]]]:
    """(option, where, commands that must accept it)."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text())
        if rel.startswith("cli/"):
            for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
                cmd = HELPERS.get(fn.name, fn.name)
                if cmd not in COMMANDS and f"panels {cmd}" in COMMANDS:
                    cmd = f"panels {cmd}"
                targets = (cmd,) if cmd in COMMANDS else ()
                for s in _strings(fn):
                    out += [(o, f"{rel}:{fn.name}", targets) for o in OPT.findall(s)]
            continue
        key = next((k for k in sorted(COMMANDS_OF, key=len, reverse=True) if rel.startswith(k)), None)
        for s in _strings(tree):
            targets = COMMANDS_OF.get(key, ()) if key else ()
            named = NAMED.search(s)  # "run 'biomark fit' and score with --model": either command's option
            where = f"{rel} (any of: biomark {named.group(1)}, {', '.join(targets)})" if named else rel
            targets = ((named.group(1), *targets) if named else targets)
            out += [(o, where, targets) for o in OPT.findall(s)]
    return out


SUGGESTIONS = _suggestions()


def test_the_scan_finds_the_messages_of_issue_14():
    opts = {o for o, _, _ in SUGGESTIONS}
    assert {"--event-value", "--positive", "--negative", "--time-unit", "--covariate", "--trust-model"} <= opts


@pytest.mark.parametrize("option, where, commands", sorted(set(SUGGESTIONS)), ids=lambda v: str(v))
def test_suggested_option_is_accepted(option, where, commands):
    if "(any of:" in where:
        assert any(option in COMMANDS[c] for c in commands), f"{where} suggests {option}: none of them has it"
    elif commands:
        lacking = [c for c in commands if option not in COMMANDS[c]]
        assert not lacking, f"{where} suggests {option}, which 'biomark {lacking[0]}' does not accept"
    else:  # a generic helper: some command must have it
        assert any(option in opts for opts in COMMANDS.values()), f"{where} suggests {option}: no command has it"


def test_help_lists_the_shared_cohort_options():
    from biomark.cli._cohort_options import CLINICAL_OPTIONS, EXPRESSION_OPTIONS

    for cmd in READ_CLINICAL:
        assert set(EXPRESSION_OPTIONS) | set(CLINICAL_OPTIONS) <= COMMANDS[cmd], cmd
    assert set(EXPRESSION_OPTIONS) <= COMMANDS["score"]
    r = subprocess.run([sys.executable, "-m", "biomark", "validate", "--help"], capture_output=True, text=True,
                       timeout=60)
    assert all(o in r.stdout for o in (*EXPRESSION_OPTIONS, *CLINICAL_OPTIONS))
