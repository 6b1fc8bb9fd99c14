"""The benchmark's own parts (benchmarks/bench.py), fast: its numbers are only as good as these.

The benchmark itself builds whole projects and is run by ``make bench``, not
by the test suite; here the synthetic sites must be valid and distinct (else
the builds it times would fail or collapse into one site), the measurement must
return sane numbers, and the report must have the rows and keys its readers use.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from bench_loader import bench

from generator.pipeline import plan_sites

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def examples() -> list[Path]:
    found: list[Path] = bench.example_inputs(ROOT / "site_inputs")
    return found


def test_site_codes_are_distinct_and_follow_the_site_code_rule() -> None:
    codes = [bench.site_code(i) for i in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z0-9]{3}", code) for code in codes)


def test_synthetic_sites_are_valid_distinct_and_deterministic(examples: list[Path], tmp_path: Path) -> None:
    count = len(examples) + 2  # every example, and two of them a second time
    sites = bench.synthetic_sites(examples, count)
    assert sites == bench.synthetic_sites(examples, count)
    bench.write_sites(tmp_path, sites)
    plans, diagnostics = plan_sites([tmp_path], root=tmp_path)
    assert [d.format() for d in diagnostics if d.is_error] == []
    assert len(plans) == count
    assert len({p.code for p in plans}) == count
    assert len({p.site.model.site.name for p in plans}) == count


def test_the_one_site_change_keeps_the_site_valid_and_touches_one_file(examples: list[Path], tmp_path: Path) -> None:
    bench.write_sites(tmp_path, bench.synthetic_sites(examples, 2))
    before = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    edited = bench.edit_one_site(tmp_path)
    after = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    assert [name for name in before if before[name] != after[name]] == [edited.name]
    plans, diagnostics = plan_sites([tmp_path], root=tmp_path)
    assert [d.format() for d in diagnostics if d.is_error] == []
    assert any(bench.IMPACT_EDIT.strip() in (p.site.model.change.impact or "") for p in plans if p.site.model.change)


def test_measure_returns_sane_numbers_for_a_trivial_command(tmp_path: Path) -> None:
    result = bench.measure([sys.executable, "-c", "pass"], log=tmp_path / "log")
    assert result.returncode == 0
    assert 0 < result.wall_s < 30
    assert 0 <= result.cpu_s < 30
    assert 1 < result.peak_mib < 1024  # an interpreter, not this test process's memory
    failed = bench.measure([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], log=tmp_path / "log")
    assert failed.returncode == 3
    assert "out" in (tmp_path / "log").read_text(encoding="utf-8")


def test_measure_counts_the_cpu_of_the_child() -> None:
    busy = bench.measure([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"])
    assert busy.cpu_s > 0.05


def test_snapshot_tells_rewritten_from_changed(tmp_path: Path) -> None:
    (tmp_path / "_generated" / "B00").mkdir(parents=True)
    page, same = tmp_path / "_generated" / "B00" / "index.html", tmp_path / "index.html"
    page.write_text("a", encoding="utf-8")
    same.write_text("x", encoding="utf-8")
    before = bench.Snapshot.of(tmp_path)
    page.write_text("b", encoding="utf-8")
    same.write_text("x", encoding="utf-8")
    # Force a distinct mtime even on a coarse clock.
    for path in (page, same):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    after = bench.Snapshot.of(tmp_path)
    assert before.rewritten(after) == ["_generated/B00/index.html", "index.html"]
    assert before.changed(after) == ["_generated/B00/index.html"]
    assert bench.runbook_pages(before.rewritten(after)) == ["_generated/B00/index.html"]


def _fake_run(sites: int, walls: dict[str, float]) -> object:
    run = bench.Run(sites=sites, template_users=2, floor_sources_identical=True)
    for name, wall in walls.items():
        entry = bench.StepResult(name, sites, bench.Measurement(wall, wall * 0.9, 100.0, 0))
        if name in ("noop", "one-site", "template"):
            entry.rewritten, entry.changed, entry.runbook_pages = 10, 3, 2 if name == "template" else 1
        run.steps[name] = entry
    return run


def test_the_report_has_the_table_the_targets_and_the_json_keys() -> None:
    walls = {"check": 1.0, "generate": 2.0, "floor": 10.0, "html": 10.4, "noop": 1.2, "one-site": 1.0, "template": 3.0}
    runs = [_fake_run(100, walls), _fake_run(100, {k: v * 1.1 for k, v in walls.items()})]
    summary = bench.summarize(runs)
    assert summary["ratios"]["html_over_floor_wall"] == pytest.approx(1.04)
    assert summary["steps"]["html"]["wall_s"] == pytest.approx(10.4 * 1.05)  # the median of two
    assert [t["passed"] for t in summary["targets"]] == [True, True, True, True]
    pdf: dict[str, object] = {"wall_s": 10.0, "cpu_s": 12.0, "peak_mib": 200.0, "returncode": 0, "sites": 2}
    pdf["per_site"] = {"wall_s": 5.0, "cpu_s": 6.0}
    data = bench.report([summary], pdf, {"sites": [100], "repeat": 2})
    assert set(data) >= {"machine", "config", "floor", "steps", "runs", "pdf"}
    assert set(data["machine"]) >= {"cpu_count", "cpu_model", "python", "sphinx", "date"}
    assert set(data["runs"][0]) >= {"sites", "steps", "ratios", "targets", "template_change"}
    assert set(data["runs"][0]["steps"]["html"]) >= {"wall_s", "cpu_s", "peak_mib", "repeats"}
    json.dumps(data)  # serialisable as written
    table = bench.format_table(data)
    header = table.splitlines()[0].split()
    assert header[:5] == ["step", "sites", "wall", "s", "CPU"]
    for step in (*walls, "pdf", "pdf/site"):
        assert re.search(rf"^{re.escape(step)}\s", table, flags=re.MULTILINE), step
    assert "targets at 100 sites" in table
    assert "PASS  clean html overhead over the floor: +4.0%" in table


def test_a_failed_target_is_reported_not_raised() -> None:
    walls = {"check": 1.0, "generate": 2.0, "floor": 10.0, "html": 12.0, "noop": 5.0, "one-site": 6.0, "template": 9}
    summary = bench.summarize([_fake_run(10, walls)])
    verdicts = {t["name"]: t for t in summary["targets"]}
    assert not verdicts["clean html overhead over the floor"]["passed"]
    assert not verdicts["clean html overhead over the floor"]["at_target_size"]
    assert not verdicts["no-op rebuild"]["passed"]
    table = bench.format_table(bench.report([summary], None, {}))
    assert "FAIL  no-op rebuild" in table and "(stated at 100 sites)" in table
