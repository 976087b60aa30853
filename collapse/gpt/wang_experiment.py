"""Wang et al.'s recursive GPT-Neo experiment on TinyStories (Figures 2 and 3), at any scale.

Generation 1 trains on N real training stories; generation m ≥ 2 trains on what the scheme
assigns: **Replace** (= :class:`~collapse.schemes.FullySynthetic`, what the authors ran) takes the
N stories sampled from generation m − 1; **Accumulate-Subsample** (rate k, the extension they
never ran) takes a uniform subsample of N stories from the corpus of the real stories and every
earlier generation's kN sampled stories. Each generation starts from a fresh random
initialisation. Stories are sampled from ``<|endoftext|>`` at temperature 1 without top-k, up to
``max_new_tokens`` tokens.

Per generation: perplexity on validation stories (each story scored separately), the model's
p(was | there) and p(were | there) (mean next-token probability of " was" / " were" over real
validation contexts ending in "there"), the same statistic counted on the generation's training
data, and a few decoded sample stories. Checkpoints, resume and provenance as in
:mod:`collapse.gpt.recursive`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from collapse.gpt.data import eval_windows
from collapse.gpt.model import GPT
from collapse.gpt.recursive import check_or_write_config, split_profile
from collapse.gpt.stories import (
    NEO_1M,
    NEO_33M,
    decode,
    encode_batch,
    load_stories,
    predicted_there,
    sample_stories,
    story_perplexity,
    stream,
    there_contexts,
    there_statistic,
)
from collapse.gpt.train import TrainConfig, pick_device, train
from collapse.provenance import stamp, write_json_atomic
from collapse.schemes import AccumulateSubsample, FullySynthetic, Scheme
from collapse.validation import check_float, check_int

MODELS = {"1m": NEO_1M, "33m": NEO_33M}
PARADIGMS = ("replace", "accumulate-subsample")

PROFILES: dict[str, dict[str, Any]] = {
    # the authors' scale (a GPU job): all 11,534 of our training stories per generation
    "paper": {"train": {"max_iters": 3000, "batch_size": 320}, "N": 11534, "generations": 40,
              "val_stories": 1000, "max_new_tokens": 511},
    # CPU scale, minutes per generation
    # CPU scale: the 50,257-way output layer dominates (about 0.8 s per iteration of 512
    # tokens on one core), so this is a small fraction of the authors' training; a learning
    # rate of 3e-3 (not their 5e-4) so that 200 iterations get somewhere
    "cpu": {"train": {"block_size": 64, "max_iters": 200, "batch_size": 8, "warmup_iters": 20,
                      "eval_interval": 50, "eval_windows": 32, "learning_rate": 3e-3},
            "N": 600, "generations": 4, "val_stories": 200, "max_new_tokens": 63},
    # seconds, for the tests
    "quick": {"train": {"block_size": 32, "n_layer": 2, "n_head": 2, "n_embd": 16,
                        "max_iters": 20, "batch_size": 8, "warmup_iters": 2,
                        "eval_interval": 10, "eval_windows": 8, "window": 8},
              "N": 40, "generations": 2, "val_stories": 20, "max_new_tokens": 31},
}


@dataclass(frozen=True)
class StoriesConfig:
    model: str = "1m"
    paradigm: str = "replace"
    k: float = 1.0
    N: int = 1000  # training stories per generation (= |D0|)
    generations: int = 5
    val_stories: int = 200
    max_new_tokens: int = 127
    there_contexts: int = 300
    samples_shown: int = 3
    seed: int = 0
    train: TrainConfig = field(default_factory=lambda: NEO_1M)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {{{', '.join(MODELS)}}}, got {self.model!r}")
        if self.paradigm not in PARADIGMS:
            raise ValueError(f"paradigm must be one of {{{', '.join(PARADIGMS)}}}, "
                             f"got {self.paradigm!r}")
        check_float("k", self.k, low=0.0, low_open=True)
        check_int("N", self.N, low=1, high=11534)
        check_int("generations", self.generations, low=1)
        check_int("val_stories", self.val_stories, low=1, high=1000)
        check_int("max_new_tokens", self.max_new_tokens, low=1, high=self.train.block_size - 1)
        self.make_scheme()

    def make_scheme(self) -> Scheme:
        if self.paradigm == "replace":
            return FullySynthetic(self.N)
        return AccumulateSubsample(self.N, self.k)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_profile(cls, profile: str, **overrides: Any) -> StoriesConfig:
        """A named profile (``paper``, ``cpu``, ``quick``) with field overrides."""
        model = overrides.get("model", "1m")
        if model not in MODELS:
            raise ValueError(f"model must be one of {{{', '.join(MODELS)}}}, got {model!r}")
        train, top = split_profile(PROFILES, profile, overrides, cls,
                                   train_base=MODELS[model].to_dict())
        return cls(train=TrainConfig(**train), **top)


def _source_sizes(scheme: Scheme, generations: int) -> dict[int, int]:
    """How many stories each source t holds (t = 0: the real stories)."""
    if isinstance(scheme, AccumulateSubsample):
        sizes = scheme.corpus_sizes(generations)
        return {t: int(s) for t, s in enumerate(sizes)}
    assert isinstance(scheme, FullySynthetic)
    return {t: scheme.n for t in range(generations)}


COLUMNS = ("generation", "perplexity", "p_was_model", "p_were_model", "p_was_data",
           "p_were_data", "train_stories", "train_tokens", "wall_seconds")


def run_stories_recursive(config: StoriesConfig, out_dir: str | Path, *, device: str = "auto",
                          checkpoint_every: int = 50, progress: bool | None = None
                          ) -> dict[str, Any]:
    """Run (or resume) the experiment in ``out_dir``; returns the results dictionary."""
    out = Path(out_dir)
    cfg = config.train
    scheme = config.make_scheme()
    check_or_write_config(out, config.to_dict(), device)
    dev = pick_device(device)
    rng = np.random.default_rng(config.seed)
    real = encode_batch(load_stories("train"))
    real = [real[i] for i in rng.permutation(len(real))[: config.N]]
    val = encode_batch(load_stories("validation")[: config.val_stories])
    val_stream = stream(val)
    val_x, val_y = eval_windows(val_stream, cfg.block_size, cfg.eval_windows,
                                            config.seed + 7)
    contexts = there_contexts(val, length=min(16, cfg.block_size), limit=config.there_contexts)
    sizes = _source_sizes(scheme, config.generations)

    def gen_dir(m: int) -> Path:
        return out / f"gen_{m:03d}"

    def source(t: int) -> list[list[int]]:
        if t == 0:
            return real
        return json.loads((gen_dir(t) / "stories.json").read_text())

    rows: list[dict[str, Any]] = []
    samples: dict[str, list[str]] = {}
    start_time = time.perf_counter()
    for m in tqdm(range(1, config.generations + 1), desc=scheme.label(), unit="gen",
                  disable=(None if progress is None else not progress)):
        d = gen_dir(m)
        d.mkdir(parents=True, exist_ok=True)
        metrics_path = d / "metrics.json"
        if not metrics_path.exists():
            t0 = time.perf_counter()
            pick = np.random.default_rng([config.seed, m])
            data: list[list[int]] = []
            for t, count in enumerate(scheme.counts(m, pick)):
                if count:
                    pool = source(t)
                    take = pick.choice(len(pool), size=int(count), replace=False)
                    data += [pool[i] for i in sorted(take)]
            model, _ = train(cfg, stream(data), val_x, val_y, seed=config.seed * 1000 + m,
                             device=dev, checkpoint=d / "partial.pt",
                             checkpoint_every=checkpoint_every, progress=progress,
                             desc=f"generation {m}")
            p_was, p_were = predicted_there(model, contexts)
            data_stat = there_statistic(data)
            if m < config.generations and sizes.get(m, 0):
                made = sample_stories(model, sizes[m], max_new_tokens=config.max_new_tokens,
                                      seed=config.seed * 1000 + 500 + m)
                write_json_atomic(d / "stories.json", made)  # type: ignore[arg-type]
                shown = made[: config.samples_shown]
            else:
                shown = sample_stories(model, config.samples_shown,
                                       max_new_tokens=config.max_new_tokens,
                                       seed=config.seed * 1000 + 500 + m)
            record = {
                "generation": m,
                "perplexity": story_perplexity(model, val),
                "p_was_model": p_was, "p_were_model": p_were,
                "p_was_data": data_stat.p_was, "p_were_data": data_stat.p_were,
                "train_stories": len(data), "train_tokens": int(sum(len(s) for s in data)),
                "wall_seconds": round(time.perf_counter() - t0, 3),
                "samples": [decode(s) for s in shown],
            }
            write_json_atomic(metrics_path, record)
            (d / "partial.pt").unlink(missing_ok=True)
        record = json.loads(metrics_path.read_text())
        samples[str(m)] = record.pop("samples")
        rows.append(record)
        real_stat = there_statistic(real)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        (out / "results.csv.tmp").write_text(buffer.getvalue())
        (out / "results.csv.tmp").replace(out / "results.csv")
        write_json_atomic(out / "results.json", {
            "scheme": scheme.label(), "config": config.to_dict(), "rows": rows,
            "samples": samples,
            "corpus": {"p_was": real_stat.p_was, "p_were": real_stat.p_were,
                       "there": real_stat.there},
            "parameters": GPT(cfg.model_config()).num_parameters(),
            "provenance": stamp(device=(torch.cuda.get_device_name(dev) if dev.type == "cuda"
                                        else "cpu"), torch_threads=torch.get_num_threads(),
                                wall_seconds_this_call=round(time.perf_counter() - start_time,
                                                             3)),
        })
    return json.loads((out / "results.json").read_text())
