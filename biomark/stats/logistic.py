"""L2-penalised (ridge) logistic regression with its penalty chosen by cross-validated log-loss.

The objective, the grid search and the refit are those of scikit-learn's
``LogisticRegressionCV(penalty="l2", scoring="neg_log_loss")``; the fits are exact Newton solutions
(Cholesky, step halving) started from the previous penalty's estimate, and the held-out log-loss is
computed directly. scikit-learn's scorer re-validates its inputs on every call, which cost ~75 % of
``validate --method logistic`` (200 permutations x 5 folds x 5 inner folds x 10 penalties). Along the
inner-CV path with more than 10 columns the Gram :math:`X^\top W X` of a Newton step is kept while the
steps contract (a chord iteration, Kelley 1995, *Iterative Methods for Linear and Nonlinear Equations*,
ch. 5): 3-4x faster at n = 4,000, p = 50, the same fixed point. With at most 9 predictors the
numpy calls, not the arithmetic, cost the time: all (fold, C) problems are then solved at once, each by
:func:`logistic_ridge`'s Newton steps from zero (5x faster at n = 200, p = 3).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import StatsError
from ._result import Result
from ._threads import single_threaded


@dataclass(frozen=True)
class LogisticRidgeCV(Result):
    """The inverse penalty chosen by :func:`logistic_ridge_cv` and the fit at it.

    ``Cs`` in the order given with ``cv_score``, the sum over folds of each fold's mean held-out
    log-likelihood (scikit-learn's ``scores_`` summed over folds); ``C`` the maximiser (the first
    on a tie), ``coef`` and ``intercept`` refitted on all rows with it, ``n_iter`` its Newton steps.
    """

    C: float
    coef: tuple[float, ...]
    intercept: float
    Cs: tuple[float, ...]
    cv_score: tuple[float, ...]
    n_folds: int
    n_iter: int


def logistic_ridge(x: Any, y: Any, C: float, *, start: np.ndarray | None = None,
                   tol: float = 1e-10, max_iter: int = 100) -> tuple[np.ndarray, int]:
    r"""Minimise :math:`C\sum_i \ell_i(\beta_0 + x_i^\top\beta) + \tfrac12\lVert\beta\rVert^2` by Newton's method.

    :math:`\ell_i(\eta) = \log(1 + e^{\eta}) - y_i\eta` is the logistic loss; the intercept is not
    penalised (scikit-learn's ``LogisticRegression(C=C)`` with the lbfgs or newton-cholesky solver).
    The Hessian :math:`C X_1^\top W X_1 + \mathrm{diag}(1, \dots, 1, 0)` is positive definite, so the
    minimiser is unique; each step is halved until the objective falls.

    Parameters
    ----------
    x
        (n, p) finite predictors.
    y
        0/1 outcomes.
    C
        Inverse penalty strength, > 0 (``inf``: no penalty).
    start
        Initial ``(beta, beta_0)`` of length p + 1 (a warm start).
    tol, max_iter
        Stop after a Newton step whose largest component is below ``tol`` (or whose predicted
        decrease of the objective is below its rounding).

    Returns
    -------
    theta, n_iter
        ``(beta_1..beta_p, beta_0)`` and the number of Newton steps.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> theta, _ = logistic_ridge(x, y, 1.0)
    >>> [round(float(t), 4) for t in theta]
    [0.4529, -0.6793]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, p = x.shape
    x1 = np.hstack([x, np.ones((n, 1))])
    ridge = np.ones(p + 1)
    ridge[-1] = 0.0
    pen = 0.0 if np.isinf(C) else 1.0
    Cw = 1.0 if np.isinf(C) else float(C)
    theta = np.zeros(p + 1) if start is None else np.array(start, dtype=np.float64)

    def objective(t: np.ndarray) -> float:
        eta = x1 @ t
        return Cw * float(np.sum(np.logaddexp(0.0, eta) - y * eta)) + 0.5 * pen * float(t[:-1] @ t[:-1])

    f = objective(theta)
    for it in range(1, max_iter + 1):
        eta = x1 @ theta
        prob = 0.5 * (1.0 + np.tanh(0.5 * eta))  # expit without scipy
        grad = Cw * (x1.T @ (prob - y)) + pen * ridge * theta
        if not np.any(grad):
            return theta, it - 1
        w = prob * (1.0 - prob)
        hess = Cw * (x1.T * w) @ x1 + np.diag(pen * ridge)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        if np.max(np.abs(step)) < tol or float(grad @ step) <= 1e-14 * max(1.0, abs(f)):
            return theta - step, it  # the step is below tol, or its decrease inside the rounding of f
        t_new, f_new, shrink = theta - step, objective(theta - step), 1.0
        while not f_new <= f and shrink > 1e-10:
            shrink *= 0.5
            t_new = theta - shrink * step
            f_new = objective(t_new)
        if not f_new <= f:  # no descent left: at the optimum to machine precision
            return theta, it
        theta, f = t_new, f_new
    return theta, max_iter


def _with_intercept(x: np.ndarray) -> np.ndarray:
    x1 = np.empty((x.shape[0], x.shape[1] + 1), order="F")  # column-major: both products are ~1.5x faster
    x1[:, :-1] = x
    x1[:, -1] = 1.0
    return x1


_LOCKSTEP_MAX_CELLS = 1_000_000  # rows x problems of the lockstep path (8 MB per n x K array); beyond, fold by fold


def _weighted_grams(x1: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x1' diag(w[:, k]) x1`` for every column k of ``w``, in chunks of ~2 million temporary cells."""
    n, q = x1.shape
    step = max(1, 2_000_000 // (n * q))
    return np.concatenate([(x1.T[None, :, :] * w[:, a:a + step].T[:, None, :]) @ x1
                           for a in range(0, w.shape[1], step)], axis=0)


_CONTRACT = 0.25  # a chord step must shrink by this factor, else the Gram is recomputed
_CHORD_MIN_COLUMNS = 10  # below this a Gram costs about a matrix-vector product: exact Newton steps throughout


def _prob_grad(x1: np.ndarray, y: np.ndarray, C: float, ridge: np.ndarray, eta: np.ndarray,
               theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        prob = 1.0 / (1.0 + np.exp(-eta))
    return prob, C * (x1.T @ (prob - y)) + ridge * theta


def _penalised(C: float, y: np.ndarray, eta: np.ndarray, theta: np.ndarray) -> float:
    softplus = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))  # log(1 + e^eta), faster than logaddexp
    return C * float(np.sum(softplus) - y @ eta) + 0.5 * float(theta[:-1] @ theta[:-1])


def _chord_newton(x1: np.ndarray, y: np.ndarray, C: float, start: np.ndarray | None, gram: np.ndarray | None,
                  tol: float = 1e-10, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    r"""The minimiser of :func:`logistic_ridge`'s objective by Newton steps with a reused Hessian.

    The Hessian is :math:`C\,G(\theta) + R` with :math:`G = X_1^\top W X_1`. The Gram
    :math:`G` is computed at the start (or taken from the previous penalty of the path) and kept while
    the steps contract by at least a factor 4 (a chord, or simplified Newton, iteration: each step
    costs two matrix-vector products instead of an :math:`O(np^2)` Gram); otherwise it is
    recomputed at the current point, which makes the step an exact Newton step. A step that does not
    lower the objective is halved, as in :func:`logistic_ridge`. The fixed point is the same (the
    gradient is exact at every step), so the solution is that of :func:`logistic_ridge` to the
    tolerance: the iteration stops when a step is below ``tol`` after a contraction by at least 4
    (the distance to the optimum is then below ``tol / 3``) or after an exact Newton step.
    Returns the solution and the Gram last used (to start the next penalty of the path).
    """
    if not math.isfinite(C):  # no penalty: the plain Newton fit
        theta, _ = logistic_ridge(x1[:, :-1], y, C, start=start)
        return theta, gram
    n, q = x1.shape
    ridge = np.ones(q)
    ridge[-1] = 0.0
    theta = np.zeros(q) if start is None else start.copy()
    eta = x1 @ theta
    f = _penalised(C, y, eta, theta)  # the objective's scale for the stopping rule, updated when evaluated
    prob, grad = _prob_grad(x1, y, C, ridge, eta, theta)
    fresh, last, inverse = False, math.inf, None
    reuse = q > _CHORD_MIN_COLUMNS
    for _ in range(max_iter):
        if not np.any(grad):
            return theta, gram
        if gram is None or not reuse:
            xs = x1 * np.sqrt(prob * (1.0 - prob))[:, None]
            gram, fresh, inverse = xs.T @ xs, True, None
        if inverse is None:  # one inverse per Gram (and C): a chord step is then a matrix-vector product
            hess = C * gram
            hess[np.diag_indices(q)] += ridge
            try:
                inverse = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                inverse = np.linalg.pinv(hess)
        step = inverse @ grad
        size = float(np.max(np.abs(step)))
        contracted = fresh or size <= _CONTRACT * last
        if size < tol or float(grad @ step) <= 1e-14 * max(1.0, abs(f)):
            if contracted:
                return theta - step, gram
            gram = None  # converged on a stale Gram without evidence of contraction: one exact step
            continue
        if not contracted:  # slow contraction: refresh the Gram here and take an exact Newton step
            gram = None
            continue
        t_new = theta - step
        eta_new = x1 @ t_new
        prob_new, grad_new = _prob_grad(x1, y, C, ridge, eta_new, t_new)
        # descent without evaluating the objective: inside a contracting chord sequence, or certified by
        # convexity (the slope along the step is still downhill at its end, so the objective fell)
        if (last < math.inf and not fresh) or float(grad_new @ step) >= 0.0:
            theta, eta, prob, grad, last, fresh = t_new, eta_new, prob_new, grad_new, size, False
            continue
        f, shrink = _penalised(C, y, eta, theta), 1.0
        f_new = _penalised(C, y, eta_new, t_new)
        while not f_new <= f and shrink > 1e-10:
            shrink *= 0.5
            t_new = theta - shrink * step
            eta_new = x1 @ t_new
            f_new = _penalised(C, y, eta_new, t_new)
        if not f_new <= f:
            if fresh:  # no descent left on an exact Newton step: at the optimum to machine precision
                return theta, gram
            gram = None
            continue
        theta, eta, f, last, fresh = t_new, eta_new, f_new, size, False
        prob, grad = _prob_grad(x1, y, C, ridge, eta, theta)
    return theta, gram


@single_threaded
def logistic_ridge_cv(x: Any, y: Any, Cs: Sequence[float], folds: Iterable[tuple[Any, Any]]) -> LogisticRidgeCV:
    r"""Choose the L2 penalty of a logistic regression by cross-validated log-likelihood and refit.

    For each fold :math:`k` and each :math:`C` the ridge fit :math:`\hat\theta_{-k}(C)` of
    :func:`logistic_ridge` on the training rows scores the mean held-out log-likelihood
    :math:`S_k(C) = -\frac{1}{n_k}\sum_{i \in k}\ell_i(\hat\theta_{-k}(C))`; the chosen
    :math:`C` maximises :math:`\sum_k S_k(C)` (the first of the grid on a tie) and is refitted on
    all rows. This is what ``sklearn.linear_model.LogisticRegressionCV(Cs, cv=folds,
    scoring="neg_log_loss", penalty="l2")`` computes (Pedregosa et al. 2011); its solver stops at a
    tolerance, these Newton fits at the optimum, so coefficients agree to that tolerance.

    Parameters
    ----------
    x, y
        (n, p) finite predictors and 0/1 outcomes.
    Cs
        Inverse penalty strengths > 0, fitted in the order given, each fold's fit starting from the
        previous one.
    folds
        ``(train, test)`` index pairs, e.g. ``StratifiedKFold(...).split(x, y)``.

    Returns
    -------
    LogisticRidgeCV

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(60, 2)); y = (x[:, 0] + rng.normal(size=60) > 0).astype(int)
    >>> folds = [(np.setdiff1d(np.arange(60), t), t) for t in np.array_split(np.arange(60), 3)]
    >>> r = logistic_ridge_cv(x, y, np.logspace(-4, 4, 5), folds)
    >>> r.C, r.n_folds
    (1.0, 3)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    grid = np.asarray(Cs, dtype=np.float64)
    if grid.size == 0 or not np.all(grid > 0):
        raise StatsError("Cs must be positive inverse penalty strengths")
    if x.ndim != 2 or x.shape[0] != y.size or not np.all(np.isfinite(x)):
        raise StatsError("x must be a finite (n, p) matrix with one row per outcome")
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in folds]
    if not folds:
        raise StatsError("no folds were given")
    if x.shape[1] + 1 <= _CHORD_MIN_COLUMNS and np.all(np.isfinite(grid)) \
            and x.shape[0] * len(folds) * grid.size <= _LOCKSTEP_MAX_CELLS:
        scores, fold_thetas = _lockstep_path(x, y, grid, folds)
    else:
        scores, fold_thetas = _chord_path(x, y, grid, folds)
    total = scores.sum(axis=0)
    best = int(np.argmax(total))
    start = np.mean([t[best] for t in fold_thetas], axis=0)
    theta, n_iter = logistic_ridge(x, y, float(grid[best]), start=start)
    return LogisticRidgeCV(C=float(grid[best]), coef=tuple(float(v) for v in theta[:-1]),
                           intercept=float(theta[-1]), Cs=tuple(float(c) for c in grid),
                           cv_score=tuple(float(s) for s in total), n_folds=int(scores.shape[0]), n_iter=n_iter)


def _chord_path(x: np.ndarray, y: np.ndarray, grid: np.ndarray,
                folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Held-out scores (folds x Cs) and fits along the path, each fold's C fitted from the previous one."""
    scores = np.zeros((0, grid.size))
    fold_thetas: list[list[np.ndarray]] = []
    for tr, te in folds:
        x1 = _with_intercept(x[tr])
        yt, xte, yte = y[tr], x[te], y[te]
        theta, gram, row, thetas = None, None, np.empty(grid.size), []
        for j, C in enumerate(grid):
            theta, gram = _chord_newton(x1, yt, float(C), theta, gram)
            eta = xte @ theta[:-1] + theta[-1]
            row[j] = -float(np.mean(np.logaddexp(0.0, eta) - yte * eta))
            thetas.append(theta)
        scores = np.vstack([scores, row])
        fold_thetas.append(thetas)
    return scores, fold_thetas


def _lockstep_path(x: np.ndarray, y: np.ndarray, grid: np.ndarray,
                   folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """The same as :func:`_chord_path` for a few columns: every (fold, C) fit at once, in lockstep.

    With few columns a Newton step costs little arithmetic and many numpy calls; here the
    ``folds x Cs`` problems (each from zero) share each call: one product for all linear predictors,
    one for all gradients, one batched solve. Each problem's steps, step halving and stopping rule
    are those of :func:`logistic_ridge`, so each fit is its solution.
    """
    n = y.size
    x1 = _with_intercept(x)
    k, m = len(folds), grid.size
    masks = np.zeros((n, k * m))
    for f, (tr, _) in enumerate(folds):
        np.add.at(masks[:, f * m:(f + 1) * m], tr, 1.0)  # a row repeated in the training rows counts twice
    theta = _lockstep_newton(x1, y, masks, np.tile(grid, k))
    eta = x1 @ theta
    scores = np.empty((k, m))
    fold_thetas: list[list[np.ndarray]] = []
    for f, (_, te) in enumerate(folds):
        e = eta[te, f * m:(f + 1) * m]
        scores[f] = -np.mean(np.logaddexp(0.0, e) - y[te, None] * e, axis=0)
        fold_thetas.append([theta[:, f * m + j].copy() for j in range(m)])
    return scores, fold_thetas


def _lockstep_newton(x1: np.ndarray, y: np.ndarray, w: np.ndarray, Cs: np.ndarray, tol: float = 1e-10,
                     max_iter: int = 100) -> np.ndarray:
    r"""Minimise :math:`C_k\sum_i w_{ik}\ell_i(x_i^\top\theta_k) + \tfrac12\lVert\beta_k\rVert^2` for every k.

    :func:`logistic_ridge` for each column of the row weights ``w`` (n x K, e.g. 0/1 training rows)
    and its ``Cs[k]``, all problems in one array per quantity; returns the (q x K) solutions.
    """
    n, q = x1.shape
    K = Cs.size
    ridge = np.ones(q)
    ridge[-1] = 0.0
    theta = np.zeros((q, K))
    out = np.zeros((q, K))
    active = np.arange(K)

    def objective(cols: np.ndarray, th: np.ndarray, eta: np.ndarray) -> np.ndarray:
        softplus = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))
        return Cs[cols] * np.einsum("nk,nk->k", w[:, cols], softplus - y[:, None] * eta) \
            + 0.5 * np.einsum("ik,ik->k", th[:-1], th[:-1])

    eta = x1 @ theta
    f = objective(active, theta, eta)
    for _ in range(max_iter):
        if active.size == 0:
            return out
        wa, ca = w[:, active], Cs[active]
        with np.errstate(over="ignore"):
            prob = 1.0 / (1.0 + np.exp(-eta))
        grad = ca * (x1.T @ (wa * (prob - y[:, None]))) + ridge[:, None] * theta
        hess = ca[:, None, None] * _weighted_grams(x1, wa * prob * (1.0 - prob))
        hess[:, np.arange(q), np.arange(q)] += ridge
        try:
            step = np.linalg.solve(hess, grad.T[:, :, None])[:, :, 0].T
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(h, g, rcond=None)[0] for h, g in zip(hess, grad.T, strict=True)], axis=1)
        zero = ~np.any(grad, axis=0)
        step[:, zero] = 0.0
        small = zero | (np.max(np.abs(step), axis=0) < tol) \
            | (np.einsum("ik,ik->k", grad, step) <= 1e-14 * np.maximum(1.0, np.abs(f)))
        out[:, active[small]] = theta[:, small] - step[:, small]
        go = ~small
        t_old, s_go = theta[:, go], step[:, go]
        t_new = t_old - s_go
        eta_new = x1 @ t_new
        f_new = objective(active[go], t_new, eta_new)
        bad, shrink = ~(f_new <= f[go]), 1.0
        while np.any(bad) and shrink > 1e-10:
            shrink *= 0.5
            t_new[:, bad] = t_old[:, bad] - shrink * s_go[:, bad]
            eta_new[:, bad] = x1 @ t_new[:, bad]
            f_new[bad] = objective(active[go][bad], t_new[:, bad], eta_new[:, bad])
            bad = ~(f_new <= f[go])
        out[:, active[go][bad]] = t_old[:, bad]  # no descent left: at the optimum to machine precision
        keep = ~bad
        active = active[go][keep]
        theta, eta, f = t_new[:, keep], eta_new[:, keep], f_new[keep]
    out[:, active] = theta
    return out
