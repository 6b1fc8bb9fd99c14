"""What the commands print: diagnostics and summaries on standard error, results on standard output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator.diagnostics import Diagnostic
from generator.errors import InputError
from generator.pipeline import plan_site_file
from generator.plan import SitePlan

DEFAULT_INPUTS = Path("site_inputs")


def print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO = sys.stderr) -> None:
    """One ``file:line:col: severity: message [code]`` line per diagnostic."""
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=stream)


def load_plan(path: Path) -> SitePlan:
    """The plan of one site file; raises :class:`InputError` with its diagnostics when it is invalid."""
    plan, diagnostics = plan_site_file(path)
    if plan is None:
        raise InputError(diagnostics=diagnostics)
    return plan


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value
