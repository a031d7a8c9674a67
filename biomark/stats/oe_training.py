"""O:E at a horizon with the training fit's uncertainty added to the validation cohort's sampling error.

O:E at t = O / E with O = 1 - KM(t) in the validation cohort and E the mean predicted risk of its rows
under the model fitted on the TRAINING cohort. The usual CI (:func:`biomark.stats.calibration_at`) takes
SE(log O) from the Kaplan-Meier (Greenwood) variance and treats E as fixed, but E carries the estimation
error of the training fit (its coefficients and Breslow baseline hazard). The training and validation
samples are independent, so

    Var(log O:E) = Var(log O) + Var(log E),

with Var(log E) estimated by the nonparametric bootstrap of the training fit (Efron & Tibshirani 1993,
ch. 6): resample the training rows with replacement B times, refit the model (and its baseline hazard) on
each resample, predict the validation rows, and take the sample variance (B - 1) of log E_b. The CI is
``O:E x exp(+-z SE)`` on the log scale, as Debray et al. 2017 (BMJ 356:i6460) for O:E.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as _st

from ._errors import StatsError
from ._result import Result

__all__ = ["OETrainingError", "oe_with_training_error"]


@dataclass(frozen=True, eq=False)
class OETrainingError(Result):
    """O:E per horizon with the validation-only and the combined SE of its log.

    Attributes
    ----------
    oe : numpy.ndarray
        O:E per horizon (unchanged).
    se_log_validation : numpy.ndarray
        SE(log O:E) of the validation cohort's sampling error only (the input).
    se_log_training : numpy.ndarray
        Bootstrap SE of log E (the training fit's uncertainty).
    se_log : numpy.ndarray
        sqrt(se_log_validation^2 + se_log_training^2).
    lower, upper : numpy.ndarray
        ``oe x exp(-+ z se_log)``.
    n_boot : int
        Bootstrap fits used.
    """

    oe: np.ndarray = field(repr=False)
    se_log_validation: np.ndarray = field(repr=False)
    se_log_training: np.ndarray = field(repr=False)
    se_log: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    n_boot: int
    ci: float


def oe_with_training_error(oe: Any, se_log_validation: Any, expected_boot: Any, *, ci: float = 0.95) -> OETrainingError:
    """Combine the validation cohort's SE(log O:E) with the bootstrap variance of log E.

    Parameters
    ----------
    oe, se_log_validation : array_like, shape (H,)
        O:E at each horizon and its SE on the log scale from the validation cohort alone.
    expected_boot : array_like, shape (B, H)
        Mean predicted risk of the validation rows at each horizon under each of B refits of the model on
        bootstrap resamples of the training rows (B >= 2; every value in (0, 1]).
    ci : float
        Level of the interval.

    Returns
    -------
    OETrainingError

    Notes
    -----
    ``se_log_training = sd(log expected_boot, ddof=1)`` per horizon; ``se_log = sqrt(se_v^2 + se_t^2)``
    (independent training and validation samples). No R function computes it; the test is a coverage
    simulation (tests/validate/test_oe_training_error.py).

    Examples
    --------
    >>> r = oe_with_training_error([1.0], [0.1], [[0.20], [0.22], [0.18], [0.21]])
    >>> round(float(r.se_log_training[0]), 4), round(float(r.se_log[0]), 4)
    (0.086, 0.1319)
    """
    oe = np.atleast_1d(np.asarray(oe, float))
    se_v = np.atleast_1d(np.asarray(se_log_validation, float))
    e = np.asarray(expected_boot, float)
    if e.ndim != 2 or e.shape[1] != oe.size or se_v.size != oe.size:
        raise StatsError("expected_boot must be B x H with H the number of O:E values (and of their SEs)")
    if e.shape[0] < 2:
        raise StatsError(f"the bootstrap of the training fit needs at least 2 refits, not {e.shape[0]}")
    if not (np.all(np.isfinite(e)) and np.all(e > 0)):
        raise StatsError("a bootstrap refit predicted a mean risk of 0 or a non-finite one; log E is undefined")
    if not 0 < ci < 1:
        raise StatsError(f"ci must be between 0 and 1, not {ci!r}")
    se_t = np.log(e).std(axis=0, ddof=1)
    se = np.sqrt(se_v**2 + se_t**2)
    z = float(_st.norm.ppf(0.5 + ci / 2))
    return OETrainingError(oe=oe, se_log_validation=se_v, se_log_training=se_t, se_log=se,
                           lower=oe * np.exp(-z * se), upper=oe * np.exp(z * se), n_boot=int(e.shape[0]), ci=ci)
