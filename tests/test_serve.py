"""The live preview (``ibcm-runbook serve``, ``make serve``): rebuilt on changes, diagnostics on the page.

The slow test runs the real preview server (sphinx-autobuild, the ``serve``
extra that ``make test`` installs) on a free loopback port, on a copy of the
project, and follows one editing session: the runbook, a broken input, its
diagnostics on the page and in the terminal, the fixed input, a changed
template.  The fast tests check the pieces without a server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require_tool
from sphinx_project import SphinxProject

from generator.cli import main
from generator.diagnostics import Severity, SourceLocation
from generator.load.codes import MISSING_KEY
from generator.sphinx_ext import CONFIG_VALUES
from generator.sphinx_ext.serve import BANNER_CLASS, PREVIEW_CONFIG, PreviewServer, diagnostics_html

ROOT = Path(__file__).resolve().parent.parent
CEN_INPUT = "contoso-perimeter-forest.yaml"
CEN_PAGE = "_generated/CEN/index.html"
TIMEOUT = 300.0
"""Seconds to wait for the first build and for each rebuild (a whole Sphinx build of the project)."""


# --- without a server ---------------------------------------------------------------------------


def test_preview_is_off_unless_asked_for() -> None:
    assert CONFIG_VALUES[PREVIEW_CONFIG][0] is False


def test_server_listens_on_loopback_and_watches_inputs_and_templates(tmp_path: Path) -> None:
    project = SphinxProject.copy(tmp_path)
    docs = project.root / "docs"
    server = PreviewServer(docs)
    args = server.arguments()
    assert args[:2] == [str(docs), str(docs / "_build" / "preview")]
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8000"
    watched = [args[i + 1] for i, arg in enumerate(args) if arg == "--watch"]
    assert watched == [str(project.root / "site_inputs"), str(project.root / "templates")]
    ignored = [args[i + 1] for i, arg in enumerate(args) if arg == "--ignore"]
    assert str(project.generated) in ignored  # the build writes there: watching it would rebuild for ever
    assert str(docs / "_build") in ignored
    assert args[-2:] == ["-D", f"{PREVIEW_CONFIG}=1"]


def test_diagnostics_box_lists_errors_escaped() -> None:
    location = SourceLocation("site_inputs/<x>.yaml", 2, 7)
    error = MISSING_KEY.at(location, "site: missing required key 'code' <script>")
    warning = error.__class__(location, Severity.WARNING, "just a warning", "some-warning")
    box = diagnostics_html([error, warning])
    assert f'class="admonition error {BANNER_CLASS}"' in box
    assert "1 error(s) in the site inputs" in box
    assert "site_inputs/&lt;x&gt;.yaml:2:7: error: site: missing required key &#x27;code&#x27; &lt;script&gt;" in box
    assert "<script>" not in box
    assert "just a warning" not in box


def test_serve_without_sphinx_autobuild_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sphinx_autobuild.__main__", None)  # import fails
    assert main(["serve", "--docs", str(ROOT / "docs")]) == 1
    assert capsys.readouterr().err == (
        "ibcm-runbook: error: the live preview needs sphinx-autobuild: "
        "run `make serve`, or `.venv/bin/pip install -e '.[serve]'`\n"
    )


# --- the real server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    """The page at ``url``, or None while the server is not answering (or not yet serving it)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, done: Callable[[str], bool], what: str, server: subprocess.Popen[bytes], log: Path) -> str:
    """Fetch ``url`` until ``done(page)``, for at most :data:`TIMEOUT` seconds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"the preview server stopped (exit {server.returncode}) while waiting for {what}:\n{log.read_text()}"
            )
        page = fetch(url)
        if page is not None and done(page):
            return page
        time.sleep(0.5)
    pytest.fail(f"timed out after {TIMEOUT:.0f} s waiting for {what}; server output:\n{log.read_text()[-5000:]}")


def wait_until(done: Callable[[], bool], what: str, server: subprocess.Popen[bytes], log: Path) -> bool:
    """Wait until ``done()``, for at most :data:`TIMEOUT` seconds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if done():
            return True
        if server.poll() is not None:
            pytest.fail(f"the preview server stopped (exit {server.returncode}) while waiting for {what}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {TIMEOUT:.0f} s waiting for {what}; server output:\n{log.read_text()[-5000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ctrl+C to the server's process group (it and the builds it started), then kill what is left."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.mark.slow
def test_live_preview_rebuilds_shows_diagnostics_and_recovers(tmp_path: Path) -> None:
    require_tool("dot")
    try:
        import sphinx_autobuild  # noqa: F401
    except ImportError:
        pytest.fail("sphinx-autobuild is not installed; run the tests with `make test`, which installs the serve extra")
    project = SphinxProject.copy(tmp_path / "project")
    site = project.root / "site_inputs" / CEN_INPUT
    template = project.root / "templates" / "pages" / "runbook.md.j2"
    original = site.read_text(encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}/{CEN_PAGE}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--docs", "docs", "--port", str(port)],
            cwd=project.root,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
            start_new_session=True,  # its own process group, so that stop() ends it and its builds
        )
    try:
        page = wait_for(url, lambda p: "Contoso Central" in p, "the first build", server, log)
        assert BANNER_CLASS not in page
        assert "/websocket-reload" in page  # sphinx-autobuild's script that reloads the browser
        assert f"Serving on http://127.0.0.1:{port}" in log.read_text()

        # An invalid input: the server stays up; the page and the terminal list the diagnostics.
        site.write_text(original.replace("zone: perimeter", "zone: dmz", 1), encoding="utf-8")
        page = wait_for(url, lambda p: BANNER_CLASS in p, "the diagnostics on the page", server, log)
        assert "servers[2].zone: must be &#x27;intranet&#x27; or &#x27;perimeter&#x27; (got &#x27;dmz&#x27;)" in page
        assert f"site_inputs/{CEN_INPUT}:" in page
        assert "Contoso Central" in page  # below the box: the last valid runbook
        terminal = log.read_text()
        assert "error(s) in the site inputs" in terminal
        assert "servers[2].zone: must be 'intranet' or 'perimeter' (got 'dmz') [invalid-value]" in terminal
        # A preview of invalid inputs is never published: its stamp says failed (written once the build ends).
        stamp = project.root / "docs" / "_build" / "preview" / ".ibcm-build.json"
        assert wait_until(lambda: json.loads(stamp.read_text())["status"] == "failed", "the failed stamp", server, log)

        # Fixed: the runbook again, without the box.
        site.write_text(original, encoding="utf-8")
        page = wait_for(url, lambda p: BANNER_CLASS not in p, "the runbook after the fix", server, log)
        assert "Contoso Central" in page

        # Templates are watched too.
        template.write_text(template.read_text(encoding="utf-8") + "\nPreview marker 7d1f.\n", encoding="utf-8")
        wait_for(url, lambda p: "Preview marker 7d1f." in p, "the changed template", server, log)
    finally:
        stop(server)
    assert server.returncode is not None
    assert "Traceback" not in log.read_text()
