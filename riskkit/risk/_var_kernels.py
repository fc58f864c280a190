"""VaR/CVaR kernels on plain 1-D numpy arrays of returns (decimals).

Every kernel returns ``(var, cvar)`` as positive loss numbers for a one-period horizon.
The pandas-facing functions live in :mod:`riskkit.risk.var`; the rolling backtest in
:mod:`riskkit.risk.var_backtest` calls the same kernels on each window.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from riskkit._errors import DataError

__all__ = [
    "cornish_fisher_z",
    "evt_var_cvar",
    "gpd_fit",
    "fhs_var_cvar",
    "rolling_evt_var_cvar",
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
    """True if the Cornish-Fisher quantile is increasing on the whole lower tail (-inf, z].

    Its derivative in z is the quadratic ``a z^2 + b z + c`` with ``a = k/8 - s^2/6``,
    ``b = s/3``, ``c = 1 - k/8 + 5 s^2/36``; it must stay positive on (-inf, z] for the
    expansion to be a quantile function there (Maillard, 2012), which is what makes
    the Cornish-Fisher CVaR >= VaR.
    """
    a = k / 8.0 - s * s / 6.0
    b = s / 3.0
    c = 1.0 - k / 8.0 + 5.0 * s * s / 36.0

    def d(x: float) -> float:
        return a * x * x + b * x + c

    if a < 0.0 or (a == 0.0 and b > 0.0):
        return False  # the derivative turns negative far in the tail
    if a == 0.0:
        return d(z) > 0.0
    vertex = -b / (2.0 * a)
    return d(vertex) > 0.0 if vertex < z else d(z) > 0.0


def cornish_fisher_var_cvar(x: np.ndarray, level: float) -> tuple[float, float]:
    """Cornish-Fisher (modified) VaR and the expected shortfall of the CF quantile function."""
    mu, sd, s, k = _moments(x)
    p = 1.0 - level
    z = float(stats.norm.ppf(p))
    zcf = cornish_fisher_z(z, s, k)
    phi = float(stats.norm.pdf(z))
    bracket = 1.0 + z * s / 6.0 + (z**2 - 1.0) * k / 24.0 + (1.0 - 2.0 * z**2) * s**2 / 36.0
    return -(mu + sd * zcf), -(mu - sd * phi / p * bracket)


def _gpd_profile(theta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Profile log-likelihood of the GPD in theta = xi / beta, and xi(theta)."""
    n = y.size
    s = np.log1p(np.outer(theta, y)).sum(axis=1)
    with np.errstate(all="ignore"):
        ll = -n * np.log(s / (n * theta)) - s - n
    return ll, s / n


def gpd_fit(y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (xi, beta) of a generalized Pareto with location 0.

    Grimshaw's (1993) reparametrisation: for fixed ``theta = xi / beta`` the likelihood
    is maximised by ``xi(theta) = mean(log(1 + theta * y))``, leaving the one-dimensional
    profile ``l(theta) = -n log(xi / theta) - n xi - n`` on ``theta > -1 / max(y)``.
    It is maximised on a log-spaced grid of both signs, then refined with bounded Brent;
    the exponential (xi = 0) limit is kept when it is better. Regions with xi < -1
    (unbounded likelihood) are excluded. ``scipy.stats.genpareto.fit`` maximises the same
    likelihood with Nelder-Mead; the tests check that this optimum is never below
    scipy's. It is ~20x faster, which matters in rolling backtests, and it does not stall
    near xi = 0 as fmin's relative simplex can.
    """
    y = np.asarray(y, dtype=float)
    n, m = y.size, float(y.mean())
    ll_exp = -n * np.log(m) - n  # xi = 0: exponential with beta = mean
    lo = -1.0 / float(y.max())
    grid = np.concatenate([lo * np.geomspace(1e-4, 1 - 1e-6, 60), np.geomspace(1e-4, 1e3, 80) / m])
    ll, xi = _gpd_profile(grid, y)
    ll = np.where(np.isfinite(ll) & (xi > -1.0), ll, -np.inf)
    k = int(np.argmax(ll))
    if not np.isfinite(ll[k]) or ll[k] <= ll_exp:
        return 0.0, m
    g = np.sort(grid)
    kk = int(np.searchsorted(g, grid[k]))
    a, b = g[max(kk - 1, 0)], g[min(kk + 1, g.size - 1)]
    res = optimize.minimize_scalar(
        lambda t: -_gpd_profile(np.array([t]), y)[0][0],
        bounds=(a, b),
        method="bounded",
        options={"xatol": 1e-12 * max(abs(a), abs(b))},
    )
    theta = float(res.x) if -float(res.fun) >= ll[k] else float(grid[k])
    xi_t = float(_gpd_profile(np.array([theta]), y)[1][0])
    return xi_t, xi_t / theta


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
    var, cvar = _pot_var_cvar(u, xi, beta, n, nu, p)
    return var, cvar, {"u": u, "xi": xi, "beta": beta, "exceedances": nu}


def _pot_var_cvar(
    u: float, xi: float, beta: float, n: int, nu: int, p: float
) -> tuple[float, float]:
    """POT VaR/CVaR at tail probability p from the GPD (xi, beta) above threshold u."""
    ratio = n / nu * p
    # xi -> 0 is the exponential tail: beta/xi * (ratio^-xi - 1) -> -beta * log(ratio)
    var = u - beta * np.log(ratio) if abs(xi) < 1e-12 else u + beta / xi * (ratio**-xi - 1.0)
    cvar = (var + beta - xi * u) / (1.0 - xi) if xi < 1.0 else np.inf
    return float(var), float(cvar)


def rolling_evt_var_cvar(
    w: np.ndarray,
    level: float,
    *,
    threshold: float = 0.90,
    min_exceedances: int = 20,
    chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`evt_var_cvar` on every row of ``w`` (windows x observations), bit for bit.

    Thresholds come from one row-wise quantile; the GPD fits of rows with the same number
    of exceedances run together in :func:`riskkit.risk._gpd_kernels.gpd_fit_many`; the
    tail formulas are evaluated per row exactly as in :func:`evt_var_cvar`. A row that
    :func:`evt_var_cvar` would reject raises its DataError (the first such row).
    """
    from riskkit.risk._gpd_kernels import gpd_fit_many

    losses = -np.asarray(w, dtype=float)
    rows, n = losses.shape
    p = 1.0 - level
    out_v, out_c = np.empty(rows), np.empty(rows)
    for c0 in range(0, rows, chunk):
        lc = losses[c0 : c0 + chunk]
        u = np.quantile(lc, threshold, axis=1)
        above = lc > u[:, None]
        nus = above.sum(axis=1)
        bad = np.flatnonzero((nus < min_exceedances) | (p >= nus / n))
        if bad.size:
            evt_var_cvar(w[c0 + bad[0]], level, threshold=threshold)  # raises its DataError
        for nu in np.unique(nus):
            g = np.flatnonzero(nus == nu)
            y = lc[g][above[g]].reshape(g.size, int(nu)) - u[g, None]
            xi, beta = gpd_fit_many(y)
            for j, i in enumerate(g.tolist()):
                out_v[c0 + i], out_c[c0 + i] = _pot_var_cvar(
                    float(u[i]), float(xi[j]), float(beta[j]), n, int(nu), p
                )
    return out_v, out_c


def fhs_var_cvar(z: np.ndarray, mu: float, sigma: float, level: float) -> tuple[float, float]:
    """Filtered historical simulation: historical VaR/CVaR of mu + sigma * z."""
    return historical_var_cvar(mu + sigma * np.asarray(z, dtype=float), level)
