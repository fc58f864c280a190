"""Issue 9 item 3: concurrent cache access with real processes, writers killed at random.

Regressions pinned: the stale-temp cleanup ``glob(".{T}.*.tmp")`` deleted other writers'
in-flight files (56 of 120 concurrent writes failed; ``X`` and ``X.Y`` collided), and a
reader during a replace failed 8 of 1,004 times (``pq.read_table(path)`` opened the path
twice). Now: a per-ticker file lock, unique temp names ``.T~*.tmp`` cleaned only under the
lock, and reads through one open handle. SYNTHETIC prices.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.data import PriceCache

DURATION = 6.0  # seconds of contention; the whole test stays well under 15 s


def _frame(n: int, tag: float) -> pd.DataFrame:
    """A frame that tells if it was torn: ``n`` rows, every close equal to ``n + tag``."""
    idx = pd.DatetimeIndex(pd.bdate_range("2020-01-02", periods=n), name="date")
    c = np.full(n, n + tag)
    return pd.DataFrame(
        {"open": c, "high": c + 1, "low": c - 1, "close": c, "adj_close": c, "volume": c},
        index=idx,
    )


def _writer(root: str, log: str, seed: int, stop_at: float) -> None:
    rng = random.Random(seed)
    cache = PriceCache(root)
    while time.time() < stop_at:
        ticker = rng.choice(["X", "X", "X.Y"])  # X and X.Y must not touch each other's temps
        n = rng.randint(5, 400)
        try:
            cache.write(ticker, _frame(n, seed / 1000), source=f"writer {seed}")
        except Exception as exc:  # recorded, then asserted absent
            with open(log, "a") as fh:
                fh.write(json.dumps({"writer": seed, "error": repr(exc)}) + "\n")


def _reader(root: str, out: str, stop_at: float) -> None:
    cache = PriceCache(root)
    reads, failures, torn = 0, [], 0
    while time.time() < stop_at:
        for t in ("X", "X.Y"):
            try:
                entry = cache.read(t)
            except Exception as exc:
                failures.append(repr(exc))
                continue
            reads += 1
            f = entry.frame  # type: ignore[union-attr]
            n = len(f)
            if entry.meta["rows"] != n or not np.allclose(f["close"] - n, f["close"].iloc[0] - n):
                torn += 1
    with open(out, "w") as fh:
        json.dump(
            {"reads": reads, "failures": failures[:5], "n_fail": len(failures), "torn": torn}, fh
        )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork for fast real processes")
def test_two_writers_a_reader_and_random_kills(tmp_path):
    ctx = mp.get_context("fork")
    root, log, out = str(tmp_path / "cache"), str(tmp_path / "errors.log"), str(tmp_path / "r.json")
    seed_cache = PriceCache(root)
    seed_cache.write("X", _frame(10, 0.0), source="seed")
    seed_cache.write("X.Y", _frame(10, 0.0), source="seed")
    stop_at = time.time() + DURATION
    rng = random.Random(20251110)
    reader = ctx.Process(target=_reader, args=(root, out, stop_at))
    reader.start()
    seeds = iter(range(1, 10_000))
    writers = [
        ctx.Process(target=_writer, args=(root, log, next(seeds), stop_at)) for _ in range(2)
    ]
    for w in writers:
        w.start()
    kills = 0
    while time.time() < stop_at - 0.3:
        time.sleep(rng.uniform(0.05, 0.4))
        i = rng.randrange(len(writers))
        os.kill(writers[i].pid, signal.SIGKILL)  # type: ignore[arg-type]
        writers[i].join()
        kills += 1
        writers[i] = ctx.Process(target=_writer, args=(root, log, next(seeds), stop_at))
        writers[i].start()
    for w in writers:
        w.join(timeout=10)
    reader.join(timeout=10)
    assert reader.exitcode == 0

    stats = json.loads(Path(out).read_text())
    errors = Path(log).read_text().splitlines() if Path(log).exists() else []
    assert kills >= 5
    assert errors == []  # no writer's write failed (no temp of another writer deleted)
    assert stats["n_fail"] == 0, stats["failures"]  # no failed read of an intact file
    assert stats["torn"] == 0 and stats["reads"] > 50
    # every file left behind is readable and whole; stray temps of killed writers are
    # removed by the next writer of that ticker, under its lock
    for t in ("X", "X.Y"):
        entry = PriceCache(root).read(t)
        assert entry is not None and entry.meta["rows"] == len(entry.frame)
        PriceCache(root).write(t, _frame(3, 0.0), source="final")
        assert not list(Path(root).glob(f".{t}~*.tmp"))


def test_cleanup_spares_other_tickers_temp_files(tmp_path):
    # regression: X's cleanup glob(".X.*.tmp") matched X.Y's in-flight ".X.Y.abc.tmp"
    cache = PriceCache(tmp_path)
    cache.write("X.Y", _frame(3, 0.0), source="t")
    other = tmp_path / ".X.Y~inflight.tmp"
    other.write_bytes(b"in flight")
    mine = tmp_path / ".X~stale.tmp"
    mine.write_bytes(b"stale")
    cache.write("X", _frame(3, 0.0), source="t")
    assert other.exists() and not mine.exists()


def test_reader_uses_one_open_handle(tmp_path, monkeypatch):
    import riskkit.data.cache as mod

    cache = PriceCache(tmp_path)
    cache.write("X", _frame(4, 0.0), source="t")
    seen: list[object] = []
    real = mod.pq.read_table

    def spy(source, *a, **k):
        seen.append(source)
        return real(source, *a, **k)

    monkeypatch.setattr(mod.pq, "read_table", spy)
    assert cache.read("X") is not None
    assert len(seen) == 1 and hasattr(seen[0], "read")  # a file object, not a path
