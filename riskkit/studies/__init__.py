"""Canned studies above the engine and the strategies: the stop-loss sweep, the pivot-event
trades and the main job (every report on the bundled data, one index page).

A study glues the data layer, ``strategies/`` and the areas (events, risk, backtest); no
module below this floor imports it (``tests/test_floors.py``).
"""

from riskkit.studies.full_report import FullReport, ReportStep, run_full_report
from riskkit.studies.pivot_event import (
    btc_hedge_overlay,
    pivot_event_grid,
    run_pivot_events,
    trade_return_summary,
)
from riskkit.studies.stop_loss import (
    STOP_LOSS_TICKERS,
    compare_with_no_stop,
    default_stop_loss_grid,
    run_stop_loss_sweep,
    stop_loss_base_signals,
)

__all__ = [
    "STOP_LOSS_TICKERS",
    "FullReport",
    "ReportStep",
    "btc_hedge_overlay",
    "compare_with_no_stop",
    "default_stop_loss_grid",
    "pivot_event_grid",
    "run_full_report",
    "run_pivot_events",
    "run_stop_loss_sweep",
    "stop_loss_base_signals",
    "trade_return_summary",
]
