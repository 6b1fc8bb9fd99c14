"""Command-line interface: thin argument parsing that maps errors to exit codes.

Exit codes: 0 success (warnings allowed), 1 invalid input or failed action,
2 usage error, 3 external build failure.  No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.diagnostics import Diagnostic
from generator.errors import GeneratorError, InputError
from generator.pipeline import plan_site_file, plan_sites
from generator.plan import SitePlan
from generator.render.plan_json import dump_json, plan_to_json

DEFAULT_INPUTS = Path("site_inputs")


def _print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=stream)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate site inputs; exit 1 when any has errors."""
    paths = args.paths or [DEFAULT_INPUTS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"ibcm-runbook: error: no such file or folder: {missing[0]}", file=sys.stderr)
        return 1
    plans, diagnostics = plan_sites(paths)
    _print_diagnostics(diagnostics, sys.stderr)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics} | {p.site.source for p in plans})
    print(f"{files} file(s) checked: {len(plans)} valid, {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def _load_plan(path: Path) -> SitePlan:
    plan, diagnostics = plan_site_file(path)
    if plan is None:
        raise InputError(diagnostics=diagnostics)
    return plan


def cmd_plan(args: argparse.Namespace) -> int:
    """Print a site's plan as JSON or text."""
    plan = _load_plan(args.file)
    if args.format == "json":
        sys.stdout.write(dump_json(plan_to_json(plan)))
    else:
        sys.stdout.write(format_plan_text(plan))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write a site's CSV files (firewall rules, DNS, certificates) into a folder."""
    from generator.output.writer import write_if_changed
    from generator.render.csv_export import csv_files

    plan = _load_plan(args.file)
    args.output.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(csv_files(plan).items()):
        write_if_changed(args.output / name, text.encode("utf-8"))
        print(args.output / name)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Render the MyST sources without running Sphinx (what the Sphinx extension does)."""
    from generator.pipeline import Project, generate

    result = generate(Project(site_inputs=args.inputs, templates=args.templates, output=args.output))
    _print_diagnostics(result.warnings, sys.stderr)
    report = result.report
    print(
        f"{len(result.plans)} site(s): {len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed in {args.output}",
        file=sys.stderr,
    )
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the built runbooks into DEST/releases/ and switch DEST/current, or roll back."""
    from generator.publish import publish, rollback

    if args.rollback:
        undone = rollback(args.destination)
        print(f"rolled back {args.destination / 'current'}: {undone.previous} -> {undone.current}", file=sys.stderr)
        return 0
    result = publish(
        args.build, args.destination, site_inputs=args.inputs, keep=args.keep, require_pdf=args.require_pdf
    )
    for note in result.notes:
        print(f"ibcm-runbook: note: {note}", file=sys.stderr)
    release = result.release
    print(
        f"published {result.html_files} HTML file(s) and {len(result.pdf_files)} PDF(s) as release {release.name} "
        f"(was: {result.previous or 'nothing'})",
        file=sys.stderr,
    )
    if result.pruned:
        print(f"removed {len(result.pruned)} old release(s): {', '.join(result.pruned)}", file=sys.stderr)
    print(release.path)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    """Build the docs project with Sphinx in this process; invalid inputs print their diagnostics only."""
    options = shlex.split(args.sphinx_opts)
    if args.builder == "pdf":
        from generator.sphinx_ext.pdf import build_pdfs

        pdfs, run = build_pdfs(args.docs, args.output or args.docs / "_build", options)
        _report_site_warnings(run.warnings)
        for pdf in pdfs:
            print(f"PDF runbook: {pdf}")
        return 0
    from generator.sphinx_ext.runner import run_sphinx

    run = run_sphinx(args.builder, args.docs, args.output or args.docs / "_build" / args.builder, options)
    _report_site_warnings(run.warnings)
    return 0


def _report_site_warnings(warnings: Sequence[Diagnostic]) -> None:
    _print_diagnostics(warnings, sys.stderr)
    print(f"site inputs valid ({len(warnings)} warning(s), shown in the runbooks)", file=sys.stderr)


def format_plan_text(plan: SitePlan) -> str:
    """The plan as readable text: the same content as the JSON plan."""
    data = plan_to_json(plan)
    out = [f"Site {data['site']['code']} – {data['site']['name']}", ""]
    out.append(f"Steps in this runbook ({len(data['steps'])}):")
    for number, step in enumerate(data["steps"], start=1):
        out.append(f"  {number:2}. {step['title']} [{step['id']}]")
        out += [f"        - {reason}" for reason in step["reasons"]]
    out += ["", f"Steps not needed ({len(data['excluded_steps'])}):"]
    for step in data["excluded_steps"]:
        out.append(f"  -   {step['title']} [{step['id']}]")
        out += [f"        - {reason}" for reason in step["reasons"]]
    out += ["", f"Flows ({len(data['flows'])}):"]
    for flow in data["flows"]:
        firewalls = ", ".join(flow["firewalls"]) or "no firewall"
        out.append(
            f"  {flow['source']} ({flow['source_zone']}) -> {flow['destination']} ({flow['destination_zone']}) "
            f"{flow['protocol']} {flow['port']} via {firewalls}: {flow['purpose']} [{flow['step']}]"
        )
    out += ["", f"DNS records ({len(data['dns_records'])}):"]
    for record in data["dns_records"]:
        out.append(
            f"  {record['scope']:8} {record['type']:4} {record['name']} -> {record['value'] or 'to be assigned'}"
        )
    out += ["", f"Certificates ({len(data['certificates'])}):"]
    for cert in data["certificates"]:
        out.append(f"  {cert['holder']}: {cert['kind']} for {', '.join(cert['names']) or '(no names)'}")
    out += ["", f"Warnings ({len(data['warnings'])}):"]
    out += [f"  {w['location']}: {w['message']} [{w['code']}]" for w in data["warnings"]]
    return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ibcm-runbook",
        description="Validate ConfigMgr 2007 IBCM site inputs and build their runbooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate site inputs (default: site_inputs/)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="site input files or folders")
    check.set_defaults(run=cmd_check)

    plan = commands.add_parser("plan", help="print the plan of one site (steps, flows, DNS, certificates)")
    plan.add_argument("file", type=Path, metavar="FILE")
    plan.add_argument("--format", choices=["text", "json"], default="text")
    plan.set_defaults(run=cmd_plan)

    export = commands.add_parser("export", help="write a site's firewall, DNS and certificate CSV files")
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    export.set_defaults(run=cmd_export)

    generate = commands.add_parser("generate", help="render the MyST sources without Sphinx")
    generate.add_argument("--inputs", type=Path, default=DEFAULT_INPUTS, metavar="DIR")
    generate.add_argument("--templates", type=Path, default=Path("templates"), metavar="DIR")
    generate.add_argument("-o", "--output", type=Path, default=Path("docs/_generated"), metavar="DIR")
    generate.set_defaults(run=cmd_generate)

    build = commands.add_parser("build", help="validate site inputs, then run Sphinx on the docs project")
    build.add_argument("builder", nargs="?", default="html", help="html, pdf (one PDF per site) or any Sphinx builder")
    build.add_argument("--docs", type=Path, default=Path("docs"), metavar="DIR")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: DOCS/_build/BUILDER; for pdf the build root DOCS/_build)",
    )
    build.add_argument(
        "--sphinx-opts",
        default="-W --keep-going -q",
        metavar="OPTS",
        help="options passed to sphinx-build (default: %(default)s)",
    )
    build.set_defaults(run=cmd_build)

    publish = commands.add_parser(
        "publish", help="copy the built HTML and PDFs into DEST/releases/ and switch DEST/current to them"
    )
    publish.add_argument("destination", type=Path, metavar="DEST", help="publish folder (served: DEST/current)")
    publish.add_argument(
        "--build", type=Path, default=Path("docs/_build"), metavar="DIR", help="holds html/ and pdf/ (docs/_build)"
    )
    publish.add_argument(
        "--inputs", type=Path, metavar="DIR", help="site inputs the build must match (default: those it used)"
    )
    publish.add_argument("--keep", type=_positive, default=5, metavar="N", help="releases to keep (default: 5)")
    publish.add_argument("--require-pdf", action="store_true", help="refuse to publish when no PDFs were built")
    publish.add_argument("--rollback", action="store_true", help="switch DEST/current back to the previous release")
    publish.set_defaults(run=cmd_publish)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InputError as exc:
        _print_diagnostics(exc.diagnostics, sys.stderr)
        return exc.exit_code
    except GeneratorError as exc:
        print(f"ibcm-runbook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ibcm-runbook: interrupted", file=sys.stderr)
        return 130
