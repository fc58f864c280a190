"""``riskkit report``: the main job, every report on the bundled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskkit.cli._common import check_out_dir, guarded

__all__ = ["report"]

console = Console()


def report(
    out: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("reports"),
) -> None:
    """Data check, event study, risk report and both backtests; writes OUT/index.html."""
    from riskkit.studies import run_full_report

    with guarded():
        check_out_dir(out)
        console.print(run_full_report(out).summary())
