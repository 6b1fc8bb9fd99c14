"""Golden files: what readers read, pinned byte for byte.

Every file the generator writes for the example sites (``site_inputs/``) and for
the variations in ``tests/data/variations/`` (runbook page, JSON plan, CSV
exports, placement DOT, landing page) is compared with its copy under
``tests/golden/``.  A difference fails with a unified diff.  After an intended
change, rewrite the goldens and review the diff like code:

    make goldens        # = UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_golden_outputs.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from generator.pipeline import Project, generate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"

CORPORA = {
    "sites": ROOT / "site_inputs",
    "variations": ROOT / "tests" / "data" / "variations",
}


def _generated(corpus: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    output = tmp_path_factory.mktemp(corpus)
    generate(Project(site_inputs=CORPORA[corpus], templates=ROOT / "templates", output=output, root=ROOT))
    # The writer's manifest (.ibcm-generated) is bookkeeping, not something a reader reads.
    return {
        p.relative_to(output).as_posix(): p.read_text(encoding="utf-8")
        for p in output.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    name = str(request.param)
    return name, _generated(name, tmp_path_factory)


def test_golden_files_match_generated_output(corpus: tuple[str, dict[str, str]]) -> None:
    name, files = corpus
    folder = GOLDEN / name
    if UPDATE:
        for stale in folder.rglob("*"):
            if stale.is_file() and stale.relative_to(folder).as_posix() not in files:
                stale.unlink()
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()
    }
    assert sorted(files) == sorted(expected), "the set of generated files changed"
    diffs = []
    for relative in sorted(files):
        if files[relative] != expected[relative]:
            diffs += difflib.unified_diff(
                expected[relative].splitlines(keepends=True),
                files[relative].splitlines(keepends=True),
                f"golden/{name}/{relative}",
                f"generated/{relative}",
                n=2,
            )
    assert not diffs, "generated output differs from the goldens (UPDATE_GOLDENS=1 to accept):\n" + "".join(diffs[:400])
