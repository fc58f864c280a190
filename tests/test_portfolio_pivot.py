"""The pivot-event portfolio study on the bundled data (real snapshot, bundled catalog).

Checked against what this code did not produce: the single-instrument engine's pivot-event
trades (``riskkit.studies.run_pivot_events``, an independent kernel) and buy-and-hold
returns worked out by hand from the bundled prices.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.backtest import Sizing
from riskkit.cli import backtest as cli_backtest
from riskkit.data import load_prices
from riskkit.studies import run_pivot_events
from riskkit.studies.pivot_portfolio import run_pivot_portfolio, write_pivot_portfolio_page
from strategies.pivot_event import pivot_ticker_signals

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study():
    return run_pivot_portfolio()


def test_trades_equal_the_single_instrument_engine(study):
    """Each round trip of the portfolio (fees + slippage, no cash limit hit) is the same
    trade as the single-instrument engine's for that event: dates and return to 1e-9."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        single = run_pivot_events(hold=5).trades
    res = study.runs["pivot by type, fees+slippage"]
    assert res.stats["cash_limited_fills"] == 0 and res.stats["skipped_max_positions"] == 0
    merged = single.merge(res.trades, on=["ticker", "entry_date"], suffixes=("_1", "_p"))
    assert len(merged) == len(res.trades) == 25  # 28 events, 3 inside another's hold
    assert (merged["exit_date_1"] == merged["exit_date_p"]).all()
    np.testing.assert_allclose(merged["return_p"], merged["return_1"], rtol=1e-9, atol=1e-12)
    # the three events not traded alone start inside an earlier event's hold on that name
    alone = single[~single.set_index(["ticker", "entry_date"]).index.isin(
        merged.set_index(["ticker", "entry_date"]).index)]  # fmt: skip
    for row in alone.itertuples():
        held = res.trades[(res.trades["ticker"] == row.ticker)]
        assert ((held["entry_date"] < row.entry_date) & (held["exit_date"] >= row.entry_date)).any()


def test_benchmarks_by_hand(study):
    p = load_prices(sorted(study.basket.settings["names"]) + ["BTC-USD"], source="bundled")
    first, last = pd.Timestamp(study.settings["first"]), pd.Timestamp(study.settings["last"])
    f = s = 0.001
    # BTC-USD: the whole cash at the first open after the first close, held to the end
    btc = p[[("open", "BTC-USD"), ("close", "BTC-USD")]].dropna().loc[first:last]
    q = 100_000.0 / btc.iloc[0, 1]  # the target: 100% of equity at the first close
    cost = q * btc.iloc[1, 0] * (1 + s) * (1 + f)
    scale = min(1.0, 100_000.0 / cost)
    want = (100_000.0 - cost * scale + q * scale * btc.iloc[-1, 1]) / 100_000.0 - 1
    assert math.isclose(study.btc.stats["total_return"], want, rel_tol=1e-9)
    # basket: 1/N of 100,000 at the first close each, scaled down together to the cash
    names = study.basket.settings["names"]
    q, cost, value = {}, 0.0, 0.0
    for t in names:
        b = p[[("open", t), ("close", t)]].dropna().loc[first:last]
        q[t] = 100_000.0 / len(names) / b.iloc[0, 1]
        cost += q[t] * b.iloc[1, 0] * (1 + s) * (1 + f)
        value += q[t] * b.iloc[-1, 1]
    scale = min(1.0, 100_000.0 / cost)
    want = 100_000.0 - min(cost, 100_000.0) + value * scale
    assert math.isclose(study.basket.stats["final_equity"], want, rel_tol=1e-9)


def test_cost_ladder_and_capacity(study):
    t = study.table
    typ = t[(t["strategy"] == "pivot by type") & (t["init_cash"] == 100_000.0)].set_index("costs")
    assert typ.loc["none", "total_return"] > typ.loc["fees+slippage", "total_return"]
    assert typ.loc["with borrow", "borrow_paid"] == 0  # long only: nothing to borrow
    rx = t[t["strategy"] == "pivot by reaction"].set_index("costs")
    assert rx.loc["with borrow", "borrow_paid"] > 0
    big = t[(t["strategy"] == "pivot by type") & (t["init_cash"] > 100_000.0)].set_index("costs")
    assert big.loc["with volume cap", "volume_capped_fills"] > 0
    assert big.loc["with volume cap", "total_return"] != big.loc["with borrow", "total_return"]
    eff = study.cost_effects()
    assert set(eff["cost"]) == {"fees+slippage", "borrow", "volume cap"}
    assert set(study.risk.columns) >= {"var_historical", "cvar_historical", "max_drawdown"}


def test_page_and_display(study, tmp_path):
    page = write_pivot_portfolio_page(study, tmp_path)
    html = page.read_text(encoding="utf-8")
    for heading in ("Conclusion", "Every run", "What each cost changes", "Risk of the equity",
                    "Contribution by name", "Events not traded"):  # fmt: skip
        assert heading in html
    assert f"{study.main.stats['total_return']:+.1%}" in study.conclusion()
    assert (tmp_path / "pivot_portfolio_runs.csv").is_file()
    assert "<table" in study._repr_html_() and len(repr(study).splitlines()) <= 3


def test_ticker_signals_merge_a_ticker_s_events():
    idx = pd.bdate_range("2025-01-06", periods=8)
    b = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0}, index=idx)
    plan = pd.DataFrame(
        {"decision_date": [idx[0], idx[5], idx[2]], "exit_decision_date": [idx[3], pd.NaT, idx[6]],
         "side": [1, -1, 0], "dropped": ["", "", "no side"]},
        index=pd.Index(["a", "b", "c"], name="event_id"),
    )  # fmt: skip
    s = pivot_ticker_signals(b, plan, sl_stop=0.1)
    assert s is not None
    assert s.entries[s.entries].index.tolist() == [idx[0]]
    assert s.exits[s.exits].index.tolist() == [idx[3]]
    assert s.short_entries[s.short_entries].index.tolist() == [idx[5]]
    assert not s.short_exits.any() and s.params["events"] == ["a", "b"]
    assert pivot_ticker_signals(b, plan[plan["dropped"] != ""]) is None


@pytest.mark.slow
def test_script_runs_the_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    spec = importlib.util.spec_from_file_location("_pp", ROOT / "backtests" / "pivot_portfolio.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert cli_backtest.pivot_portfolio in vars(mod).values()
    assert mod.main(["--help"]) == 0
    assert "--volume-cap" in capsys.readouterr().out
    assert mod.main(["--out", str(tmp_path), "--max-positions", "3"]) == 0
    assert (tmp_path / "pivot_portfolio" / "pivot_portfolio.html").is_file()
    assert "report:" in capsys.readouterr().out


def test_study_refuses_a_catalog_without_company_events(tmp_path):
    from riskkit import DataError

    csv = tmp_path / "ev.csv"
    csv.write_text("event_id,ticker,date,timing\nm1,MKT,2025-01-06,pre-market\n", encoding="utf-8")
    with pytest.raises(DataError, match="no company event"):
        run_pivot_portfolio(events=str(csv), sizing=Sizing(fraction=0.2))
