"""Print typography of the change-board PDFs: names, metadata, fonts, landscape pages, headings.

The PDFs are the session's shared build (``tests/example_build.py``: the example sites plus ``ESC``, every
LaTeX special character in its name and change, and ``ATH``, Greek, no change record), read back with
poppler's ``pdfinfo``, ``pdftotext`` and ``pdffonts``.  ``pdftotext -raw`` keeps a hyphen that ends a line
(the default mode joins hyphenated words, which would hide exactly what is tested here).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, require_tool
from example_build import GERMAN_NAME, GREEK_NAME, NASTY_CHANGE, ExampleBuild, write_extra_sites

from generator.model.schema import SiteInput
from generator.pipeline import load_plans
from generator.sphinx_ext.latex import create_latex_environment, is_name, name, render_front_matter, split_names

MONO_FONT = "LiberationMono"
"""The PostScript name of the mono font docs/conf.py's preamble chooses (generator.sphinx_ext.latex.FONTPKG)."""


# --- fast checks, no TeX ------------------------------------------------------------------------


def names_in(text: str) -> list[str]:
    return [part.astext() for part in split_names(text) if isinstance(part, name)]


def test_names_are_told_from_words() -> None:
    text = (
        "Server Manager on DMZSUP01 lists IIS; clients use mp.ibcm.contoso.example (role management_point), "
        r"installed with DMZ\svc-cm-install through ISmsClient2::SetInternetManagementPointFQDN."
    )
    assert names_in(text) == [
        "DMZSUP01",
        "IIS",
        "mp.ibcm.contoso.example",
        "management_point",
        r"DMZ\svc-cm-install",
        "ISmsClient2::SetInternetManagementPointFQDN",
    ]
    # Words stay words (TeX may hyphenate them); the text is split without losing a character.
    for word in ("Server", "management", "Configuration", "clients", "a"):
        assert not is_name(word), word
    parts = split_names(text)
    assert "".join(p if isinstance(p, str) else p.astext() for p in parts) == text


def test_pdf_metadata_is_escaped_user_text(tmp_path: Path) -> None:
    write_extra_sites(tmp_path)
    plans, _ = load_plans(tmp_path)
    model = next(p.site.model for p in plans if p.code == "ESC")
    text = render_front_matter(create_latex_environment(ROOT / "templates"), model, dt.date(2025, 11, 26))
    start = text.index(r"\hypersetup{")
    info = text[start : text.index("}}\n", start)]
    assert GERMAN_NAME not in info  # escaped: its \ { } $ % # would break the LaTeX
    assert r"pdfsubject={Change CHG-{}\textbackslash{}\{\}\$\%\#\_\&" in info
    assert "--" not in info  # hyperref would print an en dash


# --- real builds --------------------------------------------------------------------------------


def pdfinfo(pdf: Path, page: int | None = None) -> dict[str, str]:
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    out = subprocess.run(
        [require_tool("pdfinfo"), "-enc", "UTF-8", *pages, str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def raw_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    command = [require_tool("pdftotext"), "-raw", "-enc", "UTF-8", *pages, str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_texts(pdf: Path) -> list[str]:
    """The text of every page, as the reader holds it (landscape pages turned), in reading layout."""
    out = subprocess.run(
        [require_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split("\f")[: int(pdfinfo(pdf)["Pages"])]


def is_landscape(pdf: Path, page: int) -> bool:
    info = pdfinfo(pdf, page)
    size = re.search(r"([\d.]+) x ([\d.]+) pts", info[f"Page {page:>4} size"])
    assert size is not None, info
    width, height = float(size.group(1)), float(size.group(2))
    rotated = int(info[f"Page {page:>4} rot"]) % 180 == 90
    return (width > height) != rotated


@dataclass(frozen=True)
class Site:
    code: str
    model: SiteInput
    pdf: Path
    root: Path


@pytest.fixture(scope="session")
def sites(example_build: ExampleBuild) -> dict[str, Site]:
    plans, _ = load_plans(example_build.root / "site_inputs")
    return {
        plan.code: Site(plan.code, plan.site.model, example_build.pdfs[plan.code], example_build.root) for plan in plans
    }


def strings(value: Any) -> Iterator[str]:
    """Every string of a dumped site input."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def input_names(model: SiteInput) -> set[str]:
    """Server names, FQDNs, accounts, addresses, firewall names: every value of the input that is one name."""
    return {s for s in strings(model.model_dump(mode="json")) if " " not in s and len(s) >= 4 and is_name(s)}


def hyphenated(name: str) -> Iterator[str]:
    """``name`` as TeX would print it hyphenated at a line end: a hyphen added where it has none."""
    for i in range(1, len(name)):
        if name[i - 1] != "-" and name[i] != "-":
            yield f"{name[:i]}-\n{name[i:]}"


@pytest.mark.slow
def test_every_site_pdf_has_title_author_subject_keywords(sites: dict[str, Site]) -> None:
    assert {"ESC", "ATH"} <= sites.keys()
    for code, site in sites.items():
        info = pdfinfo(site.pdf)
        model = site.model
        assert info["Title"] == f"{code} – {model.site.name}: IBCM runbook", code
        keywords = [word.strip() for word in info["Keywords"].split(",")]
        assert code in keywords and "IBCM" in keywords, info["Keywords"]
        assert model.site.name in info["Keywords"], info["Keywords"]
        if model.change is None:
            assert info["Author"] == "ibcm-runbook"
            assert info["Subject"] == f"Internet-based client management for site {code} (no change record)"
        else:
            assert info["Author"] == (model.change.implementer or "ibcm-runbook")
            assert info["Subject"].startswith(f"Change {model.change.id}: {model.change.title}"), info["Subject"]
            assert model.change.id in keywords
    # User text with every LaTeX special character and non-Latin scripts arrives literally.
    esc = pdfinfo(sites["ESC"].pdf)
    assert esc["Title"] == f"ESC – {GERMAN_NAME}: IBCM runbook"
    assert esc["Author"] == NASTY_CHANGE["implementer"]
    assert esc["Subject"].startswith(f"Change {NASTY_CHANGE['id']}: {NASTY_CHANGE['title']}")
    assert pdfinfo(sites["ATH"].pdf)["Title"] == f"ATH – {GREEK_NAME}: IBCM runbook"


@pytest.mark.slow
def test_no_name_of_the_site_is_hyphenated(sites: dict[str, Site]) -> None:
    for code, site in sites.items():
        text = raw_text(site.pdf)
        names = input_names(site.model)
        assert len(names) > 10, names
        found = sorted({form.replace("\n", "⏎") for n in names for form in hyphenated(n) if form in text})
        assert not found, f"{code}: names hyphenated at a line end: {found}"


@pytest.mark.slow
def test_no_name_or_code_is_hyphenated_anywhere(sites: dict[str, Site]) -> None:
    """Beyond the input's names: role names, log and component names, API names (``manage-⏎ment_point``).

    A line that ends in ``X-`` before ``Y`` is a TeX hyphenation inside a name when ``XY`` is a name that the
    same PDF prints unbroken elsewhere and ``X-Y`` is not printed anywhere (its hyphen is not its own).
    """
    for code, site in sites.items():
        text = raw_text(site.pdf)
        tokens = set(re.findall(r"[\w.\\/:@$-]+", text))
        bad = []
        for found in re.finditer(r"([\w.\\/:@$-]*\w)-\n([\w.\\/:@$-]+)", text):
            head, tail = found.group(1).lstrip(".-:/"), found.group(2).rstrip(".-:/")
            joined, kept = head + tail, f"{head}-{tail}"
            if is_name(joined) and joined in tokens and kept not in tokens:
                bad.append(f"{head}-⏎{tail}")
        assert not bad, f"{code}: {bad}"


@pytest.mark.slow
def test_mono_font_is_the_dark_one(sites: dict[str, Site]) -> None:
    for code, site in sites.items():
        fonts = subprocess.run([require_tool("pdffonts"), str(site.pdf)], capture_output=True, text=True, check=True)
        embedded = [line.split()[0].split("+")[-1] for line in fonts.stdout.splitlines()[2:]]
        assert MONO_FONT in embedded, f"{code}: {embedded}"
        # FreeMono may be embedded too, only for the few characters Liberation Mono lacks (the visible space of
        # wrapped code lines, rare punctuation): test_every_character_the_input_allows_prints_in_monospace.


@pytest.mark.slow
def test_placement_diagram_has_its_own_landscape_page(sites: dict[str, Site]) -> None:
    for code, site in sites.items():
        texts = page_texts(site.pdf)
        title = f"Placement and flows of site {code}"
        pages = [number for number, page in enumerate(texts, 1) if title in " ".join(page.split())]
        assert len(pages) == 1, f"{code}: the diagram is on pages {pages}"
        page = pages[0]
        assert is_landscape(site.pdf, page), f"{code}: the diagram page {page} is portrait"
        # Alone: its page has the diagram, its caption and the running header and footer, no runbook text.
        assert "Each path in the diagram" not in texts[page - 1]
        assert "Each path in the diagram" in texts[page - 2]  # what it shows, before it
        assert not is_landscape(site.pdf, page - 1) and not is_landscape(site.pdf, page + 1)


@pytest.mark.slow
def test_wide_tables_are_on_landscape_pages(sites: dict[str, Site]) -> None:
    for code, site in sites.items():
        texts = page_texts(site.pdf)
        for number, page in enumerate(texts, 1):
            flat = " ".join(page.split())
            if re.search(r"Table \d+: (Flows through|Connectivity matrix)", flat):
                assert is_landscape(site.pdf, number), f"{code}: page {number} has a wide table in portrait"
            if re.search(r"Table \d+: (Rules for|DNS records)", flat):
                assert not is_landscape(site.pdf, number), f"{code}: page {number} is landscape"
        # Landscape pages keep the running header and footer the right way up.
        landscape = [n for n in range(1, len(texts) + 1) if is_landscape(site.pdf, n)]
        assert len(landscape) >= 3, f"{code}: {landscape}"
        for number in landscape:
            lines = [" ".join(line.split()) for line in texts[number - 1].splitlines() if line.strip()]
            assert re.search(rf"Site {code} • Revision .* Page {number} of {len(texts)}$", lines[0]), lines[0]
            assert lines[-1].split()[0] == code, lines[-1]


def headings(index: Path) -> set[str]:
    """The heading texts of a generated runbook page (MyST ``#`` lines, markup removed)."""
    found = set()
    for line in index.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#{2,6} (.+)", line)
        if match:
            found.add(" ".join(re.sub(r"[\\`*]|\{[^}]*\}|\([^)]*\)=?", "", match.group(1)).split()))
    return found


@pytest.mark.slow
def test_no_heading_ends_a_page(sites: dict[str, Site]) -> None:
    for code, site in sites.items():
        titles = headings(site.root / "docs" / "_generated" / code / "index.md")
        assert len(titles) > 20, titles
        texts = page_texts(site.pdf)
        alone = []
        for number, page in enumerate(texts, 1):
            lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
            if len(lines) >= 3 and lines[-2] in titles:  # the last line is the running footer
                alone.append(f"page {number}: {lines[-2]}")
            elif len(lines) >= 4 and lines[-3] in titles and lines[-2].endswith(":"):  # and its lead-in
                alone.append(f"page {number}: {lines[-3]} / {lines[-2]}")
        assert not alone, f"{code}: headings at the foot of a page: {alone}"


def font_charset(font_file: str) -> set[int]:
    """The code points a font file has glyphs for, as fontconfig reads them."""
    ranges = subprocess.run(
        [require_tool("fc-query"), "--format=%{charset}", font_file], capture_output=True, text=True, check=True
    ).stdout.split()
    covered: set[int] = set()
    for part in ranges:
        low, _, high = part.partition("-")
        covered.update(range(int(low, 16), int(high or low, 16) + 1))
    return covered


def test_every_character_the_input_allows_prints_in_monospace() -> None:
    """xelatex drops a character its font lacks: what Liberation Mono lacks goes to FreeMono, which has it."""
    from generator.model.fields import PRINTABLE_RANGES
    from generator.sphinx_ext.latex import LIBERATION_MONO_MISSING, SPHINX_MONO_CHARACTERS

    allowed = {code for low, high in PRINTABLE_RANGES for code in range(low, high + 1)}
    files = subprocess.run(
        [require_tool("fc-list"), "--format=%{file}\n", "Liberation Mono"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert files, "Liberation Mono is not installed (fonts-liberation2)"
    lacking = set().union(*(allowed - font_charset(file) for file in files))
    assert lacking == set(LIBERATION_MONO_MISSING)
    for free_mono in subprocess.run(
        [require_tool("fc-list"), "--format=%{file}\n", "FreeMono"], capture_output=True, text=True, check=True
    ).stdout.split():
        assert lacking | set(SPHINX_MONO_CHARACTERS) <= font_charset(free_mono), free_mono


@pytest.mark.slow
def test_xelatex_drops_no_character(example_build: ExampleBuild) -> None:
    """A glyph missing from its font is only a line in the LaTeX log, and a hole in the PDF."""
    logs = sorted((example_build.build / "latex").glob("*.log"))
    assert logs
    for log in logs:
        missing = [line for line in log.read_text("utf-8", "replace").splitlines() if "Missing character" in line]
        assert missing == [], f"{log.name}: {missing[:3]}"
