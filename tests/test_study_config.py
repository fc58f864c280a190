"""Issue 13, item 3: ``riskkit report --config study.toml``.

The study file: every key optional, unknown keys and wrong kinds refused with what is
allowed, flags over the file, the effective configuration written beside the report and
read back to the same study. The end-to-end run uses a different universe and a user
events file (the issue's "Must show"), on a reduced grid so that it stays short.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from riskkit import DataError
from riskkit.cli import app
from riskkit.studies.config import CONFIG_KEYS, StudyConfig, dump_config, load_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PEERS = ("CORZ", "CIFR", "APLD", "MARA", "RIOT", "CLSK")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_empty_file_is_the_bundled_study(tmp_path):
    assert load_config(_write(tmp_path, "")) == StudyConfig()


def test_example_file_reads_as_written():
    cfg = load_config(EXAMPLES / "study.toml")
    assert cfg.tickers == PEERS and cfg.event_tickers == PEERS
    assert cfg.events == (EXAMPLES / "peer_events.csv").resolve()
    assert cfg.windows == ((-1, 1), (0, 0), (0, 5))
    assert cfg.sim_events == 20 and cfg.hedge is True
    assert cfg.fixed_stops == (0.10, 0.20) and cfg.trailing_stops == (0.15, 0.30)
    assert cfg.atr_stops == (3.0,) and cfg.targets == (0.5,)
    assert cfg.stop_loss_tickers == PEERS  # empty [stop_loss] tickers: the universe
    assert cfg.weights_by_ticker() is None  # empty weights: equal weights


def test_example_documents_every_key():
    text = (EXAMPLES / "study.toml").read_text(encoding="utf-8")
    for table, keys in CONFIG_KEYS.items():
        if table:
            assert f"[{table}]" in text, table
        for k in keys:
            assert re.search(rf"^{k} = ", text, re.M), (table, k)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[data]\ntickrs = ['IREN']\n", r"unknown key 'tickrs' in \[data\]; allowed: source, tickers, market"),
        ("[datta]\ntickers = ['IREN']\n", r"unknown table \[datta\]; allowed: \[data\], \[events\]"),
        ("[risk]\nlevel = 1.5\n", r"\[risk\] level: got 1.5; expected a number in \[0.5, 0.9999\]"),
        ("[events]\nwindows = [[1, -1]]\n", r"windows\[0\]: got \[1, -1\]; expected \[first, last\]"),
        ("[events]\nmodels = ['capm']\n", r"models\[0\]: got 'capm'; expected one of constant"),
        ("[events]\ncatalog = 'nope.csv'\n", r"events file .*nope.csv' not found"),
        ("[data]\ntickers = ['../etc']\n", r"not allowed \(a ticker is never a path\)"),
        ("[data]\ntickers = ['A', 'B']\n[risk]\nweights = [1.0]\n", r"1 weight\(s\) for 2 ticker\(s\)"),
        ("[data]\ntickers = ['A', 'B']\n[risk]\nweights = [0.5, 0.6]\n", r"weights sum to 1.1"),
        ("[pivot_event]\nhedge = 'yes'\n", r"hedge: got 'yes'; expected true or false"),
        ("[simulation]\ntrials = -1\n", r"trials: got -1; expected a whole number >= 0"),
        ("[data\n", r"is not valid TOML"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_what_is_allowed(tmp_path, text, match):
    with pytest.raises(DataError, match=match):
        load_config(_write(tmp_path, text))


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(DataError, match="not found; pass the path of a TOML file"):
        load_config(tmp_path / "absent.toml")
    p = tmp_path / "latin1.toml"
    p.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(DataError, match="is not UTF-8 text"):
        load_config(p)


def test_flags_override_the_file_and_are_checked_again():
    cfg = load_config(EXAMPLES / "study.toml").with_overrides(sim_trials=10, source=None)
    assert cfg.sim_trials == 10 and cfg.source == "bundled"  # None: a flag not given
    with pytest.raises(DataError, match="weights sum"):
        StudyConfig(tickers=("A", "B")).with_overrides(weights=(0.2, 0.2))


def test_dump_reads_back_to_the_same_study(tmp_path):
    for cfg in (StudyConfig(), load_config(EXAMPLES / "study.toml")):
        assert load_config(_write(tmp_path, dump_config(cfg))) == cfg


def test_cli_bad_config_is_one_line_exit_2(tmp_path):
    bad = _write(tmp_path, "[risk]\nlevell = 0.9\n")
    run = CliRunner().invoke(app, ["report", "--config", str(bad), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2
    lines = [ln for ln in run.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "levell" in lines[0], run.output
    run = CliRunner().invoke(app, ["report", "--events", str(tmp_path / "x.csv"),
                                   "--out", str(tmp_path / "o")])  # fmt: skip
    assert run.exit_code == 2 and "no such file" in run.output


@pytest.mark.slow
def test_peer_universe_with_a_user_events_file_end_to_end(tmp_path):
    """The issue's Must show, on a reduced grid: the peers and their own events file."""
    from riskkit.studies import run_full_report

    events = tmp_path / "my_events.csv"
    peers = pd.read_csv(EXAMPLES / "peer_events.csv")
    peers[peers["event_type"] != "earnings"].to_csv(events, index=False)
    study = _write(
        tmp_path,
        f"""title = "peers"
[data]
tickers = {list(PEERS)!r}
[events]
catalog = "{events.name}"
tickers = {list(PEERS)!r}
models = ["market"]
windows = [[-1, 1], [0, 0]]
[simulation]
trials = 10
events_per_trial = 10
[stop_loss]
fixed_stops = [0.1]
trailing_stops = []
atr_stops = []
targets = []
after_stop = ["wait"]
walk_forward = [252, 126]
""",
    )
    cfg = load_config(study)
    out = tmp_path / "report"
    rep = run_full_report(out, config=cfg)
    page = rep.index.read_text(encoding="utf-8")
    # CORZ's first events (too soon after its relisting) are skipped, and the page says so
    skips = [w for w in rep.warnings["event_study"] if "CORZ-2024-06-03" in w]
    assert skips and "at least 100 are required" in skips[0]
    assert "Warnings raised by the event study step" in page
    assert "<title>peers</title>" in page and "CORZ, CIFR, APLD, MARA, RIOT, CLSK" in page
    # the events are the user's file only, without the earnings row it left out
    cars = pd.read_csv(out / "event_study" / "cars_market.csv")
    assert set(cars["event_id"]) <= set(peers.loc[peers["event_type"] != "earnings", "event_id"])
    assert "APLD-2026-01-07-fq2" not in set(cars["event_id"])
    # the risk tables are the peers'; the stop-loss grid is the reduced one (3 entry rules x
    # (no stop, one fixed stop, the BTC exit), no targets = 9 configurations a ticker)
    var = pd.read_csv(out / "risk" / "var_table.csv")
    assert set(var["asset"]) == set(PEERS) and "Unnamed: 0" not in var.columns
    sweep = pd.read_csv(out / "stop_loss" / "stop_loss_results.csv")
    assert sweep.groupby("ticker").size().to_dict() == dict.fromkeys(PEERS, 9)
    # the largest day-0 reaction of the first model is singled out, in words
    d0 = cars[cars["window"] == "[0,0]"]
    top = d0.loc[d0["car"].abs().idxmax()]
    assert f"{top['ticker']}'s" in " ".join(rep.sentences)
    assert "The largest reactions" in page
    # the effective configuration is written beside the page and reads back the same
    assert load_config(out / "study.toml") == cfg.with_overrides(base_dir=cfg.base_dir)


def test_report_rerun_drops_its_stale_files_and_keeps_the_users(tmp_path, monkeypatch):
    """``riskkit report`` cleans each part folder as the single commands do: a file an
    earlier riskkit run wrote there and this run did not is removed; a user's file stays.
    The main job itself is replaced by a stub that writes one CSV (the wiring is tested)."""
    import riskkit.studies
    from riskkit.studies.full_report import PART_FOLDERS, FullReport

    out = tmp_path / "reports"
    folder = out / "event_study"
    folder.mkdir(parents=True)
    (folder / "cars_old_model.csv").write_text("x\n")  # an earlier run's output
    os.utime(folder / "cars_old_model.csv", (1_700_000_000, 1_700_000_000))  # (an hour ago+)
    (folder / ".riskkit-files").write_text("cars_old_model.csv\n")
    (folder / "my_notes.txt").write_text("mine\n")  # never written by riskkit

    def fake_run(out_dir, *, config, on_step):
        (Path(out_dir) / "event_study" / "cars_market.csv").write_text("y\n")
        (Path(out_dir) / "index.html").write_text("<html></html>")
        return FullReport(Path(out_dir), Path(out_dir) / "index.html", {}, {}, {}, ())

    monkeypatch.setattr(riskkit.studies, "run_full_report", fake_run)
    run = CliRunner().invoke(app, ["report", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in folder.iterdir()) == [".riskkit-files", "cars_market.csv",
                                                        "my_notes.txt"]  # fmt: skip
    assert "event_study" in PART_FOLDERS and "pivot_portfolio" in PART_FOLDERS
