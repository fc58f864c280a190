"""The real price snapshot shipped inside the package (offline default).

Provenance of every file is in ``riskkit/_bundled/prices/SOURCES.md`` (copied unchanged
from the project's shared data): Yahoo Finance daily bars collected from public
repositories, 2021-01 to 2026-05/08 depending on the ticker. The close-only extension
(``extra/close_only_extension.csv``) is kept separate and labelled: it has no OHLV and is
never mixed into :func:`read_bundled` frames.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable

import pandas as pd

from riskkit._errors import DataError
from riskkit.data._schema import parse_price_frame
from riskkit.data.aliases import canonical_ticker

__all__ = [
    "BUNDLED_SOURCE",
    "EXTENSION_SOURCE",
    "bundled_path",
    "bundled_tickers",
    "read_bundled",
    "read_close_extension",
    "read_dividends",
    "read_price_csv",
]

BUNDLED_SOURCE = "bundled snapshot (Yahoo Finance via public repos; see SOURCES.md)"
EXTENSION_SOURCE = "bundled close-only extension (yfinance auto-adjusted closes; no OHLV)"


def bundled_path(*parts: str) -> Traversable:
    """Path inside the shipped ``riskkit/_bundled`` folder."""
    node = resources.files("riskkit").joinpath("_bundled")
    for p in parts:
        node = node.joinpath(p)
    return node


@lru_cache(maxsize=1)
def bundled_tickers() -> tuple[str, ...]:
    """Tickers of the bundled snapshot, sorted.

    Examples
    --------
    >>> "BITF" in bundled_tickers() and "BTC-USD" in bundled_tickers()
    True
    """
    folder = bundled_path("prices")
    return tuple(sorted(f.name[:-4] for f in folder.iterdir() if f.name.endswith(".csv")))


def read_price_csv(path: object, *, what: str | None = None) -> pd.DataFrame:
    """Read one ``date,open,high,low,close,adj_close,volume`` CSV (rows as in the file).

    Raises
    ------
    DataError
        Missing file, wrong header, unparseable dates or numbers.
    """
    label = what or str(path)
    try:
        with open(str(path), encoding="utf-8") as fh:
            raw = pd.read_csv(fh, dtype={0: str}, keep_default_na=False, na_values=[""])
    except FileNotFoundError as exc:
        raise DataError(f"{label}: file not found.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{label} is malformed and cannot be parsed as CSV: {exc}") from exc
    return parse_price_frame(raw, what=label)


@lru_cache(maxsize=32)
def _read_cached(ticker: str) -> pd.DataFrame:
    f = bundled_path("prices", f"{ticker}.csv")
    with resources.as_file(f) as p:
        return read_price_csv(p, what=f"bundled {ticker}.csv")


def read_bundled(ticker: str) -> pd.DataFrame:
    """One bundled ticker's frame (a fresh copy), raising for unknown tickers.

    The ticker is validated and aliases resolved (``keel`` reads ``BITF``).
    """
    ticker = canonical_ticker(ticker)
    if ticker not in bundled_tickers():
        raise DataError(
            f"Unknown ticker {ticker!r} for source 'bundled'. Available: "
            f"{', '.join(bundled_tickers())}. Use source='yahoo' for other tickers."
        )
    return _read_cached(ticker).copy()


def read_close_extension(tickers: list[str] | None = None) -> pd.DataFrame:
    """The close-only extension rows (after each main file's last date, to 2026-07-31).

    Returns a wide close frame (date x ticker). These are yfinance auto-adjusted closes with
    no open/high/low/volume; for SPY and QQQ rows before 2026-06-18 are dividend-adjusted,
    so compute returns within the extension rather than splicing levels (SOURCES.md).
    """
    f = bundled_path("prices", "extra", "close_only_extension.csv")
    with resources.as_file(f) as p:
        long = pd.read_csv(p, parse_dates=["date"])
    wide = long.pivot(index="date", columns="ticker", values="close").sort_index()
    wide.index.name = "date"
    wide.columns.name = None
    if tickers is not None:
        unknown = sorted(set(tickers) - set(wide.columns))
        if unknown:
            raise DataError(
                f"No close-only extension rows for {unknown}. Available: {list(wide.columns)}."
            )
        wide = wide[list(tickers)].dropna(how="all")
    return wide


def read_dividends(ticker: str) -> pd.Series:
    """Cash dividends (ex-date -> USD per share) shipped for SPY and QQQ."""
    ticker = canonical_ticker(ticker)
    f = bundled_path("prices", "dividends", f"{ticker}.csv")
    if not f.is_file():
        raise DataError(f"No bundled dividends for {ticker!r}; only SPY and QQQ have them.")
    with resources.as_file(f) as p:
        s = pd.read_csv(p, parse_dates=["date"], index_col="date")["dividend"]
    s.name = ticker
    return s
