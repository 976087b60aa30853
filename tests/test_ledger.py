"""The claim ledger: rows from a page's claims, the HTML table, the files and the verdict
regression against the committed baseline."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT

from collapse import ledger, pages
from collapse.report import CONFIRMED, REFUTED, UNRESOLVED, Claim, exceeds

CLAIMS = (
    Claim("above", r"the mean of $\sigma_m$ is above 1 by 3 SE", lambda s: exceeds(
        s["mean"], s["se"], 1.0), quote="σ grows <fast>", source="Fig. 9",
        measure=("mean σ", "mean", "se")),
    Claim("exact", "an identity to 10⁻¹⁰", lambda s: s["gap"] < 1e-10,
          quote="it is exact", source="eq. (1)", measure=("gap", "gap")),
)


def rows_for(summary: dict[str, float]) -> list[dict]:
    return ledger.page_records("wang_fig9", CLAIMS, summary)


def test_rows_carry_the_quote_rule_number_and_outcome() -> None:
    rows = rows_for({"mean": 1.5, "se": 0.1, "gap": 1.0})
    assert [r["id"] for r in rows] == ["wang_fig9.above", "wang_fig9.exact"]
    assert rows[0]["paper"] == "Wang et al. 2024"
    assert (rows[0]["value"], rows[0]["se"], rows[0]["outcome"]) == (1.5, 0.1, CONFIRMED)
    assert (rows[1]["value"], rows[1]["se"], rows[1]["outcome"]) == (1.0, None, REFUTED)
    assert rows_for({"mean": 1.1, "se": 0.1, "gap": 0})[0]["outcome"] == UNRESOLVED
    assert ledger.page_records("seddik_fig1", CLAIMS[:1], {"mean": 2, "se": 0.1}
                               )[0]["paper"] == "Seddik et al. 2024"


def test_html_table_escapes_text_and_hands_math_to_mathjax() -> None:
    table = ledger.html_table(rows_for({"mean": 1.5, "se": 0.1, "gap": 1.0}))
    assert "σ grows &lt;fast&gt;" in table
    assert r"\(\sigma_m\)" in table and "$" not in table
    assert 'class="mathjax_process' in table
    assert table.count("<tr id=") == 2 and "1.50 ± 0.10" in table
    assert "No statement of the paper" in ledger.html_table([])


def test_files_and_regression(tmp_path: Path) -> None:
    records = tmp_path / "rows"
    stems = ["seddik_fig1", "wang_fig9"]
    ledger.write_page(tmp_path / "x", "unused", [])
    for stem in stems:
        (records / f"{stem}.json").parent.mkdir(parents=True, exist_ok=True)
        (records / f"{stem}.json").write_text(json.dumps(
            ledger.page_records(stem, CLAIMS, {"mean": 1.5, "se": 0.1, "gap": 0.0})))
    rows = ledger.collect(records, stems)
    as_json, as_csv = ledger.write(rows, tmp_path / "out")
    assert json.loads(as_json.read_text()) == rows
    with as_csv.open() as f:
        table = list(csv.DictReader(f))
    assert [r["id"] for r in table] == [r["id"] for r in rows] and table[1]["se"] == ""
    baseline = ledger.verdicts(rows)
    assert ledger.changes(rows, baseline) == []
    changed = {**baseline, "seddik_fig1.above": REFUTED, "gone.claim": CONFIRMED}
    del changed["wang_fig9.exact"]
    assert sorted(ledger.changes(rows, changed)) == [
        "gone.claim: claim gone (was confirmed)",
        "seddik_fig1.above: refuted → confirmed",
        "wang_fig9.exact: new claim (confirmed)"]
    with pytest.raises(FileNotFoundError, match="no ledger rows for seddik_fig2"):
        ledger.collect(records, ["seddik_fig2"])


def test_main_compares_with_the_baseline_and_updates_it(tmp_path: Path, monkeypatch,
                                                        capsys) -> None:
    records = tmp_path / "rows"
    records.mkdir()
    monkeypatch.setattr(pages, "PAGES", ("wang_fig9",))
    (records / "wang_fig9.json").write_text(json.dumps(rows_for({"mean": 1.5, "se": 0.1,
                                                                  "gap": 0.0})))
    baseline = tmp_path / "ledger.json"
    args = [str(records), "--out", str(tmp_path / "out"), "--baseline", str(baseline)]
    assert ledger.main(args) == 1  # no baseline yet: refused before any file is written
    assert not (tmp_path / "out").exists()
    assert ledger.main([*args, "--update"]) == 0
    assert ledger.main(args) == 0
    (records / "wang_fig9.json").write_text(json.dumps(rows_for({"mean": 0.5, "se": 0.1,
                                                                  "gap": 0.0})))
    assert ledger.main(args) == 1
    assert "wang_fig9.above: confirmed → refuted" in capsys.readouterr().err


def test_committed_baseline_covers_every_claim_of_every_page() -> None:
    baseline = json.loads(ledger.BASELINE.read_text())
    claims = {f"{stem}.{c.key}" for stem in pages.PAGES for c in pages.load(stem).CLAIMS}
    assert set(baseline) == claims


def test_ledger_page_pastes_every_page() -> None:
    text = (ROOT / "book" / "ledger.md").read_text()
    assert sorted(re.findall(r"```\{glue\} (\w+)_ledger", text)) == sorted(pages.PAGES)


@pytest.mark.parametrize("stem", pages.PAGES)
def test_every_claim_quotes_the_paper_and_names_its_number(stem: str) -> None:
    for claim in pages.load(stem).CLAIMS:
        assert claim.quote and claim.source and claim.measure, f"{stem}.{claim.key}"
