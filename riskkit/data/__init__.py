"""Price data: sources (bundled snapshot, Parquet cache, Yahoo), calendars, checks."""

from riskkit.data.aliases import canonical_ticker, yahoo_symbol
from riskkit.data.bundled import (
    bundled_tickers,
    read_close_extension,
    read_dividends,
    read_price_csv,
)
from riskkit.data.cache import PriceCache, default_cache_dir
from riskkit.data.calendars import (
    btc_session_returns,
    equity_calendar,
    equity_sessions,
    is_24_7,
    next_session,
    session_on_or_after,
)
from riskkit.data.checks import Finding, check_cache, check_prices, screen_download
from riskkit.data.dates import DateLike, parse_date
from riskkit.data.loader import fetch_to_cache, load_closes, load_prices, yahoo_reachable
from riskkit.data.tickers import MAX_TICKER_LENGTH, validate_ticker
from riskkit.data.yahoo import YahooResult, default_fetcher, fetch_yahoo, offline

__all__ = [
    "MAX_TICKER_LENGTH",
    "DateLike",
    "Finding",
    "PriceCache",
    "YahooResult",
    "btc_session_returns",
    "bundled_tickers",
    "canonical_ticker",
    "check_cache",
    "check_prices",
    "default_cache_dir",
    "default_fetcher",
    "equity_calendar",
    "equity_sessions",
    "fetch_to_cache",
    "fetch_yahoo",
    "is_24_7",
    "load_closes",
    "load_prices",
    "next_session",
    "offline",
    "parse_date",
    "read_close_extension",
    "read_dividends",
    "read_price_csv",
    "screen_download",
    "session_on_or_after",
    "validate_ticker",
    "yahoo_reachable",
    "yahoo_symbol",
]
