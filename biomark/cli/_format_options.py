"""The options of the public-cohort formats (GEO, cBioPortal, TCGA), for commands that read an
expression file: ``--annotation``, ``--annotation-column``, ``--collapse``, ``--platform``.

:func:`format_options` adds them to a command and hands them to it as one ``formats`` dict, the
keyword arguments of :func:`biomark.io.public.read_any`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from biomark.io.annotation import COLLAPSE

KEYS = ("annotation", "annotation_column", "collapse", "platform")


def format_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add the format options to a click command function; it receives them as ``formats``."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        formats = {k: kwargs.pop(k) for k in KEYS}
        return f(*args, formats=formats, **kwargs)

    opts = [
        click.option("--annotation", type=click.Path(dir_okay=False),
                     help="Map feature ids (probes, accessions) to marker names: a GEO platform .annot or SOFT "
                          "file, or a two-column CSV (id, name)."),
        click.option("--annotation-column", metavar="NAME",
                     help="Column of names in the annotation [Gene symbol, Gene Symbol, miRNA_ID, ORF, SPOT_ID: "
                          "the first present]; alone, uses a SOFT family file's own platform table."),
        click.option("--collapse", type=click.Choice(COLLAPSE), default="error", show_default=True,
                     help="Several probes for one marker: refuse (error), or combine by mean, median, the probe "
                          "with the highest mean (max-mean), or the first."),
        click.option("--platform", metavar="GPL",
                     help="GEO SOFT family file with samples on several platforms: the one to read."),
    ]
    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper
