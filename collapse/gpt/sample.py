"""Batched ancestral sampling, with a KV cache (fast) or without (the reference)."""

from __future__ import annotations

import torch

from collapse.gpt.model import GPT


@torch.no_grad()
def generate(model: GPT, prompt: torch.Tensor, new_tokens: int, *,
             generator: torch.Generator | None = None, temperature: float = 1.0,
             use_cache: bool = True, stop_token: int | None = None) -> torch.Tensor:
    """Extend ``prompt`` (B, T0) by ``new_tokens`` sampled tokens; returns (B, T0 + new_tokens).

    With the cache each step feeds one position through the network (cost O(T) per token
    instead of O(T²)); the total length must fit in ``block_size``. With ``stop_token``,
    sampling stops early once every row has produced it (the result is then shorter).
    """
    if new_tokens < 0:
        raise ValueError(f"new_tokens must be >= 0, got {new_tokens}")
    if prompt.shape[1] + new_tokens > model.config.block_size + 1:
        raise ValueError("prompt + new_tokens must be at most block_size + 1 tokens")
    was_training = model.training
    model.eval()
    out = prompt
    cache = None
    step_input = prompt
    ended = torch.zeros(prompt.shape[0], dtype=torch.bool, device=prompt.device)
    for _ in range(new_tokens):
        if use_cache:
            logits, _, cache = model(step_input, cache=cache)
        else:
            logits, _, _ = model(out)
        probs = torch.softmax(logits[:, -1, :].float() / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        out = torch.cat([out, nxt], dim=1)
        step_input = nxt
        if stop_token is not None:
            ended |= nxt[:, 0] == stop_token
            if bool(ended.all()):
                break
    model.train(was_training)
    return out


@torch.no_grad()
def sample_sequences(model: GPT, count: int, start_token: int, *, seed: int,
                     batch_size: int = 256, device: torch.device | str = "cpu") -> torch.Tensor:
    """``count`` sequences of block_size + 1 tokens, each ``start_token`` + block_size samples.

    This is how every corpus of the recursive pipeline is written (real data = samples of the
    generation-0 model, synthetic data = samples of the previous model).
    """
    generator = torch.Generator(device=device).manual_seed(seed)
    chunks = []
    for first in range(0, count, batch_size):
        b = min(batch_size, count - first)
        prompt = torch.full((b, 1), start_token, dtype=torch.long, device=device)
        chunks.append(generate(model, prompt, model.config.block_size, generator=generator).cpu())
    return torch.cat(chunks)
