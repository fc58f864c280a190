"""Risk toolkit: VaR/CVaR, VaR backtests, volatility, drawdowns, ratios, betas, portfolio risk.

Sign convention: VaR and CVaR are positive loss numbers (0.05 = a 5% loss).
Annualised figures use the periods per year of the data's calendar (252 equity sessions,
365 for a 24/7 asset), overridable with ``periods_per_year``, and carry that factor.
"""

from riskkit.risk._annualization import (
    Annualization,
    AnnualizedFloat,
    infer_periods_per_year,
)
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
    "GarchResult",
    "LRTest",
    "VaRBacktestResult",
    "VaRTable",
    "backtest_var",
    "christoffersen_independence",
    "conditional_coverage",
    "conditional_value_at_risk",
    "cornish_fisher_is_valid",
    "ewma_volatility",
    "garch_volatility",
    "infer_periods_per_year",
    "kupiec_pof",
    "rolling_var_forecast",
    "rolling_volatility",
    "value_at_risk",
    "var_backtest_table",
    "var_table",
]
