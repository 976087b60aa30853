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
    gen_000/model.pt           p^(0);  gen_000/real.npy, contexts.npy, p0_val.npy
    gen_00m/model.pt           generation m;  gen_00m/corpus.npy (its samples, if used later)
    gen_00m/partial.pt         mid-training checkpoint (deleted when the generation is done)
    gen_00m/metrics.json       marks generation m as complete
    results.csv, results.json  one row per completed generation, with provenance
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from collapse.gpt.data import CharTokenizer, eval_windows, load_shakespeare, split_stream
from collapse.gpt.model import GPT
from collapse.gpt.sample import sample_sequences
from collapse.gpt.train import (
    TrainConfig,
    barrier,
    evaluate_loss,
    next_token_distributions,
    pick_device,
    rank_world,
    train,
)
from collapse.provenance import stamp, write_json_atomic
from collapse.schemes import Scheme, make_scheme
from collapse.validation import check_int

LM_SCHEMES = ("fully", "partially", "most-recent", "accumulate")
"""Schemes with deterministic counts n_t^(m), which the LM pipeline supports."""

PROFILES: dict[str, dict[str, Any]] = {
    # Seddik et al. Table 1; data sizes are not given in the paper (our choice: 10,000
    # sequences of 129 characters, about the size of tiny Shakespeare). A GPU job.
    "paper": {"train": {}, "n": 10_000, "N": 10_000, "generations": 10},
    # The largest setting that runs on 2 CPU cores in minutes per generation.
    "cpu": {"train": {"block_size": 64, "n_layer": 3, "n_head": 4, "n_embd": 128,
                      "batch_size": 32, "max_iters": 500, "warmup_iters": 50,
                      "eval_interval": 50, "eval_windows": 128},
            "n": 2000, "N": 2000, "generations": 6},
    # Seconds: what the tests run.
    "quick": {"train": {"block_size": 16, "n_layer": 1, "n_head": 2, "n_embd": 32,
                        "batch_size": 16, "max_iters": 30, "warmup_iters": 5,
                        "eval_interval": 15, "eval_windows": 32, "dropout": 0.0},
              "n": 64, "N": 64, "generations": 3},
}


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
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.scheme not in LM_SCHEMES:
            raise ValueError(f"scheme must be one of {{{', '.join(LM_SCHEMES)}}} for the LM "
                             f"pipeline, got {self.scheme!r}")
        check_int("n", self.n, low=1)
        check_int("N", self.N, low=1)
        check_int("generations", self.generations, low=1)
        check_int("contexts", self.contexts, low=1)
        check_int("seed", self.seed, low=0)
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
        """A named profile (``paper``, ``cpu``, ``quick``) with field overrides."""
        train, top = split_profile(PROFILES, profile, overrides, cls)
        return cls(train=TrainConfig(**train), **top)


def split_profile(profiles: dict[str, dict[str, Any]], profile: str,
                  overrides: dict[str, Any], config_class: type, *,
                  train_base: dict[str, Any] | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Merge a named profile with overrides into (TrainConfig fields, experiment fields).

    Overrides of training fields (``max_iters``, ``n_embd``, …) go to the TrainConfig; the rest
    to the experiment's config class; an unknown name is an error listing the known ones.
    """
    if profile not in profiles:
        raise ValueError(f"profile must be one of {{{', '.join(profiles)}}}, got {profile!r}")
    base = profiles[profile]
    train_fields = set(TrainConfig.__dataclass_fields__)
    train = {**(train_base or {}), **base["train"],
             **{k: v for k, v in overrides.items() if k in train_fields}}
    top = {k: v for k, v in base.items() if k != "train"}
    top.update({k: v for k, v in overrides.items() if k not in train_fields})
    known = {f.name for f in fields(config_class)}
    unknown = set(top) - known
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: "
                         f"{sorted(known | train_fields)}")
    return train, top


def check_or_write_config(out: Path, config: dict[str, Any], device: str, *,
                          write: bool = True) -> None:
    """Refuse a run directory made with another configuration; else record this one."""
    path = out / "config.json"
    if path.exists():
        previous = json.loads(path.read_text())["config"]
        current = json.loads(json.dumps(config))
        if previous != current:
            diff = sorted(k for k in set(previous) | set(current)
                          if previous.get(k) != current.get(k))
            raise ValueError(f"{out} holds a run with a different configuration (differs in "
                             f"{diff}); use another output directory")
    elif write:
        write_json_atomic(path, {"config": config,
                                 "provenance": stamp(device=str(pick_device(device)))})


def _needed_sizes(scheme: Scheme, generations: int) -> dict[int, int]:
    """For each source t, the most sequences any generation 1..G takes from it."""
    need: dict[int, int] = {}
    for m in range(1, generations + 1):
        for t, count in enumerate(scheme.counts(m)):
            if count:
                need[t] = max(need.get(t, 0), int(count))
    return need


def _save_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.stem + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(path)


def run_recursive(config: RecursiveConfig, out_dir: str | Path, *, device: str = "auto",
                  checkpoint_every: int = 50, progress: bool | None = None) -> dict[str, Any]:
    """Run (or resume) the experiment in ``out_dir``; returns the results dictionary.

    A directory holding a run with a different configuration is refused (nothing is
    overwritten). Killing the process at any point loses at most ``checkpoint_every``
    iterations; running the same call again continues and, on CPU, ends with the same numbers.
    """
    out = Path(out_dir)
    cfg = config.train
    scheme = config.make_scheme()
    rank, _ = rank_world()  # under torchrun: every rank trains, rank 0 alone writes files
    check_or_write_config(out, config.to_dict(), device, write=rank == 0)
    barrier()

    dev = pick_device(device)
    text = load_shakespeare()
    tokenizer = CharTokenizer.from_text(text)
    if tokenizer.vocab_size != cfg.vocab_size:
        raise ValueError(f"vocab_size {cfg.vocab_size} does not match the corpus "
                         f"({tokenizer.vocab_size} characters)")
    train_text, val_text = split_stream(tokenizer.encode(text))
    if len(val_text) <= cfg.block_size:
        raise ValueError("block_size is longer than the validation text")
    text_val = eval_windows(val_text, cfg.block_size, cfg.eval_windows, config.seed + 7)
    newline = int(tokenizer.encode("\n")[0])
    needed = _needed_sizes(scheme, config.generations)

    def gen_dir(m: int) -> Path:
        return out / f"gen_{m:03d}"

    def load_model(m: int) -> GPT:
        model = GPT(cfg.model_config()).to(dev)
        model.load_state_dict(torch.load(gen_dir(m) / "model.pt", map_location=dev,
                                         weights_only=True))
        return model

    rows: list[dict[str, Any]] = []
    curves: dict[str, dict[str, list[float]]] = {}
    p1: torch.Tensor | None = None
    start_time = time.perf_counter()
    bar = tqdm(range(config.generations + 1), desc=f"{scheme.label()} generations",
               unit="gen", disable=(None if progress is None else not progress))
    for m in bar:
        d = gen_dir(m)
        d.mkdir(parents=True, exist_ok=True)
        metrics_path = d / "metrics.json"
        barrier()
        if not metrics_path.exists():
            t0 = time.perf_counter()
            if m == 0:
                data: np.ndarray = train_text
                val_x, val_y = text_val
            else:
                parts = []
                for t, count in enumerate(scheme.counts(m)):
                    if count:
                        source = (np.load(gen_dir(0) / "real.npy") if t == 0
                                  else np.load(gen_dir(t) / "corpus.npy"))
                        parts.append(source[:count])
                data = np.concatenate(parts)
                p0_val = torch.as_tensor(np.load(gen_dir(0) / "p0_val.npy"))
                val_x, val_y = p0_val[:, :-1], p0_val[:, 1:]
            model, history = train(cfg, data, val_x, val_y, seed=config.seed * 1000 + m,
                                   device=dev, checkpoint=d / "partial.pt",
                                   checkpoint_every=checkpoint_every, progress=progress,
                                   desc=f"generation {m}")
            if rank != 0:
                continue  # the other ranks only help training; rank 0 samples and records
            torch.save(model.state_dict(), d / "model.tmp.pt")
            (d / "model.tmp.pt").replace(d / "model.pt")
            if m == 0:  # real data, contexts and a held-out sample of p^(0)
                real = sample_sequences(model, needed.get(0, config.N), newline,
                                        seed=config.seed * 1000 + 101, device=dev).numpy()
                _save_npy(d / "real.npy", real)
                ctx = sample_sequences(model, config.contexts, newline,
                                       seed=config.seed * 1000 + 102, device=dev).numpy()
                _save_npy(d / "contexts.npy", ctx[:, : cfg.block_size])
                val = sample_sequences(model, cfg.eval_windows, newline,
                                       seed=config.seed * 1000 + 103, device=dev).numpy()
                _save_npy(d / "p0_val.npy", val)
            elif m in needed and m < config.generations:
                corpus = sample_sequences(model, needed[m], newline,
                                          seed=config.seed * 1000 + 200 + m, device=dev).numpy()
                _save_npy(d / "corpus.npy", corpus)
            p0_val = torch.as_tensor(np.load(gen_dir(0) / "p0_val.npy"))
            record = {
                "generation": m,
                "val_loss_text": evaluate_loss(model, *text_val),
                "val_loss_p0": evaluate_loss(model, p0_val[:, :-1], p0_val[:, 1:]),
                "train_loss": history["train_loss"][-1],
                "train_sequences": len(data) if m else 0,
                "wall_seconds": round(time.perf_counter() - t0, 3),
                "curve_iter": history["iter"], "curve_val_loss": history["val_loss"],
            }
            contexts = torch.as_tensor(np.load(gen_dir(0) / "contexts.npy"))
            probs = next_token_distributions(model, contexts)
            torch.save(probs, d / "next_token.pt")
            write_json_atomic(metrics_path, record)
            (d / "partial.pt").unlink(missing_ok=True)
        if rank != 0:
            continue
        record = json.loads(metrics_path.read_text())
        probs = torch.load(d / "next_token.pt", weights_only=True)
        if m == 0:
            p0 = probs
        if m == 1:
            p1 = probs
        record["deviation_l1"] = (float((probs - p1).abs().sum(dim=1).mean())
                                  if p1 is not None else float("nan"))
        record["deviation_from_p0_l1"] = float((probs - p0).abs().sum(dim=1).mean())
        curves[str(m)] = {"iter": record.pop("curve_iter"),
                          "val_loss": record.pop("curve_val_loss")}
        rows.append(record)
        _write_results(out, config, scheme, rows, curves, dev, time.perf_counter() - start_time)
    barrier()
    return json.loads((out / "results.json").read_text()) if rank == 0 else {}


COLUMNS = ("generation", "deviation_l1", "deviation_from_p0_l1", "val_loss_text", "val_loss_p0",
           "train_loss", "train_sequences", "wall_seconds")


def _write_results(out: Path, config: RecursiveConfig, scheme: Scheme,
                   rows: list[dict[str, Any]], curves: dict[str, dict[str, list[float]]],
                   device: torch.device, wall: float) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    tmp = out / "results.csv.tmp"
    tmp.write_text(buffer.getvalue())
    tmp.replace(out / "results.csv")
    device_name = (torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu")
    write_json_atomic(out / "results.json", {
        "scheme": scheme.label(), "config": config.to_dict(), "rows": rows, "curves": curves,
        "provenance": stamp(device=device_name, torch_threads=torch.get_num_threads(),
                            wall_seconds_this_call=round(wall, 3)),
    })
