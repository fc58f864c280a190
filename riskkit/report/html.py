"""The one HTML renderer used by every riskkit report page (jinja2, self-contained)."""

from __future__ import annotations

import base64
import io
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from riskkit._format import MISSING, format_frame

__all__ = [
    "FORMULA_PREFIXES",
    "MAX_ROWS",
    "Page",
    "Section",
    "figure_to_base64",
    "neutralize_formula",
    "render_page",
    "table_html",
    "write_csv",
]

#: Rows of a table shown on a page before the rest is folded away (or left to its CSV).
MAX_ROWS = 25


@dataclass(frozen=True)
class Section:
    """One section of a report page.

    ``figure`` is a matplotlib Figure (embedded as PNG, then closed); ``table`` a
    DataFrame rendered by :func:`table_html` (formatted by meaning, see
    :mod:`riskkit._format`); ``html`` raw trusted HTML; ``note`` a plain-text
    paragraph. ``formats`` maps column keys (or ``"*"``: every numeric column not named)
    to a kind such as ``"percent"`` where the column-name conventions do not say;
    ``float_format`` formats the remaining plain numbers (default three decimals).
    ``csv``: the file name, relative to the page, of the CSV holding the whole table: a
    table longer than ``max_rows`` then shows its first rows and links the CSV instead of
    folding the rest into a collapsed ``<details>``. ``level``: 2 for a section of its
    own, 3 for a sub-section (a page that combines several pages nests theirs).
    ``head_tail``: a long table shows its first and last ``max_rows // 2`` rows (sort it
    first: the largest and the smallest values) instead of its first ``max_rows``.
    """

    heading: str
    html: str | None = None
    figure: Any = None
    table: pd.DataFrame | None = None
    note: str | None = None
    float_format: str | None = None
    formats: Mapping[str, str] | None = None
    csv: str | None = None
    max_rows: int | None = MAX_ROWS
    level: int = 2
    head_tail: bool = False


@dataclass(frozen=True)
class Page:
    """A report page before it is rendered: title, sections and the facts shown on top.

    Each area builds its page (writing the CSVs behind its tables) and either writes it
    alone (:meth:`write`) or hands its sections to a page that combines several
    (:meth:`nested`: the main job's single report).

    Examples
    --------
    >>> page = Page("Risk", [Section("VaR", table=pd.DataFrame({"a": [1]}), csv="var.csv")])
    >>> [(s.heading, s.level, s.csv) for s in page.nested("risk")]
    [('Risk', 2, None), ('VaR', 3, 'risk/var.csv')]
    """

    title: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)

    def write(self, out_path: str | Path) -> Path:
        """Render this page alone (see :func:`render_page`) and return its path."""
        return render_page(self.title, sections=self.sections, meta=self.meta, out_path=out_path)

    def nested(self, folder: str, *, heading: str | None = None, note: str | None = None):
        """This page's sections one level down under a heading section (the title unless
        ``heading``), with CSV links made relative to the page's parent folder
        (``folder/name.csv``), for a page written one folder up."""
        top = Section(heading or self.title, note=note)
        subs = [
            replace(s, level=3, csv=None if s.csv is None else f"{folder.rstrip('/')}/{s.csv}")
            for s in self.sections
        ]
        return [top, *subs]


def figure_to_base64(fig: Any, *, dpi: int = 110) -> str:
    """PNG bytes of a matplotlib figure, base64-encoded; the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would make reports unreadable to anyone else
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralize_formula(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a ``'`` in front (the
    OWASP "CSV injection" rule); numbers, and text that reads as a number (``-18.9``),
    are left alone.

    Examples
    --------
    >>> print(neutralize_formula('=HYPERLINK("http://x","y")'))
    '=HYPERLINK("http://x","y")
    >>> neutralize_formula("-18.9"), neutralize_formula(-0.5), neutralize_formula("IREN")
    ('-18.9', -0.5, 'IREN')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _is_number(value):
        return "'" + value
    return value


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    text_cols = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    out = frame.copy() if text_cols else frame
    for c in text_cols:
        out[c] = frame[c].map(neutralize_formula)
    if not pd.api.types.is_numeric_dtype(frame.index.dtype) and not isinstance(
        frame.index, pd.DatetimeIndex | pd.MultiIndex
    ):
        out = out.set_axis(frame.index.map(neutralize_formula), axis=0)
    if not isinstance(frame.columns, pd.MultiIndex):
        out = out.set_axis([neutralize_formula(c) for c in frame.columns], axis=1)
    return out


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, spreadsheet_safe: bool = True, **kwargs: Any
) -> Path:
    """Write a CSV atomically (temp file then rename), safe to open in a spreadsheet.

    Parameters
    ----------
    frame
        The table; left unchanged.
    path
        Where to write.
    spreadsheet_safe
        True (default): text cells, index labels and column names that a spreadsheet would
        run as a formula (starting with ``= + - @``, tab or CR, such as a user's event id
        ``=HYPERLINK(...)``) are written with a leading ``'``; see
        :func:`neutralize_formula`. Numbers are never changed. False writes the text as is.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv`. Without ``index=``, a default row
        number index (0, 1, ... unnamed) is left out and any other index is written.
    """
    p = Path(path)
    if "index" not in kwargs:
        ix = frame.index
        plain = isinstance(ix, pd.RangeIndex) and ix.name is None
        kwargs["index"] = not (plain and ix.equals(pd.RangeIndex(len(ix))))
    out = _spreadsheet_safe(frame) if spreadsheet_safe else frame
    _atomic_write_text(p, out.to_csv(**kwargs))
    return p


#: Text columns whose longest cell is at most this many characters never wrap (ids, tickers).
_SHORT_TEXT = 40

#: A long table is folded only when at least this many rows would be hidden.
_MIN_HIDDEN = 10


def _table(
    labels: list[str],
    kinds: list[str],
    rows: list[list[str]],
    *,
    gap: tuple[int, str] | None = None,
) -> str:
    widths = [max((len(r[j]) for r in rows), default=0) for j in range(len(kinds))]
    kinds = [
        "text short" if k == "text" and w <= _SHORT_TEXT else k
        for k, w in zip(kinds, widths, strict=True)
    ]
    head = "".join(
        f'<th class="{"text" if k.startswith("text") else "num"}">{escape(label)}</th>'
        for label, k in zip(labels, kinds, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{k}">{escape(c)}</td>' for c, k in zip(r, kinds, strict=True))
        + "</tr>"
        for r in rows
    )
    if gap is not None:  # a row counting the rows left out (head and tail shown)
        at, text = gap
        cut = body.split("</tr>")
        filler = f'<tr class="gap"><td class="text" colspan="{len(kinds)}">{escape(text)}</td>'
        body = "</tr>".join([*cut[:at], filler, *cut[at:]])
    return (
        f'<div class="table-wrap"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def table_html(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str] | None = None,
    float_format: str | None = None,
    max_rows: int | None = MAX_ROWS,
    csv: str | None = None,
    head_tail: bool = False,
) -> str:
    """A DataFrame as an HTML table formatted by meaning (cells escaped).

    Percent for returns and probabilities, decimals for p-values, integers for counts,
    dates as ``YYYY-MM-DD``, readable headers, no row-number index (the rules:
    :mod:`riskkit._format`). A table longer than ``max_rows`` shows its first
    ``max_rows`` rows, then either a link to ``csv`` (the whole table) or, without one,
    every row inside a collapsed ``<details>``; a table that would hide fewer than 10 rows
    is shown whole. ``head_tail=True`` shows the first and the last ``max_rows // 2`` rows
    around a row that counts the hidden ones. Text columns of short cells (ids, tickers, at most 40 characters)
    never wrap; longer text wraps.

    Examples
    --------
    >>> print(table_html(pd.DataFrame({"car_se": [0.05]})))
    <div ...><th class="num">CAR s.e.</th>...<td class="percent">5.00%</td>...</div>
    """
    labels, kinds, rows = format_frame(frame, formats=formats, float_format=float_format)
    if max_rows is None or len(rows) < max_rows + _MIN_HIDDEN:
        return _table(labels, kinds, rows)
    if head_tail:
        k = max(max_rows // 2, 1)
        gap = (k, f"… {len(rows) - 2 * k:,} rows not shown …")
        shown = _table(labels, kinds, [*rows[:k], *rows[-k:]], gap=gap)
        which = f"first {k} and last {k}"
    else:
        shown = _table(labels, kinds, rows[:max_rows])
        which = f"first {max_rows}"
    if csv is not None:
        link = f'<a href="{escape(csv)}">{escape(csv)}</a>'
        return shown + f'<p class="rows-note">{which} of {len(rows):,} rows; all in {link}</p>'
    return (
        shown + f"<details><summary>first {max_rows} of {len(rows):,} rows shown; "
        f"show all {len(rows):,}</summary>{_table(labels, kinds, rows)}</details>"
    )


def _anchor(heading: str, taken: set[str]) -> str:
    """A unique ``id`` for a section: its heading's words, lower case, joined by ``-``."""
    base = "-".join(re.findall(r"[a-z0-9]+", heading.lower())) or "section"
    anchor, k = base, 2
    while anchor in taken:
        anchor, k = f"{base}-{k}", k + 1
    taken.add(anchor)
    return anchor


def _meta_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return MISSING if value is None else str(value)


def _contents_html(rendered: list[dict[str, Any]]) -> str:
    """Nested ``<ul>`` of links to the rendered sections (level 3 under level 2)."""
    out, open_li, open_sub = ['<nav class="contents"><ul>'], False, False
    for r in rendered:
        link = f'<a href="#{escape(r["anchor"])}">{escape(r["heading"])}</a>'
        if r["level"] >= 3 and open_li:
            out.append(("" if open_sub else "<ul>") + f"<li>{link}</li>")
            open_sub = True
            continue
        out.append(("</ul>" if open_sub else "") + ("</li>" if open_li else "") + f"<li>{link}")
        open_li, open_sub = True, False
    out.append(("</ul>" if open_sub else "") + ("</li>" if open_li else "") + "</ul></nav>")
    return "".join(out)


def render_page(
    title: str,
    *,
    sections: list[Section],
    meta: dict[str, Any] | None = None,
    out_path: str | Path,
    contents_after: int | None = None,
) -> Path:
    """Render a self-contained HTML page (figures inlined) and write it atomically.

    ``contents_after=k`` puts a "Contents" section after the first ``k`` sections: a list
    of links to every later section's anchor, sub-sections (``level=3``) nested under
    their section. Tables sort on a click of a column header (an inline script: the page
    needs no network).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = render_page("t", sections=[Section("s", table=pd.DataFrame({"a": [1.5]}))],
    ...                 meta={"data": "synthetic"}, out_path=d / "x.html")
    >>> "<table" in p.read_text()
    True
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    import riskkit

    env = Environment(
        loader=PackageLoader("riskkit", "report/templates"),
        autoescape=select_autoescape(["html"]),
    )
    rendered = []
    anchors: set[str] = set()
    for s in sections:
        rendered_table = None
        if s.table is not None:
            rendered_table = table_html(
                s.table,
                formats=s.formats,
                float_format=s.float_format,
                max_rows=s.max_rows,
                csv=s.csv,
                head_tail=s.head_tail,
            )
        rendered.append(
            {
                "heading": s.heading,
                "level": 3 if s.level >= 3 else 2,
                "anchor": _anchor(s.heading, anchors),
                "note": s.note,
                "html": s.html,
                "figure_png": figure_to_base64(s.figure) if s.figure is not None else None,
                "table_html": rendered_table,
            }
        )
    if contents_after is not None:
        rendered.insert(
            contents_after,
            {
                "heading": "Contents",
                "level": 2,
                "anchor": _anchor("Contents", anchors),
                "note": None,
                "html": _contents_html(rendered[contents_after:]),
                "figure_png": None,
                "table_html": None,
            },
        )
    html = env.get_template("page.html").render(
        title=title,
        meta={k: _meta_text(v) for k, v in (meta or {}).items()},
        sections=rendered,
        version=riskkit.__version__,
        generated=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC"),
    )
    out = Path(out_path)
    _atomic_write_text(out, html)
    return out
