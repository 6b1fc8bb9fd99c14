"""``ibcm-runbook diff``: what changed between two revisions of a site input, for the change board."""

from __future__ import annotations

import argparse
import sys

from generator.cli.output import UsageError, existing_file
from generator.diagnostics import Diagnostic
from generator.errors import InputError
from generator.pipeline import plan_site_file, plan_site_revision
from generator.plan import SitePlan
from generator.plan.diff import diff_plans
from generator.render.diff import diff_myst, diff_to_json, format_diff_text
from generator.render.plan_json import dump_json

NAME = "diff"
HELP = "list what changed between two revisions of a site input, for the change board"
EXAMPLE = "ibcm-runbook diff --since main site_inputs/contoso.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old", type=existing_file, metavar="OLD", help="the earlier site input; with --since, the one FILE to compare"
    )
    parser.add_argument("new", type=existing_file, nargs="?", metavar="NEW", help="the later site input")
    parser.add_argument(
        "--since",
        metavar="REV",
        help="compare FILE with its own text at git revision REV (a commit, tag or branch)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "myst"],
        default="text",
        help="text for reading, json for tools, myst for a page (default: text)",
    )


def run(args: argparse.Namespace) -> int:
    if args.since is not None:
        if args.new is not None:
            raise UsageError("with --since REV give one FILE, compared with its text at REV")
        old, old_diagnostics = plan_site_revision(args.old, args.since)
        new, new_diagnostics = plan_site_file(args.old)
    else:
        if args.new is None:
            raise UsageError("give two files, OLD and NEW, or one file with --since REV")
        old, old_diagnostics = plan_site_file(args.old)
        new, new_diagnostics = plan_site_file(args.new)
    old_plan, new_plan = _valid(old, old_diagnostics, new, new_diagnostics)
    diff = diff_plans(old_plan, new_plan)
    if args.format == "json":
        sys.stdout.write(dump_json(diff_to_json(diff)))
    elif args.format == "myst":
        sys.stdout.write(diff_myst(diff))
    else:
        sys.stdout.write(format_diff_text(diff))
    return 0


def _valid(
    old: SitePlan | None, old_diagnostics: list[Diagnostic], new: SitePlan | None, new_diagnostics: list[Diagnostic]
) -> tuple[SitePlan, SitePlan]:
    """Both plans; an invalid input raises :class:`InputError` with the diagnostics of every invalid one."""
    if old is None or new is None:
        raise InputError(
            diagnostics=[*(old_diagnostics if old is None else []), *(new_diagnostics if new is None else [])]
        )
    return old, new
