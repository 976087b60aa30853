"""Batched ancestral sampling, with a KV cache (fast) or without (the reference).

Each step draws one token per row by inverting the cumulative distribution with one uniform
number (``torch.multinomial`` draws one exponential per vocabulary entry instead: at batch 512
and a 10k vocabulary that was half of the sampling time). Rows that have produced the stop
token are dropped from the batch (and the cache) once they make up a quarter of it, so a batch
costs about the length of its stories, not of its longest one.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm import tqdm

from collapse.gpt.model import GPT
from collapse.validation import progress_disabled


def draw(logits: torch.Tensor, generator: torch.Generator | None = None, *,
         temperature: float = 1.0, suppress: Sequence[int] = ()) -> torch.Tensor:
    """One sample per row of ``logits`` (B, V) from softmax(logits / temperature); (B,) ids.

    ``suppress`` lists ids that are never drawn (their probability is set to zero).
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    logits = logits.float() / temperature
    if suppress:
        logits[:, list(suppress)] = float("-inf")
    cdf = torch.softmax(logits, dim=-1).cumsum(dim=-1)
    u = torch.rand((logits.shape[0], 1), generator=generator, device=logits.device)
    # the first index whose cumulative probability exceeds u·total (never a zero-probability id)
    ids = torch.searchsorted(cdf, u * cdf[:, -1:], right=True)
    return ids.clamp_(max=logits.shape[1] - 1)[:, 0]


@torch.no_grad()
def generate(model: GPT, prompt: torch.Tensor, new_tokens: int, *,
             generator: torch.Generator | None = None, temperature: float = 1.0,
             use_cache: bool = True, stop_token: int | None = None,
             suppress: Sequence[int] = ()) -> torch.Tensor:
    """Extend ``prompt`` (B, T0) by up to ``new_tokens`` sampled tokens; returns (B, T0 + steps).

    With the cache each step feeds one position through the network (cost O(T) per token
    instead of O(T²)); the total length must fit in ``block_size``. With ``stop_token`` a row
    that has produced it is finished: its later positions hold ``stop_token``, and sampling
    stops once every row has finished. Cache and no cache draw the same random numbers, so they
    give the same tokens.
    """
    if new_tokens < 0:
        raise ValueError(f"new_tokens must be >= 0, got {new_tokens}")
    if prompt.shape[1] + new_tokens > model.config.block_size + 1:
        raise ValueError("prompt + new_tokens must be at most block_size + 1 tokens")
    was_training = model.training
    model.eval()
    batch, start = prompt.shape
    fill = stop_token if stop_token is not None else 0
    out = torch.full((batch, start + new_tokens), fill, dtype=torch.long, device=prompt.device)
    out[:, :start] = prompt
    rows = torch.arange(batch, device=prompt.device)  # rows of `out` still in the batch
    alive = torch.ones(batch, dtype=torch.bool, device=prompt.device)  # not finished yet
    cache = model.new_cache(batch) if use_cache else None
    step_input = prompt
    length = start
    for _ in range(new_tokens):
        if cache is not None:
            logits, _, _ = model(step_input, cache=cache)
        else:
            logits, _, _ = model(out[rows, :length])
        nxt = draw(logits[:, -1, :], generator, temperature=temperature, suppress=suppress)
        out[rows[alive], length] = nxt[alive]
        length += 1
        step_input = nxt[:, None]
        if stop_token is None:
            continue
        alive &= nxt != stop_token
        if not bool(alive.any()):
            break
        if 4 * int((~alive).sum()) >= len(alive):  # drop finished rows
            rows, step_input = rows[alive], step_input[alive]
            if cache is not None:
                cache.keep(alive)
            alive = alive[alive]
    model.train(was_training)
    return out[:, :length]


@torch.no_grad()
def sample_sequences(model: GPT, count: int, start_token: int, *, seed: int,
                     batch_size: int = 256, device: torch.device | str = "cpu",
                     progress: bool = False, desc: str = "sampling") -> torch.Tensor:
    """``count`` sequences of block_size + 1 tokens, each ``start_token`` + block_size samples.

    This is how every corpus of the recursive pipeline is written (real data = samples of the
    generation-0 model, synthetic data = samples of the previous model). ``progress`` shows a
    bar over the sequences (the bar draws no random numbers: the samples are the same).
    """
    generator = torch.Generator(device=device).manual_seed(seed)
    chunks = []
    with batch_bar(count, desc, "seq", progress) as bar:
        for first in range(0, count, batch_size):
            b = min(batch_size, count - first)
            prompt = torch.full((b, 1), start_token, dtype=torch.long, device=device)
            chunks.append(generate(model, prompt, model.config.block_size,
                                   generator=generator).cpu())
            bar.update(b)
    return torch.cat(chunks)


def batch_bar(total: int, desc: str, unit: str, progress: bool) -> tqdm:
    """The progress bar of a batched loop over ``total`` items (gone when it ends)."""
    return tqdm(total=total, desc=desc, unit=unit, leave=False, disable=progress_disabled(progress))
