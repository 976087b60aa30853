"""The claim ledger: every statement of the two papers that a page tests, with our number and
the verdict, as one machine-readable file and a regression baseline.

Each page's :func:`collapse.publish.publish` writes its rows (:func:`page_records`) to
``<downloads>/ledger/<stem>.json`` and glues them as an HTML table for the ledger page
(``book/ledger.md``). After the book is built, ``python -m collapse.ledger`` collects the rows
into ``claims.json`` and ``claims.csv`` beside the HTML and compares every verdict with the
committed baseline ``tests/baseline/ledger.json``: a verdict that changed fails ``make book``
(a changed number with the same verdict does not). ``make baselines`` writes the baseline anew
(``--update``) from the last build.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from collapse.provenance import ROOT
from collapse.report import Claim, readable

BASELINE = ROOT / "tests" / "baseline" / "ledger.json"
FIELDS = ("id", "paper", "source", "quote", "test", "measure", "value", "se", "outcome", "page")
PAPERS = {"seddik": "Seddik et al. 2024", "wang": "Wang et al. 2024"}


def paper_of(stem: str) -> str:
    """The paper a page's claims come from: ``wang_*`` and ``theory_wang_*`` → Wang et al."""
    return PAPERS["wang" if stem.startswith(("wang_", "theory_wang_")) else "seddik"]


def page_records(stem: str, claims: Sequence[Claim], summary: Mapping[str, Any]
                 ) -> list[dict[str, Any]]:
    """One row per claim of page ``stem``: the paper's words, our rule, number and outcome."""
    rows = []
    for claim in claims:
        what, value, se = claim.measured(summary)
        rows.append({"id": f"{stem}.{claim.key}", "paper": paper_of(stem),
                     "source": claim.source, "quote": claim.quote, "test": claim.text,
                     "measure": what, "value": value, "se": se,
                     "outcome": claim.outcome(summary), "page": stem})
    return rows


def number_text(value: float | None, se: float | None) -> str:
    """``1.02 ± 0.015`` for prose and tables; ``—`` where a claim has no number."""
    if value is None:
        return "—"
    shown = readable(value, 3)
    return shown if se is None else f"{shown} ± {readable(se, 2)}"


_MATH = re.compile(r"\$([^$]+)\$")
_MARK = {"confirmed": "✓", "refuted": "✗"}


def html_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as an HTML table for the ledger page (cross-page glue pastes HTML only).

    Inline ``$…$`` becomes ``\\(…\\)`` inside a ``mathjax_process`` block, so MathJax renders
    it in raw HTML.
    """
    def cell(text: str) -> str:
        return _MATH.sub(lambda m: f"\\({m.group(1)}\\)", html.escape(text, quote=False))

    if not rows:
        return ('<div class="claim-ledger"><p>No statement of the paper is tested on this page; '
                "its bookkeeping checks test the computation itself.</p></div>")
    lines = ['<div class="mathjax_process claim-ledger"><table class="table">',
             "<thead><tr><th>the paper says</th><th>where</th><th>what we test</th>"
             "<th>our number</th><th>verdict</th></tr></thead><tbody>"]
    for r in rows:
        mark = _MARK.get(r["outcome"], "?")
        lines.append(
            f'<tr id="claim-{html.escape(r["id"])}"><td>“{cell(r["quote"])}”</td>'
            f"<td>{cell(r['source'])}</td><td>{cell(r['test'])}</td>"
            f"<td>{cell(r['measure'])}: {number_text(r['value'], r['se'])}</td>"
            f'<td class="outcome-{r["outcome"].split()[0]}">{mark} {r["outcome"]}</td></tr>')
    lines.append("</tbody></table></div>")
    return "\n".join(lines)


def write_page(directory: Path, stem: str, rows: Sequence[Mapping[str, Any]]) -> Path:
    """``<directory>/ledger/<stem>.json`` with the page's rows."""
    path = directory / "ledger" / f"{stem}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(rows), indent=1, ensure_ascii=False) + "\n")
    return path


def collect(directory: Path, order: Sequence[str]) -> list[dict[str, Any]]:
    """Every page's rows under ``directory`` (``<stem>.json``), pages in ``order``; a page of
    ``order`` without a file is an error (its notebook did not publish)."""
    missing = [stem for stem in order if not (directory / f"{stem}.json").is_file()]
    if missing:
        raise FileNotFoundError(f"no ledger rows for {', '.join(missing)} in {directory} "
                                "(build the book first: make book)")
    return [row for stem in order
            for row in json.loads((directory / f"{stem}.json").read_text())]


def write(rows: Sequence[Mapping[str, Any]], out: Path) -> tuple[Path, Path]:
    """``claims.json`` and ``claims.csv`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    as_json = out / "claims.json"
    as_json.write_text(json.dumps(list(rows), indent=1, ensure_ascii=False) + "\n")
    as_csv = out / "claims.csv"
    with as_csv.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({k: ("" if r[k] is None else r[k]) for k in FIELDS} for r in rows)
    return as_json, as_csv


def verdicts(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in rows}


def changes(rows: Sequence[Mapping[str, Any]], baseline: Mapping[str, str]) -> list[str]:
    """Every claim whose verdict differs from ``baseline``, or that is new or gone."""
    now = verdicts(rows)
    out = [f"{k}: {baseline[k]} → {now[k]}" for k in now if k in baseline and now[k] != baseline[k]]
    out += [f"{k}: new claim ({now[k]})" for k in now if k not in baseline]
    out += [f"{k}: claim gone (was {baseline[k]})" for k in baseline if k not in now]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from collapse import pages

    parser = argparse.ArgumentParser(prog="python -m collapse.ledger", description=__doc__)
    parser.add_argument("records", type=Path, help="folder of the pages' <stem>.json rows")
    parser.add_argument("--out", type=Path, required=True, help="where claims.json/.csv go")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--update", action="store_true",
                        help="write the baseline from these rows instead of comparing")
    args = parser.parse_args(argv)
    if not args.update and not args.baseline.is_file():  # before anything is written
        print(f"collapse.ledger: no baseline {args.baseline} (make baselines writes it)",
              file=sys.stderr)
        return 1
    try:
        rows = collect(args.records, pages.PAGES)
    except FileNotFoundError as exc:
        print(f"collapse.ledger: {exc}", file=sys.stderr)
        return 2
    as_json, as_csv = write(rows, args.out)
    counts = {o: sum(r["outcome"] == o for r in rows) for o in sorted(set(verdicts(rows).values()))}
    print(f"claim ledger: {len(rows)} claims ({', '.join(f'{v} {k}' for k, v in counts.items())})"
          f" → {as_json}, {as_csv}")
    if args.update:
        args.baseline.write_text(json.dumps(verdicts(rows), indent=1, sort_keys=True) + "\n")
        print(f"baseline written: {args.baseline}")
        return 0
    changed = changes(rows, json.loads(args.baseline.read_text()))
    if changed:
        print("collapse.ledger: verdicts differ from the committed baseline "
              f"({args.baseline}); if intended, run make baselines:", file=sys.stderr)
        for line in changed:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"every verdict equals the baseline ({args.baseline.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
