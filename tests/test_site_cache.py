"""The per-site cache (generator/output/site_cache.py): unchanged sites are never parsed, planned or rendered again.

Every test runs the real pipeline on real inputs (the examples, synthetic
sites made by the benchmark from them, a site in a git repository made in
``tmp_path``) and compares what a cached run gives with what an uncached one
gives, byte for byte; the cache's counters say what was looked up, computed
and pruned.
"""

from __future__ import annotations

import os
import pickle
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from bench_loader import bench
from helpers import git, set_path, site_dict, site_yaml

from generator.derive.checklist import IBCM_CHECKLIST, Checklist
from generator.output.site_cache import (
    STALE_TEMPORARY_SECONDS,
    CacheStats,
    SiteCache,
    source_fingerprint,
)
from generator.pipeline import Project, generate, plan_site_text, plan_sites, render_plans

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
EXAMPLES = sorted((ROOT / "site_inputs").glob("*.yaml"))


def examples(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in EXAMPLES:
        shutil.copy(path, folder / path.name)
    return folder


def synthetic(folder: Path, count: int) -> Path:
    """``count`` sites as the benchmark makes them (the examples in turn, each with its own code)."""
    bench.write_sites(folder, bench.synthetic_sites(EXAMPLES, count))
    return folder


def run(
    root: Path, cache: SiteCache | None, *, templates: Path = TEMPLATES
) -> tuple[dict[str, str | bytes], list[str]]:
    """Plan and render every site of ``root/site_inputs``: the files and the formatted diagnostics."""
    plans, diagnostics = plan_sites([root / "site_inputs"], root=root, cache=cache)
    project = Project(root / "site_inputs", templates, root / "out", root=root)
    return render_plans(project, plans, cache=cache), [d.format() for d in diagnostics]


def entries(folder: Path, kind: str) -> list[str]:
    return sorted(p.name for p in folder.glob(f"*.{kind}.pickle"))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the same output, with nothing recomputed ---------------------------------------------------------


@pytest.mark.parametrize("inputs", ["examples", "synthetic"])
def test_a_cached_run_gives_the_files_of_an_uncached_one_and_a_warm_run_computes_nothing(
    tmp_path: Path, inputs: str
) -> None:
    folder = tmp_path / "site_inputs"
    count = len(EXAMPLES) if inputs == "examples" else 10
    if inputs == "examples":
        examples(folder)
    else:
        synthetic(folder, count)
    uncached = run(tmp_path, None)
    cold = SiteCache(tmp_path / "cache")
    assert run(tmp_path, cold) == uncached
    assert cold.stats == CacheStats(plan_misses=count, render_misses=count)
    warm = SiteCache(tmp_path / "cache")  # a new run: plans and files come from the pickles
    assert run(tmp_path, warm) == uncached
    assert warm.stats == CacheStats(plan_hits=count, render_hits=count)
    assert len(entries(tmp_path / "cache", "plan")) == len(entries(tmp_path / "cache", "files")) == count


def test_generate_writes_the_same_bytes_with_and_without_the_cache(tmp_path: Path) -> None:
    examples(tmp_path / "site_inputs")
    plain = Project(tmp_path / "site_inputs", TEMPLATES, tmp_path / "plain", root=tmp_path)
    cached = replace(plain, output=tmp_path / "cached")
    generate(plain)
    generate(cached, cache=SiteCache(tmp_path / "cache"))
    warm = SiteCache(tmp_path / "cache")
    result = generate(cached, cache=warm)
    assert tree(tmp_path / "cached") == tree(tmp_path / "plain")
    assert result.report.written == []  # nothing changed on disk either
    assert warm.stats.plan_hits == warm.stats.render_hits == len(EXAMPLES)


# --- what makes an entry a miss ----------------------------------------------------------------------


def test_an_edited_input_is_planned_and_rendered_again_and_only_it(tmp_path: Path) -> None:
    folder = synthetic(tmp_path / "site_inputs", 3)
    run(tmp_path, SiteCache(tmp_path / "cache"))
    edited = bench.edit_one_site(folder)
    cache = SiteCache(tmp_path / "cache")
    files, diagnostics = run(tmp_path, cache)
    assert cache.stats == CacheStats(plan_hits=2, plan_misses=1, render_hits=2, render_misses=1, pruned=2)
    assert (files, diagnostics) == run(tmp_path, None)
    assert bench.IMPACT_EDIT.strip() in str(files[f"{edited.name[:3].upper()}/index.md"])
    assert len(entries(tmp_path / "cache", "plan")) == len(entries(tmp_path / "cache", "files")) == 3


def test_an_input_shown_at_another_path_is_a_miss(tmp_path: Path) -> None:
    """Diagnostics and pages name the input by its shown path, so the same bytes elsewhere are another entry."""
    examples(tmp_path / "site_inputs")
    cache = SiteCache(tmp_path / "cache")
    plan_sites([tmp_path / "site_inputs"], root=tmp_path, cache=cache)
    plans, _ = plan_sites([tmp_path / "site_inputs"], root=tmp_path / "site_inputs", cache=cache)
    assert cache.stats.plan_misses == 2 * len(EXAMPLES)
    assert {p.site.source for p in plans} == {p.name for p in EXAMPLES}


def test_a_template_edit_renders_every_site_again_and_plans_none(tmp_path: Path) -> None:
    examples(tmp_path / "site_inputs")
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    run(tmp_path, SiteCache(tmp_path / "cache"), templates=templates)
    page = templates / "pages" / "runbook.md.j2"
    page.write_text(page.read_text(encoding="utf-8") + "\nEdited for the cache test.\n", encoding="utf-8")
    cache = SiteCache(tmp_path / "cache")
    files, diagnostics = run(tmp_path, cache, templates=templates)
    assert cache.stats == CacheStats(plan_hits=len(EXAMPLES), render_misses=len(EXAMPLES), pruned=len(EXAMPLES))
    assert all("Edited for the cache test." in str(files[f"{code}/index.md"]) for code in ("CEN", "FAB", "TSP", "WGB"))
    assert (files, diagnostics) == run(tmp_path, None, templates=templates)


def test_the_generator_fingerprint_covers_its_files_and_a_new_one_misses_everything(tmp_path: Path) -> None:
    package = tmp_path / "generator"
    shutil.copytree(ROOT / "generator", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_fingerprint(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert source_fingerprint(package) == before  # compiled files are not sources
    step = package / "plan" / "__init__.py"
    step.write_text(step.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = source_fingerprint(package)
    assert edited != before
    (package / "plan" / "extra.py").write_text("", encoding="utf-8")
    assert source_fingerprint(package) not in (before, edited)

    examples(tmp_path / "site_inputs")
    run(tmp_path, SiteCache(tmp_path / "cache"))
    changed = SiteCache(tmp_path / "cache", fingerprint=edited)
    assert run(tmp_path, changed) == run(tmp_path, None)
    n = len(EXAMPLES)
    assert changed.stats == CacheStats(plan_misses=n, render_misses=n, pruned=2 * n)


# --- damaged and unwritable caches -------------------------------------------------------------------


def test_a_truncated_corrupt_or_foreign_entry_is_a_miss_and_is_written_again(tmp_path: Path) -> None:
    examples(tmp_path / "site_inputs")
    folder = tmp_path / "cache"
    run(tmp_path, SiteCache(folder))
    plans, files = entries(folder, "plan"), entries(folder, "files")
    truncated = folder / plans[0]
    truncated.write_bytes(truncated.read_bytes()[:1000])
    (folder / plans[1]).write_bytes(b"not a pickle at all")
    # A well-formed entry stored under another key (a copied or renamed file) is not trusted either.
    (folder / files[0]).write_bytes((folder / files[1]).read_bytes())
    (folder / files[2]).write_bytes(pickle.dumps(("ibcm-site-cache 1", files[2].split(".")[0], ["a list"])))
    cache = SiteCache(folder)
    assert run(tmp_path, cache) == run(tmp_path, None)
    n = len(EXAMPLES)
    assert cache.stats == CacheStats(plan_hits=n - 2, plan_misses=2, render_hits=n - 2, render_misses=2, unreadable=4)
    again = SiteCache(folder)
    run(tmp_path, again)
    assert again.stats == CacheStats(plan_hits=n, render_hits=n)


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    examples(tmp_path / "site_inputs")
    (tmp_path / "cache").write_text("a file where the folder should be", encoding="utf-8")
    cache = SiteCache(tmp_path / "cache")
    assert run(tmp_path, cache) == run(tmp_path, None)
    assert cache.stats.unwritable == 2 * len(EXAMPLES)
    assert cache.stats.plan_hits == cache.stats.render_hits == 0


# --- pruning -----------------------------------------------------------------------------------------


def test_a_run_over_the_folder_prunes_the_entries_of_removed_inputs_and_old_temporary_files(tmp_path: Path) -> None:
    folder = synthetic(tmp_path / "site_inputs", 3)
    cache_folder = tmp_path / "cache"
    run(tmp_path, SiteCache(cache_folder))
    old_temporary = cache_folder / ".abc.plan.pickle.x1y2"
    fresh_temporary = cache_folder / ".def.files.pickle.z3w4"  # a concurrent writer's file: never touched
    for path in (old_temporary, fresh_temporary):
        path.write_bytes(b"half written")
    hour_ago = time.time() - STALE_TEMPORARY_SECONDS - 60
    os.utime(old_temporary, (hour_ago, hour_ago))
    (cache_folder / "notes.txt").write_text("not an entry", encoding="utf-8")
    removed = min(folder.glob("*.yaml"))
    removed.unlink()
    # Planning one file is not a run over the folder: nothing is pruned.
    single = SiteCache(cache_folder)
    plan_sites([max(folder.glob("*.yaml"))], root=tmp_path, cache=single)
    assert single.stats.pruned == 0 and len(entries(cache_folder, "plan")) == 3
    cache = SiteCache(cache_folder)
    run(tmp_path, cache)
    assert cache.stats == CacheStats(plan_hits=2, render_hits=2, pruned=3)
    assert len(entries(cache_folder, "plan")) == len(entries(cache_folder, "files")) == 2
    assert not old_temporary.exists() and fresh_temporary.exists() and (cache_folder / "notes.txt").exists()
    assert (cache_folder / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d17")


def test_a_warm_run_still_reports_a_site_code_used_twice(tmp_path: Path) -> None:
    folder = examples(tmp_path / "site_inputs")
    shutil.copy(folder / "contoso-perimeter-forest.yaml", folder / "zz-copy.yaml")
    cold, warm = SiteCache(tmp_path / "cache"), SiteCache(tmp_path / "cache")
    expected = [d.format() for d in plan_sites([folder], root=tmp_path)[1]]
    assert any("[duplicate-site-code]" in line for line in expected)
    for cache in (cold, warm):
        assert [d.format() for d in plan_sites([folder], root=tmp_path, cache=cache)[1]] == expected
    assert warm.stats.plan_hits == len(EXAMPLES) + 1


# --- what is never answered from the cache -----------------------------------------------------------


def test_a_site_with_a_baseline_is_planned_from_the_cache_but_always_rendered(tmp_path: Path) -> None:
    """Its page shows the changes since a git revision: the same input renders differently when the tag moves."""
    site = tmp_path / "site_inputs" / "t.yaml"
    site.parent.mkdir()
    git(tmp_path, "init", "-q")
    site.write_text(site_yaml(site_dict()), encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "approved")
    git(tmp_path, "tag", "approved")
    change = {"id": "CHG-1", "title": "Enable IBCM", "revision": 2, "baseline": "approved"}
    site.write_text(
        site_yaml(site_dict(set_path("servers[DMZ01].public_ip", "203.0.113.99"), set_path("change", change))),
        encoding="utf-8",
    )
    first, _ = run(tmp_path, SiteCache(tmp_path / "cache"))
    assert "203.0.113.99 \\(was 203.0.113.10\\)" in str(first["TST/index.md"])
    git(tmp_path, "commit", "-q", "-am", "approved again")
    git(tmp_path, "tag", "-f", "approved")  # the input file did not change; its baseline did
    cache = SiteCache(tmp_path / "cache")
    second, _ = run(tmp_path, cache)
    assert cache.stats.plan_hits == 1 and cache.stats.render_hits == cache.stats.render_misses == 0
    assert second["TST/index.md"] != first["TST/index.md"]
    assert "Nothing this runbook lists changed since " in str(second["TST/index.md"])
    assert second == run(tmp_path, None)[0]
    assert entries(tmp_path / "cache", "files") == []
    # Without the baselines planned (a caller that passes none for it), the cache still refuses to answer.
    plans, _ = plan_sites([tmp_path / "site_inputs"], root=tmp_path, cache=cache)
    project = Project(tmp_path / "site_inputs", TEMPLATES, tmp_path / "out", root=tmp_path)
    render_plans(project, plans, {}, cache=cache)
    assert cache.stats.render_uncached == 1 and entries(tmp_path / "cache", "files") == []


def test_a_plan_the_cache_did_not_make_is_rendered_without_it(tmp_path: Path) -> None:
    """A plan built from text, or changed by its caller, may differ from the cached one of the same input."""
    examples(tmp_path / "site_inputs")
    cache = SiteCache(tmp_path / "cache")
    plans, _ = plan_sites([tmp_path / "site_inputs"], root=tmp_path, cache=cache)
    changed = replace(plans[0], source_sha256="0" * 64)
    from_text, _ = plan_site_text(EXAMPLES[1].read_text(encoding="utf-8"), "site_inputs/x.yaml")
    assert from_text is not None
    project = Project(tmp_path / "site_inputs", TEMPLATES, tmp_path / "out", root=tmp_path)
    render_plans(project, [changed, from_text], cache=cache)
    assert cache.stats.render_uncached == 2 and entries(tmp_path / "cache", "files") == []


def test_another_checklist_than_the_catalog_is_planned_without_the_cache(tmp_path: Path) -> None:
    """Only the catalog's checklist pickles (by reference); another must neither be stored nor prune."""
    examples(tmp_path / "site_inputs")
    run(tmp_path, SiteCache(tmp_path / "cache"))
    other = Checklist(IBCM_CHECKLIST.steps, IBCM_CHECKLIST.fallback)
    cache = SiteCache(tmp_path / "cache")
    plans, _ = plan_sites([tmp_path / "site_inputs"], other, root=tmp_path, cache=cache)
    assert all(plan.checklist is other for plan in plans)
    assert cache.stats == CacheStats()
    assert len(entries(tmp_path / "cache", "plan")) == len(EXAMPLES)
