"""Which sites are built together: shards (one CI job each) and groups (one Sphinx project each).

Both come from a stable hash of the site code (CRC-32), never from the order or
number of files, so adding a site moves no other site to another shard, and a
group's membership changes only when the number of groups doubles.

* Shard ``K/N``: the sites whose hash is ``K-1`` modulo ``N``.
* Groups: within a shard, about :data:`SITES_PER_GROUP` sites each; the
  number of groups is a power of two, so it changes rarely and each split
  halves a group.  A group is small enough that its Sphinx project needs the
  memory of a few sites' pages, and big enough that the fixed cost of a Sphinx
  run (configuration, theme, static files, search index) stays small next to
  its pages.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

SITES_PER_GROUP = 4
"""Target sites per Sphinx project (the actual number varies with the hash).

Measured with ``benchmarks/group_size.py`` (32 sites, 2 cores): 1 per group
29.8 s wall / 51.2 CPU-s, 4 per group 25.6 s / 42.1 CPU-s, 16 per group
31.0 s / 49.2 CPU-s, all in one project 47.6 s / 47.5 CPU-s and 373 MiB.  A
Sphinx project's cost per page grows with its size; its fixed cost (about a
second) is what keeps one project per site from being best."""

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, order=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def builds_hub(self) -> bool:
        """The first shard also builds the landing page and the tool documentation."""
        return self.index == 1

    def holds(self, code: str) -> bool:
        return site_hash(code) % self.count == self.index - 1


ALL_SITES = Shard(1, 1)


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with ``1 <= K <= N``; ValueError with the reason otherwise (an argparse type)."""
    match = _SHARD.match(text)
    if not match:
        raise ValueError(f"expected K/N such as 2/8, got {text!r}")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: K must be between 1 and N")
    return Shard(index, count)


def site_hash(code: str) -> int:
    """A stable, well-spread number for a site code (the same on every machine and Python)."""
    return zlib.crc32(code.upper().encode("ascii"))


def group_count(sites: int) -> int:
    """The power of two nearest above ``sites / SITES_PER_GROUP`` (at least 1)."""
    count = 1
    while count * SITES_PER_GROUP < sites:
        count *= 2
    return count


def group_sites(codes: Iterable[str], shard: Shard = ALL_SITES) -> dict[str, list[str]]:
    """Group name -> sorted site codes, for the sites of ``shard``; empty groups are left out.

    Names say which of how many groups (``g03-of-32``, with the shard in front
    when there are several: ``s2-of-4-g03-of-32``), so the parts of an earlier
    grouping or another shard are never mistaken for this one's.
    """
    mine = sorted(code for code in codes if shard.holds(code))
    count = group_count(len(mine))
    prefix = f"s{shard.index}-of-{shard.count}-" if shard.count > 1 else ""
    groups: dict[str, list[str]] = {}
    for code in mine:
        index = (site_hash(code) // shard.count) % count
        width = len(str(count - 1))
        groups.setdefault(f"{prefix}g{index:0{width}d}-of-{count}", []).append(code)
    return dict(sorted(groups.items()))
