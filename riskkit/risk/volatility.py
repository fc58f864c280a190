"""Volatility: rolling, EWMA (RiskMetrics) and GARCH(1,1)/GJR via ``arch``.

All volatilities are standard deviations of simple returns in decimals. Annualised
figures multiply by sqrt(periods_per_year), with the factor inferred from the calendar
(252 equity sessions, 365 for a 24/7 asset) unless given, and recorded in the output's
``attrs["annualization"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from riskkit._annualization import Annualization, resolve_annualization
from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, check_window_fits
from riskkit.risk import _garch
from riskkit.risk._common import _is_native, one_series, report_nans

__all__ = ["GarchResult", "ewma_volatility", "garch_volatility", "rolling_volatility"]


def _annotate(out, x, annualize: bool, periods_per_year: float | None):
    """Scale by sqrt(P) per column and record the factor in attrs."""
    if not annualize:
        return out
    if isinstance(x, pd.Series):
        ann = resolve_annualization(x, periods_per_year)
        out = out * np.sqrt(ann.periods_per_year)
        out.attrs["annualization"] = str(ann)
        out.attrs["periods_per_year"] = ann.periods_per_year
        return out
    anns = {c: resolve_annualization(x[c], periods_per_year) for c in x.columns}
    out = out * pd.Series({c: np.sqrt(a.periods_per_year) for c, a in anns.items()})
    out.attrs["annualization"] = {c: str(a) for c, a in anns.items()}
    out.attrs["periods_per_year"] = {c: a.periods_per_year for c, a in anns.items()}
    return out


def rolling_volatility(
    returns: pd.Series | pd.DataFrame,
    *,
    window: int = 21,
    annualize: bool = True,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> pd.Series | pd.DataFrame:
    """Rolling standard deviation (ddof=1) over the last ``window`` observations.

    Parameters
    ----------
    returns
        Simple returns in decimals.
    window
        Number of observations, including the current one (value at t uses t-window+1..t).
    annualize
        Multiply by sqrt(periods_per_year).
    periods_per_year
        Override the factor inferred from the calendar.
    nan_policy
        ``"raise"`` or ``"omit"`` (NaNs stay NaN and are skipped inside the window).

    Returns
    -------
    Series or DataFrame
        Same shape and index as the input; the first ``window - 1`` values are NaN.
        ``attrs["annualization"]`` states the factor used.

    Notes
    -----
    ``sigma_t = sqrt(sum_{i=t-w+1}^{t} (r_i - rbar)^2 / (w - 1)) * sqrt(P)``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.01, -0.01] * 5, index=pd.bdate_range("2024-01-01", periods=10))
    >>> v = rolling_volatility(r, window=4)
    >>> round(float(v.iloc[-1]), 4), v.attrs["annualization"]
    (0.1833, 'annualised with 252 periods/year (equity sessions)')
    """
    native = _is_native(returns)
    x = check_timeseries(
        returns, min_length=2, nan_policy=nan_policy, listing_span=True, native_calendar=native
    )
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise DataError(f"window must be an integer >= 2, got {window!r}.")
    check_window_fits(x, window)
    if isinstance(x, pd.DataFrame):
        report_nans("returns", x, x.isna().to_numpy(), native=native, stacklevel=3)
    out: pd.Series | pd.DataFrame
    if isinstance(x, pd.DataFrame) and native:
        # each column on its own sessions: a window is `window` returns, not calendar rows
        cols = {}
        for c in x.columns:
            s = x[c].dropna()
            cols[c] = s.rolling(window, min_periods=window).std(ddof=1).reindex(x.index)
        out = pd.DataFrame(cols, index=x.index)
    else:
        out = x.rolling(window, min_periods=window).std(ddof=1)
    return _annotate(out, x, annualize, periods_per_year)


def ewma_volatility(
    returns: pd.Series | pd.DataFrame,
    *,
    lam: float = 0.94,
    burn_in: int = 30,
    annualize: bool = True,
    periods_per_year: float | None = None,
) -> pd.Series | pd.DataFrame:
    """RiskMetrics EWMA volatility forecast, using data up to t-1 only.

    Parameters
    ----------
    returns
        Simple returns in decimals, no NaNs; a frame may have its listing span
        (leading/trailing NaNs) and, from :func:`native_returns`, non-session NaNs: each
        column then runs on its own returns (reported with a warning).
    lam
        Decay factor lambda in (0, 1); RiskMetrics uses 0.94 for daily data.
    burn_in
        The first ``burn_in`` forecasts are NaN while the recursion forgets its seed.
    annualize, periods_per_year
        As :func:`rolling_volatility`.

    Returns
    -------
    Series or DataFrame
        ``sigma_t``, the forecast for period t made at the close of t-1.

    Notes
    -----
    Zero-mean recursion ``sigma^2_t = lam * sigma^2_{t-1} + (1 - lam) * r^2_{t-1}``, seeded
    with ``sigma^2_1 = r_0^2``; ``sigma_0`` is undefined (NaN). The value at t never uses
    r_t, so it can be compared with r_t in a backtest.

    References
    ----------
    J.P. Morgan/Reuters (1996). *RiskMetrics - Technical Document*, 4th ed.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.02, -0.01, 0.03], index=pd.bdate_range("2024-01-01", periods=3))
    >>> ewma_volatility(r, burn_in=0, annualize=False).round(6).tolist()
    [nan, 0.02, 0.019545]
    """
    native = _is_native(returns)
    x = check_timeseries(
        returns, min_length=2, nan_policy="raise", listing_span=True, native_calendar=native
    )
    if not 0.0 < lam < 1.0:
        raise DataError(f"lam must be in (0, 1), got {lam!r}; RiskMetrics uses 0.94.")
    if isinstance(x, pd.DataFrame) and x.isna().to_numpy().any():
        # listing spans / native calendars: each column's recursion runs on its own returns
        report_nans("returns", x, x.isna().to_numpy(), native=native, stacklevel=3)
        cols = {
            c: ewma_volatility(x[c].dropna(), lam=lam, burn_in=burn_in, annualize=False).reindex(
                x.index
            )
            for c in x.columns
        }
        return _annotate(pd.DataFrame(cols, index=x.index), x, annualize, periods_per_year)
    arr = x.to_numpy(dtype=float)
    arr2 = arr.reshape(len(arr), -1) ** 2
    var = np.full_like(arr2, np.nan)
    var[1] = arr2[0]
    for t in range(2, len(arr2)):
        var[t] = lam * var[t - 1] + (1.0 - lam) * arr2[t - 1]
    var[: max(burn_in, 1)] = np.nan
    vol = np.sqrt(var)
    if isinstance(x, pd.Series):
        out: pd.Series | pd.DataFrame = pd.Series(vol[:, 0], index=x.index, name=x.name)
    else:
        out = pd.DataFrame(vol, index=x.index, columns=x.columns)
    return _annotate(out, x, annualize, periods_per_year)


@dataclass(frozen=True)
class GarchResult:
    """A fitted GARCH(1,1) or GJR-GARCH(1,1,1) with constant mean.

    Attributes
    ----------
    model, dist
        ``"garch"``/``"gjr"`` and ``"normal"``/``"t"``.
    params
        mu, omega, alpha[1], (gamma[1]), beta[1] (and nu for t) on **percent** returns,
        as estimated by ``arch``.
    conditional_volatility
        In-sample sigma_t in decimals, per period (not annualised).
    forecast_volatility
        One-step-ahead sigma_{T+1} in decimals, per period.
    annualization
        Factor used for :attr:`annualized_forecast`.
    loglikelihood, n_obs, start, end
        Fit information.
    """

    model: str
    dist: str
    params: pd.Series
    conditional_volatility: pd.Series
    forecast_volatility: float
    annualization: Annualization
    loglikelihood: float
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def persistence(self) -> float:
        """alpha + beta (+ gamma/2 for GJR)."""
        p = self.params
        return float(p["alpha[1]"] + p["beta[1]"] + 0.5 * p.get("gamma[1]", 0.0))

    @property
    def annualized_forecast(self) -> float:
        """sigma_{T+1} * sqrt(periods_per_year)."""
        return self.forecast_volatility * float(np.sqrt(self.annualization.periods_per_year))

    def to_frame(self) -> pd.DataFrame:
        """Parameters as a one-column frame (percent-return scale, as in ``arch``)."""
        return self.params.to_frame("estimate")

    def summary(self) -> Summary:
        """Fit, parameters and forecast: prints as text, renders as HTML in a notebook."""
        name = "GJR-GARCH(1,1,1)" if self.model == "gjr" else "GARCH(1,1)"
        params = Table(self.params.rename("Estimate").rename_axis("Parameter").to_frame(),
                       {"Estimate": "num6"}, index=True,
                       caption="Parameters (on percent returns, as in arch)")  # fmt: skip
        text = "\n".join(
            [
                f"{name}, constant mean, {self.dist} errors; {self.n_obs} obs "
                f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}",
                self.params.round(6).to_string(),
                f"persistence {self.persistence:.4f}; loglik {self.loglikelihood:.2f}",
                f"next-period volatility {self.forecast_volatility:.4%} per period, "
                f"{self.annualized_forecast:.2%} {self.annualization}",
            ]
        )
        lines = text.splitlines()
        return Summary(text, [lines[0], params, *lines[-2:]], title=name)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr(
            "GarchResult",
            [("model", repr(self.model)), ("dist", repr(self.dist)), ("n_obs", self.n_obs),
             ("persistence", f"{self.persistence:.4f}"),
             ("forecast", f"{self.forecast_volatility:.4%} per period")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax=None):
        """Plot the conditional volatility; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        ax.plot(self.conditional_volatility.index, self.conditional_volatility.to_numpy())
        ax.set_title(f"{self.model.upper()} conditional volatility (per period)")
        return ax


def garch_volatility(
    returns: pd.Series,
    *,
    model: Literal["garch", "gjr"] = "garch",
    dist: Literal["normal", "t"] = "normal",
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> GarchResult:
    """Fit GARCH(1,1) or GJR-GARCH(1,1,1) to one return series with ``arch``.

    Parameters
    ----------
    returns
        Simple returns in decimals (Series, at least 100 observations).
    model
        ``"garch"`` or ``"gjr"`` (asymmetric: negative shocks add gamma).
    dist
        Error distribution, ``"normal"`` or ``"t"``.
    periods_per_year
        Override for the annualised forecast.
    nan_policy
        ``"raise"`` or ``"omit"``.

    Returns
    -------
    GarchResult

    Notes
    -----
    ``r_t = mu + e_t``, ``sigma^2_t = omega + (alpha + gamma * 1[e_{t-1} < 0]) e^2_{t-1}
    + beta sigma^2_{t-1}`` (gamma = 0 for GARCH), fitted by maximum likelihood on
    100 * r (percent) for numerical stability; volatilities are returned in decimals.

    References
    ----------
    Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity.
    *Journal of Econometrics* 31, 307-327. Glosten, L., Jagannathan, R. and Runkle, D.
    (1993). *Journal of Finance* 48, 1779-1801.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(1).normal(0, 0.02, 500),
    ...               index=pd.bdate_range("2022-01-03", periods=500))
    >>> res = garch_volatility(r)
    >>> res.conditional_volatility.shape
    (500,)
    """
    x = one_series(
        returns, name="returns", min_length=100, nan_policy=nan_policy,
        what="garch_volatility takes one Series; loop over the columns of a frame.",
    )  # fmt: skip
    res = _garch.fit_garch(x.to_numpy(dtype=float), model=model, dist=dist)
    cv = pd.Series(
        np.asarray(res.conditional_volatility) / _garch.SCALE,
        index=x.index,
        name="conditional_volatility",
    )
    fc = res.forecast(horizon=1, reindex=False)
    return GarchResult(
        model=model,
        dist=dist,
        params=pd.Series(res.params, dtype=float),
        conditional_volatility=cv,
        forecast_volatility=float(np.sqrt(fc.variance.to_numpy()[-1, 0])) / _garch.SCALE,
        annualization=resolve_annualization(x, periods_per_year),
        loglikelihood=float(res.loglikelihood),
        n_obs=len(x),
        start=x.index[0],
        end=x.index[-1],
    )
