"""The canonical shape of one ticker's daily price frame, and its parser."""

from __future__ import annotations

import pandas as pd

from riskkit._errors import DataError

__all__ = ["FIELDS", "parse_price_frame"]

#: Price fields, in order, of every per-ticker frame and of load_prices' column level 0.
FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")


def parse_price_frame(raw: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """Turn a raw ``date,open,high,low,close,adj_close,volume`` table into a typed frame.

    The rows keep the order and the duplicates they had (structural problems are found by
    :func:`riskkit.data.check_prices`, not repaired here). ``what`` names the input in errors.
    """
    expected = ["date", *FIELDS]
    cols = [str(c).strip().lower() for c in raw.columns]
    if cols != expected:
        raise DataError(
            f"{what} is malformed: its header is {cols}, expected {expected}. "
            "Fix the header line (one row per date, comma-separated)."
        )
    raw = raw.set_axis(expected, axis=1)
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    bad = raw.loc[dates.isna(), "date"]
    if len(bad):
        raise DataError(
            f"{what} is malformed: {len(bad)} unparseable date(s), e.g. {bad.iloc[0]!r} "
            f"(row {int(bad.index[0]) + 2}). Dates must be YYYY-MM-DD."
        )
    out = pd.DataFrame(index=pd.DatetimeIndex(dates, name="date"))
    for f in FIELDS:
        if pd.api.types.is_numeric_dtype(raw[f]):  # fast path: the CSV reader parsed it
            out[f] = raw[f].to_numpy(dtype=float)
            continue
        col = pd.to_numeric(raw[f], errors="coerce")
        bad_mask = col.isna() & raw[f].notna() & (raw[f].astype(str).str.strip() != "")
        if bad_mask.any():
            i = int(bad_mask.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{what} is malformed: column {f!r} has a non-numeric value {raw[f].iloc[i]!r} "
                f"(row {i + 2}). Every price and volume must be a number."
            )
        out[f] = col.to_numpy(dtype=float)
    return out
