"""Returns from a wide close frame: each asset on its own calendar, or all on equity sessions.

A 24/7 asset (BTC-USD) and equities cannot share a row of daily returns without a choice:
dropping weekends throws away Saturday and Sunday moves and biases betas. Here BTC is
compounded over each equity session interval with
:func:`riskkit.data.btc_session_returns` (Friday close to Monday close includes the
weekend), so every row is the same time interval for every asset.
"""

from __future__ import annotations

import pandas as pd

from riskkit._annualization import infer_periods_per_year
from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn
from riskkit.risk._common import NATIVE_CALENDAR_ATTR

__all__ = ["native_returns", "session_returns"]


def _check_prices(closes: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(closes, pd.DataFrame):
        raise DataError(
            f"closes must be a wide DataFrame (date x ticker), got {type(closes).__name__}. "
            "Use riskkit.load_closes([...])."
        )
    check_timeseries(closes, name="closes", min_length=2, nan_policy="omit")
    if (closes <= 0).to_numpy().any():
        raise DataError("closes must be positive prices; found zero or negative values.")
    return closes


def native_returns(closes: pd.DataFrame) -> pd.DataFrame:
    """Simple returns of each column between its own consecutive observed closes.

    Parameters
    ----------
    closes
        Wide close frame, NaN where an asset does not trade (equities on weekends).

    Returns
    -------
    DataFrame
        Same columns; row t holds ``P_t / P_prev - 1`` where the asset has a close at t,
        NaN elsewhere. The first observed close of each asset gives no return.
        ``attrs["riskkit_native_calendar"]`` is True: the risk functions read each
        column on its own calendar and skip (and report) its non-session NaNs.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> c = pd.DataFrame({"A": [1.0, np.nan, 1.1, 1.21]},
    ...                  index=pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-08", "2024-01-09"]))
    >>> native_returns(c)["A"].round(4).tolist()
    [nan, nan, 0.1, 0.1]
    """
    c = _check_prices(closes)
    out = {}
    for col in c.columns:
        s = c[col].dropna()
        out[col] = (s / s.shift(1) - 1.0).reindex(c.index)
    frame = pd.DataFrame(out, index=c.index)
    # its NaNs mark days an asset does not trade: the risk functions skip them per column
    frame.attrs[NATIVE_CALENDAR_ATTR] = True
    return frame


def session_returns(closes: pd.DataFrame, *, kind: str = "simple") -> pd.DataFrame:
    """All assets on the equity session calendar; 24/7 assets compounded per session.

    Parameters
    ----------
    closes
        Wide close frame with equities (session dates) and 24/7 assets (calendar days),
        e.g. ``load_closes(["IREN", "SPY", "BTC-USD"])``.
    kind
        ``"simple"`` (default) or ``"log"`` returns.

    Returns
    -------
    DataFrame
        Index: the equity sessions (union of the equity columns' dates) after the first.
        Equity columns: return between consecutive sessions (NaN next to a missing close,
        never filled). 24/7 columns: return from the close on the previous session's date
        to the close on this session's date (via ``riskkit.data.btc_session_returns``),
        NaN outside that asset's date range.

    Raises
    ------
    DataError
        If there is no equity column to take the sessions from.

    Notes
    -----
    A column counts as 24/7 when at least 10% of its dates fall on weekends (see
    :func:`riskkit.risk.infer_periods_per_year`). BTC's daily close is 00:00 UTC, 3-4
    hours after the NYSE close; see ``btc_session_returns`` for what that implies.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=21, freq="D")
    >>> btc = pd.Series([100.0 * 1.01**k for k in range(21)], index=days)
    >>> eq = pd.Series(10.0, index=days[days.day_of_week < 5])
    >>> r = session_returns(pd.DataFrame({"BTC-USD": btc, "EQ": eq}))
    >>> round(float(r.loc["2024-01-08", "BTC-USD"]), 6)  # Friday to Monday: 3 days
    0.030301
    """
    from riskkit.data import btc_session_returns

    if kind not in ("simple", "log"):
        raise DataError(f"kind={kind!r} is not allowed; use 'simple' or 'log'.")
    c = _check_prices(closes)
    is_247 = {
        col: infer_periods_per_year(c[col].dropna().index).periods_per_year == 365
        for col in c.columns
    }
    equities = [col for col, v in is_247.items() if not v]
    if not equities:
        raise DataError(
            "session_returns needs at least one equity column (e.g. SPY) to define the "
            "sessions; for 24/7 assets alone use native_returns."
        )
    sessions = pd.DatetimeIndex(c[equities].dropna(how="all").index)
    out = {}
    for col in c.columns:
        if is_247[col]:
            s = c[col].dropna()
            inside = sessions[(sessions >= s.index[0]) & (sessions <= s.index[-1])]
            r = btc_session_returns(s, inside, kind=kind)  # type: ignore[arg-type]
            out[col] = r.reindex(sessions[1:])
        else:
            p = c[col].reindex(sessions)
            ratio = p / p.shift(1)
            out[col] = (ratio.map(_log) if kind == "log" else ratio - 1.0).iloc[1:]
            gaps = int((p.notna() & p.shift(1).isna() & (p.index > p.first_valid_index())).sum())
            if gaps:
                warn(
                    f"session_returns: {col} has {gaps} missing session close(s) inside its "
                    "range; the returns next to them are NaN (no filling).",
                    stacklevel=3,
                )
    res = pd.DataFrame(out, index=sessions[1:])
    res.index.name = "date"
    return res


def _log(x: float) -> float:
    import math

    return math.log(x) if x == x else x
