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
(``P(positive) = expit(a + b · score)``, essentially unpenalised: ``C = 1e4``). The slope is
kept ≥ 0 so that probabilities never reverse the spec's direction: when the training data go
against the spec, ``b = 0`` (the training prevalence) and ``warnings_`` says so.

Model files: :meth:`PanelModel.save` writes JSON for the built-in methods (every float written
with ``repr``, which round-trips exactly, so :meth:`PanelModel.load` reproduces predictions
bit for bit) and a joblib pickle for ``estimator=`` models, which :meth:`PanelModel.load` opens
only with ``trust=True`` because unpickling runs code stored in the file.
"""

from __future__ import annotations

import functools
import json
import math
import platform
import warnings as _warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from biomark.errors import BiomarkError, InputError, ModelFileError

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)

METHODS = ("signed_z", "weights", "logistic", "boolean", "cox")
LINEAR_METHODS = ("signed_z", "weights", "logistic", "cox")
PENALTIES = ("l2", "l1", "elasticnet", None)
FORMAT = "biomark.panelmodel"
FORMAT_VERSION = 1
RECALIBRATION_C = 1e4


class ModelInputError(InputError, ValueError):
    """Bad data or settings given to :class:`PanelModel` (a ValueError for scikit-learn, a BiomarkError for the CLI)."""


class PanelModel(ClassifierMixin, BaseEstimator):
    """A biomarker panel's score as a scikit-learn classifier.

    Parameters
    ----------
    panel
        A :class:`~biomark.panel.Panel`, a catalog id or a spec path; ``None`` for a model on
        anonymous features (signs from ``directions``, weights from ``weights``).
    method
        ``"signed_z"``, ``"weights"``, ``"logistic"``, ``"boolean"`` or ``"cox"`` (survival
        endpoints; ``y`` = time and event); ``None``: the panel's
        ``scoring.rule`` (``"signed_z"`` without a panel). Ignored when ``estimator`` is given.
    endpoint
        Endpoint id whose directions sign the score; default the panel's ``scoring.endpoint``,
        else its first endpoint.
    penalty
        ``"l2"``, ``"l1"``, ``"elasticnet"`` or ``None`` (plain maximum likelihood), for ``logistic``;
        ``"l2"`` (ridge) or ``None`` for ``cox``.
    Cs, l1_ratios, inner_cv
        Grid of inverse penalty strengths (an int: that many on a log scale from 1e-4 to 1e4), of
        elastic-net mixing values, and the number of inner stratified folds, for penalised
        ``logistic``.
    estimator
        Any scikit-learn classifier, fitted on the imputed z-scores.
    random_state
        Seeds the shuffling of the inner CV folds and stochastic solvers.
    directions
        Marker -> ``"up"``/``"down"``/``"risk"``/``"protective"`` or ±1/0, overriding the panel
        (or, without a panel, a sequence of signs in column order; default all +1).
    weights
        Marker -> weight (or a sequence in column order), overriding the panel's weights.
    weights_on
        ``"levels"`` (default) or ``"z"``: what the published weights multiply.
    positive_class
        The label of ``y`` that the score predicts; default the panel endpoint's
        ``positive_class`` when ``y`` holds it, else 1/True, else the last sorted label.
    impute
        Fill missing values with the training median (else missing values are an error).
    calibrate
        Fit the logistic recalibration for ``predict_proba`` of the fixed rules when ``y`` is given.
    max_iter
        Solver iterations for the logistic fits.

    Attributes
    ----------
    markers_ : list of str
        The features used, in order (the panel's markers found in ``X``, in panel order).
    classes_ : ndarray of shape (2,)
        The labels of ``y``, sorted (scikit-learn's convention); ``decision_function > 0`` leans
        to ``classes_[1]``.
    positive_class_, positive_index_
        The label the score predicts and its position in ``classes_``.
    medians_, mean_, scale_ : ndarray
        Training medians (imputation), means and SDs (z-scores) per marker.
    coef_ : ndarray of shape (n_markers,)
        Per-marker coefficient on the z-score, oriented toward the positive class (linear
        methods; ``estimator=`` models that have one). ``coef_ / scale_`` is per unit of level.
    intercept_ : float
        Intercept of the linear score.
    method_ : str
        The method used (``"estimator"`` for ``estimator=``).
    calibration_ : tuple of float or None
        ``(a, b)`` of the recalibration of fixed rules.
    warnings_ : list of str
        Facts worth reporting (markers missing, directions unset, slope clipped, ...).
    """

    def __init__(
        self,
        panel: Any = None,
        method: str | None = None,
        endpoint: str | None = None,
        penalty: str | None = "l2",
        Cs: int | Sequence[float] = 10,
        l1_ratios: Sequence[float] = (0.1, 0.5, 0.9),
        inner_cv: int = 5,
        estimator: Any = None,
        random_state: int | None = None,
        directions: Mapping[str, Any] | Sequence[Any] | None = None,
        weights: Mapping[str, float] | Sequence[float] | None = None,
        weights_on: str = "levels",
        positive_class: Any = None,
        impute: bool = True,
        calibrate: bool = True,
        max_iter: int = 1000,
    ) -> None:
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

    # --- scikit-learn plumbing ----------------------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.impute)
        tags.classifier_tags.multi_class = False
        method = "estimator" if self.estimator is not None else (self.method or "signed_z")
        # the fixed rules do not learn from y: accuracy on arbitrary toy data is not their job
        tags.classifier_tags.poor_score = method in ("signed_z", "weights", "boolean")
        return tags

    # --- fit ----------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> PanelModel:
        """Fit imputation, z-scoring and the scoring rule on these rows.

        ``X``: a DataFrame of levels with marker columns (names matched to the panel's canonical
        ids; other columns are ignored), an array whose columns are the panel's markers in panel
        order, or a :class:`~biomark.Cohort` (converted with :meth:`Cohort.levels` first).
        ``y``: binary labels; optional for ``signed_z``/``weights``/``boolean``.
        """
        # panels are small: BLAS threads only add contention to the tiny solver steps (L-BFGS
        # iterations ran ~4x slower with OpenBLAS threading on a busy 2-core machine)
        with _blas_single_thread(X):
            return self._fit(X, y)

    def _fit(self, X: Any, y: Any) -> PanelModel:
        panel = self._panel()
        method = self._method(panel)
        warn: list[str] = []
        arr, markers = self._fit_matrix(X, panel, warn)
        self.markers_ = markers
        self.method_ = method
        self.panel_ = panel
        self.endpoint_ = self._endpoint_id(panel)

        y01 = None
        surv = None
        if method == "cox":
            if y is None:
                raise ModelInputError("PanelModel with method 'cox' requires y: pass (time, event) as a two-column "
                                      "array or a structured array with 'event' and 'time' fields")
            surv = _survival_target(y, arr.shape[0])
        elif y is not None:
            y01 = self._encode_y(y, panel, arr.shape[0])
        elif method in ("logistic", "estimator"):
            raise ModelInputError(f"PanelModel with method '{method}' requires y to be passed, but the target y is "
                                  "None: pass binary labels to fit")

        # preprocessing fitted on these rows only
        nan = np.isnan(arr)
        if nan.any() and not self.impute:
            r, c = np.argwhere(nan)[0]
            raise ModelInputError(f"missing value in row {r} of marker '{markers[c]}' and impute=False; "
                                  "set impute=True (training median) or remove the sample")
        observed = ~nan
        has = observed.any(axis=0)
        med = np.zeros(arr.shape[1])
        if has.any():
            with np.errstate(all="ignore"):
                # np.median on complete data: the same value, without nanmedian's per-column loop
                med[has] = np.nanmedian(arr[:, has], axis=0) if nan.any() else np.median(arr, axis=0)
        for j in np.flatnonzero(~has):
            warn.append(f"marker '{markers[j]}' has no observed value in the training rows: weight 0")
        filled = np.where(nan, med, arr) if nan.any() else arr
        mean = filled.mean(axis=0)
        if filled.shape[0] > 1:
            sd = np.sqrt(((filled - mean) ** 2).sum(axis=0) / (filled.shape[0] - 1))
        else:
            sd = np.zeros(filled.shape[1])
        const = ~(sd > 1e-12 * np.maximum(1.0, np.abs(mean)))
        sd = np.where(const, 1.0, sd)
        for j in np.flatnonzero(const & has):
            warn.append(f"marker '{markers[j]}' is constant in the training rows (z-score 0)")
        self.medians_ = med
        self.mean_ = mean
        self.scale_ = sd
        z = (filled - mean) / sd

        self.calibration_ = None
        self.conditions_ = None
        self.estimator_ = None
        self.n_iter_ = 1  # fixed rules: one pass; iterative fits overwrite it with their solver's count
        if method == "signed_z":
            signs = self._signs(panel, markers, warn)
            signs = np.where(has & ~const, signs, 0.0) if (~has | const).any() else signs
            k = int(np.count_nonzero(signs))
            if k == 0:
                raise ModelInputError("signed_z: no marker has a direction for endpoint "
                                      f"'{self.endpoint_}' (and a non-constant value); nothing to score")
            self.coef_ = signs / k
            self.intercept_ = 0.0
        elif method == "weights":
            w = self._weights(panel, markers)
            if self.weights_on == "levels":
                self.coef_ = w * sd
                self.intercept_ = float(w @ mean)
            elif self.weights_on == "z":
                self.coef_ = w.copy()
                self.intercept_ = 0.0
            else:
                raise ModelInputError(f"weights_on='{self.weights_on}' must be 'levels' or 'z'")
        elif method == "logistic":
            self._fit_logistic(z, y01, warn)
        elif method == "boolean":
            self._fit_boolean(panel, markers, med)
        elif method == "cox":
            self._fit_cox(z, surv, has & ~const, markers)
        else:  # estimator
            est = clone(self.estimator)
            est.fit(z, y01)
            self.estimator_ = est
            self.n_iter_ = max(1, int(np.max(getattr(est, "n_iter_", 1))))
            c = getattr(est, "coef_", None)
            if c is not None and np.ndim(c) == 2 and np.shape(c) == (1, len(markers)):
                self.coef_ = np.asarray(c[0], dtype=np.float64)
                self.intercept_ = float(np.ravel(getattr(est, "intercept_", [0.0]))[0])
        self._compile()
        if y01 is not None and self.calibrate and method in ("signed_z", "weights", "boolean"):
            self._fit_calibration(self._decision(arr), y01, warn)
        if y01 is not None and method == "estimator" and not hasattr(self.estimator_, "predict_proba"):
            self._fit_calibration(self._decision(arr), y01, warn)
        self.warnings_ = warn
        return self

    def _panel(self) -> Any:
        if self.panel is None:
            return None
        from biomark.panel import Panel, load_panel

        return self.panel if isinstance(self.panel, Panel) else load_panel(self.panel)

    def _method(self, panel: Any) -> str:
        if self.estimator is not None:
            if self.method not in (None, "estimator"):
                raise ModelInputError(f"give either method='{self.method}' or estimator=, not both")
            return "estimator"
        method = self.method or (panel.scoring.rule if panel is not None else "signed_z")
        if method not in METHODS:
            raise ModelInputError(f"method '{method}' is not known; use one of: {', '.join(METHODS)} "
                                  "(or estimator= for any scikit-learn classifier)")
        if method == "logistic" and self.penalty not in PENALTIES:
            raise ModelInputError(f"penalty '{self.penalty}' is not known; use 'l2', 'l1', 'elasticnet' or None")
        if method == "boolean" and panel is None:
            raise ModelInputError("method 'boolean' needs a panel with scoring conditions")
        return method

    def _endpoint_id(self, panel: Any) -> str | None:
        if panel is None:
            return self.endpoint
        eid = self.endpoint or panel.scoring.endpoint
        try:
            return panel.endpoint(eid).id
        except KeyError:
            raise ModelInputError(f"panel '{panel.id}' has no endpoint '{eid}'; endpoints are: "
                                  f"{', '.join(panel.endpoint_ids)}") from None

    def _fit_matrix(self, X: Any, panel: Any, warn: list[str]) -> tuple[np.ndarray, list[str]]:
        if panel is None:
            arr = _validate_data(self, X, reset=True, dtype=np.float64,
                                 ensure_all_finite="allow-nan" if self.impute else True)
            names = getattr(self, "feature_names_in_", None)
            markers = [str(n) for n in names] if names is not None else [f"x{i}" for i in range(arr.shape[1])]
            return arr, markers
        ids = panel.marker_ids
        if _is_cohort(X):
            X = X.levels(panel)
        elif isinstance(X, pd.DataFrame) and panel.assay == "qpcr_ct" and "conversion" not in X.attrs:
            vals = X.loc[:, [c for c in X.columns if c in ids]].to_numpy(dtype=np.float64, na_value=np.nan)
            fin = vals[np.isfinite(vals)]
            if fin.size and fin.min() >= 8 and fin.max() <= 45:
                warn.append("the values look like raw Ct (all between 8 and 45) but a Ct falls as expression "
                            "rises: fit on cohort.levels(panel) (−ΔCt), or pass the Cohort itself")
        if isinstance(X, pd.DataFrame):
            cols = [str(c) for c in X.columns]
            present = [m for m in ids if m in cols]
            if not present:
                raise ModelInputError(
                    f"none of the markers of panel '{panel.id}' ({', '.join(ids[:6])}) is a column of X "
                    f"(columns: {', '.join(cols[:6])}); pass Cohort.levels(panel) or rename the columns")
            missing = [m for m in ids if m not in cols]
            if missing:
                warn.append(f"{len(missing)} panel marker(s) not in the data, left out: {', '.join(missing)}")
            arr = _frame_matrix(X if cols == present else X.loc[:, present])
            self.feature_names_in_ = np.asarray(present, dtype=object)
            self.n_features_in_ = len(present)
            return arr, present
        arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        if arr.shape[1] != len(ids):
            raise ModelInputError(f"X has {arr.shape[1]} columns but panel '{panel.id}' has {len(ids)} markers; "
                                  f"give the columns in panel order ({', '.join(ids[:6])}) or pass a DataFrame")
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = arr.shape[1]
        return arr, list(ids)

    def _encode_y(self, y: Any, panel: Any, n: int) -> np.ndarray:
        if panel is not None and self._endpoint_kind(panel) not in ("binary", None):
            raise ModelInputError(f"endpoint '{self._endpoint_id(panel)}' of panel '{panel.id}' is not binary; "
                                  "fit without y to get the panel score (use biomark.validate for survival)")
        y_arr = np.asarray(y)
        if y_arr.ndim == 2 and y_arr.shape[1] == 1:
            y_arr = column_or_1d(y_arr, warn=True)
        if y_arr.ndim != 1 or y_arr.shape[0] != n:
            raise ModelInputError(f"y has shape {y_arr.shape} but X has {n} rows; give one label per row")
        if y_arr.dtype == object and pd.isna(pd.Series(y_arr)).any() or (
                y_arr.dtype.kind == "f" and np.isnan(y_arr).any()):
            raise ModelInputError("y has missing labels; drop those samples or label them")
        classes = np.unique(y_arr)
        if not (classes.size == 2 and y_arr.dtype.kind in "biuf"):  # two numeric labels are always binary
            check_classification_targets(y_arr)
        if classes.size != 2:
            if classes.size < 2:
                raise ModelInputError(f"y has only one class ({classes[0]!r}); PanelModel needs two classes")
            kind = type_of_target(y_arr)
            raise ModelInputError(f"y has {classes.size} classes ({kind}). Only binary classification is supported.")
        pos = self._positive(classes, panel)
        self.classes_ = classes  # sorted, as scikit-learn's scorers expect
        self.positive_index_ = int(np.flatnonzero(classes == pos)[0])
        self.positive_class_ = pos
        return (y_arr == pos).astype(np.float64)

    def _endpoint_kind(self, panel: Any) -> str | None:
        try:
            return panel.endpoint(self.endpoint or panel.scoring.endpoint).kind
        except KeyError:
            return None

    def _positive(self, classes: np.ndarray, panel: Any) -> Any:
        listed = list(classes)
        if self.positive_class is not None:
            for c in listed:
                if c == self.positive_class or str(c) == str(self.positive_class):
                    return c
            raise ModelInputError(f"positive_class={self.positive_class!r} is not a label of y "
                                  f"({', '.join(map(repr, listed))})")
        if panel is not None:
            ep = panel.endpoint(self.endpoint or panel.scoring.endpoint)
            label = getattr(ep, "positive_class", None)
            for c in listed:
                if isinstance(c, str) and label is not None and c == label:
                    return c
            negative = getattr(ep, "negative_class", None)
            for c in listed:
                if isinstance(c, str) and negative is not None and c == negative:
                    return classes[0] if classes[1] == c else classes[1]
        for c in listed:
            if c is True or (not isinstance(c, str) and c == 1):
                return c
        return classes[1]

    def _signs(self, panel: Any, markers: list[str], warn: list[str]) -> np.ndarray:
        table = {"up": 1.0, "risk": 1.0, "down": -1.0, "protective": -1.0, None: 0.0}
        if self.directions is not None:
            d = self.directions
            if isinstance(d, Mapping):
                raw = [d.get(m, None if panel is not None else 1) for m in markers]
            else:
                raw = list(d)
                if len(raw) != len(markers):
                    raise ModelInputError(f"directions has {len(raw)} entries for {len(markers)} markers")
            signs = []
            for m, v in zip(markers, raw, strict=True):
                if isinstance(v, str) or v is None:
                    if v not in table:
                        raise ModelInputError(f"direction {v!r} of '{m}' must be up, down, risk, protective or None")
                    signs.append(table[v])
                else:
                    signs.append(float(np.sign(v)))
            out = np.asarray(signs, dtype=np.float64)
        elif panel is not None:
            s = panel.signs(self.endpoint_)
            out = np.asarray([float(s[m]) for m in markers], dtype=np.float64)
        else:
            out = np.ones(len(markers))
        for m, v in zip(markers, out, strict=True):
            if v == 0:
                warn.append(f"marker '{m}' has no direction for endpoint '{self.endpoint_}': weight 0 in signed_z")
        return out

    def _weights(self, panel: Any, markers: list[str]) -> np.ndarray:
        if self.weights is not None:
            w = self.weights
            if isinstance(w, Mapping):
                absent = [m for m in markers if m not in w]
                if absent:
                    raise ModelInputError(f"weights has no entry for: {', '.join(absent)}")
                return np.asarray([float(w[m]) for m in markers])
            vals = np.asarray(list(w), dtype=np.float64)
            if vals.shape != (len(markers),):
                raise ModelInputError(f"weights has {vals.size} entries for {len(markers)} markers")
            return vals
        if panel is None:
            raise ModelInputError("method 'weights' needs a panel with weights or weights=")
        out = []
        for m in markers:
            wm = panel.marker(m).weight
            if wm is None:
                raise ModelInputError(f"panel '{panel.id}': marker '{m}' has no weight; the 'weights' rule needs one")
            out.append(float(wm))
        return np.asarray(out)

    def _fit_logistic(self, z: np.ndarray, y01: np.ndarray, warn: list[str]) -> None:
        from sklearn.linear_model import LogisticRegression

        if self.penalty is None:
            lr = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=self.max_iter)
            with _warnings.catch_warnings():
                _warnings.filterwarnings("ignore", message=".*[Pp]enalty.*", category=FutureWarning)
                _warnings.filterwarnings("ignore", message=".*l1_ratio.*", category=FutureWarning)
                lr.fit(z, y01)
            self.C_ = math.inf
            self.l1_ratio_ = 0.0
        else:
            lr = _logistic_cv(self.penalty, self.Cs, self.l1_ratios, self._inner_cv(y01), self.random_state,
                              self.max_iter)
            lr.fit(z, y01)
            self.C_ = float(np.ravel(lr.C_)[0])
            self.l1_ratio_ = float(np.ravel(lr.l1_ratio_)[0]) if getattr(lr, "l1_ratio_", None) is not None \
                and np.ravel(lr.l1_ratio_)[0] is not None else {"l2": 0.0, "l1": 1.0}.get(self.penalty, float("nan"))
        self.coef_ = np.asarray(lr.coef_[0], dtype=np.float64).copy()
        self.intercept_ = float(lr.intercept_[0])
        self.n_iter_ = int(np.max(lr.n_iter_))
        if not np.all(np.isfinite(self.coef_)):
            raise ModelInputError("logistic fit diverged (perfect separation?); use a penalty ('l2')")

    def _fit_cox(self, z: np.ndarray, surv: tuple[np.ndarray, np.ndarray], usable: np.ndarray,
                 markers: list[str]) -> None:
        """Unpenalised Cox fit (Efron ties) on the usable z-scored markers; the others get coefficient 0."""
        from biomark.stats import StatsError
        from biomark.stats.survival import cox_coef

        cols = np.flatnonzero(usable)
        if cols.size == 0:
            raise ModelInputError("cox: every marker is constant or unobserved in the training rows; nothing to fit")
        time, event = surv
        if self.penalty not in ("l2", None):
            raise ModelInputError(f"method 'cox' takes penalty 'l2' (ridge, strength chosen by inner CV) or None "
                                  f"(plain partial likelihood), not '{self.penalty}'")
        try:
            if self.penalty is None:
                beta = cox_coef(time, event, z[:, cols], [markers[j] for j in cols])
                self.C_ = math.inf
            else:
                beta, lam = self._fit_cox_ridge(time, event, z[:, cols])
                self.C_ = math.inf if lam == 0 else 1.0 / lam
        except StatsError as err:
            raise ModelInputError(f"cox fit failed: {err}") from None
        coef = np.zeros(z.shape[1])
        coef[cols] = beta
        self.coef_ = coef
        self.intercept_ = 0.0
        self.n_iter_ = 1
        self.n_events_ = int(event.sum())

    def _fit_cox_ridge(self, time: np.ndarray, event: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, float]:
        """Ridge Cox with the penalty chosen by inner k-fold CV of the partial likelihood.

        Cross-validated partial log-likelihood (Verweij & van Houwelingen 1993), for each penalty
        ``lam = 1 / C`` over the grid ``Cs``: ``CVPL = sum_k [l(beta_-k) - l_-k(beta_-k)]``, with
        ``beta_-k`` fitted without fold k, ``l`` the full-data and ``l_-k`` the training-fold log
        partial likelihood; the penalty with the largest CVPL is refitted on all rows.
        """
        from sklearn.model_selection import StratifiedKFold

        from biomark.stats._surv_cox import CoxData
        from biomark.stats.survival import _ridge_newton

        Cs = np.logspace(-4, 4, int(self.Cs)) if np.ndim(self.Cs) == 0 else np.asarray(self.Cs, dtype=np.float64)
        if Cs.size == 0 or not np.all(Cs > 0):
            raise ModelInputError("Cs must be positive inverse penalty strengths")
        lams = np.sort(1.0 / Cs)[::-1]  # strongest first: each fit starts from the previous estimate
        n_ev = int(event.sum())
        k = min(int(self.inner_cv), n_ev)
        if k < 2:
            raise ModelInputError(f"inner cross-validation needs ≥ 2 events (there are {n_ev}); use penalty=None")
        strata = event.astype(int) if min(n_ev, event.size - n_ev) >= k else np.zeros(event.size, int)
        skf = StratifiedKFold(n_splits=k, shuffle=self.random_state is not None, random_state=self.random_state)
        full = CoxData(time, event, z, efron=True)
        cvpl = np.zeros(lams.size)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for tr, _ in skf.split(z, strata):
                if event[tr].sum() == 0:
                    continue
                part = CoxData(time[tr], event[tr], z[tr], efron=True)
                beta = None
                for i, lam in enumerate(lams):
                    beta, l_train = _ridge_newton(part, lam, beta)
                    cvpl[i] += full.evaluate(beta)["loglik"] - l_train
            best = float(lams[int(np.argmax(cvpl))])
            beta, _ = _ridge_newton(full, best)
        self.cv_partial_loglik_ = dict(zip((1.0 / lams).tolist(), cvpl.tolist(), strict=True))
        return beta, best

    def _inner_cv(self, y01: np.ndarray) -> Any:
        from sklearn.model_selection import StratifiedKFold

        n_min = int(min(y01.sum(), (1 - y01).sum()))
        k = min(int(self.inner_cv), n_min)
        if k < 2:
            raise ModelInputError(f"inner cross-validation needs ≥ 2 samples of each class (smallest class has {n_min}); "
                                  "use penalty=None or more samples")
        if self.random_state is None:
            return StratifiedKFold(n_splits=k)
        return StratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)

    def _fit_boolean(self, panel: Any, markers: list[str], med: np.ndarray) -> None:
        sc = panel.scoring
        conds = []
        for c in sc.conditions:
            if c.marker not in markers:
                raise ModelInputError(f"boolean rule of panel '{panel.id}' uses marker '{c.marker}', which is not "
                                      "in the data")
            j = markers.index(c.marker)
            cut = float(c.cutoff) if c.cutoff is not None else float(med[j])
            conds.append((j, c.level, cut))
        self.conditions_ = conds
        self.combine_ = sc.combine

    def _fit_calibration(self, score: np.ndarray, y01: np.ndarray, warn: list[str]) -> None:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=RECALIBRATION_C, solver="lbfgs", tol=1e-10, max_iter=self.max_iter)
        if np.ptp(score) > 0:
            lr.fit(score.reshape(-1, 1), y01)
            a, b = float(lr.intercept_[0]), float(lr.coef_[0, 0])
        else:
            a, b = 0.0, -1.0
        if b < 0:
            p = float(np.clip(y01.mean(), 1e-12, 1 - 1e-12))
            a, b = math.log(p / (1 - p)), 0.0
            warn.append("the score goes against the spec's direction in the training rows (or is constant): "
                        "predict_proba gives the training prevalence")
        self.calibration_ = (a, b)
        self.n_iter_ = int(np.max(lr.n_iter_)) if hasattr(lr, "n_iter_") else 1

    # --- scoring ------------------------------------------------------------------------------

    def _compile(self) -> None:
        """Effective weights on the imputed levels: ``score = x @ w + b`` (linear methods)."""
        if hasattr(self, "coef_") and self.method_ in LINEAR_METHODS:
            w = self.coef_ / self.scale_
            self._w = np.ascontiguousarray(w)
            self._b = float(self.intercept_ - self.mean_ @ w)
        else:
            self._w = None
            self._b = 0.0

    def _matrix(self, X: Any) -> np.ndarray:
        """X as float64 (n, n_markers) in ``markers_`` order; an ndarray in that order passes through."""
        check_is_fitted(self, "markers_")
        p = len(self.markers_)
        if _is_cohort(X):
            present = [m for m in self.markers_ if m in X.expression.columns]
            X = X.levels(self.panel_, markers=present) if present else X.expression
        if type(X) is np.ndarray and X.ndim == 2 and X.shape[1] == p and X.dtype == np.float64 and (
                self.panel_ is not None or not hasattr(self, "feature_names_in_")):
            # fast path (infinite values are caught in _decision); C order, so that every input
            # form gives the same floating-point operations and bit-identical scores
            return X if X.flags.c_contiguous else np.ascontiguousarray(X)
        if self.panel_ is not None and isinstance(X, pd.DataFrame):
            cols = set(map(str, X.columns))
            if not any(m in cols for m in self.markers_):
                raise ModelInputError(f"none of the model's markers ({', '.join(self.markers_[:6])}) is a column of X")
            if [str(c) for c in X.columns] == self.markers_:
                return _frame_matrix(X)
            frame = X.reindex(columns=self.markers_)  # a missing marker: NaN, imputed by the training median
            return check_array(frame, dtype=np.float64, ensure_all_finite="allow-nan", order="C")
        if self.panel_ is not None:
            arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan", order="C")
            if arr.shape[1] != p:
                raise ModelInputError(f"X has {arr.shape[1]} features, but PanelModel is expecting {p} features "
                                      f"as input ({', '.join(self.markers_[:6])})")
            return arr
        return _validate_data(self, X, reset=False, dtype=np.float64, order="C",
                              ensure_all_finite="allow-nan" if self.impute else True)

    def _decision(self, arr: np.ndarray) -> np.ndarray:
        if self._w is not None:
            # one matrix-vector product; NaN and inf propagate into the score, so only the rows
            # whose score is not finite are looked at again (imputed, or rejected when infinite)
            # summed marker by marker (not a BLAS product), so a row's score has the same bits
            # whatever the number of rows or threads: `biomark score` equals `panel_score` exactly
            score = _matrix_score(arr, self._w, self._b)
            bad = ~np.isfinite(score)
            if bad.any():
                rows = np.flatnonzero(bad)
                score[rows] = _matrix_score(self._fill(arr[rows], rows), self._w, self._b)
            return score
        arr = self._fill(arr, None)
        if self.method_ == "boolean":
            hits = [(arr[:, j] > cut) if level == "high" else (arr[:, j] <= cut) for j, level, cut in self.conditions_]
            stack = np.column_stack(hits)
            ok = stack.all(axis=1) if self.combine_ == "all" else stack.any(axis=1)
            return ok.astype(np.float64)
        z = (arr - self.mean_) / self.scale_
        est = self.estimator_
        if hasattr(est, "decision_function"):
            return np.asarray(est.decision_function(z), dtype=np.float64).reshape(-1)
        return np.asarray(est.predict_proba(z)[:, 1], dtype=np.float64)

    def _fill(self, arr: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Training medians in place of NaN; an infinite value is an error naming row and marker."""
        inf = np.isinf(arr)
        if inf.any():
            r, c = np.argwhere(inf)[0]
            row = int(rows[r]) if rows is not None else int(r)
            raise ModelInputError(f"infinite value in row {row} (0-based), marker '{self.markers_[c]}'; "
                                  "replace it by a finite number or leave it missing")
        nan = np.isnan(arr)
        if nan.any():
            if not self.impute:
                raise ModelInputError("X has missing values and the model was fitted with impute=False")
            arr = np.where(nan, self.medians_, arr)
        return arr

    def panel_score(self, X: Any) -> np.ndarray:
        """The panel score, oriented by the spec: larger means the positive class (or higher risk).

        This is what reports and ``biomark score`` show. A C-ordered float64 ndarray whose
        columns are ``markers_`` takes a fast path (one matrix-vector product for linear methods;
        only rows whose score is not finite are looked at again), for scoring chunks of large files.
        """
        return self._decision(self._matrix(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """scikit-learn's decision function: larger leans to ``classes_[1]``.

        Equal to :meth:`panel_score` unless the positive class sorts first among string labels
        (e.g. ``radioresistant`` < ``radiosensitive``), where it is its negation, as scikit-learn's
        scorers (``roc_auc``) assume. Pass ``y`` as 0/1 to avoid the question altogether.
        """
        score = self._decision(self._matrix(X))
        return -score if getattr(self, "positive_index_", 1) == 0 else score

    def _positive_proba(self, arr: np.ndarray) -> np.ndarray:
        if self.method_ == "cox":
            raise NotFittedError("a Cox model gives a risk score (its linear predictor, panel_score), not class "
                                 "probabilities")
        if not hasattr(self, "classes_"):
            raise NotFittedError("this PanelModel was fitted without y: it has a score but no probabilities; "
                                 "fit with binary labels to get predict_proba")
        if self.method_ == "logistic":
            return expit(self._decision(arr))
        if self.method_ == "estimator" and hasattr(self.estimator_, "predict_proba"):
            arr = self._fill(arr, None)
            return np.asarray(self.estimator_.predict_proba((arr - self.mean_) / self.scale_)[:, 1], dtype=np.float64)
        if self.calibration_ is not None:
            a, b = self.calibration_
            return expit(a + b * self._decision(arr))
        raise NotFittedError("no probability model: fit with y and calibrate=True")

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` per row (logistic, estimator, or recalibrated rule)."""
        check_is_fitted(self, "markers_")
        p = self._positive_proba(self._matrix(X))
        if self.positive_index_ == 0:
            return np.column_stack([p, 1.0 - p])
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The positive class where its probability exceeds 0.5, else the other class."""
        check_is_fitted(self, "markers_")
        if not hasattr(self, "classes_"):
            raise NotFittedError("this PanelModel was fitted without y: it has no class labels")
        arr = self._matrix(X)
        if self.method_ == "estimator" and not hasattr(self.estimator_, "predict_proba") and self.calibration_ is None:
            pos = self._decision(arr) > 0
        else:
            pos = self._positive_proba(arr) > 0.5
        k = self.positive_index_
        return self.classes_[np.where(pos, k, 1 - k)]

    def n_imputed(self, X: Any) -> np.ndarray:
        """Per row, how many of the model's markers are missing in ``X`` (filled with the training median)."""
        return np.isnan(self._matrix(X)).sum(axis=1)

    def score_frame(self, levels: pd.DataFrame) -> pd.DataFrame:
        """Score a DataFrame of levels: columns ``score``, ``probability`` (when available), ``n_imputed``."""
        arr = self._matrix(levels)
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
        levels = cohort.levels(self.panel_, markers=present)
        return self.score_frame(levels.reindex(columns=self.markers_))

    # --- model files --------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the fitted model: JSON for built-in methods, a joblib pickle for ``estimator=``.

        Written atomically (temporary file, then rename). The JSON holds the panel spec and its
        content hash, the markers, the imputation medians, z-score means and SDs, coefficients,
        intercept, recalibration, classes, every parameter, and the versions of biomark,
        Python, NumPy, SciPy, pandas and scikit-learn. Floats are written with ``repr``, which
        Python reads back to the identical double.
        """
        from biomark.atomic import atomic_write

        check_is_fitted(self, "markers_")
        p = Path(path)
        if self.method_ == "estimator":
            import joblib

            with atomic_write(p, "wb") as fh:
                joblib.dump({"format": FORMAT + ".joblib", "format_version": FORMAT_VERSION,
                             "versions": _versions(), "model": self}, fh)
            return p
        doc = self._to_json_dict()
        text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False)
        with atomic_write(p) as fh:
            fh.write(text + "\n")
        return p

    def _to_json_dict(self) -> dict[str, Any]:
        params = {k: _jsonable(v) for k, v in self.get_params(deep=False).items() if k not in ("panel", "estimator")}
        panel = self.panel_
        doc: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "method": self.method_,
            "endpoint": self.endpoint_,
            "params": params,
            "panel": None if panel is None else {
                "id": panel.id, "content_hash": panel.content_hash(), "assay": panel.assay,
                "spec": panel.model_dump(mode="json"),
            },
            "markers": list(self.markers_),
            "feature_names_in": None if not hasattr(self, "feature_names_in_") else [str(c) for c in self.feature_names_in_],
            "classes": None if not hasattr(self, "classes_") else _encode_classes(self.classes_),
            "positive_index": getattr(self, "positive_index_", None),
            "imputer": {"medians": _floats(self.medians_)},
            "scaler": {"mean": _floats(self.mean_), "scale": _floats(self.scale_)},
            "coef": _floats(self.coef_) if hasattr(self, "coef_") else None,
            "intercept": _float(self.intercept_) if hasattr(self, "intercept_") else None,
            "calibration": None if self.calibration_ is None else {"intercept": _float(self.calibration_[0]),
                                                                   "slope": _float(self.calibration_[1])},
            "boolean": None if self.conditions_ is None else {
                "combine": self.combine_,
                "conditions": [{"marker": self.markers_[j], "level": lv, "cutoff": _float(c)}
                               for j, lv, c in self.conditions_]},
            "logistic": None if self.method_ != "logistic" else {"C": _float(self.C_), "l1_ratio": _float(self.l1_ratio_)},
            "cox": None if self.method_ != "cox" else {"C": _float(self.C_), "n_events": self.n_events_},
            "warnings": list(self.warnings_),
            "versions": _versions(),
        }
        return doc

    @classmethod
    def load(cls, path: str | Path, *, trust: bool = False, panel: Any = None) -> PanelModel:
        """Read a model written by :meth:`save`.

        JSON files are read without running any code. A joblib pickle (``estimator=`` models)
        is opened only with ``trust=True``: unpickling executes code stored in the file, so only
        load pickles you made or whose author you trust. With ``panel`` given, its content hash
        must equal the one in the file.
        """
        p = Path(path)
        src = str(path)
        if not p.is_file():
            raise ModelFileError(f"{src}: no such model file; check the path")
        raw = p.read_bytes()
        if raw.lstrip()[:1] != b"{":
            if not trust:
                raise ModelFileError(
                    f"{src}: is not a JSON model but a pickle (joblib) holding a scikit-learn estimator; "
                    "unpickling runs arbitrary code from the file, so biomark loads it only when you pass "
                    "trust=True (CLI: --trust-model) for a file you made yourself or whose author you trust")
            return cls._load_joblib(p, src, panel)
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ModelFileError(f"{src}: not a valid biomark model file ({err}); re-create it with "
                                 "'biomark fit' or PanelModel.save") from None
        return cls._from_json_dict(doc, src, panel)

    @classmethod
    def _load_joblib(cls, p: Path, src: str, panel: Any) -> PanelModel:
        import joblib

        try:
            obj = joblib.load(p)
        except Exception as err:  # noqa: BLE001 - any unpickling failure is a bad file
            raise ModelFileError(f"{src}: cannot be unpickled ({type(err).__name__}: {err})") from None
        if not (isinstance(obj, dict) and obj.get("format") == FORMAT + ".joblib" and isinstance(obj.get("model"), cls)):
            raise ModelFileError(f"{src}: is a pickle but not a biomark model file")
        saved = obj.get("versions", {}).get("scikit-learn")
        import sklearn

        if saved and saved != sklearn.__version__:
            _warnings.warn(f"{src} was saved with scikit-learn {saved}, this is {sklearn.__version__}; "
                           "predictions may differ", UserWarning, stacklevel=2)
        model = obj["model"]
        _check_panel(model.panel_, panel, src)
        return model

    @classmethod
    def _from_json_dict(cls, doc: Any, src: str, panel: Any) -> PanelModel:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ModelFileError(f"{src}: not a biomark model file (no \"format\": \"{FORMAT}\")")
        if doc.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(f"{src}: model format version {doc.get('format_version')!r} is not supported by "
                                 f"this biomark (reads version {FORMAT_VERSION}); re-fit the model")
        try:
            spec_panel = None
            if doc.get("panel"):
                from biomark.panel import Panel

                spec_panel = Panel.model_validate(doc["panel"]["spec"])
                if spec_panel.content_hash() != doc["panel"]["content_hash"]:
                    raise ModelFileError(f"{src}: the panel spec inside the file does not match its content hash; "
                                         "the file was edited: re-create it")
            _check_panel(spec_panel, panel, src)
            params = dict(doc["params"])
            model = cls(panel=spec_panel, **params)
            model.method_ = doc["method"]
            model.endpoint_ = doc["endpoint"]
            model.panel_ = spec_panel
            model.markers_ = [str(m) for m in doc["markers"]]
            model.n_features_in_ = len(model.markers_)
            if doc.get("feature_names_in") is not None:
                model.feature_names_in_ = np.asarray(doc["feature_names_in"], dtype=object)
            if doc.get("classes") is not None:
                model.classes_ = _decode_classes(doc["classes"])
                model.positive_index_ = int(doc["positive_index"])
                model.positive_class_ = model.classes_[model.positive_index_]
            model.medians_ = _array(doc["imputer"]["medians"])
            model.mean_ = _array(doc["scaler"]["mean"])
            model.scale_ = _array(doc["scaler"]["scale"])
            if doc.get("coef") is not None:
                model.coef_ = _array(doc["coef"])
                model.intercept_ = float(doc["intercept"])
            cal = doc.get("calibration")
            model.calibration_ = None if cal is None else (float(cal["intercept"]), float(cal["slope"]))
            b = doc.get("boolean")
            model.conditions_ = None
            if b is not None:
                model.conditions_ = [(model.markers_.index(c["marker"]), c["level"], float(c["cutoff"]))
                                     for c in b["conditions"]]
                model.combine_ = b["combine"]
            cx = doc.get("cox")
            if cx is not None:
                model.C_ = float(cx["C"])
                model.n_events_ = int(cx["n_events"])
            lg = doc.get("logistic")
            if lg is not None:
                model.C_ = float(lg["C"])
                model.l1_ratio_ = float(lg["l1_ratio"])
            model.estimator_ = None
            model.warnings_ = list(doc.get("warnings", []))
            p = len(model.markers_)
            for name in ("medians_", "mean_", "scale_"):
                if getattr(model, name).shape != (p,):
                    raise ModelFileError(f"{src}: '{name[:-1]}' has {getattr(model, name).size} values for {p} markers")
            if model.method_ not in METHODS:
                raise ModelFileError(f"{src}: unknown method '{model.method_}'")
            if model.method_ in LINEAR_METHODS and (not hasattr(model, "coef_") or model.coef_.shape != (p,)):
                raise ModelFileError(f"{src}: coefficients missing or of the wrong length")
        except ModelFileError:
            raise
        except BiomarkError as err:
            raise ModelFileError(f"{src}: {err}") from None
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise ModelFileError(f"{src}: malformed model file ({type(err).__name__}: {err}); re-create it") from None
        model._compile()
        return model


# --- helpers -----------------------------------------------------------------------------------


def _survival_target(y: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(time, event) from a two-column array/DataFrame (time, event) or a structured array.

    A structured array (scikit-survival's ``Surv.from_arrays``) gives its boolean field as the
    event and its other field as the time; plain two-column input is read as (time, event).
    Times must be finite and > 0, events 0/1 (or booleans) with at least one event.
    """
    if isinstance(y, np.ndarray) and y.dtype.names is not None:
        names = list(y.dtype.names)
        if len(names) != 2:
            raise ModelInputError(f"a structured survival y needs two fields (event, time), not {names}")
        ev_name = next((f for f in names if y.dtype[f].kind == "b"), None) or next(
            (f for f in names if "event" in f.lower() or "status" in f.lower()), names[0])
        t_name = names[1] if ev_name == names[0] else names[0]
        time = np.asarray(y[t_name], dtype=np.float64)
        event = np.asarray(y[ev_name], dtype=np.float64)
    else:
        arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ModelInputError(f"method 'cox' needs y as (time, event): two columns, not shape {arr.shape}")
        time, event = arr[:, 0].copy(), arr[:, 1].copy()
    if time.shape[0] != n:
        raise ModelInputError(f"y has {time.shape[0]} rows but X has {n}; give one (time, event) per row")
    if not (np.all(np.isfinite(time)) and np.all(time > 0)):
        i = int(np.flatnonzero(~(np.isfinite(time) & (time > 0)))[0])
        raise ModelInputError(f"survival time in row {i} is {time[i]!r}; times must be finite and > 0")
    if not np.all((event == 0) | (event == 1)):
        i = int(np.flatnonzero((event != 0) & (event != 1))[0])
        raise ModelInputError(f"event in row {i} is {event[i]!r}; code events 1 (event) / 0 (censored)")
    if event.sum() == 0:
        raise ModelInputError("every sample is censored; a Cox model needs events")
    return time, event


def _frame_matrix(frame: pd.DataFrame) -> np.ndarray:
    """A DataFrame as a C-ordered float64 array (NaN allowed, inf rejected); all-float64 frames skip check_array."""
    if frame.shape[0] > 0 and frame.shape[1] > 0 and all(dt == np.float64 for dt in frame.dtypes):
        arr = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
        if np.isinf(arr).any():
            raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
        return arr
    return check_array(frame, dtype=np.float64, ensure_all_finite="allow-nan", order="C")


def _is_cohort(X: Any) -> bool:
    from biomark.cohort import Cohort

    return isinstance(X, Cohort)


def linear_score(columns: Sequence[np.ndarray], w: np.ndarray, b: float) -> np.ndarray:
    """``Σ_j columns[j] · w[j] + b``, accumulated column by column in order.

    Element-wise operations only, so the value for a row depends on that row alone (the same
    bits whatever the chunk it sits in), unlike a BLAS matrix-vector product whose summation
    order depends on the number of rows and threads.
    """
    s = np.multiply(columns[0], w[0])
    if len(columns) > 1:
        tmp = np.empty_like(s)
        for j in range(1, len(columns)):
            np.multiply(columns[j], w[j], out=tmp)
            s += tmp
    s += b
    return s


def _matrix_score(arr: np.ndarray, w: np.ndarray, b: float, block: int = 8192) -> np.ndarray:
    """:func:`linear_score` of the rows of a 2-D array, in blocks of rows that stay in cache
    (2.3x faster than whole strided columns at 10^6 x 20; the same bits)."""
    out = np.empty(arr.shape[0], dtype=np.float64)
    for i in range(0, arr.shape[0], block):
        blk = arr[i:i + block]
        out[i:i + block] = linear_score([blk[:, j] for j in range(blk.shape[1])], w, b)
    return out


def _blas_single_thread(X: Any) -> Any:
    import contextlib

    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2 and shape[0] * max(shape[1], 1) > 5_000_000:
        return contextlib.nullcontext()
    controller = _threadpool_controller()
    if controller is None:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return contextlib.nullcontext()
    return controller.limit(limits=1)


@functools.lru_cache(maxsize=1)
def _threadpool_controller() -> Any:
    """One ThreadpoolController per process: building one scans the loaded libraries (~4 ms), so
    a fresh ``threadpool_limits`` per fit cost more than the small fits it wrapped."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


def _logistic_cv(penalty: str, Cs: Any, l1_ratios: Sequence[float], cv: Any, random_state: Any, max_iter: int) -> Any:
    import sklearn
    from sklearn.linear_model import LogisticRegressionCV

    major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
    ratios = {"l2": [0.0], "l1": [1.0]}.get(penalty, [float(r) for r in l1_ratios])
    solver = "lbfgs" if penalty == "l2" else "saga"
    kw: dict[str, Any] = dict(Cs=Cs, cv=cv, solver=solver, scoring="neg_log_loss", max_iter=max_iter,
                              random_state=random_state, tol=1e-6)
    if (major, minor) >= (1, 8):
        kw.update(l1_ratios=ratios, use_legacy_attributes=False)
    else:  # pragma: no cover - older scikit-learn
        kw.update(penalty=penalty, l1_ratios=ratios if penalty == "elasticnet" else None)
    return LogisticRegressionCV(**kw)


def _check_panel(saved: Any, given: Any, src: str) -> None:
    if given is None:
        return
    from biomark.panel import Panel, load_panel

    given = given if isinstance(given, Panel) else load_panel(given)
    if saved is None:
        raise ModelFileError(f"{src}: the model was fitted without a panel, but panel '{given.id}' was given")
    if saved.content_hash() != given.content_hash():
        raise ModelFileError(f"{src}: the model was fitted on panel '{saved.id}' with content hash "
                             f"{saved.content_hash()[:12]}…, but panel '{given.id}' now hashes to "
                             f"{given.content_hash()[:12]}…: the spec changed; re-fit the model")


def _versions() -> dict[str, str]:
    import scipy
    import sklearn

    import biomark

    return {"biomark": biomark.__version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "pandas": pd.__version__, "scikit-learn": sklearn.__version__}


def _float(x: Any) -> float | str:
    v = float(x)
    if math.isfinite(v):
        return v  # json writes repr(v): the shortest string that reads back to the same double
    return "inf" if v > 0 else ("-inf" if v < 0 else "nan")


def _floats(a: Any) -> list[float | str]:
    return [_float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _array(values: Any) -> np.ndarray:
    return np.asarray([float(v) for v in values], dtype=np.float64)


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    raise ModelFileError(f"parameter value {v!r} cannot be written to a JSON model file")


def _encode_classes(classes: np.ndarray) -> dict[str, Any]:
    vals = list(classes.tolist())
    if all(isinstance(v, bool) for v in vals):
        kind = "bool"
    elif all(isinstance(v, int) for v in vals):
        kind = "int"
    elif all(isinstance(v, float) for v in vals):
        kind = "float"
    else:
        kind, vals = "str", [str(v) for v in vals]
    return {"kind": kind, "values": vals, "dtype": str(classes.dtype)}


def _decode_classes(d: Mapping[str, Any]) -> np.ndarray:
    kind = d["kind"]
    vals = d["values"]
    if kind == "str":
        return np.asarray(vals, dtype=d.get("dtype") if str(d.get("dtype", "")).startswith("<U") else object)
    conv = {"bool": bool, "int": int, "float": float}[kind]
    return np.asarray([conv(v) for v in vals], dtype=d.get("dtype"))


__all__ = ["METHODS", "ModelInputError", "PanelModel"]
