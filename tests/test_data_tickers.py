"""Issue 9 item 1 (path traversal) and the ticker part of item 6: one ticker validator.

Every source (bundled, cache, yahoo, auto), ``fetch_to_cache``, the cache's own methods
and ``check_cache`` go through :func:`riskkit.data.validate_ticker`; a cache path is only
built from a validated name and must resolve inside the cache folder.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from yf_fake import FakeFetcher

from riskkit import DataError, load_closes, load_prices
from riskkit.data import PriceCache, check_cache, fetch_to_cache, validate_ticker

BAD_TICKERS = {
    "dot-dot escape": "./../escape",
    "parent planted": "../planted",
    "absolute root": "/x",
    "backslash": "..\\x",
    "glob star": "*",
    "glob class": "[A]",
    "space inside": "IR EN",
    "nul byte": "IREN\x00",
    "newline": "IREN\nX",
    "only dots": "..",
    "single dot": ".",
    "leading dot (hidden file)": ".X",
    "leading dash (option-like)": "-X",
    "tilde (temp separator)": "X~Y",
    "5,000 characters": "A" * 5000,
    "21 characters": "A" * 21,
    "empty": "",
    "blank": "   ",
}


@pytest.mark.parametrize("bad", list(BAD_TICKERS.values()), ids=list(BAD_TICKERS))
def test_validator_refuses_with_allowed_forms(bad):
    with pytest.raises(
        DataError, match=r"(not allowed|too long|must start with a letter|non-empty string)"
    ):
        validate_ticker(bad)


@pytest.mark.parametrize("bad", [None, 5, 1.5, b"IREN", ["IREN"]], ids=repr)
def test_validator_refuses_non_strings(bad):
    with pytest.raises(DataError, match=r"must be a non-empty string, got"):
        validate_ticker(bad)


@pytest.mark.parametrize(
    ("good", "want"),
    [
        ("iren", "IREN"),
        (" BTC-USD ", "BTC-USD"),
        ("^gspc", "^GSPC"),
        ("brk.b", "BRK.B"),
        ("eurusd=x", "EURUSD=X"),
        ("A" * 20, "A" * 20),
    ],
)
def test_validator_accepts_real_symbols(good, want):
    assert validate_ticker(good) == want


def test_error_is_one_line_and_short_for_a_5000_character_ticker(tmp_path):
    with pytest.raises(DataError) as err:
        load_prices(["A" * 5000], source="cache", cache=PriceCache(tmp_path))
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 300 and "5000 characters" in msg


@pytest.mark.parametrize("source", ["bundled", "cache", "yahoo", "auto"])
@pytest.mark.parametrize("bad", ["./../escape", "../planted", "/x", "*"])
def test_every_source_refuses_traversal(tmp_path, source, bad):
    root = tmp_path / "cache"
    root.mkdir()
    (tmp_path / "planted.parquet").write_bytes(b"outside the cache")
    f = FakeFetcher({})
    with pytest.raises(DataError, match="not allowed"):
        load_closes([bad], source=source, cache=PriceCache(root), fetcher=f)
    assert f.calls == []


def test_fetch_to_cache_never_writes_outside_the_cache(tmp_path):
    root = tmp_path / "cache"
    f = FakeFetcher({"./../ESCAPE": pd.bdate_range("2025-11-03", "2025-11-07")})
    with pytest.raises(DataError, match=r"'\./\.\./escape' contains '/', which is not allowed"):
        fetch_to_cache(
            ["./../escape"], cache=PriceCache(root), fetcher=f, today=pd.Timestamp("2025-11-10")
        )
    assert f.calls == [] and not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize("method", ["path", "read", "write", "lock"])
def test_cache_methods_validate_their_ticker(tmp_path, method):
    cache = PriceCache(tmp_path)
    with pytest.raises(DataError, match="not allowed"):
        if method == "write":
            cache.write("../x", pd.DataFrame(), source="t")
        elif method == "lock":
            with cache.lock("../x"):
                pass
        else:
            getattr(cache, method)("../x")


def test_symlink_out_of_the_cache_is_refused(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(b"x")
    os.symlink(outside, root / "IREN.parquet")
    with pytest.raises(DataError, match="outside the cache folder"):
        PriceCache(root).read("IREN")


def test_cache_listing_ignores_files_that_are_not_tickers(tmp_path):
    idx = pd.DatetimeIndex(pd.bdate_range("2025-01-02", periods=3), name="date")
    c = np.arange(3, dtype=float) + 10
    frame = pd.DataFrame(
        {"open": c, "high": c + 1, "low": c - 1, "close": c, "adj_close": c, "volume": c}, index=idx
    )
    cache = PriceCache(tmp_path)
    cache.write("X", frame, source="t")
    cache.write("X.Y", frame, source="t")
    (tmp_path / "a b.parquet").write_bytes(b"x")
    (tmp_path / "lower.parquet").write_bytes(b"x")
    assert cache.tickers() == ["X", "X.Y"]
    assert set(check_cache(cache=cache)) == {"X", "X.Y"}
    with pytest.raises(DataError, match="not allowed"):
        check_cache(["../x"], cache=cache)


def test_bundled_readers_validate_and_resolve_aliases():
    from riskkit.data import read_dividends
    from riskkit.data.bundled import read_bundled

    assert len(read_bundled("keel")) == len(read_bundled("BITF"))  # alias, lower case
    with pytest.raises(DataError, match="not allowed"):
        read_dividends("../prices/IREN")
    with pytest.raises(DataError, match="not allowed"):
        read_bundled("../prices/IREN")


def test_fetch_to_cache_reads_a_string_as_one_ticker(tmp_path):
    f = FakeFetcher({"IREN": pd.bdate_range("2025-11-03", "2025-11-07")})
    got = fetch_to_cache(
        "IREN", cache=PriceCache(tmp_path), fetcher=f, today=pd.Timestamp("2025-11-10")
    )
    assert list(got) == ["IREN"]  # not ['I', 'R', 'E', 'N']
