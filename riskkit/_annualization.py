"""Periods per year, inferred from the calendar of the data and reported with every figure.

vectorbt annualises every daily index with 365 and empyrical with 252. Neither is right for
a sample that mixes NYSE sessions (about 252 a year) and a 24/7 asset such as BTC-USD
(365 a year). Here the number comes from the index itself, can be overridden, and travels
with every annualised figure so a reader always sees which one was used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = [
    "AnnualizedFloat",
    "Annualization",
    "annualized_series",
    "infer_periods_per_year",
    "resolve_annualization",
    "user_annualization",
]


#: A median gap below this many days is sub-daily data.
SUB_DAILY_GAP = 0.5
#: If at least this share of rows shares a calendar day with another row, the data are
#: sub-daily (two rows a day have a median gap that can look daily).
SUB_DAILY_SHARE = 0.10


@dataclass(frozen=True)
class Annualization:
    """How many periods make a year, and where that number came from.

    Attributes
    ----------
    periods_per_year
        The factor (252, 365, 52, 12 or a user's number).
    basis
        ``"equity sessions"``, ``"calendar days (24/7)"``, ``"weekly"``, ``"monthly"`` or
        ``"user override"``.
    """

    periods_per_year: float
    basis: str

    def __str__(self) -> str:
        p = self.periods_per_year
        ps = f"{int(p)}" if float(p).is_integer() else f"{p:g}"
        return f"annualised with {ps} periods/year ({self.basis})"


class AnnualizedFloat(float):
    """A float that remembers the annualisation it was computed with.

    It behaves as a plain ``float`` in arithmetic and formatting; ``repr`` prints the
    factor so an annualised figure is never shown without it.

    Examples
    --------
    >>> x = AnnualizedFloat(0.5, Annualization(252, "equity sessions"))
    >>> x
    0.5 [annualised with 252 periods/year (equity sessions)]
    >>> float(x) * 2
    1.0
    """

    annualization: Annualization

    def __new__(cls, value: float, annualization: Annualization) -> AnnualizedFloat:
        obj = super().__new__(cls, value)
        obj.annualization = annualization
        return obj

    @property
    def periods_per_year(self) -> float:
        """The annualisation factor used."""
        return self.annualization.periods_per_year

    def __repr__(self) -> str:
        return f"{float(self)!r} [{self.annualization}]"

    def __reduce__(self):  # pickling keeps the annotation
        return (AnnualizedFloat, (float(self), self.annualization))


def infer_periods_per_year(index: pd.Index) -> Annualization:
    """Infer the annualisation factor from a DatetimeIndex.

    Parameters
    ----------
    index
        The dates of the observations (missing values already removed).

    Returns
    -------
    Annualization
        252 for daily data on trading sessions only (no Saturdays/Sundays), 365 for daily
        data that includes weekends (a 24/7 asset such as BTC-USD), 52 for weekly and 12
        for monthly data.

    Raises
    ------
    DataError
        If the index is not a DatetimeIndex, has fewer than 2 dates, is sub-daily or has
        a spacing that matches no calendar.

    Notes
    -----
    The median gap between dates decides the frequency: at most 4 days is daily, 5-10
    days weekly, 25-35 days monthly. Daily data counts as 24/7 when at least 10% of its
    dates fall on a Saturday or Sunday (a 7-day calendar has 2/7 = 28.6%); otherwise it is
    an equity-session calendar with 252 sessions a year. Sub-daily data (a median gap
    under 12 hours, or at least 10% of the rows sharing a calendar day with another row,
    as with two rows a day) are refused rather than annualised as daily: an hourly 24/7
    index would otherwise get 365 instead of 8760. Any other spacing cannot be inferred
    either: pass ``periods_per_year`` explicitly.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_periods_per_year(pd.bdate_range("2024-01-01", periods=30))
    Annualization(periods_per_year=252, basis='equity sessions')
    >>> infer_periods_per_year(pd.date_range("2024-01-01", periods=30, freq="D")).periods_per_year
    365
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(
            f"cannot infer periods per year from a {type(index).__name__}; a DatetimeIndex is "
            "needed. Pass periods_per_year=252 (or 365) explicitly."
        )
    if len(index) < 2:
        raise DataError(
            f"cannot infer periods per year from {len(index)} date(s); pass periods_per_year."
        )
    # unit-safe (pandas 3 defaults to microseconds): convert to seconds explicitly
    gaps = np.diff(index.to_numpy()).astype("timedelta64[s]").astype(float) / 86_400.0
    med = float(np.median(gaps))
    # local calendar days: a tz-aware index is read in its own zone
    days = index.normalize()
    shared_day = float(np.mean(days.duplicated(keep=False)))
    if med < SUB_DAILY_GAP or shared_day >= SUB_DAILY_SHARE:
        raise DataError(
            f"the data look sub-daily (median gap {med * 24:.2f} hours; "
            f"{shared_day:.0%} of the rows share a calendar day with another row), and "
            "riskkit does not guess an intraday calendar. Pass periods_per_year: 8760 for "
            "hourly 24/7 data (365 x 24), 1638 for hourly equity bars (252 x 6.5), "
            "504 for two rows per equity session; or resample to daily first."
        )
    if med <= 4:
        weekend_share = float(np.mean(index.day_of_week >= 5))
        if weekend_share >= 0.10:
            return Annualization(365, "calendar days (24/7)")
        return Annualization(252, "equity sessions")
    if 5 <= med <= 10:
        return Annualization(52, "weekly")
    if 25 <= med <= 35:
        return Annualization(12, "monthly")
    raise DataError(
        f"cannot infer periods per year: the median gap between dates is {med:.1f} days. "
        "Pass periods_per_year explicitly."
    )


def resolve_annualization(x: pd.Series, periods_per_year: float | None = None) -> Annualization:
    """Return the user's factor if given, else the one inferred from ``x``'s non-NaN dates.

    Raises
    ------
    DataError
        If ``periods_per_year`` is not a positive number.
    """
    if periods_per_year is not None:
        return user_annualization(periods_per_year)
    return infer_periods_per_year(x.dropna().index)


def user_annualization(periods_per_year: float) -> Annualization:
    """Validate a user's ``periods_per_year`` and label it ``"user override"``.

    Raises
    ------
    DataError
        If ``periods_per_year`` is not a positive number.
    """
    if (
        isinstance(periods_per_year, bool)
        or not np.isfinite(periods_per_year)
        or periods_per_year <= 0
    ):
        raise DataError(
            f"periods_per_year must be a positive number, got {periods_per_year!r}. "
            "Use 252 for equity sessions, 365 for a 24/7 asset, or None to infer it."
        )
    return Annualization(periods_per_year, "user override")


def annualized_series(
    values: dict[str, float], annualizations: dict[str, Annualization], name: str | None = None
) -> pd.Series:
    """Build the Series returned for a DataFrame input, with the factors in ``attrs``.

    ``attrs["periods_per_year"]`` maps each column to its factor and
    ``attrs["annualization"]`` to the human-readable basis.
    """
    out = pd.Series(values, dtype=float, name=name)
    out.attrs["periods_per_year"] = {k: a.periods_per_year for k, a in annualizations.items()}
    out.attrs["annualization"] = {k: str(a) for k, a in annualizations.items()}
    return out
