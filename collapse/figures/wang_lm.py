"""Wang et al. Figures 2 and 3 from result files of :mod:`collapse.gpt.wang_experiment`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray

from collapse.figures.lm_scale import committed_runs_report
from collapse.figures.seddik_schemes import _Arrays
from collapse.plotting import PALETTE, project_style

RESULTS = Path(__file__).resolve().parents[2] / "results" / "wang"
"""Committed results: ``results/wang/<model>_<paradigm>/results.json``."""
RUNS = (("1m", "replace"), ("1m", "accumulate"), ("33m", "replace"), ("33m", "accumulate"))
CPU_RUNS = {"1m_replace": "replace", "1m_accumulate": "accumulate-subsample"}
"""The committed runs at the ``cpu`` profile: results folder → ``collapse train-stories
--paradigm``. Each ran in ``runs/wang_<replace|accumulate>``."""


@dataclass(frozen=True)
class WangLMData(_Arrays):
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
    """``page_report``'s scale, provenance and re-run commands for Figures 2 and 3."""
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


def wang_lm_data(results_dir: str | Path = RESULTS) -> WangLMData:
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
    )


def wang_scale_table(results_dir: str | Path = RESULTS) -> str:
    """Markdown: the committed 1M Replace run, the ``paper`` profile, and Wang et al."""
    from collapse.figures.lm_scale import describe_run, scale_table
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
    return {m: texts[0] for m, texts in result["samples"].items() if texts}


def wang_fig2_plot(data: WangLMData) -> Figure:
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
            ax.set(xlabel="generation n", ylabel="probability", ylim=(-0.02, 1.0),
                   title=str(data.labels[i]))
            ax.set_xticks(g)
        # one legend under the panels, a row per word: the legend fills column by column
        handles, labels = axes[0, 0].get_legend_handles_labels()
        order = [0, 3, 1, 4, 2, 5]
        fig.legend([handles[j] for j in order], [labels[j] for j in order],
                   loc="outside lower center", ncol=3, fontsize=10)
    return fig


def wang_fig3_plot(data: WangLMData) -> Figure:
    """Perplexity on the validation stories against the generation, every run."""
    with project_style():
        fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
        for i, label in enumerate(data.labels):
            style = "o-" if "Replace" in label else "s--"
            ax.plot(data.generations, data.perplexity[i], style,
                    color=PALETTE[i % len(PALETTE)], label=str(label))
        ax.set(xlabel="generation n", ylabel="perplexity on TinyStories validation",
               yscale="log", title="Perplexity over generations")
        ax.set_xticks(data.generations)
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(FuncFormatter(lambda y, _: f"{y:g}"))  # 40, 50, 60 rather than 4 × 10¹
        ax.legend(loc="upper left")
    return fig
