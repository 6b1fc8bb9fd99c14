"""Which sites are built together (generator.build.groups): stable shards and groups."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from generator.build.groups import SITES_PER_GROUP, Shard, group_count, group_sites, parse_shard, site_hash
from generator.build.run import PATH_DEFAULTS, project_for
from generator.sphinx_ext import CONFIG_VALUES

ROOT = Path(__file__).resolve().parent.parent
CODES = [f"{a}{b}{c}" for a in "ABCDEFGHIJ" for b in "KLMNOPQRST" for c in "0123456789"]  # 1,000 codes


def test_site_hash_is_stable_across_machines_and_case() -> None:
    """CRC-32 of the upper-case code: the same on every machine and Python (hash() is salted per process)."""
    assert site_hash("CEN") == site_hash("cen") == 2448899420
    assert site_hash("FAB") == 4209407640


def test_shards_partition_the_sites_and_each_is_a_stable_subset() -> None:
    shards = [Shard(k, 4) for k in range(1, 5)]
    held = [[code for code in CODES if shard.holds(code)] for shard in shards]
    assert sorted(code for codes in held for code in codes) == sorted(CODES)  # every site in exactly one shard
    assert all(180 <= len(codes) <= 320 for codes in held), [len(c) for c in held]  # and spread evenly
    # Adding sites never moves an existing one to another shard.
    more = [*CODES, "ZZ1", "ZZ2", "ZZ3"]
    for shard, codes in zip(shards, held, strict=True):
        assert [code for code in more if shard.holds(code) and code in CODES] == codes


def test_groups_are_bounded_and_split_by_doubling() -> None:
    size = SITES_PER_GROUP
    assert [group_count(n) for n in (0, 1, size, size + 1, 25 * size, 250 * size)] == [1, 1, 1, 2, 32, 256]
    groups = group_sites(CODES)
    assert len(groups) == group_count(len(CODES))
    assert sorted(code for codes in groups.values() for code in codes) == sorted(CODES)
    assert max(len(codes) for codes in groups.values()) <= 4 * SITES_PER_GROUP  # a hash spreads them, not evenly
    # When the count doubles, each new group comes from exactly one old group.
    halves = group_sites(CODES[:500])
    assert len(halves) == len(groups) // 2
    for name, members in groups.items():
        parents = {old for old, codes in halves.items() if set(codes) & set(members)}
        assert len(parents) <= 1, (name, parents)


def test_group_names_carry_the_shard_when_there_are_several() -> None:
    assert all(name.startswith("s2-of-3-g") for name in group_sites(CODES, Shard(2, 3)))
    assert all(name.startswith("g") and "-of-" in name for name in group_sites(CODES))


@pytest.mark.parametrize("text", ["0/4", "5/4", "a/b", "3", "1/0", ""])
def test_parse_shard_rejects_what_is_not_k_of_n(text: str) -> None:
    with pytest.raises(ValueError, match="K"):
        parse_shard(text)


def test_parse_shard_reads_k_of_n() -> None:
    assert parse_shard(" 2 / 8 ") == Shard(2, 8)
    assert str(Shard(2, 8)) == "2/8"


def test_the_orchestrator_reads_the_same_paths_as_the_extension() -> None:
    """project_for reads conf.py's literals without importing Sphinx; its defaults must be the extension's."""
    assert {name: CONFIG_VALUES[name][0] for name in PATH_DEFAULTS} == PATH_DEFAULTS
    project = project_for(ROOT / "docs")
    assert (project.site_inputs, project.templates, project.output) == (
        ROOT / "site_inputs",
        ROOT / "templates",
        ROOT / "docs" / "_generated",
    )
    assigned = {
        target.id
        for node in ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert set(PATH_DEFAULTS) <= assigned
