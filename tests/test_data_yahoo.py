"""The yfinance path with a fake fetcher (no network). Prices are synthetic."""

from __future__ import annotations

import pandas as pd
import pytest
from yf_fake import FakeFetcher, assemble, empty_df

from riskkit import DataError, SourceUnavailableError, load_prices
from riskkit.data import PriceCache, fetch_to_cache, fetch_yahoo

SESS = pd.bdate_range("2025-11-03", "2025-11-14")


def test_multi_ticker_frame_and_alias():
    f = FakeFetcher({"KEEL": SESS, "IREN": SESS})
    res = fetch_yahoo(
        ["BITF", "IREN"], "2025-11-03", "2025-11-14", fetcher=f, today=pd.Timestamp("2025-11-20")
    )
    assert f.calls[0][0] == ["KEEL", "IREN"]  # BITF requested as KEEL
    assert f.calls[0][2] == "2025-11-15"  # yfinance's end is exclusive
    assert set(res.frames) == {"BITF", "IREN"}
    bitf = res.frames["BITF"]
    assert list(bitf.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert bitf["close"].iloc[0] == 14.0 and bitf["adj_close"].iloc[0] == pytest.approx(14.0 * 0.99)
    assert len(bitf) == len(SESS)


def test_missing_ticker_reported_not_dropped_silently():
    f = FakeFetcher({"IREN": SESS})
    res = fetch_yahoo(
        ["IREN", "ZZZZ"], "2025-11-03", "2025-11-14", fetcher=f, today=pd.Timestamp("2025-11-20")
    )
    assert "ZZZZ" in res.missing and "no prices" in res.missing["ZZZZ"]
    assert set(res.frames) == {"IREN"}


def test_union_index_rows_of_other_ticker_reported():
    days = pd.date_range("2025-11-03", "2025-11-10", freq="D")  # BTC trades weekends
    f = FakeFetcher({"IREN": pd.bdate_range("2025-11-03", "2025-11-10"), "BTC-USD": days})
    res = fetch_yahoo(
        ["IREN", "BTC-USD"], "2025-11-03", "2025-11-10", fetcher=f, today=pd.Timestamp("2025-11-20")
    )
    assert len(res.frames["IREN"]) == 6 and len(res.frames["BTC-USD"]) == 8
    assert len(res.dropped_rows["IREN"]) == 2  # the weekend rows of the union index


def test_empty_frame_raises_source_unavailable():
    f = FakeFetcher({})
    with pytest.raises(SourceUnavailableError, match=r"returned no data for any of \['IREN'\]"):
        fetch_yahoo(
            ["IREN"], "2025-11-03", "2025-11-14", fetcher=f, today=pd.Timestamp("2025-11-20")
        )


def test_truly_empty_download():
    def nothing(symbols, start, end, timeout):
        return pd.DataFrame()

    with pytest.raises(SourceUnavailableError, match="returned no data"):
        fetch_yahoo(["IREN"], "2025-11-03", "2025-11-14", fetcher=nothing)


def test_timezone_aware_index_becomes_session_dates():
    f = FakeFetcher({"IREN": SESS}, tz="America/New_York")
    res = fetch_yahoo(
        ["IREN"], "2025-11-03", "2025-11-14", fetcher=f, today=pd.Timestamp("2025-11-20")
    )
    idx = res.frames["IREN"].index
    assert idx.tz is None and idx[0] == pd.Timestamp("2025-11-03")


def test_partial_today_row_dropped_and_reported():
    f = FakeFetcher({"IREN": SESS})
    res = fetch_yahoo(
        ["IREN"], "2025-11-03", "2025-11-14", fetcher=f, today=pd.Timestamp("2025-11-14")
    )
    assert res.frames["IREN"].index[-1] == pd.Timestamp("2025-11-13")
    assert "partial session" in res.dropped_rows["IREN"][-1]


def test_retries_with_backoff_then_success():
    f = FakeFetcher({"IREN": SESS}, fail_times=2)
    sleeps: list[float] = []
    res = fetch_yahoo(
        ["IREN"],
        "2025-11-03",
        "2025-11-14",
        fetcher=f,
        retries=3,
        backoff=0.5,
        sleep=sleeps.append,
        today=pd.Timestamp("2025-11-20"),
    )
    assert sleeps == [0.5, 1.0] and len(f.calls) == 3 and "IREN" in res.frames


def test_all_attempts_fail():
    f = FakeFetcher({"IREN": SESS}, fail_times=10)
    with pytest.raises(SourceUnavailableError, match=r"after 3 attempt\(s\): ConnectionError"):
        fetch_yahoo(
            ["IREN"], "2025-11-03", "2025-11-14", fetcher=f, retries=2, sleep=lambda s: None
        )


def test_single_level_columns_for_one_symbol():
    def flat(symbols, start, end, timeout):
        return assemble(
            {
                "IREN": FakeFetcher({"IREN": SESS})(["IREN"], start, end, timeout).xs(
                    "IREN", axis=1, level=1
                )
            }
        ).xs("IREN", axis=1, level=1)

    res = fetch_yahoo(
        ["IREN"], "2025-11-03", "2025-11-14", fetcher=flat, today=pd.Timestamp("2025-11-20")
    )
    assert len(res.frames["IREN"]) == len(SESS)


def test_missing_adj_close_field_is_an_error():
    def no_adj(symbols, start, end, timeout):
        d = FakeFetcher({"IREN": SESS})(symbols, start, end, timeout)
        return d.drop(columns="Adj Close", level=0)

    with pytest.raises(DataError, match=r"lacks fields \['Adj Close'\]"):
        fetch_yahoo(["IREN"], "2025-11-03", "2025-11-14", fetcher=no_adj)


def test_empty_df_helper_matches_yfinance_columns():
    assert list(empty_df().columns) == ["Open", "High", "Low", "Close", "Adj Close", "Volume"]


def test_load_prices_yahoo_source_writes_cache(tmp_path):
    f = FakeFetcher({"IREN": SESS})
    cache = PriceCache(tmp_path)
    px = load_prices(["IREN"], source="yahoo", cache=cache, fetcher=f)
    assert px.attrs["riskkit_sources"]["IREN"]["source"] == "yahoo"
    entry = cache.read("IREN")
    assert entry is not None and entry.meta["source"].startswith("yahoo")
    assert entry.meta["last"] == str(SESS[-1].date()) and "pandas" in entry.meta["versions"]
    # the cache then serves it
    again = load_prices(["IREN"], source="cache", cache=cache)
    pd.testing.assert_frame_equal(again["close"], px["close"], check_freq=False)


def test_incremental_refresh_fetches_only_new_dates(tmp_path):
    cache = PriceCache(tmp_path)
    first = FakeFetcher({"IREN": pd.bdate_range("2025-11-03", "2025-11-07")})
    fetch_to_cache(["IREN"], cache=cache, fetcher=first, today=pd.Timestamp("2025-11-08"))
    second = FakeFetcher({"IREN": pd.bdate_range("2025-11-03", "2025-11-14")})
    got = fetch_to_cache(["IREN"], cache=cache, fetcher=second, today=pd.Timestamp("2025-11-15"))
    assert second.calls[0][1] == "2025-11-08"  # only after the cached last date
    assert len(got["IREN"]) == 10 and got["IREN"].index.is_unique


def test_cache_source_missing_ticker(tmp_path):
    with pytest.raises(DataError, match=r"IREN is not in the cache.*riskkit data fetch IREN"):
        load_prices(["IREN"], source="cache", cache=PriceCache(tmp_path))
