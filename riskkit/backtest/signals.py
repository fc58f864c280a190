"""The container that carries a strategy's signals to the engine.

Strategies (``strategies/``) build :class:`Signals`; the engine
(:func:`riskkit.backtest.run_backtest`) turns them into fills. Every field is indexed by
the bar dates of the price data, and a value at bar ``t`` is a decision taken with data
up to bar ``t``'s close: the engine fills it at bar ``t+1``'s open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = ["AFTER_STOP", "SignalArrays", "Signals", "slice_signals"]

AFTER_STOP = ("wait", "bars", "recover")
AfterStop = Literal["wait", "bars", "recover"]


def _as_bool(x: pd.Series | None, index: pd.Index, name: str) -> pd.Series:
    if x is None:
        return pd.Series(False, index=index, dtype=bool)
    if not isinstance(x, pd.Series):
        raise DataError(f"Signals.{name} must be a pandas Series, got {type(x).__name__}.")
    if not x.index.equals(index):
        raise DataError(
            f"Signals.{name} is not on the same index as Signals.entries. Reindex it with "
            f"x.reindex(entries.index, fill_value=False)."
        )
    if x.isna().any():
        raise DataError(f"Signals.{name} has NaN values; signals must be True/False.")
    _check_bool_dtype(x, name)
    return x.astype(bool)


def _check_bool_dtype(x: pd.Series, name: str) -> None:
    """Refuse non-boolean signals: ``astype(bool)`` reads ``'False'`` and 2 as True."""
    if x.isna().any():
        raise DataError(f"Signals.{name} has NaN values; signals must be True/False.")
    all_bool_objects = x.dtype == object and all(
        isinstance(v, bool | np.bool_) for v in x.to_numpy()
    )
    if not pd.api.types.is_bool_dtype(x.dtype) and not all_bool_objects:
        example = f" (e.g. {x.iloc[0]!r})" if len(x) else ""
        raise DataError(
            f"Signals.{name} must have a boolean dtype, got {x.dtype}{example}. "
            "Strings such as 'False' would be read as True; convert explicitly, e.g. "
            "x.map({'True': True, 'False': False}) or (x != 0) for 0/1 numbers."
        )


def _as_float(x: float | pd.Series | None, index: pd.Index, name: str) -> pd.Series:
    if x is None:
        return pd.Series(np.nan, index=index, dtype=float)
    if isinstance(x, pd.Series):
        if not x.index.equals(index):
            raise DataError(f"Signals.{name} is not on the same index as Signals.entries.")
        out = x.astype(float)
    else:
        out = pd.Series(float(x), index=index, dtype=float)
    _check_levels(out.to_numpy(), name)
    return out


def _check_levels(v: np.ndarray, name: str) -> None:
    """Stops and targets are positive distances; 0 would fill a round trip at the entry open."""
    bad = v[~np.isnan(v)]
    if (bad < 0).any() or np.isinf(bad).any():
        raise DataError(
            f"Signals.{name} has negative or infinite values; stops and targets are positive "
            "distances (0.05 = 5%). Use None or NaN for 'no stop'."
        )
    if (bad == 0).any():
        raise DataError(
            f"Signals.{name} has a value of 0: a stop or target at the entry price exits at the "
            "entry open, a silent round trip. Use a positive distance, or None/NaN for none."
        )


@dataclass(frozen=True, slots=True)
class SignalArrays:
    """The engine's view of a :class:`Signals`: plain numpy rows on the bar dates.

    ``ent, ex, sent, sex`` are uint8 decisions; ``sl`` is the fractional stop at each
    decision bar, ``sld`` the price-distance stop (NaN where none), ``tp`` the target
    fraction, ``trail`` uint8, ``reentry`` the int64 re-entry code (-1 wait, 0 recover,
    N bars).
    """

    ent: np.ndarray
    ex: np.ndarray
    sent: np.ndarray
    sex: np.ndarray
    sl: np.ndarray
    sld: np.ndarray
    tp: np.ndarray
    trail: np.ndarray
    reentry: np.ndarray


@dataclass(frozen=True)
class Signals:
    """Entry/exit decisions and stop parameters for one instrument.

    Attributes
    ----------
    entries, exits
        Long entry / long exit decisions (bool Series). True at bar ``t`` = act at bar
        ``t+1``'s open.
    short_entries, short_exits
        The same for short positions.
    sl_stop
        Stop-loss distance as a fraction of the entry price (0.05 = 5%), read at the
        decision bar of each entry; NaN = no stop.
    sl_distance
        Alternative stop-loss distance in price units (e.g. 2 x ATR), converted to a
        fraction of the entry bar's open when the entry fills. Use either this or
        ``sl_stop``.
    sl_trail
        True makes the stop trail the highest high (long) / lowest low (short) since entry.
        A bool Series is read at each entry's decision bar.
    tp_stop
        Take-profit distance as a fraction of the entry price; NaN = no target.
    after_stop
        What follows a stop exit (``stop`` or ``stop_gap``): ``"wait"`` (default) waits
        for the next entry decision; ``"bars"`` re-enters the same side at the open
        ``after_stop_bars`` sessions after the exit bar; ``"recover"`` re-enters at the
        next open once a close is back beyond the exit quote (above it for a long, below
        for a short). Both re-entries wait while the exit signal of that side is on.
    after_stop_bars
        Sessions to wait with ``after_stop="bars"`` (an integer >= 1).
    params
        The parameters that made the signals (recorded in the result).
    """

    entries: pd.Series
    exits: pd.Series | None = None
    short_entries: pd.Series | None = None
    short_exits: pd.Series | None = None
    sl_stop: float | pd.Series | None = None
    sl_distance: pd.Series | None = None
    sl_trail: bool | pd.Series = False
    tp_stop: float | pd.Series | None = None
    after_stop: AfterStop = "wait"
    after_stop_bars: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.entries, pd.Series):
            raise DataError(
                f"Signals.entries must be a boolean pandas Series, got {type(self.entries).__name__}."
            )
        for nm in ("entries", "exits", "short_entries", "short_exits", "sl_trail"):
            v = getattr(self, nm, None)
            if isinstance(v, pd.Series):
                _check_bool_dtype(v, nm)
        if self.sl_stop is not None and self.sl_distance is not None:
            raise DataError(
                "Give either sl_stop (fraction) or sl_distance (price units), not both."
            )
        for nm in ("sl_stop", "tp_stop"):
            v = getattr(self, nm)
            if v is not None and not isinstance(v, pd.Series):
                try:
                    fv = float(v)
                except (TypeError, ValueError):
                    raise DataError(
                        f"Signals.{nm}={v!r} must be a number, a Series or None."
                    ) from None
                _check_levels(np.array([fv]), nm)
        if self.after_stop not in AFTER_STOP:
            raise DataError(
                f"Signals.after_stop={self.after_stop!r} is not allowed; use one of {AFTER_STOP}."
            )
        b = self.after_stop_bars
        if isinstance(b, bool) or not isinstance(b, int | np.integer) or b < 1:
            raise DataError(
                f"Signals.after_stop_bars={b!r} must be an integer >= 1 (sessions after the "
                "stop exit bar)."
            )

    @property
    def reentry_code(self) -> int:
        """The engine's re-entry code: -1 wait, 0 recover, N >= 1 bars."""
        if self.after_stop == "wait":
            return -1
        return 0 if self.after_stop == "recover" else int(self.after_stop_bars)

    def arrays(self) -> SignalArrays:
        """Validated numpy rows for the engine (see :class:`SignalArrays`)."""
        idx = self.entries.index
        n = len(idx)

        def flag(x: pd.Series | None, name: str) -> np.ndarray:
            if x is None:
                return np.zeros(n, dtype=np.uint8)
            if isinstance(x, pd.Series) and x.dtype == bool and x.index.equals(idx):
                return np.ascontiguousarray(x.to_numpy()).view(np.uint8)
            return _as_bool(x, idx, name).to_numpy(np.uint8)

        def level(x: float | pd.Series | None, name: str) -> np.ndarray:
            if x is None:
                return np.full(n, np.nan)
            if isinstance(x, pd.Series):
                return _as_float(x, idx, name).to_numpy(np.float64)
            return np.full(n, float(x))

        trail = (
            _as_bool(self.sl_trail, idx, "sl_trail").to_numpy(np.uint8)
            if isinstance(self.sl_trail, pd.Series)
            else np.full(n, 1 if self.sl_trail else 0, dtype=np.uint8)
        )
        return SignalArrays(
            ent=flag(self.entries, "entries"),
            ex=flag(self.exits, "exits"),
            sent=flag(self.short_entries, "short_entries"),
            sex=flag(self.short_exits, "short_exits"),
            sl=level(self.sl_stop, "sl_stop"),
            sld=level(self.sl_distance, "sl_distance"),
            tp=level(self.tp_stop, "tp_stop"),
            trail=trail,
            reentry=np.full(n, self.reentry_code, dtype=np.int64),
        )

    def frames(self) -> dict[str, pd.Series]:
        """All fields as aligned Series (bool signals, float stops), validated."""
        idx = self.entries.index
        out = {
            "entries": _as_bool(self.entries, idx, "entries"),
            "exits": _as_bool(self.exits, idx, "exits"),
            "short_entries": _as_bool(self.short_entries, idx, "short_entries"),
            "short_exits": _as_bool(self.short_exits, idx, "short_exits"),
            "sl_stop": _as_float(self.sl_stop, idx, "sl_stop"),
            "sl_distance": _as_float(self.sl_distance, idx, "sl_distance"),
            "tp_stop": _as_float(self.tp_stop, idx, "tp_stop"),
        }
        return out


def _on_before(entries: pd.Series | None, exits: pd.Series | None, start: pd.Timestamp) -> bool:
    """Was the rule's last decision before ``start`` an entry (not followed by an exit)?"""
    if entries is None:
        return False
    e = entries[entries.index < start]
    if not e.any():
        return False
    last_e = e[e].index[-1]
    if exits is None:
        return True
    x = exits[(exits.index < start) & (exits.index >= last_e)]
    return not x.any()


def slice_signals(sig: Signals, index: pd.DatetimeIndex, *, carry_in: bool = False) -> Signals:
    """The same signals restricted to ``index`` (a sub-range of the original dates).

    Signals are computed on the full history first (each value uses data up to its own
    bar), then cut: no look-ahead, and indicators keep their warm-up. With
    ``carry_in=True``, a rule whose last decision before the window was an entry (not
    yet undone by an exit decision) gets an entry decision on the window's first bar, so
    a window that starts inside a holding period enters at its second bar's open instead
    of waiting for the next fresh entry (buy and hold would otherwise never enter).
    """
    from dataclasses import replace

    def cut(x: Any) -> Any:
        return x.reindex(index) if isinstance(x, pd.Series) else x

    entries, short_entries = cut(sig.entries), cut(sig.short_entries)
    if carry_in and len(index):
        start = index[0]
        if _on_before(sig.entries, sig.exits, start):
            entries = entries.copy()
            entries.iloc[0] = True
        elif _on_before(sig.short_entries, sig.short_exits, start):
            short_entries = short_entries.copy()
            short_entries.iloc[0] = True
    return replace(
        sig,
        entries=entries,
        exits=cut(sig.exits),
        short_entries=short_entries,
        short_exits=cut(sig.short_exits),
        sl_stop=cut(sig.sl_stop),
        sl_distance=cut(sig.sl_distance),
        tp_stop=cut(sig.tp_stop),
    )
