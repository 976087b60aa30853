"""A notebook's one call: compute its page, draw it, glue every number, judge, write downloads.

``publish("seddik_fig3", N=N, ...)`` (the notebook's parameters by name, every one of them)
runs :mod:`collapse.pages.seddik_fig3` and glues, all under the page's stem:

* ``<stem>_<key>`` for every summary number and text, ``<stem>_figure`` for the figure and
  ``<stem>_<key>`` Markdown for the page's tables (``markdown(data)``);
* ``<stem>_verdict`` (the box under the title), ``<stem>_ledger`` (the page's rows of the
  claim ledger, HTML, also written as ``ledger/<stem>.json`` with the downloads),
  ``<stem>_explorer`` (the page's parameter explorer, :mod:`collapse.explorer`, where the page
  module has one), ``<stem>_parameters`` (the table of parameters
  beside the paper's values), ``<stem>_status_*`` (the intro's status table) and
  ``<stem>_rerun`` (the re-run box with the page's downloads).

The figure's SVG, PNG and ``.npz`` and the notebook's ``.ipynb`` are written beside each other
(:func:`collapse.plotting.export`). The verdict itself is :func:`collapse.report.page_verdict`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collapse import ledger, pages
from collapse.plotting import downloads_dir, export
from collapse.report import (
    REPRODUCTION,
    page_spec,
    page_verdict,
    relative_to_root,
    rerun_box,
    rerun_command,
)


def executed_notebook(name: str) -> Path | None:
    """Where the book build writes the executed notebook ``name`` (myst-nb's
    ``_build/jupyter_execute/notebooks/<name>.ipynb``, beside the downloads folder), or None
    outside a book build. It holds the publish cell's outputs: the verdict, the figure and the
    summary numbers (:func:`show`)."""
    directory = downloads_dir()
    return None if directory is None else (
        directory.parent / "jupyter_execute" / "notebooks" / f"{name}.ipynb")


def show(verdict_text: str, fig: Any, summary: dict[str, Any]) -> None:
    """The publish cell's visible outputs, for a reader of the notebook (Jupyter, the executed
    ``.ipynb`` download, ``collapse run``): the book page removes them (``remove-output``) and
    shows the glued pieces instead."""
    from IPython.display import Markdown, display

    display(Markdown(verdict_text))
    display(fig)
    rows = ["| number | value |", "|---|---|"]
    rows += [f"| `{key}` | {value} |" for key, value in summary.items()
             if isinstance(value, (int, float)) and not isinstance(value, bool)]
    display(Markdown("**The numbers behind the prose** (glued as `<page>_<name>`):\n\n"
                     + "\n".join(rows)))


def download_links(name: str) -> list[str]:
    """MyST download links of the page's files that exist (source, notebook, SVG, data)."""
    directory = downloads_dir()
    links = [f"{{download}}`notebook source (.md) <{name}.md>`"]
    if directory is None:
        return links
    executed = executed_notebook(name)
    if executed is not None:  # written when this notebook's execution ends, before the page
        links.append(f"{{download}}`executed notebook (.ipynb) </{relative_to_root(executed)}>`")
    labels = {f"{name}.svg": "figure (SVG)",
              f"{name}.npz": "numbers behind the figure (.npz)",
              f"ledger/{name}.json": "claims and verdicts (.json)"}
    for file, label in labels.items():
        path = directory / file
        if path.is_file():
            links.append(f"{{download}}`{label} </{relative_to_root(path)}>`")
    links.append("{download}`citation (CITATION.cff) </CITATION.cff>`")
    return links


def check_arguments(name: str, values: dict[str, Any]) -> None:
    """Every parameter of the notebook's parameters cell, and nothing else (TypeError)."""
    declared = list(page_spec(name).parameters)
    missing = [k for k in declared if k not in values]
    unknown = [k for k in values if k not in declared]
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else [])
        raise TypeError(f"publish('{name}', ...) takes the notebook's parameters "
                        f"({', '.join(declared)}): " + "; ".join(problems))


def publish(name: str, **values: Any) -> None:
    """Compute, draw, glue, judge and write the downloads of page ``name`` (see module doc)."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown
    from myst_nb import glue

    check_arguments(name, values)
    page = pages.load(name)
    data = page.data(**values)
    fig = page.plot(data)
    export(fig, data.arrays(), name)
    summary = page.summary(data)
    for key, value in summary.items():
        glue(f"{name}_{key}", value, display=False)
    for key, text in (page.markdown(data, values) if hasattr(page, "markdown") else {}).items():
        glue(f"{name}_{key}", Markdown(text), display=False)
    for key, text in (page.html(data, values) if hasattr(page, "html") else {}).items():
        glue(f"{name}_{key}", HTML(text), display=False)  # for other pages: cross-page glue
    # SVG for the page (sharp at any width; the click-through opens it), PNG for the intro's
    # gallery (cross-page glue pastes bitmaps only)
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg", "png")
    glue(f"{name}_figure", fig, display=False)
    if hasattr(page, "explorer"):
        glue(f"{name}_explorer", HTML(page.explorer(data, values).html()), display=False)

    context = dict(page.report_context(values)) if hasattr(page, "report_context") else {}
    rerun = context.pop("rerun", None) or rerun_command(page_spec(name), values)
    verdict = page_verdict(name, page.CLAIMS, summary, values,
                           bookkeeping=getattr(page, "BOOKKEEPING", ()),
                           kind=getattr(page, "KIND", REPRODUCTION), **context)
    glue(f"{name}_verdict", Markdown(verdict.box()), display=False)
    rows = ledger.page_records(name, page.CLAIMS, summary)
    glue(f"{name}_ledger", HTML(ledger.html_table(rows)), display=False)
    if (directory := downloads_dir()) is not None:
        ledger.write_page(directory, name, rows)
    glue(f"{name}_parameters", Markdown(verdict.parameters), display=False)
    for key, value in verdict.status().items():
        glue(f"{name}_status_{key}", value, display=False)
    glue(f"{name}_rerun", Markdown(rerun_box(name, rerun, download_links(name))), display=False)
    show(verdict.plain(), fig, summary)
    plt.close(fig)
