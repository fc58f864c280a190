# %% [markdown]
# # A 4,000-configuration stop/target sweep in a notebook, on the bundled data
#
# A notebook-style script (cells marked with `# %%`). The question: after a 5% down day
# in BITF, IREN, WULF, HUT or BTC-USD, buy at the next open; which stop and target would
# have worked, and is the best of 4,000 tries evidence of anything?
#
# The grid-native `sweep` runs every configuration in one fused numba kernel (next-open
# fills, stops and targets on every bar's range including the entry bar, gaps fill at the
# open, 10 bp fees and 10 bp slippage on every fill). Each ticker is annualised on its own
# calendar: 252 sessions for the miners, 365 days for BTC-USD.

# %%
import time
import warnings

import numpy as np
import pandas as pd

import riskkit
from riskkit.backtest import Signals, atr, bars_for, sweep
from strategies.stop_loss import entry_rule_signals

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 14)
TICKERS = ["BITF", "IREN", "WULF", "HUT", "BTC-USD"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", riskkit.RiskkitWarning)  # "served from bundled snapshot"
    prices = riskkit.load_prices(TICKERS, source="bundled", start="2022-01-01")
bars = {t: bars_for(prices, t) for t in TICKERS}
dip = {t: Signals(entries=b["close"].pct_change() < -0.05) for t, b in bars.items()}

# %% [markdown]
# ## 20 stops x 20 targets x trailing on/off x 5 tickers

# %%
grid = {
    "sl_stop": list(np.round(np.linspace(0.02, 0.40, 20), 4)),
    "tp_stop": list(np.round(np.linspace(0.05, 1.00, 20), 4)),
    "sl_trail": [False, True],
}
for call in ("first call (loads the compiled kernel from numba's disk cache)", "again"):
    t0 = time.perf_counter()
    res = sweep(bars, dip, grid, progress=False)
    print(f"{len(res.stats):,} configurations in {time.perf_counter() - t0:.3f} s, {call}")
print(
    res.best(5, by="sharpe")[
        [
            "ticker",
            "sl_stop",
            "tp_stop",
            "sl_trail",
            "sharpe",
            "total_return",
            "max_drawdown",
            "trades",
            "exposure",
        ]
    ]
)

# %% [markdown]
# ## Is the best one evidence of skill? Distinct trials and the deflated Sharpe
# Many grid points never reach their stop or target and give the same equity curve; they
# count once. All Sharpe ratios are put on the best configuration's calendar.

# %%
dsr = res.deflated_sharpe()
print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in dsr.items()})
print(
    res.deflated_sharpe(by_ticker=True)["dsr_by_ticker"][
        ["best_sharpe", "n_trials_raw", "n_trials", "deflated_sharpe"]
    ]
)

# %% [markdown]
# ## One configuration in full: equity and trades (the same kernel, record mode)

# %%
best = int(res.best(1).index[0])
one = res.detail(best)
assert one.stats["final_equity"].iloc[0] == res.stats.loc[best, "final_equity"]
print(
    one.trades[
        [
            "direction",
            "entry_date",
            "entry_price",
            "exit_date",
            "exit_price",
            "exit_reason",
            "return",
        ]
    ]
    .head(8)
    .to_string(index=False)
)

# %% [markdown]
# ## Entry rules and ATR stops as grid axes, with re-entry after a stop
# Base signals per entry-rule parameter point (from `strategies/`), then a union of two
# grids: fractional stops, and stops at k x ATR(14); both with three re-entry rules.

# %%
base = {
    t: entry_rule_signals(b, {"ma_trend": {"window": [20, 50]}, "buy_and_hold": {}})
    for t, b in bars.items()
}
grid2 = [
    {"sl_stop": [0.1, 0.2], "after_stop": ["wait", "bars", "recover"], "after_stop_bars": [5]},
    {"sl_atr": [2.0, 3.0], "after_stop": ["wait", "bars", "recover"], "after_stop_bars": [5]},
]
res2 = sweep(bars, base, grid2, progress=False)
tab = res2.to_frame()
print(tab.groupby(["signals", "after_stop"], observed=True)[["sharpe", "exposure"]].mean().round(3))
print("ATR(14) of IREN on its last bar:", round(float(atr(bars["IREN"]).iloc[-1]), 3))
