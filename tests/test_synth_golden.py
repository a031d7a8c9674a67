"""The same seeds give byte-identical simulated cohorts before and after the simulator refactor (issue 13).

tests/data/synth_golden/ holds expression.csv, clinical.csv and truth.json of `biomark synth` runs (a binary
panel, survival panels, a qPCR Ct scenario with a spike-in, --against-spec with --noise-markers, a
scenario with correlation blocks, centres and missingness) and of direct ``simulate`` calls (counts,
intensity, change, dose, missing Ct wells, a SeedSequence seed, no censoring), plus two small ``power``
runs, all written at commit e7d029b before ``simulate`` and ``power`` were split into named steps, by
tests/data/synth_golden/make_synth_golden.py. This test reruns that script and compares every file's
bytes, except power.json: its Riley sample-size statistics are computed from the simulated data and
round differently on another CPU (seen on 2026-12-03: 3 floats, by 3e-16), so it compares as the results
goldens do (tests/_json_compare.py). A fixture moves only in a commit that fixes a bug changing a simulated
number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests._json_compare import differences

GOLDEN = Path(__file__).resolve().parent / "data" / "synth_golden"
ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*")
               if p.is_file() and p.suffix in (".csv", ".json"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth_golden")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, str(GOLDEN / "make_synth_golden.py"), str(out)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def test_fixture_set_is_complete():
    cases = {p.split("/")[0] for p in FILES if "/" in p}
    assert len(cases) == 14 and "power.json" in FILES
    for case in cases:
        for name in ("expression.csv", "clinical.csv", "truth.json"):
            assert f"{case}/{name}" in FILES


@pytest.mark.parametrize("name", FILES)
def test_simulated_file_identical_to_pre_refactor(regenerated, name):
    if name == "power.json":  # statistics of the simulated data: floats to 1e-12 + 1e-9 relative across CPUs
        diffs = differences(json.loads((regenerated / name).read_text()), json.loads((GOLDEN / name).read_text()))
        assert not diffs, f"{len(diffs)} differences, first: " + "; ".join(diffs[:5])
    else:
        assert (regenerated / name).read_bytes() == (GOLDEN / name).read_bytes()
