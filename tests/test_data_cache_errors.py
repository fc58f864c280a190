"""Issue 9 item 6: each broken cache gives a one-line DataError, never a traceback.

Inputs pinned: metadata that is not JSON, a Parquet file without ``close``, a file whose
index is not dates, a folder in place of a cache file, a truncated file, a 5,000-character
ticker, a read-only cache folder, and a file in place of the cache folder. SYNTHETIC data.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskkit import DataError, RiskkitWarning, load_prices
from riskkit.data import PriceCache, fetch_to_cache


def _frame(n: int = 4) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.bdate_range("2025-11-03", periods=n), name="date")
    c = 10.0 + np.arange(n, dtype=float)
    return pd.DataFrame(
        {"open": c, "high": c + 1, "low": c - 1, "close": c, "adj_close": c, "volume": c},
        index=idx,
    )


def _one_line_error(call, pattern: str) -> str:
    with pytest.raises(DataError, match=pattern) as err:
        call()
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 500, msg
    return msg


def _plant(root, name: str, table: pa.Table) -> None:
    root.mkdir(exist_ok=True)
    pq.write_table(table, root / f"{name}.parquet")


def test_metadata_not_json(tmp_path):
    table = pa.Table.from_pandas(_frame())
    table = table.replace_schema_metadata({**table.schema.metadata, b"riskkit": b"{not json"})
    _plant(tmp_path, "IREN", table)
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"metadata that is not JSON.*Delete")


def test_metadata_json_but_not_an_object(tmp_path):
    table = pa.Table.from_pandas(_frame())
    table = table.replace_schema_metadata({**table.schema.metadata, b"riskkit": b"[1, 2]"})
    _plant(tmp_path, "IREN", table)
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"not a JSON object")


def test_parquet_without_close(tmp_path):
    _plant(tmp_path, "IREN", pa.Table.from_pandas(_frame().drop(columns="close")))
    _one_line_error(
        lambda: load_prices(["IREN"], source="cache", cache=PriceCache(tmp_path)),
        r"lacks column\(s\) \['close'\]",
    )


def test_index_not_dates(tmp_path):
    _plant(tmp_path, "IREN", pa.Table.from_pandas(_frame().reset_index(drop=True)))
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"no date index")


def test_non_numeric_column(tmp_path):
    f = _frame().astype({"close": str})
    f["close"] = "abc"
    _plant(tmp_path, "IREN", pa.Table.from_pandas(f))
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"non-numeric prices")


def test_truncated_file(tmp_path):
    PriceCache(tmp_path).write("IREN", _frame(), source="t")
    p = tmp_path / "IREN.parquet"
    p.write_bytes(p.read_bytes()[:100])
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"unreadable.*Delete")


def test_folder_in_place_of_the_cache_file(tmp_path):
    (tmp_path / "IREN.parquet").mkdir()
    _one_line_error(lambda: PriceCache(tmp_path).read("IREN"), r"is a folder, not a Parquet")
    _one_line_error(
        lambda: PriceCache(tmp_path).write("IREN", _frame(), source="t"), r"Writing .* failed"
    )


def test_5000_character_ticker(tmp_path):
    cache = PriceCache(tmp_path)
    long = "A" * 5000
    for call in (
        lambda: cache.read(long),
        lambda: cache.write(long, _frame(), source="t"),
        lambda: fetch_to_cache([long], cache=cache),
        lambda: load_prices([long], source="auto", cache=cache),
    ):
        _one_line_error(call, r"too long \(5000 characters\)")


def test_read_only_cache_folder(tmp_path, monkeypatch):
    import riskkit.data.cache as mod

    root = tmp_path / "ro"
    PriceCache(root).write("IREN", _frame(), source="t")
    real_access = os.access
    monkeypatch.setattr(
        mod.os, "access", lambda p, m: False if str(p) == str(root) else real_access(p, m)
    )
    cache = PriceCache(root)
    _one_line_error(lambda: cache.write("IREN", _frame(5), source="t"), r"is read-only")
    assert cache.read("IREN") is not None  # reading a read-only cache still works


def test_unwritable_folder_reported_when_mkstemp_fails(tmp_path, monkeypatch):
    import riskkit.data.cache as mod

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(mod.tempfile, "mkstemp", denied)
    _one_line_error(
        lambda: PriceCache(tmp_path).write("IREN", _frame(), source="t"),
        r"Cannot write to the cache folder .*Permission denied",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
def test_really_read_only_folder(tmp_path):
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o555)
    try:
        _one_line_error(lambda: PriceCache(root).write("IREN", _frame(), source="t"), r"read-only")
    finally:
        root.chmod(0o755)


def test_file_in_place_of_the_cache_folder(tmp_path):
    root = tmp_path / "cache"
    root.write_text("I am a file")
    cache = PriceCache(root)
    for call in (
        lambda: cache.read("IREN"),
        lambda: cache.tickers(),
        lambda: cache.write("IREN", _frame(), source="t"),
        lambda: load_prices(["IREN"], source="cache", cache=cache),
        lambda: load_prices(source="cache", cache=cache),
    ):
        _one_line_error(call, r"is not a folder \(a file is in its place\)")
    with pytest.warns(RiskkitWarning) as rec:
        px = load_prices(["IREN"], "2025-11-03", "2025-11-07", source="auto", cache=cache)
    texts = [str(w.message) for w in rec]
    assert any("IREN: the cache is unusable, falling back" in m for m in texts), texts
    assert px.attrs["riskkit_sources"]["IREN"]["source"].startswith("bundled")
