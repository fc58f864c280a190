"""NYSE sessions from exchange-calendars and the BTC <-> equity-session pairing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, btc_session_returns, equity_sessions, load_closes
from riskkit.data import next_session, session_on_or_after


def test_special_closures_and_holidays():
    s = equity_sessions("2025-01-06", "2025-01-10")
    assert pd.Timestamp("2025-01-09") not in s  # national day of mourning (Carter)
    assert len(s) == 4
    assert pd.Timestamp("2025-11-27") not in equity_sessions("2025-11-24", "2025-11-28")


def test_next_session_and_on_or_after():
    assert next_session("2025-11-14") == pd.Timestamp("2025-11-17")  # Fri -> Mon
    assert session_on_or_after("2025-11-15") == pd.Timestamp("2025-11-17")  # Sat -> Mon
    assert session_on_or_after("2025-11-13") == pd.Timestamp("2025-11-13")
    with pytest.raises(DataError, match="after end"):
        equity_sessions("2025-12-01", "2025-11-01")


def test_btc_weekend_is_compounded_into_monday():
    # Synthetic BTC closes: Thu 100, Fri 104, Sat 102, Sun 106, Mon 110.
    idx = pd.date_range("2025-11-13", "2025-11-17", freq="D")
    btc = pd.Series([100.0, 104.0, 102.0, 106.0, 110.0], index=idx)
    sessions = pd.DatetimeIndex(["2025-11-13", "2025-11-14", "2025-11-17"])
    r = btc_session_returns(btc, sessions)
    # hand: Fri 104/100-1 = 0.04; Mon 110/104-1 = 0.0576923...
    assert r.tolist() == pytest.approx([0.04, 110 / 104 - 1], abs=1e-15)
    # equals the product of the daily gross returns over Sat, Sun, Mon
    daily = btc.pct_change()
    assert r.iloc[-1] == pytest.approx(np.prod(1 + daily.loc["2025-11-15":"2025-11-17"]) - 1)
    lr = btc_session_returns(btc, sessions, kind="log")
    assert lr.iloc[-1] == pytest.approx(np.log(110 / 104))


def test_btc_missing_bar_is_an_error_not_a_fill():
    btc = pd.Series([100.0, 104.0], index=pd.to_datetime(["2025-11-13", "2025-11-14"]))
    with pytest.raises(DataError, match=r"missing on 1 session date.*2025-11-17"):
        btc_session_returns(btc, pd.DatetimeIndex(["2025-11-13", "2025-11-17"]))
    with pytest.raises(DataError, match=r"kind='pct' is not allowed"):
        btc_session_returns(btc, pd.DatetimeIndex(["2025-11-13"]), kind="pct")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"btc_close must be a pandas Series"):
        btc_session_returns(btc.to_numpy(), pd.DatetimeIndex(["2025-11-13"]))  # type: ignore[arg-type]


def test_btc_on_real_data_matches_close_ratio():
    c = load_closes(["BTC-USD"], source="bundled")["BTC-USD"]
    s = equity_sessions("2025-11-13", "2025-11-17")
    r = btc_session_returns(c, s)
    assert r.loc["2025-11-17"] == pytest.approx(c.loc["2025-11-17"] / c.loc["2025-11-14"] - 1)
