"""Thin wrapper over ``arch`` used by volatility.garch_volatility and the FHS VaR."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np

from riskkit._errors import DataError

__all__ = ["GarchSpec", "fit_garch", "standardized_residuals_and_forecast"]

GarchSpec = Literal["garch", "gjr"]
SCALE = 100.0  # arch fits better on percent returns; every output is scaled back


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
