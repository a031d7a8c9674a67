"""Typed section ``plan`` (issue 19): the pre-registration plan a validation followed, present only when
``validate`` was given ``plan=`` (``--plan``). Kept beside :mod:`biomark.validation.schema`, which
imports it at its end. See :mod:`biomark.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanRecord:
    """The plan's hash and creation time (UTC), the biomark version that wrote it, and the report's sentence."""

    plan_hash: str
    created: str
    biomark_version: str
    certification: str
