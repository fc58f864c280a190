"""Issue 9, items 13 (CLI options), 14 and 16: every command fails in one line.

Exit 2 for bad input, 1 for a failed run, ``warning: ...`` lines, no traceback. Each bad
input is named: --placebo -1, --rows -5, a float window, ``data check keel``, a minimal
catalog, a semicolon file, --out as an existing file, /dev/null, a read-only folder, a
corrupt cache file.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskkit.cli import app

runner = CliRunner()
MINIMAL = "event_id,ticker,date\nIREN-a,IREN,2025-06-04\n"


def _run(*args: str):
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output, res.output
    return res


def _main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script (``riskkit.cli.main``) in a child process."""
    code = "from riskkit.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env
    )


# -- item 13: option values ----------------------------------------------------------------


def test_placebo_minus_1_is_bad_input():
    assert _run("event-study", "--placebo", "-1").exit_code == 2


def test_rows_minus_5_is_bad_input():
    assert _run("data", "show", "IREN", "--rows", "-5").exit_code == 2


def test_float_event_window_is_bad_input(tmp_path):
    res = _run("event-study", "--window", "-0.5,1", "--out", str(tmp_path))
    assert res.exit_code == 2 and "whole numbers" in res.output


def test_data_check_keel_resolves_the_alias_to_bitf():
    res = _run("data", "check", "keel")
    assert res.exit_code == 0, res.output
    assert "BITF" in res.output and "1 ticker(s) checked" in res.output


def test_data_check_refuses_a_path_as_ticker():
    assert _run("data", "check", "../etc").exit_code == 2


# -- item 14: minimal catalog ------------------------------------------------------------------


def test_event_study_on_minimal_catalog_without_reported_move_pct_runs(tmp_path):
    cat = tmp_path / "minimal.csv"
    cat.write_text(MINIMAL)
    res = _run(
        "event-study", "--events", str(cat), "--model", "market", "--out", str(tmp_path / "o")
    )
    assert res.exit_code == 0, res.output
    assert "No tickers given" not in res.output
    assert "warning: events file minimal.csv has no 'timing' column" in res.output


def test_event_study_on_semicolon_file_is_one_line_bad_input(tmp_path):
    cat = tmp_path / "semi.csv"
    cat.write_text(MINIMAL.replace(",", ";"))
    res = _run("event-study", "--events", str(cat), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "error: events file semi.csv separates its columns" in res.output


# -- item 16: --out problems are found before any work --------------------------------------


@pytest.mark.parametrize("command", [["event-study"], ["risk"], ["backtest", "stop-loss"]])
def test_out_is_an_existing_file(tmp_path, command):
    f = tmp_path / "taken.txt"
    f.write_text("x")
    t0 = time.perf_counter()
    res = _run(*command, "--out", str(f))
    assert res.exit_code == 2 and "is a file, not a folder" in res.output
    assert time.perf_counter() - t0 < 5  # checked first, not after ~20 s of work


def test_out_is_dev_null():
    res = _run("backtest", "pivot-event", "--out", "/dev/null")
    assert res.exit_code == 2 and "'/dev/null' is a file, not a folder" in res.output


def test_out_is_a_read_only_folder(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # root ignores chmod, so the refusal is simulated where the check writes its probe
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    res = _run("report", "--out", str(tmp_path))
    assert res.exit_code == 2 and "is not writable (Permission denied)" in res.output


def test_out_under_a_file_cannot_be_created(tmp_path):
    (tmp_path / "f").write_text("x")
    res = _run("risk", "--out", str(tmp_path / "f" / "sub"))
    assert res.exit_code == 2 and "cannot be created" in res.output


def test_data_list_with_a_corrupt_cache_file_is_a_warning_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKKIT_CACHE_DIR", str(tmp_path))
    (tmp_path / "IREN.parquet").write_bytes(b"not parquet at all")
    res = _run("data", "list")
    assert res.exit_code == 0, res.output
    assert "warning: cache file of IREN skipped" in res.output


# -- the console script: one line on stderr, exit codes ---------------------------------------


def test_console_script_usage_error_is_one_line_exit_2():
    p = _main("event-study", "--placebo", "-1")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: "), p.stderr
    assert "Traceback" not in p.stderr


def test_console_script_data_error_is_one_line_exit_2():
    p = _main("data", "show", "NOPE")
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, p.stderr


def test_console_script_warnings_are_warning_lines(tmp_path):
    cat = tmp_path / "minimal.csv"
    cat.write_text(MINIMAL)
    p = _main(
        "event-study", "--events", str(cat), "--model", "market", "--out", str(tmp_path / "o")
    )
    assert p.returncode == 0, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln]
    assert lines and all(ln.startswith("warning: ") for ln in lines), p.stderr
    assert not any(".py:" in ln for ln in lines)
    assert Path(tmp_path / "o" / "event_study" / "event_study.html").exists()


def test_third_party_deprecation_notices_are_not_printed_regression(capsys):
    """`riskkit report` printed pandas' deprecation notice about exchange_calendars as a
    user-facing warning line; riskkit's own warnings still are printed."""
    import warnings

    from riskkit._errors import RiskkitWarning
    from riskkit.cli._common import guarded

    with guarded():
        warnings.warn_explicit("Series.values is deprecated", DeprecationWarning,
                               filename="/site-packages/exchange_calendars/x.py", lineno=1)  # fmt: skip
        warnings.warn("3 events not traded", RiskkitWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert "warning: 3 events not traded" in err and "deprecated" not in err
