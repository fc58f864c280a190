"""Value at Risk and Conditional Value at Risk (expected shortfall).

Sign convention (the one used everywhere in :mod:`riskkit.risk`)
---------------------------------------------------------------
VaR and CVaR are reported as **positive loss numbers, in decimals of the position's
value**: ``0.05`` means a 5% loss. For returns ``r`` and level ``a`` (e.g. 0.99),

    VaR_a  = -q_{1-a}(r)                 (the loss exceeded with probability 1 - a)
    CVaR_a = -E[ r | r <= q_{1-a}(r) ]   (the mean loss in that tail), so CVaR_a >= VaR_a.

A negative VaR means even the (1 - a) quantile is a gain.

Methods
-------
``historical``      empirical quantile (numpy "linear" interpolation), CVaR = mean of the
                    returns at or below it.
``gaussian``        normal with sample mean and ddof=1 standard deviation.
``cornish_fisher``  modified VaR (Favre and Galeano, 2002) with sample skewness and excess
                    kurtosis (moment estimators, 1/n); CVaR = expected shortfall of the
                    Cornish-Fisher quantile function (closed form, see Notes).
``evt``             peaks over threshold: generalized Pareto fitted by maximum likelihood
                    to the losses above their ``evt_threshold`` quantile (McNeil and Frey,
                    2000); the optimum is checked against ``scipy.stats.genpareto.fit``.
``fhs``             filtered historical simulation: GARCH(1,1) (or GJR) fitted with
                    ``arch``; the standardised residuals are rescaled by the one-step
                    volatility forecast (Barone-Adesi et al., 1999).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, warn
from riskkit.risk import _garch
from riskkit.risk._common import apply_by_column, apply_columns, check_horizon, check_level
from riskkit.risk._var_kernels import (
    cornish_fisher_monotone,
    cornish_fisher_var_cvar,
    evt_var_cvar,
    fhs_var_cvar,
    gaussian_var_cvar,
    historical_var_cvar,
)

__all__ = [
    "VAR_METHODS",
    "VaRTable",
    "conditional_value_at_risk",
    "cornish_fisher_is_valid",
    "value_at_risk",
    "var_table",
]

VaRMethod = Literal["historical", "gaussian", "cornish_fisher", "evt", "fhs"]
VAR_METHODS: tuple[str, ...] = ("historical", "gaussian", "cornish_fisher", "evt", "fhs")
MIN_OBS = {"historical": 20, "gaussian": 20, "cornish_fisher": 20, "evt": 100, "fhs": 100}


def _check_method(method: str) -> str:
    if method not in VAR_METHODS:
        raise DataError(f"method={method!r} is not allowed; use one of {list(VAR_METHODS)}.")
    return method


def _overlapping(x: np.ndarray, horizon: int) -> np.ndarray:
    """Compounded returns over overlapping windows of ``horizon`` periods."""
    if x.size < horizon + 20:
        raise DataError(
            f"horizon_scaling='overlapping' with horizon={horizon} needs at least "
            f"{horizon + 20} observations, got {x.size}."
        )
    logs = np.log1p(x)
    c = np.concatenate([[0.0], np.cumsum(logs)])
    return np.expm1(c[horizon:] - c[:-horizon])


def _var_cvar_array(
    x: np.ndarray,
    *,
    level: float,
    horizon: int,
    method: str,
    horizon_scaling: str,
    evt_threshold: float,
    garch_model: str,
    n_simulations: int,
    seed: int,
) -> tuple[float, float]:
    if method == "fhs":
        res = _garch.fit_garch(x, model=garch_model)
        if horizon == 1:
            z, mu, sigma = _garch.standardized_residuals_and_forecast(res)
            return fhs_var_cvar(z, mu, sigma, level)
        fc = res.forecast(
            horizon=horizon,
            method="bootstrap",
            simulations=n_simulations,
            random_state=np.random.RandomState(seed),
            reindex=False,
        )
        paths = fc.simulations.values[-1] / _garch.SCALE  # (simulations, horizon)
        return historical_var_cvar(np.prod(1.0 + paths, axis=1) - 1.0, level)
    scale = 1.0
    if horizon > 1:
        if horizon_scaling == "overlapping":
            x = _overlapping(x, horizon)
        else:
            scale = float(np.sqrt(horizon))
    if method == "historical":
        v, c = historical_var_cvar(x, level)
    elif method == "gaussian":
        v, c = gaussian_var_cvar(x, level)
    elif method == "cornish_fisher":
        v, c = cornish_fisher_var_cvar(x, level)
    else:
        v, c, _ = evt_var_cvar(x, level, threshold=evt_threshold)
    return scale * v, scale * c


def _historical_columns(a: np.ndarray, level: float, which: int) -> np.ndarray:
    """historical_var_cvar of each column of an ``(n, k)`` array (VaR if which=0, else CVaR).

    Same operations per column: quantiles along ``axis=0`` are those of each column, and
    each CVaR averages that column's tail in time order, as one contiguous row.
    """
    q = np.quantile(a.T, 1.0 - level, axis=1)  # rows of a.T are the columns of a
    if which == 0:
        return -q
    tail = a <= q
    counts = tail.sum(axis=0)
    groups = np.unique(counts)
    if groups.size == 1:  # the usual case: continuous returns, no ties at q
        return -a.T[tail.T].reshape(a.shape[1], int(groups[0])).mean(axis=1)
    out = np.empty(a.shape[1])
    for m in groups:
        cols = np.flatnonzero(counts == m)
        rows = a[:, cols].T[tail[:, cols].T].reshape(cols.size, int(m))
        out[cols] = -rows.mean(axis=1)
    return out


def _gaussian_columns(a: np.ndarray, level: float, which: int) -> np.ndarray:
    """gaussian_var_cvar of each column of an ``(n, k)`` array (VaR if which=0, else CVaR)."""
    mu = np.mean(a, axis=0)
    sd = np.std(a, axis=0, ddof=1)
    z = float(stats.norm.ppf(1.0 - level))
    if which == 0:
        return -(mu + sd * z)
    return -(mu - sd * float(stats.norm.pdf(z)) / (1.0 - level))


#: methods with a column-wise kernel (one pass over all columns; horizon via sqrt only)
_COLUMN_KERNELS = {"historical": _historical_columns, "gaussian": _gaussian_columns}


def _dispatch(
    returns,
    *,
    which: int,
    level,
    horizon,
    method,
    horizon_scaling,
    nan_policy,
    evt_threshold,
    garch_model,
    n_simulations,
    seed,
):
    level = check_level(level)
    horizon = check_horizon(horizon)
    method = _check_method(method)
    if horizon_scaling not in ("sqrt", "overlapping"):
        raise DataError(
            f"horizon_scaling={horizon_scaling!r} is not allowed; use 'sqrt' or 'overlapping'."
        )
    if not 0.5 <= evt_threshold < 1.0:
        raise DataError(f"evt_threshold must be in [0.5, 1), got {evt_threshold!r}.")

    kernel = _COLUMN_KERNELS.get(method)
    if kernel is not None and (horizon == 1 or horizon_scaling == "sqrt"):
        scale = float(np.sqrt(horizon)) if horizon > 1 else 1.0
        return apply_columns(
            returns,
            lambda a: scale * kernel(a, level, which),
            min_length=MIN_OBS[method],
            nan_policy=nan_policy,
            stacklevel=5,
        )

    def one(s: pd.Series) -> float:
        if method == "cornish_fisher" and not cornish_fisher_is_valid(s, level=level):
            _warn_cf(s.name, level, 7)
        return _var_cvar_array(
            s.to_numpy(dtype=float),
            level=level,
            horizon=horizon,
            method=method,
            horizon_scaling=horizon_scaling,
            evt_threshold=evt_threshold,
            garch_model=garch_model,
            n_simulations=n_simulations,
            seed=seed,
        )[which]

    return apply_by_column(
        returns, one, min_length=MIN_OBS[method], nan_policy=nan_policy, stacklevel=5
    )


def _warn_cf(name: object, level: float, stacklevel: int) -> None:
    warn(
        f"Cornish-Fisher expansion is not a valid quantile function below the {level:.1%} "
        f"level for {name!r} (skewness/kurtosis outside Maillard's domain): its VaR/CVaR "
        "are unreliable there; prefer 'evt' or 'historical'.",
        stacklevel=stacklevel,
    )


def value_at_risk(
    returns: pd.Series | pd.DataFrame,
    *,
    level: float = 0.99,
    horizon: int = 1,
    method: VaRMethod = "historical",
    horizon_scaling: Literal["sqrt", "overlapping"] = "sqrt",
    evt_threshold: float = 0.90,
    garch_model: Literal["garch", "gjr"] = "garch",
    n_simulations: int = 10_000,
    seed: int = 0,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Value at Risk as a positive loss number (0.05 = a 5% loss).

    Parameters
    ----------
    returns
        Simple returns in decimals on a DatetimeIndex (Series, or DataFrame of assets).
    level
        Confidence level in (0, 1), e.g. 0.99 for the 1% tail.
    horizon
        Horizon in periods of the data (sessions for equities, days for BTC).
    method
        ``"historical"``, ``"gaussian"``, ``"cornish_fisher"``, ``"evt"`` or ``"fhs"``.
    horizon_scaling
        For horizon > 1 and methods other than ``fhs``: ``"sqrt"`` multiplies the one-period
        figure by sqrt(horizon); ``"overlapping"`` applies the method to overlapping
        compounded ``horizon``-period returns. ``fhs`` always simulates ``horizon`` steps of
        the GARCH recursion by bootstrapping its standardised residuals.
    evt_threshold
        Quantile of the losses used as the POT threshold (default 0.90: top 10% losses).
    garch_model
        ``"garch"`` (GARCH(1,1)) or ``"gjr"`` (GJR-GARCH(1,1,1)) for ``fhs``.
    n_simulations, seed
        Bootstrap paths and seed for ``fhs`` with horizon > 1 (reproducible by default).
    nan_policy
        ``"raise"`` or ``"omit"`` (NaNs dropped per column and reported).

    Returns
    -------
    float or Series
        A float for a Series, a Series indexed by the columns for a DataFrame.

    Raises
    ------
    DataError
        Bad level/horizon/method, too few observations (20; 100 for evt and fhs), NaNs.

    Notes
    -----
    ``VaR_a = -q_{1-a}(r)``. Historical: ``q = np.quantile(r, 1 - a)`` (linear
    interpolation, identical to ``empyrical.value_at_risk(r, cutoff=1 - a)`` up to sign).
    Gaussian: ``-(mu + sigma * Phi^{-1}(1 - a))`` with ddof=1 sigma, identical to
    ``-quantstats.stats.value_at_risk(r, confidence=a)``. Cornish-Fisher:
    ``-(mu + sigma * z_cf)`` with ``z_cf = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36``,
    S and K the moment (1/n) skewness and excess kurtosis. EVT:
    ``u + beta/xi * ((n/N_u * (1-a))^{-xi} - 1)``. No annualisation is involved.

    References
    ----------
    Jorion, P. (2006). *Value at Risk*, 3rd ed. McGraw-Hill.
    Favre, L. and Galeano, J.-A. (2002). Mean-modified value-at-risk optimization with
    hedge funds. *Journal of Alternative Investments* 5(2), 21-25.
    McNeil, A. J. and Frey, R. (2000). Estimation of tail-related risk measures for
    heteroscedastic financial time series. *Journal of Empirical Finance* 7, 271-300.
    Barone-Adesi, G., Giannopoulos, K. and Vosper, L. (1999). VaR without correlations
    for portfolios of derivative securities. *Journal of Futures Markets* 19, 583-602.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.01, -0.02, 0.015, -0.05, 0.0] * 10,
    ...               index=pd.bdate_range("2024-01-01", periods=50))
    >>> round(value_at_risk(r, level=0.95), 4)
    0.05
    >>> round(value_at_risk(r, level=0.95, method="gaussian"), 4)
    0.0485
    """
    return _dispatch(
        returns,
        which=0,
        level=level,
        horizon=horizon,
        method=method,
        horizon_scaling=horizon_scaling,
        nan_policy=nan_policy,
        evt_threshold=evt_threshold,
        garch_model=garch_model,
        n_simulations=n_simulations,
        seed=seed,
    )


def conditional_value_at_risk(
    returns: pd.Series | pd.DataFrame,
    *,
    level: float = 0.99,
    horizon: int = 1,
    method: VaRMethod = "historical",
    horizon_scaling: Literal["sqrt", "overlapping"] = "sqrt",
    evt_threshold: float = 0.90,
    garch_model: Literal["garch", "gjr"] = "garch",
    n_simulations: int = 10_000,
    seed: int = 0,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Conditional Value at Risk (expected shortfall) as a positive loss number.

    Parameters are those of :func:`value_at_risk`.

    Returns
    -------
    float or Series
        A float for a Series, a Series indexed by the columns for a DataFrame.

    Raises
    ------
    DataError
        As :func:`value_at_risk`.

    Notes
    -----
    ``CVaR_a = -E[r | r <= q_{1-a}]``, always >= VaR at the same level.

    * historical: mean of the returns at or below the linear-interpolated quantile (the
      definition of ``quantstats`` ``cvar(method="historical")``). ``empyrical``'s
      ``conditional_value_at_risk`` instead averages the ``floor((n-1)(1-a)) + 1`` smallest
      returns; the two differ when the quantile falls between order statistics.
    * gaussian: ``-(mu - sigma * phi(z) / (1 - a))`` with ``z = Phi^{-1}(1 - a)``.
    * cornish_fisher: the mean of the Cornish-Fisher quantile function below ``1 - a``,
      in closed form ``-(mu - sigma * phi(z)/(1-a) * [1 + zS/6 + (z^2-1)K/24 +
      (1-2z^2)S^2/36])`` (from the normal partial moments).
    * evt: ``(VaR + beta - xi * u) / (1 - xi)`` (infinite if xi >= 1).
    * fhs: historical CVaR of the filtered simulated returns.

    References
    ----------
    Acerbi, C. and Tasche, D. (2002). On the coherence of expected shortfall. *Journal of
    Banking and Finance* 26, 1487-1503.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.01, -0.02, 0.015, -0.05, 0.0] * 10,
    ...               index=pd.bdate_range("2024-01-01", periods=50))
    >>> round(conditional_value_at_risk(r, level=0.95), 4)
    0.05
    """
    return _dispatch(
        returns,
        which=1,
        level=level,
        horizon=horizon,
        method=method,
        horizon_scaling=horizon_scaling,
        nan_policy=nan_policy,
        evt_threshold=evt_threshold,
        garch_model=garch_model,
        n_simulations=n_simulations,
        seed=seed,
    )


@dataclass(frozen=True)
class VaRTable:
    """VaR and CVaR of several assets by several methods (positive loss numbers).

    Attributes
    ----------
    var, cvar
        Frames with one row per method and one column per asset.
    level, horizon
        Confidence level and horizon in periods.
    n_obs
        Observations used per asset.
    start, end
        First and last date per asset.
    errors
        Method/asset pairs that could not be computed, with the reason.
    notes
        Method/asset pairs computed with a caveat (e.g. Cornish-Fisher outside its
        domain of validity).
    """

    var: pd.DataFrame
    cvar: pd.DataFrame
    level: float
    horizon: int
    horizon_scaling: str
    n_obs: pd.Series
    start: pd.Series
    end: pd.Series
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (asset, method) with var and cvar in decimals."""
        rows = [
            {
                "asset": a,
                "method": m,
                "level": self.level,
                "horizon": self.horizon,
                "var": float(self.var.loc[m, a]),
                "cvar": float(self.cvar.loc[m, a]),
                "n_obs": int(self.n_obs.loc[a]),
            }
            for a in self.var.columns
            for m in self.var.index
        ]
        return pd.DataFrame(rows)

    def summary(self) -> Summary:
        """VaR and CVaR in percent: prints as text, renders as HTML tables in a notebook."""
        lines = [
            f"{self.horizon}-period VaR / CVaR at {self.level:.1%} (positive = loss, in %)",
            "VaR",
            (100 * self.var).round(2).to_string(),
            "CVaR",
            (100 * self.cvar).round(2).to_string(),
            "observations: "
            + ", ".join(
                f"{a} {n} ({s:%Y-%m-%d} to {e:%Y-%m-%d})"
                for a, n, s, e in zip(
                    self.n_obs.index, self.n_obs, self.start, self.end, strict=True
                )
            ),
        ]
        if self.errors:
            lines.append("not computed: " + "; ".join(f"{k}: {v}" for k, v in self.errors.items()))
        if self.notes:
            lines.append("caution: " + "; ".join(f"{k}: {v}" for k, v in self.notes.items()))
        obs = pd.DataFrame({"Observations": self.n_obs, "From": self.start, "To": self.end})
        blocks: list[str | Table] = [
            Table(self.var.rename_axis("Method"), index=True, default="pct", caption="VaR"),
            Table(self.cvar.rename_axis("Method"), index=True, default="pct", caption="CVaR"),
            Table(obs.rename_axis("Asset"), {"Observations": "int"}, index=True),
            *lines[6:],
        ]
        return Summary("\n".join(lines), blocks)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr(
            "VaRTable",
            [("level", f"{self.level:.1%}"), ("horizon", self.horizon),
             ("methods", ", ".join(map(str, self.var.index))),
             ("assets", ", ".join(map(str, self.var.columns)))],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def var_table(
    returns: pd.DataFrame | pd.Series,
    *,
    level: float = 0.99,
    horizon: int = 1,
    methods: tuple[str, ...] | list[str] = VAR_METHODS,
    horizon_scaling: Literal["sqrt", "overlapping"] = "sqrt",
    evt_threshold: float = 0.90,
    garch_model: Literal["garch", "gjr"] = "garch",
) -> VaRTable:
    """VaR and CVaR for every asset (column) by every method.

    NaNs are dropped per column (assets trade on different calendars and start on
    different dates); the observations used are recorded in the result. A method that
    fails for one asset (e.g. too few exceedances for EVT) leaves NaN and the reason in
    ``errors`` instead of failing the whole table.

    Returns
    -------
    VaRTable

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> r = pd.DataFrame(rng.standard_t(4, size=(500, 2)) / 100, columns=["A", "B"],
    ...                  index=pd.bdate_range("2022-01-03", periods=500))
    >>> t = var_table(r, methods=["historical", "gaussian"])
    >>> t.var.shape
    (2, 2)
    """
    if isinstance(returns, pd.Series):
        returns = returns.to_frame(returns.name if returns.name is not None else "returns")
    check_timeseries(returns, min_length=2, nan_policy="omit")
    level = check_level(level)
    for m in methods:
        _check_method(m)
    var = pd.DataFrame(np.nan, index=list(methods), columns=returns.columns)
    cvar = var.copy()
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    for col in returns.columns:
        x = returns[col].dropna().to_numpy(dtype=float)
        for m in methods:
            if x.size < MIN_OBS[m]:
                errors[f"{col}/{m}"] = f"{x.size} observations < {MIN_OBS[m]}"
                continue
            try:
                v, c = _var_cvar_array(
                    x,
                    level=level,
                    horizon=horizon,
                    method=m,
                    horizon_scaling=horizon_scaling,
                    evt_threshold=evt_threshold,
                    garch_model=garch_model,
                    n_simulations=10_000,
                    seed=0,
                )
            except DataError as exc:
                errors[f"{col}/{m}"] = str(exc)
                continue
            if m == "cornish_fisher" and not cornish_fisher_is_valid(returns[col], level=level):
                notes[f"{col}/{m}"] = "CF expansion not monotone in the tail: unreliable"
                _warn_cf(col, level, 4)
            var.loc[m, col] = v
            cvar.loc[m, col] = c
    var.index.name = cvar.index.name = "method"
    nonmissing = returns.notna()
    return VaRTable(
        var=var,
        cvar=cvar,
        level=level,
        horizon=check_horizon(horizon),
        horizon_scaling=horizon_scaling,
        n_obs=nonmissing.sum().astype(int),
        start=pd.Series({c: returns[c].first_valid_index() for c in returns.columns}),
        end=pd.Series({c: returns[c].last_valid_index() for c in returns.columns}),
        errors=errors,
        notes=notes,
    )


def cornish_fisher_is_valid(returns: pd.Series, *, level: float = 0.99) -> bool:
    """True if the Cornish-Fisher expansion is a valid quantile function in the tail.

    The expansion with the sample skewness and excess kurtosis must be increasing on the
    whole lower tail below ``1 - level`` (Maillard, 2012); otherwise VaR can fall as the
    level rises and the CF CVaR can be below the VaR. ``value_at_risk`` and ``var_table``
    warn in that case.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(0).normal(size=500),
    ...               index=pd.bdate_range("2020-01-01", periods=500))
    >>> cornish_fisher_is_valid(r)
    True
    """
    from scipy import stats

    from riskkit.risk._var_kernels import _moments

    _, _, s, k = _moments(returns.dropna().to_numpy(dtype=float))
    return cornish_fisher_monotone(float(stats.norm.ppf(1 - check_level(level))), s, k)
