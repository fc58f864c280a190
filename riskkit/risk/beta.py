"""Beta and correlation to a benchmark (BTC, SPY), full-sample and rolling.

Pair a 24/7 asset with equities on one calendar first (:func:`riskkit.risk.session_returns`):
betas of miners to BTC computed on calendar-day rows that drop weekends are biased.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import check_timeseries, check_window_fits, warn

__all__ = [
    "BetaResult",
    "beta",
    "correlation",
    "miner_betas",
    "rolling_beta",
    "rolling_correlation",
]


def _pair(r: pd.Series, b: pd.Series, name: str) -> pd.DataFrame:
    both = pd.concat([r.rename("r"), b.rename("b")], axis=1, join="inner")
    lost = int((both["r"].notna() & both["b"].isna()).sum()) + int(
        r.notna().sum() - both["r"].notna().sum()
    )
    if lost:
        warn(
            f"{name}: {lost} return(s) have no benchmark return on the same date and were "
            "dropped; pair the calendars first (riskkit.risk.session_returns).",
            stacklevel=5,
        )
    return both.dropna()


def _stat(returns, benchmark, f, name: str, min_obs: int = 3):
    r = check_timeseries(returns, nan_policy="omit")
    b = check_timeseries(benchmark, name="benchmark", nan_policy="omit")
    if not isinstance(b, pd.Series):
        raise DataError("benchmark must be one Series (e.g. the BTC or SPY returns).")
    frame = r.to_frame() if isinstance(r, pd.Series) else r
    out = {}
    for col in frame.columns:
        p = _pair(frame[col], b, name)
        if len(p) < min_obs:
            raise DataError(
                f"{name}: {col!r} shares {len(p)} dates with the benchmark; need >= {min_obs}."
            )
        out[col] = f(p["r"].to_numpy(), p["b"].to_numpy())
    if isinstance(r, pd.Series):
        return float(next(iter(out.values())))
    return pd.Series(out, dtype=float)


def _beta(x: np.ndarray, y: np.ndarray) -> float:
    yc = y - y.mean()
    return float(np.sum((x - x.mean()) * yc) / np.sum(yc**2))


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def beta(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """OLS beta ``cov(r, b) / var(b)`` on the dates where both are observed.

    Parameters
    ----------
    returns
        Asset returns (Series or DataFrame of assets), on the same calendar as ``benchmark``.
    benchmark
        Benchmark returns (Series).

    Returns
    -------
    float or Series

    Notes
    -----
    ``beta = sum((r - rbar)(b - bbar)) / sum((b - bbar)^2)`` (the ddof cancels); no
    risk-free rate. Identical to ``empyrical.beta``. Returns without a benchmark return on
    their date are dropped and reported.

    Examples
    --------
    >>> import pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.Series([0.01, -0.02, 0.03, 0.0], index=i)
    >>> beta(2 * b + 0.001, b)
    2.0
    """
    return _stat(returns, benchmark, _beta, "beta")


def correlation(returns: pd.Series | pd.DataFrame, benchmark: pd.Series) -> float | pd.Series:
    """Pearson correlation with the benchmark on the dates where both are observed.

    Examples
    --------
    >>> import pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.Series([0.01, -0.02, 0.03, 0.0], index=i)
    >>> round(correlation(-b, b), 6)
    -1.0
    """
    return _stat(returns, benchmark, _corr, "correlation")


def _rolling(returns, benchmark, window: int, what: str):
    r = check_timeseries(returns, nan_policy="omit")
    b = check_timeseries(benchmark, name="benchmark", nan_policy="omit")
    if not isinstance(b, pd.Series):
        raise DataError("benchmark must be one Series.")
    if isinstance(window, bool) or not isinstance(window, int) or window < 3:
        raise DataError(f"window must be an integer >= 3, got {window!r}.")
    check_window_fits(r, window)
    frame = r.to_frame() if isinstance(r, pd.Series) else r
    out = {}
    for col in frame.columns:
        p = _pair(frame[col], b, f"rolling_{what}")
        roll = p["r"].rolling(window, min_periods=window)
        if what == "beta":
            val = roll.cov(p["b"]) / p["b"].rolling(window, min_periods=window).var()
        else:
            val = roll.corr(p["b"])
        out[col] = val
    res = pd.DataFrame(out).reindex(frame.index)  # the caller's index, NaN where unpaired
    if isinstance(r, pd.Series):
        s = res.iloc[:, 0]
        s.name = r.name
        return s
    return res


def rolling_beta(
    returns: pd.Series | pd.DataFrame, benchmark: pd.Series, *, window: int = 60
) -> pd.Series | pd.DataFrame:
    """Beta over the last ``window`` paired observations (t-window+1 .. t).

    Returns
    -------
    Series or DataFrame
        On the index of ``returns``; NaN until ``window`` pairs are available and on
        dates without a benchmark return. A value at t uses the return at t: lag it by one
        row before using it as a forecast.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=10)
    >>> b = pd.Series(np.linspace(-0.02, 0.02, 10), index=i)
    >>> rolling_beta(3 * b, b, window=5).dropna().round(6).unique().tolist()
    [3.0]
    """
    return _rolling(returns, benchmark, window, "beta")


def rolling_correlation(
    returns: pd.Series | pd.DataFrame, benchmark: pd.Series, *, window: int = 60
) -> pd.Series | pd.DataFrame:
    """Pearson correlation over the last ``window`` paired observations (see rolling_beta).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=10)
    >>> b = pd.Series(np.linspace(-0.02, 0.02, 10), index=i)
    >>> rolling_correlation(-b, b, window=5).dropna().round(6).unique().tolist()
    [-1.0]
    """
    return _rolling(returns, benchmark, window, "corr")


@dataclass(frozen=True)
class BetaResult:
    """Full-sample and rolling betas/correlations of assets to BTC and to the market.

    Attributes
    ----------
    table
        One row per asset: ``beta_btc``, ``corr_btc``, ``beta_mkt``, ``corr_mkt``,
        ``n_obs``, ``start``, ``end``.
    rolling_beta_btc, rolling_beta_mkt
        Rolling betas (``window`` sessions).
    btc, market, window
        Benchmarks and window used.
    pairing
        How the calendars were paired.
    """

    table: pd.DataFrame
    rolling_beta_btc: pd.DataFrame
    rolling_beta_mkt: pd.DataFrame
    btc: str
    market: str
    window: int
    pairing: str

    def to_frame(self) -> pd.DataFrame:
        """The full-sample table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """The full-sample table: prints as text, renders as HTML in a notebook."""
        head = f"Betas and correlations to {self.btc} and {self.market} ({self.pairing})"
        foot = f"rolling window: {self.window} sessions"
        labels = {"beta_btc": f"Beta to {self.btc}", "corr_btc": f"Correlation to {self.btc}",
                  "beta_mkt": f"Beta to {self.market}",
                  "corr_mkt": f"Correlation to {self.market}", "n_obs": "Observations",
                  "start": "From", "end": "To"}  # fmt: skip
        fmts = {"beta_btc": "num3", "corr_btc": "num3", "beta_mkt": "num3", "corr_mkt": "num3",
                "n_obs": "int", "start": "date", "end": "date"}  # fmt: skip
        table = Table(self.table.rename_axis("Asset"), fmts, index=True, labels=labels)
        text = "\n".join([head, self.table.to_string(float_format=lambda v: f"{v:.3f}"), foot])
        return Summary(text, [table, foot], title=head)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr(
            "BetaResult",
            [("assets", ", ".join(map(str, self.table.index))), ("btc", repr(self.btc)),
             ("market", repr(self.market)), ("window", self.window)],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax=None):
        """Rolling betas to BTC; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.5))
        for col in self.rolling_beta_btc.columns:
            s = self.rolling_beta_btc[col].dropna()
            ax.plot(s.index, s.to_numpy(), lw=1, label=str(col))
        ax.axhline(1.0, color="0.6", lw=0.7, ls="--")
        ax.set_title(f"Rolling {self.window}-session beta to {self.btc}")
        ax.legend(fontsize=7, ncol=3)
        return ax


def miner_betas(
    session_rets: pd.DataFrame,
    *,
    assets: list[str] | None = None,
    btc: str = "BTC-USD",
    market: str = "SPY",
    window: int = 60,
) -> BetaResult:
    """Betas and correlations of each asset to BTC and to the market, full and rolling.

    Parameters
    ----------
    session_rets
        Returns on the equity session calendar with BTC compounded per session, as given by
        :func:`riskkit.risk.session_returns`.
    assets
        Columns to analyse (default: all but ``btc`` and ``market``).
    btc, market
        Benchmark columns.
    window
        Rolling window in sessions.

    Returns
    -------
    BetaResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> i = pd.bdate_range("2023-01-02", periods=300)
    >>> f = pd.DataFrame({"BTC-USD": rng.normal(0, .03, 300), "SPY": rng.normal(0, .01, 300)}, index=i)
    >>> f["M"] = 1.5 * f["BTC-USD"] + rng.normal(0, .01, 300)
    >>> round(float(miner_betas(f).table.loc["M", "beta_btc"]), 1)
    1.5
    """
    for col in (btc, market):
        if col not in session_rets.columns:
            raise DataError(f"column {col!r} not in the returns ({list(session_rets.columns)}).")
    assets = assets or [c for c in session_rets.columns if c not in (btc, market)]
    missing = [a for a in assets if a not in session_rets.columns]
    if missing:
        raise DataError(f"assets {missing} are not columns of the returns.")
    rows, roll_btc, roll_mkt = {}, {}, {}
    for a in assets:
        both = session_rets[[a, btc, market]].dropna()
        roll_btc[a] = rolling_beta(both[a], both[btc], window=window)
        roll_mkt[a] = rolling_beta(both[a], both[market], window=window)
        rows[a] = {
            "beta_btc": _beta(both[a].to_numpy(), both[btc].to_numpy()),
            "corr_btc": _corr(both[a].to_numpy(), both[btc].to_numpy()),
            "beta_mkt": _beta(both[a].to_numpy(), both[market].to_numpy()),
            "corr_mkt": _corr(both[a].to_numpy(), both[market].to_numpy()),
            "n_obs": len(both),
            "start": both.index[0],
            "end": both.index[-1],
        }
    return BetaResult(
        table=pd.DataFrame.from_dict(rows, orient="index"),
        rolling_beta_btc=pd.DataFrame(roll_btc),
        rolling_beta_mkt=pd.DataFrame(roll_mkt),
        btc=btc,
        market=market,
        window=window,
        pairing="equity sessions; BTC compounded over each session interval; rows where the "
        "asset, BTC and the market are all observed",
    )
