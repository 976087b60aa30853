"""Story generation with the KV cache vs without, for the GPT-Neo-shaped configurations.

Sampling dominates Wang et al.'s experiment (a million stories per generation in the paper).
Prints stories/s and tokens/s with and without the cache, the cost of one training iteration
of each configuration, and the wall time of one full generation of the committed runs.

Run: ``.venv/bin/python benchmarks/bench_stories.py [--block 64] [--stories 64]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from collapse.gpt.model import GPT
from collapse.gpt.stories import NEO_1M, NEO_33M, sample_stories
from collapse.gpt.train import pick_device

RESULTS = Path(__file__).resolve().parents[1] / "results" / "wang"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=int, default=64)
    parser.add_argument("--stories", type=int, default=64)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    for name, base in (("1M-like", NEO_1M), ("33M-like", NEO_33M)):
        cfg = type(base)(**{**base.to_dict(), "block_size": args.block})
        torch.manual_seed(0)
        model = GPT(cfg.model_config()).to(device)
        rates = {}
        for cache in (True, False):
            start = time.perf_counter()
            stories = sample_stories(model, args.stories, max_new_tokens=args.block - 1, seed=0,
                                     batch_size=args.stories, use_cache=cache)
            seconds = time.perf_counter() - start
            tokens = sum(len(s) for s in stories)
            rates[cache] = tokens / seconds
            print(f"{name:9s} sampling {'with' if cache else 'without'} cache: "
                  f"{len(stories) / seconds:7.2f} stories/s, {tokens / seconds:8.0f} tokens/s")
        print(f"{name:9s} KV cache speed-up: {rates[True] / rates[False]:.1f}x")
        x = torch.randint(0, cfg.vocab_size, (8, args.block), device=device)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        start = time.perf_counter()
        for _ in range(2):
            _, loss, _ = model(x, x)
            opt.zero_grad()
            loss.backward()  # type: ignore[union-attr]
            opt.step()
        print(f"{name:9s} one training iteration (8 x {args.block} tokens): "
              f"{(time.perf_counter() - start) / 2:.2f} s")
    for run in sorted(RESULTS.glob("*/results.json")):
        rows = json.loads(run.read_text())["rows"]
        wall = [r["wall_seconds"] for r in rows]
        print(f"committed run {run.parent.name}: one generation (train + sample + evaluate) "
              f"takes {min(wall):.0f}-{max(wall):.0f} s")


if __name__ == "__main__":
    main()
