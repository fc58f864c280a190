"""Backtests with an honest fill contract on vectorbt: engine, sweeps, walk-forward, results."""

from riskkit.backtest.engine import FILL_CONTRACT, Ambiguity, bars_for, run_backtest
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import Signals, slice_signals
from riskkit.backtest.sweep import grid_points, sweep, sweep_deflated_sharpe
from riskkit.backtest.walkforward import walk_forward

__all__ = [
    "FILL_CONTRACT",
    "Ambiguity",
    "BacktestResult",
    "Signals",
    "bars_for",
    "grid_points",
    "run_backtest",
    "slice_signals",
    "sweep",
    "sweep_deflated_sharpe",
    "walk_forward",
]
