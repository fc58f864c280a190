"""``riskkit risk``: the risk report (HTML + CSV + JSON) for a set of tickers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskkit._errors import DataError
from riskkit.cli._common import guarded, part_folder, say_written
from riskkit.cli._options import DEFAULT_OUT, SourceOpt, out_option, tickers_option

__all__ = ["risk"]

console = Console()

DEFAULT_TICKERS = ["BITF", "IREN", "WULF", "HUT", "BTC-USD"]
DEFAULT_METHODS = "historical,gaussian,cornish_fisher,evt,fhs"


def _parse_weights(text: str | None, tickers: list[str]) -> dict[str, float] | None:
    """``"BITF=0.3,IREN=0.7"`` or ``"0.3,0.7"`` (in ticker order)."""
    if not text:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            return {k.strip(): float(v) for k, v in (p.split("=", 1) for p in parts)}
        numbers = list(map(float, parts))
    except ValueError as exc:
        raise DataError(
            f"--weights {text!r} is not a list of numbers; write BITF=0.3,IREN=0.7 or 0.3,0.7."
        ) from exc
    if len(parts) != len(tickers):
        raise DataError(
            f"--weights has {len(parts)} numbers for {len(tickers)} tickers; give one per "
            "ticker or use TICKER=W pairs."
        )
    return dict(zip(tickers, numbers, strict=True))


def risk(
    tickers: Annotated[list[str] | None, tickers_option(", ".join(DEFAULT_TICKERS))] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            help="Portfolio weights, one per ticker in order (0.2,0.3,0.5) or by name "
            "(BITF=0.3,IREN=0.7) (default: equal weights)",
        ),
    ] = None,
    out: Annotated[Path, out_option("risk")] = DEFAULT_OUT,
    level: Annotated[
        float, typer.Option("--level", min=0.5, max=0.9999, help="VaR confidence level (0.99)")
    ] = 0.99,
    var_window: Annotated[
        int,
        typer.Option("--var-window", min=20, help="Rolling window of the VaR backtests, sessions"),
    ] = 250,
    methods: Annotated[
        list[str] | None,
        typer.Option(
            "--methods",
            help="Backtested VaR method: historical, gaussian, cornish_fisher, evt or fhs; "
            "repeat the option (or separate by commas) for several (default: all five)",
        ),
    ] = None,
    market: Annotated[
        str, typer.Option("--market", help="Market benchmark ticker for the betas")
    ] = "SPY",
    source: SourceOpt = "bundled",
) -> None:
    """VaR table, VaR backtests, drawdowns, betas, correlations, portfolio and stress."""
    from riskkit.data import load_closes
    from riskkit.risk.report import build_risk_report

    names = tickers or DEFAULT_TICKERS
    chosen = [m.strip() for text in (methods or [DEFAULT_METHODS]) for m in text.split(",")]
    with guarded(), part_folder(out, "risk") as folder:
        closes = load_closes(list(dict.fromkeys([*names, "BTC-USD", market])), source=source)
        report = build_risk_report(
            closes,
            assets=names,
            weights=_parse_weights(weights, names),
            level=level,
            window=var_window,
            market=market,
            backtest_methods=[m for m in chosen if m],
        )
        paths = report.write(folder)
        console.print(report.summary())
        say_written(folder, paths["html"])
