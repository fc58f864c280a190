"""``riskkit event-study``: run the event study and write its HTML + CSV report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

import typer
from rich.console import Console

from riskkit._errors import DataError
from riskkit.cli._common import guarded, part_folder, say_written
from riskkit.cli._options import (
    DEFAULT_OUT,
    ModelName,
    SchedulerOpt,
    events_option,
    out_option,
    scheduler_client,
    tickers_option,
)

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


WindowOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--window",
        metavar="A,B",
        help="Event window, first and last session around day 0 like -1,1; repeat the "
        "option for several",
    ),
]
EstimationOpt = Annotated[
    int, typer.Option("--estimation", min=1, help="Estimation window, trading days")
]
GapOpt = Annotated[
    int, typer.Option("--gap", min=0, help="Trading days between the estimation window and day 0")
]
MinObsOpt = Annotated[
    int,
    typer.Option("--min-obs", min=1, help="Fewest complete estimation days an event needs"),
]
MODEL_HELP = (
    "Return model: constant (mean), market_adjusted (minus the market), market (market "
    "model) or market_btc (market and BTC)"
)


def _check_models(values: list[str] | None) -> list[str] | None:
    """``--model`` values, checked like a single choice is."""
    allowed = get_args(ModelName)
    for v in values or []:
        if v not in allowed:
            raise typer.BadParameter(f"{v!r} is not one of {', '.join(map(repr, allowed))}.")
    return values


def event_study_command(
    events: Annotated[Path | None, events_option()] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            callback=_check_models,
            help=f"{MODEL_HELP}; repeat for several (default: market and market_btc)",
        ),
    ] = None,
    out: Annotated[Path, out_option("event_study")] = DEFAULT_OUT,
    window: WindowOpt = None,
    estimation: EstimationOpt = 250,
    gap: GapOpt = 10,
    min_obs: MinObsOpt = 100,
    conventions: Annotated[
        Literal["textbook", "estudy2"],
        typer.Option(
            "--conventions",
            help="Test conventions: textbook, or estudy2 (those of the R package estudy2)",
        ),
    ] = "textbook",
    placebo: Annotated[
        int, typer.Option("--placebo", min=0, help="Placebo draws per group (0: off)")
    ] = 0,
    universe: Annotated[
        list[str] | None,
        typer.Option(
            "--universe",
            help="Ticker a market-wide (MKT) event applies to; repeat the option for "
            "several (default: every bundled miner)",
        ),
    ] = None,
    tests: Annotated[
        list[str] | None,
        typer.Option(
            "--tests",
            help="Tests to run: all (adds GRANK-T/Z, the wild bootstrap of BMP and "
            "Kolari-Pynnonen, GARCH-standardized BMP and Z), default (the six textbook "
            "tests) or test names; repeat the option for several names (default: default)",
        ),
    ] = None,
) -> None:
    """Abnormal returns, CARs and tests of the events (default windows -1,1 0,0 0,5);
    writes DIR/event_study/event_study.html and its CSVs."""
    from riskkit.events import audit_catalog, event_study, write_event_report
    from riskkit.events.report import key_event_table

    models = model or ["market", "market_btc"]
    with guarded():
        wins = [_parse_window(w) for w in window] if window else [(-1, 1), (0, 0), (0, 5)]
        with part_folder(out, "event_study") as folder:
            results = [
                event_study(str(events) if events else None, model=m, estimation=estimation,
                            gap=gap, windows=wins, min_estimation_obs=min_obs,
                            conventions=conventions, placebo=placebo, universe=universe,
                            tests=_tests_arg(tests))  # type: ignore[arg-type]
                for m in models
            ]  # fmt: skip
            audit = audit_catalog(str(events) if events else None)
            path = write_event_report(results, folder, audit=audit)
            n_skip = len(results[0].skipped)
            console.print(f"{n_skip} event(s) skipped (see skipped_*.csv)")
            key = key_event_table(results)
            if len(key):
                typer.echo(key.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
            say_written(folder, path)


def _tests_arg(tests: list[str] | None) -> str | list[str] | None:
    """``--tests`` as event_study's ``tests=``: None (the default six), "all", or names."""
    from riskkit import DataError
    from riskkit.events import ALL_TESTS

    if not tests or tests == ["default"]:
        return None
    if tests == ["all"]:
        return "all"
    bad = [t for t in tests if t not in ALL_TESTS]
    if bad:
        raise DataError(
            f"--tests {' '.join(bad)}: unknown test; use all, default or names among "
            + ", ".join(ALL_TESTS)
        )
    return tests


def event_simulate_command(
    events_per_trial: Annotated[
        int, typer.Option("--events-per-trial", min=2, help="Pseudo-events per trial")
    ] = 30,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Number of trials")] = 1000,
    effect: Annotated[
        float,
        typer.Option("--effect", help="Abnormal return planted on day 0, decimal (0.05 = +5%)"),
    ] = 0.0,
    window: WindowOpt = None,
    model: Annotated[ModelName, typer.Option("--model", help=MODEL_HELP)] = "market",
    draw: Annotated[
        Literal["spaced", "independent"],
        typer.Option(
            "--draw",
            help="spaced (a firm's pseudo-events never share a window) or independent",
        ),
    ] = "spaced",
    tickers: Annotated[list[str] | None, tickers_option("every bundled miner")] = None,
    events: Annotated[Path | None, events_option("Real events the draws avoid, CSV")] = None,
    estimation: EstimationOpt = 250,
    gap: GapOpt = 10,
    min_obs: MinObsOpt = 100,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws")] = 0,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar")
    ] = True,
    out: Annotated[Path, out_option("event_simulation")] = DEFAULT_OUT,
    scheduler: SchedulerOpt = None,
) -> None:
    """Placebo simulation (Brown-Warner): how often each test rejects on pseudo-events,
    under the null and with a planted effect (default windows -1,1 0,0); writes
    DIR/event_simulation/simulation.html and its CSVs. With --scheduler the trials run on
    that dask cluster (same tables)."""
    from riskkit.events import simulate
    from riskkit.events.report import write_simulation_report

    with guarded():
        wins = [_parse_window(w) for w in window] if window else [(-1, 1), (0, 0)]
        with part_folder(out, "event_simulation") as folder:
            with scheduler_client(scheduler) as client:
                result = simulate(events_per_trial, n_trials=trials, effect=effect, windows=wins,
                                  model=model, draw=draw, tickers=tickers,
                                  events=str(events) if events else None, estimation=estimation,
                                  gap=gap, min_estimation_obs=min_obs, seed=seed,
                                  progress=progress, client=client)  # fmt: skip
            if client is not None:
                typer.echo(f"trials: {result.execution['note']}")
            path = write_simulation_report(result, folder)
            typer.echo(result.summary())
            say_written(folder, path)
