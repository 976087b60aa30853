"""Sphinx extension: a clean browser console for every page of the book.

* sphinx-thebe (loaded by Jupyter Book even with live code off) can register its inline config
  script twice in one build, which redeclares ``const THEBE_JS_URL`` and throws in the browser.
  The book has no live code (launch buttons are off), so its scripts are dropped from pages.
* pydata-sphinx-theme reads the colour mode from an empty ``localStorage`` on a reader's first
  visit and logs "Got invalid theme mode". We default the mode to ``auto`` before it looks.
"""

from __future__ import annotations

from typing import Any

THEME_MODE_DEFAULT = (
    "if (!localStorage.getItem('mode')) { localStorage.setItem('mode', 'auto'); } "
    "if (!document.documentElement.dataset.mode) "
    "{ document.documentElement.dataset.mode = 'auto'; }"
)


def _drop_thebe(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for js in scripts:
        name = str(getattr(js, "filename", js) or "")
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if "THEBE_JS_URL" in body or name.endswith("sphinx-thebe.js"):
            continue
        kept.append(js)
    context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    app.add_js_file(None, body=THEME_MODE_DEFAULT, priority=1)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
