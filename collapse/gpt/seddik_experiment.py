"""Recursive training of GPT models on each other's samples (Seddik et al. §4.1, Figure 5).

Generation 0 is trained on tiny Shakespeare and is the ground truth p^(0). "Real data" is a fixed
set of N sequences sampled from p^(0). Generation m ≥ 1 is trained from scratch on the data a
:mod:`collapse.schemes` scheme assigns to it (``scheme.counts(m)``: how many sequences from the
real data, t = 0, and from the corpus sampled once from each earlier model t). Every sequence is
a newline followed by block_size sampled characters.

Per generation we record the validation loss on held-out tiny Shakespeare text and on held-out
samples of p^(0), and the mean over 300 contexts sampled from p^(0) of ‖p^(m)(·|c) − p^(1)(·|c)‖₁.

Layout of the output directory (every file written atomically)::

    config.json                the run's configuration (a resume must match it) + provenance
    run.json                   running | complete | interrupted | failed, PID, times
    .lock                      held (flock) by the one process writing the directory
    gen_000/model.pt           p^(0);  gen_000/real.npy, contexts.npy, p0_val.npy
    gen_00m/model.pt           generation m;  gen_00m/corpus.npy (its samples, if used later)
    gen_00m/partial.pt         mid-training checkpoint (deleted when the generation is done)
    gen_00m/metrics.json       marks generation m as complete; checksums of its files
    results.csv, results.json  one row per completed generation, with provenance

The generation loop itself (checkpoints, resume, results) is :mod:`collapse.gpt.driver`'s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from collapse.gpt.data import CharTokenizer, eval_windows, load_shakespeare, split_stream
from collapse.gpt.driver import (
    build_config,
    gen_dir,
    profile_column,
    run_generations,
    settable_types,
)
from collapse.gpt.model import GPT
from collapse.gpt.sample import sample_sequences
from collapse.gpt.train import (
    MAX_GENERATIONS,
    MAX_SEED,
    TrainConfig,
    evaluate_loss,
    next_token_distributions,
)
from collapse.rundir import atomic_write, read_run_file
from collapse.schemes import Scheme, make_scheme
from collapse.validation import check_int

LM_SCHEMES = ("fully", "partially", "most-recent", "accumulate")
"""Schemes with deterministic counts n_t^(m), which the LM pipeline supports."""

PROFILE_NAMES = ("paper", "cpu", "quick")
PROFILES: dict[str, tuple[Any, Any, Any]] = {
    # Every setting of a run, one row each: (paper, cpu, quick). `paper` is Seddik et al.
    # Table 1 (a GPU job; data sizes are not in the paper: ours are 10,000 sequences of 129
    # characters, about the size of tiny Shakespeare). `cpu` is nanoGPT's CPU recipe for tiny
    # Shakespeare (4 layers × 128, context 64, batch 12, learning rate 1e-3 decayed to 1e-4, no
    # dropout) with 3000 iterations instead of 2000: at 2000 our ground truth stopped at 1.903
    # nats on held-out text (nanoGPT reports about 1.88 on its noisier estimate); a few minutes
    # a generation on 2 cores. `quick` takes seconds: what the tests run.
    # setting          paper     cpu      quick
    "n":             (10_000,   5000,    64),     # synthetic sequences per generation
    "N":             (10_000,   5000,    64),     # real sequences (samples of p^(0))
    "K":             (2,        2,       2),      # window of Most Recent K
    "generations":   (10,       10,      3),      # models 1..generations after the ground truth
    "contexts":      (300,      300,     300),    # contexts sampled from p^(0) for the deviation
    "seed":          (0,        0,       0),
    "train_seed":    (0,        0,       0),      # k ≥ 1: same data, another training seed
    "block_size":    (128,      64,      16),     # characters of context
    "n_layer":       (8,        4,       1),
    "n_head":        (4,        4,       2),
    "n_embd":        (256,      128,     32),
    "dropout":       (0.2,      0.0,     0.0),
    "attention":     ("sdpa",   "sdpa",  "sdpa"),
    "window":        (0,        0,       0),      # 0: global attention in every layer
    "learning_rate": (1e-3,     1e-3,    1e-3),
    "batch_size":    (256,      12,      16),
    "max_iters":     (2000,     3000,    30),
    "warmup_iters":  (100,      100,     5),
    "lr_decay":      ("none",   "cosine", "none"),
    "min_lr":        (0.0,      1e-4,    0.0),
    "weight_decay":  (0.1,      0.1,     0.1),
    "beta2":         (0.99,     0.99,    0.99),
    "grad_clip":     (1.0,      1.0,     1.0),
    "eval_interval": (250,      250,     15),
    "eval_windows":  (256,      256,     32),
    "compile":       (False,    False,   False),
}
DERIVED = {"vocab_size": "it is the number of distinct characters of tiny Shakespeare (65)",
           "align_token": "it is used by train-stories' story_windows only"}
"""Fields of the configuration that follow from the data, not from a setting."""
OPTIONS = {"scheme": "--scheme"}
MAX_SEQUENCES = 1_000_000
"""Sequences sampled per generation at most (10^6 × 129 characters is 40 times tiny
Shakespeare; the corpus of each generation is kept in memory)."""


def profile_settings(profile: str) -> dict[str, Any]:
    """The row values of ``profile``: every setting of a run."""
    return profile_column(PROFILES, PROFILE_NAMES, profile)


def setting_types() -> dict[str, type]:
    """Every settable name and its type (from the config classes' fields)."""
    return settable_types(RecursiveConfig, set(OPTIONS) | set(DERIVED))


@dataclass(frozen=True)
class RecursiveConfig:
    """One recursive experiment: a scheme, sizes (in sequences) and the training config."""

    scheme: str = "fully"
    n: int = 10_000  # synthetic sequences per generation
    N: int = 10_000  # real sequences (samples of p^(0)), used by Partially Synthetic
    K: int = 2  # window of Most Recent K
    generations: int = 10  # models 1..generations after the ground truth
    contexts: int = 300  # contexts sampled from p^(0) for the deviation
    seed: int = 0
    train_seed: int = 0  # 0: training seeded by `seed`; k ≥ 1: the same data, another seed
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.scheme not in LM_SCHEMES:
            raise ValueError(f"scheme must be one of {{{', '.join(LM_SCHEMES)}}} for the LM "
                             f"pipeline, got {self.scheme!r}")
        check_int("n", self.n, low=1, high=MAX_SEQUENCES)
        check_int("N", self.N, low=1, high=MAX_SEQUENCES)
        check_int("K", self.K, low=1)
        check_int("generations", self.generations, low=1, high=MAX_GENERATIONS)
        check_int("contexts", self.contexts, low=1, high=100_000)
        check_int("seed", self.seed, low=0, high=MAX_SEED)
        check_int("train_seed", self.train_seed, low=0, high=1000)
        self.make_scheme()  # validates the scheme's own parameters

    def make_scheme(self) -> Scheme:
        params = {"fully": {"n": self.n}, "partially": {"n": self.n, "N": self.N},
                  "most-recent": {"n": self.n, "K": self.K},
                  "accumulate": {"n": self.n, "N": self.N}}[self.scheme]
        return make_scheme(self.scheme, **params)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_profile(cls, profile: str, **overrides: Any) -> RecursiveConfig:
        """A named profile (``paper``, ``cpu``, ``quick``: the columns of :data:`PROFILES`) with
        field overrides (``scheme`` among them)."""
        values = profile_settings(profile)
        unknown = sorted(set(overrides) - set(values) - set(OPTIONS))
        if unknown:
            raise ValueError(f"unknown setting '{unknown[0]}'; settings: "
                             f"{', '.join(sorted(setting_types()))}")
        return build_config(cls, {**values, **overrides})


def _needed_sizes(scheme: Scheme, generations: int) -> dict[int, int]:
    """For each source t, the most sequences any generation 1..G takes from it."""
    need: dict[int, int] = {}
    for m in range(1, generations + 1):
        for t, count in enumerate(scheme.counts(m)):
            if count:
                need[t] = max(need.get(t, 0), int(count))
    return need


def _save_npy(path: Path, array: np.ndarray) -> None:
    atomic_write(path, lambda handle: np.save(handle, array))


COLUMNS = ("generation", "deviation_l1", "deviation_from_p0_l1", "val_loss_text", "val_loss_p0",
           "train_loss", "train_sequences", "wall_seconds")


class ShakespeareExperiment:
    """Seddik et al. §4.1 as a :class:`collapse.gpt.driver.Experiment`."""

    first_generation = 0
    columns = COLUMNS
    record_fields: ClassVar[dict[str, type | tuple[type, ...]]] = {
        "train_sequences": int, "val_loss_text": (int, float), "val_loss_p0": (int, float)}

    def __init__(self, config: RecursiveConfig) -> None:
        self.config = config
        self.scheme: Scheme = config.make_scheme()
        self.label = self.scheme.label()
        self.needed = _needed_sizes(self.scheme, config.generations)

    def prepare(self, out: Path, device: torch.device) -> None:
        cfg = self.config.train
        self.out, self.device = out, device
        text = load_shakespeare()
        tokenizer = CharTokenizer.from_text(text)
        if tokenizer.vocab_size != cfg.vocab_size:
            raise ValueError(f"vocab_size {cfg.vocab_size} does not match the corpus "
                             f"({tokenizer.vocab_size} characters)")
        self.train_text, val_text = split_stream(tokenizer.encode(text))
        if len(val_text) <= cfg.block_size:
            raise ValueError(f"block_size must be < {len(val_text)} (the held-out text), "
                             f"got {cfg.block_size}")
        self.text_val = eval_windows(val_text, cfg.block_size, cfg.eval_windows,
                                     self.config.seed + 7)
        self.newline = int(tokenizer.encode("\n")[0])

    def validation(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Generation 0 on held-out Shakespeare; later ones on held-out samples of p^(0)."""
        if m == 0:
            return self.text_val
        p0_val = torch.as_tensor(self._load(0, "p0_val.npy"))
        return p0_val[:, :-1], p0_val[:, 1:]

    def _load(self, m: int, name: str) -> np.ndarray:
        """A sample file of generation m's folder, its shape checked (DamagedFileError else)."""
        width = self.config.train.block_size + (0 if name == "contexts.npy" else 1)
        rows = {"contexts.npy": self.config.contexts,
                "p0_val.npy": self.config.train.eval_windows}.get(name, 1)

        def problem(a: np.ndarray) -> str | None:
            if a.ndim != 2 or a.shape[1] != width or a.shape[0] < rows:
                return (f"holds an array of shape {a.shape}, expected at least ({rows}, "
                        f"{width})")
            if not np.issubdtype(a.dtype, np.integer):
                return f"holds {a.dtype} values, expected token ids"
            return None

        return read_run_file(gen_dir(self.out, m) / name, np.load, check=problem,
                             remedy=f"remove {gen_dir(self.out, m)} (and the generations after "
                                    f"it) to recompute generation {m}")

    def training_data(self, m: int) -> tuple[np.ndarray, dict[str, Any]]:
        if m == 0:
            return self.train_text, {"train_sequences": 0}
        parts = [self._load(t, "real.npy" if t == 0 else "corpus.npy")[:count]
                 for t, count in enumerate(self.scheme.counts(m)) if count]
        data = np.concatenate(parts)
        return data, {"train_sequences": len(data)}

    def _sample(self, model: GPT, count: int, seed: int, progress: bool) -> np.ndarray:
        return sample_sequences(model, count, self.newline, seed=self.config.seed * 1000 + seed,
                                device=self.device, progress=progress,
                                desc=f"sampling {count} sequences").numpy()

    def after_training(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        d, cfg = gen_dir(self.out, m), self.config.train
        if m == 0:  # real data, contexts and a held-out sample of p^(0)
            real = self._sample(model, self.needed.get(0, self.config.N), 101, progress)
            _save_npy(d / "real.npy", real)
            starts = self._sample(model, self.config.contexts, 102, progress)
            _save_npy(d / "contexts.npy", starts[:, : cfg.block_size])
            _save_npy(d / "p0_val.npy", self._sample(model, cfg.eval_windows, 103, progress))
        elif m in self.needed and m < self.config.generations:
            self.sample_for_later(m, model, progress)
        p0_val = torch.as_tensor(self._load(0, "p0_val.npy"))
        contexts = torch.as_tensor(self._load(0, "contexts.npy"))
        torch.save(next_token_distributions(model, contexts), d / "next_token.pt")
        return {"val_loss_text": evaluate_loss(model, *self.text_val),
                "val_loss_p0": evaluate_loss(model, p0_val[:, :-1], p0_val[:, 1:])}

    def sample_for_later(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        _save_npy(gen_dir(self.out, m) / "corpus.npy",
                  self._sample(model, self.needed[m], 200 + m, progress))
        return {}

    def missing_samples(self, m: int) -> bool:
        return m >= 1 and m in self.needed and not (gen_dir(self.out, m) / "corpus.npy").exists()

    def results(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """‖p^(m) − p^(1)‖₁ and ‖p^(m) − p^(0)‖₁, averaged over the contexts sampled from p^(0)."""
        probs = {r["generation"]: read_run_file(
            gen_dir(self.out, r["generation"]) / "next_token.pt",
            lambda p: torch.load(p, weights_only=True),
            remedy=f"remove {gen_dir(self.out, r['generation'])} to recompute that generation")
            for r in rows}
        for r in rows:
            p = probs[r["generation"]]
            r["deviation_l1"] = (float((p - probs[1]).abs().sum(dim=1).mean()) if 1 in probs
                                 else float("nan"))
            r["deviation_from_p0_l1"] = float((p - probs[0]).abs().sum(dim=1).mean())
        return {}


def run_recursive(config: RecursiveConfig, out_dir: str | Path, *, device: str = "auto",
                  checkpoint_every: int = 50, progress: bool | None = None) -> dict[str, Any]:
    """Run (or resume) the experiment in ``out_dir``; returns the results dictionary.

    A directory holding a run with a different configuration is refused (nothing is
    overwritten). Killing the process at any point loses at most ``checkpoint_every``
    iterations; running the same call again continues and, on CPU, ends with the same numbers.
    """
    return run_generations(ShakespeareExperiment(config), out_dir, device=device,
                           checkpoint_every=checkpoint_every, progress=progress)
