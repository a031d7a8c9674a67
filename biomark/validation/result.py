"""ValidationResult: plain data with JSON and HTML output."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from typing import Any

from biomark.atomic import write_text_atomic
from biomark.stats._result import _plain

SCHEMA = "biomark.validation/1"


def _clean(value: Any) -> Any:
    """Strict-JSON version of nested data: every non-finite float -> None, numpy -> Python."""
    return _plain(value, inf_as_string=False)


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of :func:`biomark.validate`: plain, JSON-serialisable data.

    ``data`` follows the schema ``biomark.validation/1`` (documented in docs/validation.md);
    ``flags`` repeats the loud findings (markers that significantly contradict the literature).
    """

    data: dict[str, Any] = field(repr=False)

    @property
    def flags(self) -> list[str]:
        return list(self.data.get("flags", []))

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the result as plain Python data."""
        return copy.deepcopy(self.data)

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int = 2) -> str:
        """The result as strict JSON (sorted keys, so equal results give identical bytes).

        Written atomically to ``path`` when given.
        """
        text = json.dumps(self.data, indent=indent, sort_keys=True, allow_nan=False) + "\n"
        if path is not None:
            write_text_atomic(path, text)
        return text

    def to_html(self, path: str | os.PathLike[str]) -> None:
        """Write the self-contained HTML report (atomically)."""
        from biomark.report import write_html

        write_html(self.data, path)

    def summary(self) -> str:
        """A few lines of headline numbers for the console."""
        d = self.data
        lines = [f"panel {d['panel']['id']} on {d['cohort']['name']} (n = {d['cohort']['n_analysed']})"]
        b = d.get("binary")
        if b:
            r = b["roc"]
            lines.append(f"  cross-validated AUC {r['auc']:.3f} (95% CI {r['ci_low']:.3f}-{r['ci_high']:.3f}, DeLong)")
            bs = b.get("bootstrap")
            if bs and bs["metrics"]["auc"]["corrected"] is not None:
                lines.append(f"  optimism-corrected AUC {bs['metrics']['auc']['corrected']:.3f} (B = {bs['B']})")
            c = b.get("calibration")
            if c:
                lines.append(f"  calibration slope {c['slope']:.2f}, intercept {c['intercept']:.2f}, Brier {c['brier']:.3f}")
        s = d.get("survival")
        if s:
            t = s["cox"]["terms"][0]
            lines.append(f"  HR per SD {t['hr']:.2f} ({t['hr_ci_low']:.2f}-{t['hr_ci_high']:.2f}), p = {t['p']:.3g}")
            c_line = f"  Harrell's C {s['harrell']['c']:.3f} (SE {s['harrell']['se']:.3f})"
            cv = s.get("cv_harrell") or {}
            if cv.get("c") is not None:
                c_line += f"; cross-validated {cv['c']:.3f}"
            bs = (s.get("bootstrap") or {}).get("metrics", {}).get("c")
            if bs and bs.get("corrected") is not None:
                c_line += f"; optimism-corrected {bs['corrected']:.3f} (B = {s['bootstrap']['B']})"
            lines.append(c_line)
        dr = d.get("direction")
        if dr:
            lines.append(
                f"  directions: {dr['n_agreeing']}/{dr['n_with_direction']} agree with the literature, "
                f"{dr['n_consistent']} significantly, {dr['n_contradicting']} significantly contradict"
            )
        for f in self.flags:
            lines.append(f"  ! {f}")
        return "\n".join(lines)
