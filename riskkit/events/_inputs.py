"""Input checks of :func:`riskkit.events.event_study`: windows, counts, tz-aware indexes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = ["check_count", "check_windows", "session_dates"]


def check_windows(
    windows: Sequence[tuple[int, int]], estimation: int, gap: int
) -> list[tuple[int, int]]:
    out = []
    for w in windows:
        ends: tuple[object, ...]
        try:
            ends = (w[0], w[1]) if len(w) == 2 else ()
        except TypeError:
            ends = ()
        whole = all(
            not isinstance(v, bool)
            and isinstance(v, int | np.integer | float | np.floating)
            and float(v).is_integer()
            for v in ends
        )
        if len(ends) != 2 or not whole:
            # int(-1.5) would silently truncate a window to (-1, 1)
            raise DataError(
                f"window {w!r} is not a pair of whole numbers of sessions like (-1, 1)."
            )
        a, b = int(ends[0]), int(ends[1])
        if a > b:
            raise DataError(f"window {w!r} starts after it ends; write it as ({b}, {a}).")
        if a < -gap:
            raise DataError(
                f"window {w!r} starts {-a} days before day 0, inside the estimation window "
                f"(gap={gap}); increase gap to at least {-a}."
            )
        out.append((a, b))
    if not out:
        raise DataError("windows is empty; pass e.g. windows=[(-1, 1), (0, 0), (0, 5)].")
    if estimation < 3:
        raise DataError(f"estimation={estimation} is too short; use at least 3 (e.g. 250).")
    if gap < 0:
        raise DataError(f"gap={gap} is negative; use 0 or more trading days.")
    return out


def check_count(name: str, value: object, least: int) -> None:
    """A whole number of sessions or draws, at least ``least`` (no bools, no 2.5, no -1)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < least:
        raise DataError(
            f"{name}={value!r} must be a whole number >= {least}; e.g. estimation=250, gap=10, "
            "min_estimation_obs=100, placebo=0 (off) or 1000."
        )


def session_dates(frame: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    """A tz-aware daily index read as session dates: the wall-clock date in its own zone.

    Event days are naive US dates, so a tz-aware index (a ``...-05:00`` close stamp, or
    Yahoo's midnight UTC) is labelled by its local date; converting midnight UTC to New
    York would move every session back one day.
    """
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        return frame
    dates = idx.tz_localize(None).normalize()
    if dates.has_duplicates:
        raise DataError(
            f"{name} has several rows on one date in its zone {idx.tz}; event studies take "
            "one return per session. Resample to daily first."
        )
    frame.index = dates
    notes.append(f"{name}: tz-aware index ({idx.tz}) read as session dates in that zone.")
    return frame
