"""The ``biomark`` command line: a thin shell over the public API.

Exit status: 0 success; 2 bad input or usage, with one line on stderr starting ``error:`` that names
the file, row or column and what to do; 1 only for a bug (with a traceback).
"""

from __future__ import annotations

import contextlib
import os
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
        ("biomark.cli.inspect", ("inspect",)),
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
