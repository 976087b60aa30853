"""The committed language-model results: their pages' claims and checks hold on them.

These read ``results/`` (no training). The thresholds are the page modules' own
(:mod:`collapse.pages.seddik_fig5`, ``wang_fig2``, ``wang_fig3``); a result re-run at other
settings that misses one fails here, as does a run without a clean provenance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collapse import pages

RESULTS = Path(__file__).resolve().parents[1] / "results"
WANG = ("1m_replace", "1m_accumulate")
SEDDIK = ("fully", "partially")


def _load(*parts: str) -> dict:  # type: ignore[type-arg]
    return json.loads(RESULTS.joinpath(*parts, "results.json").read_text())


@pytest.mark.parametrize("stem", sorted(pages.LM_PAGES))
def test_committed_results_meet_every_claim_and_check_of_their_page(stem: str) -> None:
    """The thresholds live in the page modules; a re-run that misses one fails here."""
    page = pages.load(stem)
    summary = page.summary(page.data())
    failed = [c.text for c in (*page.CLAIMS, *getattr(page, "BOOKKEEPING", ()))
              if not c.holds(summary)]
    assert not failed


@pytest.mark.parametrize("run", WANG)
def test_wang_runs_sample_whole_stories_and_score_every_validation_story(run: str) -> None:
    config = _load("wang", run)["config"]
    assert config["max_new_tokens"] >= 255  # whole stories can be sampled
    assert config["val_stories"] == 1000


def test_seddik_deviation_is_measured_on_300_contexts() -> None:
    for run in SEDDIK:
        assert _load("seddik_fig5", run)["config"]["contexts"] == 300


@pytest.mark.parametrize(("paper", "run"), [("wang", r) for r in WANG]
                         + [("seddik_fig5", r) for r in SEDDIK])
def test_committed_results_come_from_a_clean_committed_tree(paper: str, run: str) -> None:
    provenance = _load(paper, run)["provenance"]
    assert not provenance["git_sha"].endswith("-dirty")
    assert len(provenance["git_sha"]) == 40
    assert provenance["device"]


@pytest.mark.parametrize("page", ["seddik_fig5", "wang_fig2", "wang_fig3"])
def test_lm_pages_rerun_box_gives_commands_the_cli_accepts(page: str) -> None:
    import shlex

    from collapse import pages
    from collapse.cli import _parser

    arguments = pages.load(page).report_context({"recompute": False, "lm_profile": "cpu"})
    assert arguments["reduced"] is True and "generations" in arguments["scale"]
    assert arguments["computed"].source == "committed results"
    lines = arguments["rerun"].splitlines()
    assert len(lines) == 3 and lines[-1].startswith(f"collapse run notebooks/{page}.md")
    for line in lines:
        words = shlex.split(line, comments=True)
        assert words[0] == "collapse"
        _parser().parse_args(words[1:])  # exits (SystemExit) on an argument the CLI rejects


def test_results_readme_lists_the_pages_rerun_commands() -> None:
    from collapse.pages import seddik_fig5, wang_fig2

    readme = (RESULTS / "README.md").read_text()
    for page, module in (("seddik_fig5", seddik_fig5), ("wang_fig2", wang_fig2)):
        commands = module.report_arguments(page)["rerun"].replace("\\\n", "").splitlines()
        for command in commands[:-1]:  # the last line re-runs the notebook
            assert f"`{' '.join(command.split())}`" in readme


def test_wang_summary_reads_each_paradigm_from_its_own_run() -> None:
    from collapse.pages.wang_fig2 import read_results

    summary = read_results(RESULTS / "wang").summary()
    replace, accumulate = (_load("wang", r)["rows"] for r in WANG)
    assert summary["replace_last_ppl"] == replace[-1]["perplexity"]
    assert summary["accumulate_last_ppl"] == accumulate[-1]["perplexity"]
    assert summary["accumulate_max_ppl"] == max(row["perplexity"] for row in accumulate)
    assert summary["accumulate_last_p_was"] == accumulate[-1]["p_was_model"]
