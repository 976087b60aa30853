"""GPT trainer speed against a straightforward reference, measured in one process.

Training: tokens/s of our model (scaled_dot_product_attention, AdamW with foreach/fused) vs the
same model with explicit masked-softmax attention and a plain per-parameter AdamW loop.
Sampling: tokens/s of batched generation with the KV cache vs recomputing the whole context
for every new token. On CUDA it also prints the model FLOPs utilisation (bf16 peak of an H100).

Run: ``.venv/bin/python benchmarks/bench_gpt.py [--preset cpu|table1] [--device auto]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from collapse.gpt.model import GPT
from collapse.gpt.sample import generate
from collapse.gpt.train import TrainConfig, pick_device

PRESETS = {
    "cpu": TrainConfig(block_size=64, n_layer=3, n_head=4, n_embd=128, batch_size=32,
                       dropout=0.0),
    "table1": TrainConfig(dropout=0.0),  # Seddik et al. Table 1 (a GPU workload)
}
H100_BF16_PEAK = 989e12  # dense bf16 FLOP/s of an H100 SXM


def flops_per_token(model: GPT) -> float:
    """6N for the weights plus the attention score/value products (PaLM appendix B)."""
    cfg = model.config
    n = model.num_parameters() - model.wpe.weight.numel()
    return 6 * n + 12 * cfg.n_layer * cfg.n_embd * cfg.block_size


def train_throughput(cfg: TrainConfig, device: torch.device, reference: bool, steps: int
                     ) -> float:
    torch.manual_seed(0)
    mcfg = cfg.model_config()
    if reference:
        mcfg = type(mcfg)(**{**mcfg.__dict__, "attention": "reference"})
    model = GPT(mcfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, foreach=False) if reference else \
        torch.optim.AdamW(model.parameters(), lr=1e-3, fused=device.type == "cuda")
    x = torch.randint(0, cfg.vocab_size, (cfg.batch_size, cfg.block_size), device=device)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda"
                and not reference else torch.autocast("cpu", enabled=False))

    def step() -> None:
        with autocast:
            _, loss, _ = model(x, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[union-attr]
        opt.step()

    for _ in range(3):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * cfg.batch_size * cfg.block_size / (time.perf_counter() - start)


def sample_throughput(cfg: TrainConfig, device: torch.device, use_cache: bool, batch: int
                      ) -> float:
    torch.manual_seed(0)
    model = GPT(cfg.model_config()).to(device).eval()
    prompt = torch.zeros((batch, 1), dtype=torch.long, device=device)
    gen = torch.Generator(device=device).manual_seed(0)
    generate(model, prompt, 4, generator=gen, use_cache=use_cache)
    start = time.perf_counter()
    generate(model, prompt, cfg.block_size, generator=gen, use_cache=use_cache)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * cfg.block_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description="GPT trainer benchmarks")
    parser.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sample-batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cfg = PRESETS[args.preset]
    device = pick_device(args.device)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"preset {args.preset}: {cfg.n_layer} layers x {cfg.n_embd}, block {cfg.block_size}, "
          f"batch {cfg.batch_size}")
    # alternate the two sides so that machine noise hits both; report medians
    ours_runs, ref_runs = [], []
    for _ in range(args.rounds):
        ours_runs.append(train_throughput(cfg, device, reference=False, steps=args.steps))
        ref_runs.append(train_throughput(cfg, device, reference=True, steps=args.steps))
    ours, ref = statistics.median(ours_runs), statistics.median(ref_runs)
    print(f"training  : ours {ours:10.0f} tok/s | reference {ref:10.0f} tok/s | "
          f"ratio {ours / ref:5.2f}x (median of {args.rounds} alternating rounds; "
          f"target >= 1.0x on CPU)")
    cached = sample_throughput(cfg, device, True, args.sample_batch)
    plain = sample_throughput(cfg, device, False, args.sample_batch)
    print(f"sampling  : KV cache {cached:9.0f} tok/s | no cache {plain:9.0f} tok/s | "
          f"ratio {cached / plain:5.2f}x (target >= 5x)")
    if device.type == "cuda":
        model = GPT(cfg.model_config())
        mfu = ours * flops_per_token(model) / H100_BF16_PEAK
        print(f"MFU (bf16, H100 peak {H100_BF16_PEAK:.0e}): {100 * mfu:.1f} % (target >= 40 %)")


if __name__ == "__main__":
    main()
