"""Ready-made runs on the bundled data, reports, CLI and scripts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskkit.backtest.report import stop_loss_table, write_pivot_report, write_stop_loss_report
from riskkit.studies import (
    btc_hedge_overlay,
    run_pivot_events,
    run_stop_loss_sweep,
    trade_return_summary,
)

ROOT = Path(__file__).resolve().parents[1]
PRICES = ROOT / "riskkit" / "_bundled" / "prices"


def _csv(ticker):
    return pd.read_csv(PRICES / f"{ticker}.csv", index_col="date", parse_dates=True)


@pytest.fixture(scope="module")
def pivot():
    with pytest.warns(UserWarning, match="not traded"):
        return run_pivot_events(hold=5, hedge=True, fees=0.001, slippage=0.002)


def test_pivot_trade_read_from_the_csv(pivot):
    """BITF 2025-11-13 (pre-market): buy the 11-13 open, sell the open 5 sessions later."""
    t = pivot.trades.set_index("event_id").loc["BITF-2025-11-13-pivot"]
    px = _csv("BITF")
    o_in, o_out = px.loc["2025-11-13", "open"], px.loc["2025-11-20", "open"]
    assert t.entry_date == pd.Timestamp("2025-11-13") and t.exit_date == pd.Timestamp("2025-11-20")
    assert t.entry_price == pytest.approx(o_in * 1.002) and t.exit_price == pytest.approx(
        o_out * 0.998
    )
    gross = (o_out * 0.998 * 0.999) / (o_in * 1.002 * 1.001) - 1  # all-in, fees 10 bp each way
    assert t["return"] == pytest.approx(gross, rel=1e-9)


def test_pivot_after_close_and_plan(pivot):
    tr = pivot.trades.set_index("event_id")
    # CORZ-CoreWeave: after close Mon 2024-06-03 -> first tradable open Tue 06-04
    assert tr.loc["CORZ-2024-06-03-coreweave-hpc", "entry_date"] == pd.Timestamp("2024-06-04")
    plan = pivot.extras["plan"]
    assert len(plan) == 41
    assert (plan.loc[plan.index.str.startswith("MKT"), "dropped"] != "").all()
    assert len(tr) + pivot.extras["events_not_traded"] == 41
    assert {"hedge_beta", "hedged_return"} <= set(pivot.trades.columns)


def test_hedge_overlay_hand_calculation():
    days = pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])
    btc = pd.Series([100.0, 110.0, 90.0], index=days)
    trades = pd.DataFrame({"config": ["a", "b"], "direction": ["long", "short"], "entry_date": days[[0, 0]],
                           "exit_date": days[[2, 1]], "exit_reason": ["signal", "signal"], "return": [0.1, 0.05]})  # fmt: skip
    out = btc_hedge_overlay(trades, pd.Series({"a": 2.0, "b": 0.5}), btc, fees=0.001, slippage=0.01)
    # a: long stock -> short BTC: sell 100*0.99, buy back 90*1.01; ratio 90.9/99
    q = 90 * 1.01 / (100 * 0.99)
    assert out["hedge_return"].iloc[0] == pytest.approx(2.0 * (-(q - 1) - 0.001 * (1 + q)))
    # b: short stock -> long BTC: buy 100*1.01, sell 110*0.99
    q = 110 * 0.99 / (100 * 1.01)
    assert out["hedge_return"].iloc[1] == pytest.approx(0.5 * ((q - 1) - 0.001 * (1 + q)))
    assert out["hedged_return"].iloc[1] == pytest.approx(0.05 + out["hedge_return"].iloc[1])


def test_trade_return_summary_vs_scipy():
    r = pd.Series(np.random.default_rng(2).normal(0.01, 0.1, 40))
    s = trade_return_summary(r)
    assert s["t_stat"] == pytest.approx(stats.ttest_1samp(r, 0.0).statistic, rel=1e-12)
    assert s["hit_rate"] == pytest.approx((r > 0).mean())


def test_stop_loss_sweep_small_grid_and_reports(tmp_path, pivot):
    grid = [{"signals": ["buy_and_hold"], "sl_stop": [None]},
            {"signals": ["ma_trend"], "sl_stop": [0.2], "sl_trail": [True], "tp_stop": [0.5],
             "after_stop": ["wait", "recover"]}]  # fmt: skip
    res = run_stop_loss_sweep(
        ["IREN", "BTC-USD"], grid=grid, walk_forward_windows=(504, 126), progress=False
    )
    tab = stop_loss_table(res)
    bh = tab[(tab["ticker"] == "IREN") & (tab["stop"] == "none")].iloc[0]
    px = _csv("IREN")
    shares = 100_000 / 1.001 / (px["open"].iloc[1] * 1.001)  # signal on day 1, fill at day 2 open
    assert bh["total_return"] == pytest.approx(
        shares * px["close"].iloc[-1] / 100_000 - 1, rel=1e-9
    )
    assert res.settings["periods_per_year"] == {"IREN": 252.0, "BTC-USD": 365.0}
    assert (tab["ticker"] == "BTC-USD").sum() == 3
    assert set(tab["stop"]) == {"none", "trailing"} and set(tab["after_stop"]) == {
        "n/a",
        "wait",
        "recover",
    }
    assert set(res.extras["dsr_by_ticker"].index) == {"IREN", "BTC-USD"}
    wf = res.extras["walk_forward"]
    assert set(wf.index) == {"IREN", "BTC-USD"}
    assert set(res.extras["no_stop"].index.get_level_values("after_stop")) == {"wait", "recover"}
    p1 = write_stop_loss_report(res, tmp_path)
    p2 = write_pivot_report(pivot, tmp_path)
    for p in [*p1.values(), *p2.values()]:
        assert p.exists() and p.stat().st_size > 0
    html = p1["html"].read_text()
    assert "Deflated Sharpe" in html and "data:image/png;base64" in html
    assert "Did the stop help?" in html
    assert "Events not traded" in p2["html"].read_text()


def test_default_stop_loss_grid_counts_and_baseline_equals_plain_backtest():
    """The study's labelled table: 342 configurations a ticker, and its buy-and-hold row
    equals a plain run_backtest of the same signals (REAL bundled BITF bars)."""
    res = run_stop_loss_sweep(["BITF"], walk_forward_windows=None, hedge_level=None,
                              progress=False)  # fmt: skip
    tab = stop_loss_table(res)
    assert len(tab) == 342
    counts = tab.groupby("stop").size().to_dict()
    assert counts == {"none": 9, "fixed": 135, "trailing": 108, "atr": 81, "btc_level": 9}
    from riskkit.backtest import Signals, bars_for, run_backtest
    from riskkit.data import load_prices

    b = bars_for(load_prices(["BITF"], source="bundled"), "BITF")
    hold = Signals(entries=pd.Series(b.index == b.index[0], index=b.index))
    plain = run_backtest(b, hold)
    row = tab[(tab["entry"] == "buy_and_hold") & (tab["stop"] == "none") & tab["target"].isna()]
    assert row["final_equity"].iloc[0] == pytest.approx(
        plain.stats["final_equity"].iloc[0], rel=1e-12
    )


def test_cli_pivot_event(tmp_path):
    import typer
    from typer.testing import CliRunner

    from riskkit.cli.backtest import app

    root = typer.Typer()
    root.add_typer(app, name="backtest")
    r = CliRunner().invoke(root, ["backtest", "pivot-event", "--hold", "3", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert re.search(r"^warning: .*not traded", r.output, re.M)  # a warning line, no file:line
    assert (tmp_path / "pivot_event" / "pivot_event_trades.csv").exists()
    r = CliRunner().invoke(root, ["backtest", "pivot-event", "--hold", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "--hold" in r.output  # bad input: exit 2


@pytest.mark.parametrize("script", ["stop_loss.py", "pivot_event.py"])
def test_scripts_help(script):
    out = subprocess.run([sys.executable, str(ROOT / "backtests" / script), "--help"],
                         capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
    assert "--out" in out.stdout


def test_pivot_event_grid_small(tmp_path, pivot):
    from riskkit.studies import pivot_event_grid

    g = pivot_event_grid(
        holds=(5,), stops=(None, 0.15), targets=(None,), progress=False, fees=0.001, slippage=0.002
    )
    assert list(g["hold"]) == [5, 5] and g["n"].tolist() == [28.0, 28.0]
    # the no-stop row reproduces the fixture's (same costs, hold 5) unhedged summary
    assert g["mean"].iloc[0] == pytest.approx(
        pivot.extras["trade_summary"].loc["all", "mean"], rel=1e-12
    )
    assert g["stop_exits"].iloc[0] == 0 and g["stop_exits"].iloc[1] > 0
    paths = write_pivot_report(pivot, tmp_path, grid=g)
    assert paths["grid"].exists() and "Grid over hold" in paths["html"].read_text()
