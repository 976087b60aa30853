"""The page modules: found from the notebook's name, driven by the notebook's parameters, and
every claim a rule that can fail.

``CASES`` gives, for every claim and bookkeeping check of every page, summary numbers on which
it must hold and numbers on which it must fail. A page that gains a claim without a case here
fails ``test_every_claim_has_a_case``.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from conftest import NOTEBOOKS

from collapse import pages
from collapse.notebook import notebook_spec
from collapse.publish import check_arguments
from collapse.report import CONFIRMED, REFUTED, UNRESOLVED, Claim

Summary = dict[str, Any]
CASES: dict[str, tuple[Summary, Summary]] = {
    # "<stem>.<claim key>": (numbers on which it is confirmed, numbers on which it is not)
    "seddik_fig1.total_collapse": ({"max_T": 90, "generations": 90},
                                   {"max_T": 80, "generations": 90}),
    "seddik_fig1.eq8_bounds": ({"T_margin_z": -2.9}, {"T_margin_z": -3.1}),
    "seddik_fig1.prop1_direction": ({"share_onto_argmax_z": 2.5}, {"share_onto_argmax_z": -3.5}),
    "seddik_fig2.above_lower": ({"lower_margin_z_min": -2.0}, {"lower_margin_z_min": -3.5}),
    "seddik_fig2.below_upper": ({"upper_margin_z_min": 150.0}, {"upper_margin_z_min": -4.0}),
    "seddik_fig2.order_n": ({"growth_exponent_max": 1.02, "growth_exponent_max_se": 0.015},
                            {"growth_exponent_max": 1.9, "growth_exponent_max_se": 0.1}),
    "seddik_fig3.eq9_corrected": ({"max_abs_z_corrected": 3.9}, {"max_abs_z_corrected": 4.1}),
    "seddik_fig3.no_collapse": ({"max_mean_sigma_over_s0": 1.2, "max_mean_sigma_over_s0_se": 0.01},
                                {"max_mean_sigma_over_s0": 2.5, "max_mean_sigma_over_s0_se": 0.1}),
    "seddik_fig3.deviation_grows_with_n": ({"final_deviation_step_z_min": 3.5},
                                           {"final_deviation_step_z_min": -3.5}),
    "seddik_fig4.eq9_corrected": ({"max_abs_z_corrected": 1.0}, {"max_abs_z_corrected": 9.0}),
    "seddik_fig4.deviation_falls_with_s0": ({"final_deviation_step_z_max": -3.5},
                                            {"final_deviation_step_z_max": 3.5}),
    "seddik_fig4.sigma_rises_with_s0": ({"final_sigma_step_z_min": 3.5},
                                        {"final_sigma_step_z_min": -3.5}),
    "seddik_fig5.ground_truth": ({"ground_truth_val_loss": 1.85},
                                 {"ground_truth_val_loss": 2.1}),
    "seddik_fig5.fully_drifts": (
        {"fully_final_deviation": 0.6, "floor_pairs": 3, "floor_mean": 0.3, "floor_sd": 0.01,
         "floor_max": 0.31},
        {"fully_final_deviation": 0.3, "floor_pairs": 3, "floor_mean": 0.3, "floor_sd": 0.01,
         "floor_max": 0.31}),
    "seddik_fig5.real_data_hold": (
        {"fully_final_deviation": 0.6, "partially_final_deviation": 0.31, "floor_pairs": 3,
         "floor_mean": 0.3, "floor_sd": 0.01},
        {"fully_final_deviation": 0.5, "partially_final_deviation": 0.55, "floor_pairs": 3,
         "floor_mean": 0.3, "floor_sd": 0.01}),
    "seddik_fig5.generations": ({"generations": 10}, {"generations": 9}),
    "seddik_fig5.provenance": ({"runs_with_provenance": 2, "runs": 2},
                               {"runs_with_provenance": 1, "runs": 2}),
    "seddik_fig6.fully_collapses": ({"reused_fully_collapsed": 100, "runs": 100},
                                    {"reused_fully_collapsed": 99, "runs": 100}),
    "seddik_fig6.reused_delays": ({"reused_delay_a_z": 3.5, "reused_delay_b_z": 9.0},
                               {"reused_delay_a_z": 3.5, "reused_delay_b_z": -3.5}),
    "seddik_fig6.reused_still_collapses": (
        {"reused_recent_a_collapsed": 50, "reused_recent_b_collapsed": 50, "runs": 50},
        {"reused_recent_a_collapsed": 50, "reused_recent_b_collapsed": 49, "runs": 50}),
    "seddik_fig6.reused_one_dirac": ({"reused_paper_count_p": 0.2}, {"reused_paper_count_p": 1e-9}),
    "seddik_fig6.fresh_delays": ({"fresh_delay_a_z": 3.5, "fresh_delay_b_z": 9.0},
                               {"fresh_delay_a_z": 3.5, "fresh_delay_b_z": -3.5}),
    "seddik_fig6.fresh_still_collapses": (
        {"fresh_recent_a_collapsed": 50, "fresh_recent_b_collapsed": 50, "runs": 50},
        {"fresh_recent_a_collapsed": 50, "fresh_recent_b_collapsed": 49, "runs": 50}),
    "seddik_fig6.fresh_one_dirac": ({"fresh_paper_count_p": 0.2}, {"fresh_paper_count_p": 1e-9}),
    "theory_exact_chain.mean_T": ({"z_mean_T": -2.5}, {"z_mean_T": -3.5}),
    "theory_exact_chain.eq7": ({"rho_margin_min": 1e-5}, {"rho_margin_min": -0.01}),
    "theory_exact_chain.eq8": ({"T_margin_min": 10.0}, {"T_margin_min": -0.5}),
    "theory_exact_chain.law": ({"max_abs_z_cdf": 3.0}, {"max_abs_z_cdf": 5.0}),
    "theory_exact_chain.eq6": ({"eq6_gap": 1e-15}, {"eq6_gap": 1e-6}),
    "theory_exact_chain.prop1": ({"max_abs_prop1_error": 1e-15}, {"max_abs_prop1_error": 0.01}),
    "theory_seddik_theorem1.sympy": ({"sym_passed": 5, "sym_total": 5},
                                     {"sym_passed": 4, "sym_total": 5}),
    "theory_seddik_theorem1.eq6": ({"sigma_max_abs_z": 2.0}, {"sigma_max_abs_z": 4.5}),
    "theory_seddik_theorem1.eq7": ({"rho_margin_z_min": -2.0}, {"rho_margin_z_min": -3.5}),
    "theory_seddik_theorem1.eq8": ({"T_margin_z_min": -0.3}, {"T_margin_z_min": -3.2}),
    "theory_seddik_theorem2.proof_recursion": (
        {"proof_checks_passed": 3, "proof_checks_total": 3},
        {"proof_checks_passed": 2, "proof_checks_total": 3}),
    "theory_seddik_theorem2.printed": ({"max_abs_z_printed": 1.0}, {"max_abs_z_printed": 150.0}),
    "theory_seddik_theorem2.corrected": ({"max_abs_z_corrected": 1.0},
                                         {"max_abs_z_corrected": 6.0}),
    "theory_seddik_theorem3.eq11_sufficient": ({"eq11_sufficient": 8, "rows": 8},
                                               {"eq11_sufficient": 7, "rows": 8}),
    "theory_seddik_theorem3.pi_below_zeta": ({"t4_pi_max_z_over_zeta": 2.5},
                                             {"t4_pi_max_z_over_zeta": 3.5}),
    "theory_seddik_theorem3.zeta_falls_with_s0": (
        {"t4_zeta_steps_max_z": 0.0, "t4_zeta_drop_z": -40.0},
        {"t4_zeta_steps_max_z": 3.5, "t4_zeta_drop_z": -40.0}),
    "theory_wang_theorem21.sympy": ({"sym_passed": 9, "sym_total": 9},
                                    {"sym_passed": 8, "sym_total": 9}),
    "theory_wang_theorem21.wrong_rejected": ({"wrong_passed": 1, "wrong_total": 3},
                                             {"wrong_passed": 3, "wrong_total": 3}),
    "theory_wang_theorem21.closed_form": ({"closed_form_max_error": 3e-15},
                                          {"closed_form_max_error": 0.024}),
    "wang_accumulate_subsample.replace_loses_more": ({"support_gap_z": 60.0},
                                                     {"support_gap_z": -3.5}),
    "wang_accumulate_subsample.settles": (
        {"rates_collapsed_share_max": 0.0, "rates_collapsed_share_se": 0.007},
        {"rates_collapsed_share_max": 0.2, "rates_collapsed_share_se": 0.02}),
    "wang_fig1.replace": ({"replace_max_error": 0.0}, {"replace_max_error": 0.5}),
    "wang_fig1.accumulate": ({"accumulate_d0_max_error": 1e-16},
                             {"accumulate_d0_max_error": 0.1}),
    "wang_fig1.shares_sum": ({"shares_sum_max_error": 2e-16}, {"shares_sum_max_error": 1e-3}),
    "wang_fig2.first_p_was": ({"replace_first_p_was": 0.7}, {"replace_first_p_was": 0.5}),
    "wang_fig2.first_ppl": ({"replace_first_ppl": 30.0}, {"replace_first_ppl": 45.0}),
    "wang_fig2.first_ended": ({"first_ended_share": 0.99}, {"first_ended_share": 0.9}),
    "wang_fig2.replace_drifts": (
        {"replace_p_was_change": 0.11, "floor_p_was_spread": 0.02, "floor_seeds": 3},
        {"replace_p_was_change": 0.01, "floor_p_was_spread": 0.02, "floor_seeds": 3}),
    "wang_fig2.generations": ({"generations_min": 12}, {"generations_min": 3}),
    "wang_fig2.provenance": ({"runs_with_provenance": 2, "runs": 2},
                             {"runs_with_provenance": 0, "runs": 2}),
    "wang_fig3.first_ppl": ({"replace_first_ppl": 40.0}, {"replace_first_ppl": 40.5}),
    "wang_fig3.replace_degrades": (
        {"replace_ppl_change": 78.0, "floor_ppl_spread": 0.8, "floor_seeds": 3},
        {"replace_ppl_change": 0.5, "floor_ppl_spread": 0.8, "floor_seeds": 3}),
    "wang_fig3.generations": ({"generations_min": 10}, {"generations_min": 2}),
    "wang_fig3.provenance": ({"runs_with_provenance": 2, "runs": 2},
                             {"runs_with_provenance": 1, "runs": 2}),
    "wang_fig3.finite_ppl": ({"min_measured_ppl": 12.0}, {"min_measured_ppl": 0.9}),
}


UNRESOLVED_CASES: dict[str, Summary] = {
    # claims judged with their uncertainty: numbers on which they are not resolved
    "seddik_fig6.reused_delays": {"reused_delay_a_z": 1.2, "reused_delay_b_z": 3.0},
    "seddik_fig6.fresh_delays": {"fresh_delay_a_z": 9.0, "fresh_delay_b_z": -1.9},
    "seddik_fig6.reused_still_collapses": {"reused_recent_a_collapsed": 5,
                                           "reused_recent_b_collapsed": 7, "runs": 9},
    "seddik_fig6.fresh_one_dirac": {"fresh_paper_count_p": 0.02},
    "seddik_fig5.fully_drifts": {"fully_final_deviation": 0.32, "floor_pairs": 3,
                                 "floor_mean": 0.3, "floor_sd": 0.01, "floor_max": 0.31},
    "wang_fig2.replace_drifts": {"replace_p_was_change": 0.04, "floor_p_was_spread": 0.02,
                                 "floor_seeds": 2},
    "wang_fig3.replace_degrades": {"replace_ppl_change": 1.6, "floor_ppl_spread": 0.8,
                                   "floor_seeds": 3},
    "seddik_fig2.order_n": {"growth_exponent_max": 1.4, "growth_exponent_max_se": 0.1},
    "seddik_fig3.no_collapse": {"max_mean_sigma_over_s0": 1.9, "max_mean_sigma_over_s0_se": 0.1},
    "seddik_fig3.deviation_grows_with_n": {"final_deviation_step_z_min": 1.0},
    "seddik_fig4.deviation_falls_with_s0": {"final_deviation_step_z_max": -1.0},
    "seddik_fig4.sigma_rises_with_s0": {"final_sigma_step_z_min": 2.0},
    "seddik_fig5.real_data_hold": {"fully_final_deviation": 0.6,
                                   "partially_final_deviation": 0.4, "floor_pairs": 3,
                                   "floor_mean": 0.3, "floor_sd": 0.01},
    "wang_accumulate_subsample.replace_loses_more": {"support_gap_z": 2.0},
    "wang_accumulate_subsample.settles": {"rates_collapsed_share_max": 0.04,
                                          "rates_collapsed_share_se": 0.01},
    "theory_seddik_theorem3.zeta_falls_with_s0": {"t4_zeta_steps_max_z": 1.0,
                                                  "t4_zeta_drop_z": -1.0},
}
REFUTABLE_ONLY_BY_NOTHING = frozenset({"seddik_fig6.reused_still_collapses",
                                       "seddik_fig6.fresh_still_collapses"})
"""Claims a finite horizon can confirm but never refute ("eventually happens")."""


def all_claims() -> dict[str, Claim]:
    """``"<stem>.<key>"`` → every claim and bookkeeping check of every page."""
    found: dict[str, Claim] = {}
    for stem in pages.PAGES:
        page = pages.load(stem)
        checks = (*page.CLAIMS, *getattr(page, "BOOKKEEPING", ()))
        keys = [c.key for c in checks]
        assert len(set(keys)) == len(keys), f"{stem}: claim keys repeat"
        found.update({f"{stem}.{c.key}": c for c in checks})
    return found


def test_every_claim_has_a_case() -> None:
    assert set(all_claims()) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_claim_holds_and_fails_on_its_cases(name: str) -> None:
    claim = all_claims()[name]
    holds, fails = CASES[name]
    assert claim.outcome(holds) == CONFIRMED
    expected = UNRESOLVED if name in REFUTABLE_ONLY_BY_NOTHING else REFUTED
    assert claim.outcome(fails) == expected


@pytest.mark.parametrize("name", sorted(UNRESOLVED_CASES))
def test_claim_within_its_uncertainty_is_not_resolved(name: str) -> None:
    assert all_claims()[name].outcome(UNRESOLVED_CASES[name]) == UNRESOLVED


@pytest.mark.parametrize("stem", pages.PAGES)
def test_page_data_defaults_are_the_notebook_defaults(stem: str) -> None:
    """The notebook's parameters cell is the one declaration: ``data()``'s keywords match it."""
    declared = notebook_spec(NOTEBOOKS / f"{stem}.md").parameters
    signature = inspect.signature(pages.load(stem).data).parameters
    for name, parameter in declared.items():
        assert name in signature, f"{stem}.data() lacks the notebook parameter {name}"
        assert signature[name].default == parameter.default, name


@pytest.mark.parametrize("stem", pages.PAGES)
def test_notebook_is_prose_parameters_and_one_publish_call(stem: str) -> None:
    text = (NOTEBOOKS / f"{stem}.md").read_text()
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S)
    code = [c for c in cells if "parameters" not in c.splitlines()[0]]
    lines = [line for c in code for line in c.splitlines()
             if line.strip() and not line.startswith(":")]
    assert len(lines) <= 15, lines
    assert sum(f'publish("{stem}"' in c for c in code) == 1


def test_publish_takes_exactly_the_notebooks_parameters() -> None:
    values = notebook_spec(NOTEBOOKS / "seddik_fig1.md").resolve("quick")
    check_arguments("seddik_fig1", values)
    with pytest.raises(TypeError, match="missing seed"):
        check_arguments("seddik_fig1", {k: v for k, v in values.items() if k != "seed"})
    with pytest.raises(TypeError, match="unknown windows"):
        check_arguments("seddik_fig1", {**values, "windows": 3})


def test_an_unknown_page_is_named() -> None:
    with pytest.raises(ValueError, match="no page module for notebook 'seddik_fig7'"):
        pages.load("seddik_fig7")


def test_counts_are_words_never_a_share_printed_as_zero() -> None:
    from collapse.pages.wang_accumulate_subsample import runs_text

    assert runs_text(0, 1000, most=True) == "none of the 1,000 runs"
    assert runs_text(3, 1000, most=True) == "at most 3 of the 1,000 runs"
    assert runs_text(870, 1000) == "870 of the 1,000 runs"


def test_theorem3_calculator_says_when_no_n_is_allowed() -> None:
    from collapse.pages import theory_seddik_theorem3 as page

    data = page.data(runs=20, generations=2)
    summary = page.summary(data)
    assert summary["eq11"] < 1 and summary["eq11_text"].startswith("no n at all")
    assert "−" not in summary["exact_text"] and "-" not in summary["exact_text"]


def test_no_norm_bars_inside_markdown_tables() -> None:
    """In a Markdown table row, ``\\|`` is an escaped cell separator: ‖p‖ would render as |p|."""
    import pathlib

    for path in [*pathlib.Path(NOTEBOOKS).glob("*.md"), *(NOTEBOOKS.parent / "book").rglob("*.md")]:
        for line in path.read_text().splitlines():
            if line.startswith("|") and "$" in line:
                assert "\\|" not in line, f"{path.name}: {line[:80]}"


def test_wang_sample_stories_come_in_generation_order() -> None:
    from collapse.pages.wang_fig2 import wang_samples

    generations = [int(m) for m in wang_samples()]
    assert generations == sorted(generations) and len(generations) >= 10


def test_fig2_growth_is_not_resolved_on_a_single_sample_size() -> None:
    page = pages.load("seddik_fig2")
    summary = page.summary(page.data(n_max=10, runs=5))
    order_n = next(c for c in page.CLAIMS if c.key == "order_n")
    assert order_n.outcome(summary) == UNRESOLVED
