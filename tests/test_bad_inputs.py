"""Every bad input gets one clear error naming the parameter and what is allowed, before compute.

Each case is (what is called, the exception, the exact message). The CLI cases call
``collapse.cli.main`` and check its exit status and its single ``collapse: error: …`` line. A
changed message is a deliberate change: update the table with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from collapse import distributions, markov, schemes, statistical
from collapse.cli import main
from collapse.gpt.seddik_experiment import RecursiveConfig
from collapse.gpt.train import TrainConfig
from collapse.gpt.wang_experiment import StoriesConfig
from collapse.pages.seddik_fig6 import fig6_schemes
from collapse.rundir import PACKAGE_DIR
from collapse.settings import SettingError, parse_settings
from collapse.theory.seddik import expected_sigma

ROOT = Path(__file__).resolve().parents[1]
FIG1 = str(ROOT / "notebooks" / "seddik_fig1.md")
RNG = np.random.default_rng(0)
UNIFORM = np.full(4, 0.25)
FULLY = schemes.FullySynthetic(10)

# (id, thunk, exception type, exact message)
API_CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("fully n=0", lambda: schemes.FullySynthetic(0), ValueError,
     "n must be an integer in [1, 1000000000000], got 0"),
    ("fully n float", lambda: schemes.FullySynthetic(2.5), TypeError,  # type: ignore[arg-type]
     "n must be an integer in [1, 1000000000000], got 2.5 (float)"),
    ("fully n bool", lambda: schemes.FullySynthetic(True), TypeError,
     "n must be an integer in [1, 1000000000000], got True (bool)"),
    ("partially N=0", lambda: schemes.PartiallySynthetic(10, 0), ValueError,
     "N must be an integer in [1, 1000000000000], got 0"),
    ("most-recent K=0", lambda: schemes.MostRecent(10, 0), ValueError,
     "K must be an integer in [1, 10], got 0"),
    ("randomly n=-1", lambda: schemes.RandomlySampled(-1), ValueError,
     "n must be an integer in [1, 1000000000000], got -1"),
    ("accumulate-subsample k=0", lambda: schemes.AccumulateSubsample(10, 0.0), ValueError,
     "k must be a real number > 0.0, got 0.0"),
    ("accumulate-subsample k·N<1", lambda: schemes.AccumulateSubsample(10, 0.01), ValueError,
     "k·N must be at least 1 sample (k = 0.01, N = 10)"),
    ("accumulate N=0", lambda: schemes.Accumulate(10, 0), ValueError,
     "N must be an integer in [1, 1000000000000], got 0"),
    ("counts m=0", lambda: FULLY.counts(0), ValueError, "m must be an integer >= 1, got 0"),
    ("randomly counts without rng", lambda: schemes.RandomlySampled(5).counts(3), ValueError,
     "rng is required: RandomlySampled draws its counts at random"),
    ("randomly counts int rng", lambda: schemes.RandomlySampled(5).counts(3, 7), TypeError,
     "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0), got 7 (int)"),
    ("make_scheme unknown", lambda: schemes.make_scheme("half", n=3), ValueError,
     "scheme must be one of {fully, partially, most-recent, randomly-sampled, "
     "accumulate-subsample, accumulate}, got 'half'"),
    ("simulate int rng", lambda: statistical.simulate(FULLY, UNIFORM, 0), TypeError,
     "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0), got 0 (int)"),
    ("simulate legacy RandomState", lambda: statistical.simulate(
        FULLY, UNIFORM, np.random.RandomState(0)), TypeError,
     "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0), got a "
     "numpy.random.mtrand.RandomState"),
    ("simulate scheme as string", lambda: statistical.simulate("fully", UNIFORM, RNG),
     TypeError, "scheme must be a collapse.schemes.Scheme (e.g. FullySynthetic(n=100)), got "
     "'fully' (str)"),
    ("simulate initial sums to 2", lambda: statistical.simulate(FULLY, UNIFORM * 2, RNG),
     ValueError, "initial must sum to 1 along its last axis (worst |sum - 1| = 1)"),
    ("simulate negative entry", lambda: statistical.simulate(
        FULLY, np.array([1.5, -0.5]), RNG), ValueError,
     "initial must have finite, non-negative entries"),
    ("simulate NaN entry", lambda: statistical.simulate(FULLY, np.array([np.nan, 1.0]), RNG),
     ValueError, "initial must have finite, non-negative entries"),
    ("simulate 3-d initial", lambda: statistical.simulate(FULLY, np.ones((1, 1, 2)) / 2, RNG),
     ValueError, "initial must be a 2-d array of probability vectors, got shape (1, 1, 2)"),
    ("simulate empty initial", lambda: statistical.simulate(FULLY, np.array([]), RNG),
     ValueError, "initial must be a 2-d array of probability vectors, got shape (1, 0)"),
    ("simulate generations=0", lambda: statistical.simulate(FULLY, UNIFORM, RNG, generations=0),
     ValueError, "generations must be an integer >= 1, got 0"),
    ("simulate max_generations=0", lambda: statistical.simulate(
        FULLY, UNIFORM, RNG, max_generations=0), ValueError,
     "max_generations must be an integer >= 1, got 0"),
    ("simulate until collapse, non-absorbing", lambda: statistical.simulate(
        schemes.PartiallySynthetic(5, 5), UNIFORM, RNG), ValueError,
     "generations is required for Partially Synthetic: its vertices are not absorbing, so "
     "'until every run has collapsed' may never happen"),
    ("collapse_times int rng", lambda: statistical.collapse_times(UNIFORM, 10, 3), TypeError,
     "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0), got 3 (int)"),
    ("collapse_times n=0", lambda: statistical.collapse_times(UNIFORM, 0, RNG), ValueError,
     "n must be an integer >= 1 for every row"),
    ("collapse_times repack_every=0", lambda: statistical.collapse_times(
        UNIFORM, 5, RNG, repack_every=0), ValueError,
     "repack_every must be an integer >= 1, got 0"),
    ("random_simplex count=0", lambda: distributions.random_simplex(0, 3, RNG), ValueError,
     "count must be an integer >= 1, got 0"),
    ("random_simplex vocab_size=1", lambda: distributions.random_simplex(2, 1, RNG), ValueError,
     "vocab_size must be an integer >= 2, got 1"),
    ("random_simplex concentration=0",
     lambda: distributions.random_simplex(2, 3, RNG, concentration=0), ValueError, "concentration must be a real number > 0.0, got 0.0"),
    ("random_simplex int rng", lambda: distributions.random_simplex(2, 3, 1), TypeError,
     "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0), got 1 (int)"),
    ("power_law support > vocabulary", lambda: distributions.power_law(10, 11, 0.5), ValueError,
     "support must be an integer in [2, 10], got 11"),
    ("power_law s0 out of range", lambda: distributions.power_law(10, 5, 2.0), ValueError,
     "s0 must be a real number in [1/support = 0.2, 1) for support = 5, got 2.0"),
    ("exact_chain n=0", lambda: markov.exact_chain(UNIFORM, 0), ValueError,
     "n must be an integer >= 1, got 0"),
    ("recursive config scheme", lambda: RecursiveConfig(scheme="randomly"), ValueError,
     "scheme must be one of {fully, partially, most-recent, accumulate} for the LM pipeline, "
     "got 'randomly'"),
    ("recursive config n=0", lambda: RecursiveConfig(n=0), ValueError,
     "n must be an integer in [1, 1000000], got 0"),
    ("recursive config contexts=0", lambda: RecursiveConfig(contexts=0), ValueError,
     "contexts must be an integer in [1, 100000], got 0"),
    ("recursive config seed=-1", lambda: RecursiveConfig(seed=-1), ValueError,
     "seed must be an integer in [0, 4294967295], got -1"),
    ("recursive profile unknown", lambda: RecursiveConfig.from_profile("huge"), ValueError,
     "profile must be one of {paper, cpu, quick}, got 'huge'"),
    ("recursive unknown setting", lambda: RecursiveConfig.from_profile("quick", epochs=3),
     ValueError, "unknown setting 'epochs'; settings: K, N, attention, batch_size, beta2, block_size, compile, con"
     "texts, dropout, eval_interval, eval_windows, generations, grad_clip, learning_rate, lr_decay, max_iters, min_lr, n, n_embd, n_head, n_layer, seed, train_seed, warmup_iters, weight_decay, window"),
    ("train config block_size=0", lambda: TrainConfig(block_size=0), ValueError,
     "block_size must be an integer in [1, 8192], got 0"),
    ("train config lr_decay", lambda: TrainConfig(lr_decay="linear"), ValueError,
     "lr_decay must be 'none' or 'cosine', got 'linear'"),
    ("stories config paradigm", lambda: StoriesConfig(paradigm="mix"), ValueError,
     "paradigm must be one of {replace, accumulate-subsample}, got 'mix'"),
    ("stories config model", lambda: StoriesConfig(model="7b"), ValueError,
     "model must be one of {1m, 33m}, got '7b'"),
    ("stories config vocabulary", lambda: StoriesConfig(vocabulary="tiny"), ValueError,
     "vocabulary must be one of {full, compact}, got 'tiny'"),
    ("stories config N too many", lambda: StoriesConfig(N=20_000), ValueError,
     "N must be an integer in [1, 11534], got 20000"),
    ("stories config val_stories=0", lambda: StoriesConfig(val_stories=0), ValueError,
     "val_stories must be an integer in [1, 1000], got 0"),
    ("stories config max_new_tokens > context", lambda: StoriesConfig(max_new_tokens=5000),
     ValueError, "max_new_tokens must be an integer in [1, 511], got 5000"),
    ("stories config k=0", lambda: StoriesConfig(paradigm="accumulate-subsample", k=0.0),
     ValueError, "k must be a real number > 0.0, got 0.0"),
    ("stories profile model", lambda: StoriesConfig.from_profile("quick", model="2m"),
     ValueError, "model must be one of {1m, 33m}, got '2m'"),
]


# ---- the hostile tester's classes (issue 19): at least three cases each, exact messages -------
# Each API case is (id, thunk, exception type, exact message); each CLI case is (id, command
# line, exact message), exit status 2 and nothing written, as above.

HANG_API: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("exact chain n=124, s=10", lambda: markov.exact_chain(np.full(10, 0.1), 124), ValueError,
     "n = 124, s = 10 gives 27,212,042,858,000 states; the exact chain supports at most 20,000 (reduce n or s)"),
    ("exact chain size n=10**6, s=3", lambda: markov.check_chain_size(10**6, 3), ValueError,
     "n = 1000000, s = 3 gives 500,001,500,001 states; the exact chain supports at most 20,000 (reduce n or s)"),
    ("simulate records over 4 GiB", lambda: statistical.simulate(
        FULLY, np.full((100_000, 600), 1 / 600), RNG, generations=10_000), ValueError,
     "100000 runs × 10000 generations would keep about 59.6 GiB of records, more than the 4 GiB allowed; lower runs or generations"),
    ("recursive generations 10**8", lambda: RecursiveConfig(generations=10**8), ValueError,
     "generations must be an integer in [1, 1000], got 100000000"),
    ("stories generations 10**8", lambda: StoriesConfig(generations=10**8), ValueError,
     "generations must be an integer in [1, 1000], got 100000000"),
]
HANG_CLI: list[tuple[str, str, str]] = [
    ("run: exact chain too many states", "run {nb}/theory_exact_chain.md -p p 0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1 -p n 124",
     "theory_exact_chain.md: n = 124, s = 10 gives 27,212,042,858,000 states; the exact chain supports at most 20,000 (reduce n or s)"),
    ("run: Fig. 1 records too large", "run {nb}/seddik_fig1.md -p n 20000 -p context_length 6",
     "seddik_fig1.md: n = 20000 with context_length = 6 (729 contexts) would run about 171,843 generations until the slowest run collapses and keep more than 4 GiB of records; lower them"),
    ("run: Theorem 2 records too large", "run {nb}/theory_seddik_theorem2.md -p runs 10000000 -p generations 1000",
     "theory_seddik_theorem2.md: 10000000 runs × 1000 generations would keep about 596.6 GiB of records, more than the 4 GiB allowed; lower runs or generations"),
    ("train-recursive: generations 10**8", "train-recursive --profile quick --set generations 100000000 -o {tmp}",
     "generations must be an integer in [1, 1000], got 100000000"),
]

POISON_CLI: list[tuple[str, str, str]] = [
    ("train-recursive: vocab_size", "train-recursive --profile quick --set vocab_size 66 -o {tmp}",
     "vocab_size can't be set: it is the number of distinct characters of tiny Shakespeare (65)"),
    ("train-recursive: block_size", "train-recursive --profile quick --set block_size 100000000 -o {tmp}",
     "block_size must be an integer in [1, 8192], got 100000000"),
    ("train-recursive: align_token", "train-recursive --profile quick --set align_token 500 -o {tmp}",
     "align_token can't be set: it is used by train-stories' story_windows only"),
    ("train-recursive: beta2", "train-recursive --profile quick --set beta2 1.5 -o {tmp}",
     "beta2 must be in [0, 1), got 1.5"),
    ("train-recursive: weight_decay", "train-recursive --profile quick --set weight_decay -5 -o {tmp}",
     "weight_decay must be in [0, 1], got -5.0"),
    ("train-recursive: seed too large", "train-recursive --profile quick --set seed 99999999999999999999 -o {tmp}",
     "seed must be an integer in [0, 4294967295], got 99999999999999999999"),
    ("train-stories: vocab_size", "train-stories --profile quick --set vocab_size 66 -o {tmp}",
     "vocab_size can't be set: it follows from vocabulary (full: 50,257 GPT-2 ids; compact: the ids of the real training stories)"),
    ("train-stories: window past the context", "train-stories --profile quick --set window 65 -o {tmp}",
     "window must be an integer in [0, block_size = 64] (0: global attention in every layer), got 65"),
    ("train-stories: 33m at the cpu profile", "train-stories --profile cpu --model 33m -o {tmp}",
     "model '33m' applies to the paper profile only: the cpu profile trains its own 4 × 128 shape (use --profile paper)"),
]

BOOL_CLI: list[tuple[str, str, str]] = [
    ("train-recursive: bool word", "train-recursive --profile quick --set compile maybe -o {tmp}",
     "compile must be true or false (true/yes/on/1 or false/no/off/0), got 'maybe'"),
    ("train-stories: bool word", "train-stories --profile quick --set story_windows 2 -o {tmp}",
     "story_windows must be true or false (true/yes/on/1 or false/no/off/0), got '2'"),
    ("run: bool word", "run {fig1} -p progress 2",
     "parameter 'progress' must be true or false (also yes/no, on/off, 1/0), got '2'"),
]

SILENT_API: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("learning_rate inf", lambda: TrainConfig(learning_rate=float("inf")), ValueError,
     "learning_rate must be a finite real number, got inf"),
    ("grad_clip nan", lambda: TrainConfig(grad_clip=float("nan")), ValueError,
     "grad_clip must be a finite real number, got nan"),
    ("collapse_times n=10.7", lambda: statistical.collapse_times(UNIFORM, 10.7, RNG), TypeError,
     "n must be an integer or an array of integers >= 1, got 10.7 (float)"),
    ("collapse_times n=True", lambda: statistical.collapse_times(UNIFORM, True, RNG), TypeError,
     "n must be an integer or an array of integers >= 1, got True (bool)"),
    ("simulate complex initial", lambda: statistical.simulate(FULLY, UNIFORM + 0j, RNG), TypeError,
     "initial must hold real numbers, got complex values"),
    ("expected_sigma m=-5", lambda: expected_sigma(-5, 10, 0.3), ValueError,
     "m must hold integer generation indices >= 0"),
    ("expected_sigma m=1.5", lambda: expected_sigma(1.5, 10, 0.3), ValueError,
     "m must hold integer generation indices >= 0"),
    ("recursive K=0 on Fully Synthetic", lambda: RecursiveConfig(K=0), ValueError,
     "K must be an integer >= 1, got 0"),
    ("stories k=-1 on Replace", lambda: StoriesConfig(k=-1.0), ValueError,
     "k must be a real number > 0.0, got -1.0"),
    ("recursive seed 2**70", lambda: RecursiveConfig(seed=2**70), ValueError,
     "seed must be an integer in [0, 4294967295], got 1180591620717411303424"),
]
SILENT_CLI: list[tuple[str, str, str]] = [
    ("train-recursive: learning_rate inf", "train-recursive --profile quick --set learning_rate inf -o {tmp}",
     "learning_rate must be a finite real number, got 'inf'"),
    ("train-recursive: grad_clip nan", "train-recursive --profile quick --set grad_clip nan -o {tmp}",
     "grad_clip must be a finite real number, got 'nan'"),
    ("train-recursive: K 0", "train-recursive --profile quick --set K 0 -o {tmp}",
     "K must be an integer >= 1, got 0"),
    ("train-stories: k -1", "train-stories --profile quick --set k -1 -o {tmp}",
     "k must be a real number > 0.0, got -1.0"),
    ("train-recursive: empty output", "train-recursive --profile quick -o ",
     "output directory is empty; give a path, e.g. runs/"),
]

LATE_CLI: list[tuple[str, str, str]] = [
    ("run: Fig. 1 concentration 0.01", "run {fig1} -p concentration 0.01",
     "parameter 'concentration' must be a float in [0.1, 100], got 0.01"),
    ("run: Fig. 3 n_values 10,0", "run {nb}/seddik_fig3.md -p n_values 10,0",
     "seddik_fig3.md: every entry of n_values must be an integer in [1, 1000000], got 0"),
    ("run: Fig. 3 n_values abc", "run {nb}/seddik_fig3.md -p n_values 10,abc",
     "seddik_fig3.md: n_values must be a comma-separated list of int values, got '10,abc'"),
    ("run: Fig. 4 s0_values 0.001", "run {nb}/seddik_fig4.md -p s0_values 0.001",
     "seddik_fig4.md: s0 must be a real number in [1/support = 0.01923, 1) for support = 52, got 0.001"),
    ("run: Fig. 6 window_a 50", "run {nb}/seddik_fig6.md -p window_a 50",
     "seddik_fig6.md: window_a must be an integer in [1, 10], got 50"),
    ("run: exact chain p 0.5,0.6", "run {nb}/theory_exact_chain.md -p p 0.5,0.6",
     "theory_exact_chain.md: p must sum to 1 along its last axis (worst |sum - 1| = 0.1)"),
    ("run: Accumulate-Subsample rates 0.001", "run {nb}/wang_accumulate_subsample.md -p rates 0.001",
     "wang_accumulate_subsample.md: k·N must be at least 1 sample (k = 0.001, N = 100)"),
    ("run: Theorem 2.1 rates 0,1", "run {nb}/theory_wang_theorem21.md -p rates 0,1",
     "theory_wang_theorem21.md: every entry of rates must be a real number > 0.0, got 0.0"),
    ("run: Wang Fig. 1 k·N < 1", "run {nb}/wang_fig1.md -p k 0.0001 -p N 10",
     "wang_fig1.md: k·N must be at least 1 sample (k = 0.0001, N = 10)"),
]

INTERNALS_API: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("FullySynthetic(10**30)", lambda: schemes.FullySynthetic(10**30), ValueError,
     "n must be an integer in [1, 1000000000000], got 1000000000000000000000000000000"),
    ("fig6_schemes one window", lambda: fig6_schemes(windows=(2,)), ValueError,
     "windows must be two Most Recent windows (K_a, K_b), got (2,)"),
    ("--set scheme", lambda: parse_settings([("scheme", "partially")], {"n": int},
                                            options={"scheme": "--scheme"}), SettingError,
     "scheme is chosen with --scheme, not --set"),
    ("--set twice", lambda: parse_settings([("n", "1"), ("n", "2")], {"n": int}), SettingError,
     "setting 'n' given twice"),
]
INTERNALS_CLI: list[tuple[str, str, str]] = [
    ("train-recursive: --set scheme", "train-recursive --profile quick --set scheme partially -o {tmp}",
     "scheme is chosen with --scheme, not --set"),
    ("train-stories: --set paradigm", "train-stories --profile quick --set paradigm replace -o {tmp}",
     "paradigm is chosen with --paradigm, not --set"),
    ("train-stories: --set model", "train-stories --profile quick --set model 33m -o {tmp}",
     "model is chosen with --model, not --set"),
    ("run: output through a symlink loop", "run {fig1} --profile quick -o {loop}",
     "output directory {loop}/seddik_fig1 can't be resolved (Symlink loop from '{loop}/seddik_fig1'); choose another path"),
    ("params: binary file", "params {binary}",
     "{binary}: not a text notebook (not UTF-8)"),
    ("params: parameters cell not Python", "params {badcell}",
     "badcell.md parameters cell: not Python (EOF in multi-line statement)"),
    ("params: profiles not a mapping", "params {badprofiles}",
     "badprofiles.md: front matter collapse.profiles must map profile names to parameter values, got [1, 2]"),
    ("params: ipynb with cells 5", "params {fivecells}",
     "{fivecells}: not a notebook jupytext can read (no 'metadata' field)"),
]

CLASSES = {"hangs": (HANG_API, HANG_CLI), "a bad setting poisons the directory": ([], POISON_CLI),
           "booleans": ([], BOOL_CLI), "silent wrong results": (SILENT_API, SILENT_CLI),
           "checked too late": ([], LATE_CLI),
           "tracebacks and internals": (INTERNALS_API, INTERNALS_CLI)}
API_CASES += [case for api, _ in CLASSES.values() for case in api]


@pytest.mark.parametrize(("thunk", "kind", "message"), [c[1:] for c in API_CASES],
                         ids=[c[0] for c in API_CASES])
def test_api_rejects(thunk: Callable[[], Any], kind: type[Exception], message: str | None
                     ) -> None:
    with pytest.raises(kind) as info:
        thunk()
    if message is None:
        print(repr(str(info.value)))
        pytest.fail("fill in the message")
    assert str(info.value) == message


# (id, command line, exact stderr message after "collapse: error: "); {tmp} is a fresh folder,
# {file} an existing regular file, {fig1} the Figure 1 notebook, {pkg} the package folder. All
# exit with status 2 and write nothing.
CLI_CASES: list[tuple[str, str, str]] = [
    ('run: no such notebook',
     'run {tmp}/nope.md',
     'no notebook at {tmp}/nope.md'),
    ('params: no such notebook',
     'params {tmp}/nope.md',
     'no notebook at {tmp}/nope.md'),
    ('run: unknown parameter',
     'run {fig1} -p m 3',
     "unknown parameter 'm' for seddik_fig1.md; known parameters: n, context_length, concentration, seed, progress"),
    ('run: wrong type',
     'run {fig1} -p n many',
     "parameter 'n' must be an int in [2, 20000], got 'many'"),
    ('run: below range',
     'run {fig1} -p n 1',
     "parameter 'n' must be an int in [2, 20000], got 1"),
    ('run: above range',
     'run {fig1} -p context_length 7',
     "parameter 'context_length' must be an int in [1, 6], got 7"),
    ('run: float for int',
     'run {fig1} -p n 2.5',
     "parameter 'n' must be an int in [2, 20000], got '2.5'"),
    ('run: bool parameter',
     'run {fig1} -p progress maybe',
     "parameter 'progress' must be true or false (also yes/no, on/off, 1/0), got 'maybe'"),
    ('run: open range bound',
     'run {fig1} -p concentration 0',
     "parameter 'concentration' must be a float in [0.1, 100], got 0.0"),
    ('run: parameter twice',
     'run {fig1} -p n 3 -p n 4',
     "parameter 'n' given twice"),
    ('run: unknown profile',
     'run {fig1} --profile huge',
     "profile 'huge' is not defined for seddik_fig1.md; choose one of {book, paper, quick}"),
    ('run: output is a file',
     'run {fig1} --profile quick -o {file}',
     'output directory {file}/seddik_fig1 lies under the file {file}, not a directory; choose another path'),
    ('run: output inside the package',
     'run {fig1} --profile quick -o {pkg}/runs',
     'output directory {pkg}/runs/seddik_fig1 is inside the collapse package ({pkg}); choose a directory outside it, e.g. runs/'),
    ('run: output not writable',
     'run {fig1} --profile quick -o /sys/collapse-test',
     'output directory /sys/collapse-test/seddik_fig1 is not writable (Operation not permitted); choose another path'),
    ('train-recursive: scheme',
     'train-recursive --scheme randomly -o {tmp}',
     "scheme must be one of {fully, partially, most-recent, accumulate} for the LM pipeline, got 'randomly'"),
    ('train-recursive: profile',
     'train-recursive --profile gpu -o {tmp}',
     "profile must be one of {paper, cpu, quick}, got 'gpu'"),
    ('train-recursive: unknown setting',
     'train-recursive --profile quick --set epochs 3 -o {tmp}',
     "unknown setting 'epochs'; settings: K, N, attention, batch_size, beta2, block_size, compile, contexts, dropout, eval_interval, eval_windows, generations, grad_clip, learning_rate, lr_decay, max_iters, min_lr, n, n_embd, n_head, n_layer, seed, train_seed, warmup_iters, weight_decay, window"),
    ('train-recursive: n=0',
     'train-recursive --profile quick --set n 0 -o {tmp}',
     'n must be an integer in [1, 1000000], got 0'),
    ('train-recursive: generations=0',
     'train-recursive --profile quick --set generations 0 -o {tmp}',
     'generations must be an integer in [1, 1000], got 0'),
    ('train-recursive: max_iters text',
     'train-recursive --profile quick --set max_iters lots -o {tmp}',
     "max_iters must be an integer, got 'lots'"),
    ('train-recursive: device',
     'train-recursive --profile quick --device tpu -o {tmp}',
     "device must be 'auto', 'cpu' or 'cuda', got 'tpu'"),
    ('train-recursive: checkpoint-every=0',
     'train-recursive --profile quick --checkpoint-every 0 -o {tmp}',
     'checkpoint_every must be an integer >= 1, got 0'),
    ('train-recursive: output is a file',
     'train-recursive --profile quick -o {file}',
     'output directory {file} is a file, not a directory; choose another path'),
    ('train-recursive: output under a file',
     'train-recursive --profile quick -o {file}/run',
     'output directory {file}/run lies under the file {file}, not a directory; choose another path'),
    ('train-recursive: output inside the package',
     'train-recursive --profile quick -o {pkg}/gpt/run',
     'output directory {pkg}/gpt/run is inside the collapse package ({pkg}); choose a directory outside it, e.g. runs/'),
    ('train-stories: paradigm',
     'train-stories --paradigm mix -o {tmp}',
     "paradigm must be one of {replace, accumulate-subsample}, got 'mix'"),
    ('train-stories: model',
     'train-stories --model 2m -o {tmp}',
     "model must be one of {1m, 33m}, got '2m'"),
    ('train-stories: N too many',
     'train-stories --profile quick --set N 99999 -o {tmp}',
     'N must be an integer in [1, 11534], got 99999'),
    ('train-stories: vocabulary',
     'train-stories --profile quick --set vocabulary tiny -o {tmp}',
     "vocabulary must be one of {full, compact}, got 'tiny'"),
    ('train-stories: output is a file',
     'train-stories --profile quick -o {file}',
     'output directory {file} is a file, not a directory; choose another path'),
]
if not torch.cuda.is_available():
    CLI_CASES.append(("train-recursive: cuda without CUDA",
                      "train-recursive --profile quick --device cuda -o {tmp}",
                      "device 'cuda' was requested but CUDA is not available here; use 'cpu' "
                      "or 'auto'"))


CLI_CASES += [case for _, cli in CLASSES.values() for case in cli]
FIG1_SOURCE = (ROOT / "notebooks" / "seddik_fig1.md").read_text()


def _hostile_files(tmp_path: Path) -> dict[str, str]:
    """Files the tracebacks-and-internals cases read: {placeholder: path}."""
    made = {"{binary}": tmp_path / "binary.md", "{badcell}": tmp_path / "badcell.md",
            "{badprofiles}": tmp_path / "badprofiles.md", "{fivecells}": tmp_path / "five.ipynb",
            "{loop}": tmp_path / "loop1"}
    made["{binary}"].write_bytes(b"\x00\x01\xff\xfe")
    made["{badcell}"].write_text(FIG1_SOURCE.replace("n: int = 1000 ", "n: int = ( "))
    made["{badprofiles}"].write_text(FIG1_SOURCE.replace(
        "  profiles:\n    paper: {}\n    quick: {n: 100, context_length: 2}", "  profiles: [1, 2]"))
    made["{fivecells}"].write_text('{"cells": 5}')
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    return {key: str(path) for key, path in made.items()}


@pytest.mark.parametrize(("command", "message"), [c[1:] for c in CLI_CASES],
                         ids=[c[0] for c in CLI_CASES])
def test_cli_rejects(command: str, message: str, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "a-file"
    file.write_text("not a directory\n")
    out = tmp_path / "out"
    fill = {"{tmp}": str(out), "{file}": str(file), "{fig1}": FIG1, "{pkg}": str(PACKAGE_DIR),
            "{nb}": str(ROOT / "notebooks"), **_hostile_files(tmp_path)}
    for key, value in fill.items():
        command, message = command.replace(key, value), message.replace(key, value)
    assert main(command.split(" ")) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"collapse: error: {message}"]
    assert not out.exists()  # nothing written
    assert not (PACKAGE_DIR / "runs").exists() and not (PACKAGE_DIR / "gpt" / "run").exists()


def test_the_suite_is_large_enough() -> None:
    assert len(API_CASES) + len(CLI_CASES) >= 50
    for name, (api, cli) in CLASSES.items():  # every class of the hostile test, three or more
        assert len(api) + len(cli) >= 3, name
