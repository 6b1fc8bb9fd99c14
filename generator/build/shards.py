"""Sharded builds for CI: each job builds ``--shard K/N``, one last job assembles them all into one tree.

A shard's output folder holds its parts (:mod:`generator.build.parts`) and a
:data:`SHARD_FILE` saying which shard it is, which sites it built and the
hashes of their inputs.  :func:`assemble_shards` refuses an incomplete or
inconsistent set (a shard missing or given twice, different ``N``, a site
built by none or two, a part whose build did not end ``ok``), then assembles
the tree and writes one build stamp over all of it: the manifest ``publish``
verifies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.assemble import AssemblyReport, assemble, claim_folder
from generator.build.context import CONTEXT_NAME
from generator.build.groups import Shard, parse_shard
from generator.build.parts import HUB
from generator.errors import BuildError
from generator.output import stamp
from generator.output.writer import write_if_changed
from generator.pipeline import Project

SHARD_FILE = "shard.json"


def write_shard_file(
    folder: Path, shard: Shard, codes: Sequence[str], inputs: Mapping[str, str], all_sites: Sequence[str]
) -> None:
    """Record what shard ``folder`` holds: its site codes, their inputs (file name -> SHA-256), every site code."""
    data = {
        "shard": str(shard),
        "sites": sorted(codes),
        "site_inputs": dict(sorted(inputs.items())),
        "all_sites": sorted(all_sites),
    }
    write_if_changed(folder / SHARD_FILE, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class ShardOutput:
    folder: Path
    shard: Shard
    sites: list[str]
    site_inputs: dict[str, str]
    all_sites: list[str]
    groups: list[Path]


def read_shard(folder: Path) -> ShardOutput:
    try:
        data: dict[str, Any] = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
        shard = parse_shard(data["shard"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(f"{folder} is not the output of ibcm-runbook build html --shard K/N: {exc}") from None
    groups = sorted(p for p in folder.iterdir() if p.is_dir() and p.name != HUB and (p / CONTEXT_NAME).is_file())
    return ShardOutput(folder, shard, list(data["sites"]), dict(data["site_inputs"]), list(data["all_sites"]), groups)


def _check_ok(part: Path) -> None:
    built = stamp.read_stamp(part / "html")
    if built is None or built.get("status") != stamp.STATUS_OK:
        status = "no build" if built is None else built.get("status")
        raise BuildError(f"{part}: its build did not end ok ({status}); build that shard again")


def check_shards(shards: Sequence[ShardOutput]) -> None:
    """Every shard of one ``N`` exactly once, and together they hold every site once."""
    if not shards:
        raise BuildError("no shard folders given")
    counts = {s.shard.count for s in shards}
    if len(counts) != 1:
        raise BuildError(f"the shards come from different shard counts: {sorted(counts)}")
    (count,) = counts
    seen = sorted(s.shard.index for s in shards)
    if seen != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(seen))
        twice = sorted({i for i in seen if seen.count(i) > 1})
        raise BuildError(f"shards of {count}: missing {missing or 'none'}, given twice {twice or 'none'}")
    everyone = {tuple(s.all_sites) for s in shards}
    if len(everyone) != 1:
        raise BuildError("the shards were built from different site inputs (their site lists differ)")
    built = sorted(code for s in shards for code in s.sites)
    if built != shards[0].all_sites:
        raise BuildError(f"the shards hold {len(built)} site(s), the inputs {len(shards[0].all_sites)}")
    for shard in shards:
        for part in [shard.folder / HUB, *shard.groups]:
            _check_ok(part)


def assemble_shards(folders: Sequence[Path], output: Path, project: Project, docs: Path) -> AssemblyReport:
    """Check the shards, assemble the tree into ``output`` and stamp it (one manifest for ``publish``)."""
    shards = sorted((read_shard(folder) for folder in folders), key=lambda s: s.shard)
    check_shards(shards)
    hashes: dict[str, str] = {}
    for shard in shards:
        hashes.update(shard.site_inputs)
    hub = shards[0].folder / HUB / "html"
    groups = [group / "html" for shard in shards for group in shard.groups]
    content = stamp.make_stamp(
        stamp.STATUS_RUNNING,
        builder="html",
        site_inputs=project.site_inputs,
        source_dir=docs,
        input_hashes=hashes,
        templates=project.templates,
    )
    claim_folder(output)
    recorded = stamp.recorded_files(output)
    stamp.write_stamp(output, content)
    report = assemble(hub, groups, output, recorded)
    content.update(status=stamp.STATUS_OK, files=stamp.output_files(output))
    content["shards"] = [str(s.shard) for s in shards]
    stamp.write_stamp(output, content)
    return report
