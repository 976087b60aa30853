"""What every figure page reports about itself: the re-run box and the status record.

``page_report(name, checks, parameters)`` is the last call of each notebook. It

* glues ``<name>_status_*`` values (checks passed, profile, device, date, git sha) that the
  intro page's status table reads across pages, and
* returns a Markdown "re-run this figure" box with the exact ``collapse run`` command for the
  parameters the page was computed with, and a download link to the notebook's source.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from collapse.notebook import PAPER_PROFILE, notebook_spec
from collapse.provenance import ROOT, git_sha

NOTEBOOKS = ROOT / "notebooks"


def detect_profile(name: str, values: Mapping[str, Any]) -> str:
    """The profile whose values equal ``values`` (``paper``, ``quick``, …) or ``custom``."""
    spec = notebook_spec(NOTEBOOKS / f"{name}.md")
    current = {k: values[k] for k in spec.parameters if k in values}
    for profile in (PAPER_PROFILE, *sorted(set(spec.profiles) - {PAPER_PROFILE})):
        if spec.resolve(profile) == current:
            return profile
    return "custom"


def rerun_command(name: str, values: Mapping[str, Any]) -> str:
    """``collapse run notebooks/<name>.md -p k v ...`` for every declared parameter."""
    spec = notebook_spec(NOTEBOOKS / f"{name}.md")
    parts = [f"collapse run notebooks/{name}.md"]
    for key in spec.parameters:
        if key in values:
            value = values[key]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"-p {key} {text}" if " " not in text else f'-p {key} "{text}"')
    return " ".join(parts)


def page_report(name: str, checks: Mapping[str, bool], values: Mapping[str, Any], *,
                device: str = "cpu") -> Any:
    """Glue the page's status and return its re-run box (an IPython Markdown object)."""
    from IPython.display import Markdown
    from myst_nb import glue

    profile = detect_profile(name, values)
    passed = sum(bool(v) for v in checks.values())
    verdict = "pass" if passed == len(checks) else "FAIL"
    glue(f"{name}_status_checks", f"{passed}/{len(checks)} {verdict}", display=False)
    glue(f"{name}_status_profile", profile, display=False)
    glue(f"{name}_status_device", device, display=False)
    glue(f"{name}_status_date", time.strftime("%Y-%m-%d"), display=False)
    glue(f"{name}_status_sha", git_sha()[:10], display=False)
    failed = [k for k, v in checks.items() if not v]
    lines = [
        ":::{admonition} Re-run this figure",
        ":class: tip",
        "",
        f"Computed at the **{profile}** profile on **{device}**; checks: "
        f"{passed} of {len(checks)} passed" + (f" (**failed**: {', '.join(failed)})."
                                               if failed else f" ({', '.join(checks)})."),
        "",
        "```bash",
        rerun_command(name, values),
        "```",
        "",
        f"Add `--profile quick` for a seconds-long run; `collapse params notebooks/{name}.md` "
        f"lists every parameter and its allowed range. "
        f"Source of this page: {{download}}`{name}.md <{name}.md>`.",
        ":::",
    ]
    return Markdown("\n".join(lines))
