"""``ibcm-runbook publish``: publish the built runbooks as a new release, or roll back.

Exit status (as every command, :mod:`generator.cli`): 0 published or rolled back, 1 refused
(:class:`~generator.publish.PublishError`: the build or the destination), 2 usage, 3 copying or
switching failed part-way (:class:`~generator.errors.BuildError`; ``current`` still serves the
previous release) or an internal error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.output import output_folder, positive, print_note, print_summary
from generator.publish import publish, rollback

NAME = "publish"
HELP = "copy the built HTML and PDFs into DEST/releases/ and switch DEST/current to them"
EXAMPLE = "ibcm-runbook publish /srv/runbooks --keep 10"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "destination", type=output_folder, metavar="DEST", help="publish folder (the web server serves DEST/current)"
    )
    parser.add_argument(
        "--build",
        type=Path,
        default=Path("docs/_build"),
        metavar="DIR",
        help="the build to publish: holds html/ and pdf/ (default: docs/_build)",
    )
    parser.add_argument(
        "--inputs", type=Path, metavar="DIR", help="site inputs the build must match (default: those it used)"
    )
    parser.add_argument("--keep", type=positive, default=5, metavar="N", help="releases to keep (default: 5)")
    parser.add_argument("--require-pdf", action="store_true", help="refuse to publish when no PDFs were built")
    parser.add_argument(
        "--rollback", action="store_true", help="switch DEST/current back to the release that was live before it"
    )


def run(args: argparse.Namespace) -> int:
    if args.rollback:
        undone = rollback(args.destination)
        print_summary(f"rolled back {args.destination / 'current'}: {undone.previous} -> {undone.current}")
        return 0
    result = publish(
        args.build, args.destination, site_inputs=args.inputs, keep=args.keep, require_pdf=args.require_pdf
    )
    for note in result.notes:
        print_note("ibcm-runbook", note)
    release = result.release
    print_summary(
        f"published {result.html_files} HTML file(s) and {len(result.pdf_files)} PDF(s) as release {release.name} "
        f"(was: {result.previous or 'nothing'})"
    )
    if result.pruned:
        print(f"removed {len(result.pruned)} old release(s): {', '.join(result.pruned)}", file=sys.stderr)
    print(release.path)
    return 0
