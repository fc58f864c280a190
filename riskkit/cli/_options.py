"""The one option vocabulary of every ``riskkit`` command and ``backtests/`` script.

A concept has one option name, one form and one help text wherever it appears:

============  =================================  ==========================================
concept       option                             form
============  =================================  ==========================================
tickers       ``--tickers`` / ``-t``             repeat the option for several
output        ``--out DIR``                      writes ``DIR/<part>/`` (``riskkit report``:
                                                 ``DIR/index.html`` and every part)
prices        ``--source``                       bundled, cache, yahoo or auto
events        ``--events FILE``                  an events CSV; default: the bundled catalog
event window  ``--window A,B``                   sessions around day 0; repeat for several
costs         ``--fees``, ``--slippage``         fraction per fill (0.001 = 10 bp)
stop vs bar   ``--ambiguity``                    stop_first, optimistic or pessimistic
cluster       ``--scheduler ADDRESS``            a dask scheduler (or DASK_SCHEDULER_ADDRESS)
============  =================================  ==========================================

Lists are given by repeating the option (``--tickers IREN --tickers WULF``); the scripts in
``backtests/`` run the very same commands, so their options are these too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

__all__ = [
    "AmbiguityName",
    "AmbiguityOpt",
    "DEFAULT_OUT",
    "FeesOpt",
    "HoldOpt",
    "ModelName",
    "SlippageOpt",
    "SourceName",
    "SourceOpt",
    "StopOpt",
    "TargetOpt",
    "events_option",
    "out_option",
    "SchedulerOpt",
    "scheduler_client",
    "tickers_option",
]

#: The default ``--out`` of every command.
DEFAULT_OUT = Path("reports")

SourceName = Literal["bundled", "cache", "yahoo", "auto"]
AmbiguityName = Literal["stop_first", "optimistic", "pessimistic"]
ModelName = Literal["constant", "market_adjusted", "market", "market_btc"]

SOURCE_HELP = (
    "Where prices come from: bundled (the offline snapshot shipped with riskkit), cache "
    "(what riskkit data fetch stored), yahoo (download now) or auto (per ticker: cache, "
    "else Yahoo, else bundled)"
)

SourceOpt = Annotated[SourceName, typer.Option("--source", help=SOURCE_HELP)]
FeesOpt = Annotated[
    float, typer.Option("--fees", min=0.0, help="Fee per fill, a fraction (0.001 = 10 bp)")
]
SlippageOpt = Annotated[
    float, typer.Option("--slippage", min=0.0, help="Slippage per fill, a fraction (0.001 = 10 bp)")
]
AmbiguityOpt = Annotated[
    AmbiguityName,
    typer.Option(
        "--ambiguity",
        help="When one bar's range holds both the stop and the target: stop_first (the "
        "stop fills at its level), optimistic (the target fills) or pessimistic (the stop "
        "fills at the bar's worst price)",
    ),
]

HoldOpt = Annotated[int, typer.Option("--hold", min=1, help="Sessions held after the entry open")]
StopOpt = Annotated[
    float | None, typer.Option("--stop", min=0.0, help="Stop-loss, a fraction (0.15)")
]
TargetOpt = Annotated[
    float | None, typer.Option("--target", min=0.0, help="Take-profit, a fraction (0.3)")
]


SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        envvar="DASK_SCHEDULER_ADDRESS",
        help="Run on the dask.distributed scheduler at ADDRESS (tcp://host:8786; needs "
        'pip install "riskkit[dask]"); default: local, Dask never imported',
    ),
]


@contextmanager
def scheduler_client(address: str | None) -> Iterator[Any]:
    """A Dask client connected to ``--scheduler`` for the command's body (None: local)."""
    if not address:
        yield None
        return
    from riskkit._cluster import connect

    client = connect(address)
    try:
        yield client
    finally:
        client.close()


def tickers_option(default: str) -> Any:
    """``--tickers`` / ``-t``: one ticker per use of the option."""
    return typer.Option(
        "--tickers", "-t", help=f"Ticker; repeat the option for several (default: {default})"
    )


def out_option(part: str) -> Any:
    """``--out DIR``: the reports folder; a command writes its files into ``DIR/<part>/``."""
    return typer.Option(
        "--out",
        metavar="DIR",
        help=f"Reports folder; this command writes into DIR/{part}/, the folder riskkit "
        "report --out DIR uses for it (created if missing)",
    )


def events_option(use: str = "Events CSV") -> Any:
    """``--events FILE``: an events CSV; the bundled catalog by default."""
    return typer.Option("--events", metavar="FILE", help=f"{use} (default: the bundled catalog)")
