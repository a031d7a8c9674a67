"""The ``biomark`` command line: a thin shell over the public API.

Exit status: 0 success; 2 bad input or usage, with one line on stderr starting ``error:`` that names
the file, row or column and what to do; 1 only for a bug (with a traceback).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys

import click

from biomark import __version__
from biomark.cli._common import run_main

# name -> (module, attribute, the short help `biomark --help` shows). Commands are imported only when
# they run, so `biomark --help` and `biomark score` do not pay for the validation engine's imports;
# tests/cli/test_lazy_commands.py checks that each short help is the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("biomark.cli.validate", "demo",
             "Simulate a cohort, validate its panel, and write DIR/report.html and DIR/results.json."),
    "fit": ("biomark.cli.model", "fit", "Fit a panel's scoring rule on a cohort and write model.json."),
    "inspect": ("biomark.cli.inspect", "inspect",
                "Show what biomark reads from FILE: format, orientation, the panel's markers, clinical columns."),
    "panels": ("biomark.cli.panels", "panels", "The panel catalog: list, show and check panel specs."),
    "plan": ("biomark.cli.plan", "plan",
             "Pre-register an analysis: hash the spec(s) and every setting, before any outcome is read."),
    "power": ("biomark.cli.synth", "power",
              "Probability that a validation reaches its goals, by simulation, for each n."),
    "screen": ("biomark.cli.screen", "screen",
               "Test every catalog claim your cohort can test, as published, with a replication verdict."),
    "score": ("biomark.cli.model", "score",
              "Score every sample of a file with a fitted model (or a panel's rule), streaming in chunks."),
    "synth": ("biomark.cli.synth", "synth",
              "Simulate a cohort with known truth: DIR/expression.csv, DIR/clinical.csv, DIR/truth.json."),
    "validate": ("biomark.cli.validate", "validate",
                 "Validate a panel on your cohort: discrimination, calibration, survival, direction consistency."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        cmd = getattr(module, entry[1])
        self.add_command(cmd, cmd_name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)  # as click.Group.format_commands
        rows = []
        for n in names:
            if n in self.commands:
                rows.append((n, self.commands[n].get_short_help_str(limit)))
            else:
                rows.append((n, click.utils.make_default_short_help(COMMANDS[n][2], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="biomark")
def cli() -> None:
    """Score and validate cancer biomarker panels against the literature.

    \b
    Panels are declarative specs (markers, expected directions, evidence) read off published reviews.
    Start with:  biomark demo --out demo/      (simulate, validate, write an HTML report)
    Then:        biomark panels list           (the built-in catalog)
                 biomark validate --panel NAME --expression FILE --clinical FILE --report r.html
    """


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    code = run_main(cli, argv)
    if argv is None:  # the process is biomark's own (console script, python -m biomark)
        _end_process(code)
    sys.exit(code)


def _end_process(code: int) -> None:
    """Run the atexit handlers, flush, and end the process without the interpreter's teardown.

    pyarrow's reader thread pools can abort the process in that teardown ("terminate called
    without an active exception", SIGABRT; apache/arrow#34314), seen here in about 1 run in 40 of
    ``biomark score`` on a loaded machine, after every output had been written. Everything biomark
    writes is closed (and renamed into place) before this point, so skipping the teardown loses nothing.
    """
    import atexit
    import logging
    import threading

    # what a normal exit does first, in its order: join non-daemon threads and run threading's exit
    # hooks (they stop joblib's loky executor and its workers), then the atexit handlers
    with contextlib.suppress(Exception):
        threading._shutdown()  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
