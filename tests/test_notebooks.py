"""Issue 13, item 6: the example notebooks run the way a user runs them.

Each ``examples/*.ipynb`` is executed top to bottom by nbclient in a fresh Jupyter kernel
(ipykernel, this interpreter), in a temporary folder, and must finish without an error
output. The committed notebooks carry no outputs (they are stripped in git: the results
come from the reader's own run), and every result object a cell ends with is shown as an
HTML table, not as ``<pre>`` text.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_the_three_uses_have_a_notebook():
    assert [p.name for p in NOTEBOOKS] == [
        "backtest_sweep.ipynb",
        "event_study.ipynb",
        "risk.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_stripped(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_without_error(path: Path, tmp_path: Path, monkeypatch):
    # the kernel inherits the environment: Jupyter's inline backend, not the tests' Agg
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError with the cell and traceback on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert html, "no result rendered as HTML"
    assert all("<table" in h for h in html)
    assert not any(h.lstrip().startswith("<pre") for h in html)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if "plot" in "".join(c.source for c in nb.cells if c.cell_type == "code"):
        assert images, "a cell plots but no figure was shown"
