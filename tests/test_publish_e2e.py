"""End to end: build the example sites, publish them, serve DEST/current with nginx under /runbooks/
(using deploy/nginx/ibcm-runbooks.conf), check them in headless Chromium, and publish a new release
while nginx is under load.

Everything stays on 127.0.0.1; Chromium is Debian's /usr/bin/chromium driven by Playwright (no
``playwright install``).  The landing page screenshot goes to ``$ARTIFACTS_DIR`` (default:
``<repo>/artifacts/``).
"""

from __future__ import annotations

import contextlib
import html.parser
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from conftest import require_tool
from example_build import ExampleBuild

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no connections other than to our nginx
    "--disable-component-update",
    "--disable-sync",
]
PREFIX = "/runbooks/"
SNIPPET = Path("deploy/nginx/ibcm-runbooks.conf")
SNIPPET_DEST = "/srv/runbooks"
LOAD_MAX_REQUESTS = 50_000
LOAD_MAX_SECONDS = 40.0


def run(command: list[str], cwd: Path, timeout: float = 180) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


# --- fixtures: build, publish, nginx, browser ---------------------------------------------------


@dataclass
class Project:
    root: Path
    build: Path
    codes: list[str]
    servers: dict[str, list[str]]
    pdfs: bool


@pytest.fixture(scope="module")
def project(example_build: ExampleBuild) -> Project:
    """The example sites built once per session (HTML and PDFs, as `make html pdf` runs) in a copy of the project."""
    codes, servers = [], {}
    for path in sorted((example_build.root / "site_inputs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        code = data["site"]["code"]
        codes.append(code)
        servers[code] = [s["name"] for s in data["servers"]]
    return Project(example_build.root, example_build.build, sorted(codes), servers, pdfs=True)


def publish_cli(project: Project, dest: Path, *extra: str) -> str:
    """Run `ibcm-runbook publish` as a separate process, like `make publish` does; returns the release path."""
    command = [sys.executable, "-m", "generator", "publish", str(dest), "--build", str(project.build), *extra]
    result = subprocess.run(command, cwd=project.root, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def dest(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("srv") / "runbooks"
    release = publish_cli(project, dest)
    assert Path(release).name == (dest / "current").readlink().name
    return dest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Nginx:
    base: str
    """http://127.0.0.1:PORT/runbooks/"""
    port: int
    logs: Path


@pytest.fixture(scope="module")
def nginx(dest: Path, repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """nginx in the foreground with its own config that includes the repository's snippet."""
    binary = require_tool("nginx")
    prefix = tmp_path_factory.mktemp("nginx")
    snippet = (repo_root / SNIPPET).read_text(encoding="utf-8")
    assert f"{SNIPPET_DEST}/current/" in snippet
    (prefix / "ibcm-runbooks.conf").write_text(snippet.replace(SNIPPET_DEST, str(dest)), encoding="utf-8")
    port = free_port()
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;  # the workers must read pytest's private tmp folders" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"""{user}
worker_processes 2;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp_paths}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {prefix / "ibcm-runbooks.conf"};
    }}
}}
""",
        encoding="utf-8",
    )
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    run([*command, "-t", "-q"], prefix, timeout=30)  # the snippet is valid nginx configuration
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.1)
        yield Nginx(f"http://127.0.0.1:{port}{PREFIX}", port, prefix)
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@dataclass
class BrowserLog:
    """Everything that went wrong in the browser, and requests that tried to leave 127.0.0.1."""

    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed; run the tests with `make test`, which installs chromium")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, BrowserLog]]:
    """A fresh tab that records console errors, page errors, failed and non-loopback requests."""
    log = BrowserLog()
    tab = browser.new_page()

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            log.external.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    tab.on("console", lambda m: m.type == "error" and log.errors.append(f"console: {m.text} ({m.location})"))
    tab.on("pageerror", lambda e: log.errors.append(f"page error: {e}"))
    # The PDF probe of docs/_static/ibcm-reader.js is a HEAD fetch: Chromium reports it as aborted once the headers
    # are read (there is no body to load), although the fetch resolves; any other failed request is an error.
    tab.on(
        "requestfailed",
        lambda r: (
            (r.method == "HEAD" and r.failure == "net::ERR_ABORTED")
            or log.errors.append(f"request failed: {r.method} {r.url} {r.failure}")
        ),
    )
    tab.on("response", lambda r: r.status >= 400 and log.errors.append(f"HTTP {r.status}: {r.url}"))
    try:
        yield tab, log
    finally:
        tab.close()


def artifacts_dir(repo_root: Path) -> Path:
    folder = Path(os.environ.get("ARTIFACTS_DIR") or repo_root / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- requirement: relative links only, no external assets ---------------------------------------

ASSET_ATTRIBUTES = {
    "script": "src",
    "link": "href",
    "img": "src",
    "object": "data",
    "iframe": "src",
    "embed": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
}


class LinkCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ASSET_ATTRIBUTES and values.get(ASSET_ATTRIBUTES[tag]):
            self.assets.append(str(values[ASSET_ATTRIBUTES[tag]]))
        if tag == "img" and values.get("srcset"):
            self.assets.append(str(values["srcset"]))
        if tag == "a" and values.get("href"):
            self.anchors.append(str(values["href"]))


NOT_RELATIVE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|/)")


def test_published_site_uses_only_relative_links_and_no_external_assets(dest: Path) -> None:
    release = (dest / "current").resolve()
    problems = []
    pages = sorted(release.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        collector = LinkCollector()
        collector.feed(path.read_text(encoding="utf-8"))
        where = path.relative_to(release)
        problems += [f"{where}: asset {url}" for url in collector.assets if NOT_RELATIVE.match(url)]
        # External hyperlinks (e.g. "Powered by Sphinx") load nothing; absolute-path links break under /runbooks/.
        problems += [f"{where}: link {url}" for url in collector.anchors if url.startswith("/")]
    for css in sorted(release.rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)", css.read_text(encoding="utf-8")):
            target = url[0] or url[1]
            if NOT_RELATIVE.match(target) and not target.startswith("data:"):
                problems.append(f"{css.relative_to(release)}: {target}")
    assert problems == []


# --- in the browser -----------------------------------------------------------------------------


def test_landing_page_site_runbooks_diagrams_and_pdfs(
    nginx: Nginx, project: Project, page: tuple[Any, BrowserLog], repo_root: Path
) -> None:
    tab, log = page
    tab.goto(nginx.base)  # /runbooks/ -> index.html -> html/index.html (relative redirect)
    tab.wait_for_url(re.compile(r"/runbooks/html/index\.html$"))
    assert tab.title().startswith("IBCM runbooks")
    tab.screenshot(path=str(artifacts_dir(repo_root) / "landing-page.png"), full_page=True)

    links = tab.eval_on_selector_all("table.site-index a", "els => els.map(e => e.href)")
    assert len(links) == len(project.codes)
    for code in project.codes:
        runbook = next(link for link in links if f"/_generated/{code}/index.html" in link)
        assert runbook.startswith(nginx.base)
        response = tab.goto(runbook)
        assert response is not None and response.status == 200
        assert tab.locator("h1").first.inner_text().startswith(code)

        diagrams = tab.eval_on_selector_all("object.graphviz, img.graphviz", "els => els.map(e => e.data || e.src)")
        assert diagrams, f"{code}: no placement diagram"
        for url in diagrams:
            answer = tab.request.get(url)
            assert answer.status == 200, url
            assert answer.headers["content-type"].startswith("image/svg+xml")

        # The served PDF exists, so the page shows its link (docs/_static/ibcm-reader.js asked the server).
        tab.locator("a.ibcm-pdf-link").wait_for(state="visible", timeout=10_000)
        pdf_links = tab.eval_on_selector_all("a[href$='.pdf']", "els => els.map(e => e.href)")
        # The runbook links its own PDF, where docs/publishing.md says it is.
        assert pdf_links == [urljoin(tab.url, f"../../../pdf/{code}.pdf")]
        for url in pdf_links:
            assert url.startswith(nginx.base), url
            answer = tab.request.get(url)
            assert answer.status == 200, url
            assert answer.headers["content-type"] == "application/pdf"
            assert answer.body().startswith(b"%PDF-")

    assert log.errors == []
    assert log.external == []


def test_search_finds_server_names(nginx: Nginx, project: Project, page: tuple[Any, BrowserLog]) -> None:
    tab, log = page
    for code in project.codes:
        server = next(name for name in project.servers[code] if name.isalnum())
        tab.goto(f"{nginx.base}html/search.html?q={server}")
        results = tab.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=15_000)
        hrefs = results.evaluate_all("els => els.map(e => e.href)")
        assert any(f"/_generated/{code}/index.html" in href for href in hrefs), (server, hrefs)
    assert log.errors == []
    assert log.external == []


# --- publishing under load ----------------------------------------------------------------------


def test_publishing_and_rolling_back_under_load_never_fails_a_request(
    nginx: Nginx, project: Project, dest: Path
) -> None:
    status, _headers, body = get(nginx.port, f"{PREFIX}manifest.json")
    assert status == 200
    before = json.loads(body)["release"]
    paths = [PREFIX, f"{PREFIX}html/index.html", f"{PREFIX}html/search.html", f"{PREFIX}html/searchindex.js"]
    release = (dest / "current").resolve()
    for code in project.codes:
        paths.append(f"{PREFIX}html/_generated/{code}/index.html")
        if project.pdfs:
            paths.append(f"{PREFIX}pdf/{code}.pdf")
    paths += [
        f"{PREFIX}{p.relative_to(release).as_posix()}" for p in sorted((release / "html" / "_images").glob("*.svg"))
    ]

    statuses: Counter[int | str] = Counter()
    done = threading.Event()
    stop_after: list[int] = []

    def load() -> None:
        deadline = time.monotonic() + LOAD_MAX_SECONDS
        count = 0
        connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
        while count < LOAD_MAX_REQUESTS and time.monotonic() < deadline and not (stop_after and count >= stop_after[0]):
            path = paths[count % len(paths)]
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.status != 200:
                    statuses[f"{response.status} {path}"] += 1
            except (OSError, http.client.HTTPException) as exc:
                statuses[f"error {type(exc).__name__} {path}"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
            count += 1
        connection.close()
        done.set()

    def served() -> int:
        return sum(v for k, v in statuses.items() if isinstance(k, int))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    while served() < 100 and not done.is_set():
        time.sleep(0.01)
    started = served()
    second = Path(publish_cli(project, dest)).name  # a second release, published while nginx serves the first
    status, _headers, body = get(nginx.port, f"{PREFIX}manifest.json")
    assert json.loads(body)["release"] == second != before  # nginx follows the switched symlink at once
    publish_cli(project, dest, "--rollback")
    status, _headers, body = get(nginx.port, f"{PREFIX}manifest.json")
    assert json.loads(body)["release"] == before
    assert not done.is_set(), "the request loop ended before the switches: raise LOAD_MAX_REQUESTS"
    during = served() - started
    stop_after.append(served() + 300)
    worker.join(timeout=LOAD_MAX_SECONDS + 15)
    assert done.is_set()

    failures = {k: v for k, v in statuses.items() if not (isinstance(k, int) and k == 200)}
    assert failures == {}, failures
    assert during >= 50  # requests really ran while publishing and rolling back
    print(f"{statuses[200]} requests, {during} of them during the publish and the rollback")
