"""What every figure page reports about itself: its verdict, its scale, and how to re-run it.

``page_report(name, claims, values, ...)`` is the last call of each notebook. It

* judges the page (:func:`judge`): the *claims* are the paper's statements the page tests on its
  own numbers (a closed form against Monte Carlo, a bound, an effect the figure is about); the
  *bookkeeping* checks (files carry provenance, arrays are finite) are reported apart and never
  make a verdict;
* glues ``<name>_verdict`` (the box under the page title), ``<name>_parameters`` (the table of
  parameters beside the paper's values) and the ``<name>_status_*`` fields the intro's status
  table reads across pages;
* writes the notebook as ``.ipynb`` next to the figure's SVG and data (see
  :func:`collapse.plotting.export`) and returns the "Re-run this figure" box that links them.

The verdict is one of :data:`VERDICTS`; it is computed, so a re-run whose numbers no longer
show the paper's effect says so on its own page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collapse.notebook import DEFAULT_PROFILE, PAPER_VALUES_PROFILE, NotebookSpec, notebook_spec
from collapse.plotting import downloads_dir
from collapse.provenance import ROOT, git_sha

NOTEBOOKS = ROOT / "notebooks"

REPRODUCED = "reproduced"
QUALITATIVE = "reproduced qualitatively at reduced scale"
PARTLY = "partly reproduced"
NOT_REPRODUCED = "not reproduced"
VERDICTS = (REPRODUCED, QUALITATIVE, PARTLY, NOT_REPRODUCED)
_VERDICT_CLASS = {REPRODUCED: "verdict-reproduced", QUALITATIVE: "verdict-qualitative",
                  PARTLY: "verdict-partly", NOT_REPRODUCED: "verdict-not"}

SETTINGS_NOT_SCALE = frozenset({"progress", "seed", "device"})
"""Parameters that change neither what is computed nor its size (a different seed is another
draw of the same experiment)."""


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def readable(x: float, digits: int = 2) -> str:
    """A number for prose: ``24937.2`` → ``2.5 × 10⁴``, ``0.0123`` → ``0.012``, ``1234`` →
    ``1,234``.

    Scientific notation (a Unicode power of ten, never ``2.49e+04``) below 10⁻³ and from
    10⁴ on; ``digits`` significant digits.
    """
    x = float(x)
    if x == 0 or x != x or x in (float("inf"), float("-inf")):
        return {0.0: "0"}.get(x, str(x))
    exponent = int(f"{abs(x):.{digits - 1}e}".split("e")[1])
    if -3 <= exponent < 4:
        decimals = max(digits - 1 - exponent, 0)
        return f"{x:,.{decimals}f}"
    mantissa = f"{x / 10.0 ** exponent:.{digits - 1}f}"
    return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def judge(claims: Mapping[str, bool], reduced: bool) -> str:
    """Every claim holds → reproduced (qualitatively, if ``reduced``); some → partly; none → not."""
    if not claims:
        raise ValueError("a page needs at least one claim to be judged")
    held = sum(bool(v) for v in claims.values())
    if held == len(claims):
        return QUALITATIVE if reduced else REPRODUCED
    return PARTLY if held else NOT_REPRODUCED


@dataclass(frozen=True)
class Computed:
    """Where the numbers of a page come from: device, code commit, date, and source."""

    device: str
    commit: str
    date: str
    source: str = "this build"

    @classmethod
    def this_build(cls, device: str = "cpu") -> Computed:
        return cls(device=device, commit=git_sha()[:10], date=time.strftime("%Y-%m-%d"))

    @classmethod
    def from_results(cls, run_dirs: Sequence[str | Path]) -> Computed:
        """The provenance of committed run folders (their ``results.json``), not of the build.

        Several runs give every distinct commit and device, and the date of the latest one.
        """
        records = [json.loads((Path(d) / "results.json").read_text())["provenance"]
                   for d in run_dirs]
        commits = sorted({r["git_sha"][:10] for r in records})
        devices = sorted({r["device"] for r in records})
        dates = sorted(r["created"][:10] for r in records)
        return cls(device=", ".join(devices), commit=", ".join(commits), date=dates[-1],
                   source="committed results")

    def line(self) -> str:
        return f"{self.device} · {self.commit} · {self.date}"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def page_spec(name: str) -> NotebookSpec:
    """The parameters and profiles declared by ``notebooks/<name>.md``."""
    return notebook_spec(NOTEBOOKS / f"{name}.md")


def detect_profile(spec: NotebookSpec, values: Mapping[str, Any]) -> str:
    """The profile whose values equal ``values`` (``paper``, then ``book``, …), or ``custom``."""
    current = {k: values[k] for k in spec.parameters if k in values}
    order = [p for p in (PAPER_VALUES_PROFILE, DEFAULT_PROFILE) if p in spec.profiles]
    for profile in (*order, *sorted(set(spec.profiles) - set(order))):
        if spec.resolve(profile) == current:
            return profile
    return "custom"


def paper_differences(spec: NotebookSpec, values: Mapping[str, Any]) -> list[str] | None:
    """``["n = 100 (paper: 1000)", …]``, or None where the paper states no values for the page."""
    if PAPER_VALUES_PROFILE not in spec.profiles:
        return None
    paper = spec.resolve(PAPER_VALUES_PROFILE)
    return [f"{k} = {values[k]} (paper: {paper[k]})" for k in spec.parameters
            if k not in SETTINGS_NOT_SCALE and k in values and values[k] != paper[k]]


def rerun_command(spec: NotebookSpec, values: Mapping[str, Any]) -> str:
    """``collapse run notebooks/<name>.md -p k v ...`` for every declared parameter."""
    parts = [f"collapse run {_relative(Path(spec.path))}"]
    for key in spec.parameters:
        if key in values:
            value = values[key]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"-p {key} {text}" if " " not in text else f'-p {key} "{text}"')
    return " ".join(parts)


def parameters_table(spec: NotebookSpec, values: Mapping[str, Any]) -> str:
    """Markdown: each parameter's value on this page, the paper's value, the allowed range."""
    paper = (spec.resolve(PAPER_VALUES_PROFILE) if PAPER_VALUES_PROFILE in spec.profiles
             else None)
    rows = ["| parameter | value here | the paper | allowed | meaning |", "|---|---|---|---|---|"]
    for key, p in spec.parameters.items():
        if key not in values:
            continue
        stated = "—" if paper is None or key in SETTINGS_NOT_SCALE else f"`{paper[key]}`"
        allowed = p.allowed().replace("|", "\\|")
        rows.append(f"| `{key}` | `{values[key]}` | {stated} | {allowed} | "
                    f"{p.help.replace('|', '/')} |")
    return "\n".join(rows)


def write_notebook_download(name: str) -> Path | None:
    """The page's notebook as ``.ipynb`` (unexecuted, ``parameters`` tag kept) for download."""
    import jupytext

    directory = downloads_dir()
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.ipynb"
    jupytext.write(jupytext.read(NOTEBOOKS / f"{name}.md"), path, fmt="ipynb")
    return path


def _download_links(name: str) -> list[str]:
    directory = downloads_dir()
    links = [f"{{download}}`notebook source (.md) <{name}.md>`"]
    if directory is None:
        return links
    labels = {"ipynb": "notebook (.ipynb)", "svg": "figure (SVG)",
              "npz": "numbers behind the figure (.npz)"}
    for ext, label in labels.items():
        path = directory / f"{name}.{ext}"
        if path.is_file():
            links.append(f"{{download}}`{label} </{_relative(path)}>`")
    links.append("{download}`citation (CITATION.cff) </CITATION.cff>`")
    return links


def verdict_box(verdict: str, claims: Mapping[str, bool], bookkeeping: Mapping[str, bool],
                scale: str, computed: Computed, profile: str) -> str:
    """MyST for the box under the page title."""
    claim_lines = [f"- {'✓' if ok else '✗'} {text}" for text, ok in claims.items()]
    kept = sum(bool(v) for v in bookkeeping.values())
    lines = [
        f":::{{admonition}} Verdict: {verdict}",
        f":class: verdict {_VERDICT_CLASS[verdict]}",
        "",
        "The paper's claims, tested on this page's numbers:",
        "",
        *claim_lines,
        "",
        f"**Scale:** {scale}. **Computed:** {computed.line()} ({computed.source}, `{profile}` "
        "profile)."
        + (f" Bookkeeping: {kept} of {len(bookkeeping)} passed." if bookkeeping else ""),
        ":::",
    ]
    return "\n".join(lines)


def shell_lines(command: str, width: int = 70) -> str:
    """``command`` broken before its options with ``\\`` so that no line is wider than the
    book's code box (about 75 characters), e.g. ``collapse train-stories --paradigm replace \\``
    then ``    --profile cpu -o runs/x``."""
    lines = [""]
    for word in command.replace(" -", "\0-").split("\0"):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines[-1] += " \\"
            lines.append("    ")
        lines[-1] += (" " if lines[-1].strip() else "") + word
    return "\n".join(lines)


def page_report(name: str, claims: Mapping[str, bool], values: Mapping[str, Any], *,
                bookkeeping: Mapping[str, bool] | None = None, scale: str | None = None,
                reduced: bool | None = None, computed: Computed | None = None,
                rerun: str | None = None) -> Any:
    """Judge the page, glue its verdict, parameters and status, and return its re-run box.

    ``scale``/``reduced`` default to a comparison of ``values`` with the notebook's ``paper``
    profile; the language-model pages pass the scale of their committed results and
    ``computed=Computed.from_results(...)``; ``rerun`` replaces the ``collapse run`` command.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    bookkeeping = dict(bookkeeping or {})
    spec = page_spec(name)
    profile = detect_profile(spec, values)
    differences = paper_differences(spec, values)
    if scale is None:
        if differences is None:
            scale = "values chosen here (the paper states none for this page)"
        elif differences:
            scale = "other than the paper's: " + ", ".join(differences)
        else:
            scale = "the paper's values"
    if reduced is None:
        reduced = bool(differences)
    computed = computed or Computed.this_build()
    verdict = judge(claims, reduced)
    held = sum(bool(v) for v in claims.values())
    kept = sum(bool(v) for v in bookkeeping.values())
    glue(f"{name}_verdict", Markdown(verdict_box(verdict, claims, bookkeeping, scale, computed,
                                                 profile)), display=False)
    glue(f"{name}_parameters", Markdown(parameters_table(spec, values)), display=False)
    status = {"verdict": verdict, "claims": f"{held}/{len(claims)}",
              "bookkeeping": f"{kept}/{len(bookkeeping)}" if bookkeeping else "—",
              "scale": "reduced" if reduced else ("paper's" if differences == [] else "—"),
              "computed": computed.line()}
    for key, value in status.items():
        glue(f"{name}_status_{key}", value, display=False)
    write_notebook_download(name)
    command = "\n".join(shell_lines(line)
                        for line in (rerun or rerun_command(spec, values)).splitlines())
    lines = [
        ":::{admonition} Re-run this figure",
        ":class: tip",
        "",
        "```bash",
        command,
        "```",
        "",
        f"`collapse params notebooks/{name}.md` lists every parameter, its allowed range and the "
        "profiles (`--profile quick` runs in seconds). Downloads: "
        + " · ".join(_download_links(name)) + ".",
        ":::",
    ]
    return Markdown("\n".join(lines))
