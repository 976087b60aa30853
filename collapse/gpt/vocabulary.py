"""A compact vocabulary: the GPT-2 ids a corpus uses, renumbered, plus one id for all the others.

On CPU the output layer of a GPT-Neo-1M-shaped model is most of its cost: 50,257 × 64 weights
against about 0.4M in the blocks. Our 11,534 TinyStories training stories use only 9,694
distinct GPT-2 ids (plus ``<|endoftext|>``), so the ``cpu`` profile gives the model an output
layer over those ids and one *unseen* id standing for every other GPT-2 id: about 3× faster
training at the same text, still tokenised by the real GPT-2 BPE.

What it changes: the model gives an unseen GPT-2 id the probability p(unseen) / (number of
unseen ids), a proper distribution over all 50,257 ids, so perplexity is computed on exactly the
tokens a full-vocabulary model is scored on (0.7 % of our validation tokens are unseen ids; a
full-vocabulary model never sees them in training either and gives them a tiny probability).
Samples never contain an unseen id (it is suppressed when sampling), so synthetic stories only
use ids of the real training stories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Vocabulary:
    """Map between GPT-2 ids (``full_size`` of them) and the model's ids.

    ``kept`` are the GPT-2 ids the model has its own output for, in increasing order; they get
    model ids 0..len(kept)−1. If some GPT-2 ids are not kept, model id len(kept) (``unseen``)
    stands for all of them.
    """

    kept: tuple[int, ...]
    full_size: int

    def __post_init__(self) -> None:
        arr = np.asarray(self.kept)
        if len(arr) == 0 or np.any(np.diff(arr) <= 0) or arr[0] < 0 or arr[-1] >= self.full_size:
            raise ValueError(f"kept must be increasing GPT-2 ids in [0, {self.full_size})")

    @classmethod
    def full(cls, full_size: int) -> Vocabulary:
        """Every id kept: model ids are GPT-2 ids."""
        return cls(tuple(range(full_size)), full_size)

    @classmethod
    def from_token_lists(cls, token_lists: Iterable[Sequence[int]], full_size: int, *,
                         always: Sequence[int] = ()) -> Vocabulary:
        """The ids occurring in ``token_lists`` (plus ``always``, e.g. ``<|endoftext|>``)."""
        seen = np.zeros(full_size, dtype=bool)
        for ids in token_lists:
            seen[np.asarray(ids, dtype=np.int64)] = True
        seen[list(always)] = True
        return cls(tuple(int(i) for i in np.flatnonzero(seen)), full_size)

    @property
    def is_full(self) -> bool:
        return len(self.kept) == self.full_size

    @property
    def size(self) -> int:
        """The model's vocabulary size (its output layer)."""
        return len(self.kept) + (0 if self.is_full else 1)

    @property
    def unseen(self) -> int | None:
        """The model id standing for every GPT-2 id not kept (None for a full vocabulary)."""
        return None if self.is_full else len(self.kept)

    @property
    def unseen_count(self) -> int:
        """How many GPT-2 ids share the unseen id."""
        return self.full_size - len(self.kept)

    @cached_property
    def _to_model(self) -> NDArray[np.int64]:
        table = np.full(self.full_size, -1 if self.is_full else len(self.kept), dtype=np.int64)
        table[np.asarray(self.kept)] = np.arange(len(self.kept))
        return table

    def to_model(self, gpt2_ids: Sequence[int] | NDArray[np.integer]) -> NDArray[np.int64]:
        """GPT-2 ids → model ids (ids not kept → ``unseen``)."""
        arr = np.asarray(gpt2_ids, dtype=np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= self.full_size):
            raise ValueError(f"GPT-2 ids must be in [0, {self.full_size})")
        return self._to_model[arr]

    def to_gpt2(self, model_ids: Sequence[int] | NDArray[np.integer]) -> NDArray[np.int64]:
        """Model ids → GPT-2 ids; the unseen id has no single GPT-2 id and is an error."""
        arr = np.asarray(model_ids, dtype=np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= len(self.kept)):
            raise ValueError(f"model ids must be in [0, {len(self.kept)}) (the unseen id "
                             f"{self.unseen} stands for no single GPT-2 id)")
        return np.asarray(self.kept, dtype=np.int64)[arr]

    def log_unseen_share(self) -> float:
        """log(number of unseen GPT-2 ids): subtracted from log p(unseen) to score one of them."""
        return float(np.log(self.unseen_count)) if self.unseen_count else 0.0
