"""Local Parquet store of fetched prices, with metadata, locks and atomic writes.

One file per ticker, ``<root>/<TICKER>.parquet``, where ``TICKER`` has passed
:func:`riskkit.data.tickers.validate_ticker` (so a path is never built from raw user text)
and the resolved path is checked to lie inside ``root``. Metadata (source, fetched_at,
library versions, date range) lives in the Parquet schema metadata, so data and metadata
are replaced together.

Concurrency
-----------
* A writer holds the ticker's lock ``<root>/.<TICKER>~lock`` (:mod:`filelock`) while it
  writes; :func:`riskkit.data.fetch_to_cache` holds it over the whole read-merge-write.
* The data go to a unique temporary file ``.<TICKER>~<random>.tmp`` (``tempfile.mkstemp``
  in ``root``), flushed and fsync'ed, then ``os.replace``-d over the old file: a crash
  mid-write leaves the previous file intact.
* Leftover temporary files of a killed writer are removed by the next writer of *that*
  ticker, under its lock: with every writer of the ticker locked out, each such file is
  provably stale. ``~`` is not a ticker character, so ``.X~...`` never matches ``X.Y``'s
  files.
* A reader takes no lock: it opens the file once and reads through that one handle, so a
  concurrent ``os.replace`` cannot hand it half of two files.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from riskkit._errors import DataError
from riskkit.data._schema import FIELDS
from riskkit.data.tickers import validate_ticker

__all__ = ["CacheEntry", "PriceCache", "default_cache_dir"]

_META_KEY = b"riskkit"
_SEP = "~"  # never part of a ticker: separates the ticker from a temp/lock suffix
_LOCK_TIMEOUT = 120.0


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


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


class PriceCache:
    """Parquet price cache under ``root`` (default :func:`default_cache_dir`)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._locks: dict[str, FileLock] = {}

    # -- names and paths -------------------------------------------------------------
    def path(self, ticker: str) -> Path:
        """``<root>/<TICKER>.parquet`` for a validated ticker, never outside ``root``."""
        t = validate_ticker(ticker)
        p = self.root / f"{t}.parquet"
        root = self.root.resolve()
        if p.resolve().parent != root:  # defence in depth (e.g. a planted symlink)
            raise DataError(
                f"Cache path for {t!r} resolves to {p.resolve()}, outside the cache folder "
                f"{root}. Remove the link {p} or choose another RISKKIT_CACHE_DIR."
            )
        return p

    def _check_root(self, *, writing: bool) -> bool:
        """False if the folder does not exist (nothing cached); DataError if it is unusable."""
        if self.root.is_dir():
            if writing and not os.access(self.root, os.W_OK | os.X_OK):
                raise DataError(
                    f"The cache folder {self.root} is read-only. Make it writable, or point "
                    "RISKKIT_CACHE_DIR at a writable folder."
                )
            return True
        if self.root.exists():
            raise DataError(
                f"The cache folder {self.root} is not a folder (a file is in its place). "
                "Remove or rename that file, or point RISKKIT_CACHE_DIR elsewhere."
            )
        if writing:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataError(
                    f"Cannot create the cache folder {self.root} ({_one_line(exc)}). Point "
                    "RISKKIT_CACHE_DIR at a writable folder."
                ) from exc
        return self.root.is_dir()

    def tickers(self) -> list[str]:
        """Tickers with a cache file (files whose names are not tickers are ignored)."""
        if not self._check_root(writing=False):
            return []
        out = []
        for p in self.root.iterdir():
            if p.name.endswith(".parquet") and not p.name.startswith("."):
                stem = p.name[: -len(".parquet")]
                with contextlib.suppress(DataError):
                    if validate_ticker(stem) == stem:
                        out.append(stem)
        return sorted(out)

    # -- locking ---------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, ticker: str, *, timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
        """Hold ``ticker``'s write lock (re-entrant within one ``PriceCache``)."""
        t = validate_ticker(ticker)
        self._check_root(writing=True)
        lk = self._locks.get(t)
        if lk is None:
            lk = self._locks[t] = FileLock(str(self.root / f".{t}{_SEP}lock"), timeout=timeout)
        try:
            lk.acquire()
        except Timeout as exc:
            raise DataError(
                f"Another process has held the cache lock of {t} for over {timeout:.0f} s "
                f"({lk.lock_file}). Wait for it to finish, or remove that file if no "
                "riskkit process is running."
            ) from exc
        except OSError as exc:
            raise DataError(
                f"Cannot lock {t} in the cache folder {self.root} ({_one_line(exc)}). "
                "Make the folder writable or point RISKKIT_CACHE_DIR elsewhere."
            ) from exc
        try:
            yield
        finally:
            lk.release()

    def _remove_stale_temps(self, ticker: str) -> None:
        """Delete ``.<ticker>~*.tmp`` files; only call with ``ticker``'s lock held."""
        prefix = f".{ticker}{_SEP}"
        for p in self.root.iterdir():
            if p.name.startswith(prefix) and p.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    p.unlink()

    # -- reading ---------------------------------------------------------------------
    def read(self, ticker: str) -> CacheEntry | None:
        """The cached entry, or None if the ticker was never cached.

        Raises
        ------
        DataError
            The file is not Parquet, lacks price columns, has no date index, or its
            metadata is not JSON; the cache folder is a file. The message names the file
            and says to delete it and fetch again.
        """
        t = validate_ticker(ticker)
        if not self._check_root(writing=False):
            return None
        p = self.path(t)
        fix = f"Delete {p} and run `riskkit data fetch {t}` again."
        try:
            with open(p, "rb") as fh:  # one handle: a concurrent replace cannot split it
                table = pq.read_table(fh)
        except FileNotFoundError:
            return None
        except IsADirectoryError as exc:
            raise DataError(f"Cache file {p} is a folder, not a Parquet file. {fix}") from exc
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"Cache file {p} is unreadable ({_one_line(exc)}). {fix}") from exc
        raw_meta = (table.schema.metadata or {}).get(_META_KEY, b"{}")
        try:
            meta = json.loads(raw_meta)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"Cache file {p} has metadata that is not JSON. {fix}") from exc
        if not isinstance(meta, dict):
            raise DataError(f"Cache file {p} has metadata that is not a JSON object. {fix}")
        missing = [f for f in FIELDS if f not in table.column_names]
        if missing:
            raise DataError(
                f"Cache file {p} lacks column(s) {missing}; expected {list(FIELDS)}. {fix}"
            )
        try:
            frame = table.to_pandas()
            if not pd.api.types.is_datetime64_any_dtype(frame.index):
                raise TypeError(f"index of type {frame.index.dtype}")
            frame.index = pd.DatetimeIndex(frame.index, name="date")
            frame = frame[list(FIELDS)].astype(float)
        except (TypeError, ValueError, pa.ArrowException) as exc:
            raise DataError(
                f"Cache file {p} has no date index or non-numeric prices ({_one_line(exc)}). {fix}"
            ) from exc
        if frame.index.tz is not None:
            raise DataError(f"Cache file {p} has a tz-aware index; expected dates. {fix}")
        return CacheEntry(frame=frame, meta=meta)

    # -- writing ---------------------------------------------------------------------
    def write(self, ticker: str, frame: pd.DataFrame, *, source: str, **extra: Any) -> Path:
        """Atomically replace ``ticker``'s cache file with ``frame`` and its metadata.

        Holds the ticker's lock; frames with duplicate or unsorted dates are refused
        (a later load would refuse them too).
        """
        t = validate_ticker(ticker)
        if list(frame.columns) != list(FIELDS):
            raise DataError(
                f"Cache frames must have columns {list(FIELDS)}, got {list(frame.columns)}."
            )
        if frame.empty:
            raise DataError(f"Refusing to cache an empty frame for {t}.")
        idx = frame.index
        if not isinstance(idx, pd.DatetimeIndex) or idx.tz is not None:
            raise DataError(f"Refusing to cache {t}: the index must be tz-naive dates.")
        if idx.has_duplicates or not idx.is_monotonic_increasing:
            raise DataError(
                f"Refusing to cache {t}: its dates are duplicated or unsorted (a later load "
                "would refuse them). Run check_prices on the frame to list them."
            )
        meta = {
            "ticker": t,
            "source": source,
            "fetched_at": pd.Timestamp.now(tz="UTC").isoformat(),
            "first": str(idx[0].date()),
            "last": str(idx[-1].date()),
            "rows": len(frame),
            "versions": _versions(),
            **extra,
        }
        table = pa.Table.from_pandas(frame, preserve_index=True)
        schema_meta = dict(table.schema.metadata or {})
        schema_meta[_META_KEY] = json.dumps(meta).encode()
        table = table.replace_schema_metadata(schema_meta)
        target = self.path(t)
        with self.lock(t):
            self._remove_stale_temps(t)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{t}{_SEP}", suffix=".tmp", dir=self.root)
            except OSError as exc:
                raise DataError(
                    f"Cannot write to the cache folder {self.root} ({_one_line(exc)}). Make "
                    "it writable or point RISKKIT_CACHE_DIR elsewhere."
                ) from exc
            try:
                with os.fdopen(fd, "wb") as fh:
                    pq.write_table(table, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except OSError as exc:  # disk full, a folder in the file's place...
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise DataError(
                    f"Writing {target} failed ({_one_line(exc)}); the previous cache file is "
                    "unchanged. Free space or fix the folder's permissions, then fetch again."
                ) from exc
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
        return target
