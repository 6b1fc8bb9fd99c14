"""Nothing broken ever ships: a killed build, a tampered build, a killed publish, a killed PDF build (issue 15).

Each test reproduces one defect the issue found, with real files: real Sphinx
builds of a copy of the project, a real latexmk run, real publish folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import require_tool
from sphinx_project import SphinxProject

from generator.cli import main
from generator.output import stamp as build_stamp
from generator.output.writer import copy_atomic
from generator.publish import (
    RELEASES,
    STATE,
    PublishError,
    list_releases,
    publish,
    read_state,
    rollback,
)
from generator.sphinx_ext import pdf as pdf_step

# --- a real HTML build, killed, rebuilt, tampered with --------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> SphinxProject:
    """The project copied and built once with `ibcm-runbook build html` (what `make html` runs)."""
    require_tool("dot")
    built = SphinxProject.copy(tmp_path_factory.mktemp("integrity"))
    run = built.build(via_cli=True)
    assert run.returncode == 0, run.stderr
    return built


@pytest.fixture
def build(project: SphinxProject, tmp_path: Path) -> Path:
    """A private copy of the project's good build (``docs/_build``), to damage."""
    target = tmp_path / "_build"
    shutil.copytree(project.html, target / "html", symlinks=True)
    return target


def a_runbook_page(html: Path) -> Path:
    return min((html / "_generated").glob("*/index.html"))


@pytest.mark.slow
def test_good_build_stamp_lists_every_output_file_and_the_templates(project: SphinxProject) -> None:
    stamp = build_stamp.read_stamp(project.html)
    assert stamp is not None
    assert stamp["status"] == "ok"
    assert stamp["files"] == build_stamp.output_files(project.html)
    assert "index.html" in stamp["files"]
    assert not any(name.startswith(".") or "/." in name for name in stamp["files"])
    assert stamp["templates"] == build_stamp.hash_templates(project.root / "templates")
    assert stamp["templates"]


@pytest.mark.slow
def test_a_killed_build_is_rebuilt_whole_before_it_is_stamped_ok(project: SphinxProject) -> None:
    html = project.html
    page = a_runbook_page(html)
    good_page = page.read_bytes()
    diagram = min((html / "_images").glob("graphviz-*.svg"))
    good_diagram = diagram.read_bytes()
    stamp = build_stamp.read_stamp(html)
    assert stamp is not None
    # What `make html` killed while Sphinx writes leaves: a running stamp, a truncated page, a 0-byte diagram.
    build_stamp.write_stamp(html, {**stamp, "status": "running"})
    page.write_bytes(good_page[: len(good_page) // 3])
    diagram.write_bytes(b"")
    old = time.time() + 60  # newer than every source: Sphinx alone would call them up to date
    os.utime(page, (old, old))
    os.utime(diagram, (old, old))
    assert build_stamp.needs_full_rebuild(html)

    run = project.build(via_cli=True)

    assert run.returncode == 0, run.stderr
    assert page.read_bytes() == good_page
    assert diagram.read_bytes() == good_diagram
    after = build_stamp.read_stamp(html)
    assert after is not None
    assert after["status"] == "ok"
    assert after["files"] == build_stamp.output_files(html)
    assert not build_stamp.needs_full_rebuild(html)


@pytest.mark.slow
def test_plain_sphinx_build_also_rebuilds_after_a_failed_build(project: SphinxProject) -> None:
    html = project.html
    # A one-project build first: its pages list every runbook in the sidebar, unlike the split build's.
    assert project.build().returncode == 0
    page = a_runbook_page(html)
    good_page = page.read_bytes()
    stamp = build_stamp.read_stamp(html)
    assert stamp is not None
    build_stamp.write_stamp(html, {**stamp, "status": "failed", "reason": "OSError: No space left on device"})
    page.write_bytes(b"<html>")
    os.utime(page, (time.time() + 60, time.time() + 60))

    run = project.build()  # sphinx-build itself, through the extension only

    assert run.returncode == 0, run.stderr
    assert page.read_bytes() == good_page
    assert build_stamp.read_stamp(html)["status"] == "ok"  # type: ignore[index]


@pytest.mark.slow
def test_the_real_build_publishes(project: SphinxProject, build: Path, tmp_path: Path) -> None:
    result = publish(build, tmp_path / "dest", site_inputs=project.root / "site_inputs")
    assert result.html_files == len(build_stamp.read_stamp(build / "html")["files"])  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda html: a_runbook_page(html).write_text(
                a_runbook_page(html).read_text().replace("</body>", "<script>steal()</script></body>")
            ),
            r"changed: _generated/\w+/index\.html",
        ),
        (lambda html: a_runbook_page(html).unlink(), r"missing: _generated/\w+/index\.html"),
        (lambda html: (html / "_static" / "extra.js").write_text("steal()"), r"not built: _static/extra\.js"),
    ],
    ids=["injected-script", "deleted-page", "extra-file"],
)
def test_publish_refuses_a_build_changed_after_it_was_made(
    project: SphinxProject, build: Path, tmp_path: Path, damage: object, message: str
) -> None:
    damage(build / "html")  # type: ignore[operator]
    dest = tmp_path / "dest"
    with pytest.raises(PublishError, match=rf"HTML build in .* is not what the build left \({message}\)"):
        publish(build, dest, site_inputs=project.root / "site_inputs")
    assert not dest.exists()


@pytest.mark.slow
def test_publish_refuses_a_symlink_in_the_build(
    project: SphinxProject, build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "root-only.key"
    secret.write_text("secret")
    secret.chmod(0o600)
    page = a_runbook_page(build / "html")
    page.unlink()
    page.symlink_to(secret)  # same name as a built page: only the link itself gives it away
    dest = tmp_path / "dest"
    argv = ["publish", str(dest), "--build", str(build), "--inputs", str(project.root / "site_inputs")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        f"ibcm-runbook: error: {page} is a symbolic link: only regular files are published; remove it"
    )
    assert not dest.exists()


@pytest.mark.slow
def test_publish_refuses_a_linked_folder_and_a_special_file(
    project: SphinxProject, build: Path, tmp_path: Path
) -> None:
    (build / "html" / "etc").symlink_to("/etc")
    with pytest.raises(PublishError, match=r"html/etc is a symbolic link"):
        publish(build, tmp_path / "dest", site_inputs=project.root / "site_inputs")
    (build / "html" / "etc").unlink()
    os.mkfifo(build / "html" / "pipe")
    with pytest.raises(PublishError, match=r"html/pipe is not a regular file"):
        publish(build, tmp_path / "dest", site_inputs=project.root / "site_inputs")


# --- PDFs ---------------------------------------------------------------------------------------


def fake_pdf_build(build: Path) -> Path:
    """``pdf/`` as the PDF step leaves it: one PDF per site, copied atomically, and its stamp with their hashes."""
    pdf = build / "pdf"
    source = build / "latex-out"
    source.mkdir()
    html_stamp = build_stamp.read_stamp(build / "html")
    assert html_stamp is not None
    for code in sorted(p.name for p in (build / "html" / "_generated").iterdir() if p.is_dir()):
        (source / f"{code}.pdf").write_bytes(b"%PDF-1.5\n" + code.encode() * 5000 + b"\n%%EOF\n")
        copy_atomic(source / f"{code}.pdf", pdf / f"{code}.pdf")
    files = build_stamp.output_files(pdf)
    build_stamp.write_stamp(pdf, {**html_stamp, "builder": "pdf", "files": files})
    return pdf


@pytest.mark.slow
def test_publish_require_pdf_refuses_a_truncated_pdf(project: SphinxProject, build: Path, tmp_path: Path) -> None:
    pdf = fake_pdf_build(build)
    publish(build, tmp_path / "ok", site_inputs=project.root / "site_inputs", require_pdf=True)
    victim = min(pdf.glob("*.pdf"))
    victim.write_bytes(victim.read_bytes()[:1000])  # a copy killed half-way, as the old PDF step left it
    with pytest.raises(PublishError, match=rf"PDF build in .* is not what the build left \(changed: {victim.name}\)"):
        publish(build, tmp_path / "dest", site_inputs=project.root / "site_inputs", require_pdf=True)


def test_atomic_copy_leaves_no_truncated_target(tmp_path: Path) -> None:
    source = tmp_path / "big.pdf"
    source.write_bytes(b"x" * (3 << 20))
    target = tmp_path / "pdf" / "big.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old whole file")
    with pytest.raises(IsADirectoryError):
        copy_atomic(tmp_path, target)  # fails after its temporary file was made: the old file stays whole
    assert target.read_bytes() == b"old whole file"
    copy_atomic(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.pdf"]
    assert target.stat().st_mode & 0o777 == 0o644


TINY_TEX = r"""\documentclass{article}
\begin{document}
\tableofcontents
\section{Scope}
Runbook.
\end{document}
"""
HALF_WRITTEN_AUX = r"""\relax
\@writefile{toc}{\contentsline {section}{\numberline {1}Scop"""


def test_clean_intermediates_removes_what_latexmk_left_and_keeps_the_source(tmp_path: Path) -> None:
    for name in ("CEN.tex", "CEN.aux", "CEN.toc", "CEN.out", "CEN.fdb_latexmk", "CEN.pdf", "TSP.aux", "sphinx.sty"):
        (tmp_path / name).write_text("x")
    removed = pdf_step.clean_intermediates(tmp_path, "CEN")
    assert sorted(removed) == ["CEN.aux", "CEN.fdb_latexmk", "CEN.out", "CEN.pdf", "CEN.toc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CEN.tex", "TSP.aux", "sphinx.sty"]


@pytest.fixture
def tiny_latex(tmp_path: Path) -> Path:
    require_tool("latexmk")
    folder = tmp_path / "latex"
    folder.mkdir()
    (folder / "CEN.tex").write_text(TINY_TEX)
    return folder


@pytest.mark.slow
def test_a_half_written_aux_from_a_killed_pdf_build_does_not_break_the_next(tiny_latex: Path) -> None:
    env = pdf_step.latex_environment()
    (tiny_latex / "CEN.aux").write_text(HALF_WRITTEN_AUX)
    with pytest.raises(pdf_step.PdfError, match="PDF of site CEN: latexmk failed"):
        pdf_step.run_latexmk(tiny_latex, "CEN", env)  # the defect: every later run fails on it

    # Killed mid-run (the marker is left): the next build removes the site's intermediates first.
    (tiny_latex / "CEN.aux").write_text(HALF_WRITTEN_AUX)
    (tiny_latex / f"CEN{pdf_step.RUNNING_SUFFIX}").touch()
    pdf = pdf_step.compile_site(tiny_latex, "CEN", env, pdf_step.run_latexmk)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not (tiny_latex / f"CEN{pdf_step.RUNNING_SUFFIX}").exists()

    # Without the marker (left by an older version): one retry from clean intermediates.
    (tiny_latex / "CEN.aux").write_text(HALF_WRITTEN_AUX)
    (tiny_latex / "CEN.tex").touch()
    assert pdf_step.compile_site(tiny_latex, "CEN", env, pdf_step.run_latexmk).read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_latexmk_runs_under_a_time_limit_naming_the_site(tiny_latex: Path) -> None:
    (tiny_latex / "HNG.tex").write_text("\\documentclass{article}\\begin{document}\\def\\x{\\x}\\x\\end{document}\n")
    started = time.monotonic()
    with pytest.raises(pdf_step.LatexmkTimeout, match=r"PDF of site HNG: latexmk did not finish within 2 s"):
        pdf_step.run_latexmk(tiny_latex, "HNG", pdf_step.latex_environment(), timeout=2)
    assert time.monotonic() - started < 20
    # The whole process group was killed: no TeX process is left working in the folder.
    leftover = subprocess.run(["pgrep", "-f", "HNG.tex"], capture_output=True, text=True, check=False)
    assert leftover.stdout.strip() == ""


# --- publishing interrupted ---------------------------------------------------------------------


def fake_build(root: Path, marker: str) -> tuple[Path, Path]:
    """A small build as the build leaves it (stamp with file hashes), and its site inputs."""
    inputs = root / "site_inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    (inputs / "cen.yaml").write_text("site: {code: CEN}\n")
    templates = root / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "page.md.j2").write_text("{{ site }}\n")
    html = root / "_build" / "html"
    (html / "_generated" / "CEN").mkdir(parents=True, exist_ok=True)
    (html / "index.html").write_text(f"<html>{marker}</html>")
    (html / "_generated" / "CEN" / "index.html").write_text(f"<html>CEN {marker}</html>")
    stamp = build_stamp.make_stamp(
        "ok",
        builder="html",
        site_inputs=inputs,
        source_dir=root,
        templates=templates,
        files=build_stamp.output_files(html),
    )
    build_stamp.write_stamp(html, stamp)
    return root / "_build", inputs


def serving(dest: Path) -> str:
    return (dest / "current" / "html" / "index.html").read_text()


def test_a_publish_killed_between_rename_and_switch_is_never_served_or_rolled_back_to(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    build, inputs = fake_build(tmp_path, "A")
    first = publish(build, dest, site_inputs=inputs).release.name
    build, inputs = fake_build(tmp_path, "B")
    live = publish(build, dest, site_inputs=inputs).release.name
    # What SIGKILL between the rename and the switch leaves: a complete release nobody served, pending in the state.
    state = read_state(dest)
    assert state is not None
    killed = f"20260101T000000Z-nogit-r{state.sequence + 1}"
    shutil.copytree(dest / RELEASES / live, dest / RELEASES / killed)
    manifest = json.loads((dest / RELEASES / killed / "manifest.json").read_text())
    (dest / RELEASES / killed / "manifest.json").write_text(json.dumps({**manifest, "sequence": state.sequence + 1}))
    (dest / STATE).write_text(
        json.dumps({"format": 1, "sequence": state.sequence + 1, "history": state.history, "pending": killed})
    )
    assert serving(dest) == "<html>B</html>"

    build, inputs = fake_build(tmp_path, "C")
    newest = publish(build, dest, site_inputs=inputs, keep=1)

    assert newest.previous == live
    assert newest.release.name.endswith(f"-r{state.sequence + 2}")  # the killed one's number is not reused
    assert not (dest / RELEASES / killed).exists()
    assert newest.pruned == [first]  # never the live release nor the one rollback goes to
    assert [r.name for r in list_releases(dest)] == [live, newest.release.name]
    undone = rollback(dest)
    assert (undone.previous, undone.current) == (newest.release.name, live)
    assert serving(dest) == "<html>B</html>"


def test_a_publish_killed_after_its_switch_counts_as_served(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    build, inputs = fake_build(tmp_path, "A")
    first = publish(build, dest, site_inputs=inputs).release.name
    build, inputs = fake_build(tmp_path, "B")
    second = publish(build, dest, site_inputs=inputs).release.name
    # Killed after the switch, before the state recorded it: the state still says B is pending.
    state = read_state(dest)
    assert state is not None
    (dest / STATE).write_text(
        json.dumps({"format": 1, "sequence": state.sequence, "history": [first], "pending": second})
    )
    assert rollback(dest).current == first
    assert serving(dest) == "<html>A</html>"


def test_a_rollback_killed_after_its_switch_is_finished_by_the_next_run(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    names = []
    for marker in "ABC":
        build, inputs = fake_build(tmp_path, marker)
        names.append(publish(build, dest, site_inputs=inputs).release.name)
    (dest / "current").unlink()
    (dest / "current").symlink_to(f"{RELEASES}/{names[1]}")  # the switch happened; the state still lists C
    assert rollback(dest).current == names[0]


def test_release_names_are_never_reused_after_pruning(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    build, inputs = fake_build(tmp_path, "A")
    names = [publish(build, dest, site_inputs=inputs, keep=1).release.name for _ in range(4)]
    assert len(set(names)) == 4
    assert [r.name for r in list_releases(dest)] == names[-2:]
    # Even without the state file (deleted by hand), the numbers go on from the releases left.
    (dest / STATE).unlink()
    again = publish(build, dest, site_inputs=inputs, keep=1).release.name
    assert again not in names
    assert again.endswith("-r5")


def test_the_publish_cli_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "dest"
    build, inputs = fake_build(tmp_path, "A")
    argv = ["publish", str(dest), "--build", str(build), "--inputs", str(inputs)]
    assert main(argv) == 0
    (build / "html" / "index.html").write_text("<html><script>x()</script></html>")
    assert main(argv) == 1  # a refused build
    assert "is not what the build left (changed: index.html)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["publish"])
    assert usage.value.code == 2


def test_one_failed_site_keeps_the_other_pdfs_and_stamps_the_step_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx's LaTeX run and TeX are stood in for (real ones: test_pdf.py); this checks what the PDF step keeps."""
    from generator.sphinx_ext.runner import SphinxRun

    codes = ["AAA", "BBB", "CCC"]

    def latex_run(_docs: Path, output: Path, _options: list[str], _jobs: int | None) -> SphinxRun:
        output.mkdir(parents=True)
        build_stamp.write_stamp(output, {"status": "ok", "builder": "latex", "site_inputs": {}, "files": {"x": "y"}})
        return SphinxRun(warnings=[], site_codes=codes)

    def tex(latex_dir: Path, code: str, _env: dict[str, str]) -> Path:
        if code == "BBB":
            raise pdf_step.LatexmkTimeout("PDF of site BBB: latexmk did not finish within 1 s and was stopped")
        (latex_dir / f"{code}.pdf").write_bytes(f"%PDF {code}".encode())
        return latex_dir / f"{code}.pdf"

    monkeypatch.setattr(pdf_step, "latex_sources", latex_run)
    monkeypatch.setattr(pdf_step, "site_codes", lambda _latex_dir: codes)
    with pytest.raises(pdf_step.PdfError, match=r"failed \(BBB\); built the others: AAA\.pdf, CCC\.pdf\n.*site BBB"):
        pdf_step.build_pdfs(tmp_path / "docs", tmp_path, latexmk=tex)
    assert sorted(p.name for p in (tmp_path / "pdf").glob("*.pdf")) == ["AAA.pdf", "CCC.pdf"]
    stamp = build_stamp.read_stamp(tmp_path / "pdf")
    assert stamp is not None
    assert (stamp["status"], stamp["reason"], "files" in stamp) == ("failed", "no PDF for site(s) BBB", False)
    assert (tmp_path / "latex" / f"BBB{pdf_step.RUNNING_SUFFIX}").exists()  # the next run cleans BBB first


def test_make_pdf_runs_latexmk_only_for_changed_sites_and_rebuilds_a_tampered_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx's LaTeX run and TeX are stood in for: what is compiled again, and what is trusted."""
    from generator.sphinx_ext.runner import SphinxRun

    codes = ["AAA", "BBB", "CCC"]
    latex = tmp_path / "latex"

    def latex_run(_docs: Path, output: Path, _options: list[str], _jobs: int | None) -> SphinxRun:
        output.mkdir(parents=True, exist_ok=True)
        for code in codes:
            if not (output / f"{code}.tex").exists():
                (output / f"{code}.tex").write_text(f"\\documentclass{{article}} {code}", encoding="utf-8")
        build_stamp.write_stamp(output, {"status": "ok", "builder": "latex", "site_inputs": {}})
        return SphinxRun(warnings=[], site_codes=codes)

    compiled: list[str] = []

    def tex(latex_dir: Path, code: str, _env: dict[str, str]) -> Path:
        compiled.append(code)
        source = (latex_dir / f"{code}.tex").read_bytes()
        (latex_dir / f"{code}.pdf").write_bytes(b"%PDF " + source)
        return latex_dir / f"{code}.pdf"

    monkeypatch.setattr(pdf_step, "latex_sources", latex_run)
    monkeypatch.setattr(pdf_step, "site_codes", lambda _latex_dir: codes)

    def run() -> list[str]:
        compiled.clear()
        pdf_step.build_pdfs(tmp_path / "docs", tmp_path, latexmk=tex)
        return sorted(compiled)

    assert run() == codes
    assert run() == []  # nothing changed: no latexmk at all
    (latex / "BBB.tex").write_text("\\documentclass{article} BBB, changed", encoding="utf-8")
    assert run() == ["BBB"]
    (tmp_path / "pdf" / "CCC.pdf").write_bytes(b"%PDF not what was built")
    (tmp_path / "pdf" / "evil.html").write_text("<script></script>", encoding="utf-8")
    assert run() == ["CCC"]  # a PDF that differs from the stamp is built again, never stamped as it is
    assert not (tmp_path / "pdf" / "evil.html").exists()
    stamp = build_stamp.read_stamp(tmp_path / "pdf")
    assert stamp is not None and stamp["status"] == "ok"
    assert stamp["files"] == build_stamp.output_files(tmp_path / "pdf")
    assert (tmp_path / "pdf" / "BBB.pdf").read_bytes().endswith(b"changed")
