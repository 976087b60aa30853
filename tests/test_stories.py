"""TinyStories groundwork: the offline GPT-2 BPE, the corpus statistic and story perplexity."""

from __future__ import annotations

import json

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
    evaluate_stories,
    load_stories,
    sample_stories,
    there_statistic,
)
from collapse.gpt.vocabulary import Vocabulary


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


def _direct_scores(model: GPT, vocab: Vocabulary, stories: list[list[int]]
                   ) -> tuple[float, int, list[float]]:
    """Σ NLL over story tokens 2.., their count, and p(" was") after each "there": one story
    at a time, GPT-2 ids scored through the vocabulary by hand."""
    there = {encode(t)[0] for t in ("there", " there", "There", " There")}
    nll, count, p_was = 0.0, 0, []
    with torch.no_grad():
        for ids in stories:
            x = torch.as_tensor(vocab.to_model([END_OF_TEXT_ID, *ids]))[None]
            logp = torch.log_softmax(model(x)[0][0].double(), dim=-1)
            for j in range(1, len(ids)):
                m = int(vocab.to_model([ids[j]])[0])
                unseen = vocab.log_unseen_share() if m == vocab.unseen else 0.0
                nll -= float(logp[j, m]) - unseen
                count += 1
            p_was += [float(logp[j + 1, int(vocab.to_model([373])[0])].exp())
                      for j, t in enumerate(ids) if t in there]
    return nll, count, p_was


STORIES = ["Once upon a time, there was a dog.", "The end.", "Hi",
           "There were two cats. They sat there. There"]


@pytest.mark.parametrize("compact", [False, True])
def test_story_evaluation_matches_a_direct_computation(compact: bool) -> None:
    stories = [encode(t) for t in STORIES]
    vocab = (Vocabulary.from_token_lists(stories[:2], 50257, always=[END_OF_TEXT_ID]) if compact
             else Vocabulary.full(50257))
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=32, vocab_size=vocab.size, n_layer=1, n_head=2, n_embd=8,
                          dropout=0.0)).eval()
    nll, count, p_was = _direct_scores(model, vocab, stories)
    ev = evaluate_stories(model, vocab, stories, batch_size=2)
    # every token but each story's first is scored, under either vocabulary
    assert ev.scored_tokens == count == sum(len(s) - 1 for s in stories)
    assert ev.perplexity == pytest.approx(np.exp(nll / count), rel=1e-6)
    assert ev.there == len(p_was) == 4 and ev.p_was == pytest.approx(np.mean(p_was), rel=1e-6)
    # the corpus side counts the same four occurrences, followed by " was", " were", "." and
    # the end of the story
    assert (ev.corpus_p_was, ev.corpus_p_were) == (1 / 4, 1 / 4)


def test_compact_vocabulary_round_trip_and_unseen_ids() -> None:
    train = [encode(t) for t in load_stories("train")[:200]]
    vocab = Vocabulary.from_token_lists(train, 50257, always=[END_OF_TEXT_ID])
    assert vocab.size == len(vocab.kept) + 1 and vocab.unseen == len(vocab.kept)
    for ids in train[:20]:  # every training story survives the round trip
        assert vocab.to_gpt2(vocab.to_model(ids)).tolist() == ids
    outside = next(i for i in range(50257) if i not in set(vocab.kept))
    assert vocab.to_model([outside]).tolist() == [vocab.unseen]
    assert vocab.unseen_count == 50257 - len(vocab.kept)
    with pytest.raises(ValueError, match="stands for no single GPT-2 id"):
        vocab.to_gpt2([vocab.unseen])
    full = Vocabulary.full(50257)
    assert full.unseen is None and full.size == 50257
    assert full.to_model([5, 50256]).tolist() == [5, 50256]


def test_compact_model_perplexity_is_a_full_vocabulary_perplexity() -> None:
    """A compact model spread over the 50,257 GPT-2 ids is a proper distribution, so its
    perplexity is the one a full model with those probabilities gets on the same tokens."""
    stories = [encode(t) for t in STORIES]
    vocab = Vocabulary.from_token_lists(stories[:2], 50257, always=[END_OF_TEXT_ID])
    torch.manual_seed(1)
    compact = GPT(GPTConfig(block_size=32, vocab_size=vocab.size, n_layer=1, n_head=2,
                            n_embd=8, dropout=0.0)).eval()
    full = GPT(GPTConfig(block_size=32, vocab_size=50257, n_layer=1, n_head=2, n_embd=8,
                         dropout=0.0)).eval()
    kept = torch.as_tensor(vocab.kept)
    unseen_ids = torch.as_tensor(sorted(set(range(50257)) - set(vocab.kept)))
    with torch.no_grad():  # the full model copies the compact one; unseen ids share its mass
        full.load_state_dict({k: v for k, v in compact.state_dict().items()
                              if not k.startswith(("wte", "lm_head"))}, strict=False)
        full.wte.weight[kept] = compact.wte.weight[: len(kept)]
        full.wte.weight[unseen_ids] = compact.wte.weight[vocab.unseen]
        full.wpe.weight.copy_(compact.wpe.weight)

    class Shifted(GPT):  # logits of unseen ids lowered by log(#unseen): same probabilities
        def forward(self, idx, targets=None, cache=None):  # type: ignore[no-untyped-def]
            logits, loss, c = super().forward(idx, targets, cache)
            logits = logits.clone()
            logits[..., unseen_ids] -= vocab.log_unseen_share()
            return logits, loss, c

    shifted = Shifted(full.config).eval()
    shifted.load_state_dict(full.state_dict())
    ev_compact = evaluate_stories(compact, vocab, stories)
    ev_full = evaluate_stories(shifted, Vocabulary.full(50257), stories)
    assert ev_compact.scored_tokens == ev_full.scored_tokens
    assert ev_compact.perplexity == pytest.approx(ev_full.perplexity, rel=1e-5)


def test_gpt_neo_shaped_configurations() -> None:
    small, big = GPT(NEO_1M.model_config()), GPT(NEO_33M.model_config())
    assert 3.5e6 < small.num_parameters() < 3.8e6  # GPT-Neo 1M: ~3.7M with embeddings
    assert 66e6 < big.num_parameters() < 69e6  # ~68.5M total, 28M non-embedding
    assert [b.attn.window for b in small.blocks] == [0, 256] * 4  # global / local alternate


def test_sampled_stories_stop_at_end_of_text_and_respect_the_cap(capsys) -> None:  # type: ignore[no-untyped-def]
    vocab = Vocabulary.from_token_lists([encode(t) for t in STORIES], 50257,
                                        always=[END_OF_TEXT_ID])
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=16, vocab_size=vocab.size, n_layer=1, n_head=2, n_embd=8,
                          dropout=0.0))
    with torch.no_grad():  # make the end and the unseen id likely: both must be handled
        model.lm_head.weight[int(vocab.to_model([END_OF_TEXT_ID])[0])] += 0.3
        model.lm_head.weight[vocab.unseen] += 1.0
    made = sample_stories(model, vocab, 40, max_new_tokens=10, seed=1, batch_size=16)
    assert len(made.stories) == len(made.ended) == 40
    assert all(len(s) <= 10 and END_OF_TEXT_ID not in s for s in made.stories)
    assert all(set(s) <= set(vocab.kept) for s in made.stories)  # never the unseen id
    assert all(e or len(s) == 10 for s, e in zip(made.stories, made.ended, strict=True))
    assert 0 < made.ended_share < 1
    again = sample_stories(model, vocab, 40, max_new_tokens=10, seed=1, batch_size=16)
    assert again == made  # seeded
    capsys.readouterr()
    shown = sample_stories(model, vocab, 40, max_new_tokens=10, seed=1, batch_size=16,
                           progress=True)
    assert "sampling stories" in capsys.readouterr().err  # a long sampling shows its bar
    assert shown == made  # and the bar draws no random numbers
    with pytest.raises(ValueError, match="max_new_tokens must be in"):
        sample_stories(model, vocab, 1, max_new_tokens=16, seed=0)


@pytest.mark.slow
def test_stories_pipeline_runs_two_generations_of_both_paradigms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from collapse.gpt.wang_experiment import StoriesConfig, run_stories_recursive

    for paradigm in ("replace", "accumulate-subsample"):
        cfg = StoriesConfig.from_profile("quick", paradigm=paradigm)
        result = run_stories_recursive(cfg, tmp_path / paradigm, device="cpu", progress=False)
        rows = result["rows"]
        assert [r["generation"] for r in rows] == [1, 2]
        assert rows[0]["train_stories"] == rows[1]["train_stories"] == cfg.N
        assert all(np.isfinite(r["perplexity"]) and 0 <= r["p_was_model"] <= 1 for r in rows)
        assert all(0 <= r["ended_share"] <= 1 and r["mean_length"] > 0 for r in rows)
        assert round(result["corpus"]["p_was"], 6) == round(rows[0]["p_was_data"], 6)
        assert result["corpus"]["there_val"] == rows[0]["there_val"] > 0
        assert set(result["samples"]) == {"1", "2"}
        assert result["vocabulary"]["size"] == cfg.train.vocab_size < 50257
    # a finished one-generation run, run again with two, equals the two-generation run
    extended = tmp_path / "extended"
    one = StoriesConfig.from_profile("quick", paradigm="accumulate-subsample", generations=1)
    run_stories_recursive(one, extended, device="cpu", progress=False)
    assert not (extended / "gen_001" / "stories.json").exists()
    result = run_stories_recursive(cfg, extended, device="cpu", progress=False)
    assert ((extended / "gen_001" / "stories.json").read_text()
            == (tmp_path / "accumulate-subsample" / "gen_001" / "stories.json").read_text())
    longer = json.loads((tmp_path / "accumulate-subsample" / "results.json").read_text())
    timing = ("wall_seconds", "sampled_later_seconds")
    for ours, theirs in zip(result["rows"], longer["rows"], strict=True):
        assert ({k: v for k, v in ours.items() if k not in timing}
                == {k: v for k, v in theirs.items() if k not in timing})
    assert result["samples"] == longer["samples"]
    with pytest.raises(ValueError, match="paradigm must be one of"):
        StoriesConfig.from_profile("quick", paradigm="keep-everything")
    with pytest.raises(ValueError, match="k must be a real number > 0"):
        StoriesConfig.from_profile("quick", paradigm="accumulate-subsample", k=0.0)
