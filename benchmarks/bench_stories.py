"""What one generation of the language-model experiments costs at the ``cpu`` profile.

Prints, for the TinyStories ``cpu`` configuration (GPT-Neo-1M shape, 4 heads, context 512):

* training tokens/s with the compact vocabulary against the full 50,257-id output layer
  (the ratio is why the ``cpu`` profile uses the compact one);
* sampling tokens/s with the preallocated KV cache against recomputing the whole prefix at each
  step (same random numbers, same stories);
* the wall time of every generation of the committed runs (train + sample + evaluate), Seddik
  et al.'s and Wang et al.'s, against the 8-minute target on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_stories.py [--iters 5] [--stories 64 --new 128]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from collapse.gpt.model import GPT
from collapse.gpt.stories import sample_stories
from collapse.gpt.train import TrainConfig
from collapse.gpt.vocabulary import Vocabulary
from collapse.gpt.wang_experiment import StoriesConfig, make_vocabulary

RESULTS = Path(__file__).resolve().parents[1] / "results"


def training_rate(cfg: TrainConfig, iters: int) -> float:
    torch.manual_seed(0)
    model = GPT(cfg.model_config())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, cfg.vocab_size, (cfg.batch_size, cfg.block_size))
    for i in range(iters + 1):
        if i == 1:  # the first iteration warms up the allocator
            start = time.perf_counter()
        _, loss, _ = model(x, x)
        opt.zero_grad()
        loss.backward()  # type: ignore[union-attr]
        opt.step()
    return iters * cfg.batch_size * cfg.block_size / (time.perf_counter() - start)


def sampling_rate(model: GPT, vocab: Vocabulary, stories: int, new: int, cache: bool) -> float:
    start = time.perf_counter()
    made = sample_stories(model, vocab, stories, max_new_tokens=new, seed=0,
                          batch_size=stories, use_cache=cache)
    return sum(len(s) for s in made.stories) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--stories", type=int, default=64)
    parser.add_argument("--new", type=int, default=128)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    cpu = StoriesConfig.from_profile("cpu").train
    full = TrainConfig(**{**cpu.to_dict(), "vocab_size": 50257})
    compact_rate, full_rate = training_rate(cpu, args.iters), training_rate(full, args.iters)
    print(f"training  : compact vocabulary ({cpu.vocab_size} ids) {compact_rate:7.0f} tok/s | "
          f"full (50,257) {full_rate:7.0f} tok/s | ratio {compact_rate / full_rate:4.2f}x")
    torch.manual_seed(0)
    model = GPT(cpu.model_config()).eval()
    vocab = make_vocabulary("compact")
    cached = sampling_rate(model, vocab, args.stories, args.new, True)
    plain = sampling_rate(model, vocab, args.stories, args.new, False)
    print(f"sampling  : KV cache {cached:7.0f} tok/s | no cache {plain:7.0f} tok/s | "
          f"ratio {cached / plain:4.2f}x ({args.stories} stories, up to {args.new} tokens)")
    for run in sorted(RESULTS.glob("*/*/results.json")):
        result = json.loads(run.read_text())
        # a generation resumed from a checkpoint timed only its last part: left out
        wall = sorted(r["wall_seconds"] for r in result["rows"] if not r.get("resumed"))
        if not wall:
            continue
        print(f"committed {run.parent.parent.name}/{run.parent.name}: {len(result['rows'])} "
              f"generations, one generation (train + sample + evaluate) min / median / max "
              f"{wall[0] / 60:.1f} / {wall[len(wall) // 2] / 60:.1f} / {wall[-1] / 60:.1f} min "
              f"on {result['provenance']['device']} with "
              f"{result['provenance'].get('torch_threads', '?')} threads (target <= 8 min)")


if __name__ == "__main__":
    main()
