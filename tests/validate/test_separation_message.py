"""A fixed rule whose score separates the classes is not reported as running against the spec."""

from __future__ import annotations

import numpy as np


def test_a_perfectly_separating_rule_is_not_said_to_run_against_the_spec():
    # GDS507 (issue 14 helper's note): a panel with AUC 1 in the literature's direction was reported as running
    # against the spec; its recalibration is clamped because no finite slope exists, and the report says that
    import biomark
    from biomark.synthetic import simulate

    panel = biomark.load_panel("synthetic/panels/synth_npc_circmyc_radioresistance.yaml")
    cohort, _ = simulate(panel, 60, seed=3)
    ep = panel.endpoints[0]
    X = cohort.levels(panel)
    marker = panel.marker_ids[0]
    sign = 1.0 if panel.directions(ep.id)[marker] in ("up", "risk") else -1.0
    labels = np.where(sign * (X[marker] - X[marker].median()) > 0, ep.positive_class, ep.negative_class)
    clin = cohort.clinical.copy()
    clin[ep.id] = labels
    cohort = cohort.__class__(**{**cohort.__dict__, "clinical": clin})
    r = biomark.validate(panel, cohort, endpoint=ep.id, cv=(3, 1), bootstrap=0, permutations=0).to_dict()
    err = r["binary"]["calibration"].get("error", "")
    assert "separates the classes perfectly" in err and "runs against" not in err
    assert "separated the classes perfectly" in r["binary"]["roc"]["predictions"]
    assert r["binary"]["roc"]["auc"] == 1.0
