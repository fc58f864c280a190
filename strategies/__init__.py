"""Strategies: turn prices (and events) into :class:`riskkit.backtest.Signals`; never a backtest."""

from strategies.entries import buy_and_hold, dip_buy, ma_trend
from strategies.pivot_event import (
    DEFAULT_TYPE_SIDES,
    hedge_betas,
    pivot_event_plan,
    pivot_event_signals,
)
from strategies.stop_loss import (
    ENTRY_RULES,
    STOP_KINDS,
    btc_on_sessions,
    entry_rule_signals,
    stop_loss_signals,
)

__all__ = [
    "DEFAULT_TYPE_SIDES",
    "ENTRY_RULES",
    "STOP_KINDS",
    "btc_on_sessions",
    "buy_and_hold",
    "dip_buy",
    "entry_rule_signals",
    "hedge_betas",
    "ma_trend",
    "pivot_event_plan",
    "pivot_event_signals",
    "stop_loss_signals",
]
