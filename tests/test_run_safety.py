"""What a hostile tester tried on the run commands (issue 19), by class: settings typed from
their declarations, nothing written before every check, failed or interrupted runs that never
replace good ones or read ``complete``, signals and full disks handled, every record validated.

Exact one-line messages for single bad inputs are in ``test_bad_inputs.py``; this file checks
behaviour (what is on disk afterwards, exit statuses, statuses in ``run.json``).
"""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import CLI, ENV, QUICK, wait_for

from collapse import plotting, preflight
from collapse.cli import main
from collapse.gpt import seddik_experiment, wang_experiment
from collapse.gpt.seddik_experiment import RecursiveConfig, run_recursive
from collapse.gpt.train import TrainingDiverged
from collapse.gpt.wang_experiment import StoriesConfig
from collapse.notebook import notebook_spec
from collapse.rundir import DamagedFileError, RunDirectoryError, exclusive
from collapse.settings import FALSE_WORDS, TRUE_WORDS, SettingError, parse_settings
from collapse.theory import symbolic

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
FAILING = ("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
           "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
           "```{code-cell} ipython3\n:tags: [parameters]\n\n"
           "fail: bool = False  # whether the second cell raises\n"
           "seconds: float = 0.0  # [0, 600] how long the second cell sleeps first\n```\n\n"
           "```{code-cell} ipython3\nimport pathlib, time\n"
           "pathlib.Path('sleeping').touch()  # the kernel is in this cell now\n"
           "time.sleep(seconds)\n"
           "assert not fail, 'asked to fail'\nprint('done')\n```\n")


def _default_sigint() -> None:
    """In the child: SIGINT as a terminal delivers it, even when this test process runs as a
    background job (whose children inherit an ignored SIGINT, and Python then keeps it
    ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


# ---- one grammar: settings typed from their declarations -----------------------------------

@pytest.mark.parametrize("word", [*TRUE_WORDS, *FALSE_WORDS, "TRUE", "Off", " yes "])
def test_boolean_words_mean_the_same_in_set_and_p(word: str) -> None:
    expected = word.strip().lower() in TRUE_WORDS
    stories = parse_settings([("story_windows", word)], wang_experiment.setting_types())
    assert stories == {"story_windows": expected}
    config = StoriesConfig.from_profile("quick", **stories)
    assert config.story_windows is expected
    assert config.train.align_token == (9694 if expected else -1)  # windows follow the word
    seddik = parse_settings([("compile", word)], seddik_experiment.setting_types())
    assert RecursiveConfig.from_profile("quick", **seddik).train.compile is expected
    fig1 = notebook_spec(ROOT / "notebooks" / "seddik_fig1.md")
    assert fig1.resolve("quick", {"progress": word})["progress"] is expected


def test_the_profile_tables_cover_every_setting_once() -> None:
    for module, config in ((seddik_experiment, RecursiveConfig), (wang_experiment, StoriesConfig)):
        settable = set(module.setting_types())
        assert set(module.PROFILES) == settable | ({"model"} & set(module.PROFILES))
        for profile in module.PROFILE_NAMES:
            built = config.from_profile(profile).to_dict()
            flat = {**built.pop("train"), **built}
            for name, value in module.profile_settings(profile).items():
                assert flat[name] == value, (profile, name)
    paper = wang_experiment.profile_settings("paper")  # the paper column is GPT-Neo-1M's shape
    assert {k: paper[k] for k in wang_experiment.MODEL_SHAPES["1m"]} == \
        wang_experiment.MODEL_SHAPES["1m"]


SETTINGS = {**seddik_experiment.setting_types()}
TEXTS = st.one_of(st.sampled_from(["0", "1", "-1", "2.5", "1e-3", "inf", "nan", "true", "no",
                                   "cosine", "sdpa", "", "99999999999999999999", "1_000"]),
                  st.text(max_size=6))


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(SETTINGS)), text=TEXTS)
def test_any_set_is_refused_or_typed(name: str, text: str) -> None:
    try:
        values = parse_settings([(name, text)], SETTINGS)
        config = RecursiveConfig.from_profile("quick", **values)
    except (ValueError, TypeError) as err:
        assert str(err).splitlines() == [str(err)] and name in str(err)  # one line, named
        return
    built = config.to_dict()
    value = {**built.pop("train"), **built}[name]
    assert type(value) is SETTINGS[name]


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(SETTINGS)), text=TEXTS)
def test_a_refused_set_writes_nothing(tmp_path_factory: pytest.TempPathFactory, name: str,
                                      text: str) -> None:
    try:
        RecursiveConfig.from_profile("quick", **parse_settings([(name, text)], SETTINGS))
    except (ValueError, TypeError):
        out = tmp_path_factory.mktemp("refused") / "run"
        assert main([*QUICK, "--set", name, text, "-o", str(out)]) == 2
        assert not out.exists()


# ---- every notebook parameter at both ends of its declared range ---------------------------

def _ends() -> list[tuple[str, str, object]]:
    cases = []
    for path in NOTEBOOKS:
        for p in notebook_spec(path).parameters.values():
            for end, is_open in ((p.low, p.low_open), (p.high, p.high_open)):
                if end is not None and not is_open:
                    cases.append((path.stem, p.name, p.type(end)))
    return cases


@pytest.mark.parametrize(("stem", "name", "value"), _ends(),
                         ids=[f"{s}-{n}={v}" for s, n, v in _ends()])
def test_both_ends_of_every_range_pass_validation(stem: str, name: str, value: object) -> None:
    """A value inside a declared range is accepted, or refused before any kernel by the
    notebook's joint check naming what it is combined with (never later, in a cell)."""
    spec = notebook_spec(ROOT / "notebooks" / f"{stem}.md")
    values = spec.resolve("quick" if "quick" in spec.profiles else "book", {name: value})
    try:
        preflight.run_check(stem, values)
    except ValueError as err:
        assert stem in JOINT_LIMITS and name in JOINT_LIMITS[stem], str(err)


JOINT_LIMITS = {
    # pages whose ranges meet another parameter's at an end (the check names both)
    "seddik_fig3": {"support"}, "seddik_fig4": {"support"}, "wang_accumulate_subsample":
    {"support", "N"}, "seddik_fig6": {"n", "window_a", "window_b", "support"},
    "theory_exact_chain": {"runs"}, "theory_seddik_theorem1": set(),
    "theory_wang_theorem21": {"N"},
}


def test_every_notebook_has_a_joint_check() -> None:
    assert {p.stem for p in NOTEBOOKS} == set(preflight.CHECKS)


# ---- training that diverges is a failure ---------------------------------------------------

def test_a_non_finite_loss_fails_the_run_and_marks_nothing_complete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from collapse.gpt import train as train_module

    real_step = train_module._step
    calls = {"n": 0}

    def diverging(*args: Any) -> float:
        calls["n"] += 1
        loss = real_step(*args)
        return float("nan") if calls["n"] == 7 else loss

    monkeypatch.setattr(train_module, "_step", diverging)
    out = tmp_path / "run"
    assert main([*QUICK, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("collapse: error: generation 0: the training loss is nan at iteration 7 "
                       "of 30 (learning_rate 0.001, grad_clip 1); lower learning_rate or set "
                       "grad_clip > 0")
    status = json.loads((out / "run.json").read_text())
    assert status["status"].startswith("failed: TrainingDiverged: generation 0")
    assert not (out / "gen_000" / "metrics.json").exists()  # nothing marked complete
    assert not (out / "results.json").exists()
    calls["n"] = 0
    with pytest.raises(TrainingDiverged):  # the Python API raises the same
        run_recursive(RecursiveConfig.from_profile("quick"), tmp_path / "api", device="cpu")


# ---- notebook runs are atomic --------------------------------------------------------------

@pytest.mark.slow
def test_a_failed_notebook_run_never_replaces_the_previous_results(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = tmp_path / "flaky.md"
    notebook.write_text(FAILING)
    out = tmp_path / "runs"
    assert main(["run", str(notebook), "-o", str(out)]) == 0
    good = _files(out / "flaky")
    assert json.loads(good["run.json"])["status"] == "ok"
    capsys.readouterr()
    assert main(["run", str(notebook), "-p", "fail", "yes", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"collapse: error: flaky.md failed in cell 3: AssertionError: asked to fail (partial "
        f"notebook kept at {out}/flaky.failed/flaky.ipynb; {out}/flaky: the previous results in "
        f"it are unchanged; a notebook run starts over when run again)")
    assert _files(out / "flaky") == good  # untouched
    failed = json.loads((out / "flaky.failed" / "run.json").read_text())
    assert failed["status"] == "failed: PapermillExecutionError"
    assert failed["parameters"]["fail"] is True
    assert not (out / "flaky.partial").exists()
    assert main(["run", str(notebook), "-o", str(out)]) == 0  # a good run clears the failure
    assert not (out / "flaky.failed").exists()


def test_a_bad_parameter_leaves_an_earlier_run_as_it_was(tmp_path: Path) -> None:
    fig3 = str(ROOT / "notebooks" / "seddik_fig3.md")
    out = tmp_path / "runs"
    (out / "seddik_fig3").mkdir(parents=True)
    (out / "seddik_fig3" / "run.json").write_text('{"status": "ok"}\n')
    before = _files(out)
    assert main(["run", fig3, "-p", "n_values", "10,abc", "-o", str(out)]) == 2
    assert _files(out) == before


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_collapse_run_keeps_both_runs_and_says_so(tmp_path: Path,
                                                                 sig: signal.Signals) -> None:
    notebook = tmp_path / "sleepy.md"
    notebook.write_text(FAILING)
    out = tmp_path / "runs"
    assert subprocess.run([*CLI, "run", str(notebook), "-o", str(out)], env=ENV,
                          capture_output=True).returncode == 0
    good = _files(out / "sleepy")
    proc = subprocess.Popen([*CLI, "run", str(notebook), "-p", "seconds", "60", "-o", str(out)],
                            env=ENV, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    sleeping = tmp_path / "sleeping"  # touched by the cell (the notebook runs in tmp_path)
    sleeping.unlink()
    wait_for(lambda: sleeping.exists(), timeout=120)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    word = "interrupted" if sig == signal.SIGINT else "terminated"
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
    assert err.strip().splitlines()[-1] == (
        f"collapse: sleepy.md {word}; partial notebook kept at {out}/sleepy.interrupted/"
        f"sleepy.ipynb; {out}/sleepy: the previous results in it are unchanged; a notebook run "
        f"starts over when run again")
    assert _files(out / "sleepy") == good
    record = json.loads((out / "sleepy.interrupted" / "run.json").read_text())
    assert record["status"] == "interrupted" and record["parameters"]["seconds"] == 60.0


@pytest.mark.slow
def test_sigterm_during_training_checkpoints_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen([*CLI, *QUICK, "--set", "max_iters", "100000", "--set",
                             "eval_interval", "100000", "--checkpoint-every", "20", "-o",
                             str(out)], env=ENV, stderr=subprocess.PIPE, text=True)
    checkpoint = out / "gen_000" / "partial.pt"
    wait_for(checkpoint.exists, timeout=120)  # training is under way
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == (
        "collapse: terminated; everything computed so far is kept (the same command resumes "
        "from the last checkpoint)")
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    state = torch.load(checkpoint, weights_only=False)  # kept for the same command to resume
    assert 20 <= state["iter"] < 100_000


# ---- full disks ----------------------------------------------------------------------------

def test_a_full_disk_gives_one_line_naming_the_file_and_leaves_no_tmp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import collapse.rundir as rundir

    real_open = open

    def full(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and str(file).endswith("results.json.tmp"):
            handle = real_open(file, mode, *args, **kwargs)
            handle.write(b"{\"half\": ")
            handle.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(rundir, "open", full, raising=False)
    out = tmp_path / "run"
    assert main([*QUICK, "--set", "generations", "1", "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"collapse: error: {out}/results.json: No space left on device")
    assert not list(out.rglob("*.tmp"))
    assert not (out / "results.json").exists()
    assert json.loads((out / "run.json").read_text())["status"].startswith("failed")


def test_a_full_disk_during_a_notebook_run_keeps_no_truncated_notebook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import papermill

    notebook = tmp_path / "flaky.md"
    notebook.write_text(FAILING)

    def full(*args: Any, **kwargs: Any) -> None:
        target = Path(args[1])
        target.write_text('{"cells": [')  # what a full disk leaves
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(papermill, "execute_notebook", full)
    out = tmp_path / "runs"
    assert main(["run", str(notebook), "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"collapse: error: {out}/flaky.partial/flaky.ipynb: No space left on device"]
    assert not list(out.rglob("*.ipynb")) and not list(out.rglob("*.tmp"))


# ---- extensions that can be taken back ------------------------------------------------------

def test_an_extension_stopped_before_its_first_new_generation_can_be_taken_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    short = RecursiveConfig.from_profile("quick", generations=1)
    run_recursive(short, out, device="cpu")
    config_before = (out / "config.json").read_text()

    def interrupted(*args: Any) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(seddik_experiment.ShakespeareExperiment, "sample_for_later", interrupted)
    with pytest.raises(KeyboardInterrupt):  # a mistyped extension, stopped at once
        run_recursive(RecursiveConfig.from_profile("quick", generations=300), out, device="cpu")
    assert (out / "config.json").read_text() == config_before
    monkeypatch.undo()
    result = run_recursive(short, out, device="cpu")  # the original command still works
    assert [r["generation"] for r in result["rows"]] == [0, 1]


# ---- every file read is validated ----------------------------------------------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    assert main([*QUICK, "--set", "generations", "1", "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda r: r.pop("val_loss_text"), "lacks the field 'val_loss_text'"),
    (lambda r: r.update(train_sequences="64"), "field 'train_sequences' holds '64', not an "
                                               "integer"),
    (lambda r: r.update(train_loss=None), "field 'train_loss' holds None, not an integer or a "
                                          "number"),
    (lambda r: r.update(curve={"iter": [15]}), "field 'curve' is not {iter: [...], val_loss: "
                                               "[...]} of equal lengths"),
    (lambda r: r.update(files=[]), "field 'files' holds [], not an object"),
])
def test_an_edited_generation_record_is_named(finished: Path, tmp_path: Path, edit: Any,
                                              problem: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished, run)
    metrics = run / "gen_001" / "metrics.json"
    record = json.loads(metrics.read_text())
    edit(record)
    metrics.write_text(json.dumps(record))
    before = (run / "results.csv").read_bytes()
    assert main([*QUICK, "--set", "generations", "1", "-o", str(run)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"collapse: error: {metrics}: {problem}; remove {run}/gen_001 to recompute generation 1")
    assert (run / "results.csv").read_bytes() == before


def test_a_lock_that_is_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / ".lock").symlink_to(target)
    with pytest.raises(RunDirectoryError, match=r"\.lock is a symbolic link"):
        with exclusive(run):
            pass
    assert target.read_text() == "keep me\n"
    assert main([*QUICK, "-o", str(run)]) == 2


def test_damaged_file_errors_are_value_errors() -> None:
    assert issubclass(DamagedFileError, ValueError) and issubclass(SettingError, ValueError)


SIZES = {"n", "N", "runs", "generations", "n_max", "s"}
"""Parameters that set how much is computed: at their upper end a page runs for minutes by
design (its joint check has already refused what would not fit in memory), so only their lower
end is executed below, and the other size parameters are held at their lower ends too. A
``seed`` only seeds numpy's Generator, which takes every integer of its range (validated
above); every other parameter is executed at both ends."""
RUN_SIZES = {"runs", "generations", "n_max"}


def _executed_ends() -> list[tuple[str, str, object]]:
    return [(stem, name, value) for stem, name, value in _ends()
            if name != "seed" and (name not in SIZES or value == notebook_spec(
                ROOT / "notebooks" / f"{stem}.md").parameters[name].low)]


def _execute_in_process(path: Path, values: dict[str, Any], out: Path) -> dict[str, Any]:
    """Run the notebook's code cells in this process (no kernel: seconds, not minutes), with
    ``values`` in place of its parameters cell; return its namespace."""
    import contextlib
    import io

    import matplotlib.pyplot as plt

    from collapse.notebook import read_notebook

    namespace: dict[str, Any] = dict(values)
    cells = [c for c in read_notebook(path).cells if c.cell_type == "code"
             and "parameters" not in c.get("metadata", {}).get("tags", [])]
    cwd = Path.cwd()
    os.chdir(path.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for i, cell in enumerate(cells):
                exec(compile(cell.source, f"{path.name}, code cell {i + 1}", "exec"), namespace)
    finally:
        os.chdir(cwd)
        plt.close("all")
    return namespace


@pytest.mark.slow
@pytest.mark.parametrize(("stem", "name", "value"), _executed_ends(),
                         ids=[f"{s}-{n}={v}" for s, n, v in _executed_ends()])
@pytest.mark.slow
def test_both_ends_of_every_range_run(stem: str, name: str, value: object, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook's code runs at the end of a declared range (runs, generations and n_max at
    their lower ends, the rest at the quick profile) wherever its joint check accepts the
    combination."""
    from collapse.plotting import OUTPUT_DIR_ENV

    path = ROOT / "notebooks" / f"{stem}.md"
    spec = notebook_spec(path)
    smallest = {p.name: p.type(p.low) for p in spec.parameters.values()
                if p.name in RUN_SIZES and p.name != name and p.low is not None}
    values = spec.resolve("quick" if "quick" in spec.profiles else "book",
                          {**smallest, name: value})
    try:
        preflight.run_check(stem, values)
    except ValueError:
        pytest.skip("refused before any kernel (see the validation test above)")
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path))
    monkeypatch.delenv("COLLAPSE_DOWNLOADS", raising=False)
    # what does not depend on the parameters is done once: the sympy derivations, and the
    # PNG/SVG files (the arrays are still built; the figure tests check the files)
    monkeypatch.setattr(symbolic, "CHECK_GROUPS", _CACHED_CHECKS)
    monkeypatch.setattr(plotting, "export", lambda fig, arrays, name: None)
    monkeypatch.setattr(symbolic, "check_wang_theorem21", _cached_wrong_checks)
    _execute_in_process(path, values, tmp_path)


_CACHED_CHECKS = {name: functools.cache(group) for name, group in symbolic.CHECK_GROUPS.items()}
_cached_wrong_checks = functools.cache(symbolic.check_wang_theorem21)
