"""The one build of the example sites that the PDF and the publishing tests share.

The example sites plus two extra ones, ``ESC`` (German, every LaTeX special
character in its change record) and ``ATH`` (Greek, no change record), are
built once per test session into HTML and PDFs, with the same commands
``make html`` and ``make pdf`` run, in a copy of the repository.  Building
them once instead of once per test module keeps the suite fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPHINXOPTS = "-W --keep-going -q"

EPOCH = "1764115200"  # 2025-11-26T00:00:00Z
EPOCH_DATE = "2025-11-26"
NASTY = r"""\ { } $ % # _ & ~ ^ "double" 'single' <a|b> [x] --"""
GERMAN_NAME = f"Zürich Größe Übergangsstelle {NASTY}"
GREEK_NAME = "Αθήνα Κεντρικό Γραφείο"
NASTY_CHANGE = {
    "id": r"CHG-\{}$%#_&~^-7",
    "title": f"Änderung für Straße & Söhne {NASTY}",
    "requested_by": 'Jürgen O\'Brien ~ "JB"',
    "implementer": "Zoë_Ärger #42",
    "window": {"start": "2026-12-05T20:00:00+01:00", "end": "2026-12-06T02:30:00+01:00"},
    "risk": "high",
    "impact": f"Erste Zeile mit {NASTY}\nzweite Zeile 100% sicher.\n\nZweiter Absatz: Größe^2.",
    "rollback": "Zurück: C:\\Program Files\\SMS_ZRH\\ & {restore}",
    "approvers": [
        {"name": "Ärzte & Söhne {1}", "role": "CAB $chair$ 50%"},
        {"name": "Ελένη Παπαδοπούλου", "role": "Ασφάλεια #2"},
    ],
    "revision": 4,
    "history": [{"revision": 4, "date": "2026-11-20", "author": "Über_Autor", "summary": f"Geändert {NASTY}"}],
}


SKIP = shutil.ignore_patterns(
    ".git", ".venv", "_build", "_generated", "__pycache__", "*_cache", "artifacts", "*.egg-info", "site_inputs"
)


def copy_project(target: Path) -> None:
    """The repository (docs may include files from anywhere in it) without build output and site inputs.

    The copy never descends into its own target: a checkout under the temporary
    folder would otherwise copy itself into itself until the disk is full.
    """
    target = target.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(SKIP(folder, names))
        return skipped | {name for name in names if (Path(folder) / name).resolve() in (target, *target.parents)}

    shutil.copytree(ROOT, target, ignore=ignore, dirs_exist_ok=True)
    (target / "site_inputs").mkdir()


def write_extra_sites(site_inputs: Path) -> None:
    base = yaml.safe_load((ROOT / "site_inputs" / "fabrikam-perimeter-direct.yaml").read_text(encoding="utf-8"))
    german = {**base, "site": {**base["site"], "code": "ESC", "name": GERMAN_NAME}, "change": NASTY_CHANGE}
    greek = {**base, "site": {**base["site"], "code": "ATH", "name": GREEK_NAME}}
    greek.pop("change", None)
    for name, data in (("zz-escape-german.yaml", german), ("zz-greek-no-change.yaml", greek)):
        (site_inputs / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@dataclass(frozen=True)
class ExampleBuild:
    """A built copy of the project: its root and its ``docs/_build`` folder."""

    root: Path

    @property
    def build(self) -> Path:
        return self.root / "docs" / "_build"

    @property
    def pdfs(self) -> dict[str, Path]:
        return {pdf.stem: pdf for pdf in sorted((self.build / "pdf").glob("*.pdf"))}


def build_examples(root: Path) -> ExampleBuild:
    """Copy the project into ``root`` with the extra sites and run what ``make html pdf`` runs."""
    copy_project(root)
    for path in (ROOT / "site_inputs").glob("*.yaml"):
        shutil.copy(path, root / "site_inputs" / path.name)
    write_extra_sites(root / "site_inputs")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    build = root / "docs" / "_build"
    for builder, output in (("html", build / "html"), ("pdf", build)):
        command = [sys.executable, "-m", "generator", "build", builder, "--docs", "docs", "--output", str(output)]
        result = subprocess.run(
            [*command, "--sphinx-opts", SPHINXOPTS], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return ExampleBuild(root)
