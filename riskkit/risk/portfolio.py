"""Portfolio risk: covariance (with Ledoit-Wolf shrinkage), VaR/CVaR and their contributions.

VaR and CVaR are positive loss numbers in decimals of portfolio value (see
:mod:`riskkit.risk.var`). Weights are fractions of portfolio value (they need not sum to 1;
a short is a negative weight) and the portfolio return is ``r_p = sum_i w_i r_i``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn
from riskkit.risk._common import as_weights, check_level

__all__ = [
    "PortfolioRiskResult",
    "correlation_matrix",
    "covariance_matrix",
    "ledoit_wolf_shrinkage",
    "portfolio_risk",
]

Shrinkage = Literal["ledoit_wolf"] | float | None


def _complete_rows(returns: pd.DataFrame, name: str = "returns") -> pd.DataFrame:
    if not isinstance(returns, pd.DataFrame):
        raise DataError(f"{name} must be a DataFrame with one column per asset.")
    check_timeseries(returns, name=name, min_length=2, nan_policy="omit")
    full = returns.dropna()
    lost = len(returns) - len(full)
    if lost:
        warn(
            f"{name}: {lost} row(s) with a missing asset return were dropped so that every "
            f"asset is observed on the same dates ({len(full)} rows kept).",
            stacklevel=4,
        )
    if len(full) < returns.shape[1] + 2:
        raise DataError(
            f"{name}: only {len(full)} complete rows for {returns.shape[1]} assets; need at "
            "least n_assets + 2. Use a common sample period or fewer assets."
        )
    return full.astype(float)


def ledoit_wolf_shrinkage(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004) shrinkage of the covariance towards a scaled identity.

    Parameters
    ----------
    x
        (n, p) array of observations.

    Returns
    -------
    (covariance, delta)
        ``(1 - delta) S + delta * mu * I`` and the shrinkage intensity delta in [0, 1].

    Notes
    -----
    With X the demeaned data, ``S = X'X / n`` (ddof=0), ``mu = tr(S) / p``,
    ``d2 = ||S - mu I||_F^2 / p``, ``b2bar = sum_k ||x_k x_k' - S||_F^2 / (n^2 p)``,
    ``b2 = min(b2bar, d2)`` and ``delta = b2 / d2``. The same estimator as
    ``sklearn.covariance.ledoit_wolf`` (checked in the tests to 1e-10).

    References
    ----------
    Ledoit, O. and Wolf, M. (2004). A well-conditioned estimator for large-dimensional
    covariance matrices. *Journal of Multivariate Analysis* 88, 365-411.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 3))
    >>> cov, delta = ledoit_wolf_shrinkage(x)
    >>> cov.shape, 0 <= delta <= 1
    ((3, 3), True)
    """
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / n
    mu = np.trace(s) / p
    target = mu * np.eye(p)
    d2 = float(np.sum((s - target) ** 2)) / p
    row_sq = np.sum(xc**2, axis=1)
    b2bar = float(np.sum(row_sq**2) - n * np.sum(s**2)) / (n**2 * p)
    b2 = min(b2bar, d2)
    delta = 0.0 if d2 == 0 else b2 / d2
    return (1.0 - delta) * s + delta * target, float(delta)


def covariance_matrix(
    returns: pd.DataFrame,
    *,
    shrinkage: Shrinkage = None,
    annualize: bool = False,
    periods_per_year: float | None = None,
) -> pd.DataFrame:
    """Covariance matrix of asset returns on their common dates, optionally shrunk.

    Parameters
    ----------
    returns
        One column per asset, on one calendar (use :func:`riskkit.risk.session_returns`
        to mix BTC and equities). Rows with any NaN are dropped and reported.
    shrinkage
        ``None``: sample covariance (ddof=1). ``"ledoit_wolf"``: Ledoit-Wolf shrinkage
        towards ``mu * I`` (ddof=0, as in the paper). A float delta in [0, 1]: the same
        target with a fixed intensity, ``(1 - delta) S_ddof0 + delta mu I``.
    annualize, periods_per_year
        Multiply by P (inferred from the dates unless given); the factor is recorded in
        ``attrs["annualization"]``.

    Returns
    -------
    DataFrame
        Assets x assets; ``attrs["shrinkage"]`` holds the intensity used (0 for none).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (100, 2)), columns=["A", "B"],
    ...                  index=pd.bdate_range("2024-01-01", periods=100))
    >>> bool(np.allclose(covariance_matrix(r), r.cov()))
    True
    """
    from riskkit._annualization import resolve_annualization

    full = _complete_rows(returns)
    x = full.to_numpy()
    if shrinkage is None:
        cov, delta = np.cov(x, rowvar=False, ddof=1), 0.0
    elif shrinkage == "ledoit_wolf":
        cov, delta = ledoit_wolf_shrinkage(x)
    elif (
        isinstance(shrinkage, int | float)
        and not isinstance(shrinkage, bool)
        and (0.0 <= shrinkage <= 1.0)
    ):
        xc = x - x.mean(axis=0)
        s = xc.T @ xc / len(x)
        delta = float(shrinkage)
        cov = (1 - delta) * s + delta * np.trace(s) / s.shape[0] * np.eye(s.shape[0])
    else:
        raise DataError(
            f"shrinkage={shrinkage!r} is not allowed; use None, 'ledoit_wolf' or a number "
            "in [0, 1]."
        )
    out = pd.DataFrame(np.atleast_2d(cov), index=full.columns, columns=full.columns)
    out.attrs["shrinkage"] = delta
    if annualize:
        ann = resolve_annualization(full.iloc[:, 0], periods_per_year)
        out = out * ann.periods_per_year
        out.attrs["shrinkage"] = delta
        out.attrs["annualization"] = str(ann)
    return out


def correlation_matrix(returns: pd.DataFrame, *, shrinkage: Shrinkage = None) -> pd.DataFrame:
    """Correlation matrix implied by :func:`covariance_matrix` (same options).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (100, 2)), columns=["A", "B"],
    ...                  index=pd.bdate_range("2024-01-01", periods=100))
    >>> bool(np.allclose(correlation_matrix(r), r.corr()))
    True
    """
    cov = covariance_matrix(returns, shrinkage=shrinkage)
    sd = np.sqrt(np.diag(cov.to_numpy()))
    out = pd.DataFrame(cov.to_numpy() / np.outer(sd, sd), index=cov.index, columns=cov.columns)
    out.attrs["shrinkage"] = cov.attrs["shrinkage"]
    return out


_CONTRIB_LABELS = {
    "weight": "Weight", "marginal_var": "Marginal VaR", "component_var": "Component VaR",
    "share_var": "Share of VaR", "marginal_cvar": "Marginal CVaR",
    "component_cvar": "Component CVaR", "share_cvar": "Share of CVaR",
}  # fmt: skip


@dataclass(frozen=True)
class PortfolioRiskResult:
    """Portfolio VaR/CVaR with marginal and component (Euler) contributions.

    Attributes
    ----------
    var, cvar
        Portfolio VaR and CVaR (positive losses, decimals of portfolio value).
    weights
        Weights used.
    marginal_var, marginal_cvar
        d VaR / d w_i and d CVaR / d w_i.
    component_var, component_cvar
        ``w_i * marginal``; they sum to ``var`` and ``cvar`` exactly.
    method, level, shrinkage, n_obs, start, end
        Inputs that made the result.
    """

    var: float
    cvar: float
    weights: pd.Series
    marginal_var: pd.Series
    marginal_cvar: pd.Series
    component_var: pd.Series
    component_cvar: pd.Series
    method: str
    level: float
    shrinkage: float
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp

    def to_frame(self) -> pd.DataFrame:
        """One row per asset: weight, marginal and component VaR/CVaR, share of the total."""
        return pd.DataFrame(
            {
                "weight": self.weights,
                "marginal_var": self.marginal_var,
                "component_var": self.component_var,
                "share_var": self.component_var / self.var,
                "marginal_cvar": self.marginal_cvar,
                "component_cvar": self.component_cvar,
                "share_cvar": self.component_cvar / self.cvar,
            }
        )

    def summary(self) -> Summary:
        """Totals and contributions: prints as text, renders as HTML in a notebook."""
        frame = self.to_frame().rename_axis("Asset")
        table = Table(frame, index=True, default="pct", labels=_CONTRIB_LABELS)
        return Summary(
            "\n".join(
                [
                    f"Portfolio {self.method} VaR {self.level:.1%}: {self.var:.4%}, CVaR "
                    f"{self.cvar:.4%} (positive = loss; {self.n_obs} obs {self.start:%Y-%m-%d} to "
                    f"{self.end:%Y-%m-%d}; shrinkage {self.shrinkage:.3f})",
                    self.to_frame().round(5).to_string(),
                ]
            ),
            [table],
        )

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr(
            "PortfolioRiskResult",
            [("method", repr(self.method)), ("level", f"{self.level:.1%}"),
             ("var", f"{self.var:.4%}"), ("cvar", f"{self.cvar:.4%}"),
             ("assets", len(self.weights)), ("n_obs", self.n_obs),
             ("range", f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax=None):
        """Bar chart of component VaR and CVaR; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        f = self.to_frame()[["component_var", "component_cvar"]]
        f.plot.bar(ax=ax)
        ax.set_title(f"Component {self.method} VaR/CVaR at {self.level:.0%}")
        return ax


def portfolio_risk(
    returns: pd.DataFrame,
    weights: object,
    *,
    level: float = 0.99,
    method: Literal["gaussian", "historical"] = "gaussian",
    shrinkage: Shrinkage = None,
) -> PortfolioRiskResult:
    """Portfolio VaR and CVaR with marginal and component contributions.

    Parameters
    ----------
    returns
        One column per asset on one calendar; rows with a NaN are dropped (reported).
    weights
        Dict, Series (by column) or sequence of weights (fractions of portfolio value).
    level
        Confidence level.
    method
        ``"gaussian"`` (delta-normal, optionally with a shrunk covariance) or
        ``"historical"`` (portfolio returns over the sample).
    shrinkage
        Covariance option for ``"gaussian"`` (see :func:`covariance_matrix`).

    Returns
    -------
    PortfolioRiskResult

    Notes
    -----
    Gaussian, with ``z = Phi^{-1}(1 - a)``, ``s_p = sqrt(w' S w)``:
    ``VaR = -(w'mu + z s_p)``, ``dVaR/dw_i = -(mu_i + z (S w)_i / s_p)``;
    ``CVaR = -(w'mu - s_p phi(z)/(1-a))``, ``dCVaR/dw_i = -(mu_i - (S w)_i/s_p phi(z)/(1-a))``.
    Both are homogeneous of degree one, so the components ``w_i dVaR/dw_i`` add up to the
    total (Euler). Historical: the portfolio VaR is the linear-interpolated quantile
    ``q = (1-g) r_p(k) + g r_p(k+1)`` of the sorted portfolio returns; the VaR component of
    asset i is ``-w_i [(1-g) r_i(t_k) + g r_i(t_{k+1})]`` (the asset's returns on the two
    scenario days that define q) and the CVaR component is ``-w_i mean(r_i | r_p <= q)``;
    both add up to the totals exactly.

    References
    ----------
    Tasche, D. (2000). Risk contributions and performance measurement. Working paper,
    TU Munich. Jorion, P. (2006). *Value at Risk*, 3rd ed., ch. 7.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (500, 2)), columns=["A", "B"],
    ...                  index=pd.bdate_range("2022-01-03", periods=500))
    >>> res = portfolio_risk(r, {"A": 0.6, "B": 0.4})
    >>> bool(np.isclose(res.component_var.sum(), res.var))
    True
    """
    level = check_level(level)
    full = _complete_rows(returns)
    w = as_weights(weights, full.columns)
    wv = w.to_numpy()
    x = full.to_numpy()
    p = 1.0 - level
    if method == "gaussian":
        cov = covariance_matrix(full, shrinkage=shrinkage)
        delta = float(cov.attrs["shrinkage"])
        s = cov.to_numpy()
        mu = x.mean(axis=0)
        sp = float(np.sqrt(wv @ s @ wv))
        if sp == 0:
            raise DataError("the portfolio has zero variance; check the weights.")
        z = float(stats.norm.ppf(p))
        k = float(stats.norm.pdf(z)) / p
        sw = s @ wv / sp
        m_var = -(mu + z * sw)
        m_cvar = -(mu - k * sw)
        var = -(float(wv @ mu) + z * sp)
        cvar = -(float(wv @ mu) - k * sp)
        c_var, c_cvar = wv * m_var, wv * m_cvar
    elif method == "historical":
        if shrinkage is not None:
            raise DataError("shrinkage applies to method='gaussian' only.")
        delta = 0.0
        rp = x @ wv
        order = np.argsort(rp, kind="stable")
        h = (len(rp) - 1) * p
        k0 = int(np.floor(h))
        g = h - k0
        k1 = min(k0 + 1, len(rp) - 1)
        scen = (1 - g) * x[order[k0]] + g * x[order[k1]]
        q = float((1 - g) * rp[order[k0]] + g * rp[order[k1]])
        tail = rp <= q
        m_var = -scen
        m_cvar = -x[tail].mean(axis=0)
        var, cvar = -q, -float(rp[tail].mean())
        c_var, c_cvar = wv * m_var, wv * m_cvar
    else:
        raise DataError(f"method={method!r} is not allowed; use 'gaussian' or 'historical'.")
    idx = full.columns
    return PortfolioRiskResult(
        var=float(var),
        cvar=float(cvar),
        weights=w,
        marginal_var=pd.Series(m_var, index=idx),
        marginal_cvar=pd.Series(m_cvar, index=idx),
        component_var=pd.Series(c_var, index=idx),
        component_cvar=pd.Series(c_cvar, index=idx),
        method=method,
        level=level,
        shrinkage=delta,
        n_obs=len(full),
        start=full.index[0],
        end=full.index[-1],
    )
