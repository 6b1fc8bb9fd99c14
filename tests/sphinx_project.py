"""A throw-away copy of the Sphinx project, built with the real sphinx-build."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BuildRun:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class SphinxProject:
    """docs/, site_inputs/ and templates/ copied into ``root``."""

    root: Path

    @classmethod
    def copy(cls, destination: Path) -> SphinxProject:
        for name in ("docs", "site_inputs", "templates", "deploy"):
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, destination / name, ignore=shutil.ignore_patterns("_build", "_generated"))
        return cls(destination)

    @property
    def generated(self) -> Path:
        return self.root / "docs" / "_generated"

    @property
    def html(self) -> Path:
        return self.root / "docs" / "_build" / "html"

    def build(self, builder: str = "html", *, via_cli: bool = False) -> BuildRun:
        """Run sphinx-build directly, or through ``ibcm-runbook build`` as ``make html`` does."""
        out = self.root / "docs" / "_build" / builder
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        docs = str(self.root / "docs")
        command = (
            [sys.executable, "-m", "generator", "build", builder, "--docs", docs, "--output", str(out)]
            if via_cli
            else [sys.executable, "-m", "sphinx", "-b", builder, "-W", "--keep-going", "-q", docs, str(out)]
        )
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)
        return BuildRun(proc.returncode, proc.stdout, proc.stderr)

    def snapshot(self) -> dict[str, tuple[str, int]]:
        """Every file under docs/ (generated and built) with its hash and mtime; not the site cache (no output)."""
        result = {}
        for path in sorted((self.root / "docs").rglob("*")):
            if path.is_file() and ".ibcm-cache" not in path.parts:
                result[path.relative_to(self.root).as_posix()] = (
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                    path.stat().st_mtime_ns,
                )
        return result
