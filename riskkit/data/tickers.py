"""The one ticker validator: every source, the cache and ``fetch_to_cache`` call it.

A ticker becomes part of a file name (``<cache>/<TICKER>.parquet``), so only names that
cannot leave the cache folder are accepted: letters, digits and ``. - ^ =`` (``BRK.B``,
``BTC-USD``, ``^GSPC``, ``EURUSD=X``), at most :data:`MAX_TICKER_LENGTH` characters, at
least one letter or digit, and never starting with ``.``, ``-`` or ``=``. Names are upper-cased; surrounding white space is stripped.
"""

from __future__ import annotations

import re

from riskkit._errors import DataError

__all__ = ["MAX_TICKER_LENGTH", "validate_ticker"]

#: Longest accepted ticker (Yahoo symbols such as ``EURUSD=X`` or ``BRK-B`` are far shorter).
MAX_TICKER_LENGTH = 20

_ALLOWED = re.compile(r"[A-Z0-9.\-^=]+")
_HAS_ALNUM = re.compile(r"[A-Z0-9]")


def _show(value: str) -> str:
    """A short, one-line rendering of a user string for an error message."""
    one_line = value.encode("unicode_escape").decode("ascii")
    if len(one_line) > 30:
        return f"{one_line[:30]!r}... ({len(value)} characters)"
    return repr(one_line)


def validate_ticker(value: object, *, what: str = "ticker") -> str:
    """Check one ticker and return it upper-cased (aliases are *not* resolved here).

    Parameters
    ----------
    value
        The user's ticker.
    what
        How the value is named in the error message.

    Returns
    -------
    str
        The stripped, upper-cased ticker, safe to use in a file name.

    Raises
    ------
    DataError
        Not a string, empty, longer than :data:`MAX_TICKER_LENGTH`, a character other
        than letters, digits and ``. - ^ =`` (such as ``/``, ``\\``, ``*`` or a space),
        no letter or digit at all (``..``), or a first character ``.``, ``-`` or ``=``.

    Examples
    --------
    >>> validate_ticker(" btc-usd "), validate_ticker("^gspc"), validate_ticker("brk.b")
    ('BTC-USD', '^GSPC', 'BRK.B')
    """
    allowed = (
        f"letters, digits and . - ^ = (e.g. 'IREN', 'BTC-USD', '^GSPC'), "
        f"at most {MAX_TICKER_LENGTH} characters"
    )
    if not isinstance(value, str):
        raise DataError(
            f"A {what} must be a non-empty string, got {type(value).__name__} {value!r:.40}. "
            f"Allowed: {allowed}."
        )
    t = value.strip().upper()
    if not t:
        raise DataError(
            f"A {what} must be a non-empty string, got {value!r:.40}. Allowed: {allowed}."
        )
    if len(t) > MAX_TICKER_LENGTH:
        raise DataError(f"{what} {_show(t)} is too long ({len(t)} characters). Allowed: {allowed}.")
    if not _ALLOWED.fullmatch(t):
        bad = sorted({c for c in t if not _ALLOWED.fullmatch(c)})
        raise DataError(
            f"{what} {_show(value.strip())} contains {''.join(bad)!r}, which is not allowed "
            f"(a ticker is never a path). Allowed: {allowed}."
        )
    if not _HAS_ALNUM.search(t) or t[0] in ".-=":
        raise DataError(
            f"{what} {_show(t)} must start with a letter, a digit or ^ and have a letter or "
            f"digit. Allowed: {allowed}."
        )
    return t
