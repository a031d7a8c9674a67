"""Models fitted to the outcome on the z-scores: logistic regression, Cox regression and any
scikit-learn classifier (``estimator=``).

Each ``fit_*`` function sets the learned attributes of a :class:`~biomark.PanelModel` from the
training rows (:class:`~biomark.model._base.Training`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from biomark.stats import StatsError, cox_ridge_cv
from biomark.stats.coxph import cox_coef
from biomark.stats.logistic import logistic_ridge, logistic_ridge_cv

from ._base import ModelInputError, Training


def fit_logistic(est: Any, tr: Training) -> None:
    """Plain maximum likelihood (``penalty=None``) or penalised with ``C`` chosen by inner CV.

    ``None`` and ``"l2"`` are exact Newton fits (:func:`biomark.stats.logistic.logistic_ridge`,
    :func:`~biomark.stats.logistic.logistic_ridge_cv`: the objective and the choice of ``C`` of
    scikit-learn's ``LogisticRegression`` / ``LogisticRegressionCV``); ``"l1"`` and ``"elasticnet"``
    are scikit-learn's saga path.
    """
    z, y01 = tr.z, tr.y01
    if est.penalty is None:
        theta, n_iter = logistic_ridge(z, y01, math.inf, max_iter=_NEWTON_MAX_ITER)
        if n_iter >= _NEWTON_MAX_ITER or not np.all(np.isfinite(theta)):
            raise ModelInputError("logistic fit diverged (perfect separation?); use a penalty ('l2')")
        coef, intercept, C, ratio = theta[:-1], float(theta[-1]), math.inf, 0.0
    elif est.penalty == "l2":  # exact Newton fits along the path; same choice as LogisticRegressionCV
        cv = logistic_ridge_cv(z, y01, _grid(est.Cs), _inner_folds(est, y01))
        coef, intercept, C, ratio, n_iter = np.asarray(cv.coef), cv.intercept, cv.C, 0.0, cv.n_iter
    else:
        lr = _logistic_cv(est.penalty, est.Cs, est.l1_ratios, _inner_cv(est, y01), est.random_state, est.max_iter)
        lr.fit(z, y01)
        C = float(np.ravel(lr.C_)[0])
        r = getattr(lr, "l1_ratio_", None)
        ratio = float(np.ravel(r)[0]) if r is not None and np.ravel(r)[0] is not None \
            else {"l1": 1.0}.get(est.penalty, float("nan"))
        coef, intercept, n_iter = lr.coef_[0], float(lr.intercept_[0]), int(np.max(lr.n_iter_))
    est.coef_ = np.asarray(coef, dtype=np.float64).copy()
    est.intercept_ = float(intercept)
    est.C_, est.l1_ratio_, est.n_iter_ = C, ratio, int(n_iter)
    if not np.all(np.isfinite(est.coef_)):
        raise ModelInputError("logistic fit diverged (perfect separation?); use a penalty ('l2')")


_NEWTON_MAX_ITER = 100  # a plain fit converges in < 15 steps unless the data separate


def _logistic_cv(penalty: str, Cs: Any, l1_ratios: Sequence[float], cv: Any, random_state: Any,
                 max_iter: int) -> LogisticRegressionCV:
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


def _inner_folds(est: Any, y01: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds of :func:`_inner_cv`, made without scikit-learn's input checks when they are the same."""
    cv = _inner_cv(est, y01)
    seed = est.random_state
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        return stratified_folds(y01, cv.n_splits, None if seed is None else int(seed))
    return list(cv.split(y01.reshape(-1, 1), y01))


def stratified_folds(y: np.ndarray, k: int, seed: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``StratifiedKFold(k, shuffle=seed is not None, random_state=seed).split(X, y)`` as lists.

    The same algorithm as scikit-learn 1.x's ``StratifiedKFold._make_test_folds``: classes numbered
    in order of first appearance, each fold's share of every class by a round robin over the sorted
    labels, a class's fold labels in blocks shuffled by ``RandomState(seed)`` one class after the
    other; the same folds (tests/test_model.py checks it against scikit-learn), without the input
    validation that cost ~2 ms per call (a thousand calls in one ``validate --method logistic``).

    Examples
    --------
    >>> [te.tolist() for _, te in stratified_folds(np.array([0, 0, 1, 1, 0, 1]), 3, None)]
    [[0, 2], [1, 3], [4, 5]]
    """
    y = np.asarray(y)
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    _, order = np.unique(first, return_inverse=True)
    coded = order[inverse.ravel()]
    n_classes = first.size
    ranked = np.sort(coded)
    allocation = np.asarray([np.bincount(ranked[i::k], minlength=n_classes) for i in range(k)])
    rng = np.random.RandomState(seed) if seed is not None else None
    test_folds = np.empty(y.size, dtype="i")
    for c in range(n_classes):
        labels = np.arange(k).repeat(allocation[:, c])
        if rng is not None:
            rng.shuffle(labels)
        test_folds[coded == c] = labels
    idx = np.arange(y.size)
    return [(idx[test_folds != i], idx[test_folds == i]) for i in range(k)]


def _inner_cv(est: Any, y01: np.ndarray) -> StratifiedKFold:
    n_min = int(min(y01.sum(), (1 - y01).sum()))
    k = min(int(est.inner_cv), n_min)
    if k < 2:
        raise ModelInputError(f"inner cross-validation needs ≥ 2 samples of each class (smallest class has {n_min}); "
                              "use penalty=None or more samples")
    if est.random_state is None:
        return StratifiedKFold(n_splits=k)
    return StratifiedKFold(n_splits=k, shuffle=True, random_state=est.random_state)


def fit_cox(est: Any, tr: Training) -> None:
    """Cox regression (Efron ties) on the usable z-scored markers; the others get coefficient 0.

    ``penalty=None``: the plain partial likelihood (``survival::coxph``); ``"l2"``: ridge with
    ``lam = 1/C`` chosen over ``Cs`` by :func:`biomark.stats.cox_ridge_cv` on inner k-fold CV.
    A monotone likelihood (no finite estimate) is a :class:`StatsError` from ``cox_coef``,
    turned into a :class:`ModelInputError` here.
    """
    cols = np.flatnonzero(tr.usable)
    if cols.size == 0:
        raise ModelInputError("cox: every marker is constant or unobserved in the training rows; nothing to fit")
    time, event = tr.survival
    if est.penalty not in ("l2", None):
        raise ModelInputError(f"method 'cox' takes penalty 'l2' (ridge, strength chosen by inner CV) or None "
                              f"(plain partial likelihood), not '{est.penalty}'")
    z = tr.z[:, cols]
    try:
        if est.penalty is None:
            beta = cox_coef(time, event, z, [tr.markers[j] for j in cols])
            est.C_ = math.inf
        else:
            lams = 1.0 / _grid(est.Cs)
            folds = _cox_folds(est, event)
            cv = cox_ridge_cv(time, event, z, lams, folds.split(z, _strata(event, folds)))
            beta = np.asarray(cv.coef)
            est.C_ = math.inf if cv.lam == 0 else 1.0 / cv.lam
            est.cv_partial_loglik_ = dict(zip((1.0 / np.asarray(cv.lambdas)).tolist(), cv.cv_loglik, strict=True))
    except StatsError as err:
        raise ModelInputError(f"cox fit failed: {err}") from None
    coef = np.zeros(tr.z.shape[1])
    coef[cols] = beta
    est.coef_ = coef
    est.intercept_ = 0.0
    est.n_iter_ = 1
    est.n_events_ = int(event.sum())


def _grid(Cs: Any) -> np.ndarray:
    grid = np.logspace(-4, 4, int(Cs)) if np.ndim(Cs) == 0 else np.asarray(Cs, dtype=np.float64)
    if grid.size == 0 or not np.all(grid > 0):
        raise ModelInputError("Cs must be positive inverse penalty strengths")
    return grid


def _cox_folds(est: Any, event: np.ndarray) -> StratifiedKFold:
    """Inner folds stratified by event status (when both groups fill every fold)."""
    n_ev = int(event.sum())
    k = min(int(est.inner_cv), n_ev)
    if k < 2:
        raise ModelInputError(f"inner cross-validation needs ≥ 2 events (there are {n_ev}); use penalty=None")
    shuffle = est.random_state is not None
    return StratifiedKFold(n_splits=k, shuffle=shuffle, random_state=est.random_state)


def _strata(event: np.ndarray, folds: StratifiedKFold) -> np.ndarray:
    n_ev = int(event.sum())
    k = folds.get_n_splits()
    return event.astype(int) if min(n_ev, event.size - n_ev) >= k else np.zeros(event.size, int)


def fit_estimator(est: Any, tr: Training) -> None:
    """Any scikit-learn classifier on the z-scores; ``coef_`` copied when it has one of this shape."""
    inner = clone(est.estimator)
    inner.fit(tr.z, tr.y01)
    est.estimator_ = inner
    est.n_iter_ = max(1, int(np.max(getattr(inner, "n_iter_", 1))))
    c = getattr(inner, "coef_", None)
    if c is not None and np.ndim(c) == 2 and np.shape(c) == (1, len(tr.markers)):
        est.coef_ = np.asarray(c[0], dtype=np.float64)
        est.intercept_ = float(np.ravel(getattr(inner, "intercept_", [0.0]))[0])
