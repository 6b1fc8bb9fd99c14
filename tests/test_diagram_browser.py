"""The placement diagram is legible at page width, as people see it: in the HTML runbook and in the PDF.

Uses the session build of the example sites (tests/example_build.py: HTML and PDFs, as ``make html pdf``).

* HTML: the runbook page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) at a desktop
  viewport; every ``<text>`` of the diagram's SVG is measured as displayed (its font size times the SVG's
  scale on screen) and the smallest must be at least :data:`MIN_HTML_PX`; the diagram stays inside the content
  column, and the link under it opens the SVG at full size.
* PDF: the diagram's scale on its page is measured (the width of its words there against the same words in the
  diagram PDF Sphinx rendered at natural size, ``docs/_build/latex/graphviz-*.pdf``) and times the smallest font
  size of the diagram must be at least :data:`MIN_PDF_PT`; the diagram fits the text width (A4 minus 2 x 2 cm).

Screenshots of each runbook's diagram go to ``$ARTIFACTS_DIR`` (default ``<repo>/artifacts/``).
"""

from __future__ import annotations

import re
import statistics
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser import artifacts_dir, launch_chromium
from conftest import require_tool
from example_build import ExampleBuild

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1280, "height": 800}
MIN_HTML_PX = 11.0
MIN_PDF_PT = 9.0
LANDSCAPE_TEXT_WIDTH_PT = 251 / 25.4 * 72  # the diagram has a landscape A4 page of its own: 25.1 cm of text width
CODES = sorted(
    [yaml.safe_load(p.read_text(encoding="utf-8"))["site"]["code"] for p in (ROOT / "site_inputs").glob("*.yaml")]
    + ["ESC", "ATH"]  # the extra sites of tests/example_build.py (long hostile name, Greek name)
)

# Font size of every <text> as displayed: its computed font size (SVG user units) times the scale of its
# transformation to the screen, with the text for the report.
MEASURE_TEXTS = """() => [...document.querySelectorAll('text')].map(t => {
    const m = t.getScreenCTM();
    return [parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)), t.textContent];
})"""


@pytest.fixture(scope="module")
def tab() -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser.new_page(viewport=VIEWPORT)


# --- HTML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_html_diagram_text_is_legible_at_page_width(example_build: ExampleBuild, tab: Any, code: str) -> None:
    page = example_build.build / "html" / "_generated" / code / "index.html"
    tab.goto(page.as_uri())
    diagram = tab.locator("object.graphviz.placement-diagram")
    assert diagram.count() == 1, f"{code}: no placement diagram"
    data = diagram.evaluate("o => o.data")
    tab.wait_for_function("() => window.frames.length > 0")
    frame = next((f for f in tab.frames if f.url == data), None)
    assert frame is not None, f"{code}: the SVG of {data} is not loaded"
    frame.wait_for_selector("svg text", state="attached")

    texts = frame.evaluate(MEASURE_TEXTS)
    assert len(texts) > 10
    smallest, what = min(texts)
    print(f"{code}: smallest diagram text in HTML at 1280 px: {smallest:.1f} px ({what!r})")
    assert smallest >= MIN_HTML_PX, f"{code}: {what!r} is {smallest:.1f} px on screen"

    # Shown whole, inside the content column (not cut off, not wider than the text).
    box = diagram.bounding_box()
    column = tab.locator('article[role="main"]').bounding_box()
    assert box is not None and column is not None
    assert column["x"] <= box["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 0.5

    diagram.scroll_into_view_if_needed()
    tab.wait_for_timeout(300)  # the SVG is painted after the scroll
    tab.screenshot(path=str(artifacts_dir() / f"diagram-{code}.png"))

    # The link under it opens the same SVG, by a relative link (published sites move).
    link = tab.locator("p.diagram-full-size a")
    assert link.count() == 1
    href = link.get_attribute("href")
    assert href is not None and not href.startswith(("/", "file:", "http")), href
    link.click()
    tab.wait_for_load_state()
    assert tab.url == data
    assert tab.evaluate("document.documentElement.localName") == "svg"


# --- PDF ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def width(self) -> float:
        return self.x_max - self.x_min


def pdf_pages(pdf: Path) -> list[list[Word]]:
    """The words of every page with their boxes (``pdftotext -bbox``), in points."""
    out = subprocess.run(
        [require_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    return [
        [Word(html_text(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3])) for m in word.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def html_text(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def page_width(pdf: Path) -> float:
    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert found is not None, info
    return float(found.group(1))


def title_words(code: str) -> list[str]:
    return ["Placement", "and", "flows", "of", "site", code]


def contains_title(words: list[Word], code: str) -> bool:
    texts = [w.text for w in words]
    title = title_words(code)
    return any(texts[i : i + len(title)] == title for i in range(len(texts)))


def smallest_font_size(dot_file: Path) -> float:
    """The smallest font size the diagram uses, in points at natural size (from Graphviz's own SVG)."""
    svg = subprocess.run(
        [require_tool("dot"), "-Tsvg", str(dot_file)], capture_output=True, text=True, check=True
    ).stdout
    return min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))


@pytest.mark.parametrize("code", CODES)
def test_pdf_diagram_text_is_legible_at_page_width(example_build: ExampleBuild, code: str) -> None:
    latex = example_build.build / "latex"
    # The diagram as Graphviz rendered it for LaTeX (natural size: 1 pt of DOT is 1 pt here).
    rendered = [p for p in sorted(latex.glob("graphviz-*.pdf")) if contains_title(pdf_pages(p)[0], code)]
    assert len(rendered) == 1, f"{code}: {rendered}"
    natural = pdf_pages(rendered[0])[0]
    # Its page in the site's PDF.
    pages = [page for page in pdf_pages(example_build.pdfs[code]) if contains_title(page, code)]
    assert len(pages) == 1, f"{code}: the diagram is on {len(pages)} pages"
    shown = pages[0]

    # Words that occur once in the diagram and once on its page measure the scale the PDF shows it at.
    once_natural = {w.text: w for w in natural if Counter(x.text for x in natural)[w.text] == 1}
    once_shown = {w.text: w for w in shown if Counter(x.text for x in shown)[w.text] == 1}
    ratios = [
        once_shown[text].width / once_natural[text].width
        for text in once_natural.keys() & once_shown.keys()
        if len(text) >= 4 and once_natural[text].width > 10
    ]
    assert len(ratios) >= 5, f"{code}: too few diagram words found on the page"
    scale = statistics.median(ratios)
    assert max(ratios) - min(ratios) < 0.02, f"{code}: the words do not share one scale: {sorted(ratios)}"

    smallest = smallest_font_size(example_build.root / "docs" / "_generated" / code / "placement.dot") * scale
    width = page_width(rendered[0]) * scale
    print(
        f"{code}: PDF diagram at {scale:.3f} of natural size, {width / 72 * 2.54:.1f} cm wide, smallest text {smallest:.1f} pt"
    )
    assert smallest >= MIN_PDF_PT, f"{code}: the smallest diagram text is {smallest:.1f} pt in the PDF"
    assert width <= LANDSCAPE_TEXT_WIDTH_PT + 1
