"""Simulated cohorts with known truth, scenario files, and simulation-based sample size.

Public names::

    simulate(panel, n, *, seed, ...) -> (Cohort, Truth)     biomark.synthetic.simulate
    Truth                                                    every assumption, JSON-serialisable
    write_cohort(cohort, truth, out_dir)                     expression.csv, clinical.csv, truth.json
    Scenario, load_scenario(path), list_scenarios()          synthetic/*.yaml
    power(panel, n, *, effect, reps, seed, n_jobs, scheduler, ...) -> PowerResult
    riley_binary_sample_size(auc, prevalence, parameters)    Riley et al. 2020 (pmsampsize)
    r2_cs_from_auc(auc, prevalence)                          Riley, Van Calster & Collins 2021
"""

from biomark.synthetic.output import check_out_dir, write_cohort
from biomark.synthetic.power import (
    PowerResult,
    PowerRow,
    RileySampleSize,
    evaluate_replicate,
    panel_score,
    power,
    r2_cs_from_auc,
    riley_binary_sample_size,
)
from biomark.synthetic.scenario import Scenario, SimulateOptions, list_scenarios, load_scenario
from biomark.synthetic.simulate import SimulationError, Truth, simulate

__all__ = [
    "PowerResult",
    "PowerRow",
    "RileySampleSize",
    "Scenario",
    "SimulateOptions",
    "SimulationError",
    "Truth",
    "check_out_dir",
    "evaluate_replicate",
    "list_scenarios",
    "load_scenario",
    "panel_score",
    "power",
    "r2_cs_from_auc",
    "riley_binary_sample_size",
    "simulate",
    "write_cohort",
]
