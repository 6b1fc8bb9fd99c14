"""``ibcm-runbook schema``: print or write the JSON Schema of the site input format, generated from the model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.output import output_file
from generator.model.json_schema import SCHEMA_NAME, SCHEMA_PATH, schema_text
from generator.output.writer import write_if_changed

NAME = "schema"
HELP = "print the JSON Schema of the site input format (for editors), or write it to a file"
EXAMPLE = f"ibcm-runbook schema -o {SCHEMA_PATH}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=output_file(SCHEMA_NAME),
        default="-",
        metavar="FILE",
        help=f"write the schema to FILE, only if its content changed (default: -, standard output; the copy that "
        f"the example sites use is {SCHEMA_PATH})",
    )


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    write_if_changed(path, text.encode("utf-8"))
    print(path)
    return 0
