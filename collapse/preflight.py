"""What a notebook's parameters must satisfy together, checked before a kernel starts.

A parameters cell declares each parameter's type and range one at a time. Some limits involve
several parameters (a Most Recent window at most n, k·N ≥ 1 sample, a distribution that sums
to 1, the memory a simulation keeps) or the machine (a CUDA device). ``collapse run`` calls the
notebook's check here after the ranges and before anything is written or executed, so a value
the notebook would refuse is refused in one line naming the parameter, not minutes later inside
the kernel. Every notebook has a check (a test enforces it); each uses the library's own
validators, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from collapse import markov
from collapse.distributions import power_law, random_simplex
from collapse.pages.common import VOCAB_SIZE
from collapse.pages.seddik_fig1 import FIG1_VOCAB_SIZE
from collapse.pages.seddik_fig2 import fig2_n_values
from collapse.pages.theory_seddik_theorem1 import THEOREM1_N_VALUES
from collapse.schemes import AccumulateSubsample, PartiallySynthetic
from collapse.statistical import MAX_RECORD_BYTES, check_record_memory
from collapse.validation import check_distribution, check_float, check_int, parse_numbers

Check = Callable[[dict[str, Any]], None]
CHECKS: dict[str, Check] = {}


def collapse_generations(n: int, runs: int) -> int:
    """About how many generations the slowest of ``runs`` Fully Synthetic runs takes to
    collapse totally. Total collapse is the time to the most recent common ancestor of the n
    samples (the Wright–Fisher chain's coalescent): about 2n generations on average, whose last
    stage (two lineages merging) is exponential with mean about n, so the slowest of R runs
    needs about n(2 + ln R)."""
    return int(n * (2 + np.log(runs))) + 10


def check(stem: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[stem] = function
        return function
    return register


def run_check(stem: str, values: dict[str, Any]) -> None:
    """Raise ``ValueError``/``TypeError`` naming the parameter if ``values`` can't run."""
    if stem in CHECKS:
        CHECKS[stem](values)


def _until_collapse(runs: int, n: int, tokens: int, *, record_distributions: bool = False,
                    why: str) -> None:
    """Records of ``runs`` runs simulated until every one has collapsed."""
    generations = collapse_generations(n, runs)
    try:
        check_record_memory(runs, tokens, generations, record_distributions=record_distributions)
    except ValueError:
        raise ValueError(f"{why} would run about {generations:,} generations until the slowest "
                         f"run collapses and keep more than {MAX_RECORD_BYTES // 2**30} GiB of "
                         "records; lower them") from None


def _items(name: str, text: str, kind: type, low: float, high: float) -> tuple[Any, ...]:
    values = parse_numbers(name, text, kind)
    for value in values:
        if kind is int:
            check_int(f"every entry of {name}", value, low=int(low), high=int(high))
        else:
            check_float(f"every entry of {name}", value, low=low, high=high)
    if len(values) > 20:
        raise ValueError(f"{name} lists {len(values)} values; at most 20 are drawn")
    return values


@check("seddik_fig1")
def _fig1(v: dict[str, Any]) -> None:
    contexts = FIG1_VOCAB_SIZE ** v["context_length"]
    random_simplex(1, FIG1_VOCAB_SIZE, np.random.default_rng(0),
                   concentration=v["concentration"])
    _until_collapse(contexts, v["n"], FIG1_VOCAB_SIZE, record_distributions=True,
                    why=f"n = {v['n']} with context_length = {v['context_length']} "
                        f"({contexts} contexts)")


@check("seddik_fig2")
def _fig2(v: dict[str, Any]) -> None:
    rows = fig2_n_values(v["n_max"]).size * v["runs"]
    need = 4 * 8 * rows * VOCAB_SIZE  # p, counts and two sorted copies of (rows, s)
    if need > MAX_RECORD_BYTES:
        raise ValueError(f"runs = {v['runs']} × {rows // v['runs']} sample sizes up to n_max = "
                         f"{v['n_max']} would hold about {need / 2**30:.1f} GiB of "
                         f"distributions, more than {MAX_RECORD_BYTES // 2**30} GiB; lower runs")


def _partially(v: dict[str, Any], n_values: tuple[int, ...], s0_values: tuple[float, ...]
               ) -> None:
    for s0 in s0_values:
        power_law(VOCAB_SIZE, v["support"], s0)
    for n in n_values:
        PartiallySynthetic(n, v["N"])
    check_record_memory(v["runs"], VOCAB_SIZE, v["generations"])


@check("seddik_fig3")
def _fig3(v: dict[str, Any]) -> None:
    _partially(v, _items("n_values", v["n_values"], int, 1, 10**6), (v["s0"],))


@check("seddik_fig4")
def _fig4(v: dict[str, Any]) -> None:
    _partially(v, (v["n"],), _items("s0_values", v["s0_values"], float, 0.0, 1.0))


def _language_model(v: dict[str, Any]) -> None:
    if v["recompute"]:
        from collapse.gpt.train import pick_device

        pick_device(v["device"])


CHECKS["seddik_fig5"] = CHECKS["wang_fig2"] = CHECKS["wang_fig3"] = _language_model


@check("seddik_fig6")
def _fig6(v: dict[str, Any]) -> None:
    for name in ("window_a", "window_b"):
        check_int(name, v[name], low=1, high=v["n"])  # MostRecent's ⌊n/K⌋ ≥ 1, named here
    power_law(VOCAB_SIZE, v["support"], v["s0"])
    check_record_memory(v["runs"], VOCAB_SIZE, v["generations"])


@check("theory_exact_chain")
def _exact_chain(v: dict[str, Any]) -> None:
    p = check_distribution("p", parse_numbers("p", v["p"]), ndim=1)
    states = markov.check_chain_size(v["n"], p.size)
    laws = 8 * v["generations"] * states
    if laws > MAX_RECORD_BYTES:
        raise ValueError(f"generations = {v['generations']} × {states:,} states would keep "
                         f"{laws / 2**30:.1f} GiB of laws, more than "
                         f"{MAX_RECORD_BYTES // 2**30} GiB; lower generations or n")
    _until_collapse(v["runs"], v["n"], p.size, why=f"runs = {v['runs']} at n = {v['n']}")


@check("theory_seddik_theorem1")
def _theorem1(v: dict[str, Any]) -> None:
    for n in (v["n"], *THEOREM1_N_VALUES):
        _until_collapse(v["runs"], n, 3, why=f"runs = {v['runs']} at n = {n}")


@check("theory_seddik_theorem2")
def _theorem2(v: dict[str, Any]) -> None:
    check_record_memory(v["runs"], 3, v["generations"])


@check("theory_seddik_theorem3")
def _theorem3(v: dict[str, Any]) -> None:
    from collapse.theory.seddik import max_synthetic_samples, max_synthetic_samples_eq11

    max_synthetic_samples(v["s"], v["N"], v["epsilon"])
    max_synthetic_samples_eq11(v["s"], v["N"], v["epsilon"])


def _rates(v: dict[str, Any]) -> None:
    for k in _items("rates", v["rates"], float, 0.0, 1000.0):
        check_float("every entry of rates", k, low=0.0, low_open=True)
        AccumulateSubsample(v["N"], k)  # k·N ≥ 1 sample from each generation


@check("theory_wang_theorem21")
def _wang_theorem21(v: dict[str, Any]) -> None:
    _rates(v)
    check_record_memory(v["runs"], 2, v["generations"], record_distributions=True,
                        keeps_corpus=True)


@check("wang_accumulate_subsample")
def _accumulate_subsample(v: dict[str, Any]) -> None:
    _rates(v)
    power_law(VOCAB_SIZE, v["support"], v["s0"])
    check_record_memory(v["runs"], VOCAB_SIZE, v["generations"])


@check("wang_fig1")
def _wang_fig1(v: dict[str, Any]) -> None:
    AccumulateSubsample(v["N"], v["k"])
