"""Risk toolkit: VaR/CVaR, VaR backtests, volatility, drawdowns, ratios, betas, portfolio risk.

Conventions used everywhere in this package:

* VaR and CVaR are **positive loss numbers** in decimals (0.05 = a 5% loss).
* Drawdowns and stress-scenario returns are returns, so losses there are negative.
* Annualised figures use the periods per year of the data's own calendar (252 equity
  sessions, 365 for a 24/7 asset such as BTC-USD), overridable with
  ``periods_per_year``, and carry the factor with them (``AnnualizedFloat`` or
  ``attrs["annualization"]``).
* Series in gives a float out; DataFrame in gives a Series by column.
"""

from riskkit._annualization import (
    Annualization,
    AnnualizedFloat,
    infer_periods_per_year,
)
from riskkit.risk.beta import (
    BetaResult,
    beta,
    correlation,
    miner_betas,
    rolling_beta,
    rolling_correlation,
)
from riskkit.risk.drawdown import (
    drawdown_series,
    drawdown_table,
    max_drawdown,
    max_drawdown_duration,
)
from riskkit.risk.pairing import native_returns, session_returns
from riskkit.risk.portfolio import (
    PortfolioRiskResult,
    correlation_matrix,
    covariance_matrix,
    ledoit_wolf_shrinkage,
    portfolio_risk,
)
from riskkit.risk.ratios import (
    annualized_return,
    annualized_volatility,
    calmar_ratio,
    deflated_sharpe_ratio,
    down_capture,
    expected_max_sharpe,
    omega_ratio,
    performance_table,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    sortino_ratio,
    tail_ratio,
    up_capture,
)
from riskkit.risk.stress import StressResult, btc_shock, replay_day, stress_test
from riskkit.risk.var import (
    VAR_METHODS,
    VaRTable,
    conditional_value_at_risk,
    cornish_fisher_is_valid,
    value_at_risk,
    var_table,
)
from riskkit.risk.var_backtest import (
    LRTest,
    VaRBacktestResult,
    backtest_var,
    christoffersen_independence,
    conditional_coverage,
    kupiec_pof,
    rolling_var_forecast,
    var_backtest_table,
)
from riskkit.risk.volatility import (
    GarchResult,
    ewma_volatility,
    garch_volatility,
    rolling_volatility,
)

__all__ = [
    "VAR_METHODS",
    "Annualization",
    "AnnualizedFloat",
    "BetaResult",
    "GarchResult",
    "LRTest",
    "PortfolioRiskResult",
    "StressResult",
    "VaRBacktestResult",
    "VaRTable",
    "annualized_return",
    "annualized_volatility",
    "backtest_var",
    "beta",
    "btc_shock",
    "calmar_ratio",
    "christoffersen_independence",
    "conditional_coverage",
    "conditional_value_at_risk",
    "cornish_fisher_is_valid",
    "correlation",
    "correlation_matrix",
    "covariance_matrix",
    "deflated_sharpe_ratio",
    "down_capture",
    "drawdown_series",
    "drawdown_table",
    "ewma_volatility",
    "expected_max_sharpe",
    "garch_volatility",
    "infer_periods_per_year",
    "kupiec_pof",
    "ledoit_wolf_shrinkage",
    "max_drawdown",
    "max_drawdown_duration",
    "miner_betas",
    "native_returns",
    "omega_ratio",
    "performance_table",
    "portfolio_risk",
    "probabilistic_sharpe_ratio",
    "replay_day",
    "rolling_beta",
    "rolling_correlation",
    "rolling_var_forecast",
    "rolling_volatility",
    "session_returns",
    "sharpe_ratio",
    "sortino_ratio",
    "stress_test",
    "tail_ratio",
    "up_capture",
    "value_at_risk",
    "var_backtest_table",
    "var_table",
]
