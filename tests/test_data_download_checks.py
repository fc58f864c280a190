"""Issue 9 items 4 and 5: downloads are screened before they are stored; offline is offline.

A download is checked with the checks of ``riskkit data check`` (riskkit.data.checks):
rejected rows are listed in a RiskkitWarning and never stored; duplicate or unsorted dates
store nothing; a cache that a load would refuse is skipped by ``source="auto"`` with a
warning. ``RISKKIT_OFFLINE=1`` (set by conftest) makes the default fetcher fail at once,
and a cache that is already current is reported as up to date, not as "no data".
All prices are SYNTHETIC.
"""

from __future__ import annotations

import re
import time
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from yf_fake import FakeFetcher, assemble, one_symbol

from riskkit import DataError, RiskkitWarning, SourceUnavailableError, load_prices
from riskkit.data import PriceCache, check_cache, fetch_to_cache, fetch_yahoo

DAYS = pd.bdate_range("2025-11-03", "2025-11-14")
TODAY = pd.Timestamp("2025-11-20")


def _serving(edit, *, after=lambda raw: raw) -> FakeFetcher:
    """A fetcher whose IREN bars go through ``edit`` (and the assembled answer ``after``)."""

    class Edited(FakeFetcher):
        def __call__(self, symbols, start, end, timeout):
            self.calls.append((list(symbols), start, end))
            return after(assemble({"IREN": edit(one_symbol(DAYS, base=14.0))}))

    return Edited({})


def _set(col: str, day: str, value: object):
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(value, float | int):
            f[col] = f[col].astype(object)
        f.loc[pd.Timestamp(day), col] = value
        return f

    return edit


BAD_ROWS = {
    "NaN close": (_set("Close", "2025-11-05", np.nan), "missing or non-finite price"),
    "inf high": (_set("High", "2025-11-05", np.inf), "missing or non-finite price"),
    "zero close": (_set("Close", "2025-11-05", 0.0), "zero or negative price"),
    "negative open": (_set("Open", "2025-11-05", -3.0), "zero or negative price"),
    "high below low": (_set("High", "2025-11-05", 1.0), "high/low inconsistent"),
    "non-numeric close 'n/a'": (_set("Close", "2025-11-05", "n/a"), "non-numeric close"),
}


@pytest.mark.parametrize(("edit", "reason"), list(BAD_ROWS.values()), ids=list(BAD_ROWS))
def test_bad_row_rejected_reported_and_not_stored(tmp_path, edit, reason):
    cache = PriceCache(tmp_path)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fetch_to_cache(["IREN"], cache=cache, fetcher=_serving(edit), today=TODAY)
    texts = [str(w.message) for w in rec if issubclass(w.category, RiskkitWarning)]
    assert any(re.search(rf"2025-11-05: .*{reason}", m) for m in texts), texts
    assert any("rejected, not stored" in m for m in texts), texts
    stored = cache.read("IREN").frame  # type: ignore[union-attr]
    assert pd.Timestamp("2025-11-05") not in stored.index and len(stored) == len(DAYS) - 1
    assert got["IREN"].index.equals(stored.index)
    # a later load accepts what was stored, and `data check` finds no error in it
    load_prices(["IREN"], source="cache", cache=cache)
    assert not [f for f in check_cache(["IREN"], cache=cache)["IREN"] if f.severity == "error"]


def _reorder(f: pd.DataFrame) -> pd.DataFrame:
    return f.iloc[[0, 2, 1, *range(3, len(f))]]


@pytest.mark.parametrize(
    ("after", "what"),
    [
        (
            lambda raw: pd.concat([raw, raw.iloc[[3]]]).sort_index(),
            r"duplicate dates \(e.g. 2025-11-06\)",
        ),
        (_reorder, "unsorted dates"),
    ],
    ids=["duplicate dates", "unsorted dates"],
)
def test_structural_problem_stores_nothing(tmp_path, after, what):
    cache = PriceCache(tmp_path)
    fetcher = _serving(lambda f: f, after=after)
    with pytest.raises(DataError, match=rf"{what}; nothing was stored"):
        fetch_to_cache(["IREN"], cache=cache, fetcher=fetcher, today=TODAY)
    assert cache.read("IREN") is None


def test_every_row_rejected_stores_nothing(tmp_path):
    cache = PriceCache(tmp_path)

    def all_nan(f):
        f["Close"] = np.nan
        f["Open"] = np.nan
        return f

    with (
        pytest.raises(DataError, match=r"every row Yahoo sent .* was rejected"),
        pytest.warns(RiskkitWarning, match="rejected, not stored"),
    ):
        fetch_to_cache(["IREN"], cache=cache, fetcher=_serving(all_nan), today=TODAY)
    assert cache.read("IREN") is None


def test_partial_answer_with_a_hole_is_reported(tmp_path):
    year = pd.bdate_range("2025-01-02", "2025-12-31")
    holey = year[(year < "2025-05-01") | (year >= "2025-09-01")]  # a 4-month hole
    f = FakeFetcher({"IREN": holey})
    with pytest.warns(RiskkitWarning, match=r"IREN: Yahoo's answer lacks 8\d session\(s\)"):
        fetch_to_cache(["IREN"], cache=PriceCache(tmp_path), fetcher=f, today=TODAY)


def test_unusable_cache_auto_falls_back_with_a_warning_and_cache_refuses(tmp_path):
    cache = PriceCache(tmp_path)
    idx = pd.DatetimeIndex(["2025-11-03", "2025-11-04", "2025-11-04"], name="date")
    c = np.array([10.0, 11.0, 11.0])
    frame = pd.DataFrame(
        {"open": c, "high": c, "low": c, "close": c, "adj_close": c, "volume": c}, index=idx
    )
    pq.write_table(pa.Table.from_pandas(frame), tmp_path / "IREN.parquet")  # planted
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        px = load_prices(["IREN"], "2025-11-03", "2025-11-14", source="auto", cache=cache)
    texts = [str(w.message) for w in rec]
    assert any("IREN: the cache is unusable, falling back" in m for m in texts), texts
    assert any("served IREN: bundled snapshot" in m for m in texts), texts
    assert px.attrs["riskkit_sources"]["IREN"]["source"].startswith("bundled")
    with pytest.raises(DataError, match=r"IREN from the cache .* has duplicate dates"):
        load_prices(["IREN"], source="cache", cache=cache)
    found = check_cache(cache=cache)["IREN"]
    assert [f.check for f in found if f.severity == "error"] == ["duplicate_dates"]


def test_check_cache_reports_unreadable_and_missing(tmp_path):
    (tmp_path / "BAD.parquet").write_bytes(b"not parquet")
    got = check_cache(["BAD", "IREN"], cache=PriceCache(tmp_path))
    assert got["BAD"][0].check == "unreadable" and "Delete" in got["BAD"][0].message
    assert got["IREN"][0].check == "not_cached"


# -- item 5 ------------------------------------------------------------------------------


def test_offline_yahoo_fails_at_once_without_retries():
    sleeps: list[float] = []
    t0 = time.perf_counter()
    with pytest.raises(SourceUnavailableError, match="RISKKIT_OFFLINE is set"):
        fetch_yahoo(["IREN"], "2025-11-03", "2025-11-14", retries=3, sleep=sleeps.append)
    assert sleeps == [] and time.perf_counter() - t0 < 1.0


def test_offline_load_prices_yahoo_fails_at_once(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(SourceUnavailableError, match="RISKKIT_OFFLINE is set"):
        load_prices(["IREN"], source="yahoo", cache=PriceCache(tmp_path))
    assert time.perf_counter() - t0 < 1.0


def test_offline_value_zero_means_online(monkeypatch):
    from riskkit.data import offline

    for value, want in [("1", True), ("yes", True), ("0", False), ("", False), ("false", False)]:
        monkeypatch.setenv("RISKKIT_OFFLINE", value)
        assert offline() is want


def test_second_fetch_the_same_day_is_up_to_date_not_an_error(tmp_path):
    # regression: "Yahoo returned no data" on a second fetch the same day
    cache = PriceCache(tmp_path)
    tue = pd.Timestamp("2025-11-11")
    f = FakeFetcher({"IREN": DAYS})
    first = fetch_to_cache(["IREN"], cache=cache, fetcher=f, today=tue)["IREN"]
    assert first.attrs["riskkit_fetch"]["status"] == "updated"
    second = fetch_to_cache(["IREN"], cache=cache, fetcher=f, today=tue)["IREN"]
    assert second.attrs["riskkit_fetch"]["status"] == "up to date"
    assert "up to date: cached to 2025-11-10" in second.attrs["riskkit_fetch"]["message"]
    assert len(f.calls) == 1  # nothing to ask for


def test_weekend_fetch_after_friday_is_up_to_date(tmp_path):
    cache = PriceCache(tmp_path)
    f = FakeFetcher({"IREN": DAYS})
    fetch_to_cache(["IREN"], cache=cache, fetcher=f, today=pd.Timestamp("2025-11-15"))
    got = fetch_to_cache(["IREN"], cache=cache, fetcher=f, today=pd.Timestamp("2025-11-16"))
    assert got["IREN"].attrs["riskkit_fetch"]["status"] == "up to date" and len(f.calls) == 1


def test_yahoo_lagging_a_day_is_up_to_date(tmp_path):
    cache = PriceCache(tmp_path)
    fetch_to_cache(["IREN"], cache=cache, fetcher=FakeFetcher({"IREN": DAYS[:6]}), today=DAYS[6])
    # Yahoo has nothing newer yet although a session has closed since
    lag = FakeFetcher({"IREN": DAYS[:6]})
    got = fetch_to_cache(["IREN"], cache=cache, fetcher=lag, today=DAYS[8])["IREN"]
    assert got.attrs["riskkit_fetch"]["status"] == "up to date" and len(lag.calls) == 1
    assert "Yahoo has no newer rows yet" in got.attrs["riskkit_fetch"]["message"]


def test_up_to_date_cache_is_served_by_source_yahoo_while_offline(tmp_path):
    cache = PriceCache(tmp_path)
    fetch_to_cache(["IREN"], cache=cache, fetcher=FakeFetcher({"IREN": DAYS}), today=TODAY)
    got = fetch_to_cache(["IREN"], cache=cache, today=pd.Timestamp("2025-11-15"))
    assert got["IREN"].attrs["riskkit_fetch"]["status"] == "up to date"
