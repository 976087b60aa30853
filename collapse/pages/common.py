"""Pieces several pages share: the paper's colours, array export, the panels of the
statistical figures, and the scale tables of the language-model pages.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from collapse.plotting import PALETTE
from collapse.report import Computed

RUN_COLOR = "#E8B500"  # the paper's thin yellow per-run lines
MEAN_COLOR = "#C0392B"  # the paper's red mean
FORMULA_COLOR = "#1F5FBF"  # the paper's blue dashed closed form
VOCAB_SIZE = 600
"""s = 600 tokens in every statistical figure of the paper."""


class Arrays:
    """Mixin: every field as a flat mapping (for .npz export and data baselines)."""

    def arrays(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


def initial_panel(ax: Axes, p: NDArray[np.float64], title: str, shown: int) -> None:
    """The paper's top-row view of p: probabilities (log scale) over the first ``shown`` tokens.

    ``shown`` is the largest support of the figure's columns: the remaining tokens of the
    s = 600 vocabulary have p_i = 0 and would leave most of the panel empty.
    """
    tokens = np.arange(1, p.size + 1)
    ax.semilogy(tokens[p > 0], p[p > 0], ".", ms=3, color=PALETTE[0])
    ax.set_xlim(0, shown + 1)
    ax.set_xlabel(f"token $i$ (first {shown} of {p.size})" if shown < p.size else "token $i$")
    ax.set_title(title)


def largest_support(initial: NDArray[np.float64]) -> int:
    return int(max(np.flatnonzero(p > 0).max() + 1 for p in initial))


SHOWN_RUNS = 3
"""Runs drawn one by one; the rest show as the 10–90 % band (100 lines would be a solid block)."""


def run_lines(ax: Axes, values: NDArray[np.float64], ylabel: str | None, *,
               first: int = 0) -> None:
    """The 10–90 % band of the runs, a few single runs and the bold mean with its ±2 SE band,
    over m = first..G.

    The deviation rows start at m = 2: ‖p^(m) − p^(1)‖₁ is 0 at m = 1 by definition, and m = 0
    (the distance from the ground truth to the first estimate) is another quantity.
    """
    m = np.arange(values.shape[0])[first:]
    values = values[first:]
    low, high = np.quantile(values, [0.1, 0.9], axis=1)
    ax.fill_between(m, low, high, color=RUN_COLOR, alpha=0.3, lw=0, label="10–90 % of runs")
    ax.plot(m, values[:, :SHOWN_RUNS], color=RUN_COLOR, lw=0.6, alpha=0.9)
    mean = values.mean(axis=1)
    se = values.std(axis=1, ddof=1) / np.sqrt(values.shape[1])
    ax.fill_between(m, mean - 2 * se, mean + 2 * se, color=MEAN_COLOR, alpha=0.35, lw=0)
    ax.plot(m, mean, color=MEAN_COLOR, lw=1.8, label="mean over runs (±2 SE)")
    ax.set_xlabel("generation m")
    if ylabel:
        ax.set_ylabel(ylabel)



def legend_below(ax: Axes, ncol: int = 1) -> None:
    """The axes' legend under its x label, off the data (constrained layout makes room)."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)


def _thousands(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2g}M" if x < 1e7 else f"{x / 1e6:.0f}M"
    return f"{x:,.0f}"


def training_tokens(train: Mapping[str, Any]) -> int:
    """Token positions trained per generation: iterations × batch × context."""
    return int(train["max_iters"]) * int(train["batch_size"]) * int(train["block_size"])


def describe_run(train: Mapping[str, Any], parameters: int, *, vocabulary: str,
                 data: str, generations: str, extra: Mapping[str, str] | None = None
                 ) -> dict[str, str]:
    """One column of the table from a training configuration (as in results.json)."""
    column = {
        "model": f"{train['n_layer']} layers × {train['n_embd']}, {train['n_head']} heads",
        "parameters": _thousands(parameters),
        "vocabulary": vocabulary,
        "context (tokens)": str(train["block_size"]),
        "training": (f"{train['max_iters']:,} iterations × {train['batch_size']} sequences, "
                     f"learning rate {train['learning_rate']:g}"
                     + (f" → {train['min_lr']:g} (cosine)"
                        if train.get("lr_decay", "none") == "cosine" else "")),
        "tokens trained per generation": _thousands(training_tokens(train)),
        "data per generation": data,
        "generations": generations,
    }
    column.update(extra or {})
    return column


def committed_runs_report(page: str, run_dirs: Sequence[Path], scale: str,
                          train_commands: Sequence[str]) -> dict[str, Any]:
    """:func:`collapse.report.page_report`'s keywords for a page drawn from committed runs.

    The scale is always reduced (the ``cpu`` profile), the provenance is the runs' own (device,
    commit, date in each ``results.json``), and the re-run box gives the resumable training
    commands followed by the page's recompute.
    """
    commands = [*train_commands, f"collapse run notebooks/{page}.md -p recompute true "
                f"-p lm_profile cpu"]
    rerun = "\n".join(commands)
    return {"scale": scale, "reduced": True, "computed": Computed.from_results(run_dirs),
            "rerun": rerun}


def scale_table(columns: Sequence[tuple[str, Mapping[str, str]]]) -> str:
    """A Markdown table: one row per quantity, one column per (title, column)."""
    keys: list[str] = []
    for _, col in columns:
        keys += [k for k in col if k not in keys]
    lines = ["| | " + " | ".join(title for title, _ in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(col.get(key, "–") for _, col in columns) + " |")
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], *,
                   digits: int = 3) -> str:
    """A plain Markdown table; floats rounded to ``digits`` significant places, NaN rows
    skipped."""
    def cell(x: object) -> str:
        if isinstance(x, float):
            return f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"
        return str(x)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if any(isinstance(x, float) and x != x for x in row):
            continue
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    return "\n".join(lines)


def lm_results_dir(committed: Path, name: str) -> Path:
    """Where a language-model page recomputes its runs: ``<output dir>/<name>`` under a
    notebook run (``collapse run``), else ``runs/<name>`` beside the committed ``results/``."""
    from collapse.plotting import output_dir

    return (output_dir() or committed.parents[1] / "runs") / name


def run_times_html(run_dirs: Sequence[Path]) -> str:
    """An HTML table of committed language-model runs (the reproducibility page pastes it):
    per run, the device, threads, generations, wall time in all and per generation, commits.

    Read from each ``results.json``: the rows' ``wall_seconds`` (training and evaluation of
    each generation) and the provenance of the last call.
    """
    rows = ["<table class=\"table run-times\"><thead><tr><th>run</th><th>device</th>"
            "<th>threads</th><th>generations</th><th>wall time</th><th>per generation</th>"
            "<th>commit of the last call</th></tr></thead><tbody>"]
    for directory in run_dirs:
        result = json.loads((Path(directory) / "results.json").read_text())
        walls = [float(r["wall_seconds"]) for r in result["rows"] if "wall_seconds" in r]
        prov = result["provenance"]
        trained = len(walls)
        rows.append(
            f"<tr><td><code>{html.escape(Path(directory).name)}</code></td>"
            f"<td>{html.escape(prov['device'])} ({html.escape(prov.get('machine', ''))})</td>"
            f"<td>{prov.get('torch_threads', '—')}</td><td>{trained}</td>"
            f"<td>{sum(walls) / 3600:.1f} h</td>"
            f"<td>{(sum(walls) / trained / 60 if trained else float('nan')):.1f} min</td>"
            f"<td><code>{html.escape(prov['git_sha'][:10])}</code></td></tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)
