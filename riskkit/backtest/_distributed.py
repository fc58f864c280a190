"""Running a grid-native sweep in chunks: on a dask cluster, and/or resumable from a folder.

A :class:`~riskkit.backtest.grid.GridPlan` is cut into chunks of at most ``chunk_size``
configurations, never across a (ticker, sub-grid) block. Each chunk is one
:func:`~riskkit.backtest.grid.run_slice` call; its result is the kernel's statistics
(``NSTAT`` float64 per configuration) and fingerprints (one uint64), nothing else. On a
cluster (:func:`riskkit._cluster.map_chunks`) every ticker's kernel rows are scattered to
each worker once and a chunk's task carries only its nine per-configuration arrays. Every
configuration is computed by the same kernel on the same inputs whatever the chunking, so
the table equals a local run exactly.

With ``chunk_dir`` every finished chunk is written to ``chunk_dir`` as one Parquet file
named by its block and range, to a temporary name first and then ``os.replace``'d (a
killed run leaves whole files or none); a ``manifest.json`` holds a hash of the kernel's
inputs and source. A rerun on the same inputs reads the chunks already there and computes
the rest; other inputs in the same folder are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _sim as S
from riskkit.backtest.grid import GridPlan, TickerArrays, run_slice

__all__ = ["ChunkStore", "current_client", "plan_token", "run_plan", "use_client"]

_CLIENT: ContextVar[Any] = ContextVar("riskkit_sweep_client", default=None)


@contextmanager
def use_client(client: Any) -> Iterator[Any]:
    """Run the grid-native sweeps inside the ``with`` block on ``client``.

    For code that calls :func:`riskkit.backtest.sweep` without a ``client=`` of its own
    (a canned study such as ``riskkit.studies.run_stop_loss_sweep``): inside the block
    such a sweep runs on ``client``; an explicit ``client=`` still wins. ``None`` keeps
    them local. The setting is a context variable: it ends with the block and does not
    leak into other threads or tasks.

    Examples
    --------
    >>> with use_client(None):
    ...     current_client() is None
    True
    """
    token = _CLIENT.set(client)
    try:
        yield client
    finally:
        _CLIENT.reset(token)


def current_client() -> Any:
    """The client set by the innermost :func:`use_client` block, or None."""
    return _CLIENT.get()


Chunk = tuple[int, int, int]  # block, start, stop


def chunks_of(plan: GridPlan, chunk_size: int) -> list[Chunk]:
    """``(block, start, stop)`` of every chunk, in configuration order."""
    return [
        (bi, a0, min(a0 + chunk_size, b.size))
        for bi, b in enumerate(plan.blocks)
        for a0 in range(0, b.size, chunk_size)
    ]


def plan_token(plan: GridPlan) -> str:
    """SHA-256 of everything a chunk's numbers depend on: every kernel array, the costs
    and the kernel's source."""
    h = hashlib.sha256()

    def add(x: Any) -> None:
        a = np.ascontiguousarray(x)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())

    h.update(Path(S.__file__).read_bytes())
    h.update(repr(plan.costs).encode())
    for t, arr in plan.arrays.items():
        h.update(t.encode())
        for x in (*arr.ohlc, arr.sigs, arr.sl_rows, arr.tp_rows, arr.trail_rows, arr.re_rows):
            add(x)
        h.update(repr(arr.ppy).encode())
    for b in plan.blocks:
        h.update(b.ticker.encode())
        for x in b.cfg:
            add(x)
    return h.hexdigest()


class ChunkStore:
    """A folder of finished chunks of one sweep (Parquet, atomic writes).

    Raises
    ------
    DataError
        ``folder`` is a file, or holds the chunks of another sweep.
    """

    def __init__(self, folder: str | os.PathLike[str], token: str, n_configs: int) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise DataError(f"chunk_dir={str(folder)!r} is a file; give a folder (it is created).")
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = self.folder / "manifest.json"
        want = {"riskkit_sweep_chunks": 1, "token": token, "configurations": n_configs}
        if manifest.exists():
            try:
                have = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                have = {}
            if have != want:
                raise DataError(
                    f"chunk_dir={str(folder)!r} holds the chunks of another sweep (other bars, "
                    "signals, grid, costs or kernel version); give an empty or new folder, or "
                    "delete this one to start again."
                )
        else:
            self._write_bytes(manifest, json.dumps(want, indent=1).encode())

    def path(self, chunk: Chunk) -> Path:
        b, a0, a1 = chunk
        return self.folder / f"chunk-{b:04d}-{a0:010d}-{a1:010d}.parquet"

    def _write_bytes(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def load(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray] | None:
        """The chunk's (stats, fingerprints), or None if absent or unreadable."""
        p = self.path(chunk)
        if not p.exists():
            return None
        try:
            df = pd.read_parquet(p)
            st = df[list(S.STAT_NAMES)].to_numpy(dtype=np.float64)
            fp = df["fingerprint"].to_numpy(dtype=np.uint64)
        except (OSError, ValueError, KeyError):
            return None
        return (st, fp) if len(df) == chunk[2] - chunk[1] else None

    def save(self, chunk: Chunk, result: tuple[np.ndarray, np.ndarray]) -> None:
        """Write a chunk: to a temporary name, then ``os.replace`` onto its own."""
        st, fp = result
        df = pd.DataFrame(st, columns=list(S.STAT_NAMES))
        df["fingerprint"] = fp
        df.index = pd.RangeIndex(chunk[1], chunk[2], name="block_row")
        p = self.path(chunk)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        df.to_parquet(tmp)
        os.replace(tmp, p)


def _chunk_task(
    arrays: dict[str, TickerArrays], payload: tuple[str, tuple[np.ndarray, ...], tuple]
) -> tuple[np.ndarray, np.ndarray]:
    """One chunk on a worker: the ticker's scattered rows, the chunk's own arrays."""
    ticker, cfg, costs = payload
    return run_slice(arrays[ticker], cfg, costs)


def run_plan(
    plan: GridPlan,
    *,
    chunk_size: int,
    client: Any = None,
    chunk_dir: str | os.PathLike[str] | None = None,
    retries: int = 3,
    progress: bool = False,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict[str, Any]]:
    """Run every chunk of ``plan`` (locally, or on ``client``), reusing stored ones.

    Returns one ``(stats, fingerprints)`` pair per block (for :meth:`GridPlan.assemble`)
    and the execution record (``settings["execution"]`` of the sweep).
    """
    from tqdm.auto import tqdm

    start = time.perf_counter()
    chunks = chunks_of(plan, chunk_size)
    store = None if chunk_dir is None else ChunkStore(chunk_dir, plan_token(plan), plan.size)
    got: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if store is not None:
        for i, c in enumerate(chunks):
            r = store.load(c)
            if r is not None:
                got[i] = r
    todo = [i for i in range(len(chunks)) if i not in got]
    record: dict[str, Any] = {
        "backend": "local" if client is None else "dask",
        "chunk_size": chunk_size,
        "chunks": len(chunks),
        "computed": len(todo),
        "reused": len(got),
        "chunk_dir": None if chunk_dir is None else str(chunk_dir),
    }
    bar = tqdm(total=plan.size, desc="sweep", unit="cfg", disable=not progress)
    bar.update(sum(r[1].shape[0] for r in got.values()))

    def keep(i: int, res: tuple[np.ndarray, np.ndarray]) -> None:
        got[i] = res
        if store is not None:
            store.save(chunks[i], res)
        bar.update(res[1].shape[0])

    try:
        if client is None:
            for i in todo:
                b, a0, a1 = chunks[i]
                cfg = [x[a0:a1] for x in plan.blocks[b].cfg]
                keep(i, run_slice(plan.arrays[plan.blocks[b].ticker], cfg, plan.costs))
        elif todo:
            from riskkit._cluster import map_chunks

            payloads = [_payload(plan, chunks[i]) for i in todo]
            _, run = map_chunks(
                client, _chunk_task, plan.arrays, payloads, name="sweep", retries=retries,
                on_result=lambda j, res: keep(todo[j], res),
            )  # fmt: skip
            info = run.as_dict()
            info["submitted"] = info.pop("chunks")
            # chunk numbers of the whole sweep, not of the submitted subset
            info["rerun_chunks"] = [todo[j] for j in info["rerun_chunks"]]
            info["attempts"] = {todo[j]: n for j, n in info["attempts"].items()}
            record.update(info)
    finally:
        bar.close()
    record["seconds"] = time.perf_counter() - start
    record["note"] = _note(record)
    out = []
    for bi in range(len(plan.blocks)):
        parts = [got[i] for i, c in enumerate(chunks) if c[0] == bi]
        out.append((np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])))
    return out, record


def _payload(plan: GridPlan, chunk: Chunk) -> tuple[str, tuple[np.ndarray, ...], tuple]:
    b, a0, a1 = chunk
    blk = plan.blocks[b]
    return blk.ticker, tuple(np.ascontiguousarray(x[a0:a1]) for x in blk.cfg), plan.costs


def _note(rec: dict[str, Any]) -> str:
    where = (
        "locally"
        if rec["backend"] == "local"
        else f"on {rec.get('workers', '?')} dask worker(s) at {rec.get('scheduler', '?')}"
    )
    text = f"{rec['chunks']} chunk(s) of up to {rec['chunk_size']:,} configurations"
    if rec["reused"] and not rec["computed"]:
        text += f": all read from {rec['chunk_dir']}"
    elif rec["reused"]:
        text += (
            f": {rec['reused']} read from {rec['chunk_dir']}, {rec['computed']} computed {where}"
        )
    else:
        text += f", computed {where}"
    rerun: Sequence[int] = rec.get("rerun_chunks", [])
    if rerun:
        text += (
            f"; chunk(s) {', '.join(map(str, rerun))} ran again after a failed task or a lost "
            "worker, each result kept once"
        )
    return text
