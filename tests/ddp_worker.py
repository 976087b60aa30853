"""Run by test_gpt.py under ``torch.distributed.run --nproc_per_node 2`` (gloo, CPU)."""

from __future__ import annotations

import sys

import numpy as np
import torch
import torch.distributed as dist

from collapse.gpt.train import TrainConfig, setup_distributed, train

TINY = TrainConfig(block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=0.0, batch_size=8,
                   max_iters=12, warmup_iters=2, eval_interval=6, eval_windows=8)


def tiny_data() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 65, size=5000)


def main(out: str) -> None:
    assert setup_distributed(), "expected to run under torchrun with 2 processes"
    data = tiny_data()
    val = torch.as_tensor(data[:17 * 8].reshape(8, 17))
    model, _ = train(TINY, data, val[:, :-1], val[:, 1:], seed=3, device=torch.device("cpu"))
    if dist.get_rank() == 0:
        torch.save(model.state_dict(), out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
