"""riskkit: event studies, risk and honest backtests for bitcoin miners turned AI hosts."""

from riskkit._errors import DataError, RiskkitError, RiskkitWarning, SourceUnavailableError
from riskkit.data import btc_session_returns, equity_sessions, load_closes, load_prices
from riskkit.returns import align, log_returns, simple_returns

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "RiskkitError",
    "RiskkitWarning",
    "SourceUnavailableError",
    "__version__",
    "align",
    "btc_session_returns",
    "equity_sessions",
    "load_closes",
    "load_prices",
    "log_returns",
    "simple_returns",
]
