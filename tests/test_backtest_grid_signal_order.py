"""Regression: a sub-grid that lists a subset of the base signals, or lists them in another
order, ran the kernel on the wrong base signals (the position in the sub-grid's list was
used as the row of the ticker's signal stack). The stop-loss study's grid does exactly that
(its BTC-exit sub-grid names ``<rule>+btc_level`` only), so 231 of BITF's 342 rows carried
another configuration's statistics: the "best" BITF row (+291%, 6 trades) was really a
+7.4%, 21-trade configuration. Every row must equal ``run_backtest`` of the Signals its
params describe, built here by hand.

Bars: the bundled IREN snapshot (REAL data).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from riskkit.backtest import Signals, bars_for, run_backtest, sweep


@pytest.fixture(scope="module")
def case():
    from riskkit.data import load_prices

    px = load_prices(["IREN"], source="bundled", start="2023-01-01")
    bars = bars_for(px, "IREN")
    close = bars["close"]
    up = close > close.rolling(20, min_periods=20).mean()
    base = {
        "dip": Signals(entries=close.pct_change() < -0.05),
        "trend": Signals(entries=up & ~up.shift(1, fill_value=False), exits=~up),
        "hold": Signals(entries=close > 0),
        "rip": Signals(entries=close.pct_change() > 0.08, sl_stop=0.3),
    }
    grid = [
        {"signals": ["rip", "dip"], "sl_stop": [0.05, 0.2], "after_stop": ["wait", "bars"],
         "after_stop_bars": [3]},
        {"signals": ["trend"], "tp_stop": [None, 0.25]},
        {"signals": ["hold", "rip", "trend"], "sl_stop": [0.1], "sl_trail": [True]},
        {"tp_stop": [0.5]},  # every base signal, in the dict's order
    ]  # fmt: skip
    return bars, base, grid, sweep({"IREN": bars}, {"IREN": base}, grid, progress=False)


def _by_hand(base: dict[str, Signals], row) -> Signals:
    """The configuration's Signals from its params row, written out for this grid."""
    s = base[str(row["signals"])]
    g = int(row["grid"])
    if g == 0:
        return replace(s, sl_stop=float(row["sl_stop"]), sl_distance=None,
                       after_stop=str(row["after_stop"]), after_stop_bars=3)  # fmt: skip
    if g == 1:
        tp = row["tp_stop"]
        return replace(s, tp_stop=None if np.isnan(tp) else float(tp))
    if g == 2:
        return replace(s, sl_stop=0.1, sl_distance=None, sl_trail=True)
    return replace(s, tp_stop=0.5)


def test_every_row_is_the_configuration_its_params_name(case):
    bars, base, _grid, res = case
    assert len(res.stats) == 2 * 2 * 2 + 2 + 3 + 4
    assert list(res.params.loc[res.params["grid"] == 0, "signals"].unique()) == ["rip", "dip"]
    for c, row in res.params.iterrows():
        want = run_backtest(bars, _by_hand(base, row)).stats.iloc[0]
        got = res.stats.loc[c]
        for k in ("final_equity", "trades", "exposure", "sharpe", "max_drawdown"):
            assert got[k] == pytest.approx(want[k], rel=1e-9, abs=1e-12), (c, k)


def test_detail_equals_its_row(case):
    _bars, _base, _grid, res = case
    for c in res.params.index:
        d = res.detail(int(c)).stats.iloc[0]
        assert d["final_equity"] == pytest.approx(res.stats.loc[c, "final_equity"], rel=1e-12)
