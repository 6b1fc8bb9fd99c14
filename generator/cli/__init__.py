"""Command-line interface: one module per command, thin argument parsing, errors mapped to exit codes.

Exit codes: 0 success (warnings allowed), 1 invalid input or failed action,
2 usage error, 3 a build step that failed part-way (Sphinx, LaTeX, copying or
switching a release) or an internal error.  No traceback reaches the user: a
usage mistake is one line ``ibcm-runbook COMMAND: error: ...`` (exit 2), a
failed action one line ``ibcm-runbook: error: ...`` or the diagnostics (exit 1),
an internal error one line naming the command and the site input being processed
(exit 3; ``--debug`` shows the traceback).
Each command module has ``NAME``, ``HELP``, ``EXAMPLE``, ``add_arguments(parser)``
and ``run(args) -> int``; :data:`COMMANDS` lists them in help order, followed by
:func:`tool_commands` (the live preview and shell completion).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from generator import __version__
from generator.cli import assemble, build, check, diff, export, generate, new, plan, publish, schema
from generator.cli.output import Parser, UsageError, describe_os_error, print_diagnostics, print_error
from generator.errors import GeneratorError, InputError
from generator.load.loader import current_input, processing_input

COMMANDS: tuple[ModuleType, ...] = (new, check, plan, diff, export, generate, build, assemble, publish, schema)


def tool_commands() -> tuple[ModuleType, ...]:
    """The commands about working with the tool itself, listed after :data:`COMMANDS`."""
    from generator.cli import completion, serve

    return (serve, completion)


def build_parser() -> argparse.ArgumentParser:
    """The ``ibcm-runbook`` parser with one sub-command per module of :data:`COMMANDS` and :func:`tool_commands`."""
    parser = Parser(
        prog="ibcm-runbook",
        description="Validate ConfigMgr 2007 IBCM site inputs and build their runbooks.",
        epilog="examples:\n  ibcm-runbook check\n  ibcm-runbook build html\n\n"
        "`ibcm-runbook COMMAND --help` describes a command and its options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error (for bug reports)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}", help="print the version")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in (*COMMANDS, *tool_commands()):
        sub = commands.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.HELP[:1].upper() + command.HELP[1:] + ".",
            epilog=f"example:\n  {command.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run, prog=sub.prog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (argparse exits with 2 on a usage mistake, 0 after --help)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OSError as exc:  # an argument check the system refused (a file name too long to look up)
        print_error(parser.prog, f"cannot use an argument: {describe_os_error(exc)}")
        return 2
    if args.command is None:
        parser.error(f"choose a command: {', '.join(_command_names(parser))} (see ibcm-runbook --help)")
    with processing_input(None):  # the guard below reads which site input the command was processing
        try:
            return int(args.run(args))
        except UsageError as exc:
            print_error(args.prog, str(exc))
            return exc.exit_code
        except InputError as exc:
            print_diagnostics(exc.diagnostics)
            return exc.exit_code
        except GeneratorError as exc:
            print_error("ibcm-runbook", str(exc))
            return exc.exit_code
        except OSError as exc:  # a file the action could not read or write
            print_error("ibcm-runbook", describe_os_error(exc))
            return 1
        except KeyboardInterrupt:
            print("ibcm-runbook: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # a bug: one line for the user, the traceback only with --debug
            source = _input_of(exc)
            if args.debug:
                if source:
                    exc.add_note(f"ibcm-runbook: while processing {source}")
                raise
            print_error("ibcm-runbook", internal_error_line(args.command, exc, source))
            return 3


def internal_error_line(command: str, exc: BaseException, source: str | None) -> str:
    """The one line that reports a bug: the command, the site input it was processing, the exception."""
    where = f" while processing {source}" if source else ""
    message = " ".join(str(exc).split())  # one line, whatever the exception says
    return (
        f"internal error in '{command}'{where}: {type(exc).__name__}: {message} "
        "(please report it; --debug shows the traceback)"
    )


_PER_INPUT = frozenset(
    [
        ("generator.load.loader", "read_site_file"),
        ("generator.load.loader", "parse_site_text"),
        ("generator.pipeline", "plan_site_file"),
        ("generator.pipeline", "plan_site_text"),
    ]
)
"""The functions that read, parse, validate and plan one site input: an exception raised inside one of them
happened while :func:`~generator.load.loader.current_input` was being processed."""


def _input_of(exc: BaseException) -> str | None:
    """The site input ``exc`` was raised while processing, or None when it was raised elsewhere (rendering,
    Sphinx, publishing: the input read last is then not the one at fault)."""
    source = current_input()
    traceback = exc.__traceback__
    while source is not None and traceback is not None:
        frame = traceback.tb_frame
        if (frame.f_globals.get("__name__"), frame.f_code.co_name) in _PER_INPUT:
            return source
        traceback = traceback.tb_next
    return None


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return [name for action in actions for name in action.choices]
