"""The bundled real snapshot through load_prices, and its error paths."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import riskkit
from riskkit import DataError, RiskkitWarning
from riskkit.data import bundled_tickers, read_close_extension, read_dividends, read_price_csv

CORE = ["BITF", "IREN", "WULF", "HUT", "BTC-USD"]


def test_core_tickers_cover_2021_to_mid_2026():
    px = riskkit.load_prices(CORE, source="bundled")
    assert list(px.columns.names) == ["field", "ticker"]
    assert list(px.columns.levels[0]) == sorted(
        ["open", "high", "low", "close", "adj_close", "volume"]
    )
    assert px.index.name == "date" and px.index.tz is None
    src = px.attrs["riskkit_sources"]
    # first/last dates as documented in SOURCES.md (not computed by riskkit)
    assert src["BITF"]["first"] == "2021-01-04" and src["BITF"]["last"] == "2026-05-29"
    assert src["IREN"]["first"] == "2021-11-17" and src["IREN"]["last"] == "2026-05-29"
    assert src["WULF"]["first"] == "2021-12-14" and src["WULF"]["last"] == "2026-05-29"
    assert src["HUT"]["last"] == "2026-07-10" and src["BTC-USD"]["last"] == "2026-08-21"
    assert src["BITF"]["rows"] == 1357 and src["BTC-USD"]["rows"] == 2059


def test_must_show_day_returns():
    c = riskkit.load_closes(["BITF", "IREN"], "2025-10-01", "2025-12-31", source="bundled")
    # Hand calculation from the raw closes printed in SOURCES.md:
    # BITF 2.5999999046325684 / 3.1700000762939453 - 1; IREN 67.75 / 60.75 - 1
    assert c["BITF"].pct_change().loc["2025-11-13"] == pytest.approx(
        2.5999999046325684 / 3.1700000762939453 - 1, abs=1e-15
    )
    assert round(c["BITF"].pct_change().loc["2025-11-13"] * 100, 2) == -17.98
    assert round(c["IREN"].pct_change().loc["2025-11-03"] * 100, 2) == 11.52


def test_auto_offline_falls_back_to_bundled_and_warns():
    with pytest.warns(RiskkitWarning, match=r"BITF: bundled snapshot to 2026-05-29"):
        px = riskkit.load_prices(["BITF"], source="auto")
    assert px.attrs["riskkit_sources"]["BITF"]["source"].startswith("bundled")


def test_keel_alias_resolves_to_bitf():
    px = riskkit.load_prices(["KEEL"], source="bundled")
    assert list(px["close"].columns) == ["BITF"]


def test_unknown_ticker_lists_available():
    with pytest.raises(DataError, match=r"Unknown ticker\(s\) \['NOPE'\].*Available: APLD, BITF"):
        riskkit.load_prices(["BITF", "NOPE"], source="bundled")


def test_start_after_end():
    with pytest.raises(DataError, match=r"start 2025-12-01 is after end 2025-11-01"):
        riskkit.load_prices(["BITF"], "2025-12-01", "2025-11-01", source="bundled")


def test_empty_range():
    with pytest.raises(DataError, match=r"BITF has no rows between 2030-01-01 and 2030-02-01"):
        riskkit.load_prices(["BITF"], "2030-01-01", "2030-02-01", source="bundled")


def test_bad_source_and_bad_ticker_type():
    with pytest.raises(DataError, match=r"source='web' is not allowed"):
        riskkit.load_prices(["BITF"], source="web")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"non-empty string"):
        riskkit.load_prices([""], source="bundled")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("day,open,high,low,close,adj_close,volume\n2025-01-02,1,1,1,1,1,1\n", r"header is"),
        (
            "date,open,high,low,close,adj_close,volume\n02/01/2025,1,1,1,1,1,1\n",
            r"unparseable date",
        ),
        (
            "date,open,high,low,close,adj_close,volume\n2025-01-02,1,abc,1,1,1,1\n",
            r"'high' has a non-numeric value 'abc' \(row 2\)",
        ),
        ('date,open,high\n"2025-01-02,1\n', r"malformed"),
    ],
)
def test_malformed_csv(tmp_path, content, pattern):
    p = tmp_path / "X.csv"
    p.write_text(content)
    with pytest.raises(DataError, match=pattern):
        read_price_csv(p)


def test_missing_csv(tmp_path):
    with pytest.raises(DataError, match=r"file not found"):
        read_price_csv(tmp_path / "nope.csv")


def test_extension_is_separate_and_close_only():
    ext = read_close_extension(["BITF"])
    assert ext.index.min() > pd.Timestamp("2026-05-29")
    assert ext.index.max() == pd.Timestamp("2026-07-31")
    assert len(ext["BITF"].dropna()) == 43  # SOURCES.md: 43 rows for the 2026-05-29 group
    with pytest.raises(DataError, match=r"No close-only extension rows for \['XYZ'\]"):
        read_close_extension(["XYZ"])


def test_dividends_shipped_for_spy_only_where_documented():
    d = read_dividends("SPY")
    assert d.loc["2021-03-19"] == pytest.approx(1.278)
    with pytest.raises(DataError, match=r"only SPY and QQQ"):
        read_dividends("BITF")


def test_all_bundled_load_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        px = riskkit.load_prices(list(bundled_tickers()), source="bundled")
    assert set(px["close"].columns) == set(bundled_tickers())
    assert len(bundled_tickers()) == 14
