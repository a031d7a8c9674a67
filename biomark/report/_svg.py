"""SVG plumbing of the report's figures: style, safe labels, deterministic self-contained SVG.

See :mod:`biomark.report.figures` for the guarantees of :func:`to_svg`; the helpers here read
numbers from the typed result sections (``None`` for a value that could not be computed).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

# Okabe-Ito, colour-blind safe. Status is never told by colour alone (marker shape and text too).
COLORS = {
    "panel": "#0072B2",
    "consistent": "#009E73",
    "contradicting": "#D55E00",
    "inconclusive": "#6b6b6b",
    "unspecified": "#9a9a9a",
    "not_estimable": "#9a9a9a",
    "low": "#0072B2",
    "high": "#D55E00",
    "neutral": "#555555",
    "expected": "#e3f2ea",
    "grid": "#e6e6e6",
}
_SINGLE = ["#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#F0E442", "#000000", "#999999", "#8c564b"]

_RC: dict[str, Any] = {
    "svg.hashsalt": "biomark-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.grid": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.4,
    "path.simplify": True,
    "text.usetex": False,
}

_TAG = re.compile(r"<[^>]*>")
_FORBIDDEN_TAG = re.compile(r"^<\s*/?\s*(script|foreignObject|iframe|object|embed|img|a)\b|\son[a-z]+\s*=|javascript:",
                            re.IGNORECASE)


class FigureError(ValueError):
    """A figure cannot be drawn from the data given (e.g. unequal array lengths)."""


# bidi embeddings, overrides, isolates and marks, and C0/C1 controls: in a marker id or a cohort name they would
# reorder or hide the figure's text (issue 15); the HTML part of the report replaces them the same way
_UNSAFE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def label(text: Any, maxlen: int = 42) -> str:
    """A user-supplied string made safe for matplotlib text: ``$`` escaped, bidi and control characters
    replaced by U+FFFD, long text shortened."""
    s = "" if text is None else str(text)
    s = _UNSAFE.sub("\ufffd", s.replace("\n", " ").replace("\r", " ").replace("\t", " "))
    if len(s) > maxlen:
        s = s[: maxlen - 1] + "…"
    return s.replace("\\", "\\\\").replace("$", r"\$")


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_RC):
        yield


def _fig(w: float, h: float, **kw: Any) -> Figure:
    fig = Figure(figsize=(w, h), **kw)
    fig.patch.set_alpha(0.0)
    return fig


def to_svg(fig: Figure, name: str, title: str = "") -> str:
    """Serialise ``fig`` to an SVG element for inline use (see the module docstring).

    ``name`` (``[a-z0-9-]``) prefixes every id; ``title`` becomes the accessible ``aria-label``.
    """
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ValueError(f"figure name must match [a-z][a-z0-9-]*, got {name!r}")
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    start = svg.find("<svg")
    if start < 0:
        raise FigureError("matplotlib produced no <svg> element")
    svg = svg[start:]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r"\s*<style type=\"text/css\">.*?</style>\s*", "", svg, flags=re.DOTALL)
    svg = svg.replace('<defs>\n </defs>\n', "")
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
    # font-family is set once by the report's CSS (with fallbacks); drop the long inline copies.
    svg = re.sub(r"font-family: [^;\"]*;? ?", "", svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = svg.replace('xlink:href="#', f'xlink:href="#{name}-').replace("url(#", f"url(#{name}-")
    svg = re.sub(r"\n\s*", "\n", svg).strip()
    aria = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    svg = svg.replace("<svg ", f'<svg class="fig" role="img" aria-label="{aria}" ', 1)
    if any(_FORBIDDEN_TAG.search(tag) for tag in _TAG.findall(svg)):
        raise FigureError(f"figure {name!r}: refusing SVG with active content")
    return svg


# --------------------------------------------------------------------------------------------- helpers


def _arr(x: Any) -> np.ndarray:
    """A float array with JSON nulls as nan."""
    if x is None:
        return np.array([], dtype=float)
    return np.array([np.nan if v is None else v for v in x], dtype=float)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _fmt(x: Any, d: int = 2) -> str:
    v = _num(x)
    return "—" if not math.isfinite(v) else f"{v:.{d}f}"


def _fmt_p(p: Any) -> str:
    v = _num(p)
    if not math.isfinite(v):
        return "—"
    if v < 0.001:
        return "<0.001"
    return f"{v:.3f}"


def _same_len(name: str, *arrays: np.ndarray) -> None:
    if len({len(a) for a in arrays}) > 1:
        raise FigureError(f"{name}: arrays of unequal length {[len(a) for a in arrays]}")


def _unit_axes(ax: Any) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.grid(True, color=COLORS["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
