"""Canned studies above the engine and the strategies: the stop-loss sweep, the pivot-event
trades, the study configuration (``riskkit report --config``) and the main job (every part
of the study on one page).

A study glues the data layer, ``strategies/`` and the areas (events, risk, backtest); no
module below this floor imports it (``tests/test_floors.py``).
"""

from riskkit.studies.config import StudyConfig, dump_config, load_config
from riskkit.studies.full_report import FullReport, ReportStep, run_full_report
from riskkit.studies.pivot_event import (
    btc_hedge_overlay,
    pivot_event_grid,
    run_pivot_events,
    trade_return_summary,
)
from riskkit.studies.pivot_portfolio import (
    PivotPortfolioResult,
    pivot_portfolio_page,
    run_pivot_portfolio,
    write_pivot_portfolio_page,
)
from riskkit.studies.stop_loss import (
    STOP_LOSS_TICKERS,
    compare_with_no_stop,
    default_stop_loss_grid,
    run_stop_loss_sweep,
    stop_loss_base_signals,
    stop_loss_grid,
)

__all__ = [
    "STOP_LOSS_TICKERS",
    "FullReport",
    "PivotPortfolioResult",
    "ReportStep",
    "StudyConfig",
    "btc_hedge_overlay",
    "compare_with_no_stop",
    "default_stop_loss_grid",
    "dump_config",
    "load_config",
    "pivot_event_grid",
    "pivot_portfolio_page",
    "run_full_report",
    "run_pivot_events",
    "run_pivot_portfolio",
    "run_stop_loss_sweep",
    "stop_loss_base_signals",
    "stop_loss_grid",
    "trade_return_summary",
    "write_pivot_portfolio_page",
]
