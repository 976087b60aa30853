"""GPT-2-type decoder: pre-LayerNorm blocks, causal self-attention, tied embeddings.

Small and flat on purpose (after karpathy/nanoGPT). Defaults are Seddik et al. Table 1
(block 128, n_embd 256, 8 layers, 4 heads, vocabulary 65, dropout 0.2): about 6.4M parameters.

Attention goes through ``torch.nn.functional.scaled_dot_product_attention`` (flash / memory-
efficient kernels on GPU); ``attention="reference"`` computes the same thing with an explicit
masked softmax, the baseline of the benchmarks and of the equivalence test. Generation uses a
per-layer key/value cache so each new token costs one position, not the whole context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


class KVCache:
    """Keys and values of every layer, preallocated for ``block_size`` positions.

    Shape (layers, batch, heads, block_size, head dim) each; ``length`` positions are filled.
    Writing in place (instead of concatenating a growing tensor at every step) keeps one
    sampling step O(T) in memory traffic; at batch 512 and context 512 the concatenations cost
    more than the model itself. :meth:`keep` drops finished rows so they stop costing compute.
    """

    def __init__(self, config: GPTConfig, batch: int, device: torch.device | str,
                 dtype: torch.dtype = torch.float32) -> None:
        shape = (config.n_layer, batch, config.n_head, config.block_size,
                 config.n_embd // config.n_head)
        self.keys = torch.empty(shape, device=device, dtype=dtype)
        self.values = torch.empty(shape, device=device, dtype=dtype)
        self.length = 0

    @property
    def batch(self) -> int:
        return self.keys.shape[1]

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Store ``k, v`` (batch, heads, t, head dim) after the filled positions of ``layer``;
        return every key and value of that layer so far (views, no copy)."""
        end = self.length + k.shape[2]
        self.keys[layer, :, :, self.length:end] = k
        self.values[layer, :, :, self.length:end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (indices or a boolean mask over the batch)."""
        self.keys = _take_rows(self.keys, rows, self.length)
        self.values = _take_rows(self.values, rows, self.length)


def _take_rows(cache: torch.Tensor, rows: torch.Tensor, length: int) -> torch.Tensor:
    """A new preallocated tensor holding the first ``length`` positions of ``rows``."""
    if rows.dtype == torch.bool:
        rows = rows.nonzero()[:, 0]
    out = cache.new_empty((cache.shape[0], len(rows), *cache.shape[2:]))
    out[:, :, :, :length] = cache[:, rows, :, :length]  # only the filled positions are copied
    return out


@dataclass(frozen=True)
class GPTConfig:
    """Architecture. Defaults: Seddik et al. Table 1. Every Linear and LayerNorm has a bias
    (as in GPT-2) except the output head, tied to the token embedding."""

    block_size: int = 128  # longest context; positions are learned embeddings
    vocab_size: int = 65  # tiny Shakespeare characters
    n_layer: int = 8
    n_head: int = 4
    n_embd: int = 256  # head dim 64
    dropout: float = 0.2
    attention: str = "sdpa"  # "sdpa" (fused kernels) or "reference" (explicit masked softmax)
    window: int = 0  # > 0: local attention to the last `window` positions in odd layers

    def __post_init__(self) -> None:
        for name, (low, high) in ARCHITECTURE_RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.attention not in ("sdpa", "reference"):
            raise ValueError(f"attention must be 'sdpa' or 'reference', got {self.attention!r}")
        if not 0 <= self.window <= self.block_size:
            raise ValueError(f"window must be an integer in [0, block_size = {self.block_size}] "
                             f"(0: global attention in every layer), got {self.window}")


ARCHITECTURE_RANGES = {"block_size": (1, 8192), "vocab_size": (1, 1 << 20), "n_layer": (1, 128),
                       "n_head": (1, 256), "n_embd": (1, 16384)}
"""Bounds on the shape: beyond them a model is far past what this trainer is for (GPT-3 has 96
layers of 12,288 and a context of 2,048) and would only exhaust memory while being built."""


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, local: bool) -> None:
        super().__init__()
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=True)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=True)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.reference = config.attention == "reference"
        self.window = config.window if local else 0

    def _mask(self, q_len: int, k_len: int, device: torch.device) -> torch.Tensor | None:
        """Boolean (q_len, k_len) mask, True = may attend; None when no mask is needed
        (a full causal pass, or one new query that may see every cached key)."""
        local = self.window and self.window < k_len  # a window as long as the context is global
        if not local and (q_len == k_len or q_len == 1):
            return None
        q_pos = torch.arange(k_len - q_len, k_len, device=device)[:, None]
        k_pos = torch.arange(k_len, device=device)[None, :]
        allowed = k_pos <= q_pos
        if local:
            allowed &= k_pos > q_pos - self.window
        return allowed

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0
                ) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            k, v = cache.append(layer, k, v)
        mask = self._mask(t, k.shape[2], x.device)
        p_drop = self.dropout if self.training else 0.0
        if self.reference:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
            if mask is None and t > 1:
                mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            if mask is not None:
                att = att.masked_fill(~mask, float("-inf"))
            att = F.dropout(F.softmax(att, dim=-1), p=p_drop, training=self.training)
            y = att @ v
        elif mask is None:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p_drop, is_causal=t > 1)
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p_drop)
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.proj(y))


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig, local: bool) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=True)
        self.attn = CausalSelfAttention(config, local)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=True)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd, bias=True),
            nn.GELU(approximate="tanh"),
            nn.Linear(4 * config.n_embd, config.n_embd, bias=True),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0
                ) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        # GPT-Neo alternates global and local attention: odd layers are local when window > 0
        self.blocks = nn.ModuleList(Block(config, local=bool(i % 2)) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=True)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied embeddings
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith(("attn.proj.weight", "mlp.2.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def new_cache(self, batch: int) -> KVCache:
        """An empty key/value cache for ``batch`` sequences (see :meth:`forward`)."""
        param = next(self.parameters())
        return KVCache(self.config, batch, param.device, param.dtype)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None, KVCache | None]:
        """Logits (B, T, vocab), the mean cross-entropy if ``targets`` is given, and ``cache``.

        With a ``cache`` (from :meth:`new_cache`, filled by earlier calls) ``idx`` holds only the
        new positions; their keys and values are added to the cache in place.
        """
        t = idx.shape[1]
        start = 0 if cache is None else cache.length
        if start + t > self.config.block_size:
            raise ValueError(f"sequence of {start + t} positions exceeds block_size "
                             f"{self.config.block_size}")
        pos = torch.arange(start, start + t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += t
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss, cache
