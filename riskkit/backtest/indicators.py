"""Price indicators the engine needs on the grid (no look-ahead: each value uses bars up to t)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from riskkit._errors import DataError

__all__ = ["atr"]


@njit(cache=True)
def _wilder_atr(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover
    m = h.shape[0]
    out = np.empty(m)
    total = 0.0
    for t in range(m):
        tr = h[t] - lo[t]
        if t > 0:
            tr = max(tr, abs(h[t] - c[t - 1]), abs(lo[t] - c[t - 1]))
        if t < n:
            total += tr
            out[t] = total / (t + 1)
        else:
            out[t] = out[t - 1] + (tr - out[t - 1]) / n
    return out


def atr(bars: pd.DataFrame, *, window: int = 14) -> pd.Series:
    """Wilder's average true range from high, low and close up to each bar.

    Parameters
    ----------
    bars
        A frame with ``high``, ``low`` and ``close``.
    window
        Wilder's ``n`` (sessions).

    Returns
    -------
    pandas.Series
        ATR on ``bars.index`` (price units), named ``"atr"``; defined from the first bar.

    Notes
    -----
    :math:`TR_t = \\max(H_t-L_t, |H_t-C_{t-1}|, |L_t-C_{t-1}|)` (``H_0-L_0`` on the first
    bar). Wilder's seed :math:`ATR_{n-1} = \\tfrac1n\\sum_{s<n} TR_s`, then
    :math:`ATR_t = ATR_{t-1} + (TR_t - ATR_{t-1})/n`. Before the seed (``t < n-1``) the
    value is the mean true range of the bars so far, so a stop measured in ATR exists
    from the first bar: an entry before bar ``n-1`` no longer runs without a stop.

    References
    ----------
    Wilder, J. W. (1978). *New Concepts in Technical Trading Systems*. Trend Research.

    Examples
    --------
    >>> b = pd.DataFrame({"high": [11.0, 12, 15], "low": [9.0, 10, 11], "close": [10.0, 11, 14]},
    ...                  index=pd.date_range("2024-01-01", periods=3))
    >>> atr(b, window=2).tolist()  # TR 2, 2, 4: mean 2, seed (2+2)/2, then 2 + (4-2)/2
    [2.0, 2.0, 3.0]
    """
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise DataError(f"window={window!r} must be a positive integer (sessions).")
    missing = [k for k in ("high", "low", "close") if k not in bars.columns]
    if missing:
        raise DataError(f"atr needs columns high, low, close; missing {missing}.")
    h, lo, c = (
        np.ascontiguousarray(bars[k].to_numpy(np.float64)) for k in ("high", "low", "close")
    )
    if np.isnan(h).any() or np.isnan(lo).any() or np.isnan(c).any():
        raise DataError("atr got missing prices; drop incomplete bars first (bars_for does).")
    return pd.Series(_wilder_atr(h, lo, c, int(window)), index=bars.index, name="atr")
