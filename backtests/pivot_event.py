"""Trade the pivot-event catalog on the bundled data: results CSV, trade list CSV, HTML page.

The options are those of ``riskkit backtest pivot-event`` (this script runs that command):

python backtests/pivot_event.py --help
python backtests/pivot_event.py --hold 5 --hedge --grid --out reports    # reports/pivot_event/
"""

from __future__ import annotations

from riskkit.cli._common import run_command
from riskkit.cli.backtest import pivot_event


def main(argv: list[str] | None = None) -> int:
    return run_command(pivot_event, argv, name="pivot_event.py")


if __name__ == "__main__":
    raise SystemExit(main())
