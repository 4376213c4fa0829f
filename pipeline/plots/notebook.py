"""How a notebook's figures reach every place the notebook is read, not only a live Jupyter.

:func:`show_figures_everywhere` sets plotly's renderers so that each figure a cell returns is saved as

- plotly's own JSON (``application/vnd.plotly.v1+json``), interactive in JupyterLab, Notebook 7 and VS Code;
- and a static PNG, which is what GitHub and ``jupyter nbconvert --to html`` show: they run no plotly.
  kaleido draws it with a Chrome or Chromium already installed (Debian's ``chromium`` will do); one browser
  is started for the whole notebook and closed when the kernel exits.

Where no PNG can be made (kaleido missing, no browser), the fallback is HTML with plotly.js embedded once
in the notebook (plotly's ``notebook`` renderer): nbconvert's HTML then shows the figures, interactive and
offline; GitHub, which strips scripts, shows none.
"""

from __future__ import annotations

import atexit
import warnings

import plotly.graph_objects as go
import plotly.io as pio

STATIC = "plotly_mimetype+png"
FALLBACK = "plotly_mimetype+notebook"


def show_figures_everywhere(*, static: bool = True) -> str:
    """Choose the renderers (static PNG when it works and ``static``); returns one line saying what was chosen."""
    problem = _static_export_problem() if static else "not asked for"
    pio.renderers.default = FALLBACK if problem else STATIC
    if problem:
        return f"figures: interactive, and HTML with plotly.js for nbconvert; no static PNG for GitHub ({problem})"
    return "figures: interactive, and a static PNG each for GitHub and nbconvert"


def _static_export_problem() -> str | None:
    """None when kaleido can draw a PNG here, else why not (in words)."""
    try:
        import kaleido
    except ImportError:
        return "kaleido is not installed: pip install 'optuna-torch-pipeline[notebook]'"
    warnings.filterwarnings("ignore", message="The kopts argument is ignored if using a server")
    try:
        kaleido.start_sync_server(silence_warnings=True)  # one browser for every figure (~0.3 s each, not ~4 s)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        pio.to_image(go.Figure(), format="png", width=10, height=10)
    except Exception as exc:  # kaleido raises its own errors and the browser's (no Chrome, no display, ...)
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        return f"kaleido could not draw one, no Chrome or Chromium found? {first}"
    return None
