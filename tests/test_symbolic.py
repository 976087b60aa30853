"""The sympy derivations: every identity holds, and wrong closed forms are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from collapse.theory import symbolic


@pytest.fixture(scope="module")
def checks() -> dict[str, list[symbolic.Check]]:
    return symbolic.all_checks()


def _by_name(group: list[symbolic.Check]) -> dict[str, symbolic.Check]:
    return {c.name: c for c in group}


def test_seddik_theorem1_identities_hold(checks) -> None:  # type: ignore[no-untyped-def]
    group = checks["Seddik Theorem 1"]
    assert {c.name for c in group} >= {"binomial moment", "Seddik eq. (6)",
                                       "Seddik eq. (8), lower", "Seddik eq. (8), upper"}
    assert all(c.passed for c in group), [str(c) for c in group if not c.passed]


def test_one_step_recursion_is_derived_not_typed() -> None:
    n = symbolic.n_sym
    sigma = sp.Symbol("sigma", positive=True)
    assert sp.simplify(symbolic.fully_synthetic_sigma_step() - (1 / n + (1 - 1 / n) * sigma)) == 0


def test_seddik_theorem2_recursion_solution_and_correction(checks) -> None:  # type: ignore[no-untyped-def]
    group = _by_name(checks["Seddik Theorem 2"])
    for name in ("Theorem 2 cross term, base", "Theorem 2 cross term, step",
                 "Theorem 2 ν, base", "Theorem 2 ν, induction step", "eq. (9) corrected"):
        assert group[name].passed, str(group[name])
    # the printed eq. (9) is rejected, by exactly the flipped sign of its last term
    printed = group["eq. (9) as printed"]
    assert not printed.passed
    N, n, S0, B = symbolic.N_sym, symbolic.n_sym, symbolic.S0_sym, symbolic.B_sym
    alpha = n / (N + n)
    expected = -2 * alpha * B * (1 - 1 / N) * S0 / (N * (1 + (1 + 1 / N) * alpha))
    assert sp.simplify(printed.difference - expected) == 0
    assert not group["eq. (9) as printed, base case"].passed
    assert not group["proof's intermediate line"].passed


def test_wang_theorem21_holds_for_general_n(checks) -> None:  # type: ignore[no-untyped-def]
    group = checks["Wang Theorem 2.1"]
    assert all(c.passed for c in group), [str(c) for c in group if not c.passed]
    names = {c.name for c in group}
    assert "Wang 2.1 Accumulate-Subsample, induction step" in names
    assert "Wang 2.1 Accumulate-Subsample, n = 6" in names
    assert {"M → M′, induction step", "A ↔ M", "weight sum diverges"} <= names


def test_wrong_closed_forms_are_rejected() -> None:
    wang = _by_name(symbolic.check_wang_theorem21(wrong=True))
    assert not wang["Wang 2.1 Accumulate-Subsample, induction step"].passed
    nu = symbolic.check_partially_synthetic_nu(wrong=True)
    assert not all(c.passed for c in nu)
    bad = symbolic.compare("bad eq. (6)", "(1-1/n)^(2m) instead of (1-1/n)^m",
                           1 - (1 - 1 / symbolic.n_sym) ** (2 * symbolic.m_sym),
                           1 - (1 - 1 / symbolic.n_sym) ** symbolic.m_sym)
    assert not bad.passed


def test_checks_render_as_markdown(checks) -> None:  # type: ignore[no-untyped-def]
    table = symbolic.checks_markdown(checks["Seddik Theorem 2"])
    assert table.count("\n") == len(checks["Seddik Theorem 2"]) + 1
    assert "| **FAIL** |" in table and "| pass |" in table
