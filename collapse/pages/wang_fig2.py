"""Wang et al., Figure 2 (``notebooks/wang_fig2.md``): p(was | there) over the generations.

Reads the result files of :mod:`collapse.gpt.wang_experiment` (committed ``results/wang/`` or a
recomputation); the readers, summary and scale table are shared with Figure 3
(:mod:`collapse.pages.wang_fig3`, the same runs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.pages.common import (
    Arrays,
    committed_runs_report,
    describe_run,
    lm_results_dir,
    markdown_table,
    run_times_html,
    scale_table,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim

RESULTS = Path(__file__).resolve().parents[2] / "results" / "wang"
"""Committed results: ``results/wang/<model>_<paradigm>/results.json``."""
RUNS = (("1m", "replace"), ("1m", "accumulate"), ("33m", "replace"), ("33m", "accumulate"))
CPU_RUNS = {"1m_replace": "replace", "1m_accumulate": "accumulate-subsample"}
"""The committed runs at the ``cpu`` profile: results folder → ``collapse train-stories
--paradigm``. Each ran in ``runs/wang_<replace|accumulate>``."""


@dataclass(frozen=True)
class WangLMData(Arrays):
    """Every available run (``labels``): per generation perplexity and the there-statistics.

    Arrays are (runs, G) padded with NaN. ``corpus_p_was``/``corpus_p_were``: the share of the
    "there" occurrences of the validation stories followed by " was"/" were", the very
    occurrences at which the models' probabilities are averaged (the same statistic);
    ``train_p_was``: the value on the real training stories of generation 1.
    """

    labels: NDArray[np.str_]
    generations: NDArray[np.int64]
    perplexity: NDArray[np.float64]
    p_was_model: NDArray[np.float64]
    p_were_model: NDArray[np.float64]
    p_was_data: NDArray[np.float64]
    p_were_data: NDArray[np.float64]
    ended_share: NDArray[np.float64]  # share of sampled stories that ended by themselves
    mean_length: NDArray[np.float64]  # mean length (GPT-2 tokens) of the sampled stories
    corpus_p_was: float
    corpus_p_were: float
    there_val: int
    train_p_was: float
    train_p_were: float
    real_mean_length: float
    description: NDArray[np.str_]
    floor_p_was: NDArray[np.float64]  # generation 1 of Replace from other seeds, same data
    floor_ppl: NDArray[np.float64]

    def summary(self) -> dict[str, float | int | str]:
        first = self.perplexity[:, 0]
        last = np.array([_last_finite(row) for row in self.perplexity])
        accumulate = [i for i, label in enumerate(self.labels) if "Accumulate" in str(label)]
        a = accumulate[0] if accumulate else None  # NaN below when no such run is present
        return {
            "runs": int(self.labels.size),
            "generations": int(np.isfinite(self.perplexity).sum(axis=1).max()),
            "generations_min": int(np.isfinite(self.perplexity).sum(axis=1).min()),
            "corpus_p_was": self.corpus_p_was,
            "corpus_p_were": self.corpus_p_were,
            "there_val": self.there_val,
            "train_p_was": self.train_p_was,
            "real_mean_length": self.real_mean_length,
            "first_ended_share": float(self.ended_share[0, 0]),
            "first_mean_length": float(self.mean_length[0, 0]),
            "first_p_were": float(self.p_were_model[0, 0]),
            "replace_first_ppl": float(first[0]),
            "replace_last_ppl": float(last[0]),
            "replace_first_p_was": float(self.p_was_model[0, 0]),
            "replace_last_p_was": _last_finite(self.p_was_model[0]),
            "replace_last_p_was_data": _last_finite(self.p_was_data[0]),
            "accumulate_last_ppl": float(last[a]) if a is not None else float("nan"),
            "accumulate_max_ppl": (float(np.nanmax(self.perplexity[a])) if a is not None
                                   else float("nan")),
            "accumulate_last_p_was": (_last_finite(self.p_was_model[a]) if a is not None
                                      else float("nan")),
        }


def _last_finite(row: NDArray[np.float64]) -> float:
    """The last generation a run reached (rows are padded with NaN)."""
    return float(row[np.isfinite(row)][-1])


def _describe(label: str, result: dict[str, Any]) -> str:
    cfg, prov, t = result["config"], result["provenance"], result["config"]["train"]
    return (f"{label}: {result['parameters'] / 1e6:.2f}M parameters ({t['n_layer']} layers × "
            f"{t['n_embd']}, context {t['block_size']}, {cfg['vocabulary']} vocabulary), "
            f"{t['max_iters']} iterations of batch {t['batch_size']}, N = {cfg['N']} stories "
            f"per generation, up to {cfg['max_new_tokens']} new tokens per story; "
            f"{len(result['rows'])} generations; device {prov['device']}; git "
            f"{prov['git_sha'][:12]}; {prov['created'][:10]}")


def run_dirs(results_dir: str | Path = RESULTS) -> list[Path]:
    """The run folders present under ``results_dir`` (``1m_replace``, ``1m_accumulate``, …)."""
    return [Path(results_dir) / f"{model}_{paradigm}" for model, paradigm in RUNS
            if (Path(results_dir) / f"{model}_{paradigm}" / "results.json").exists()]


def scale_line(results_dir: str | Path = RESULTS) -> str:
    """One line for the verdict box: the trained shape and size against the paper's."""
    results = [json.loads((d / "results.json").read_text()) for d in run_dirs(results_dir)]
    t = results[0]["config"]["train"]
    generations = min(len(r["rows"]) for r in results)
    return (f"reduced: a {t['n_layer']} × {t['n_embd']} GPT ({results[0]['parameters'] / 1e6:.1f}M "
            f"parameters), {generations} generations (the paper: GPT-Neo 1M and 33M, 40 "
            f"generations; scale table below)")


def report_arguments(page: str, results_dir: str | Path = RESULTS) -> dict[str, Any]:
    """The scale, provenance and re-run commands of the verdicts of Figures 2 and 3."""
    generations = {folder: json.loads((Path(results_dir) / folder / "results.json").read_text())[
        "config"]["generations"] for folder in CPU_RUNS}
    commands = [f"collapse train-stories --paradigm {paradigm} --profile cpu --device cpu "
                f"--set generations {generations[folder]} "
                f"-o runs/wang_{folder.removeprefix('1m_')}"
                for folder, paradigm in CPU_RUNS.items()]
    return committed_runs_report(page, run_dirs(results_dir), scale_line(results_dir), commands)


def run_label(config: dict[str, Any]) -> str:
    """``4 × 128, Replace`` or ``4 × 128, Accumulate-Subsample (k = 1)``: the shape actually
    trained (profiles may resize it) and the paradigm, as Wang et al. name it."""
    t = config["train"]
    paradigm = ("Replace" if config["paradigm"] == "replace"
                else f"Accumulate-Subsample (k = {config['k']:g})")
    return f"{t['n_layer']} × {t['n_embd']}, {paradigm}"


def read_results(results_dir: str | Path = RESULTS) -> WangLMData:
    """Read every run present under ``results_dir`` (at least one Replace run is required)."""
    found = []
    for model, paradigm in RUNS:
        path = Path(results_dir) / f"{model}_{paradigm}" / "results.json"
        if path.exists():
            result = json.loads(path.read_text())
            found.append((run_label(result["config"]), result))
    if not found or found[0][1]["config"]["paradigm"] != "replace":
        raise FileNotFoundError(f"no Replace results under {results_dir}: run `collapse "
                                f"train-stories` (see the page) or recompute")
    g = max(len(r["rows"]) for _, r in found)

    def column(key: str) -> NDArray[np.float64]:
        out = np.full((len(found), g), np.nan)
        for i, (_, r) in enumerate(found):
            out[i, : len(r["rows"])] = [row[key] for row in r["rows"]]
        return out

    corpus = found[0][1]["corpus"]
    return WangLMData(
        labels=np.array([label for label, _ in found]), generations=np.arange(1, g + 1),
        perplexity=column("perplexity"), p_was_model=column("p_was_model"),
        p_were_model=column("p_were_model"), p_was_data=column("p_was_data"),
        p_were_data=column("p_were_data"), ended_share=column("ended_share"),
        mean_length=column("mean_length"), corpus_p_was=float(corpus["p_was_val"]),
        corpus_p_were=float(corpus["p_were_val"]), there_val=int(corpus["there_val"]),
        train_p_was=float(corpus["p_was"]), train_p_were=float(corpus["p_were"]),
        real_mean_length=float(corpus["mean_length"]),
        description=np.array([_describe(label, r) for label, r in found]),
        **noise_floor(Path(results_dir)),
    )


FLOOR = "noise_floor.json"
"""Generation 1 retrained from other seeds on the same stories (``results/wang/``)."""


def noise_floor(results_dir: Path) -> dict[str, NDArray[np.float64]]:
    """p(was | there) and perplexity of generation 1 from every seed (empty if not run)."""
    path = results_dir / FLOOR
    seeds = json.loads(path.read_text())["seeds"] if path.exists() else []
    return {"floor_p_was": np.array([s["p_was_model"] for s in seeds], dtype=float),
            "floor_ppl": np.array([s["perplexity"] for s in seeds], dtype=float)}


def scale_table_markdown(results_dir: str | Path = RESULTS) -> str:
    """Markdown: the committed 1M Replace run, the ``paper`` profile, and Wang et al."""
    from collapse.gpt.model import GPT
    from collapse.gpt.wang_experiment import StoriesConfig

    result = json.loads((Path(results_dir) / "1m_replace" / "results.json").read_text())
    cfg = result["config"]
    voc = result["vocabulary"]
    ours = describe_run(
        cfg["train"], result["parameters"],
        vocabulary=(f"{voc['size']:,} (compact: the GPT-2 ids of the training stories + one "
                    f"for the {voc['unseen_gpt2_ids']:,} others)" if voc["kind"] == "compact"
                    else f"{voc['size']:,} (GPT-2)"),
        data=f"{cfg['N']:,} stories", generations=str(len(result["rows"])),
        extra={"new tokens per sampled story": f"up to {cfg['max_new_tokens']}",
               "device": result["provenance"]["device"]})
    paper_cfg = StoriesConfig.from_profile("paper")
    paper_profile = describe_run(
        paper_cfg.train.to_dict(), GPT(paper_cfg.train.model_config()).num_parameters(),
        vocabulary="50,257 (GPT-2)", data=f"{paper_cfg.N:,} stories (all of ours)",
        generations=str(paper_cfg.generations),
        extra={"new tokens per sampled story": f"up to {paper_cfg.max_new_tokens}",
               "device": "GPU (not run)"})
    authors = {
        "model": "GPT-Neo 1M: 8 layers × 64, 16 heads; 33M: 4 layers × 768, 16 heads",
        "parameters": "3.7M (1M-class) / 68M (33M-class), embeddings included",
        "vocabulary": "50,257 (GPT-2)", "context (tokens)": "up to 2,048",
        "training": "3 epochs, batch 320 stories, learning rate 5e-4 constant",
        "tokens trained per generation": "≈ 600M (3 epochs of 1M stories)",
        "data per generation": "1M stories (generation 1: all of TinyStories)",
        "generations": "40", "new tokens per sampled story": "up to 600",
        "device": "GPUs"}
    return scale_table([("this page (`cpu` profile)", ours),
                        ("`paper` profile", paper_profile), ("Wang et al.", authors)])


def wang_samples(results_dir: str | Path = RESULTS, run: str = "1m_replace") -> dict[str, str]:
    """The first decoded sample story of every generation of one run."""
    result = json.loads((Path(results_dir) / run / "results.json").read_text())
    return {m: texts[0] for m, texts in sorted(result["samples"].items(),
                                              key=lambda item: int(item[0])) if texts}


def plot(data: WangLMData) -> Figure:
    """p(was|there), p(were|there): models (solid), their training data (dashed), corpus
    (dotted), per generation; one panel per run."""
    with project_style():
        fig, axes = plt.subplots(1, data.labels.size,
                                 figsize=(min(10.0, 4.6 * data.labels.size), 3.8),
                                 layout="constrained", squeeze=False)
        for i, ax in enumerate(axes[0]):
            g = data.generations
            for key, color in (("was", PALETTE[0]), ("were", PALETTE[3])):
                ax.plot(g, getattr(data, f"p_{key}_model")[i], "o-", color=color,
                        label=f"model p({key}|there)")
                ax.plot(g, getattr(data, f"p_{key}_data")[i], "s--", color=color, ms=3,
                        alpha=0.6, label=f"its training data p({key}|there)")
                ax.axhline(getattr(data, f"corpus_p_{key}"), color=color, ls=":",
                           label=f"validation stories p({key}|there)")
            if data.floor_p_was.size >= 2:  # retraining noise: generation 1, other seeds
                ax.axhspan(float(data.floor_p_was.min()), float(data.floor_p_was.max()),
                           color="0.6", alpha=0.35, lw=0,
                           label=f"p(was|there), generation 1 of {data.floor_p_was.size} seeds")
            ax.set(xlabel="generation n", ylabel="probability", ylim=(-0.02, 1.0),
                   title=str(data.labels[i]))
            ax.set_xticks(g)
        # one legend under the panels, a row per word: the legend fills column by column
        handles, labels = axes[0, 0].get_legend_handles_labels()
        order = [0, 3, 1, 4, 2, 5, *range(6, len(handles))]
        fig.legend([handles[j] for j in order], [labels[j] for j in order],
                   loc="outside lower center", ncol=3, fontsize=10)
    return fig


def results_dir(*, recompute: bool, lm_profile: str) -> Path:
    """The committed results, or where a recomputation at ``lm_profile`` writes its runs."""
    return lm_results_dir(RESULTS, f"wang_{lm_profile}") if recompute else RESULTS


def data(*, recompute: bool = False, lm_profile: str = "cpu", device: str = "auto") -> WangLMData:
    """The committed results, or both paradigms run (resumably) at ``lm_profile`` first."""
    directory = results_dir(recompute=recompute, lm_profile=lm_profile)
    if recompute:
        from collapse.gpt.wang_experiment import StoriesConfig, run_stories_recursive

        for name, paradigm in CPU_RUNS.items():
            run_stories_recursive(StoriesConfig.from_profile(lm_profile, paradigm=paradigm),
                                  directory / name, device=device, progress=False)
    return read_results(directory)


def lm_summary(data: WangLMData) -> dict[str, float | int | str]:
    """The summary of Figures 2 and 3."""
    def spread(x: NDArray[np.float64]) -> float:
        return float(x.max() - x.min()) if x.size >= 2 else float("nan")

    s = data.summary()
    return {**s, "scale": str(data.description[0]),
            "replace_p_was_change": abs(float(s["replace_last_p_was"])
                                        - float(s["replace_first_p_was"])),
            "replace_ppl_change": float(s["replace_last_ppl"]) - float(s["replace_first_ppl"]),
            "runs_with_provenance": sum("git" in d for d in data.description),
            "floor_seeds": int(data.floor_p_was.size),
            "floor_p_was_spread": spread(data.floor_p_was),
            "floor_ppl_spread": spread(data.floor_ppl)}


def summary(data: WangLMData) -> dict[str, float | int | str]:
    s = lm_summary(data)
    for g in ("first", "last"):
        s[f"replace_{g}_corpus_gap"] = abs(s[f"replace_{g}_p_was"] - s["corpus_p_was"])  # type: ignore[operator]
    return s


def generation_tables(data: WangLMData) -> str:
    """One Markdown table per run: the there-statistics, perplexity and sampled stories."""
    from collapse.gpt.wang_experiment import SHOWN_FROM_LAST

    header = ("generation", "p(was ∣ there)", "p(were ∣ there)", "p(was ∣ there) in its data",
              "perplexity", "sampled stories that ended", "their mean length")
    tables = [f"**{label}**\n\n" + markdown_table(header, [
        (int(g), float(data.p_was_model[i, j]), float(data.p_were_model[i, j]),
         float(data.p_was_data[i, j]), float(data.perplexity[i, j]),
         float(data.ended_share[i, j]), float(data.mean_length[i, j]))
        for j, g in enumerate(data.generations)]) for i, label in enumerate(data.labels)]
    return ("\n\n".join(tables) + "\n\nThe last two columns count the stories each "
            "generation sampled for the next one's training data; the last generation, whose "
            f"stories no generation trains on, samples {SHOWN_FROM_LAST} for them.")


def markdown(data: WangLMData, values: Mapping[str, Any]) -> dict[str, str]:
    directory = results_dir(recompute=values["recompute"], lm_profile=values["lm_profile"])
    samples = "\n\n".join(f"**Generation {m}.** {text[:400].replace(chr(10), ' ')}"
                           for m, text in wang_samples(directory).items())
    return {"scale_table": "**How far the miniature is from the original.**\n\n"
                           + scale_table_markdown(directory),
            "tables": generation_tables(data), "samples": samples}


def html(data: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """The run-time table of the committed runs (pasted on the reproducibility page)."""
    directory = results_dir(recompute=values["recompute"], lm_profile=values["lm_profile"])
    return {"run_times": run_times_html(run_dirs(directory))}


def report_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return report_arguments("wang_fig2", results_dir(recompute=values["recompute"],
                                                     lm_profile=values["lm_profile"]))


def beyond_seeds(change: float, spread: float, seeds: int) -> bool | None:
    """A change beyond 3 × the seed spread: confirmed; within 1 ×: refuted; else (or without a
    floor of at least 3 seeds) not resolved."""
    if seeds < 3:
        return None
    return True if change > 3 * spread else (False if change < spread else None)


FIRST_PPL_CLAIM = Claim("first_ppl", "generation 1 has learned the stories: perplexity ≤ 40",
                        lambda s: s["replace_first_ppl"] <= 40)
GENERATIONS_CLAIM = Claim("generations", "at least 10 generations in every run",
                          lambda s: s["generations_min"] >= 10)
PROVENANCE = Claim("provenance", "every run has provenance",
                   lambda s: s["runs_with_provenance"] == s["runs"])
CLAIMS = (
    Claim("replace_drifts",
          "Replace drifts: p(was ∣ there) moves from generation 1 to the last by more than 3 × "
          "its spread over generation-1 models of other seeds (refuted within 1 ×)",
          lambda s: beyond_seeds(s["replace_p_was_change"], s["floor_p_was_spread"],
                                 s["floor_seeds"]),
          quote="as n increases, the solid lines gradually deviate from the dotted lines, "
                "underscoring the growing disconnect between the output of LMs and the initial "
                "training text", source="Fig. 2 caption (summary)",
          measure=("change of p(was ∣ there), generation 1 to the last, Replace (± spread over "
                   "seeds)",
                   "replace_p_was_change", "floor_p_was_spread")),
)
BOOKKEEPING = (  # our quality targets for the first generation, not the paper's claims
    Claim("first_p_was", "generation 1 has learned p(was ∣ there): ≥ 0.6",
          lambda s: s["replace_first_p_was"] >= 0.6),
    FIRST_PPL_CLAIM,
    Claim("first_ended", "generation 1 writes whole stories: ≥ 95 % end by themselves",
          lambda s: s["first_ended_share"] >= 0.95),
    GENERATIONS_CLAIM,
    PROVENANCE,
)
