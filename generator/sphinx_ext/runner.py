"""Run Sphinx on the docs project after validating the site inputs.

``sphinx-build`` reports any extension error with a crash report and a
traceback; validating first lets ``make html`` show only the
``file:line:col`` diagnostics and stop before Sphinx touches the output.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from generator.diagnostics import Diagnostic
from generator.errors import BuildError
from generator.pipeline import load_plans
from generator.sphinx_ext import CONFIG_VALUES


def site_inputs_of(docs: Path) -> Path:
    """The site input folder a docs project's ``conf.py`` points the generator at."""
    conf = runpy.run_path(str(docs / "conf.py"))
    default, _ = CONFIG_VALUES["generator_site_inputs"]
    return (docs / str(conf.get("generator_site_inputs", default))).resolve()


def validate_inputs(docs: Path) -> list[Diagnostic]:
    """Validate the project's site inputs; raises InputError, returns the warnings."""
    _, diagnostics = load_plans(site_inputs_of(docs))
    return diagnostics


def run_sphinx(
    builder: str,
    docs: Path,
    output: Path,
    options: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> None:
    """``sphinx-build -b BUILDER`` in a child process; raises BuildError when it fails."""
    command = [sys.executable, "-m", "sphinx", "-b", builder, *options, str(docs), str(output)]
    returncode = subprocess.run(command, env=env, cwd=cwd, check=False).returncode
    if returncode != 0:
        raise BuildError(f"sphinx-build -b {builder} failed with exit status {returncode} (see the messages above)")
