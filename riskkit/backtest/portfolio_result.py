"""The result of a portfolio run (:func:`riskkit.backtest.portfolio.run_portfolio`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit.backtest import _portfolio_kernel as K
from riskkit.backtest._metrics import equity_stats

__all__ = ["COST_KINDS", "PortfolioResult", "build_result"]

COST_KINDS = ("fees", "slippage", "borrow", "interest")
_FORMATS = {"total_return": "pct", "cagr": "pct", "sharpe": "num2", "sortino": "num2",
            "volatility": "pct", "max_drawdown": "pct", "turnover": "num2",
            "annual_turnover": "num2", "trades": "int", "win_rate": "pct1", "exposure": "pct1",
            "final_equity": "int", "costs_paid": "int", "contribution": "pct",
            "value": "num2"}  # fmt: skip


def _num(x: Any) -> float:
    return float(x)


@dataclass(frozen=True)
class PortfolioResult:
    """Equity, positions, trades and costs of one portfolio run.

    Attributes
    ----------
    equity, cash
        Account equity (cash plus positions at the last closes) and cash at each close of
        the union calendar.
    positions
        Shares held at each close, one column per name (the hedge leg as ``BTC-USD hedge``).
    exposure
        Value of each position at each close (shares x last close; shorts negative).
    turnover
        Traded value (shares x fill price, fees excluded) each day over that day's equity.
    contribution
        P&L of each name (fills, fees, borrow, the open position at its last close) over
        the initial cash, and the cash interest as ``interest``: they add up to the total
        return.
    trades
        Round trips per name: first and last fill, side, P&L after all costs and borrow,
        return (P&L over the value bought or sold short on the way in), exit reason.
    fills
        Every fill: date, name, shares (signed), quote, fill price, fee, slippage cost,
        reason (entry, signal, stop, stop_gap, target, target_gap, rebalance, btc_level,
        drawdown_stop, hedge, ruin) and whether the volume cap left a rest.
    costs
        Costs paid by kind over the run: fees, slippage (vs the quote), borrow, interest
        (negative when earned).
    stats
        The statistics of single runs (total return, CAGR, Sharpe, Sortino, volatility,
        max drawdown, trades, win rate, exposure...) plus turnover, costs and counters.
    settings
        Contract, names, sizing, costs, overlay, annualisation, date range, engine.
    """

    equity: pd.Series
    cash: pd.Series
    positions: pd.DataFrame
    exposure: pd.DataFrame
    turnover: pd.Series
    contribution: pd.Series
    trades: pd.DataFrame
    fills: pd.DataFrame
    costs: pd.Series
    stats: pd.Series
    settings: dict[str, Any] = field(default_factory=dict)

    def returns(self) -> pd.Series:
        """Daily simple returns of the equity (the first against the initial cash)."""
        prev = self.equity.shift(1)
        prev.iloc[0] = self.settings["init_cash"]
        return (self.equity / prev - 1.0).rename("portfolio")

    def risk(self, *, level: float = 0.99) -> pd.Series:
        """Risk of the equity through :mod:`riskkit.risk`: historical and Gaussian 1-day VaR
        and CVaR at ``level``, max drawdown and its duration, Sharpe, Sortino, Calmar
        (annualised with ``settings["periods_per_year"]``)."""
        from riskkit import risk

        r = self.returns()
        p = float(self.settings["periods_per_year"])
        vals: dict[str, float] = {
            "var_historical": _num(risk.value_at_risk(r, level=level, method="historical")),
            "cvar_historical": _num(
                risk.conditional_value_at_risk(r, level=level, method="historical")
            ),
            "var_gaussian": _num(risk.value_at_risk(r, level=level, method="gaussian")),
            "max_drawdown": _num(risk.max_drawdown(r)),
            "max_drawdown_days": _num(risk.max_drawdown_duration(r)),
            "sharpe": _num(risk.sharpe_ratio(r, periods_per_year=p)),
            "sortino": _num(risk.sortino_ratio(r, periods_per_year=p)),
            "calmar": _num(risk.calmar_ratio(r, periods_per_year=p)),
        }
        return pd.Series(
            vals,
            name=f"risk (level {level:g}, {p:g} periods/year)",
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy statistics: one row per statistic (decimals)."""
        return self.stats.rename("value").rename_axis("statistic").reset_index()

    def summary(self) -> Summary:
        """Settings, statistics, costs and contribution by name (text and HTML)."""
        st = self.settings
        s = self.stats
        head = f"Portfolio backtest: {len(st['names'])} names, {st['first']} .. {st['last']}"
        lines = [
            head,
            f"Contract: {st['contract']}",
            f"Sizing: {st['sizing']}",
            f"Costs: {st['costs']}",
            f"Overlay: {st['overlay']}",
            f"Annualised with {st['periods_per_year']:g} periods/year",
            f"Total return {s['total_return']:.2%}, Sharpe {s['sharpe']:.2f}, max drawdown "
            f"{s['max_drawdown']:.2%}, turnover {s['turnover']:.2f}x, {int(s['trades'])} trades",
        ]
        key = ["total_return", "cagr", "sharpe", "sortino", "volatility", "max_drawdown",
               "turnover", "annual_turnover", "trades", "win_rate", "exposure"]  # fmt: skip
        stats_tab = s[key].rename("value").rename_axis("statistic").to_frame()
        costs_tab = self.costs.rename("paid").rename_axis("cost").to_frame()
        contrib = self.contribution.rename("contribution").rename_axis("name").to_frame()
        text = "\n".join(lines) + "\n\n" + stats_tab.to_string(float_format=lambda x: f"{x:.4f}")
        text += "\n\n" + costs_tab.to_string(float_format=lambda x: f"{x:,.2f}")
        text += "\n\n" + contrib.to_string(float_format=lambda x: f"{x:.4%}")
        blocks: list[str | Table] = [
            "\n".join(lines[1:]),
            Table(stats_tab.reset_index(), {"value": "num"}, caption="Statistics (decimals)"),
            Table(
                costs_tab.reset_index(), {"paid": "num2"}, caption="Costs paid (account currency)"
            ),
            Table(contrib.reset_index(), {"contribution": "pct"}, caption="Contribution by name"),
        ]
        return Summary(text, blocks, title=head)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        st, s = self.settings, self.stats
        return short_repr(
            "PortfolioResult",
            [("names", len(st["names"])), ("range", f"{st['first']} .. {st['last']}"),
             ("total_return", f"{s['total_return']:.2%}"), ("sharpe", f"{s['sharpe']:.2f}"),
             ("trades", int(s["trades"]))],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self) -> Any:
        """Equity and gross exposure over equity; returns the figure."""
        import matplotlib.pyplot as plt

        fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
        a1.plot(self.equity.index, self.equity.to_numpy(), lw=1.0)
        a1.set_ylabel("equity")
        gross = self.exposure.abs().sum(axis=1) / self.equity.where(self.equity > 0)
        a2.plot(gross.index, gross.to_numpy(), lw=0.8)
        a2.set_ylabel("gross exposure / equity")
        fig.tight_layout()
        return fig


def _trades(fills: pd.DataFrame, borrow_cum: np.ndarray, idx: pd.DatetimeIndex,
            names: list[str], close_last: np.ndarray) -> pd.DataFrame:  # fmt: skip
    cols = ["ticker", "direction", "entry_date", "exit_date", "fills", "pnl", "return",
            "exit_reason"]  # fmt: skip
    if fills.empty:
        return pd.DataFrame(columns=cols)
    f = fills.copy()
    f["before"] = f.groupby("col")["pos_after"].shift(1).fillna(0.0)
    f["trip"] = (f["before"] == 0.0).astype(int).groupby(f["col"]).cumsum()
    f["flow"] = -f["shares"] * f["price"] - f["fee"]
    opening = np.sign(f["shares"]) == np.sign(f["pos_after"])
    f["in_value"] = np.where(opening, f["shares"].abs() * f["price"] + f["fee"], 0.0)
    g = f.groupby(["col", "trip"], sort=False)
    t = g.agg(k0=("k", "first"), k1=("k", "last"), first_q=("shares", "first"),
              end_pos=("pos_after", "last"), flow=("flow", "sum"), in_value=("in_value", "sum"),
              n=("k", "size"), reason=("reason", "last")).reset_index()  # fmt: skip
    col = t["col"].to_numpy()
    is_open = t["end_pos"].to_numpy() != 0.0
    k1 = np.where(is_open, len(idx) - 1, t["k1"].to_numpy())
    k0 = t["k0"].to_numpy()
    bor = borrow_cum[k1, col] - np.where(k0 > 0, borrow_cum[np.maximum(k0 - 1, 0), col], 0.0)
    mark = np.where(is_open, t["end_pos"].to_numpy() * close_last[col], 0.0)
    pnl = t["flow"].to_numpy() - bor + mark
    out = pd.DataFrame({
        "ticker": np.array(names, dtype=object)[col],
        "direction": np.where(t["first_q"].to_numpy() > 0, "long", "short"),
        "entry_date": idx[k0],
        "exit_date": idx[k1],
        "fills": t["n"].to_numpy(),
        "pnl": pnl,
        "return": pnl / t["in_value"].to_numpy(),
        "exit_reason": np.where(is_open, "open", t["reason"].to_numpy()),
    })  # fmt: skip
    return out.sort_values(["entry_date", "ticker"], kind="stable").reset_index(drop=True)


def build_result(
    *, idx: pd.DatetimeIndex, names: list[str], eq: np.ndarray, cash: np.ndarray,
    pos: np.ndarray, borrow: np.ndarray, interest: np.ndarray, fills_i: np.ndarray,
    fills_f: np.ndarray, counters: np.ndarray, close: np.ndarray, settings: dict[str, Any],
) -> PortfolioResult:  # fmt: skip
    """Kernel arrays -> :class:`PortfolioResult` (tables on the original dates)."""
    init = float(settings["init_cash"])
    ppy = float(settings["periods_per_year"])
    cols = pd.Index(names, name="ticker")
    equity = pd.Series(eq, index=idx, name="equity")
    fills = pd.DataFrame({
        "date": idx[fills_i[:, K.FI_K]],
        "k": fills_i[:, K.FI_K],
        "col": fills_i[:, K.FI_I],
        "ticker": np.array(names, dtype=object)[fills_i[:, K.FI_I]],
        "shares": fills_f[:, K.FF_SHARES],
        "quote": fills_f[:, K.FF_QUOTE],
        "price": fills_f[:, K.FF_PRICE],
        "fee": fills_f[:, K.FF_FEE],
        "slippage": fills_f[:, K.FF_SLIP],
        "reason": np.array(K.FILL_REASONS, dtype=object)[fills_i[:, K.FI_REASON]],
        "volume_capped": fills_i[:, K.FI_CAPPED].astype(bool),
        "pos_after": fills_f[:, K.FF_POS],
    })  # fmt: skip
    close_last = close[-1]
    trades = _trades(fills, np.cumsum(borrow, axis=0), idx, names, close_last)
    value = pos * np.where(pos != 0.0, close, 0.0)
    exposure = pd.DataFrame(value, index=idx, columns=cols)
    traded = np.zeros(len(idx))
    np.add.at(traded, fills_i[:, K.FI_K], np.abs(fills_f[:, K.FF_SHARES] * fills_f[:, K.FF_PRICE]))
    turnover = pd.Series(traded / np.where(eq > 0, eq, np.nan), index=idx, name="turnover")
    flows = np.zeros(len(names))
    np.add.at(flows, fills_i[:, K.FI_I],
              -fills_f[:, K.FF_SHARES] * fills_f[:, K.FF_PRICE] - fills_f[:, K.FF_FEE])  # fmt: skip
    contrib = (flows - borrow.sum(axis=0) + value[-1]) / init
    contribution = pd.Series(np.r_[contrib, interest.sum() / init],
                             index=pd.Index([*names, "interest"], name="name"), name="contribution")  # fmt: skip
    costs = pd.Series({"fees": float(fills_f[:, K.FF_FEE].sum()),
                       "slippage": float(fills_f[:, K.FF_SLIP].sum()),
                       "borrow": float(borrow.sum()), "interest": float(-interest.sum())},
                      name="paid")  # fmt: skip
    closed = trades[trades["exit_reason"] != "open"]
    in_mkt = float(np.mean(np.any(pos != 0.0, axis=1)))
    base = equity_stats(
        equity, init_cash=init, periods_per_year=ppy, trade_pnl=closed["pnl"].to_numpy(float),
        exposure=in_mkt, ambiguous_bars=int(counters[6]),
        exit_reasons=closed["exit_reason"].to_numpy(object),
        open_at_end=bool((trades["exit_reason"] == "open").any()),
    )  # fmt: skip
    mean_eq = float(np.mean(eq))
    tot_traded = float(traded.sum())
    extra = {
        "turnover": tot_traded / mean_eq if mean_eq > 0 else np.nan,
        "annual_turnover": tot_traded / mean_eq * ppy / len(idx) if mean_eq > 0 else np.nan,
        "traded_value": tot_traded,
        "gross_exposure_mean": float(np.mean(np.abs(value).sum(axis=1) / np.where(eq > 0, eq, np.nan))),
        "costs_paid": float(costs.sum()),
        **{f"{k}_paid": float(v) for k, v in costs.items()},
        "fills": float(len(fills)),
        **{k: float(v) for k, v in zip(K.CNT_NAMES, counters, strict=True)},
    }  # fmt: skip
    stats = pd.Series({**base, **extra}, name="portfolio", dtype=float)
    if not np.isfinite(eq).all():
        raise DataError("the portfolio equity is not finite; check the bars for zero closes.")
    return PortfolioResult(
        equity=equity, cash=pd.Series(cash, index=idx, name="cash"),
        positions=pd.DataFrame(pos, index=idx, columns=cols), exposure=exposure,
        turnover=turnover, contribution=contribution, trades=trades,
        fills=fills.drop(columns=["k", "col"]), costs=costs, stats=stats, settings=settings,
    )  # fmt: skip
