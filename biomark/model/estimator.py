""":class:`PanelModel`: the scikit-learn facade that adapts the input, fits the preprocessing
(:class:`~biomark.preprocess.MedianImputer`, :class:`~biomark.preprocess.ZScore`) on the training
rows and hands the z-scores to one fitter per method (:mod:`.rules`, :mod:`.fitted`)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from biomark.panel import Panel, load_panel
from biomark.preprocess import MedianImputer, ZScore

from . import files, fitted, rules
from ._base import (
    FIXED_RULES,
    LINEAR_METHODS,
    METHODS,
    PENALTIES,
    ModelInputError,
    Training,
    blas_single_thread,
    matrix_score,
)
from .data import binary_target, fit_matrix, score_matrix, survival_target

_FITTERS: dict[str, Callable[[Any, Training], None]] = {
    "signed_z": rules.fit_signed_z, "weights": rules.fit_weights, "boolean": rules.fit_boolean,
    "logistic": fitted.fit_logistic, "cox": fitted.fit_cox, "estimator": fitted.fit_estimator,
}


def _has_proba(model: PanelModel) -> bool:
    """``predict_proba`` exists for every method but ``cox`` (a risk score has no class probability)."""
    method = getattr(model, "method_", None) or ("estimator" if model.estimator is not None else model.method)
    if method == "cox":
        raise AttributeError("a Cox model gives a risk score (its linear predictor, panel_score), not class "
                             "probabilities")
    return True


class PanelModel(ClassifierMixin, BaseEstimator):
    """A biomarker panel's score as a scikit-learn classifier (or, ``method="cox"``, a risk model).

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.Panel`, a catalog id or a spec path; ``None`` for a model on
        anonymous features (signs from ``directions``, weights from ``weights``).
    method
        ``"signed_z"``, ``"weights"``, ``"logistic"``, ``"boolean"`` or ``"cox"`` (``y`` = time and
        event); ``None``: the panel's ``scoring.rule`` (``"signed_z"`` without a panel). Ignored
        when ``estimator`` is given.
    endpoint
        Endpoint id whose directions sign the score; default the panel's ``scoring.endpoint``.
    penalty
        ``"l2"``, ``"l1"``, ``"elasticnet"`` or ``None`` (plain maximum likelihood), for ``logistic``;
        ``"l2"`` (ridge) or ``None`` for ``cox``.
    Cs, l1_ratios, inner_cv
        Grid of inverse penalty strengths (an int: that many on a log scale from 1e-4 to 1e4), of
        elastic-net mixing values, and the number of inner folds, for penalised fits.
    estimator
        Any scikit-learn classifier, fitted on the imputed z-scores.
    random_state
        Seeds the shuffling of the inner CV folds and stochastic solvers.
    directions, weights
        Marker -> direction (``"up"``/``"down"``/``"risk"``/``"protective"`` or ±1/0) or weight,
        overriding the panel (without a panel: sequences in column order; default signs +1).
    weights_on
        ``"levels"`` (default) or ``"z"``: what the published weights multiply.
    positive_class
        The label of ``y`` that the score predicts; default the panel endpoint's
        ``positive_class`` when ``y`` holds it, else 1/True, else the last sorted label.
    impute, calibrate, max_iter
        Fill missing values with the training median (else they are an error); recalibrate the
        fixed rules' score into a probability when ``y`` is given; solver iterations (logistic).

    Attributes
    ----------
    markers_ : list of str
        The features used, in order (the panel's markers found in ``X``, in panel order).
    classes_, positive_class_, positive_index_
        The sorted labels of ``y`` (``decision_function > 0`` leans to ``classes_[1]``), the label
        the score predicts and its position.
    medians_, mean_, scale_ : ndarray
        Training medians (imputation), means and SDs (z-scores, ``ddof=1``) per marker.
    coef_, intercept_
        Coefficients on the z-scores, oriented toward the positive class (or higher risk), and
        the intercept (linear methods); ``coef_ / scale_`` is per unit of level.
    method_ : str
        The method used (``"estimator"`` for ``estimator=``).
    calibration_ : tuple of float or None
        ``(a, b)`` of the fixed rules' recalibration ``P = expit(a + b · score)``.
    warnings_ : list of str
        Facts worth reporting (markers missing, directions unset, slope clipped, ...).
    """

    def __init__(self, panel: Any = None, method: str | None = None, endpoint: str | None = None,
                 penalty: str | None = "l2", Cs: int | Sequence[float] = 10,
                 l1_ratios: Sequence[float] = (0.1, 0.5, 0.9), inner_cv: int = 5, estimator: Any = None,
                 random_state: int | None = None, directions: Mapping[str, Any] | Sequence[Any] | None = None,
                 weights: Mapping[str, float] | Sequence[float] | None = None, weights_on: str = "levels",
                 positive_class: Any = None, impute: bool = True, calibrate: bool = True,
                 max_iter: int = 1000) -> None:
        self.panel = panel
        self.method = method
        self.endpoint = endpoint
        self.penalty = penalty
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.inner_cv = inner_cv
        self.estimator = estimator
        self.random_state = random_state
        self.directions = directions
        self.weights = weights
        self.weights_on = weights_on
        self.positive_class = positive_class
        self.impute = impute
        self.calibrate = calibrate
        self.max_iter = max_iter

    def __sklearn_clone__(self) -> PanelModel:
        """``sklearn.base.clone`` without deep-copying the panel spec.

        The :class:`~biomark.panel.Panel` is a frozen pydantic model that no fit changes; copying it
        (~0.8 ms, ~290 objects) was the largest fixed cost of a bootstrap replicate. Every other
        parameter is cloned as scikit-learn does (``clone(param, safe=False)``).
        """
        params = {k: v if k == "panel" and isinstance(v, Panel) else clone(v, safe=False)
                  for k, v in self.get_params(deep=False).items()}
        new = type(self)(**params)
        for attr in ("_metadata_request", "_sklearn_output_config"):
            if attr in self.__dict__:
                setattr(new, attr, copy.deepcopy(self.__dict__[attr]))
        return new

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.impute)
        tags.classifier_tags.multi_class = False
        method = "estimator" if self.estimator is not None else (self.method or "signed_z")
        # the fixed rules do not learn from y: accuracy on arbitrary toy data is not their job
        tags.classifier_tags.poor_score = method in FIXED_RULES
        return tags

    def fit(self, X: Any, y: Any = None) -> PanelModel:
        """Fit imputation, z-scoring and the scoring rule on these rows.

        ``X``: a DataFrame of levels with marker columns (names matched to the panel's canonical
        ids; other columns are ignored), an array whose columns are the panel's markers in panel
        order, or a :class:`~biomark.Cohort` (converted with :meth:`Cohort.levels` first).
        ``y``: binary labels (optional for the fixed rules), or (time, event) for ``cox``.
        """
        with blas_single_thread(X):
            return self._fit(X, y)

    def _fit(self, X: Any, y: Any) -> PanelModel:
        panel = None if self.panel is None else self.panel if isinstance(self.panel, Panel) else load_panel(self.panel)
        method = _method(self, panel)
        warn: list[str] = []
        arr, markers = fit_matrix(self, X, panel, warn)
        self.markers_, self.method_, self.panel_ = markers, method, panel
        self.endpoint_ = _endpoint_id(self, panel)
        y01 = surv = None
        if method == "cox":
            surv = survival_target(y, arr.shape[0])
        elif y is not None:
            y01 = binary_target(self, y, panel, arr.shape[0])
        elif method in ("logistic", "estimator"):
            raise ModelInputError(f"PanelModel with method '{method}' requires y to be passed, but the target y is "
                                  "None: pass binary labels to fit")
        tr = _preprocess(self, arr, markers, panel, warn)
        tr.y01, tr.survival = y01, surv
        self.calibration_ = self.conditions_ = self.estimator_ = None
        self.n_iter_ = 1  # fixed rules: one pass; iterative fits overwrite it with their solver's count
        _FITTERS[method](self, tr)
        self._compile()
        if y01 is not None and ((method in FIXED_RULES and self.calibrate) or (
                method == "estimator" and not hasattr(self.estimator_, "predict_proba"))):
            self.calibration_ = rules.fit_recalibration(self._decision(arr), y01, warn)
        self.warnings_ = warn
        return self

    def _compile(self) -> None:
        """Effective weights on the imputed levels: ``score = x @ w + b`` (linear methods)."""
        self._w, self._b = None, 0.0
        if hasattr(self, "coef_") and self.method_ in LINEAR_METHODS:
            w = self.coef_ / self.scale_
            self._w, self._b = np.ascontiguousarray(w), float(self.intercept_ - self.mean_ @ w)

    def _decision(self, arr: np.ndarray) -> np.ndarray:
        if self._w is not None:
            # summed marker by marker (not a BLAS product), so a row's score has the same bits
            # whatever the number of rows or threads; only rows whose score is not finite (NaN to
            # impute, or inf to reject) are looked at again
            score = matrix_score(arr, self._w, self._b)
            bad = np.flatnonzero(~np.isfinite(score))
            if bad.size:
                score[bad] = matrix_score(self._fill(arr[bad], bad), self._w, self._b)
            return score
        arr = self._fill(arr, None)
        if self.method_ == "boolean":
            return rules.boolean_score(arr, self.conditions_, self.combine_)
        z = (arr - self.mean_) / self.scale_
        if hasattr(self.estimator_, "decision_function"):
            return np.asarray(self.estimator_.decision_function(z), dtype=np.float64).reshape(-1)
        return np.asarray(self.estimator_.predict_proba(z)[:, 1], dtype=np.float64)

    def _fill(self, arr: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Training medians in place of NaN; an infinite value is an error naming row and marker."""
        from biomark.model.applied import fill_medians

        return fill_medians(arr, rows, self.medians_, self.markers_, self.impute)

    def panel_score(self, X: Any) -> np.ndarray:
        """The panel score, oriented by the spec: larger means the positive class (or higher risk).

        What reports and ``biomark score`` show. A C-ordered float64 ndarray whose columns are
        ``markers_`` takes a fast path, for scoring chunks of large files.
        """
        return self._decision(score_matrix(self, X))

    def decision_function(self, X: Any) -> np.ndarray:
        """scikit-learn's decision function: larger leans to ``classes_[1]``.

        :meth:`panel_score`, negated when the positive class sorts first among string labels
        (e.g. ``radioresistant`` < ``radiosensitive``), as scikit-learn's scorers assume.
        """
        score = self._decision(score_matrix(self, X))
        return -score if getattr(self, "positive_index_", 1) == 0 else score

    def _positive_proba(self, arr: np.ndarray) -> np.ndarray:
        if not hasattr(self, "classes_"):
            raise NotFittedError("this PanelModel was fitted without y: it has a score but no probabilities; "
                                 "fit with binary labels to get predict_proba")
        if self.method_ == "logistic":
            return expit(self._decision(arr))
        if self.method_ == "estimator" and hasattr(self.estimator_, "predict_proba"):
            z = (self._fill(arr, None) - self.mean_) / self.scale_
            return np.asarray(self.estimator_.predict_proba(z)[:, 1], dtype=np.float64)
        if self.calibration_ is not None:
            a, b = self.calibration_
            return expit(a + b * self._decision(arr))
        raise NotFittedError("no probability model: fit with y and calibrate=True")

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` per row (logistic, estimator, or recalibrated rule)."""
        check_is_fitted(self, "markers_")
        p = self._positive_proba(score_matrix(self, X))
        return np.column_stack([p, 1.0 - p] if self.positive_index_ == 0 else [1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The positive class where its probability exceeds 0.5, else the other class."""
        check_is_fitted(self, "markers_")
        if not hasattr(self, "classes_"):
            raise NotFittedError("this PanelModel was fitted without y: it has no class labels")
        arr = score_matrix(self, X)
        if self.method_ == "estimator" and not hasattr(self.estimator_, "predict_proba") and self.calibration_ is None:
            pos = self._decision(arr) > 0
        else:
            pos = self._positive_proba(arr) > 0.5
        return self.classes_[np.where(pos, self.positive_index_, 1 - self.positive_index_)]

    def n_imputed(self, X: Any) -> np.ndarray:
        """Per row, how many of the model's markers are missing in ``X`` (filled with the training median)."""
        return np.isnan(score_matrix(self, X)).sum(axis=1)

    def score_frame(self, levels: pd.DataFrame) -> pd.DataFrame:
        """Score a DataFrame of levels: columns ``score``, ``probability`` (when available), ``n_imputed``."""
        arr = score_matrix(self, levels)
        out = pd.DataFrame({"score": self._decision(arr)}, index=levels.index)
        if hasattr(self, "classes_") and (self.method_ in ("logistic", "estimator") or self.calibration_ is not None):
            out["probability"] = self._positive_proba(arr)
        out["n_imputed"] = np.isnan(arr).sum(axis=1)
        return out

    def score_cohort(self, cohort: Any) -> pd.DataFrame:
        """Score a :class:`~biomark.Cohort`: its values are converted by :meth:`Cohort.levels` first."""
        check_is_fitted(self, "markers_")
        present = [m for m in self.markers_ if m in cohort.expression.columns]
        if not present:
            raise ModelInputError(f"cohort '{cohort.name}' has none of the model's markers "
                                  f"({', '.join(self.markers_[:6])})")
        return self.score_frame(cohort.levels(self.panel_, markers=present).reindex(columns=self.markers_))

    def save(self, path: str | Path, *, conversion: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted model (:mod:`biomark.model.files`): JSON for built-in methods, a joblib
        pickle for ``estimator=``; ``conversion`` is the assay-conversion record ``biomark score`` reads."""
        return files.save(self, path, conversion)

    @classmethod
    def load(cls, path: str | Path, *, trust: bool = False, panel: Any = None) -> PanelModel:
        """Read a model written by :meth:`save`: JSON without running code; a joblib pickle only with
        ``trust=True`` (unpickling runs code from the file). With ``panel``, its content hash must match."""
        return files.load(cls, path, trust=trust, panel=panel)


def _preprocess(model: PanelModel, arr: np.ndarray, markers: list[str], panel: Any, warn: list[str]) -> Training:
    """Training-median imputation (MedianImputer), then z-scores (ZScore), fitted on these rows only."""
    nan = np.isnan(arr)
    if nan.any() and not model.impute:
        r, c = np.argwhere(nan)[0]
        raise ModelInputError(f"missing value in row {r} of marker '{markers[c]}' and impute=False; "
                              "set impute=True (training median) or remove the sample")
    imputer = MedianImputer().fit_array(arr)
    filled = imputer.transform_array(arr)
    scaler = ZScore().fit_array(filled)
    usable = np.ones(arr.shape[1], dtype=bool)
    usable[imputer.empty_features_] = False
    warn.extend(f"marker '{markers[j]}' has no observed value in the training rows: weight 0"
                for j in imputer.empty_features_)
    warn.extend(f"marker '{markers[j]}' is constant in the training rows (z-score 0)"
                for j in scaler.constant_features_ if usable[j])
    usable[scaler.constant_features_] = False
    model.medians_, model.mean_, model.scale_ = imputer.medians_, scaler.mean_, scaler.scale_
    return Training(arr, scaler.transform_array(filled), markers, imputer.medians_, usable, panel, warnings=warn)


def _method(model: PanelModel, panel: Any) -> str:
    """The method to fit: ``"estimator"`` for ``estimator=``, else ``method`` or the panel's rule."""
    if model.estimator is not None:
        if model.method not in (None, "estimator"):
            raise ModelInputError(f"give either method='{model.method}' or estimator=, not both")
        return "estimator"
    method = model.method or (panel.scoring.rule if panel is not None else "signed_z")
    if method not in METHODS:
        raise ModelInputError(f"method '{method}' is not known; use one of: {', '.join(METHODS)} "
                              "(or estimator= for any scikit-learn classifier)")
    if method == "logistic" and model.penalty not in PENALTIES:
        raise ModelInputError(f"penalty '{model.penalty}' is not known; use 'l2', 'l1', 'elasticnet' or None")
    if method == "boolean" and panel is None:
        raise ModelInputError("method 'boolean' needs a panel with scoring conditions")
    return method


def _endpoint_id(model: PanelModel, panel: Any) -> str | None:
    if panel is None:
        return model.endpoint
    eid = model.endpoint or panel.scoring.endpoint
    try:
        return panel.endpoint(eid).id
    except KeyError:
        raise ModelInputError(f"panel '{panel.id}' has no endpoint '{eid}'; endpoints are: "
                              f"{', '.join(panel.endpoint_ids)}") from None
