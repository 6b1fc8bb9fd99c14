"""One site at the limits of every free-text field, built to HTML and PDF as ``make html pdf`` do (issue 15).

Every free-text field holds a word of the longest length the input allows and MyST, HTML, LaTeX and shell
payloads; every device name has the longest length a name may have and nothing TeX could break it at.  The
build must pass, print every value literally (HTML-escaped in the page, whole in the PDF's text), run no
script from the input, and lay the PDF out without a line sticking out of its page or column.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import require_tool
from helpers import formatted, site_yaml
from test_hostile_inputs import FIELDS, with_texts

from generator.model.fields import MAX_NAME, MAX_WORD
from generator.pipeline import plan_site_text

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1764115200"
CODE = "TST"
MARKER = "alert(1515)"
PAYLOAD = f"```{{raw}} html <script>{MARKER}</script> \\input{{/etc/passwd}} $(rm -rf ~) ]]> `tick`"
"""MyST, HTML, LaTeX and shell payloads, as one line of text (each word of it under the word limit)."""
OVERFULL_LIMIT_PT = 20.0
"""The widest overfull box allowed in the xelatex log: a line a little too long is invisible, one that runs
into the margin or off the page is not (before long words could break: 137 boxes, up to 487 pt)."""


def long_word(index: int) -> str:
    """A word of :data:`MAX_WORD` characters, unique to field ``index``; ``W`` is the widest letter."""
    return f"Q{index:02d}" + "W" * (MAX_WORD - 3)


def long_name(index: int) -> str:
    """A name of :data:`MAX_NAME` characters with no dot, hyphen or other separator to break after."""
    return f"N{index:02d}" + "W" * (MAX_NAME - 3)


def field_values() -> dict[str, str]:
    """The value of every free-text field: names at their longest; text the payload and a longest word."""
    values = {}
    for index, (path, kind, _) in enumerate(FIELDS):
        if kind == "name":
            values[path] = long_name(index)
        elif kind == "multi":
            values[path] = f"{PAYLOAD} {long_word(index)}\n\nSecond paragraph {long_word(index)}"
        else:
            values[path] = f"{PAYLOAD} {long_word(index)}"
    return values


def squashed(text: str) -> str:
    """Text without white space: a value broken across lines (or table cells) of the PDF reads whole."""
    return "".join(text.split())


@dataclass(frozen=True)
class Built:
    root: Path
    values: dict[str, str]

    @property
    def page(self) -> Path:
        return self.root / "docs" / "_build" / "html" / "_generated" / CODE / "index.html"

    @property
    def pdf(self) -> Path:
        return self.root / "docs" / "_build" / "pdf" / f"{CODE}.pdf"

    @property
    def latex_log(self) -> Path:
        return self.root / "docs" / "_build" / "latex" / f"{CODE}.log"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A copy of the project with only the hostile site, built with what ``make html`` and ``make pdf`` run."""
    for tool in ("dot", "latexmk", "xelatex", "pdftotext"):
        require_tool(tool)
    root = tmp_path_factory.mktemp("hostile-build")
    for name in ("docs", "templates", "deploy"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("_build", "_generated"))
    values = field_values()
    text = site_yaml(with_texts(values))
    plan, diagnostics = plan_site_text(text, "t.yaml")
    assert plan is not None, formatted(diagnostics)
    (root / "site_inputs").mkdir()
    (root / "site_inputs" / "hostile.yaml").write_text(text, encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    build = root / "docs" / "_build"
    for builder, output in (("html", build / "html"), ("pdf", build)):
        command = [sys.executable, "-m", "generator", "build", builder, "--docs", "docs", "--output", str(output)]
        result = subprocess.run(
            [*command, "--sphinx-opts", "-W --keep-going -q"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        assert result.returncode == 0, f"{builder}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return Built(root, values)


def test_the_values_are_at_the_limits() -> None:
    values = field_values()
    assert {len(values[path]) for path, kind, _ in FIELDS if kind == "name"} == {MAX_NAME}
    words = {max(len(word) for word in values[path].split()) for path, kind, _ in FIELDS if kind != "name"}
    assert words == {MAX_WORD}


class _Scripts(HTMLParser):
    """The text of a page (entities resolved) and what each ``<script>`` element holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
            self.scripts.append(" ".join(f"{k}={v}" for k, v in attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


@pytest.mark.slow
def test_the_html_page_shows_every_payload_literally_and_runs_none(built: Built) -> None:
    source = built.page.read_text(encoding="utf-8")
    page = _Scripts()
    page.feed(source)
    assert not [script for script in page.scripts if MARKER in script]
    assert f"<script>{MARKER}" not in source
    assert html.escape(f"<script>{MARKER}</script>", quote=False) in source
    text = squashed(html.unescape("".join(page.text)))
    shown = [path for path, _, where in FIELDS if "page" in where]
    assert len(shown) > 10
    for path in shown:
        for line in built.values[path].splitlines():
            assert squashed(line) in text, (path, line)
    # Nothing from the input reached any other page as markup either.
    for other in (built.root / "docs" / "_build" / "html").rglob("*.html"):
        assert f"<script>{MARKER}" not in other.read_text(encoding="utf-8"), other


@pytest.mark.slow
def test_the_pdf_prints_every_value_whole(built: Built) -> None:
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(built.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # A word TeX hyphenated (never a name or a long word: those break without a hyphen) reads joined, too.
    readings = (squashed(text), squashed(re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)))
    shown = [path for path, _, where in FIELDS if where & {"page", "latex"}]
    assert len(shown) > 15
    missing = [
        (path, line)
        for path in shown
        for line in built.values[path].splitlines()
        if line.strip() and not any(squashed(line) in reading for reading in readings)
    ]
    assert missing == []


@pytest.mark.slow
def test_no_line_sticks_out_of_the_pdf(built: Built) -> None:
    log = built.latex_log.read_text(encoding="utf-8", errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", log)]
    assert [w for w in widths if w > OVERFULL_LIMIT_PT] == [], f"{len(widths)} overfull boxes, widest {max(widths)} pt"
