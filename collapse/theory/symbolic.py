"""Symbolic derivations (sympy) behind Seddik et al. Theorems 1–2 and Wang et al. Theorem 2.1.

Each ``check_*`` function derives a recursion from first principles (binomial moments, count
bookkeeping), compares it with a closed form and returns a :class:`Check`: what was compared,
both sides, their simplified difference and whether it is zero. Closed forms with a product or
sum up to a symbolic bound are verified for **every** n (or m) by induction: the base case, and
the step in which the closed form at n, pushed through one step of the recursion, must equal the
closed form at n + 1 (the last factor or term peeled off, the rest kept as an opaque symbol).

Deliberately wrong closed forms go through the same functions (``wrong=True``), so the checks can
fail; the tests assert that they do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

# --- the result object ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One symbolic comparison: ``lhs − rhs`` simplified, and whether it vanished."""

    name: str
    compared: str
    lhs: sp.Expr
    rhs: sp.Expr
    difference: sp.Expr

    @property
    def passed(self) -> bool:
        return bool(self.difference == 0)

    def _repr_markdown_(self) -> str:
        verdict = "**PASS**" if self.passed else "**FAIL**"
        return (f"{verdict} — {self.name}: {self.compared}\n\n"
                f"$$\\text{{lhs}} - \\text{{rhs}} = {sp.latex(self.difference)}$$")

    def __str__(self) -> str:
        return f"[{'PASS' if self.passed else 'FAIL'}] {self.name}: lhs - rhs = {self.difference}"


def _simplify(expr: sp.Expr) -> sp.Expr:
    """Simplification strong enough for rational functions, powers and digamma recurrences."""
    expr = sp.expand_func(expr)
    out = sp.simplify(sp.factor(sp.together(expr)))
    return sp.S.Zero if out == 0 else out


def compare(name: str, compared: str, lhs: sp.Expr, rhs: sp.Expr) -> Check:
    """Build a :class:`Check` from two expressions (identical infinities count as equal)."""
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    difference = sp.S.Zero if lhs == rhs else _simplify(lhs - rhs)
    return Check(name=name, compared=compared, lhs=lhs, rhs=rhs, difference=difference)


# --- moments from first principles ------------------------------------------------------------


def binomial_second_moment(trials: sp.Expr, q: sp.Expr) -> sp.Expr:
    """E[X²] for X = Σ_{k ≤ trials} B_k, B_k i.i.d. Bernoulli(q).

    E[X²] = Σ_k E[B_k²] + Σ_{k≠l} E[B_k]E[B_l], with B² = B so E[B²] = E[B] = q.
    """
    e_b, e_b2 = q, q
    return sp.expand(trials * e_b2 + trials * (trials - 1) * e_b**2)


def check_binomial_moment_against_sympy_stats(trials: int = 7) -> Check:
    """Cross-check the Bernoulli derivation with sympy.stats at a fixed number of trials."""
    from sympy.stats import Binomial, E

    q = sp.symbols("q", positive=True)
    return compare("binomial moment",
                   rf"$\mathbb{{E}}[X^2]$, $X \sim \mathrm{{Bin}}({trials}, q)$: derivation vs "
                   "sympy.stats",
                   binomial_second_moment(sp.Integer(trials), q), E(Binomial("X", trials, q)**2))


# --- Seddik et al. Theorem 1 ----------------------------------------------------------------------

n_sym, N_sym = sp.symbols("n N", positive=True)
S0_sym = sp.Symbol("S_0", positive=True)
m_sym = sp.Symbol("m", integer=True, positive=True)


def fully_synthetic_sigma_step() -> sp.Expr:
    """E[σ_m | p^(m−1)] as a function of σ = σ_{m−1}, derived token by token.

    n p_i^(m) ~ Bin(n, q_i) given q = p^(m−1), so E[(p_i^(m))²] = E[X_i²]/n²; summing over
    tokens uses only Σ q_i = 1 and Σ q_i² = σ (the expression is linear in q_i and q_i²).
    """
    q, sigma = sp.symbols("q sigma", positive=True)
    per_token = sp.expand(binomial_second_moment(n_sym, q) / n_sym**2)
    poly = sp.Poly(per_token, q)
    return sp.expand(poly.coeff_monomial(q) * 1 + poly.coeff_monomial(q**2) * sigma)


def check_seddik_eq6() -> Check:
    """Solve S_m = E[σ_m] from the one-step recursion with rsolve; compare with eq. (6)."""
    S = sp.Function("S")
    m = sp.Symbol("m", integer=True, nonnegative=True)
    step = fully_synthetic_sigma_step().subs(sp.Symbol("sigma", positive=True), S(m - 1))
    solution = sp.rsolve(S(m) - step, S(m), {S(0): S0_sym})
    eq6 = 1 - (1 - 1 / n_sym) ** m * (1 - S0_sym)
    return compare("Seddik eq. (6)", r"rsolve of $S_m = 1/n + (1 - 1/n) S_{m-1}$ vs eq. (6)",
                   solution, eq6)


def check_seddik_eq8_from_eq7() -> list[Check]:
    """E[T] = Σ_{k≥0} P(T > k) summed over the bounds on P(T > k) of the proof gives eq. (8)."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    n = sp.Symbol("n", integer=True, positive=True)
    s_tilde = sp.Symbol(r"\tilde{s}", positive=True)
    decay = (1 - 1 / n) ** k
    low_tail = (1 - S0_sym) / (1 - 1 / s_tilde) * decay
    high_tail = n * (1 - S0_sym) * decay
    # P(T > 0) = 1; the bounds are summed for k ≥ 1 (geometric series, n ≥ 2).
    lower = 1 + sp.summation(low_tail, (k, 1, sp.oo)).subs(sp.Abs(1 - 1 / n), 1 - 1 / n)
    upper = 1 + sp.summation(high_tail, (k, 1, sp.oo)).subs(sp.Abs(1 - 1 / n), 1 - 1 / n)
    lower = sp.piecewise_fold(lower).args[0][0] if isinstance(lower, sp.Piecewise) else lower
    upper = sp.piecewise_fold(upper).args[0][0] if isinstance(upper, sp.Piecewise) else upper
    printed_lower = 1 + (1 - S0_sym) / (1 - 1 / s_tilde) * (n - 1)
    printed_upper = 1 + (1 - S0_sym) * n * (n - 1)
    return [
        compare("Seddik eq. (8), lower",
                r"$1 + \sum_k$ lower bound on $\mathbb{P}(T > k)$ vs eq. (8)",
                _first_branch(lower), printed_lower),
        compare("Seddik eq. (8), upper",
                r"$1 + \sum_k$ upper bound on $\mathbb{P}(T > k)$ vs eq. (8)",
                _first_branch(upper), printed_upper),
    ]


def _first_branch(expr: sp.Expr) -> sp.Expr:
    """The convergent branch of a Piecewise returned by a geometric summation."""
    found = expr.atoms(sp.Piecewise)
    for pw in found:
        expr = expr.subs(pw, pw.args[0][0])
    return expr


# --- Seddik et al. Theorem 2 ----------------------------------------------------------------------


@dataclass(frozen=True)
class PartiallySyntheticRecursion:
    """The per-token recursions of the proof of Theorem 2, derived from binomial moments.

    With R ~ Bin(N, p) the real count of token i (fixed across generations) and, given
    p^(m−1), X ~ Bin(n, p_i^(m−1)) the synthetic count, p_i^(m) = (R + X)/(N + n):

        ν_m = (E[R²] + n p + n(n−1) ν_{m−1} + 2n e_{m−1}) / (N + n)²       (eq. 15)
        e_m = E[R p_i^(m)] = (E[R²] + n e_{m−1}) / (N + n),   e_1 = E[R²]/N,  ν_1 = E[R²]/N².
    """

    p: sp.Symbol
    nu_step: Callable[[sp.Expr, sp.Expr], sp.Expr]
    e_step: Callable[[sp.Expr], sp.Expr]
    nu_1: sp.Expr
    e_1: sp.Expr


def partially_synthetic_recursion() -> PartiallySyntheticRecursion:
    p = sp.Symbol("p", positive=True)
    er2 = binomial_second_moment(N_sym, p)
    total = N_sym + n_sym

    def nu_step(nu_prev: sp.Expr, e_prev: sp.Expr) -> sp.Expr:
        # E[X²] = n E[p'] + n(n−1) E[p'²] with E[p'] = p (every generation is unbiased);
        # E[R X] = n E[R p'] by conditional independence of X and R given p'.
        ex2 = n_sym * p + n_sym * (n_sym - 1) * nu_prev
        return (er2 + ex2 + 2 * n_sym * e_prev) / total**2

    def e_step(e_prev: sp.Expr) -> sp.Expr:
        return (er2 + n_sym * e_prev) / total

    return PartiallySyntheticRecursion(p=p, nu_step=nu_step, e_step=e_step,
                                       nu_1=er2 / N_sym**2, e_1=er2 / N_sym)


def _alpha_beta() -> tuple[sp.Expr, sp.Expr]:
    alpha = n_sym / (N_sym + n_sym)
    return alpha, alpha * ((1 + 1 / N_sym) * alpha - 1 / N_sym)


B_sym = sp.Symbol("B", positive=True)
"""An opaque β^(m−1) (or β^m): powers of β stay a symbol, so β·B is the next power exactly."""


def partially_synthetic_nu_closed_form(power: sp.Expr) -> sp.Expr:
    """Our closed form ν_m = ν* + β^(m−1)(ν_1 − ν*), with ``power`` = β^(m−1).

    ν* is the fixed point of the recursion, solved by sympy (not typed in).
    """
    rec = partially_synthetic_recursion()
    nu_star = sp.Symbol("nu_star")
    fixed = sp.solve(sp.Eq(nu_star, rec.nu_step(nu_star, rec.e_1)), nu_star)[0]
    return fixed + power * (rec.nu_1 - fixed)


def check_partially_synthetic_cross_term() -> list[Check]:
    """e_m = E[R p_i^(m)] = E[R²]/N for every m ≥ 1 (the proof's claim), by induction."""
    rec = partially_synthetic_recursion()
    claim = rec.e_1
    return [
        compare("Theorem 2 cross term, base", r"$e_1 = \mathbb{E}[R^2]/N$", rec.e_1, claim),
        compare("Theorem 2 cross term, step",
                r"$e_m = \mathbb{E}[R^2]/N \Rightarrow e_{m+1} = \mathbb{E}[R^2]/N$",
                rec.e_step(claim), claim),
    ]


def check_partially_synthetic_nu(*, wrong: bool = False) -> list[Check]:
    """Induction for general m: base ν_1 and step ν_m → ν_{m+1} through the recursion.

    With B = β^(m−1) a free symbol (m arbitrary), the closed form at m + 1 is the closed form
    with B → βB. ``wrong`` uses β^m for β^(m−1), a plausible slip: its base case fails.
    """
    rec = partially_synthetic_recursion()
    _, beta = _alpha_beta()
    shift = beta if wrong else sp.S.One
    closed = partially_synthetic_nu_closed_form
    return [
        compare("Theorem 2 ν, base",
                r"closed form at $m = 1$ ($B = 1$) vs $\nu_1 = \mathbb{E}[R^2]/N^2$",
                closed(shift), rec.nu_1),
        compare("Theorem 2 ν, induction step",
                r"recursion applied to the closed form at $m$ vs the closed form at $m+1$",
                rec.nu_step(closed(shift * B_sym), rec.e_1), closed(shift * beta * B_sym)),
    ]


def sum_over_tokens(per_token: sp.Expr, p: sp.Symbol) -> sp.Expr:
    """Σ_i of an expression a + b p_i + c p_i² over the s tokens: a·s must vanish, Σp_i = 1,
    Σp_i² = S0."""
    poly = sp.Poly(sp.expand(per_token), p)
    if poly.coeff_monomial(1) != 0:
        raise ValueError("per-token expression has a constant term; its sum depends on s")
    return poly.coeff_monomial(p) + poly.coeff_monomial(p**2) * S0_sym


def eq9_printed(beta_m: sp.Expr) -> sp.Expr:
    """S_{m+1} exactly as printed in Seddik et al. eq. (9), with ``beta_m`` = β^m."""
    alpha, _ = _alpha_beta()
    N = N_sym
    denom = 1 + (1 + 1 / N) * alpha
    return ((1 / N) * (1 + 2 * alpha - (1 - 1 / N) * alpha * beta_m) / denom
            + (1 - 1 / N) * S0_sym / denom * (1 + alpha - alpha * beta_m / N))


def eq9_corrected(beta_m: sp.Expr) -> sp.Expr:
    """S_{m+1} with the sign of the last β^m term flipped (our correction of eq. 9)."""
    alpha, _ = _alpha_beta()
    N = N_sym
    denom = 1 + (1 + 1 / N) * alpha
    return ((1 / N) * (1 + 2 * alpha - (1 - 1 / N) * alpha * beta_m) / denom
            + (1 - 1 / N) * S0_sym / denom * (1 + alpha + alpha * beta_m / N))


def proof_intermediate_nu(beta_m: sp.Expr, p: sp.Symbol) -> sp.Expr:
    """The geometric-sum line for ν^(m+1) printed in the proof of Theorem 2 (Appendix B.3)."""
    alpha, beta = _alpha_beta()
    N = N_sym
    g1 = (1 - beta * beta_m) / (1 - beta)
    g0 = (1 - beta_m) / (1 - beta)
    return ((1 / N) * (g1 - alpha * (2 - alpha) * g0) * p
            + (1 - 1 / N) * (g1 - alpha**2 * g0) * p**2)


def check_seddik_eq9() -> list[Check]:
    """Sum the verified per-token closed form over tokens and compare with eq. (9) both ways."""
    rec = partially_synthetic_recursion()
    # B stands for β^m: ν_{m+1} = ν* + β^m (ν_1 − ν*)
    derived = sum_over_tokens(partially_synthetic_nu_closed_form(B_sym), rec.p)
    s1 = sum_over_tokens(rec.nu_1, rec.p)
    return [
        compare("eq. (9) as printed",
                r"$\sum_i \nu_{m+1}$ (derived) vs eq. (9) as printed ($B = \beta^m$)",
                eq9_printed(B_sym), derived),
        compare("eq. (9) corrected", r"$\sum_i \nu_{m+1}$ (derived) vs eq. (9), last sign flipped",
                eq9_corrected(B_sym), derived),
        compare("eq. (9) as printed, base case",
                r"eq. (9) at $m = 0$ vs $S_1 = 1/N + (1 - 1/N) S_0$",
                eq9_printed(sp.S.One), s1),
        compare("proof's intermediate line",
                r"geometric-sum form of $\nu_{m+1}$ vs the derived $\nu_{m+1}$",
                proof_intermediate_nu(B_sym, rec.p), partially_synthetic_nu_closed_form(B_sym)),
    ]


# --- Wang et al. Theorem 2.1 (count model, reconstructed: notebooks/theory_wang_theorem21.md) -

k_sym = sp.Symbol("k", positive=True)
alpha_f = sp.Function("alpha")  # α[j]: over-production of the context x by LM_j
alpha_i_f = sp.Function("alpha_i")  # α_i[j]: over-production of x followed by v_i


def _factor_accumulate(j: sp.Expr, *, wrong: bool = False) -> sp.Expr:
    """(1 + jk + kα_i[j]) / (1 + jk + kα[j]); ``wrong`` uses (j−1)k, a plausible slip."""
    jk = (j - 1) * k_sym if wrong else j * k_sym
    return (1 + jk + k_sym * alpha_i_f(j)) / (1 + jk + k_sym * alpha_f(j))


def _factor_replace(j: sp.Expr) -> sp.Expr:
    return (1 + alpha_i_f(j)) / (1 + alpha_f(j))


def wang_step_accumulate_subsample(n: sp.Expr, corpus_x: sp.Expr, corpus_xv: sp.Expr
                                   ) -> sp.Expr:
    """One generation of Accumulate-Subsample in expected counts (variant M); returns p̂_{n+1}.

    The corpus before generation n has size N·R_n, R_n = 1 + (n−1)k; the training set T_n is a
    uniform subsample of size N, with expected counts corpus / R_n; LM_n generates S_n with
    c_S(x) = k(1 + α[n]) c_T(x) and c_S(x, v_i) = k(1 + α_i[n]) c_T(x, v_i).
    """
    r_n = 1 + (n - 1) * k_sym
    train_x, train_xv = corpus_x / r_n, corpus_xv / r_n
    new_x = corpus_x + k_sym * (1 + alpha_f(n)) * train_x
    new_xv = corpus_xv + k_sym * (1 + alpha_i_f(n)) * train_xv
    return new_xv / new_x


def wang_step_replace(n: sp.Expr, train_x: sp.Expr, train_xv: sp.Expr) -> sp.Expr:
    """One generation of Replace (variant M): T_{n+1} = S_n; returns p̂_{n+1}."""
    return (k_sym * (1 + alpha_i_f(n)) * train_xv) / (k_sym * (1 + alpha_f(n)) * train_x)


def check_wang_theorem21(*, wrong: bool = False) -> list[Check]:
    """Variant M closed forms for both paradigms, for general n by induction.

    Closed forms: Replace p̂_n = p Π_{j<n} (1+α_i[j])/(1+α[j]);
    Accumulate-Subsample p̂_n = p Π_{j<n} (1+jk+kα_i[j])/(1+jk+kα[j]).
    Step: with the product up to n−1 an opaque positive symbol P and the corpus count of x an
    opaque W, one step of the count recursion must multiply p̂ by the n-th factor.
    """
    n = sp.Symbol("n", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    p, P, W = sp.symbols("p P W", positive=True)
    acc_next = wang_step_accumulate_subsample(n, W, W * p * P)
    rep_next = wang_step_replace(n, W, W * p * P)
    base_acc = p * sp.Product(_factor_accumulate(j, wrong=wrong), (j, 1, 0)).doit()
    return [
        compare("Wang 2.1 Replace, base", r"closed form at $n = 1$ is $p$ ($T_1 = \mathcal{D}_0$)",
                p * sp.Product(_factor_replace(j), (j, 1, 0)).doit(), p),
        compare("Wang 2.1 Replace, induction step",
                r"one Replace step from $pP$ vs $pP\,(1+\alpha_i[n])/(1+\alpha[n])$",
                rep_next, p * P * _factor_replace(n)),
        compare("Wang 2.1 Accumulate-Subsample, base", r"closed form at $n = 1$ is $p$",
                base_acc, p),
        compare("Wang 2.1 Accumulate-Subsample, induction step",
                r"one Accumulate-Subsample step from $pP$ vs $pP$ times the $n$-th factor",
                acc_next, p * P * _factor_accumulate(n, wrong=wrong)),
    ]


def check_wang_fixed_n(n_max: int = 6) -> list[Check]:
    """Cross-check: iterate the count recursion for n = 1..n_max with explicit α symbols."""
    p = sp.Symbol("p", positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    checks = []
    corpus_x, corpus_xv = sp.Integer(1), p
    for n in range(1, n_max + 1):
        closed = p * sp.Product(_factor_accumulate(j), (j, 1, n - 1)).doit()
        checks.append(compare(f"Wang 2.1 Accumulate-Subsample, n = {n}",
                              "iterated counts vs closed form", corpus_xv / corpus_x, closed))
        r_n = 1 + (n - 1) * k_sym
        corpus_x, corpus_xv = (corpus_x + k_sym * (1 + alpha_f(n)) * corpus_x / r_n,
                               corpus_xv + k_sym * (1 + alpha_i_f(n)) * corpus_xv / r_n)
    return checks


def check_wang_parametrisations() -> list[Check]:
    """M ↔ M′ (count ratios relative to D_0) and A ↔ M (additive error on the conditional)."""
    n = sp.Symbol("n", integer=True, positive=True)
    Q, W, q = sp.symbols("Q W q", positive=True)
    # M′: c_C(x,v_i) = c_D0(x,v_i)(1 + kΣβ_i); claim 1 + kΣ_{j<n} β_i[j] = Q(n) with
    # Q(n) = Π_{m<n} (1+mk+kα_i[m])/(1+(m−1)k) and β_i[j] = (1+α_i[j])/(1+(j−1)k)·Q(j).
    beta_n = (1 + alpha_i_f(n)) / (1 + (n - 1) * k_sym) * Q
    q_next = Q * (1 + n * k_sym + k_sym * alpha_i_f(n)) / (1 + (n - 1) * k_sym)
    checks = [compare("M → M′, induction step", r"$Q(n) + k\beta_i[n]$ vs $Q(n+1)$",
                      Q + k_sym * beta_n, q_next)]
    # A ↔ M: S_j has the same counts iff 1 + α^M_i = (1 + α[j])(1 + α^A_i / p_T).
    a_add, a_ctx = sp.symbols("alpha^A_i alpha_x")
    a_mult = (1 + a_ctx) * (1 + a_add / q) - 1
    counts_m = k_sym * (1 + a_mult) * W * q  # c_S(x, v_i) under M
    counts_a = k_sym * (1 + a_ctx) * W * (q + a_add)  # c_S(x) · (p_T + α^A_i) under A
    checks.append(compare("A ↔ M", r"$c_S(x, v_i)$ under M with the mapped $\alpha$ vs under A",
                          counts_m, counts_a))
    # Variant A, Accumulate-Subsample: q_{n+1} = q_n + k(1+α[n]) α_i[n] / (1 + nk + kα[n]).
    r_n = 1 + (n - 1) * k_sym
    gen_x = k_sym * (1 + alpha_f(n)) * W / r_n
    q_next_a = (W * q + gen_x * (q + alpha_i_f(n))) / (W + gen_x)
    checks.append(compare("variant A, Accumulate-Subsample step",
                          r"corpus conditional after one step vs "
                          r"$q + k(1+\alpha)\alpha_i/(1+nk+k\alpha)$",
                          q_next_a,
                          q + k_sym * (1 + alpha_f(n)) * alpha_i_f(n)
                          / (1 + n * k_sym + k_sym * alpha_f(n))))
    return checks


def check_wang_zero_error() -> list[Check]:
    """All α = 0: p̂_n = p for every n, in both paradigms (Remark 2.2's reading)."""
    n = sp.Symbol("n", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    p = sp.Symbol("p", positive=True)
    zero = {alpha_f(j): 0, alpha_i_f(j): 0}
    acc = p * sp.Product(_factor_accumulate(j).subs(zero), (j, 1, n - 1)).doit()
    rep = p * sp.Product(_factor_replace(j).subs(zero), (j, 1, n - 1)).doit()
    return [compare("zero error, Accumulate-Subsample",
                    r"closed form with $\alpha \equiv 0$ vs $p$", acc, p),
            compare("zero error, Replace", r"closed form with $\alpha \equiv 0$ vs $p$", rep, p)]


def check_wang_weight_sum() -> list[Check]:
    """Σ_{j=1}^{n} k/(1+jk) = ψ(n+1+1/k) − ψ(1+1/k) ~ ln(1 + nk) → ∞ for every k > 0."""
    n = sp.Symbol("n", positive=True)
    weights = sp.digamma(n + 1 + 1 / k_sym) - sp.digamma(1 + 1 / k_sym)
    step = compare("weight sum, induction step", r"$H(n+1) - H(n)$ vs $k/(1+(n+1)k)$",
                   weights.subs(n, n + 1) - weights, k_sym / (1 + (n + 1) * k_sym))
    base = compare("weight sum, base", r"$H(0)$ vs $0$", weights.subs(n, 0), sp.S.Zero)
    ratio = sp.limit(weights / sp.log(1 + n * k_sym), n, sp.oo)
    limit = sp.limit(weights, n, sp.oo)
    return [base, step,
            compare("weight sum ~ ln(1 + nk)", r"$\lim H(n)/\ln(1+nk)$ vs $1$", ratio, sp.S.One),
            compare("weight sum diverges", r"$\lim H(n)$ vs $\infty$", limit, sp.oo)]


CHECK_GROUPS: dict[str, Callable[[], list[Check]]] = {
    "Seddik Theorem 1": lambda: [check_binomial_moment_against_sympy_stats(),
                                 check_seddik_eq6(), *check_seddik_eq8_from_eq7()],
    "Seddik Theorem 2": lambda: [*check_partially_synthetic_cross_term(),
                                 *check_partially_synthetic_nu(), *check_seddik_eq9()],
    "Wang Theorem 2.1": lambda: [*check_wang_theorem21(), *check_wang_fixed_n(),
                                 *check_wang_parametrisations(), *check_wang_zero_error(),
                                 *check_wang_weight_sum()],
}
"""The checks of each theory page, by theorem (each group runs in seconds)."""


def all_checks() -> dict[str, list[Check]]:
    """Every check of the theory pages, grouped by theorem."""
    return {name: group() for name, group in CHECK_GROUPS.items()}


def checks_markdown(checks: list[Check]) -> str:
    """A Markdown table of checks (verdict, name, what was compared, simplified difference)."""
    rows = ["| verdict | check | compared | lhs − rhs (simplified) |", "|---|---|---|---|"]
    for c in checks:
        verdict = "pass" if c.passed else "**FAIL**"
        rows.append(f"| {verdict} | {c.name} | {c.compared} | ${sp.latex(c.difference)}$ |")
    return "\n".join(rows)
