"""The ``riskkit`` command: a thin layer over the public library API."""

from __future__ import annotations

import typer

from riskkit.cli import data as _data

__all__ = ["app", "main"]

app = typer.Typer(
    name="riskkit",
    help="Event studies, risk and honest backtests for bitcoin miners turned AI hosts.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(_data.app, name="data")


def main() -> None:
    """Console-script entry point."""
    app()
