"""Notebook display of result objects: a :class:`Summary` that prints as text and renders
as HTML with real tables, and a short ``repr``.

Floor 1 (no riskkit area). Cells are formatted by :mod:`riskkit._format`, the formatter of
the report pages too, so a number reads the same in a notebook and on a page; the short
kind names here (``pct``, ``int``, ``p``, ``num``...) are that formatter's kinds with a
number of decimals.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit._format import format_value

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


#: This module's kinds as the formatter's (kind, decimals).
_AS_FORMAT: dict[str, tuple[str, int | None]] = {
    "pct": ("percent", 2), "pct1": ("percent", 1), "int": ("count", None),
    "date": ("date", None), "num": ("number", 4), "num2": ("number", 2),
    "num3": ("number", 3), "num6": ("number", 6), "p": ("pvalue", None), "text": ("text", None),
}  # fmt: skip


def fmt_value(v: Any, kind: str = "auto") -> str:
    """One cell as text: percent, integer, date, number, p-value or plain text, by the
    rules of :func:`riskkit._format.format_value` (missing values read ``–``, negative
    numbers carry a true minus sign, p-values three decimals or ``<0.001``).

    ``auto`` picks the kind from the value: yes/no for a bool, a date for a timestamp, a
    count for a whole number, four decimals otherwise.

    Examples
    --------
    >>> fmt_value(-0.2142, "pct"), fmt_value(1106.0), fmt_value(0.00004, "p")
    ('−21.42%', '1,106', '<0.001')
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; use one of {KINDS}.")
    if isinstance(v, list | tuple | np.ndarray):
        return ", ".join(fmt_value(x, kind) for x in v)
    if kind == "auto":
        if isinstance(v, bool | np.bool_):
            return format_value(v, "bool")
        if isinstance(v, pd.Timestamp | np.datetime64):
            kind = "date"
        elif isinstance(v, int | np.integer):
            kind = "int"
        elif isinstance(v, float | np.floating):
            x = float(v)
            kind = "int" if math.isfinite(x) and x.is_integer() and abs(x) < 1e15 else "num"
        else:
            return format_value(v, "text")
    fkind, decimals = _AS_FORMAT[kind]
    return format_value(v, fkind, decimals=decimals)


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
