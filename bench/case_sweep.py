"""Case sweep: 4,000 stop/target configurations on five tickers, riskkit vs vectorbt,
backtesting.py and backtrader.

The grid (fixed by the issue): 20 stop levels ``np.linspace(0.02, 0.40, 20)`` x 20
targets ``np.linspace(0.05, 1.00, 20)`` x trailing off/on x BITF, IREN, WULF, HUT,
BTC-USD, REAL bundled daily bars from 2022-01-01, each ticker on its own calendar
(BTC-USD trades 7 days a week) = 4,000 configurations. Entry: a decision at bar t's
close when ``close_t / close_{t-1} - 1 < -5%``, filled at bar t+1's open; no signal exits
(a position closes at its stop or target, or stays open and is valued at the last close);
all-in sizing, fees 10 bp of traded value and slippage 10 bp of price on every fill,
initial cash 100,000.

Implementations
---------------
* riskkit's grid-native ``sweep(bars, base_signals, grid=...)``, also at 100,000 and
  1,000,000 configurations.
* raw vectorbt ``Portfolio.from_signals``: one call per ticker with its 800
  configurations as columns (entries shifted one bar, filled at the open).
* backtesting.py and backtrader: one backtest per (ticker, configuration), on a random
  sample of configurations (fixed seed); the time for 4,000 is extrapolated.

Method
------
* **warm**: steady state in this process, after a first call (``_harness.run_group`` for
  the one-call implementations, the sample loop for the per-configuration libraries).
* **cold**: a fresh child process with a fresh, empty ``NUMBA_CACHE_DIR``
  (``tempfile.mkdtemp``) that imports the library, reads the bars and makes the call once;
  the wall time of the whole process and its breakdown are reported.
* **second process**: another child reusing that (now filled) cache directory; its first
  call against the warm time shows whether anything compiles again.
* **peak RSS**: ``getrusage(RUSAGE_SELF).ru_maxrss`` at the end of the child doing the run
  (imports and data included).

Children run ``python bench/case_sweep.py --child ...`` with ``RISKKIT_OFFLINE=1`` and
read the bars from a pickle written by the parent, so their time is the library's.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _data import SEED  # noqa: E402
from _harness import (  # noqa: E402
    CaseResult,
    Goal,
    Settings,
    Spec,
    Unavailable,
    dist_version,
    run_group,
)

TICKERS = ("BITF", "IREN", "WULF", "HUT", "BTC-USD")
START = "2022-01-01"
DROP = -0.05
FEES, SLIPPAGE, INIT_CASH = 0.001, 0.001, 100_000.0
TRAILS = (False, True)
#: (stops, targets) per grid size; x 2 trailing x 5 tickers
GRIDS = {"4k": (20, 20), "100k": (100, 100), "1M": (200, 500)}
TARGETS_GOAL = {
    "vs_vectorbt": 15.0,
    "vs_backtesting": 2_000.0,
    "100k_s": 5.0,
    "100k_rss_mib": 1024.0,
}
TARGETS_GOAL["1M_s"] = 60.0
SAMPLE = {"backtesting.py": 40, "backtrader": 15}
SAMPLE_QUICK = {"backtesting.py": 12, "backtrader": 6}
#: timed passes over the sample (the median pass is the warm time)
SAMPLE_PASSES = {"backtesting.py": 3, "backtrader": 2}

RK, VBT, BTPY, BTR = "riskkit", "vectorbt", "backtesting.py", "backtrader"
LABELS = {
    RK: "riskkit sweep (grid-native)",
    VBT: "vectorbt Portfolio.from_signals (raw, 800 columns per ticker)",
    BTPY: "backtesting.py (one Backtest per config, sampled)",
    BTR: "backtrader (one Cerebro per config, sampled)",
}


def grid(size: str = "4k") -> tuple[np.ndarray, np.ndarray]:
    """Stop and target levels of a grid size (the issue's 20 x 20 for ``"4k"``)."""
    n_s, n_t = GRIDS[size]
    return np.linspace(0.02, 0.40, n_s), np.linspace(0.05, 1.00, n_t)


def n_configs(size: str) -> int:
    n_s, n_t = GRIDS[size]
    return n_s * n_t * len(TRAILS) * len(TICKERS)


# A configuration: (ticker, stop index, target index, trailing) on the 4k grid.
Config = tuple[str, int, int, bool]


def all_configs() -> list[Config]:
    n_s, n_t = GRIDS["4k"]
    return [(t, i, j, tr) for t in TICKERS for i in range(n_s) for j in range(n_t) for tr in TRAILS]


def sample_configs(n: int) -> list[Config]:
    """``n`` configurations drawn without replacement (fixed seed)."""
    cfgs = all_configs()
    pick = np.random.default_rng(SEED).choice(len(cfgs), size=n, replace=False)
    return [cfgs[k] for k in pick]


def levels(cfg: Config) -> tuple[float, float]:
    stops, targets = grid("4k")
    return float(stops[cfg[1]]), float(targets[cfg[2]])


# ---------------------------------------------------------------- data
def load_bars() -> dict[str, pd.DataFrame]:
    """Each ticker's REAL bundled bars from 2022-01-01, on its own calendar."""
    import riskkit
    from riskkit.backtest import bars_for

    px = riskkit.load_prices(list(TICKERS), source="bundled", start=START)
    return {t: bars_for(px, t) for t in TICKERS}


def entries(bars: pd.DataFrame) -> pd.Series:
    """Decision at bar t's close: the close fell more than 5% on the day."""
    return bars["close"].pct_change() < DROP


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def rk_api() -> tuple[Callable[..., Any], Any]:
    """riskkit's grid-native ``sweep(bars, base_signals, grid=...)`` and ``Signals``."""
    try:
        mod = importlib.import_module("riskkit.backtest")
        f, signals_cls = mod.sweep, mod.Signals
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"riskkit.backtest.sweep: {exc}") from exc
    names = list(inspect.signature(f).parameters)
    if len(names) < 2 or "grid" not in names or names[1] == "factory":
        raise Unavailable(
            "riskkit.backtest.sweep has the signature "
            f"sweep({', '.join(names)}): the grid-native form "
            "sweep(bars, base_signals, grid=...) is not in this checkout yet"
        )
    return f, signals_cls


def rk_call(bars: Mapping[str, pd.DataFrame], size: str = "4k") -> Callable[[], Any]:
    f, signals_cls = rk_api()
    stops, targets = grid(size)
    base = {t: signals_cls(entries=entries(b)) for t, b in bars.items()}
    g = {
        "sl_stop": [float(x) for x in stops],
        "tp_stop": [float(x) for x in targets],
        "sl_trail": list(TRAILS),
    }
    return lambda: f(
        dict(bars), base, grid=g, fees=FEES, slippage=SLIPPAGE, init_cash=INIT_CASH, progress=False
    )


def _final_column(stats: pd.DataFrame) -> pd.Series:
    for c in ("final_equity", "final_value", "equity_final", "end_value"):
        if c in stats.columns:
            return stats[c].astype(float)
    raise KeyError(f"no final-equity column in riskkit's stats; columns: {list(stats.columns)}")


def rk_finals(res: Any) -> pd.Series:
    """Final equity per configuration, indexed by (ticker, stop index, target index, trail)."""
    stops, targets = grid("4k")
    p = res.params.loc[res.stats.index]
    i_s = np.abs(p["sl_stop"].to_numpy(float)[:, None] - stops[None, :]).argmin(axis=1)
    i_t = np.abs(p["tp_stop"].to_numpy(float)[:, None] - targets[None, :]).argmin(axis=1)
    idx = pd.MultiIndex.from_arrays(
        [p["ticker"].astype(str).to_numpy(), i_s, i_t, p["sl_trail"].astype(bool).to_numpy()],
        names=["ticker", "i_stop", "i_target", "trail"],
    )
    return pd.Series(_final_column(res.stats).to_numpy(), index=idx)


# ---------------------------------------------------------------- raw vectorbt
def vbt_call(bars: Mapping[str, pd.DataFrame]) -> Callable[[], dict[str, np.ndarray]]:
    """Five ``from_signals`` calls (one per ticker calendar), 800 configurations each."""
    import vectorbt as vbt
    from vectorbt.portfolio.enums import SizeType, StopEntryPrice

    stops, targets = grid("4k")
    s, t, tr = np.meshgrid(stops, targets, np.array(TRAILS), indexing="ij")
    sl, tp, trail = s.ravel()[None, :], t.ravel()[None, :], tr.ravel()[None, :]
    prepared = {k: (b, entries(b).shift(1, fill_value=False)) for k, b in bars.items()}

    def run() -> dict[str, np.ndarray]:
        out = {}
        for k, (b, ent) in prepared.items():
            pf = vbt.Portfolio.from_signals(
                b["close"],
                entries=ent,
                exits=False,
                price=b["open"],
                open=b["open"],
                high=b["high"],
                low=b["low"],
                size=1.0,
                size_type=SizeType.Percent,
                fees=FEES,
                slippage=SLIPPAGE,
                sl_stop=sl,
                tp_stop=tp,
                sl_trail=trail,
                stop_entry_price=StopEntryPrice.Price,
                init_cash=INIT_CASH,
                freq="1D",
            )
            out[k] = pf.final_value().to_numpy()
        return out

    return run


def vbt_finals(out: Mapping[str, np.ndarray]) -> pd.Series:
    """Same index as :func:`rk_finals` (vbt's columns are the meshgrid in 'ij' order)."""
    n_s, n_t = GRIDS["4k"]
    keys = [(k, i, j, tr) for k in out for i in range(n_s) for j in range(n_t) for tr in TRAILS]
    idx = pd.MultiIndex.from_tuples(keys, names=["ticker", "i_stop", "i_target", "trail"])
    return pd.Series(np.concatenate([out[k] for k in out]), index=idx)


# ---------------------------------------------------------------- backtesting.py
#: backtesting.py trades whole units; prices are scaled by this (as its FractionalBacktest
#: does) so all-in sizing is not rounded to a few BTC.
BTPY_UNIT = 1e-8
#: the fraction of available cash an order asks for (backtesting.py needs < 1)
BTPY_ALL_IN = 1 - 1e-12
#: backtesting.py applies its spread once, to the entry price; this spread makes a round
#: trip cost what 10 bp of slippage on both fills costs: (1 + s) / (1 - s) - 1.
BTPY_SPREAD = (1 + SLIPPAGE) / (1 - SLIPPAGE) - 1


@lru_cache(maxsize=1)
def _btpy_strategy() -> type:
    from backtesting import Strategy

    class DropBuy(Strategy):
        """Buy at the next open after a >5% down day; stop and target from that open.

        The levels are set from the fill's open (read from ``opens``, one bar ahead) as
        riskkit's contract does; the order object gets them before it fills because
        backtesting.py validates sl/tp against the decision bar's close, which rejects a
        gapped next open.
        """

        sl = 0.1
        tp = 0.5
        trail = False
        opens: np.ndarray = np.empty(0)
        signal: np.ndarray = np.empty(0)

        def init(self) -> None:
            self._hh = math.nan

        def next(self) -> None:
            i = len(self.data) - 1
            if i + 1 >= len(self.opens):
                return
            nxt = float(self.opens[i + 1])
            if self.trades:
                if self.trail:
                    trade = self.trades[-1]
                    self._hh = max(self._hh, float(self.data.High[-1]))
                    # riskkit's stop also trails the next open, unless that open is
                    # through the target (then the target fills at the open first)
                    ref = max(self._hh, nxt) if nxt < trade.tp else self._hh
                    level = ref * (1 - self.sl)
                    if trade.sl is None or level > trade.sl:
                        trade.sl = level
                return
            if self.signal[i]:
                order = self.buy(size=BTPY_ALL_IN)
                order._replace(sl_price=nxt * (1 - self.sl), tp_price=nxt * (1 + self.tp))
                self._hh = nxt

    return DropBuy


def _no_progress(seq: Any, **_: Any) -> Any:
    return seq


def btpy_prepare(bars: pd.DataFrame) -> dict[str, Any]:
    df = bars[["open", "high", "low", "close"]] * BTPY_UNIT
    df.columns = ["Open", "High", "Low", "Close"]
    return {"df": df, "opens": df["Open"].to_numpy(), "signal": entries(bars).to_numpy()}


def btpy_one(prep: Mapping[str, Any], sl: float, tp: float, trail: bool) -> float:
    """Final equity (valued at the last close) of one configuration."""
    from backtesting import Backtest

    # backtesting.py draws a tqdm bar per run when tqdm is installed; silence it here only
    with warnings.catch_warnings(), patch("backtesting.backtesting._tqdm", _no_progress):
        warnings.simplefilter("ignore")
        bt = Backtest(
            prep["df"],
            _btpy_strategy(),
            cash=INIT_CASH,
            commission=FEES,
            spread=BTPY_SPREAD,
            trade_on_close=False,
            exclusive_orders=False,
            finalize_trades=False,
        )
        stats = bt.run(sl=sl, tp=tp, trail=trail, opens=prep["opens"], signal=prep["signal"])
    return float(stats["_equity_curve"]["Equity"].iloc[-1])


# ---------------------------------------------------------------- backtrader
@lru_cache(maxsize=1)
def _btr_strategy() -> type:
    import backtrader as bt

    class DropBuyBT(bt.Strategy):
        """Cheat-on-open: at bar t+1's open, act on bar t's signal with a bracket order."""

        params = (("sl", 0.1), ("tp", 0.5), ("trail", False), ("signal", None))

        def next_open(self) -> None:
            i = len(self.data) - 1
            if i < 1 or self.position or not self.p.signal[i - 1]:
                return
            o = float(self.data.open[0])
            # all-in at the slipped open, fee included (a hair under, or the broker
            # rejects the order for a rounding-error shortfall of cash)
            size = self.broker.getcash() / (o * (1 + SLIPPAGE) * (1 + FEES)) * (1 - 1e-9)
            if self.p.trail:
                self.buy_bracket(
                    size=size,
                    exectype=bt.Order.Market,
                    stopprice=o,
                    stopexec=bt.Order.StopTrail,
                    stopargs={"trailpercent": self.p.sl},
                    limitprice=o * (1 + self.p.tp),
                )
            else:
                self.buy_bracket(
                    size=size,
                    exectype=bt.Order.Market,
                    stopprice=o * (1 - self.p.sl),
                    limitprice=o * (1 + self.p.tp),
                )

    return DropBuyBT


def btr_prepare(bars: pd.DataFrame) -> dict[str, Any]:
    df = bars[["open", "high", "low", "close"]].copy()
    df.index = pd.DatetimeIndex(df.index).tz_localize(None)
    return {"df": df, "signal": entries(bars).to_numpy()}


def btr_one(prep: Mapping[str, Any], sl: float, tp: float, trail: bool) -> float:
    """Final broker value (cash + position at the last close) of one configuration."""
    import backtrader as bt

    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=True)
    cerebro.adddata(bt.feeds.PandasData(dataname=prep["df"], volume=None, openinterest=None))
    cerebro.addstrategy(_btr_strategy(), sl=sl, tp=tp, trail=trail, signal=prep["signal"])
    broker = cerebro.broker
    broker.setcash(INIT_CASH)
    broker.setcommission(commission=FEES)
    broker.set_slippage_perc(
        SLIPPAGE, slip_open=True, slip_limit=True, slip_match=True, slip_out=False
    )
    broker.set_coo(True)
    broker.set_checksubmit(False)
    cerebro.run()
    return float(broker.getvalue())


PER_CONFIG = {BTPY: (btpy_prepare, btpy_one), BTR: (btr_prepare, btr_one)}


def sampled_call(
    impl: str, bars: Mapping[str, pd.DataFrame], cfgs: list[Config]
) -> Callable[[], dict[Config, float]]:
    prepare, one = PER_CONFIG[impl]
    preps = {t: prepare(bars[t]) for t in {c[0] for c in cfgs}}

    def run() -> dict[Config, float]:
        return {c: one(preps[c[0]], *levels(c), c[3]) for c in cfgs}

    return run


# ---------------------------------------------------------------- child processes
def _child(argv: list[str]) -> int:
    """Run one implementation once in this (fresh) process; print a JSON line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", required=True, choices=[RK, VBT, BTPY, BTR])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--size", default="4k", choices=sorted(GRIDS))
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--warmup", action="store_true", help="riskkit: a 4k sweep first")
    ap.add_argument("--repeat", type=int, default=1, help="calls to time (first in call_s)")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    out: dict[str, Any] = {"impl": a.child, "size": a.size}
    t0 = time.perf_counter()
    if a.child == RK:
        importlib.import_module("riskkit.backtest")
    elif a.child == VBT:
        importlib.import_module("vectorbt")
    else:
        importlib.import_module("backtesting" if a.child == BTPY else "backtrader")
    out["import_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    bars = pd.read_pickle(a.data)
    out["data_s"] = time.perf_counter() - t0
    out["rss_after_import_mib"] = _maxrss_mib()
    try:
        if a.child == RK:
            if a.warmup:
                t0 = time.perf_counter()
                rk_call(bars, "4k")()
                out["warmup_s"] = time.perf_counter() - t0
            fn: Callable[[], Any] = rk_call(bars, a.size)
        elif a.child == VBT:
            fn = vbt_call(bars)
        else:
            fn = sampled_call(a.child, bars, sample_configs(a.sample))
    except Unavailable as exc:
        out["unavailable"] = str(exc)
        print(json.dumps(out))
        return 0
    with _compile_recorder(a.child in (RK, VBT)) as compiled:
        t0 = time.perf_counter()
        res = fn()
        out["call_s"] = time.perf_counter() - t0
    out.update(compiled)
    calls = [out["call_s"]]
    for _ in range(a.repeat - 1):
        del res
        t0 = time.perf_counter()
        res = fn()
        calls.append(time.perf_counter() - t0)
    out["calls_s"] = calls
    out["configs"] = a.sample if a.child in PER_CONFIG else _n_rows(res)
    out["maxrss_mib"] = _maxrss_mib()
    print(json.dumps(out))
    return 0


@contextmanager
def _compile_recorder(on: bool) -> Iterator[dict[str, Any]]:
    """Count numba compilations during the block (numba's ``numba:compile`` events).

    A function loaded from numba's on-disk cache fires no such event, so 0 in a second
    process means nothing was compiled again.
    """
    found: dict[str, Any] = {}
    if not on:
        yield found
        return
    from numba.core import event

    with event.install_recorder("numba:compile") as rec:
        yield found
    starts = [e for _, e in rec.buffer if e.is_start]
    names = []
    for e in starts:
        f = getattr(e.data.get("dispatcher"), "py_func", None)
        name = getattr(f, "__qualname__", "?")
        if "<locals>" not in name and name not in names:
            names.append(name)
    found["numba_compiles"] = len(starts)
    found["numba_compiled"] = names[:6]


def _n_rows(res: Any) -> int:
    if isinstance(res, dict):
        return int(sum(len(v) for v in res.values()))
    return len(res.stats)


def _maxrss_mib() -> float:
    """Peak resident set of this process, MiB.

    Linux's ``VmHWM`` (reset by exec). ``getrusage(RUSAGE_SELF).ru_maxrss`` is not: a
    child started from a big parent inherits the parent's peak across fork + exec, which
    would report the benchmark process's memory instead of the child's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def spawn(args: list[str], cache_dir: str, timeout: float = 600) -> dict[str, Any]:
    """Run a child; its wall time (interpreter start to exit) is ``wall_s``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, RISKKIT_OFFLINE="1", PYTHONWARNINGS="ignore")
    t0 = time.perf_counter()
    try:
        cp = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in cp.stdout.splitlines() if ln.startswith("{")]
    if cp.returncode != 0 or not lines:
        tail = (cp.stderr or cp.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {cp.returncode}: {' | '.join(tail)}"}
    out = json.loads(lines[-1])
    out["wall_s"] = wall
    return out


# ---------------------------------------------------------------- results
@dataclass
class Row:
    """One implementation at the 4,000-configuration grid."""

    impl: str
    label: str
    configs_timed: int
    sampled: bool
    warm_s: float = math.nan  # median seconds per timed call (whole sample when sampled)
    warm_min_s: float = math.nan
    repeats: int = 0
    first_call_s: float = math.nan  # first call in this process
    configs_per_s: float = math.nan
    time_4000_s: float = math.nan  # measured, or extrapolated from the sample
    cold: dict[str, Any] = field(default_factory=dict)
    second: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class Scale:
    size: str
    configs: int
    warm_s: float = math.nan
    warm_min_s: float = math.nan
    repeats: int = 0
    where: str = ""
    child: dict[str, Any] = field(default_factory=dict)


@dataclass
class Agreement:
    what: str
    versus: str
    n: int
    max_rel_diff: float
    median_rel_diff: float
    worst: str
    note: str


@dataclass
class SweepReport:
    title: str
    measures: str
    rows: list[Row] = field(default_factory=list)
    scaling: list[Scale] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    checks: list[Agreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    wall_s: float = math.nan

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _rel(a: pd.Series, b: pd.Series) -> pd.Series:
    a, b = a.align(b, join="inner")
    return (a / b - 1).abs()


def _cfg_label(key: Any) -> str:
    t, i, j, tr = key
    s, g = levels((t, int(i), int(j), bool(tr)))
    return f"{t} stop {s:.1%} target {g:.1%}{' trailing' if tr else ''}"


# ---------------------------------------------------------------- the case
def run(settings: Settings) -> SweepReport:
    t_start = time.perf_counter()
    sample_n = SAMPLE_QUICK if settings.quick else SAMPLE
    bars = load_bars()
    n4k = n_configs("4k")
    cal = ", ".join(f"{t} {len(b):,}" for t, b in bars.items())
    rep = SweepReport(
        title=f"Backtest sweep, {n4k:,} stop/target configurations on five tickers",
        measures=(
            f"REAL bundled daily bars from {START} (bars per ticker: {cal}; each on its own "
            "calendar). Entry decided at bar t's close when the day's return is below -5%, "
            "filled at bar t+1's open; exits only by stop or target (a position still open at "
            f"the end is valued at the last close); all-in; fees {FEES:.1%} of traded value and "
            f"slippage {SLIPPAGE:.1%} of price per fill; initial cash {INIT_CASH:,.0f}. Grid: 20 "
            "stops linspace(2%, 40%) x 20 targets linspace(5%, 100%) x trailing off/on x 5 "
            f"tickers = {n4k:,} configurations."
        ),
    )
    work = Path(tempfile.mkdtemp(prefix="riskkit-sweep-bench-"))
    try:
        data = work / "bars.pkl"
        pd.to_pickle(bars, data)
        _in_process(rep, bars, settings, sample_n)
        _children(rep, data, work, settings, sample_n)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _goals(rep)
    _notes(rep)
    rep.wall_s = time.perf_counter() - t_start
    return rep


def _in_process(
    rep: SweepReport, bars: dict[str, pd.DataFrame], settings: Settings, sample_n: dict[str, int]
) -> None:
    n4k = n_configs("4k")
    case = CaseResult(key="sweep", title=rep.title, measures=rep.measures)
    size = f"REAL: 5 tickers, {n4k:,} configs"
    specs = [
        Spec(LABELS[RK], size, lambda: rk_call(bars, "4k")),
        Spec(LABELS[VBT], size, lambda: vbt_call(bars)),
    ]
    timings = run_group(case, specs, settings)
    rep.skipped += case.skipped
    for impl, t in zip((RK, VBT), timings, strict=True):
        row = Row(impl=impl, label=LABELS[impl], configs_timed=n4k, sampled=False)
        if t is not None:
            row.warm_s, row.warm_min_s = t.median_ms / 1e3, t.min_ms / 1e3
            row.repeats, row.first_call_s = t.repeats * t.number, t.first_call_ms / 1e3
            row.configs_per_s = n4k / row.warm_s
            row.time_4000_s = row.warm_s
        else:
            row.note = "unavailable"
        rep.rows.append(row)
    rk_ok = timings[0] is not None

    # ---- riskkit at 100k in this process (1M runs in a child: see _children)
    if rk_ok:
        fn = rk_call(bars, "100k")
        t0 = time.perf_counter()
        fn()
        first = time.perf_counter() - t0
        per = []
        for _ in range(2 if settings.quick else 3):
            t0 = time.perf_counter()
            fn()
            per.append(time.perf_counter() - t0)
        rep.scaling.append(
            Scale(
                size="100k",
                configs=n_configs("100k"),
                warm_s=statistics.median(per),
                warm_min_s=min(per),
                repeats=len(per),
                where=f"this process (first call at this size {first:.2f} s, excluded)",
            )
        )
        print(f"  riskkit sweep 100k configs: median {statistics.median(per):.2f} s")
        del fn

    # ---- the per-configuration libraries, on a sample
    cfgs_all = sample_configs(max(sample_n.values()))
    finals: dict[str, Any] = {}
    for impl in (BTPY, BTR):
        cfgs = cfgs_all[: sample_n[impl]]
        try:
            first_fn = sampled_call(impl, bars, cfgs[:1])
            fn = sampled_call(impl, bars, cfgs)
        except ImportError as exc:
            rep.skipped.append(f"{LABELS[impl]}: {exc}")
            continue
        t0 = time.perf_counter()
        first_fn()
        first = time.perf_counter() - t0
        passes = []
        for _ in range(SAMPLE_PASSES[impl] if not settings.quick else 1):
            t0 = time.perf_counter()
            finals[impl] = fn()
            passes.append(time.perf_counter() - t0)
        total = statistics.median(passes)
        per_cfg = total / len(cfgs)
        rep.rows.append(
            Row(
                impl=impl,
                label=LABELS[impl],
                configs_timed=len(cfgs),
                sampled=True,
                warm_s=total,
                warm_min_s=min(passes),
                repeats=len(passes),
                first_call_s=first,
                configs_per_s=1 / per_cfg,
                time_4000_s=per_cfg * n4k,
                note=f"{len(cfgs)} random configs (seed {SEED}); 4,000 extrapolated",
            )
        )
        print(f"  {LABELS[impl]:<56} {len(cfgs)} configs {total:8.2f} s -> {1 / per_cfg:.1f}/s")

    # ---- agreement
    vb = vbt_finals(vbt_call(bars)())
    if not rk_ok:
        rep.notes.append(
            "Agreement checks against riskkit skipped: riskkit's grid-native sweep is not "
            "available in this checkout."
        )
        return
    rk = rk_finals(rk_call(bars, "4k")())
    _agree(
        rep,
        rk,
        vb,
        what=f"final equity, all {len(vb):,} configs",
        versus="raw vectorbt",
        note=(
            "vectorbt's own contract differs: stops are checked from the bar after the entry "
            "(not on the entry bar's range) and stop/target exits get no slippage "
            "(StopExitPrice.StopLimit), so a gap is expected"
        ),
    )
    for impl, note in (
        (
            BTPY,
            "same contract except: backtesting.py charges its spread once, on the entry "
            f"price (set to {BTPY_SPREAD:.4%} so a round trip costs 2 x 10 bp; a position "
            "still open at the end therefore carries 10 bp more cost, the typical ~0.1% "
            "gap), fees on the unslipped price and whole units (prices scaled by 1e-8); it "
            "checks stops and "
            "targets on the entry bar's range (SL first on an ambiguous bar, like riskkit's "
            "stop_first) and fills gaps at the open; but its SL orders are always processed "
            "first, so on a bar that opens through the target and then trades down to the "
            "stop it fills the stop, where riskkit fills the target at the open (the "
            "larger gaps in this row)",
        ),
        (
            BTR,
            "backtrader activates bracket children on the bar after the entry (no stop check "
            "on the entry bar's range), trails the stop from closes (StopTrail) not highs, "
            "and fills an in-session target at the limit without slippage; gaps fill at the "
            "open with slippage",
        ),
    ):
        if impl in finals:
            got = pd.Series(finals[impl])
            got.index = pd.MultiIndex.from_tuples(list(finals[impl]), names=rk.index.names)
            _agree(
                rep,
                got,
                rk,
                what=f"final equity, {len(got)} sampled configs",
                versus=impl,
                note=note,
            )


def _agree(
    rep: SweepReport, a: pd.Series, b: pd.Series, *, what: str, versus: str, note: str
) -> None:
    rel = _rel(a, b)
    worst = _cfg_label(rel.idxmax()) if len(rel) else ""
    rep.checks.append(
        Agreement(
            what=what,
            versus=versus,
            n=len(rel),
            max_rel_diff=float(rel.max()),
            median_rel_diff=float(rel.median()),
            worst=worst,
            note=note,
        )
    )
    print(
        f"  agreement {versus:<16} n={len(rel):5d} max rel {rel.max():.2e} median {rel.median():.2e}"
    )


def _children(
    rep: SweepReport, data: Path, work: Path, settings: Settings, sample_n: dict[str, int]
) -> None:
    by = {r.impl: r for r in rep.rows}
    for impl in (RK, VBT, BTPY, BTR):
        row = by.get(impl)
        if row is None or row.note == "unavailable":
            continue
        cache = tempfile.mkdtemp(prefix=f"numba-{impl}-", dir=work)
        args = ["--child", impl, "--data", str(data)]
        if impl in PER_CONFIG:
            args += ["--sample", str(sample_n[impl])]
        row.cold = spawn(args, cache)
        row.second = spawn(args, cache)
        for tag, r in (("cold", row.cold), ("second", row.second)):
            msg = r.get("error") or r.get("unavailable")
            print(
                f"  {impl:<16} {tag:<7} "
                + (
                    msg
                    or f"wall {r['wall_s']:6.2f} s call {r['call_s']:6.2f} s "
                    f"RSS {r['maxrss_mib']:.0f} MiB numba compilations {r.get('numba_compiles', '-')}"
                )
            )
        if impl == RK:
            scale100 = next((s for s in rep.scaling if s.size == "100k"), None)
            if scale100 is not None:
                scale100.child = spawn([*args, "--size", "100k"], cache)
                _print_child("100k", scale100.child)
            if not settings.quick:
                big = spawn(
                    [*args, "--size", "1M", "--warmup", "--repeat", "2"], cache, timeout=900
                )
                sc = Scale(
                    size="1M",
                    configs=n_configs("1M"),
                    where="child process, after a 4k warm-up sweep",
                    child=big,
                )
                if "calls_s" in big:
                    sc.warm_s = statistics.median(big["calls_s"])
                    sc.warm_min_s = min(big["calls_s"])
                    sc.repeats = len(big["calls_s"])
                rep.scaling.append(sc)
                _print_child("1M", big)


def _print_child(size: str, r: dict[str, Any]) -> None:
    msg = r.get("error") or r.get("unavailable")
    print(
        f"  riskkit {size:<8} child "
        + (msg or f"call {r['call_s']:.2f} s RSS {r['maxrss_mib']:.0f} MiB")
    )


def _goals(rep: SweepReport) -> None:
    by = {r.impl: r for r in rep.rows}
    rk = by.get(RK)
    if rk is None or not math.isfinite(rk.warm_s):
        return
    for impl, key, name in (
        (VBT, "vs_vectorbt", "raw vectorbt"),
        (BTPY, "vs_backtesting", "backtesting.py"),
    ):
        r = by.get(impl)
        if r is not None and math.isfinite(r.time_4000_s):
            ratio = r.time_4000_s / rk.warm_s
            goal = TARGETS_GOAL[key]
            peer_min = r.warm_min_s * (n_configs("4k") / r.configs_timed)
            rep.goals.append(
                Goal(
                    f"riskkit vs {name}, {n_configs('4k'):,} configs (warm)",
                    ratio,
                    f">= {goal:,.0f}x",
                    ratio >= goal,
                    detail=f"ratio of medians; ratio of mins {peer_min / rk.warm_min_s:,.1f}x",
                )
            )
    for sc in rep.scaling:
        if sc.size == "100k":
            rep.goals.append(
                Goal(
                    "riskkit 100k configs, warm s",
                    sc.warm_s,
                    f"< {TARGETS_GOAL['100k_s']:.0f} s",
                    sc.warm_s < TARGETS_GOAL["100k_s"],
                )
            )
            rss = float(sc.child.get("maxrss_mib", math.nan))
            rep.goals.append(
                Goal(
                    "riskkit 100k configs, peak RSS MiB (child)",
                    rss,
                    "< 1,024 MiB",
                    rss < TARGETS_GOAL["100k_rss_mib"] if math.isfinite(rss) else None,
                )
            )
        if sc.size == "1M":
            ok = sc.warm_s < TARGETS_GOAL["1M_s"] if math.isfinite(sc.warm_s) else None
            rep.goals.append(
                Goal(
                    "riskkit 1M configs, warm s (child)",
                    sc.warm_s,
                    f"< {TARGETS_GOAL['1M_s']:.0f} s",
                    ok,
                )
            )


def _notes(rep: SweepReport) -> None:
    for r in rep.rows:
        sec, n = r.second, r.second.get("numba_compiles")
        if n is None or "call_s" not in sec or not math.isfinite(r.warm_s):
            continue
        extra = sec["call_s"] - r.warm_s
        if n == 0:
            rep.notes.append(
                f"{r.label}: the second process compiled nothing (0 numba compilations); its "
                f"first call still took {extra:.2f} s more than a warm call: one-off work other "
                "than compilation (loading numba's cached code, lazy imports inside the call)."
            )
        else:
            rep.notes.append(
                f"{r.label}: the second process compiled {n} function(s) again despite the "
                f"filled cache ({', '.join(sec.get('numba_compiled', [])[:3])}), so every new "
                f"process pays ~{extra:.1f} s before its first result."
            )
    rep.notes += [
        "warm = steady state in the benchmark process after a first call; riskkit and "
        "vectorbt rows are timed side by side with their repeats interleaved "
        "(`_harness.run_group`); backtesting.py and backtrader time whole passes over their "
        "sample after a one-config first call (3 and 2 passes; the median pass is the warm "
        "time), and their 4,000-config time is that pass's per-config mean x 4,000.",
        "cold = wall time of a fresh child process with an empty NUMBA_CACHE_DIR: interpreter "
        "start, library import, reading the pickled bars, one call. second process = the same "
        "child again on the now-filled cache directory; if its call is close to the warm "
        "time nothing compiles again, if it is close to the cold call something recompiles "
        "(numba cannot cache functions that take other jitted functions as arguments).",
        "peak RSS = the peak resident set (Linux VmHWM) of the child doing the run "
        "(interpreter, imports and data included; the peak after the imports is in "
        "sweep.json). The second-process column uses the second child.",
        "numba compilations are counted in the children with numba's `numba:compile` "
        "events during the call; functions loaded from the on-disk cache fire none.",
        "backtesting.py: finalize_trades=False on purpose: with True it closes the open trade "
        "at the last bar's open and charges a commission, while riskkit (and vectorbt) value "
        "an open position at the last close; the equity curve's last value is compared.",
    ]


# ---------------------------------------------------------------- output
def peer_versions() -> dict[str, str]:
    """Versions of the libraries only this case uses (added to the machine record)."""
    return {d: dist_version(d) for d in ("backtesting", "backtrader")}


def _s(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if x >= 100:
        return f"{x:,.0f}{unit}"
    if x >= 1:
        return f"{x:.2f}{unit}"
    return f"{x:.3f}{unit}"


def _child_cell(r: dict[str, Any], warm: float | None = None) -> str:
    if not r:
        return "n/a"
    if "error" in r or "unavailable" in r:
        return "failed: " + str(r.get("error") or r.get("unavailable"))[:60]
    cell = f"{_s(r['wall_s'])} (import {_s(r['import_s'])} + call {_s(r['call_s'])})"
    if warm is not None and math.isfinite(warm) and warm > 0:
        cell += f", call = {r['call_s'] / warm:.1f}x warm"
    if "numba_compiles" in r:
        n = r["numba_compiles"]
        cell += f"; {n} numba compilation{'s' if n != 1 else ''}"
        if n and r.get("numba_compiled"):
            cell += " (" + ", ".join(f"`{x}`" for x in r["numba_compiled"][:3]) + ")"
    return cell


def conclusion(rep: SweepReport) -> list[str]:
    """Plain-words summary generated from the numbers."""
    by = {r.impl: r for r in rep.rows}
    rk = by.get(RK)
    out = []
    if rk is None or not math.isfinite(rk.warm_s):
        out.append(
            "riskkit's grid-native sweep is not available in this checkout, so only the "
            "peers were measured: "
            + "; ".join(
                f"{r.label}: {_s(r.time_4000_s)} s for {n_configs('4k'):,} configs"
                + (" (extrapolated)" if r.sampled else "")
                for r in rep.rows
                if math.isfinite(r.time_4000_s)
            )
            + "."
        )
        return out
    out.append(
        f"riskkit's sweep ran the {n_configs('4k'):,} configurations in {_s(rk.warm_s)} s warm "
        f"({rk.configs_per_s:,.0f} configs/s)."
    )
    for g in rep.goals:
        verdict = "target met" if g.met else ("target missed" if g.met is False else "not measured")
        unit = "x" if "vs" in g.what else ""
        out.append(f"{g.what}: {_s(g.value)}{unit} ({g.target}: {verdict}).")
    return out


def markdown(rep: SweepReport, machine_md: str, mode: str) -> str:
    md = [
        "# riskkit backtest-sweep benchmark",
        "",
        "Generated by `python bench/run.py sweep`. Do not edit by hand; method in "
        "`bench/case_sweep.py` and `bench/README.md`.",
        "",
        "## Conclusion",
        "",
        *[f"- {c}" for c in conclusion(rep)],
        "",
        "## What is measured",
        "",
        rep.measures,
        "",
        "## Machine",
        "",
        machine_md,
        f"- {mode}",
        "",
        f"## {n_configs('4k'):,} configurations",
        "",
        "| implementation | configs timed | warm s (median / min, calls) | configs/s | "
        "4,000 configs s | first call here s | cold: fresh process, empty numba cache, s | "
        "second process, filled cache, s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in rep.rows:
        if r.note == "unavailable":
            md.append(f"| {r.label} | unavailable | | | | | | | |")
            continue
        rss = r.second.get("maxrss_mib", r.cold.get("maxrss_mib", math.nan))
        t4k = _s(r.time_4000_s) + (" (extrapolated)" if r.sampled else "")
        md.append(
            f"| {r.label} | {r.configs_timed:,} | {_s(r.warm_s)} / {_s(r.warm_min_s)}, {r.repeats} | "
            f"{_s(r.configs_per_s)} | {t4k} | {_s(r.first_call_s)} | {_child_cell(r.cold)} | "
            f"{_child_cell(r.second, r.warm_s)} | {_s(rss)} |"
        )
    md.append("")
    if rep.scaling:
        md += [
            "## riskkit at larger grids",
            "",
            "| configs | warm s (median / min, calls) | configs/s | where | second-process "
            "child: first call s | child peak RSS MiB |",
            "|---:|---:|---:|---|---:|---:|",
        ]
        for sc in rep.scaling:
            ch = sc.child
            first = "n/a" if "call_s" not in ch else _s(ch["call_s"])
            if ch.get("error"):
                first = "failed: " + ch["error"][:60]
            cps = sc.configs / sc.warm_s if math.isfinite(sc.warm_s) and sc.warm_s > 0 else math.nan
            md.append(
                f"| {sc.configs:,} | {_s(sc.warm_s)} / {_s(sc.warm_min_s)}, {sc.repeats} | "
                f"{_s(cps)} | {sc.where} | {first if sc.size != '1M' else 'n/a (after warm-up)'} | "
                f"{_s(ch.get('maxrss_mib', math.nan))} |"
            )
        md.append("")
    if rep.goals:
        md += [
            "## Targets",
            "",
            "| measure | value | target | met | detail |",
            "|---|---:|---|---|---|",
        ]
        for g in rep.goals:
            met = "yes" if g.met else ("no" if g.met is False else "n/a")
            md.append(f"| {g.what} | {_s(g.value)} | {g.target} | {met} | {g.detail} |")
        md.append("")
    if rep.checks:
        md += [
            "## Agreement with riskkit",
            "",
            "| quantity | compared with | configs | max relative diff | median relative diff "
            "| worst config | contract differences |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        for c in rep.checks:
            md.append(
                f"| {c.what} | {c.versus} | {c.n:,} | {c.max_rel_diff:.2%} | "
                f"{c.median_rel_diff:.2%} | {c.worst} | {c.note} |"
            )
        md.append("")
    md += ["## Notes", ""]
    md += [f"- {n}" for n in rep.notes]
    md += [f"- Not run: {s}" for s in rep.skipped]
    return "\n".join(md).rstrip() + "\n"


if __name__ == "__main__" and "--child" in sys.argv:
    raise SystemExit(_child(sys.argv[1:]))
