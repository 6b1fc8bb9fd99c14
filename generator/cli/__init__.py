"""Command-line interface: one module per command, thin argument parsing, errors mapped to exit codes.

Exit codes: 0 success (warnings allowed), 1 invalid input or failed action,
2 usage error, 3 external build failure.  No traceback reaches the user.
Each command module has ``NAME``, ``HELP``, ``EXAMPLE``, ``add_arguments(parser)``
and ``run(args) -> int``; :data:`COMMANDS` lists them in help order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from generator import __version__
from generator.cli import build, check, export, generate, plan, publish
from generator.cli.output import print_diagnostics
from generator.errors import GeneratorError, InputError

COMMANDS: tuple[ModuleType, ...] = (check, plan, export, generate, build, publish)


def build_parser() -> argparse.ArgumentParser:
    """The ``ibcm-runbook`` parser with one sub-command per module of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="ibcm-runbook",
        description="Validate ConfigMgr 2007 IBCM site inputs and build their runbooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.HELP[:1].upper() + command.HELP[1:] + ".",
            epilog=f"example:\n  {command.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        return exc.exit_code
    except GeneratorError as exc:
        print(f"ibcm-runbook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ibcm-runbook: interrupted", file=sys.stderr)
        return 130
