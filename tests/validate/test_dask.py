"""biomark.validate on a dask.distributed cluster (issue 6, item 6).

The resampling (CV folds, bootstrap replicates, label permutations) goes through joblib's dask
backend when ``scheduler=`` is a Client or a scheduler address. Every task draws its own seed from
``numpy.random.SeedSequence(seed)``, so the result must be the same JSON as a serial run
(``n_jobs=1``) with the same seed: not close, identical.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import biomark
from biomark.cohort import Cohort

distributed = pytest.importorskip("dask.distributed")  # the 'test' extra installs it; CI always has it

MARKERS = ["hsa-miR-96", "hsa-miR-378", "HSPA1A", "hsa-miR-663a", "hsa-miR-1246", "AGAP2-AS1"]
# small but exercising every resampled stage: 3 x 2 CV fits, 12 bootstrap refits, 8 permutations
SETTINGS = dict(outcome="response", method="logistic", penalty=None, cv=(3, 2), bootstrap=12, permutations=8, seed=5)


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker LocalCluster of separate processes (the pickling path a real cluster takes)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as lc:
        yield lc


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def panel(data_dir):
    return biomark.load_panel(data_dir / "validate_lrm_panel.yaml")


@pytest.fixture(scope="module")
def cohort(data_dir):
    df = pd.read_csv(data_dir / "validate_lrm.csv").set_index("sample_id")
    return Cohort(expression=df[MARKERS], clinical=df[["response"]], name="validate_lrm")


@pytest.fixture(scope="module")
def serial_json(panel, cohort):
    return _comparable(biomark.validate(panel, cohort, n_jobs=1, **SETTINGS))


def _comparable(result) -> str:
    """The result's JSON with the one setting that legitimately differs (n_jobs) removed."""
    d = json.loads(json.dumps(result.to_dict()))
    for settings in (d["settings"], d["reproducibility"]["settings"]):
        settings.pop("n_jobs")
    return json.dumps(d, sort_keys=True)


def _functions_run(events) -> set[str]:
    """Names of the functions in the joblib batches that ran on the cluster (keys 'batch_of_<fn>_<k>_calls-...')."""
    out = set()
    for e in events:
        key = str(e["key"])
        if key.startswith("batch_of_"):
            out.add(key[len("batch_of_"):].rsplit("_", 2)[0])
    return out


def test_client_gives_the_serial_result_and_runs_on_the_workers(panel, cohort, client, serial_json):
    with distributed.get_task_stream(client) as ts:
        r = biomark.validate(panel, cohort, n_jobs=2, scheduler=client, **SETTINGS)
    assert _comparable(r) == serial_json
    # the work really went to the cluster: CV folds, bootstrap refits and permutations all ran there (the
    # logistic model's bootstrap-corrected calibration curve, rms calibrate, takes the bootstrap's refits:
    # no resamples of its own, so no _replicates batches)
    assert _functions_run(ts.data) == {"_fit_predict", "_boot_task", "_perm_task"}
    assert r["binary"]["calibration"]["corrected"]["B"] == 12
    workers = {e["worker"] for e in ts.data}
    assert workers <= set(client.scheduler_info()["workers"])
    assert r["settings"]["bootstrap"] == 12 and r["binary"]["bootstrap"]["n_failed"] == 0


def test_scheduler_address_gives_the_serial_result(panel, cohort, cluster, serial_json):
    address = cluster.scheduler_address
    assert isinstance(address, str) and address.startswith("tcp://")
    r = biomark.validate(panel, cohort, n_jobs=2, scheduler=address, **SETTINGS)
    assert _comparable(r) == serial_json

