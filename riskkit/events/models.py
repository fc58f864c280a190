"""Normal-return models of an event study, fitted on one event's estimation window.

Models (``k`` = number of estimated parameters):

* ``"constant"``: ``R_t = mu + e_t`` (k = 1).
* ``"market_adjusted"``: ``AR_t = R_t - Rm_t``, nothing estimated (k = 0).
* ``"market"``: ``R_t = a + b Rm_t + e_t`` by OLS (k = 2).
* ``"market_btc"``: ``R_t = a + b Rm_t + c Rbtc_t + e_t`` by OLS (k = 3), the bitcoin
  return compounded over each equity session interval.
* ``"factors"``: ``R_t = a + sum_j b_j F_jt + e_t`` on every column of the user's factor
  frame (k = 1 + number of factors).

``"market"`` uses the first factor column, ``"market_btc"`` the first two (market, BTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from riskkit._errors import DataError

__all__ = ["MODELS", "ModelFit", "ModelName", "factor_columns", "fit_model"]

ModelName = Literal["constant", "market_adjusted", "market", "market_btc", "factors"]
MODELS: tuple[str, ...] = ("constant", "market_adjusted", "market", "market_btc", "factors")


@dataclass(frozen=True)
class ModelFit:
    """One event's fitted normal-return model.

    Attributes
    ----------
    model
        Model name.
    params
        Estimated parameters (``alpha``, ``beta_<factor>``...); empty for market-adjusted.
    sigma2
        Residual variance ``e'e / (M - k)``.
    nobs, df_resid
        ``M`` (complete estimation observations) and ``M - k``.
    xtx_inv
        ``(X'X)^{-1}`` (``k x k``), None when nothing is estimated.
    regressors
        Names of the columns of ``X`` (``const`` first).
    resid
        Estimation-window residuals indexed by date.
    """

    model: str
    params: dict[str, float]
    sigma2: float
    nobs: int
    df_resid: int
    xtx_inv: np.ndarray | None
    regressors: tuple[str, ...]
    resid: pd.Series

    def design(self, factors: pd.DataFrame) -> np.ndarray | None:
        """The regressor matrix ``X`` on the rows of ``factors`` (None if no parameters)."""
        if not self.regressors:
            return None
        cols = [c for c in self.regressors if c != "const"]
        x = factors[cols].to_numpy(dtype=float) if cols else np.empty((len(factors), 0))
        return np.column_stack([np.ones(len(factors)), x])

    def expected(self, factors: pd.DataFrame) -> np.ndarray:
        """Normal (expected) returns on the rows of ``factors``."""
        if self.model == "market_adjusted":
            return factors.iloc[:, 0].to_numpy(dtype=float)
        x = self.design(factors)
        if x is None:
            return np.zeros(len(factors))
        beta = np.array([self.params[_param_name(c)] for c in self.regressors])
        return np.asarray(x @ beta, dtype=float)


def _param_name(col: str) -> str:
    return "alpha" if col == "const" else f"beta_{col}"


def factor_columns(model: str, factors: pd.DataFrame | None) -> list[str]:
    """The factor columns a model uses (see the module docstring).

    Raises
    ------
    DataError
        Unknown model, or too few factor columns for it.
    """
    if model not in MODELS:
        raise DataError(f"model={model!r} is not known; use one of {list(MODELS)}.")
    if model == "constant":
        return []
    cols = [] if factors is None else [str(c) for c in factors.columns]
    need = {"market_adjusted": 1, "market": 1, "market_btc": 2, "factors": 1}[model]
    if len(cols) < need:
        raise DataError(
            f"model={model!r} needs {need} factor column(s) (market first, then BTC for "
            f"'market_btc'); the factor frame has {cols}. Pass factors=DataFrame(...)."
        )
    if model == "factors":
        return cols
    return cols[:need]


def fit_model(y: pd.Series, factors: pd.DataFrame, model: str) -> ModelFit:
    """Fit a normal-return model on one estimation window.

    Parameters
    ----------
    y
        The security's returns on the estimation dates.
    factors
        Factor returns on the same dates (only the model's columns); rows with a missing
        return or factor are dropped (complete-case OLS).
    model
        One of :data:`MODELS`.

    Returns
    -------
    ModelFit

    Notes
    -----
    OLS by ``statsmodels.OLS``; ``sigma2 = e'e / (M - k)`` (the regression's ``scale``),
    ``xtx_inv = (X'X)^{-1}`` (``normalized_cov_params``). For the constant-mean model
    ``mu`` is the sample mean and ``sigma2`` the ddof = 1 variance. For the
    market-adjusted model nothing is estimated: ``sigma2 = sum AR^2 / M`` (k = 0), and
    the CAR variance has no prediction-error term.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=5)
    >>> m = pd.DataFrame({"mkt": [0.01, -0.02, 0.0, 0.03, -0.01]}, index=idx)
    >>> y = 0.001 + 1.5 * m["mkt"] + pd.Series([0.001, -0.001, 0.0, 0.001, -0.001], index=idx)
    >>> f = fit_model(y, m, "market")
    >>> round(f.params["alpha"], 6), f.nobs, f.df_resid
    (0.001, 5, 3)
    """
    data = pd.concat([y.rename("__y__"), factors], axis=1).dropna()
    nobs = len(data)
    yv = data["__y__"].to_numpy(dtype=float)
    if model == "market_adjusted":
        ar = yv - data.iloc[:, 1].to_numpy(dtype=float)
        resid = pd.Series(ar, index=data.index)
        return ModelFit(model, {}, float(ar @ ar / nobs), nobs, nobs, None, (), resid)
    cols = [c for c in data.columns if c != "__y__"]
    x = np.column_stack([np.ones(nobs), data[cols].to_numpy(dtype=float)])
    res = sm.OLS(yv, x).fit()
    regressors = ("const", *cols)
    params = {_param_name(c): float(v) for c, v in zip(regressors, res.params, strict=True)}
    return ModelFit(
        model=model,
        params=params,
        sigma2=float(res.scale),
        nobs=nobs,
        df_resid=int(round(res.df_resid)),
        xtx_inv=np.asarray(res.normalized_cov_params, dtype=float),
        regressors=regressors,
        resid=pd.Series(np.asarray(res.resid, dtype=float), index=data.index),
    )
