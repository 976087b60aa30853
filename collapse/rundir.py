"""Run directories that can't be corrupted or confused.

Three rules for every command that writes a run directory (``collapse run``,
``collapse train-recursive``, ``collapse train-stories``) and for their Python APIs:

1. **One writer at a time.** :func:`exclusive` holds an OS lock (``flock``) on
   ``<dir>/.lock`` for the command's whole life. A second command on the same directory is
   refused at once, naming the holder (PID, host, start time, command). The lock belongs to the
   open file, not to the file's existence: a killed process releases it with its file
   descriptors, so a stale ``.lock`` file never blocks the next run.
2. **Bad output paths are named before anything is written** (:func:`output_directory`): a path
   that is a file, lies under a file, can't be created, or lies inside the installed package.
3. **Damaged files are named** (:func:`read_run_file`): a file of a run directory that can't be
   read, has the wrong shape, fails its recorded checksum or comes from a newer format raises
   :class:`DamagedFileError` with one line: the file, what is wrong, what to do. Nothing else in
   the directory is touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

PACKAGE_DIR = Path(__file__).resolve().parent
LOCK_NAME = ".lock"
FORMAT_VERSION = 1
"""Version of the per-generation records (``metrics.json``) and checkpoints written now."""

T = TypeVar("T")


class RunDirectoryError(ValueError):
    """An output path that can't serve as a run directory."""


class RunDirectoryBusy(RuntimeError):
    """Another live process holds the run directory's lock."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is (a checkpoint first during training); exit status 143."""


class TrainingFailed(RuntimeError):
    """A run that can't produce a result as set (training diverged): status ``failed``."""


class DamagedFileError(ValueError):
    """A file of a run directory that can't be used (truncated, garbage, wrong shape, foreign)."""


def output_directory(path: str | os.PathLike[str]) -> Path:
    """Create (if needed) and return ``path`` as a writable run directory, or raise
    :class:`RunDirectoryError` naming the path and the problem."""
    if not str(path).strip():
        raise RunDirectoryError("output directory is empty; give a path, e.g. runs/")
    given = Path(path)
    try:
        resolved = given.resolve()
    except (RuntimeError, OSError) as err:  # a symbolic link loop, a name the OS refuses
        raise RunDirectoryError(f"output directory {given} can't be resolved "
                                f"({_first_line(err)}); choose another path") from None
    if resolved == PACKAGE_DIR or PACKAGE_DIR in resolved.parents:
        raise RunDirectoryError(f"output directory {given} is inside the collapse package "
                                f"({PACKAGE_DIR}); choose a directory outside it, e.g. runs/")
    for ancestor in (resolved, *resolved.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                what = "is a file" if ancestor == resolved else f"lies under the file {ancestor}"
                raise RunDirectoryError(f"output directory {given} {what}, not a directory; "
                                        "choose another path")
            break
    try:
        resolved.mkdir(parents=True, exist_ok=True)
        probe = resolved / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise RunDirectoryError(f"output directory {given} is not writable ({reason}); "
                                "choose another path") from None
    return given


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` through a temporary sibling (``<name>.tmp``) and a rename, so a reader
    sees the old file or the whole new one, never a part. ``write`` gets the open binary file.

    On any failure the temporary file is removed and ``path`` is left as it was; an ``OSError``
    (a full disk, a vanished directory) is raised again naming ``path``, in one line.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
        tmp.replace(path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(err, OSError) and not isinstance(err, FileNotFoundError | PermissionError):
            raise OSError(err.errno, err.strerror or type(err).__name__, str(path)) from None
        raise


def _holder(fd: int) -> str:
    """The lock holder's description from the lock file (it may still be writing it)."""
    for _ in range(20):
        try:
            info = json.loads(os.pread(fd, 4096, 0).decode() or "null")
        except (ValueError, UnicodeDecodeError):
            info = None
        if isinstance(info, dict):
            return (f"PID {info.get('pid')} on {info.get('host')} since {info.get('started')} "
                    f"({info.get('command')})")
        time.sleep(0.05)
    return "another process (its details are not readable)"


@contextlib.contextmanager
def exclusive(directory: str | os.PathLike[str], command: str | None = None) -> Iterator[None]:
    """Hold ``directory``'s lock for the duration; refuse at once if another process holds it.

    ``directory`` must exist (see :func:`output_directory`). ``command`` describes the holder in
    the refusal message (default: this process's command line).
    """
    directory = Path(directory)
    lock = directory / LOCK_NAME
    try:  # never through a symbolic link: the file it points to would be truncated
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        what = ("is a symbolic link" if lock.is_symlink() else
                "is not a regular file" if lock.exists() else "can't be created")
        raise RunDirectoryError(f"{lock} {what} ({err.strerror}); remove it (the lock must be "
                                "a regular file of the run directory)") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RunDirectoryError(f"{lock} is not a regular file; remove it")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirectoryBusy(
                f"{directory} is in use by {_holder(fd)}; wait for it to finish or stop it, "
                "or choose another output directory") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "command": command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = text[0] if text else type(err).__name__
    return (line[:150] + "…") if len(line) > 150 else line


def read_run_file(path: Path, load: Callable[[Path], T], *, remedy: str,
                  check: Callable[[T], str | None] | None = None) -> T:
    """``load(path)``, or :class:`DamagedFileError` naming ``path``, the problem and ``remedy``.

    ``check`` returns a description of what is wrong with a loaded value (wrong shape, foreign
    format), or None when it is fine.
    """
    try:
        value = load(path)
    except FileNotFoundError:
        raise DamagedFileError(f"{path}: missing; {remedy}") from None
    except Exception as err:  # any reader failure means a damaged file
        raise DamagedFileError(f"{path}: can't be read ({_first_line(err)}); {remedy}") from None
    problem = check(value) if check is not None else None
    if problem:
        raise DamagedFileError(f"{path}: {problem}; {remedy}")
    return value


def read_json(path: Path, *, remedy: str,
              check: Callable[[Any], str | None] | None = None) -> Any:
    """:func:`read_run_file` for a JSON file."""
    return read_run_file(path, lambda p: json.loads(p.read_text()), remedy=remedy, check=check)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(directory: Path, *, skip: tuple[str, ...]) -> dict[str, str]:
    """sha256 of every file in ``directory`` except those named in ``skip``."""
    return {p.name: sha256(p) for p in sorted(directory.iterdir())
            if p.is_file() and p.name not in skip and not p.name.endswith(".tmp")}


def verify_checksums(directory: Path, recorded: dict[str, str], *, remedy: str) -> None:
    """Every file listed in ``recorded`` exists and still has its recorded sha256."""
    for name, digest in recorded.items():
        path = directory / name
        if not path.is_file():
            raise DamagedFileError(f"{path}: missing; {remedy}")
        if sha256(path) != digest:
            raise DamagedFileError(f"{path}: contents differ from the checksum recorded when it "
                                   f"was written (truncated or modified); {remedy}")


def check_format(record: Any, *, what: str) -> str | None:
    """None if ``record`` is a dict whose ``format_version`` this code reads, else the problem."""
    if not isinstance(record, dict):
        return f"not a {what} (a {type(record).__name__}, expected an object)"
    version = record.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        return (f"written by another version of collapse (format {version!r}; this one reads "
                f"formats up to {FORMAT_VERSION})")
    return None
