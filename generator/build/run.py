"""``ibcm-runbook build html|pdf``: plan once, build the parts in parallel, assemble one tree (or leave a shard's parts).

1. Plan every site once and write the generated sources (only changed files).
2. Build the hub, then the groups in a pool of worker processes (one per
   core by default), each part skipped when its fingerprint says nothing it
   reads changed (:mod:`generator.build.parts`).
3. Without ``--shard``: assemble the parts into the output folder and stamp it
   (:mod:`generator.build.assemble`); with ``--shard K/N``: leave the parts in
   the output folder for ``ibcm-runbook assemble`` to merge with the other
   shards'.

A part that fails leaves the assembled tree as it was, and its log is shown.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.build import parts as part_files
from generator.build.assemble import AssemblyReport, assemble, assemble_latex, claim_folder
from generator.build.context import NAV_NAME, NavLink, SplitContext, read_nav, write_context
from generator.build.groups import ALL_SITES, Shard, group_sites
from generator.build.parts import HUB, Part
from generator.build.processes import run_each_in_a_process
from generator.build.shards import write_shard_file
from generator.build.sites import SiteEntry, input_hashes, plan_and_write
from generator.build.worker import PartJob, PartResult, build_part
from generator.diagnostics import Diagnostic
from generator.errors import BuildError
from generator.output import stamp
from generator.output.site_cache import SiteCache
from generator.pipeline import Project

Say = Callable[[str], None]
LOG_TAIL = 20
"""Lines of a failed part's log shown with the error."""


@dataclass(frozen=True)
class SplitBuild:
    docs: Path
    output: Path
    """The assembled HTML tree, or with a shard the folder for its parts."""
    options: tuple[str, ...] = ("-W", "--keep-going", "-q")
    jobs: int | None = None
    """Worker processes (default: the number of cores)."""
    shard: Shard | None = None
    """Build only this shard's sites and leave the parts unassembled (None: every site, assembled)."""

    @property
    def parts_folder(self) -> Path:
        if self.shard is not None:
            return self.output
        return self.output.parent / f".{self.output.name}-parts"


@dataclass
class SplitResult:
    sites: list[SiteEntry]
    warnings: list[Diagnostic]
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    assembly: AssemblyReport | None = None


CACHE_NAME = ".ibcm-cache"
"""The site cache (:mod:`generator.output.site_cache`), next to the build's output folders."""
PATH_DEFAULTS = {
    "generator_site_inputs": "../site_inputs",
    "generator_templates": "../templates",
    "generator_output": "_generated",
}
"""The extension's defaults (``generator.sphinx_ext.CONFIG_VALUES``, not imported here: that imports Sphinx)."""


def project_for(docs: Path) -> Project:
    """The generator paths ``docs/conf.py`` sets (the extension's defaults where it sets none).

    Read as literal assignments from the file's syntax tree, without running
    it: running ``conf.py`` imports Sphinx, which a no-op build never needs.
    """
    values = dict(PATH_DEFAULTS)
    for statement in ast.parse((docs / "conf.py").read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
            for target in statement.targets:
                if isinstance(target, ast.Name) and target.id in values and isinstance(statement.value.value, str):
                    values[target.id] = statement.value.value

    def value(name: str) -> str:
        return values[name]

    return Project(
        site_inputs=(docs / value("generator_site_inputs")).resolve(),
        templates=(docs / value("generator_templates")).resolve(),
        output=(docs / value("generator_output")).resolve(),
        root=docs.resolve().parent,
    )


def build_html(build: SplitBuild, say: Say) -> SplitResult:
    """Plan, generate, build the HTML parts that changed, and assemble them (see the module docstring)."""
    if build.shard is None:
        claim_folder(build.output)  # before any work: a wrong -o is refused at once
    run = _prepare(build, "html")
    hub = Part(HUB, run.folder / HUB)
    generated = run.project.output.relative_to(run.docs).as_posix()
    runbooks = {f"{site.code.lower()}-runbook": f"{generated}/{site.code}/index" for site in run.sites}
    hub_context = SplitContext("hub", runbooks=runbooks, nav_file=str(hub.folder / NAV_NAME))
    pool = _Pool(build, run, say)
    pool.run([(hub, hub_context, ())])
    nav = read_nav(hub.folder / NAV_NAME)
    groups = run.group_parts("html")
    pool.run([(part, run.group_context(part, nav), tuple(f"{n.docname}={n.title}" for n in nav)) for part in groups])
    if build.shard is not None:
        mine = [run.by_code[code] for part in groups for code in part.sites]
        write_shard_file(run.folder, build.shard, [p.code for p in mine], input_hashes(mine), list(run.by_code))
    else:
        run.result.assembly = assemble_tree(hub, groups, build.output, run.project, run.sites, run.docs)
    return run.result


def build_latex(build: SplitBuild, say: Say) -> SplitResult:
    """Plan, generate and build every site's LaTeX document group by group, then gather them in ``build.output``.

    The PDF step (:mod:`generator.sphinx_ext.pdf`) runs latexmk there, one
    site at a time per core.  The folder is stamped like the HTML tree.
    """
    if build.shard is not None:
        raise BuildError("only the HTML build is sharded")
    claim_folder(build.output)
    run = _prepare(build, "latex")
    groups = run.group_parts("latex")
    _Pool(build, run, say).run([(part, run.group_context(part, ()), ()) for part in groups])
    hashes = input_hashes(run.sites)
    claim_folder(build.output)
    recorded = stamp.recorded_files(build.output)
    stamp.write_stamp(build.output, _stamp(stamp.STATUS_RUNNING, run.project, hashes, run.docs, builder="latex"))
    run.result.assembly = assemble_latex([part.out for part in groups], build.output, recorded)
    files = stamp.output_files(build.output)
    stamp.write_stamp(build.output, _stamp(stamp.STATUS_OK, run.project, hashes, run.docs, files, builder="latex"))
    return run.result


@dataclass
class _Run:
    """What every part of one build shares: the project, the sites, the site cache and the grouping."""

    docs: Path
    project: Project
    sites: list[SiteEntry]
    cache: Path
    folder: Path
    groups: dict[str, list[str]]
    environment: str
    result: SplitResult

    @property
    def by_code(self) -> dict[str, SiteEntry]:
        return {site.code: site for site in self.sites}

    def group_parts(self, builder: str) -> list[Part]:
        parts = [Part(name, self.folder / name, tuple(codes), builder) for name, codes in self.groups.items()]
        for part in parts:
            part_files.prepare_group_source(part, self.project.output)
        return parts

    def group_context(self, part: Part, nav: Sequence[NavLink]) -> SplitContext:
        by_code = self.by_code
        sites = tuple(by_code[code] for code in part.sites)
        return SplitContext("group", sites=sites, cache=str(self.cache), nav=tuple(nav))


def _prepare(build: SplitBuild, builder: str) -> _Run:
    """Plan every site once, write the generated sources, group the sites and drop parts of older groupings."""
    docs = build.docs.resolve()
    project = project_for(docs)
    if docs not in project.output.parents:
        raise BuildError(f"the generated sources ({project.output}) must be inside the Sphinx project {docs}")
    folder = build.parts_folder.resolve()
    cache = folder.parent / CACHE_NAME  # unchanged sites are neither planned nor rendered again
    planned = plan_and_write(project, SiteCache(cache))
    groups = group_sites([site.code for site in planned.entries], build.shard or ALL_SITES)
    part_files.prune_parts(folder, [HUB, *groups] if builder == "html" else list(groups))
    environment = part_files.environment_fingerprint(docs)
    result = SplitResult(planned.entries, planned.warnings)
    return _Run(docs, project, planned.entries, cache, folder, groups, environment, result)


class _Pool:
    """Runs parts that are out of date in worker processes and records which were built or skipped."""

    def __init__(self, build: SplitBuild, run: _Run, say: Say) -> None:
        self.build, self.docs, self.say, self.result = build, run.docs, say, run.result
        self.project, self.environment = run.project, run.environment

    def run(self, parts: Sequence[tuple[Part, SplitContext, tuple[str, ...]]]) -> None:
        pending: list[tuple[Part, str, PartJob]] = []
        for part, context, extra in parts:
            part.folder.mkdir(parents=True, exist_ok=True)
            context_file = write_context(part.folder, context)
            fingerprint = part_files.part_fingerprint(
                part,
                docs=self.docs,
                generated=self.project.output,
                environment=self.environment,
                extra=(*self.build.options, *extra),
            )
            if part_files.is_up_to_date(part, fingerprint):
                self.result.skipped.append(part.name)
                continue
            part_files.forget_fingerprint(part)
            source = self.docs if part.is_hub else part.src
            job = PartJob(
                part.name,
                part.builder,
                source,
                self.docs,
                part.out,
                part.doctrees,
                context_file,
                part.log,
                self.build.options,
            )
            pending.append((part, fingerprint, job))
        if not pending:
            return
        failures: list[tuple[Part, PartResult]] = []
        by_name = {part.name: (part, fingerprint) for part, fingerprint, _job in pending}
        started = time.monotonic()
        for done, outcome in enumerate(self._results([job for _part, _fp, job in pending]), start=1):
            part, fingerprint = by_name[outcome.name]
            if outcome.error is None:
                part_files.record_fingerprint(part, fingerprint)
                self.result.built.append(part.name)
                self.say(f"[{done}/{len(pending)}] {part.describe()}: built in {outcome.seconds:.1f} s")
            else:
                failures.append((part, outcome))
                self.say(f"[{done}/{len(pending)}] {part.describe()}: FAILED after {outcome.seconds:.1f} s")
        if failures:
            raise BuildError(_failure_message(failures, time.monotonic() - started))

    def _results(self, jobs: list[PartJob]) -> Iterator[PartResult]:
        """Each job in a forked process of its own, ``--jobs`` at a time, as they finish."""
        import generator.sphinx_ext.runner  # noqa: F401 - imported once here, inherited by every forked part

        workers = max(1, min(self.build.jobs or os.cpu_count() or 1, len(jobs)))
        return run_each_in_a_process(build_part, jobs, workers, lost=_lost)


def _lost(job: PartJob, exitcode: int | None) -> PartResult:
    return PartResult(job.name, 0.0, f"its worker process ended without a result (exit status {exitcode})")


def _failure_message(failures: list[tuple[Part, PartResult]], seconds: float) -> str:
    lines = [f"{len(failures)} part(s) of the build failed after {seconds:.0f} s; the HTML output was left as it was:"]
    for part, outcome in sorted(failures, key=lambda item: item[0].name):
        lines.append(f"  {part.describe()}: {outcome.error}")
        try:
            tail = part.log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL:]
        except OSError:
            tail = []
        lines += [f"    {line}" for line in tail if line.strip()]
        lines.append(f"    (whole log: {part.log})")
    return "\n".join(lines)


def assemble_tree(
    hub: Part, groups: Sequence[Part], output: Path, project: Project, sites: Sequence[SiteEntry], docs: Path
) -> AssemblyReport | None:
    """Assemble and stamp ``output``, or leave it when no part changed and its stamp already matches the inputs."""
    hashes = input_hashes(sites)
    current = stamp.read_stamp(output)
    groups_html = [group.out for group in groups]
    if (
        current is not None
        and current.get("status") == stamp.STATUS_OK
        and current.get("site_inputs") == hashes
        and current.get("templates") == stamp.hash_templates(project.templates)
        and current.get("parts") == _parts_key(hub.out, groups_html)
        and stamp.is_intact(output, current)
    ):
        return None
    claim_folder(output)
    recorded = stamp.recorded_files(output)
    stamp.write_stamp(output, _stamp(stamp.STATUS_RUNNING, project, hashes, docs))
    report = assemble(hub.out, groups_html, output, recorded)
    final = _stamp(stamp.STATUS_OK, project, hashes, docs, files=stamp.output_files(output))
    final["parts"] = _parts_key(hub.out, groups_html)
    stamp.write_stamp(output, final)
    return report


def _parts_key(hub: Path, groups: Sequence[Path]) -> dict[str, str]:
    """Each part's name and the time its build stamp was written: a rebuilt part changes it."""
    key = {}
    for html in [hub, *groups]:
        try:
            key[html.parent.name] = str((html / stamp.STAMP_NAME).stat().st_mtime_ns)
        except OSError:
            key[html.parent.name] = "-"
    return key


def _stamp(
    status: str,
    project: Project,
    hashes: dict[str, str],
    docs: Path,
    files: dict[str, str] | None = None,
    builder: str = "html",
) -> dict[str, object]:
    return stamp.make_stamp(
        status,
        builder=builder,
        site_inputs=project.site_inputs,
        source_dir=docs,
        input_hashes=hashes,
        templates=project.templates,
        files=files,
    )
