"""``riskkit backtest stop-loss|pivot-event``: run a backtest and write its CSVs and HTML page.

``backtests/stop_loss.py`` and ``backtests/pivot_event.py`` run these very commands.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console

from riskkit.cli._common import guarded, part_folder, say_warning, say_written
from riskkit.cli._options import (
    DEFAULT_OUT,
    AmbiguityOpt,
    FeesOpt,
    HoldOpt,
    SchedulerOpt,
    SlippageOpt,
    SourceOpt,
    StopOpt,
    TargetOpt,
    events_option,
    out_option,
    scheduler_client,
    tickers_option,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app", "pivot_event", "pivot_portfolio", "stop_loss"]

console = Console()
app = typer.Typer(
    name="backtest",
    help="Stop-loss and pivot-event backtests (next-open fills, stops on the range, costs on every fill).",
    no_args_is_help=True,
)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda x: f"{x:.4f}")


@app.command("stop-loss")
def stop_loss(
    tickers: Annotated[
        list[str] | None, tickers_option("BITF, IREN, WULF, HUT and BTC-USD")
    ] = None,
    out: Annotated[Path, out_option("stop_loss")] = DEFAULT_OUT,
    fees: FeesOpt = 0.001,
    slippage: SlippageOpt = 0.001,
    ambiguity: AmbiguityOpt = "stop_first",
    source: SourceOpt = "bundled",
    walk_forward: Annotated[
        bool,
        typer.Option(
            "--walk-forward/--no-walk-forward",
            help="Add the walk-forward check (train 504 sessions, test 126)",
        ),
    ] = True,
    scheduler: SchedulerOpt = None,
) -> None:
    """Sweep the stop-loss family (fixed, trailing, ATR and BTC-level stops, re-entry rules)
    on each ticker; writes DIR/stop_loss/stop_loss.html and its CSVs. With --scheduler the
    sweep's chunks run on that dask cluster (same table)."""
    from riskkit.backtest import use_client
    from riskkit.backtest.report import write_stop_loss_report
    from riskkit.studies import STOP_LOSS_TICKERS, run_stop_loss_sweep

    with guarded(), part_folder(out, "stop_loss") as folder:  # checked before ~20 s of work
        with scheduler_client(scheduler) as client, use_client(client):
            res = run_stop_loss_sweep(
                tickers or list(STOP_LOSS_TICKERS), source=source, fees=fees, slippage=slippage,
                ambiguity=ambiguity, walk_forward_windows=(504, 126) if walk_forward else None,
            )  # fmt: skip
        if client is not None:
            typer.echo(f"sweep: {res.settings['execution']['note']}")
        paths = write_stop_loss_report(res, folder)
        console.print(res.summary(top=10))
        for key, title in (("dsr_by_ticker", "Deflated Sharpe by ticker"),
                           ("walk_forward", "Walk-forward (out of sample)")):  # fmt: skip
            tab = res.extras.get(key)
            if tab is not None:
                typer.echo(f"\n{title}:\n{_table(tab)}")
        say_written(folder, paths["html"])


@app.command("pivot-event")
def pivot_event(
    events: Annotated[Path | None, events_option()] = None,
    hold: HoldOpt = 5,
    direction: Annotated[
        Literal["type", "reaction", "reversal"],
        typer.Option(
            "--direction",
            help="Side of each trade: type (by event type), reaction (with the day-0 move) "
            "or reversal (against it)",
        ),
    ] = "type",
    stop: StopOpt = None,
    target: TargetOpt = None,
    hedge: Annotated[
        bool, typer.Option("--hedge", help="Add a BTC hedge sized by the pre-event beta")
    ] = False,
    beta_window: Annotated[
        int,
        typer.Option("--beta-window", min=20, help="Sessions of the pre-event BTC beta (--hedge)"),
    ] = 120,
    include_market: Annotated[
        bool,
        typer.Option("--include-market", help="Also trade market-wide (MKT) events on every miner"),
    ] = False,
    grid: Annotated[
        bool,
        typer.Option(
            "--grid",
            help="Also summarise holds 1,3,5,10,20 x stop none/0.15 x target none/0.3 on the "
            "same events",
        ),
    ] = False,
    out: Annotated[Path, out_option("pivot_event")] = DEFAULT_OUT,
    fees: FeesOpt = 0.001,
    slippage: SlippageOpt = 0.001,
    ambiguity: AmbiguityOpt = "stop_first",
    source: SourceOpt = "bundled",
) -> None:
    """Trade every catalog announcement from the first tradable open and list the trades;
    writes DIR/pivot_event/pivot_event.html and its CSVs."""
    from riskkit.backtest.report import write_pivot_report
    from riskkit.studies import pivot_event_grid, run_pivot_events

    events_csv = str(events) if events else None
    costs: dict[str, Any] = {"fees": fees, "slippage": slippage, "ambiguity": ambiguity}
    with guarded(), part_folder(out, "pivot_event") as folder:
        with warnings.catch_warnings():
            # the library's note points a notebook user to the result object; the page
            # lists the same reasons, so this command says so in its own words below
            warnings.filterwarnings("ignore", message=r".*not traded; reasons in ")
            res = run_pivot_events(
                events=events_csv, hold=hold, direction=direction, sl_stop=stop, tp_stop=target,
                hedge=hedge, beta_window=beta_window, include_market=include_market,
                source=source, **costs,
            )  # fmt: skip
        table = None
        if grid:
            table = pivot_event_grid(
                direction=direction, source=source, events=events_csv, hedge=False,
                include_market=include_market, progress=False, **costs,
            )  # fmt: skip
            typer.echo(_table(table))
        paths = write_pivot_report(res, folder, grid=table)
        plan = res.extras["plan"]
        n_drop = int((plan["dropped"].fillna("") != "").sum())
        if n_drop:
            say_warning(
                f"{n_drop} event(s) not traded; the reasons are listed on {paths['html']} "
                "(Events not traded, and why)."
            )
        typer.echo(_table(res.extras["trade_summary"]))
        say_written(folder, paths["html"])


@app.command("pivot-portfolio")
def pivot_portfolio(
    events: Annotated[Path | None, events_option()] = None,
    hold: HoldOpt = 5,
    max_positions: Annotated[
        int,
        typer.Option(
            "--max-positions", min=1, help="Equal slots: at most this many names held at once"
        ),
    ] = 5,
    volume_cap: Annotated[
        float,
        typer.Option(
            "--volume-cap",
            min=0.0001,
            max=1.0,
            help="Fills limited to this fraction of the bar's volume (0.01 = 1%)",
        ),
    ] = 0.01,
    init_cash: Annotated[
        float, typer.Option("--init-cash", min=1.0, help="Starting cash of the account")
    ] = 100_000.0,
    stop: StopOpt = None,
    target: TargetOpt = None,
    out: Annotated[Path, out_option("pivot_portfolio")] = DEFAULT_OUT,
    fees: FeesOpt = 0.001,
    slippage: SlippageOpt = 0.001,
    source: SourceOpt = "bundled",
) -> None:
    """Trade every catalog event from one account (equal slots) beside an equal-weight
    buy-and-hold basket and BTC-USD, each cost switched on in turn; writes
    DIR/pivot_portfolio/pivot_portfolio.html and its CSVs."""
    from riskkit.backtest import Sizing
    from riskkit.studies.pivot_portfolio import run_pivot_portfolio, write_pivot_portfolio_page

    with guarded(), part_folder(out, "pivot_portfolio") as folder:
        res = run_pivot_portfolio(
            events=str(events) if events else None, hold=hold,
            sizing=Sizing(rule="equal", max_positions=max_positions), fees=fees,
            slippage=slippage, volume_cap=volume_cap, init_cash=init_cash, sl_stop=stop,
            tp_stop=target, source=source,
        )  # fmt: skip
        page = write_pivot_portfolio_page(res, folder)
        typer.echo(res.conclusion())
        show = ["strategy", "costs", "total_return", "sharpe", "max_drawdown", "turnover",
                "costs_paid"]  # fmt: skip
        typer.echo(_table(res.table[show]))
        say_written(folder, page)
