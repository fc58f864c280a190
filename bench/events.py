"""Case events: market-model event studies on placebo catalogs of 1,000 to 100,000 events,
riskkit vs the PyPI ``eventstudy`` package and two plain numpy baselines.

Data and catalogs
-----------------
REAL bundled inputs from ``riskkit.events.bundled_returns_and_factors()``: simple returns
of 11 miner tickers on 1,384 NYSE sessions, factor ``market`` = SPY total return. A placebo
catalog of ``n`` events draws a ticker uniformly, then day 0 uniformly among that ticker's
sessions with enough history (day 0 at least 260 sessions after the firm's first return;
firm and market returns complete over ``[-260, +1]``), with a fixed seed per size
(``np.random.default_rng([SEED, n])``). Every event is ``pre-market`` on a session date,
so day 0 is its date under every implementation. Draws are with replacement: at 10,000
events most (ticker, day) pairs occur several times, which is what a big catalog of
overlapping news looks like.

Setup (the same for every implementation): market model, estimation window of 250
sessions ending 11 sessions before day 0 (``[-260, -11]``: estimation 250, gap 10), event
window ``[-1, +1]``.

Implementations
---------------
* riskkit ``event_study(catalog, returns=..., factors=..., calendar="returns",
  windows=[(-1, 1)], overlap="keep")`` with its full default battery; at one size
  (10,000 by default) also the default ``overlap="exclude"``.
* ``eventstudy`` 0.1a12 (PyPI): ``Single.import_returns`` then ``Multiple.from_list``
  with ``Single.market_model``, ``estimation_size=250``, ``buffer_size=9`` (its buffer
  counts from the event window's first day, so 9 gives the same ``[-260, -11]``).
* numpy loop: per event ``np.linalg.lstsq`` on its estimation window, AR, CAR and the
  MacKinlay (1997) t.
* vectorised numpy: the normal equations of every event stacked into ``(n, 2, 2)``
  arrays (``einsum`` + batched ``np.linalg.solve``), same outputs.

Method
------
Each (size, implementation) runs in its own child process (``python bench/events.py
--child ...``) that imports the library, reads the pickled inputs, runs the
implementation once on a 50-event catalog (numba caches, lazy imports), then times the
call on the real catalog (repeated up to 3 times when there is time; median and min
reported). Peak memory is the child's peak resident set (Linux ``VmHWM``), the whole
process (interpreter, imports, data, the warm-up and the timed calls). The parent kills a
child that runs longer than the per-case budget (``--timeout``) or whose resident set
passes ``--max-rss-gib``, and writes "timeout after N s" instead of a time; an
implementation that timed out at one size is not started at the larger ones.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _data import SEED  # noqa: E402
from _harness import Goal, dist_version  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
ESTIMATION, GAP = 250, 10
WINDOW = (-1, 1)
#: day 0 at least this many sessions after the firm's first return (= GAP + ESTIMATION)
HISTORY = GAP + ESTIMATION
#: size of the warm-up catalog each child runs first (untimed in the results)
WARM_EVENTS = 50
#: size at which riskkit's default overlap="exclude" is also run
EXCLUDE_AT = 10_000
#: timed calls per child at most; more than one only while the budget leaves room
MAX_CALLS = 3
#: per-case budget (child wall time, seconds) and memory cap
TIMEOUT_S = 900.0
MAX_RSS_GIB = 0.5 * ((os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) / 1024**3)

RK, RK_EXCL, ES, NP_LOOP, NP_VEC = "riskkit", "riskkit_exclude", "eventstudy", "np_loop", "np_vec"
IMPLS = (RK, RK_EXCL, ES, NP_LOOP, NP_VEC)
LABELS = {
    RK: "riskkit event_study (overlap='keep', full battery)",
    RK_EXCL: "riskkit event_study (overlap='exclude', the default; full battery)",
    ES: "eventstudy 0.1a12 Multiple.from_list(Single.market_model)",
    NP_LOOP: "numpy loop (np.linalg.lstsq per event)",
    NP_VEC: "vectorised numpy (stacked normal equations)",
}
SHORT = {RK: "riskkit", ES: "eventstudy", NP_LOOP: "numpy loop", NP_VEC: "vectorised numpy"}
#: the issue's targets
GOAL_10K_S = 2.0
GOAL_VS_ES = 2.5
GOAL_100K_S = 20.0
GOAL_100K_MIB = 2e9 / 1024**2  # 2 GB = 2e9 bytes
GOAL_GROWTH = 12.0
MARKET_COL = "MARKET"  # the market column's name in eventstudy's returns file


# ---------------------------------------------------------------- data and catalogs
def load_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bundled firm returns (sessions x 11 miners) and the ``market`` factor frame."""
    from riskkit.events import bundled_returns_and_factors

    rets, facs, _ = bundled_returns_and_factors()
    return rets, facs[["market"]]


def eligible_positions(rets: pd.DataFrame, mkt: pd.Series) -> dict[str, np.ndarray]:
    """Per ticker, the session positions that can be day 0.

    Day 0 at least ``HISTORY`` sessions after the firm's first return, and firm and
    market returns complete over ``[-HISTORY, WINDOW[1]]``.
    """
    x_ok = mkt.notna().to_numpy()
    out = {}
    lo, hi = -HISTORY, WINDOW[1]
    for tk in rets.columns:
        ok = rets[tk].notna().to_numpy() & x_ok
        first = int(np.argmax(ok)) if ok.any() else len(ok)
        cum = np.concatenate([[0], np.cumsum(ok)])
        p = np.arange(len(ok))
        valid = (p + lo >= 0) & (p + hi < len(ok)) & (p - first >= HISTORY)
        q = p[valid]
        valid[q] = cum[q + hi + 1] - cum[q + lo] == hi - lo + 1
        out[str(tk)] = p[valid]
    return out


def placebo_catalog(
    n: int, rets: pd.DataFrame, eligible: dict[str, np.ndarray], *, seed: Sequence[int]
) -> pd.DataFrame:
    """``n`` random (ticker, day 0) events; also the column index and session position."""
    rng = np.random.default_rng(list(seed))
    tickers = [t for t in rets.columns if len(eligible[str(t)])]
    pick = rng.integers(0, len(tickers), size=n)
    col = np.array([rets.columns.get_loc(tickers[k]) for k in range(len(tickers))])[pick]
    pos = np.empty(n, dtype=np.int64)
    for k, tk in enumerate(tickers):
        sel = pick == k
        pool = eligible[str(tk)]
        pos[sel] = pool[rng.integers(0, len(pool), size=int(sel.sum()))]
    dates = pd.DatetimeIndex(rets.index)[pos]
    return pd.DataFrame(
        {
            "event_id": [f"P{n}-{i:06d}" for i in range(n)],
            "ticker": [str(rets.columns[c]) for c in col],
            "date": dates.strftime("%Y-%m-%d"),
            "timing": "pre-market",
            "event_type": "placebo",
            "col": col,
            "pos": pos,
        }
    )


CATALOG_COLUMNS = ["event_id", "ticker", "date", "timing", "event_type"]


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def rk_call(
    cat: pd.DataFrame, rets: pd.DataFrame, mkt: pd.DataFrame, overlap: Literal["keep", "exclude"]
) -> Callable[[], Any]:
    from riskkit.events import event_study

    ev = cat[CATALOG_COLUMNS]

    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one warning per skipped event
            return event_study(
                ev,
                returns=rets,
                factors=mkt,
                model="market",
                estimation=ESTIMATION,
                gap=GAP,
                calendar="returns",
                windows=[WINDOW],
                overlap=overlap,
            )

    return run


def rk_outputs(res: Any, cat: pd.DataFrame) -> dict[str, Any]:
    """CAR and t per catalog row (NaN where skipped), and the skipped count."""
    cars = res.cars
    if "window" in cars.columns:
        cars = cars[cars["window"].astype(str).str.replace(" ", "") == f"[{WINDOW[0]},{WINDOW[1]}]"]
    by = cars.set_index("event_id")
    ids = cat["event_id"]
    skipped = res.skipped
    reason = ""
    if len(skipped):
        reason = str(skipped["reason"].iloc[0]) if "reason" in skipped.columns else ""
    return {
        "car": by["car"].reindex(ids).to_numpy(dtype=float),
        "t": by["t"].reindex(ids).to_numpy(dtype=float),
        "skipped": len(skipped),
        "estimated": int(by.index.nunique()),
        "skip_reason": reason,
    }


def es_prepare(rets: pd.DataFrame, mkt: pd.DataFrame, work: Path) -> float:
    """Write the returns file ``eventstudy`` reads and import it; seconds taken."""
    import eventstudy as es

    path = work / "eventstudy_returns.csv"
    if not path.exists():
        df = rets.copy()
        df[MARKET_COL] = mkt["market"].to_numpy()
        df.index = pd.DatetimeIndex(df.index).strftime("%Y-%m-%d")
        df.index.name = "date"
        df.to_csv(path, float_format="%.17g")
    t0 = time.perf_counter()
    es.Single.import_returns(str(path))  # class-level state shared by every Single
    return time.perf_counter() - t0


def es_call(cat: pd.DataFrame) -> Callable[[], Any]:
    import eventstudy as es

    # event_id is passed through **kwargs (ignored by market_model), so errors can be traced
    events = [
        {
            "event_id": eid,
            "security_ticker": tk,
            "market_ticker": MARKET_COL,
            "event_date": np.datetime64(d),
        }
        for eid, tk, d in zip(cat["event_id"], cat["ticker"], cat["date"], strict=True)
    ]

    def run() -> Any:
        return es.Multiple.from_list(
            [dict(e) for e in events],
            es.Single.market_model,
            event_window=WINDOW,
            estimation_size=ESTIMATION,
            buffer_size=GAP + WINDOW[0],
        )

    return run


def es_outputs(agg: Any, cat: pd.DataFrame) -> dict[str, Any]:
    failed = {e.get("event_id") for e in (agg.errors or [])}
    ok_ids = [e for e in cat["event_id"] if e not in failed]
    car = pd.Series([float(ev.CAR[-1]) for ev in agg.sample], index=ok_ids)
    t = pd.Series([float(ev.tstat[-1]) for ev in agg.sample], index=ok_ids)
    ids = cat["event_id"]
    return {
        "car": car.reindex(ids).to_numpy(dtype=float),
        "t": t.reindex(ids).to_numpy(dtype=float),
        "skipped": len(failed),
        "estimated": len(ok_ids),
        "skip_reason": str((agg.errors or [{}])[0].get("error_msg", "")) if failed else "",
    }


# ---------------------------------------------------------------- the numpy baselines
def numpy_loop(y: np.ndarray, x: np.ndarray, col: np.ndarray, pos: np.ndarray) -> dict:
    """Per event: ``lstsq`` on ``[-GAP-ESTIMATION, -GAP-1]``, AR and CAR over the window,
    ``t = CAR / sqrt(s^2 (L + g'(X'X)^{-1} g))`` with ``s^2 = e'e / (M - 2)``."""
    a, b = WINDOW
    n_win = b - a + 1
    car = np.empty(len(pos))
    t = np.empty(len(pos))
    for i, (k, p) in enumerate(zip(col, pos, strict=True)):
        lo, hi = p - GAP - ESTIMATION, p - GAP
        xe = np.column_stack((np.ones(hi - lo), x[lo:hi]))
        ye = y[lo:hi, k]
        coef = np.linalg.lstsq(xe, ye, rcond=None)[0]
        e = ye - xe @ coef
        s2 = (e @ e) / (len(ye) - 2)
        xw = np.column_stack((np.ones(n_win), x[p + a : p + b + 1]))
        c = float(np.sum(y[p + a : p + b + 1, k] - xw @ coef))
        g = xw.sum(axis=0)
        var = s2 * (n_win + g @ np.linalg.inv(xe.T @ xe) @ g)
        car[i], t[i] = c, c / math.sqrt(var)
    return {"car": car, "t": t}


def numpy_vectorised(y: np.ndarray, x: np.ndarray, col: np.ndarray, pos: np.ndarray) -> dict:
    """The same outputs with every event's normal equations stacked: ``(n, M, 2)``
    designs, ``X'X`` and ``X'y`` by ``einsum``, one batched ``np.linalg.solve``."""
    a, b = WINDOW
    est = pos[:, None] + np.arange(-GAP - ESTIMATION, -GAP)[None, :]  # (n, M)
    win = pos[:, None] + np.arange(a, b + 1)[None, :]  # (n, L)
    ye, yw = y[est, col[:, None]], y[win, col[:, None]]
    xe = np.stack((np.ones(est.shape), x[est]), axis=-1)  # (n, M, 2)
    xw = np.stack((np.ones(win.shape), x[win]), axis=-1)  # (n, L, 2)
    xtx = np.einsum("nmi,nmj->nij", xe, xe)
    xty = np.einsum("nmi,nm->ni", xe, ye)
    coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
    e = ye - np.einsum("nmi,ni->nm", xe, coef)
    s2 = np.einsum("nm,nm->n", e, e) / (ye.shape[1] - 2)
    car = (yw - np.einsum("nli,ni->nl", xw, coef)).sum(axis=1)
    g = xw.sum(axis=1)
    quad = np.einsum("ni,nij,nj->n", g, np.linalg.inv(xtx), g)
    var = s2 * (win.shape[1] + quad)
    return {"car": car, "t": car / np.sqrt(var)}


# ---------------------------------------------------------------- child processes
def _status_kib(key: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return math.nan


def _peak_mib() -> float:
    """Peak resident set of this process, MiB (Linux ``VmHWM``; ``ru_maxrss`` elsewhere)."""
    v = _status_kib("VmHWM")
    if math.isfinite(v):
        return v / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


def _child(argv: list[str]) -> int:
    """Run one implementation on one catalog in this (fresh) process; print a JSON line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", required=True, choices=IMPLS)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--deadline", type=float, required=True, help="time.time() when killed")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    out: dict[str, Any] = {"impl": a.child, "n": a.n}
    t0 = time.perf_counter()
    if a.child in (RK, RK_EXCL):
        import riskkit.events  # noqa: F401
    elif a.child == ES:
        import eventstudy  # noqa: F401
    out["import_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rets, mkt = _load(a.work / "inputs.pkl")
    cat, warm = _load(a.work / f"catalog-{a.n}.pkl"), _load(a.work / "catalog-warm.pkl")
    out["data_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if a.child in (RK, RK_EXCL):
        overlap: Literal["keep", "exclude"] = "keep" if a.child == RK else "exclude"
        warm_fn, fn = rk_call(warm, rets, mkt, overlap), rk_call(cat, rets, mkt, overlap)
    elif a.child == ES:
        out["import_returns_s"] = es_prepare(rets, mkt, a.work)
        warm_fn, fn = es_call(warm), es_call(cat)
    else:
        y = rets.to_numpy(dtype=float)
        x = mkt["market"].to_numpy(dtype=float)
        f = numpy_loop if a.child == NP_LOOP else numpy_vectorised

        def _np(c: pd.DataFrame) -> Callable[[], dict]:
            col, pos = c["col"].to_numpy(), c["pos"].to_numpy()
            return lambda: f(y, x, col, pos)

        warm_fn, fn = _np(warm), _np(cat)
    out["setup_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm_fn()
    out["warmup_s"] = time.perf_counter() - t0
    out["rss_before_call_mib"] = _rss_mib()
    calls: list[float] = []
    res: Any = None
    while len(calls) < MAX_CALLS:
        res = None  # the previous result is not kept alive during the next call
        t0 = time.perf_counter()
        res = fn()
        calls.append(time.perf_counter() - t0)
        left = a.deadline - time.time()
        if max(calls) * 1.5 > left * 0.7:
            break
    out["calls_s"] = calls
    out["peak_rss_mib"] = _peak_mib()
    if a.child in (RK, RK_EXCL):
        got = rk_outputs(res, cat)
    elif a.child == ES:
        got = es_outputs(res, cat)
    else:
        got = {**res, "skipped": 0, "estimated": len(cat), "skip_reason": ""}
    np.save(a.work / f"car-{a.child}-{a.n}.npy", np.asarray(got["car"], dtype=float))
    np.save(a.work / f"t-{a.child}-{a.n}.npy", np.asarray(got["t"], dtype=float))
    out.update({k: got[k] for k in ("skipped", "estimated", "skip_reason")})
    print(json.dumps(out))
    return 0


def _dump(obj: Any, path: Path) -> None:
    with path.open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path) -> Any:
    with path.open("rb") as fh:
        return pickle.load(fh)  # written by this benchmark's parent process


def _proc_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return math.nan


def spawn(impl: str, n: int, work: Path, *, timeout: float, max_rss_mib: float) -> dict[str, Any]:
    """Run one child, polling its resident set; kill it past ``timeout`` or the cap."""
    env = dict(os.environ, RISKKIT_OFFLINE="1", PYTHONWARNINGS="ignore")
    args = ["--child", impl, "--n", str(n), "--work", str(work)]
    args += ["--deadline", repr(time.time() + timeout)]
    out_p, err_p = work / f"{impl}-{n}.out", work / f"{impl}-{n}.err"
    seen = 0.0
    stop = ""
    t0 = time.perf_counter()
    with out_p.open("w") as fo, err_p.open("w") as fe:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *args], stdout=fo, stderr=fe, env=env
        )
        while True:
            try:
                proc.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                pass
            rss = _proc_rss_mib(proc.pid)
            if math.isfinite(rss):
                seen = max(seen, rss)
            elapsed = time.perf_counter() - t0
            if elapsed > timeout:
                stop = f"timeout after {timeout:.0f} s"
            elif seen > max_rss_mib:
                stop = (
                    f"stopped at {elapsed:.0f} s: resident set above the {max_rss_mib:,.0f} MiB cap"
                )
            if stop:
                proc.kill()  # this child only, by its own handle
                proc.wait()
                break
    wall = time.perf_counter() - t0
    base = {"wall_s": wall, "rss_seen_mib": seen}
    if stop:
        return {**base, "error": stop, "stopped": True}
    lines = [ln for ln in out_p.read_text().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (err_p.read_text() or out_p.read_text()).strip().splitlines()[-3:]
        return {**base, "error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return {**json.loads(lines[-1]), **base}


# ---------------------------------------------------------------- results
@dataclass
class Run:
    """One implementation on one catalog size (one child process)."""

    impl: str
    n: int
    status: str = "ok"
    warm_s: float = math.nan  # median of the timed calls
    warm_min_s: float = math.nan
    calls: int = 0
    ms_per_event: float = math.nan
    peak_rss_mib: float = math.nan
    child: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Agreement:
    n: int
    versus: str
    quantity: str
    compared: int
    max_abs_diff: float
    note: str


@dataclass
class EventsReport:
    sizes: list[int]
    timeout_s: float
    max_rss_mib: float
    exclude_at: int
    eligible: dict[str, int] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    checks: list[Agreement] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    duplicates: dict[int, int] = field(default_factory=dict)
    wall_s: float = math.nan

    def get(self, impl: str, n: int) -> Run | None:
        return next((r for r in self.runs if r.impl == impl and r.n == n), None)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = d.pop("goals")
        return d


def _to_run(impl: str, n: int, ch: dict[str, Any]) -> Run:
    r = Run(impl=impl, n=n, child=ch)
    if "error" in ch:
        r.status = str(ch["error"])
        return r
    calls = ch["calls_s"]
    r.warm_s, r.warm_min_s, r.calls = statistics.median(calls), min(calls), len(calls)
    r.ms_per_event = r.warm_s / n * 1e3
    r.peak_rss_mib = float(ch["peak_rss_mib"])
    return r


def _agree(rep: EventsReport, n: int, impl: str, work: Path) -> None:
    rk, other = rep.get(RK, n), rep.get(impl, n)
    if rk is None or other is None or not (rk.ok and other.ok):
        return
    for q in ("car", "t"):
        a = np.load(work / f"{q}-{RK}-{n}.npy")
        b = np.load(work / f"{q}-{impl}-{n}.npy")
        both = np.isfinite(a) & np.isfinite(b)
        diff = float(np.max(np.abs(a[both] - b[both]))) if both.any() else math.nan
        if impl == ES and q == "t":
            note = (
                "different definition by design: eventstudy's variance is np.var of the "
                "estimation residuals (divided by M, not M - 2) times L, with no "
                "estimation-error term, and df = M - 1"
            )
        elif impl == ES:
            note = "same estimation sample [-260, -11] (buffer_size=9), statsmodels OLS"
        else:
            note = "same model and sample; t with Var(CAR) = s^2 (L + g'(X'X)^-1 g)"
        rep.checks.append(
            Agreement(
                n=n,
                versus=SHORT[impl],
                quantity="CAR [-1,+1]" if q == "car" else "per-event t",
                compared=int(both.sum()),
                max_abs_diff=diff,
                note=note,
            )
        )
        print(f"  agreement n={n:,} {SHORT[impl]:<16} {q:<3} max abs diff {diff:.2e}")


def run(
    *,
    sizes: Sequence[int] = SIZES,
    timeout: float = TIMEOUT_S,
    max_rss_gib: float = MAX_RSS_GIB,
    exclude_at: int = EXCLUDE_AT,
) -> EventsReport:
    """Build the catalogs, run every (size, implementation) child, compare, score."""
    t_start = time.perf_counter()
    sizes = sorted(set(int(s) for s in sizes))
    rep = EventsReport(
        sizes=list(sizes),
        timeout_s=timeout,
        max_rss_mib=max_rss_gib * 1024,
        exclude_at=exclude_at,
    )
    rets, mkt = load_inputs()
    elig = eligible_positions(rets, mkt["market"])
    rep.eligible = {k: len(v) for k, v in elig.items()}
    work = Path(tempfile.mkdtemp(prefix="riskkit-events-bench-"))
    try:
        _dump((rets, mkt), work / "inputs.pkl")
        _dump(placebo_catalog(WARM_EVENTS, rets, elig, seed=(SEED, 0)), work / "catalog-warm.pkl")
        for n in sizes:
            cat = placebo_catalog(n, rets, elig, seed=(SEED, n))
            rep.duplicates[n] = int(cat.duplicated(["ticker", "date"]).sum())
            _dump(cat, work / f"catalog-{n}.pkl")
        gave_up: dict[str, str] = {}
        for n in sizes:
            impls = [RK, *([RK_EXCL] if n == exclude_at else []), ES, NP_LOOP, NP_VEC]
            for impl in impls:
                if impl in gave_up:
                    rep.runs.append(Run(impl=impl, n=n, status=f"not run: {gave_up[impl]}"))
                    print(f"  {n:>7,} {impl:<16} not run ({gave_up[impl]})")
                    continue
                ch = spawn(impl, n, work, timeout=timeout, max_rss_mib=rep.max_rss_mib)
                r = _to_run(impl, n, ch)
                rep.runs.append(r)
                if ch.get("stopped"):
                    gave_up[impl] = f"{r.status} at {n:,} events"
                if r.ok:
                    print(
                        f"  {n:>7,} {impl:<16} {r.warm_s:9.3f} s ({r.ms_per_event:8.4f} ms/event, "
                        f"{r.calls} call(s)) peak RSS {r.peak_rss_mib:7.0f} MiB"
                    )
                else:
                    print(f"  {n:>7,} {impl:<16} {r.status}")
            for impl in (ES, NP_LOOP, NP_VEC):
                _agree(rep, n, impl, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _goals(rep)
    rep.wall_s = time.perf_counter() - t_start
    return rep


def _ratio_vs_es(rep: EventsReport, n: int) -> tuple[float, str]:
    """eventstudy ms/event over riskkit ms/event at ``n`` events (> 1: riskkit faster)."""
    rk, es = rep.get(RK, n), rep.get(ES, n)
    if rk is None or es is None:
        return math.nan, f"{n:,} not in --sizes"
    if not es.ok:
        return math.nan, f"eventstudy: {es.status}"
    if not rk.ok:
        return math.nan, f"riskkit: {rk.status}"
    return es.ms_per_event / rk.ms_per_event, (
        f"ratio of medians; ratio of mins {es.warm_min_s / rk.warm_min_s:.2f}x"
    )


def _growth(rep: EventsReport, impl: str, a: int = 10_000, b: int = 100_000) -> float:
    ra, rb = rep.get(impl, a), rep.get(impl, b)
    if ra is None or rb is None or not (ra.ok and rb.ok):
        return math.nan
    return rb.warm_s / ra.warm_s


def _time_goal(rep: EventsReport, n: int, goal: float, what: str) -> Goal:
    r = rep.get(RK, n)
    if r is None:
        return Goal(what, math.nan, f"< {goal:.0f} s", None, f"{n:,} not in --sizes")
    if not r.ok:
        stopped = r.child.get("stopped") and r.status.startswith("timeout")
        return Goal(what, math.nan, f"< {goal:.0f} s", False if stopped else None, r.status)
    return Goal(
        what,
        r.warm_s,
        f"< {goal:.0f} s",
        r.warm_s < goal,
        f"min {r.warm_min_s:.3g} s, {r.calls} call(s)",
    )


def _goals(rep: EventsReport) -> None:
    rep.goals.append(
        _time_goal(rep, 10_000, GOAL_10K_S, "riskkit, 10,000 events, full battery, warm s")
    )
    ratio, detail = _ratio_vs_es(rep, 10_000)
    met: bool | None = None if not math.isfinite(ratio) else ratio >= GOAL_VS_ES
    rk10, es10 = rep.get(RK, 10_000), rep.get(ES, 10_000)
    if rk10 is not None and es10 is not None and es10.ok and rk10.child.get("stopped"):
        # riskkit took longer than the budget: its speed-up is below es time / budget
        bound = es10.warm_s / rep.timeout_s
        if bound < GOAL_VS_ES:
            met, detail = False, f"riskkit {rk10.status}: ratio below {bound:.2f}x"
    rep.goals.append(
        Goal(
            "riskkit vs eventstudy per event, 10,000 events (eventstudy ms/event / riskkit ms/event)",
            ratio,
            f">= {GOAL_VS_ES}x",
            met,
            detail,
        )
    )
    rep.goals.append(_time_goal(rep, 100_000, GOAL_100K_S, "riskkit, 100,000 events, warm s"))
    r = rep.get(RK, 100_000)
    mem_goal = f"< 2 GB ({GOAL_100K_MIB:,.0f} MiB)"
    if r is None:
        rep.goals.append(
            Goal(
                "riskkit, 100,000 events, peak RSS MiB",
                math.nan,
                mem_goal,
                None,
                "100,000 not in --sizes",
            )
        )
    elif r.ok:
        rep.goals.append(
            Goal(
                "riskkit, 100,000 events, peak RSS MiB",
                r.peak_rss_mib,
                mem_goal,
                r.peak_rss_mib < GOAL_100K_MIB,
                "child process VmHWM",
            )
        )
    else:
        seen = float(r.child.get("rss_seen_mib", math.nan))
        over = math.isfinite(seen) and seen >= GOAL_100K_MIB
        rep.goals.append(
            Goal(
                "riskkit, 100,000 events, peak RSS MiB",
                seen if over else math.nan,
                mem_goal,
                False if over else None,
                f"{r.status}"
                + (f"; at least {seen:,.0f} MiB before it was stopped" if over else ""),
            )
        )
    g = _growth(rep, RK)
    rep.goals.append(
        Goal(
            "riskkit time growth, 10,000 -> 100,000 events (x)",
            g,
            f"<= {GOAL_GROWTH:.0f}x",
            None if not math.isfinite(g) else g <= GOAL_GROWTH,
            "ratio of median warm times" if math.isfinite(g) else "both sizes not measured",
        )
    )


# ---------------------------------------------------------------- output
def peer_versions() -> dict[str, str]:
    """Versions of the libraries only this case uses (added to the machine record)."""
    return {d: dist_version(d) for d in ("eventstudy",)}


def _s(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.01:
        return f"{x:.3f}"
    return f"{x:.2g}"


def _cell_s(r: Run | None) -> str:
    if r is None:
        return "n/a"
    return _s(r.warm_s) if r.ok else r.status


def _cell(r: Run | None, attr: str) -> str:
    if r is None or not r.ok:
        return ""
    return _s(getattr(r, attr))


def conclusion(rep: EventsReport) -> list[str]:
    """Plain-words summary generated from the numbers."""
    out = []
    for n in rep.sizes:
        rk, es = rep.get(RK, n), rep.get(ES, n)
        if rk is None:
            continue
        if rk.ok:
            line = (
                f"{n:,} events: riskkit took {_s(rk.warm_s)} s warm ({_s(rk.ms_per_event)} ms "
                f"per event, peak {_s(rk.peak_rss_mib)} MiB)"
            )
        else:
            line = f"{n:,} events: riskkit {rk.status}"
        if es is not None and es.ok:
            ratio, _ = _ratio_vs_es(rep, n)
            line += f"; eventstudy {_s(es.warm_s)} s ({_s(es.ms_per_event)} ms per event)"
            if math.isfinite(ratio):
                word = "faster" if ratio >= 1 else "slower"
                line += f", so riskkit is {max(ratio, 1 / ratio):.2f}x {word} per event"
        out.append(line + ".")
    worst = [c for c in rep.checks if c.quantity.startswith("CAR")]
    if worst:
        m = max(c.max_abs_diff for c in worst)
        out.append(
            f"The CARs agree: the largest difference from riskkit's over every compared catalog "
            f"and implementation is {m:.1e}."
        )
    for g in rep.goals:
        verdict = "met" if g.met else ("missed" if g.met is False else "not measured")
        out.append(
            f"Target {g.what} {g.target}: {verdict} ({_s(g.value)}{'; ' + g.detail if g.detail else ''})."
        )
    return out


def measures(rep: EventsReport) -> str:
    elig = ", ".join(f"{k} {v:,}" for k, v in rep.eligible.items())
    dup = ", ".join(f"{n:,} events: {d:,}" for n, d in rep.duplicates.items())
    return (
        "REAL bundled inputs (`riskkit.events.bundled_returns_and_factors()`): simple returns of "
        "11 miner tickers on 1,384 NYSE sessions; factor `market` = SPY total return. Placebo "
        f"catalogs: a ticker drawn uniformly, then day 0 drawn uniformly among its sessions with "
        f"at least {HISTORY} sessions since its first return and complete firm and market "
        f"returns over [-{HISTORY}, +{WINDOW[1]}] (eligible sessions: {elig}); seed "
        f"`np.random.default_rng([{SEED}, n])`, every event `pre-market` on a session date so "
        f"day 0 is its date. Draws are with replacement (repeated ticker-day pairs: {dup}). "
        f"Market model, estimation {ESTIMATION} sessions ending {GAP + 1} before day 0 "
        f"([-{GAP + ESTIMATION}, -{GAP + 1}]), event window [{WINDOW[0]}, +{WINDOW[1]}]. riskkit: "
        "`event_study(catalog, returns=rets, factors=facs[['market']], calendar='returns', "
        "windows=[(-1, 1)], overlap='keep')` with its full default battery (per-event t, BHAR, "
        "GHK quantile test; grouped Patell, BMP, Kolari-Pynnonen, rank, generalized sign, ...); "
        "its time includes validating the catalog and the returns. eventstudy, numpy loop and "
        "vectorised numpy compute the same per-event market-model CARs (the numpy versions also "
        "the per-event t) and nothing else."
    )


def markdown(rep: EventsReport, machine_md: str, mode: str, command: str) -> str:
    md = [
        "# riskkit event-study scaling benchmark",
        "",
        f"Generated by `{command}`. Do not edit by hand; method in `bench/events.py`.",
        "",
        "## Conclusion",
        "",
        *[f"- {c}" for c in conclusion(rep)],
        "",
        "## What is measured",
        "",
        measures(rep),
        "",
        "## Machine",
        "",
        machine_md,
        f"- {mode}",
        "",
        "## Results",
        "",
        "Warm seconds for the whole catalog (median of the timed calls in the child), ms per "
        "event = that / events, peak MiB = the child's peak resident set.",
        "",
        "| events | riskkit s | riskkit ms/event | riskkit peak MiB | eventstudy s | eventstudy "
        "ms/event | eventstudy peak MiB | numpy loop s | numpy loop ms/event | vectorised numpy s "
        "| vectorised numpy ms/event | riskkit speed-up vs eventstudy, per event |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in rep.sizes:
        rk, es, lp, vc = (rep.get(i, n) for i in (RK, ES, NP_LOOP, NP_VEC))
        ratio, _ = _ratio_vs_es(rep, n)
        md.append(
            f"| {n:,} | {_cell_s(rk)} | {_cell(rk, 'ms_per_event')} | {_cell(rk, 'peak_rss_mib')} "
            f"| {_cell_s(es)} | {_cell(es, 'ms_per_event')} | {_cell(es, 'peak_rss_mib')} "
            f"| {_cell_s(lp)} | {_cell(lp, 'ms_per_event')} | {_cell_s(vc)} "
            f"| {_cell(vc, 'ms_per_event')} | {_s(ratio) + 'x' if math.isfinite(ratio) else 'n/a'} |"
        )
    md.append("")
    growth = {i: _growth(rep, i) for i in (RK, ES, NP_LOOP, NP_VEC)}
    md.append(
        "Time growth from 10,000 to 100,000 events (10x the events): "
        + ", ".join(
            f"{SHORT[i]} {_s(g) + 'x' if math.isfinite(g) else 'n/a'}" for i, g in growth.items()
        )
        + "."
    )
    md.append("")
    ex = rep.get(RK_EXCL, rep.exclude_at)
    md += [
        f"## riskkit with the default overlap='exclude', {rep.exclude_at:,} events",
        "",
    ]
    if ex is None:
        md += [f"Not run: {rep.exclude_at:,} is not among the sizes of this run.", ""]
    else:
        keep = rep.get(RK, rep.exclude_at)
        md += [
            "| events | overlap | warm s | ms/event | peak MiB | events estimated | events skipped "
            "| first skip reason |",
            "|---:|---|---:|---:|---:|---:|---:|---|",
        ]
        for r, label in ((keep, "keep"), (ex, "exclude")):
            if r is None:
                continue
            ch = r.child
            md.append(
                f"| {r.n:,} | {label} | {_cell_s(r)} | {_cell(r, 'ms_per_event')} | "
                f"{_cell(r, 'peak_rss_mib')} | {ch.get('estimated', 'n/a') if r.ok else ''} | "
                f"{ch.get('skipped', 'n/a') if r.ok else ''} | {ch.get('skip_reason', '') if r.ok else ''} |"
            )
        md += [
            "",
            "With `exclude`, each event's estimation sample loses the [-1, +1] windows of the same "
            "firm's other events; in a dense placebo catalog that leaves fewer than "
            "`min_estimation_obs=100` returns for many events, which are skipped (listed with the "
            "reason in `result.skipped`). ms/event divides by all catalog events.",
            "",
        ]
    md += [
        "## Each child process",
        "",
        "| events | implementation | status | warm s (median / min, calls) | warm-up run on "
        f"{WARM_EVENTS} events s | import s | setup s | RSS before the timed call MiB | peak RSS "
        "MiB | child wall s |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rep.runs:
        ch = r.child
        if r.ok:
            setup = ch.get("setup_s", math.nan) + ch.get("data_s", 0.0)
            md.append(
                f"| {r.n:,} | {LABELS[r.impl]} | ok | {_s(r.warm_s)} / {_s(r.warm_min_s)}, {r.calls} | "
                f"{_s(ch.get('warmup_s'))} | {_s(ch.get('import_s'))} | {_s(setup)} | "
                f"{_s(ch.get('rss_before_call_mib'))} | {_s(r.peak_rss_mib)} | {_s(ch.get('wall_s'))} |"
            )
        else:
            seen = ch.get("rss_seen_mib")
            md.append(
                f"| {r.n:,} | {LABELS[r.impl]} | {r.status} | | | | | | "
                f"{'>= ' + _s(seen) + ' (polled)' if seen else ''} | {_s(ch.get('wall_s'))} |"
            )
    md += [
        "",
        "setup = reading the pickled inputs and building the call (for eventstudy: writing and "
        "importing its returns CSV with `Single.import_returns` and building the event list); "
        "none of it is in the warm time.",
        "",
    ]
    if rep.checks:
        md += [
            "## Agreement with riskkit",
            "",
            "riskkit run with overlap='keep' (the same estimation sample as the others); max "
            "absolute difference over every event of the catalog.",
            "",
            "| events | compared with | quantity | events compared | max abs diff | note |",
            "|---:|---|---|---:|---:|---|",
        ]
        for c in rep.checks:
            md.append(
                f"| {c.n:,} | {c.versus} | {c.quantity} | {c.compared:,} | {c.max_abs_diff:.2e} | {c.note} |"
            )
        md.append("")
    md += [
        "## Targets",
        "",
        "| measure | value | target | met | detail |",
        "|---|---:|---|---|---|",
    ]
    for g in rep.goals:
        met = "yes" if g.met else ("no" if g.met is False else "not measured")
        md.append(f"| {g.what} | {_s(g.value)} | {g.target} | {met} | {g.detail} |")
    md += ["", "## eventstudy 0.1a12: how the setup maps, and what it cannot do", ""]
    md += [f"- {x}" for x in ES_NOTES]
    md += ["", "## Notes", ""]
    md += [f"- {x}" for x in NOTES]
    return "\n".join(md).rstrip() + "\n"


ES_NOTES = [
    "Windows: `Single._get_parameters` slices `estimation_size + buffer_size + window` rows "
    "ending at the window's last day; its buffer counts from the event window's first day "
    "(T1), not from day 0. riskkit's gap 10 with window [-1, +1] is therefore "
    "`buffer_size=9`, which gives the identical estimation window [-260, -11]; the CARs above "
    "confirm it.",
    "Day 0: `get_index_of_date` looks for the exact date, then up to 4 calendar days later; it "
    "knows no event timing (pre-market / after close / unknown) and no exchange calendar. The "
    "placebo events are pre-market on session dates, so day 0 is the same.",
    "Model: statsmodels OLS on the estimation rows with no missing-value handling (a NaN in "
    "the estimation window gives NaN results; riskkit drops incomplete rows and skips events "
    "with fewer than 100). The placebo events are drawn with complete data, so the samples "
    "are the same.",
    "No overlap handling: eventstudy always keeps other events in the estimation sample, as "
    "riskkit's `overlap='keep'`; riskkit's default `exclude` has no counterpart there.",
    "Variance and t: `np.var` of the estimation residuals (divided by M, not M - 2), "
    "`Var(CAR) = L * var` with no estimation-error term, df = M - 1. Its per-event t "
    "therefore differs from riskkit's MacKinlay (1997) t (the agreement table shows how much).",
    "Tests: `Multiple` gives only a CAAR t-test (Var(CAAR) = sum of Var(AR) / N^2) and the "
    "CARs' descriptive statistics; `sign_test` and `rank_test` are stubs that return None. "
    "There is no Patell, BMP, Kolari-Pynnonen, rank, generalized sign or GHK test and no "
    "BHAR, so the riskkit time covers much more work per event than the eventstudy time.",
    "Data: returns are read from a CSV into class-level state shared by every `Single` "
    "(`Single.import_returns`); that import is setup, outside the timed call.",
]

NOTES = [
    f"One child process per (size, implementation), run one after another; each runs its "
    f"implementation once on a {WARM_EVENTS}-event catalog (numba caches, lazy imports) and "
    f"then times up to {MAX_CALLS} calls on the real catalog (more than one only while the "
    "per-case budget leaves room); the table gives the median, the detail table median / min.",
    "peak RSS = Linux VmHWM of the child at its end: interpreter, imports, inputs, the warm-up "
    "and the timed calls; the resident set just before the timed call is in the detail table. "
    "For a child stopped by the budget or the memory cap, the largest resident set the parent "
    "saw while polling (every 0.25 s) is shown as '>= N (polled)'.",
    "A child that passes the per-case budget is killed and its cell reads 'timeout after N s'; "
    "the same implementation is then not started at larger sizes.",
    "The numpy baselines get the finished event list as plain arrays (column index and "
    "session position) and do only the OLS, the CAR and the t: no validation, no calendar, "
    "no overlap detection, no grouped tests.",
    "The vectorised numpy version holds every event's estimation design at once "
    "((n, 250, 2) float64, 400 MB at 100,000 events), so its memory grows with n.",
    "The machine is shared: compare rows within one run, not across runs.",
]


if __name__ == "__main__" and "--child" in sys.argv:
    raise SystemExit(_child(sys.argv[1:]))
