"""Walk-forward evaluation: parameters chosen on each train window, judged on the next test window.

The out-of-sample run is *one* simulation over the chained test windows: at a fold boundary
the position is carried (no exit at the close, no re-entry a bar later, no costs charged
that a real account would not pay); the newly chosen rule manages it from its first bar.
A walk-forward whose every fold picks buy and hold therefore equals a plain buy and hold
over the same span. The train windows are run by the grid kernel on array slices.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _sim as S
from riskkit.backtest._metrics import equity_returns
from riskkit.backtest.engine import (
    ENGINE,
    FILL_CONTRACT,
    Ambiguity,
    _check_bars,
    check_costs,
    ohlc_arrays,
    simulate_record,
    trade_table,
)
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import SignalArrays, Signals

__all__ = ["walk_forward"]


def _last_true(x: np.ndarray) -> np.ndarray:
    """Index of the last True at or before each bar (-1 before the first)."""
    return np.maximum.accumulate(np.where(x != 0, np.arange(x.size), -1))


class _Carry:
    """Each candidate's state before a bar: "on" (its last entry not undone by an exit)."""

    def __init__(self, a: SignalArrays) -> None:
        self.le, self.lx = _last_true(a.ent), _last_true(a.ex)
        self.lse, self.lsx = _last_true(a.sent), _last_true(a.sex)

    def at(self, start: int) -> tuple[int, int]:
        """(long flag, short flag) to set on bar ``start``: +1 enter, -1 exit, 0 nothing."""
        if start == 0:
            return 0, 0
        k = start - 1
        le, lx, lse, lsx = self.le[k], self.lx[k], self.lse[k], self.lsx[k]
        if le >= 0 and lx < le:
            return 1, 0
        if lse >= 0 and lsx < lse:
            return 0, 1
        return (-1 if lx >= 0 else 0), (-1 if lsx >= 0 else 0)


def _apply_carry(sig: np.ndarray, flags: tuple[int, int], at: int) -> None:
    """Set the carry decisions of one candidate on bar ``at`` of a (4, n) signal block."""
    long_, short_ = flags
    if long_ == 1:
        sig[0, at] = 1
    elif long_ == -1:
        sig[1, at] = 1
    if short_ == 1:
        sig[2, at] = 1
    elif short_ == -1:
        sig[3, at] = 1


def walk_forward(
    bars: pd.DataFrame,
    signals: Mapping[str, Signals],
    *,
    train: int,
    test: int,
    step: int | None = None,
    metric: str = "sharpe",
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    ticker: str | None = None,
) -> BacktestResult:
    """Rolling walk-forward over one instrument's candidate configurations.

    Parameters
    ----------
    bars
        Open/high/low/close of one instrument.
    signals
        ``label -> Signals`` candidates, computed on the full history (each value uses
        data up to its own bar only, so cutting them into windows adds no look-ahead).
    train, test
        Window lengths in bars.
    step
        Bars between fold starts (default ``test``: back-to-back test windows); at most
        ``test`` (a larger step would leave bars out of the out-of-sample run).
    metric
        Statistic maximised on each train window (a column of ``BacktestResult.stats``).

    Returns
    -------
    BacktestResult
        One configuration ``"walk_forward"``: one simulation over the out-of-sample span
        (each test window's bars run under the rule chosen for it), its stats and trades;
        ``extras["folds"]`` lists each fold's dates, the chosen configuration, its train
        metric and its test-window return.

    Notes
    -----
    Fold ``k`` trains on bars ``[s, s+train)`` and tests on ``[s+train, s+train+test)``
    with ``s = k*step``; the choice uses only train-window stats (ties: the first label).
    Each train window starts flat; a rule that is "on" when a window starts (its last
    entry decision not yet undone by an exit decision) gets an entry decision on the
    window's first bar. Out of sample the account is never reset: where the chosen rule
    changes (and at the first test bar) the new rule gets the same entry decision if it
    is on, an exit decision if it is off after an exit, and otherwise manages what it
    inherits; a carried position keeps the stop and target set at its entry. Where a
    fold keeps the previous fold's rule nothing happens at the boundary, so a rule chosen
    in every fold runs exactly as one uninterrupted backtest of the out-of-sample span. When folds overlap (``step < test``) the later
    fold's rule takes over from its start.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=60, freq="B")
    >>> c = pd.Series(10 + np.sin(np.arange(60) / 3), index=idx)
    >>> bars = pd.DataFrame({"open": c, "high": c + .2, "low": c - .2, "close": c})
    >>> up = c > c.rolling(5).mean()
    >>> cands = {"trend": Signals(entries=up, exits=~up), "fade": Signals(entries=~up, exits=up)}
    >>> wf = walk_forward(bars, cands, train=30, test=10)
    >>> len(wf.extras["folds"])
    3
    """
    from riskkit._annualization import infer_periods_per_year

    if not signals:
        raise DataError("signals is empty; pass at least one candidate configuration.")
    step = test if step is None else step
    for nm, v in (("train", train), ("test", test), ("step", step)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 2:
            raise DataError(f"{nm}={v!r} must be an integer >= 2 (bars).")
    if step > test:
        raise DataError(
            f"step={step} > test={test} would leave bars between test windows unevaluated; "
            "use step <= test."
        )
    if metric not in S.STAT_NAMES:
        raise DataError(f"metric {metric!r} unknown; use one of {list(S.STAT_NAMES)}.")
    fees, slip, rule, init_cash = check_costs(fees, slippage, ambiguity, init_cash)
    b = _check_bars(bars)
    n = len(b)
    if train + test > n:
        raise DataError(f"train + test = {train + test} bars exceeds the {n} bars available.")
    labels = list(signals)
    arrs = []
    for lab in labels:
        s = signals[lab]
        if not isinstance(s, Signals) or not s.entries.index.equals(b.index):
            raise DataError(f"signals[{lab!r}] must be a Signals on the bars' dates.")
        arrs.append(s.arrays())
    ppy = float(infer_periods_per_year(b.index).periods_per_year)
    ohlc = ohlc_arrays(b)
    kk = len(labels)
    sigs = np.stack([np.stack([a.ent, a.ex, a.sent, a.sex]) for a in arrs])
    rows = np.stack([a.sl for a in arrs] + [a.sld for a in arrs])
    tps = np.stack([a.tp for a in arrs])
    trails = np.stack([a.trail for a in arrs])
    res_ = np.stack([a.reentry for a in arrs])
    carry = [_Carry(a) for a in arrs]
    ar = np.arange(kk, dtype=np.int64)
    ones = np.ones(kk)
    col = S.STAT_NAMES.index(metric)
    folds, plan = [], []
    for s0 in range(0, n - train - test + 1, step):
        a0, a1 = s0, s0 + train
        win = sigs[:, :, a0:a1].copy()
        for j in range(kk):
            _apply_carry(win[j], carry[j].at(a0), 0)
        st = np.empty((kk, S.NSTAT))
        fp = np.empty(kk, dtype=np.uint64)
        S.sweep_chunk(
            *(x[a0:a1] for x in ohlc), win, np.ascontiguousarray(rows[:, a0:a1]),
            np.ascontiguousarray(tps[:, a0:a1]), np.ascontiguousarray(trails[:, a0:a1]),
            np.ascontiguousarray(res_[:, a0:a1]), ar, ar, ones, ar + kk, ones, ar, ones, ar, ar,
            fees, slip, rule, init_cash, ppy, st, fp,
        )  # type: ignore[call-arg]  # fmt: skip
        score = st[:, col]
        if np.isnan(score).all():
            raise DataError(
                f"every candidate has NaN {metric} on the train window starting "
                f"{b.index[a0].date()}; no choice possible (use a longer train window)."
            )
        j = int(np.nanargmax(score))
        plan.append((a1, min(a1 + test, n), j))
        folds.append({
            "train_start": b.index[a0], "train_end": b.index[a1 - 1], "test_start": b.index[a1],
            "test_end": b.index[min(a1 + test, n) - 1], "chosen": labels[j],
            f"train_{metric}": float(score[j]),
        })  # fmt: skip
    # ---- the out-of-sample run: one composite rule over the chained test windows
    o0, o1 = plan[0][0], plan[-1][1]
    m = o1 - o0
    comp = np.zeros((4, m), dtype=np.uint8)
    sl, sld, tp = np.empty(m), np.empty(m), np.empty(m)
    trail, reentry = np.empty(m, dtype=np.uint8), np.empty(m, dtype=np.int64)
    prev = -1
    for t0, t1, j in plan:
        a, z = t0 - o0, t1 - o0
        comp[:, a:z] = sigs[j, :, t0:t1]
        sl[a:z], sld[a:z], tp[a:z] = rows[j, t0:t1], rows[kk + j, t0:t1], tps[j, t0:t1]
        trail[a:z], reentry[a:z] = trails[j, t0:t1], res_[j, t0:t1]
        if j != prev:  # a switch of rule syncs the position to the new rule's state
            _apply_carry(comp, carry[j].at(t0), a)
        prev = j
    oos = SignalArrays(ent=comp[0], ex=comp[1], sent=comp[2], sex=comp[3], sl=sl, sld=sld,
                       tp=tp, trail=trail, reentry=reentry)  # fmt: skip
    st, eq, _, ti, tf = simulate_record(
        tuple(x[o0:o1] for x in ohlc), oos, fees=fees, slip=slip, rule=rule,
        init_cash=init_cash, ppy=ppy,
    )  # fmt: skip
    days = pd.DatetimeIndex(b.index[o0:o1])
    label = "walk_forward"
    equity = pd.Series(eq, index=days, name=label)
    for f, (t0, t1, _) in zip(folds, plan, strict=True):
        before = init_cash if t0 == o0 else float(eq[t0 - o0 - 1])
        f["test_return"] = float(eq[t1 - o0 - 1] / before - 1.0) if before > 0 else 0.0
    settings = {
        "fill_contract": FILL_CONTRACT.format(rule=ambiguity), "ambiguity": ambiguity,
        "fees": fees, "slippage": slip, "init_cash": init_cash, "periods_per_year": ppy,
        "first": str(days[0].date()), "last": str(days[-1].date()), "bars": m,
        "train": train, "test": test, "step": step, "metric": metric, "engine": ENGINE,
    }  # fmt: skip
    return BacktestResult(
        stats=pd.DataFrame(
            [st], index=pd.Index([label], name="config"), columns=list(S.STAT_NAMES)
        ),
        trades=trade_table([(0, ti, tf)], [label], days, ticker),
        equity=equity.to_frame(),
        params=pd.DataFrame([{"ticker": ticker}], index=pd.Index([label], name="config")),
        settings=settings,
        extras={"folds": pd.DataFrame(folds), "oos_returns": equity_returns(equity, init_cash)},
    )
