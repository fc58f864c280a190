"""Trade the pivot-event catalog on the bundled data: results CSV, trade list CSV, HTML page.

python backtests/pivot_event.py --help
python backtests/pivot_event.py --hold 5 --hedge --out reports
"""

from __future__ import annotations

import argparse

from riskkit.backtest.report import write_pivot_report
from riskkit.studies import pivot_event_grid, run_pivot_events


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", default=None, help="event catalog CSV (default: bundled)")
    ap.add_argument("--hold", type=int, default=5, help="sessions held after the entry open")
    ap.add_argument("--direction", default="type", choices=["type", "reaction", "reversal"])
    ap.add_argument("--stop", type=float, default=None, help="stop-loss fraction, e.g. 0.15")
    ap.add_argument("--target", type=float, default=None, help="take-profit fraction, e.g. 0.3")
    ap.add_argument("--hedge", action="store_true", help="add a BTC hedge sized by pre-event beta")
    ap.add_argument("--beta-window", type=int, default=120)
    ap.add_argument("--include-market", action="store_true", help="trade MKT events on every miner")
    ap.add_argument("--out", default="reports")
    ap.add_argument("--source", default="bundled", choices=["auto", "bundled", "cache", "yahoo"])
    ap.add_argument("--fees", type=float, default=0.001)
    ap.add_argument("--slippage", type=float, default=0.001)
    ap.add_argument(
        "--ambiguity", default="stop_first", choices=["stop_first", "optimistic", "pessimistic"]
    )
    ap.add_argument("--grid", action="store_true",
                    help="also summarise holds 1,3,5,10,20 x stop none/0.15 x target none/0.3")  # fmt: skip
    a = ap.parse_args(argv)
    res = run_pivot_events(
        events=a.events, hold=a.hold, direction=a.direction, sl_stop=a.stop, tp_stop=a.target,
        hedge=a.hedge, beta_window=a.beta_window, include_market=a.include_market,
        source=a.source, fees=a.fees, slippage=a.slippage, ambiguity=a.ambiguity,
    )  # fmt: skip
    grid = None
    if a.grid:
        grid = pivot_event_grid(
            direction=a.direction, source=a.source, events=a.events, hedge=False,
            include_market=a.include_market, fees=a.fees, slippage=a.slippage, ambiguity=a.ambiguity,
        )  # fmt: skip
        print(grid.to_string(float_format=lambda x: f"{x:.4f}"))
    paths = write_pivot_report(res, a.out, grid=grid)
    print(res.extras["trade_summary"].to_string(float_format=lambda x: f"{x:.4f}"))
    for k, p in paths.items():
        print(f"{k}: {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
