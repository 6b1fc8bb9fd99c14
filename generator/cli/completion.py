"""``ibcm-runbook completion``: print a shell completion script, generated from the command line's own parser.

The script is made by shtab from :func:`generator.cli.build_parser`, so it knows
every command, option and choice without being written by hand; arguments that
take a folder (checked by :mod:`generator.cli.output`'s folder types, or shown as
``DIR`` or ``DEST``) complete folder names, those that take a file (its file
types, or shown as ``FILE`` or ``PATH``) file names.  It is
static: pressing Tab runs the shell's own code, not Python (unlike argcomplete,
which starts the program on every Tab).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from generator.cli.output import existing_file, existing_folder, existing_path, output_folder, sphinx_project

NAME = "completion"
HELP = "print the shell completion script for bash, zsh or tcsh"
EXAMPLE = 'eval "$(ibcm-runbook completion bash)"   # in ~/.bashrc'
SHELLS = ("bash", "zsh", "tcsh")
FOLDER_METAVARS = {"DIR", "DEST"}
FILE_METAVARS = {"FILE", "PATH"}
FOLDER_TYPES: set[Callable[[str], object]] = {existing_folder, output_folder, sphinx_project}
FILE_TYPES: set[Callable[[str], object]] = {existing_file, existing_path}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell``."""
    import shtab

    for action in _all_actions(parser):
        if action.type in FOLDER_TYPES or action.metavar in FOLDER_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.type in FILE_TYPES or action.metavar in FILE_METAVARS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell)


def run(args: argparse.Namespace) -> int:
    from generator.cli import build_parser

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return 0


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _all_actions(sub)
    return found
