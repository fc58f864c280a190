"""Stop-loss sweep on the bundled data: results CSV, trade list CSV and an HTML page.

python backtests/stop_loss.py --help
python backtests/stop_loss.py --out reports
"""

from __future__ import annotations

import argparse

from riskkit.backtest.report import write_stop_loss_report
from riskkit.studies import STOP_LOSS_TICKERS, run_stop_loss_sweep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tickers", nargs="+", default=list(STOP_LOSS_TICKERS))
    ap.add_argument("--out", default="reports", help="reports directory (default: reports)")
    ap.add_argument("--source", default="bundled", choices=["auto", "bundled", "cache", "yahoo"])
    ap.add_argument(
        "--fees", type=float, default=0.001, help="fee per fill, fraction (0.001 = 10 bp)"
    )
    ap.add_argument("--slippage", type=float, default=0.001, help="slippage per fill, fraction")
    ap.add_argument(
        "--ambiguity", default="stop_first", choices=["stop_first", "optimistic", "pessimistic"]
    )
    ap.add_argument("--no-walk-forward", action="store_true", help="skip the walk-forward check")
    a = ap.parse_args(argv)
    res = run_stop_loss_sweep(
        a.tickers, source=a.source, fees=a.fees, slippage=a.slippage, ambiguity=a.ambiguity,
        walk_forward_windows=None if a.no_walk_forward else (504, 126),
    )  # fmt: skip
    paths = write_stop_loss_report(res, a.out)
    print(res.summary(top=10))
    for key in ("dsr_by_ticker", "walk_forward"):
        tab = res.extras.get(key)
        if tab is not None:
            print(f"\n{key}:\n{tab.to_string(float_format=lambda x: f'{x:.4f}')}")
    for k, p in paths.items():
        print(f"{k}: {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
