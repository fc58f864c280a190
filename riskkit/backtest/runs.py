"""Ready-made runs on the bundled data: the stop-loss sweep and the pivot-event trades.

These glue the data layer, the strategies in ``strategies/`` (imported lazily: the
library does not depend on them at import time) and the engine, so that the scripts in
``backtests/`` and the ``riskkit backtest`` commands stay a few lines long.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import warn
from riskkit.backtest.engine import Ambiguity, bars_for, run_backtest
from riskkit.backtest.results import BacktestResult, SweepResult
from riskkit.backtest.signals import Signals
from riskkit.backtest.sweep import sweep
from riskkit.backtest.walkforward import walk_forward

__all__ = [
    "STOP_LOSS_TICKERS",
    "STOP_KINDS",
    "btc_hedge_overlay",
    "compare_with_no_stop",
    "default_stop_loss_grid",
    "stop_loss_base_signals",
    "stop_loss_table",
    "run_pivot_events",
    "pivot_event_grid",
    "run_stop_loss_sweep",
    "trade_return_summary",
]

STOP_LOSS_TICKERS = ("BITF", "IREN", "WULF", "HUT", "BTC-USD")
_ENTRY_PARAMS: dict[str, dict[str, Any]] = {
    "buy_and_hold": {},
    "dip_buy": {"drawdown": 0.2, "lookback": 20},
    "ma_trend": {"window": 50},
}


#: Stop kinds of the study (``stop`` column of :func:`stop_loss_table`).
STOP_KINDS = ("none", "fixed", "trailing", "atr", "btc_level")
AFTER_STOP_BARS = 5


def default_stop_loss_grid() -> list[dict[str, list[Any]]]:
    """The default study: 3 entry rules x (no stop, 5 fixed, 4 trailing, 3 ATR stops, each
    with 3 re-entry rules, and a BTC-level exit) x 3 targets = 342 configurations a ticker.

    The re-entry rules (``after_stop``: wait for the entry rule, re-enter after
    ``AFTER_STOP_BARS`` sessions, or when a close recovers beyond the exit) make a stop
    comparable with holding: without them a stop on buy and hold exits for good, and
    "did the stop help" would measure time out of the market.

    Examples
    --------
    >>> import math
    >>> sum(math.prod(len(v) for v in sub.values()) for sub in default_stop_loss_grid())
    342
    """
    entries = list(_ENTRY_PARAMS)
    targets: list[float | None] = [None, 0.25, 0.5]
    after: dict[str, list[Any]] = {
        "after_stop": ["wait", "bars", "recover"],
        "after_stop_bars": [AFTER_STOP_BARS],
    }
    return [
        {"signals": entries, "sl_stop": [None], "tp_stop": targets},
        {"signals": entries, "sl_stop": [0.05, 0.10, 0.15, 0.20, 0.30], "tp_stop": targets, **after},
        {"signals": entries, "sl_stop": [0.10, 0.15, 0.20, 0.30], "sl_trail": [True],
         "tp_stop": targets, **after},
        {"signals": entries, "sl_atr": [2.0, 3.0, 4.0], "tp_stop": targets, **after},
        {"signals": [f"{e}+btc_level" for e in entries], "tp_stop": targets},
    ]  # fmt: skip


def stop_loss_base_signals(
    bars: pd.DataFrame, btc_close: pd.Series, *, btc_level: float = 112_000.0
) -> dict[str, Any]:
    """Base signals of the study for one ticker: each entry rule, and each with the BTC exit."""
    from strategies.stop_loss import stop_loss_signals

    out = {}
    for e, prm in _ENTRY_PARAMS.items():
        out[e] = stop_loss_signals(bars, entry=e, entry_params=prm, stop="none", stop_value=None)
        out[f"{e}+btc_level"] = stop_loss_signals(
            bars, entry=e, entry_params=prm, stop="btc_level", stop_value=btc_level,
            btc_close=btc_close,
        )  # fmt: skip
    return out


def stop_loss_table(res: SweepResult) -> pd.DataFrame:
    """The sweep's rows with the study's labels: entry, stop kind, stop value, target."""
    tab = res.to_frame()
    sig = tab["signals"].astype(str)
    n = len(tab)

    def col(name: str, fill: Any) -> pd.Series:
        return tab[name] if name in tab else pd.Series(fill, index=tab.index)

    sl, sl_atr = col("sl_stop", np.nan).astype(float), col("sl_atr", np.nan).astype(float)
    trail = col("sl_trail", False).fillna(False).astype(bool)
    kind = np.full(n, "none", dtype=object)
    kind[sig.str.endswith("+btc_level").to_numpy()] = "btc_level"
    kind[sl.notna().to_numpy()] = "fixed"
    kind[(sl.notna() & trail).to_numpy()] = "trailing"
    kind[sl_atr.notna().to_numpy()] = "atr"
    value = sl.where(sl.notna(), sl_atr)
    value = value.where(kind != "btc_level", float(res.extras.get("btc_level", np.nan)))
    after = col("after_stop", "wait").astype(object).fillna("wait")
    after = after.where(~np.isin(kind, ["none", "btc_level"]), "n/a")
    return tab.assign(
        entry=sig.str.replace("+btc_level", "", regex=False), stop=kind, stop_value=value,
        target=col("tp_stop", np.nan).astype(float), after_stop=after.astype(str),
    )  # fmt: skip


def compare_with_no_stop(table: pd.DataFrame) -> pd.DataFrame:
    """Did the stop help? Each stop configuration against the same ticker, entry rule and
    target without a stop; summarised by ticker, stop kind and re-entry rule.

    Columns: configurations, share with a higher Sharpe than no stop, mean Sharpe
    difference, mean max-drawdown difference (positive = shallower), and the mean
    exposure of the stop configurations and of their no-stop twins (time in the market:
    a stop that wins only by being out of the market shows it here).
    """
    key = ["ticker", "entry", "target"]
    t = table.assign(ticker=table["ticker"].astype(str), target=table["target"].fillna(-1.0))
    base = t[t["stop"] == "none"].set_index(key)[["sharpe", "max_drawdown", "exposure"]]
    stops = t[~t["stop"].isin(["none", "btc_level"])]
    j = stops.join(base.add_suffix("_no_stop"), on=key)
    j = j.assign(
        better=(j["sharpe"] > j["sharpe_no_stop"]).astype(float),
        d_sharpe=j["sharpe"] - j["sharpe_no_stop"],
        d_mdd=j["max_drawdown"] - j["max_drawdown_no_stop"],
    )
    return j.groupby(["ticker", "stop", "after_stop"]).agg(
        configurations=("sharpe", "size"), share_better_sharpe=("better", "mean"),
        mean_sharpe_change=("d_sharpe", "mean"), mean_drawdown_change=("d_mdd", "mean"),
        exposure=("exposure", "mean"), exposure_no_stop=("exposure_no_stop", "mean"),
    )  # fmt: skip


def run_stop_loss_sweep(
    tickers: Sequence[str] = STOP_LOSS_TICKERS,
    *,
    grid: list[dict[str, list[Any]]] | None = None,
    source: str = "bundled",
    start: str | None = None,
    end: str | None = None,
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    walk_forward_windows: tuple[int, int] | None = (504, 126),
    hedge_level: float | None = 112_000.0,
    btc_level: float = 112_000.0,
    progress: bool = True,
) -> SweepResult:
    """The stop-loss study: a grid-native sweep on each ticker, judged like with like.

    ``grid`` defaults to :func:`default_stop_loss_grid` over the base signals of
    :func:`stop_loss_base_signals` (names: the entry rules, and ``<rule>+btc_level``).
    ``extras`` gets the pooled and per-ticker deflated Sharpe (raw and distinct trial
    counts), ``no_stop`` (:func:`compare_with_no_stop`), and, when
    ``walk_forward_windows=(train, test)``, ``walk_forward``: per ticker the
    out-of-sample stats of choosing the best-Sharpe configuration on each train window
    (position carried across folds) beside buy and hold of the same span. With
    ``hedge_level``, each miner also gets the "hedge instead of exit" variant in
    ``extras["hedge"]``: buy and hold plus a short BTC position of the rolling beta while
    BTC closes below the level (:func:`strategies.stop_loss.btc_level_hedge_ratio`,
    :func:`riskkit.backtest.hedge.daily_btc_hedge`); it is not a grid configuration.
    """
    from riskkit.data import load_prices

    names = list(dict.fromkeys([*tickers, "BTC-USD"]))
    prices = load_prices(names, start=start, end=end, source=source)  # type: ignore[arg-type]
    btc = prices[("close", "BTC-USD")].dropna()
    bars = {t: bars_for(prices, t) for t in tickers}
    base = {t: stop_loss_base_signals(b, btc, btc_level=btc_level) for t, b in bars.items()}
    g = default_stop_loss_grid() if grid is None else grid
    res = sweep(bars, base, g, fees=fees, slippage=slippage, ambiguity=ambiguity,
                progress=progress)  # fmt: skip
    res.settings["data"] = prices.attrs.get("riskkit_sources", {})
    res.extras["btc_level"] = btc_level
    res.deflated_sharpe()
    res.deflated_sharpe(by_ticker=True)
    res.extras["no_stop"] = compare_with_no_stop(stop_loss_table(res))
    if hedge_level is not None:
        miners = {t: b for t, b in bars.items() if t != "BTC-USD"}
        if miners:
            res.extras["hedge"] = _btc_hedge_configs(
                miners, btc, hedge_level, fees, slippage, ambiguity
            )
    if walk_forward_windows is not None:
        res.extras["walk_forward"] = _walk_forward_table(
            res, bars, walk_forward_windows, fees, slippage, ambiguity
        )
    return res


def _walk_forward_table(
    res: SweepResult,
    bars: dict[str, pd.DataFrame],
    windows: tuple[int, int],
    fees: float,
    slippage: float,
    ambiguity: Ambiguity,
) -> pd.DataFrame | None:
    """Per ticker: walk-forward over the sweep's configurations, beside buy and hold."""
    train, test = windows
    rows = []
    tab = res.params
    for t, b in bars.items():
        if len(b) < train + test:
            warn(f"walk-forward skipped for {t}: {len(b)} bars < train+test={train + test}.")
            continue
        recs = tab[tab["ticker"] == t].to_dict("records")
        sigs = {res.label(r): res.spec.signals_for(r) for r in recs}  # type: ignore[arg-type]
        wf = walk_forward(
            b, sigs, train=train, test=test, fees=fees, slippage=slippage,
            ambiguity=ambiguity, ticker=t,
        )  # fmt: skip
        row = wf.stats.iloc[0].to_dict()
        row.update(ticker=t, folds=len(wf.extras["folds"]), oos_first=wf.settings["first"],
                   oos_last=wf.settings["last"])  # fmt: skip
        span = pd.DatetimeIndex(wf.equity.index)
        hold = Signals(entries=pd.Series(span == span[0], index=span))
        bh = run_backtest(b.loc[span], hold, fees=fees, slippage=slippage, ambiguity=ambiguity)
        row["buy_and_hold_return_same_span"] = float(bh.stats["total_return"].iloc[0])
        row["buy_and_hold_sharpe_same_span"] = float(bh.stats["sharpe"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows).set_index("ticker") if rows else None


def _btc_hedge_configs(
    bars: dict[str, pd.DataFrame],
    btc: pd.Series,
    level: float,
    fees: float,
    slippage: float,
    ambiguity: Ambiguity,
) -> BacktestResult:
    """Buy and hold + BTC hedge below ``level``, one configuration per miner."""
    from riskkit.backtest._metrics import equity_stats
    from riskkit.backtest.hedge import daily_btc_hedge
    from strategies.stop_loss import btc_level_hedge_ratio, stop_loss_signals

    out = []
    for t, b in bars.items():
        base_lab = f"{t}|base"
        hold = stop_loss_signals(b, entry="buy_and_hold", stop="none", stop_value=None)
        base = run_backtest(b, {base_lab: hold}, fees=fees, slippage=slippage,
                            ambiguity=ambiguity, ticker=t)  # fmt: skip
        lab = f"{t}|entry=buy_and_hold|stop=btc_level_hedge|stop_value={level}|target=None"
        init = float(base.settings["init_cash"])
        h = btc_level_hedge_ratio(b, btc, level=level)
        eq = daily_btc_hedge(
            base.equity[base_lab], h, btc, init_cash=init, fees=fees, slippage=slippage
        )
        closed = base.trades[base.trades["exit_reason"] != "open"]
        st = equity_stats(
            eq, init_cash=init, periods_per_year=float(base.settings["periods_per_year"]),
            trade_pnl=closed["pnl"].to_numpy(dtype=float),
            exposure=float(base.stats["exposure"].iloc[0]), ambiguous_bars=0,
            exit_reasons=closed["exit_reason"].to_numpy(),
            open_at_end=bool((base.trades["exit_reason"] == "open").any()),
        )  # fmt: skip
        params = {"ticker": t, "entry": "buy_and_hold", "stop": "btc_level_hedge",
                  "stop_value": level, "target": np.nan}  # fmt: skip
        out.append(
            BacktestResult(
                stats=pd.DataFrame([st], index=pd.Index([lab], name="config")),
                trades=base.trades.assign(config=lab),
                equity=eq.rename(lab).to_frame(),
                params=pd.DataFrame([params], index=pd.Index([lab], name="config")),
                settings=base.settings,
                extras={"hedge_days": int((h != 0).sum())},
            )
        )
    return BacktestResult.concat(out)


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
    from riskkit.data import load_prices
    from riskkit.events import assign_day0, expand_market_events, load_events
    from strategies.pivot_event import hedge_betas, pivot_event_plan, pivot_event_signals

    ev = assign_day0(load_events(events))
    company = sorted(set(ev["ticker"]) - {"MKT"})
    mkt = ev[ev["ticker"] == "MKT"]
    dropped = []
    if include_market:
        ev = pd.concat([ev[ev["ticker"] != "MKT"], assign_day0(expand_market_events(mkt, company))])
    else:
        dropped = [
            {"event_id": e, "dropped": "market-wide event (include_market=False)"}
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
        warn(f"{n_drop} event(s) not traded; reasons in result.extras['plan']['dropped'].")
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
    import warnings

    from tqdm.auto import tqdm

    from riskkit.data import load_prices
    from riskkit.events import load_events

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
