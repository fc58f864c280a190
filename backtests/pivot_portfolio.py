"""Trade the pivot-event catalog from one account on the bundled data, beside an equal-weight
buy-and-hold basket of the event tickers and BTC-USD: runs CSV, risk CSV, trades, HTML page.

The options are those of ``riskkit backtest pivot-portfolio`` (this script runs that command):

python backtests/pivot_portfolio.py --help
python backtests/pivot_portfolio.py --out reports    # reports/pivot_portfolio/
"""

from __future__ import annotations

from riskkit.cli._common import run_command
from riskkit.cli.backtest import pivot_portfolio


def main(argv: list[str] | None = None) -> int:
    return run_command(pivot_portfolio, argv, name="pivot_portfolio.py")


if __name__ == "__main__":
    raise SystemExit(main())
