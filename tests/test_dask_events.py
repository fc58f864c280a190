"""Event studies with their per-event fits on a real dask.distributed cluster (issue 11).

A ``LocalCluster`` with two worker processes (one thread each) is started once for this
module and closed at its end. The reference of every comparison is the local run of the
same call (no Dask, one engine pass over every event), itself checked against the golden
outputs of the row-by-row engine in ``tests/test_events_golden.py``; equality here is
exact (``check_exact=True``). Data: the bundled snapshot (real prices) with the bundled
catalog, and a SYNTHETIC placebo catalog of random (miner, date) pairs drawn from it.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

from riskkit import DataError
from riskkit.events import bundled_returns_and_factors, event_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    with local_client() as c:
        yield c


def _study(events=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one warning per skipped event
        return event_study(events, **kw)


def assert_same_study(got, want) -> None:
    """Every frame of two studies equal, exactly, in the same row order."""
    for name in ("to_frame", "tests"):
        pd.testing.assert_frame_equal(getattr(got, name)(), getattr(want, name)(), check_exact=True)
    for name in ("params", "skipped", "abnormal_returns", "events", "overlaps"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True)


def placebo_catalog(rets: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC placebo events: a random miner and a random session after its first
    return (seeded); some fall too early to be estimated and are skipped, as in a real
    large catalog."""
    rng = np.random.default_rng(seed)
    cols = rng.integers(rets.shape[1], size=n)
    first = np.array([rets.index.get_loc(rets[c].first_valid_index()) for c in rets.columns])
    pos = rng.integers(first[cols] + 20, len(rets))
    return pd.DataFrame({"event_id": [f"p{k:05d}" for k in range(n)],
                         "ticker": rets.columns[cols], "date": rets.index[pos],
                         "timing": rng.choice(["pre-market", "after close", "unknown"], n,
                                              p=[0.6, 0.3, 0.1])})  # fmt: skip


#: The bundled study with grouped tests of every kind: pair sums, ranks, bootstrap, placebo.
BUNDLED = dict(model="market_btc", tests=["cross_sectional_t", "kolari_pynnonen", "rank_cz",
                                          "grank_t", "bootstrap_kp"], placebo=50, bootstrap=99)  # fmt: skip


@pytest.fixture(scope="module")
def bundled_local():
    return _study(**BUNDLED)


@pytest.mark.parametrize("chunk_size", [7, 1000])
def test_bundled_catalog_on_cluster_equals_local(client, bundled_local, chunk_size):
    local = bundled_local
    dist = _study(**BUNDLED, client=client, chunk_size=chunk_size)
    assert_same_study(dist, local)
    # 101 events after MKT expansion; some have unknown timing (widened windows)
    n = len(local.events)
    assert local.events["widened"].any() and n > 50
    ex = dist.execution
    assert (ex["backend"], ex["chunks"], ex["workers"]) == ("dask", -(-n // chunk_size), 2)
    assert ex["rerun_chunks"] == [] and local.execution == {"backend": "local"}


def test_estudy2_conventions_on_cluster_equal_local(client):
    local = _study(model="market", conventions="estudy2")
    assert_same_study(_study(model="market", conventions="estudy2", client=client,
                             chunk_size=13), local)  # fmt: skip


def test_placebo_catalog_of_2000_events_on_cluster_equals_local(client):
    rets, facs, _ = bundled_returns_and_factors()
    ev = placebo_catalog(rets, 2000, seed=11)
    kw = dict(returns=rets, factors=facs[["market"]], calendar="returns", windows=[(-1, 1), (0, 0)])
    local = _study(ev, **kw)
    assert len(local.skipped) > 0 and local.events["widened"].any()
    assert (local.events["status"] == "estimated").sum() > 1500
    for chunk_size in (1, 333):  # a batch of one event, and batches of uneven sizes
        if chunk_size == 1:  # 2,000 one-event tasks: a subset keeps the file fast
            sub = ev.iloc[:150]
            assert_same_study(_study(sub, **kw, client=client, chunk_size=1), _study(sub, **kw))
            continue
        dist = _study(ev, **kw, client=client, chunk_size=chunk_size)
        assert_same_study(dist, local)
        assert dist.execution["chunks"] == 7


@pytest.mark.parametrize("model", ["constant", "market_adjusted"])
def test_other_models_and_kept_overlaps_on_cluster_equal_local(client, model):
    rets, facs, _ = bundled_returns_and_factors()
    ev = placebo_catalog(rets, 300, seed=4)
    kw = dict(returns=rets, factors=facs[["market"]], calendar="returns", model=model,
              overlap="keep", windows=[(0, 0), (-2, 3)])  # fmt: skip
    assert_same_study(_study(ev, **kw, client=client, chunk_size=50), _study(ev, **kw))


def test_bad_chunk_size_and_client_are_refused(client):
    with pytest.raises(DataError, match=r"chunk_size=0 must be a whole number >= 1"):
        event_study(client=client, chunk_size=0)
    with pytest.raises(DataError, match=r"chunk_size=2.5 must be a whole number >= 1"):
        event_study(chunk_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="is not a dask.distributed Client"):
        event_study(client="tcp://127.0.0.1:8786")
    with pytest.raises(DataError, match="retries=-1 must be an integer >= 0"):
        _study(client=client, retries=-1)


def test_local_event_study_never_imports_dask():
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from riskkit.events import event_study\n"
        "r = event_study(chunk_size=5)\n"
        "assert r.execution == {'backend': 'local'} and len(r.cars) > 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"
