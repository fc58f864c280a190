"""Issue 9 item 8 (ambiguous dates) and item 7's first half (tz-aware bounds).

One parser, :func:`riskkit.data.parse_date`, reads every ``start``/``end`` of the data
layer (load_prices, load_closes, fetch_to_cache, fetch_yahoo, equity_sessions).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from yf_fake import FakeFetcher

from riskkit import DataError, load_closes, load_prices
from riskkit.data import PriceCache, equity_sessions, fetch_to_cache, fetch_yahoo, parse_date

ACCEPTED = {
    "iso date": ("2025-11-10", "2025-11-10"),
    "iso date, spaces": (" 2025-11-10 ", "2025-11-10"),
    "iso datetime naive": ("2025-11-10T15:30", "2025-11-10"),
    "iso datetime with space": ("2025-11-10 15:30:00", "2025-11-10"),
    "Z after NY midnight": ("2025-11-10T00:00:00Z", "2025-11-09"),  # 19:00 ET on 11-09
    "Z evening (item 7 example)": ("2025-11-04T02:00:00Z", "2025-11-03"),
    "offset -05:00": ("2025-11-10T23:00:00-05:00", "2025-11-10"),
    "offset +09:00": ("2025-11-10T08:00:00+09:00", "2025-11-09"),
    "datetime.date": (dt.date(2025, 11, 10), "2025-11-10"),
    "naive datetime": (dt.datetime(2025, 11, 10, 18, 0), "2025-11-10"),
    "aware datetime": (dt.datetime(2025, 11, 10, 3, 0, tzinfo=dt.UTC), "2025-11-09"),
    "Timestamp": (pd.Timestamp("2025-11-10"), "2025-11-10"),
    "tz Timestamp NY": (pd.Timestamp("2025-11-10 23:59", tz="America/New_York"), "2025-11-10"),
    "numpy datetime64": (np.datetime64("2025-11-10"), "2025-11-10"),
}


@pytest.mark.parametrize(("value", "want"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_accepted_forms(value, want):
    got = parse_date(value, "start")
    assert got == pd.Timestamp(want) and got.tz is None


REJECTED = {
    "month/day ambiguous 10/11/2025": "10/11/2025",
    "03/11/2025": "03/11/2025",
    "day.month": "10.11.2025",
    "words": "Nov 10 2025",
    "compact": "20251110",
    "year only": "2025",
    "impossible day": "2025-02-30",
    "empty": "",
    "today (relative word)": "today",
}


@pytest.mark.parametrize("bad", list(REJECTED.values()), ids=list(REJECTED))
def test_rejected_strings_list_the_accepted_forms(bad):
    with pytest.raises(DataError, match=r"start=.*Pass start as 'YYYY-MM-DD'"):
        parse_date(bad, "start")


@pytest.mark.parametrize(
    "bad",
    [2025, 20251110, 2025.0, True, None, [2025, 11, 10], pd.NaT],
    ids=["int 2025", "int 20251110", "float", "bool", "None", "list", "NaT"],
)
def test_rejected_types(bad):
    with pytest.raises(DataError, match=r"(is not a date|NaT).*'YYYY-MM-DD'"):
        parse_date(bad, "end")


def test_int_start_is_not_nanoseconds_in_load_prices():
    with pytest.raises(DataError, match=r"start=2025 \(int\) is not a date"):
        load_prices(["IREN"], start=2025, source="bundled")  # type: ignore[arg-type]


def test_ambiguous_end_refused_in_load_closes():
    with pytest.raises(DataError, match=r"end='10/11/2025' is not an ISO date"):
        load_closes(["IREN"], end="10/11/2025", source="bundled")


def test_tz_aware_bounds_do_not_raise_type_error():
    # regression: `riskkit data show IREN --start 2025-11-10T00:00:00Z` was a TypeError
    c = load_closes(
        ["IREN"], "2025-11-10T00:00:00Z", pd.Timestamp("2025-11-14", tz="UTC"), source="bundled"
    )
    # 2025-11-10T00:00Z is 11-09 in New York, so 11-10 (Monday) is the first row;
    # 2025-11-14 00:00 UTC is 11-13 in New York, so 11-13 is the last row.
    assert str(c.index[0].date()) == "2025-11-10" and str(c.index[-1].date()) == "2025-11-13"


def test_fetch_paths_use_the_same_parser(tmp_path):
    f = FakeFetcher({"IREN": pd.bdate_range("2025-11-03", "2025-11-14")})
    with pytest.raises(DataError, match=r"start='11/03/2025' is not an ISO date"):
        fetch_to_cache(["IREN"], cache=PriceCache(tmp_path), fetcher=f, start="11/03/2025")
    with pytest.raises(DataError, match=r"end=2025.5 \(float\) is not a date"):
        fetch_yahoo(["IREN"], "2025-11-03", 2025.5, fetcher=f)  # type: ignore[arg-type]
    assert f.calls == []
    res = fetch_yahoo(
        ["IREN"],
        "2025-11-03T10:00:00-05:00",
        dt.date(2025, 11, 7),
        fetcher=f,
        today=pd.Timestamp("2025-11-20"),
    )
    assert f.calls[-1][1:] == ("2025-11-03", "2025-11-08") and len(res.frames["IREN"]) == 5


def test_equity_sessions_uses_the_parser():
    assert len(equity_sessions("2025-11-10T12:00:00Z", dt.date(2025, 11, 14))) == 5
    with pytest.raises(DataError, match=r"start='11/10/2025' is not an ISO date"):
        equity_sessions("11/10/2025", "2025-11-14")
