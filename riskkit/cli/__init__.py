"""The ``riskkit`` command: a thin layer over the public library API."""

from __future__ import annotations

import sys

import typer

from riskkit.cli import backtest as _backtest
from riskkit.cli import data as _data
from riskkit.cli import events as _events
from riskkit.cli import report as _report
from riskkit.cli import risk as _risk
from riskkit.cli._common import run_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="riskkit",
    help="Event studies, risk and honest backtests for bitcoin miners turned AI hosts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("report")(_report.report)
app.add_typer(_data.app, name="data")
app.command("event-study")(_events.event_study_command)
app.command("event-simulate")(_events.event_simulate_command)
app.command("risk")(_risk.risk)
app.add_typer(_backtest.app, name="backtest")


def main() -> None:
    """Console-script entry point: one ``error:`` line and exit 2 for usage errors too."""
    sys.exit(run_app(app))
