"""The scale table of a language-model page: our run, the ``paper`` profile and the paper.

A reader sees in one table how far the miniature that produced the committed results is from
the original: model shape and size, vocabulary, context, tokens trained per generation, data
per generation, generations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from collapse.report import Computed


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
