"""VaR/CVaR kernels on plain 1-D numpy arrays of returns (decimals).

Every kernel returns ``(var, cvar)`` as positive loss numbers for a one-period horizon.
The pandas-facing functions live in :mod:`riskkit.risk.var`; the rolling backtest in
:mod:`riskkit.risk.var_backtest` calls the same kernels on each window.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, stats

from riskkit._errors import DataError

__all__ = [
    "cornish_fisher_z",
    "evt_var_cvar",
    "gpd_fit",
    "fhs_var_cvar",
    "gaussian_var_cvar",
    "historical_var_cvar",
    "cornish_fisher_var_cvar",
]


def historical_var_cvar(x: np.ndarray, level: float) -> tuple[float, float]:
    """Empirical quantile (numpy 'linear' interpolation) and mean of returns at or below it."""
    q = float(np.quantile(x, 1.0 - level))
    tail = x[x <= q]
    return -q, -float(tail.mean())


def gaussian_var_cvar(x: np.ndarray, level: float) -> tuple[float, float]:
    """Normal VaR/CVaR with the sample mean and the ddof=1 standard deviation."""
    mu = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    z = float(stats.norm.ppf(1.0 - level))
    return -(mu + sd * z), -(mu - sd * float(stats.norm.pdf(z)) / (1.0 - level))


def _moments(x: np.ndarray) -> tuple[float, float, float, float]:
    mu = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    d = x - mu
    sig = float(np.sqrt(np.mean(d**2)))
    if sig == 0.0 or not np.isfinite(1.0 / sig):
        return mu, sd, 0.0, 0.0
    u = d / sig  # standardise first: no under/overflow in m2**1.5 for tiny returns
    return mu, sd, float(np.mean(u**3)), float(np.mean(u**4)) - 3.0


def cornish_fisher_z(z: float, s: float, k: float) -> float:
    """Cornish-Fisher quantile of a standardised variable with skewness s, excess kurtosis k."""
    return (
        z
        + (z**2 - 1.0) * s / 6.0
        + (z**3 - 3.0 * z) * k / 24.0
        - (2.0 * z**3 - 5.0 * z) * s**2 / 36.0
    )


def cornish_fisher_monotone(z: float, s: float, k: float) -> bool:
    """True if the Cornish-Fisher expansion is increasing at z (a valid quantile there)."""
    dz = 1.0 + 2.0 * z * s / 6.0 + (3.0 * z**2 - 3.0) * k / 24.0 - (6.0 * z**2 - 5.0) * s**2 / 36.0
    return dz > 0.0


def cornish_fisher_var_cvar(x: np.ndarray, level: float) -> tuple[float, float]:
    """Cornish-Fisher (modified) VaR and the expected shortfall of the CF quantile function."""
    mu, sd, s, k = _moments(x)
    p = 1.0 - level
    z = float(stats.norm.ppf(p))
    zcf = cornish_fisher_z(z, s, k)
    phi = float(stats.norm.pdf(z))
    bracket = 1.0 + z * s / 6.0 + (z**2 - 1.0) * k / 24.0 + (1.0 - 2.0 * z**2) * s**2 / 36.0
    return -(mu + sd * zcf), -(mu - sd * phi / p * bracket)


def _gpd_nll(theta: np.ndarray, y: np.ndarray) -> float:
    xi, log_beta = float(theta[0]), float(theta[1])
    z = y / np.exp(log_beta)
    if abs(xi) < 1e-10:
        return float(y.size * log_beta + z.sum())
    t = 1.0 + xi * z
    if np.any(t <= 0.0):
        return np.inf
    return float(y.size * log_beta + (1.0 + 1.0 / xi) * np.log(t).sum())


def gpd_fit(y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (xi, beta) of a generalized Pareto with location 0.

    Nelder-Mead on the exact log-likelihood in (xi, log beta), started at the
    method-of-moments estimates with an absolute initial simplex. ``scipy.stats.genpareto.fit``
    maximises the same likelihood; the tests check that this optimum is never below
    scipy's. It is 4x faster and, unlike fmin's relative simplex, does not stall when
    xi starts near 0, which matters in rolling backtests.
    """
    y = np.asarray(y, dtype=float)
    m, v = float(y.mean()), float(y.var())
    ratio = m * m / v if v > 0 else 1.0
    x0 = np.array([0.5 * (1.0 - ratio), np.log(0.5 * m * (ratio + 1.0))])
    simplex = np.array([x0, x0 + [0.1, 0.0], x0 + [0.0, 0.1]])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(
            _gpd_nll,
            x0,
            args=(y,),
            method="Nelder-Mead",
            options={"initial_simplex": simplex, "xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000},
        )
    return float(res.x[0]), float(np.exp(res.x[1]))


def evt_var_cvar(
    x: np.ndarray,
    level: float,
    *,
    threshold: float = 0.90,
    min_exceedances: int = 20,
) -> tuple[float, float, dict[str, float]]:
    """Peaks-over-threshold GPD VaR/CVaR of the losses (McNeil and Frey, 2000).

    Returns ``(var, cvar, info)`` with info = threshold u, xi, beta, exceedances.
    """
    losses = -np.asarray(x, dtype=float)
    n = losses.size
    u = float(np.quantile(losses, threshold))
    y = losses[losses > u] - u
    nu = int(y.size)
    if nu < min_exceedances:
        raise DataError(
            f"EVT needs at least {min_exceedances} losses above the threshold; got {nu} with "
            f"threshold={threshold} and {n} observations. Use a longer sample or a lower "
            "threshold (e.g. threshold=0.9)."
        )
    p = 1.0 - level
    if p >= nu / n:
        raise DataError(
            f"EVT VaR at level={level} lies inside the body of the distribution (only "
            f"{nu}/{n} = {nu / n:.3f} of losses exceed the threshold). Choose level > "
            f"{1 - nu / n:.3f} or a lower threshold."
        )
    xi, beta = gpd_fit(y)
    xi, beta = float(xi), float(beta)
    ratio = n / nu * p
    # xi -> 0 is the exponential tail: beta/xi * (ratio^-xi - 1) -> -beta * log(ratio)
    var = u - beta * np.log(ratio) if abs(xi) < 1e-12 else u + beta / xi * (ratio**-xi - 1.0)
    cvar = (var + beta - xi * u) / (1.0 - xi) if xi < 1.0 else np.inf
    return float(var), float(cvar), {"u": u, "xi": xi, "beta": beta, "exceedances": nu}


def fhs_var_cvar(z: np.ndarray, mu: float, sigma: float, level: float) -> tuple[float, float]:
    """Filtered historical simulation: historical VaR/CVaR of mu + sigma * z."""
    return historical_var_cvar(mu + sigma * np.asarray(z, dtype=float), level)
