"""Stop-loss sweep on the bundled data: results CSV, trade list CSV and an HTML page.

The options are those of ``riskkit backtest stop-loss`` (this script runs that command):

python backtests/stop_loss.py --help
python backtests/stop_loss.py --out reports            # writes reports/stop_loss/
"""

from __future__ import annotations

from riskkit.cli._common import run_command
from riskkit.cli.backtest import stop_loss


def main(argv: list[str] | None = None) -> int:
    return run_command(stop_loss, argv, name="stop_loss.py")


if __name__ == "__main__":
    raise SystemExit(main())
