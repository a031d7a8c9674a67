"""Regenerate the simulator fixtures that tests/test_synth_golden.py compares against, byte for byte.

They were first written by biomark at commit e7d029b, before the simulator was split into named steps
(issue 13), so the refactored ``simulate`` must reproduce every simulated number exactly. Each case is a
directory with expression.csv, clinical.csv and truth.json; the ``biomark synth`` cases run the command
line (a subprocess, as a user would), the others call :func:`biomark.synthetic.simulate` and
:func:`biomark.synthetic.write_cohort` to cover the layers the CLI cases do not reach (counts,
intensity, change and dose endpoints, centres, missing Ct wells, a SeedSequence seed, no censoring).
``power.json`` holds two small :func:`biomark.synthetic.power` runs.

Usage: ``python tests/data/synth_golden/make_synth_golden.py [OUT_DIR]`` (default: this directory).
Run from anywhere; the repository root is found from this file's location.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

# name -> arguments of `biomark synth` (the --out DIR is added)
CLI_CASES: dict[str, list[str]] = {
    "binary": ["--panel", "nsclc_plasma_mir1246_mir96_diagnosis", "--n", "150", "--seed", "11"],
    "survival": ["--scenario", "synthetic/escc_mir339_overall_survival.yaml"],
    "survival_ihc": ["--panel", "hcc_ulk1_lc3b_prognosis", "--n", "120", "--seed", "5"],
    "qpcr_ct": ["--scenario", "synthetic/hcc_ct_spike_in.yaml"],
    "against_noise": ["--panel", "hcc_mir125b_eva1a_oxaliplatin", "--n", "90", "--seed", "2",
                      "--against-spec", "EVA1A", "--noise-markers", "4", "--effect", "0.6",
                      "--prevalence", "0.3"],
    "against_one_marker": ["--panel", "escc_mir339_radiotherapy", "--n", "200", "--seed", "1",
                           "--against-spec", "hsa-miR-339-5p"],
    "scenario_blocks": ["--scenario", "synthetic/nsclc_marker_against_spec.yaml"],
}

# name -> (panel, n, keyword arguments of simulate); seed "ss" means SeedSequence(2024).spawn(1)[0]
API_CASES: dict[str, tuple[str, int, dict]] = {
    "counts": ("hcc_cd133_cd44_drug_resistance", 60,
               {"seed": 3, "assay": "counts", "missing_rate": 0.05, "batches": 3, "batch_shift": 0.4}),
    "intensity": ("nsclc_plasma_mir1246_mir96_diagnosis", 40,
                  {"seed": 4, "assay": "intensity", "correlation": 0.3, "effect": {"hsa-miR-96": 0.9}}),
    "change": ("crc_circ0067835_radiotherapy", 30,
               {"seed": 5, "endpoint": "change_after_radiotherapy", "batches": 2, "batch_shift": 0.2,
                "n_noise_markers": 2}),
    "dose": ("nsclc_mir29a_mir150_dose", 45, {"seed": 6, "missing_rate": 0.1}),
    "qpcr_missing": ("synthetic/panels/synth_hcc_doxorubicin_ct.yaml", 50,
                     {"seed": 7, "missing_rate": 0.1, "ct_lod": 32.0, "n_noise_markers": 1}),
    "survival_uncensored": ("hcc_bcl2_prognosis", 70,
                            {"seed": "ss", "censoring": None, "weibull_shape": 0.8}),
    "ihc_binary": ("hcc_tiprl_lc3_cd133_detection", 55, {"seed": 8, "prevalence": 0.4}),
}

# name -> (panel, n list, keyword arguments of power)
POWER_CASES: dict[str, tuple[str, list[int], dict]] = {
    "binary": ("nsclc_plasma_mir1246_mir96_diagnosis", [30, 60], {"reps": 12, "seed": 1, "effect": 0.6}),
    "survival": ("escc_mir339_radiotherapy", [40], {"reps": 8, "seed": 2, "endpoint": "overall_survival"}),
}


def run_cli(out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name, args in CLI_CASES.items():
        cmd = [sys.executable, "-m", "biomark", "synth", *args, "--out", str(out / name), "--quiet"]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def run_api(out: Path) -> None:
    import numpy as np

    from biomark.synthetic import write_cohort
    from biomark.synthetic.simulate import simulate

    for name, (panel, n, kw) in API_CASES.items():
        kw = dict(kw)
        if kw["seed"] == "ss":
            kw["seed"] = np.random.SeedSequence(2024).spawn(1)[0]
        path = str(ROOT / panel) if panel.endswith(".yaml") else panel
        cohort, truth = simulate(path, n, **kw)
        write_cohort(cohort, truth, out / name)


def run_power(out: Path) -> None:
    from biomark.synthetic import power

    res = {name: power(panel, ns, **kw).to_dict() for name, (panel, ns, kw) in POWER_CASES.items()}
    (out / "power.json").write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")


def main(out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    out.mkdir(exist_ok=True)
    run_cli(out)
    run_api(out)
    run_power(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE)
