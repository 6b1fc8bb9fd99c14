"""How many sites per Sphinx project: a clean ``build html`` of N synthetic sites at several group sizes.

The alternatives of issue 16: one project per site (size 1), groups (the
default, ``generator.build.groups.SITES_PER_GROUP``) and one project for every
site (a size at least N).  Each size builds a fresh copy of the project; wall
time, CPU time of the build and its workers, and the peak memory of the largest
process come from ``os.wait4``.

    .venv/bin/python benchmarks/group_size.py --sites 32 --size 1 --size 4 --size 16 --size 64
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import ROOT, SPHINX_OPTS, example_inputs, make_project, measure, synthetic_sites

BUILD = """
import sys
from generator.build import groups
from generator.cli import main
groups.SITES_PER_GROUP = int(sys.argv[1])
sys.exit(main(["build", "html", "--docs", "docs", "--output", "docs/_build/html", "--sphinx-opts", sys.argv[2]]))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sites", type=int, default=32, metavar="N")
    parser.add_argument("--size", type=int, action="append", metavar="K", help="sites per group (repeatable)")
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    sizes = args.size or [1, 4, 16, args.sites]
    sites = synthetic_sites(example_inputs(ROOT / "site_inputs"), args.sites)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ibcm-groups-") as temp:
        for size in sizes:
            project = make_project(Path(temp) / f"k{size}", sites)
            log = Path(temp) / f"k{size}.log"
            result = measure([sys.executable, "-c", BUILD, str(size), SPHINX_OPTS], cwd=project, log=log)
            if result.returncode != 0:
                print(log.read_text(encoding="utf-8")[-3000:], file=sys.stderr)
                return 1
            parts = len([p for p in (project / "docs" / "_build" / ".html-parts").iterdir() if p.is_dir()]) - 1
            rows.append({"sites_per_group": size, "groups": parts, **result.__dict__})
            print(
                f"{args.sites} sites, {size:>4} per group ({parts:>3} groups): wall {result.wall_s:7.1f} s"
                f"  CPU {result.cpu_s:7.1f} s  peak {result.peak_mib:6.0f} MiB",
                flush=True,
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"sites": args.sites, "runs": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
