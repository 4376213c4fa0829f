"""notebooks/compare_samplers.ipynb: committed clean, and it runs top to bottom on a real comparison."""

import json
import re
import sys

import nbformat
import pytest
from conftest import REPO
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from pipeline.storage import sqlite_path

NOTEBOOK = REPO / "notebooks" / "compare_samplers.ipynb"


def code_cells():
    return [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_notebook_is_committed_without_outputs():
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code_cells())


def test_notebook_calls_the_package_instead_of_copying_analysis_code():
    sources = "\n".join(cell.source for cell in code_cells())
    assert "from pipeline import analysis, plots" in sources
    assert "def " not in sources and "go.Figure" not in sources
    assert "stats.wilcoxon(pairs.best, pairs.baseline_best)" in sources  # the verdict's test, shown by hand


def this_python_kernel(folder) -> KernelManager:
    """A kernel run by this test's interpreter (the project venv), whatever kernels the machine has."""
    spec = folder / "kernels" / "pipeline-venv"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "pipeline venv", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="pipeline-venv", kernel_spec_manager=specs)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_against_a_tiny_comparison(tiny_comparison, tmp_path, monkeypatch):
    url, spec = tiny_comparison
    monkeypatch.setenv("COMPARISON_STORAGE", str(sqlite_path(url)))  # read by the first cell
    monkeypatch.setenv("COMPARISON_STUDY", spec.name)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    NotebookClient(
        notebook, km=this_python_kernel(tmp_path), timeout=180, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()  # raises on a cell error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 9
    assert all(o["data"]["image/png"] for o in figures)  # each also as a static PNG, for GitHub

    html, _ = HTMLExporter().from_notebook_node(notebook)  # jupyter nbconvert --to html
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 9  # every figure, without plotly
    printed = [o.text for o in outputs if o.output_type == "stream" and o.name == "stdout"]
    assert printed[0].startswith("tpe vs random: ")  # the verdict comes first
    assert any("figures: interactive, and a static PNG each for GitHub and nbconvert" in text for text in printed)
    assert any(text.startswith("scipy.stats.wilcoxon: p = ") for text in printed)  # and its test, by hand
    assert printed[-1].strip() == sys.executable


def test_without_a_static_export_the_figures_fall_back_to_html_with_plotly_embedded():
    import plotly.io as pio

    from pipeline.plots import show_figures_everywhere

    before = pio.renderers.default
    try:
        line = show_figures_everywhere(static=False)
        assert pio.renderers.default == "plotly_mimetype+notebook"  # nbconvert's HTML runs the embedded plotly.js
        assert line.startswith("figures: interactive, and HTML with plotly.js for nbconvert; no static PNG")
    finally:
        pio.renderers.default = before
