"""``ibcm-runbook new``: write a commented starting site input for one placement scenario."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from generator.cli.output import DEFAULT_INPUTS, output_file, print_note
from generator.errors import GeneratorError
from generator.model.json_schema import SCHEMA_PATH
from generator.pipeline import plan_site_text
from generator.scaffold import TEMPLATES, SiteCodeError, site_code, starting_file

NAME = "new"
HELP = "write a commented starting site input for a placement scenario"
EXAMPLE = "ibcm-runbook new CM1 --scenario perimeter-direct"


def code_argument(text: str) -> str:
    """An argparse type: a site code as ``site.code`` accepts it, upper-cased."""
    try:
        return site_code(text)
    except SiteCodeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", type=code_argument, metavar="CODE", help="the site code: 3 characters A-Z or 0-9")
    parser.add_argument(
        "--scenario",
        required=True,
        choices=list(TEMPLATES),
        help="the server placement: " + "; ".join(f"{t.scenario.id}: {t.scenario.title}" for t in TEMPLATES.values()),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=output_file("cm1.yaml"),
        metavar="FILE",
        help=f"the file to write; it must not exist yet (default: {DEFAULT_INPUTS}/<code>.yaml; -: standard output)",
    )


def schema_url(folder: Path) -> str:
    """The schema committed in the working folder (``schema/site-input-1.json``), relative to ``folder``."""
    schema = Path.cwd() / SCHEMA_PATH
    try:
        return Path(os.path.relpath(schema, folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return schema.as_uri()


def run(args: argparse.Namespace) -> int:
    to_stdout = args.output == "-"
    path = Path(args.output) if args.output and not to_stdout else DEFAULT_INPUTS / f"{args.code.lower()}.yaml"
    if not to_stdout and path.exists():
        raise GeneratorError(f"{path} already exists; choose another file with -o, or remove it first")
    text = starting_file(args.code, args.scenario, schema_url=schema_url(path.parent), shown_as=str(path))
    plan, diagnostics = plan_site_text(text, str(path))
    if plan is None:  # a bug in generator/scaffold.py, never the user's input
        problems = "; ".join(d.format() for d in diagnostics if d.is_error)
        raise GeneratorError(f"the starting file for {args.scenario} does not pass the checks: {problems}")
    if to_stdout:
        sys.stdout.write(text)
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise GeneratorError(f"{path} already exists; choose another file with -o, or remove it first") from None
    print(path)
    if not (Path.cwd() / SCHEMA_PATH).is_file():
        print_note(
            "ibcm-runbook", f"no {SCHEMA_PATH} here for editors: write it with `ibcm-runbook schema -o {SCHEMA_PATH}`"
        )
    print_note("ibcm-runbook", f"replace the placeholders, then run `ibcm-runbook check {path}`")
    return 0
