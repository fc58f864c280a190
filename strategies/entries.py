"""Entry rules: when a strategy wants to be long, decided with data up to each bar's close.

Each rule returns a boolean *state* Series ("want to hold at the end of bar t"); the
stop-loss family turns it into entry/exit decisions. Nothing here looks past bar ``t``:
rolling windows end at ``t`` and the first ``window - 1`` bars are False (not enough data).
"""

from __future__ import annotations

import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import check_timeseries

__all__ = ["buy_and_hold", "dip_buy", "ma_trend"]


def _close(close: pd.Series) -> pd.Series:
    check_timeseries(close, name="close", min_length=2)
    if not isinstance(close, pd.Series):
        raise DataError("close must be a Series (one instrument); pick a column with df[ticker].")
    return close.astype(float)


def buy_and_hold(close: pd.Series) -> pd.Series:
    """Always want to be long (True on every bar).

    Examples
    --------
    >>> import pandas as pd
    >>> buy_and_hold(pd.Series([1.0, 2.0], index=pd.date_range("2024-01-01", periods=2))).tolist()
    [True, True]
    """
    return pd.Series(True, index=_close(close).index, name="buy_and_hold")


def dip_buy(close: pd.Series, *, drawdown: float = 0.15, lookback: int = 20) -> pd.Series:
    """Want to be long after the close falls ``drawdown`` below its ``lookback``-bar high.

    The state switches on when :math:`C_t \\le (1-d)\\max(C_{t-L+1..t})` and stays on until
    the close recovers to that rolling high (:math:`C_t \\ge \\max(C_{t-L+1..t-1})`).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.Series([10.0, 10, 8, 9, 11], index=pd.date_range("2024-01-01", periods=5))
    >>> dip_buy(c, drawdown=0.15, lookback=3).tolist()
    [False, False, True, True, False]
    """
    c = _close(close)
    if not 0 < drawdown < 1:
        raise DataError(f"drawdown={drawdown!r} must be in (0, 1), e.g. 0.15 for 15%.")
    if lookback < 2:
        raise DataError(f"lookback={lookback!r} must be an integer >= 2.")
    high = c.rolling(lookback, min_periods=1).max()
    prev_high = c.shift(1).rolling(lookback - 1, min_periods=1).max()
    dip = (c <= (1 - drawdown) * high).to_numpy()
    recovered = (c >= prev_high).to_numpy()
    state, on = [], False
    for d, r in zip(dip, recovered, strict=True):
        if d:
            on = True
        elif on and r:
            on = False
        state.append(on)
    return pd.Series(state, index=c.index, name="dip_buy")


def ma_trend(close: pd.Series, *, window: int = 50) -> pd.Series:
    """Want to be long while the close is above its ``window``-bar simple moving average.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.Series([1.0, 2, 3, 1, 5], index=pd.date_range("2024-01-01", periods=5))
    >>> ma_trend(c, window=2).tolist()
    [False, True, True, False, True]
    """
    c = _close(close)
    if window < 2:
        raise DataError(f"window={window!r} must be an integer >= 2.")
    ma = c.rolling(window, min_periods=window).mean()
    return (c > ma).fillna(False).astype(bool).rename("ma_trend")
