"""Provenance of every result file: code version, packages, machine, time."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def git_sha(cwd: Path = ROOT) -> str:
    """HEAD's commit, with ``-dirty`` if the work tree has changes ('unknown' outside git)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, capture_output=True, text=True, check=True,
                               timeout=10).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions(*packages: str) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


_PROCESS_START_SHA: str | None = None


def process_git_sha() -> str:
    """The commit checked out when this process first asked, i.e. the code it is running
    (later commits made while a long run goes on do not change it)."""
    global _PROCESS_START_SHA
    if _PROCESS_START_SHA is None:
        _PROCESS_START_SHA = git_sha()
    return _PROCESS_START_SHA


def stamp(**extra: Any) -> dict[str, Any]:
    """A provenance record: git sha of the running code, versions, host, time, plus ``extra``."""
    return {
        "git_sha": process_git_sha(),
        "versions": versions("collapse", "numpy", "torch", "matplotlib"),
        "machine": f"{platform.system()} {platform.machine()}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def write_json_atomic(path: Path, payload: Mapping[str, Any]) -> None:
    """Write JSON through a temporary file and a rename (:func:`collapse.rundir.atomic_write`):
    readers never see half a file, and a full disk leaves the old file and no ``.tmp``."""
    from collapse.rundir import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write(path, lambda handle: handle.write(text.encode()))
