"""Report writer and the ``event-study`` CLI command (small inputs, offline)."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd
import pytest
import typer
from test_events_synthetic import synthetic_panel
from typer.testing import CliRunner

from riskkit.cli.events import event_study_command
from riskkit.events import event_study, key_event_table, write_event_report

matplotlib.use("Agg")


def test_report_writes_html_and_csvs(tmp_path):
    returns, factors, ev = synthetic_panel(n_firms=5, planted=0.05, seed=4)
    res = [
        event_study(ev, returns=returns, factors=factors, calendar="returns", model=m)
        for m in ("market", "market_btc")
    ]
    path = write_event_report(res, tmp_path, key_events=["E00"], title="synthetic panel")
    html = path.read_text()
    assert "data:image/png;base64" in html  # figures embedded: opens offline
    assert "Key events" in html and "market_btc" in html
    for name in ["cars_market.csv", "abnormal_returns_market_btc.csv", "tests_market.csv",
                 "params_market.csv", "skipped_market.csv", "overlaps.csv", "key_events.csv"]:  # fmt: skip
        assert (tmp_path / name).is_file(), name
    key = pd.read_csv(tmp_path / "key_events.csv")
    assert set(key["model"]) == {"market", "market_btc"}
    assert len(key_event_table(res, ["E00"])) == 6


@pytest.fixture(scope="module")
def cli_app():
    app = typer.Typer()
    app.command("event-study")(event_study_command)

    @app.command("noop")
    def noop() -> None:  # a second command so that "event-study" is a subcommand
        pass

    return app


def test_cli_event_study_on_two_bundled_events(tmp_path, cli_app):
    cat = tmp_path / "ev.csv"
    pd.DataFrame(
        {
            "event_id": ["BITF-2025-11-13-pivot", "IREN-2025-11-03-microsoft", "IREN-old"],
            "ticker": ["BITF", "IREN", "IREN"],
            "date": ["2025-11-13", "2025-11-03", "2021-01-05"],  # IREN listed 2021-11-17
            "timing": ["pre-market", "pre-market", "pre-market"],
            "event_type": ["ai_pivot", "hpc_contract", "test"],
            "reported_move_pct": [-18.9, 11.5, ""],
        }
    ).to_csv(cat, index=False)
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli_app, ["event-study", "--events", str(cat), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report:" in result.output
    html = (out / "event_study" / "event_study.html").read_text()
    assert "IREN-old" in html and "before listing" in html
    key = pd.read_csv(out / "event_study" / "key_events.csv")
    assert len(key) == 2 * 2 * 3  # 2 events x 2 models x 3 windows
    skipped = pd.read_csv(out / "event_study" / "skipped_market.csv")
    assert skipped["event_id"].tolist() == ["IREN-old"]
    assert re.search(r"1 event\(s\) skipped", result.output)


def test_cli_bad_window(cli_app, tmp_path):
    result = CliRunner().invoke(cli_app, ["event-study", "--window", "x", "--out", str(tmp_path)])
    assert result.exit_code != 0
