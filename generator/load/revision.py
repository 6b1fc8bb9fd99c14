"""Read a site input as it was at a git revision: ``ibcm-runbook diff --since REV`` and ``change.baseline``.

The text is ``git show <commit>:<path relative to the repository root>``, run
in the file's folder with a timeout.  Every failure (git missing, the file
outside a repository, an unknown revision, the file not in that revision) is a
:class:`RevisionError` with a one-line message; nothing here raises anything
else.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import GeneratorError

GIT_TIMEOUT = 30.0
"""Seconds one git command may take (read at each call, so tests can lower it): a hung git (a credential
prompt, a lock, a network file system) must not stop a build."""

_REVISION = re.compile(r"^(?!-)[^\s:\x00-\x1f\x7f]+$")
"""A revision git cannot mistake for an option or a ``REV:path``: no leading ``-``, no space, no ``:``."""


class RevisionError(GeneratorError):
    """The text of a file at a git revision could not be read; the message says why, on one line."""


@dataclass(frozen=True)
class RevisionText:
    """The text of one site input at a revision."""

    text: str
    revision: str
    """The revision as given (``v3``, ``main``, a commit)."""
    commit: str
    """The commit it names."""
    path: str
    """The file's path relative to the repository root, as git names it."""

    @property
    def shown(self) -> str:
        """How diagnostics and the diff name it: ``REV:path``."""
        return f"{self.revision}:{self.path}"


def read_revision(path: Path, revision: str, *, timeout: float | None = None) -> RevisionText:
    """The text of ``path`` at ``revision`` of the git repository that holds it; raises :class:`RevisionError`.

    Each git command may take ``timeout`` seconds (default :data:`GIT_TIMEOUT`).
    """
    if not _REVISION.match(revision):
        raise RevisionError(f"{revision!r} is not a git revision (a commit, tag or branch)")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise RevisionError(f"no such folder: {folder}")
    git = _Git(folder, revision, GIT_TIMEOUT if timeout is None else timeout)
    prefix = git.run(["rev-parse", "--show-prefix"], f"{path} is not in a git repository")
    commit = git.run(
        ["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], f"unknown revision {revision!r}"
    ).strip()
    relative = f"{prefix.strip()}{path.name}"
    data = git.run_bytes(["show", f"{commit}:{relative}"], f"{relative} is not in revision {revision!r}", quote=False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RevisionError(f"{relative} at revision {revision!r} is not UTF-8 text") from None
    return RevisionText(text, revision, commit, relative)


class _Git:
    """Runs git in one folder; turns every failure into a :class:`RevisionError`."""

    def __init__(self, folder: Path, revision: str, timeout: float) -> None:
        self.folder = folder
        self.revision = revision
        self.timeout = timeout

    def run(self, args: list[str], failure: str) -> str:
        return self.run_bytes(args, failure).decode("utf-8", errors="replace")

    def run_bytes(self, args: list[str], failure: str, *, quote: bool = True) -> bytes:
        """git's output; on failure ``failure``, with git's first line of complaint when ``quote``."""
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        try:
            done = subprocess.run(
                ["git", "-C", str(self.folder), *args],
                capture_output=True,
                timeout=self.timeout,
                check=False,
                env=env,
            )
        except FileNotFoundError:
            raise RevisionError(f"git is not installed; it is needed to read revision {self.revision!r}") from None
        except subprocess.TimeoutExpired:
            raise RevisionError(f"git did not answer within {self.timeout:g} s (git {' '.join(args)})") from None
        except OSError as exc:
            raise RevisionError(f"cannot run git: {exc.strerror or exc}") from None
        if done.returncode != 0:
            said = _first_line(done.stderr) if quote else ""
            raise RevisionError(f"{failure} (git: {said})" if said else failure)
        return done.stdout


def _first_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[0] if lines else ""
