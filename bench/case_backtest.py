"""Case 5: backtests, riskkit's engine vs raw vectorbt vs the plain-Python reference loop."""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from _data import real_bars
from _harness import REPO, CaseResult, Check, Settings, Spec, Unavailable, run_group

TICKER = "IREN"
FEES, SLIPPAGE, INIT_CASH = 0.001, 0.001, 100_000.0
SINGLE = {"window": 50, "stop": "fixed", "stop_value": 0.10, "target": None}
GRID = {
    "window": (20, 50, 100, 200),
    "stop": ("fixed", "trailing"),
    "stop_value": (0.05, 0.10, 0.15, 0.20),
    "target": (None, 0.30),
}


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def rk_run_backtest() -> Callable[..., Any]:
    try:
        return importlib.import_module("riskkit.backtest").run_backtest
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"riskkit.backtest.run_backtest: {exc}") from exc


def rk_sweep() -> Callable[..., Any]:
    try:
        return importlib.import_module("riskkit.backtest").sweep
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"riskkit.backtest.sweep: {exc}") from exc


def make_signals(bars: pd.DataFrame, cfg: Mapping[str, Any]) -> Any:
    """strategies.stop_loss: MA-trend entry (close above its SMA) + fixed/trailing stop."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        sl = importlib.import_module("strategies.stop_loss")
    except ImportError as exc:
        raise Unavailable(f"strategies.stop_loss: {exc}") from exc
    return sl.stop_loss_signals(
        bars,
        entry="ma_trend",
        entry_params={"window": cfg["window"]},
        stop=cfg["stop"],
        stop_value=cfg["stop_value"],
        target=cfg["target"],
    )


def reference_loop() -> Callable[..., Any]:
    """The plain-Python loop of tests/test_backtest_reference.py (imported, not copied)."""
    path = REPO / "tests" / "test_backtest_reference.py"
    spec = importlib.util.spec_from_file_location("_bench_backtest_reference", path)
    if spec is None or spec.loader is None or not path.exists():
        raise Unavailable(f"{path} not found")
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
        return mod.reference_loop
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"reference_loop not importable: {exc}") from exc


def label(cfg: Mapping[str, Any]) -> str:
    t = "none" if cfg["target"] is None else f"{cfg['target']:.2f}"
    return f"ma{cfg['window']}_{cfg['stop']}{cfg['stop_value']:.2f}_tp{t}"


# ---------------------------------------------------------------- implementations
def rk_call(bars: pd.DataFrame, sigs: dict[str, Any]) -> Callable[[], Any]:
    f = rk_run_backtest()
    return lambda: f(bars, sigs, fees=FEES, slippage=SLIPPAGE, init_cash=INIT_CASH, ticker=TICKER)


def vbt_call(bars: pd.DataFrame, sigs: dict[str, Any]) -> Callable[[], Any]:
    """Raw ``Portfolio.from_signals``: signals shifted one bar, filled at the open."""
    import vectorbt as vbt
    from vectorbt.portfolio.enums import SizeType, StopEntryPrice

    labels = list(sigs)
    frames = [sigs[k].frames() for k in labels]

    def wide(key: str, fill: Any) -> pd.DataFrame:
        cols = {k: f[key].shift(1, fill_value=fill) for k, f in zip(labels, frames, strict=True)}
        return pd.DataFrame(cols)

    entries, exits = wide("entries", False), wide("exits", False)
    sl = np.array([[float(f["sl_stop"].iloc[0]) for f in frames]])
    tp = np.array([[float(f["tp_stop"].iloc[0]) for f in frames]])
    trail = np.array([[bool(sigs[k].sl_trail) for k in labels]])
    o, h, lo, c = (bars[k] for k in ("open", "high", "low", "close"))

    def run() -> Any:
        pf = vbt.Portfolio.from_signals(
            c,
            entries=entries,
            exits=exits,
            price=o,
            open=o,
            high=h,
            low=lo,
            size=1.0,
            size_type=SizeType.Percent,
            fees=FEES,
            slippage=SLIPPAGE,
            sl_stop=sl,
            sl_trail=trail,
            tp_stop=tp,
            stop_entry_price=StopEntryPrice.Price,
            init_cash=INIT_CASH,
            freq="1D",
        )
        return pf.value()

    return run


def ref_call(bars: pd.DataFrame, sigs: dict[str, Any]) -> Callable[[], Any]:
    loop = reference_loop()

    def run() -> dict[str, np.ndarray]:
        out = {}
        for k, s in sigs.items():
            _, eq, _ = loop(
                bars, s, fees=FEES, slippage=SLIPPAGE, ambiguity="stop_first", init_cash=INIT_CASH
            )
            out[k] = eq
        return out

    return run


def sweep_call(bars: pd.DataFrame) -> Callable[[], Any]:
    """riskkit's sweep: builds every config's signals itself, then one run_backtest call."""
    f = rk_sweep()

    def factory(b: pd.DataFrame, **point: Any) -> Any:
        return make_signals(b, point)

    return lambda: f(
        {TICKER: bars},
        factory,
        GRID,
        fees=FEES,
        slippage=SLIPPAGE,
        init_cash=INIT_CASH,
        progress=False,
    )


# ---------------------------------------------------------------- case
def _one(
    settings: Settings,
    bars: pd.DataFrame,
    sigs: dict[str, Any],
    case: CaseResult,
    extra: list[Spec] | None = None,
) -> None:
    size = f"REAL: {TICKER}, {len(bars):,} bars x {len(sigs)} config(s)"
    specs = [
        *(extra or []),
        Spec("riskkit run_backtest", size, lambda: rk_call(bars, sigs)),
        Spec(
            "vectorbt Portfolio.from_signals (raw, shifted signals)",
            size,
            lambda: vbt_call(bars, sigs),
        ),
        Spec("plain-Python reference loop (tests/)", size, lambda: ref_call(bars, sigs)),
    ]
    for sp in specs:
        sp.size = size
    run_group(case, specs, settings)
    try:
        rk = rk_call(bars, sigs)().equity
    except Unavailable:
        return
    try:
        ref = ref_call(bars, sigs)()
        diff = max(float(np.max(np.abs(rk[k].to_numpy() - ref[k]))) for k in sigs)
        case.checks.append(
            Check(
                what=f"daily equity, {len(sigs)} config(s), USD on {INIT_CASH:,.0f}",
                versus="reference loop (tests/)",
                max_abs_diff=diff,
                note="same fill contract: should be ~0",
            )
        )
    except Unavailable:
        pass
    vb = vbt_call(bars, sigs)()
    final_rk = rk.iloc[-1].to_numpy()
    final_vb = vb.iloc[-1][list(sigs)].to_numpy()
    case.checks.append(
        Check(
            what=f"final equity, {len(sigs)} config(s), USD on {INIT_CASH:,.0f}",
            versus="raw vectorbt",
            max_abs_diff=float(np.max(np.abs(final_rk - final_vb))),
            note=(
                "different fill contract (vectorbt checks stops from the bar after entry, "
                "no slippage on stop exits, no ambiguous-bar rule): a gap is expected; "
                f"median relative gap {np.median(np.abs(final_vb / final_rk - 1)):.1%}"
            ),
        )
    )


def run(settings: Settings) -> list[CaseResult]:
    bars = real_bars(TICKER)
    measures = (
        f"{TICKER} daily bars (REAL), MA-trend entry (close above its SMA, from "
        f"`strategies.stop_loss.stop_loss_signals`), fees {FEES:.1%} and slippage {SLIPPAGE:.1%} "
        "per fill, all-in sizing. riskkit `run_backtest` (the fused kernel in record mode, plus "
        "the trade table and stats as pandas) vs raw vectorbt `Portfolio.from_signals` "
        "with the signals shifted one bar and filled at the open (returns only the value curve) "
        "vs the plain-Python loop that the tests use as the independent reference. Signals are "
        "built once, outside the timing."
    )
    single = CaseResult(
        key="5a",
        title=f"Backtest, one stop-loss configuration ({label(SINGLE)})",
        measures=measures,
    )
    sweep = CaseResult(
        key="5b",
        title="Backtest sweep over a parameter grid",
        measures=measures
        + " Grid: "
        + ", ".join(f"{k} {list(v)}" for k, v in GRID.items())
        + "; riskkit and vectorbt run all configurations as columns of one call, the loop "
        "runs them one after another.",
    )
    try:
        sig1 = {label(SINGLE): make_signals(bars, SINGLE)}
        grid = [dict(zip(GRID, v, strict=True)) for v in itertools.product(*GRID.values())]
        sigs = {label(c): make_signals(bars, c) for c in grid}
    except Unavailable as exc:
        single.skipped.append(str(exc))
        sweep.skipped.append(str(exc))
        return [single, sweep]
    _one(settings, bars, sig1, single)
    extra = Spec(
        "riskkit sweep (incl. building the signals + deflated Sharpe)",
        "",
        lambda: sweep_call(bars),
    )
    _one(settings, bars, sigs, sweep, extra=[extra])
    for c in (single, sweep):
        c.notes.append(
            "First-call times include loading numba's on-disk cache (riskkit's kernels are "
            "cached, so a new process compiles nothing) or compiling vectorbt's simulator "
            "(not cached on disk: every process compiles it). In 5b the factory-form `sweep` "
            "(which calls `run_backtest`) runs first and pays riskkit's cache load. One "
            "configuration is dominated by pandas work around the kernel (checks, trade table); "
            "the grid-native sweep (`python bench/run.py sweep`, SWEEP.md) is the form for many "
            "configurations."
        )
    return [single.finish(), sweep.finish()]
