"""Issue 9 item 11: returns of a mixed equity/BTC frame keep every equity return.

Regression: ``simple_returns(load_prices([..., "BTC-USD"])["close"])`` made every Monday
and post-holiday equity return NaN (BITF kept 1,061 of 1,356 returns, 22% gone) because
the wide frame's index is the union of the NYSE and BTC calendars.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, RiskkitWarning, load_closes, log_returns, simple_returns


def test_readme_snippet_keeps_every_equity_return():
    closes = load_closes(["BITF", "BTC-USD"], source="bundled")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default reports nothing: nothing is lost
        r = simple_returns(closes)
    for t in ("BITF", "BTC-USD"):
        own = closes[t].dropna()
        alone = own / own.shift(1) - 1  # each asset on its own calendar, by hand
        got = r[t].dropna()
        assert len(got) == len(own) - 1
        pd.testing.assert_series_equal(got, alone.iloc[1:], check_names=False, check_freq=False)
    assert r.attrs["riskkit_sources"] == closes.attrs["riskkit_sources"]


def test_monday_and_post_holiday_returns_by_hand():
    closes = load_closes(["IREN", "BTC-USD"], "2025-11-20", "2025-12-01", source="bundled")
    r = simple_returns(closes)["IREN"]
    c = closes["IREN"]
    # Monday 2025-11-24: from Friday 11-21's close (the weekend rows are BTC's)
    assert r.loc["2025-11-24"] == pytest.approx(c.loc["2025-11-24"] / c.loc["2025-11-21"] - 1)
    # Friday 2025-11-28, after Thanksgiving (11-27, NYSE closed): from Wednesday 11-26
    assert r.loc["2025-11-28"] == pytest.approx(c.loc["2025-11-28"] / c.loc["2025-11-26"] - 1)
    assert math.isnan(r.loc["2025-11-22"]) and math.isnan(r.loc["2025-11-27"])  # no IREN row
    lr = log_returns(closes)["IREN"]
    assert lr.loc["2025-11-24"] == pytest.approx(
        math.log(c.loc["2025-11-24"] / c.loc["2025-11-21"])
    )


def test_shared_calendar_reports_what_it_drops():
    idx = pd.date_range("2025-11-14", periods=4)  # Fri, Sat, Sun, Mon
    wide = pd.DataFrame(
        {"EQ": [10.0, np.nan, np.nan, 11.0], "BTC": [1.0, 2.0, 2.0, 4.0]}, index=idx
    )
    with pytest.warns(RiskkitWarning, match=r"1 return\(s\) were lost \(EQ: 1\).*calendar='own'"):
        r = simple_returns(wide, calendar="shared")
    assert r["EQ"].isna().all()
    assert simple_returns(wide)["EQ"].iloc[-1] == pytest.approx(0.1)


def test_series_and_bad_calendar():
    s = pd.Series([1.0, np.nan, 2.0], index=pd.date_range("2025-01-01", periods=3), name="x")
    r = simple_returns(s)
    assert isinstance(r, pd.Series) and r.name == "x" and r.iloc[-1] == pytest.approx(1.0)
    with pytest.raises(DataError, match=r"calendar='nyse' is not allowed; use 'own' or 'shared'"):
        simple_returns(s, calendar="nyse")  # type: ignore[arg-type]
