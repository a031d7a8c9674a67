"""biomark.stats.combat against sva 3.46.0 ComBat(ref.batch = "train") (R 4.2.2, BiocParallel 1.32.5).

Reference numbers from tests/data/R/external_combat.R on tests/data/external_combat.csv (output in
external_combat.Rout). Same formulas and the same stopping rule (relative change < 1e-4, as sva's it.sol),
so the numbers agree to rounding: tolerance 1e-8 (the .Rout prints 10 decimals). A prior fitted on the wrong
scale, n instead of n - 1 in a variance or the wrong stopping rule each move values by > 1e-4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomark.stats import StatsError, combat_reference

D = pd.read_csv(Path(__file__).parents[1] / "data" / "external_combat.csv")
X, B = D.iloc[:, 1:].to_numpy(), D.batch.to_numpy()
REF = X[B == "train"]

SVA = {  # 1-based row of the csv: adjusted values (sva, all three batches at once)
    31: [6.7502392738, 6.5674216789, 8.3104471517, 9.7930240222, 10.8554802546, 10.6463035449],
    40: [8.8581438301, 8.4015354976, 8.8958898475, 9.5084311746, 10.8668058049, 12.5688707735],
    55: [8.2566647229, 6.6664932993, 9.6034022751, 8.6007238042, 11.6610254255, 10.9942958588],
    56: [8.8056337926, 8.3480168516, 9.5679645652, 10.3778473056, 9.5857324461, 11.7014313711],
    67: [8.1260972721, 8.4209724068, 9.4447924368, 9.2961254715, 10.8420360506, 11.2611402545],
}
SVA_MEANS = {"siteB": [8.0215840142, 8.3588309597, 9.1918024388, 9.5310510867, 10.6915362153, 11.0020823432],
             "siteC": [7.9348067806, 8.6902809062, 9.0712874753, 9.5941225481, 10.6133755155, 10.9490258056]}
SVA_MEAN_ONLY = {31: [5.4965082066, 4.6106167867, 7.7266385765, 10.0801946464, 11.1090842050, 9.8093738873],
                 56: [8.7410819601, 8.6209514237, 9.3131196558, 10.1513663066, 10.0295501986, 11.3400602772]}


def _adjusted(mean_only: bool = False) -> np.ndarray:
    out = X.copy()
    for b in ("siteB", "siteC"):
        out[B == b] = combat_reference(REF, X[B == b], mean_only=mean_only).adjusted
    return out


def test_matches_sva_reference_batch() -> None:
    adj = _adjusted()
    for row, ref in SVA.items():
        np.testing.assert_allclose(adj[row - 1], ref, atol=1e-8)
    for b, ref in SVA_MEANS.items():
        np.testing.assert_allclose(adj[B == b].mean(axis=0), ref, atol=1e-8)
    np.testing.assert_array_equal(adj[B == "train"], REF)  # the reference never moves


def test_matches_sva_mean_only() -> None:
    adj = _adjusted(mean_only=True)
    for row, ref in SVA_MEAN_ONLY.items():
        np.testing.assert_allclose(adj[row - 1], ref, atol=1e-8)


def test_frozen_batches_are_independent() -> None:
    """sva gives siteB the same values with or without siteC (7e-15 in the .Rout); so does a batch alone."""
    alone = combat_reference(REF, X[B == "siteB"]).adjusted
    half = combat_reference(REF, X[B == "siteB"][:10]).adjusted
    assert not np.allclose(alone[:10], half)  # a batch's own estimates do depend on all of its samples
    np.testing.assert_allclose(alone, _adjusted()[B == "siteB"], atol=0)


# tests/data/R/external_combat_one_marker.Rout: sva 3.46.0 stops for one marker ("dim(X) must have a positive
# length", with or without mean.only); the L/S fallback computed there by hand with R's mean/var on m1
R_ONE = {"siteB": [6.6675131412, 8.3657695318, 7.9617893024, 8.7886389007, 7.3945951014],
         "siteC": [8.7135801515, 8.1321854913, 8.5039903211, 8.3461642960, 7.7941412855]}
R_ONE_MEAN_ONLY = {"siteB": [5.2083490000, 8.8333790000, 7.9710590000, 9.7360190000, 6.7603490000],
                   "siteC": [8.7691665000, 8.1452465000, 8.5442465000, 8.3748765000, 7.7824765000]}


@pytest.mark.parametrize("b", ["siteB", "siteC"])
def test_one_marker_falls_back_to_location_scale_without_shrinkage(b) -> None:
    fit = combat_reference(REF[:, :1], X[B == b][:, :1])
    assert fit.empirical_bayes is False and fit.iterations == 0
    np.testing.assert_allclose(fit.adjusted[:5, 0], R_ONE[b], atol=1e-8)
    # by the formula: the batch's own mean and SD (n - 1) replaced by the reference's mean and SD (1/n, as sva)
    x, r = X[B == b][:, 0], REF[:, 0]
    np.testing.assert_allclose(fit.adjusted[:, 0], (x - x.mean()) / x.std(ddof=1) * r.std(ddof=0) + r.mean(), atol=1e-12)
    mo = combat_reference(REF[:, :1], X[B == b][:, :1], mean_only=True)
    np.testing.assert_allclose(mo.adjusted[:5, 0], R_ONE_MEAN_ONLY[b], atol=1e-8)
    # with 2+ markers the EB estimates are shrunk: the same marker's adjusted values differ from the fallback
    assert np.abs(combat_reference(REF, X[B == b]).adjusted[:, 0] - fit.adjusted[:, 0]).max() > 1e-3


def test_refuses_bad_input() -> None:
    with pytest.raises(StatsError, match="at least 2 samples in the batch"):
        combat_reference(REF[:, :1], X[B == "siteB"][:1, :1])
    with pytest.raises(StatsError, match="missing"):
        combat_reference(REF, np.full((3, 6), np.nan))
    with pytest.raises(StatsError, match="same markers"):
        combat_reference(REF, X[B == "siteB"][:, :4])
