"""Backtests with an honest fill contract on one fused numba kernel: engine, sweeps, walk-forward."""

from riskkit.backtest._distributed import use_client
from riskkit.backtest.crosscheck import run_backtest_vectorbt
from riskkit.backtest.engine import FILL_CONTRACT, Ambiguity, bars_for, run_backtest
from riskkit.backtest.hedge import daily_btc_hedge
from riskkit.backtest.indicators import atr
from riskkit.backtest.portfolio import PortfolioResult, run_portfolio
from riskkit.backtest.portfolio_specs import Costs, Overlay, Sizing
from riskkit.backtest.report import write_pivot_report, write_stop_loss_report
from riskkit.backtest.results import BacktestResult, SweepResult
from riskkit.backtest.signals import Signals, slice_signals
from riskkit.backtest.sweep import grid_points, sweep, sweep_deflated_sharpe
from riskkit.backtest.walkforward import walk_forward

__all__ = [
    "FILL_CONTRACT",
    "Ambiguity",
    "BacktestResult",
    "Costs",
    "Overlay",
    "PortfolioResult",
    "Signals",
    "Sizing",
    "SweepResult",
    "atr",
    "bars_for",
    "daily_btc_hedge",
    "grid_points",
    "run_backtest",
    "run_backtest_vectorbt",
    "run_portfolio",
    "slice_signals",
    "sweep",
    "sweep_deflated_sharpe",
    "use_client",
    "walk_forward",
    "write_pivot_report",
    "write_stop_loss_report",
]
