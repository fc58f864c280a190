"""The pivot-event study: trade every catalog announcement from the first tradable open,
optionally hedged with BTC by the pre-event beta, and summarise the trade returns.

A study sits above the engine and the strategies: it glues the event catalog, the plan
and signals of ``strategies/pivot_event.py`` and the engine, so that
``backtests/pivot_event.py`` and ``riskkit backtest pivot-event`` stay a few lines long.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit._errors import DataError
from riskkit._validation import warn
from riskkit.backtest.engine import Ambiguity, bars_for, run_backtest
from riskkit.backtest.results import BacktestResult
from riskkit.data import load_prices
from strategies.pivot_event import hedge_betas, pivot_event_plan, pivot_event_signals

__all__ = [
    "btc_hedge_overlay",
    "pivot_event_grid",
    "run_pivot_events",
    "trade_return_summary",
]


def btc_hedge_overlay(
    trades: pd.DataFrame,
    betas: pd.Series,
    btc_close: pd.Series,
    *,
    fees: float,
    slippage: float,
) -> pd.DataFrame:
    """Add a BTC hedge leg sized ``beta`` x the stock position to each trade.

    Notes
    -----
    A long stock trade is hedged with a short BTC position of notional ``beta`` times the
    stock's entry notional (a short stock trade with a long one). BTC-USD daily bars are
    dated by UTC day; the hedge legs fill at the BTC close dated the calendar day of the
    equity fill (00:00 UTC next day, about 10.5 hours after the 09:30 ET open): late,
    never before the decision. Fees and slippage apply to both hedge fills. With BTC
    entry/exit fill prices :math:`P_0, P_1` (slippage included) and hedge side
    :math:`h=\\mp1`, the hedge return per unit of stock notional is
    :math:`\\beta\\,[h (P_1/P_0 - 1) - f (1 + P_1/P_0)]`, and ``hedged_return`` adds it
    to the trade's return. Open trades get no hedge result.
    """
    b = btc_close.dropna().astype(float).sort_index()
    out = trades.copy()
    beta = out["config"].map(betas).astype(float)
    p0 = b.reindex(out["entry_date"]).to_numpy()
    p1 = b.reindex(out["exit_date"]).to_numpy()
    h = np.where(out["direction"] == "long", -1.0, 1.0)
    p0s = p0 * (1 + h * slippage)  # a short hedge sells lower, a long hedge buys higher
    p1s = p1 * (1 - h * slippage)  # ... and buys back higher / sells lower
    leg = h * (p1s / p0s - 1.0) - fees * (1.0 + p1s / p0s)
    hedge_ret = np.where(out["exit_reason"] == "open", np.nan, beta * leg)
    out["hedge_beta"] = beta.to_numpy()
    out["btc_entry"] = p0
    out["btc_exit"] = np.where(out["exit_reason"] == "open", np.nan, p1)
    out["hedge_return"] = hedge_ret
    out["hedged_return"] = out["return"].to_numpy() + hedge_ret
    return out


def trade_return_summary(returns: pd.Series) -> dict[str, float]:
    """n, mean, median, sd (ddof=1), t = mean/(sd/sqrt n), hit rate, of trade returns.

    Examples
    --------
    >>> round(trade_return_summary(pd.Series([0.1, -0.05, 0.05]))["t_stat"], 6)  # 0.0333/(0.0764/sqrt 3)
    0.755929
    """
    r = returns.dropna().astype(float)
    n = len(r)
    sd = float(r.std(ddof=1)) if n > 1 else np.nan
    mean = float(r.mean()) if n else np.nan
    return {
        "n": float(n),
        "mean": mean,
        "median": float(r.median()) if n else np.nan,
        "sd": sd,
        "t_stat": float(mean / (sd / np.sqrt(n))) if n > 1 and sd > 0 else np.nan,
        "hit_rate": float((r > 0).mean()) if n else np.nan,
    }


def run_pivot_events(
    *,
    events: pd.DataFrame | str | None = None,
    hold: int = 5,
    direction: str = "type",
    sl_stop: float | None = None,
    tp_stop: float | None = None,
    hedge: bool = False,
    beta_window: int = 120,
    include_market: bool = False,
    source: str = "bundled",
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    prices: pd.DataFrame | None = None,
) -> BacktestResult:
    """Trade every catalog announcement (one engine column per event) and list the trades.

    ``prices`` (a :func:`riskkit.data.load_prices` frame holding the event tickers and
    BTC-USD) skips loading; otherwise they are loaded from ``source``.

    The trade list (``trades``) carries each event's ticker, type, timing, news date,
    day 0, decision date, side and (with ``hedge=True``) the pre-event BTC beta and the
    hedged return. ``extras["plan"]`` lists every event with the reason it was not
    traded, if any; ``extras["trade_summary"]`` summarises trade returns by side.
    """
    from riskkit.events import assign_day0, expand_market_events, load_events  # statsmodels: lazy

    ev = assign_day0(load_events(events))
    company = sorted(set(ev["ticker"]) - {"MKT"})
    mkt = ev[ev["ticker"] == "MKT"]
    dropped = []
    if include_market:
        ev = pd.concat([ev[ev["ticker"] != "MKT"], assign_day0(expand_market_events(mkt, company))])
    else:
        dropped = [
            {
                "event_id": e,
                "dropped": "market-wide event (not traded unless market-wide events are included)",
            }
            for e in mkt["event_id"]
        ]
        ev = ev[ev["ticker"] != "MKT"]
    if prices is None:
        prices = load_prices([*company, "BTC-USD"], source=source)  # type: ignore[arg-type]
    btc = prices[("close", "BTC-USD")].dropna()
    plans, results = [], []
    for ticker, grp in ev.groupby("ticker"):
        bars = bars_for(prices, str(ticker))
        plan = pivot_event_plan(bars, grp, hold=hold, direction=direction)  # type: ignore[arg-type]
        if hedge:
            plan = plan.join(hedge_betas(bars["close"], btc, plan, window=beta_window))
        plans.append(plan.assign(ticker=ticker))
        sigs = pivot_event_signals(bars, plan, sl_stop=sl_stop, tp_stop=tp_stop)
        if sigs:
            results.append(
                run_backtest(
                    bars,
                    sigs,
                    fees=fees,
                    slippage=slippage,
                    ambiguity=ambiguity,
                    ticker=str(ticker),
                )
            )
    if not results:
        raise DataError("no event could be traded on the available prices; see the plan.")
    res = BacktestResult.concat(results)
    plan_all = pd.concat(plans)
    if dropped:
        plan_all = pd.concat([plan_all, pd.DataFrame(dropped).set_index("event_id")])
    info = ev.set_index("event_id")[["event_type", "timing", "date", "day0"]]
    plan_all = info.join(plan_all, how="outer")
    n_drop = int((plan_all["dropped"].fillna("") != "").sum())
    if n_drop:
        warn(
            f"{n_drop} event(s) not traded; each is listed with its reason in the trade plan "
            "(the page's 'Events not traded, and why' table)."
        )
    trades = res.trades.merge(
        plan_all.drop(columns=["ticker"], errors="ignore"),
        left_on="config",
        right_index=True,
        how="left",
    ).rename(columns={"config": "event_id"})
    if hedge:
        trades = btc_hedge_overlay(
            trades.rename(columns={"event_id": "config"}), plan_all["hedge_beta"], btc,
            fees=fees, slippage=slippage,
        ).rename(columns={"config": "event_id"})  # fmt: skip
    summ = {"all": trade_return_summary(trades["return"])}
    for side in ("long", "short"):
        summ[side] = trade_return_summary(trades.loc[trades["direction"] == side, "return"])
    if hedge:
        summ["all_hedged"] = trade_return_summary(trades["hedged_return"])
    settings = dict(res.settings)
    settings.update(hold=hold, direction=direction, sl_stop=sl_stop, tp_stop=tp_stop, hedge=hedge,
                    beta_window=beta_window, include_market=include_market,
                    data=prices.attrs.get("riskkit_sources", {}))  # fmt: skip
    return BacktestResult(
        stats=res.stats, trades=trades, equity=res.equity, params=res.params, settings=settings,
        extras={"plan": plan_all, "trade_summary": pd.DataFrame(summ).T,
                "events_traded": len(trades), "events_not_traded": n_drop},
    )  # fmt: skip


def pivot_event_grid(
    *,
    holds: Sequence[int] = (1, 3, 5, 10, 20),
    stops: Sequence[float | None] = (None, 0.15),
    targets: Sequence[float | None] = (None, 0.3),
    direction: str = "type",
    source: str = "bundled",
    progress: bool = True,
    **kw: Any,
) -> pd.DataFrame:
    """Trade-return summary of the pivot-event strategy over a grid of hold, stop, target.

    One row per (hold, stop, target): n, mean, median, sd, t-stat and hit rate of the
    trade returns after costs (see :func:`trade_return_summary`), plus the number of
    stop/target exits and ambiguous exits. Every row uses the same events, prices and
    costs (``kw`` is passed to :func:`run_pivot_events`). Many rows are many trials:
    the best row's t-statistic is not a test.
    """
    from riskkit.events import load_events  # statsmodels: lazy

    ev = load_events(kw.get("events"))
    tickers = sorted(set(ev["ticker"]) - {"MKT"})
    prices = load_prices([*tickers, "BTC-USD"], source=source)  # type: ignore[arg-type]
    rows = []
    combos = [(h, s, t) for h in holds for s in stops for t in targets]
    for h, s, t in tqdm(combos, desc="pivot grid", disable=not progress):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            r = run_pivot_events(
                hold=h, sl_stop=s, tp_stop=t, direction=direction, prices=prices, **kw
            )
        tr = r.trades
        row = {"hold": h, "stop": np.nan if s is None else s, "target": np.nan if t is None else t}
        row.update(trade_return_summary(tr["return"]))
        row["stop_exits"] = float(tr["exit_reason"].isin(["stop", "stop_gap"]).sum())
        row["target_exits"] = float(tr["exit_reason"].isin(["target", "target_gap"]).sum())
        row["ambiguous_exits"] = float(tr["ambiguous"].sum())
        rows.append(row)
    return pd.DataFrame(rows)
