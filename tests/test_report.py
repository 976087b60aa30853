"""The verdict and scale of a page (collapse.report), and numbers formatted for prose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collapse.report import (
    KIND_LABELS,
    NOT_REPRODUCED,
    PARTLY,
    QUALITATIVE,
    REPRODUCED,
    Computed,
    judge,
    page_spec,
    paper_differences,
    parameters_table,
    readable,
    shell_lines,
    verdict_box,
)


def test_judge_covers_every_verdict() -> None:
    assert judge({"a": True, "b": True}, reduced=False) == REPRODUCED
    assert judge({"a": True, "b": True}, reduced=True) == QUALITATIVE
    assert judge({"a": True, "b": False}, reduced=False) == PARTLY
    assert judge({"a": False, "b": False}, reduced=True) == NOT_REPRODUCED
    with pytest.raises(ValueError, match="at least one claim"):
        judge({}, reduced=False)


def test_scale_is_compared_with_the_papers_values() -> None:
    fig1, theorem2 = page_spec("seddik_fig1"), page_spec("theory_seddik_theorem2")
    book = fig1.resolve("book")
    assert paper_differences(fig1, book) == []
    assert paper_differences(fig1, {**book, "seed": 7, "progress": True}) == []
    assert paper_differences(fig1, {**book, "n": 100}) == ["n = 100 (paper: 1000)"]
    assert paper_differences(theorem2, theorem2.resolve("book")) is None


def test_parameters_table_shows_value_paper_and_range() -> None:
    fig1, theorem2 = page_spec("seddik_fig1"), page_spec("theory_seddik_theorem2")
    table = parameters_table(fig1, {**fig1.resolve("book"), "n": 100})
    row = next(line for line in table.splitlines() if line.startswith("| `n` "))
    assert row.startswith("| `n` | `100` | `1000` (Fig. 1 caption) | an int in [2, 20000] |")
    concentration = next(line for line in table.splitlines() if "`concentration`" in line)
    assert "| not stated (our choice) |" in concentration
    assert ("| `runs` | `200000` | not stated (our choice) |"
            in parameters_table(theorem2, theorem2.resolve("book")))


def test_more_runs_than_the_papers_are_no_departure_from_it() -> None:
    fig6 = page_spec("seddik_fig6")
    book = fig6.resolve("book")
    assert book["runs"] > 100 and paper_differences(fig6, book) == []
    assert paper_differences(fig6, {**book, "runs": 50}) == ["runs = 50 (paper: 100)"]
    assert paper_differences(fig6, {**book, "window_a": 3}) == []  # not stated: our choice


def test_pages_that_are_not_reproductions_say_what_they_are() -> None:
    assert judge({}, reduced=False, kind="schematic") == KIND_LABELS["schematic"]
    assert judge({"a": True}, reduced=True, kind="extension") == KIND_LABELS["extension"]
    assert judge({"a": None, "b": True}, reduced=False) == PARTLY  # not resolved ≠ confirmed
    with pytest.raises(ValueError, match="kind must be"):
        judge({"a": True}, reduced=False, kind="sketch")


def test_verdict_box_lists_each_claim_with_its_mark() -> None:
    box = verdict_box(PARTLY, {"holds": True, "fails": False, "open": None}, {"files": True},
                      "the paper's values", Computed("cpu", "abc1234", "2026-12-01"), "book")
    assert "- ? open (*not resolved at this precision*)" in box
    assert ":::{admonition} Verdict: partly reproduced" in box
    assert ":class: verdict verdict-partly" in box
    assert "- ✓ holds" in box and "- ✗ fails (*refuted*)" in box
    assert "cpu · abc1234 · 2026-12-01" in box and "Bookkeeping: 1 of 1 passed" in box


def test_computed_from_results_reads_the_results_provenance(tmp_path: Path) -> None:
    for name, sha, day, device in (("a", "1" * 40, "2026-11-30", "cpu"),
                                   ("b", "2" * 40, "2026-12-01", "cuda")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(
            {"provenance": {"git_sha": sha, "created": f"{day}T10:00:00+0000", "device": device}}))
    computed = Computed.from_results([tmp_path / "a", tmp_path / "b"])
    assert computed.line() == "cpu, cuda · 1111111111, 2222222222 · 2026-12-01"
    assert computed.source == "committed results"


def test_committed_lm_results_name_their_own_commit_not_the_builds() -> None:
    from collapse.pages.seddik_fig5 import run_dirs

    record = json.loads((run_dirs()[0] / "results.json").read_text())["provenance"]
    assert Computed.from_results(run_dirs()).commit.startswith(record["git_sha"][:10])


@pytest.mark.parametrize(("value", "text"), [
    (24937.2, "2.5 × 10⁴"), (0.0123, "0.012"), (1234, "1,234"), (1.2e-16, "1.2 × 10⁻¹⁶"),
    (0.5, "0.50"), (0, "0"), (-3e-5, "-3.0 × 10⁻⁵"), (999.96, "1,000"),
])
def test_readable_numbers(value: float, text: str) -> None:
    assert readable(value) == text


def test_long_commands_are_broken_before_options_to_fit_the_code_box() -> None:
    command = ("collapse train-stories --paradigm accumulate-subsample --profile cpu "
               "--device cpu -o runs/wang_accumulate")
    shown = shell_lines(command)
    assert all(len(line) <= 75 for line in shown.splitlines())
    assert len(shown.splitlines()) == 2 and shown.splitlines()[1].startswith("    --")
    assert " ".join(shown.replace("\\\n", "").split()) == command  # the shell joins it back
    assert shell_lines("collapse params notebooks/x.md") == "collapse params notebooks/x.md"
