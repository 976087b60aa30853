"""One training run: CPU, one CUDA GPU, or several GPUs (or CPU processes) under torchrun/DDP.

The same code path everywhere. On CUDA: bf16 autocast, fused AdamW, TF32 matmuls and optional
``torch.compile``. Under ``torchrun --nproc_per_node N`` every rank draws the same global batch
(same seeded generator) and trains on its slice; DDP averages the gradients, so N processes
train the same model as one process with the whole global batch.

Checkpoints every ``checkpoint_every`` iterations hold the model, the optimizer, the batch
sampler's generator and torch's RNG state (dropout): a run killed at any point and started again
continues exactly where it stopped. Ctrl-C (SIGINT) or SIGTERM during training is acted on at the
end of the current iteration, after a checkpoint, so an interrupted run loses nothing; a second
Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import signal
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from numpy.typing import NDArray
from tqdm import tqdm

from collapse.gpt.data import Batcher
from collapse.gpt.model import GPT, GPTConfig
from collapse.rundir import (
    FORMAT_VERSION,
    DamagedFileError,
    Terminated,
    TrainingFailed,
    atomic_write,
    check_format,
    read_run_file,
)
from collapse.settings import TYPE_WORDS
from collapse.validation import progress_disabled

MAX_GENERATIONS = 1000
"""Generations of a recursive run at most (the papers run 10 and 40; set-up grows with G²)."""
MAX_SEED = 2**32 - 1
"""Largest run seed: per-generation seeds are seed·1000 + m, within torch's 64-bit seeds."""
TRAINING_RANGES = {"batch_size": (1, 1 << 16), "max_iters": (1, 10**7),
                   "warmup_iters": (0, 10**7), "eval_interval": (1, 10**7),
                   "eval_windows": (1, 1 << 16)}
"""Bounds on the loop's sizes (a batch of 65,536 windows or 10^7 iterations is already far
beyond a run of this project: Table 1 trains 2,000 iterations of 256)."""

FIELD_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True)
class TrainConfig(GPTConfig):
    """Optimisation, on top of the architecture it inherits (:class:`GPTConfig`'s fields, not
    repeated here). Defaults: Seddik et al. Table 1 (Appendix C)."""

    learning_rate: float = 1e-3
    batch_size: int = 256  # global batch, split across DDP ranks
    max_iters: int = 2000
    # Not in Table 1; nanoGPT's shakespeare-char values.
    warmup_iters: int = 100  # linear warm-up, then constant or cosine-decayed learning rate
    lr_decay: str = "none"  # "cosine": from learning_rate after warm-up to min_lr at max_iters
    min_lr: float = 0.0  # end of the cosine decay (nanoGPT: learning_rate / 10)
    align_token: int = -1  # >= 0: training windows of a token stream start at this token only
    weight_decay: float = 0.1
    beta2: float = 0.99
    grad_clip: float = 1.0  # 0: no clipping
    eval_interval: int = 250  # validation loss every eval_interval iterations (and at the end)
    eval_windows: int = 256  # fixed validation windows
    compile: bool = False  # torch.compile on CUDA (minutes of warm-up, faster long runs)

    def __post_init__(self) -> None:
        for f in fields(self):  # types first: a string where a number belongs is named here
            value, kind = getattr(self, f.name), FIELD_TYPES[str(f.type)]
            is_bool = type(value) is bool
            if kind is float and not is_bool and isinstance(value, numbers.Real):
                object.__setattr__(self, f.name, float(value))
                if not math.isfinite(float(value)):
                    raise ValueError(f"{f.name} must be a finite real number, got {value}")
            elif not isinstance(value, kind) or (kind is int and is_bool):
                raise TypeError(f"{f.name} must be {TYPE_WORDS[kind]}, got {value!r} "
                                f"({type(value).__name__})")
        for name, (low, high) in TRAINING_RANGES.items():
            if not low <= getattr(self, name) <= high:
                raise ValueError(f"{name} must be an integer in [{low}, {high}], "
                                 f"got {getattr(self, name)}")
        if not 0 < self.learning_rate <= 10:
            raise ValueError(f"learning_rate must be in (0, 10], got {self.learning_rate}")
        if self.warmup_iters > self.max_iters:
            raise ValueError(f"warmup_iters must be in [0, max_iters = {self.max_iters}], "
                             f"got {self.warmup_iters}")
        if self.lr_decay not in ("none", "cosine"):
            raise ValueError(f"lr_decay must be 'none' or 'cosine', got {self.lr_decay!r}")
        if not 0.0 <= self.min_lr <= self.learning_rate:
            raise ValueError(f"min_lr must be in [0, learning_rate = {self.learning_rate}], "
                             f"got {self.min_lr}")
        if not 0.0 <= self.beta2 < 1.0:  # AdamW's own check, named here before any write
            raise ValueError(f"beta2 must be in [0, 1), got {self.beta2}")
        if not 0.0 <= self.weight_decay <= 1.0:
            raise ValueError(f"weight_decay must be in [0, 1], got {self.weight_decay}")
        if not self.grad_clip >= 0.0:
            raise ValueError(f"grad_clip must be >= 0 (0: no clipping), got {self.grad_clip}")
        if not -1 <= self.align_token < self.vocab_size:
            raise ValueError(f"align_token must be -1 (windows start anywhere) or a token id in "
                             f"[0, vocab_size = {self.vocab_size}), got {self.align_token}")
        super().__post_init__()  # the architecture's ranges

    def model_config(self) -> GPTConfig:
        return GPTConfig(**{f.name: getattr(self, f.name) for f in fields(GPTConfig)})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lr_at(self, it: int) -> float:
        """Learning rate of iteration ``it`` (0-based): linear warm-up over ``warmup_iters``,
        then constant or a cosine decay reaching ``min_lr`` at the last iteration."""
        if it < self.warmup_iters:
            return self.learning_rate * (it + 1) / self.warmup_iters
        if self.lr_decay == "none":
            return self.learning_rate
        span = max(self.max_iters - 1 - self.warmup_iters, 1)
        progress = min((it - self.warmup_iters) / span, 1.0)
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_lr + (self.learning_rate - self.min_lr) * cosine


def pick_device(preference: str = "auto") -> torch.device:
    """CUDA when present (or asked for), else CPU."""
    if preference not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {preference!r}")
    if preference == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but CUDA is not available here; use "
                         "'cpu' or 'auto'")
    if preference == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    if dist.is_initialized():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return torch.device("cuda")


def setup_distributed() -> bool:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); True if distributed."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return dist.is_initialized()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return True


def rank_world() -> tuple[int, int]:
    """(rank, world size): (0, 1) outside torchrun."""
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def barrier() -> None:
    """Wait for every rank (no-op outside torchrun)."""
    if dist.is_initialized():
        dist.barrier()


def _autocast(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate_loss(model: GPT, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 128
                  ) -> float:
    """Mean cross-entropy on fixed windows (x, y)."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, x.shape[0], batch_size):
        xb, yb = x[i: i + batch_size].to(device), y[i: i + batch_size].to(device)
        with _autocast(device):
            _, loss, _ = model(xb, yb)
        assert loss is not None
        total += float(loss) * xb.shape[0]
        count += xb.shape[0]
    model.train(was_training)
    return total / count


@torch.no_grad()
def next_token_distributions(model: GPT, contexts: torch.Tensor, *, batch_size: int = 128
                             ) -> torch.Tensor:
    """p(· | context) for each row of ``contexts`` (N, T): an (N, vocab) float64 tensor."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    for i in range(0, contexts.shape[0], batch_size):
        logits, _, _ = model(contexts[i: i + batch_size].to(device))
        out.append(torch.softmax(logits[:, -1, :].double(), dim=-1).cpu())
    model.train(was_training)
    return torch.cat(out)


class TrainingDiverged(TrainingFailed):
    """The training loss became NaN or infinite: the run failed (nothing is marked complete)."""


class DeferredInterrupt:
    """Within the block, SIGINT/SIGTERM only set ``requested`` (the loop stops at a safe point);
    a second signal raises at once. Outside the main thread it changes nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> DeferredInterrupt:
        self.requested = False
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise self.error("interrupted again: stopped at once")
        self.requested = True
        self.signum = signum

    def error(self, message: str) -> KeyboardInterrupt:
        """The exception that ends the block: :class:`Terminated` after a SIGTERM."""
        kind = Terminated if getattr(self, "signum", None) == signal.SIGTERM else KeyboardInterrupt
        return kind(message)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


CHECKPOINT_KEYS = ("model", "optimizer", "batcher", "torch_rng", "history", "iter")
RESTART = "remove it to restart this generation's training from iteration 0"


def _load_checkpoint(path: Path, device: torch.device, max_iters: int) -> dict[str, Any]:
    """A mid-training checkpoint, or DamagedFileError naming it."""
    def problem(state: Any) -> str | None:
        wrong = check_format(state, what="training checkpoint")
        if wrong is None:
            missing = [k for k in CHECKPOINT_KEYS if k not in state]
            if missing:
                wrong = f"not a training checkpoint (lacks {missing})"
            elif not isinstance(state["iter"], int) or not 0 <= state["iter"] <= max_iters:
                wrong = f"iteration {state['iter']!r} is outside [0, max_iters={max_iters}]"
        return wrong

    return read_run_file(path, lambda p: torch.load(p, map_location=device, weights_only=False),
                         remedy=RESTART, check=problem)


def _resume(checkpoint: Path, model: GPT, optimizer: torch.optim.Optimizer, batcher: Batcher,
            device: torch.device, max_iters: int) -> tuple[dict[str, list[float]], int]:
    """Restore model, optimizer and random states from ``checkpoint``; (history, iteration)."""
    state = _load_checkpoint(checkpoint, device, max_iters)
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        batcher.generator.set_state(state["batcher"])
        torch.set_rng_state(state["torch_rng"])
    except (RuntimeError, ValueError, TypeError, KeyError) as err:
        first = str(err).strip().splitlines()[0][:150]
        raise DamagedFileError(f"{checkpoint}: does not fit this run's model or optimizer "
                               f"({first}); {RESTART}") from None
    return state["history"], state["iter"]


def _wrap(model: GPT, config: TrainConfig, device: torch.device, world: int) -> torch.nn.Module:
    """The module the loop calls: ``model``, compiled on CUDA if asked, in DDP across ranks."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    net: torch.nn.Module = model
    if config.compile and device.type == "cuda":
        net = torch.compile(model)  # type: ignore[assignment]
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[device.index] if device.type == "cuda" else None)
    return net


def _step(net: torch.nn.Module, model: GPT, optimizer: torch.optim.Optimizer, x: torch.Tensor,
          y: torch.Tensor, grad_clip: float) -> float:
    """One optimisation step on the batch (x, y); returns its training loss."""
    with _autocast(x.device):
        _, loss, _ = net(x, y)
    assert loss is not None
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return float(loss.detach())


def train(
    config: TrainConfig,
    train_data: NDArray[np.int64],
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    *,
    seed: int,
    device: torch.device | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: int = 100,
    progress: bool | None = False,
    desc: str = "train",
) -> tuple[GPT, dict[str, list[float]]]:
    """Train a fresh model from ``seed`` on ``train_data`` (a token stream or (S, L+1) sequences).

    Returns the model (unwrapped from DDP) and the history {iter, val_loss, train_loss} of the
    evaluations. With ``checkpoint``, progress is saved every ``checkpoint_every`` iterations and
    a run restarted with the same arguments resumes from the last save.
    """
    device = device or pick_device()
    rank, world = rank_world()
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must be a multiple of the "
                         f"{world} processes")
    torch.manual_seed(seed)  # initialisation and dropout; saved/restored with checkpoints
    model = GPT(config.model_config()).to(device)
    batcher = Batcher(train_data, config.block_size, seed + 1, align_token=config.align_token)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate,
                                  betas=(0.9, config.beta2), weight_decay=config.weight_decay,
                                  fused=device.type == "cuda")
    history: dict[str, list[float]] = {"iter": [], "val_loss": [], "train_loss": []}
    start = 0
    if checkpoint is not None and checkpoint.exists():
        history, start = _resume(checkpoint, model, optimizer, batcher, device,
                                 config.max_iters)
    net = _wrap(model, config, device, world)
    local = config.batch_size // world
    bar = tqdm(range(start, config.max_iters), desc=desc, unit="it", leave=False,
               initial=start, total=config.max_iters,
               disable=progress_disabled(progress) or rank != 0)
    model.train()
    last_train = float("nan")

    def save(done: int) -> None:
        if checkpoint is not None and rank == 0:
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "batcher": batcher.generator.get_state(),
                     "torch_rng": torch.get_rng_state(), "history": history,
                     "iter": done, "format_version": FORMAT_VERSION}
            atomic_write(checkpoint, lambda handle: torch.save(state, handle))

    with DeferredInterrupt() as interrupt:
        for it in bar:
            lr = config.lr_at(it)
            for group in optimizer.param_groups:
                group["lr"] = lr
            x, y = batcher.batch(config.batch_size)  # the same global batch on every rank
            rows = slice(rank * local, (rank + 1) * local)
            last_train = _step(net, model, optimizer, x[rows].to(device), y[rows].to(device),
                               config.grad_clip)
            done = it + 1
            if not math.isfinite(last_train):  # nothing after this is a result: no checkpoint
                bar.close()
                raise TrainingDiverged(
                    f"{desc}: the training loss is {last_train} at iteration {done} of "
                    f"{config.max_iters} (learning_rate {config.learning_rate:g}, grad_clip "
                    f"{config.grad_clip:g}); lower learning_rate or set grad_clip > 0")
            if done % config.eval_interval == 0 or done == config.max_iters:
                history["iter"].append(done)
                history["val_loss"].append(evaluate_loss(model, val_x, val_y))
                if not math.isfinite(history["val_loss"][-1]):
                    bar.close()
                    raise TrainingDiverged(f"{desc}: the validation loss is "
                                           f"{history['val_loss'][-1]} at iteration {done}; "
                                           "lower learning_rate or set grad_clip > 0")
                history["train_loss"].append(last_train)
                bar.set_postfix(val=f"{history['val_loss'][-1]:.3f}")
            if done % checkpoint_every == 0 or done == config.max_iters or interrupt.requested:
                save(done)
            if interrupt.requested:
                bar.close()
                raise interrupt.error(f"interrupted after iteration {done}; checkpoint kept")
    return model, history
