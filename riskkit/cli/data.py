"""``riskkit data ...``: list, show, check and fetch prices."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from riskkit._errors import DataError
from riskkit.cli._common import FAILED_RUN, fail, guarded, say_warning
from riskkit.cli._options import SourceOpt
from riskkit.data import (
    PriceCache,
    bundled_tickers,
    canonical_ticker,
    check_prices,
    fetch_to_cache,
    load_prices,
    yahoo_reachable,
)
from riskkit.data.bundled import read_bundled

app = typer.Typer(help="Price data: list, show, check, fetch.", no_args_is_help=True)
console = Console()


@app.command("list")
def list_() -> None:
    """Tickers available offline (bundled) and in the cache, with first/last date and rows."""
    with guarded():
        table = Table("ticker", "source", "first", "last", "rows")
        px = load_prices(source="bundled")
        for t, info in px.attrs["riskkit_sources"].items():
            table.add_row(t, "bundled", str(info["first"]), str(info["last"]), str(info["rows"]))
        cache = PriceCache()
        for t in cache.tickers():
            try:
                entry = cache.read(t)
            except DataError as exc:  # one bad file must not hide the others
                say_warning(f"cache file of {t} skipped: {exc}")
                continue
            if entry is not None:
                m = entry.meta
                table.add_row(
                    t,
                    f"cache ({str(m.get('fetched_at', '?'))[:10]})",
                    str(m.get("first")),
                    str(m.get("last")),
                    str(m.get("rows")),
                )
        console.print(table)


@app.command("show")
def show(
    ticker: Annotated[str, typer.Argument(help="Ticker, e.g. IREN")],
    start: Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD")] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, help="Rows to print from the end")] = 10,
    source: SourceOpt = "bundled",
) -> None:
    """Print a ticker's last rows of OHLCV."""
    with guarded():
        px = load_prices([ticker], start, end, source=source)
        frame = px.xs(px.columns.get_level_values("ticker")[0], axis=1, level="ticker").dropna(
            how="all"
        )
        info = next(iter(px.attrs["riskkit_sources"].values()))
        console.print(
            f"{ticker}: {info['source']}, {info['first']} to {info['last']}, {info['rows']} rows"
        )
        console.print(frame.tail(rows).to_string())


@app.command("check")
def check(
    tickers: Annotated[
        list[str] | None, typer.Argument(help="Tickers to check (default: every bundled one)")
    ] = None,
) -> None:
    """Validate the bundled prices; exit code 1 only if an error (not a warning) is found."""
    with guarded():
        # aliases resolved by the data layer, as everywhere else (KEEL -> BITF)
        names = [canonical_ticker(t) for t in tickers] if tickers else list(bundled_tickers())
        table = Table("ticker", "rows", "first", "last", "errors", "warnings", "findings")
        n_err = 0
        for t in names:
            frame = read_bundled(t)
            found = check_prices(frame, t)
            errs = [f for f in found if f.severity == "error"]
            n_err += len(errs)
            text = (
                "; ".join(
                    f"[{'red' if f.severity == 'error' else 'yellow'}]{f.check}[/]: {f.message}"
                    for f in found
                )
                or "ok"
            )
            table.add_row(
                t,
                str(len(frame)),
                str(frame.index.min().date()),
                str(frame.index.max().date()),
                str(len(errs)),
                str(len(found) - len(errs)),
                text,
            )
        console.print(table)
        console.print(f"{len(names)} ticker(s) checked, {n_err} error(s).")
    if n_err:
        raise typer.Exit(code=FAILED_RUN)


@app.command("fetch")
def fetch(
    tickers: Annotated[list[str], typer.Argument(help="Tickers to download, e.g. IREN WULF")],
) -> None:
    """Download tickers from Yahoo into the cache (only dates after the cached ones)."""
    with guarded():
        tickers = [canonical_ticker(t) for t in tickers]  # bad names are bad input, first
        if not yahoo_reachable():
            fail(
                "Yahoo Finance is unreachable (offline, or RISKKIT_OFFLINE is set). The cache "
                "was left untouched. Offline, use the bundled snapshot: `riskkit data list`.",
                code=FAILED_RUN,
            )
        got = fetch_to_cache(tickers, retries=1, backoff=0.5)
        for t, f in got.items():
            console.print(f"{t}: cached {len(f)} rows to {f.index[-1].date()}")
