"""riskkit: event studies, risk and honest backtests for bitcoin miners turned AI hosts.

The data layer is imported eagerly; the event-study, risk and backtest names are
re-exported lazily (PEP 562) so that ``import riskkit`` stays fast and does not pull in
statsmodels, arch or vectorbt until they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from riskkit._errors import DataError, RiskkitError, RiskkitWarning, SourceUnavailableError
from riskkit.data import btc_session_returns, equity_sessions, load_closes, load_prices
from riskkit.returns import align, log_returns, simple_returns, total_returns

if TYPE_CHECKING:
    from riskkit.backtest import BacktestResult, run_backtest
    from riskkit.events import (
        EventStudyResult,
        audit_catalog,
        event_study,
        load_events,
        write_event_report,
    )
    from riskkit.risk import (
        backtest_var,
        conditional_value_at_risk,
        drawdown_table,
        max_drawdown,
        portfolio_risk,
        sharpe_ratio,
        sortino_ratio,
        value_at_risk,
        var_table,
    )

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "EventStudyResult": "riskkit.events",
    "audit_catalog": "riskkit.events",
    "event_study": "riskkit.events",
    "load_events": "riskkit.events",
    "write_event_report": "riskkit.events",
    "backtest_var": "riskkit.risk",
    "conditional_value_at_risk": "riskkit.risk",
    "drawdown_table": "riskkit.risk",
    "max_drawdown": "riskkit.risk",
    "portfolio_risk": "riskkit.risk",
    "sharpe_ratio": "riskkit.risk",
    "sortino_ratio": "riskkit.risk",
    "value_at_risk": "riskkit.risk",
    "var_table": "riskkit.risk",
    "BacktestResult": "riskkit.backtest",
    "run_backtest": "riskkit.backtest",
}

__all__ = [
    "BacktestResult",
    "DataError",
    "EventStudyResult",
    "RiskkitError",
    "RiskkitWarning",
    "SourceUnavailableError",
    "__version__",
    "align",
    "audit_catalog",
    "backtest_var",
    "btc_session_returns",
    "conditional_value_at_risk",
    "drawdown_table",
    "equity_sessions",
    "event_study",
    "load_closes",
    "load_events",
    "load_prices",
    "log_returns",
    "max_drawdown",
    "portfolio_risk",
    "run_backtest",
    "sharpe_ratio",
    "simple_returns",
    "sortino_ratio",
    "total_returns",
    "value_at_risk",
    "var_table",
    "write_event_report",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'riskkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
