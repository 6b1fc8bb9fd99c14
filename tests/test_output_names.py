"""Output file names made from user text (issue 15): never a clash, a device name or too long, and stable.

A firewall named ``dns`` used to overwrite its rule CSV with the DNS table; a long name failed with "file name too
long" after part of the output was written.  Also: ``dot`` and ``git`` that hang stop with an error naming the tool.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import time
from functools import cache
from pathlib import Path

import jinja2
import pytest
from helpers import formatted, set_path, site_dict, site_yaml

from generator.errors import BuildError
from generator.load import revision
from generator.load.revision import RevisionError, read_revision
from generator.pipeline import plan_site_text
from generator.plan import SitePlan
from generator.render.csv_export import CERTIFICATE_HEADER, DNS_HEADER, FIREWALL_HEADER, RULES_HEADER, csv_files
from generator.render.filenames import (
    MAX_PART,
    WINDOWS_RESERVED,
    OutputNameError,
    check_unique_paths,
    file_part,
    firewall_parts,
    is_reserved,
)
from generator.render.pages import render_site
from generator.render.templates import create_environment
from generator.sphinx_ext.runner import run_sphinx

ROOT = Path(__file__).resolve().parent.parent
SAFE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
HEADERS = {",".join(h) for h in (FIREWALL_HEADER, RULES_HEADER, DNS_HEADER, CERTIFICATE_HEADER)}

PAIRS = {
    "dns and certificates": ("dns", "certificates"),
    "upper case": ("DNS", "CERTIFICATES"),
    "mixed case": ("Dns", "Certificates"),
    "device names": ("con", "COM1"),
    "path separators": ("a/b", "a\\b"),
    "long names": ("x" * 64, "x" * 63 + "y"),
    "dropped characters": ("edge fw", "edge-fw"),
    "dots and wildcards": ("fw.1", 'fw*1?"<>|:'),
    "plan and rules": ("plan", "x-rules"),
    "only dropped characters": ("***", "???"),
}
"""Front and back firewall names that a plain slug would turn into clashing, unsafe or overlong file names."""


@cache
def environment() -> jinja2.Environment:
    return create_environment(ROOT / "templates")


def plan_with(front: str, back: str, platform: str | None = None) -> SitePlan:
    mutations = [set_path("network.front_firewall.name", front), set_path("network.back_firewall.name", back)]
    if platform:
        mutations += [set_path("network.front_firewall.platform", platform)]
        mutations += [set_path("network.back_firewall.platform", platform)]
    plan, diagnostics = plan_site_text(site_yaml(site_dict(*mutations)), "site_inputs/t.yaml")
    assert plan is not None, formatted(diagnostics)
    return plan


def names_of(plan: SitePlan) -> list[str]:
    return [path.removeprefix("TST/") for path in render_site(environment(), plan)]


@pytest.mark.parametrize("pair", list(PAIRS), ids=list(PAIRS))
def test_firewall_names_give_distinct_safe_stable_file_names(pair: str) -> None:
    front, back = PAIRS[pair]
    plan = plan_with(front, back)
    files = render_site(environment(), plan)
    names = [path.removeprefix("TST/") for path in files]
    assert len({n.lower() for n in names}) == len(names)
    assert not any(is_reserved(n) for n in names)
    assert names_of(plan_with(front, back)) == names  # the same in every run
    csvs = csv_files(plan)
    assert len(csvs) == 6
    for name, text in csvs.items():
        part = name.removeprefix("TST-").removesuffix(".csv").removesuffix("-rules")
        assert part in ("dns", "certificates") or SAFE.match(part), name
        assert len(name) <= len("TST-") + MAX_PART + len("-rules.csv")
        assert next(csv.reader(io.StringIO(str(text)))) and str(text).split("\n", 1)[0] in HEADERS
    # every table is in its own file: none overwritten
    assert str(csvs["TST-dns.csv"]).startswith(",".join(DNS_HEADER))
    assert str(csvs["TST-certificates.csv"]).startswith(",".join(CERTIFICATE_HEADER))
    assert sum(str(t).startswith(",".join(RULES_HEADER)) for t in csvs.values()) == 2
    assert sum(str(t).startswith(",".join(FIREWALL_HEADER)) for t in csvs.values()) == 2


def test_a_firewall_named_dns_keeps_its_rules_and_the_dns_table() -> None:
    plan = plan_with("dns", "certificates")
    files = csv_files(plan)
    dns_part = file_part("dns", hashed=True)
    assert dns_part.startswith("dns-") and f"TST-{dns_part}-rules.csv" in files
    rows = list(csv.DictReader(io.StringIO(files[f"TST-{dns_part}-rules.csv"])))
    assert rows and set(rows[0]) == set(RULES_HEADER)
    assert next(csv.reader(io.StringIO(files["TST-dns.csv"]))) == list(DNS_HEADER)


def test_a_clean_name_is_kept_as_it_is() -> None:
    assert file_part("FW-EDGE") == "FW-EDGE"
    assert "TST-FW-FRONT.csv" in names_of(plan_with("FW-FRONT", "FW-BACK"))


def test_file_part_is_safe_short_stable_and_never_a_device() -> None:
    assert file_part("a/b") == "a-b-" + file_part("a/b").rsplit("-", 1)[1]
    assert file_part("a/b") != file_part("a\\b") != file_part("a:b")
    assert file_part("a/b") == file_part("a/b")  # a hash of the text, not of the run
    assert file_part("x" * 64) != file_part("x" * 65) and len(file_part("x" * 64)) == MAX_PART
    assert file_part("x" * 40) == "x" * 40
    for device in sorted(WINDOWS_RESERVED):
        for spelling in (device, device.lower()):
            part = file_part(spelling)
            assert not is_reserved(part) and SAFE.match(part)
    assert SAFE.match(file_part("...")) and SAFE.match(file_part(" "))
    assert is_reserved("nul.csv") and is_reserved("Com1") and not is_reserved("console.csv")


def test_firewall_configurations_share_the_part_of_their_csv_files() -> None:
    pytest.importorskip("aerleon")
    from generator.render.firewall_config import firewall_configs

    plan = plan_with("dns", "d n s", platform="nftables")
    configs = firewall_configs(plan)
    flows = [n for n in csv_files(plan) if not n.endswith("-rules.csv") and n not in ("TST-dns.csv",)]
    stems = {c.filename.removesuffix("-nftables.nft") for c in configs}
    assert len(stems) == 2 and stems <= {n.removesuffix(".csv") for n in flows}
    assert len({c.filename.lower() for c in configs}) == 2


def test_names_that_differ_only_in_case_get_different_parts() -> None:
    # validation refuses such firewalls (duplicate-firewall-name); the naming does not rely on it
    parts = firewall_parts("TST", ["Edge", "edge", "EDGE"], ["TST-dns.csv"])
    assert parts["Edge"] == "Edge"
    assert len({p.lower() for p in parts.values()}) == 3
    assert firewall_parts("TST", ["Edge", "edge", "EDGE"], ["TST-dns.csv"]) == parts


def test_two_outputs_that_are_one_file_stop_the_render() -> None:
    check_unique_paths(["TST/a.csv", "TST/b.csv"], site="t.yaml")
    with pytest.raises(
        OutputNameError, match=r"^t\.yaml: two outputs would be one file: 'TST/a\.csv' and 'TST/A\.csv'"
    ):
        check_unique_paths(["TST/a.csv", "TST/A.csv"], site="t.yaml")
    with pytest.raises(OutputNameError, match="not valid on every file system"):
        check_unique_paths(["TST/aux.csv"], site="t.yaml")
    with pytest.raises(OutputNameError, match="not valid on every file system"):
        check_unique_paths(["TST/" + "x" * 256], site="t.yaml")


# --- external tools under a time limit --------------------------------------------------------------------------


def hanging_tool(folder: Path, name: str) -> Path:
    """An executable ``name`` that never answers (a hung ``dot`` or ``git``)."""
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n", encoding="utf-8")
    tool.chmod(0o755)
    return tool


def test_a_hanging_dot_stops_the_build_naming_dot_and_the_site(tmp_path: Path) -> None:
    dot = hanging_tool(tmp_path / "tools", "dot")
    docs = tmp_path / "docs"
    (docs / "_generated" / "CEN").mkdir(parents=True)
    (docs / "conf.py").write_text(
        f'extensions = ["generator.sphinx_ext.diagram"]\ngraphviz_dot = {str(dot)!r}\n'
        'graphviz_output_format = "svg"\ngraphviz_dot_timeout = 1\n',
        encoding="utf-8",
    )
    (docs / "index.rst").write_text("Runbooks\n========\n\n.. toctree::\n\n   _generated/CEN/index\n", encoding="utf-8")
    (docs / "_generated" / "CEN" / "index.rst").write_text(
        "CEN\n===\n\n.. graphviz::\n\n   digraph { a -> b }\n", encoding="utf-8"
    )
    started = time.monotonic()
    with pytest.raises(BuildError) as raised:
        run_sphinx("html", docs, tmp_path / "html", ["-q", "-E"])
    assert time.monotonic() - started < 30
    message = str(raised.value)
    assert "dot (Graphviz) did not finish within 1 s" in message
    assert "site CEN (_generated/CEN/index)" in message and str(dot) in message


def test_a_hanging_git_stops_reading_a_revision_in_the_configured_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging_tool(tmp_path / "tools", "git")
    monkeypatch.setenv("PATH", str(tmp_path / "tools"))
    monkeypatch.setattr(revision, "GIT_TIMEOUT", 1.0)
    site = tmp_path / "site_inputs" / "t.yaml"
    site.parent.mkdir()
    site.write_text("schema: 1\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RevisionError, match=r"^git did not answer within 1 s \(git rev-parse --show-prefix\)$"):
        read_revision(site, "v1")
    assert time.monotonic() - started < 10
