"""What the commands print, and the argument checks they share.

Diagnostics, errors, summaries and progress go to standard error; results (paths,
plans, scripts) to standard output.  On a terminal the ``error:`` and
``warning:`` labels and the summaries are coloured; piped or redirected output,
and any output while ``NO_COLOR`` is set (https://no-color.org), is plain text,
byte for byte what :meth:`Diagnostic.format` gives.  ``FORCE_COLOR`` forces
colour where there is no terminal (``NO_COLOR`` wins over it).

Usage mistakes (a missing file, a file where a folder is expected, an unknown
builder, a path the system cannot look up) are reported by argparse or as
:class:`UsageError`: one line ``ibcm-runbook COMMAND: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn, TextIO, TypeVar

from generator.diagnostics import Diagnostic, Severity
from generator.errors import GeneratorError, InputError
from generator.pipeline import plan_site_file
from generator.plan import SitePlan

DEFAULT_INPUTS = Path("site_inputs")

# --- colour -------------------------------------------------------------------------------------

RESET = "\033[0m"
BOLD = "\033[1m"
RED = "\033[1;31m"
YELLOW = "\033[1;33m"
GREEN = "\033[1;32m"

SEVERITY_COLOURS = {Severity.ERROR: RED, Severity.WARNING: YELLOW}


def use_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour ``stream``? Not when ``NO_COLOR`` is set; yes when ``FORCE_COLOR`` is; else on a terminal only."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def paint(text: str, colour: str, enabled: bool) -> str:
    """``text`` in ``colour`` (an ANSI sequence) when ``enabled``, else ``text`` unchanged."""
    return f"{colour}{text}{RESET}" if enabled else text


def format_diagnostic(diagnostic: Diagnostic, colour: bool = False) -> str:
    """``file:line:col: severity: message [code]``; with ``colour``, the location bold and the label coloured."""
    if not colour:
        return diagnostic.format()
    severity = diagnostic.severity
    label = paint(f"{severity.value}:", SEVERITY_COLOURS.get(severity, BOLD), True)
    return f"{paint(f'{diagnostic.location}:', BOLD, True)} {label} {diagnostic.message} [{diagnostic.code}]"


def print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO | None = None) -> None:
    """One ``file:line:col: severity: message [code]`` line per diagnostic (standard error by default)."""
    out = sys.stderr if stream is None else stream
    colour = use_colour(out)
    for diagnostic in diagnostics:
        print(format_diagnostic(diagnostic, colour), file=out)


def print_error(prog: str, message: str, stream: TextIO | None = None) -> None:
    """``prog: error: message``, the label red on a terminal."""
    out = sys.stderr if stream is None else stream
    print(f"{prog}: {paint('error:', RED, use_colour(out))} {message}", file=out)


def print_note(prog: str, message: str, stream: TextIO | None = None) -> None:
    """``prog: note: message``."""
    out = sys.stderr if stream is None else stream
    print(f"{prog}: {paint('note:', BOLD, use_colour(out))} {message}", file=out)


def print_summary(text: str, *, errors: int = 0, warnings: int = 0, stream: TextIO | None = None) -> None:
    """A summary line: red when there were errors, yellow with warnings only, green otherwise."""
    out = sys.stderr if stream is None else stream
    colour = RED if errors else YELLOW if warnings else GREEN
    print(paint(text, colour, use_colour(out)), file=out)


def print_progress(done: int, total: int, what: str, stream: TextIO | None = None) -> None:
    """``[3/20] CEN``: which item of a long run is being worked on."""
    out = sys.stderr if stream is None else stream
    print(f"{paint(f'[{done}/{total}]', BOLD, use_colour(out))} {what}", file=out, flush=True)


# --- usage mistakes -----------------------------------------------------------------------------


class UsageError(GeneratorError):
    """A usage mistake found after parsing (the CLI prints ``ibcm-runbook COMMAND: error: ...``, exit 2)."""

    exit_code = 2


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, ``prog: error: message``, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print_error(self.prog, message)
        self.exit(2)


_Value = TypeVar("_Value")
_SHOWN_PATH = 60
"""Characters of a path an argument error repeats (the path may be the mistake: thousands of characters)."""


def _shown_path(text: str) -> str:
    return text if len(text) <= _SHOWN_PATH else text[: _SHOWN_PATH - 3] + "..."


def path_argument(check: Callable[[str], _Value]) -> Callable[[str], _Value]:
    """An argparse type that looks a path up: the system's refusal (a name too long, a folder it may not enter)
    becomes an argument error (exit 2) instead of a traceback, for argparse only catches its own errors."""

    @functools.wraps(check)
    def checked(text: str) -> _Value:
        try:
            return check(text)
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                f"cannot use {_shown_path(text)!r}: {exc.strerror or exc.__class__.__name__}"
            ) from None

    return checked


@path_argument
def existing_file(text: str) -> Path:
    """An argparse type: a file that exists (not a folder)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a site input file")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


@path_argument
def existing_path(text: str) -> Path:
    """An argparse type: a file or folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text}")
    return path


@path_argument
def existing_folder(text: str) -> Path:
    """An argparse type: a folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


@path_argument
def output_folder(text: str) -> Path:
    """An argparse type: a folder to write into; it may not exist yet, but must not be a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{parent} is a file, not a folder")
            break
    return path


@path_argument
def sphinx_project(text: str) -> Path:
    """An argparse type: a Sphinx project folder (it holds ``conf.py``)."""
    path = existing_folder(text)
    if not (path / "conf.py").is_file():
        raise argparse.ArgumentTypeError(f"{text} has no conf.py: give the Sphinx project folder (docs)")
    return path


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def describe_os_error(exc: OSError) -> str:
    """An :class:`OSError` as one line: ``cannot write out/x.csv: Permission denied``."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    return f"{exc.filename}: {reason}"


# --- loading ------------------------------------------------------------------------------------


def load_plan(path: Path) -> SitePlan:
    """The plan of one site file; raises :class:`InputError` with its diagnostics when it is invalid."""
    plan, diagnostics = plan_site_file(path)
    if plan is None:
        raise InputError(diagnostics=diagnostics)
    return plan


def output_file(example: str) -> Callable[[str], str]:
    """An argparse type: ``-`` (standard output) or a file to write, not a folder (``example`` names a file in it)."""

    @path_argument
    def check(text: str) -> str:
        if text != "-" and Path(text).is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name such as {Path(text) / example}")
        return text

    return check


DOCS_HELP = "the Sphinx project, the folder with conf.py (default: docs)"


def add_docs_option(parser: argparse.ArgumentParser, help: str = DOCS_HELP) -> None:
    """``--docs DIR``: the Sphinx project a command works on (build, serve, assemble)."""
    parser.add_argument("--docs", type=sphinx_project, default="docs", metavar="DIR", help=help)
