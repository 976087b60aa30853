"""Re-run any figure notebook with new parameters: jupytext → validation → papermill.

A figure notebook is a MyST ``.md`` file with exactly one code cell tagged ``parameters``. Each
line of that cell declares one parameter, with a type, a literal default (the ``book`` profile)
and, in the trailing comment, the allowed values and a description::

    n: int = 1000                 # [2, 100000] samples per context per generation
    concentration: float = 1.0    # (0, 100] Dirichlet concentration of p^(0)
    scheme: str = "fully"         # {fully, partially} recursion scheme
    progress: bool = False        # show tqdm progress bars

``[a, b]`` is a closed range, ``(a, b]`` excludes ``a``; either bound may be ``*`` (unbounded).
Other profiles (``quick`` for the tests) are set in the notebook's front matter::

    collapse:
      profiles:
        quick: {n: 100, context_length: 2}

Everything is validated before a kernel starts: an unknown name, a value of the wrong type or
out of range raises :class:`ParameterError` naming the parameter and what is allowed.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
import math
import os
import platform
import shutil
import time
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jupytext
import nbformat

from collapse import __version__
from collapse.plotting import OUTPUT_DIR_ENV
from collapse.provenance import git_sha, write_json_atomic
from collapse.rundir import exclusive, output_directory
from collapse.settings import parse_text

DEFAULT_PROFILE = "book"
"""The notebook's literal defaults: what the book shows (not necessarily the paper's values)."""
PAPER_VALUES_PROFILE = "paper"
"""Declared in the front matter where the paper states its values (``paper: {}`` if the
defaults are the paper's)."""
PARAMETER_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


class ParameterError(ValueError):
    """A parameter name, type or value that a notebook does not accept."""


class NotebookFormatError(ValueError):
    """A notebook whose parameters cell or front matter does not follow the convention."""


class NotebookExecutionError(RuntimeError):
    """A cell raised while ``run_notebook`` executed a notebook (the partial notebook is kept)."""


@dataclass(frozen=True)
class Parameter:
    """One declared notebook parameter (a line of the ``parameters`` cell)."""

    name: str
    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    help: str = ""

    @property
    def type_name(self) -> str:
        return self.type.__name__

    def allowed(self) -> str:
        """Human description of the allowed values, e.g. ``an int in [2, 100000]``."""
        if self.choices is not None:
            return f"one of {{{', '.join(self.choices)}}}"
        if self.type is bool:
            return "true or false (also yes/no, on/off, 1/0)"
        if self.low is None and self.high is None:
            return f"any {self.type_name}"
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        return (f"{'an' if self.type is int else 'a'} {self.type_name} in "
                f"{'(' if self.low_open else '['}{lo}, {hi}{')' if self.high_open else ']'}")

    def coerce(self, raw: Any) -> Any:
        """Turn ``raw`` (a command-line string or a Python value) into a checked value."""
        value = self._convert(raw)
        self._check(value)
        return value

    def _fail(self, raw: Any) -> ParameterError:
        return ParameterError(f"parameter '{self.name}' must be {self.allowed()}, got {raw!r}")

    def _convert(self, raw: Any) -> Any:
        if isinstance(raw, str) and self.type is not str:
            try:
                return parse_text(raw, self.type)  # the grammar of --set too
            except ValueError:
                raise self._fail(raw) from None
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            raise self._fail(raw)
        if isinstance(raw, bool):
            raise self._fail(raw)
        if self.type is int and isinstance(raw, int):
            return raw
        if self.type is float and isinstance(raw, int | float):
            return float(raw)
        if self.type is str and isinstance(raw, str):
            return raw
        raise self._fail(raw)

    def _check(self, value: Any) -> None:
        if self.choices is not None and value not in self.choices:
            raise self._fail(value)
        if self.type in (int, float):
            if not math.isfinite(value):
                raise self._fail(value)
            if self.low is not None and (value <= self.low if self.low_open else value < self.low):
                raise self._fail(value)
            if self.high is not None and (
                value >= self.high if self.high_open else value > self.high
            ):
                raise self._fail(value)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


@dataclass(frozen=True)
class NotebookSpec:
    """What a figure notebook accepts: its parameters and named profiles."""

    path: Path
    parameters: dict[str, Parameter]
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    stated: dict[str, str] = field(default_factory=dict)
    """Parameters whose value the paper states (in the ``paper`` profile), and where it says so
    (front matter ``collapse.stated``); every other value is our choice."""

    def resolve(
        self, profile: str = DEFAULT_PROFILE, overrides: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Defaults, then the profile, then ``overrides``: every value checked, all returned."""
        if profile not in self.profiles:
            raise ParameterError(
                f"profile '{profile}' is not defined for {self.path.name}; "
                f"choose one of {{{', '.join(sorted(self.profiles))}}}"
            )
        values = {name: p.default for name, p in self.parameters.items()}
        for source in (self.profiles[profile], overrides or {}):
            for name, raw in source.items():
                if name not in self.parameters:
                    raise ParameterError(
                        f"unknown parameter '{name}' for {self.path.name}; known parameters: "
                        f"{', '.join(self.parameters)}"
                    )
                values[name] = self.parameters[name].coerce(raw)
        return values


def read_notebook(path: str | os.PathLike[str]) -> nbformat.NotebookNode:
    """Read a MyST ``.md`` (or any jupytext format, or ``.ipynb``) as a notebook;
    :class:`NotebookFormatError` naming the file if it is not one."""
    path = Path(path)
    try:
        nb = jupytext.read(path)
        cells = nb.cells
        if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
            raise ValueError("its cells are not a list of cells")
        if not isinstance(nb.metadata, dict):
            raise ValueError("its metadata is not a mapping")
    except UnicodeDecodeError:
        raise NotebookFormatError(f"{path}: not a text notebook (not UTF-8)") from None
    except OSError as err:
        raise NotebookFormatError(f"{path}: can't be read ({err.strerror or err})") from None
    except Exception as err:  # jupytext and nbformat raise many kinds on a malformed file
        first = (f"no {err.args[0]!r} field" if isinstance(err, KeyError | AttributeError) else
                 (str(err).strip().splitlines() or [type(err).__name__])[0][:150])
        raise NotebookFormatError(f"{path}: not a notebook jupytext can read ({first})"
                                  ) from None
    return nb


def _parameters_cell(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    tagged = [c for c in nb.cells
              if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise NotebookFormatError(
            f"{path.name}: expected exactly one code cell tagged 'parameters', found {len(tagged)}"
        )
    return tagged[0]


def _parse_constraint(comment: str, ptype: type, where: str) -> tuple[dict[str, Any], str]:
    """Split ``[a, b] help`` / ``{x, y} help`` / ``help`` into constraint fields and help."""
    text = comment.strip()
    if text[:1] == "{":
        inner, _, rest = text[1:].partition("}")
        choices = tuple(c.strip() for c in inner.split(",") if c.strip())
        if not choices:
            raise NotebookFormatError(f"{where}: empty choice set")
        return {"choices": choices}, rest.strip()
    if text[:1] in "[(":
        close = min((i for i in (text.find("]"), text.find(")")) if i > 0), default=-1)
        if close < 0:
            raise NotebookFormatError(f"{where}: unterminated range in comment {comment!r}")
        bounds = text[1:close].split(",")
        if len(bounds) != 2 or ptype not in (int, float):
            raise NotebookFormatError(f"{where}: a range needs two bounds and an int/float type")
        try:
            lo, hi = (None if b.strip() == "*" else float(b) for b in bounds)
        except ValueError:
            raise NotebookFormatError(f"{where}: bad range bounds in {comment!r}") from None
        fields = {"low": lo, "high": hi, "low_open": text[0] == "(",
                  "high_open": text[close] == ")"}
        return fields, text[close + 1:].strip()
    return {}, text


def parse_parameters(source: str, where: str = "parameters cell") -> dict[str, Parameter]:
    """Parse the ``parameters`` cell source into :class:`Parameter` objects."""
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#")
    except (tokenize.TokenError, SyntaxError) as err:
        raise NotebookFormatError(f"{where}: not Python ({err.args[0]})") from None
    params: dict[str, Parameter] = {}
    try:
        body = ast.parse(source).body
    except SyntaxError as err:
        raise NotebookFormatError(f"{where}, line {err.lineno}: not Python ({err.msg})") from None
    for node in body:
        loc = f"{where}, line {node.lineno}"
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(node.annotation, ast.Name) and node.value is not None):
            raise NotebookFormatError(f"{loc}: expected `name: type = literal`")
        type_name = node.annotation.id
        if type_name not in PARAMETER_TYPES:
            raise NotebookFormatError(
                f"{loc}: type must be one of {', '.join(PARAMETER_TYPES)}, got {type_name}"
            )
        ptype = PARAMETER_TYPES[type_name]
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise NotebookFormatError(f"{loc}: default must be a literal") from None
        fields, help_text = _parse_constraint(comments.get(node.lineno, ""), ptype, loc)
        param = Parameter(name=node.target.id, type=ptype, default=default, help=help_text,
                          **fields)
        try:
            param.coerce(default)
        except ParameterError as err:
            raise NotebookFormatError(
                f"{loc}: default does not satisfy its own range: {err}"
            ) from None
        params[param.name] = param
    if not params:
        raise NotebookFormatError(f"{where}: declares no parameters")
    return params


def notebook_spec(path: str | os.PathLike[str]) -> NotebookSpec:
    """Read ``path`` and return its parameters and profiles (all profile values checked)."""
    path = Path(path)
    try:
        found = path.is_file()
    except OSError as err:  # a name too long, a loop of symbolic links
        raise NotebookFormatError(f"{path}: can't be read ({err.strerror})") from None
    if not found:
        raise FileNotFoundError(f"no notebook at {path}")
    nb = read_notebook(path)
    params = parse_parameters(_parameters_cell(nb, path).source, f"{path.name} parameters cell")
    settings = nb.metadata.get("collapse", {}) or {}
    declared = settings.get("profiles", {}) if isinstance(settings, dict) else None
    if not isinstance(declared, dict):
        raise NotebookFormatError(f"{path.name}: front matter collapse.profiles must map "
                                  f"profile names to parameter values, got {declared!r}")
    profiles: dict[str, dict[str, Any]] = {DEFAULT_PROFILE: {}}
    for name, values in (declared or {}).items():
        if not isinstance(values, dict | None):
            raise NotebookFormatError(f"{path.name}: profile {name!r} must map parameter names "
                                      f"to values, got {values!r}")
        profiles[str(name)] = dict(values or {})
    stated = settings.get("stated", {}) or {}
    if not isinstance(stated, dict) or not all(isinstance(v, str) for v in stated.values()):
        raise NotebookFormatError(f"{path.name}: front matter collapse.stated must map "
                                  f"parameter names to where the paper states them")
    unknown = sorted(set(stated) - set(params))
    if unknown or (stated and PAPER_VALUES_PROFILE not in profiles):
        raise NotebookFormatError(f"{path.name}: collapse.stated names "
                                  + (f"unknown parameters {unknown}" if unknown
                                     else "values of a paper profile the notebook lacks"))
    spec = NotebookSpec(path=path, parameters=params, profiles=profiles,
                        stated={str(k): v for k, v in stated.items()})
    for name in profiles:  # a typo in a profile is the notebook's bug: report it early
        try:
            spec.resolve(name)
        except ParameterError as err:
            raise NotebookFormatError(f"{path.name}: profile '{name}': {err}") from None
    return spec


def check_together(path: Path, values: dict[str, Any]) -> None:
    """The notebook's joint check (:mod:`collapse.preflight`), as a :class:`ParameterError`."""
    from collapse.preflight import run_check

    try:
        run_check(path.stem, values)
    except (ValueError, TypeError) as err:
        raise ParameterError(f"{path.name}: {err}") from None


@dataclass(frozen=True)
class RunResult:
    """Where ``run_notebook`` wrote its outputs."""

    notebook: Path
    directory: Path
    parameters: dict[str, Any]
    files: list[Path]


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


PARTIAL, FAILED, INTERRUPTED = ".partial", ".failed", ".interrupted"
"""Suffixes of a notebook run's sibling folders: the run in progress, and the last run that
failed or was interrupted (its partial notebook and ``run.json``)."""


class NotebookInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a notebook run; the message says where its partial notebook is."""


def run_notebook(
    path: str | os.PathLike[str],
    *,
    overrides: Mapping[str, Any] | None = None,
    profile: str = DEFAULT_PROFILE,
    output_root: str | os.PathLike[str] = "runs",
    progress_bar: bool = True,
    log_output: bool = False,
) -> RunResult:
    """Validate parameters, then execute the notebook with papermill; replace the previous
    results only when the whole run succeeded.

    The results are ``<output_root>/<stem>/``: ``<stem>.ipynb`` (the executed notebook), the
    figure and data files the notebook exports, and ``run.json`` (parameters, profile, versions,
    git sha, wall time, status). The run itself executes in the sibling ``<stem>.partial/``;
    on success its files replace the previous results, on failure or interruption the folder
    becomes ``<stem>.failed/`` or ``<stem>.interrupted/`` (the partial notebook, saved after
    every cell, and a ``run.json`` saying what happened) and the previous results stay as they
    were. A notebook run does not resume: running it again starts over. Parameter errors and
    unusable output paths are raised before anything is written; the results folder is locked
    for the run (:func:`collapse.rundir.exclusive`).
    """
    path = Path(path).resolve()
    spec = notebook_spec(path)
    values = spec.resolve(profile, overrides)
    check_together(path, values)
    if not str(output_root).strip():
        raise ParameterError("the output root is empty; give a path, e.g. -o runs")
    directory = output_directory(Path(output_root) / path.stem).resolve()
    with exclusive(directory):
        staging = directory.with_name(directory.name + PARTIAL)
        _remove(staging)  # left by a killed run
        staging.mkdir()
        try:
            _execute(path, staging, values, profile, progress_bar=progress_bar,
                     log_output=log_output)
        except BaseException as err:
            raise _keep_partial(path, directory, staging, err) from err
        _replace_results(directory, staging)
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    return RunResult(notebook=directory / f"{path.stem}.ipynb", directory=directory,
                     parameters=values, files=files)


def _remove(folder: Path) -> None:
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


def _replace_results(directory: Path, staging: Path) -> None:
    """Move the finished run's files over the previous results (``run.json`` last: a folder
    without one is visibly incomplete)."""
    for old in directory.iterdir():
        if not old.name.startswith("."):
            _remove(old)
    for name in sorted(os.listdir(staging), key=lambda n: n == "run.json"):
        (staging / name).replace(directory / name)
    staging.rmdir()
    for stale in (FAILED, INTERRUPTED):  # an earlier failure is no longer the latest word
        _remove(directory.with_name(directory.name + stale))


def _keep_partial(path: Path, directory: Path, staging: Path, err: BaseException
                  ) -> BaseException:
    """Keep the partial notebook of a failed or interrupted run beside the results; return the
    error to raise, its message saying where everything is."""
    previous = ("the previous results in it are unchanged" if (directory / "run.json").exists()
                else "it holds no results")
    again = "a notebook run starts over when run again"
    if isinstance(err, OSError):  # a full disk: what was written can't be trusted, keep nothing
        _remove(staging)
        return err
    kept = directory.with_name(directory.name + (INTERRUPTED if isinstance(err, KeyboardInterrupt)
                                                 else FAILED))
    _remove(kept)
    staging.replace(kept)
    where = f"partial notebook kept at {kept / (path.stem + '.ipynb')}; {directory}: {previous}"
    import papermill

    if isinstance(err, KeyboardInterrupt):
        # the cell that was cut off dies with its kernel; asyncio would report that task's
        # DeadKernelError after our message, at exit
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        return NotebookInterrupted(f"{path.name} interrupted; {where}; {again}")
    if isinstance(err, papermill.PapermillExecutionError):
        return NotebookExecutionError(
            f"{path.name} failed in cell {err.exec_count}: {err.ename}: {err.evalue} ({where}; "
            f"{again})")
    return err


def _execute(path: Path, directory: Path, values: dict[str, Any], profile: str, *,
             progress_bar: bool, log_output: bool) -> None:
    """papermill into ``directory`` with ``run.json`` saying running → ok | interrupted |
    failed (the partial notebook is saved after every cell)."""
    import papermill  # imported late: ~1 s, and `collapse params` does not need it

    executed = directory / f"{path.stem}.ipynb"
    record: dict[str, Any] = {
        "notebook": str(path.name),
        "profile": profile,
        "parameters": values,
        "collapse_version": __version__,
        "git_sha": git_sha(path.parent),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "running",
    }
    write_json_atomic(directory / "run.json", record)
    start = time.perf_counter()
    try:
        with _environment(OUTPUT_DIR_ENV, str(directory)):
            papermill.execute_notebook(
                read_notebook(path), str(executed), parameters=values, cwd=str(path.parent),
                kernel_name="python3", progress_bar=progress_bar, log_output=log_output,
                request_save_on_cell_execute=True,
            )
    except BaseException as err:  # interrupted or failed: record it beside the partial notebook
        interrupted = isinstance(err, KeyboardInterrupt)
        record.update(status="interrupted" if interrupted else f"failed: {type(err).__name__}",
                      wall_seconds=round(time.perf_counter() - start, 3))
        if not isinstance(err, OSError):
            write_json_atomic(directory / "run.json", record)
        raise
    record.update(status="ok", wall_seconds=round(time.perf_counter() - start, 3))
    write_json_atomic(directory / "run.json", record)


def glued_values(nb: nbformat.NotebookNode | str | os.PathLike[str]) -> dict[str, Any]:
    """The values a notebook glued with ``myst_nb.glue``, read back from its outputs."""
    notebook = nb if isinstance(nb, nbformat.NotebookNode) else nbformat.read(str(nb), as_version=4)
    values: dict[str, Any] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            key = record.get("name")
            if key is None:
                continue
            # display=False glues are stored under a prefixed MIME type, others under text/plain
            prefix = record.get("mime_prefix", "")
            text = output.get("data", {}).get(f"{prefix}text/plain")
            if text is not None:
                try:
                    values[key] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[key] = text
    return values
