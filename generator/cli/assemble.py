"""``ibcm-runbook assemble``: merge the outputs of ``build html --shard K/N`` jobs into one publishable tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.cli.output import add_docs_option, existing_folder, output_folder, print_summary

NAME = "assemble"
HELP = "merge the shard outputs of 'build html --shard K/N' into one HTML tree that publish accepts"
EXAMPLE = "ibcm-runbook assemble shards/1 shards/2 shards/3 -o docs/_build/html"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shards", nargs="+", type=existing_folder, metavar="SHARD", help="the shard output folders")
    parser.add_argument(
        "-o",
        "--output",
        type=output_folder,
        default=None,
        metavar="DIR",
        help="the HTML tree to write (default: DOCS/_build/html)",
    )
    add_docs_option(
        parser,
        "the Sphinx project the shards were built from (for the stamp's inputs and templates; default: docs)",
    )


def run(args: argparse.Namespace) -> int:
    from generator.build.run import project_for
    from generator.build.shards import assemble_shards

    output: Path = args.output or args.docs / "_build" / "html"
    report = assemble_shards(args.shards, output, project_for(args.docs.resolve()), args.docs.resolve())
    print_summary(
        f"{len(args.shards)} shard(s) assembled into {output}: {len(report.copied)} file(s) written, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed"
    )
    return 0
