"""``collapse``: re-run any figure notebook with new parameters, or list what it accepts.

    collapse params notebooks/seddik_fig1.md
    collapse run notebooks/seddik_fig1.md -p n 100 [--profile quick|paper] [-o runs/]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from collapse.notebook import (
    PAPER_PROFILE,
    NotebookExecutionError,
    NotebookFormatError,
    ParameterError,
    notebook_spec,
    run_notebook,
)


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
    run.add_argument("--profile", default=PAPER_PROFILE,
                     help="named parameter set: 'paper' (the defaults) or 'quick' (seconds)")
    run.add_argument("-o", "--output", default="runs",
                     help="output root; files go to OUTPUT/<notebook name>/ (default: runs)")
    run.add_argument("--log-output", action="store_true",
                     help="stream the kernel's output (progress bars of long loops) to stderr")
    return parser


def _print_params(path: str) -> None:
    spec = notebook_spec(path)
    rows = [(p.name, p.type_name, repr(p.default), p.allowed(), p.help)
            for p in spec.parameters.values()]
    header = ("name", "type", "default (paper)", "allowed", "description")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
              + "  " + row[4])
    for name, values in spec.profiles.items():
        if name != PAPER_PROFILE:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            print(f"\nprofile {name}: {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "params":
            _print_params(args.notebook)
            return 0
        overrides: dict[str, str] = {}
        for name, value in args.parameter:
            if name in overrides:
                raise ParameterError(f"parameter '{name}' given twice")
            overrides[name] = value
        result = run_notebook(args.notebook, overrides=overrides, profile=args.profile,
                              output_root=args.output, log_output=args.log_output)
    except (ParameterError, NotebookFormatError, FileNotFoundError) as err:
        print(f"collapse: error: {err}", file=sys.stderr)
        return 2
    except NotebookExecutionError as err:
        print(f"collapse: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("collapse: interrupted; the partial notebook and run.json are kept", file=sys.stderr)
        return 130
    print(f"executed notebook: {result.notebook}")
    for path in result.files:
        if path != result.notebook:
            print(f"wrote: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
