"""The one parser for ``start``/``end`` (and ``today``) dates in the data layer.

Accepted: ISO dates ``'YYYY-MM-DD'``; ISO date-times (``'2025-11-10T15:30'``,
``'2025-11-10 15:30:00'``, with or without an offset such as ``Z`` or ``-05:00``);
``datetime.date``, ``datetime.datetime``, ``pandas.Timestamp`` and ``numpy.datetime64``.
Rejected, with the list above: ambiguous strings (``'10/11/2025'``), numbers (``2025``
would otherwise be nanoseconds since 1970), booleans, ``NaT`` and anything else.

Time zones: a tz-aware value is converted to **America/New_York** and its calendar date
there is used, for every ticker, 24/7 ones included. A bound selects rows of one frame
that mixes equity sessions and BTC's UTC days, so it needs one zone, and New York is the
zone of the sessions riskkit studies (``2025-11-04T02:00:00Z`` is the evening of
2025-11-03 in New York). A naive date-time keeps its own calendar date. The time of day is
dropped: bounds are whole days, both inclusive.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = ["ACCEPTED_DATE_FORMS", "BOUND_TIMEZONE", "DateLike", "parse_date"]

#: What a ``start``/``end`` parameter may be given as.
DateLike = str | dt.date | pd.Timestamp | np.datetime64

#: The zone a tz-aware bound is converted to before its date is taken.
BOUND_TIMEZONE = "America/New_York"

#: The forms :func:`parse_date` accepts, as printed in its errors.
ACCEPTED_DATE_FORMS = (
    "'YYYY-MM-DD' (e.g. '2025-11-10'), an ISO date-time such as '2025-11-10T15:30:00Z', "
    "datetime.date, datetime.datetime or pandas.Timestamp"
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?"
)


def parse_date(value: object, name: str = "date", *, tz: str = BOUND_TIMEZONE) -> pd.Timestamp:
    """Parse one date bound into a tz-naive midnight ``Timestamp``.

    Parameters
    ----------
    value
        ``'YYYY-MM-DD'``, an ISO date-time string, ``datetime.date``,
        ``datetime.datetime``, ``pandas.Timestamp`` or ``numpy.datetime64``.
    name
        The parameter's name in error messages (``'start'``, ``'end'``).
    tz
        Zone a tz-aware value is converted to before its date is taken
        (default :data:`BOUND_TIMEZONE`, America/New_York).

    Returns
    -------
    Timestamp
        Tz-naive, at midnight: the calendar date the value names.

    Raises
    ------
    DataError
        Any other type (int, float, bool), an ambiguous or non-ISO string
        (``'10/11/2025'``, ``'Nov 10 2025'``), an impossible date (``'2025-02-30'``), NaT.

    Examples
    --------
    >>> parse_date("2025-11-10")
    Timestamp('2025-11-10 00:00:00')
    >>> parse_date("2025-11-04T02:00:00Z")  # 21:00 on 11-03 in New York
    Timestamp('2025-11-03 00:00:00')
    """
    how = f"Pass {name} as {ACCEPTED_DATE_FORMS}."
    if isinstance(value, bool) or not isinstance(
        value, str | dt.date | pd.Timestamp | np.datetime64
    ):
        raise DataError(f"{name}={value!r:.40} ({type(value).__name__}) is not a date. {how}")
    if isinstance(value, str):
        text = value.strip()
        if not (_ISO_DATE.fullmatch(text) or _ISO_DATETIME.fullmatch(text)):
            raise DataError(
                f"{name}={value!r:.40} is not an ISO date (forms such as '10/11/2025' are "
                f"ambiguous: day or month first). {how}"
            )
        raw: object = text
    else:
        raw = value
    try:
        ts = pd.Timestamp(raw)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"{name}={value!r:.40} is not a valid date ({exc}). {how}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise DataError(f"{name} is NaT (a missing date). {how}")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None)
    return ts.normalize()
