"""The GPT trainer: model equivalences, KV cache, DDP, the recursive pipeline, kill-and-resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ROOT

from collapse.gpt.data import CharTokenizer, load_shakespeare
from collapse.gpt.model import GPT, GPTConfig
from collapse.gpt.sample import generate
from collapse.gpt.seddik_experiment import RecursiveConfig, run_recursive
from collapse.gpt.train import TrainConfig, train

SMALL = GPTConfig(block_size=24, vocab_size=65, n_layer=2, n_head=2, n_embd=32, dropout=0.0)


def test_table1_defaults() -> None:
    cfg = TrainConfig()
    assert (cfg.block_size, cfg.n_embd, cfg.n_layer, cfg.n_head, cfg.vocab_size) == (
        128, 256, 8, 4, 65)
    assert (cfg.dropout, cfg.learning_rate, cfg.batch_size, cfg.max_iters) == (
        0.2, 1e-3, 256, 2000)
    assert 6.0e6 < GPT(cfg.model_config()).num_parameters() < 7.0e6  # about 6.4M


def test_tokenizer_round_trip_and_checksum() -> None:
    text = load_shakespeare()  # raises if the shipped file does not match its checksum
    tok = CharTokenizer.from_text(text)
    assert tok.vocab_size == 65
    sample = text[:5000]
    assert tok.decode(tok.encode(sample)) == sample
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tok.encode("é")


@pytest.mark.parametrize("window", [0, 5])
def test_sdpa_matches_explicit_masked_softmax(window: int) -> None:
    torch.manual_seed(0)
    fast = GPT(GPTConfig(**{**SMALL.__dict__, "window": window}))
    ref = GPT(GPTConfig(**{**SMALL.__dict__, "window": window, "attention": "reference"}))
    ref.load_state_dict(fast.state_dict())
    idx = torch.randint(0, 65, (3, 24))
    torch.testing.assert_close(fast(idx)[0], ref(idx)[0], atol=1e-5, rtol=1e-5)


def test_local_attention_ignores_far_context() -> None:
    from collapse.gpt.model import CausalSelfAttention

    torch.manual_seed(0)
    cfg = GPTConfig(**{**SMALL.__dict__, "window": 3})
    local = CausalSelfAttention(cfg, local=True).eval()
    x = torch.randn(1, 10, cfg.n_embd)
    y = x.clone()
    y[0, :7] += 1.0  # change everything outside the last 3 positions
    out_x = local(x)
    out_y = local(y)
    torch.testing.assert_close(out_x[0, -1], out_y[0, -1])
    global_attn = CausalSelfAttention(cfg, local=False).eval()
    global_attn.load_state_dict(local.state_dict())
    assert not torch.allclose(global_attn(x)[0, -1], global_attn(y)[0, -1])
    # GPT-Neo's pattern: even layers global, odd layers local
    model = GPT(cfg)
    assert [b.attn.window for b in model.blocks] == [0, 3]


def test_kv_cache_gives_the_same_logits_as_full_recompute() -> None:
    torch.manual_seed(1)
    model = GPT(SMALL).eval()
    idx = torch.randint(0, 65, (4, 20))
    full, _, _ = model(idx)
    cache = model.new_cache(4)
    steps = []
    for t in range(20):
        logits, _, _ = model(idx[:, t: t + 1], cache=cache)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)


def test_generation_with_and_without_cache_agree() -> None:
    torch.manual_seed(2)
    model = GPT(SMALL).eval()
    prompt = torch.zeros((3, 1), dtype=torch.long)
    a = generate(model, prompt, 20, generator=torch.Generator().manual_seed(5))
    b = generate(model, prompt, 20, generator=torch.Generator().manual_seed(5), use_cache=False)
    assert a.shape == (3, 21)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="block_size"):
        generate(model, prompt, 30)


def test_training_reduces_the_loss_and_is_deterministic() -> None:
    cfg = TrainConfig(block_size=16, n_layer=1, n_head=2, n_embd=32, dropout=0.1, batch_size=16,
                      max_iters=40, warmup_iters=5, eval_interval=20, eval_windows=16)
    tok = CharTokenizer.from_text(load_shakespeare())
    data = tok.encode(load_shakespeare()[:20000])
    val = torch.as_tensor(data[-17 * 16:].reshape(16, 17))
    _, h1 = train(cfg, data, val[:, :-1], val[:, 1:], seed=0, device=torch.device("cpu"))
    _, h2 = train(cfg, data, val[:, :-1], val[:, 1:], seed=0, device=torch.device("cpu"))
    assert h1 == h2
    assert h1["val_loss"][-1] < np.log(65) - 0.5  # well below the uniform loss


@pytest.mark.slow
def test_two_process_ddp_trains_the_same_model_as_one_process(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from ddp_worker import TINY, tiny_data

    out = tmp_path / "ddp.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                    "--nproc_per_node", "2", str(Path(__file__).parent / "ddp_worker.py"),
                    str(out)], check=True, env=env, cwd=ROOT, timeout=300,
                   capture_output=True)
    data = tiny_data()
    val = torch.as_tensor(data[:17 * 8].reshape(8, 17))
    single, _ = train(TINY, data, val[:, :-1], val[:, 1:], seed=3, device=torch.device("cpu"))
    ddp_state = torch.load(out, weights_only=True)
    for name, tensor in single.state_dict().items():
        torch.testing.assert_close(ddp_state[name], tensor, atol=2e-5, rtol=1e-4)
    # and the run did move the weights away from their initialisation
    torch.manual_seed(3)
    init = GPT(TINY.model_config()).state_dict()
    assert not torch.allclose(init["wte.weight"], ddp_state["wte.weight"])


QUICK = ["--profile", "quick", "--set", "max_iters", "120", "--set", "eval_interval", "40"]


def _cli(out: Path, scheme: str = "partially", extra: list[str] | None = None
         ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "collapse.cli", "train-recursive", "--scheme", scheme, *QUICK,
         "--checkpoint-every", "10", "--device", "cpu", "-o", str(out), *(extra or [])],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "OMP_NUM_THREADS": "1"})


def _numbers(out: Path) -> list[dict[str, float]]:
    rows = json.loads((out / "results.json").read_text())["rows"]
    return [{k: v for k, v in row.items() if k not in ("wall_seconds", "resumed")}
            for row in rows]


def _resumed(out: Path) -> list[bool]:
    return [row["resumed"] for row in json.loads((out / "results.json").read_text())["rows"]]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted quick run (Partially Synthetic, ground truth + 3 generations)."""
    out = tmp_path_factory.mktemp("uninterrupted")
    assert _cli(out).wait(timeout=600) == 0
    return out


@pytest.mark.slow
def test_killed_run_resumes_and_ends_with_identical_numbers(reference: Path,
                                                            tmp_path: Path) -> None:

    killed = tmp_path / "killed"
    proc = _cli(killed)
    deadline = time.time() + 300
    target = killed / "gen_002" / "partial.pt"  # mid-way through generation 2
    while not target.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / "gen_002" / "metrics.json").exists()
    assert (killed / "gen_001" / "metrics.json").exists()  # finished work is kept

    assert _cli(killed).wait(timeout=600) == 0
    assert _numbers(killed) == _numbers(reference)
    # the record says which generation's wall time covers only the part after the resume
    assert _resumed(killed) == [False, False, True, False] and not any(_resumed(reference))


@pytest.mark.slow
def test_a_finished_run_extended_to_more_generations_equals_a_longer_run(
        reference: Path, tmp_path: Path) -> None:
    extended = tmp_path / "extended"
    assert _cli(extended, extra=["--set", "generations", "2"]).wait(timeout=600) == 0
    assert not (extended / "gen_002" / "corpus.npy").exists()  # the last generation's, unneeded
    assert _cli(extended).wait(timeout=600) == 0  # the same run with generations 3
    # generation 2's saved model sampled the corpus generation 3 trains on, as in a longer run
    assert np.array_equal(np.load(extended / "gen_002" / "corpus.npy"),
                          np.load(reference / "gen_002" / "corpus.npy"))
    assert ([{k: v for k, v in row.items() if k != "sampled_later_seconds"}
             for row in _numbers(extended)] == _numbers(reference))
    assert "sampled_later_seconds" in json.loads(
        (extended / "gen_002" / "metrics.json").read_text())
    saved = json.loads((extended / "config.json").read_text())
    assert saved["config"]["generations"] == 3
    assert [(c["from"], c["to"]) for c in saved["generations_changed"]] == [(2, 3)]
    with pytest.raises(ValueError, match="generations must be >= 3 there"):  # never cut
        run_recursive(RecursiveConfig.from_profile("quick", scheme="partially", generations=2,
                                                   max_iters=120, eval_interval=40),
                      extended, device="cpu", progress=False)


def test_resume_directory_with_other_config_is_refused(tmp_path: Path) -> None:
    cfg = RecursiveConfig.from_profile("quick", scheme="fully", generations=1)
    run_recursive(cfg, tmp_path, device="cpu", progress=False)
    before = (tmp_path / "results.json").read_text()
    other = RecursiveConfig.from_profile("quick", scheme="fully", generations=1, n=32)
    with pytest.raises(ValueError, match=r"different configuration \(differs in \['n'\]\)"):
        run_recursive(other, tmp_path, device="cpu", progress=False)
    assert (tmp_path / "results.json").read_text() == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "randomly-sampled"}, "scheme must be one of"),
        ({"n": 0}, r"n must be an integer in \[1, 1000000\]"),
        ({"generations": 0}, r"generations must be an integer in \[1, 1000\]"),
        ({"max_iters": 0}, r"max_iters must be an integer in \[1, 10000000\]"),
        ({"n_embd": 31}, "n_embd .31. must be a multiple of n_head"),
        ({"bogus": 1}, "unknown setting"),
    ],
)
def test_bad_settings_are_refused_before_any_work(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        RecursiveConfig.from_profile("quick", **kwargs)


def test_corpus_shorter_than_block_is_refused() -> None:
    from collapse.gpt.data import Batcher

    with pytest.raises(ValueError, match="fewer than block_size"):
        Batcher(np.zeros(10, dtype=np.int64), 16, 0)
    with pytest.raises(ValueError, match="fewer than block_size"):
        Batcher(np.zeros((4, 10), dtype=np.int64), 16, 0)


@pytest.mark.slow
def test_recursive_pipeline_runs_under_torchrun_with_two_processes(tmp_path: Path) -> None:
    out = tmp_path / "ddp_run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                    "--nproc_per_node", "2", "-m", "collapse.cli", "train-recursive",
                    "--profile", "quick", "--set", "generations", "2", "--device", "cpu",
                    "-o", str(out)], check=True, env=env, cwd=ROOT, timeout=300,
                   capture_output=True)
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["generation"] for r in rows] == [0, 1, 2]
    assert all(np.isfinite(r["val_loss_text"]) for r in rows)


def test_train_seed_zero_keeps_every_recorded_seed_and_older_configs_resume(tmp_path: Path) -> None:
    from collapse.gpt.driver import check_or_write_config, training_seed
    from collapse.gpt.seddik_experiment import RecursiveConfig

    config = RecursiveConfig.from_profile("quick")
    assert [training_seed(config, m) for m in (0, 1, 7)] == [0, 1, 7]  # seed·1000 + m
    other = RecursiveConfig.from_profile("quick", train_seed=2)
    assert training_seed(other, 1) != training_seed(config, 1)
    # a config.json written before train_seed existed is the same experiment at train_seed 0
    older = {k: v for k, v in config.to_dict().items() if k != "train_seed"}
    (tmp_path / "config.json").write_text(json.dumps({"config": older}))
    assert check_or_write_config(tmp_path, config.to_dict(), "cpu", write=False) is None
    with pytest.raises(ValueError, match="differs in \\['train_seed'\\]"):
        check_or_write_config(tmp_path, other.to_dict(), "cpu", write=False)
