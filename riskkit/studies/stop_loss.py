"""The stop-loss study on the bundled data: a grid-native sweep of entry rules x stops x
targets on each ticker, judged like with like (no-stop twins, walk-forward, BTC hedge).

A study sits above the engine and the strategies: it glues the data layer, the signals of
``strategies/stop_loss.py`` and the engine, so that ``backtests/stop_loss.py`` and
``riskkit backtest stop-loss`` stay a few lines long.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit._validation import warn
from riskkit.backtest._metrics import equity_stats
from riskkit.backtest.engine import Ambiguity, bars_for, run_backtest
from riskkit.backtest.hedge import daily_btc_hedge
from riskkit.backtest.report import stop_loss_table
from riskkit.backtest.results import BacktestResult, SweepResult
from riskkit.backtest.signals import Signals
from riskkit.backtest.sweep import sweep
from riskkit.backtest.walkforward import walk_forward
from riskkit.data import load_prices
from strategies.stop_loss import btc_level_hedge_ratio, stop_loss_signals

__all__ = [
    "STOP_LOSS_TICKERS",
    "compare_with_no_stop",
    "default_stop_loss_grid",
    "stop_loss_grid",
    "run_stop_loss_sweep",
    "stop_loss_base_signals",
]

STOP_LOSS_TICKERS = ("BITF", "IREN", "WULF", "HUT", "BTC-USD")
_ENTRY_PARAMS: dict[str, dict[str, Any]] = {
    "buy_and_hold": {},
    "dip_buy": {"drawdown": 0.2, "lookback": 20},
    "ma_trend": {"window": 50},
}


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
    return stop_loss_grid()


def stop_loss_grid(
    *,
    fixed: Sequence[float] = (0.05, 0.10, 0.15, 0.20, 0.30),
    trailing: Sequence[float] = (0.10, 0.15, 0.20, 0.30),
    atr: Sequence[float] = (2.0, 3.0, 4.0),
    targets: Sequence[float] = (0.25, 0.5),
    after_stop: Sequence[str] = ("wait", "bars", "recover"),
    btc_exit: bool = True,
) -> list[dict[str, list[Any]]]:
    """The study's grid over the three entry rules: no stop, fixed, trailing and ATR
    stops (each with every re-entry rule) and the BTC-level exit, each with no target
    and every target. An empty list leaves that kind of stop out (``riskkit report
    --config``'s ``[stop_loss]`` table).

    Examples
    --------
    >>> import math
    >>> g = stop_loss_grid(fixed=[0.1], trailing=[], atr=[], targets=[0.5], after_stop=["wait"])
    >>> sum(math.prod(len(v) for v in sub.values()) for sub in g)  # 3 x (1 + 1 + 1) x 2
    18
    """
    entries = list(_ENTRY_PARAMS)
    tps: list[float | None] = [None, *targets]
    after: dict[str, list[Any]] = {
        "after_stop": list(after_stop) or ["wait"],
        "after_stop_bars": [AFTER_STOP_BARS],
    }
    grid: list[dict[str, list[Any]]] = [{"signals": entries, "sl_stop": [None], "tp_stop": tps}]
    if fixed:
        grid.append({"signals": entries, "sl_stop": list(fixed), "tp_stop": tps, **after})
    if trailing:
        grid.append({"signals": entries, "sl_stop": list(trailing), "sl_trail": [True],
                     "tp_stop": tps, **after})  # fmt: skip
    if atr:
        grid.append({"signals": entries, "sl_atr": list(atr), "tp_stop": tps, **after})
    if btc_exit:
        grid.append({"signals": [f"{e}+btc_level" for e in entries], "tp_stop": tps})
    return grid


def stop_loss_base_signals(
    bars: pd.DataFrame, btc_close: pd.Series, *, btc_level: float = 112_000.0
) -> dict[str, Any]:
    """Base signals of the study for one ticker: each entry rule, and each with the BTC exit."""
    out = {}
    for e, prm in _ENTRY_PARAMS.items():
        out[e] = stop_loss_signals(bars, entry=e, entry_params=prm, stop="none", stop_value=None)
        out[f"{e}+btc_level"] = stop_loss_signals(
            bars, entry=e, entry_params=prm, stop="btc_level", stop_value=btc_level,
            btc_close=btc_close,
        )  # fmt: skip
    return out


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
