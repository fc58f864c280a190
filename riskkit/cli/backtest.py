"""``riskkit backtest stop-loss|pivot-event``: run a backtest and write its CSVs and HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskkit.cli._common import check_out_dir, guarded

__all__ = ["app"]

console = Console()
app = typer.Typer(
    name="backtest",
    help="Stop-loss and pivot-event backtests (next-open fills, stops on the range, costs on every fill).",
    no_args_is_help=True,
)

Out = Annotated[Path, typer.Option("--out", help="Reports directory")]
Fees = Annotated[float, typer.Option("--fees", help="Fee per fill, fraction (0.001 = 10 bp)")]
Slip = Annotated[float, typer.Option("--slippage", help="Slippage per fill, fraction")]
Amb = Annotated[str, typer.Option("--ambiguity", help="stop_first | optimistic | pessimistic")]
Src = Annotated[str, typer.Option("--source", help="auto | bundled | cache | yahoo")]


@app.command("stop-loss")
def stop_loss(
    tickers: Annotated[list[str] | None, typer.Option("--ticker", help="Repeatable")] = None,
    out: Out = Path("reports"),
    fees: Fees = 0.001,
    slippage: Slip = 0.001,
    ambiguity: Amb = "stop_first",
    source: Src = "bundled",
    walk_forward: Annotated[bool, typer.Option(help="Add the walk-forward check")] = True,
) -> None:
    """Sweep the stop-loss family over BITF, IREN, WULF, HUT and BTC-USD (default)."""
    from riskkit.backtest.report import write_stop_loss_report
    from riskkit.studies import STOP_LOSS_TICKERS, run_stop_loss_sweep

    with guarded():
        check_out_dir(out)  # before ~20 s of work, not after
        res = run_stop_loss_sweep(
            tickers or list(STOP_LOSS_TICKERS), source=source, fees=fees, slippage=slippage,
            ambiguity=ambiguity, walk_forward_windows=(504, 126) if walk_forward else None,  # type: ignore[arg-type]
        )  # fmt: skip
        paths = write_stop_loss_report(res, out)
        console.print(res.summary(top=10))
        for k, p in paths.items():
            console.print(f"{k}: {p}")


@app.command("pivot-event")
def pivot_event(
    events: Annotated[
        Path | None, typer.Option("--events", help="Events CSV (default: bundled)")
    ] = None,
    hold: Annotated[int, typer.Option("--hold", help="Sessions held")] = 5,
    direction: Annotated[
        str, typer.Option("--direction", help="type | reaction | reversal")
    ] = "type",
    stop: Annotated[float | None, typer.Option("--stop", help="Stop-loss fraction")] = None,
    target: Annotated[float | None, typer.Option("--target", help="Take-profit fraction")] = None,
    hedge: Annotated[bool, typer.Option("--hedge", help="BTC hedge by pre-event beta")] = False,
    include_market: Annotated[bool, typer.Option("--include-market")] = False,
    out: Out = Path("reports"),
    fees: Fees = 0.001,
    slippage: Slip = 0.001,
    ambiguity: Amb = "stop_first",
    source: Src = "bundled",
) -> None:
    """Trade every catalog announcement from the first tradable open and list the trades."""
    from riskkit.backtest.report import write_pivot_report
    from riskkit.studies import run_pivot_events

    with guarded():
        check_out_dir(out)
        res = run_pivot_events(
            events=str(events) if events else None, hold=hold, direction=direction, sl_stop=stop,
            tp_stop=target, hedge=hedge, include_market=include_market, source=source, fees=fees,
            slippage=slippage, ambiguity=ambiguity,  # type: ignore[arg-type]
        )  # fmt: skip
        paths = write_pivot_report(res, out)
        console.print(res.extras["trade_summary"].to_string(float_format=lambda x: f"{x:.4f}"))
        for k, p in paths.items():
            console.print(f"{k}: {p}")
