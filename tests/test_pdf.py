"""Change-board PDFs (``make pdf``): real Sphinx + xelatex builds, checked with poppler.

The session's shared build (``tests/example_build.py``) makes the PDFs of the
example sites plus two extra sites: ``ESC`` (German, every LaTeX special
character in its change record) and ``ATH`` (Greek, no change record).  Nothing
is built inside the repository.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from conftest import ROOT, require_tool
from example_build import (
    EPOCH,
    EPOCH_DATE,
    GERMAN_NAME,
    GREEK_NAME,
    NASTY,
    NASTY_CHANGE,
    ExampleBuild,
    copy_project,
    write_extra_sites,
)

from generator.model.schema import SiteInput
from generator.pipeline import load_plans
from generator.render.escape import escape_latex, escape_latex_block
from generator.sphinx_ext.latex import create_latex_environment, format_window, latex_documents, render_front_matter
from generator.sphinx_ext.pdf import build_pdfs


def normalise(text: str) -> str:
    """pdftotext output with every whitespace run (line and page breaks too) as one space."""
    return " ".join(text.split())


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None, *, layout: bool = False) -> str:
    command = [require_tool("pdftotext"), "-enc", "UTF-8", *(["-layout"] if layout else [])]
    if first is not None:
        command += ["-f", str(first), "-l", str(last if last is not None else first)]
    result = subprocess.run([*command, str(pdf), "-"], capture_output=True, text=True, check=True)
    return result.stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


@dataclass
class Build:
    root: Path
    pdfs: dict[str, Path]
    models: dict[str, SiteInput]


def run_build(root: Path) -> dict[str, Path]:
    """Build the PDFs of the project in ``root`` in this process (as ``ibcm-runbook build pdf`` does)."""
    require_tool("latexmk")
    require_tool("xelatex")
    # Sphinx runs in this process (the cover date) and latexmk in a child (the PDF dates): both read it.
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": EPOCH}):
        pdfs, _run = build_pdfs(root / "docs", root / "docs" / "_build", ["-W", "--keep-going", "-q"])
    return {pdf.stem: pdf for pdf in pdfs}


@pytest.fixture(scope="session")
def build(example_build: ExampleBuild) -> Build:
    plans, _ = load_plans(example_build.root / "site_inputs")
    pdfs = example_build.pdfs
    artifacts = os.environ.get("ARTIFACTS_DIR")
    if artifacts:  # CI keeps the PDFs for a human look
        out = Path(artifacts) / "pdf"
        out.mkdir(parents=True, exist_ok=True)
        for pdf in pdfs.values():
            shutil.copy(pdf, out / pdf.name)
    return Build(example_build.root, pdfs, {plan.code: plan.site.model for plan in plans})


def example_models() -> list[SiteInput]:
    plans, _ = load_plans(ROOT / "site_inputs")
    return [plan.site.model for plan in plans]


def example_codes() -> list[str]:
    return [model.site.code for model in example_models()]


# --- fast checks, no TeX ------------------------------------------------------------------------


def test_latex_documents_one_per_site_with_escaped_title() -> None:
    documents = latex_documents(example_models())
    assert [d[1] for d in documents] == [f"{code}.tex" for code in example_codes()]
    for start, target, title, _author, docclass in documents:
        code = target.removesuffix(".tex")
        assert start == f"_generated/{code}/index"
        assert title.startswith(f"{code} – ")
        assert docclass == "manual"


def test_escape_latex_handles_every_special_character() -> None:
    escaped = escape_latex(NASTY)
    unescaped = re.sub(
        r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|textquotedbl)\{\}", "", escaped
    )
    unescaped = re.sub(r"\\[{}$%#_&]", "", unescaped).replace("{[}", "").replace("{]}", "")
    assert not set(unescaped) & set('\\{}$%#_&~^<>|"[]'), unescaped
    assert escape_latex_block("a%\nb\n\nc&") == "a\\% b\\par\nc\\&"


def test_front_matter_escapes_every_user_value(tmp_path: Path) -> None:
    write_extra_sites(tmp_path)
    plans, _ = load_plans(tmp_path)
    model = next(p.site.model for p in plans if p.code == "ESC")
    text = render_front_matter(create_latex_environment(ROOT / "templates"), model, dt.date(2025, 11, 26))
    assert escape_latex(NASTY_CHANGE["id"]) in text
    assert escape_latex(GERMAN_NAME) in text
    assert NASTY not in text
    assert "Zürich" in text  # xelatex: Unicode passes through


def test_window_is_formatted_with_offsets_and_duration() -> None:
    change = next(m for m in example_models() if m.site.code == "FAB").change
    assert change is not None
    assert format_window(change.window) == "2026-12-05 20:00 (UTC+01:00) to 2026-12-06 02:00 (UTC+01:00), 6 h"


# --- real builds --------------------------------------------------------------------------------


@pytest.mark.slow
def test_one_pdf_per_site(build: Build) -> None:
    assert sorted(build.pdfs) == sorted([*example_codes(), "ESC", "ATH"])
    for code, pdf in build.pdfs.items():
        assert pdf == build.root / "docs" / "_build" / "pdf" / f"{code}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
@pytest.mark.parametrize("code", example_codes())
def test_example_pdf_contains_change_included_steps_and_firewall_tables(build: Build, code: str) -> None:
    model = build.models[code]
    assert model.change is not None
    text = normalise(pdftotext(build.pdfs[code]))
    assert model.change.id in text
    plan = next(p for p in load_plans(build.root / "site_inputs")[0] if p.code == code)
    for decision in plan.included:
        # Each included step has its numbered heading (and contents line): "3. Change the network ..."
        assert re.search(rf"\b\d+\. {re.escape(decision.title)}", text), decision.title
    for decision in plan.excluded:
        # Excluded steps appear only in the scope table or as "(not needed for this site)" mentions,
        # never as a numbered step.
        assert not re.search(rf"\b\d+\. {re.escape(decision.title)}", text), decision.title
    for firewall in (model.network.front_firewall.name, model.network.back_firewall.name):
        assert f"Rules for {firewall}" in text
    assert "Rule Source Destination Service, direction Purpose Flows" in text


@pytest.mark.slow
def test_cover_carries_the_change_record(build: Build) -> None:
    model = build.models["CEN"]
    change = model.change
    assert change is not None and change.window is not None
    cover = normalise(pdftotext(build.pdfs["CEN"], 1))
    for value in (
        change.id,
        change.title,
        "CEN",
        model.site.name,
        f"Revision {change.revision}",
        EPOCH_DATE,
        change.risk,
        change.requested_by,
        change.implementer,
        format_window(change.window),
    ):
        assert str(value) in cover, value
    for approver in change.approvers:
        assert f"{approver.name} {approver.role}" in cover
    assert "Signature Date" in cover
    # The change-board summary follows the cover; the change record comes after it (table rows stay rows).
    record = normalise(pdftotext(build.pdfs["CEN"], 2, 8, layout=True))
    assert record.index("Change-board summary") < record.index("Revision history")
    for entry in change.history:
        assert f"{entry.revision} {entry.date.isoformat()} {entry.author} {entry.summary}" in record


@pytest.mark.slow
def test_every_page_has_the_running_header(build: Build) -> None:
    pdf = build.pdfs["FAB"]
    pages = page_count(pdf)
    for page in (1, pages // 2, pages):
        first_line = normalise(pdftotext(pdf, page, layout=True).strip().splitlines()[0])
        assert first_line == f"CHG-2026-0311 • Site FAB • Revision 2 Page {page} of {pages}"


@pytest.mark.slow
def test_user_values_reach_the_pdf_literally(build: Build) -> None:
    text = normalise(pdftotext(build.pdfs["ESC"], 1, 8))  # the cover, the summary and the change record
    for value in (
        NASTY_CHANGE["id"],
        NASTY_CHANGE["title"],
        GERMAN_NAME,
        NASTY_CHANGE["requested_by"],
        NASTY_CHANGE["implementer"],
        "Ärzte & Söhne {1}",
        "CAB $chair$ 50%",
        "Ελένη Παπαδοπούλου",
        "Ασφάλεια #2",
        "Über_Autor",
        f"Geändert {NASTY}",
        "Zweiter Absatz: Größe^2.",
        "Zurück: C:\\Program Files\\SMS_ZRH\\ & {restore}",
    ):
        assert normalise(str(value)) in text, value
    # the header of a body page carries the escaped change id too
    header = normalise(pdftotext(build.pdfs["ESC"], 5, layout=True).strip().splitlines()[0])
    assert header.startswith(f"{NASTY_CHANGE['id']} • Site ESC • Revision 4 Page 5 of")


@pytest.mark.slow
def test_site_without_change_record_gets_a_cover_saying_so(build: Build) -> None:
    cover = normalise(pdftotext(build.pdfs["ATH"], 1))
    assert "No change record was given for this site." in cover
    assert GREEK_NAME in cover  # Greek glyphs really reach the PDF (FreeFont covers them)
    assert "Approvals" not in cover
    body = normalise(pdftotext(build.pdfs["ATH"]))
    assert f"ATH – {GREEK_NAME}" in body


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def ink_fractions(pdf: Path, directory: Path) -> list[float]:
    """Share of non-white pixels of every page, from a low-resolution grey render."""
    subprocess.run([require_tool("pdftoppm"), "-gray", "-r", "20", str(pdf), str(directory / "p")], check=True)
    fractions = []
    for page in sorted(directory.glob("p-*.pgm")):
        data = page.read_bytes()
        magic, width, height, _maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P5"
        count = int(width) * int(height)
        fractions.append(sum(1 for value in pixels[:count] if value < 200) / count)
    return fractions


@pytest.mark.slow
@pytest.mark.parametrize("code", ["CEN", "ESC", "ATH"])
def test_cover_renders_and_no_page_is_blank(build: Build, code: str, tmp_path: Path) -> None:
    pdf = build.pdfs[code]
    subprocess.run(
        [
            require_tool("pdftoppm"),
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "cover"),
        ],
        check=True,
    )
    width, height = png_size(tmp_path / "cover.png")
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
    artifacts = os.environ.get("ARTIFACTS_DIR")
    if artifacts:
        shutil.copy(tmp_path / "cover.png", Path(artifacts) / "pdf" / f"{code}-cover.png")
    fractions = ink_fractions(pdf, tmp_path)
    assert len(fractions) == page_count(pdf)
    assert fractions[0] > 0.03, "the cover is (nearly) empty"
    assert min(fractions) > 0.005, f"a page renders empty (ink {fractions})"
    # No blank pages: every page has text besides its running header and footer.
    blank = []
    for number in range(1, len(fractions) + 1):
        lines = [line for line in pdftotext(pdf, number, layout=True).splitlines() if line.strip()]
        if len(lines) <= 2:  # header and footer only
            blank.append(number)
    assert not blank, f"blank pages {blank}"


@pytest.mark.slow
def test_build_is_reproducible(build: Build, tmp_path: Path) -> None:
    # A second build, in another folder and with only this site, must give the same bytes.
    copy_project(tmp_path)
    shutil.copy(ROOT / "site_inputs" / "tailspin-reverse-proxy.yaml", tmp_path / "site_inputs")
    again = run_build(tmp_path)
    first, second = build.pdfs["TSP"], again["TSP"]
    result = subprocess.run(["cmp", str(first), str(second)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
