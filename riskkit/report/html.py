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

__all__ = ["Section", "figure_to_base64", "render_page", "write_csv"]


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


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write a CSV atomically (temp file then rename)."""
    p = Path(path)
    _atomic_write_text(p, frame.to_csv(**kwargs))
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
