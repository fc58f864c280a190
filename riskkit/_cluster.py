"""Running chunks of work on a dask.distributed cluster: the one place riskkit talks to Dask.

Dask is optional (``pip install "riskkit[dask]"``) and imported only inside the functions
here, when a caller passes a ``client``; a local run never imports it.

:func:`map_chunks` sends the shared inputs to every worker once (``client.scatter(...,
broadcast=True)``), submits one task per chunk with ``retries`` (a chunk whose task
raised is run again) and gathers the results in chunk order as they complete. A worker
that dies takes its chunks with it; the scheduler sends them to another worker (and the
nanny restarts the dead one). Either way each chunk gives one result: results are keyed
by chunk, so nothing is lost or counted twice. Afterwards the scheduler's transition log
says how many times each chunk was sent to a worker; :class:`ClusterRun` records the
chunks sent more than once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from riskkit._errors import DataError, RiskkitError

__all__ = ["ClusterRun", "check_client", "connect", "map_chunks"]

_INSTALL = 'pip install "riskkit[dask]"'


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise RiskkitError(
            f"running on a cluster needs dask.distributed, which is not installed; {_INSTALL}."
        ) from None
    return distributed


def check_client(client: Any) -> Any:
    """``client`` if it is a ``distributed.Client``, else a DataError saying what to pass."""
    distributed = _distributed()
    if not isinstance(client, distributed.Client):
        raise DataError(
            f"client={client!r} is not a dask.distributed Client; pass Client('tcp://host:8786') "
            "(a running scheduler) or Client(LocalCluster()), or client=None to run locally."
        )
    if client.status != "running":
        raise DataError(f"the dask client is {client.status!r}, not running; connect it again.")
    return client


def connect(address: str, *, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    RiskkitError
        Dask is not installed, or no scheduler answered at ``address`` within ``timeout``
        seconds.
    """
    distributed = _distributed()
    try:
        return distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise RiskkitError(
            f"no dask scheduler answered at {address!r} within {timeout:g} s ({exc}); start one "
            "with `dask scheduler` and give its tcp://host:port, or leave --scheduler and "
            "DASK_SCHEDULER_ADDRESS unset to run locally."
        ) from None


@dataclass(frozen=True)
class ClusterRun:
    """How a set of chunks ran on a cluster.

    Attributes
    ----------
    scheduler
        The scheduler's address.
    workers
        Workers connected when the chunks were submitted.
    chunks
        Chunks submitted.
    rerun
        ``(chunk, times sent to a worker)`` of every chunk sent more than once: its task
        raised (and was retried) or its worker was lost.
    seconds
        Wall time from the first submit to the last result.
    """

    scheduler: str
    workers: int
    chunks: int
    rerun: tuple[tuple[int, int], ...]
    seconds: float

    def describe(self) -> str:
        """One sentence: where the chunks ran and which ran again."""
        text = f"{self.chunks} chunk(s) on {self.workers} dask worker(s) at {self.scheduler}"
        if not self.rerun:
            return text + ", none run again"
        which = ", ".join(f"{c} ({n} times)" for c, n in self.rerun)
        return (
            f"{text}; {len(self.rerun)} chunk(s) run again after a failed task or a lost "
            f"worker: {which}; each chunk's result was kept once"
        )

    def as_dict(self) -> dict[str, Any]:
        """The record as plain types (for ``settings`` and JSON)."""
        return {
            "scheduler": self.scheduler,
            "workers": self.workers,
            "chunks": self.chunks,
            "rerun_chunks": [c for c, _ in self.rerun],
            "attempts": {c: n for c, n in self.rerun},
            "seconds": self.seconds,
            "note": self.describe(),
        }


def _one_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` with numba's parallel loops on one thread (restored after).

    A dask worker runs one task per worker thread; a kernel that also spread over every
    core would oversubscribe the machine. ``numba.set_num_threads`` is per thread.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(before)


def _attempts(dask_scheduler: Any, keys: list[str]) -> dict[str, int]:
    """How many times the scheduler sent each task to a worker (its transition log)."""
    return {
        k: sum(1 for s in dask_scheduler.story(k) if s[0] == k and s[2] == "processing")
        for k in keys
    }


def map_chunks(
    client: Any,
    fn: Callable[..., Any],
    shared: Any,
    chunks: Sequence[Any],
    *,
    name: str,
    retries: int = 3,
    on_result: Callable[[int, Any], None] | None = None,
) -> tuple[list[Any], ClusterRun]:
    """``[fn(shared, chunk) for chunk in chunks]`` on the cluster, in chunk order.

    Parameters
    ----------
    client
        A running ``distributed.Client``.
    fn
        A module-level function (workers import it by name) ``fn(shared, chunk)``; it runs
        with numba on one thread.
    shared
        Inputs every chunk needs: scattered once to every worker, not sent per chunk.
    chunks
        One small, picklable description per chunk (sent with its task).
    name
        Task-name prefix shown on the dashboard (``riskkit-<name>-<run>-<chunk>``).
    retries
        Extra attempts of a chunk whose task raised (Dask's ``retries``); a chunk lost with
        its worker is sent again by the scheduler whatever this is.
    on_result
        Called as ``on_result(i, result)`` in the order chunks complete (e.g. to store
        each one at once).

    Returns
    -------
    results, run
        One result per chunk, in chunk order, and the :class:`ClusterRun` record.
    """
    distributed = _distributed()
    check_client(client)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise DataError(f"retries={retries!r} must be an integer >= 0.")
    run_id = uuid.uuid4().hex[:10]
    workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
    start = time.perf_counter()
    [data] = client.scatter([shared], broadcast=True, hash=False)
    futures = [
        client.submit(_one_thread, fn, data, c, key=f"riskkit-{name}-{run_id}-{i}", retries=retries,
                      pure=False)
        for i, c in enumerate(chunks)
    ]  # fmt: skip
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    done = [False] * len(futures)
    try:
        for fut, res in distributed.as_completed(futures, with_results=True):
            i = index[fut.key]
            if done[i]:  # never: one future, one result; kept as a guard
                raise RiskkitError(f"chunk {i} of {name} completed twice.")
            results[i], done[i] = res, True
            if on_result is not None:
                on_result(i, res)
        seconds = time.perf_counter() - start
        tries = client.run_on_scheduler(_attempts, keys=list(index))
    finally:
        client.cancel([*futures, data])
    rerun = tuple(sorted((index[k], n) for k, n in tries.items() if n > 1))
    addr = str(client.scheduler.address)
    return results, ClusterRun(addr, workers, len(futures), rerun, seconds)
