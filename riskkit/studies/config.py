"""The study configuration of ``riskkit report --config study.toml``.

A study file (TOML, read with the standard library's ``tomllib``) names the universe, the
event catalog, the event-study models and windows, the placebo simulation, the VaR level
and portfolio weights, the stop-loss grid, the costs and the pivot-event rule. Every key is
optional: what a file leaves out keeps the bundled study's value, so an empty file runs the
bundled study, and without ``--config`` the bundled study runs as it always has. Unknown
tables or keys and values of the wrong kind are refused with the allowed keys, so a typo
never runs the default silently. ``examples/study.toml`` documents every key.

The effective configuration (file, then command-line flags over it) is written beside the
report as ``study.toml`` (:func:`dump_config`), so a report can be re-run from its folder.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from riskkit._errors import DataError

__all__ = ["CONFIG_KEYS", "StudyConfig", "dump_config", "load_config"]

CORE_TICKERS = ("BITF", "IREN", "WULF", "HUT", "BTC-USD")
_SOURCES = ("bundled", "cache", "yahoo", "auto")
_MODELS = ("constant", "market_adjusted", "market", "market_btc")
_AMBIGUITY = ("stop_first", "optimistic", "pessimistic")
_AFTER_STOP = ("wait", "bars", "recover")
_DIRECTIONS = ("type", "reaction")


@dataclass(frozen=True)
class StudyConfig:
    """Everything ``riskkit report`` runs with; the defaults are the bundled study.

    ``tests``: ``("all",)`` every test of :func:`~riskkit.events.event_study` (the
    default: GRANK, wild bootstrap and GARCH-standardized tests too), ``("default",)``
    the six textbook tests, or names. ``events=None`` is the bundled catalog; ``key_events=()`` lets the report pick the
    announcements to single out (the bundled two when present, else the largest day-0
    reactions); ``weights=()`` is an equal-weight portfolio; ``base_dir`` is the folder
    relative paths in the file were resolved against.
    """

    title: str = "riskkit: bitcoin miners turned AI data centres"
    source: str = "bundled"
    tickers: tuple[str, ...] = CORE_TICKERS
    market: str = "SPY"
    events: Path | None = None
    event_tickers: tuple[str, ...] = ()
    models: tuple[str, ...] = ("market", "market_btc")
    windows: tuple[tuple[int, int], ...] = ((-1, 1), (0, 0), (0, 5))
    estimation: int = 250
    gap: int = 10
    key_events: tuple[str, ...] = ()
    tests: tuple[str, ...] = ("all",)
    sim_trials: int = 250
    sim_events: int = 30
    sim_effect: float = 0.05
    seed: int = 0
    weights: tuple[float, ...] = ()
    var_level: float = 0.99
    var_window: int = 250
    stress_days: tuple[str, ...] = ("2025-10-10", "2025-10-13")
    btc_shocks: tuple[float, ...] = (-0.10, -0.20)
    fees: float = 0.001
    slippage: float = 0.001
    ambiguity: str = "stop_first"
    stop_tickers: tuple[str, ...] = ()
    fixed_stops: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20, 0.30)
    trailing_stops: tuple[float, ...] = (0.10, 0.15, 0.20, 0.30)
    atr_stops: tuple[float, ...] = (2.0, 3.0, 4.0)
    targets: tuple[float, ...] = (0.25, 0.5)
    after_stop: tuple[str, ...] = _AFTER_STOP
    btc_level: float = 112_000.0
    walk_forward: tuple[int, int] = (504, 126)
    hold: int = 5
    hedge: bool = False
    direction: str = "type"
    base_dir: Path = field(default=Path("."), compare=False)

    @property
    def stop_loss_tickers(self) -> tuple[str, ...]:
        """The stop-loss study's tickers: ``[stop_loss] tickers``, else the universe."""
        return self.stop_tickers or self.tickers

    def event_tests(self) -> str | tuple[str, ...] | None:
        """The ``tests=`` argument of :func:`~riskkit.events.event_study`."""
        if self.tests == ("default",):
            return None
        return "all" if self.tests == ("all",) else self.tests

    def weights_by_ticker(self) -> dict[str, float] | None:
        """The portfolio weights keyed by ticker (None: equal weights)."""
        return dict(zip(self.tickers, self.weights, strict=True)) if self.weights else None

    def with_overrides(self, **changes: Any) -> StudyConfig:
        """A copy with the given fields changed (the command line's flags), checked again.

        ``None`` values are ignored (a flag that was not given).
        """
        given = {k: v for k, v in changes.items() if v is not None}
        unknown = sorted(set(given) - {f.name for f in fields(self)})
        if unknown:
            raise DataError(f"unknown configuration field(s) {unknown}.")
        out = replace(self, **given)
        _check(out)
        return out


def _fail(where: str, got: Any, want: str) -> DataError:
    return DataError(f"{where}: got {got!r}; expected {want}. Fix the value in the study file.")


def _str(where: str, v: Any, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _fail(where, v, "a non-empty string")
    if choices is not None and v not in choices:
        raise _fail(where, v, "one of " + ", ".join(choices))
    return v


def _int(where: str, v: Any, lo: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise _fail(where, v, f"a whole number >= {lo}")
    return v


def _float(where: str, v: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= float(v) <= hi:
        raise _fail(where, v, f"a number in [{lo:g}, {hi:g}]")
    return float(v)


def _list(where: str, v: Any, item: Callable[[str, Any], Any], *, empty: bool = False):
    if not isinstance(v, list) or (not v and not empty):
        raise _fail(where, v, "a list" + ("" if empty else " with at least one item"))
    return tuple(item(f"{where}[{i}]", x) for i, x in enumerate(v))


def _window(where: str, v: Any) -> tuple[int, int]:
    if (
        not isinstance(v, list)
        or len(v) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        or v[0] > v[1]
    ):
        raise _fail(where, v, "[first, last] sessions around day 0, first <= last, e.g. [-1, 1]")
    return (int(v[0]), int(v[1]))


def _ticker(where: str, v: Any) -> str:
    from riskkit.data.tickers import validate_ticker

    return validate_ticker(v, what=f"{where}: ticker")


def _path(base: Path) -> Callable[[str, Any], Path | None]:
    def conv(where: str, v: Any) -> Path | None:
        text = _str(where, v)
        if text == "bundled":
            return None
        p = Path(text).expanduser()
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise DataError(
                f"{where}: events file {str(p)!r} not found (relative paths are read from the "
                "study file's folder; 'bundled' is the bundled catalog)."
            )
        return p

    return conv


def _pair(where: str, v: Any) -> tuple[int, int]:
    if not isinstance(v, list) or len(v) != 2:
        raise _fail(where, v, "[train, test] sessions, e.g. [504, 126]")
    return (_int(f"{where}[0]", v[0], 2), _int(f"{where}[1]", v[1], 1))


def _schema(base: Path) -> dict[str, dict[str, tuple[str, Callable[[str, Any], Any]]]]:
    """table -> key -> (StudyConfig field, converter); ``""`` is the file's top level."""
    pct = lambda w, v: _float(w, v, 0.0, 10.0)  # noqa: E731 (a fraction: 0.10 = 10%)
    return {
        "": {"title": ("title", _str)},
        "data": {
            "source": ("source", lambda w, v: _str(w, v, _SOURCES)),
            "tickers": ("tickers", lambda w, v: _list(w, v, _ticker)),
            "market": ("market", _ticker),
        },
        "events": {
            "catalog": ("events", _path(base)),
            "tickers": ("event_tickers", lambda w, v: _list(w, v, _ticker, empty=True)),
            "models": ("models", lambda w, v: _list(w, v, lambda w2, x: _str(w2, x, _MODELS))),
            "windows": ("windows", lambda w, v: _list(w, v, _window)),
            "estimation": ("estimation", lambda w, v: _int(w, v, 20)),
            "gap": ("gap", _int),
            "key_events": ("key_events", lambda w, v: _list(w, v, _str, empty=True)),
            "tests": ("tests", _tests),
        },
        "simulation": {
            "trials": ("sim_trials", _int),
            "events_per_trial": ("sim_events", lambda w, v: _int(w, v, 2)),
            "effect": ("sim_effect", lambda w, v: _float(w, v, -1.0, 1.0)),
            "seed": ("seed", _int),
        },
        "risk": {
            "weights": (
                "weights",
                lambda w, v: _list(w, v, lambda w2, x: _float(w2, x), empty=True),
            ),
            "level": ("var_level", lambda w, v: _float(w, v, 0.5, 0.9999)),
            "window": ("var_window", lambda w, v: _int(w, v, 20)),
            "stress_days": ("stress_days", lambda w, v: _list(w, v, _str, empty=True)),
            "btc_shocks": ("btc_shocks", lambda w, v: _list(w, v, pct_signed, empty=True)),
        },
        "costs": {
            "fees": ("fees", lambda w, v: _float(w, v, 0.0, 0.5)),
            "slippage": ("slippage", lambda w, v: _float(w, v, 0.0, 0.5)),
            "ambiguity": ("ambiguity", lambda w, v: _str(w, v, _AMBIGUITY)),
        },
        "stop_loss": {
            "tickers": ("stop_tickers", lambda w, v: _list(w, v, _ticker, empty=True)),
            "fixed_stops": ("fixed_stops", lambda w, v: _list(w, v, pct, empty=True)),
            "trailing_stops": ("trailing_stops", lambda w, v: _list(w, v, pct, empty=True)),
            "atr_stops": ("atr_stops", lambda w, v: _list(w, v, pct, empty=True)),
            "targets": ("targets", lambda w, v: _list(w, v, pct, empty=True)),
            "after_stop": (
                "after_stop",
                lambda w, v: _list(w, v, lambda w2, x: _str(w2, x, _AFTER_STOP)),
            ),
            "btc_level": ("btc_level", lambda w, v: _float(w, v, 0.0)),
            "walk_forward": ("walk_forward", _pair),
        },
        "pivot_event": {
            "hold": ("hold", lambda w, v: _int(w, v, 1)),
            "hedge": ("hedge", _bool),
            "direction": ("direction", lambda w, v: _str(w, v, _DIRECTIONS)),
        },
    }


def _tests(where: str, v: Any) -> tuple[str, ...]:
    """``"all"`` (every test), ``"default"`` (the six textbook tests) or a list of names."""
    if v in ("all", "default"):
        return (v,)
    return _list(where, v, _str)


def pct_signed(where: str, v: Any) -> float:
    return _float(where, v, -1.0, 1.0)


def _bool(where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise _fail(where, v, "true or false")
    return v


#: Every table of a study file and its keys (for the documentation and the errors).
CONFIG_KEYS = {t: tuple(keys) for t, keys in _schema(Path(".")).items()}


def _check(cfg: StudyConfig) -> None:
    if cfg.weights and len(cfg.weights) != len(cfg.tickers):
        raise DataError(
            f"[risk] weights: {len(cfg.weights)} weight(s) for {len(cfg.tickers)} ticker(s) "
            f"{list(cfg.tickers)}; give one weight per [data] ticker, in the same order, or "
            "leave weights out for equal weights."
        )
    if cfg.weights and not math.isclose(sum(cfg.weights), 1.0, abs_tol=1e-9):
        raise DataError(
            f"[risk] weights sum to {sum(cfg.weights):g}; they must sum to 1 (fractions of the "
            "portfolio)."
        )
    if len(set(cfg.tickers)) != len(cfg.tickers):
        raise DataError(f"[data] tickers: {list(cfg.tickers)} lists a ticker twice.")


def load_config(path: str | Path) -> StudyConfig:
    """Read a study file: every key optional, unknown keys and wrong kinds refused.

    Raises
    ------
    DataError
        The file is missing or not TOML (with the line), a table or key is unknown (the
        allowed ones listed), or a value has the wrong kind or range.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = p.write_text('[data]\\ntickers = ["CORZ", "MARA"]\\n[risk]\\nlevel = 0.95\\n')
    >>> cfg = load_config(p)
    >>> cfg.tickers, cfg.var_level, cfg.models
    (('CORZ', 'MARA'), 0.95, ('market', 'market_btc'))
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"study file {str(p)!r} not found; pass the path of a TOML file.")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"study file {str(p)!r} is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"study file {str(p)!r} is not valid TOML: {exc}.") from None
    return config_from_mapping(raw, base_dir=p.resolve().parent, name=p.name)


def config_from_mapping(
    raw: Mapping[str, Any], *, base_dir: Path = Path("."), name: str = "the study file"
) -> StudyConfig:
    """A :class:`StudyConfig` from the parsed tables of a study file (see
    :func:`load_config`)."""
    schema = _schema(base_dir)
    values: dict[str, Any] = {}
    for key, val in raw.items():
        if isinstance(val, dict):
            if key not in schema or not key:
                raise DataError(
                    f"{name}: unknown table [{key}]; allowed: "
                    + ", ".join(f"[{t}]" for t in schema if t)
                    + "."
                )
            table, items = key, val
        else:
            table, items = "", {key: val}
        for k, v in items.items():
            if k not in schema[table]:
                where = f"[{table}]" if table else "the top level"
                raise DataError(
                    f"{name}: unknown key {k!r} in {where}; allowed: "
                    + ", ".join(schema[table])
                    + "."
                )
            fname, conv = schema[table][k]
            values[fname] = conv(f"{name} [{table}] {k}" if table else f"{name} {k}", v)
    cfg = StudyConfig(base_dir=base_dir, **values)
    _check(cfg)
    return cfg


def dump_config(cfg: StudyConfig) -> str:
    """The configuration as a study file (TOML, written with tomli-w) that
    :func:`load_config` reads back to the same :class:`StudyConfig` (paths absolute).

    Examples
    --------
    >>> text = dump_config(StudyConfig())
    >>> 'catalog = "bundled"' in text and "[stop_loss]" in text
    True
    """
    import tomli_w

    def plain(v: Any) -> Any:
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        return v

    out: dict[str, Any] = {}
    for table, keys in _schema(cfg.base_dir).items():
        body = {}
        for k, (fname, _conv) in keys.items():
            v = getattr(cfg, fname)
            if fname == "events":
                v = "bundled" if v is None else Path(v).resolve()
            body[k] = plain(v)
        if table:
            out[table] = body
        else:
            out.update(body)
    return tomli_w.dumps(out)
