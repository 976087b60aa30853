"""One loop for every recursive language-model experiment: generation after generation.

An experiment says what its corpus is, how a model is sampled and what is measured; the loop
does the rest, identically for Seddik et al.'s tiny-Shakespeare experiment
(:mod:`collapse.gpt.seddik_experiment`) and Wang et al.'s TinyStories one
(:mod:`collapse.gpt.wang_experiment`):

1. assemble generation m's training data from the scheme (``experiment.training_data``),
2. train a fresh model on it with mid-training checkpoints (``gen_00m/partial.pt``),
3. let the experiment sample what later generations need and measure the model
   (``experiment.after_training``), then mark the generation complete (``gen_00m/metrics.json``),
4. rewrite ``results.csv`` and ``results.json`` with every completed generation and provenance.

A run directory remembers its configuration (``config.json``); a different one is refused,
except for more ``generations``: a finished run is extended by running it again with more (the
old last generation's model, kept in ``gen_00m/model.pt``, then samples the corpus that the next
generation trains on, exactly as a run started with more generations would). One
process at a time writes it (``.lock``, see :mod:`collapse.rundir`); ``run.json`` tells its
status; each generation's record checksums the files it wrote, checked on resume.
Running the same command again skips completed generations and resumes the one in progress
from its last checkpoint: a run killed at any point loses at most ``checkpoint_every``
iterations. Under torchrun every rank trains; rank 0 alone samples and writes.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
from tqdm import tqdm

from collapse.gpt.model import GPT
from collapse.gpt.train import (
    FIELD_TYPES,
    TrainConfig,
    barrier,
    pick_device,
    rank_world,
    train,
)
from collapse.provenance import process_git_sha, stamp, write_json_atomic
from collapse.rundir import (
    FORMAT_VERSION,
    DamagedFileError,
    atomic_write,
    check_format,
    checksums,
    exclusive,
    output_directory,
    read_json,
    verify_checksums,
)
from collapse.settings import TYPE_WORDS
from collapse.validation import check_int, progress_disabled

C = TypeVar("C")


class ExperimentConfig(Protocol):
    @property
    def generations(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def train_seed(self) -> int: ...
    @property
    def train(self) -> TrainConfig: ...

    def to_dict(self) -> dict[str, Any]: ...


class Experiment(Protocol):
    """What a recursive experiment plugs into :func:`run_generations`."""

    @property
    def config(self) -> ExperimentConfig: ...
    @property
    def first_generation(self) -> int:
        """0 when a ground-truth model is first trained on the real corpus, else 1."""
    @property
    def label(self) -> str:
        """For the progress bar and results.json."""
    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of results.csv."""
    @property
    def record_fields(self) -> dict[str, type | tuple[type, ...]]:
        """The fields (and types) of a generation's record besides :data:`RECORD_FIELDS`."""

    def prepare(self, out: Path, device: torch.device) -> None:
        """Load the corpora (every call, also on resume)."""

    def validation(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Fixed windows (x, y) on which generation m's training curve is measured."""

    def training_data(self, m: int) -> tuple[np.ndarray, dict[str, Any]]:
        """Generation m's training data (a token stream or (S, L+1) sequences) and facts
        about it for the record (sizes, statistics)."""

    def after_training(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        """Sample what later generations need (into ``gen_dir(m)``, by :meth:`sample_for_later`)
        and measure the model (``progress``: show bars over the sampling and scoring)."""

    def sample_for_later(self, m: int, model: GPT, progress: bool) -> dict[str, Any]:
        """Sample from generation m's model the corpus that generations after m train on (into
        ``gen_dir(m)``); return the record's fields that this sample determines."""

    def missing_samples(self, m: int) -> bool:
        """Whether completed generation m lacks that corpus (it was the last generation of a
        run with fewer generations)."""

    def results(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Complete the rows in place (quantities across generations); return extra top-level
        fields of results.json."""


def gen_dir(out: Path, m: int) -> Path:
    return out / f"gen_{m:03d}"


def run_generations(experiment: Experiment, out_dir: str | Path, *, device: str = "auto",
                    checkpoint_every: int = 50, progress: bool | None = None
                    ) -> dict[str, Any]:
    """Run (or resume) ``experiment`` in ``out_dir``; returns the results dictionary.

    The directory is locked for the call (:func:`collapse.rundir.exclusive`: a second writer is
    refused, naming this one); ``run.json`` says whether the run is running, complete,
    interrupted (Ctrl-C: the current generation's training is checkpointed first) or failed.
    """
    process_git_sha()  # the commit of the code now starting, before any later edit of the tree
    check_int("checkpoint_every", checkpoint_every, low=1)
    dev = pick_device(device)  # a bad or missing device is refused before anything is written
    rank, _ = rank_world()
    # the corpora are loaded and every setting is checked against them (vocabulary, context,
    # token ids) before the directory or anything in it is written
    experiment.prepare(Path(out_dir), dev)
    out = output_directory(out_dir) if rank == 0 else Path(out_dir)
    with exclusive(out) if rank == 0 else contextlib.nullcontext():
        extension = check_or_write_config(out, experiment.config.to_dict(), device,
                                          write=rank == 0)
        # every completed generation's files, checked once, before anything is written
        done = {m: read_generation(gen_dir(out, m), m, experiment.record_fields)
                for m in range(experiment.first_generation, experiment.config.generations + 1)
                if rank == 0 and (gen_dir(out, m) / "metrics.json").exists()}
        barrier()
        status = RunStatus(out, write=rank == 0)
        try:
            result = _run_locked(experiment, out, dev, checkpoint_every, progress, status, done,
                                 extension)
        except KeyboardInterrupt:
            status.update("interrupted")
            raise
        except BaseException as err:
            status.update(f"failed: {type(err).__name__}: {err}")
            raise
        status.update("complete")
        return result


class RunStatus:
    """``run.json`` of an LM run directory: status, PID, times, the generation in progress."""

    def __init__(self, out: Path, *, write: bool) -> None:
        self.path, self.write = out / "run.json", write
        self.record: dict[str, Any] = {"status": "running", "pid": os.getpid(),
                                       "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                       "generation": None}
        self._save()

    def update(self, status: str | None = None, **fields: Any) -> None:
        if status is not None:
            self.record["status"] = status
            if status != "running":
                self.record["ended"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.record.update(fields)
        self._save()

    def _save(self) -> None:
        if self.write:
            write_json_atomic(self.path, self.record)


RECORD_FILES_SKIPPED = ("metrics.json", "partial.pt")
"""Files of a generation's folder that its record does not checksum (the record itself and the
mid-training checkpoint, deleted once the generation is complete)."""


def _run_locked(experiment: Experiment, out: Path, dev: torch.device, checkpoint_every: int,
                progress: bool | None, status: RunStatus, done: dict[int, dict[str, Any]],
                extension: PendingExtension | None = None) -> dict[str, Any]:
    """The generation loop under the lock: for each generation m, train it
    (:func:`_train_generation`) unless its record exists, then read its record, or sample the
    corpus a longer run now needs from it (:func:`_completed_record`), and rewrite the results."""
    config = experiment.config
    rank, _ = rank_world()
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    bar = tqdm(range(experiment.first_generation, config.generations + 1),
               desc=f"{experiment.label} generations", unit="gen",
               disable=progress_disabled(progress) or rank != 0)
    for m in bar:
        d = gen_dir(out, m)
        d.mkdir(parents=True, exist_ok=True)
        barrier()
        if not (d / "metrics.json").exists():
            if extension is not None:
                extension.commit_before(m)
            status.update(generation=m)
            _train_generation(experiment, d, m, dev, checkpoint_every, progress, rank)
        if rank != 0:
            continue  # the other ranks only help training
        done[m] = _completed_record(experiment, d, m, done.get(m), dev, progress)
        rows.append(done[m])
        write_results(out, experiment, rows, dev, time.perf_counter() - start)
    barrier()
    return json.loads((out / "results.json").read_text()) if rank == 0 else {}


def _train_generation(experiment: Experiment, d: Path, m: int, dev: torch.device,
                      checkpoint_every: int, progress: bool | None, rank: int) -> None:
    """Train generation m in folder ``d`` (resuming ``partial.pt``), let the experiment sample
    and measure, and write its record ``metrics.json`` last: the mark of a finished generation."""
    config = experiment.config
    t0 = time.perf_counter()
    # a resumed generation's wall time counts only the part after the resume
    resumed = (d / "partial.pt").exists()
    data, facts = experiment.training_data(m)
    model, history = train(config.train, data, *experiment.validation(m),
                           seed=training_seed(config, m), device=dev, checkpoint=d / "partial.pt",
                           checkpoint_every=checkpoint_every, progress=progress,
                           desc=f"generation {m}")
    if rank != 0:
        return
    weights = model.state_dict()
    atomic_write(d / "model.pt", lambda handle: torch.save(weights, handle))
    measured = experiment.after_training(m, model, progress is not False)
    record = {"generation": m, **facts, **measured, "train_loss": history["train_loss"][-1],
              "wall_seconds": round(time.perf_counter() - t0, 3), "resumed": resumed,
              "curve": {"iter": history["iter"], "val_loss": history["val_loss"]},
              "format_version": FORMAT_VERSION,
              "files": checksums(d, skip=RECORD_FILES_SKIPPED)}
    write_json_atomic(d / "metrics.json", record)
    (d / "partial.pt").unlink(missing_ok=True)


def _completed_record(experiment: Experiment, d: Path, m: int, known: dict[str, Any] | None,
                      dev: torch.device, progress: bool | None) -> dict[str, Any]:
    """Generation m's record: read (and checked) from ``d`` the first time; for a run being
    extended, completed with the corpus its next generation needs, sampled from its model."""
    if known is None:
        return read_generation(d, m, experiment.record_fields)
    if m < experiment.config.generations and experiment.missing_samples(m):
        return _sample_for_later(experiment, d, known, dev, progress)
    return known


def _sample_for_later(experiment: Experiment, d: Path, record: dict[str, Any],
                      dev: torch.device, progress: bool | None) -> dict[str, Any]:
    """Extend a run: completed generation m was the last of a shorter run, so sample from its
    saved model the corpus the next generation needs, and rewrite its record."""
    t0 = time.perf_counter()
    model = GPT(experiment.config.train.model_config()).to(dev)
    model.load_state_dict(torch.load(d / "model.pt", map_location=dev, weights_only=True))
    m = record["generation"]
    record = {**record, **experiment.sample_for_later(m, model, progress is not False),
              "sampled_later_seconds": round(time.perf_counter() - t0, 3)}
    write_json_atomic(d / "metrics.json", {**record, "format_version": FORMAT_VERSION,
                                           "files": checksums(d, skip=RECORD_FILES_SKIPPED)})
    return record


RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "generation": int, "train_loss": (int, float), "wall_seconds": (int, float),
    "curve": dict, "files": dict}
"""Fields every generation's record has (experiments add theirs: ``record_fields``)."""
FINITE_FIELDS = ("train_loss", "val_loss_text", "val_loss_p0", "perplexity")
"""Losses, which a completed generation never has as NaN or inf (statistics of a corpus without
a 'there' may legitimately be NaN)."""


def record_problem(record: Any, m: int, fields: dict[str, type | tuple[type, ...]]) -> str | None:
    """What is wrong with generation m's record (missing or mistyped fields), or None."""
    wrong = check_format(record, what="generation record")
    if wrong is not None:
        return wrong
    if record.get("generation") != m:
        return f"holds generation {record.get('generation')!r}, not {m}"
    for name, kind in {**RECORD_FIELDS, **fields}.items():
        if name not in record:
            return f"lacks the field {name!r}"
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            return f"field {name!r} holds {value!r}, not {_kind_words(kind)}"
        if name in FINITE_FIELDS and not math.isfinite(float(value)):  # type: ignore[arg-type]
            return f"field {name!r} holds {value!r}, not a finite number"
    curve = record["curve"]
    if not (isinstance(curve.get("iter"), list) and isinstance(curve.get("val_loss"), list)
            and len(curve["iter"]) == len(curve["val_loss"])):
        return "field 'curve' is not {iter: [...], val_loss: [...]} of equal lengths"
    return None


def _kind_words(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {**TYPE_WORDS, float: "a number", list: "a list", dict: "an object"}
    return " or ".join(dict.fromkeys(words[k] for k in kinds))


def read_generation(d: Path, m: int,
                    fields: dict[str, type | tuple[type, ...]] | None = None) -> dict[str, Any]:
    """Generation m's record (``metrics.json``): every field present with its type, and its
    files checked against their checksums; :class:`DamagedFileError` naming it otherwise."""
    remedy = f"remove {d} to recompute generation {m}"
    record = read_json(d / "metrics.json", remedy=remedy,
                       check=lambda r: record_problem(r, m, fields or {}))
    files = record.pop("files")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise DamagedFileError(f"{d / 'metrics.json'}: field 'files' is not name → checksum; "
                               f"{remedy}")
    verify_checksums(d, files, remedy=remedy)
    record.pop("format_version", None)
    return record


def write_results(out: Path, experiment: Experiment, rows: list[dict[str, Any]],
                  device: torch.device, wall: float) -> None:
    """results.csv (one row per generation) and results.json (rows, curves, provenance)."""
    rows = [dict(r) for r in rows]
    extra = experiment.results(rows)
    curves = {str(r["generation"]): r.pop("curve") for r in rows}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=experiment.columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out / "results.csv", lambda handle: handle.write(buffer.getvalue().encode()))
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    write_json_atomic(out / "results.json", {
        "scheme": experiment.label, "config": experiment.config.to_dict(), "rows": rows,
        "curves": curves, **extra,
        "provenance": stamp(device=device_name, torch_threads=torch.get_num_threads(),
                            wall_seconds_this_call=round(wall, 3)),
    })


class PendingExtension:
    """More generations for a finished run: ``config.json`` is rewritten only when the first
    new generation starts training, so an extension stopped before that (a mistyped
    ``generations``, Ctrl-C while the old last model samples) can be taken back by running the
    original command."""

    def __init__(self, path: Path, payload: dict[str, Any], old_generations: int,
                 write: bool) -> None:
        self.path, self.payload, self.old_generations = path, payload, old_generations
        self.write, self.done = write, False

    def commit_before(self, m: int) -> None:
        """Record the change if generation m is a new one (once)."""
        if m > self.old_generations and not self.done:
            if self.write:
                write_json_atomic(self.path, self.payload)
            self.done = True


ADDED_SETTINGS = {"train_seed": 0}
"""Settings added after runs were recorded, with the value an older ``config.json`` implies."""


def training_seed(config: ExperimentConfig, m: int) -> int:
    """The seed of generation m's training: ``seed·1000 + m``, moved by ``train_seed`` (0 for
    the run's own seed; k ≥ 1 trains on the same data from another initialisation and batch
    order, what a noise floor compares)."""
    return config.seed * 1000 + m + config.train_seed * 10**15


def check_or_write_config(out: Path, config: dict[str, Any], device: str, *,
                          write: bool = True) -> PendingExtension | None:
    """Refuse a run directory made with another configuration; record a new one; return the
    pending change of a run extended with more generations (None otherwise)."""
    path = out / "config.json"
    if path.exists():
        saved = read_json(
            path, check=lambda v: None if isinstance(v, dict) and isinstance(v.get("config"), dict)
            else "not a run configuration (no 'config' object)",
            remedy=f"the run in {out} can't be resumed: remove {out} or choose another output "
                   "directory")
        previous = saved["config"]
        current = json.loads(json.dumps(config))
        diff = sorted(k for k in set(previous) | set(current)
                      if previous.get(k, ADDED_SETTINGS.get(k))
                      != current.get(k, ADDED_SETTINGS.get(k)))
        if diff and diff != ["generations"]:
            raise ValueError(f"{out} holds a run with a different configuration (differs in "
                             f"{diff}); use another output directory")
        if current.get("generations", 0) < previous.get("generations", 0):
            raise ValueError(f"{out} holds a run of {previous['generations']} generations: "
                             f"generations must be >= {previous['generations']} there (a run "
                             f"is extended, never cut); use another output directory")
        if diff:  # a longer run of the same experiment: recorded when it starts training
            changes = [*saved.get("generations_changed", []),
                       {"from": previous["generations"], "to": current["generations"],
                        **stamp(device=str(pick_device(device)))}]
            return PendingExtension(path, {**saved, "config": current,
                                           "generations_changed": changes},
                                    previous["generations"], write)
    elif write:
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, {"config": config,
                                 "provenance": stamp(device=str(pick_device(device)))})
    return None


def profile_column(table: dict[str, tuple[Any, ...]], names: tuple[str, ...], profile: str
                   ) -> dict[str, Any]:
    """One profile's values from an experiment's table (a row per setting, a column per
    profile ``names``)."""
    if profile not in names:
        raise ValueError(f"profile must be one of {{{', '.join(names)}}}, got {profile!r}")
    column = names.index(profile)
    return {name: row[column] for name, row in table.items()}


def settable_types(config_class: type, excluded: set[str]) -> dict[str, type]:
    """Every name ``--set`` accepts for ``config_class`` (an experiment config with a ``train``
    field): its own fields and :class:`TrainConfig`'s, less ``excluded``, with their types."""
    names: dict[str, type] = {}
    for cls in (config_class, TrainConfig):
        for f in dataclasses.fields(cls):
            if f.name != "train" and f.name not in excluded:
                names[f.name] = FIELD_TYPES[str(f.type)]
    return names


def build_config(config_class: type[C], values: dict[str, Any]) -> C:
    """``config_class`` from one flat dict of settings: the :class:`TrainConfig` fields go to
    its ``train``, the rest to the experiment's own fields."""
    train_names = {f.name for f in dataclasses.fields(TrainConfig)}
    train = {k: v for k, v in values.items() if k in train_names}
    top = {k: v for k, v in values.items() if k not in train_names}
    return config_class(train=TrainConfig(**train), **top)  # type: ignore[call-arg]
