"""Open every page of the built book in headless Chromium, as a reader would.

Served from a local HTTP server on 127.0.0.1; any request that leaves the machine is blocked
and reported (the book must work offline, MathJax included). Per page: no JavaScript console
errors, every image loaded, no raw TeX left where MathJax should have typeset, a figure on every
figure page, and a screenshot in ``_build/screenshots/``. On every page with math, at 400 px (a
phone) and 1280 px: no equation, display or inline, is clipped (each fits or scrolls to its end).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static"}
PAGES = sorted(
    p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
    if not SKIP_DIRS & set(p.relative_to(HTML).parts)
)
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|(?<![\w$])\$[^$\s][^$\n]{0,200}?[^$\s\\]\$(?![\w$])")

VISIBLE_TEXT = """() => {
  const root = document.querySelector('main') || document.body;
  const copy = root.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .MathJax')
      .forEach(e => e.remove());
  return copy.innerText;
}"""


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    assert HTML.is_dir(), "build the book first (make book)"
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def test_there_are_pages_to_check() -> None:
    assert "book/intro.html" in PAGES and any(p.startswith("notebooks/") for p in PAGES)


CLIPPED_EQUATIONS = """() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  document.querySelectorAll('mjx-container').forEach((el, i) => {  // display and inline math
    const box = el.getBoundingClientRect();
    let scrolls = false;  // the equation, or a box around it, can be scrolled to its end
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX)) {
        scrolls = true;
        break;
      }
    }
    const display = el.getAttribute('display') === 'true';  // inline boxes have no clientWidth
    const wide = (display && el.scrollWidth > el.clientWidth + 1) || box.right > width + 1
                 || box.left < -1;
    if (wide && !scrolls) out.push(`equation ${i}: ${el.textContent.slice(0, 60)}`);
  });
  return out;
}"""


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("page_path", [p for p in PAGES
                                       if "math" in (HTML / p).read_text(errors="ignore")])
def test_no_equation_is_clipped(page_path: str, width: int, server: str,
                                browser: Browser) -> None:
    """Every typeset equation, display or inline, fits the screen or can be scrolled to its end."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname in
               (None, "127.0.0.1") else r.abort())
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    clipped = page.evaluate(CLIPPED_EQUATIONS)
    if width == 400:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / ("phone__" + page_path.replace("/", "__")
                                          .removesuffix(".html") + ".png")), full_page=True)
    page.close()
    assert not clipped, f"clipped at {width} px: {clipped}"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders_offline(page_path: str, server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):  # type: ignore[no-untyped-def]
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            return r.continue_()
        external.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")

    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src)")
    assert not broken, f"images that did not load: {broken}"
    assert not errors, f"console errors: {errors}"
    assert not external, f"requests leaving the machine: {external}"

    text = page.evaluate(VISIBLE_TEXT)
    raw = RAW_TEX.findall(text)
    assert not raw, f"math left untypeset: {raw[:5]}"
    if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
        assert page.evaluate("() => document.querySelectorAll('mjx-container').length") > 0, \
            "the page has math but MathJax rendered none"
    if page_path.startswith("notebooks/"):
        shown = page.evaluate(
            "() => Array.from(document.querySelectorAll('figure img'))"
            ".filter(i => i.naturalWidth > 0).length")
        assert shown >= 1, "a figure page shows no figure"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "__").removesuffix(".html")
                                      + ".png")), full_page=True)
    page.close()


FIRST_SCREEN = """() => {
  const verdict = document.querySelector('main div.admonition.verdict');
  const img = document.querySelector('main figure img');
  const column = img ? img.closest('figure') : null;
  return {
    verdict: verdict ? verdict.querySelector('.admonition-title').textContent.trim() : null,
    verdictBottom: verdict ? verdict.getBoundingClientRect().bottom : null,
    figureTop: img ? img.getBoundingClientRect().top : null,
    figureWidth: img ? img.clientWidth : 0,
    naturalWidth: img ? img.naturalWidth : 0,
    columnWidth: column ? column.clientWidth : 0,
    fullSizeLink: img ? !!img.closest('a.figure-full-size') : false,
  };
}"""

DOWNLOADS = """() => Array.from(document.querySelectorAll('main a.download'))
  .map(a => [a.textContent.trim(), a.href])"""

FIGURE_PAGES = [p for p in PAGES if p.startswith("notebooks/")]


@pytest.mark.parametrize("page_path", FIGURE_PAGES)
def test_figure_and_verdict_on_the_first_screen(page_path: str, server: str,
                                                browser: Browser) -> None:
    """At 1280 × 800: the verdict box, then the figure starting on screen and filling the
    672-px column the figures are sized for (collapse.plotting.COLUMN_PX), with a click-through
    to full size; and the page offers its notebook, figure, data and citation for download."""
    from collapse.plotting import COLUMN_PX
    from collapse.report import VERDICTS

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    shown = page.evaluate(FIRST_SCREEN)
    downloads = page.evaluate(DOWNLOADS)
    statuses = {label: page.request.get(href).status for label, href in downloads}
    page.close()
    assert shown["verdict"] is not None, "no verdict box"
    assert shown["verdict"].removeprefix("Verdict: ") in VERDICTS
    assert shown["figureTop"] is not None and shown["figureTop"] < 800 - 150, shown
    assert shown["verdictBottom"] <= shown["figureTop"], "the verdict comes first"
    assert shown["columnWidth"] >= COLUMN_PX - 8, shown
    assert shown["figureWidth"] >= min(shown["naturalWidth"], 0.95 * shown["columnWidth"]), shown
    assert shown["fullSizeLink"], "the figure does not open at full size"
    labels = " ".join(statuses)
    for kind in (".ipynb", ".md", "SVG", ".npz", "CITATION.cff"):
        assert kind in labels, f"no {kind} download among {list(statuses)}"
    assert all(code == 200 for code in statuses.values()), statuses


FIGURE_TEXT = """async () => {
  // The page figure is an SVG (collapse.publish): matplotlib writes each text as glyph paths in
  // a group scaled by font size / 100, in the SVG's point units; the browser scales the whole
  // drawing by (shown width / viewBox width). The smallest text group's size on screen, in CSS px.
  const img = document.querySelector('main figure img');
  if (!img || !img.currentSrc.endsWith('.svg')) return {svg: false, src: img && img.currentSrc};
  const text = await (await fetch(img.currentSrc)).text();
  const viewBox = text.match(/viewBox="[\\d.]+ [\\d.]+ ([\\d.]+) [\\d.]+"/);
  const group = /<g transform="translate\\([^)]*\\) scale\\(([\\d.]+) -\\1\\)"/g;
  const scales = [...text.matchAll(group)].map(m => parseFloat(m[1]) * 100);
  const link = img.closest('a.figure-full-size');
  return {svg: true, smallest: Math.min(...scales) * img.clientWidth / parseFloat(viewBox[1]),
          labels: scales.length, link: link ? link.href : null};
}"""


@pytest.mark.parametrize("page_path", FIGURE_PAGES)
def test_figure_labels_measure_at_least_10_css_px(page_path: str, server: str,
                                                  browser: Browser) -> None:
    """At 1280 px the page shows its figure as SVG, its smallest label (tick labels, legends,
    titles: not the sub- and superscripts) at least 10 CSS px high, and the click-through opens
    the SVG itself."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    shown = page.evaluate(FIGURE_TEXT)
    page.close()
    assert shown["svg"], f"the figure is not an SVG: {shown}"
    assert shown["labels"] > 3
    assert shown["smallest"] >= 10.0, shown
    assert shown["link"] and shown["link"].endswith(".svg"), shown


@pytest.mark.parametrize("page_path", FIGURE_PAGES[:1] + FIGURE_PAGES[-1:])
def test_notebook_download_is_executed(page_path: str, server: str, browser: Browser) -> None:
    """The .ipynb download holds the outputs of the publish cell: the figure and the verdict."""
    import json

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    href = next(h for label, h in page.evaluate(DOWNLOADS) if ".ipynb" in label)
    notebook = json.loads(page.request.get(href).text())
    page.close()
    outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
               for o in outputs), "no figure among the outputs"
    assert any("Verdict:" in "".join(o.get("data", {}).get("text/markdown", ""))
               for o in outputs), "no verdict among the outputs"


EXPLORER_STATE = """() => Array.from(document.querySelectorAll('div.collapse-explorer'))
.map(box => ({
  point: box.querySelector('svg.explorer-plot').getAttribute('data-point'),
  paths: Array.from(box.querySelectorAll('svg.explorer-plot path, svg.explorer-plot circle'))
      .map(e => e.getAttribute('d') || `${e.getAttribute('cx')},${e.getAttribute('cy')}`).join('|'),
  numbers: Object.fromEntries(Array.from(box.querySelectorAll('dd[data-number]'))
      .map(d => [d.getAttribute('data-number'), d.textContent])),
  expected: (() => { const spec = JSON.parse(box.getAttribute('data-explorer'));
      const key = box.querySelector('svg.explorer-plot').getAttribute('data-point');
      return Object.fromEntries(spec.panels[key].numbers); })(),
  external: Array.from(document.scripts).filter(s => s.src && !s.src.startsWith(location.origin))
      .map(s => s.src),
}))"""

MOVE_FIRST_CONTROL = """() => {
  const input = document.querySelector('div.collapse-explorer form :is(select, input)');
  const count = input.tagName === 'SELECT' ? input.options.length : +input.max + 1;
  input.value = String((+input.value + 1) % count);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return input.value;
}"""

EXPLORER_PAGES = [p for p in FIGURE_PAGES
                  if "collapse-explorer" in (HTML / p).read_text(errors="ignore")]


def test_every_statistical_page_has_an_explorer() -> None:
    from collapse import pages

    statistical = {f"notebooks/{s}.html" for s in pages.PAGES
                   if s not in pages.LM_PAGES and s != "wang_fig1"}
    assert statistical <= set(EXPLORER_PAGES), statistical - set(EXPLORER_PAGES)


@pytest.mark.parametrize("page_path", EXPLORER_PAGES)
def test_explorer_redraws_offline_when_a_control_moves(page_path: str, server: str,
                                                       browser: Browser) -> None:
    """Moving the first control changes the drawn point and the drawing, and every number shown
    is the package's number for that grid point (the page's data); nothing is fetched."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    page.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname in
               (None, "127.0.0.1") else (blocked.append(r.request.url), r.abort()))
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    before = page.evaluate(EXPLORER_STATE)[0]
    page.evaluate(MOVE_FIRST_CONTROL)
    after = page.evaluate(EXPLORER_STATE)[0]
    page.close()
    assert not blocked and not after["external"]
    assert after["point"] != before["point"] and after["paths"] != before["paths"]
    for state in (before, after):
        assert state["numbers"] == state["expected"] and state["numbers"], state


def test_theorem3_explorer_shows_the_packages_numbers(server: str, browser: Browser) -> None:
    """A number the explorer shows equals the package's closed form at that grid point."""
    from collapse.explorer import panel_value
    from collapse.pages import theory_seddik_theorem3 as page_module

    explorer = page_module.explorer(None, {})  # type: ignore[arg-type]  # closed forms only
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/notebooks/theory_seddik_theorem3.html", wait_until="networkidle")
    page.evaluate(MOVE_FIRST_CONTROL)  # N: 10^2 → 10^3
    state = page.evaluate(EXPLORER_STATE)[0]
    page.close()
    index = tuple(int(i) for i in state["point"].split(","))
    for label in ("largest n by eq. (11)", "largest n by the bound itself", "bound at n = 1"):
        assert state["numbers"][label] == panel_value(explorer, index, label)


@pytest.mark.parametrize("page_path", ["book/intro.html", "book/wang/overview.html"])
def test_no_glued_phrase_repeats_within_a_sentence(page_path: str, server: str,
                                                   browser: Browser) -> None:
    """Glued verdicts and titles can land twice in one sentence ("X and X"): no run of five
    words may appear twice in the same sentence of the overview pages."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{page_path}", wait_until="networkidle")
    paragraphs = page.evaluate("""() => Array.from(document.querySelectorAll('main p, main li'))
      .filter(e => !e.closest('.sd-card, table, nav, .collapse-explorer'))
      .map(e => e.innerText)""")
    page.close()
    sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p)]
    assert len(sentences) > 10
    for sentence in sentences:
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", sentence)
        runs = [" ".join(words[i:i + 5]).lower() for i in range(len(words) - 4)]
        repeated = {r for r in runs if runs.count(r) > 1}
        assert not repeated, f"{repeated} repeats in: {sentence[:200]}"


def test_status_table_fits_its_column(server: str, browser: Browser) -> None:
    """The intro's status table (long commit lists) wraps instead of overflowing at 1280 px."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/book/intro.html", wait_until="networkidle")
    overflow = page.evaluate("""() => Array.from(document.querySelectorAll('main table'))
      .map(t => t.scrollWidth - t.parentElement.clientWidth)""")
    page.close()
    assert overflow and max(overflow) <= 2, overflow
