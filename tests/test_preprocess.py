"""Assay conversions, fitted preprocessing, and the leakage demonstration."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.model import PanelModel
from biomark.preprocess import (
    AssayLevels,
    MedianImputer,
    StableReference,
    ZScore,
    assay_levels,
    genorm_m,
    log2_cpm,
    minus_delta_ct,
)

# --- per-sample conversions --------------------------------------------------------------------


def test_minus_delta_ct_and_log2_cpm_by_hand():
    ct = np.array([[30.0, 25.0], [28.0, 35.0]])
    np.testing.assert_array_equal(minus_delta_ct(ct, np.array([20.0, 21.0])), [[-10.0, -5.0], [-7.0, -14.0]])
    # voom: log2((c + 0.5) / (L + 1) * 1e6)
    out = log2_cpm(np.array([[0.0, 99.5]]), np.array([999.0]))
    assert out[0, 0] == pytest.approx(math.log2(0.5 / 1000 * 1e6))
    assert out[0, 1] == pytest.approx(math.log2(100 / 1000 * 1e6))


def test_conversions_use_no_other_sample():
    # the level of a sample must not change when other samples are added or removed
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.uniform(18, 38, size=(20, 4)), columns=["a", "b", "ref1", "ref2"])
    full = assay_levels(frame, "qpcr_ct", reference=["ref1", "ref2"])
    part = assay_levels(frame.iloc[[3, 7]], "qpcr_ct", reference=["ref1", "ref2"])
    pd.testing.assert_frame_equal(full.iloc[[3, 7]], part)
    counts = pd.DataFrame(rng.poisson(50, size=(20, 3)).astype(float), columns=["a", "b", "c"])
    lib = counts.sum(axis=1)
    pd.testing.assert_frame_equal(assay_levels(counts, "counts", library_size=lib).iloc[[5]],
                                  assay_levels(counts.iloc[[5]], "counts", library_size=lib.iloc[[5]]))


def test_ct_without_reference_is_minus_ct_with_a_warning():
    lv = assay_levels(pd.DataFrame({"a": [30.0, 25.0]}), "qpcr_ct")
    assert lv["a"].tolist() == [-30.0, -25.0]
    assert "NOT normalised" in lv.attrs["conversion"] and lv.attrs["warnings"]


def test_counts_without_library_size_fall_back_and_say_so():
    lv = assay_levels(pd.DataFrame({"a": [10.0], "b": [990.0]}), "counts", markers=["a"])
    assert lv["a"].iloc[0] == pytest.approx(math.log2(10.5 / 1001 * 1e6))
    assert "no library sizes" in lv.attrs["warnings"][0]


def test_unknown_assay_is_an_input_error():
    with pytest.raises(InputError, match="assay 'ngs' is not known"):
        assay_levels(pd.DataFrame({"a": [1.0]}), "ngs")


def test_assay_levels_transformer_in_a_pipeline():
    raw = pd.DataFrame({"m1": [30.0, 25.0, 27.0], "m2": [22.0, 24.0, 26.0], "U6": [20.0, 19.0, 21.0]})
    t = AssayLevels(assay="qpcr_ct", reference=["U6"]).fit(raw)
    out = t.transform(raw)
    assert list(out.columns) == ["m1", "m2"]
    assert out["m1"].tolist() == [-10.0, -6.0, -6.0]


def test_cohort_levels_from_a_synthetic_style_cohort():
    # a Cohort built directly (as biomark.synthetic does), with raw Ct values and a reference column
    expr = pd.DataFrame({"hsa-miR-339-5p": [30.0, 26.0], "RNU6B": [20.0, 20.5]}, index=["a", "b"])
    c = Cohort(expression=expr, assay="qpcr_ct", reference_markers=["RNU6B"])
    lv = c.levels()
    assert list(lv.columns) == ["hsa-miR-339-5p"]
    assert lv["hsa-miR-339-5p"].tolist() == [-10.0, -5.5]


# --- fitted steps ------------------------------------------------------------------------------


def test_median_imputer_uses_training_rows_and_counts_imputed():
    train = np.array([[1.0, np.nan], [3.0, 10.0], [5.0, 20.0], [np.nan, 30.0]])
    imp = MedianImputer().fit(train)
    np.testing.assert_array_equal(imp.medians_, [3.0, 20.0])  # nanmedian of the training rows
    test = np.array([[np.nan, np.nan], [7.0, np.nan], [0.0, 1.0]])
    np.testing.assert_array_equal(imp.transform(test), [[3.0, 20.0], [7.0, 20.0], [0.0, 1.0]])
    np.testing.assert_array_equal(imp.n_imputed(test), [2, 1, 0])


def test_median_imputer_column_never_observed():
    imp = MedianImputer().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))
    assert imp.medians_[1] == 0.0 and imp.empty_features_.tolist() == [1]


def test_zscore_uses_sample_sd():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [6.0, 5.0]])
    z = ZScore().fit(x)
    assert z.mean_.tolist() == [3.0, 5.0]
    assert z.scale_[0] == pytest.approx(np.std(x[:, 0], ddof=1))  # R's sd(): 2.160247
    assert z.scale_[1] == 1.0 and z.constant_features_.tolist() == [1]
    np.testing.assert_allclose(z.inverse_transform(z.transform(x)), x)


def test_stable_reference_finds_the_stable_markers():
    # two reference-like markers track the sample's input amount; the other four vary on their own
    rng = np.random.default_rng(3)
    n = 80
    load = rng.normal(0, 2, n)  # per-sample input amount, shifts every Ct
    stable = np.column_stack([20 + load + rng.normal(0, 0.1, n), 24 + load + rng.normal(0, 0.1, n)])
    noisy = 28 + load[:, None] + rng.normal(0, 1.5, (n, 4))
    ct = np.column_stack([noisy[:, :2], stable, noisy[:, 2:]])  # stable ones at positions 2 and 3
    sr = StableReference(n_reference=2).fit(ct[:60])  # chosen on training rows only
    assert sr.reference_.tolist() == [2, 3]
    assert sr.markers_.tolist() == [0, 1, 4, 5]
    out = sr.transform(ct[60:])
    expected = (ct[60:, 2:4].mean(axis=1))[:, None] - ct[60:, [0, 1, 4, 5]]
    np.testing.assert_allclose(out, expected)
    m = genorm_m(ct)
    assert m[2] < m[0] and m[3] < m[5]


# --- leakage -----------------------------------------------------------------------------------


def test_fitting_on_all_rows_inflates_cv_auc_on_noise_and_biomark_does_not():
    """Pure noise: 60 samples (30/30), 2,000 markers with no relation to the outcome.

    Choosing the 10 markers with the largest t statistic on ALL rows and then cross-validating
    a logistic model on them gives a cross-validated AUC around 0.9 (Ambroise & McLachlan 2002);
    the same selection inside the pipeline, refitted on each training fold, gives ~0.5.
    Numbers measured with this seed (5 x 5 repeated stratified CV): leaky 0.938, inside 0.467.
    """
    rng = np.random.default_rng(2024)
    n, p, k = 60, 2000, 10
    X = rng.normal(size=(n, p))
    y = np.repeat([0, 1], n // 2)
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=5, random_state=0)

    def model():
        return PanelModel(method="logistic", Cs=5, inner_cv=3, random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_leaky = SelectKBest(f_classif, k=k).fit_transform(X, y)  # sees the test folds' labels
        leaky = cross_val_score(model(), X_leaky, y, cv=cv, scoring="roc_auc")
        pipe = Pipeline([("select", SelectKBest(f_classif, k=k)), ("model", model())])
        inside = cross_val_score(pipe, X, y, cv=cv, scoring="roc_auc")
    assert leaky.mean() > 0.85
    assert 0.35 < inside.mean() < 0.62
    assert leaky.mean() - inside.mean() > 0.3


def test_panel_model_preprocessing_is_refitted_in_each_fold():
    # PanelModel's medians, means and SDs are those of the rows it is fitted on
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[rng.random(X.shape) < 0.2] = np.nan
    y = np.repeat([0, 1], 20)
    train = np.arange(30)
    m = PanelModel(method="logistic", penalty=None).fit(X[train], y[train])
    np.testing.assert_array_equal(m.medians_, np.nanmedian(X[train], axis=0))
    filled = np.where(np.isnan(X[train]), m.medians_, X[train])
    np.testing.assert_allclose(m.mean_, filled.mean(axis=0))
    np.testing.assert_allclose(m.scale_, filled.std(axis=0, ddof=1))
