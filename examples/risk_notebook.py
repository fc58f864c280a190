# %% [markdown]
# # Risk of the bitcoin miners turned AI hosts, on the bundled data
#
# A notebook-style script (cells marked with `# %%`): VaR/CVaR by five methods for BITF,
# IREN, WULF, HUT and BTC-USD, the rolling out-of-sample VaR backtests (Kupiec,
# Christoffersen), betas to BTC and SPY on the equity calendar, and portfolio risk.
#
# Conventions: VaR and CVaR are positive loss numbers (0.05 = a 5% loss). Each asset's
# VaR uses its own calendar (BTC-USD trades 7 days a week, so its "1 day" is a calendar
# day; the miners' is a session). Annualised figures state their factor.

# %%
import warnings

import pandas as pd

import riskkit
from riskkit import risk

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)
TICKERS = ["BITF", "IREN", "WULF", "HUT", "BTC-USD"]

with warnings.catch_warnings():
    warnings.simplefilter("ignore", riskkit.RiskkitWarning)  # "served from bundled snapshot"
    closes = riskkit.load_closes([*TICKERS, "SPY"], source="bundled")
rets = risk.native_returns(closes[TICKERS])  # each asset on its own calendar, nothing filled
print(rets.count().to_string())

# %% [markdown]
# ## VaR table: methods x assets, 1 period, 99%

# %%
table = risk.var_table(rets, level=0.99)
print(table.summary())

# %% [markdown]
# ## VaR backtests: rolling 250-observation window, forecast for t from data up to t-1

# %%
bt = risk.var_backtest_table(
    rets,
    methods=["historical", "gaussian", "cornish_fisher", "evt", "fhs"],
    level=0.99,
    window=250,
)
cols = [
    "asset",
    "method",
    "n",
    "exceptions",
    "expected",
    "lr_pof",
    "p_pof",
    "lr_ind",
    "p_ind",
    "lr_cc",
    "p_cc",
]
print(bt[cols].round(4).to_string(index=False))

# %% [markdown]
# One backtest in detail, as a result object:

# %%
print(risk.backtest_var(rets["IREN"].dropna(), method="cornish_fisher", level=0.99))

# %% [markdown]
# ## Ratios with the annualisation each one used (252 sessions, 365 days for BTC)

# %%
print(risk.performance_table(rets).to_string(float_format=lambda v: f"{v:.3f}"))
print(repr(risk.sharpe_ratio(rets["BTC-USD"].dropna())))

# %% [markdown]
# ## Betas to BTC and SPY, on equity sessions with BTC compounded per session

# %%
sess = risk.session_returns(closes[[*TICKERS, "SPY"]])
betas = risk.miner_betas(sess, assets=["BITF", "IREN", "WULF", "HUT"], window=60)
print(betas.summary())

# %% [markdown]
# ## Equal-weight portfolio: VaR contributions and stress

# %%
w = {t: 0.2 for t in TICKERS}
# IREN and WULF list later than the others: the portfolio uses the common sessions only
# (a RiskkitWarning says how many rows were dropped).
port = risk.portfolio_risk(sess[TICKERS], w, level=0.99, method="historical")
print(port.summary())
print(risk.stress_test(sess[TICKERS], w, days=["2025-10-10", "2025-10-13"]).summary())
