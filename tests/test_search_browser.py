"""Searching the built site in a real browser finds ports, FQDNs and server names, and says where they are.

The example sites are built into HTML with sphinx-build in a copy of the project and served over HTTP (a
``http.server`` thread on loopback: the search page fetches the result pages).  Headless Chromium (Debian's
/usr/bin/chromium driven by Playwright) opens ``search.html?q=…`` as a reader who typed into the search box
would, and the results must list the runbook with the site and the step (for a port: the firewall step, with a
link to the firewall's rule table) and lead to that anchor.

Screenshots of the result pages go to ``$ARTIFACTS_DIR`` (default ``<repo>/artifacts/``).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from browser import artifacts_dir, launch_chromium
from sphinx_project import SphinxProject

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = pytest.mark.slow

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
SEPARATOR = " › "
CEN = "CEN – Contoso Central"
FIREWALL_STEP = "cen-network-infrastructure"  # the label of the firewall step in CEN's runbook
RUNBOOK = "_generated/CEN/index.html"

# Every result of the finished search: its main link (text, href) and the "Also in" links.
RESULTS = """() => [...document.querySelectorAll('ul.search > li')].map(li => {
    const link = li.querySelector(':scope > a');
    return {
        text: link.textContent,
        href: link.getAttribute('href'),
        also: [...li.querySelectorAll('.ibcm-search-also a')].map(a => [a.textContent, a.getAttribute('href')]),
        context: (li.querySelector('p.context') || {}).textContent || '',
    };
})"""
# Done: the status line is written and every result has its summary (fetched from its page).
SEARCH_DONE = """() => {
    const status = document.querySelector('#search-results .search-summary');
    const items = [...document.querySelectorAll('ul.search > li')];
    return status && status.textContent.length > 0
        && items.every(li => li.classList.contains('kind-object') || li.querySelector('p.context'));
}"""


@dataclass(frozen=True)
class Site:
    html: Path
    url: str


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    project = SphinxProject.copy(tmp_path_factory.mktemp("search"))
    run = project.build()
    assert run.returncode == 0, run.stderr[-3000:]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(project.html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(project.html, f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Tab:
    """A browser tab and the script errors it reported."""

    page: Any
    errors: list[str]


@pytest.fixture(scope="module")
def tab() -> Iterator[Tab]:
    with launch_chromium() as browser:
        tab = Tab(browser.new_page(viewport=VIEWPORT), [])
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        yield tab


def search(tab: Tab, site: Site, query: str) -> list[dict[str, Any]]:
    """Open the search page for ``query`` as the search box does, wait for every result, return them."""
    tab.errors.clear()
    tab.page.goto(f"{site.url}search.html?q={quote(query)}")
    tab.page.wait_for_function(SEARCH_DONE, timeout=20_000)
    results: list[dict[str, Any]] = tab.page.evaluate(RESULTS)
    name = "".join(c if c.isalnum() else "-" for c in query)
    tab.page.screenshot(path=str(artifacts_dir() / f"search-{name}.png"))
    assert tab.errors == [], f"script errors on the search page: {tab.errors}"
    return results


def runbook_results(results: list[dict[str, Any]], title: str = CEN) -> list[dict[str, Any]]:
    return [r for r in results if r["text"].startswith(title) and r["href"].startswith(RUNBOOK)]


def test_the_index_holds_ports_fqdns_and_server_names(site: Site) -> None:
    text = (site.html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    cen = index["docnames"].index("_generated/CEN/index")

    def documents(word: str) -> set[int]:
        found: set[int] = set()
        for mapping in (index["terms"], index["titleterms"]):
            value = mapping.get(word, [])
            found |= {value} if isinstance(value, int) else set(value)
        return found

    for word in ("443", "8531", "mp.ibcm.contoso.example", "dmzsup01", "fw-edge", "172.16.20.41", "49152-65535"):
        assert cen in documents(word), word


@pytest.mark.parametrize(("port", "firewall"), [("443", "FW-EDGE"), ("8531", "FW-EDGE")])
def test_searching_a_port_finds_the_firewall_table(tab: Tab, site: Site, port: str, firewall: str) -> None:
    results = search(tab, site, port)
    (result,) = runbook_results(results)
    # The result names the site and the step, and links to the firewall's rule table in that step.
    assert result["text"].startswith(f"{CEN}{SEPARATOR}"), result
    assert "Change the network infrastructure" in result["text"], result
    assert result["text"].endswith(f"{SEPARATOR}{firewall}"), result
    assert result["href"] == f"{RUNBOOK}#{FIREWALL_STEP}-firewall-rules-{firewall.lower()}", result
    assert port in result["context"]
    # Other steps where the port appears are listed with their own anchors.
    assert result["also"], result
    assert all(href.startswith(f"{RUNBOOK}#cen-") for _text, href in result["also"])

    page = tab.page
    page.click(f'ul.search > li > a[href="{result["href"]}"]')
    page.wait_for_url(f"**/{result['href']}")
    target = page.evaluate("() => decodeURIComponent(location.hash.slice(1))")
    caption = page.evaluate(
        "(id) => [...document.getElementById(id).querySelectorAll('table caption')].map(c => c.textContent)",
        target,
    )
    assert any(f"Rules for {firewall}" in text for text in caption), caption
    cells = page.evaluate(
        "(id) => [...document.getElementById(id).querySelectorAll('table td')].map(td => td.textContent)", target
    )
    assert any(port in cell for cell in cells)


def test_searching_an_fqdn_finds_the_runbook_and_its_step(tab: Tab, site: Site) -> None:
    results = search(tab, site, "mp.ibcm.contoso.example")
    (result,) = runbook_results(results)
    assert result["text"].startswith(f"{CEN}{SEPARATOR}"), result
    step = result["href"].split("#", 1)[1]
    assert step.startswith("cen-"), result
    assert "mp.ibcm.contoso.example" in result["context"]
    # The whole name is one search word: a page that only has its parts ("contoso", "example") is not a hit.
    assert tab.page.evaluate("() => splitQuery('mp.ibcm.contoso.example 443 FW-EDGE')") == [
        "mp.ibcm.contoso.example",
        "FW-EDGE",
        "443",
    ]


def test_searching_a_server_name_finds_its_sections(tab: Tab, site: Site) -> None:
    results = search(tab, site, "DMZSUP01")
    located = runbook_results(results)
    assert located
    hrefs = {r["href"] for r in located}
    assert f"{RUNBOOK}#cen-server-prerequisites-dmzsup01" in hrefs  # the server's own subsection of a step
    for result in located:
        assert result["text"].startswith(f"{CEN}{SEPARATOR}"), result


def test_a_hit_outside_any_step_names_its_section(tab: Tab, site: Site) -> None:
    """Pages without steps (the tool's documentation) get the same "page › section" results."""
    results = search(tab, site, "8531")
    (facts,) = [r for r in results if r["href"].startswith("domain-facts.html")]
    assert facts["text"].startswith("Domain facts › "), facts
    assert "#" in facts["href"]
