"""``riskkit report``: the main job, every part of the study on one page."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from riskkit.cli._common import check_out_dir, guarded, part_folder
from riskkit.cli._options import (
    DEFAULT_OUT,
    SOURCE_HELP,
    SourceName,
    events_option,
    tickers_option,
)

if TYPE_CHECKING:
    from riskkit.studies import ReportStep

__all__ = ["report"]

console = Console()


def report(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Reports folder: DIR/index.html (the whole report on one page), "
            "DIR/study.toml (the effective configuration) and one folder of CSVs per part "
            "(DIR/event_study/, DIR/event_methods/, DIR/event_simulation/, DIR/risk/, "
            "DIR/stop_loss/, DIR/pivot_event/, DIR/pivot_portfolio/), the folders the single "
            "commands write with the same --out",
        ),
    ] = DEFAULT_OUT,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Study file (TOML): universe, weights, events, models, windows, VaR level, "
            "stop-loss grid, costs; see examples/study.toml. Default: the bundled study",
        ),
    ] = None,
    tickers: Annotated[
        list[str] | None, tickers_option("the study's universe; overrides [data] tickers")
    ] = None,
    events: Annotated[Path | None, events_option("Events CSV; overrides [events] catalog")] = None,
    source: Annotated[
        SourceName | None,
        typer.Option("--source", help=SOURCE_HELP),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option(
            "--trials", min=0, help="Placebo trials; overrides [simulation] trials (default 250)"
        ),
    ] = None,
) -> None:
    """The whole study on one page: summary, events, placebo check, risk, both backtests.

    Shows each step's progress and time, then the summary in plain words and where the
    page is.
    """
    from riskkit.studies import run_full_report
    from riskkit.studies.config import StudyConfig, load_config
    from riskkit.studies.full_report import PART_FOLDERS

    with guarded():
        check_out_dir(out)
        cfg = load_config(config) if config is not None else StudyConfig()
        cfg = cfg.with_overrides(
            tickers=tuple(tickers) if tickers else None,
            events=_events_path(events),
            source=source,
            sim_trials=trials,
        )
        # each part's folder drops the files an earlier run wrote there and this one did not
        # (a CSV of a model no longer studied, a single command's older page)
        with contextlib.ExitStack() as folders, _Progress() as progress:
            for part in PART_FOLDERS:
                folders.enter_context(part_folder(out, part))
            result = run_full_report(out, config=cfg, on_step=progress.step)
        console.print()
        for sentence in result.sentences:
            console.print(f"- {sentence}", markup=False, highlight=False)
        console.print()
        console.print(result.summary(), markup=False, highlight=False)


def _events_path(events: Path | None) -> Path | None:
    """The events file of ``--events`` (checked to exist: one-line error otherwise)."""
    from riskkit import DataError

    if events is None:
        return None
    if not events.is_file():
        raise DataError(f"--events {str(events)!r}: no such file; pass the path of a CSV.")
    return events.resolve()


class _Progress:
    """Step lines: a rich progress display on a terminal, a plain line per start and end
    elsewhere (CI logs, pipes)."""

    def __init__(self) -> None:
        self._rich: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Progress:
        if console.is_terminal:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._rich = Progress(
                SpinnerColumn(finished_text="[green]done"),
                TextColumn("{task.description}", markup=False),
                TimeElapsedColumn(),
                console=console,
            )
            self._rich.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)

    def step(self, step: ReportStep) -> None:
        head = f"[{step.number}/{step.total}] {step.name.replace('_', ' ')}"
        if self._rich is not None:
            if step.seconds is None:
                self._tasks[step.name] = self._rich.add_task(head, total=1)
            else:
                self._rich.update(
                    self._tasks[step.name],
                    completed=1,
                    description=f"{head} ({step.seconds:.1f} s)",
                )
            return
        done = " ..." if step.seconds is None else f" done in {step.seconds:.1f} s"
        console.print(head + done, markup=False, highlight=False)
