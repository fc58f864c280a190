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
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

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
    "run_app",
    "say_warning",
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


def run_app(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run ``app`` with usage errors on one line too (exit 2) and return the exit code."""
    try:
        result = app(args=args, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        return FAILED_RUN
    except click.ClickException as exc:
        sys.stderr.write(f"error: {_one_line(exc.format_message())}\n")
        return BAD_INPUT
    return result if isinstance(result, int) else 0
