"""The ``biomark`` command line: a thin shell over the public API.

Exit status: 0 success; 2 bad input or usage, with one line on stderr starting ``error:`` that names
the file, row or column and what to do; 1 only for a bug (with a traceback).
"""

from __future__ import annotations

import sys

import click

from biomark import __version__
from biomark.cli._common import run_main


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="biomark")
def cli() -> None:
    """Score and validate cancer biomarker panels against the literature.

    \b
    Panels are declarative specs (markers, expected directions, evidence) read off published reviews.
    Start with:  biomark demo --out demo/      (simulate, validate, write an HTML report)
    Then:        biomark panels list           (the built-in catalog)
                 biomark validate --panel NAME --expression FILE --clinical FILE --report r.html
    """


def _register() -> None:
    from biomark.cli import panels as _panels

    cli.add_command(_panels.panels)
    for modname, names in (
        ("biomark.cli.synth", ("synth", "power")),
        ("biomark.cli.model", ("fit", "score")),
        ("biomark.cli.validate", ("validate", "demo")),
    ):
        try:
            mod = __import__(modname, fromlist=list(names))
        except ModuleNotFoundError as err:  # a command module not written yet
            if err.name != modname:
                raise
            continue
        for n in names:
            if hasattr(mod, n):
                cli.add_command(getattr(mod, n))


_register()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    code = run_main(cli, argv)
    sys.exit(code)
