"""Seddik et al., Figure 5 (``notebooks/seddik_fig5.md``): the GPT experiment on tiny Shakespeare.

Drawn from the result files of :func:`collapse.gpt.seddik_experiment.run_recursive` (the
committed ``results/seddik_fig5/``, or a recomputation at a profile).
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
    run_times_html,
    scale_table,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim

RESULTS = Path(__file__).resolve().parents[2] / "results" / "seddik_fig5"
"""Committed results: ``results/seddik_fig5/{fully,partially}/results.json``."""
SCHEME_DIRS = ("fully", "partially")


@dataclass(frozen=True)
class Fig5Data(Arrays):
    """Per scheme (rows: Fully, Partially) and generation: deviation and validation losses.

    ``curves_*`` hold the validation loss during training of each generation, padded with NaN.
    """

    generations: NDArray[np.int64]
    deviation: NDArray[np.float64]  # (2, G+1) mean ‖p^(m) − p^(1)‖₁ over the contexts
    val_loss_text: NDArray[np.float64]  # (2, G+1) on held-out tiny Shakespeare
    val_loss_p0: NDArray[np.float64]  # (2, G+1) on held-out samples of p^(0)
    curve_iter: NDArray[np.float64]  # (E,) evaluation iterations
    curves: NDArray[np.float64]  # (2, G+1, E) validation loss on the training data's source
    description: NDArray[np.str_]  # scale, device, git sha of each scheme's run
    floor: NDArray[np.float64]  # ‖p^(1)_a − p^(1)_b‖₁ between generation-1 models of other seeds

    def summary(self) -> dict[str, float | int | str]:
        return {
            "generations": int(self.generations[-1]),
            "fully_final_deviation": float(self.deviation[0, -1]),
            "partially_final_deviation": float(self.deviation[1, -1]),
            "fully_final_val_loss": float(self.val_loss_text[0, -1]),
            "partially_final_val_loss": float(self.val_loss_text[1, -1]),
            "ground_truth_val_loss": float(self.val_loss_text[0, 0]),
            "first_val_loss": float(self.val_loss_text[0, 1]),
        }


def _describe(result: dict[str, Any]) -> str:
    cfg, prov = result["config"], result["provenance"]
    t = cfg["train"]
    return (f"{result['scheme']}: {t['n_layer']} layers x {t['n_embd']} wide, block "
            f"{t['block_size']}, {t['max_iters']} iterations of batch {t['batch_size']}, "
            f"n = {cfg['n']}, N = {cfg['N']} sequences; device {prov['device']}; "
            f"git {prov['git_sha'][:12]}; {prov['created']}")


def run_dirs(results_dir: str | Path = RESULTS) -> list[Path]:
    """The two run folders, Fully then Partially Synthetic."""
    return [Path(results_dir) / name for name in SCHEME_DIRS]


def scale_line(results_dir: str | Path = RESULTS) -> str:
    """One line for the verdict box: the trained shape and size against Table 1's."""
    result = json.loads((run_dirs(results_dir)[0] / "results.json").read_text())
    t = result["config"]["train"]
    return (f"reduced: a {t['n_layer']} × {t['n_embd']} GPT, context {t['block_size']}, "
            f"{len(result['rows']) - 1} generations (Table 1: 8 × 256, context 128; scale "
            f"table below)")


def report_arguments(page: str, results_dir: str | Path = RESULTS) -> dict[str, Any]:
    """The scale, provenance and re-run commands of Figure 5's verdict."""
    commands = [f"collapse train-recursive --scheme {scheme} --profile cpu --device cpu "
                f"-o runs/seddik_{scheme}" for scheme in SCHEME_DIRS]
    return committed_runs_report(page, run_dirs(results_dir), scale_line(results_dir), commands)


FLOOR = "noise_floor.json"
"""Generation 1 retrained from other seeds on the same data (``results/seddik_fig5/``)."""


def noise_floor(results_dir: Path) -> NDArray[np.float64]:
    """The deviations between independently seeded generation-1 models (empty if not run)."""
    path = results_dir / FLOOR
    if not path.exists():
        return np.zeros(0)
    return np.array([pair["deviation_l1"] for pair in json.loads(path.read_text())["pairs"]])


def read_results(results_dir: str | Path = RESULTS) -> Fig5Data:
    """Read ``results_dir/{fully,partially}/results.json`` into the arrays behind Figure 5."""
    results = []
    for name in SCHEME_DIRS:
        path = Path(results_dir) / name / "results.json"
        if not path.exists():
            raise FileNotFoundError(f"no results at {path}: run `collapse train-recursive "
                                    f"--scheme {name} -o {path.parent}` or recompute")
        results.append(json.loads(path.read_text()))
    g = min(len(r["rows"]) for r in results)
    iters = sorted({i for r in results for c in r["curves"].values() for i in c["iter"]})
    curves = np.full((2, g, len(iters)), np.nan)
    for s, r in enumerate(results):
        for m in range(g):
            c = r["curves"][str(m)]
            for i, v in zip(c["iter"], c["val_loss"], strict=True):
                curves[s, m, iters.index(i)] = v

    def column(key: str) -> NDArray[np.float64]:
        return np.array([[row[key] for row in r["rows"][:g]] for r in results], dtype=float)

    return Fig5Data(
        generations=np.arange(g), deviation=column("deviation_l1"),
        val_loss_text=column("val_loss_text"), val_loss_p0=column("val_loss_p0"),
        curve_iter=np.array(iters, dtype=float), curves=curves,
        description=np.array([_describe(r) for r in results]),
        floor=noise_floor(Path(results_dir)),
    )


def plot(data: Fig5Data) -> Figure:
    """Top left: deviation over generations (Fully vs Partially). Top right: final validation
    loss per generation. Bottom: validation loss during training, one line per generation."""
    labels = ["Fully Synthetic", "Partially Synthetic"]
    colors = [PALETTE[3], PALETTE[0]]
    g = data.generations
    with project_style():
        fig, axes = plt.subplots(2, 2, figsize=(10.0, 7.0), layout="constrained")
        ax = axes[0, 0]
        for s in range(2):
            ax.plot(g[1:], data.deviation[s, 1:], "o-", color=colors[s], label=labels[s])
        ax.set(xlabel="generation m", ylabel=r"mean $\|p^{(m)} - p^{(1)}\|_1$ over 300 contexts",
               title="Deviation from the first generation")
        if data.floor.size:
            ax.axhspan(float(data.floor.min()), float(data.floor.max()), color="0.6", alpha=0.35,
                       lw=0, label=f"two seeds' $p^{{(1)}}$ ({data.floor.size} pairs)")
        ax.legend(loc="upper left")
        ax = axes[0, 1]
        for s in range(2):
            ax.plot(g, data.val_loss_text[s], "o-", color=colors[s], label=f"{labels[s]}")
            ax.plot(g, data.val_loss_p0[s], "s:", color=colors[s], ms=3,
                    label=f"{labels[s]}, on samples of $p^{{(0)}}$")
        ax.set(xlabel="generation m", ylabel="validation loss",
               title="Validation loss (text: tiny Shakespeare)")
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.5 * (high - low))  # headroom: the legend sits above the lines
        ax.legend(loc="upper left")
        cmap = plt.get_cmap("viridis")
        for s, ax in enumerate(axes[1]):
            for m in range(1, g.size):
                ax.plot(data.curve_iter, data.curves[s, m], color=cmap(m / max(g.size - 1, 1)),
                        label=f"m = {m}")
            ax.set(xlabel="training iteration", ylabel="validation loss",
                   title=f"{labels[s]}: training curves")
            ax.legend(loc="upper right", ncol=2)
    return fig


def scale_table_markdown(results_dir: str | Path = RESULTS) -> str:
    """Markdown: the committed Fully Synthetic run, the ``paper`` profile, and Table 1."""
    from collapse.gpt.model import GPT
    from collapse.gpt.seddik_experiment import RecursiveConfig
    from collapse.gpt.train import TrainConfig

    result = json.loads((Path(results_dir) / "fully" / "results.json").read_text())
    cfg = result["config"]

    def column(config: dict[str, Any], generations: str, device: str) -> dict[str, str]:
        train = config["train"]
        params = GPT(TrainConfig(**train).model_config()).num_parameters()
        return describe_run(
            train, params, vocabulary=f"{train['vocab_size']} characters",
            data=(f"n = {config['n']:,} sequences of {train['block_size'] + 1} characters "
                  f"(Partially: + N = {config['N']:,} real)"),
            generations=generations,
            extra={"dropout": f"{train['dropout']:g}", "device": device})

    paper_profile = RecursiveConfig.from_profile("paper").to_dict()
    table1 = column({"train": TrainConfig().to_dict(), "n": 0, "N": 0}, "not stated",
                    "GPU")
    table1["data per generation"] = "not stated"
    table1["training"] += " (Table 1)"
    return scale_table([
        ("this page (`cpu` profile)",
         column(cfg, str(len(result["rows"]) - 1), result["provenance"]["device"])),
        ("`paper` profile", column(paper_profile, str(paper_profile["generations"]),
                                   "GPU (not run)")),
        ("Seddik et al.", table1)])


def results_dir(*, recompute: bool, lm_profile: str) -> Path:
    """The committed results, or where a recomputation at ``lm_profile`` writes its runs."""
    return lm_results_dir(RESULTS, f"seddik_fig5_{lm_profile}") if recompute else RESULTS


def data(*, recompute: bool = False, lm_profile: str = "cpu", device: str = "auto") -> Fig5Data:
    """The committed results, or both schemes run (resumably) at ``lm_profile`` first."""
    directory = results_dir(recompute=recompute, lm_profile=lm_profile)
    if recompute:
        from collapse.gpt.seddik_experiment import RecursiveConfig, run_recursive

        for scheme in SCHEME_DIRS:
            run_recursive(RecursiveConfig.from_profile(lm_profile, scheme=scheme),
                          directory / scheme, device=device, progress=False)
    return read_results(directory)


def summary(data: Fig5Data) -> dict[str, float | int | str]:
    return {**data.summary(), "scale_fully": str(data.description[0]),
            "scale_partially": str(data.description[1]),
            "fully_drift_ratio": float(data.deviation[0, -1] / data.deviation[0, 2]),
            "floor_pairs": int(data.floor.size),
            "floor_mean": float(data.floor.mean()) if data.floor.size else float("nan"),
            "floor_max": float(data.floor.max()) if data.floor.size else float("nan"),
            "floor_sd": float(data.floor.std(ddof=1)) if data.floor.size > 1 else float("nan"),
            "runs_with_provenance": sum("git" in d for d in data.description),
            "runs": len(data.description)}


def html(data: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """The run-time table of the committed runs (pasted on the reproducibility page)."""
    directory = results_dir(recompute=values["recompute"], lm_profile=values["lm_profile"])
    return {"run_times": run_times_html(run_dirs(directory))}


def report_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return report_arguments("seddik_fig5", results_dir(recompute=values["recompute"],
                                                       lm_profile=values["lm_profile"]))


def markdown(data: Fig5Data, values: Mapping[str, Any]) -> dict[str, str]:
    directory = results_dir(recompute=values["recompute"], lm_profile=values["lm_profile"])
    return {"scale_table": "**How far the miniature is from the original.**\n\n"
                           + scale_table_markdown(directory)}


def _beyond_floor(s: Mapping[str, Any]) -> bool | None:
    if not s["floor_pairs"] >= 2:
        return None  # no noise floor: the drift cannot be told from retraining noise
    if s["fully_final_deviation"] > s["floor_mean"] + 3 * s["floor_sd"]:
        return True
    return False if s["fully_final_deviation"] < s["floor_max"] else None


def _real_data_hold(s: Mapping[str, Any]) -> bool | None:
    if s["partially_final_deviation"] >= s["fully_final_deviation"]:
        return False
    if not s["floor_pairs"] >= 2:
        return None
    ceiling = s["floor_mean"] + 3 * s["floor_sd"]
    return True if s["partially_final_deviation"] <= ceiling < s["fully_final_deviation"] else None


CLAIMS = (
    Claim("fully_drifts", r"Fully Synthetic drifts beyond retraining noise: at the last "
          r"generation its deviation from $p^{(1)}$ exceeds the deviation between two seeds' "
          r"$p^{(1)}$ by more than 3 sd of the seed pairs (refuted below the largest pair)",
          _beyond_floor,
          quote="we clearly see that ‖p(m) − p(1)‖1 diverges over generations in the Fully "
                "Synthetic setting", source="§4, Fig. 5 (top left)",
          measure=("Fully Synthetic deviation at the last generation (± sd of the seed floor)",
                   "fully_final_deviation", "floor_sd")),
    Claim("real_data_hold",
          "real data hold the model: Partially Synthetic stays within retraining noise at the "
          "last generation (below the floor's mean + 3 sd) while Fully leaves it (refuted if "
          "Partially deviates as much as Fully)",
          _real_data_hold,
          quote="while mixing with real data ensures stability over generations",
          source="§4, Fig. 5 (top left)",
          measure=("Partially Synthetic deviation at the last generation (± sd of the seed "
                   "floor)",
                   "partially_final_deviation", "floor_sd")),
)
BOOKKEEPING = (  # our quality targets, not the paper's claims
    Claim("ground_truth",
          r"the ground truth $p^{(0)}$ has learned the text: ≤ 1.9 nats on held-out Shakespeare",
          lambda s: s["ground_truth_val_loss"] <= 1.9),
    Claim("generations", "at least 10 generations", lambda s: s["generations"] >= 10),
    Claim("provenance", "result files carry provenance",
          lambda s: s["runs_with_provenance"] == s["runs"]),
)
