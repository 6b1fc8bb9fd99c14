"""write-if-changed and pruning keep Sphinx's incremental builds incremental."""

from __future__ import annotations

import os
from pathlib import Path

from generator.output.writer import sync_tree, write_if_changed


def test_unchanged_content_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    assert write_if_changed(path, b"x")
    os.utime(path, ns=(1, 1))
    assert not write_if_changed(path, b"x")
    assert path.stat().st_mtime_ns == 1
    assert write_if_changed(path, b"y")
    assert path.read_bytes() == b"y"


def test_sync_tree_prunes_stale_files_and_empty_folders(tmp_path: Path) -> None:
    sync_tree(tmp_path, {"A/index.md": "a", "B/index.md": "b", "site-index.md": "i"})
    report = sync_tree(tmp_path, {"A/index.md": "a", "site-index.md": "i2"})
    assert report.written == ["site-index.md"]
    assert report.unchanged == ["A/index.md"]
    assert report.removed == ["B/index.md"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        ".ibcm-generated",
        "A",
        "A/index.md",
        "site-index.md",
    ]


def test_sync_tree_never_removes_a_file_it_did_not_write(tmp_path: Path) -> None:
    """An output folder pointed at the wrong place (``generate -o .``) loses nothing."""
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "keep.md").write_text("mine too")
    sync_tree(tmp_path, {"A/index.md": "a"})
    report = sync_tree(tmp_path, {"B/index.md": "b"})
    assert report.removed == ["A/index.md"]
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "A" / "keep.md").read_text() == "mine too"


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    sync_tree(tmp_path, {"x/y.md": "1"})
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["y.md"]
