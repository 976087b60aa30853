"""The papermill pipeline: parameter parsing, validation before execution, the CLI, glue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT

from collapse import cli
from collapse.notebook import (
    NotebookFormatError,
    ParameterError,
    glued_values,
    notebook_spec,
    parse_parameters,
    run_notebook,
)
from collapse.pages.seddik_fig1 import data as fig1_data

FIG1 = NOTEBOOKS / "seddik_fig1.md"
ALL_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.md"))


def test_parameters_cell_is_parsed_with_types_ranges_and_help() -> None:
    params = parse_parameters(
        "n: int = 10  # [2, 100] samples\n"
        "eps: float = 0.5  # (0, 1) target\n"
        "mode: str = 'a'  # {a, b} scheme\n"
        "verbose: bool = False  # chatty\n"
    )
    assert list(params) == ["n", "eps", "mode", "verbose"]
    assert params["n"].allowed() == "an int in [2, 100]"
    assert params["eps"].allowed() == "a float in (0, 1)"
    assert params["mode"].choices == ("a", "b")
    assert params["verbose"].help == "chatty"
    assert params["n"].coerce("50") == 50
    assert params["eps"].coerce("0.25") == 0.25
    assert params["verbose"].coerce("true") is True


@pytest.mark.parametrize(
    "source",
    ["n = 10\n", "n: list = []\n", "n: int = 1 + x\n", "n: int = 1  # [2, 5] too small default\n"],
)
def test_malformed_parameters_cells_are_rejected(source: str) -> None:
    with pytest.raises(NotebookFormatError):
        parse_parameters(source)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_declares_valid_parameters_and_a_quick_profile(path: Path) -> None:
    spec = notebook_spec(path)
    assert "quick" in spec.profiles
    assert spec.resolve("book") == {k: p.default for k, p in spec.parameters.items()}


@pytest.mark.parametrize(
    ("overrides", "profile", "message"),
    [
        ({"nn": "5"}, "paper", "unknown parameter 'nn'"),
        ({"n": "ten"}, "paper", r"parameter 'n' must be an int in \[2, 20000\], got 'ten'"),
        ({"n": "1"}, "paper", r"parameter 'n' must be an int in \[2, 20000\], got 1"),
        ({"concentration": "0"}, "paper", r"'concentration' must be a float in \[0.1, 100\]"),
        ({"progress": "maybe"}, "paper", "parameter 'progress' must be true or false"),
        ({}, "huge", "profile 'huge' is not defined"),
    ],
)
def test_bad_parameters_fail_before_execution(
    tmp_path: Path, overrides: dict[str, str], profile: str, message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        run_notebook(FIG1, overrides=overrides, profile=profile, output_root=tmp_path)
    assert not any(tmp_path.iterdir()), "something was written before validation finished"


def test_cli_reports_bad_parameters_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["run", str(FIG1), "-p", "n", "0", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "parameter 'n' must be an int in [2, 20000], got 0" in err
    assert not any(tmp_path.iterdir())


def test_cli_params_lists_types_defaults_and_ranges() -> None:
    out = subprocess.run([sys.executable, "-m", "collapse.cli", "params", str(FIG1)],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "n" in out and "int" in out and "1000" in out and "[2, 20000]" in out
    assert "profile quick: n=100, context_length=2" in out


@pytest.mark.slow
def test_quick_profile_runs_through_papermill_and_glues_the_package_numbers(
    tmp_path: Path,
) -> None:
    result = run_notebook(FIG1, profile="quick", output_root=tmp_path, progress_bar=False)
    glued = glued_values(result.notebook)
    expected = fig1_data(n=100, context_length=2, seed=2024).summary()
    assert glued["seddik_fig1_contexts"] == 9
    assert glued["seddik_fig1_mean_T"] == pytest.approx(expected["mean_T"], rel=1e-12)
    assert glued["seddik_fig1_mean_bound_lower"] == pytest.approx(expected["mean_bound_lower"])
    names = {p.name for p in result.files}
    assert {"seddik_fig1.ipynb", "seddik_fig1.png", "seddik_fig1.svg", "seddik_fig1.npz",
            "run.json"} <= names
    record = json.loads((result.directory / "run.json").read_text())
    assert record["status"] == "ok" and record["parameters"]["n"] == 100


@pytest.mark.slow
def test_cli_run_with_override_reproduces_the_figure(tmp_path: Path) -> None:
    code = cli.main(["run", str(FIG1), "--profile", "quick", "-p", "n", "50", "-o", str(tmp_path)])
    assert code == 0
    glued = glued_values(tmp_path / "seddik_fig1" / "seddik_fig1.ipynb")
    assert glued["seddik_fig1_n"] == 50
    assert glued["seddik_fig1_mean_T"] == pytest.approx(
        fig1_data(n=50, context_length=2, seed=2024).summary()["mean_T"], rel=1e-12
    )


@pytest.mark.slow
def test_fig5_notebook_recomputes_at_the_quick_profile(tmp_path: Path) -> None:
    from collapse.pages.seddik_fig5 import read_results as fig5_data

    result = run_notebook(NOTEBOOKS / "seddik_fig5.md", profile="quick", output_root=tmp_path,
                          progress_bar=False)
    glued = glued_values(result.notebook)
    data = fig5_data(result.directory / "seddik_fig5_quick")
    assert glued["seddik_fig5_generations"] == 3
    assert glued["seddik_fig5_fully_final_deviation"] == pytest.approx(data.deviation[0, -1])
    assert "1 layers x 32 wide" in glued["seddik_fig5_scale_fully"]
    assert "device cpu" in glued["seddik_fig5_scale_fully"]


def test_theory_pages_have_no_paper_profile_and_lm_pages_a_gpu_one() -> None:
    # "paper" names the paper's values only where the paper states them
    assert "paper" not in notebook_spec(FIG1.parent / "theory_seddik_theorem2.md").profiles
    lm = notebook_spec(FIG1.parent / "wang_fig2.md")
    assert lm.resolve("paper")["lm_profile"] == "paper"
    assert lm.resolve("book")["lm_profile"] == "cpu"


def test_page_report_knows_profiles_and_writes_the_rerun_command() -> None:
    from collapse.report import detect_profile, rerun_command

    spec = notebook_spec(FIG1)
    paper = spec.resolve("paper")
    assert detect_profile(spec, paper) == "paper"
    assert detect_profile(spec, spec.resolve("quick")) == "quick"
    assert detect_profile(spec, {**paper, "n": 77}) == "custom"
    command = rerun_command(spec, {**paper, "n": 77, "progress": False})
    assert command.startswith("collapse run notebooks/seddik_fig1.md -p n 77 ")
    assert "-p progress false" in command
    # the command it prints is accepted by the CLI's own validation
    pairs = command.split(" -p ")[1:]
    overrides = dict(pair.split(" ", 1) for pair in pairs)
    assert spec.resolve("paper", overrides)["n"] == 77


@pytest.mark.slow
def test_wang_fig2_notebook_recomputes_at_the_quick_profile(tmp_path: Path) -> None:
    from collapse.pages.wang_fig2 import read_results as wang_lm_data

    result = run_notebook(NOTEBOOKS / "wang_fig2.md", profile="quick", output_root=tmp_path,
                          progress_bar=False)
    glued = glued_values(result.notebook)
    data = wang_lm_data(result.directory / "wang_quick")
    assert glued["wang_fig2_generations"] == 2
    assert glued["wang_fig2_corpus_p_was"] == pytest.approx(data.corpus_p_was)
    assert glued["wang_fig2_replace_last_p_was"] == pytest.approx(data.p_was_model[0, -1])


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.md")), ids=lambda p: p.stem)
def test_papermill_reads_every_declared_parameter(path: Path, tmp_path: Path) -> None:
    """papermill's own parser finds every parameter (a '=' in a comment hides one from it, and
    ``collapse run`` then prints "Passed unknown parameter")."""
    import jupytext
    import papermill

    ipynb = tmp_path / f"{path.stem}.ipynb"
    jupytext.write(jupytext.read(path), ipynb)
    assert set(papermill.inspect_notebook(str(ipynb))) == set(notebook_spec(path).parameters)
