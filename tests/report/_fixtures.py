"""Hand-built result dicts in the layout of "biomark.validation/1" (biomark/validation/results.schema.json).

The numbers are plausible but made up (drawn from a seeded numpy generator, curves from
sklearn.metrics.roc_curve on those draws); the report computes no statistics, so it only needs
dicts of the right shape. ``hostile(d)`` rewrites every user-supplied string with HTML/SVG
injection payloads for the escaping tests.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
from sklearn.metrics import roc_curve

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = (XSS_SCRIPT, XSS_IMG)

MARKERS = ["hsa-miR-339-5p", "hsa-miR-21-5p", "hsa-miR-19b-3p", "hsa-miR-96-5p", "hsa-miR-1246"]
EXPECTED_BINARY = {"hsa-miR-339-5p": "down", "hsa-miR-21-5p": "up", "hsa-miR-19b-3p": "up",
                   "hsa-miR-96-5p": "up", "hsa-miR-1246": "up"}
EXPECTED_SURV = {"hsa-miR-339-5p": "protective", "hsa-miR-21-5p": "risk", "hsa-miR-19b-3p": "risk",
                 "hsa-miR-96-5p": "risk", "hsa-miR-1246": None}


def _r(x: float, d: int = 4) -> float:
    return float(round(float(x), d))


def _rl(xs: Any, d: int = 4) -> list[float]:
    return [_r(x, d) for x in np.asarray(xs, dtype=float)]


def _panel(endpoint: str) -> dict[str, Any]:
    exp = EXPECTED_BINARY if endpoint == "radioresistance" else EXPECTED_SURV
    return {
        "id": "escc_exosome_radiotherapy",
        "title": "Serum exosomal miRNAs and radiotherapy response in ESCC",
        "cancer_type": "oesophageal squamous cell carcinoma (ESCC)",
        "specimen": "serum",
        "compartment": "exosome",
        "assay": "qpcr_ct",
        "content_hash": "sha256:5f1c0e0b8d3a4f6a9e2b7c1d0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7",
        "scoring": {"rule": "signed_z", "reference_markers": ["cel-miR-39"]},
        "markers": [
            {"id": m, "type": "miRNA", "aliases": [m.replace("hsa-", "")],
             "direction": {endpoint: exp[m]}} for m in MARKERS
        ],
        "evidence": [
            {"seed": "002_d24a42885fe5c4b5.txt", "reference": 46, "level": "patient_serum_or_plasma",
             "location": "text", "markers": ["hsa-miR-339-5p"],
             "sentence": "the relatively high level of serum miR-339-5p is positively correlated with the "
                         "radiosensitivity and survival rate."},
            {"seed": "002_d24a42885fe5c4b5.txt", "reference": 51, "level": "cell_line",
             "location": "Table 1", "markers": ["hsa-miR-21-5p", "hsa-miR-96-5p"],
             "sentence": "Exosomal miR-21 and miR-96 promote radioresistance (fixture sentence)."},
            {"seed": "002_d24a42885fe5c4b5.txt", "reference": 58, "level": "patient_serum_or_plasma",
             "location": "Table 2", "markers": ["hsa-miR-1246"],
             "sentence": "Exosome miR-1246 Serum Predict radiotherapeutic response (fixture sentence)."},
        ],
        "conflicts": [
            {"marker": "hsa-miR-19b-3p", "endpoint": endpoint,
             "description": "Table 2 lists exosomal miR-19b as promoting radiosensitivity in CRC; the text "
                            "says it confers resistance.",
             "sentences": ["miR-19b ... radiosensitivity (Table 2)", "miR-19b ... radioresistance (text)"]},
        ],
        "notes": "The review gives no effect sizes; none are written here.",
    }


def _qc(rng: np.random.Generator, n: int, labels: list[str] | None, y: np.ndarray | None) -> dict[str, Any]:
    values = {m: rng.normal(-6 + i, 1.2, n) for i, m in enumerate(MARKERS)}
    summ = {}
    for m, v in values.items():
        q = np.quantile(v, [0, 0.25, 0.5, 0.75, 1])
        summ[m] = {"mean": _r(v.mean()), "sd": _r(v.std(ddof=1)), "min": _r(q[0]), "q1": _r(q[1]),
                   "median": _r(q[2]), "q3": _r(q[3]), "max": _r(q[4]), "n_missing": int(MARKERS.index(m) % 3)}
    x = np.column_stack(list(values.values()))
    corr = np.corrcoef(x, rowvar=False)
    qc: dict[str, Any] = {
        "missing_per_marker": {m: int(i % 3) for i, m in enumerate(MARKERS)},
        "undetermined_per_marker": {m: int(i == 3) * 4 for i, m in enumerate(MARKERS)},
        "ids_only_in_expression": ["ESCC-0192", "ESCC-0207"],
        "ids_only_in_clinical": ["ESCC-0311"],
        "marker_summary": summ,
        "correlation": {"markers": list(MARKERS), "matrix": [_rl(row, 3) for row in corr]},
    }
    if labels is not None and y is not None:
        qc["by_class"] = {m: {labels[1]: _rl(v[y == 1] + 0.6 * (1 if EXPECTED_BINARY[m] == "up" else -1), 3),
                              labels[0]: _rl(v[y == 0], 3)} for m, v in values.items()}
    return qc


def _repro(seed: int, cmd: str) -> dict[str, Any]:
    return {
        "seed": seed,
        "command": cmd,
        "inputs": {"data/escc_expression.csv": "3b1f" + "0" * 56 + "a1c2",
                   "data/escc_clinical.csv": "9e8d" + "1" * 56 + "77f0"},
        "versions": {"biomark": "0.1.0", "python": "3.11.2", "numpy": "1.26.4", "scipy": "1.11.4",
                     "scikit-learn": "1.4.2", "statsmodels": "0.14.1", "matplotlib": "3.8.2"},
        "settings": {"cv_folds": 5, "cv_repeats": 10, "bootstrap": 200, "seed": seed},
    }


def _effects(endpoint: str, kind: str, measure: str, expected: dict[str, str | None],
             est: list[float], se: list[float], p: list[float], q: list[float], n: int) -> list[dict]:
    sign = {"up": 1, "risk": 1, "down": -1, "protective": -1}
    rows = []
    for m, e, s, pp, qq in zip(MARKERS, est, se, p, q, strict=True):
        exp = expected[m]
        obs = int(np.sign(e))
        agrees = None if exp is None else obs == sign[exp]
        if exp is None:
            status = "unspecified"
        elif qq < 0.05:
            status = "consistent" if agrees else "contradicting"
        else:
            status = "inconclusive"
        rows.append({"marker": m, "endpoint": endpoint, "kind": kind, "measure": measure, "estimate": e,
                     "ci_low": _r(e - 1.96 * s), "ci_high": _r(e + 1.96 * s), "p": pp, "p_adjusted": qq,
                     "n": n, "expected": exp, "observed_sign": obs, "agrees": agrees, "status": status,
                     "note": ""})
    return rows


def _direction(endpoint: str, effects: list[dict]) -> dict[str, Any]:
    with_dir = [e for e in effects if e["expected"] is not None]
    return {
        "endpoint": endpoint, "alpha": 0.05, "n_with_direction": len(with_dir),
        "n_agreeing": sum(bool(e["agrees"]) for e in with_dir),
        "n_consistent": sum(e["status"] == "consistent" for e in effects),
        "n_contradicting": sum(e["status"] == "contradicting" for e in effects),
        "n_inconclusive": sum(e["status"] == "inconclusive" for e in effects),
        "sign_test_p": 0.3125,
        "contradicting": [e["marker"] for e in effects if e["status"] == "contradicting"],
        "effects": effects,
        "coefficient_signs": {e["marker"]: e["agrees"] for e in effects},
    }


def binary_result() -> dict[str, Any]:
    """A binary-endpoint validation (radioresistant vs radiosensitive), n = 180, one contradicting marker."""
    rng = np.random.default_rng(20240611)
    n, n_pos = 180, 72
    y = np.r_[np.ones(n_pos, int), np.zeros(n - n_pos, int)]
    score = rng.normal(0, 1, n) + 1.3 * y
    fpr, tpr, thr = roc_curve(y, score)
    prob = 1 / (1 + np.exp(-(score - 0.9) * 1.1))
    grid = np.linspace(0.02, 0.98, 49)
    smooth = grid + 0.06 * np.sin(grid * math.pi * 2)
    binned_x = np.linspace(0.05, 0.95, 10)
    binned_y = np.clip(binned_x + rng.normal(0, 0.05, 10), 0, 1)
    thresholds = np.round(np.linspace(0.01, 0.99, 99), 2)
    prev = n_pos / n
    nb_model = np.maximum(prev - (1 - prev) * thresholds / (1 - thresholds) * 0.35, -0.02) * (1 - thresholds) ** 0.3
    nb_all = prev - (1 - prev) * thresholds / (1 - thresholds)
    singles = []
    for i, m in enumerate(MARKERS):
        s = rng.normal(0, 1, n) + (0.2 + 0.15 * i) * y * (-1 if i == 3 else 1)
        f, t, _ = roc_curve(y, s)
        auc = _r(0.58 + 0.03 * i)
        singles.append({"marker": m, "auc": auc, "ci_low": _r(auc - 0.085), "ci_high": _r(auc + 0.085),
                        "direction": ">" if i == 3 else "<", "curve": {"fpr": _rl(f), "tpr": _rl(t)},
                        "vs_panel": {"diff": _r(auc - 0.8123), "z": _r(-2.9 + 0.4 * i), "p": _r(0.004 + 0.03 * i),
                                     "ci_low": _r(auc - 0.8123 - 0.1), "ci_high": _r(auc - 0.8123 + 0.1)}})
    effects = _effects("radioresistance", "binary", "hedges_g", EXPECTED_BINARY,
                       [-0.52, 0.61, 0.12, -0.44, 0.35], [0.15, 0.15, 0.15, 0.15, 0.15],
                       [0.0006, 0.00005, 0.43, 0.0035, 0.021], [0.0015, 0.00025, 0.43, 0.0058, 0.026], n)
    labels = ["radiosensitive", "radioresistant"]
    tab = []
    for t in (0.2, 0.3, 0.4, 0.5, 0.6):
        sens, spec = _r(1 - 0.9 * t ** 1.3), _r(0.45 + 0.8 * t ** 1.1)
        tab.append({"threshold": t, "sensitivity": sens, "specificity": min(spec, 0.99),
                    "ppv": _r(0.5 + 0.4 * t), "npv": _r(0.9 - 0.3 * t),
                    "sensitivity_ci_low": _r(sens - 0.09), "sensitivity_ci_high": _r(min(sens + 0.08, 1)),
                    "specificity_ci_low": _r(spec - 0.08), "specificity_ci_high": _r(min(spec + 0.07, 1)),
                    "tp": int(round(sens * n_pos)), "fn": n_pos - int(round(sens * n_pos)),
                    "tn": int(round(min(spec, 0.99) * (n - n_pos))),
                    "fp": (n - n_pos) - int(round(min(spec, 0.99) * (n - n_pos)))})
    d = {
        "schema": "biomark.validation/1",
        "biomark_version": "0.1.0",
        "panel": _panel("radioresistance"),
        "endpoint": {"id": "radioresistance", "kind": "binary", "positive_class": "radioresistant",
                     "negative_class": "radiosensitive"},
        "cohort": {"name": "ESCC serum cohort (fixture)", "n_samples": 183, "n_analysed": n,
                   "markers_used": MARKERS[:], "missing_markers": ["hsa-miR-1290"],
                   "warnings": ["3 samples have no clinical record and were left out"],
                   "qc": (qc := _qc(rng, n, labels, y)), "by_class": qc.pop("by_class")},
        "settings": {"endpoint": "radioresistance", "outcome": "response", "time": None, "event": None,
                     "covariates": [], "method": "logistic", "cv_folds": 5, "cv_repeats": 10,
                     "bootstrap": 200, "bootstrap_method": "optimism", "permutations": 1000, "seed": 7,
                     "n_jobs": 2, "ci": 0.95, "times": []},
        "binary": {
            "n": n, "n_pos": n_pos, "n_neg": n - n_pos, "prevalence": _r(prev),
            "apparent": {"auc": 0.8341, "brier": 0.1712, "slope": 1.0, "intercept": 0.0},
            "cv": {"folds": 5, "repeats": 10, "auc_mean": 0.8123, "auc_sd": 0.0114,
                   "auc_per_repeat": _rl(0.8123 + rng.normal(0, 0.011, 10)), "brier_mean": 0.1804},
            "bootstrap": {"B": 200, "method": "optimism", "n_failed": 0,
                          "metrics": {"auc": {"apparent": 0.8341, "optimism": 0.0198, "corrected": 0.8143},
                                      "brier": {"apparent": 0.1712, "optimism": -0.0081, "corrected": 0.1793},
                                      "slope": {"apparent": 1.0, "optimism": 0.0712, "corrected": 0.9288},
                                      "intercept": {"apparent": 0.0, "optimism": 0.0043, "corrected": -0.0043}}},
            "roc": {"auc": 0.8123, "se": 0.0317, "ci_low": 0.7502, "ci_high": 0.8744, "direction": "<",
                    "n_pos": n_pos, "n_neg": n - n_pos,
                    "curve": {"fpr": _rl(fpr), "tpr": _rl(tpr),
                              "thresholds": [None if not np.isfinite(t) else _r(t) for t in thr]}},
            "single_markers": singles,
            "permutation": {"n": 1000, "p": 0.000999, "observed_auc": 0.8123},
            "calibration": {"intercept": -0.0412, "slope": 0.9105, "brier": 0.1804, "emax": 0.0712,
                            "eavg": 0.0231, "e90": 0.0465, "spiegelhalter_z": 0.4312, "spiegelhalter_p": 0.6663,
                            "hl_stat": 7.812, "hl_p": 0.4522, "hl_groups": 10,
                            "smooth": {"x": _rl(grid), "y": _rl(smooth), "lower": _rl(smooth - 0.08),
                                       "upper": _rl(smooth + 0.08)},
                            "binned": {"x": _rl(binned_x), "y": _rl(binned_y),
                                       "lower": _rl(np.clip(binned_y - 0.12, 0, 1)),
                                       "upper": _rl(np.clip(binned_y + 0.12, 0, 1)), "n": [18] * 10},
                            "predictions": _rl(prob)},
            "decision_curve": {"threshold": _rl(thresholds), "model": _rl(nb_model), "treat_all": _rl(nb_all),
                               "treat_none": [0.0] * len(thresholds)},
            "youden": {"threshold": 0.4312, "sensitivity": 0.7361, "specificity": 0.7870,
                       "sensitivity_ci_low": 0.6389, "sensitivity_ci_high": 0.8333,
                       "specificity_ci_low": 0.7130, "specificity_ci_high": 0.8611},
            "thresholds": tab,
        },
        "direction": _direction("radioresistance", effects),
        "flags": ["marker hsa-miR-96-5p significantly contradicts the literature "
                  "(expected up, observed down, q=0.006)"],
        "warnings": ["hsa-miR-1290 is in the panel but not in the expression file; the score uses 5 of 6 markers"],
        "tripod": [
            {"item": "Outcome defined (5a/6a)", "assessed": True, "detail": "radioresistance: radioresistant vs radiosensitive"},
            {"item": "Predictors defined (7a)", "assessed": True, "detail": "5 of 6 panel markers, qPCR −ΔCt"},
            {"item": "Missing data handling (9)", "assessed": True, "detail": "median imputation fitted on training folds"},
            {"item": "Internal validation (10b)", "assessed": True, "detail": "5-fold CV × 10, optimism bootstrap B = 200"},
            {"item": "Discrimination (16)", "assessed": True, "detail": "DeLong AUC on out-of-fold predictions"},
            {"item": "Calibration (16)", "assessed": True, "detail": "intercept, slope, smoothed curve, HL"},
            {"item": "External validation (10c)", "assessed": False, "detail": "single cohort"},
            {"item": "Model updating (10e)", "assessed": False, "detail": "not done"},
        ],
        "reproducibility": _repro(7, "biomark validate --panel escc_exosome_radiotherapy "
                                     "--expression data/escc_expression.csv --clinical data/escc_clinical.csv "
                                     "--outcome response --report report.html --seed 7"),
    }
    d["binary"]["nomogram"] = _nomogram("binary")
    return d


def _km(rng: np.random.Generator, n: int, rate: float) -> dict[str, Any]:
    t = np.sort(rng.exponential(1 / rate, n))
    t = np.minimum(t, 60)
    surv = np.cumprod(1 - 1 / np.arange(n, 0, -1) * (rng.random(n) < 0.75))
    se = np.sqrt(np.cumsum(1 / np.arange(n, 0, -1) ** 2))
    return {"time": _rl(np.r_[0, t], 3), "surv": _rl(np.r_[1, surv]),
            "lower": _rl(np.r_[1, np.clip(surv * np.exp(-1.96 * se), 0, 1)]),
            "upper": _rl(np.r_[1, np.clip(surv * np.exp(1.96 * se), 0, 1)]),
            "n": n, "median": _r(float(t[np.argmax(surv <= 0.5)])) if (surv <= 0.5).any() else None}


def _horizon(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Risk at the horizon as the engine computes it (issue 17), on simulated Cox data (exponential, HR 1.6 per SD)."""
    from biomark.validation.horizon import section

    score = rng.normal(size=n)
    t_ev = rng.exponential(1.0 / (0.03 * np.exp(0.47 * score)))
    t_c = rng.uniform(20, 72, size=n)
    time, event = np.minimum(t_ev, t_c), (t_ev <= t_c).astype(int)
    return json.loads(json.dumps(section(False, score, time, event, [12, 24, 36], "months", 0.95, "tertiles")[0]))


def _nomogram(outcome: str, horizon: dict[str, Any] | None = None) -> dict[str, Any]:
    """The nomogram section as the engine builds it (issue 17, item 6), on three simulated markers."""
    from biomark.stats.nomogram import NomogramTerm
    from biomark.validation.nomogram import _build

    rng = np.random.default_rng(17)  # its own stream: the other fixture numbers do not move
    n = 150
    x = rng.normal([8.0, 5.0, 11.0], [1.2, 0.8, 1.5], size=(n, 3))
    coef = np.array([-0.55, 0.42, 0.18])
    terms = [NomogramTerm(MARKERS[j], "linear", (float(coef[j]),), values=x[:, j]) for j in range(3)]
    lp = x @ coef - float(np.mean(x @ coef))
    if outcome == "binary":
        return json.loads(json.dumps(_build(terms, -float(np.mean(x @ coef)), lp, "binary", None, None, (),
                                            "the fitted logistic panel model", [MARKERS[3]])))
    t = rng.exponential(1.0 / (0.03 * np.exp(lp)))
    c = rng.uniform(20, 72, size=n)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    return json.loads(json.dumps(_build(terms, -float(np.mean(x @ coef)), lp, "survival", time, event,
                                        horizon["horizons"], "the fitted Cox panel model", [])))


def survival_result() -> dict[str, Any]:
    """An overall-survival validation, n = 150 with 88 deaths, risk groups split at the maxstat cutpoint."""
    rng = np.random.default_rng(99)
    n = 150
    effects = _effects("overall_survival", "survival", "log_hr_per_sd", EXPECTED_SURV,
                       [-0.41, 0.33, 0.05, 0.29, 0.10], [0.11, 0.11, 0.11, 0.11, 0.11],
                       [0.0002, 0.0027, 0.65, 0.0084, 0.36], [0.001, 0.0045, 0.65, 0.0105, 0.45], n)
    cox = {"terms": [{"term": "panel score (per SD)", "coef": 0.4818, "se": 0.1102, "hr": 1.619,
                      "hr_ci_low": 1.3045, "hr_ci_high": 2.0093, "p": 0.0000124}],
           "loglik": -371.22, "lrt": 18.91, "lrt_p": 0.0000137, "per": "sd"}
    cox_adj = {"terms": [{"term": "panel score (per SD)", "coef": 0.4012, "se": 0.1189, "hr": 1.4936,
                          "hr_ci_low": 1.1831, "hr_ci_high": 1.8856, "p": 0.00074},
                         {"term": "age", "coef": 0.0211, "se": 0.0102, "hr": 1.0213,
                          "hr_ci_low": 1.0011, "hr_ci_high": 1.0419, "p": 0.0384},
                         {"term": "stage III–IV", "coef": 0.6102, "se": 0.2211, "hr": 1.8406,
                          "hr_ci_low": 1.1935, "hr_ci_high": 2.8386, "p": 0.0058}],
               "loglik": -362.9, "lrt": 35.5, "lrt_p": 0.0000001, "per": "sd"}
    times = [0, 12, 24, 36, 48, 60]
    d = {
        "schema": "biomark.validation/1",
        "biomark_version": "0.1.0",
        "panel": _panel("overall_survival"),
        "endpoint": {"id": "overall_survival", "kind": "survival", "event": "death", "time_unit": "months"},
        "cohort": {"name": "ESCC survival cohort (fixture)", "n_samples": n, "n_analysed": n,
                   "markers_used": MARKERS[:], "missing_markers": [], "warnings": [],
                   "qc": _qc(rng, n, None, None)},
        "settings": {"endpoint": "overall_survival", "outcome": None, "time": "os_months", "event": "os_event",
                     "covariates": ["age", "stage"], "method": "cox", "cv_folds": 5, "cv_repeats": 5,
                     "bootstrap": 0, "bootstrap_method": None, "permutations": 0, "seed": 11, "n_jobs": 2,
                     "ci": 0.95, "times": [12, 24, 36]},
        "survival": {
            "n": n, "events": 88, "time_unit": "months",
            "cox": cox, "cox_adjusted": cox_adj,
            "logrank_median": {"cutpoint": 0.0312, "chisq": 9.84, "df": 1, "p": 0.0017},
            "cutpoint": {"cutpoint": 0.2144, "statistic": 3.912, "p": 0.0061, "p_naive": 0.00009, "minprop": 0.1},
            "km": {"groups": {"low": _km(rng, 82, 0.018), "high": _km(rng, 68, 0.045)},
                   "at_risk": {"times": times, "low": [82, 70, 58, 44, 31, 20], "high": [68, 47, 30, 18, 9, 4]},
                   "split": "maximally selected log-rank cutpoint"},
            "harrell": {"c": 0.6712, "se": 0.0291}, "uno": {"c": 0.6588, "se": 0.0334},
            "cv_harrell": {"c": 0.6521},
            "ph": {"global": {"chisq": 2.91, "df": 3, "p": 0.4059},
                   "terms": [{"term": "panel score (per SD)", "chisq": 1.12, "df": 1, "p": 0.2899},
                             {"term": "age", "chisq": 0.41, "df": 1, "p": 0.5219},
                             {"term": "stage III–IV", "chisq": 1.38, "df": 1, "p": 0.2401}]},
            "time_auc": {"times": [12, 24, 36], "auc": [0.712, 0.694, 0.681]},
            "horizon": _horizon(rng, n),
        },
        "direction": _direction("overall_survival", effects),
        "flags": [],
        "warnings": [],
        "tripod": [
            {"item": "Outcome defined (6a)", "assessed": True, "detail": "overall survival, death, months"},
            {"item": "Internal validation (10b)", "assessed": True, "detail": "5-fold CV × 5"},
            {"item": "Discrimination (16)", "assessed": True, "detail": "Harrell and Uno C"},
            {"item": "Calibration (16)", "assessed": False, "detail": "not assessed for survival in this version"},
        ],
        "reproducibility": _repro(11, None),
    }
    d["survival"]["horizon"]["nomogram"] = _nomogram("survival", d["survival"]["horizon"])
    return d


def _walk_replace(obj: Any, fn: Any) -> Any:
    if isinstance(obj, dict):
        return {fn(k) if isinstance(k, str) else k: _walk_replace(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk_replace(v, fn) for v in obj]
    if isinstance(obj, str):
        return fn(obj)
    return obj


def hostile(d: dict[str, Any]) -> dict[str, Any]:
    """Rename markers, sample IDs, cohort, files, panel title and evidence text to injection payloads.

    Marker i becomes ``<script>alert(1)</script>#i`` (even i) or ``"><img src=x onerror=alert(1)>#i``
    (odd i), everywhere the name occurs (keys included), so names stay unique.
    """
    d = copy.deepcopy(d)
    names = {m: f"{PAYLOADS[i % 2]}#{i}" for i, m in enumerate(MARKERS)}

    def rename(s: str) -> str:
        for old, new in names.items():
            s = s.replace(old, new)
        return s

    d = _walk_replace(d, rename)
    d["panel"]["title"] = f"Panel {XSS_SCRIPT} {XSS_IMG}"
    d["panel"]["id"] = XSS_IMG
    d["panel"]["notes"] = XSS_SCRIPT
    d["panel"]["evidence"][0]["sentence"] = f"sentence {XSS_IMG} {XSS_SCRIPT}"
    d["panel"]["evidence"][0]["seed"] = XSS_SCRIPT
    d["panel"]["conflicts"][0]["description"] = XSS_IMG
    d["cohort"]["name"] = XSS_IMG
    qc = d["cohort"]["qc"]
    qc["ids_only_in_expression"] = [XSS_SCRIPT, XSS_IMG]
    qc["ids_only_in_clinical"] = [XSS_IMG]
    d["cohort"]["warnings"] = [f"sample {XSS_SCRIPT} has no clinical record"]
    d["warnings"] = [f"sample {XSS_IMG} dropped"]
    d["flags"] = [f"marker {XSS_SCRIPT} contradicts"]
    d["reproducibility"]["inputs"] = {f"data/{XSS_IMG}.csv": "ab" * 32, f"{XSS_SCRIPT}.csv": "cd" * 32}
    d["reproducibility"]["command"] = f"biomark validate --expression '{XSS_IMG}.csv'"
    d["tripod"][0]["detail"] = XSS_SCRIPT
    if "binary" in d:
        d["endpoint"]["positive_class"] = XSS_SCRIPT
        d["endpoint"]["negative_class"] = XSS_IMG
        bc = d["cohort"]["by_class"]
        d["cohort"]["by_class"] = {m: {XSS_SCRIPT if k == "radioresistant" else XSS_IMG: v for k, v in cls.items()}
                          for m, cls in bc.items()}
    if "survival" in d:
        d["survival"]["cox_adjusted"]["terms"][1]["term"] = XSS_IMG
        d["survival"]["ph"]["terms"][1]["term"] = XSS_IMG
        d["endpoint"]["time_unit"] = d["survival"]["time_unit"] = XSS_SCRIPT
    return d
