"""Issue 13, item 7: one CLI vocabulary.

Every option of every ``riskkit`` command (and of the ``backtests/`` scripts, which run the
same commands) has help text; a shared concept has one option name everywhere; ``--out DIR``
writes ``DIR/<part>/`` and never leaves files of an earlier run beside the new ones; what a
user reads (help, errors, warnings) carries no Python syntax.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest
import typer
from typer._click.core import Command, Parameter  # typer 0.29 vendors click here
from typer.core import TyperGroup, TyperOption

from riskkit.cli import app
from riskkit.cli import backtest as cli_backtest
from riskkit.cli._common import part_folder, run_app

ROOT = Path(__file__).resolve().parents[1]

#: Concept (the parameter's name) -> the only spelling it may have.
SHARED = {
    "tickers": ["--tickers", "-t"],
    "out": ["--out"],
    "source": ["--source"],
    "events": ["--events"],
    "window": ["--window"],
    "model": ["--model"],
    "estimation": ["--estimation"],
    "gap": ["--gap"],
    "min_obs": ["--min-obs"],
    "fees": ["--fees"],
    "slippage": ["--slippage"],
    "ambiguity": ["--ambiguity"],
}
#: Spellings that once meant a shared concept and must not come back.
RETIRED = {"--ticker", "--output", "--out-dir", "--outdir", "--src", "--events-file"}
#: Python in user-facing text: keyword arguments, attribute and item access on results.
PYTHON = re.compile(
    r"\b[a-z_]+=(?:'|\"|None\b|True\b|False\b)|\bresult\.|\bextras\[|\btype_sides\b|\w\(\)"
)
#: The part folder each single command writes with ``--out DIR`` (``riskkit report``'s).
PARTS = {
    "event-study": "event_study",
    "event-simulate": "event_simulation",
    "risk": "risk",
    "backtest stop-loss": "stop_loss",
    "backtest pivot-event": "pivot_event",
    "backtest pivot-portfolio": "pivot_portfolio",
}


def _commands(cmd: Command, path: str = "") -> list[tuple[str, Command]]:
    if isinstance(cmd, TyperGroup):
        return [
            pair for name, sub in sorted(cmd.commands.items())
            for pair in _commands(sub, f"{path} {name}".strip())
        ]  # fmt: skip
    return [(path, cmd)]


COMMANDS = _commands(typer.main.get_command(app))


def _params(cmd: Command) -> list[Parameter]:
    return [p for p in cmd.params if p.name != "help"]


def test_the_walk_finds_every_command():
    names = {name for name, _ in COMMANDS}
    assert {"report", "risk", "event-study", "event-simulate", "data show"} <= names
    assert {"backtest stop-loss", "backtest pivot-event", "data fetch", "data check"} <= names


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_and_argument_has_help(name, cmd):
    assert (cmd.help or "").strip(), f"{name}: no command help"
    missing = [p.name for p in _params(cmd) if not (getattr(p, "help", None) or "").strip()]
    assert not missing, f"{name}: no help on {missing}"


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_shared_concepts_have_one_name(name, cmd):
    for p in _params(cmd):
        if not isinstance(p, TyperOption):
            continue
        assert not RETIRED & set(p.opts), f"{name}: retired spelling in {p.opts}"
        if p.name in SHARED:
            assert p.opts == SHARED[p.name], f"{name}: {p.name} spelled {p.opts}"
        for concept, spelling in SHARED.items():  # a shared spelling means that concept
            if spelling[0] in p.opts:
                assert p.name == concept, f"{name}: {spelling[0]} used for {p.name}"


def test_one_help_text_per_shared_concept():
    for concept in ("source", "fees", "slippage", "ambiguity", "estimation", "gap", "min_obs"):
        helps = {
            p.help for _, cmd in COMMANDS for p in _params(cmd) if p.name == concept
        }  # fmt: skip
        assert len(helps) == 1, (concept, helps)


def test_every_out_names_its_part_folder():
    outs = {name: p for name, cmd in COMMANDS for p in _params(cmd) if p.name == "out"}
    assert set(outs) == {"report", *PARTS}
    for name, part in PARTS.items():
        assert f"DIR/{part}/" in (outs[name].help or ""), name
        assert outs[name].default == Path("reports"), name  # one default folder
    assert all(f"DIR/{part}/" in (outs["report"].help or "") for part in PARTS.values())


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_help_has_no_python_syntax(name, cmd):
    texts = [cmd.help or ""] + [getattr(p, "help", None) or "" for p in _params(cmd)]
    found = [t for t in texts if PYTHON.search(t)]
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize(
    "args",
    [
        ["risk", "--source", "nope"],
        ["risk", "--weights", "a,b"],
        ["risk", "--weights", "1,2,3", "-t", "BITF"],
        ["data", "show", "IREN", "--source", "web"],
        ["event-study", "--model", "nope"],
        ["event-study", "--conventions", "r"],
        ["event-study", "--window", "x"],
        ["event-simulate", "--draw", "bogus", "--no-progress"],
        ["event-simulate", "--model", "garch", "--no-progress"],
        ["backtest", "stop-loss", "--ambiguity", "worst"],
        ["backtest", "stop-loss", "--ticker", "IREN"],
        ["backtest", "pivot-event", "--hold", "0"],
        ["backtest", "pivot-event", "--direction", "up"],
        ["backtest", "pivot-event", "--source", "web"],
    ],
)
def test_errors_are_one_line_without_python_syntax(tmp_path, capsys, args):
    code = run_app(app, [*args, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error:"), err
    assert not PYTHON.search(err), err


def test_pivot_event_run_speaks_in_options_not_python(tmp_path, capsys):
    code = run_app(app, ["backtest", "pivot-event", "--hold", "3", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert re.search(r"^warning: \d+ event\(s\) not traded; the reasons are listed on ", err, re.M)
    assert not PYTHON.search(out + err), out + err
    # --out DIR writes DIR/pivot_event/ and nothing beside it
    assert [p.name for p in tmp_path.iterdir()] == ["pivot_event"]
    assert (tmp_path / "pivot_event" / "pivot_event.html").is_file()


# -- --out DIR/<part>/: no file of an earlier run beside the new ones ------------------------


def _run_writing(out: Path, names: list[str]) -> None:
    with part_folder(out, "risk") as folder:
        for name in names:
            (folder / name).write_text(name)
    for f in folder.iterdir():  # the next run starts an hour later
        os.utime(f, (f.stat().st_atime - 3600, f.stat().st_mtime - 3600))


def test_a_rerun_removes_the_files_it_no_longer_writes(tmp_path):
    folder = tmp_path / "risk"
    folder.mkdir()
    (folder / "my_notes.txt").write_text("mine")  # not riskkit's: never touched
    _run_writing(tmp_path, ["page.html", "walk_forward.csv"])
    _run_writing(tmp_path, ["page.html"])
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "my_notes.txt",
        "page.html",
    ]


def test_a_failed_run_keeps_the_earlier_files(tmp_path):
    _run_writing(tmp_path, ["page.html", "walk_forward.csv"])
    with pytest.raises(RuntimeError, match="boom"), part_folder(tmp_path, "risk"):
        raise RuntimeError("boom")
    assert {p.name for p in (tmp_path / "risk").iterdir()} >= {"page.html", "walk_forward.csv"}


def test_out_part_that_is_a_file_is_bad_input(tmp_path, capsys):
    (tmp_path / "risk").write_text("x")
    code = run_app(app, ["risk", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "is a file, not a folder" in err


# -- backtests/ scripts: the same commands, so the same options -----------------------------


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_script_{name}", ROOT / "backtests" / name)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    ("script", "command", "wanted"),
    [
        ("stop_loss.py", cli_backtest.stop_loss, ["--tickers", "--no-walk-forward", "--out"]),
        ("pivot_event.py", cli_backtest.pivot_event, ["--grid", "--beta-window", "--events"]),
        ("pivot_portfolio.py", cli_backtest.pivot_portfolio, ["--max-positions", "--volume-cap"]),
    ],
)
def test_scripts_run_the_cli_commands(capsys, monkeypatch, script, command, wanted):
    monkeypatch.setenv("COLUMNS", "200")  # option names in full
    mod = _script(script)
    assert command in vars(mod).values()  # the script wraps the command itself
    assert mod.main(["--help"]) == 0
    text = capsys.readouterr().out
    assert all(w in text for w in wanted), text
    assert mod.main(["--ticker", "IREN"]) == 2  # the retired spelling is refused
    assert "No such option" in capsys.readouterr().err
