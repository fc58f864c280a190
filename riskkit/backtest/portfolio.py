"""Portfolio backtests: one cash account shared by several instruments.

The portfolio contract (built on the single-instrument fill contract of
:mod:`riskkit.backtest.engine`)
----------------------------------------------------------------------------------------
1. **Union calendar.** The run steps through the union of the instruments' dates (NYSE
   sessions for the stocks, every day for BTC-USD). An instrument fills only on its own
   bars; on other days its last close values it.
2. **Decisions at a day's close, fills at the name's next open.** A signal on a name's bar
   ``t`` (:class:`~riskkit.backtest.Signals`, on that name's own dates) sets its target at
   the close of day ``t``: ``side x weight x scale x equity_t / close_t`` shares, with the
   weight from :class:`~riskkit.backtest.portfolio_specs.Sizing` at ``t`` and the equity
   and closes at ``t``. The order fills at the name's next open. Rebalancing days, the BTC
   level crossing and the drawdown stop set targets the same way.
3. **Order of fills at the opens of a day.** First stop/target gaps (a bar opening beyond
   the level turns the position into an exit at that open); then sells and short covers;
   then long buys, which share the cash left (after the sells) pro rata: when it is not
   enough, each buy is scaled by the same factor and the rest is dropped (counted as
   ``cash_limited_fills``). Shorts add their proceeds to cash and are never cash-limited.
4. **Stops and targets** (``Signals.sl_stop``/``tp_stop``, fractions read at the entry
   decision) are measured from the first fill's open quote and checked on every bar's
   low/high, the entry bar included; ``ambiguity`` as in the engine. Trailing, price
   distance and re-entry rules are not part of portfolio mode.
5. **Costs.** ``fees`` and slippage on every fill (fixed, or proportional to the bar's range
   or to the name's ex-ante volatility); a fill is limited to ``volume_cap`` x the bar's
   volume and the rest waits for the name's next bars (a stop's rest fills at the next
   open); at each close a short pays ``rate x value x days / 365`` of borrow and the cash
   earns ``cash_rate x cash x days / 365`` (first borrow, then interest), ``days`` being
   the calendar days to the next day of the calendar (1 on the last).
6. **Conflicts** as in the engine: exit wins over entry; an opposite entry closes; long and
   short together when flat are ignored. An entry while the name still has a position or
   an order (an exit being filled) is ignored and counted. Names are processed in the
   order of ``signals_by_ticker``; ``max_positions`` counts the names the strategy holds.
7. **Account rules** (:class:`~riskkit.backtest.portfolio_specs.Overlay`), checked at each
   close after the equity: ruin (equity <= 0: close everything, stop), the drawdown stop,
   then the BTC level. A position open at the end is marked at the last close, no exit
   costs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _portfolio_kernel as K
from riskkit.backtest.engine import AMBIG, Ambiguity, _check_bars
from riskkit.backtest.portfolio_result import PortfolioResult, build_result
from riskkit.backtest.portfolio_specs import Costs, Overlay, Sizing
from riskkit.backtest.signals import Signals

__all__ = ["HEDGE", "PORTFOLIO_CONTRACT", "PortfolioResult", "run_portfolio"]

#: Column name of the BTC hedge leg (``Overlay(btc_mode="hedge")``).
HEDGE = "BTC-USD hedge"
PORTFOLIO_CONTRACT = (
    "one cash account on the union calendar; decision at a day's close -> fill at the "
    "name's next open; target = side x weight x equity / close; gaps, then sells, then "
    "buys pro rata on the cash left; stops on high/low incl. the entry bar; fees and "
    "slippage on every fill; borrow and cash interest per calendar day"
)
ENGINE = "riskkit portfolio kernel (riskkit.backtest._portfolio_kernel, numba)"
_VOL_SLIP_WINDOW = 20


def _annual_factor(index: pd.DatetimeIndex) -> float:
    from riskkit._annualization import infer_periods_per_year

    return float(infer_periods_per_year(index).periods_per_year)


def _own_vol(close: pd.Series, window: int) -> pd.Series:
    """Daily volatility (ddof=1) of the last ``window`` simple returns up to each bar."""
    r = close.pct_change()
    return r.rolling(window, min_periods=window).std(ddof=1)


def _check_signals(t: str, s: object, idx: pd.DatetimeIndex) -> Signals:
    if not isinstance(s, Signals):
        raise DataError(f"signals_by_ticker[{t!r}] is a {type(s).__name__}, not a Signals.")
    if not s.entries.index.equals(idx):
        raise DataError(
            f"signals_by_ticker[{t!r}] is not on {t}'s bar dates; build it from the same bars "
            "or reindex with .reindex(bars.index, fill_value=False)."
        )
    if s.sl_distance is not None or s.sl_trail is not False or s.after_stop != "wait":
        raise DataError(
            f"signals_by_ticker[{t!r}] uses a trailing stop, a price-distance stop or a "
            "re-entry rule; portfolio mode supports fractional sl_stop/tp_stop only. Use "
            "run_backtest for those, or drop them."
        )
    return s


def _union(frames: Mapping[str, pd.DataFrame]) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex([])
    for b in frames.values():
        idx = idx.union(pd.DatetimeIndex(b.index))
    return idx


def run_portfolio(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals_by_ticker: Mapping[str, Signals],
    *,
    sizing: Sizing | None = None,
    costs: Costs | None = None,
    overlay: Overlay | None = None,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    periods_per_year: float | None = None,
    btc_bars: pd.DataFrame | None = None,
    start: str | pd.Timestamp | None = None,
) -> PortfolioResult:
    """Backtest several instruments from one cash account (contract in the module doc).

    Parameters
    ----------
    bars_by_ticker
        ``ticker -> bars`` (open, high, low, close; ``volume`` when ``costs.volume_cap`` is
        set), each on its own sorted dates (:func:`riskkit.backtest.bars_for`).
    signals_by_ticker
        ``ticker -> Signals`` on that ticker's bar dates; the names traded, in this order.
    sizing, costs, overlay
        :class:`Sizing` (default: 10% of equity a position, entry only), :class:`Costs`
        (default 10 bp fees + 10 bp slippage, no borrow, no interest, no volume cap),
        :class:`Overlay` (default none).
    ambiguity
        Stop vs target on one bar: ``"stop_first"``, ``"optimistic"``, ``"pessimistic"``.
    init_cash
        Starting cash.
    periods_per_year
        Annualisation of the statistics; inferred from the union calendar when None (365
        when BTC-USD is part of it: the equity is valued every day).
    btc_bars
        BTC-USD bars for ``overlay.btc_level`` (default ``bars_by_ticker["BTC-USD"]``).
    start
        First day of the run. Bars before it feed only the ex-ante estimates (volatility
        of the ``"vol_target"`` rule and of the ``"vol"`` slippage model), so a run can
        start with warm estimates; decisions and fills begin on ``start``.

    Returns
    -------
    PortfolioResult
        Equity, cash, positions, exposure, turnover, contribution by name, trades, fills,
        costs paid by kind, statistics and the settings of the run.

    Raises
    ------
    DataError
        Bad bars, signals off their bars' dates or with unsupported stop rules, a missing
        ``volume`` column with a volume cap, a BTC rule without BTC-USD bars.

    Notes
    -----
    The statistics are those of single runs (:func:`riskkit.backtest._metrics.equity_stats`:
    Sharpe :math:`\\bar r/s_r\\sqrt{P}` with ddof=1, zero risk-free rate, max drawdown on the
    wealth path) on the daily equity of the union calendar. Turnover is the traded value
    over the mean equity (annualised: times :math:`P/n`). Volatility targeting sizes a
    position :math:`w = \\min(\\sigma^*/\\hat\\sigma_t, w_{max})` with :math:`\\hat\\sigma_t` the
    ddof=1 standard deviation of the name's last ``vol_window`` simple returns up to the
    decision bar times :math:`\\sqrt{P_i}` (252 or 365, the name's own calendar), as in
    Moreira and Muir (2017). A short of :math:`q` shares pays
    :math:`b\\,q\\,C_t\\,\\Delta_t/365` of borrow at each close, :math:`\\Delta_t` the calendar
    days to the next day of the calendar (D'Avolio 2002 on rates of hard-to-borrow names).

    References
    ----------
    .. [1] Moreira, A. and Muir, T. (2017). Volatility-managed portfolios. *Journal of
       Finance* 72(4), 1611-1644.
    .. [2] D'Avolio, G. (2002). The market for borrowing stock. *Journal of Financial
       Economics* 66(2-3), 271-306.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.DataFrame({"open": [10.0, 10, 11, 12], "high": [10.0, 11, 12, 13],
    ...                   "low": [10.0, 9.5, 10.5, 11.5], "close": [10.0, 11, 12, 13]}, index=idx)
    >>> sig = Signals(entries=pd.Series([True, False, False, False], index=idx))
    >>> res = run_portfolio({"A": b, "B": b}, {"A": sig, "B": sig},
    ...                     sizing=Sizing(fraction=0.5), costs=Costs(fees=0, slippage=0))
    >>> round(float(res.equity.iloc[-1]), 6)  # 2 x 50% of 100,000 bought at 10 (at close 10)
    130000.0
    """
    sizing = Sizing() if sizing is None else sizing
    costs = Costs() if costs is None else costs
    overlay = Overlay() if overlay is None else overlay
    for nm, obj, cls in (("sizing", sizing, Sizing), ("costs", costs, Costs),
                         ("overlay", overlay, Overlay)):  # fmt: skip
        if not isinstance(obj, cls):
            raise DataError(f"{nm} must be a {cls.__name__}, got {type(obj).__name__}.")
    if ambiguity not in AMBIG:
        raise DataError(f"ambiguity={ambiguity!r} is not allowed; use one of {sorted(AMBIG)}.")
    if not (np.isfinite(init_cash) and init_cash > 0):
        raise DataError(f"init_cash={init_cash!r} must be a positive number.")
    if not signals_by_ticker:
        raise DataError("signals_by_ticker is empty; pass at least one ticker's Signals.")
    missing = [t for t in signals_by_ticker if t not in bars_by_ticker]
    if missing:
        raise DataError(f"signals for {missing} have no bars in bars_by_ticker.")
    need_vol = costs.volume_cap is not None
    bars: dict[str, pd.DataFrame] = {}
    sigs: dict[str, Signals] = {}
    for t, s in signals_by_ticker.items():
        raw = bars_by_ticker[t]
        b = _check_bars(raw)
        if need_vol:
            if "volume" not in raw.columns:
                raise DataError(
                    f"costs.volume_cap is set but {t}'s bars have no 'volume' column; use "
                    "load_prices bars with volume or volume_cap=None."
                )
            vol = raw["volume"].astype(float)
            if vol.isna().any() or (vol < 0).any():
                raise DataError(f"{t}'s volume has missing or negative values.")
            b = b.assign(volume=vol)
        bars[t] = b
        sigs[t] = _check_signals(t, s, pd.DatetimeIndex(b.index))
    btc_close = None
    if overlay.btc_level is not None:
        bb = btc_bars if btc_bars is not None else bars_by_ticker.get("BTC-USD")
        if bb is None:
            raise DataError(
                "overlay.btc_level needs BTC-USD bars: pass btc_bars= or include 'BTC-USD' "
                "in bars_by_ticker."
            )
        bb = _check_bars(bb)
        if overlay.btc_mode == "hedge":
            if need_vol:
                bb = bb.assign(volume=np.inf)  # the hedge leg is not volume-capped
            bars[HEDGE] = bb
        btc_close = bb["close"]
    names = list(bars)
    hcol = names.index(HEDGE) if HEDGE in bars else -1
    idx = _union(bars)
    if start is not None:
        idx = idx[idx >= pd.Timestamp(start)]
    if len(idx) < 2:
        raise DataError(f"the union calendar has {len(idx)} day(s); at least 2 are needed.")
    ppy = _annual_factor(idx) if periods_per_year is None else float(periods_per_year)
    arrays = _arrays(bars, sigs, names, idx, sizing, costs)
    arrays["hbeta"] = _hedge_betas(bars, names, idx, btc_close, overlay.hedge_beta_window)
    btc = (
        np.full(len(idx), np.nan)
        if btc_close is None
        else btc_close.reindex(btc_close.index.union(idx)).ffill().reindex(idx).to_numpy(float)
    )
    borrow = np.array(
        [costs.borrow_rate("BTC-USD" if t == HEDGE else t) for t in names], dtype=np.float64
    )
    d = np.diff(idx.values).astype("timedelta64[D]").astype(np.float64)
    days = np.r_[d, 1.0]
    n, m = len(idx), len(names)
    eq, cash = np.empty(n), np.empty(n)
    pos, bor = np.empty((n, m)), np.empty((n, m))
    intr = np.empty(n)
    cap = 2 * n * m + 1
    fi, ff = np.empty((cap, 4), dtype=np.int64), np.empty((cap, 6))
    cnt = np.zeros(K.NCNT, dtype=np.int64)
    nf = K.simulate_portfolio(
        arrays["open"], arrays["high"], arrays["low"], arrays["close"], arrays["volume"],
        arrays["live"], arrays["ent"], arrays["ex"], arrays["sent"], arrays["sex"],
        arrays["sl"], arrays["tp"], arrays["slip"], arrays["w"], arrays["hbeta"], borrow, days,
        btc,
        float(costs.fees), float(costs.volume_cap or 0.0),
        int(sizing.max_positions or 0), int(sizing.rebalance or 0), float(costs.cash_rate),
        float(init_cash), float(overlay.drawdown_stop or 0.0),
        -1 if overlay.cooldown is None else int(overlay.cooldown),
        float(overlay.btc_level or 0.0), 1 if overlay.btc_mode == "hedge" else 0,
        float(overlay.btc_scale), float(overlay.hedge_ratio), hcol, AMBIG[ambiguity],
        eq, cash, pos, bor, intr, fi, ff, cnt,
    )  # fmt: skip
    settings = {
        "contract": PORTFOLIO_CONTRACT,
        "engine": ENGINE,
        "names": names,
        "sizing": sizing,
        "costs": costs,
        "overlay": overlay,
        "ambiguity": ambiguity,
        "init_cash": float(init_cash),
        "periods_per_year": ppy,
        "first": str(idx[0].date()),
        "last": str(idx[-1].date()),
        "days": n,
    }
    return build_result(
        idx=idx, names=names, eq=eq, cash=cash, pos=pos, borrow=bor, interest=intr,
        fills_i=fi[:nf], fills_f=ff[:nf], counters=cnt, close=arrays["close_ffill"],
        settings=settings,
    )  # fmt: skip


def _hedge_betas(
    bars: Mapping[str, pd.DataFrame],
    names: list[str],
    idx: pd.DatetimeIndex,
    btc_close: pd.Series | None,
    window: int | None,
) -> np.ndarray:
    """(n, m) BTC beta of each name at each day, from its bars up to that day (1 without a
    window, or before ``window`` pairs exist; the hedge column's own value is unused)."""
    out = np.ones((len(idx), len(names)))
    if window is None or btc_close is None:
        return out
    b_all = btc_close.astype(float)
    for j, t in enumerate(names):
        if t == HEDGE:
            continue
        d = pd.DatetimeIndex(bars[t].index)
        r = bars[t]["close"].astype(float).pct_change()
        bs = b_all.reindex(b_all.index.union(d)).ffill().reindex(d)
        rb = bs.pct_change()
        beta = (
            r.rolling(window, min_periods=window).cov(rb)
            / rb.rolling(window, min_periods=window).var()
        )
        beta = beta.where(np.isfinite(beta), 1.0)
        out[:, j] = beta.reindex(idx, method="ffill").fillna(1.0).to_numpy(float)
    return np.ascontiguousarray(out)


def _arrays(
    bars: Mapping[str, pd.DataFrame],
    sigs: Mapping[str, Signals],
    names: list[str],
    idx: pd.DatetimeIndex,
    sizing: Sizing,
    costs: Costs,
) -> dict[str, np.ndarray]:
    """The kernel's (n, m) arrays on the union calendar (NaN/0 off a name's bars)."""
    n, m = len(idx), len(names)
    out = {f: np.full((n, m), np.nan) for f in ("open", "high", "low", "close", "volume")}
    out.update({f: np.full((n, m), np.nan) for f in ("sl", "tp", "slip", "w")})
    out.update({f: np.zeros((n, m), dtype=np.uint8) for f in ("live", "ent", "ex", "sent", "sex")})
    for j, t in enumerate(names):
        b = bars[t]
        at = idx.get_indexer(b.index)
        keep = at >= 0  # bars before ``start`` feed the estimates only
        rows = at[keep]
        for f in ("open", "high", "low", "close"):
            out[f][rows, j] = b[f].to_numpy(float)[keep]
        out["volume"][rows, j] = b["volume"].to_numpy(float)[keep] if "volume" in b else np.inf
        out["live"][rows, j] = 1
        close = b["close"].astype(float)
        if costs.slippage_model == "range":
            s = costs.slippage_k * (b["high"] - b["low"]) / b["open"]
        elif costs.slippage_model == "vol":  # known at the previous close: ex ante
            s = (costs.slippage_k * _own_vol(close, _VOL_SLIP_WINDOW).shift(1)).fillna(
                costs.slippage
            )
        else:
            s = pd.Series(costs.slippage, index=b.index)
        out["slip"][rows, j] = np.clip(s.to_numpy(float), 0.0, 0.5)[keep]
        if sizing.rule == "vol_target":
            sig_ann = _own_vol(close, sizing.vol_window) * np.sqrt(
                _annual_factor(pd.DatetimeIndex(b.index))
            )
            w = np.minimum(sizing.target_vol / sig_ann.to_numpy(float), sizing.max_weight)
            w[~(sig_ann.to_numpy(float) > 0)] = np.nan
        elif sizing.rule == "equal":
            w = np.full(len(b), min(1.0 / float(sizing.max_positions or 1), sizing.max_weight))
        else:
            w = np.full(len(b), min(sizing.fraction, sizing.max_weight))
        # a name's weight on days off its bars is its last one (rebalancing on such days)
        ws = pd.Series(w, index=b.index)
        out["w"][:, j] = ws.reindex(idx, method="ffill").to_numpy(float)
        out["w"][rows, j] = w[keep]
        if t in sigs:
            a = sigs[t].arrays()
            for f in ("ent", "ex", "sent", "sex"):
                out[f][rows, j] = getattr(a, f)[keep]
            out["sl"][rows, j] = a.sl[keep]
            out["tp"][rows, j] = a.tp[keep]
    cl = pd.DataFrame(out["close"], index=idx).ffill().to_numpy()
    out["close_ffill"] = cl
    return {k: np.ascontiguousarray(v) for k, v in out.items()}
