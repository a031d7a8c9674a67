"""The options of every command that reads an expression file or a clinical file, defined once.

``@expression_options`` adds ``--id-column``, ``--assay`` and ``--samples-as``; ``@clinical_options`` adds
``--clinical-id-column``, ``--time-unit``, ``--na-values``, ``--event-value``, ``--positive`` and
``--negative``. The decorated command receives them as one :class:`CohortOptions` argument,
``cohort_opts``, whose :meth:`CohortOptions.read_kwargs` are :func:`biomark.read_cohort`'s keywords, so
every command reads files with the same rules (tests/cli/test_cohort_options.py checks that each
command reading files has them all).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import click

from biomark.vocabulary import ASSAYS, TIME_UNITS

EXPRESSION_OPTIONS = ("--id-column", "--assay", "--samples-as")
CLINICAL_OPTIONS = ("--clinical-id-column", "--time-unit", "--na-values", "--event-value", "--positive", "--negative")


@dataclass(frozen=True)
class CohortOptions:
    """What the shared options said (``None``: not given)."""

    id_column: str | None = None
    assay: str | None = None
    samples_as: str = "auto"
    clinical_id_column: str | None = None
    time_unit: str | None = None
    na_values: str | None = None
    event_value: str | None = None
    positive: str | None = None
    negative: str | None = None

    def read_kwargs(self) -> dict[str, Any]:
        """Keywords of :func:`biomark.read_cohort` (only those the command has)."""
        kw: dict[str, Any] = {"id_column": self.id_column, "assay": self.assay, "samples_as": self.samples_as,
                              "clinical_id_column": self.clinical_id_column, "time_unit": self.time_unit,
                              "event_value": self.event_value, "positive": self.positive, "negative": self.negative}
        if self.na_values is not None:
            kw["na_values"] = [v.strip() for v in self.na_values.split(",")]
        return kw


_NAMES = tuple(f.name for f in fields(CohortOptions))

_EXPRESSION = [
    click.option("--id-column", metavar="COL",
                 help="Sample-id column of the expression file (marker-name column when samples are columns) "
                      "[first column]."),
    click.option("--assay", type=click.Choice(ASSAYS), help="What the numbers are [the panel's assay]."),
    click.option("--samples-as", type=click.Choice(["auto", "rows", "columns"]), default="auto", show_default=True,
                 help="Samples as rows or columns of the expression file (auto: where the panel's markers are)."),
]
_CLINICAL = [
    click.option("--clinical-id-column", metavar="COL",
                 help="Sample-id column of the clinical file [--id-column when the file has it, else its first column]."),
    click.option("--time-unit", type=click.Choice(TIME_UNITS),
                 help="Unit of the survival times [the endpoint spec's time_unit]; the report and JSON say which."),
    click.option("--na-values", metavar="A,B,...",
                 help="Clinical cells read as missing, comma-separated [NA,NaN,N/A,NULL,.,- and the empty cell; "
                      "case-insensitive]."),
    click.option("--event-value", metavar="LABEL[,LABEL]",
                 help="Event label(s) of the event column; every other label is censored [0/1, TRUE/FALSE, yes/no, "
                      "Dead/Alive, deceased/living, event/censored, cBioPortal 1:.../0:...]."),
    click.option("--positive", metavar="LABEL[,LABEL]",
                 help="Label(s) of the positive class of a binary outcome, e.g. CR,PR [the endpoint's positive_class]."),
    click.option("--negative", metavar="LABEL[,LABEL]",
                 help="Label(s) of the negative class, e.g. SD,PD; other labels are left out with a count "
                      "[the one other label]."),
]


def _decorate(options: list[Callable[[Any], Any]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kw: Any) -> Any:
            given = {k: kw.pop(k) for k in _NAMES if k in kw}
            prev = kw.pop("cohort_opts", None)
            merged = {**(vars(prev) if prev is not None else {}), **given}
            return f(*args, cohort_opts=CohortOptions(**merged), **kw)

        for opt in reversed(options):
            wrapper = opt(wrapper)
        return wrapper

    return deco


def expression_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--id-column``, ``--assay``, ``--samples-as``, passed as ``cohort_opts``."""
    return _decorate(_EXPRESSION)(f)


def cohort_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The expression options and ``--clinical-id-column``, ``--time-unit``, ``--na-values``,
    ``--event-value``, ``--positive``, ``--negative``, passed as one ``cohort_opts``."""
    return _decorate([*_EXPRESSION, *_CLINICAL])(f)


__all__ = ["CLINICAL_OPTIONS", "EXPRESSION_OPTIONS", "CohortOptions", "cohort_options", "expression_options"]
