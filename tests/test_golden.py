"""The same inputs and seeds give the same results.json as before the architecture refactor (issue 13).

The fixtures in tests/data/golden/ were written by biomark at commit e0df172, before the refactor, by
tests/data/golden/make_golden.sh; this test reruns those commands and compares the JSON text, leaving out
only ``reproducibility.command`` (it names the temporary folder) and ``reproducibility.versions`` (the
library versions of the machine). A fixture moves only in a commit that fixes a bug changing a number.

The text was byte-identical on the machine that wrote the fixtures; on another CPU the BLAS and libm
kernels round differently (seen on 2026-12-03, same library versions: 546 floats of demo_results.json
differ, by at most 8e-14, relative 1.2e-13), so floats compare to 1e-12 + 1e-9 relative, and every key,
list length, string, integer and boolean exactly. A refactor that changes a statistic moves it by far more.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._json_compare import differences as _differences

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _canonical(path: Path) -> dict:
    d = json.loads(path.read_text())
    d["reproducibility"].pop("command")
    d["reproducibility"].pop("versions")
    return d


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    shutil.copy(GOLDEN / "make_golden.sh", out / "make_golden.sh")
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    r = subprocess.run(["bash", str(out / "make_golden.sh")], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.parametrize("name", ["demo_results.json", "survival_results.json", "cox_results.json"])
def test_results_json_identical_to_pre_refactor(regenerated, name):
    diffs = _differences(_canonical(regenerated / name), _canonical(GOLDEN / name))
    assert not diffs, f"{len(diffs)} differences, first: " + "; ".join(diffs[:5])


def test_the_comparison_catches_a_change_in_the_tenth_digit():
    assert _differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 4e-13]}) == []
    assert _differences({"a": [1.0, 0.25]}, {"a": [1.0, 0.25 + 1e-9]}) != []
    assert _differences({"a": 1}, {"a": 1.0}) != [] and _differences({"a": [1]}, {"a": [1, 2]}) != []
