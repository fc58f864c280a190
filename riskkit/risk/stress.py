"""Stress scenarios: replay a historical day, or shock BTC through estimated betas.

Scenario returns are simple returns in decimals; the portfolio return is
``sum_i w_i r_i`` (weights as fractions of portfolio value), so a loss is negative here
(unlike VaR, which is reported as a positive loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn
from riskkit.risk._common import as_weights
from riskkit.risk.beta import _beta

__all__ = ["StressResult", "btc_shock", "replay_day", "stress_test"]


@dataclass(frozen=True)
class StressResult:
    """Scenario returns per asset and for the portfolio.

    Attributes
    ----------
    scenarios
        One row per scenario: a column per asset, ``portfolio`` and ``description``.
    weights
        Portfolio weights used.
    betas
        Betas to BTC used by the shock scenarios (full sample unless given).
    """

    scenarios: pd.DataFrame
    weights: pd.Series
    betas: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """The scenario table (decimals)."""
        return self.scenarios.copy()

    def summary(self) -> Summary:
        """Scenario returns in percent: prints as text, renders as HTML in a notebook."""
        num = self.scenarios.drop(columns="description")
        title = "Stress scenarios (returns in %, loss < 0)"
        table = Table(self.scenarios.rename_axis("Scenario"), {"description": "text"},
                      index=True, default="pct", labels={"description": "Description"})  # fmt: skip
        return Summary(title + "\n" + (100 * num).round(2).to_string(), [table],
                       title="Stress scenarios (returns, loss < 0)")  # fmt: skip

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        worst = self.scenarios["portfolio"].astype(float)
        facts: list[tuple[str, object]] = [("scenarios", len(self.scenarios)),
                                           ("assets", len(self.weights))]  # fmt: skip
        if worst.notna().any():
            facts.append(("worst", f"{worst.idxmin()!r} {worst.min():.2%}"))
        return short_repr("StressResult", facts)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax=None):
        """Bar chart of the portfolio return per scenario; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        self.scenarios["portfolio"].plot.barh(ax=ax, color="C3")
        ax.set_title("Portfolio return by stress scenario")
        return ax


def replay_day(returns: pd.DataFrame, weights: object, date: str | pd.Timestamp) -> pd.Series:
    """Asset and portfolio returns on a historical date.

    Parameters
    ----------
    returns
        One column per asset (e.g. :func:`riskkit.risk.session_returns`).
    weights
        Dict/Series/sequence of weights over the columns.
    date
        A date in the index, e.g. ``"2025-10-10"``.

    Returns
    -------
    Series
        One value per asset and ``portfolio``; NaN for an asset without a return that day
        (then the portfolio is NaN too, and a RiskkitWarning names the asset).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"A": [0.01, -0.1], "B": [0.0, -0.2]},
    ...                  index=pd.to_datetime(["2025-10-09", "2025-10-10"]))
    >>> replay_day(r, {"A": 0.5, "B": 0.5}, "2025-10-10").round(4).tolist()
    [-0.1, -0.2, -0.15]
    """
    check_timeseries(returns, nan_policy="omit", min_length=1)
    w = as_weights(weights, returns.columns)
    ts = pd.Timestamp(date)
    if ts not in returns.index:
        pos = returns.index.searchsorted(ts)
        near = [str(d.date()) for d in returns.index[max(pos - 1, 0) : pos + 1]]
        raise DataError(
            f"{ts.date()} is not a date of the returns (nearest: {near}). For equities it "
            "must be a trading session; weekend BTC moves are in the next session's row."
        )
    row = pd.Series(returns.to_numpy(dtype=float)[returns.index.get_loc(ts)], index=returns.columns)
    missing = [c for c in returns.columns if np.isnan(row[c]) and w[c] != 0]
    if missing:
        warn(
            f"replay_day({ts.date()}): no return for {missing}; the portfolio return is NaN.",
            stacklevel=3,
        )
    out = row.copy()
    out["portfolio"] = float(np.dot(row.to_numpy(), w.to_numpy()))
    out.name = ts
    return out


def btc_shock(
    betas: pd.Series, weights: object, shock: float, *, btc: str = "BTC-USD"
) -> pd.Series:
    """Asset and portfolio returns implied by a BTC move of ``shock`` through betas.

    Parameters
    ----------
    betas
        Beta of each asset to BTC (the BTC column itself, if held, gets beta 1).
    weights
        Weights over the assets in ``betas`` (plus ``btc`` if held).
    shock
        BTC simple return, e.g. -0.20 for a 20% fall.
    btc
        Name of the BTC column.

    Returns
    -------
    Series
        ``beta_i * shock`` per asset and ``portfolio = sum_i w_i beta_i shock``.

    Notes
    -----
    A linear one-factor scenario: idiosyncratic moves are set to zero and alpha ignored.
    Betas measured on daily (session) returns are applied to a one-day shock.

    Examples
    --------
    >>> import pandas as pd
    >>> btc_shock(pd.Series({"M": 1.5}), {"M": 1.0}, -0.2).round(4).tolist()
    [-0.3, -0.3]
    """
    if not np.isfinite(shock) or shock <= -1:
        raise DataError(f"shock must be a finite return > -1 (e.g. -0.2), got {shock!r}.")
    wd = pd.Series(weights, dtype=float) if isinstance(weights, dict) else weights
    if not isinstance(wd, pd.Series):
        raise DataError("weights must be a dict or Series keyed by asset for btc_shock.")
    b = pd.Series(betas, dtype=float).reindex(wd.index)
    if btc in wd.index:
        b[btc] = 1.0
    missing = [k for k in b.index[b.isna()] if wd[k] != 0]
    if missing:
        raise DataError(f"no beta to BTC for held assets {missing}; pass betas for them.")
    b = b.fillna(0.0)
    w = as_weights(wd, b.index)
    out = b * shock
    out["portfolio"] = float((w * b).sum() * shock)
    out.name = f"BTC {shock:+.0%}"
    return out


def stress_test(
    returns: pd.DataFrame,
    weights: object,
    *,
    days: tuple[str, ...] | list[str] = ("2025-10-10",),
    btc_shocks: tuple[float, ...] | list[float] = (-0.10, -0.20),
    btc: str = "BTC-USD",
    betas: pd.Series | None = None,
) -> StressResult:
    """Historical replays and BTC shocks for one portfolio.

    Parameters
    ----------
    returns
        Session returns with a ``btc`` column (see :func:`riskkit.risk.session_returns`).
    weights
        Weights over the columns (0 for columns not held).
    days
        Dates to replay; dates outside the sample are skipped with a warning.
    btc_shocks
        BTC moves to push through the betas.
    btc
        BTC column.
    betas
        Betas to BTC; default full-sample OLS betas on rows where the asset and BTC are
        both observed.

    Returns
    -------
    StressResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> i = pd.bdate_range("2025-09-01", periods=60)
    >>> r = pd.DataFrame({"BTC-USD": rng.normal(0, .03, 60)}, index=i)
    >>> r["M"] = 2 * r["BTC-USD"]
    >>> res = stress_test(r, {"M": 1.0, "BTC-USD": 0.0}, days=["2025-10-10"], btc_shocks=[-0.1])
    >>> round(float(res.scenarios.loc["BTC -10%", "portfolio"]), 4)
    -0.2
    """
    check_timeseries(returns, nan_policy="omit", min_length=3)
    if btc not in returns.columns:
        raise DataError(f"returns need a {btc!r} column for the BTC shock scenarios.")
    w = as_weights(weights, returns.columns)
    if betas is None:
        betas = pd.Series(
            {
                c: _beta(*returns[[c, btc]].dropna().to_numpy().T)
                for c in returns.columns
                if c != btc
            },
            dtype=float,
        )
    rows, desc = [], []
    for d in days:
        try:
            rows.append(replay_day(returns, w, d))
            desc.append(f"replay of {pd.Timestamp(d).date()}")
        except DataError as exc:
            warn(f"stress_test: skipped day {d}: {exc}", stacklevel=3)
    for s in btc_shocks:
        held = {c: w[c] for c in returns.columns}
        shocked = btc_shock(betas, pd.Series(held), s, btc=btc)
        rows.append(shocked.reindex([*returns.columns, "portfolio"]))
        desc.append(f"BTC {s:+.0%} through full-sample betas")
    table = pd.DataFrame(rows)
    table.index = [
        str(r.name.date()) if isinstance(r.name, pd.Timestamp) else str(r.name) for r in rows
    ]
    table["description"] = desc
    return StressResult(scenarios=table, weights=w, betas=betas)
