"""The same inputs and seeds give the same results.json as before the architecture refactor (issue 13).

The fixtures in tests/data/golden/ were written by biomark at commit e0df172, before the refactor, by
tests/data/golden/make_golden.sh; this test reruns those commands and compares the JSON text, leaving out
only ``reproducibility.command`` (it names the temporary folder) and ``reproducibility.versions`` (the
library versions of the machine). A fixture moves only in a commit that fixes a bug changing a number.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _canonical(path: Path) -> str:
    d = json.loads(path.read_text())
    d["reproducibility"].pop("command")
    d["reproducibility"].pop("versions")
    return json.dumps(d, indent=1, allow_nan=False)


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
    assert _canonical(regenerated / name) == _canonical(GOLDEN / name)
