"""The docs keep up with the code: every command, diagnostic code and step is documented, every page is reachable.

Fast checks on the Markdown sources (no Sphinx build): the real build, with
warnings as errors, runs in ``tests/test_sphinx_build.py`` and ``make html``.
The architecture page's module map and stage list, and the README's command
table, are checked against the package, ``tests/test_architecture.py`` and the
Makefile.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest
from test_architecture import STAGES

from generator.cli import build_parser
from generator.codes import diagnostic_codes
from generator.derive.checklist import STEP_IDS
from generator.sphinx_ext import reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
USAGE = DOCS / "usage.md"
STEPS = DOCS / "steps.md"
ARCHITECTURE = DOCS / "architecture.md"
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
SKIPPED_FOLDERS = {"_build", "_generated", "_static", "_templates"}
"""Folders under docs/ that hold no hand-written pages (``_generated`` is written by the build)."""

FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<argument>.*)$")
TABLE_FIRST_CELL = re.compile(r"^\* - `(?P<code>[^`]+)`$")
ANCHOR = re.compile(r"^\([\w-]+\)=$")
CODE_SPAN = re.compile(r"`([^`]+)`")


def subcommands() -> list[str]:
    """The CLI's subcommands, from the parser itself."""
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1, "expected one set of subcommands"
    return sorted(actions[0].choices)


def pages() -> dict[str, Path]:
    """Every hand-written Markdown page of the docs, by Sphinx document name."""
    found = {}
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(DOCS)
        if relative.parts[0] in SKIPPED_FOLDERS or relative.name == "README.md":
            continue
        found[relative.with_suffix("").as_posix()] = path
    return found


def directives(text: str, name: str) -> list[tuple[str, list[str]]]:
    """(argument, body lines) of every fenced ``{name}`` directive in MyST ``text``."""
    found = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = FENCE.match(line.strip())
        if not match or match["name"] != name:
            continue
        fence, body = match["fence"], []
        for inner in lines[index + 1 :]:
            if inner.strip() == fence:
                break
            body.append(inner)
        found.append((match["argument"].strip(), body))
    return found


def toctree_entries(docname: str, text: str, known: set[str]) -> set[str]:
    """The documents that the toctrees of ``docname`` include (globs resolved against ``known``)."""
    folder = docname.rpartition("/")[0]
    entries: set[str] = set()
    for _argument, body in directives(text, "toctree"):
        glob = any(line.strip() == ":glob:" for line in body)
        for line in body:
            entry = line.strip()
            if not entry or entry.startswith(":"):
                continue
            target = re.sub(r"^.*<(.+)>$", r"\1", entry).removesuffix(".md")
            target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}".lstrip("/")
            entries |= set(fnmatch.filter(known, target)) if glob else {target}
    return entries


def test_every_subcommand_is_documented_in_usage() -> None:
    text = USAGE.read_text(encoding="utf-8")
    commands = subcommands()
    assert "check" in commands, commands
    missing = [c for c in commands if not re.search(rf"ibcm-runbook {re.escape(c)}(?![\w-])", text)]
    assert missing == [], f"document these commands in docs/usage.md (as `ibcm-runbook <command>`): {missing}"


def test_the_codes_directive_is_on_a_page() -> None:
    holders = [
        name for name, path in pages().items() if directives(path.read_text(encoding="utf-8"), "ibcm-diagnostic-codes")
    ]
    assert holders == ["site-inputs"]


class _RecordingApp:
    """Stands in for the Sphinx application: records the directives an extension registers."""

    def __init__(self) -> None:
        self.directives: dict[str, Any] = {}

    def add_directive(self, name: str, cls: Any) -> None:
        self.directives[name] = cls


def test_the_codes_table_lists_every_diagnostic_code() -> None:
    app = _RecordingApp()
    reference.setup(app)  # type: ignore[arg-type]
    directive = app.directives["ibcm-diagnostic-codes"]
    table = directive.text(directive.__new__(directive))  # text() builds the table from the code, no Sphinx state
    listed = [m["code"] for line in table.splitlines() if (m := TABLE_FIRST_CELL.match(line.strip()))]
    declared = [code.name for code in diagnostic_codes()]
    assert declared, "no diagnostic codes declared"
    assert sorted(set(declared) - set(listed)) == [], "codes missing from the docs' code table"
    assert sorted(set(listed) - set(declared)) == [], "the docs' code table lists codes nobody declares"


def test_every_step_has_a_section_in_the_step_catalog() -> None:
    text = STEPS.read_text(encoding="utf-8")
    missing = [step_id for step_id in STEP_IDS if f"(step-{step_id})=" not in text]
    assert missing == [], f"describe these steps in docs/steps.md, each under a (step-<id>)= anchor: {missing}"
    documented = re.findall(r"^\(step-([a-z0-9-]+)\)=$", text, flags=re.MULTILINE)
    assert sorted(set(documented) - set(STEP_IDS)) == [], "docs/steps.md describes steps the checklist does not have"


def test_every_page_is_reachable_from_the_root_toctree() -> None:
    known = pages()
    assert "index" in known
    reached, todo = {"index"}, ["index"]
    while todo:
        docname = todo.pop()
        path = known.get(docname)
        if path is None:
            continue  # a generated page (docs/_generated): not hand-written, not followed
        for entry in toctree_entries(docname, path.read_text(encoding="utf-8"), set(known)) - reached:
            reached.add(entry)
            todo.append(entry)
    assert sorted(set(known) - reached) == [], "add these pages to a toctree (docs/index.md)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```{toctree}\n:maxdepth: 1\n\nusage\nTitle <site-inputs>\n```\n", {"usage", "site-inputs"}),
        ("````{toctree}\n:glob:\n\nguide/*\n````\n", {"guide/a", "guide/b"}),
        ("```{note}\nusage\n```\n", set()),
    ],
    ids=["plain-and-titled", "glob", "other-directive"],
)
def test_toctree_entries_are_parsed(text: str, expected: set[str]) -> None:
    """The reachability check above would pass vacuously if toctrees stopped being found."""
    assert toctree_entries("index", text, {"usage", "site-inputs", "guide/a", "guide/b"}) == expected


def section(text: str, start: str) -> list[str]:
    """The lines after the line ``start`` (an anchor or a heading) up to the next anchor or ``#``/``##`` heading."""
    lines = text.splitlines()
    assert start in lines, f"no line {start!r}"
    found: list[str] = []
    for line in lines[lines.index(start) + 1 :]:
        if ANCHOR.match(line) or (re.match(r"^##? ", line) and found):
            break
        found.append(line)
    return found


def first_cells(lines: list[str]) -> list[str]:
    """The first cell of every body row of the Markdown pipe tables in ``lines`` (``\\|`` does not split)."""
    separator = re.compile(r"^\|[-:| ]+\|$")
    cells = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line.startswith("|") or separator.match(line) or separator.match(following):
            continue  # not a row, a separator, or a header row
        cells.append(re.split(r"(?<!\\)\|", line)[1].strip())
    return cells


def test_every_module_has_a_row_in_the_architecture_module_map() -> None:
    rows = [
        span
        for cell in first_cells(section(ARCHITECTURE.read_text(encoding="utf-8"), "(arch-modules)="))
        for span in CODE_SPAN.findall(cell)
    ]
    assert rows, "no module map found under (arch-modules)= in docs/architecture.md"
    modules = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "generator").rglob("*.py")
        if path.name != "__init__.py" or path.stat().st_size  # a package with an empty __init__.py is only a folder
    )
    missing = [m for m in modules if not any(fnmatch.fnmatchcase(m, row) for row in rows)]
    assert missing == [], f"add these modules to the module map of docs/architecture.md: {missing}"
    stale = [row for row in rows if not any(fnmatch.fnmatchcase(m, row) for m in modules)]
    assert stale == [], f"the module map of docs/architecture.md names modules that do not exist: {stale}"


def test_the_import_order_in_architecture_is_the_stages_of_test_architecture() -> None:
    items = [
        line
        for line in section(ARCHITECTURE.read_text(encoding="utf-8"), "(arch-imports)=")
        if re.match(r"^\d+\. ", line)
    ]
    documented = [tuple(CODE_SPAN.findall(item)) for item in items]
    assert documented == list(STAGES), "docs/architecture.md, Import direction, must list STAGES in order"


def readme_commands() -> list[str]:
    """The first cells of the README's Commands table."""
    return first_cells(section(README.read_text(encoding="utf-8"), "## Commands"))


def test_the_readme_command_table_names_every_cli_command() -> None:
    cells = readme_commands()
    assert cells, "no Commands table in README.md"
    missing = [
        c for c in subcommands() if not any(re.search(rf"`ibcm-runbook {re.escape(c)}(?![\w-])", x) for x in cells)
    ]
    assert missing == [], f"add these commands to the Commands table of README.md: {missing}"


def test_the_readme_command_table_names_every_make_target() -> None:
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert phony, "no .PHONY line in the Makefile"
    targets = phony[1].split()
    assert "html" in targets, targets
    cells = readme_commands()
    missing = [t for t in targets if not any(re.search(rf"`make {re.escape(t)}(?![\w-])", x) for x in cells)]
    assert missing == [], f"add these make targets to the Commands table of README.md: {missing}"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["| a | b |", "|---|---|", "| `x` | y |", "| `p \\| q` | r |"], ["`x`", "`p \\| q`"]),
        (["text", "| h |", "|:-|", "| v |"], ["v"]),
        (["| h |", "|---|", "| 1 |", "", "| h2 |", "|---|", "| 2 |"], ["1", "2"]),
        ([], []),
    ],
    ids=["escaped-pipe", "aligned-separator", "two-tables", "no-table"],
)
def test_first_cells_are_parsed(lines: list[str], expected: list[str]) -> None:
    """The table checks above would pass vacuously if rows stopped being found."""
    assert first_cells(lines) == expected
