"""Risk report and ``riskkit risk`` command on the bundled data (fast settings)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import riskkit
from riskkit import DataError
from riskkit.cli.risk import _parse_weights, risk
from riskkit.risk.report import build_risk_report


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", riskkit.RiskkitWarning)
        return riskkit.load_closes(["BITF", "IREN", "BTC-USD", "SPY"], source="bundled")


def test_report_tables_and_files(closes, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", riskkit.RiskkitWarning)
        rep = build_risk_report(
            closes,
            assets=["BITF", "IREN", "BTC-USD"],
            weights={"BITF": 0.5, "IREN": 0.3, "BTC-USD": 0.2},
            backtest_methods=["historical", "gaussian"],
        )
        paths = rep.write(tmp_path)
    assert rep.var.var.shape == (5, 3)
    assert len(rep.backtests) == 6
    assert rep.betas is not None and set(rep.betas.table.index) == {"BITF", "IREN"}
    p = rep.portfolio["gaussian"]
    assert p.component_var.sum() == pytest.approx(p.var)
    html = paths["html"].read_text()
    assert "VaR backtests" in html and "data:image/png;base64" in html
    summary = json.loads(paths["json"].read_text())
    assert summary["var"]["BITF"]["historical"] == pytest.approx(
        rep.var.var.loc["historical", "BITF"]
    )
    bt = pd.read_csv(paths["var_backtests"])
    assert {"p_pof", "p_ind", "p_cc"} <= set(bt.columns)
    assert (tmp_path / "stress.csv").exists()
    stress = rep.stress.to_frame() if rep.stress is not None else None
    assert stress is not None and "2025-10-10" in stress.index


def test_report_errors(closes):
    with pytest.raises(DataError, match="not in the closes"):
        build_risk_report(closes, assets=["XXX"])
    with pytest.raises(DataError, match="not among the assets"):
        build_risk_report(closes, assets=["BITF"], weights={"IREN": 1.0})
    with pytest.raises(DataError, match="backtest method 'x'"):
        build_risk_report(closes, assets=["BITF"], backtest_methods=["x"])


def test_cli_risk_command(tmp_path):
    app = typer.Typer()
    app.command()(risk)
    res = CliRunner().invoke(
        app,
        [
            "--tickers",
            "BITF",
            "--tickers",
            "BTC-USD",
            "--weights",
            "BITF=0.6,BTC-USD=0.4",
            "--out",
            str(tmp_path),
            "--methods",
            "historical",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "risk" / "risk_report.html").exists()
    assert "VaR" in res.output
    bad = CliRunner().invoke(
        app,
        [
            "--tickers",
            "BITF",
            "--weights",
            "1,2",
            "--out",
            str(tmp_path),
            "--methods",
            "historical",
        ],
    )
    assert bad.exit_code == 2 and "one per ticker" in bad.output


def test_parse_weights():
    assert _parse_weights("0.5,0.5", ["A", "B"]) == {"A": 0.5, "B": 0.5}
    assert _parse_weights("A=1", ["A", "B"]) == {"A": 1.0}
    assert _parse_weights(None, ["A"]) is None


def test_result_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from riskkit.risk import backtest_var, garch_volatility, portfolio_risk, stress_test

    rng = np.random.default_rng(0)
    i = pd.bdate_range("2022-01-03", periods=400)
    r = pd.DataFrame({"BTC-USD": rng.normal(0, 0.03, 400)}, index=i)
    r["M"] = 1.5 * r["BTC-USD"] + rng.normal(0, 0.01, 400)
    axes = [
        backtest_var(r["M"], method="gaussian").plot(),
        garch_volatility(r["M"]).plot(),
        portfolio_risk(r, {"M": 0.5, "BTC-USD": 0.5}).plot(),
        stress_test(r, {"M": 1.0, "BTC-USD": 0.0}, days=["2022-03-01"]).plot(),
    ]
    for ax in axes:
        assert hasattr(ax, "figure") and ax.has_data()
    plt.close("all")
