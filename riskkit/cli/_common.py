"""How every ``riskkit`` command reports errors and warnings: one line each, on stderr.

Exit codes: 0 success, 2 bad input (a :class:`~riskkit.DataError`, a bad option, an
unusable ``--out``), 1 a failed run (a data source unavailable, an I/O failure, a bug).
Warnings are printed as ``warning: ...`` lines, never in Python's ``file:line`` format.
Set ``RISKKIT_DEBUG=1`` to get the traceback of an unexpected error.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer import _click as click  # typer 0.29 vendors click here

from riskkit._errors import DataError, RiskkitError, SourceUnavailableError

__all__ = [
    "BAD_INPUT",
    "FAILED_RUN",
    "check_out_dir",
    "exit_code",
    "fail",
    "guarded",
    "part_folder",
    "run_app",
    "run_command",
    "say_warning",
    "say_written",
]

BAD_INPUT = 2
FAILED_RUN = 1


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def say_warning(message: object) -> None:
    """Print one ``warning: ...`` line on stderr."""
    sys.stderr.write(f"warning: {_one_line(message)}\n")


def fail(message: object, code: int = BAD_INPUT) -> NoReturn:
    """Print one ``error: ...`` line on stderr and exit with ``code``."""
    sys.stderr.write(f"error: {_one_line(message)}\n")
    raise typer.Exit(code)


def exit_code(exc: BaseException) -> int:
    """2 for bad input, 1 for a failed run."""
    if isinstance(exc, SourceUnavailableError):
        return FAILED_RUN
    if isinstance(exc, RiskkitError | typer.BadParameter):
        return BAD_INPUT
    return FAILED_RUN


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command body: warnings become ``warning:`` lines, errors one ``error:`` line.

    Every warning issued inside is printed (once each, in order) when the body ends,
    whether it succeeded or failed. ``typer.Exit`` passes through unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except (typer.Exit, typer.Abort, click.ClickException):
            _print_warnings(caught)
            raise
        except Exception as exc:  # the CLI edge: every error becomes one line
            _print_warnings(caught)
            if os.environ.get("RISKKIT_DEBUG"):
                raise
            if isinstance(exc, RiskkitError | typer.BadParameter):
                fail(exc, exit_code(exc))
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                fail(f"{exc.strerror or exc}{where}", FAILED_RUN)
            fail(
                f"internal error: {type(exc).__name__}: {exc} (set RISKKIT_DEBUG=1 for the "
                "traceback and report it)",
                FAILED_RUN,
            )
        _print_warnings(caught)


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_DEV_NOTICES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print riskkit's warnings; third-party deprecation notices (e.g. pandas warning a
    library about its own future) are for developers, not for the command's user."""
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, _DEV_NOTICES) and not str(w.filename).startswith(_PACKAGE_DIR):
            continue
        text = _one_line(w.message)
        if text not in seen:
            seen.add(text)
            say_warning(text)
    caught.clear()


def check_out_dir(out: Path) -> Path:
    """Make sure ``out`` is (or can become) a writable folder, before any work is done.

    Raises
    ------
    DataError
        ``out`` is a file (``/dev/null`` included), cannot be created, or is read-only.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(
            f"--out {str(out)!r} is a file, not a folder; give a folder path (it is created "
            "if missing)."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"--out {str(out)!r} cannot be created ({exc.strerror or exc}); choose a folder you "
            "can write to."
        ) from exc
    try:
        with tempfile.NamedTemporaryFile(dir=out, prefix=".riskkit-write-test-"):
            pass
    except OSError as exc:
        raise DataError(
            f"--out {str(out)!r} is not writable ({exc.strerror or exc}); choose a folder you "
            "can write to."
        ) from exc
    return out


#: Names of the files the last run of a command wrote in its part folder.
_MANIFEST = ".riskkit-files"


@contextmanager
def part_folder(out: Path, part: str) -> Iterator[Path]:
    """``out/<part>``, the folder of one command's files (``riskkit report`` uses the same).

    Both folders are checked (see :func:`check_out_dir`) before the body runs. When the
    body succeeds, the files an earlier run of a command wrote there and this run did not
    rewrite (say ``stop_loss_walk_forward.csv`` after ``--no-walk-forward``) are removed,
    so the folder never mixes two runs; files riskkit did not write are never touched.
    """
    check_out_dir(out)
    folder = check_out_dir(Path(out) / part)
    manifest = folder / _MANIFEST
    earlier = set(manifest.read_text().split("\n")) if manifest.is_file() else set()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
    start = time.time() - 2.0  # coarse timestamps: keep (never lose) a rewritten file
    yield folder
    written = sorted(
        p.name for p in folder.iterdir()
        if p.is_file() and p.name != _MANIFEST and (
            p.name not in before or p.stat().st_mtime_ns != before[p.name]
            or (p.name in earlier and p.stat().st_mtime >= start))
    )  # fmt: skip
    for name in earlier - set(written):
        stale = folder / name
        if name and "/" not in name and stale.is_file():
            stale.unlink()
    manifest.write_text("\n".join(written) + "\n")


def say_written(folder: Path, page: Path | None = None) -> None:
    """The last lines of a command: its page and the folder of its files."""
    if page is not None:
        sys.stdout.write(f"report: {page}\n")
    sys.stdout.write(f"files: {folder}{os.sep}\n")


def run_command(command: Callable[..., Any], args: list[str] | None = None, *, name: str) -> int:
    """Run one command function as a program of its own (the ``backtests/`` scripts).

    The script takes exactly the options of the ``riskkit`` command it wraps.
    """
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(name=name)(command)
    return run_app(app, sys.argv[1:] if args is None else args, prog_name=name)


def run_app(
    app: typer.Typer, args: list[str] | None = None, *, prog_name: str | None = None
) -> int:
    """Run ``app`` with usage errors on one line too (exit 2) and return the exit code."""
    try:
        result = app(args=args, standalone_mode=False, prog_name=prog_name)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        return FAILED_RUN
    except click.ClickException as exc:
        sys.stderr.write(f"error: {_one_line(exc.format_message())}\n")
        return BAD_INPUT
    return result if isinstance(result, int) else 0
