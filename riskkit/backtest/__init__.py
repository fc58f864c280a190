"""Backtests with an honest fill contract on vectorbt: engine, sweeps, walk-forward, results."""

from riskkit.backtest.engine import FILL_CONTRACT, Ambiguity, bars_for, run_backtest
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import Signals

__all__ = ["FILL_CONTRACT", "Ambiguity", "BacktestResult", "Signals", "bars_for", "run_backtest"]
