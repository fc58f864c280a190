"""The data CLI: thin commands over the library."""

from __future__ import annotations

from typer.testing import CliRunner

from riskkit.cli import app

runner = CliRunner()


def test_data_check_passes_on_bundled():
    res = runner.invoke(app, ["data", "check"])
    assert res.exit_code == 0, res.output
    assert "14 ticker(s) checked, 0 error(s)." in res.output


def test_data_list_and_show():
    res = runner.invoke(app, ["data", "list"])
    assert res.exit_code == 0 and "BITF" in res.output and "2026-05-29" in res.output
    res = runner.invoke(
        app, ["data", "show", "BITF", "--start", "2025-11-12", "--end", "2025-11-13"]
    )
    assert res.exit_code == 0 and "2.60" in res.output


def test_unknown_ticker_exit_2():
    res = runner.invoke(app, ["data", "show", "NOPE"])
    assert res.exit_code == 2 and "Unknown ticker" in res.output


def test_fetch_offline_fails_fast_and_leaves_cache_untouched(tmp_path, monkeypatch):
    import riskkit.data.yahoo as y

    monkeypatch.setenv("RISKKIT_CACHE_DIR", str(tmp_path))

    def offline(symbols, start, end, timeout):
        raise ConnectionError("no route to host (simulated offline)")

    monkeypatch.setattr(y, "default_fetcher", offline)
    monkeypatch.setattr("time.sleep", lambda s: None)
    # RISKKIT_OFFLINE=1 (conftest): fails before any fetch
    res = runner.invoke(app, ["data", "fetch", "IREN"])
    # a source that cannot serve is a failed run (exit 1), not bad input (exit 2)
    assert res.exit_code == 1 and "unreachable" in res.output and "left untouched" in res.output
    # reachable but every download fails: retried, then a clear error
    monkeypatch.setattr("riskkit.cli.data.yahoo_reachable", lambda: True)
    res = runner.invoke(app, ["data", "fetch", "IREN"])
    assert res.exit_code == 1 and "could not be reached" in res.output
    assert list(tmp_path.iterdir()) == []
