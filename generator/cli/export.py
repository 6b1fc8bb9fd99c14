"""``ibcm-runbook export``: write one site's CSV files (firewall rules, DNS, certificates)."""

from __future__ import annotations

import argparse

from generator.cli.output import existing_file, load_plan, output_folder
from generator.output.writer import write_if_changed
from generator.render.csv_export import csv_files

NAME = "export"
HELP = "write a site's firewall, DNS and certificate CSV files into a folder"
EXAMPLE = "ibcm-runbook export site_inputs/contoso.yaml -o change-request/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=existing_file, metavar="FILE", help="one site input file")
    parser.add_argument(
        "-o",
        "--output",
        type=output_folder,
        required=True,
        metavar="DIR",
        help="folder for the CSV files (created if missing; files of the same name are replaced)",
    )


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.file)
    args.output.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(csv_files(plan).items()):
        write_if_changed(args.output / name, text.encode("utf-8"))
        print(args.output / name)
    return 0
