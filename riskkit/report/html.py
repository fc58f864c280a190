"""The one HTML renderer used by every riskkit report page (jinja2, self-contained)."""

from __future__ import annotations

import base64
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "Section",
    "figure_to_base64",
    "neutralize_formula",
    "render_page",
    "write_csv",
]


@dataclass(frozen=True)
class Section:
    """One section of a report page.

    ``figure`` is a matplotlib Figure (embedded as PNG, then closed); ``table`` a
    DataFrame rendered as HTML with ``float_format``; ``html`` raw trusted HTML;
    ``note`` a plain-text paragraph.
    """

    heading: str
    html: str | None = None
    figure: Any = None
    table: pd.DataFrame | None = None
    note: str | None = None
    float_format: str = "{:.4f}"


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
        Passed to :meth:`pandas.DataFrame.to_csv`.
    """
    p = Path(path)
    out = _spreadsheet_safe(frame) if spreadsheet_safe else frame
    _atomic_write_text(p, out.to_csv(**kwargs))
    return p


def render_page(
    title: str,
    *,
    sections: list[Section],
    meta: dict[str, Any] | None = None,
    out_path: str | Path,
) -> Path:
    """Render a self-contained HTML page (figures inlined) and write it atomically.

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
    for s in sections:
        table_html = None
        if s.table is not None:
            fmt = s.float_format
            table_html = s.table.to_html(float_format=fmt.format, border=0, na_rep="")
        rendered.append(
            {
                "heading": s.heading,
                "note": s.note,
                "html": s.html,
                "figure_png": figure_to_base64(s.figure) if s.figure is not None else None,
                "table_html": table_html,
            }
        )
    html = env.get_template("page.html").render(
        title=title,
        meta=meta or {},
        sections=rendered,
        version=riskkit.__version__,
        generated=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC"),
    )
    out = Path(out_path)
    _atomic_write_text(out, html)
    return out
