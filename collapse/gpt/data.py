"""Character tokenizer and corpora for the tiny-Shakespeare experiment (Seddik et al. §4.1)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SHAKESPEARE = DATA_DIR / "tinyshakespeare" / "input.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


@dataclass(frozen=True)
class CharTokenizer:
    """One id per distinct character, in sorted order (65 for tiny Shakespeare, as in nanoGPT)."""

    chars: str

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls("".join(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> NDArray[np.int64]:
        lookup = {c: i for i, c in enumerate(self.chars)}
        try:
            return np.fromiter((lookup[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            raise ValueError(f"character {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids: NDArray[np.integer] | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def load_shakespeare(path: Path = SHAKESPEARE, *, verify: bool = True) -> str:
    """The tiny Shakespeare text shipped in ``data/`` (checksum-verified)."""
    raw = path.read_bytes()
    if verify and hashlib.sha256(raw).hexdigest() != SHAKESPEARE_SHA256:
        raise ValueError(f"{path} does not match the published tiny Shakespeare checksum")
    return raw.decode("utf-8")


def split_stream(tokens: NDArray[np.int64], val_fraction: float = 0.1
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First 90% for training, last 10% for validation (nanoGPT's split)."""
    cut = int(len(tokens) * (1 - val_fraction))
    return tokens[:cut], tokens[cut:]


class Batcher:
    """Random training windows from a token stream (T,) or a set of sequences (S, L+1).

    Sampling uses a dedicated ``torch.Generator`` whose state is saved in checkpoints, so a
    resumed run draws exactly the batches an uninterrupted run would have drawn.
    """

    def __init__(self, data: NDArray[np.int64], block_size: int, seed: int, *,
                 align_token: int = -1) -> None:
        self.data = torch.as_tensor(np.ascontiguousarray(data), dtype=torch.long)
        self.block_size = block_size
        self.starts: torch.Tensor | None = None
        if self.data.ndim == 1 and self.data.numel() <= block_size:
            raise ValueError(f"the corpus has {self.data.numel()} tokens, fewer than block_size + 1"
                             f" = {block_size + 1}")
        if self.data.ndim == 2 and self.data.shape[1] < block_size + 1:
            raise ValueError(f"corpus sequences have {self.data.shape[1]} tokens, fewer than "
                             f"block_size + 1 = {block_size + 1}")
        if align_token >= 0 and self.data.ndim == 1:
            # windows of a stream start only at this token (TinyStories: at <|endoftext|>, so
            # every window opens with a whole story at position 0, as in sampling)
            starts = np.flatnonzero(np.asarray(data) == align_token)
            starts = starts[starts < len(self.data) - block_size]
            if not len(starts):
                raise ValueError(f"no window of block_size + 1 = {block_size + 1} tokens starts "
                                 f"at token {align_token}")
            self.starts = torch.as_tensor(starts)
        self.generator = torch.Generator().manual_seed(seed)

    def batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.starts is not None:
            picks = torch.randint(len(self.starts), (batch_size,), generator=self.generator)
            starts = self.starts[picks]
            rows = torch.stack([self.data[s: s + self.block_size + 1] for s in starts.tolist()])
        elif self.data.ndim == 1:
            starts = torch.randint(len(self.data) - self.block_size, (batch_size,),
                                   generator=self.generator)
            rows = torch.stack([self.data[s: s + self.block_size + 1] for s in starts.tolist()])
        else:
            picks = torch.randint(self.data.shape[0], (batch_size,), generator=self.generator)
            rows = self.data[picks, : self.block_size + 1]
        return rows[:, :-1], rows[:, 1:]


def eval_windows(data: NDArray[np.int64], block_size: int, count: int, seed: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed set of ``count`` evaluation windows (the same for every model)."""
    batcher = Batcher(data, block_size, seed)
    return batcher.batch(count)
