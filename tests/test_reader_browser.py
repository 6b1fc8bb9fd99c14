"""The runbooks as readers see them, in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Uses the session build of the example sites (tests/example_build.py: HTML and PDFs, as ``make html pdf``),
served over HTTP by Python's http.server twice: the whole build (``html/`` beside ``pdf/``, as a published
release is laid out) and the HTML alone (no PDF).

* Phone layout: at 400 px no page-level horizontal scroll on the landing page and on every runbook; what is
  wider than the screen (tables, code) scrolls inside its own box.
* "On this page": a link to every included step of the site plan and to each firewall's table, and none to the
  Verification subheadings.
* A copy button on a command code block copies the command.
* The change-board PDF link is shown only when the PDF is served.
* The build line shows the build stamp's time and commit.
* axe-core finds no serious or critical violation on the landing page and a runbook, light and dark.

Screenshots at 1400 and 400 px, light and dark, go to ``$ARTIFACTS_DIR`` (default: ``<repo>/artifacts/``).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import artifacts_dir, launch_chromium
from example_build import EPOCH_DATE, ExampleBuild

from generator.output import stamp
from generator.pipeline import load_plans
from generator.plan import SitePlan
from generator.render.myst import label
from generator.sphinx_ext.reader import FIREWALL_STEP

pytestmark = pytest.mark.slow

PHONE = {"width": 400, "height": 860}
DESKTOP = {"width": 1400, "height": 900}
SCROLL_BOXES = ".table-wrapper, pre, div.highlight"
"""Boxes that may scroll sideways on their own: tables and code."""

# What sticks out sideways on the page: the document, any other box that scrolls, and any element of the
# article that reaches past the right edge of the screen outside a box of SCROLL_BOXES.
OVERFLOW = """(boxes) => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push(`page: ${document.documentElement.scrollWidth}px`);
    for (const element of document.querySelectorAll('body *')) {
        const style = getComputedStyle(element);
        const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
        if (scrolls && element.scrollWidth > element.clientWidth + 1 && !element.matches(boxes))
            found.push(`${element.tagName}.${element.className} scrolls (${element.scrollWidth}px)`);
    }
    for (const element of document.querySelectorAll('article *')) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1 && !element.closest(boxes))
            found.push(`${element.tagName}.${element.className} ends at ${Math.round(box.right)}px`);
    }
    return found.slice(0, 10);
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@dataclass(frozen=True)
class Served:
    with_pdf: str
    """http://127.0.0.1:PORT/ serving docs/_build (html/ and pdf/)."""
    without_pdf: str
    """http://127.0.0.1:PORT/ serving a folder with html/ only."""


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def served(example_build: ExampleBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    assert example_build.pdfs, "the example build made no PDF"
    html_only = tmp_path_factory.mktemp("html-only")
    (html_only / "html").symlink_to(example_build.build / "html", target_is_directory=True)
    servers = [serve(example_build.build), serve(html_only)]
    try:
        yield Served(servers[0][1], servers[1][1])
    finally:
        for server, _url in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def plans(example_build: ExampleBuild) -> dict[str, SitePlan]:
    found, _warnings = load_plans(example_build.root / "site_inputs", root=example_build.root)
    return {plan.code: plan for plan in found}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def runbook(base: str, code: str) -> str:
    return f"{base}html/_generated/{code}/index.html"


def open_page(tab: Any, url: str) -> None:
    tab.goto(url)
    tab.wait_for_load_state("networkidle")


# --- phone layout -------------------------------------------------------------------------------------------


def pages_to_check(plans: dict[str, SitePlan]) -> list[str]:
    return ["html/index.html", *(f"html/_generated/{code}/index.html" for code in sorted(plans))]


def test_no_page_level_horizontal_scroll_at_400_px(served: Served, plans: dict[str, SitePlan], phone: Any) -> None:
    problems = {}
    for path in pages_to_check(plans):
        open_page(phone, served.with_pdf + path)
        assert phone.evaluate("document.documentElement.clientWidth") == PHONE["width"]
        if found := phone.evaluate(OVERFLOW, SCROLL_BOXES):
            problems[path] = found
    assert problems == {}


def test_wide_tables_scroll_in_their_own_box_and_names_do_not_wrap_letter_by_letter(served: Served, phone: Any) -> None:
    open_page(phone, runbook(served.with_pdf, "CEN"))
    wrappers = phone.locator("article .table-wrapper")
    widths = wrappers.evaluate_all("ws => ws.map(w => [w.scrollWidth, w.clientWidth, w.tabIndex])")
    scrolling = [w for w in widths if w[0] > w[1] + 1]
    assert scrolling, "no table is wider than a phone: the check below would prove nothing"
    assert all(tab_index == 0 for _w, _c, tab_index in scrolling), "a scrolling table is not reachable by keyboard"
    # Every cell is at least as wide as its longest word (a server name, an FQDN): none breaks inside a word.
    broken = phone.evaluate(
        """() => [...document.querySelectorAll('table.runbook-table td')].flatMap(cell => {
            const range = document.createRange();
            return [...cell.querySelectorAll('*'), cell].flatMap(e => [...e.childNodes])
                .filter(n => n.nodeType === 3 && n.textContent.trim()).flatMap(text => {
                    const out = [];
                    for (const m of text.textContent.matchAll(/\\S+/g)) {
                        range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
                        if (range.getClientRects().length > 1 && !/[-\\/]/.test(m[0])) out.push(m[0]);
                    }
                    return out;
                });
        }).slice(0, 10)"""
    )
    assert broken == []


# --- "on this page" -----------------------------------------------------------------------------------------


def test_on_this_page_links_every_step_and_each_firewall_table(
    served: Served, plans: dict[str, SitePlan], browser: Any
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    try:
        for code, plan in sorted(plans.items()):
            open_page(tab, runbook(served.with_pdf, code))
            links = tab.locator("aside.toc-drawer .toc-tree a").evaluate_all(
                "as => as.map(a => [a.getAttribute('href'), a.textContent.trim()])"
            )
            hrefs = [href for href, _text in links]
            steps = [f"#{label(code, step.id)}" for step in plan.steps]
            assert [h for h in hrefs if h in steps] == steps, f"{code}: steps missing or out of order"
            firewalls = [fw.name for fw in plan.network.firewall_infos]
            if plan.includes(FIREWALL_STEP):
                step = hrefs.index(f"#{label(code, FIREWALL_STEP)}")
                after = [text for _href, text in links[step + 1 :]]
                assert after[: len(firewalls) + 1] == ["Firewall rules", *firewalls], code
                for href, text in links[step + 2 : step + 2 + len(firewalls)]:
                    target = tab.locator(f"[id='{href[1:]}']")
                    assert target.count() == 1 and target.locator("table").count() >= 1, f"{code}: {text}"
            assert "Verification" not in [text for _href, text in links], f"{code}: the list is not pruned"
            assert len(links) < 80, f"{code}: {len(links)} entries"
    finally:
        context.close()


# --- copy button --------------------------------------------------------------------------------------------


def test_a_command_has_a_copy_button_that_copies_it(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    try:
        open_page(tab, runbook(served.with_pdf, "CEN"))
        block = tab.locator("div.highlight", has=tab.locator("pre", has_text="CCMSetup.exe /native")).first
        command = block.locator("pre").inner_text().strip()
        block.hover()
        button = block.locator("button.copybtn")
        assert button.count() == 1
        button.click()
        assert tab.evaluate("navigator.clipboard.readText()").strip() == command
        assert command.startswith("CCMSetup.exe ")
    finally:
        context.close()


# --- downloads and build line -------------------------------------------------------------------------------


def test_the_pdf_link_shows_only_when_the_pdf_is_served(
    served: Served, example_build: ExampleBuild, phone: Any
) -> None:
    for code in sorted(example_build.pdfs):
        open_page(phone, runbook(served.with_pdf, code))
        link = phone.locator("a.ibcm-pdf-link")
        link.wait_for(state="visible", timeout=5000)
        assert link.evaluate("a => a.href") == f"{served.with_pdf}pdf/{code}.pdf"
        assert "make pdf" not in phone.locator("article").inner_text()
        response = phone.request.get(link.evaluate("a => a.href"))
        assert response.ok and response.body()[:5] == b"%PDF-"

        open_page(phone, runbook(served.without_pdf, code))
        phone.wait_for_timeout(300)
        assert phone.locator("a.ibcm-pdf-link").count() == 1
        assert not phone.locator("a.ibcm-pdf-link").is_visible()
        assert not phone.locator(".ibcm-downloads li", has=phone.locator("a.ibcm-pdf-link")).is_visible()
        assert phone.locator(".ibcm-downloads a.download").first.is_visible()

    # Opened from the file system the PDF cannot be asked for: the link stays hidden.
    phone.goto((example_build.build / "html" / "_generated" / "CEN" / "index.html").as_uri())
    phone.wait_for_timeout(300)
    assert not phone.locator("a.ibcm-pdf-link").is_visible()


def test_the_build_line_shows_the_stamps_time_and_commit(
    served: Served, example_build: ExampleBuild, phone: Any
) -> None:
    built = stamp.read_stamp(example_build.build / "html")
    assert built is not None and built["built_at"].startswith(EPOCH_DATE)
    open_page(phone, runbook(served.with_pdf, "CEN"))
    line = phone.locator("article p.ibcm-build-line")
    line.locator(".ibcm-build-part").last.wait_for(state="visible", timeout=5000)
    text = line.inner_text()
    assert text.startswith("Revision ")
    assert f"Built {EPOCH_DATE} 00:00 UTC" in text
    commit = built["source_commit"]
    assert (commit[:12] if commit else "unknown") in text
    assert f"{EPOCH_DATE} 00:00 UTC" in phone.locator("footer p.ibcm-build-line").inner_text()


# --- accessibility ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(served: Served, browser: Any, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for width in (DESKTOP, PHONE):
        context = browser.new_context(viewport=width, color_scheme=scheme)
        tab = context.new_page()
        try:
            for path in ("html/index.html", "html/_generated/CEN/index.html", "html/usage.html"):
                open_page(tab, served.with_pdf + path)
                assert tab.evaluate("document.body.dataset.theme || 'auto'") in ("auto", scheme)
                name = f"{path.replace('/', '_').removesuffix('.html')}-{width['width']}-{scheme}"
                tab.screenshot(path=str(artifacts_dir() / f"reader-{name}.png"))
                violations = axe.run(tab).response["violations"]
                bad = [
                    f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
                    for v in violations
                    if v["impact"] in ("serious", "critical")
                ]
                if bad:
                    found[f"{path} at {width['width']} px"] = bad
        finally:
            context.close()
    assert found == {}
