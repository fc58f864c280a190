"""Issue 9 item 2: a refetch with start/end merges with the cache (it used to truncate).

``fetch_to_cache(["IREN"], start="2025-03-01", end="2025-03-31")`` on a full-year cache
left 63 of 260 rows. Every cached row outside the fetched range must be kept, at both ends.
"""

from __future__ import annotations

import pandas as pd
import pytest
from yf_fake import FakeFetcher

from riskkit import RiskkitWarning
from riskkit.data import PriceCache, fetch_to_cache

YEAR = pd.bdate_range("2025-01-02", "2025-12-31")
TODAY = pd.Timestamp("2026-01-05")


def _full_year(tmp_path) -> tuple[PriceCache, pd.DataFrame]:
    cache = PriceCache(tmp_path)
    fetch_to_cache(["IREN"], cache=cache, fetcher=FakeFetcher({"IREN": YEAR}), today=TODAY)
    entry = cache.read("IREN")
    assert entry is not None and len(entry.frame) == len(YEAR)
    return cache, entry.frame


def test_refetch_of_march_keeps_rows_before_and_after(tmp_path):
    cache, before = _full_year(tmp_path)
    # a second fetcher whose prices differ, so replaced rows can be told from kept ones
    march = FakeFetcher({"IREN": YEAR}, base_shift=100.0)
    got = fetch_to_cache(
        ["IREN"], cache=cache, fetcher=march, start="2025-03-01", end="2025-03-31", today=TODAY
    )["IREN"]
    assert march.calls[0][1:] == ("2025-03-01", "2025-04-01")
    after = cache.read("IREN").frame  # type: ignore[union-attr]
    assert len(after) == len(YEAR) == len(got)  # not 63 of 260
    in_march = (after.index >= "2025-03-01") & (after.index <= "2025-03-31")
    # rows before and after the range: exactly the old ones
    pd.testing.assert_frame_equal(after[~in_march], before[~in_march])
    # rows in the range: the new download
    new_close = 10.0 + len("IREN") + 100.0 + pd.RangeIndex(in_march.sum())  # yf_fake's bars
    assert after.loc[in_march, "close"].tolist() == list(new_close)
    assert (after.loc[in_march, "close"] != before.loc[in_march, "close"]).all()
    assert after.index.is_unique and after.index.is_monotonic_increasing


def test_refetch_at_the_start_keeps_the_end(tmp_path):
    cache, before = _full_year(tmp_path)
    fetch_to_cache(
        ["IREN"],
        cache=cache,
        fetcher=FakeFetcher({"IREN": YEAR}, base_shift=100.0),
        start="2025-01-01",
        end="2025-01-31",
        today=TODAY,
    )
    after = cache.read("IREN").frame  # type: ignore[union-attr]
    feb_on = after.index >= "2025-02-01"
    pd.testing.assert_frame_equal(after[feb_on], before[feb_on])
    assert len(after) == len(YEAR)


def test_refetch_at_the_end_keeps_the_start(tmp_path):
    cache, before = _full_year(tmp_path)
    fetch_to_cache(
        ["IREN"],
        cache=cache,
        fetcher=FakeFetcher({"IREN": YEAR}, base_shift=100.0),
        start="2025-12-01",
        today=TODAY,
    )
    after = cache.read("IREN").frame  # type: ignore[union-attr]
    to_nov = after.index < "2025-12-01"
    pd.testing.assert_frame_equal(after[to_nov], before[to_nov])
    assert len(after) == len(YEAR)


def test_refetch_extending_before_the_cache_prepends(tmp_path):
    cache = PriceCache(tmp_path)
    later = YEAR[YEAR >= "2025-06-02"]
    fetch_to_cache(["IREN"], cache=cache, fetcher=FakeFetcher({"IREN": later}), today=TODAY)
    fetch_to_cache(
        ["IREN"],
        cache=cache,
        fetcher=FakeFetcher({"IREN": YEAR}),
        start="2025-01-02",
        end="2025-03-31",
        today=TODAY,
    )
    after = cache.read("IREN").frame  # type: ignore[union-attr]
    assert after.index[0] == pd.Timestamp("2025-01-02") and after.index[-1] == later[-1]
    assert after.index.is_monotonic_increasing and after.index.is_unique


def test_cached_rows_missing_from_the_answer_are_kept_and_reported(tmp_path):
    cache, before = _full_year(tmp_path)
    holey = YEAR[(YEAR < "2025-03-10") | (YEAR > "2025-03-14")]
    with pytest.warns(RiskkitWarning, match=r"5 cached row\(s\) inside the downloaded range"):
        fetch_to_cache(
            ["IREN"],
            cache=cache,
            fetcher=FakeFetcher({"IREN": holey}),
            start="2025-03-01",
            end="2025-03-31",
            today=TODAY,
        )
    after = cache.read("IREN").frame  # type: ignore[union-attr]
    assert len(after) == len(YEAR)
    pd.testing.assert_frame_equal(
        after.loc["2025-03-10":"2025-03-14"], before.loc["2025-03-10":"2025-03-14"]
    )
