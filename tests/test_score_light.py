"""``biomark score`` without scikit-learn (issue 21): a JSON model file or a panel's fixed rule is
applied by :mod:`biomark.model.applied` (NumPy only), and must give exactly what the
scikit-learn :class:`~biomark.PanelModel` gives.

* Every method's model file (signed_z, weights, boolean, logistic, cox, a recalibrated rule, an
  updated model) is scored twice with :func:`biomark.scoring.score_file`, once loaded as a
  PanelModel (``PanelModel.load``) and once as an AppliedModel (``load_applied``): the output
  files must be byte-identical (scores, probabilities, risk groups) and the summaries equal.
* The panel path (no model: the rule fitted to the file's own means and SDs) is compared with
  ``PanelModel(...).fit`` of the same two rows: medians, means, SDs, coefficients bit for bit.
* :func:`~biomark.model.applied.expit` against ``scipy.special.expit``: the same bits (reference:
  SciPy's ``1 / (1 + exp(-x))`` with the C library's exp).
* In a subprocess, a ``biomark score`` run of a JSON model leaves ``sklearn``, ``scipy.stats`` and
  ``statsmodels`` out of ``sys.modules`` (no timing here; docs/performance.md has the times).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.special

import biomark
from biomark.model import PanelModel
from biomark.model._base import PARAMS
from biomark.model.applied import (
    EXPIT_SCIPY_FROM,
    AppliedModel,
    expit,
    fixed_rule_model,
    load_applied,
)
from biomark.model.updated import apply_update
from biomark.scoring import score_file

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "tests" / "bad_inputs" / "panel_boolean_ok.yaml"  # 3 markers, boolean rule, binary + survival
MARKERS = ["hsa-miR-96-5p", "hsa-miR-1246", "HSPA1A"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    d = tmp_path_factory.mktemp("light")
    rng = np.random.default_rng(21)
    n = 400
    latent = rng.normal(size=n)
    X = pd.DataFrame({m: 9.0 + 0.6 * latent + rng.normal(0, 1.2, n) for m in MARKERS})
    X.iloc[rng.random((n, 3)) < 0.05] = np.nan
    y = np.where(latent + rng.normal(size=n) > 0, "radioresistant", "radiosensitive")
    time = rng.exponential(np.exp(-0.7 * latent))
    event = (rng.random(n) < 0.7).astype(float)
    src = d / "expr.csv"
    out = X.copy()
    out.insert(0, "sample_id", [f"S{i:03d}" for i in range(n)])
    out.iloc[:5, 0] = ["=1+1", "+x", "-y", "@z", "S_ok"]  # formula neutralisation goes through the same path
    out.to_csv(src, index=False, float_format="%.17g")
    return SimpleNamespace(dir=d, X=X, y=y, surv=np.column_stack([time, event]), src=src)


def _models(data: SimpleNamespace) -> dict[str, PanelModel]:
    panel = biomark.load_panel(PANEL)
    X, y = data.X, data.y
    kw = {"panel": panel, "endpoint": "radioresistance", "random_state": 0}
    weights = {"hsa-miR-96-5p": 0.8, "hsa-miR-1246": -0.3, "HSPA1A": 0.5}
    models = {
        "signed_z": PanelModel(method="signed_z", **kw).fit(X),
        "signed_z_recalibrated": PanelModel(method="signed_z", **kw).fit(X, y),
        "weights": PanelModel(method="weights", weights=weights, **kw).fit(X),
        "weights_z_recalibrated": PanelModel(method="weights", weights=weights, weights_on="z", **kw).fit(X, y),
        "boolean": PanelModel(method="boolean", **kw).fit(X),
        "boolean_recalibrated": PanelModel(method="boolean", **kw).fit(X, y),
        "logistic": PanelModel(method="logistic", **kw).fit(X, y),
        "logistic_plain": PanelModel(method="logistic", penalty=None, **kw).fit(X, y),
        "cox": PanelModel(method="cox", panel=panel, endpoint="overall_survival", penalty=None).fit(X, data.surv),
        "cox_ridge": PanelModel(method="cox", panel=panel, endpoint="overall_survival", random_state=0).fit(X, data.surv),
    }
    recal = SimpleNamespace(chosen="logistic_recalibration", intercept=0.31, slope=0.83, citl=0.2)
    models["logistic_updated"] = apply_update(models["logistic"], recal, MARKERS)
    models["signed_z_updated"] = apply_update(models["signed_z_recalibrated"], recal, MARKERS)
    reest = SimpleNamespace(chosen="re_estimation", revised_coef=[0.4, -0.1, 0.7], revised_intercept=-0.2)
    models["re_estimated"] = apply_update(models["logistic"], reest, MARKERS)
    return models


@pytest.fixture(scope="module")
def model_files(data: SimpleNamespace) -> dict[str, Path]:
    files = {}
    for name, m in _models(data).items():
        files[name] = m.save(data.dir / f"{name}.json")
    return files


@pytest.mark.parametrize("name", ["signed_z", "signed_z_recalibrated", "weights", "weights_z_recalibrated",
                                  "boolean", "boolean_recalibrated", "logistic", "logistic_plain", "cox",
                                  "cox_ridge", "logistic_updated", "signed_z_updated", "re_estimated"])
@pytest.mark.parametrize("chunk_rows", [37, 100_000])
def test_applied_model_scores_bit_identical_to_panelmodel(data: SimpleNamespace, model_files: dict[str, Path],
                                                          name: str, chunk_rows: int) -> None:
    path = model_files[name]
    heavy, light = PanelModel.load(path), load_applied(path)
    assert isinstance(light, AppliedModel) and not isinstance(light, PanelModel)
    a, b = data.dir / f"{name}_{chunk_rows}_sk.csv", data.dir / f"{name}_{chunk_rows}_np.csv"
    sa = score_file(heavy, data.src, a, chunk_rows=chunk_rows)
    sb = score_file(light, data.src, b, chunk_rows=chunk_rows)
    assert a.read_bytes() == b.read_bytes()
    da, db = sa.to_dict(), sb.to_dict()
    for k in ("output", "seconds"):
        da.pop(k), db.pop(k)
    assert da == db
    got = pd.read_csv(b)
    assert got.shape[0] == 400 and got["score"].notna().all()
    # and the scores are the model's own panel_score (not just equal to each other)
    np.testing.assert_array_equal(got["score"].to_numpy(), heavy.panel_score(data.X.reindex(columns=heavy.markers_)))
    for attr in ("medians_", "mean_", "scale_", "coef_"):
        if hasattr(heavy, attr):
            np.testing.assert_array_equal(getattr(light, attr), getattr(heavy, attr))
    assert light._b == heavy._b and (light._w is None) == (heavy._w is None)


def test_panel_rule_without_model_matches_panelmodel_fit() -> None:
    """The two rows the panel path fits on (mean ± SD/√2, a column without values NaN), by
    fixed_rule_model and by PanelModel.fit: the same bits and the same warnings."""
    panel = biomark.load_panel(ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml")
    rng = np.random.default_rng(3)
    for trial in range(20):
        keep = rng.random(len(panel.marker_ids)) < 0.8
        keep[:3] = True
        markers = [m for m, k in zip(panel.marker_ids, keep, strict=True) if k]
        mean = rng.normal(8, 3, len(markers))
        d = np.abs(rng.normal(1, 1, len(markers))) / np.sqrt(2.0)
        if trial % 3 == 0:
            d[0] = 0.0  # a constant marker
        two = np.vstack([mean + d, mean - d])
        if trial % 4 == 1 and len(markers) > 1:
            two[:, -1] = np.nan  # a marker with no value in the file
        ref = PanelModel(panel=panel, method="signed_z").fit(pd.DataFrame(two, columns=markers))
        got = fixed_rule_model(panel, "signed_z", None, two, markers)
        for attr in ("medians_", "mean_", "scale_", "coef_"):
            np.testing.assert_array_equal(getattr(got, attr), getattr(ref, attr))
        assert got.intercept_ == ref.intercept_ and got._b == ref._b
        np.testing.assert_array_equal(got._w, ref._w)
        assert got.warnings_ == [w for w in ref.warnings_ if "not in the data" not in w]
        assert got.endpoint_ == ref.endpoint_ and got.markers_ == ref.markers_


def test_panel_weights_rule_matches_panelmodel_fit(tmp_path: Path) -> None:
    text = PANEL.read_text()
    a, b = text.index("scoring:"), text.index("evidence:")
    text = text[:a] + "scoring:\n  rule: weights\n  endpoint: radioresistance\n" + text[b:]
    for m, w in zip(MARKERS, ("0.75", "-1.5", "0.25"), strict=True):
        text = text.replace(f"  - id: {m}\n", f"  - id: {m}\n    weight: {w}\n")
    spec = tmp_path / "weights.yaml"
    spec.write_text(text)
    panel = biomark.load_panel(spec)
    two = np.array([[9.1, 7.3, 10.2], [8.2, 7.9, 9.9]])
    ref = PanelModel(panel=panel, method="weights").fit(pd.DataFrame(two, columns=MARKERS))
    got = fixed_rule_model(panel, "weights", None, two, MARKERS)
    np.testing.assert_array_equal(got.coef_, ref.coef_)
    assert got.intercept_ == ref.intercept_ and got._b == ref._b


def test_expit_is_scipys_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7, 709.0, -709.0, 709.78, -709.78, 745.2, -745.2,
                        800.0, -800.0, np.inf, -np.inf, np.nan])
    for x in (rng.normal(size=50_000) * 6, rng.normal(size=50_000) * 300, rng.uniform(-750, 750, 50_000), special,
              rng.normal(size=EXPIT_SCIPY_FROM + 10)):
        ref = scipy.special.expit(x)
        got = expit(x)
        np.testing.assert_array_equal(got.view(np.int64), ref.view(np.int64))


def test_params_are_panelmodels() -> None:
    assert tuple(inspect.signature(PanelModel.__init__).parameters)[1:] == PARAMS


def test_unknown_parameter_in_model_file_is_the_same_error(model_files: dict[str, Path], tmp_path: Path) -> None:
    doc = json.loads(model_files["signed_z"].read_text())
    doc["params"]["bogus"] = 1
    p = tmp_path / "bogus.json"
    p.write_text(json.dumps(doc))
    msgs = []
    for load in (PanelModel.load, load_applied):
        with pytest.raises(biomark.errors.ModelFileError) as err:
            load(p)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1] and "params: unknown parameter 'bogus'" in msgs[0] and str(p) in msgs[0]


_PROBE = """
import json, sys
from biomark.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'statsmodels') or m.startswith('scipy.stats')]
print(json.dumps(heavy))
"""


@pytest.mark.parametrize("kind", ["logistic", "boolean_recalibrated", "cox", "panel"])
def test_score_of_a_json_model_imports_no_sklearn(data: SimpleNamespace, model_files: dict[str, Path],
                                                  kind: str, tmp_path: Path) -> None:
    src = ["--panel", str(ROOT / "synthetic" / "panels" / "synth_nsclc_exosomal_mirna_radioresistance.yaml")] \
        if kind == "panel" else ["--model", str(model_files[kind])]
    out = tmp_path / "s.csv"
    r = subprocess.run([sys.executable, "-c", _PROBE, "score", *src, "--expression", str(data.src), "--out", str(out),
                        "-q"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []
    assert out.exists() and len(pd.read_csv(out)) == 400
