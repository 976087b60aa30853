"""TinyStories groundwork: the offline GPT-2 BPE, the corpus statistic and story perplexity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from collapse.gpt.model import GPT, GPTConfig
from collapse.gpt.stories import (
    END_OF_TEXT_ID,
    NEO_1M,
    NEO_33M,
    decode,
    encode,
    encode_batch,
    load_stories,
    story_perplexity,
    there_statistic,
)


def test_bpe_round_trip_on_real_stories() -> None:
    stories = load_stories("validation")[:50]
    assert len(load_stories("validation")) == 1000
    for story, ids in zip(stories, encode_batch(stories), strict=True):
        assert decode(ids) == story
    assert encode("<|endoftext|>") == [END_OF_TEXT_ID]
    assert encode(" was") == [373] and encode(" were") == [547]  # GPT-2's ids


def test_there_statistic_against_a_hand_count() -> None:
    text = "There was a cat. Then there were dogs. Over there, a bird. And there is more."
    stat = there_statistic([encode(text)])
    # four "there" tokens; followed by " was", " were", ",", " is"
    assert (stat.there, stat.was, stat.were) == (4, 1, 1)
    assert stat.p_was == 0.25 and stat.p_were == 0.25


def test_there_statistic_on_our_corpus_matches_the_data_readme() -> None:
    stories = load_stories("train") + load_stories("validation")
    stat = there_statistic(encode_batch(stories))
    assert (stat.there, stat.was, stat.were) == (10632, 7960, 646)  # README: 0.749 and 0.061
    assert round(stat.p_was, 3) == 0.749 and round(stat.p_were, 3) == 0.061


def test_story_perplexity_is_the_mean_nll_of_each_story_scored_separately() -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=32, vocab_size=50257, n_layer=1, n_head=2, n_embd=8,
                          dropout=0.0)).eval()
    stories = [encode("Once upon a time, there was a dog."), encode("The end."), encode("Hi")]
    nll, count = 0.0, 0
    with torch.no_grad():
        for ids in stories:  # direct computation, one story at a time
            logits, _, _ = model(torch.tensor([ids]))
            logp = torch.log_softmax(logits[0, :-1].double(), dim=-1)
            targets = torch.tensor(ids[1:], dtype=torch.long)
            nll -= float(logp[torch.arange(len(ids) - 1), targets].sum())
            count += len(ids) - 1
    assert len(stories[2]) == 1  # a one-token story has nothing to score
    # float32 logits of a padded batch vs one story at a time: equal to ~1e-9 relative
    assert story_perplexity(model, stories, batch_size=2) == pytest.approx(np.exp(nll / count),
                                                                         rel=1e-6)


def test_gpt_neo_shaped_configurations() -> None:
    small, big = GPT(NEO_1M.model_config()), GPT(NEO_33M.model_config())
    assert 3.5e6 < small.num_parameters() < 3.8e6  # wang2024-notes.md: ~3.7M total
    assert 66e6 < big.num_parameters() < 69e6  # ~68.5M total, 28M non-embedding
    assert [b.attn.window for b in small.blocks] == [0, 256] * 4  # global / local alternate


def test_sampled_stories_stop_at_end_of_text_and_respect_the_cap() -> None:
    from collapse.gpt.stories import sample_stories

    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=16, vocab_size=50257, n_layer=1, n_head=2, n_embd=8,
                          dropout=0.0))
    stories = sample_stories(model, 5, max_new_tokens=10, seed=1, batch_size=2)
    assert len(stories) == 5
    assert all(len(s) <= 10 and END_OF_TEXT_ID not in s for s in stories)
    again = sample_stories(model, 5, max_new_tokens=10, seed=1, batch_size=2)
    assert again == stories  # seeded
    with pytest.raises(ValueError, match="max_new_tokens must be in"):
        sample_stories(model, 1, max_new_tokens=16, seed=0)


def test_stories_pipeline_runs_two_generations_of_both_paradigms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from collapse.gpt.wang_experiment import StoriesConfig, run_stories_recursive

    for paradigm in ("replace", "accumulate-subsample"):
        cfg = StoriesConfig.from_profile("quick", paradigm=paradigm)
        result = run_stories_recursive(cfg, tmp_path / paradigm, device="cpu", progress=False)
        rows = result["rows"]
        assert [r["generation"] for r in rows] == [1, 2]
        assert rows[0]["train_stories"] == rows[1]["train_stories"] == cfg.N
        assert all(np.isfinite(r["perplexity"]) and 0 <= r["p_was_model"] <= 1 for r in rows)
        assert round(result["corpus"]["p_was"], 6) == round(rows[0]["p_was_data"], 6)
        assert set(result["samples"]) == {"1", "2"}
    with pytest.raises(ValueError, match="paradigm must be one of"):
        StoriesConfig.from_profile("quick", paradigm="keep-everything")
    with pytest.raises(ValueError, match="k must be a real number > 0"):
        StoriesConfig.from_profile("quick", paradigm="accumulate-subsample", k=0.0)
