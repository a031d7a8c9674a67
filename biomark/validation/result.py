"""ValidationResult: the typed sections of a run, with JSON, HTML and a console summary."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from typing import Any

from biomark.atomic import write_text_atomic
from biomark.stats._result import _plain
from biomark.validation.schema import SCHEMA, NotAssessed, ValidationData, parse, to_plain

__all__ = ["SCHEMA", "ValidationResult"]


def _clean(value: Any) -> Any:
    """Strict-JSON version of nested data: every non-finite float -> None, numpy -> Python."""
    return _plain(value, inf_as_string=False)


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of :func:`biomark.validate`.

    ``sections`` holds the typed, frozen sections (:class:`~biomark.validation.schema.ValidationData`,
    schema ``biomark.validation/1``); :meth:`to_dict` and :meth:`to_json` write them as plain data.
    ``flags`` repeats the loud findings (markers that significantly contradict the literature, a
    panel AUC below 0.5 in the literature's direction).

    Examples
    --------
    >>> import json
    >>> from pathlib import Path
    >>> d = json.loads(Path("tests/data/golden/cox_results.json").read_text())
    >>> r = ValidationResult(d)
    >>> r.sections.survival.harrell.c == d["survival"]["harrell"]["c"]
    True
    >>> r.to_dict() == d
    True
    """

    sections: ValidationData
    # the model updated on the validation cohorts (biomark.validation.external), set by validate(); not in the JSON
    updated_model = None
    _plain_data: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __init__(self, sections: ValidationData | dict[str, Any]) -> None:
        typed = sections if isinstance(sections, ValidationData) else parse(_clean(sections))
        object.__setattr__(self, "sections", typed)
        object.__setattr__(self, "_plain_data", to_plain(typed))

    @property
    def data(self) -> dict[str, Any]:
        """The result as plain data (read-only view; :meth:`to_dict` gives a copy)."""
        return self._plain_data

    @property
    def flags(self) -> list[str]:
        return list(self.sections.flags)

    def __getitem__(self, key: str) -> Any:
        return self._plain_data[key]

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the result as plain Python data."""
        return copy.deepcopy(self._plain_data)

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """The result as strict JSON (sorted keys, so equal results give identical bytes).

        Written atomically to ``path`` when given.
        """
        text = json.dumps(self._plain_data, indent=indent, sort_keys=True, allow_nan=False) + "\n"
        if path is not None:
            write_text_atomic(path, text)
        return text

    def to_html(self, path: str | os.PathLike[str]) -> None:
        """Write the self-contained HTML report (atomically)."""
        from biomark.report import write_html  # report imports validation: import it when asked

        write_html(self.sections, path)

    def summary(self) -> str:
        """A few lines of headline numbers for the console (every section says when it was not assessed)."""
        d = self.sections
        lines = [f"panel {d.panel['id']} on {d.cohort.name} (n = {d.cohort.n_analysed})"]
        if d.binary is not None:
            lines += _binary_lines(d.binary)
        if d.survival is not None:
            lines += _survival_lines(d.survival)
        r = d.direction.result
        lines.append(f"  directions: {r.n_agreeing}/{r.n_with_direction} agree with the literature, "
                     f"{r.n_consistent} significantly, {r.n_contradicting} significantly contradict")
        lines += [f"  ! {f}" for f in d.flags]
        lines += [f"  ! transportability: {t.message}" for t in d.transport or []]
        for what, pooled in (("external", d.external.pooled if d.external else {}),
                             ("internal-external CV", d.iecv.pooled if d.iecv else {})):
            for key, m in pooled.items():
                if key in ("auc", "c", "oe") and not isinstance(m, NotAssessed):
                    lines.append(f"  {what}: {m.label} {m.estimate:.3f} (95% CI {m.ci_low:.3f} to {m.ci_high:.3f}; "
                                 f"prediction interval {m.pi_low:.3f} to {m.pi_high:.3f}; k = {m.k})")
        return "\n".join(lines)


def _binary_lines(b: Any) -> list[str]:
    r = b.roc.result
    lines = [f"  cross-validated AUC {r.auc:.3f} (95% CI {r.ci_low:.3f}-{r.ci_high:.3f}, DeLong)"]
    auc_b = b.bootstrap.metrics.get("auc") if b.bootstrap is not None else None
    if auc_b is not None and auc_b.corrected is not None:
        lines.append(f"  optimism-corrected AUC {auc_b.corrected:.3f} (B = {b.bootstrap.B})")
    c = b.calibration
    if isinstance(c, NotAssessed):
        lines.append(f"  calibration not assessed: {c.reason}")
    else:
        lines.append(f"  calibration slope {_f(c.result.slope, 2)}, intercept {_f(c.result.intercept, 2)}, "
                     f"Brier {_f(c.result.brier, 3)}")
    return lines


def _survival_lines(s: Any) -> list[str]:
    t = s.cox.terms[0]
    lines = [f"  HR per SD {_f(t.hr, 2)} ({_f(t.hr_ci_low, 2)}-{_f(t.hr_ci_high, 2)}), p = {_f(t.p, 3, 'g')}"]
    c_line = f"  Harrell's C {s.harrell.c:.3f} (SE {_f(s.harrell.se, 3)})"
    if isinstance(s.cv_harrell, NotAssessed):
        c_line += f"; cross-validated C not assessed: {s.cv_harrell.reason}"
    elif s.cv_harrell.c is not None:
        c_line += f"; cross-validated {s.cv_harrell.c:.3f}"
    bs = s.bootstrap.metrics.get("c") if s.bootstrap is not None else None
    if bs is not None and bs.corrected is not None:
        c_line += f"; optimism-corrected {bs.corrected:.3f} (B = {s.bootstrap.B})"
    lines.append(c_line)
    return lines


def _f(x: float | None, digits: int, kind: str = "f") -> str:
    """A number for the console; ``—`` for a value that could not be computed (null)."""
    return "—" if x is None else f"{x:.{digits}{kind}}"
