"""Result objects in a notebook (issue 13, item 6): a short ``repr``, an HTML view with real
tables, a ``summary()`` that is text and HTML, and ``plot()`` without global side effects.

Every result is built on the REAL bundled snapshot, small settings so the module is fast.
"""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit._display import Summary, Table, fmt_value, html_table, short_repr


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", riskkit.RiskkitWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    from riskkit.backtest import Signals, bars_for, run_backtest, sweep
    from riskkit.events import event_study
    from riskkit.events.simulate import simulate
    from riskkit.risk import backtest_var, garch_volatility
    from riskkit.risk.report import build_risk_report

    out: dict[str, object] = {}
    out["event_study"] = _quiet(event_study)
    out["simulation"] = _quiet(simulate, 5, n_trials=3, windows=[(0, 0)], effect=0.05, seed=1)
    px = _quiet(riskkit.load_prices, ["IREN"], source="bundled", start="2024-01-01")
    bars = bars_for(px, "IREN")
    dip = bars["close"].pct_change() < -0.05
    sigs = {f"IREN|sl={v}": Signals(entries=dip, sl_stop=v, params={"sl": v}) for v in (0.05, 0.1)}
    out["backtest"] = run_backtest(bars, sigs, ticker="IREN")
    out["sweep"] = sweep(
        {"IREN": bars}, {"IREN": {"dip": Signals(entries=dip)}},
        {"sl_stop": [None, 0.05, 0.1]}, progress=False,
    )  # fmt: skip
    closes = _quiet(riskkit.load_closes, ["BITF", "IREN", "BTC-USD", "SPY"], source="bundled")
    rep = _quiet(build_risk_report, closes, backtest_methods=("historical",))
    out["risk_report"] = rep
    out["var_table"] = rep.var
    out["betas"] = rep.betas
    out["stress"] = rep.stress
    for name, p in rep.portfolio.items():
        out[f"portfolio_{name}"] = p
    iren = closes["IREN"].dropna().pct_change().dropna()
    out["var_backtest"] = _quiet(backtest_var, iren, method="historical", window=250)
    out["garch"] = _quiet(garch_volatility, iren)
    return out


NAMES = [
    "event_study", "simulation", "backtest", "sweep", "risk_report", "var_table", "betas",
    "stress", "portfolio_gaussian", "portfolio_historical", "var_backtest", "garch",
]  # fmt: skip


def test_every_result_is_built(results):
    assert set(NAMES) <= set(results)


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_a_few_lines(results, name):
    r = repr(results[name])
    assert len(r) < 1_000 and len(r.splitlines()) < 15, r
    assert r.startswith(type(results[name]).__name__)


@pytest.mark.parametrize("name", NAMES)
def test_html_view_is_a_real_table(results, name):
    h = results[name]._repr_html_()
    assert "<table" in h and "<pre>" not in h
    assert "<th>" in h and "</table>" in h
    # nothing printed unformatted: no 8-decimal floats from a raw frame dump
    assert not re.search(r">-?\d+\.\d{7,}<", h), name


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_text_and_html(results, name):
    res = results[name]
    s = res.summary()
    assert isinstance(s, Summary) and isinstance(s, str)
    assert str(res) == str(s) and len(str(s).splitlines()) >= 2
    assert "<table" in s._repr_html_()
    assert len(repr(s)) < 200 and "\n" not in repr(s)
    printed: list[str] = []

    class _P:  # IPython's pretty printer, as far as _repr_pretty_ uses it
        def text(self, t: str) -> None:
            printed.append(t)

    s._repr_pretty_(_P(), False)
    assert printed == [str(s)]


def test_formats_by_meaning(results):
    h = results["event_study"]._repr_html_()
    assert "p-value" in h and "%" in h and "car_se" not in h
    b = results["backtest"]._repr_html_()
    assert "Total return" in b and "Max drawdown" in b and re.search(r">-?\d+\.\d\d%<", b)
    p = results["portfolio_gaussian"]._repr_html_()
    assert "Component VaR" in p and "%" in p
    beta = results["betas"]._repr_html_()
    assert re.search(r">\d{4}-\d\d-\d\d<", beta) and "00:00:00" not in beta


PLOTS = ["event_study", "backtest", "var_backtest", "garch", "betas", "stress",
         "portfolio_gaussian"]  # fmt: skip


@pytest.mark.parametrize("name", PLOTS)
def test_plot_leaves_rcparams_unchanged(results, name):
    before = dict(matplotlib.rcParams)
    n_figs = len(plt.get_fignums())
    out = results[name].plot()
    fig = out if isinstance(out, matplotlib.figure.Figure) else out.figure
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k] and not _both_nan(before[k], after[k])}
    assert not changed, changed
    assert len(plt.get_fignums()) <= n_figs + 1  # at most the one figure it returns
    plt.close(fig)


def test_heatmap_leaves_rcparams_unchanged(results):
    before = dict(matplotlib.rcParams)
    fig = results["backtest"].plot_heatmap("sl", "ticker", metric="total_return")
    assert dict(matplotlib.rcParams).keys() == before.keys()
    assert all(before[k] == v or _both_nan(before[k], v) for k, v in matplotlib.rcParams.items())
    plt.close(fig)


def test_sweep_html_shows_the_key_columns(results):
    h = results["sweep"]._repr_html_()
    assert "Stop loss" in h and "Sharpe" in h and "exits_stop_gap" not in h
    assert "exits_stop_gap" in str(results["sweep"].summary())  # the text keeps them all


def _both_nan(a, b) -> bool:
    try:
        return bool(np.isnan(a) and np.isnan(b))
    except (TypeError, ValueError):
        return False


# -- the helper itself ----------------------------------------------------------------------


def test_fmt_value_by_kind():
    """The summaries' kinds read as the report pages' (riskkit._format): one formatter."""
    assert fmt_value(0.01234, "pct") == "1.23%" and fmt_value(-0.2142, "pct1") == "\u221221.4%"
    assert fmt_value(95.0) == "95" and fmt_value(12345, "int") == "12,345"
    assert fmt_value(pd.Timestamp("2025-10-10")) == "2025-10-10"
    assert fmt_value(float("nan")) == "–" and fmt_value(None) == "–" and fmt_value(pd.NaT) == "–"
    assert fmt_value(float("inf"), "num") == "∞" and fmt_value(True) == "yes"
    assert fmt_value(1e-6, "p") == "<0.001" and fmt_value(0.5, "p") == "0.500"
    assert fmt_value(-1.23456, "num") == "\u22121.2346" and fmt_value(2.5, "num2") == "2.50"
    # the same cell on a page and in a summary
    from riskkit._format import format_value

    for x in (0.0297, 0.00004, 0.5):
        assert fmt_value(x, "p") == format_value(x, "pvalue")
    assert fmt_value(-0.2142, "pct") == format_value(-0.2142, "percent")
    with pytest.raises(ValueError, match="kind='bogus'"):
        fmt_value(1.0, "bogus")


def test_html_is_escaped_and_has_no_index_column():
    f = pd.DataFrame({"name": ["<b>x</b>"], "n": [3.0], "r": [0.5]}, index=[7])
    h = html_table(f, {"r": "pct"})
    assert "&lt;b&gt;x&lt;/b&gt;" in h and "<b>x" not in h
    assert ">3<" in h and ">50.00%<" in h and ">7<" not in h
    s = Summary("Title\nline <1>", ["line <1>", Table(f)])
    assert str(s) == "Title\nline <1>" and "line &lt;1&gt;" in s._repr_html_()
    assert "line" in s and s.splitlines()[0] == "Title"


def test_summary_pickles_and_short_repr_wraps():
    import pickle

    s = Summary("A\nB", ["B"])
    t = pickle.loads(pickle.dumps(s))
    assert t == s and t.heading == "A" and t.blocks == ("B",)
    r = short_repr("X", [(f"k{i}", "v" * 20) for i in range(10)])
    assert r.startswith("X(k0=") and r.endswith(")") and max(map(len, r.splitlines())) <= 90
