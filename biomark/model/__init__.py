"""PanelModel: a panel's scoring rule as a scikit-learn estimator, and model files.

Every method shares one preprocessing, fitted in :meth:`PanelModel.fit` on the rows it is given and
therefore leakage-free under cross-validation: missing values are filled with the training median
of their marker (``medians_``), then each marker is z-scored with the training mean and SD
(``mean_``, ``scale_``; SD with ``ddof=1``). On those z-scores:

``signed_z``
    ``score = Σ_j s_j z_j / K`` with ``s_j`` = +1 for ``up``/``risk``, −1 for ``down``/
    ``protective`` and 0 where the spec leaves the direction unset, and ``K`` the number of
    markers with a direction: the mean signed z-score. Needs no outcome.
``weights``
    The spec's published weights: ``score = Σ_j w_j x_j`` on the imputed levels
    (``weights_on="levels"``, the way published risk scores are written) or ``Σ_j w_j z_j``
    (``weights_on="z"``).
``logistic``
    Logistic regression on the z-scores; ``penalty`` ``"l2"``, ``"l1"`` or ``"elasticnet"`` with
    ``C`` (and the L1 ratio) chosen by inner stratified CV on the log-loss
    (:class:`~sklearn.linear_model.LogisticRegressionCV`), or ``penalty=None`` for a plain
    maximum-likelihood fit (equal to statsmodels' ``Logit``).
``boolean``
    1 when the spec's conditions hold (``all``/``any``), else 0: ``high`` means ``level > cutoff``,
    ``low`` means ``level ≤ cutoff``; a missing cutoff is the training median of the marker.
``cox``
    Cox proportional-hazards regression on the z-scores for a survival endpoint, Efron ties:
    ``penalty="l2"`` is ridge (``loglik - lam/2 ||beta||^2``, as ``survival::ridge``) with
    ``lam = 1/C`` chosen over ``Cs`` by inner k-fold CV of the partial likelihood (Verweij & van
    Houwelingen 1993); ``penalty=None`` is the plain fit of ``survival::coxph``. ``y`` is the
    pair (time, event), as a two-column array or DataFrame or a structured array with a boolean
    event field and a float time field (scikit-survival's ``Surv``). The score is the linear
    predictor, larger meaning higher risk; ``coef_ / scale_`` are the log hazard ratios per unit
    of each marker. It has no ``predict_proba``.
``estimator=``
    Any scikit-learn classifier, fitted on the z-scores.

For the fixed rules (``signed_z``, ``weights``, ``boolean``) :meth:`PanelModel.predict_proba` is
a logistic recalibration of the score fitted on the training rows when ``y`` is given
(``P(positive) = expit(a + b · score)``, unpenalised maximum likelihood by
:func:`biomark.stats.recalibration`). The slope is
kept ≥ 0 so that probabilities never reverse the spec's direction: when the training data go
against the spec, ``b = 0`` (the training prevalence) and ``warnings_`` says so.

Layout: :mod:`.estimator` (the :class:`PanelModel` facade), :mod:`.data` (input adaptation),
:mod:`.rules` (the fixed rules and their recalibration), :mod:`.fitted` (logistic, Cox,
``estimator=``), :mod:`.files` (model files).

Model files: :meth:`PanelModel.save` writes JSON for the built-in methods (every float written
with ``repr``, which round-trips exactly, so :meth:`PanelModel.load` reproduces predictions
bit for bit) and a joblib pickle for ``estimator=`` models, which :meth:`PanelModel.load` opens
only with ``trust=True`` because unpickling runs code stored in the file.
"""

from __future__ import annotations

from typing import Any

from ._base import (
    FORMAT,
    FORMAT_VERSION,
    LINEAR_METHODS,
    METHODS,
    PENALTIES,
    ModelInputError,
    linear_score,
)


def __getattr__(name: str) -> Any:
    """``PanelModel`` is imported on first use (PEP 562): it is a scikit-learn estimator, and
    scikit-learn costs 0.5-0.7 s of start-up that ``biomark score`` of a JSON model does not need
    (:mod:`biomark.model.applied` reads and applies model files with NumPy only)."""
    if name == "PanelModel":
        from .estimator import PanelModel

        return PanelModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FORMAT", "FORMAT_VERSION", "LINEAR_METHODS", "METHODS", "PENALTIES", "ModelInputError", "PanelModel",
           "linear_score"]
