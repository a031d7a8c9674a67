"""The words of a panel spec and of the command line, each spelled once.

Every closed set of names biomark understands is a :data:`typing.Literal` here; the tuple of its values
comes from :func:`typing.get_args`, and a short description of every value serves the docs and the
``--help`` texts. The pydantic spec model (:mod:`biomark.panel.schema`), the click choices and the docs
tables are derived from these definitions, and tests/panel/test_vocabulary.py checks that
docs/panels.md lists exactly these values.

This module imports nothing of biomark, so every package may import it.

Examples
--------
>>> from biomark.vocabulary import ASSAYS, ENDPOINT_KINDS, directions_for
>>> ASSAYS[0], ENDPOINT_KINDS
('qpcr_ct', ('binary', 'survival', 'change', 'dose'))
>>> directions_for("survival")
('risk', 'protective')
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ASSAYS", "ASSAY_DESCRIPTIONS", "Assay",
    "BINARY_DIRECTIONS", "DIRECTIONS", "DIRECTION_DESCRIPTIONS", "DIRECTION_SIGN", "Direction",
    "ENDPOINT_KINDS", "ENDPOINT_KIND_DESCRIPTIONS", "EndpointKind",
    "FITTED_METHODS", "METHODS", "METHOD_DESCRIPTIONS", "Method",
    "PENALTIES", "Penalty",
    "SCORING_RULES", "SCORING_RULE_DESCRIPTIONS", "ScoringRule",
    "SURVIVAL_DIRECTIONS", "TIME_UNITS", "TimeUnit",
    "directions_for", "markdown_table",
]

# --- assays: what the numbers of an expression file are ----------------------------------------

Assay = Literal["qpcr_ct", "log2_expression", "counts", "intensity", "ihc_score"]
ASSAYS: tuple[Assay, ...] = get_args(Assay)
ASSAY_DESCRIPTIONS: dict[Assay, str] = {
    "qpcr_ct": "raw qPCR cycle thresholds; a Ct falls as expression rises, so Ct values become "
               "−ΔCt against the panel's reference markers before any direction is judged",
    "log2_expression": "log-scale expression (normalised RNA-seq, arrays, or qPCR already turned "
                       "into −ΔCt); the safe default",
    "counts": "raw read counts (turned into log2 counts per million)",
    "intensity": "linear-scale signal (ELISA, mass spectrometry; turned into log2)",
    "ihc_score": "immunohistochemistry score (H-score, staining index, or positive/negative)",
}

# --- endpoint kinds -------------------------------------------------------------------------------

EndpointKind = Literal["binary", "survival", "change", "dose"]
ENDPOINT_KINDS: tuple[EndpointKind, ...] = get_args(EndpointKind)
ENDPOINT_KIND_DESCRIPTIONS: dict[EndpointKind, str] = {
    "binary": "case/control: one outcome column with two labels",
    "survival": "time to event: a time column and an event column (1 = event, 0 = censored)",
    "change": "paired samples of one subject before and after a treatment",
    "dose": "samples at increasing dose",
}

TimeUnit = Literal["days", "weeks", "months", "years"]
TIME_UNITS: tuple[TimeUnit, ...] = get_args(TimeUnit)

# --- directions -----------------------------------------------------------------------------------

Direction = Literal["up", "down", "risk", "protective"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
BINARY_DIRECTIONS: tuple[Direction, ...] = ("up", "down")  # binary, change and dose endpoints
SURVIVAL_DIRECTIONS: tuple[Direction, ...] = ("risk", "protective")
DIRECTION_SIGN: dict[Direction | None, int] = {"up": 1, "risk": 1, "down": -1, "protective": -1, None: 0}
DIRECTION_DESCRIPTIONS: dict[Direction, str] = {
    "up": "higher level in the positive class (binary), a rise after treatment (change), with dose (dose)",
    "down": "lower level in the positive class (binary), a fall after treatment (change), with dose (dose)",
    "risk": "higher level, shorter time to event (HR > 1)",
    "protective": "higher level, longer time to event (HR < 1)",
}


def directions_for(kind: EndpointKind) -> tuple[Direction, ...]:
    """The directions a marker may have for an endpoint of ``kind`` (``null`` is always allowed).

    Examples
    --------
    >>> directions_for("change")
    ('up', 'down')
    """
    return SURVIVAL_DIRECTIONS if kind == "survival" else BINARY_DIRECTIONS


# --- scoring rules and methods --------------------------------------------------------------------

ScoringRule = Literal["signed_z", "weights", "boolean"]
SCORING_RULES: tuple[ScoringRule, ...] = get_args(ScoringRule)
SCORING_RULE_DESCRIPTIONS: dict[ScoringRule, str] = {
    "signed_z": "mean of per-marker z-scores, each times the sign of its expected direction",
    "weights": "sum of published weights times the preprocessed levels",
    "boolean": "1 when the conditions hold (all or any), else 0",
}

# a method is a scoring rule (nothing fitted to the outcome) or a model fitted to it
Method = Literal["signed_z", "weights", "logistic", "boolean", "cox"]
METHODS: tuple[Method, ...] = get_args(Method)
FITTED_METHODS: tuple[Method, ...] = tuple(m for m in METHODS if m not in SCORING_RULES)
_FITTED_DESCRIPTIONS: dict[Method, str] = {
    "logistic": "logistic regression on the markers (binary endpoints), coefficients fitted",
    "cox": "Cox proportional-hazards model on the markers (survival endpoints), coefficients fitted",
}
METHOD_DESCRIPTIONS: dict[Method, str] = {
    m: {**SCORING_RULE_DESCRIPTIONS, **_FITTED_DESCRIPTIONS}[m] for m in METHODS
}

Penalty = Literal["l2", "l1", "elasticnet"]
PENALTIES: tuple[Penalty, ...] = get_args(Penalty)  # the command line adds "none"


def markdown_table(descriptions: dict[str, str], header: tuple[str, str]) -> str:
    """A two-column Markdown table of ``value | description``, one row per vocabulary value.

    Examples
    --------
    >>> print(markdown_table({"a": "first"}, ("name", "meaning")))
    | name | meaning |
    | --- | --- |
    | `a` | first |
    """
    rows = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
    rows += [f"| `{k}` | {v} |" for k, v in descriptions.items()]
    return "\n".join(rows)
