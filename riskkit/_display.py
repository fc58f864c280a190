"""Notebook display of result objects: a :class:`Summary` that prints as text and renders
as HTML with real tables, a short ``repr`` and a small value formatter.

Floor 1: imports pandas and numpy only (no riskkit area). The report pages have their own
formatter; this one is deliberately small.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Summary", "Table", "fmt_value", "format_frame", "html_table", "short_repr"]

#: Kinds a column can be formatted as: ``pct`` (decimal shown as a percent), ``pct1``
#: (one decimal), ``int`` (counts, thousands separators), ``date``, ``num`` (4 decimals),
#: ``num2``/``num3``/``num6``, ``p`` (p-value), ``text``; ``auto`` picks one from the value.
KINDS = ("auto", "pct", "pct1", "int", "date", "num", "num2", "num3", "num6", "p", "text")

_CSS = (
    "<style>.rk-summary table{border-collapse:collapse;margin:0.3em 0 0.8em 0;font-size:0.9em}"
    ".rk-summary th,.rk-summary td{padding:2px 8px;border-bottom:1px solid #ddd}"
    ".rk-summary th{text-align:left;background:#f5f5f5}.rk-summary td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}.rk-summary caption{text-align:left;font-weight:bold;"
    "padding:0.2em 0}.rk-summary p{margin:0.2em 0}</style>"
)


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def fmt_value(v: Any, kind: str = "auto") -> str:
    """One cell as text: percent, integer, date, number, p-value or plain text.

    Missing values (None, NaN, NaT) give an empty string; infinities give ``inf``/``-inf``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; use one of {KINDS}.")
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(fmt_value(x, kind) for x in v)
    if _is_missing(v):
        return ""
    if kind == "auto":
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (pd.Timestamp, np.datetime64)):
            kind = "date"
        elif isinstance(v, (int, np.integer)):
            kind = "int"
        elif isinstance(v, (float, np.floating)):
            kind = "int" if float(v).is_integer() and abs(float(v)) < 1e15 else "num"
        else:
            return str(v)
    if kind == "text":
        return str(v)
    if kind == "date":
        ts = pd.Timestamp(v)
        return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if kind == "int":
        return f"{x:,.0f}"
    if kind == "pct":
        return f"{x:.2%}"
    if kind == "pct1":
        return f"{x:.1%}"
    if kind == "p":
        return "<0.0001" if 0 <= x < 1e-4 else f"{x:.4f}"
    digits = {"num": 4, "num2": 2, "num3": 3, "num6": 6}[kind]
    return f"{x:.{digits}f}"


def _kind_of(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "auto"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        vals = s.dropna().to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        if len(vals) and np.all(vals == np.round(vals)) and np.all(np.abs(vals) < 1e15):
            return "int"
        return "num"
    return "auto"


def format_frame(
    frame: pd.DataFrame, formats: Mapping[str, str] | None = None, *, default: str | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` with every cell formatted as text (see :func:`fmt_value`).

    ``formats`` maps column names to kinds; other columns use ``default`` or a kind
    guessed from the dtype (dates, integers, numbers).
    """
    formats = dict(formats or {})
    out = pd.DataFrame(index=frame.index)
    for i, col in enumerate(frame.columns):
        s = frame.iloc[:, i]
        kind = formats.get(str(col), default or _kind_of(s))
        out[col] = [fmt_value(v, kind) for v in s.tolist()]
    return out


def html_table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    caption: str = "",
    index: bool = False,
    labels: Mapping[str, str] | None = None,
    default: str | None = None,
) -> str:
    """An escaped HTML ``<table>`` of ``frame`` with formatted cells.

    ``index=True`` shows the index as the first column (named by the index name, or
    blank); ``labels`` renames columns for display.
    """
    f = frame.reset_index() if index else frame
    if index and frame.index.name is None and "index" in f.columns:
        f = f.rename(columns={"index": ""})
    text = format_frame(f, formats, default=default)
    labels = dict(labels or {})
    numeric = [
        pd.api.types.is_numeric_dtype(f.iloc[:, i]) and not pd.api.types.is_bool_dtype(f.iloc[:, i])
        for i in range(f.shape[1])
    ]
    head = "".join(f"<th>{html.escape(labels.get(str(c), str(c)))}</th>" for c in f.columns)
    rows = []
    for r in text.itertuples(index=False):
        cells = "".join(
            f'<td class="n">{html.escape(v)}</td>' if num else f"<td>{html.escape(v)}</td>"
            for v, num in zip(r, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass(frozen=True)
class Table:
    """A frame to render as an HTML table inside a :class:`Summary`."""

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    caption: str = ""
    index: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None

    def to_html(self) -> str:
        """The escaped ``<table>``."""
        return html_table(
            self.frame, self.formats, caption=self.caption, index=self.index,
            labels=self.labels, default=self.default,
        )  # fmt: skip


class Summary(str):
    """The text of a result's summary, with an HTML view of the same content.

    A ``str`` (``print`` it, search it, compare it); in a notebook it renders as
    paragraphs and real tables (``_repr_html_``) or, as plain text, the text itself
    (``_repr_pretty_``). ``repr()`` is one short line.

    Parameters
    ----------
    text
        The plain-text summary.
    blocks
        What the HTML view shows, in order: strings (paragraphs, escaped) and
        :class:`Table` objects. Default: the text as one preformatted paragraph.
    title
        A heading for the HTML view (default: the text's first line).
    """

    blocks: tuple[str | Table, ...]
    heading: str

    def __new__(
        cls, text: str, blocks: Iterable[str | Table] | None = None, *, title: str | None = None
    ) -> Summary:
        obj = super().__new__(cls, text)
        lines = text.splitlines()
        obj.heading = title if title is not None else (lines[0] if lines else "")
        if blocks is None:
            blocks = ["\n".join(lines[1:])] if title is None else [text]
        obj.blocks = tuple(blocks)
        return obj

    def __repr__(self) -> str:
        n = len(self.splitlines())
        head = self.heading if len(self.heading) <= 60 else self.heading[:57] + "..."
        return f"<Summary {head!r}: {n} lines; print() it or display() it>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        parts = [_CSS, '<div class="rk-summary">']
        if self.heading:
            parts.append(f"<p><b>{html.escape(self.heading)}</b></p>")
        for b in self.blocks:
            if isinstance(b, Table):
                parts.append(b.to_html())
            elif b.strip():
                parts.append(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>")
        parts.append("</div>")
        return "".join(parts)


def short_repr(name: str, facts: Sequence[tuple[str, Any]], *, width: int = 88) -> str:
    """``Name(key=value, ...)`` wrapped at ``width`` characters (a few lines at most)."""
    items = [f"{k}={v}" for k, v in facts]
    lines, cur = [], f"{name}("
    for i, it in enumerate(items):
        piece = it + (", " if i < len(items) - 1 else "")
        if len(cur) + len(piece) > width and cur.strip() != f"{name}(":
            lines.append(cur.rstrip())
            cur = "    "
        cur += piece
    lines.append(cur + ")")
    return "\n".join(lines)
