"""Publishing: versioned releases, atomic switch of ``current``, keep N, rollback, refusals, build stamps."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from generator import __version__
from generator import publish as pub
from generator import sphinx_ext as sphinx_hooks
from generator.cli import main
from generator.errors import BuildError
from generator.output import stamp as build_stamp
from generator.publish import PublishError, list_releases, prune, publish, rollback

EPOCH = 1_790_000_000  # 2026-09-21T14:13:20Z
SITES = ("AAA", "BBB")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "site_inputs"
    folder.mkdir()
    for code in SITES:
        (folder / f"{code.lower()}.yaml").write_text(f"site: {{code: {code}}}\n", encoding="utf-8")
    (folder / "_template.yaml").write_text("ignored\n", encoding="utf-8")
    return folder


def write_build(
    build: Path, inputs: Path, *, pdf: bool = True, status: str = "ok", marker: str = "one", commit: str | None = None
) -> Path:
    """A fake docs/_build as the build leaves it: html/ with its stamp (file hashes) and Sphinx's hidden files, pdf/."""
    html = build / "html"
    files = {
        "index.html": f"<html>landing {marker}</html>",
        "search.html": "<html>search</html>",
        "_static/runbook.css": "body {}",
        **{f"_generated/{code}/index.html": f"<html>{code} {marker}</html>" for code in SITES},
        **{f"_generated/{code}/placement.svg": "<svg/>" for code in SITES},
        ".buildinfo": "hidden",
        ".doctrees/environment.pickle": "hidden",
    }
    for relative, text in files.items():
        (html / relative).parent.mkdir(parents=True, exist_ok=True)
        (html / relative).write_text(text, encoding="utf-8")
    templates = inputs.parent / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "page.md.j2").write_text("{{ site }}\n", encoding="utf-8")

    def stamp_of(folder: Path, builder: str, state: str) -> dict[str, Any]:
        files = build_stamp.output_files(folder) if state == "ok" else None
        return build_stamp.make_stamp(
            state, builder=builder, site_inputs=inputs, source_dir=build, templates=templates, files=files
        )

    stamp = stamp_of(html, "html", status)
    if commit:
        stamp["source_commit"] = commit
    build_stamp.write_stamp(html, stamp)
    if pdf:
        (build / "pdf").mkdir(parents=True, exist_ok=True)
        for code in SITES:
            (build / "pdf" / f"{code}.pdf").write_bytes(f"%PDF-1.5 {code} {marker}".encode())
        build_stamp.write_stamp(build / "pdf", stamp_of(build / "pdf", "pdf", "ok"))
    return build


@pytest.fixture
def build(tmp_path: Path, inputs: Path) -> Path:
    return write_build(tmp_path / "_build", inputs)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "srv" / "runbooks"


def current_name(dest: Path) -> str:
    return (dest / "current").readlink().name


def visible_releases(dest: Path) -> list[str]:
    return sorted(p.name for p in (dest / "releases").iterdir())


# --- publishing ---------------------------------------------------------------------------------


def test_publish_copies_build_into_a_release_and_points_current_at_it(build: Path, dest: Path, inputs: Path) -> None:
    result = publish(build, dest, site_inputs=inputs)

    link = dest / "current"
    assert link.is_symlink()
    assert link.readlink().as_posix() == f"releases/{result.release.name}"  # relative: DEST can move
    assert result.release.name == "20260921T141320Z-nogit-r1"
    assert result.previous is None
    release = link.resolve()
    assert (release / "html" / "index.html").read_text(encoding="utf-8") == "<html>landing one</html>"
    assert (release / "pdf" / "AAA.pdf").read_bytes() == b"%PDF-1.5 AAA one"
    assert 'url=html/index.html"' in (release / "index.html").read_text(encoding="utf-8")
    # Sphinx's hidden files and the build stamp are not published.
    assert not list(release.rglob(".*"))
    assert result.html_files == 7
    assert result.pdf_files == ["pdf/AAA.pdf", "pdf/BBB.pdf"]
    assert result.notes == []
    # Readable by the web server whatever the umask.
    assert release.stat().st_mode & 0o777 == 0o755
    assert (release / "html" / "_static").stat().st_mode & 0o777 == 0o755
    assert (release / "html" / "index.html").stat().st_mode & 0o777 == 0o644


def test_manifest_lists_every_file_with_its_hash_and_the_site_inputs(build: Path, dest: Path, inputs: Path) -> None:
    result = publish(build, dest, site_inputs=inputs)
    release = result.release.path
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))

    on_disk = sorted(p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file())
    listed = [entry["path"] for entry in manifest["files"]]
    assert listed == sorted(listed)
    assert sorted([*listed, "manifest.json"]) == on_disk  # everything but the manifest itself
    for entry in manifest["files"]:
        data = (release / entry["path"]).read_bytes()
        assert entry["sha256"] == sha(data)
        assert entry["size"] == len(data)
    assert manifest["site_inputs"] == {
        "aaa.yaml": {"sha256": sha((inputs / "aaa.yaml").read_bytes())},
        "bbb.yaml": {"sha256": sha((inputs / "bbb.yaml").read_bytes())},
    }  # _template.yaml is not a site input
    assert manifest["generator_version"] == __version__
    assert manifest["source_commit"] is None  # the fake build is not in git
    assert manifest["built_at"] == "2026-09-21T14:13:20Z"
    assert manifest["release"] == result.release.name
    assert manifest["sequence"] == 1
    assert manifest["builds"]["html"]["builder"] == "html"
    assert manifest["builds"]["pdf"]["builder"] == "pdf"


def test_release_is_named_by_build_time_source_revision_and_number(build: Path, dest: Path, inputs: Path) -> None:
    write_build(build, inputs, commit="7ffba1898bae044acc749f216db6db4347fb104b")
    first = publish(build, dest, site_inputs=inputs)
    again = publish(build, dest, site_inputs=inputs)  # same build published twice: a new, distinct release
    assert first.release.name == "20260921T141320Z-7ffba1898bae-r1"
    assert again.release.name == "20260921T141320Z-7ffba1898bae-r2"
    assert json.loads((again.release.path / "manifest.json").read_text())["source_commit"].startswith("7ffba18")


def test_second_publish_switches_current_and_keeps_the_previous_release(build: Path, dest: Path, inputs: Path) -> None:
    first = publish(build, dest, site_inputs=inputs)
    write_build(build, inputs, marker="two")
    second = publish(build, dest, site_inputs=inputs)

    assert second.previous == first.release.name
    assert current_name(dest) == second.release.name
    assert (dest / "current" / "html" / "index.html").read_text() == "<html>landing two</html>"
    assert (first.release.path / "html" / "index.html").read_text() == "<html>landing one</html>"
    assert [r.name for r in list_releases(dest)] == [first.release.name, second.release.name]
    # Only complete releases, the lock and the link: no temporary links or staging folders left.
    assert sorted(p.name for p in dest.iterdir()) == [".publish-state.json", ".publish.lock", "current", "releases"]
    assert visible_releases(dest) == [first.release.name, second.release.name]


def test_keeps_the_last_n_releases(build: Path, dest: Path, inputs: Path) -> None:
    names = [publish(build, dest, site_inputs=inputs, keep=3).release.name for _ in range(5)]
    assert [r.name for r in list_releases(dest)] == names[-3:]
    assert visible_releases(dest) == sorted(names[-3:])
    result = publish(build, dest, site_inputs=inputs, keep=1)
    assert result.pruned == names[-3:-1]  # the newest, and the one a rollback goes to
    assert visible_releases(dest) == sorted([names[-1], result.release.name])


def test_default_keeps_five(build: Path, dest: Path, inputs: Path) -> None:
    for _ in range(7):
        publish(build, dest, site_inputs=inputs)
    assert len(list_releases(dest)) == pub.DEFAULT_KEEP == 5


def test_prune_never_removes_the_current_release(build: Path, dest: Path, inputs: Path) -> None:
    names = [publish(build, dest, site_inputs=inputs).release.name for _ in range(3)]
    rollback(dest)
    rollback(dest)
    assert current_name(dest) == names[0]
    assert prune(dest, keep=1) == [names[1]]  # the newest is kept, and the current (oldest) one
    assert visible_releases(dest) == sorted([names[0], names[2]])


def test_rollback_switches_back_release_by_release(build: Path, dest: Path, inputs: Path) -> None:
    names = []
    for marker in ("one", "two", "three"):
        write_build(build, inputs, marker=marker)
        names.append(publish(build, dest, site_inputs=inputs).release.name)

    undone = rollback(dest)
    assert (undone.previous, undone.current) == (names[2], names[1])
    assert (dest / "current" / "html" / "index.html").read_text() == "<html>landing two</html>"
    assert rollback(dest).current == names[0]
    with pytest.raises(PublishError, match="no release before"):
        rollback(dest)
    assert current_name(dest) == names[0]
    # A publish after a rollback becomes the newest release; rolling back from it returns to the one live before it.
    write_build(build, inputs, marker="four")
    newest = publish(build, dest, site_inputs=inputs)
    assert newest.previous == names[0]
    assert rollback(dest).current == names[0]


def test_rollback_with_nothing_published(dest: Path) -> None:
    dest.mkdir(parents=True)
    with pytest.raises(PublishError, match="nothing is published"):
        rollback(dest)


# --- refusals -----------------------------------------------------------------------------------


def test_refuses_when_there_is_no_build(tmp_path: Path, dest: Path, inputs: Path) -> None:
    with pytest.raises(PublishError, match=r"no HTML build .*make html"):
        publish(tmp_path / "_build", dest, site_inputs=inputs)
    assert not dest.exists()  # refusing touches nothing


def test_refuses_a_build_without_stamp(build: Path, dest: Path, inputs: Path) -> None:
    (build / "html" / build_stamp.STAMP_NAME).unlink()
    with pytest.raises(PublishError, match="has no build stamp"):
        publish(build, dest, site_inputs=inputs)


@pytest.mark.parametrize(
    ("status", "message"),
    [("failed", r"last HTML build .* failed \(boom\); fix it"), ("running", "did not finish"), ("odd", "not valid")],
)
def test_refuses_a_failed_or_unfinished_build(build: Path, dest: Path, inputs: Path, status: str, message: str) -> None:
    stamp = build_stamp.read_stamp(build / "html")
    assert stamp is not None
    build_stamp.write_stamp(build / "html", {**stamp, "status": status, "reason": "boom"})
    with pytest.raises(PublishError, match=message):
        publish(build, dest, site_inputs=inputs)
    assert not dest.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: (d / "aaa.yaml").write_text("site: {code: AAA, name: new}\n"), r"aaa\.yaml changed"),
        (lambda d: (d / "ccc.yaml").write_text("site: {code: CCC}\n"), r"ccc\.yaml added"),
        (lambda d: (d / "bbb.yaml").unlink(), r"bbb\.yaml removed"),
    ],
)
def test_refuses_a_build_older_than_the_site_inputs(
    build: Path, dest: Path, inputs: Path, change: Any, message: str
) -> None:
    change(inputs)
    with pytest.raises(PublishError, match=rf"HTML build is older than the site inputs \({message}.*make html"):
        publish(build, dest, site_inputs=inputs)


def test_site_inputs_default_to_the_folder_the_build_used(build: Path, dest: Path, inputs: Path) -> None:
    assert publish(build, dest).release.manifest["site_inputs"].keys() == {"aaa.yaml", "bbb.yaml"}
    (inputs / "aaa.yaml").write_text("changed\n")
    with pytest.raises(PublishError, match=r"aaa\.yaml changed"):
        publish(build, dest)


def test_refuses_pdfs_not_listed_in_the_pdf_stamp(build: Path, dest: Path, inputs: Path) -> None:
    (build / "pdf" / "BBB.pdf").write_bytes(b"%PDF-1.5 BBB from an older run")  # latexmk failed: an old PDF
    with pytest.raises(PublishError, match=r"PDF build in .* is not what the build left \(changed: BBB\.pdf\)"):
        publish(build, dest, site_inputs=inputs)


def test_refuses_a_missing_site_pdf(build: Path, dest: Path, inputs: Path) -> None:
    (build / "pdf" / "BBB.pdf").unlink()
    with pytest.raises(PublishError, match=r"missing: BBB\.pdf"):
        publish(build, dest, site_inputs=inputs)


def test_refuses_a_failed_pdf_build(build: Path, dest: Path, inputs: Path) -> None:
    stamp = build_stamp.make_stamp("failed", builder="pdf", site_inputs=inputs, source_dir=build, reason="x")
    build_stamp.write_stamp(build / "pdf", stamp)
    with pytest.raises(PublishError, match=r"last PDF build .* failed"):
        publish(build, dest, site_inputs=inputs)


def test_html_only_build_is_published_with_a_note(tmp_path: Path, dest: Path, inputs: Path) -> None:
    build = write_build(tmp_path / "html-only", inputs, pdf=False)
    result = publish(build, dest, site_inputs=inputs)
    assert result.pdf_files == []
    assert result.notes == [f"no PDFs in {build / 'pdf'}: published the HTML only"]
    assert result.release.manifest["builds"]["pdf"] is None
    with pytest.raises(PublishError, match="no PDFs"):
        publish(build, dest, site_inputs=inputs, require_pdf=True)


def test_refuses_when_current_is_not_a_symlink(build: Path, dest: Path, inputs: Path) -> None:
    (dest / "current").mkdir(parents=True)
    with pytest.raises(PublishError, match="not a symlink"):
        publish(build, dest, site_inputs=inputs)
    assert (dest / "current").is_dir()


def test_refuses_while_another_publish_holds_the_lock(build: Path, dest: Path, inputs: Path) -> None:
    dest.mkdir(parents=True)
    with (dest / ".publish.lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="another publish"):
            publish(build, dest, site_inputs=inputs)
    publish(build, dest, site_inputs=inputs)


def test_keep_must_be_positive(build: Path, dest: Path, inputs: Path) -> None:
    with pytest.raises(PublishError, match="at least 1"):
        publish(build, dest, site_inputs=inputs, keep=0)


# --- interruption -------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_interrupted_copy_leaves_the_previous_release_serving(
    build: Path, dest: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    first = publish(build, dest, site_inputs=inputs)
    write_build(build, inputs, marker="two")
    real_copy = pub.copy_file
    seen: list[str] = []

    def failing_copy(source: Path, target: Path, root: Path) -> pub.PublishedFile:
        # While copying, current still serves the complete first release and the new one is not visible.
        assert current_name(dest) == first.release.name
        assert [r.name for r in list_releases(dest)] == [first.release.name]
        if len(seen) == 4:
            raise failure
        seen.append(source.name)
        return real_copy(source, target, root)

    monkeypatch.setattr(pub, "copy_file", failing_copy)
    with pytest.raises(BuildError if isinstance(failure, OSError) else KeyboardInterrupt) as raised:
        publish(build, dest, site_inputs=inputs)
    if isinstance(failure, OSError):
        assert "No space left on device" in str(raised.value)
        assert f"current still serves {first.release.name}" in str(raised.value)
    assert current_name(dest) == first.release.name
    assert (dest / "current" / "html" / "index.html").read_text() == "<html>landing one</html>"
    assert visible_releases(dest) == [first.release.name]  # the partial copy is gone

    monkeypatch.setattr(pub, "copy_file", real_copy)
    assert current_name(dest) == first.release.name
    assert publish(build, dest, site_inputs=inputs).previous == first.release.name


def test_failed_switch_leaves_the_previous_release_serving(
    build: Path, dest: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(build, dest, site_inputs=inputs)

    def failing_switch(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pub, "switch_current", failing_switch)
    with pytest.raises(BuildError, match="while switching current"):
        publish(build, dest, site_inputs=inputs)
    assert current_name(dest) == first.release.name
    assert visible_releases(dest) == [first.release.name]


def test_leftovers_of_a_killed_publish_are_ignored_and_cleaned(build: Path, dest: Path, inputs: Path) -> None:
    first = publish(build, dest, site_inputs=inputs)
    releases = dest / "releases"
    # What a publish killed with SIGKILL can leave: a staging folder, a half-deleted release,
    # a spare symlink, and (killed between rename and switch) a complete release nobody serves.
    (releases / ".incoming-20260921T141320Z-x-abc" / "html").mkdir(parents=True)
    (releases / ".incoming-20260921T141320Z-x-abc" / "html" / "index.html").write_text("half")
    (releases / ".deleting-old" / "html").mkdir(parents=True)
    (dest / ".current-999-beef").symlink_to("releases/.incoming-20260921T141320Z-x-abc")
    (releases / "no-manifest" / "html").mkdir(parents=True)

    assert [r.name for r in list_releases(dest)] == [first.release.name]
    second = publish(build, dest, site_inputs=inputs)
    assert visible_releases(dest) == sorted([first.release.name, second.release.name, "no-manifest"])
    assert not list(dest.glob(".current-*"))
    assert rollback(dest).current == first.release.name  # incomplete folders are never a rollback target


def test_switch_refuses_an_incomplete_release(build: Path, dest: Path, inputs: Path) -> None:
    publish(build, dest, site_inputs=inputs)
    (dest / "releases" / "partial").mkdir()
    with pytest.raises(PublishError, match="incomplete"):
        pub.switch_current(dest, "partial")


# --- build stamp --------------------------------------------------------------------------------


class FakeApp(SimpleNamespace):
    """The attributes of a Sphinx application the stamp hooks read (weak-referenceable, like the real one)."""

    __slots__ = ("__weakref__",)
    __hash__ = object.__hash__


def fake_app(tmp_path: Path, inputs: Path, **state: Any) -> Any:
    return FakeApp(
        outdir=str(tmp_path / "out"),
        confdir=str(inputs.parent),
        config=SimpleNamespace(
            generator_site_inputs=inputs.name, generator_templates="templates", generator_output="_generated"
        ),
        builder=SimpleNamespace(name="html"),
        **{"_warncount": 0, "_fail_on_warnings": False, "statuscode": 0, **state},
    )


def test_build_stamp_marks_running_then_ok(tmp_path: Path, inputs: Path) -> None:
    app = fake_app(tmp_path, inputs)
    sphinx_hooks.mark_running(app)
    assert build_stamp.read_stamp(tmp_path / "out")["status"] == "running"  # type: ignore[index]
    sphinx_hooks.record_result(app, None)
    stamp = build_stamp.read_stamp(tmp_path / "out")
    assert stamp is not None
    assert stamp["status"] == "ok"
    assert stamp["builder"] == "html"
    assert stamp["built_at"] == "2026-09-21T14:13:20Z"  # SOURCE_DATE_EPOCH
    assert stamp["generator_version"] == __version__
    assert stamp["site_inputs"] == {name: sha((inputs / name).read_bytes()) for name in ("aaa.yaml", "bbb.yaml")}
    assert "reason" not in stamp


@pytest.mark.parametrize(
    ("exception", "state", "reason"),
    [
        (RuntimeError("broken"), {}, "RuntimeError: broken"),
        (None, {"_warncount": 2, "_fail_on_warnings": True}, "2 warning(s) treated as errors"),
        (None, {"statuscode": 1}, "build finished with status 1"),
    ],
)
def test_build_stamp_marks_failures(
    tmp_path: Path, inputs: Path, exception: BaseException | None, state: dict[str, Any], reason: str
) -> None:
    sphinx_hooks.record_result(fake_app(tmp_path, inputs, **state), exception)
    stamp = build_stamp.read_stamp(tmp_path / "out")
    assert stamp is not None
    assert (stamp["status"], stamp["reason"]) == ("failed", reason)


def test_warnings_without_w_are_a_success(tmp_path: Path, inputs: Path) -> None:
    sphinx_hooks.record_result(fake_app(tmp_path, inputs, _warncount=3), None)
    assert build_stamp.read_stamp(tmp_path / "out")["status"] == "ok"  # type: ignore[index]


def test_build_stamp_records_the_git_commit(repo_root: Path) -> None:
    commit, _dirty = build_stamp.source_commit(repo_root)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root, capture_output=True, text=True, check=False)
    assert commit == (head.stdout.strip() or None)


def test_build_stamp_time_without_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_stamp.build_time().year >= 2025


# --- command line and make ----------------------------------------------------------------------


def test_cli_publish_and_rollback(build: Path, dest: Path, inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["publish", str(dest), "--build", str(build), "--inputs", str(inputs), "--keep", "2"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(dest / "releases" / current_name(dest))
    assert "published 7 HTML file(s) and 2 PDF(s) as release 20260921T141320Z-nogit-r1 (was: nothing)" in err
    assert main(argv) == 0
    assert main([*argv, "--rollback"]) == 0
    _out, err = capsys.readouterr()
    assert "rolled back" in err
    assert current_name(dest) == "20260921T141320Z-nogit-r1"


def test_cli_refusal_is_one_message_and_exit_1(
    build: Path, dest: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inputs / "aaa.yaml").write_text("changed\n")
    assert main(["publish", str(dest), "--build", str(build), "--inputs", str(inputs)]) == 1
    _out, err = capsys.readouterr()
    assert err.startswith("ibcm-runbook: error: the HTML build is older than the site inputs")
    assert "Traceback" not in err


def test_cli_rejects_keep_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["publish", "/nonexistent", "--keep", "0"])
    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_make_publish_without_dest_is_a_one_line_usage_error(repo_root: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "publish"], cwd=repo_root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "usage: make publish DEST=" in result.stderr


def test_refuses_a_destination_that_is_a_file(build: Path, tmp_path: Path, inputs: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    with pytest.raises(PublishError, match="cannot create"):
        publish(build, tmp_path / "not-a-folder", site_inputs=inputs)


def test_a_failed_prune_is_reported_not_fatal(
    build: Path, dest: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(build, dest, site_inputs=inputs)

    def failing_prune(*_args: object, **_kwargs: object) -> list[str]:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(pub, "prune", failing_prune)
    result = publish(build, dest, site_inputs=inputs, keep=1)
    assert current_name(dest) == result.release.name
    assert result.notes == ["could not remove old releases: [Errno 16] Device or resource busy"]
