"""A screen result with binary and survival claims of every verdict class, and a hostile copy (issue 19)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from biomark.cohort import Cohort
from biomark.panel.catalog import load_panel
from biomark.validation.schema_screen import ScreenResult, Untestable
from tests.report._fixtures import XSS_IMG, XSS_SCRIPT

EP = "radioresistance"
# binary panels simulated as published (1), against their spec (-1) and with no effect (0)
TRUTH = {"npc_circmyc_radioresistance": 1, "escc_mir340_radioresistance": -1, "nsclc_mir208a_radioresistance": 0}
PANELS = (*TRUTH, "hcc_lc3_recurrence")


def cohort(n: int = 300, seed: int = 3, effect: float = 0.9) -> Cohort:
    """Markers of each binary panel shifted by ``truth * sign * effect`` SD in the radioresistant class, and
    LC3B protective for recurrence (hazard exp(-0.6 x): hcc_lc3_recurrence's published direction)."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(n // 2), np.zeros(n - n // 2)]
    cols = {}
    for pid, k in TRUTH.items():
        p = load_panel(pid)
        signs = p.signs(EP)
        for m in p.markers:
            cols[m.id] = rng.normal(size=n) + k * effect * signs.get(m.id, 0) * y
    lc3 = rng.normal(size=n)
    cols["LC3B"] = lc3
    t = rng.exponential(10 * np.exp(0.6 * lc3))
    c = rng.exponential(15, n)
    ids = [f"s{i:03d}" for i in range(n)]
    clin = pd.DataFrame({"resp": np.where(y == 1, "radioresistant", "radiosensitive"),
                         "rfs": np.minimum(t, c) + 1e-3, "rec": (t <= c).astype(int)}, index=ids)
    return Cohort(pd.DataFrame(cols, index=ids), clin)


def screen_result(**kw) -> ScreenResult:
    from biomark.screen import screen

    return screen(cohort(), panels=[load_panel(p) for p in PANELS], endpoint_map={EP: "resp"}, time="rfs",
                  event="rec", power_reps=40, seed=5, **kw)


def hostile_screen(r: ScreenResult) -> ScreenResult:
    """Injection payloads in every user string the page and the figures show."""
    def claim(c, i):
        bad = f"{(XSS_SCRIPT, XSS_IMG)[i % 2]}#{i}"
        effects = tuple(dataclasses.replace(m, marker=f"{XSS_SCRIPT}{m.marker}") for m in c.marker_effects)
        return dataclasses.replace(c, panel_id=bad, endpoint=XSS_IMG, markers=(XSS_SCRIPT,), cancer_type=XSS_IMG,
                                   sentence=f"sentence {XSS_SCRIPT} {XSS_IMG}", marker_effects=effects,
                                   report=None)
    return dataclasses.replace(
        r, claims=tuple(claim(c, i) for i, c in enumerate(r.claims)),
        untestable=(Untestable(XSS_SCRIPT, "markers", XSS_IMG),),
        settings={**r.settings, "endpoint_map": {XSS_IMG: XSS_SCRIPT}}, warnings=(f"warn {XSS_SCRIPT}",))
