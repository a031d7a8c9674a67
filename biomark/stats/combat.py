"""Reference-batch ComBat: empirical Bayes location/scale adjustment of one batch onto a reference batch.

Johnson, Li & Rabinovic 2007 (Biostatistics 8:118), with the reference-batch variant of Zhang, Parmigiani &
Johnson 2018 (NAR Genomics 2:lqaa078) as ``sva::ComBat(dat, batch, ref.batch = ref)`` computes it
(sva 3.46.0, no covariates, parametric priors). Markers j, samples i of batch b, reference batch r:

* standardise on the reference: :math:`\\alpha_j = \\bar x_{rj}`, :math:`\\sigma_j^2 = \\frac{1}{n_r}
  \\sum_{i \\in r} (x_{ij} - \\alpha_j)^2`, :math:`s_{ij} = (x_{ij} - \\alpha_j)/\\sigma_j`;
* batch estimates :math:`\\hat\\gamma_{bj} = \\bar s_{bj}`, :math:`\\hat\\delta_{bj}^2` = sample variance
  (n − 1) of :math:`s_{bj}`;
* priors across markers: :math:`\\gamma_{bj} \\sim N(\\bar\\gamma_b, \\tau_b^2)` (mean and variance of
  :math:`\\hat\\gamma_{b\\cdot}`), :math:`\\delta_{bj}^2 \\sim \\text{InvGamma}(a_b, b_b)` by moments:
  :math:`a = (2 s^2 + m^2)/s^2`, :math:`b = (m s^2 + m^3)/s^2` (m, s² mean and variance of
  :math:`\\hat\\delta^2_{b\\cdot}`);
* posterior means by iteration (sva's ``it.sol``, relative change < 1e-4):
  :math:`\\gamma^* = (n \\tau^2 \\hat\\gamma + \\delta^{2*} \\bar\\gamma)/(n \\tau^2 + \\delta^{2*})`,
  :math:`\\delta^{2*} = (\\tfrac12 \\sum_i (s_{ij} - \\gamma^*_j)^2 + b)/(n/2 + a - 1)`;
* adjusted :math:`x^*_{ij} = \\sigma_j (s_{ij} - \\gamma^*_{bj})/\\delta^*_{bj} + \\alpha_j`; the reference
  batch is returned unchanged.

A batch's adjustment depends on the reference and on that batch only (the priors are per batch), so the
reference parameters can be frozen: validation data never move the training data, and adjusting several
batches at once equals adjusting each alone. ``mean_only`` (as sva, forced for a batch of one sample) skips
the scale: :math:`\\gamma^* = (\\tau^2 \\hat\\gamma + \\bar\\gamma)/(\\tau^2 + 1)`, :math:`\\delta^* = 1`.
Missing values are not handled (impute first).

**One marker.** The priors are moments across markers, so with a single marker they cannot be estimated;
``sva::ComBat`` (3.46.0) stops with an error then (``dim(X) must have a positive length``,
tests/data/R/external_combat_one_marker.Rout). Here the batch estimates are used as they are, without
shrinkage: the location/scale (L/S) adjustment of Johnson et al. 2007 before its empirical Bayes step,
:math:`\\gamma^* = \\hat\\gamma`, :math:`\\delta^{*2} = \\hat\\delta^2` (``mean_only``: :math:`\\delta^* = 1`),
i.e. :math:`x^* = (x - \\bar x_b)/s_b \\cdot \\sigma + \\alpha`; ``empirical_bayes`` is then False (the caller
reports it). A batch of one sample with one marker is refused (its location would be moved onto the
reference exactly, taking the sample's own value with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._errors import StatsError
from ._result import Result

__all__ = ["ComBatFit", "combat_reference"]


@dataclass(frozen=True)
class ComBatFit(Result):
    """The reference parameters and one batch's empirical Bayes estimates and adjusted values."""

    adjusted: np.ndarray = field(repr=False)
    ref_mean: np.ndarray = field(repr=False)
    ref_sd: np.ndarray = field(repr=False)
    gamma_hat: np.ndarray = field(repr=False)
    delta_hat: np.ndarray = field(repr=False)
    gamma_star: np.ndarray = field(repr=False)
    delta_star: np.ndarray = field(repr=False)
    mean_only: bool
    iterations: int
    empirical_bayes: bool = True


def _matrix(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 2:
        raise StatsError(f"{name} must be a 2-D array (samples x markers)")
    if not np.all(np.isfinite(a)):
        raise StatsError(f"{name} has missing or infinite values; impute them before ComBat")
    return a


def _it_sol(s: np.ndarray, g_hat: np.ndarray, d_hat: np.ndarray, g_bar: float, t2: float, a: float, b: float,
            conv: float = 1e-4, max_iter: int = 10000) -> tuple[np.ndarray, np.ndarray, int]:
    n = s.shape[0]
    g_old, d_old = g_hat.copy(), d_hat.copy()
    for it in range(1, max_iter + 1):
        g_new = (t2 * n * g_hat + d_old * g_bar) / (t2 * n + d_old)
        d_new = (0.5 * ((s - g_new) ** 2).sum(axis=0) + b) / (n / 2 + a - 1)
        change = max(np.max(np.abs(g_new - g_old) / g_old), np.max(np.abs(d_new - d_old) / d_old))
        g_old, d_old = g_new, d_new
        if not change > conv:  # sva: while (change > conv)
            return g_new, d_new, it
    raise StatsError("ComBat's empirical Bayes iteration did not converge")


def combat_reference(reference, batch, *, mean_only: bool = False) -> ComBatFit:
    """Adjust ``batch`` onto ``reference`` by empirical Bayes location/scale (reference-batch ComBat).

    Parameters
    ----------
    reference, batch : 2-D arrays, samples x markers (the same markers in the same order)
        The reference (training) batch and the batch to adjust; no missing values.
    mean_only : bool
        Adjust the location only (as ``sva::ComBat(mean.only = TRUE)``; forced for a batch of one sample).
        With a single marker there is no empirical Bayes prior: the batch's own location (and scale) are
        removed without shrinkage (the L/S fallback in the module docstring; ``empirical_bayes=False``).

    Returns
    -------
    ComBatFit
        ``adjusted`` (batch on the reference's scale), the reference means/SDs and the batch estimates.

    Notes
    -----
    R: ``sva::ComBat(t(rbind(reference, batch)), batch = rep(c("ref", "b"), ...), ref.batch = "ref")``;
    checked against sva 3.46.0 in tests/data/R/external_combat.R.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(40, 5))
    >>> new = rng.normal(size=(30, 5)) * 2.0 + 1.5  # shifted and scaled
    >>> fit = combat_reference(ref, new)
    >>> round(float(np.abs(new.mean(axis=0) - ref.mean(axis=0)).max()), 1)  # before
    1.8
    >>> bool(np.abs(fit.adjusted.mean(axis=0) - ref.mean(axis=0)).max() < 0.2)  # after (shrunk towards 0)
    True
    """
    ref, x = _matrix(reference, "reference"), _matrix(batch, "batch")
    if ref.shape[1] != x.shape[1]:
        raise StatsError(f"reference has {ref.shape[1]} markers and batch {x.shape[1]}; give the same markers")
    if ref.shape[0] < 2 or x.shape[0] < 1:
        raise StatsError("ComBat needs at least 2 reference samples and 1 sample in the batch")
    if ref.shape[1] == 0:
        raise StatsError("ComBat needs at least 1 marker")
    eb = ref.shape[1] >= 2
    if not eb and x.shape[0] < 2:
        raise StatsError("with one marker ComBat has no prior to shrink towards, and a batch of one sample would be "
                         "moved onto the reference mean exactly: it needs at least 2 samples in the batch")
    alpha = ref.mean(axis=0)
    sd = np.sqrt(((ref - alpha) ** 2).mean(axis=0))
    if np.any(sd == 0):
        raise StatsError("a marker is constant in the reference batch; ComBat cannot standardise it")
    s = (x - alpha) / sd
    mean_only = mean_only or x.shape[0] == 1
    g_hat = s.mean(axis=0)
    d_hat = np.ones(s.shape[1]) if mean_only else s.var(axis=0, ddof=1)
    if not eb:  # one marker: no prior across markers, the L/S adjustment without shrinkage
        d_hat = np.ones(1) if mean_only else s.var(axis=0, ddof=1)
        if not np.all(d_hat > 0):
            raise StatsError("the marker is constant in the batch; ComBat cannot scale it (use mean_only)")
        adjusted = (s - g_hat) / np.sqrt(d_hat) * sd + alpha
        return ComBatFit(adjusted=adjusted, ref_mean=alpha, ref_sd=sd, gamma_hat=g_hat, delta_hat=d_hat,
                         gamma_star=g_hat.copy(), delta_star=d_hat.copy(), mean_only=bool(mean_only), iterations=0,
                         empirical_bayes=False)
    g_bar, t2 = float(g_hat.mean()), float(g_hat.var(ddof=1))
    if mean_only:
        g_star = (t2 * g_hat + g_bar) / (t2 + 1.0)
        d_star, it = np.ones_like(g_hat), 0
    else:
        m, s2 = float(d_hat.mean()), float(d_hat.var(ddof=1))
        if s2 == 0:
            raise StatsError("the batch variances are identical across markers: ComBat's inverse-gamma prior is "
                             "undefined; use mean_only")
        a, b = (2 * s2 + m**2) / s2, (m * s2 + m**3) / s2
        g_star, d_star, it = _it_sol(s, g_hat, d_hat, g_bar, t2, a, b)
    adjusted = (s - g_star) / np.sqrt(d_star) * sd + alpha
    return ComBatFit(adjusted=adjusted, ref_mean=alpha, ref_sd=sd, gamma_hat=g_hat, delta_hat=d_hat,
                     gamma_star=g_star, delta_star=d_star, mean_only=bool(mean_only), iterations=int(it))
