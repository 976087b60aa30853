"""A page's verdict, pure: its claims judged on its summary numbers, its scale, its text.

Nothing here displays or writes anything (that is :mod:`collapse.publish`'s job):
:func:`page_verdict` takes a page's :class:`Claim` rules, the summary numbers they read and the
parameter values of the run, and returns a :class:`PageVerdict` with the verdict, the scale
compared with the paper's values, the MyST of the verdict box and the fields of the intro's
status table.

* The *claims* are the paper's statements the page tests on its own numbers (a closed form
  against Monte Carlo, a bound, an effect the figure is about); the *bookkeeping* checks (files
  carry provenance, arrays are finite) are reported apart and never make a verdict.
* The verdict is one of :data:`VERDICTS`; it is computed, so a re-run whose numbers no longer
  show the paper's effect says so on its own page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collapse.notebook import DEFAULT_PROFILE, PAPER_VALUES_PROFILE, NotebookSpec, notebook_spec
from collapse.provenance import ROOT, git_sha

NOTEBOOKS = ROOT / "notebooks"

REPRODUCED = "reproduced"
QUALITATIVE = "reproduced qualitatively at reduced scale"
PARTLY = "partly reproduced"
NOT_REPRODUCED = "not reproduced"
REPRODUCTION = "reproduction"
KIND_LABELS = {
    "extension": "extension (an experiment in neither paper)",
    "reconstruction": "reconstruction (from a summary of the paper)",
    "erratum found": "erratum found",
    "bound vacuous": "bound vacuous at the values of the paper",
    "schematic": "schematic (computed from the definitions)",
}
"""Pages that are not reproductions say what they are instead of "reproduced" (a page module's
``KIND``); their claims, if any, are listed as for any page."""
VERDICTS = (REPRODUCED, QUALITATIVE, PARTLY, NOT_REPRODUCED, *KIND_LABELS.values())
_VERDICT_CLASS = {REPRODUCED: "verdict-reproduced", QUALITATIVE: "verdict-qualitative",
                  PARTLY: "verdict-partly", NOT_REPRODUCED: "verdict-not",
                  **{label: "verdict-kind" for label in KIND_LABELS.values()}}

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


CONFIRMED = "confirmed"
REFUTED = "refuted"
UNRESOLVED = "not resolved at this precision"
OUTCOMES = (CONFIRMED, REFUTED, UNRESOLVED)
"""What a claim's rule concludes on the page's numbers."""
_MARK = {CONFIRMED: "✓", REFUTED: "✗", UNRESOLVED: "?"}


def outcome_of(value: bool | str | None) -> str:
    """A rule's result as an outcome: True → confirmed, False → refuted, None → not resolved."""
    if isinstance(value, str):
        if value not in OUTCOMES:
            raise ValueError(f"an outcome is one of {OUTCOMES}, got {value!r}")
        return value
    return UNRESOLVED if value is None else (CONFIRMED if value else REFUTED)


def judge(claims: Mapping[str, bool | str | None], reduced: bool,
          kind: str = REPRODUCTION) -> str:
    """Every claim confirmed → reproduced (qualitatively, if ``reduced``); some → partly; none
    → not reproduced (a claim not resolved at this precision counts as not confirmed). A page
    of another ``kind`` (:data:`KIND_LABELS`) is labelled as such."""
    if kind != REPRODUCTION:
        if kind not in KIND_LABELS:
            raise ValueError(f"kind must be {REPRODUCTION} or one of {sorted(KIND_LABELS)}, "
                             f"got {kind!r}")
        return KIND_LABELS[kind]
    if not claims:
        raise ValueError("a page needs at least one claim to be judged")
    held = sum(outcome_of(v) == CONFIRMED for v in claims.values())
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


def relative_to_root(path: Path) -> str:
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


AT_LEAST = frozenset({"runs"})
"""Parameters where more than the paper's value is no departure from it: more runs resolve the
same statement more precisely."""


def paper_differences(spec: NotebookSpec, values: Mapping[str, Any]) -> list[str] | None:
    """``["n = 100 (paper: 1000)", …]`` over the values the paper states (``spec.stated``), or
    None where it states none for the page. More runs than the paper's are no difference."""
    if not spec.stated:
        return None
    paper = spec.resolve(PAPER_VALUES_PROFILE)

    def differs(k: str) -> bool:
        return values[k] < paper[k] if k in AT_LEAST else values[k] != paper[k]

    return [f"{k} = {values[k]} (paper: {paper[k]})" for k in spec.parameters
            if k in spec.stated and k not in SETTINGS_NOT_SCALE and k in values and differs(k)]


def rerun_command(spec: NotebookSpec, values: Mapping[str, Any]) -> str:
    """``collapse run notebooks/<name>.md -p k v ...`` for every declared parameter."""
    parts = [f"collapse run {relative_to_root(Path(spec.path))}"]
    for key in spec.parameters:
        if key in values:
            value = values[key]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"-p {key} {text}" if " " not in text else f'-p {key} "{text}"')
    return " ".join(parts)


def parameters_table(spec: NotebookSpec, values: Mapping[str, Any]) -> str:
    """Markdown: each parameter's value on this page, the paper's value where the paper states
    it (and where), "not stated (our choice)" elsewhere, the allowed range."""
    paper = spec.resolve(PAPER_VALUES_PROFILE) if spec.stated else {}
    rows = ["| parameter | value here | the paper | allowed | meaning |", "|---|---|---|---|---|"]
    for key, p in spec.parameters.items():
        if key not in values:
            continue
        if key in SETTINGS_NOT_SCALE:
            stated = "—"
        elif key in spec.stated:
            stated = f"`{paper[key]}` ({spec.stated[key]})"
        else:
            stated = "not stated (our choice)"
        allowed = p.allowed().replace("|", "\\|")
        rows.append(f"| `{key}` | `{values[key]}` | {stated} | {allowed} | "
                    f"{p.help.replace('|', '/')} |")
    return "\n".join(rows)


def claim_list(claims: Mapping[str, bool | str | None]) -> list[str]:
    """Markdown list items: ``- ✓ text``, ``- ? text (*not resolved at this precision*)``."""
    lines = []
    for text, value in claims.items():
        outcome = outcome_of(value)
        lines.append(f"- {_MARK[outcome]} {text}"
                     + ("" if outcome == CONFIRMED else f" (*{outcome}*)"))
    return lines


def verdict_box(verdict: str, claims: Mapping[str, bool | str | None],
                bookkeeping: Mapping[str, bool], scale: str, computed: Computed,
                profile: str) -> str:
    """MyST for the box under the page title: ✓ confirmed, ✗ refuted, ? not resolved."""
    claim_lines = claim_list(claims)
    kept = sum(bool(v) for v in bookkeeping.values())
    lines = [
        f":::{{admonition}} Verdict: {verdict}",
        f":class: verdict {_VERDICT_CLASS[verdict]}",
        "",
        *(["The paper's claims, tested on this page's numbers:", "", *claim_lines, ""]
          if claim_lines else ["No statement of the paper is tested on this page; its bookkeeping "
                               "checks test the computation itself.", ""]),
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




Z = 3.0
"""The standard errors a comparison must clear to be resolved, unless a claim states its own."""


def exceeds(value: float, se: float, threshold: float, z: float = Z) -> bool | None:
    """Is ``value`` above ``threshold``? True if ``value − z·se`` is above it, False if
    ``value + z·se`` is below it, None (not resolved) in between."""
    if value - z * se > threshold:
        return True
    if value + z * se < threshold:
        return False
    return None


def increasing(min_step_z: float, z: float = Z) -> bool | None:
    """Is a sequence of means increasing, given the smallest step over its SE? True if every
    step is up by more than ``z`` SE, False if one is down by more than ``z`` SE, else None."""
    if min_step_z > z:
        return True
    if min_step_z < -z:
        return False
    return None


def not_violated(min_margin_z: float, z: float = Z) -> bool:
    """A bound tested on means: False if some mean lies beyond it by more than ``z`` SE
    (``min_margin_z`` is the smallest (mean − bound)/SE, sign chosen so that the bound holds
    for positive margins), else True."""
    return bool(min_margin_z >= -z)


Measure = tuple[str, str] | tuple[str, str, str]
"""A claim's number for the ledger: (what it is, summary key of the value[, key of its SE])."""


@dataclass(frozen=True)
class Claim:
    """One statement a page tests: the paper's words, the rule, and the number it reads.

    ``rule`` reads only the page's summary numbers (the same numbers the prose quotes) and
    returns True (confirmed), False (refuted) or None (not resolved at this precision: the
    comparison is within its uncertainty); thresholds live in the rule, written once.
    ``text`` states the rule in words (shown in the verdict box); ``quote`` and ``source`` are
    the paper's statement and where it is made (the claim ledger); ``measure`` names the
    summary numbers that the ledger shows as the claim's value ± SE.
    """

    key: str
    text: str
    rule: Callable[[Mapping[str, Any]], bool | None]
    quote: str = ""
    source: str = ""
    measure: Measure | None = None

    def outcome(self, summary: Mapping[str, Any]) -> str:
        """:data:`CONFIRMED`, :data:`REFUTED` or :data:`UNRESOLVED` (the rule returned None)."""
        value = self.rule(summary)
        return outcome_of(None if value is None else bool(value))

    def holds(self, summary: Mapping[str, Any]) -> bool:
        return self.outcome(summary) == CONFIRMED

    def measured(self, summary: Mapping[str, Any]) -> tuple[str, float | None, float | None]:
        """(what, value, SE) of :attr:`measure` on ``summary`` (None where not declared)."""
        if self.measure is None:
            return "", None, None
        what, key, *se_key = self.measure
        se = float(summary[se_key[0]]) if se_key else None
        return what, float(summary[key]), se


@dataclass(frozen=True)
class PageVerdict:
    """Everything a page says about itself, computed from its claims, summary and parameters."""

    name: str
    verdict: str
    claims: dict[str, str]
    bookkeeping: dict[str, bool]
    scale: str
    reduced: bool
    differences: list[str] | None
    computed: Computed
    profile: str
    parameters: str = field(repr=False)

    def plain(self) -> str:
        """The verdict and its claims as plain Markdown (for Jupyter, which has no MyST)."""
        lines = [f"**Verdict: {self.verdict}**", "", *claim_list(self.claims)]
        return "\n".join([*lines, "", f"Scale: {self.scale}. Computed: {self.computed.line()}."])

    def box(self) -> str:
        """MyST of the verdict box under the page title."""
        return verdict_box(self.verdict, self.claims, self.bookkeeping, self.scale,
                           self.computed, self.profile)

    def status(self) -> dict[str, str]:
        """The fields of the intro's status table (glued as ``<name>_status_<field>``)."""
        counts = {o: sum(v == o for v in self.claims.values()) for o in OUTCOMES}
        kept = sum(self.bookkeeping.values())
        held = " · ".join(f"{counts[o]} {_MARK[o]}" for o in OUTCOMES if counts[o])
        return {"verdict": self.verdict,
                "claims": held if self.claims else "—",
                "bookkeeping": f"{kept}/{len(self.bookkeeping)}" if self.bookkeeping else "—",
                "scale": "reduced" if self.reduced else (
                    "paper's" if self.differences == [] else "—"),
                "computed": self.computed.line()}


def page_verdict(name: str, claims: Sequence[Claim], summary: Mapping[str, Any],
                 values: Mapping[str, Any], *, bookkeeping: Sequence[Claim] = (),
                 scale: str | None = None, reduced: bool | None = None,
                 computed: Computed | None = None, kind: str = REPRODUCTION) -> PageVerdict:
    """Judge page ``name`` (``notebooks/<name>.md``) on ``summary`` at parameter ``values``.

    ``scale``/``reduced`` default to a comparison of ``values`` with the notebook's ``paper``
    profile; the language-model pages pass the scale of their committed results and
    ``computed=Computed.from_results(...)``.
    """
    spec = page_spec(name)
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
    held = {c.text: c.outcome(summary) for c in claims}
    return PageVerdict(
        name=name, verdict=judge(held, reduced, kind), claims=held,
        bookkeeping={c.text: c.holds(summary) for c in bookkeeping}, scale=scale,
        reduced=reduced, differences=differences, computed=computed or Computed.this_build(),
        profile=detect_profile(spec, values), parameters=parameters_table(spec, values))


def rerun_box(name: str, command: str, downloads: Sequence[str]) -> str:
    """MyST of the "Re-run this figure" box: the command(s), then the downloads."""
    shown = "\n".join(shell_lines(line) for line in command.splitlines())
    return "\n".join([
        ":::{admonition} Re-run this figure",
        ":class: tip",
        "",
        "```bash",
        shown,
        "```",
        "",
        f"`collapse params notebooks/{name}.md` lists every parameter, its allowed range and the "
        "profiles (`--profile quick` runs in seconds). Downloads: " + " · ".join(downloads) + ".",
        ":::",
    ])
