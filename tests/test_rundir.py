"""Run directories: one writer at a time, damaged files named, interrupts that lose nothing.

Real processes throughout: a lock is only worth something between processes, and Ctrl-C is a
signal to a process.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from processes import CLI, ENV, QUICK, wait_for

from collapse.cli import main
from collapse.rundir import RunDirectoryBusy, exclusive, output_directory

ROOT = Path(__file__).resolve().parents[1]
HOLDER = ("import sys, time\n"
          "from collapse.rundir import exclusive\n"
          "with exclusive(sys.argv[1], 'the test holder'):\n"
          "    print('locked', flush=True)\n"
          "    time.sleep(120)\n")


@pytest.fixture
def holder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second process holding the lock of tmp_path/run; yields (process, directory)."""
    directory = output_directory(tmp_path / "run")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(directory)], env=ENV,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    yield proc, directory
    proc.kill()
    proc.wait()


def test_a_second_writer_is_refused_naming_the_holder(holder, capsys) -> None:  # type: ignore[no-untyped-def]
    proc, directory = holder
    with pytest.raises(RunDirectoryBusy) as info:
        with exclusive(directory):
            pass
    message = str(info.value)
    assert f"in use by PID {proc.pid} on {socket.gethostname()} since " in message
    assert "(the test holder)" in message
    # every command that writes a run directory refuses it, before doing anything
    before = sorted(p.name for p in directory.iterdir())
    assert main([*QUICK, "-o", str(directory)]) == 3
    assert main(["train-stories", "--profile", "quick", "--device", "cpu",
                 "-o", str(directory)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    refusals = [line for line in err if "is in use by" in line]
    assert len(refusals) == 2 and all(line.startswith("collapse: error: ") for line in refusals)
    assert sorted(p.name for p in directory.iterdir()) == before  # nothing written


def test_collapse_run_is_refused_on_a_held_directory(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    directory = output_directory(tmp_path / "seddik_fig1")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(directory)], env=ENV,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        assert main(["run", str(ROOT / "notebooks" / "seddik_fig1.md"), "--profile", "quick",
                     "-o", str(tmp_path)]) == 3
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"collapse: error: {directory} is in use by PID {proc.pid}")
        assert not (directory / "run.json").exists()
    finally:
        proc.kill()
        proc.wait()


def test_a_killed_holder_does_not_block_the_next_run(holder) -> None:  # type: ignore[no-untyped-def]
    proc, directory = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (directory / ".lock").exists()  # the stale file stays; the OS lock went with the PID
    with exclusive(directory, "after the kill"):
        info = json.loads((directory / ".lock").read_text())
        assert info["pid"] == os.getpid() and info["command"] == "after the kill"


def _rows(directory: Path) -> list[dict[str, str]]:
    with (directory / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.pop("wall_seconds")
    return rows


LONG = ["--set", "generations", "1", "--set", "max_iters", "1500", "--set", "eval_interval",
        "500", "--checkpoint-every", "1000"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the interrupted test's command."""
    out = tmp_path_factory.mktemp("reference") / "run"
    subprocess.run([*CLI, *QUICK, *LONG, "-o", str(out)], env=ENV, check=True,
                   capture_output=True)
    return out


@pytest.mark.slow
def test_ctrl_c_keeps_a_checkpoint_and_the_same_command_resumes(reference: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = subprocess.Popen([*CLI, *QUICK, *LONG, "-o", str(out)], env=ENV,
                             stderr=subprocess.PIPE, text=True)

    def training_generation_1() -> bool:
        try:
            status = json.loads((out / "run.json").read_text())
        except (OSError, ValueError):
            return False
        return status.get("generation") == 1

    wait_for(training_generation_1)
    # while it trains, a second identical command is refused, naming the first
    second = subprocess.run([*CLI, *QUICK, *LONG, "-o", str(out)], env=ENV,
                            capture_output=True, text=True)
    assert second.returncode == 3
    assert f"is in use by PID {first.pid}" in second.stderr
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted; everything computed so far is kept" in err
    assert "Traceback" not in err
    status = json.loads((out / "run.json").read_text())
    assert status["status"] == "interrupted" and status["generation"] == 1
    state = torch.load(out / "gen_001" / "partial.pt", weights_only=False)
    assert 0 < state["iter"] < 1500  # the checkpoint written at the interrupt, not at 1000 only
    resumed = subprocess.run([*CLI, *QUICK, *LONG, "-o", str(out)], env=ENV,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    assert _rows(out) == _rows(reference)  # the interrupted run ends with the same numbers


# ---- damaged files -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete quick run of three generations (and the ground truth)."""
    out = tmp_path_factory.mktemp("finished") / "run"
    subprocess.run([*CLI, *QUICK, "-o", str(out)], env=ENV, check=True, capture_output=True)
    return out


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"garbage\n")


def _foreign_checkpoint(path: Path) -> None:
    torch.save({"format_version": 99, "iter": 3}, path)


def _alien_checkpoint(path: Path) -> None:
    torch.save({"weights": [1, 2, 3]}, path)


def _wrong_shape(path: Path) -> None:
    np.save(path, np.zeros((3, 4), dtype=np.int64))


def _unchecksummed(run: Path, name: str) -> None:
    """As an older version left it: the generation's record lists no checksum for ``name``."""
    metrics = run / name.split("/")[0] / "metrics.json"
    record = json.loads(metrics.read_text())
    record["files"].pop(name.split("/")[1])
    metrics.write_text(json.dumps(record))


def _reopen(run: Path, m: int) -> None:
    """Make generation m incomplete again (as if the run had been killed while training it)."""
    (run / f"gen_{m:03d}" / "metrics.json").unlink()


DAMAGE = [
    # (file, how, prepare the directory, the message after "<file>: ")
    ("gen_002/corpus.npy", _truncate, None,
     "contents differ from the checksum recorded when it was written (truncated or modified); "
     "remove {run}/gen_002 to recompute generation 2"),
    ("gen_000/next_token.pt", _garbage, None,
     "contents differ from the checksum recorded when it was written (truncated or modified); "
     "remove {run}/gen_000 to recompute generation 0"),
    ("gen_001/metrics.json", _garbage, None,
     "can't be read (Expecting value: line 1 column 1 (char 0)); remove {run}/gen_001 to "
     "recompute generation 1"),
    ("gen_003/partial.pt", _garbage, lambda run: _reopen(run, 3),
     "can't be read (invalid literal for int() with base 10: 'arbage\\n'); remove it to "
     "restart this generation's training from iteration 0"),
    ("gen_003/partial.pt", _foreign_checkpoint, lambda run: _reopen(run, 3),
     "written by another version of collapse (format 99; this one reads formats up to 1); "
     "remove it to restart this generation's training from iteration 0"),
    ("gen_003/partial.pt", _alien_checkpoint, lambda run: _reopen(run, 3),
     "not a training checkpoint (lacks ['model', 'optimizer', 'batcher', 'torch_rng', "
     "'history', 'iter']); remove it to restart this generation's training from iteration 0"),
    ("gen_002/corpus.npy", _wrong_shape,
     lambda run: (_reopen(run, 3), _unchecksummed(run, "gen_002/corpus.npy")),
     "holds an array of shape (3, 4), expected at least (1, 17); remove {run}/gen_002 (and the "
     "generations after it) to recompute generation 2"),
    ("gen_000/real.npy", _truncate,
     lambda run: (_reopen(run, 3), _reopen(run, 2), _reopen(run, 1),
                  _unchecksummed(run, "gen_000/real.npy")),
     "can't be read ("),
    ("config.json", _garbage, None,
     "can't be read (Expecting value: line 1 column 1 (char 0)); the run in {run} can't be "
     "resumed: remove {run} or choose another output directory"),
]


@pytest.mark.parametrize(("name", "damage", "prepare", "message"), DAMAGE,
                         ids=[f"{d[0]}-{d[1].__name__.strip('_')}" for d in DAMAGE])
@pytest.mark.slow
def test_a_damaged_file_is_named_with_what_to_do(finished: Path, tmp_path: Path, name: str,
                                                 damage: Callable[[Path], None],
                                                 prepare: Callable[[Path], object] | None,
                                                 message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(finished, run)
    if prepare is not None:
        prepare(run)
    if name.endswith("partial.pt"):
        (run / name).touch()
    damage(run / name)
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    assert main([*QUICK, "-o", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()  # progress bars, then one error line
    assert [line for line in err if "error" in line] == err[-1:]
    assert err[-1].startswith(f"collapse: error: {run / name}: {message.format(run=run)}")
    after = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    bookkeeping = {run / "run.json", run / ".lock", run / "results.json", run / "results.csv"}
    assert {p: b for p, b in after.items() if p not in bookkeeping} == \
        {p: b for p, b in before.items() if p not in bookkeeping}  # nothing else touched


@pytest.mark.slow
def test_a_damaged_story_corpus_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    run = tmp_path / "stories"
    args = ["train-stories", "--profile", "quick", "--device", "cpu", "-o", str(run)]
    assert main(args) == 0
    (run / "gen_002" / "metrics.json").unlink()
    _unchecksummed(run, "gen_001/stories.json")
    (run / "gen_001" / "stories.json").write_text('[[1, 2], "three"]')
    capsys.readouterr()
    assert main(args) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"collapse: error: {run}/gen_001/stories.json: not a list of stories of GPT-2 token "
        f"ids; remove {run}/gen_001 (and the generations after it) to recompute generation 1")
