"""The floors of the house: which part of riskkit may import which (README, "Layout").

Every module under ``riskkit/`` and ``strategies/`` is parsed (no import is run) and each
import it makes is checked: top-level ones, lazy ones inside functions, ``TYPE_CHECKING``
ones, relative ones and ``importlib.import_module("...")`` calls with a literal name. An
import may go down to a lower floor, never up; on the same floor only the pairs in
``SIDEWAYS`` are allowed (none of them both ways).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each area (a module or a package, by dotted prefix) and its floor.
FLOORS: dict[str, int] = {
    "riskkit._errors": 1,  # exceptions and warnings
    "riskkit._validation": 1,  # the shared validator
    "riskkit._annualization": 1,  # periods per year from the calendar
    "riskkit._format": 1,  # the one cell formatter (pages and summaries)
    "riskkit._display": 1,  # summaries and short reprs of result objects
    "riskkit.data": 2,  # sources, cache, calendars, pairing, checks
    "riskkit.returns": 2,
    "riskkit.report": 2,  # the HTML renderer and CSV writer: it knows no area
    "riskkit._cluster": 2,  # chunks on a dask.distributed cluster (Dask imported lazily)
    "riskkit.events": 3,
    "riskkit.risk": 3,
    "riskkit.backtest": 3,  # signals, kernels, engine, sweep, walk-forward, its page
    "strategies": 4,  # prices (and events) -> Signals
    "riskkit.studies": 5,  # stop-loss study, pivot-event study, the main job
    "riskkit.cli": 6,
}

#: Imports allowed between two areas of the same floor (importer, imported).
SIDEWAYS: set[tuple[str, str]] = {
    ("riskkit._validation", "riskkit._errors"),
    ("riskkit._annualization", "riskkit._errors"),
    ("riskkit._display", "riskkit._errors"),
    ("riskkit._display", "riskkit._format"),
    ("riskkit.backtest", "riskkit.risk"),  # the sweep's deflated Sharpe uses risk's ratios
}

#: ``riskkit/__init__.py`` only re-exports: it may import areas up to this floor, and a
#: module of any floor may read ``riskkit.__version__`` through a bare ``import riskkit``.
FACADE = "riskkit"
FACADE_MAX_FLOOR = 3


def area_of(module: str) -> str | None:
    """The longest ``FLOORS`` key that is ``module`` or a package holding it."""
    holding = [key for key in FLOORS if module == key or module.startswith(key + ".")]
    return max(holding, key=len, default=None)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, tree: ast.Module, *, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``tree``, at any depth."""
    out: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            # ``from riskkit import studies`` imports the sub-package
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names if a.name != "*"]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def reads_only_version(tree: ast.Module) -> bool:
    """True when every ``riskkit.<attr>`` in ``tree`` is ``riskkit.__version__``."""
    return all(
        node.attr == "__version__"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "riskkit"
    )


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Floor violations of ``{module: (source, is_package)}``; empty when the map holds."""
    found = []
    for module, (source, is_package) in sorted(sources.items()):
        tree = ast.parse(source)
        if module == FACADE:
            src_area, src_floor = FACADE, FACADE_MAX_FLOOR
        else:
            src_area = area_of(module)
            if src_area is None:
                found.append(f"{module}: not on any floor (add it to FLOORS in {__name__})")
                continue
            src_floor = FLOORS[src_area]
        seen: set[tuple[int, str]] = set()
        for line, target in imports_of(module, tree, is_package=is_package):
            if target.split(".")[0] not in ("riskkit", "strategies"):
                continue
            if target == FACADE:
                if module != FACADE and not reads_only_version(tree):
                    found.append(
                        f"{module}:{line} imports the package riskkit for more than __version__"
                    )
                continue
            dst_area = area_of(target)
            if dst_area is not None:
                dst_floor = FLOORS[dst_area]
            elif target.startswith(FACADE + ".__"):
                continue  # ``from riskkit import __version__``
            elif target.startswith(FACADE + ".") and target.count(".") == 1:
                dst_area, dst_floor = (
                    FACADE,
                    FACADE_MAX_FLOOR,
                )  # ``from riskkit import load_prices``
            else:
                found.append(f"{module}:{line} imports {target}: not on any floor")
                continue
            if dst_area == src_area or (line, dst_area) in seen:
                continue
            seen.add((line, dst_area))
            where = f"{module}:{line} (floor {src_floor}) imports {target} (floor {dst_floor})"
            if dst_floor > src_floor:
                found.append(f"{where}: upward")
            elif (
                dst_floor == src_floor and module != FACADE and (src_area, dst_area) not in SIDEWAYS
            ):
                found.append(f"{where}: sideways on one floor, not in SIDEWAYS")
    return found


def repo_sources() -> dict[str, tuple[str, bool]]:
    files = [*(ROOT / "riskkit").rglob("*.py"), *(ROOT / "strategies").rglob("*.py")]
    return {module_name(f): (f.read_text(encoding="utf-8"), f.name == "__init__.py") for f in files}


def test_every_module_keeps_to_its_floor():
    sources = repo_sources()
    assert "riskkit.studies" in sources and "riskkit.backtest.engine" in sources
    found = violations(sources)
    assert not found, "imports against the floor map:\n" + "\n".join(found)


def test_sideways_pairs_never_run_both_ways():
    assert not {(b, a) for a, b in SIDEWAYS} & SIDEWAYS
    for a, b in SIDEWAYS:
        assert FLOORS[a] == FLOORS[b]


@pytest.mark.parametrize(
    ("module", "source", "message"),
    [
        ("riskkit.backtest.x", "def f():\n    from strategies.stop_loss import s\n", "upward"),
        ("riskkit.report.x", "from riskkit.risk import var\n", "upward"),
        (
            "riskkit.report.x",
            "def f():\n    from riskkit.studies import run_full_report\n",
            "upward",
        ),
        ("riskkit.risk.x", "from riskkit.backtest import sweep\n", "sideways"),
        ("riskkit.events.x", "from riskkit.risk.beta import beta\n", "sideways"),
        ("riskkit.data.x", "from . import y\nfrom ..events import study\n", "upward"),
        (
            "riskkit._errors",
            "import importlib\nimportlib.import_module('riskkit.data')\n",
            "upward",
        ),
        ("strategies.x", "from riskkit.studies.stop_loss import run_stop_loss_sweep\n", "upward"),
        ("riskkit.studies.x", "from riskkit.cli import app\n", "upward"),
        ("riskkit.data.x", "import riskkit\nriskkit.load_prices\n", "more than __version__"),
        ("riskkit.newarea.x", "import numpy\n", "not on any floor"),
    ],
)
def test_a_violation_is_reported(module, source, message):
    found = violations({module: (source, False)})
    assert len(found) == 1 and message in found[0], found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("riskkit.backtest.x", "from riskkit.risk import deflated_sharpe_ratio\n"),
        ("riskkit.report.x", "def f():\n    import riskkit\n    return riskkit.__version__\n"),
        ("strategies.x", "from riskkit.backtest.signals import Signals\nimport riskkit\n"),
        ("riskkit.studies.x", "from strategies import stop_loss\nfrom riskkit.events import s\n"),
        ("riskkit.cli.x", "from riskkit.studies import run_full_report\n"),
    ],
)
def test_allowed_imports_pass(module, source):
    assert violations({module: (source, False)}) == []
