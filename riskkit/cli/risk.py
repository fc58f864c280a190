"""``riskkit risk``: the risk report (HTML + CSV + JSON) for a set of tickers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from riskkit._errors import DataError
from riskkit.cli._common import check_out_dir, guarded

__all__ = ["risk"]

console = Console()

DEFAULT_TICKERS = ["BITF", "IREN", "WULF", "HUT", "BTC-USD"]


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
            f"--weights {text!r} is not a list of numbers; write 'BITF=0.3,IREN=0.7' or '0.3,0.7'."
        ) from exc
    if len(parts) != len(tickers):
        raise DataError(
            f"--weights has {len(parts)} numbers for {len(tickers)} tickers; give one per "
            "ticker or use TICKER=W pairs."
        )
    return dict(zip(tickers, numbers, strict=True))


def risk(
    tickers: Annotated[
        list[str] | None, typer.Option("--tickers", "-t", help="Tickers (repeat the option)")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="Weights: 'BITF=0.25,IREN=0.25,...' or '0.25,0.25,...'")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("risk_report"),
    level: Annotated[float, typer.Option(help="VaR confidence level")] = 0.99,
    window: Annotated[int, typer.Option(min=20, help="Rolling VaR backtest window")] = 250,
    methods: Annotated[
        str, typer.Option(help="Backtested VaR methods, comma-separated")
    ] = "historical,gaussian,cornish_fisher,evt,fhs",
    market: Annotated[str, typer.Option(help="Market benchmark for betas")] = "SPY",
    source: Annotated[str, typer.Option(help="bundled | cache | yahoo | auto")] = "bundled",
) -> None:
    """VaR table, VaR backtests, drawdowns, betas, correlations, portfolio and stress."""
    from riskkit.data import load_closes
    from riskkit.risk.report import build_risk_report

    names = tickers or DEFAULT_TICKERS
    with guarded():
        check_out_dir(out)
        closes = load_closes(list(dict.fromkeys([*names, "BTC-USD", market])), source=source)  # type: ignore[arg-type]
        report = build_risk_report(
            closes,
            assets=names,
            weights=_parse_weights(weights, names),
            level=level,
            window=window,
            market=market,
            backtest_methods=[m.strip() for m in methods.split(",")],
        )
        paths = report.write(out)
        console.print(report.summary())
        console.print(f"wrote {paths['html']} and {len(paths) - 1} CSV/JSON files to {out}")
