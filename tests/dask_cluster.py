"""The LocalCluster the Dask tests run on: 2 worker processes of 1 thread each, started and
closed by the tests' fixtures (tests/test_dask.py, tests/test_dask_events.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster


@contextmanager
def local_client(n_workers: int = 2) -> Iterator[Client]:
    """A client on a fresh LocalCluster of ``n_workers`` processes, closed on exit."""
    with (
        LocalCluster(n_workers=n_workers, processes=True, threads_per_worker=1,
                     dashboard_address=None, death_timeout=60) as cluster,
        Client(cluster, timeout=60) as c,
    ):  # fmt: skip
        c.wait_for_workers(n_workers, timeout=60)
        yield c
