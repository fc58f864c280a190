"""Stop-loss family: an entry rule plus a fixed, trailing, ATR or BTC-price-level exit.

Signals only: these functions return :class:`riskkit.backtest.Signals`; the engine
(:func:`riskkit.backtest.run_backtest`) decides the fills (next open, stops on the range).
Every value at bar ``t`` uses bars up to ``t`` only.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest.indicators import atr
from riskkit.backtest.signals import Signals
from strategies.entries import buy_and_hold, dip_buy, ma_trend

__all__ = [
    "ENTRY_RULES",
    "STOP_KINDS",
    "btc_level_hedge_ratio",
    "btc_on_sessions",
    "entry_rule_signals",
    "stop_loss_signals",
]

ENTRY_RULES = {"buy_and_hold": buy_and_hold, "dip_buy": dip_buy, "ma_trend": ma_trend}
STOP_KINDS = ("none", "fixed", "trailing", "atr", "btc_level")
StopKind = Literal["none", "fixed", "trailing", "atr", "btc_level"]


def btc_on_sessions(btc_close: pd.Series, sessions: pd.DatetimeIndex) -> pd.Series:
    """BTC-USD close dated on or before each equity session date (as of, no look-ahead).

    Notes
    -----
    Yahoo's BTC-USD bar dated ``d`` closes at 00:00 UTC of ``d+1`` (20:00 ET in summer,
    19:00 ET in winter): after the NYSE close of ``d`` and before the next open. So a
    decision at session ``d`` may use the BTC close dated ``d`` and is filled by the
    engine at the next session's open. Weekend closes are used by the Monday session.

    Examples
    --------
    >>> import pandas as pd
    >>> btc = pd.Series([1.0, 2, 3, 4], index=pd.date_range("2024-01-05", periods=4))  # Fri..Mon
    >>> btc_on_sessions(btc, pd.DatetimeIndex(["2024-01-05", "2024-01-08"])).tolist()
    [1.0, 4.0]
    """
    b = btc_close.dropna().astype(float).sort_index()
    return b.reindex(b.index.union(sessions)).ffill().reindex(sessions).rename("btc_close")


def stop_loss_signals(
    bars: pd.DataFrame,
    *,
    entry: str = "buy_and_hold",
    entry_params: dict[str, Any] | None = None,
    stop: StopKind = "fixed",
    stop_value: float | None = 0.1,
    target: float | None = None,
    btc_close: pd.Series | None = None,
    atr_window: int = 14,
    reentry: Literal["fresh", "immediate"] = "fresh",
) -> Signals:
    """Signals of an entry rule combined with one stop-loss kind and an optional target.

    Parameters
    ----------
    bars
        Open/high/low/close of one instrument.
    entry
        ``"buy_and_hold"``, ``"dip_buy"`` or ``"ma_trend"`` (see :mod:`strategies.entries`);
        ``entry_params`` are passed to it.
    stop
        ``"none"``; ``"fixed"`` (``stop_value`` = fraction below the entry);
        ``"trailing"`` (fraction below the highest high since entry); ``"atr"``
        (``stop_value`` x ATR(``atr_window``) at the decision bar, in price units);
        ``"btc_level"`` (exit, and stay out, while BTC closes below ``stop_value`` in USD,
        e.g. 112000; needs ``btc_close``).
    target
        Take-profit as a fraction above the entry, or None.
    reentry
        ``"fresh"``: enter only when the rule's state switches on (after a stop-out, wait
        for the next switch); ``"immediate"``: re-enter at the next open while it is on.

    Returns
    -------
    Signals
        Long entries/exits and stop settings; ``params`` records all choices.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=4, freq="B")
    >>> b = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0}, index=idx)
    >>> s = stop_loss_signals(b, stop="trailing", stop_value=0.1)
    >>> s.entries.tolist(), s.sl_trail
    ([True, False, False, False], True)
    """
    if entry not in ENTRY_RULES:
        raise DataError(f"entry={entry!r} is not known; use one of {sorted(ENTRY_RULES)}.")
    if stop not in STOP_KINDS:
        raise DataError(f"stop={stop!r} is not known; use one of {list(STOP_KINDS)}.")
    if reentry not in ("fresh", "immediate"):
        raise DataError(f"reentry={reentry!r} must be 'fresh' or 'immediate'.")
    if stop != "none" and (stop_value is None or not np.isfinite(stop_value) or stop_value <= 0):
        raise DataError(f"stop={stop!r} needs a positive stop_value, got {stop_value!r}.")
    if target is not None and not (np.isfinite(target) and target > 0):
        raise DataError(f"target={target!r} must be a positive fraction (0.2 = +20%) or None.")
    close = bars["close"].astype(float)
    state = ENTRY_RULES[entry](close, **(entry_params or {}))
    if stop == "btc_level":
        if btc_close is None:
            raise DataError("stop='btc_level' needs btc_close (the BTC-USD close series).")
        btc = btc_on_sessions(btc_close, pd.DatetimeIndex(bars.index))
        state = state & (btc >= float(stop_value)).fillna(False)  # type: ignore[arg-type]
    state = state.astype(bool)
    prev = state.shift(1, fill_value=False).astype(bool)
    entries = state & ~prev if reentry == "fresh" else state
    exits = ~state
    kw: dict[str, Any] = {}
    if stop in ("fixed", "trailing"):
        kw["sl_stop"] = float(stop_value)  # type: ignore[arg-type]
        kw["sl_trail"] = stop == "trailing"
    elif stop == "atr":
        kw["sl_distance"] = float(stop_value) * atr(bars, window=atr_window)  # type: ignore[arg-type]
    params = {
        "entry": entry,
        **{f"entry_{k}": v for k, v in (entry_params or {}).items()},
        "stop": stop,
        "stop_value": np.nan if stop == "none" else float(stop_value),  # type: ignore[arg-type]
        "target": np.nan if target is None else float(target),
        "reentry": reentry,
    }
    return Signals(
        entries=entries.rename("entries"),
        exits=exits.rename("exits"),
        tp_stop=target,
        params=params,
        **kw,
    )


def btc_level_hedge_ratio(
    bars: pd.DataFrame,
    btc_close: pd.Series,
    *,
    level: float = 112_000.0,
    beta_window: int = 120,
    min_obs: int = 60,
) -> pd.Series:
    """Hedge instead of exit: short ``beta`` x BTC while BTC closes below ``level``.

    Returns the hedge ratio decided at each session's close: :math:`-\\hat\\beta_t`
    while the BTC close (:func:`btc_on_sessions`) is below ``level``, else 0. The beta is
    the OLS slope of the stock's session returns on BTC's session returns
    (:func:`riskkit.data.btc_session_returns`) over the last ``beta_window`` sessions up
    to ``t`` (ddof=1 covariance over ddof=1 variance); 0 while fewer than ``min_obs``.
    Apply it with :func:`riskkit.backtest.hedge.daily_btc_hedge`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.bdate_range("2025-01-01", periods=90)
    >>> btc = pd.Series(np.exp(np.random.default_rng(1).normal(0, .03, 150).cumsum()) * 1e5,
    ...                 index=pd.date_range("2024-12-25", periods=150))
    >>> bars = pd.DataFrame({"close": btc.reindex(idx).to_numpy() ** 2 / 1e8}, index=idx)
    >>> h = btc_level_hedge_ratio(bars, btc, level=1e9, beta_window=60, min_obs=30)
    >>> bool(h.iloc[:30].eq(0).all()), bool(-2.2 < h.iloc[-1] < -1.8)
    (True, True)
    """
    from riskkit.data import btc_session_returns

    if beta_window < 2 or min_obs < 2 or min_obs > beta_window:
        raise DataError("need 2 <= min_obs <= beta_window (sessions).")
    sess = pd.DatetimeIndex(bars.index)
    r = bars["close"].astype(float).pct_change()
    b = btc_session_returns(btc_close, sess).reindex(sess)
    cov = r.rolling(beta_window, min_periods=min_obs).cov(b)
    var = b.rolling(beta_window, min_periods=min_obs).var()
    beta = (cov / var.where(var > 0)).fillna(0.0)
    below = (btc_on_sessions(btc_close, sess) < level).fillna(False)
    return (-beta).where(below, 0.0).rename("hedge_ratio")


def entry_rule_signals(
    bars: pd.DataFrame,
    rules: dict[str, dict[str, list[Any]]],
    *,
    reentry: Literal["fresh", "immediate"] = "fresh",
) -> dict[str, Signals]:
    """Base signals for a grid-native sweep: every entry rule at every parameter point.

    ``rules`` maps an entry rule of :data:`ENTRY_RULES` to a grid of its parameters, e.g.
    ``{"ma_trend": {"window": [20, 50, 100]}, "dip_buy": {"drawdown": [0.15, 0.25]}}``.
    Each point becomes one named :class:`Signals` (long entries when the rule switches
    on, exits while it is off, no stop): pass the dict as a ticker's base signals to
    :func:`riskkit.backtest.sweep` and vary stops, targets and re-entry with the grid;
    the names are the ``signals`` axis.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=30, freq="B")
    >>> c = pd.Series(range(30), index=idx, dtype=float)
    >>> b = pd.DataFrame({"open": c, "high": c, "low": c, "close": c}) + 10
    >>> sorted(entry_rule_signals(b, {"ma_trend": {"window": [5, 10]}, "buy_and_hold": {}}))
    ['buy_and_hold', 'ma_trend(window=10)', 'ma_trend(window=5)']
    """
    import itertools

    out: dict[str, Signals] = {}
    for rule, grid in rules.items():
        if rule not in ENTRY_RULES:
            raise DataError(f"entry rule {rule!r} is not known; use one of {sorted(ENTRY_RULES)}.")
        keys = list(grid)
        for combo in itertools.product(*(grid[k] for k in keys)):
            prm = dict(zip(keys, combo, strict=True))
            name = rule + (f"({', '.join(f'{k}={v}' for k, v in prm.items())})" if prm else "")
            out[name] = stop_loss_signals(
                bars, entry=rule, entry_params=prm, stop="none", stop_value=None, reentry=reentry
            )
    return out
