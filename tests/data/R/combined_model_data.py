"""Writes the data of combined_model.R (run once; the CSVs are committed): escc_mir339_radiotherapy simulated,
with a stage factor (I/II/III) and age added; training (n = 200) and new samples (n = 40), binary and survival."""
from pathlib import Path

import numpy as np

import biomark
from biomark.synthetic import simulate

HERE = Path(__file__).resolve().parent
panel = biomark.load_panel("escc_mir339_radiotherapy")
for kind, ep, seed in (("binary", "radioresistance", 21), ("survival", "overall_survival", 22)):
    cohort, _ = simulate(panel, 240, seed=seed, endpoint=ep)
    rng = np.random.default_rng(seed)
    clin = cohort.clinical.copy()
    clin["stage"] = rng.choice(["I", "II", "III"], len(clin), p=[0.4, 0.35, 0.25])
    clin["age"] = rng.normal(62, 10, len(clin)).round(1)
    expr = cohort.expression.round(5)
    for part, sl in (("train", slice(0, 200)), ("new", slice(200, 240))):
        expr.iloc[sl].to_csv(HERE / f"combined_{kind}_{part}_expr.csv", index_label="sample_id")
        clin.iloc[sl].to_csv(HERE / f"combined_{kind}_{part}_clin.csv", index_label="sample_id")

# fitted methods (--method logistic / cox): the clinical + panel model adds the markers, so two-marker panels;
# two training samples of the binary set lose one marker each (left out of both models, complete case)
for kind, pid, ep, seed in (("binary", "hcc_cd133_cd44_drug_resistance", "drug_resistance", 31),
                            ("survival", "hcc_ulk1_lc3b_prognosis", "overall_survival", 32)):
    panel = biomark.load_panel(pid)
    cohort, _ = simulate(panel, 240, seed=seed, endpoint=ep)
    rng = np.random.default_rng(seed)
    clin = cohort.clinical.copy()
    clin["stage"] = rng.choice(["I", "II", "III"], len(clin), p=[0.4, 0.35, 0.25])
    clin["age"] = rng.normal(62, 10, len(clin)).round(1)
    expr = cohort.expression.round(5)
    if kind == "binary":
        expr.iloc[3, 0] = np.nan
        expr.iloc[10, 1] = np.nan
    for part, sl in (("train", slice(0, 200)), ("new", slice(200, 240))):
        expr.iloc[sl].to_csv(HERE / f"joint_{kind}_{part}_expr.csv", index_label="sample_id")
        clin.iloc[sl].to_csv(HERE / f"joint_{kind}_{part}_clin.csv", index_label="sample_id")
