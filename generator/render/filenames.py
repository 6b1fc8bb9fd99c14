"""Safe output file names derived from user text, unique per site.

A firewall name becomes part of file names (its CSV files and vendor configuration), so it must never overwrite
another output (``dns`` against ``<CODE>-dns.csv``), never meet another name on a case-insensitive file system
(Windows, macOS, a ZIP opened there), never be a Windows device name (``CON``, ``COM1``) and never exceed a file
name's length.  :func:`file_part` makes the part; :class:`FileNames` hands out parts so that every file derived
from one never clashes; :func:`check_unique_paths` is the last guard over all paths of a site.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from generator.errors import GeneratorError
from generator.model.firewall_platforms import FIREWALL_PLATFORMS

MAX_PART = 40
"""The longest part made from user text: with the site code and the longest ending (``-paloalto.pol.yaml``)
a file name stays far below every file system's 255 and Windows' 260-character path in a build folder."""
HASH_LENGTH = 8
"""Hex digits of SHA-256 of the original text: enough that two names of one site never share them."""
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
)
"""Device names Windows refuses as a file name, with any extension and in any case."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
"""Everything but ASCII letters, digits, ``_`` and ``-`` (dots too: trailing dots vanish on Windows)."""


class OutputNameError(GeneratorError):
    """Two outputs of a site would be one file: a bug in naming, refused before anything is written."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def is_reserved(name: str) -> bool:
    """Whether Windows treats ``name`` as a device: its stem before the first dot, case-insensitively."""
    return name.split(".", 1)[0].rstrip(" ").upper() in WINDOWS_RESERVED


def slug(text: str) -> str:
    """``text`` with every run of other characters than ASCII letters, digits, ``_`` and ``-`` turned into ``-``."""
    return _UNSAFE.sub("-", text).strip("-")


def file_part(text: str, *, limit: int = MAX_PART, salt: str = "", hashed: bool = False) -> str:
    """``text`` as a file-name part: the text itself when it is already safe, else a slug with a short hash.

    The hash (of the original text, so stable across runs and platforms) is added when the slug differs from the
    text, is a Windows device name, is longer than ``limit`` or ``hashed`` asks for it (the plain part collided);
    two texts that slug alike therefore keep different parts.  ``salt`` varies the hash for a further collision.
    """
    cleaned = slug(text)
    if cleaned == text and 0 < len(cleaned) <= limit and not is_reserved(cleaned) and not hashed and not salt:
        return cleaned
    digest = _digest(text + salt)
    head = cleaned[: limit - HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}" if head else digest


def platform_endings() -> tuple[str, ...]:
    """Every ending a firewall's files can have after its part, whichever platform it names (now or later)."""
    endings = [".csv", "-rules.csv"]
    for platform in FIREWALL_PLATFORMS.values():
        stem = f"-{platform.name}"
        endings += [f"{stem}{platform.suffix}", f"{stem}.pol.yaml", f"{stem}.def.yaml"]
    return tuple(endings)


class FileNames:
    """Hands out file-name parts for user text so that no two files of one site meet, case-insensitively."""

    def __init__(self, fixed: Iterable[str]) -> None:
        self._taken = {name.lower() for name in fixed}
        self._parts: dict[str, str] = {}

    def part(self, text: str, prefix: str, endings: Iterable[str]) -> str:
        """The part for ``text``: every ``prefix + part + ending`` is free and now taken; the same text gets the same
        part again."""
        if text in self._parts:
            return self._parts[text]
        endings = tuple(endings)
        candidates = [file_part(text), file_part(text, hashed=True)]
        candidates += (file_part(text, salt=f"#{n}") for n in range(2, 1000))
        for part in candidates:
            names = {f"{prefix}{part}{ending}".lower() for ending in endings}
            if len(names) == len(endings) and not names & self._taken:
                self._taken |= names
                self._parts[text] = part
                return part
        raise OutputNameError(f"no free file name for {text!r}")  # pragma: no cover - 1,000 hashes all taken


def check_unique_paths(paths: Iterable[str], *, site: str) -> None:
    """Refuse a set of output paths of which two are one file on a case-insensitive file system, or one is a
    Windows device name or too long: what no naming may produce, caught before anything is written."""
    seen: dict[str, str] = {}
    for path in paths:
        key = path.lower()
        if key in seen:
            raise OutputNameError(f"{site}: two outputs would be one file: {seen[key]!r} and {path!r}")
        seen[key] = path
        for segment in path.split("/"):
            if is_reserved(segment) or len(segment.encode("utf-8")) > 255:
                raise OutputNameError(f"{site}: output file name {path!r} is not valid on every file system")


def firewall_parts(site_code: str, firewalls: Iterable[str], fixed: Iterable[str]) -> Mapping[str, str]:
    """The file-name part of each firewall, in order: its CSV files and configurations never clash with ``fixed``
    (the site's other files) nor with each other's."""
    names = FileNames(fixed)
    endings = platform_endings()
    return {fw: names.part(fw, f"{site_code}-", endings) for fw in firewalls}
