"""biomark._plain: the one converter to JSON-ready data and the one record of library versions."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from biomark._plain import to_plain, versions
from biomark.stats._result import _plain as stats_plain


@dataclasses.dataclass(frozen=True)
class _R:
    a: float
    b: tuple
    c: dict


VALUE = _R(a=np.float64(1 / 3), b=(np.int32(2), np.array([np.nan, np.inf, -np.inf]), True),
           c={1: np.bool_(False), "x": [None, "s", 0.1]})


def test_every_policy_gives_strict_json():
    for policy in ("null", "inf_string", "string"):
        json.dumps(to_plain(VALUE, nonfinite=policy), allow_nan=False)


def test_inf_string_matches_the_stats_results_converter():
    assert to_plain(VALUE, nonfinite="inf_string") == stats_plain(VALUE)
    assert to_plain(VALUE) == stats_plain(VALUE, inf_as_string=False)


def test_nonfinite_spellings_and_rounding():
    assert to_plain([np.nan, np.inf, -np.inf], nonfinite="string") == ["nan", "inf", "-inf"]
    assert to_plain([np.nan, np.inf], nonfinite="null") == [None, None]
    # 10 significant digits, as truth.json writes them
    assert to_plain({"v": 1 / 3}, digits=10) == {"v": 0.3333333333}
    assert to_plain(VALUE)["b"][0] == 2 and isinstance(to_plain(VALUE)["b"][0], int)


def test_strict_refuses_objects_without_a_json_form():
    with pytest.raises(TypeError, match="no plain JSON form"):
        to_plain({"k": object()}, strict=True)
    with pytest.raises(ValueError, match="nonfinite"):
        to_plain(1.0, nonfinite="zero")


def test_versions_names_biomark_python_and_the_packages():
    out = versions(("numpy", "no-such-package-xyz"))
    assert out["numpy"] == np.__version__
    assert out["no-such-package-xyz"] == "not installed"
    assert set(out) == {"biomark", "python", "numpy", "no-such-package-xyz"}
