"""``riskkit event-study``: run the event study and write its HTML + CSV report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskkit._errors import DataError
from riskkit.cli._common import check_out_dir, guarded

__all__ = ["event_simulate_command", "event_study_command"]

console = Console()


def _parse_window(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v.strip()) for v in text.split(","))
    except ValueError as exc:
        raise DataError(
            f"--window {text!r} must be two whole numbers of sessions like -1,1 (no decimals)."
        ) from exc
    if a > b:
        raise DataError(f"--window {text!r} starts after it ends; write it as first,last.")
    return a, b


def event_study_command(
    events: Annotated[
        Path | None, typer.Option("--events", help="Events CSV (default: bundled catalog)")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="constant | market_adjusted | market | market_btc "
            "(repeat for several; default: market and market_btc)",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("event_study_report"),
    window: Annotated[
        list[str] | None, typer.Option("--window", help="Event window like -1,1 (repeatable)")
    ] = None,
    estimation: Annotated[int, typer.Option(min=1, help="Estimation window, trading days")] = 250,
    gap: Annotated[int, typer.Option(min=0, help="Days between estimation window and day 0")] = 10,
    min_obs: Annotated[int, typer.Option(min=1, help="Minimum estimation observations")] = 100,
    conventions: Annotated[str, typer.Option(help="textbook | estudy2")] = "textbook",
    placebo: Annotated[int, typer.Option(min=0, help="Placebo draws per group (0: off)")] = 0,
    universe: Annotated[
        list[str] | None,
        typer.Option(
            "--universe",
            help="Ticker a market-wide (MKT) event applies to "
            "(repeatable; default: every bundled miner)",
        ),
    ] = None,
) -> None:
    """Abnormal returns, CARs and tests of the events; writes event_study.html and CSVs."""
    from riskkit.events import audit_catalog, event_study, write_event_report
    from riskkit.events.report import key_event_table

    models = model or ["market", "market_btc"]
    with guarded():
        wins = [_parse_window(w) for w in window] if window else [(-1, 1), (0, 0), (0, 5)]
        check_out_dir(out)
        results = [
            event_study(str(events) if events else None, model=m, estimation=estimation,
                        gap=gap, windows=wins, min_estimation_obs=min_obs,
                        conventions=conventions,  # type: ignore[arg-type]
                        placebo=placebo, universe=universe)
            for m in models
        ]  # fmt: skip
        audit = audit_catalog(str(events) if events else None)
        path = write_event_report(results, out, audit=audit)
        n_skip = len(results[0].skipped)
        console.print(f"{n_skip} event(s) skipped (see skipped_*.csv)")
        key = key_event_table(results)
        if len(key):
            console.print(key.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        console.print(f"report: {path}")


def event_simulate_command(
    events_per_trial: Annotated[
        int, typer.Option("--events-per-trial", min=2, help="Pseudo-events per trial")
    ] = 30,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Number of trials")] = 1000,
    effect: Annotated[
        float, typer.Option(help="Abnormal return planted on day 0, decimal (0.05 = +5%)")
    ] = 0.0,
    window: Annotated[
        list[str] | None,
        typer.Option("--window", help="Event window like -1,1 (repeatable; default -1,1 and 0,0)"),
    ] = None,
    model: Annotated[
        str, typer.Option(help="constant | market_adjusted | market | market_btc")
    ] = "market",
    draw: Annotated[str, typer.Option(help="spaced | independent")] = "spaced",
    ticker: Annotated[
        list[str] | None,
        typer.Option("--ticker", help="Firm to draw from (repeatable; default every miner)"),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Real events to avoid, CSV (default: bundled catalog)"),
    ] = None,
    estimation: Annotated[int, typer.Option(min=1, help="Estimation window, trading days")] = 250,
    gap: Annotated[int, typer.Option(min=0, help="Days between estimation window and day 0")] = 10,
    min_obs: Annotated[int, typer.Option(min=1, help="Minimum estimation observations")] = 100,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the draws")] = 0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
    out: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("event_simulation"),
) -> None:
    """Placebo simulation (Brown-Warner): how often each test rejects on pseudo-events,
    under the null and with a planted effect; writes simulation.html and CSVs."""
    from riskkit.events import simulate
    from riskkit.events.report import write_simulation_report

    with guarded():
        wins = [_parse_window(w) for w in window] if window else [(-1, 1), (0, 0)]
        check_out_dir(out)
        result = simulate(events_per_trial, n_trials=trials, effect=effect, windows=wins,
                          model=model, draw=draw,  # type: ignore[arg-type]
                          tickers=ticker, events=str(events) if events else None,
                          estimation=estimation, gap=gap, min_estimation_obs=min_obs, seed=seed,
                          progress=progress)  # fmt: skip
        path = write_simulation_report(result, out)
        typer.echo(result.summary())
        typer.echo(f"report: {path} (rates: {out / 'simulation_rates.csv'})")
