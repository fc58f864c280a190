"""Ticker aliases, resolved in one place.

Bitfarms' history sits under the Yahoo symbol ``KEEL`` since its 2026 renaming to Keel
Infrastructure; riskkit keeps ``BITF`` as the canonical name (the bundled file, the event
catalog and the literature all use it). ``KEEL`` is accepted as input and maps to ``BITF``.
"""

from __future__ import annotations

from riskkit.data.tickers import validate_ticker

__all__ = ["YAHOO_SYMBOLS", "canonical_ticker", "yahoo_symbol"]

#: canonical riskkit ticker -> symbol to request from Yahoo
YAHOO_SYMBOLS: dict[str, str] = {"BITF": "KEEL"}

_TO_CANONICAL: dict[str, str] = {v: k for k, v in YAHOO_SYMBOLS.items()}


def canonical_ticker(ticker: str) -> str:
    """Validate and upper-case a ticker, and map known aliases to riskkit's canonical name.

    Raises :class:`~riskkit.DataError` for names that are not tickers (see
    :func:`riskkit.data.tickers.validate_ticker`).

    Examples
    --------
    >>> canonical_ticker("keel"), canonical_ticker("iren")
    ('BITF', 'IREN')
    """
    t = validate_ticker(ticker)
    return _TO_CANONICAL.get(t, t)


def yahoo_symbol(ticker: str) -> str:
    """The symbol Yahoo serves a canonical ticker under.

    Examples
    --------
    >>> yahoo_symbol("BITF"), yahoo_symbol("IREN")
    ('KEEL', 'IREN')
    """
    t = canonical_ticker(ticker)
    return YAHOO_SYMBOLS.get(t, t)
