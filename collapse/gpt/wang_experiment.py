"""Wang et al.'s recursive GPT-Neo experiment on TinyStories (Figures 2 and 3), at any scale.

Generation 1 trains on N real training stories; generation m ≥ 2 trains on what the scheme
assigns: **Replace** (= :class:`~collapse.schemes.FullySynthetic`, what the authors ran) takes the
N stories sampled from generation m − 1; **Accumulate-Subsample** (rate k, the extension they
never ran) takes a uniform subsample of N stories from the corpus of the real stories and every
earlier generation's kN sampled stories. Each generation starts from a fresh random
initialisation. Stories are sampled after ``<|endoftext|>`` at temperature 1 without top-k, up
to ``max_new_tokens`` tokens; whether each ended by itself is recorded.

Per generation (:func:`collapse.gpt.stories.evaluate_stories`): perplexity on the validation
stories, the model's p(was | there) and p(were | there) at every "there" of the validation
stories with its whole prefix, the corpus value on the same occurrences, the statistic counted
on the generation's training data, the share of sampled stories that ended by themselves and
their mean length, and a few decoded samples. The generation loop is
:mod:`collapse.gpt.driver`'s.

All stored stories are GPT-2 ids; with ``vocabulary="compact"`` (the ``cpu`` profile) the model
works in the ids of :class:`~collapse.gpt.vocabulary.Vocabulary` built from the real training
stories.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from collapse.gpt.data import eval_windows
from collapse.gpt.driver import (
    build_config,
    gen_dir,
    profile_column,
    run_generations,
    settable_types,
)
from collapse.gpt.model import GPT
from collapse.gpt.stories import (
    END_OF_TEXT_ID,
    NEO_1M,
    NEO_33M,
    NEO_SHAPES,
    VOCAB_SIZE,
    SampledStories,
    decode,
    encode_batch,
    evaluate_stories,
    load_stories,
    sample_stories,
    stream,
    there_statistic,
)
from collapse.gpt.train import MAX_GENERATIONS, MAX_SEED, TrainConfig
from collapse.gpt.vocabulary import Vocabulary
from collapse.provenance import write_json_atomic
from collapse.rundir import read_json
from collapse.schemes import AccumulateSubsample, FullySynthetic, Scheme
from collapse.validation import check_int

MODELS = {"1m": NEO_1M, "33m": NEO_33M}
PARADIGMS = ("replace", "accumulate-subsample")
VOCABULARIES = ("full", "compact")

PROFILE_NAMES = ("paper", "cpu", "quick")
PROFILES: dict[str, tuple[Any, Any, Any]] = {
    # Every setting of a run, one row each: (paper, cpu, quick).
    # `paper`: the authors' settings as far as our data allows (a GPU job): GPT-Neo-1M's shape
    # (8 layers × 64, 16 heads, local attention over 256 positions in odd layers; `--model 33m`
    # takes 33M's 4 × 768 instead), all 11,534 of our training stories per generation, 3 epochs
    # at their constant learning rate 5e-4 and batch of 320 stories (≈ 128 packed windows of
    # 512 tokens): 3 × 2.33M / (128 × 512) ≈ 107 iterations.
    # `cpu`, for 2 CPU cores: a 4 × 128 miniature (4 heads of 32, GPT-Neo's local attention in
    # odd layers) over the compact vocabulary (3x faster than 50,257 outputs), whole stories
    # (context 512: 98 % of real stories fit; training windows open with a story, as sampling
    # does), all 11,534 training stories per generation seen about 1.6 times (900 iterations
    # of 8 × 512 token positions), learning rate 6e-3 with warm-up, cosine-decayed to 6e-4.
    # Measured against the GPT-Neo-1M shape (8 × 64) with 4 heads at the same cost per token:
    # 4 × 128 trains as fast on 2 cores and learns more per token. Generation 1 at this
    # setting, scored on all 1,000 validation stories: perplexity 35.3, p(was | there) 0.82,
    # 99.5 % of sampled stories end by themselves; 6,000 stories and 450 iterations gave
    # perplexity 57.  `quick`: seconds, for the tests.
    # setting           paper       cpu          quick
    "model":          ("1m",      "1m",        "1m"),     # the GPT-Neo shape of `paper`
    "k":              (1.0,       1.0,         1.0),      # Accumulate-Subsample's rate
    "N":              (11534,     11534,       40),       # training stories per generation
    "generations":    (40,        10,          2),
    "val_stories":    (1000,      1000,        20),
    "max_new_tokens": (511,       511,         63),       # longest sampled story
    "vocabulary":     ("full",    "compact",   "compact"),
    "story_windows":  (True,      True,        True),     # training windows open a story
    "samples_shown":  (3,         3,           3),
    "seed":           (0,         0,           0),
    "train_seed":     (0,         0,           0),  # k ≥ 1: same data, another training seed
    "block_size":     (512,       512,         64),
    "n_layer":        (8,         4,           2),
    "n_head":         (16,        4,           2),
    "n_embd":         (64,        128,         16),
    "dropout":        (0.0,       0.0,         0.0),
    "attention":      ("sdpa",    "sdpa",      "sdpa"),
    "window":         (256,       256,         8),        # local attention in odd layers
    "learning_rate":  (5e-4,      6e-3,        5e-4),
    "batch_size":     (128,       8,           8),
    "max_iters":      (107,       900,         20),
    "warmup_iters":   (0,         30,          2),
    "lr_decay":       ("none",    "cosine",    "none"),
    "min_lr":         (0.0,       6e-4,        0.0),
    "weight_decay":   (0.1,       0.1,         0.1),
    "beta2":          (0.95,      0.95,        0.95),
    "grad_clip":      (1.0,       1.0,         1.0),
    "eval_interval":  (250,       100,         10),
    "eval_windows":   (256,       16,          8),
    "compile":        (False,     False,       False),
}
MODEL_SHAPES = NEO_SHAPES
"""GPT-Neo-1M and -33M (TinyStories' models); ``--model`` applies them to the paper profile."""
DERIVED = {"vocab_size": "it follows from vocabulary (full: 50,257 GPT-2 ids; compact: the ids "
                         "of the real training stories)",
           "align_token": "it follows from story_windows (the model id of <|endoftext|>)"}
OPTIONS = {"paradigm": "--paradigm", "model": "--model"}


def profile_settings(profile: str) -> dict[str, Any]:
    """The row values of ``profile``: every setting of a run but the derived ones."""
    return profile_column(PROFILES, PROFILE_NAMES, profile)


def setting_types() -> dict[str, type]:
    """Every name ``--set`` accepts and its type."""
    return settable_types(StoriesConfig, set(OPTIONS) | set(DERIVED))


@lru_cache(maxsize=1)
def real_stories() -> tuple[list[list[int]], list[list[int]]]:
    """(training, validation) stories as GPT-2 ids (11,534 and 1,000; a few seconds)."""
    return encode_batch(load_stories("train")), encode_batch(load_stories("validation"))


def make_vocabulary(kind: str) -> Vocabulary:
    """``full``: all 50,257 GPT-2 ids; ``compact``: the ids of the real training stories and
    ``<|endoftext|>``, plus the unseen id (:mod:`collapse.gpt.vocabulary`)."""
    if kind == "full":
        return Vocabulary.full(VOCAB_SIZE)
    if kind == "compact":
        return Vocabulary.from_token_lists(real_stories()[0], VOCAB_SIZE,
                                           always=[END_OF_TEXT_ID])
    raise ValueError(f"vocabulary must be one of {{{', '.join(VOCABULARIES)}}}, got {kind!r}")


@dataclass(frozen=True)
class StoriesConfig:
    model: str = "1m"
    paradigm: str = "replace"
    k: float = 1.0
    N: int = 1000  # training stories per generation (= |D0|)
    generations: int = 5
    val_stories: int = 200
    max_new_tokens: int = 127
    vocabulary: str = "full"  # "compact": an output layer over the ids of the real stories
    story_windows: bool = False  # training windows start at <|endoftext|>: a story at position 0
    samples_shown: int = 3
    seed: int = 0
    train_seed: int = 0  # 0: training seeded by `seed`; k ≥ 1: the same data, another seed
    train: TrainConfig = field(default_factory=lambda: NEO_1M)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {{{', '.join(MODELS)}}}, got {self.model!r}")
        if self.paradigm not in PARADIGMS:
            raise ValueError(f"paradigm must be one of {{{', '.join(PARADIGMS)}}}, "
                             f"got {self.paradigm!r}")
        if self.vocabulary not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {{{', '.join(VOCABULARIES)}}}, "
                             f"got {self.vocabulary!r}")
        check_int("N", self.N, low=1, high=11534)
        check_int("generations", self.generations, low=1, high=MAX_GENERATIONS)
        check_int("val_stories", self.val_stories, low=1, high=1000)
        check_int("max_new_tokens", self.max_new_tokens, low=1, high=self.train.block_size - 1)
        check_int("samples_shown", self.samples_shown, low=0, high=100)
        check_int("seed", self.seed, low=0, high=MAX_SEED)
        check_int("train_seed", self.train_seed, low=0, high=1000)
        AccumulateSubsample(self.N, self.k)  # validates k (also where Replace ignores it)

    def make_scheme(self) -> Scheme:
        if self.paradigm == "replace":
            return FullySynthetic(self.N)
        return AccumulateSubsample(self.N, self.k)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_profile(cls, profile: str, paradigm: str = "replace", model: str | None = None,
                     **overrides: Any) -> StoriesConfig:
        """A named profile (``paper``, ``cpu``, ``quick``: the columns of :data:`PROFILES`) with
        field overrides; ``model`` picks a GPT-Neo shape (paper profile only), and the output
        layer and story alignment follow from the vocabulary."""
        values = profile_settings(profile)
        if model is not None and model != values["model"]:
            if model not in MODEL_SHAPES:
                raise ValueError(f"model must be one of {{{', '.join(MODELS)}}}, got {model!r}")
            if profile != "paper":
                raise ValueError(f"model {model!r} applies to the paper profile only: the "
                                 f"{profile} profile trains its own {values['n_layer']} × "
                                 f"{values['n_embd']} shape (use --profile paper)")
            values.update(MODEL_SHAPES[model], model=model)
        for name in overrides:
            if name in DERIVED:
                raise ValueError(f"{name} can't be set: {DERIVED[name]}")
            if name not in values:
                raise ValueError(f"unknown setting '{name}'; settings: "
                                 f"{', '.join(sorted(setting_types()))}")
        values.update(overrides, paradigm=paradigm)
        if values["vocabulary"] not in VOCABULARIES:  # named before the vocabulary is built
            raise ValueError(f"vocabulary must be one of {{{', '.join(VOCABULARIES)}}}, "
                             f"got {values['vocabulary']!r}")
        windows = values["story_windows"]
        if not isinstance(windows, bool):
            raise TypeError(f"story_windows must be true or false, got {windows!r} "
                            f"({type(windows).__name__})")
        vocab = make_vocabulary(values["vocabulary"])
        values["vocab_size"] = vocab.size
        end = int(vocab.to_model([END_OF_TEXT_ID])[0])
        values["align_token"] = end if values["story_windows"] else -1
        return build_config(cls, values)


def _source_sizes(scheme: Scheme, generations: int) -> dict[int, int]:
    """How many stories each source t holds (t = 0: the real stories)."""
    if isinstance(scheme, AccumulateSubsample):
        sizes = scheme.corpus_sizes(generations)
        return {t: int(s) for t, s in enumerate(sizes)}
    assert isinstance(scheme, FullySynthetic)
    return {t: scheme.n for t in range(generations)}


COLUMNS = ("generation", "perplexity", "p_was_model", "p_were_model", "p_was_data",
           "p_were_data", "ended_share", "mean_length", "train_stories", "train_tokens",
           "train_loss", "wall_seconds")

SHOWN_FROM_LAST = 200
"""Stories sampled from the last generation (no later generation needs its corpus) for the
ended share and mean length."""


class StoriesExperiment:
    """Wang et al.'s TinyStories experiment as a :class:`collapse.gpt.driver.Experiment`."""

    first_generation = 1
    columns = COLUMNS
    record_fields: ClassVar[dict[str, type | tuple[type, ...]]] = {
        **{name: (int, float) for name in ("perplexity", "p_was_model", "p_were_model",
                                           "p_was_data", "p_were_data", "ended_share",
                                           "mean_length", "p_was_val", "p_were_val")},
        "train_stories": int, "train_tokens": int, "there_val": int, "samples": list}

    def __init__(self, config: StoriesConfig) -> None:
        self.config = config
        self.scheme = config.make_scheme()
        # Wang et al.'s names: Replace is Seddik et al.'s Fully Synthetic scheme
        self.label = ("Replace" if config.paradigm == "replace"
                      else f"Accumulate-Subsample (k = {config.k:g})") + f", N = {config.N}"
        self.sizes = _source_sizes(self.scheme, config.generations)

    def prepare(self, out: Path, device: torch.device) -> None:
        cfg, c = self.config.train, self.config
        self.out = out
        self.vocab = make_vocabulary(c.vocabulary)
        if self.vocab.size != cfg.vocab_size:
            raise ValueError(f"vocab_size {cfg.vocab_size} does not match the {c.vocabulary} "
                             f"vocabulary ({self.vocab.size} ids)")
        end = int(self.vocab.to_model([END_OF_TEXT_ID])[0])
        if c.story_windows != (cfg.align_token == end):
            raise ValueError(f"story_windows={c.story_windows} needs align_token = {end} (the "
                             f"model id of <|endoftext|>), got {cfg.align_token}")
        train, val = real_stories()
        order = np.random.default_rng(c.seed).permutation(len(train))[: c.N]
        self.real = [train[i] for i in order]
        self.val = val[: c.val_stories]
        self.val_windows = eval_windows(self.vocab.to_model(stream(self.val)), cfg.block_size,
                                        cfg.eval_windows, c.seed + 7)

    def validation(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.val_windows  # windows of the real validation stories

    def _source(self, t: int) -> list[list[int]]:
        if t == 0:
            return self.real
        need = self.sizes.get(t, 0)

        def problem(stories: Any) -> str | None:
            if not isinstance(stories, list) or not all(
                    isinstance(s, list) and all(isinstance(i, int) and 0 <= i < VOCAB_SIZE
                                                for i in s) for s in stories):
                return "not a list of stories of GPT-2 token ids"
            if len(stories) < need:
                return f"holds {len(stories)} stories, this run needs {need}"
            return None

        d = gen_dir(self.out, t)
        return read_json(d / "stories.json", check=problem,
                         remedy=f"remove {d} (and the generations after it) to recompute "
                                f"generation {t}")

    def training_data(self, m: int) -> tuple[np.ndarray, dict[str, Any]]:
        pick = np.random.default_rng([self.config.seed, m])
        data: list[list[int]] = []
        for t, count in enumerate(self.scheme.counts(m, pick)):
            if count:
                pool = self._source(t)
                take = pick.choice(len(pool), size=int(count), replace=False)
                data += [pool[i] for i in sorted(take)]
        stat = there_statistic(data)
        return self.vocab.to_model(stream(data)), {
            "train_stories": len(data), "train_tokens": int(sum(len(s) for s in data)),
            "p_was_data": stat.p_was, "p_were_data": stat.p_were}

    def _sampled(self, m: int, model: GPT, count: int, progress: bool) -> SampledStories:
        return sample_stories(model, self.vocab, count, max_new_tokens=self.config.max_new_tokens,
                              seed=self.config.seed * 1000 + 500 + m, progress=progress)

    def _story_facts(self, made: SampledStories) -> dict[str, Any]:
        return {"ended_share": made.ended_share, "mean_length": made.mean_length,
                "samples": [decode(s) for s in made.stories[: self.config.samples_shown]]}

    def sample_for_later(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        made = self._sampled(m, model, self.sizes[m], progress)
        write_json_atomic(gen_dir(self.out, m) / "stories.json",
                          made.stories)  # type: ignore[arg-type]
        return self._story_facts(made)

    def missing_samples(self, m: int) -> bool:
        return self.sizes.get(m, 0) > 0 and not (gen_dir(self.out, m) / "stories.json").exists()

    def after_training(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        if m < self.config.generations and self.sizes.get(m, 0):
            stories = self.sample_for_later(m, model, progress)
        else:  # no later generation trains on these: a few, for the ended share and length
            stories = self._story_facts(self._sampled(m, model, SHOWN_FROM_LAST, progress))
        ev = evaluate_stories(model, self.vocab, self.val, progress=progress)
        return {"perplexity": ev.perplexity, "p_was_model": ev.p_was, "p_were_model": ev.p_were,
                "there_val": ev.there, "p_was_val": ev.corpus_p_was,
                "p_were_val": ev.corpus_p_were, **stories}

    def results(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        samples = {str(r["generation"]): r.pop("samples") for r in rows}
        stat = there_statistic(self.real)
        return {
            "samples": samples,
            # the real training stories of generation 1 and the validation stories
            "corpus": {"p_was": stat.p_was, "p_were": stat.p_were, "there": stat.there,
                       "mean_length": float(np.mean([len(s) for s in self.real])),
                       "p_was_val": rows[0]["p_was_val"], "p_were_val": rows[0]["p_were_val"],
                       "there_val": rows[0]["there_val"]},
            "vocabulary": {"kind": self.config.vocabulary, "size": self.vocab.size,
                           "unseen_gpt2_ids": self.vocab.unseen_count},
            "parameters": GPT(self.config.train.model_config()).num_parameters(),
        }


def run_stories_recursive(config: StoriesConfig, out_dir: str | Path, *, device: str = "auto",
                          checkpoint_every: int = 50, progress: bool | None = None
                          ) -> dict[str, Any]:
    """Run (or resume) the experiment in ``out_dir``; returns the results dictionary."""
    return run_generations(StoriesExperiment(config), out_dir, device=device,
                           checkpoint_every=checkpoint_every, progress=progress)
