"""Thin wrapper over ``arch`` used by volatility.garch_volatility and the FHS VaR."""

from __future__ import annotations

import functools
import itertools
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from riskkit._errors import DataError

__all__ = [
    "GarchParams",
    "GarchSpec",
    "fit_garch",
    "fit_garch_params",
    "standardized_residuals_and_forecast",
]

GarchSpec = Literal["garch", "gjr"]
SCALE = 100.0  # arch fits better on percent returns; every output is scaled back
_EPS = float(np.sqrt(np.finfo(np.float64).eps))  # scipy SLSQP's finite-difference step


def _model(x: np.ndarray, model: str, dist: Any):
    from arch import arch_model

    if model not in ("garch", "gjr"):
        raise DataError(f"model={model!r} is not allowed; use 'garch' or 'gjr'.")
    if dist not in ("normal", "t"):
        raise DataError(f"dist={dist!r} is not allowed; use 'normal' or 't'.")
    return arch_model(
        SCALE * x,
        mean="Constant",
        vol="GARCH",
        p=1,
        o=1 if model == "gjr" else 0,
        q=1,
        dist=dist,
        rescale=False,
    )


def fit_garch(x: np.ndarray, *, model: str = "garch", dist: str = "normal"):
    """Fit a constant-mean GARCH(1,1) or GJR-GARCH(1,1,1) by maximum likelihood.

    Returns the arch result object; its data and parameters are in percent.
    Convergence problems are raised as DataError instead of being hidden.
    """
    am = _model(x, model, dist)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        res = am.fit(disp="off", show_warning=True)
    if res.convergence_flag != 0:
        raise DataError(
            f"GARCH estimation did not converge (optimizer flag {res.convergence_flag}); "
            "use a longer sample or another method."
        )
    del caught  # arch's own notes (e.g. starting values) carry no information for users
    return res


def standardized_residuals_and_forecast(res) -> tuple[np.ndarray, float, float]:
    """Return (standardised residuals, mean, one-step volatility forecast), in decimals."""
    z = np.asarray(res.std_resid, dtype=float)
    z = z[np.isfinite(z)]
    fc = res.forecast(horizon=1, reindex=False)
    sigma = float(np.sqrt(fc.variance.to_numpy()[-1, 0])) / SCALE
    mu = float(res.params["mu"]) / SCALE
    return z, mu, sigma


@dataclass(frozen=True)
class GarchParams:
    """Estimates of one GARCH fit in arch's percent units (what the rolling FHS needs).

    ``params`` is indexed like ``arch``'s ``res.params``; ``conditional_volatility`` is
    ``res.conditional_volatility`` as an array; ``convergence_flag`` is SLSQP's exit mode.
    """

    params: dict[str, float]
    conditional_volatility: np.ndarray
    convergence_flag: int


def _fd_step(x0: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> list[float]:
    """Forward-difference steps of scipy's ``approx_derivative(method='2-point',
    abs_step=sqrt(eps), bounds=(lb, ub))``, element by element in the same arithmetic:
    a zero step falls back to the relative one, then the step is flipped or shortened to
    stay inside the bounds (scipy's ``_adjust_scheme_to_bounds``, one-sided).
    """
    steps = []
    for xi, lo, hi in zip(x0.tolist(), lb.tolist(), ub.tolist(), strict=True):
        h = _EPS
        if (xi + h) - xi == 0:
            h = _EPS * (1.0 if xi >= 0 else -1.0) * max(1.0, abs(xi))
        lower, upper = xi - lo, hi - xi
        fitting = abs(h) <= max(lower, upper)
        if fitting:
            if xi + h < lo or xi + h > hi:
                h = -h
        elif upper >= lower:
            h = upper
        else:
            h = -lower
        steps.append(h)
    return steps


def _fd_gradient(fun, x0: np.ndarray, f0: float, h: list[float], args: tuple) -> np.ndarray:
    """``(f(x0 + h_i e_i) - f(x0)) / ((x0_i + h_i) - x0_i)``, as scipy's dense 2-point rule."""
    g = np.empty(x0.size)
    for i, hi in enumerate(h):
        x1 = x0.copy()
        x1[i] = x0[i] + hi
        g[i] = (fun(x1, *args) - f0) / ((x0[i] + hi) - x0[i])
    return g


def _linear_constraint(coeff: np.ndarray, val: float):  # type: ignore[no-untyped-def]
    """arch's constraint ``coeff . params - val >= 0``, the same expression."""

    def fun(p: np.ndarray) -> float:
        return np.dot(coeff, p) - val  # type: ignore[no-any-return]

    return fun


class _NormalGarchNLL:
    """arch's negative log-likelihood of a constant-mean GARCH/GJR with normal errors.

    ``ARCHModel._loglikelihood`` written out for this one model, with the same numpy
    expressions and arch's variance recursion (:mod:`riskkit.risk._garch_kernels`), so
    the values are the same bits;
    the residual transforms, which depend on mu only, are kept while mu is unchanged
    (the finite differences in the other parameters).
    """

    def __init__(self, am: Any) -> None:
        from arch.univariate import volatility

        from riskkit.risk import _garch_kernels  # numba: imported when a fit runs

        v = am.volatility
        if type(v) is not volatility.GARCH or v.power != 2.0 or am.num_params != 1:
            raise DataError("internal: _NormalGarchNLL is for constant-mean GARCH(p, o, q).")
        self._y = am._fit_y
        self._rec, self._rec_rows = (
            _garch_kernels.garch_recursion,
            _garch_kernels.garch_recursion_rows,
        )
        self._pq = (v.p, v.o, v.q, self._y.shape[0])
        self._c = np.log(2 * np.pi)
        self._mu: float | None = None
        self._fresids = self._sresids = self._r2 = self._y

    def starting_values(self, v: Any, resids: np.ndarray, backcast: Any, var_bounds: Any):  # type: ignore[no-untyped-def]
        """``GARCH.starting_values``: the best Gaussian likelihood on arch's 64-point grid.

        arch's code for power 2 with the residual transforms made once, not per point.
        """
        p, o, q = v.p, v.o, v.q
        alphas = [0.01, 0.05, 0.1, 0.2]
        abg = [0.5, 0.7, 0.9, 0.98]
        target = np.mean(np.absolute(resids) ** 2.0)
        scale = np.mean(resids**2) / (target ** (2.0 / 2.0))
        target *= scale ** (2.0 / 2)
        fresids, sresids, r2 = np.absolute(resids) ** 2.0, np.sign(resids), resids**2.0
        svs = np.empty((len(alphas) ** 2 * len(abg), p + o + q + 1))
        for i, (alpha, gamma, agb) in enumerate(itertools.product(alphas, alphas, abg)):
            sv = (1.0 - agb) * target * np.ones(p + o + q + 1, dtype=float)
            if p > 0:
                sv[1 : 1 + p] = alpha / p
                agb -= alpha
            if o > 0:
                sv[1 + p : 1 + p + o] = gamma / o
                agb -= gamma / 2.0
            if q > 0:
                sv[1 + p + o : 1 + p + o + q] = agb / q
            svs[i] = sv
        # every grid point's variance path, then the Gaussian log-likelihoods row by row
        # (a row sum of a C-ordered matrix is the 1-D sum of that row)
        sigma2 = np.empty((svs.shape[0], resids.shape[0]))
        self._rec_rows(
            svs, fresids, sresids, sigma2, p, o, q, float(backcast), np.asarray(var_bounds)
        )
        llfs = (-0.5 * (self._c + np.log(sigma2) + r2 / sigma2)).sum(axis=1)
        return svs[int(np.argmax(llfs))].copy()

    def __call__(self, params: np.ndarray, sigma2: np.ndarray, backcast: Any, var_bounds: Any):  # type: ignore[no-untyped-def]
        mu = params[0]
        if mu != self._mu:
            resids = self._y - mu
            self._fresids = np.absolute(resids) ** 2.0
            self._sresids = np.sign(resids)
            self._r2 = resids**2.0
            self._mu = mu
        p, o, q, nobs = self._pq
        self._rec(
            params[1:], self._fresids, self._sresids, sigma2, p, o, q, nobs, backcast, var_bounds
        )
        lls = -0.5 * (self._c + np.log(sigma2) + self._r2 / sigma2)
        return -float(lls.sum())


def fit_garch_params(x: np.ndarray, *, model: str = "garch") -> GarchParams:
    """:func:`fit_garch` (normal errors) without building arch's result object.

    The same optimisation as ``arch_model(...).fit()``: arch's starting values, bounds,
    linear constraints and negative log-likelihood go to the same SLSQP call. What
    differs is overhead only: scipy's generic ``approx_derivative`` (called once per
    constraint row and per gradient, ~70% of a fit) is replaced by the same
    forward-difference rule written out (same steps, same function evaluations, same
    arithmetic), and the likelihood and starting-value grid are arch's expressions for
    this one model (:class:`_NormalGarchNLL`). The iterates and estimates are
    bit-for-bit those of ``fit_garch``; ``tests/test_risk_var_backtest.py`` checks
    this on many windows. It relies on arch's private model methods (arch 8.0).
    Non-convergence raises DataError, as in :func:`fit_garch`.
    """
    from scipy.optimize import minimize

    am = _model(x, model, "normal")
    am._adjust_sample(None, None)
    v, d = am.volatility, am.distribution
    resids = am.resids(am.starting_values())
    backcast = v.backcast(resids)
    sigma2 = np.zeros(resids.shape[0], dtype=float)
    func = _NormalGarchNLL(am)
    var_bounds = v.variance_bounds(resids)
    sv_volatility = func.starting_values(v, resids, backcast, var_bounds)
    v.compute_variance(sv_volatility, resids, sigma2, backcast, var_bounds)
    std_resids = resids / np.sqrt(sigma2)
    parts = [am.constraints(), v.constraints(), d.constraints()]
    sizes = [am.num_params, v.num_params, d.num_params]
    a = np.zeros((sum(c[0].shape[0] for c in parts), sum(sizes)))
    b = np.zeros(a.shape[0])
    r0 = c0 = 0
    for (ca, cb), k in zip(parts, sizes, strict=True):
        a[r0 : r0 + ca.shape[0], c0 : c0 + k] = ca
        b[r0 : r0 + ca.shape[0]] = cb
        r0, c0 = r0 + ca.shape[0], c0 + k
    bounds = [*am.bounds(), *v.bounds(resids), *d.bounds(std_resids)]
    lb = np.array([-np.inf if lo is None else float(lo) for lo, _ in bounds])
    ub = np.array([np.inf if hi is None else float(hi) for _, hi in bounds])
    sv = np.hstack([am.starting_values(), sv_volatility, d.starting_values(std_resids)])
    args = (sigma2, backcast, var_bounds)
    last: dict[str, Any] = {"x": None, "f": 0.0, "cx": None, "jac": None}

    def objective(p: np.ndarray, *fargs: Any) -> float:
        f = func(p, *fargs)
        last["x"], last["f"] = p.copy(), f
        return f  # type: ignore[no-any-return]

    def grad(p: np.ndarray, *fargs: Any) -> np.ndarray:
        # scipy differences from the objective value it holds at p: the cached one
        f0 = last["f"] if np.array_equal(p, last["x"]) else func(p, *fargs)
        return _fd_gradient(func, p, f0, _fd_step(p, lb, ub), fargs)

    con_funs = [_linear_constraint(a[i], b[i]) for i in range(a.shape[0])]

    def con_jac(row: int, p: np.ndarray) -> np.ndarray:
        # scipy differences each constraint row at the (clipped) x; the steps are shared
        if not np.array_equal(p, last["cx"]):
            q = np.clip(p, lb, ub) if (p < lb).any() or (p > ub).any() else p
            h = _fd_step(q, lb, ub)
            last["cx"] = p.copy()
            last["jac"] = [_fd_gradient(f, q, f(q), h, ()) for f in con_funs]
        return last["jac"][row]  # type: ignore[no-any-return]

    cons = [
        {"type": "ineq", "fun": f, "jac": functools.partial(con_jac, i)}
        for i, f in enumerate(con_funs)
    ]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        opt = minimize(  # type: ignore[call-overload]  # scipy-stubs: dict constraints
            objective,
            sv,
            args=args,
            jac=grad,
            method="SLSQP",
            bounds=bounds,
            constraints=cons,
            options={"disp": False},
        )
    if opt.status != 0:
        raise DataError(
            f"GARCH estimation did not converge (optimizer flag {opt.status}); "
            "use a longer sample or another method."
        )
    params = opt.x
    mp, vp, _ = am._parse_parameters(params)
    res_final = am.resids(mp)
    vol = np.zeros(res_final.shape[0], dtype=float)
    v.compute_variance(vp, res_final, vol, backcast, var_bounds)
    names = am._all_parameter_names()
    return GarchParams(
        params={n: float(p) for n, p in zip(names, params, strict=True)},
        conditional_volatility=np.sqrt(vol),
        convergence_flag=int(opt.status),
    )
