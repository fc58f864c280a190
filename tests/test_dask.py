"""Sweeps and placebo trials on a real dask.distributed cluster (issue 11).

A ``LocalCluster`` with two worker processes (one thread each) is started once for this
module and closed at its end. The reference of every comparison is the local run, a
different path through the code (no Dask, other chunks); the local sweep itself is
checked against the plain-Python reference loop in ``tests/test_backtest_reference.py``
and the placebo trials against one ``event_study`` call per trial in
``tests/test_events_simulate.py``. Bars and returns here are SYNTHETIC (seeded random
walks) unless a test says it uses the bundled snapshot.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

from riskkit import DataError, RiskkitError
from riskkit.backtest import Signals, sweep
from riskkit.events import simulate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    with local_client() as c:
        yield c


def synthetic_bars(n: int = 600, seed: int = 0, tickers=("AAA", "BBB")) -> dict[str, pd.DataFrame]:
    """SYNTHETIC daily bars: a seeded random walk per ticker, consistent OHLC."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=n, name="date")
    out = {}
    for t in tickers:
        close = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
        open_ = close * np.exp(rng.normal(0, 0.01, n))
        high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.03, n))
        low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.03, n))
        out[t] = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=idx)
    return out


def base_signals(bars):
    out = {}
    for t, b in bars.items():
        r = b["close"].pct_change()
        out[t] = {"dip": Signals(entries=r < -0.04), "trend": Signals(entries=r > 0.03,
                                                                       exits=r < -0.03)}  # fmt: skip
    return out


GRID = [
    {
        "sl_stop": [None, 0.03, 0.06, 0.1, 0.2],
        "tp_stop": [None, 0.1, 0.3],
        "sl_trail": [False, True],
    },
    {"sl_atr": [1.5, 3.0], "after_stop": ["wait", "recover", "bars"], "after_stop_bars": [2, 5]},
]


def assert_same_sweep(a, b) -> None:
    pd.testing.assert_frame_equal(a.stats, b.stats, check_exact=True)
    pd.testing.assert_frame_equal(a.params, b.params, check_exact=True)
    np.testing.assert_array_equal(a.fingerprint, b.fingerprint)


@pytest.fixture(scope="module")
def bars():
    return synthetic_bars()


@pytest.fixture(scope="module")
def local(bars):
    return sweep(bars, base_signals(bars), GRID, progress=False)


def test_local_sweep_never_imports_dask():
    code = (
        "import sys, numpy as np, pandas as pd, riskkit\n"
        "from riskkit.backtest import Signals, sweep\n"
        "idx = pd.bdate_range('2024-01-01', periods=40)\n"
        "c = pd.Series(np.linspace(10, 13, 40), index=idx)\n"
        "b = pd.DataFrame({'open': c, 'high': c * 1.01, 'low': c * 0.99, 'close': c})\n"
        "s = Signals(entries=pd.Series(idx == idx[0], index=idx))\n"
        "r = sweep({'X': b}, {'X': s}, {'sl_stop': [0.005, 0.05]}, progress=False,\n"
        "          chunk_size=1)\n"
        "assert r.stats['trades'].tolist() == [1.0, 0.0]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("chunk_size", [4, 37, 1_000_000])
def test_sweep_on_cluster_equals_local(client, bars, local, chunk_size):
    d = sweep(bars, base_signals(bars), GRID, progress=False, client=client, chunk_size=chunk_size)
    assert_same_sweep(d, local)
    ex = d.settings["execution"]
    # chunks never cross a (ticker, sub-grid) block: 2 tickers x (60 + 24) configurations
    # (sub-grid 1: 2 signal sets x 5 x 3 x 2; sub-grid 2: 2 x 2 x 3 x 2)
    want = 2 * (math.ceil(60 / chunk_size) + math.ceil(24 / chunk_size))
    assert (ex["backend"], ex["chunks"], ex["workers"]) == ("dask", want, 2)
    assert ex["rerun_chunks"] == [] and ex["reused"] == 0
    assert len(d.stats) == 2 * (60 + 24) and list(d.stats.index) == list(range(168))


def test_detail_reruns_locally_and_matches_the_row(client, bars):
    d = sweep(bars, base_signals(bars), GRID, progress=False, client=client, chunk_size=10)
    for cfg in (3, 77, 150):  # the record-mode engine (run_backtest), not the sweep kernel
        det = d.detail(cfg)
        for col in ("final_equity", "sharpe", "max_drawdown", "trades"):
            assert det.stats[col].iloc[0] == pytest.approx(d.stats.loc[cfg, col], rel=1e-12,
                                                           nan_ok=True)  # fmt: skip


def test_simulate_on_cluster_equals_local(client):
    idx = pd.bdate_range("2020-01-01", periods=700, name="date")  # SYNTHETIC returns
    rng = np.random.default_rng(5)
    m = pd.DataFrame({"market": rng.normal(0, 0.01, 700)}, index=idx)
    r = pd.DataFrame({t: 1.2 * m["market"] + rng.normal(0, 0.02, 700) for t in "ABCD"}, index=idx)
    none = pd.DataFrame(columns=["event_id", "ticker", "date"])
    kw = dict(returns=r, factors=m, events=none, windows=[(-1, 1), (0, 0)], estimation=100,
              gap=5, min_estimation_obs=50, effect=0.02, seed=9)  # fmt: skip
    runs = {}
    for draw, n_trials, chunk in (("spaced", 10, 4), ("independent", 2, 1)):
        loc = simulate(8, n_trials=n_trials, draw=draw, chunk_size=chunk, **kw)
        dis = simulate(8, n_trials=n_trials, draw=draw, chunk_size=chunk, client=client, **kw)
        for part in ("p_values", "draws", "trial_log", "short_trials", "rates"):
            pd.testing.assert_frame_equal(getattr(dis, part), getattr(loc, part), check_exact=True)
        assert dis.execution["chunks"] == math.ceil(n_trials / chunk)
        assert dis.execution["backend"] == "dask" and loc.execution["backend"] == "local"
        assert sorted(dis.draws["trial"].unique()) == list(range(n_trials))
        runs[draw] = loc
    # another chunk size: the same draws (seeds per trial); p-values equal to rounding
    one = simulate(8, n_trials=10, draw="spaced", chunk_size=10, **kw)
    pd.testing.assert_frame_equal(one.draws, runs["spaced"].draws, check_exact=True)
    pd.testing.assert_frame_equal(one.p_values, runs["spaced"].p_values, rtol=1e-12, atol=1e-14)


def _slow_grid(bars):
    """A grid big enough that a chunk of 6,000 configurations runs ~0.1-0.3 s on one core."""
    return {"sl_stop": list(np.linspace(0.01, 0.5, 50)), "tp_stop": [None, *np.linspace(0.05, 1, 30)],
            "sl_trail": [False, True], "after_stop": ["wait", "recover"]}  # fmt: skip


@pytest.mark.slow
def test_worker_killed_mid_run_loses_and_duplicates_nothing(client, bars):
    grid = _slow_grid(bars)  # 2 tickers x 2 signal sets x 50 x 31 x 2 x 2 = 24,800
    sigs = base_signals(bars)
    want = sweep(bars, sigs, grid, progress=False)
    pids = client.run(os.getpid)
    killed: list[str] = []

    def kill_one_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [w for w, ks in client.processing().items()
                    if any(str(k).startswith("riskkit-sweep") for k in ks)]  # fmt: skip
            if busy:
                time.sleep(0.05)  # let it start the chunk
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.005)

    t = threading.Thread(target=kill_one_busy_worker)
    t.start()
    got = sweep(bars, sigs, grid, progress=False, client=client, chunk_size=1_000)
    t.join()
    assert killed, "no worker was busy with a chunk within 60 s"
    assert_same_sweep(got, want)  # nothing lost, nothing counted twice, same order
    ex = got.settings["execution"]
    assert ex["chunks"] == 2 * math.ceil(12_400 / 1_000)  # a block: one ticker's grid
    assert ex["rerun_chunks"], ex  # the killed worker's chunk(s) ran again ...
    assert "ran again after a failed task or a lost worker" in ex["note"]  # ... and it says so
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_resume_from_chunk_folder_gives_the_same_table(client, bars, local, tmp_path):
    folder = tmp_path / "chunks"
    first = sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=folder, chunk_size=9)
    assert_same_sweep(first, local)
    files = sorted(folder.glob("chunk-*.parquet"))
    assert len(files) == first.settings["execution"]["chunks"] == 2 * (7 + 3)
    # as a killed run leaves it: some chunks never written, a half-written temp file
    for f in files[3:6]:
        f.unlink()
    (folder / f".{files[3].name}.999.tmp").write_bytes(b"PAR1 half a file")
    again = sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=folder, chunk_size=9,
                  client=client)  # fmt: skip
    assert_same_sweep(again, local)
    ex = again.settings["execution"]
    assert (ex["reused"], ex["computed"]) == (17, 3)
    assert "17 read from" in ex["note"]
    assert len(list(folder.glob("chunk-*.parquet"))) == 20
    third = sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=folder, chunk_size=9,
                  client=client)  # fmt: skip
    assert_same_sweep(third, local)
    assert third.settings["execution"]["note"].endswith(f"all read from {folder}")


def test_chunk_folder_of_another_sweep_is_refused(bars, tmp_path):
    folder = tmp_path / "c"
    sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=folder)
    with pytest.raises(DataError, match="holds the chunks of another sweep"):
        sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=folder, fees=0.002)
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataError, match="is a file; give a folder"):
        sweep(bars, base_signals(bars), GRID, progress=False, chunk_dir=tmp_path / "f")


@pytest.mark.slow
def test_interrupted_sweep_resumes_from_its_chunk_folder(client, bars, tmp_path):
    folder = tmp_path / "chunks"
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from test_dask import synthetic_bars, base_signals, _slow_grid\n"
        "from riskkit.backtest import sweep\n"
        "b = synthetic_bars()\n"
        f"sweep(b, base_signals(b), _slow_grid(b), progress=False, chunk_dir={str(folder)!r},\n"
        "      chunk_size=400)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while len(list(folder.glob("chunk-*.parquet"))) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # interrupted mid-run, as a crash would
    finally:
        proc.wait(timeout=60)
    done = len(list(folder.glob("chunk-*.parquet")))
    assert 3 <= done < 62  # 2 blocks of 12,400 configurations, 400 a chunk
    grid = _slow_grid(bars)
    again = sweep(bars, base_signals(bars), grid, progress=False, chunk_dir=folder,
                  chunk_size=400, client=client)  # fmt: skip
    assert_same_sweep(again, sweep(bars, base_signals(bars), grid, progress=False))
    ex = again.settings["execution"]
    assert ex["reused"] == done and ex["reused"] + ex["computed"] == ex["chunks"] == 62


def test_bad_client_and_options_are_refused(client, bars):
    sigs = base_signals(bars)
    with pytest.raises(DataError, match="is not a dask.distributed Client"):
        sweep(bars, sigs, GRID, progress=False, client="tcp://127.0.0.1:8786")
    with pytest.raises(DataError, match="chunk_size=0 must be a positive integer"):
        sweep(bars, sigs, GRID, progress=False, client=client, chunk_size=0)
    with pytest.raises(DataError, match="retries=-1 must be an integer >= 0"):
        sweep(bars, sigs, GRID, progress=False, client=client, retries=-1)
    factory = lambda b, stop: Signals(entries=b["close"].pct_change() < -0.04, sl_stop=stop)  # noqa: E731
    with pytest.raises(DataError, match="run the grid-native form only"):
        sweep(bars, factory, {"stop": [0.05]}, progress=False, client=client)
    with pytest.raises(DataError, match="is not a dask.distributed Client"):
        simulate(4, n_trials=1, client=object())


def test_missing_dask_and_unreachable_scheduler_say_what_to_do(monkeypatch):
    from riskkit._cluster import connect

    with pytest.raises(RiskkitError, match=r"no dask scheduler answered at 'tcp://127.0.0.1:9'"):
        connect("tcp://127.0.0.1:9", timeout=1.0)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(RiskkitError, match=r'pip install "riskkit\[dask\]"'):
        connect("tcp://127.0.0.1:9")


@pytest.mark.slow
def test_cli_scheduler_option_and_env_var_give_the_local_tables(client, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from riskkit.cli import app

    runner = CliRunner()
    addr = client.scheduler.address
    sim = ["event-simulate", "--events-per-trial", "5", "--trials", "3", "--effect", "0.05",
           "--window", "0,0", "--no-progress"]  # fmt: skip
    sl = ["backtest", "stop-loss", "-t", "BTC-USD", "--no-walk-forward"]
    local = {"sim": tmp_path / "l1", "sl": tmp_path / "l2"}
    dist = {"sim": tmp_path / "d1", "sl": tmp_path / "d2"}
    for key, args in (("sim", sim), ("sl", sl)):
        res = runner.invoke(app, [*args, "--out", str(local[key])])
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*sim, "--out", str(dist["sim"]), "--scheduler", addr])
    assert res.exit_code == 0, res.output
    assert f"trials: 1 chunk(s) on 2 dask worker(s) at {addr}, none run again" in res.output
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", addr)  # the same, from the environment
    res = runner.invoke(app, [*sl, "--out", str(dist["sl"])])
    assert res.exit_code == 0, res.output
    assert f"computed on 2 dask worker(s) at {addr}" in res.output
    for key, part in (("sim", "event_simulation"), ("sl", "stop_loss")):
        csvs = sorted(p.name for p in (local[key] / part).glob("*.csv"))
        assert csvs and csvs == sorted(p.name for p in (dist[key] / part).glob("*.csv"))
        for name in csvs:
            a = pd.read_csv(local[key] / part / name)
            b = pd.read_csv(dist[key] / part / name)
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


@pytest.mark.slow  # the client tries for 10 s before it gives up
def test_cli_unreachable_scheduler_is_one_error_line(tmp_path, capsys):
    from riskkit.cli import app
    from riskkit.cli._common import run_app

    code = run_app(app, ["event-simulate", "--trials", "1", "--no-progress", "--out",
                         str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip().startswith("error: no dask scheduler answered at 'tcp://127.0.0.1:9'")


def test_use_client_block_runs_sweeps_without_client_on_the_cluster(client, bars, local):
    from riskkit.backtest import use_client

    with use_client(client):
        inside = sweep(bars, base_signals(bars), GRID, progress=False, chunk_size=50)
    after = sweep(bars, base_signals(bars), GRID, progress=False)
    assert inside.settings["execution"]["backend"] == "dask"
    assert after.settings["execution"]["backend"] == "local"  # the block has ended
    assert_same_sweep(inside, local)
