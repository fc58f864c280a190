"""``riskkit report``: the main job, every report on the bundled data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from riskkit.cli._common import check_out_dir, guarded
from riskkit.cli._options import DEFAULT_OUT

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
            help="Reports folder: DIR/index.html and one folder per part (DIR/event_study/, "
            "DIR/event_simulation/, DIR/risk/, DIR/stop_loss/, DIR/pivot_event/), the "
            "folders the single commands write with the same --out",
        ),
    ] = DEFAULT_OUT,
) -> None:
    """Data check, event study, risk report and both backtests; writes DIR/index.html.

    Prints a line as each step starts and finishes (with its seconds), then the summary.
    """
    from riskkit.studies import run_full_report

    with guarded():
        check_out_dir(out)
        console.print(run_full_report(out, on_step=_print_step).summary())


def _print_step(step: ReportStep) -> None:
    """``[4/7] risk ...`` when a step starts, ``[4/7] risk done in 3.2 s`` when it ends."""
    head = f"[{step.number}/{step.total}] {step.name.replace('_', ' ')}"
    done = " ..." if step.seconds is None else f" done in {step.seconds:.1f} s"
    console.print(head + done, markup=False, highlight=False)
