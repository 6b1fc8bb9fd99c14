"""Shared fixtures: the repository layout and skip-free checks for external tools."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from example_build import ExampleBuild, build_examples

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool is a failure (make test installs them), not a skip."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        pytest.fail(f"{name} is not installed; run the tests with `make test`, which installs it")
    return path


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> ExampleBuild:
    """The example sites (and two extra ones) built once per session into HTML and PDFs, as `make` does."""
    for tool in ("dot", "latexmk", "xelatex"):
        require_tool(tool)
    return build_examples(tmp_path_factory.mktemp("examples"))
