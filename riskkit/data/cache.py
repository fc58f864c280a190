"""Local Parquet store of fetched prices, with metadata and atomic writes.

One file per ticker, ``<root>/<TICKER>.parquet``. Metadata (source, fetched_at, library
versions, date range) lives in the Parquet schema metadata, so data and metadata are
replaced together. A write goes to a temporary file in the same folder, is flushed and
fsync'ed, then ``os.replace``-d over the old file: a crash mid-write leaves the previous
file intact (and at worst a stray ``*.tmp`` that the next write removes).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskkit._errors import DataError
from riskkit.data._schema import FIELDS

__all__ = ["CacheEntry", "PriceCache", "default_cache_dir"]

_META_KEY = b"riskkit"


def default_cache_dir() -> Path:
    """``$RISKKIT_CACHE_DIR`` if set, else the platform user cache dir (platformdirs)."""
    env = os.environ.get("RISKKIT_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("riskkit")) / "prices"


@dataclass(frozen=True)
class CacheEntry:
    """A cached ticker: its frame and its metadata."""

    frame: pd.DataFrame
    meta: dict[str, Any]


def _versions() -> dict[str, str]:
    import numpy
    import yfinance

    import riskkit

    return {
        "riskkit": riskkit.__version__,
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
        "pyarrow": pa.__version__,
        "yfinance": yfinance.__version__,
    }


class PriceCache:
    """Parquet price cache under ``root`` (default :func:`default_cache_dir`)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, ticker: str) -> Path:
        return self.root / f"{ticker}.parquet"

    def tickers(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.parquet"))

    def read(self, ticker: str) -> CacheEntry | None:
        """The cached entry, or None if the ticker was never cached."""
        p = self.path(ticker)
        if not p.is_file():
            return None
        try:
            table = pq.read_table(p)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(
                f"Cache file {p} is unreadable ({exc}). Delete it and run "
                f"`riskkit data fetch {ticker}` again."
            ) from exc
        raw_meta = (table.schema.metadata or {}).get(_META_KEY, b"{}")
        frame = table.to_pandas()
        frame.index = pd.DatetimeIndex(frame.index, name="date")
        return CacheEntry(frame=frame[list(FIELDS)], meta=json.loads(raw_meta))

    def write(self, ticker: str, frame: pd.DataFrame, *, source: str, **extra: Any) -> Path:
        """Atomically replace ``ticker``'s cache file with ``frame`` and its metadata."""
        if list(frame.columns) != list(FIELDS):
            raise DataError(
                f"Cache frames must have columns {list(FIELDS)}, got {list(frame.columns)}."
            )
        if frame.empty:
            raise DataError(f"Refusing to cache an empty frame for {ticker}.")
        self.root.mkdir(parents=True, exist_ok=True)
        meta = {
            "ticker": ticker,
            "source": source,
            "fetched_at": pd.Timestamp.now(tz="UTC").isoformat(),
            "first": str(frame.index[0].date()),
            "last": str(frame.index[-1].date()),
            "rows": len(frame),
            "versions": _versions(),
            **extra,
        }
        table = pa.Table.from_pandas(frame, preserve_index=True)
        schema_meta = dict(table.schema.metadata or {})
        schema_meta[_META_KEY] = json.dumps(meta).encode()
        table = table.replace_schema_metadata(schema_meta)
        for stale in self.root.glob(f".{ticker}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        fd, tmp = tempfile.mkstemp(prefix=f".{ticker}.", suffix=".tmp", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as fh:
                pq.write_table(table, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(ticker))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return self.path(ticker)
