"""Every entry of the bibliography is cited on a page of the book, and every citation resolves."""

from __future__ import annotations

import re

from conftest import ROOT

BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"\{cite:[tp]\}`([^`]+)`")


def cited_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*(ROOT / "book").rglob("*.md"), *(ROOT / "notebooks").glob("*.md")]:
        for group in CITE.findall(path.read_text()):
            keys.update(k.strip() for k in group.split(","))
    return keys


def test_every_entry_is_cited_and_every_citation_exists() -> None:
    entries = set(re.findall(r"^@\w+\{([^,]+),", BIB.read_text(), re.M))
    assert len(entries) >= 20
    assert entries - cited_keys() == set(), "entries no page cites"
    assert cited_keys() - entries == set(), "citations without an entry"
