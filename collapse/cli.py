"""``collapse``: re-run any figure notebook with new parameters, or list what it accepts.

    collapse params notebooks/seddik_fig1.md
    collapse run notebooks/seddik_fig1.md -p n 100 [--profile book|paper|quick] [-o runs/]

Every error ends in one ``collapse: error: …`` line on stderr and a non-zero exit status:
2 a bad parameter, setting, path or damaged run file; 1 a notebook cell or a training run that
failed (a non-finite loss), or a full disk; 3 the run directory is in use by another process;
130 interrupted by Ctrl-C, 143 by SIGTERM (an LM run keeps what it computed and the same
command resumes; a notebook run keeps its partial notebook beside the previous results and
starts over when run again).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from collapse.notebook import (
    DEFAULT_PROFILE,
    NotebookExecutionError,
    NotebookFormatError,
    NotebookInterrupted,
    ParameterError,
    notebook_spec,
    run_notebook,
)
from collapse.rundir import DamagedFileError, RunDirectoryBusy, Terminated, TrainingFailed
from collapse.settings import parse_settings

EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 2, 3, 130, 143


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collapse", description="Reproduce the figures of the model-collapse companion."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    params = sub.add_parser("params", help="list a notebook's parameters and profiles")
    params.add_argument("notebook", help="path to a notebooks/*.md figure notebook")

    run = sub.add_parser("run", help="execute a notebook with new parameters (papermill)")
    run.add_argument("notebook", help="path to a notebooks/*.md figure notebook")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="override a parameter (repeatable)")
    run.add_argument("--profile", default=DEFAULT_PROFILE,
                     help="named parameter set: 'book' (the defaults), 'paper' (the paper's "
                          "values, where it states them) or 'quick' (seconds)")
    run.add_argument("-o", "--output", default="runs",
                     help="output root; files go to OUTPUT/<notebook name>/ (default: runs)")
    run.add_argument("--log-output", action="store_true",
                     help="stream the kernel's output (progress bars of long loops) to stderr")
    rec = sub.add_parser("train-recursive",
                         help="train GPT generations on each other's samples (Seddik Fig. 5)")
    rec.add_argument("--scheme", default="fully",
                     help="fully | partially | most-recent | accumulate (default: fully)")
    rec.add_argument("--profile", default="cpu", help="paper | cpu | quick (default: cpu)")
    rec.add_argument("--set", dest="settings", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"),
                     help="override a setting, e.g. --set generations 4 --set max_iters 200")
    rec.add_argument("--device", default="auto", help="auto | cpu | cuda")
    rec.add_argument("--checkpoint-every", type=int, default=50,
                     help="save a mid-training checkpoint every this many iterations")
    rec.add_argument("-o", "--output", required=True,
                     help="run directory (created; an existing one with the same config resumes)")
    st = sub.add_parser("train-stories",
                        help="GPT-Neo-shaped models on TinyStories, recursively (Wang Figs 2-3)")
    st.add_argument("--paradigm", default="replace", help="replace | accumulate-subsample")
    st.add_argument("--model", default=None,
                    help="1m | 33m: the GPT-Neo shape of the paper profile (default: 1m)")
    st.add_argument("--profile", default="cpu", help="paper | cpu | quick (default: cpu)")
    st.add_argument("--set", dest="settings", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"), help="override a setting, e.g. --set k 0.1")
    st.add_argument("--device", default="auto", help="auto | cpu | cuda")
    st.add_argument("--checkpoint-every", type=int, default=50,
                    help="save a mid-training checkpoint every this many iterations")
    st.add_argument("-o", "--output", required=True, help="run directory (resumes if it exists)")
    return parser


def _train_stories(args: argparse.Namespace) -> int:
    from collapse.gpt.wang_experiment import (
        DERIVED,
        OPTIONS,
        StoriesConfig,
        run_stories_recursive,
        setting_types,
    )

    overrides = parse_settings(args.settings, setting_types(), options=OPTIONS, derived=DERIVED)
    config = StoriesConfig.from_profile(args.profile, paradigm=args.paradigm, model=args.model,
                                        **overrides)
    result = run_stories_recursive(config, args.output, device=args.device, progress=True,
                                   checkpoint_every=args.checkpoint_every)
    for row in result["rows"]:
        print(f"generation {row['generation']:3d}  perplexity {row['perplexity']:10.2f}  "
              f"p(was|there) {row['p_was_model']:.3f}  p(were|there) {row['p_were_model']:.3f}")
    print(f"results: {args.output}/results.csv, {args.output}/results.json")
    return 0


def _train_recursive(args: argparse.Namespace) -> int:
    from collapse.gpt.seddik_experiment import (
        DERIVED,
        OPTIONS,
        RecursiveConfig,
        run_recursive,
        setting_types,
    )
    from collapse.gpt.train import rank_world, setup_distributed

    overrides = parse_settings(args.settings, setting_types(), options=OPTIONS, derived=DERIVED)
    config = RecursiveConfig.from_profile(args.profile, scheme=args.scheme, **overrides)
    setup_distributed()  # joins the process group under torchrun; no-op otherwise
    result = run_recursive(config, args.output, device=args.device, progress=True,
                           checkpoint_every=args.checkpoint_every)
    if rank_world()[0] != 0:
        return 0
    for row in result["rows"]:
        print(f"generation {row['generation']:3d}  deviation {row['deviation_l1']:.4f}  "
              f"val loss (text) {row['val_loss_text']:.4f}")
    print(f"results: {args.output}/results.csv, {args.output}/results.json")
    return 0


def _print_params(path: str) -> None:
    spec = notebook_spec(path)
    rows = [(p.name, p.type_name, repr(p.default), p.allowed(), p.help)
            for p in spec.parameters.values()]
    header = ("name", "type", "default (book)", "allowed", "description")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
              + "  " + row[4])
    for name, values in spec.profiles.items():
        if name != DEFAULT_PROFILE:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "the book's defaults"
            print(f"\nprofile {name}: {shown}")


def _terminate(signum: int, frame: object) -> None:
    raise Terminated("terminated (SIGTERM)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "train-recursive":
            return _train_recursive(args)
        if args.command == "train-stories":
            return _train_stories(args)
        if args.command == "params":
            _print_params(args.notebook)
            return 0
        result = run_notebook(args.notebook, overrides=_overrides(args.parameter),
                              profile=args.profile, output_root=args.output,
                              log_output=args.log_output)
    except RunDirectoryBusy as err:
        return _error(err, EXIT_BUSY)
    except (ParameterError, NotebookFormatError, FileNotFoundError, ValueError, TypeError,
            DamagedFileError) as err:
        return _error(err, EXIT_USAGE)
    except (NotebookExecutionError, TrainingFailed) as err:
        return _error(err, EXIT_FAILED)
    except OSError as err:  # disk full, permissions changed under a run, ...
        where = f"{err.filename}: " if err.filename else ""
        return _error(f"{where}{err.strerror or err}", EXIT_FAILED)
    except KeyboardInterrupt as err:
        status = EXIT_TERMINATED if isinstance(err, Terminated) or isinstance(
            err.__context__, Terminated) else EXIT_INTERRUPTED
        what = "terminated" if status == EXIT_TERMINATED else "interrupted"
        if isinstance(err, NotebookInterrupted):
            message = str(err).replace(" interrupted;", f" {what};", 1)
        else:
            message = (f"{what}; everything computed so far is kept (the same command "
                       "resumes from the last checkpoint)")
        print(f"collapse: {message}", file=sys.stderr)
        return status
    print(f"executed notebook: {result.notebook}")
    for path in result.files:
        if path != result.notebook:
            print(f"wrote: {path}")
    return 0


def _overrides(pairs: list[list[str]]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for name, value in pairs:
        if name in overrides:
            raise ParameterError(f"parameter '{name}' given twice")
        overrides[name] = value
    return overrides


def _error(err: BaseException | str, status: int) -> int:
    lines = str(err).strip().splitlines() or [type(err).__name__]
    print(f"collapse: error: {lines[0]}", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
